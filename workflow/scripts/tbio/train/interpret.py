"""What a trained model looks at: gradient x input along the sequence, and
(for the Enformer-style model) where the centre bin's attention goes."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..models.inputs import model_input


def gradient_times_input(model: nn.Module, x: torch.Tensor, batch_size: int, device: torch.device) -> np.ndarray:
    """(n, seq_len) contribution of each position of sequences ``x`` (uint8
    codes) to the logit: the gradient at the base that is present (one-hot
    input, so summing grad * input over channels picks it out)."""
    model.eval()
    scores = []
    for start in range(0, len(x), batch_size):
        batch = model_input(model, x[start : start + batch_size], device).requires_grad_(True)
        model(batch).sum().backward()
        scores.append((batch.grad * batch).sum(dim=-1).detach().cpu())
    return torch.cat(scores).numpy()


@torch.no_grad()
def centre_attention(model: nn.Module, x: torch.Tensor, batch_size: int, device: torch.device) -> np.ndarray:
    """(layers, n_bins): attention from the centre bin, averaged over heads
    and sequences ``x`` (uint8 codes). Needs a model with keep_attention /
    centre_attention."""
    model.eval()
    model.keep_attention(True)
    total, count = None, 0
    try:
        for start in range(0, len(x), batch_size):
            model(model_input(model, x[start : start + batch_size], device))
            maps = torch.stack([row.sum(dim=(0, 1)) / row.shape[1] for row in model.centre_attention()])
            total = maps if total is None else total + maps
            count += min(batch_size, len(x) - start)
    finally:
        model.keep_attention(False)
    return (total / count).cpu().numpy()


def used_reach_bp(mean_abs_contribution: np.ndarray, centre: int, share: float = 0.9) -> int:
    """Where a model's contribution mass lies: the smallest distance r from
    the readout ``centre`` such that positions within r bp hold ``share`` of
    the total mean |gradient x input|. A model's nominal receptive field
    bounds what it can use; this is what it did use on the test positives."""
    profile = np.asarray(mean_abs_contribution, dtype=np.float64)
    total = profile.sum()
    if not total > 0:
        return 0
    distance = np.abs(np.arange(len(profile)) - centre)
    mass = np.bincount(distance, weights=profile)
    return int(np.searchsorted(np.cumsum(mass), share * total - 1e-12 * total))
