"""Snakemake adapter: simulate the train/val/test splits of one DNA distance."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.data.simulate import simulate_dna, simulate_splits, write_splits

params = json.loads(snakemake.params.settings)  # the dna section, see common.smk
distance = int(snakemake.wildcards.distance)
keys = ("seq_len", "promoter", "enhancer", "decoy")
settings = {key: params[key] for key in keys}
splits = simulate_splits(simulate_dna, params, distance, id_prefix=f"d{distance}", distance_bp=distance, **settings)
write_splits(splits, snakemake.output.fasta, snakemake.output.labels, log=lambda line: print(line, file=sys.stderr))
