"""The protein classifiers: exact transformer and Performer, same size."""

import pytest
import torch

from tbio.data.encode import encode
from tbio.data.spacing import simulate_spacing
from tbio.models import build_model
from tbio.models.inputs import one_hot

SEQ_LEN = 64
SETTINGS = {"dim": 16, "depth": 1, "heads": 2, "kmer": 4, "pool": 1, "nb_features": 16, "epochs": 3, "lr": 0.01}


def tiny_codes(n=32, seed=0):
    """Sequences as the workflow stores them (uint8 codes) and float labels."""
    records = simulate_spacing(n, SEQ_LEN, "WHCM", "FYPQ", (12, 16), (24, 28), seed=seed)
    x = torch.from_numpy(encode([r.id for r in records], [r.seq for r in records], "protein"))
    return x, torch.tensor([r.label for r in records], dtype=torch.float32)


def tiny_batch(n=32, seed=0):
    """A model's input: the one-hot of ``tiny_codes``."""
    codes, y = tiny_codes(n, seed)
    return one_hot(codes, 21), y


def build(name, **overrides):
    torch.manual_seed(0)
    model, _ = build_model(name, {**SETTINGS, **overrides}, seq_len=SEQ_LEN, in_channels=21)
    return model


@pytest.mark.parametrize("name", ["transformer", "performer"])
@pytest.mark.parametrize("positions", ["learned", "sinusoidal", "rotary"])
@pytest.mark.parametrize("readout, pool", [("cls", 1), ("max", 8), ("mean", 3)])
def test_one_logit_per_sequence(name, positions, readout, pool):
    model = build(name, positions=positions, readout=readout, pool=pool)
    x, _ = tiny_batch(5)
    assert model(x).shape == (5,)
    assert model.receptive_field_bp() == SEQ_LEN


