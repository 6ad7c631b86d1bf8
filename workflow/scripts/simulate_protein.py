"""Snakemake adapter: simulate the train/val/test splits of the protein task
(tbio.data.spacing: two motif arrays whose spacing is the label)."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.data.bands import length_of
from tbio.data.simulate import simulate_splits, write_splits
from tbio.data.spacing import simulate_spacing

params = json.loads(snakemake.params.settings)  # the protein section, less the lengths
keys = ("motif_a", "motif_b", "near", "far", "repeats")
seq_len = length_of(snakemake.wildcards.protein_set)
splits = simulate_splits(
    simulate_spacing, params, id_prefix="protein", seq_len=seq_len, **{key: params[key] for key in keys}
)
write_splits(splits, snakemake.output.fasta, snakemake.output.labels, log=lambda line: print(line, file=sys.stderr))
