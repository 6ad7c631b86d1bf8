"""What a data set looks like, without numpy: alphabets and splits. Config
validation reads these at every ``snakemake -n``, so this module imports
nothing heavy (where the DNA task's elements sit: ``layout``)."""

from __future__ import annotations

DNA_ALPHABET = "ACGT"
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
SPLITS = ("train", "val", "test")


class SimulationError(ValueError):
    """A simulation parameter that cannot produce the requested data."""
