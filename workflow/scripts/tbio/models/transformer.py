"""The exact-attention baseline for the protein task: the encoder of
``blocks.AttentionClassifier`` with softmax attention computed by
``torch.nn.functional.scaled_dot_product_attention`` (``favor.exact_attention``,
which picks deterministic kernels on CUDA)."""

from __future__ import annotations

from dataclasses import dataclass


from .blocks import AttentionClassifier, MultiHeadAttention
from .favor import exact_attention


@dataclass
class TransformerConfig:
    """``models.transformer`` in the workflow config (training keys aside)."""

    dim: int = 32
    depth: int = 1
    heads: int = 2
    mlp_ratio: int = 2  # hidden width of the MLP = mlp_ratio * dim
    dropout: float = 0.0
    positions: str = "learned"  # "learned", "sinusoidal" (added to the tokens) or "rotary"
    readout: str = "cls"  # "cls", "max" or "mean" over the tokens
    kmer: int = 6  # residues per token embedding (1: a plain Linear(in_channels -> dim))
    pool: int = 1  # residues per token: the k-mer features' maximum over each stretch of pool


class SoftmaxAttention(MultiHeadAttention):
    """Multi-head self-attention, softmax(q kᵀ/√d) v, exact."""

    def attend(self, q, k, v, key_mask):
        return exact_attention(q, k, v, key_mask)


class TransformerClassifier(AttentionClassifier):
    def __init__(self, config: TransformerConfig, seq_len: int, in_channels: int):
        super().__init__(
            lambda layer: SoftmaxAttention(config.dim, config.heads, config.dropout), config, seq_len, in_channels
        )
