"""Snakemake adapter: simulate the train/val/test splits of one distance window."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.data.motifs import task_elements
from tbio.data.pairs import simulate_pairs
from tbio.data.simulate import simulate_splits, write_splits

dna = json.loads(snakemake.params.settings)  # the dna section, see common.smk
window = (int(snakemake.wildcards.low), int(snakemake.wildcards.high))
promoters, enhancers = task_elements(dna)
splits = simulate_splits(
    simulate_pairs,
    dna,
    *window,
    id_prefix=f"w{window[0]}-{window[1]}",
    seq_len=dna["seq_len"],
    promoters=promoters,
    enhancers=enhancers,
    window=window,
)
write_splits(splits, snakemake.output.fasta, snakemake.output.labels, log=lambda line: print(line, file=sys.stderr))
