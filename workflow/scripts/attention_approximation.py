"""Snakemake adapter: FAVOR+ relative error against exact attention, per
number of random features, orthogonal and iid (tbio.bench.attention)."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

import torch

from tbio.bench.attention import approximation_error

torch.set_num_threads(snakemake.threads)
settings = json.loads(snakemake.params.settings)  # the approximation section
table = approximation_error(features_list=settings["features"], draws=settings["draws"])
table.to_csv(snakemake.output[0], sep="\t", index=False, float_format="%.6g")
summary = table.groupby(["features", "kind"])["rel_error"].mean().unstack()
print(f"mean relative error over {settings['draws']} draws:", file=sys.stderr)
print(summary.to_string(float_format="%.4f"), file=sys.stderr)
