"""Blocks shared by the attention classifiers (exact transformer, Performer).

Both models are the same pre-LN encoder and differ only in the ``attend``
step of their attention sublayer, so their parameter counts are equal and a
difference in accuracy or cost is the attention's doing.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn


def split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """(batch, seq, heads * head_dim) -> (batch, heads, seq, head_dim)"""
    return x.unflatten(-1, (heads, -1)).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(batch, heads, seq, head_dim) -> (batch, seq, heads * head_dim)"""
    return x.transpose(1, 2).flatten(-2)


class MultiHeadAttention(nn.Module):
    """Self-attention sublayer: q/k/v projections, ``attend`` per head, output
    projection. Subclasses say how heads attend (exact softmax, FAVOR+)."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0):
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} is not divisible by heads {heads}")
        self.heads = heads
        self.to_qkv = nn.Linear(dim, 3 * dim)  # the q, k and v projections in one matmul
        self.to_out = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)

    def attend(self, q, k, v, key_mask):  # (batch, heads, seq, head_dim) each -> same
        raise NotImplementedError

    def forward(
        self, x: torch.Tensor, key_mask: torch.Tensor | None = None, rotary: "Rotary | None" = None
    ) -> torch.Tensor:
        """x: (batch, seq, dim); key_mask: (batch, seq) bool, True for real
        tokens; rotary: rotate q and k by their positions (RoPE)."""
        q, k, v = (split_heads(t, self.heads) for t in self.to_qkv(x).chunk(3, dim=-1))
        if rotary is not None:
            q, k = rotary(q), rotary(k)
        out = self.attend(q, k, v, key_mask)
        return self.dropout(self.to_out(merge_heads(out)))


class FeedForward(nn.Module):
    def __init__(self, dim: int, mlp_ratio: int, dropout: float = 0.0):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(dim, dim * mlp_ratio),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(dim * mlp_ratio, dim),
            nn.Dropout(dropout),
        )

    def forward(self, x):
        return self.net(x)


class EncoderBlock(nn.Module):
    """Pre-LN: x + attention(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, dim: int, attention: MultiHeadAttention, mlp_ratio: int, dropout: float = 0.0):
        super().__init__()
        self.attention_norm = nn.LayerNorm(dim)
        self.attention = attention
        self.mlp_norm = nn.LayerNorm(dim)
        self.mlp = FeedForward(dim, mlp_ratio, dropout)

    def forward(self, x, key_mask=None, rotary=None):
        x = x + self.attention(self.attention_norm(x), key_mask, rotary)
        return x + self.mlp(self.mlp_norm(x))


