"""What a model is fed: sequences are stored as one byte a letter
(``tbio.data.encode``) and become float one-hot only per batch, on the
model's device, so a data set costs a byte a base in host and GPU memory
whatever the alphabet."""

from __future__ import annotations

import functools

import torch
from torch import nn


@functools.lru_cache(maxsize=None)
def _rows(channels: int, device: torch.device) -> torch.Tensor:
    """(256, channels) float32: row c is code c's one-hot column, zero for
    every code of ``channels`` or more."""
    rows = torch.zeros(256, channels, device=device)
    rows[:channels] = torch.eye(channels, device=device)
    return rows


def one_hot(codes: torch.Tensor, channels: int) -> torch.Tensor:
    """(..., seq_len) uint8 codes -> (..., seq_len, channels) float32 one-hot,
    made where ``codes`` lie; a code of ``channels`` or more (N) gives an
    all-zero column. A row look-up: on the CPU faster than the float copy of
    a stored uint8 one-hot it replaces (0.16 against 0.55 ms for a protein
    batch of 32 x 1,024 x 21, 0.12 against 0.09 ms for DNA's 64 x 512 x 4)."""
    return nn.functional.embedding(codes.long(), _rows(channels, codes.device))


def model_input(model: nn.Module, codes: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A batch of codes as ``model``'s one-hot input on ``device``. From the
    host to a GPU the batch goes through pinned memory, so the copy runs
    asynchronously while the Python loop queues the step's work (a batch is
    1 byte a base until it reaches the device)."""
    if device.type == "cuda" and codes.device.type == "cpu" and not codes.is_pinned():
        codes = codes.pin_memory()
    return one_hot(codes.to(device, non_blocking=True), model.in_channels)
