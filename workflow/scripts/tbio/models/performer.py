"""The Performer protein classifier: the same encoder as the exact
transformer (``blocks.AttentionClassifier``), attention by FAVOR+."""

from __future__ import annotations

from dataclasses import dataclass

from .blocks import AttentionClassifier
from .favor import FavorAttention
from .transformer import TransformerConfig


@dataclass
class PerformerConfig(TransformerConfig):
    """``models.performer``: the transformer's keys plus FAVOR+'s."""

    nb_features: int = 64  # random features m per head
    orthogonal: bool = True  # orthogonal blocks, else iid Gaussian rows
    # training forward passes (batches) between projection redraws (0: never); about once an
    # epoch from the start keeps the model from leaning on one draw: with 200, a model that had
    # learned the task fell to chance at its first redraw
    redraw_interval: int = 32
    feature_seed: int | None = None  # None: drawn from torch's generator, i.e. from the training seed
    precision: str = "fp32"  # FAVOR+'s feature blocks: fp32, or bf16 with fp32 sums (favor.PRECISIONS)


class PerformerClassifier(AttentionClassifier):
    def __init__(self, config: PerformerConfig, seq_len: int, in_channels: int):
        def make_attention(layer: int) -> FavorAttention:
            seed = None if config.feature_seed is None else config.feature_seed + 7919 * layer
            return FavorAttention(
                config.dim,
                config.heads,
                nb_features=config.nb_features,
                orthogonal=config.orthogonal,
                redraw_interval=config.redraw_interval,
                feature_seed=seed,
                dropout=config.dropout,
                precision=config.precision,
            )

        super().__init__(make_attention, config, seq_len, in_channels)
