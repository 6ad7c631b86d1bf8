"""Snakemake adapter: forward+backward time and peak memory of one FAVOR+
and one exact attention layer over sequence lengths (tbio.bench.attention)."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.bench.attention import attention_scaling, crossover_length, fit_slope
from tbio.train.devices import claim_device


def log(line):
    print(line, file=sys.stderr, flush=True)


settings = json.loads(snakemake.params.settings)  # the scaling section
# on the device training uses: a GPU when torch sees one, with its own lengths;
# there every slot of one card, so that no training job shares the timed card
with claim_device(snakemake.config["jobs_per_gpu"], exclusive=True, log=log) as device:
    seq_lens = settings["gpu_seq_lens"] if device.type == "cuda" else settings["seq_lens"]
    # scaling.threads, not the scheduler's count (which --cores may lower), so timings compare
    table = attention_scaling(seq_lens=seq_lens, threads=settings["threads"], device=str(device), log=log)
log(f"measured on {table['device'].iloc[0]}; exact attention: {table['exact_kernel'].iloc[0]}")
table.to_csv(snakemake.output[0], sep="\t", index=False, float_format="%.6g")
for method in ("favor", "exact"):
    log(f"{method}: log-log fit of time against seq_len: {fit_slope(table, method).describe()}")
log(f"FAVOR+ faster than exact from seq_len {crossover_length(table) or '(none: not faster at the longest length)'} on")
