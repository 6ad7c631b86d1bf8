"""What a data set looks like, without numpy: alphabets, splits, and where
the enhancer may sit. Config validation reads these at every ``snakemake -n``,
so this module imports nothing heavy."""

from __future__ import annotations

DNA_ALPHABET = "ACGT"
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
SPLITS = ("train", "val", "test")


def distance_bounds(seq_len: int, promoter_len: int, enhancer_len: int) -> tuple[int, int]:
    """The smallest and largest ``distance_bp`` that keep the enhancer inside
    the sequence and off the promoter, on both sides."""
    centre = seq_len // 2
    lowest = promoter_len // 2 + 1  # upstream element ends before the promoter starts
    lowest = max(lowest, promoter_len - promoter_len // 2)  # downstream starts after it ends
    highest = min(seq_len - centre - enhancer_len, centre - enhancer_len + 1)
    return lowest, highest
