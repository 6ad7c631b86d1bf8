"""Snakemake adapter: simulate the train/val/test splits of one DNA distance."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.data.simulate import SPLITS, simulate_dna, split_seed, write_splits

params = json.loads(snakemake.params.settings)  # the dna section, see common.smk
distance = int(snakemake.wildcards.distance)
sizes = {split: params[f"n_{split}"] for split in SPLITS}
splits = {
    split: simulate_dna(
        n=sizes[split],
        seq_len=params["seq_len"],
        promoter=params["promoter"],
        enhancer=params["enhancer"],
        distance_bp=distance,
        seed=split_seed(params["data_seed"], split, distance),
        decoy=params["decoy"],
        id_prefix=f"d{distance}_{split}",
    )
    for split in SPLITS
}
write_splits(splits, snakemake.output.fasta, snakemake.output.labels, log=lambda line: print(line, file=sys.stderr))
