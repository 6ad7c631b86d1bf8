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

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor | None = None) -> torch.Tensor:
        """x: (batch, seq, dim); key_mask: (batch, seq) bool, True for real tokens."""
        q, k, v = (split_heads(t, self.heads) for t in self.to_qkv(x).chunk(3, dim=-1))
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

    def forward(self, x, key_mask=None):
        x = x + self.attention(self.attention_norm(x), key_mask)
        return x + self.mlp(self.mlp_norm(x))


class KmerEmbedding(nn.Module):
    """Each position becomes a linear map of the ``kmer`` residues starting
    there (kmer 1: a plain Linear(in_channels -> dim)). A motif is then one
    token's worth of evidence, so the attention layers can spend themselves on
    relating motifs far apart instead of spelling them out."""

    def __init__(self, in_channels: int, dim: int, kmer: int):
        super().__init__()
        self.kmer = kmer
        self.project = nn.Conv1d(in_channels, dim, kernel_size=kmer)

    def forward(self, x):  # (batch, seq, channels) -> (batch, seq, dim)
        x = nn.functional.pad(x.transpose(1, 2), (0, self.kmer - 1))  # k-mers run off the end into zeros
        return self.project(x).transpose(1, 2)


def sinusoidal_positions(length: int, dim: int) -> torch.Tensor:
    """(length, dim) sin/cos table of Vaswani et al."""
    position = torch.arange(length, dtype=torch.float32)[:, None]
    frequency = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency[: dim // 2])
    return table


class AttentionClassifier(nn.Module):
    """One logit per sequence: k-mer embedding + positions, a [CLS] token,
    ``depth`` encoder blocks, LayerNorm, a linear head on the [CLS] token.

    The [CLS] readout sees the sequence only through attention, which is what
    "both motifs, anywhere" asks for: it must gather evidence from two places
    whose positions vary from record to record.
    """

    def __init__(self, make_attention: Callable[[int], MultiHeadAttention], config, seq_len: int, in_channels: int):
        """``config``: the model's dataclass (TransformerConfig or a subclass),
        whose dim, depth, mlp_ratio, dropout, positions and kmer shape the
        encoder; ``make_attention(layer)`` builds each block's attention."""
        super().__init__()
        dim, positions, kmer = config.dim, config.positions, config.kmer
        if positions not in ("learned", "sinusoidal"):
            raise ValueError(f"positions {positions!r} is unknown; expected 'learned' or 'sinusoidal'")
        if kmer < 1:
            raise ValueError(f"kmer must be at least 1, got {kmer}")
        self.seq_len = seq_len
        self.embed = KmerEmbedding(in_channels, dim, kmer)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        if positions == "learned":  # seq_len + 1: the [CLS] slot has a position too
            self.positions = nn.Parameter(0.02 * torch.randn(seq_len + 1, dim))
        else:
            self.register_buffer("positions", sinusoidal_positions(seq_len + 1, dim), persistent=False)
        self.blocks = nn.ModuleList(
            EncoderBlock(dim, make_attention(layer), config.mlp_ratio, config.dropout) for layer in range(config.depth)
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 1)
        self.config = config

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (batch, seq_len, channels) float one-hot -> (batch,) logits."""
        tokens = self.embed(x)  # (batch, seq_len, dim)
        tokens = torch.cat([self.cls.expand(len(x), -1, -1), tokens], dim=1)  # (batch, 1 + seq_len, dim)
        tokens = tokens + self.positions
        for block in self.blocks:
            tokens = block(tokens)
        return self.head(self.norm(tokens[:, 0])).squeeze(-1)

    def receptive_field_bp(self) -> int:
        return self.seq_len  # every attention layer sees the whole sequence
