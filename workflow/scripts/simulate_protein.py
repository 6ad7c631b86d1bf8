"""Snakemake adapter: simulate the train/val/test splits of the protein task."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.data.simulate import simulate_protein, simulate_splits, write_splits

params = json.loads(snakemake.params.settings)  # the protein section
keys = ("seq_len", "motif_a", "motif_b", "min_separation")
splits = simulate_splits(simulate_protein, params, id_prefix="protein", **{key: params[key] for key in keys})
write_splits(splits, snakemake.output.fasta, snakemake.output.labels, log=lambda line: print(line, file=sys.stderr))
