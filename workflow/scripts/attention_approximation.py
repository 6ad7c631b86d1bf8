"""Snakemake adapter: FAVOR+ relative error against exact attention, per
number of random features, orthogonal and iid (tbio.bench.attention)."""

import sys

import torch

from tbio.bench.attention import approximation_error

OPTIONAL = ("kinds", "seq_len", "head_dim", "logit_std", "seed")  # library defaults unless the rule sets them

sys.stderr = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
params = snakemake.params
options = {name: params[name] for name in OPTIONAL if name in params.keys()}
table = approximation_error(features_list=list(params.features), draws=params.draws, **options)
table.to_csv(snakemake.output[0], sep="\t", index=False, float_format="%.6g")
summary = table.groupby(["features", "kind"])["rel_error"].mean().unstack()
print(f"mean relative error over {params.draws} draws ({options or 'library defaults'}):", file=sys.stderr)
print(summary.to_string(float_format="%.4f"), file=sys.stderr)
