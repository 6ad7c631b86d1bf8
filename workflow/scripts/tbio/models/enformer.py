"""An Enformer-style hybrid, small enough for a laptop CPU.

As in Enformer (Avsec et al. 2021; lucidrains/enformer-pytorch): a
convolutional stem and tower whose attention pooling (softmax over windows of
2) halves the resolution at each stage, transformer layers over the resulting
bins with relative positional information, and a pointwise head read out at
the central bin, where the promoter sits.

Relative positions: Enformer feeds its exponential / central-mask / gamma basis
of the relative distance into a Transformer-XL content-position term. Here the
same basis functions (exponential and central mask, symmetric plus signed) are
projected to one additive bias per head. That keeps what matters for this task,
heads that can prefer near or far bins and up- or downstream, at a fraction of
the parameters; the content-position product is dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class EnformerConfig:
    dim: int = 64  # tower output channels = transformer width
    stem_kernel: int = 15
    tower_kernel: int = 5
    n_pool: int = 3  # attention-pooling stages; one bin = 2 ** n_pool bp
    depth: int = 2
    heads: int = 4
    ff_mult: int = 2
    dropout: float = 0.0
    n_basis: int = 6  # basis functions per kind (exponential, central mask, and gamma if on)
    # Enformer's third kind: gamma densities with means spread evenly over the
    # sequence, bumps that can single out a band of distances
    gamma_basis: bool = False
    # logits of position bias per unit of its weights: the basis is scaled by
    # this, so the bias moves this many times as fast per optimiser step; with
    # a gain other than 1 the bias weights start at 0 (no distance preferred)
    position_gain: float = 1.0
    tracks: int = 0  # element tracks read out at every bin (tbio.train.tracks); 0: none
    # every head adds to each key bin's score the log odds that the model's
    # own track head gives an element there (the odds of its tracks summed,
    # each weighed and the sum scaled by learnt numbers that start at 1):
    # attention starts on the few bins where it sees an element instead of
    # evenly over thousands (needs tracks)
    track_keys: bool = False


class AttentionPool(nn.Module):
    """Softmax-weighted pooling over non-overlapping windows of 2 positions;
    initialised close to max pooling, as in Enformer. A softmax over two
    logits is a sigmoid of their difference, which is much cheaper on a CPU."""

    def __init__(self, channels: int):
        super().__init__()
        self.to_logits = nn.Conv1d(channels, channels, 1, bias=False)
        nn.init.dirac_(self.to_logits.weight)
        with torch.no_grad():
            self.to_logits.weight.mul_(2.0)

    def forward(self, x):  # (batch, channels, length) -> (batch, channels, length / 2)
        logits = self.to_logits(x)
        left, right = x[:, :, 0::2], x[:, :, 1::2]
        weight_left = torch.sigmoid(logits[:, :, 0::2] - logits[:, :, 1::2])
        return right + (left - right) * weight_left


class ConvBlock(nn.Module):
    """BatchNorm -> GELU -> Conv, Enformer's conv block."""

    def __init__(self, channels_in: int, channels_out: int, kernel_size: int, dilation: int = 1):
        super().__init__()
        self.norm = nn.BatchNorm1d(channels_in)
        self.conv = nn.Conv1d(channels_in, channels_out, kernel_size, dilation=dilation, padding="same")

    def forward(self, x):
        return self.conv(F.gelu(self.norm(x)))


class Residual(nn.Module):
    def __init__(self, fn: nn.Module):
        super().__init__()
        self.fn = fn

    def forward(self, x, *args, **kwargs):
        return x + self.fn(x, *args, **kwargs)


def stem_and_tower(dim: int, stem_kernel: int, tower_kernel: int, n_pool: int, in_channels: int):
    """Enformer's convolutional stem and tower: from one-hot bases to ``dim``
    channels per bin of 2 ** n_pool bp, widening from dim / 2 while each of
    the n_pool stages halves the resolution by attention pooling."""
    half = dim // 2
    stem = nn.Sequential(
        nn.Conv1d(in_channels, half, stem_kernel, padding="same"),
        Residual(ConvBlock(half, half, 1)),
        AttentionPool(half),
    )
    widths = [half] + [round(half * 2 ** ((i + 1) / max(1, n_pool - 1))) for i in range(n_pool - 1)]
    widths[-1] = dim
    tower = nn.Sequential(
        *[
            nn.Sequential(
                ConvBlock(widths[i], widths[i + 1], tower_kernel),
                Residual(ConvBlock(widths[i + 1], widths[i + 1], 1)),
                AttentionPool(widths[i + 1]),
            )
            for i in range(n_pool - 1)
        ]
    )
    return stem, tower


def tower_receptive_field_bp(stem_kernel: int, tower_kernel: int, n_pool: int) -> int:
    """Bases that reach one bin after the stem and tower: a conv of kernel k
    at a resolution of r bp widens the field by (k - 1) r, a pooling of 2 by r."""
    field, resolution = 1 + (stem_kernel - 1) + 1, 2  # stem conv, then its pooling
    for _ in range(n_pool - 1):
        field += (tower_kernel - 1) * resolution + resolution
        resolution *= 2
    return field


