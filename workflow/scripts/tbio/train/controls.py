"""Controls that can fail, for the compatibility task (tbio.data.pairs), and
accuracy against the exact distance.

A trained model's test accuracy says little unless the same model, on the
same sequences, falls to chance once the information the task puts in one
place is removed. Each control scores the test split again:

- ``enhancer_masked``: the readout promoter's enhancer set to N (all-zero one-hot);
- ``promoter_masked``: the readout promoter set to N;
- ``untrained``: the model as initialised, before any step.

Both masks remove half of the pair that decides the label; what is left (the
other element, the other pair) has the same distribution in both classes, so a
model that read the readout pair must fall to chance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..data.encode import N_CODE
from . import CONTROLS
from .loop import evaluate, predict


def mask_spans(x: torch.Tensor, starts, ends) -> torch.Tensor:
    """A copy of codes ``x`` (n, seq_len) with bases [starts[i], ends[i]) of
    sequence i set to N (N_CODE: all zero once one-hot)."""
    starts, ends = np.asarray(starts), np.asarray(ends)
    if len(starts) != len(x) or len(ends) != len(x):
        raise ValueError(f"{len(x)} sequences but {len(starts)} starts and {len(ends)} ends")
    positions = np.arange(x.shape[1])
    keep = ~((positions[None, :] >= starts[:, None]) & (positions[None, :] < ends[:, None]))
    return x.masked_fill(torch.from_numpy(~keep), N_CODE)


def control_accuracies(
    model: nn.Module,
    untrained_state: dict,
    x: torch.Tensor,
    y: torch.Tensor,
    labels: pd.DataFrame,
    batch_size: int,
    device: torch.device,
    trained_accuracy: float | None = None,
) -> dict[str, float]:
    """Test accuracy of ``model`` as trained (``none``; ``trained_accuracy``
    where the caller has scored it already) and under each control, keyed in
    the order of CONTROLS. ``labels``: the test split's labels TSV
    (promoter_start, promoter_end, enhancer_start, enhancer_end per sequence,
    in the order of ``x``)."""
    if trained_accuracy is None:
        trained_accuracy = evaluate(model, x, y, batch_size, device)["accuracy"]
    scores = {"none": trained_accuracy}
    enhancer = mask_spans(x, labels["enhancer_start"], labels["enhancer_end"])
    scores["enhancer_masked"] = evaluate(model, enhancer, y, batch_size, device)["accuracy"]
    promoter = mask_spans(x, labels["promoter_start"], labels["promoter_end"])
    scores["promoter_masked"] = evaluate(model, promoter, y, batch_size, device)["accuracy"]
    trained_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    try:
        model.load_state_dict(untrained_state)
        scores["untrained"] = evaluate(model, x, y, batch_size, device)["accuracy"]
    finally:
        model.load_state_dict(trained_state)
    return {name: scores[name] for name in CONTROLS}


def accuracy_by_distance(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, distances, bin_bp: int, batch_size: int, device: torch.device
) -> pd.DataFrame:
    """Accuracy on sequences binned by their exact distance (bins of
    ``bin_bp`` from 0): ``distance_min_bp, distance_max_bp`` (inclusive),
    ``distance_bp`` (the bin's centre), ``n``, ``accuracy``."""
    if bin_bp < 1:
        raise ValueError(f"bin_bp must be at least 1, got {bin_bp}")
    correct = (predict(model, x, batch_size, device) > 0) == y.numpy().astype(bool)  # logits
    table = pd.DataFrame({"bin": np.asarray(distances) // bin_bp, "correct": correct})
    grouped = table.groupby("bin")["correct"].agg(["size", "mean"]).reset_index()
    low = grouped["bin"] * bin_bp
    return pd.DataFrame(
        {
            "distance_bp": low + (bin_bp - 1) / 2,
            "distance_min_bp": low,
            "distance_max_bp": low + bin_bp - 1,
            "n": grouped["size"],
            "accuracy": grouped["mean"],
        }
    )
