"""Snakemake adapter: forward+backward time and peak memory of one FAVOR+
and one exact attention layer over sequence lengths (tbio.bench.attention)."""

import json
import sys

from tbio.bench.attention import attention_scaling, crossover_length, fit_slope


def log(line):
    print(line, file=sys.stderr, flush=True)


sys.stderr = open(snakemake.log[0], "w")
settings = json.loads(snakemake.params.settings)  # the scaling section
# scaling.threads, not the scheduler's count (which --cores may lower), so timings compare
table = attention_scaling(seq_lens=settings["seq_lens"], threads=settings["threads"], log=log)
table.to_csv(snakemake.output[0], sep="\t", index=False, float_format="%.6g")
for method in ("favor", "exact"):
    log(f"{method}: log-log slope of time over lengths >= 1024: {fit_slope(table, method):.2f}")
log(f"FAVOR+ faster than exact from seq_len {crossover_length(table)} on")