def gamma_features(absolute: torch.Tensor, n_bins: int, n_basis: int) -> torch.Tensor:
    """Enformer's gamma basis of distances ``absolute`` (n, 1): densities with
    means spread evenly up to n_bins and a standard deviation of
    n_bins / (2 n_basis), each scaled to a maximum of 1: (n, n_basis)."""
    stddev = n_bins / (2 * n_basis)
    mean = torch.linspace(n_bins / n_basis, n_bins, n_basis)
    concentration, rate = (mean / stddev) ** 2, mean / stddev**2
    log_density = (
        torch.xlogy(concentration - 1, absolute) - rate * absolute + concentration * torch.log(rate)
    ) - torch.lgamma(concentration)
    density = torch.exp(log_density) + 1e-8
    return density / density.amax(dim=0, keepdim=True)


def relative_position_basis(n_bins: int, n_basis: int, gamma: bool = False) -> torch.Tensor:
    """Enformer's exponential and central-mask features (and with ``gamma``
    its gamma features) of every relative distance r in [-(n_bins - 1),
    n_bins - 1], symmetric and signed: (2 n_bins - 1, 4 n_basis), or
    (2 n_bins - 1, 6 n_basis) with gamma."""
    distances = torch.arange(-n_bins + 1, n_bins, dtype=torch.float32)
    absolute = distances.abs()[:, None]
    # exponential decay with half-lives log-spaced from 3 bins to n_bins
    half_lives = 2 ** torch.linspace(math.log2(3.0), math.log2(max(n_bins, 4)), n_basis)
    exponential = torch.exp(-math.log(2.0) / half_lives * absolute)
    # central mask: 1 inside windows of growing width
    widths = 2 ** torch.arange(1, n_basis + 1, dtype=torch.float32) - 1
    central = (widths > absolute).float()
    symmetric = torch.cat(
        [exponential, central] + ([gamma_features(absolute, n_bins, n_basis)] if gamma else []), dim=-1
    )
    return torch.cat([symmetric, torch.sign(distances)[:, None] * symmetric], dim=-1)


