"""Snakemake adapter: FASTA + labels -> one-hot and label .npy arrays."""

import sys

from tbio.data.encode import write_encoded

sys.stderr = open(snakemake.log[0], "w")
shape = write_encoded(
    snakemake.input.fasta,
    snakemake.input.labels,
    snakemake.params.alphabet,
    snakemake.output.x,
    snakemake.output.y,
)
print(f"encoded {snakemake.input.fasta}: {shape}", file=sys.stderr)
