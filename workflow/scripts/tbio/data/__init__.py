"""Synthetic sequences, FASTA I/O and one-hot encoding."""