class RelativeAttention(nn.Module):
    """Multi-head self-attention over bins with a per-head relative-position bias."""

    def __init__(
        self,
        dim: int,
        heads: int,
        n_bins: int,
        n_basis: int,
        dropout: float,
        gamma: bool = False,
        position_gain: float = 1.0,
    ):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_kv = nn.Linear(dim, 2 * dim, bias=False)
        self.to_out = nn.Linear(dim, dim)
        basis = relative_position_basis(n_bins, n_basis, gamma)
        self.register_buffer("basis", basis * position_gain, persistent=False)  # x 1.0 is exact
        self.to_bias = nn.Linear(self.basis.shape[-1], heads, bias=False)
        if position_gain != 1.0:
            nn.init.zeros_(self.to_bias.weight)
        index = torch.arange(n_bins)
        self.register_buffer("offsets", index[None, :] - index[:, None] + n_bins - 1, persistent=False)
        self.keep_attention = False
        self.last_attention: torch.Tensor | None = None

    def position_bias(self, queries: slice) -> torch.Tensor:
        per_distance = self.to_bias(self.basis)  # (2 n - 1, heads)
        return per_distance[self.offsets[queries]].permute(2, 0, 1)  # (heads, n_query, n_key)

    def forward(self, x, queries: slice = slice(None), key_bias: torch.Tensor | None = None):
        """x: (batch, bins, dim) -> (batch, query bins, dim): every bin
        attends, or only the bins in ``queries`` (the keys are always all);
        ``key_bias`` (batch, heads, bins) is added to every query's scores."""
        batch, bins, dim = x.shape
        q = self.to_q(x[:, queries]).unflatten(-1, (self.heads, -1)).transpose(1, 2)
        k, v = self.to_kv(x).view(batch, bins, 2, self.heads, dim // self.heads).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + self.position_bias(queries)
        if key_bias is not None:
            scores = scores + key_bias[:, :, None, :]
        attention = scores.softmax(dim=-1)  # (batch, heads, query bins, bins): a few dozen, explicit is cheap
        if self.keep_attention:
            self.last_attention = attention.detach()
        out = F.dropout(attention, self.dropout, self.training) @ v
        return self.to_out(out.transpose(1, 2).flatten(-2))


class TransformerLayer(nn.Module):
    """Pre-LN attention and feed-forward, each a residual branch."""

    def __init__(self, config: EnformerConfig, n_bins: int):
        super().__init__()
        self.attention_norm = nn.LayerNorm(config.dim)
        self.attention = RelativeAttention(
            config.dim, config.heads, n_bins, config.n_basis, config.dropout, config.gamma_basis, config.position_gain
        )
        self.feed_forward = nn.Sequential(
            nn.LayerNorm(config.dim),
            nn.Linear(config.dim, config.ff_mult * config.dim),
            nn.Dropout(config.dropout),
            nn.GELU(),
            nn.Linear(config.ff_mult * config.dim, config.dim),
            nn.Dropout(config.dropout),
        )
        self.dropout = nn.Dropout(config.dropout)
        # track_keys: per head, the log weight of each track's odds (0 at
        # first: every kind of element alike) and the scale of the log odds
        # (1 at first); made without drawing, so every other weight starts as
        # without the keys
        self.track_keys = None
        if config.track_keys:
            self.track_keys = nn.ParameterDict(
                {
                    "log_weight": nn.Parameter(torch.zeros(config.heads, config.tracks)),
                    "scale": nn.Parameter(torch.ones(config.heads)),
                }
            )

    def key_bias(self, track_logits: torch.Tensor) -> torch.Tensor:
        """(batch, tracks, bins) track logits -> (batch, heads, bins): per
        head, scale * log(sum over tracks of weight * odds). The logits are
        log odds, so this is a log-sum-exp; raw log odds, not log
        probabilities, which saturate at 0 and would rate a bin the tracks
        barely mark as high as one they mark with certainty."""
        keys = self.track_keys
        log_odds = torch.logsumexp(track_logits[:, None] + keys["log_weight"][None, :, :, None], dim=2)
        return keys["scale"][None, :, None] * log_odds

    def forward(self, x, queries: slice = slice(None), track_logits: torch.Tensor | None = None):
        """(batch, bins, dim) -> the new state of the bins in ``queries``;
        with track_keys, ``track_logits`` (batch, tracks, bins) bias the keys."""
        key_bias = None if self.track_keys is None else self.key_bias(track_logits)
        x = x[:, queries] + self.dropout(self.attention(self.attention_norm(x), queries, key_bias))
        return x + self.feed_forward(x)


class CentreBinModel(nn.Module):
    """Enformer's stem and pooling tower to bins of 2 ** n_pool bp, for a
    model that reads out at the centre bin (where the promoter sits); a
    subclass adds what runs over the bins, then ``centre_head``."""

    def __init__(self, config, seq_len: int, in_channels: int):
        super().__init__()
        self.in_channels = in_channels  # the one-hot's channels (tbio.models.inputs)
        bin_bp = 2**config.n_pool
        if seq_len % bin_bp:
            raise ValueError(f"seq_len {seq_len} must be a multiple of the bin size {bin_bp} (2 ** n_pool)")
        self.config, self.seq_len, self.bin_bp = config, seq_len, bin_bp
        self.n_bins = seq_len // bin_bp
        self.stem, self.tower = stem_and_tower(
            config.dim, config.stem_kernel, config.tower_kernel, config.n_pool, in_channels
        )
        # Enformer's per-bin heads, here for the element tracks only: a 1x1
        # conv on the tower's bins; absent (None) without tracks
        self.track_head = nn.Conv1d(config.dim, config.tracks, 1) if config.tracks else None
        self.track_logits: torch.Tensor | None = None

    @property
    def centre_bin(self) -> int:
        return (self.seq_len // 2) // self.bin_bp

    def bins(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, seq_len, 4) one-hot -> (batch, dim, n_bins); with a track
        head, its (batch, tracks, n_bins) logits are kept in ``track_logits``."""
        bins = self.tower(self.stem(x.transpose(1, 2)))
        if self.track_head is not None:
            self.track_logits = self.track_head(bins)
        return bins


def centre_head(dim: int) -> nn.Module:
    """The pointwise head applied to the centre bin's features: one logit."""
    return nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.GELU(), nn.Linear(dim, 1))


class Enformer(CentreBinModel):
    def __init__(self, config: EnformerConfig, seq_len: int, in_channels: int = 4):
        if config.dim % config.heads:
            raise ValueError(f"dim {config.dim} must be divisible by heads {config.heads}")
        if config.track_keys and not config.tracks:
            raise ValueError("track_keys needs the element tracks (track_weight above 0): the keys read their logits")
        super().__init__(config, seq_len, in_channels)
        self.transformer = nn.ModuleList(TransformerLayer(config, self.n_bins) for _ in range(config.depth))
        self.head = centre_head(config.dim)

    def receptive_field_bp(self) -> int:
        """Attention reaches every bin: the whole sequence."""
        return self.seq_len

    def keep_attention(self, keep: bool = True) -> None:
        for module in self.modules():
            if isinstance(module, RelativeAttention):
                module.keep_attention = keep

    def centre_attention(self) -> list[torch.Tensor]:
        """(batch, heads, bins) per layer from the last forward with
        keep_attention(True): how the centre bin (the promoter's) attends."""
        rows = [m.last_attention for m in self.modules() if isinstance(m, RelativeAttention)]
        return [row[:, :, self.centre_bin] if row.shape[2] == self.n_bins else row[:, :, 0] for row in rows]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bins = self.bins(x).transpose(1, 2)  # (batch, n_bins, dim)
        for layer in self.transformer[:-1]:
            bins = layer(bins, track_logits=self.track_logits)
        # only the promoter's bin is read out, so the last layer updates only
        # it: the same function as updating every bin, at a fraction of the cost
        centre = self.transformer[-1](bins, slice(self.centre_bin, self.centre_bin + 1), self.track_logits)
        return self.head(centre[:, 0]).squeeze(-1)
