"""Snakemake adapter: simulate the train/val/test splits of the protein task."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.data.simulate import SPLITS, simulate_protein, split_seed, write_splits

params = json.loads(snakemake.params.settings)  # the protein section
sizes = {split: params[f"n_{split}"] for split in SPLITS}
splits = {
    split: simulate_protein(
        n=sizes[split],
        seq_len=params["seq_len"],
        motif_a=params["motif_a"],
        motif_b=params["motif_b"],
        min_separation=params["min_separation"],
        seed=split_seed(params["data_seed"], split),
        id_prefix=f"protein_{split}",
    )
    for split in SPLITS
}
write_splits(splits, snakemake.output.fasta, snakemake.output.labels, log=lambda line: print(line, file=sys.stderr))
