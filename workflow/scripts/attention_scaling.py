"""Snakemake adapter: forward+backward time and peak memory of one FAVOR+
and one exact attention layer over sequence lengths (tbio.bench.attention)."""

import sys

from tbio.bench.attention import attention_scaling, crossover_length, fit_slope

OPTIONAL = ("heads", "head_dim", "nb_features", "repeats", "min_seconds", "max_seconds", "max_memory_mb", "device")


def log(line):
    print(line, file=sys.stderr, flush=True)


sys.stderr = open(snakemake.log[0], "w")
params = snakemake.params
options = {name: params[name] for name in OPTIONAL if name in params.keys()}
table = attention_scaling(seq_lens=list(params.seq_lens), threads=snakemake.threads, log=log, **options)
table.to_csv(snakemake.output[0], sep="\t", index=False, float_format="%.6g")
for method in ("favor", "exact"):
    log(f"{method}: log-log slope of time over lengths >= 1024: {fit_slope(table, method):.2f}")
log(f"FAVOR+ faster than exact from seq_len {crossover_length(table)} on")
