"""The one training loop shared by every model, its metrics, and interpretation."""
