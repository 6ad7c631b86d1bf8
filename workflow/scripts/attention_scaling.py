"""Snakemake adapter: forward+backward time and peak memory of one FAVOR+
and one exact attention layer over sequence lengths (tbio.bench.attention)."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.bench.attention import attention_scaling, crossover_length, fit_slope


def log(line):
    print(line, file=sys.stderr, flush=True)


settings = json.loads(snakemake.params.settings)  # the scaling section
# scaling.threads, not the scheduler's count (which --cores may lower), so timings compare
table = attention_scaling(seq_lens=settings["seq_lens"], threads=settings["threads"], log=log)
table.to_csv(snakemake.output[0], sep="\t", index=False, float_format="%.6g")
for method in ("favor", "exact"):
    log(f"{method}: log-log fit of time against seq_len: {fit_slope(table, method).describe()}")
log(f"FAVOR+ faster than exact from seq_len {crossover_length(table) or '(none: not faster at the longest length)'} on")
