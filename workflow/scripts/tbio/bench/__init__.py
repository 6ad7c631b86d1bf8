"""Measurements of attention itself, apart from any task: how well FAVOR+
approximates softmax attention, and what each costs as sequences grow."""
