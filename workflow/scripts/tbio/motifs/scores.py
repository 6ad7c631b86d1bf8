"""Contribution scores fit for motif discovery: actual and hypothetical.

The method is the input gradient with the mean-centring correction of
Majdandzic et al. (2023, "Correcting gradient-based interpretations of deep
neural networks for genomics"): at each position the gradient's mean over
the four bases is removed, which leaves the gradient's component along the
simplex one-hot inputs live on. The corrected gradient is the hypothetical
contribution of each base at each position (what that base would contribute
if it were present); times the one-hot input it is the actual contribution.

Why this method: one backward pass per sequence, and it is defined for any
differentiable model, convolutions and attention alike. DeepLIFT/DeepSHAP
needs a propagation rule per layer and has none in common use for softmax
attention (gReLU issue 56, "Enable deepshap for enformer models"); in-silico
mutagenesis is exact for single substitutions but costs 3 x seq_len forward
passes per sequence, about 1,500 for 512 bp, beyond the default run's budget
on two cores.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def hypothetical_contributions(
    model: nn.Module, one_hot: torch.Tensor, batch_size: int, device: torch.device
) -> np.ndarray:
    """(n, seq_len, 4) mean-centred gradients of the logit at ``one_hot``
    (n, seq_len, 4): the hypothetical contribution of every base at every
    position. Multiply by ``one_hot`` for the actual contribution."""
    model.eval()
    scores = []
    for start in range(0, len(one_hot), batch_size):
        batch = one_hot[start : start + batch_size].to(device).float().requires_grad_(True)
        model(batch).sum().backward()
        gradient = batch.grad.detach()
        scores.append((gradient - gradient.mean(dim=-1, keepdim=True)).cpu())
    return torch.cat(scores).numpy().astype(np.float32)
