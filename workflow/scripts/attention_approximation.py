"""Snakemake adapter: FAVOR+ and uniform attention against exact attention,
per number of random features, orthogonal and iid, on synthetic inputs at
each logit scale and on the q, k, v of the trained Performer and transformer
(tbio.bench.attention)."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

import numpy as np
import pandas as pd
import torch

from tbio.bench.attention import SyntheticInputs, approximation_error, capture_qkv
from tbio.models import build_model

torch.set_num_threads(snakemake.threads)
settings = json.loads(snakemake.params.settings)  # the approximation section
draws = settings["draws"]
inputs = [SyntheticInputs(logit_std=std) for std in settings["logit_stds"]]
test_x = torch.from_numpy(np.load(snakemake.input.x_test)[:draws])
for model_name in ("performer", "transformer"):
    checkpoint = torch.load(snakemake.input[model_name], map_location="cpu", weights_only=True)
    model, _ = build_model(model_name, checkpoint["model_config"], checkpoint["seq_len"], checkpoint["in_channels"])
    model.load_state_dict(checkpoint["state_dict"])
    inputs.append(capture_qkv(model, test_x, f"trained_{model_name}"))

table = pd.concat([approximation_error(settings["features"], draws=draws, inputs=each) for each in inputs])
table.to_csv(snakemake.output[0], sep="\t", index=False, float_format="%.6g")
summary = table.groupby(["inputs", "kind", "features"], dropna=False)["rel_error"].mean().unstack(["inputs"])
print(f"mean relative error over {draws} draws (features empty: uniform attention):", file=sys.stderr)
print(summary.to_string(float_format="%.4f"), file=sys.stderr)
