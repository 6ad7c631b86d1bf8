"""Snakemake adapter: FASTA + labels -> the sequences (one uint8 code a
letter; the one-hot is made per batch where a model is fed) and label .npy
arrays."""

import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.data.encode import write_encoded

shape = write_encoded(
    snakemake.input.fasta,
    snakemake.input.labels,
    snakemake.params.alphabet,
    snakemake.output.x,
    snakemake.output.y,
)
print(f"encoded {snakemake.input.fasta}: {shape}", file=sys.stderr)