def test_a_pooled_token_is_the_maximum_of_the_kmer_features_starting_in_its_stretch():
    from tbio.models.blocks import KmerEmbedding

    torch.manual_seed(0)
    pooled, unpooled = KmerEmbedding(21, 8, kmer=4, pool=8), KmerEmbedding(21, 8, kmer=4, pool=1)
    unpooled.load_state_dict(pooled.state_dict())
    x, _ = tiny_batch(3)
    tokens, features = pooled(x), unpooled(x)
    assert tokens.shape == (3, SEQ_LEN // 8, 8) and features.shape == (3, SEQ_LEN, 8)
    assert torch.equal(tokens, features.unflatten(1, (SEQ_LEN // 8, 8)).amax(dim=2))
    # a length that is not a multiple of pool: the last token holds the residues left over
    assert pooled(x[:, :61]).shape == (3, 8, 8)
    assert torch.equal(pooled(x[:, :61])[:, -1], unpooled(x[:, :61])[:, 56:].amax(dim=1))


def test_rotary_scores_depend_on_the_offset_alone():
    from tbio.models.blocks import Rotary

    rotary = Rotary(64, 8)
    generator = torch.Generator().manual_seed(0)
    q, k = torch.randn(8, generator=generator), torch.randn(8, generator=generator)

    def score(i, j):
        placed_q, placed_k = torch.zeros(1, 1, 64, 8), torch.zeros(1, 1, 64, 8)
        placed_q[0, 0, i], placed_k[0, 0, j] = q, k
        return (rotary(placed_q)[0, 0, i] * rotary(placed_k)[0, 0, j]).sum()

    assert torch.allclose(score(10, 3), score(40, 33), atol=1e-5)  # the same offset anywhere
    assert not torch.allclose(score(10, 3), score(10, 30), atol=1e-3)  # another offset, another score
    assert torch.allclose(score(5, 5), q @ k, atol=1e-5)  # no offset: the plain dot product


def test_same_size_whatever_the_attention():
    counts = {name: sum(p.numel() for p in build(name).parameters()) for name in ("transformer", "performer")}
    assert counts["transformer"] == counts["performer"] > 0


@pytest.mark.parametrize("name", ["transformer", "performer"])
def test_a_few_optimiser_steps_reduce_the_loss(name):
    model = build(name)
    x, y = tiny_batch(32)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    with torch.no_grad():
        before = loss_fn(model.eval()(x), y).item()
    model.train()
    for _ in range(25):
        loss = loss_fn(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        after = loss_fn(model.eval()(x), y).item()
    assert after < 0.8 * before


def test_performer_evaluation_is_deterministic_and_training_counts_forward_passes():
    model = build("performer", redraw_interval=2)
    x, _ = tiny_batch(4)
    model.eval()
    assert torch.equal(model(x), model(x))
    attention = model.blocks[0].attention
    model.train()
    for _ in range(3):
        model(x)
    assert int(attention.training_calls) == 3
    assert torch.equal(attention.projection, attention.draw_projection(1))


def test_layers_draw_different_projections():
    model = build("performer", depth=2, feature_seed=3)
    first, second = (block.attention.projection for block in model.blocks)
    assert not torch.equal(first, second)


def test_bad_settings_name_the_key():
    with pytest.raises(ValueError, match="heads"):
        build("transformer", dim=30, heads=4)
    with pytest.raises(ValueError, match="positions"):
        build("performer", positions="alibi")
    with pytest.raises(ValueError, match="readout"):
        build("transformer", readout="first")


def test_accuracy_over_draws_scores_fresh_projections_and_puts_the_trained_one_back():
    from tbio.models.favor import FavorAttention
    from tbio.train import TRAINED_DRAW as TRAINED
    from tbio.train.draws import accuracy_over_draws, fresh_projection

    model = build("performer", depth=2)
    codes, y = tiny_codes(64)
    x = one_hot(codes, 21)
    model.eval()
    with torch.no_grad():
        before = model(x)
    layers = [m for m in model.modules() if isinstance(m, FavorAttention)]
    trained = [layer.projection.clone() for layer in layers]
    table = accuracy_over_draws(
        model, codes, y.long(), [4, 16, 32], 3, 2, 16, torch.device("cpu"), trained_accuracy=0.123
    )
    assert list(table.columns) == ["nb_features", "draw", "test_accuracy"]
    assert table.iloc[0].tolist() == [16, TRAINED, 0.123]
    fresh = table[table["draw"] != TRAINED].groupby("nb_features").size().to_dict()
    assert fresh == {4: 2, 16: 3, 32: 2}  # 3 draws at the trained 16 features, 2 at each other count
    assert table["test_accuracy"].between(0, 1).all()
    # the model is as it was: same projections, same outputs
    assert all(torch.equal(layer.projection, p) for layer, p in zip(layers, trained))
    with torch.no_grad():
        assert torch.equal(model(x), before)
    # fresh draws: reproducible, new for every draw and layer, never the trained one, shaped by the count
    first, again = fresh_projection(layers[0], 16, 0), fresh_projection(layers[0], 16, 0)
    assert torch.equal(first, again) and first.shape == (16, layers[0].head_dim)
    assert not torch.equal(first, fresh_projection(layers[0], 16, 1))
    assert not torch.equal(first, fresh_projection(layers[1], 16, 0))
    assert not torch.equal(first, trained[0])
    # a different draw changes what the model computes
    layers[0].projection = fresh_projection(layers[0], 16, 0)
    with torch.no_grad():
        assert not torch.equal(model(x), before)


@pytest.mark.parametrize("name, pool", [("protein_bag", "max"), ("protein_bag", "mean"), ("protein_local", "max")])
def test_the_controls_see_only_views_shorter_than_their_field_so_moving_a_motif_farther_changes_nothing(name, pool):
    """Both controls pool over windows of their field (a bag of views): two
    segments split by at least a field of N read the same in either order,
    so nothing farther apart than the field can change their output, in
    particular not the spacing of two motifs that the protein task asks for."""
    from tbio.data.design import AMINO_ACIDS

    torch.manual_seed(0)
    settings = {
        "protein_bag": {"stem_kernel": 7, "dilations": [], "pool": pool},
        "protein_local": {"stem_kernel": 7, "kernel_size": 5, "dilations": [1, 2, 4, 6], "pool": pool},
    }[name]
    model, _ = build_model(name, {"channels": 8, **settings}, seq_len=200, in_channels=21)
    field = model.local_field_bp()
    assert field == (7 if name == "protein_bag" else 7 + 4 * (1 + 2 + 4 + 6))
    generator = torch.Generator().manual_seed(1)
    first, second = (torch.randint(0, len(AMINO_ACIDS), (40,), generator=generator) for _ in range(2))

    def onehot(*segments):
        gap = torch.zeros(field - 1, 21)
        parts = [gap]
        for segment in segments:
            parts += [torch.nn.functional.one_hot(segment, 21).float(), gap]
        return torch.cat(parts)[None]

    model.eval()
    with torch.no_grad():
        for parameter in [*model.stem.parameters(), *model.head.parameters()]:
            parameter.mul_(20)  # an untrained model's logits barely move: spread them out
        ab, ba = model(onehot(first, second)), model(onehot(second, first))
        flipped = model(onehot(first.flip(0), second))
    assert torch.allclose(ab, ba, rtol=1e-5, atol=1e-5)
    # while the order of residues within one view does count
    assert (ab - flipped).abs().item() > 1e-2
