"""A Basenji-style dilated CNN: the control for "attention reaches far" that
has the reach on paper.

Basenji2 (Kelley 2020) and Enformer (Avsec et al. 2021) share the
convolutional stem and pooling tower; Basenji2 then widens its receptive field
with dilated residual convolutions over the bins, where Enformer uses
attention. This model is the Enformer-style model with exactly that swap: the
same stem and tower (``enformer.stem_and_tower``), then one dilated residual
block per entry of ``dilations`` over the bins, read out at the centre bin.
Its nominal receptive field (``receptive_field_bp``) covers the whole
sequence at the default settings; whether it uses that reach is what the
experiment measures (the Enformer paper's point against Basenji2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from .enformer import CentreBinModel, ConvBlock, Residual, centre_head, tower_receptive_field_bp


@dataclass
class BasenjiConfig:
    dim: int = 32
    stem_kernel: int = 15
    tower_kernel: int = 5
    n_pool: int = 3  # attention-pooling stages; one bin = 2 ** n_pool bp
    kernel_size: int = 3  # of the dilated convs over bins
    dilations: list[int] = field(default_factory=lambda: [1, 2, 4, 8, 16])
    tracks: int = 0  # element tracks read out at every bin (tbio.train.tracks); 0: none


def receptive_field_bp(config: BasenjiConfig) -> int:
    """Bases that reach the readout bin: the tower's field, widened by
    (kernel_size - 1) * dilation bins of 2 ** n_pool bp per dilated block."""
    bin_bp = 2**config.n_pool
    dilated = sum((config.kernel_size - 1) * d for d in config.dilations) * bin_bp
    return tower_receptive_field_bp(config.stem_kernel, config.tower_kernel, config.n_pool) + dilated


class BasenjiCNN(CentreBinModel):
    def __init__(self, config: BasenjiConfig, seq_len: int, in_channels: int = 4):
        super().__init__(config, seq_len, in_channels)
        # Basenji2's dilated residual block: BN-GELU-conv (dilated), BN-GELU-conv 1x1, added back
        self.dilated = nn.Sequential(
            *[
                Residual(
                    nn.Sequential(
                        ConvBlock(config.dim, config.dim, config.kernel_size, dilation=d),
                        ConvBlock(config.dim, config.dim, 1),
                    )
                )
                for d in config.dilations
            ]
        )
        self.head = centre_head(config.dim)

    def receptive_field_bp(self) -> int:
        """Nominal: how many bases can reach the readout bin (may exceed seq_len)."""
        return receptive_field_bp(self.config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bins = self.dilated(self.bins(x))  # (batch, dim, n_bins)
        return self.head(bins[:, :, self.centre_bin]).squeeze(-1)
