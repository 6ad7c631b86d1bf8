"""The Performer judged over its random features, not over one draw.

A trained Performer carries the projection it ended training with; its test
accuracy with that one draw says little about FAVOR+, whose estimate changes
with every draw. ``accuracy_over_draws`` scores the test split again with
fresh orthogonal projections (from a stream no training draw uses), at the
trained number of features (the spread over draws) and, with fewer draws, at
others (how accuracy changes as features are taken away or added).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

from tbio.models.favor import FavorAttention, gaussian_orthogonal_random_matrix

from . import TRAINED_DRAW
from .loop import evaluate


def fresh_projection(layer: FavorAttention, nb_features: int, draw: int) -> torch.Tensor:
    """Test-time projection number ``draw`` with ``nb_features`` rows for
    ``layer``: a pure function of the layer's feature seed, the feature count
    and the draw, from a stream (the trailing 1) that training's redraws never use."""
    stream = np.random.SeedSequence([int(layer.feature_seed), nb_features, draw, 1])
    generator = torch.Generator().manual_seed(int(stream.generate_state(1)[0]))
    return gaussian_orthogonal_random_matrix(nb_features, layer.head_dim, generator, layer.orthogonal)


def accuracy_over_draws(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    nb_features: list[int],
    draws: int,
    sweep_draws: int,
    batch_size: int,
    device: torch.device,
    trained_accuracy: float,
) -> pd.DataFrame:
    """``nb_features, draw, test_accuracy``: the trained draw (``draw`` =
    "trained"), then ``draws`` fresh projections at the trained feature count
    and ``sweep_draws`` at every other count in ``nb_features``. The model's
    own projections are put back afterwards."""
    layers = [module for module in model.modules() if isinstance(module, FavorAttention)]
    if not layers:
        raise ValueError("accuracy_over_draws needs a model with FAVOR+ attention layers")
    trained_count = layers[0].nb_features
    rows = [{"nb_features": trained_count, "draw": TRAINED_DRAW, "test_accuracy": trained_accuracy}]
    trained = [layer.projection for layer in layers]
    counts = [trained_count] + [count for count in nb_features if count != trained_count]
    try:
        for count in counts:
            for draw in range(draws if count == trained_count else sweep_draws):
                for layer in layers:
                    layer.projection = fresh_projection(layer, count, draw).to(device)
                accuracy = evaluate(model, x, y, batch_size, device)["accuracy"]
                rows.append({"nb_features": count, "draw": str(draw), "test_accuracy": accuracy})
    finally:
        for layer, projection in zip(layers, trained):
            layer.projection = projection
    return pd.DataFrame(rows, columns=["nb_features", "draw", "test_accuracy"])
