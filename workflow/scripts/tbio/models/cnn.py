"""A dilated CNN with a local readout: the prediction is made from the
representation at the promoter (the central position), so the receptive field
is the only window of sequence the model can use (Basenji-style tower).

Stride 1 and 'same' padding everywhere keep the receptive field symmetric
around the readout: ``receptive_field_bp`` bases, centred on ``seq_len // 2``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

from . import conv_field


@dataclass
class CNNConfig:
    channels: int = 32
    stem_kernel: int = 15
    kernel_size: int = 5
    dilations: list[int] = field(default_factory=lambda: [1, 2, 4, 8])
    head_hidden: int = 32
    # GlobalPoolCNN's readout over positions: max (is a feature anywhere) or
    # mean of the GELU'd features (how often: with no tower, a bag of k-mer counts)
    pool: str = "max"


def receptive_field_bp(config: CNNConfig) -> int:
    """Exact receptive field of one output position (``tbio.models.conv_field``)."""
    return conv_field(vars(config))


class DilatedResidualBlock(nn.Module):
    def __init__(self, channels: int, kernel_size: int, dilation: int):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, kernel_size, dilation=dilation, padding="same")
        self.mix = nn.Conv1d(channels, channels, 1)
        self.act = nn.GELU()

    def forward(self, x):  # (batch, channels, length)
        return x + self.mix(self.act(self.conv(self.act(x))))


class CNN(nn.Module):
    def __init__(self, config: CNNConfig, seq_len: int, in_channels: int = 4):
        super().__init__()
        self.in_channels = in_channels  # the one-hot's channels (tbio.models.inputs)
        if config.stem_kernel % 2 == 0 or config.kernel_size % 2 == 0:
            raise ValueError("CNN kernel sizes must be odd so the receptive field is centred on the readout")
        self.config, self.seq_len = config, seq_len
        self.stem = nn.Conv1d(in_channels, config.channels, config.stem_kernel, padding="same")
        self.tower = nn.Sequential(
            *[DilatedResidualBlock(config.channels, config.kernel_size, d) for d in config.dilations]
        )
        self.head = nn.Sequential(
            nn.GELU(), nn.Linear(config.channels, config.head_hidden), nn.GELU(), nn.Linear(config.head_hidden, 1)
        )

    def receptive_field_bp(self) -> int:
        return receptive_field_bp(self.config)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, seq_len, 4) one-hot -> (batch, channels, seq_len) per-position features."""
        return self.tower(self.stem(x.transpose(1, 2)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Only the receptive-field window around the readout can reach it, so
        # convolve just that window (zero-padded where it leaves the sequence,
        # exactly as 'same' padding would): the same function as convolving
        # the whole sequence, at a fraction of the cost (tests check both).
        half = (self.receptive_field_bp() - 1) // 2
        centre, length = x.shape[1] // 2, x.shape[1]
        pad_left, pad_right = max(0, half - centre), max(0, centre + half + 1 - length)
        padded = F.pad(x, (0, 0, pad_left, pad_right))  # pads the length axis of (batch, length, 4)
        start = centre + pad_left - half
        window = padded[:, start : start + 2 * half + 1]
        view = self.features(window)[:, :, half]  # (batch, channels): the promoter's view
        return self.head(view).squeeze(-1)


class ValidResidualBlock(DilatedResidualBlock):
    """DilatedResidualBlock without padding: the output is shorter by
    (kernel_size - 1) * dilation, and the skip path is cropped to match, so
    no position ever sees a padded zero."""

    def __init__(self, channels: int, kernel_size: int, dilation: int):
        super().__init__(channels, kernel_size, dilation)
        self.conv = nn.Conv1d(channels, channels, kernel_size, dilation=dilation)
        self.crop = (kernel_size - 1) * dilation // 2

    def forward(self, x):
        return x[:, :, self.crop : x.shape[-1] - self.crop] + self.mix(self.act(self.conv(self.act(x))))


class GlobalPoolCNN(nn.Module):
    """The control for "attention reaches far": the CNN's stem and tower with
    valid convolutions, read out by a maximum over all positions.

    Every feature sees one receptive field of the local CNN, and no feature
    sees an edge of the sequence (no padding, unless the whole sequence is
    shorter than one receptive field), so the model can detect any
    motif or motif pair that fits in its receptive field anywhere in the
    sequence, but cannot tell where it was: a bag of local features. A task
    whose classes have the same local features in different places is at
    chance for it by construction. With ``pool`` mean and no tower it counts
    learned k-mers (k = stem_kernel) over the sequence: a bag of tokens.
    """

    def __init__(self, config: CNNConfig, seq_len: int, in_channels: int = 4):
        super().__init__()
        self.in_channels = in_channels  # the one-hot's channels (tbio.models.inputs)
        if config.stem_kernel % 2 == 0 or config.kernel_size % 2 == 0:
            raise ValueError("CNN kernel sizes must be odd")
        if config.pool not in ("max", "mean"):
            raise ValueError(f"pool {config.pool!r} is unknown; expected 'max' or 'mean'")
        self.config, self.seq_len = config, seq_len
        self.stem = nn.Conv1d(in_channels, config.channels, config.stem_kernel)
        self.tower = nn.Sequential(
            *[ValidResidualBlock(config.channels, config.kernel_size, d) for d in config.dilations]
        )
        self.head = nn.Sequential(
            nn.GELU(), nn.Linear(config.channels, config.head_hidden), nn.GELU(), nn.Linear(config.head_hidden, 1)
        )

    def receptive_field_bp(self) -> int:
        """The readout pools over every position: the whole sequence reaches it."""
        return self.seq_len

    def local_field_bp(self) -> int:
        """What one feature sees before the pooling: the local CNN's receptive field."""
        return receptive_field_bp(self.config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        short = self.local_field_bp() - x.shape[1]
        if short > 0:  # a sequence shorter than one receptive field: padded with N to one, a single feature
            x = F.pad(x, (0, 0, short // 2, short - short // 2))
        features = self.tower(self.stem(x.transpose(1, 2)))  # (batch, channels, seq_len - field + 1)
        # a mean of linear features would only count residues; after the
        # nonlinearity each channel is a k-mer detector, counted
        pooled = features.amax(dim=-1) if self.config.pool == "max" else F.gelu(features).mean(dim=-1)
        return self.head(pooled).squeeze(-1)