class KmerEmbedding(nn.Module):
    """Each position becomes a linear map of the ``kmer`` residues starting
    there (kmer 1: a plain Linear(in_channels -> dim)), so a motif of up to
    kmer residues is one position's worth of evidence and the attention
    layers can spend themselves on relating motifs far apart. ``pool`` > 1
    then keeps, per channel, the maximum over the k-mers that start in each
    stretch of ``pool`` residues: fewer tokens, each saying which k-mers its
    stretch holds, as Enformer's convolutions pool 128 bp into one token."""

    def __init__(self, in_channels: int, dim: int, kmer: int, pool: int = 1):
        super().__init__()
        self.kmer, self.pool = kmer, pool
        self.project = nn.Conv1d(in_channels, dim, kernel_size=kmer)

    def tokens(self, seq_len: int) -> int:
        return -(-seq_len // self.pool)

    def forward(self, x):  # (batch, seq, channels) -> (batch, tokens, dim)
        x = nn.functional.pad(x.transpose(1, 2), (0, self.kmer - 1))  # k-mers run off the end into zeros
        x = self.project(x)
        if self.pool > 1:
            x = nn.functional.max_pool1d(x, self.pool, ceil_mode=True)
        return x.transpose(1, 2)


def sinusoidal_positions(length: int, dim: int) -> torch.Tensor:
    """(length, dim) sin/cos table of Vaswani et al."""
    position = torch.arange(length, dtype=torch.float32)[:, None]
    frequency = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency[: dim // 2])
    return table


class Rotary(nn.Module):
    """Rotary position embedding (Su et al., 2021, "RoFormer"): each pair of
    a head's q or k channels is turned by an angle proportional to the
    token's position, at one frequency per pair (base^(-2i/head_dim)), so that
    q_i·k_j depends on the content and on the offset i - j alone. Attention
    can then look for "motif B so many residues from here" anywhere in the
    sequence, as Enformer's relative positional basis lets it; FAVOR+ gets
    the rotated q and k like exact attention does (as in performer-pytorch)."""

    def __init__(self, length: int, head_dim: int, base: float = 10000.0):
        super().__init__()
        if head_dim % 2:
            raise ValueError(f"rotary positions need an even head_dim, got {head_dim}")
        frequency = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
        angle = torch.arange(length, dtype=torch.float32)[:, None] * frequency  # (length, head_dim / 2)
        self.register_buffer("cos", angle.cos().repeat(1, 2), persistent=False)
        self.register_buffer("sin", angle.sin().repeat(1, 2), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, heads, seq, head_dim)
        first, second = x.chunk(2, dim=-1)
        turned = torch.cat([-second, first], dim=-1)
        length = x.shape[-2]
        return x * self.cos[:length] + turned * self.sin[:length]


POSITIONS = ("learned", "sinusoidal", "rotary")
READOUTS = ("cls", "max", "mean")


class AttentionClassifier(nn.Module):
    """One logit per sequence: k-mer embedding, positions, ``depth`` encoder
    blocks, LayerNorm, a linear head on the readout.

    positions: learned or sinusoidal vectors added to the tokens (absolute),
    or rotary (relative: q and k turned by position in every layer).
    readout: a [CLS] token, or the maximum or mean over the tokens. Either
    way the readout sees two places of the sequence together only through
    attention: without the attention sublayer, the max readout is the
    protein_bag control's (a bag of k-mer features).
    """

    def __init__(self, make_attention: Callable[[int], MultiHeadAttention], config, seq_len: int, in_channels: int):
        """``config``: the model's dataclass (TransformerConfig or a subclass),
        whose dim, heads, depth, mlp_ratio, dropout, positions, readout and
        kmer shape the encoder; ``make_attention(layer)`` builds each block's
        attention."""
        super().__init__()
        self.in_channels = in_channels  # the one-hot's channels (tbio.models.inputs)
        dim, positions, kmer = config.dim, config.positions, config.kmer
        if positions not in POSITIONS:
            raise ValueError(f"positions {positions!r} is unknown; expected one of {', '.join(POSITIONS)}")
        if config.readout not in READOUTS:
            raise ValueError(f"readout {config.readout!r} is unknown; expected one of {', '.join(READOUTS)}")
        if kmer < 1:
            raise ValueError(f"kmer must be at least 1, got {kmer}")
        self.seq_len = seq_len
        if config.pool < 1:
            raise ValueError(f"pool must be at least 1, got {config.pool}")
        self.embed = KmerEmbedding(in_channels, dim, kmer, config.pool)
        length = self.embed.tokens(seq_len) + (config.readout == "cls")  # the [CLS] slot has a position too
        if config.readout == "cls":
            self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.rotary = Rotary(length, dim // config.heads) if positions == "rotary" else None
        if positions == "learned":
            self.positions = nn.Parameter(0.02 * torch.randn(length, dim))
        elif positions == "sinusoidal":
            self.register_buffer("positions", sinusoidal_positions(length, dim), persistent=False)
        self.blocks = nn.ModuleList(
            EncoderBlock(dim, make_attention(layer), config.mlp_ratio, config.dropout) for layer in range(config.depth)
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 1)
        self.config = config

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (batch, seq_len, channels) float one-hot -> (batch,) logits."""
        tokens = self.embed(x)  # (batch, tokens, dim)
        if self.config.readout == "cls":
            tokens = torch.cat([self.cls.expand(len(x), -1, -1), tokens], dim=1)  # (batch, 1 + seq_len, dim)
        if self.rotary is None:
            tokens = tokens + self.positions
        for block in self.blocks:
            tokens = block(tokens, rotary=self.rotary)
        tokens = self.norm(tokens)
        if self.config.readout == "cls":
            pooled = tokens[:, 0]
        elif self.config.readout == "max":
            pooled = tokens.amax(dim=1)
        else:
            pooled = tokens.mean(dim=1)
        return self.head(pooled).squeeze(-1)

    def receptive_field_bp(self) -> int:
        return self.seq_len  # every attention layer sees the whole sequence
