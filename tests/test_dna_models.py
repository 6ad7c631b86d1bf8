import dataclasses

import pytest
import torch

from tbio.models import build_model
from tbio.models.cnn import CNNConfig, receptive_field_bp
from tbio.models.basenji import BasenjiConfig
from tbio.models.basenji import receptive_field_bp as basenji_field
from tbio.models.enformer import AttentionPool, relative_position_basis

SEQ_LEN = 256


def one_hot(batch, seq_len=SEQ_LEN, seed=0):
    generator = torch.Generator().manual_seed(seed)
    index = torch.randint(0, 4, (batch, seq_len), generator=generator)
    return torch.nn.functional.one_hot(index, 4).float()


@pytest.mark.parametrize("name", ["cnn", "cnn_dilated", "cnn_global", "enformer"])
def test_forward_gives_one_logit_per_sequence(name):
    model, _ = build_model(name, {}, SEQ_LEN, 4)
    assert model(one_hot(3)).shape == (3,)


@pytest.mark.parametrize("name", ["cnn", "cnn_dilated", "enformer"])
def test_a_few_steps_reduce_the_loss(name):
    torch.manual_seed(0)
    model, _ = build_model(name, {}, SEQ_LEN, 4)
    x = one_hot(32)
    y = (x[:, SEQ_LEN // 2, 0] > 0).float()  # a base at the readout position: learnable by both
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(15):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def moved_positions(model, x, output_fn):
    """Brute-force probe: change each input position in turn and record
    which ones move the output."""
    model.eval()
    with torch.no_grad():
        reference = output_fn(x)
        moved = []
        for position in range(x.shape[1]):
            probe = x.clone()
            probe[:, position] = probe[:, position].roll(1, dims=-1)  # another base
            if not torch.allclose(output_fn(probe), reference, atol=0, rtol=0):
                moved.append(position)
    return moved


@pytest.mark.parametrize(
    "config",
    [CNNConfig(), CNNConfig(stem_kernel=9, kernel_size=3, dilations=[1, 3, 9]), CNNConfig(dilations=[])],
)
def test_cnn_receptive_field_matches_a_brute_force_probe(config):
    torch.manual_seed(1)
    model, _ = build_model("cnn", dataclasses.asdict(config), SEQ_LEN, 4)
    x = one_hot(1)
    moved = moved_positions(model, x, model)
    size = receptive_field_bp(config)
    half = (size - 1) // 2
    assert model.receptive_field_bp() == size
    assert moved == list(range(SEQ_LEN // 2 - half, SEQ_LEN // 2 + half + 1))


def test_cnn_window_readout_equals_the_full_sequence_computation():
    torch.manual_seed(2)
    model, _ = build_model("cnn", {}, SEQ_LEN, 4)
    model.eval()
    x = one_hot(4)
    full = model.head(model.features(x)[:, :, SEQ_LEN // 2]).squeeze(-1)
    assert torch.allclose(model(x), full, atol=1e-6)


def test_cnn_features_receptive_field_at_every_position():
    torch.manual_seed(3)
    model, _ = build_model("cnn", {"dilations": [1, 2]}, 64, 4)
    x = one_hot(1, 64)
    position = 20
    moved = moved_positions(model, x, lambda inputs: model.features(inputs)[:, :, position])
    half = (model.receptive_field_bp() - 1) // 2
    assert moved == list(range(position - half, position + half + 1))


def test_enformer_sees_the_whole_sequence():
    torch.manual_seed(4)
    model, _ = build_model("enformer", {"dim": 16, "heads": 2}, 128, 4)
    model.eval()
    moved = moved_positions(model, one_hot(1, 128), model)
    assert model.receptive_field_bp() == 128
    assert moved[0] == 0 and moved[-1] == 127 and len(moved) > 120


def test_attention_pool_is_a_softmax_over_pairs():
    pool = AttentionPool(3)
    x = torch.randn(2, 3, 8)
    logits = pool.to_logits(x).view(2, 3, 4, 2)
    expected = (x.view(2, 3, 4, 2) * logits.softmax(dim=-1)).sum(-1)
    assert torch.allclose(pool(x), expected, atol=1e-6)


def test_enformer_centre_attention_rows():
    model, _ = build_model("enformer", {"dim": 16, "heads": 2, "depth": 2}, 128, 4)
    model.keep_attention(True)
    model(one_hot(2, 128))
    rows = model.centre_attention()
    assert len(rows) == 2 and all(row.shape == (2, 2, 16) for row in rows)
    assert all(torch.allclose(row.sum(-1), torch.ones(2, 2)) for row in rows)
    assert model.centre_bin == 8


def test_enformer_last_layer_updates_only_the_readout_bin_without_changing_the_output():
    """The last layer computes the centre bin alone; run in full over every
    bin, its centre row is the same number, gradients included."""
    torch.manual_seed(0)
    model, _ = build_model("enformer", {"dim": 16, "heads": 2, "depth": 2}, 128, 4)
    x = one_hot(3, 128)
    fast = model(x)
    bins = model.bins(x).transpose(1, 2)
    for layer in model.transformer:
        bins = layer(bins)  # every bin, every layer
    full = model.head(bins[:, model.centre_bin]).squeeze(-1)
    assert torch.allclose(fast, full, atol=1e-6)
    assert not torch.allclose(full, model.head(bins[:, model.centre_bin + 1]).squeeze(-1))
    grads = [torch.autograd.grad(out.sum(), model.transformer[0].attention.to_q.weight)[0] for out in (fast, full)]
    assert torch.allclose(*grads, atol=1e-6)


def test_enformer_rejects_a_length_that_does_not_bin():
    with pytest.raises(ValueError, match="multiple of the bin size 8"):
        build_model("enformer", {}, 100, 4)


@pytest.mark.parametrize(
    "config", [BasenjiConfig(dilations=[1, 2]), BasenjiConfig(n_pool=2, kernel_size=5, dilations=[1, 3])]
)
def test_the_dilated_cnn_receptive_field_matches_a_brute_force_probe(config):
    """The Basenji-style CNN's nominal field: exactly the bases that move its readout."""
    torch.manual_seed(2)
    seq_len = 512
    model, _ = build_model("cnn_dilated", dataclasses.asdict(config), seq_len, 4)
    moved = moved_positions(model, one_hot(1, seq_len), model)
    assert model.receptive_field_bp() == basenji_field(config) < seq_len
    assert moved == list(range(moved[0], moved[0] + basenji_field(config)))
    assert moved[0] < seq_len // 2 < moved[-1]


def test_the_default_dilated_cnn_reaches_the_whole_default_sequence():
    model, _ = build_model("cnn_dilated", {}, 512, 4)
    assert model.receptive_field_bp() == 542


def test_the_gamma_basis_adds_bumps_over_the_distances_and_leaves_the_other_kinds():
    n_bins, k = 128, 8
    plain, gamma = relative_position_basis(n_bins, k), relative_position_basis(n_bins, k, gamma=True)
    assert plain.shape == (2 * n_bins - 1, 4 * k) and gamma.shape == (2 * n_bins - 1, 6 * k)
    # exponential and central mask as without it, symmetric then signed
    assert torch.equal(gamma[:, : 2 * k], plain[:, : 2 * k]) and torch.equal(gamma[:, 3 * k : 5 * k], plain[:, 2 * k :])
    distances = torch.arange(-n_bins + 1, n_bins)
    bumps = gamma[:, 2 * k : 3 * k]
    assert torch.allclose(gamma[:, 5 * k :], torch.sign(distances)[:, None] * bumps)
    # each peaks at 1 near its mean (spread evenly up to n_bins), is 0 at distance 0, symmetric in r
    peaks = bumps[n_bins - 1 :].argmax(dim=0)
    means = torch.linspace(n_bins / k, n_bins, k)
    assert (peaks[:-1] - means[:-1]).abs().max() < n_bins / k and (peaks.diff() > 0).all()
    assert torch.allclose(bumps.amax(dim=0), torch.ones(k)) and bumps[n_bins - 1].max() < 1e-6
    assert torch.equal(bumps, bumps.flip(0))
    model, config = build_model("enformer", {"gamma_basis": True, "n_basis": k}, SEQ_LEN, 4)
    assert config.gamma_basis and model(one_hot(2)).shape == (2,)


def test_a_position_gain_scales_the_basis_and_starts_from_no_preferred_distance():
    torch.manual_seed(0)
    plain, _ = build_model("enformer", {}, SEQ_LEN, 4)
    torch.manual_seed(0)
    same, _ = build_model("enformer", {"position_gain": 1.0}, SEQ_LEN, 4)
    torch.manual_seed(0)
    fast, config = build_model("enformer", {"position_gain": 10.0}, SEQ_LEN, 4)
    assert config.position_gain == 10.0
    for name, tensor in plain.state_dict().items():
        assert torch.equal(tensor, same.state_dict()[name]), name
        if "to_bias" not in name:  # every other weight as without the gain
            assert torch.equal(tensor, fast.state_dict()[name]), name
    for slow, quick in zip(plain.transformer, fast.transformer):
        assert torch.allclose(quick.attention.basis, 10 * slow.attention.basis)
        assert not quick.attention.to_bias.weight.any() and slow.attention.to_bias.weight.any()
        # a fresh model with the gain prefers no distance
        assert not quick.attention.position_bias(slice(None)).any()


def test_track_keys_start_with_every_other_weight_as_without_them():
    """The keys add a log weight a head and track (0) and a scale a head (1)
    and draw nothing: the rest of the model starts as it would without them,
    and a model without them (the default) is the model it was."""
    torch.manual_seed(0)
    plain, _ = build_model("enformer", {"tracks": 4}, SEQ_LEN, 4)
    torch.manual_seed(0)
    keyed, config = build_model("enformer", {"tracks": 4, "track_keys": True}, SEQ_LEN, 4)
    assert config.track_keys and not plain.config.track_keys
    keyed_state = keyed.state_dict()
    for name, tensor in plain.state_dict().items():
        assert torch.equal(tensor, keyed_state.pop(name)), name
    assert sorted(keyed_state) == [f"transformer.{i}.track_keys.{k}" for i in (0, 1) for k in ("log_weight", "scale")]
    for name, value in keyed_state.items():
        expected = torch.zeros(config.heads, 4) if name.endswith("log_weight") else torch.ones(config.heads)
        assert torch.equal(value, expected), name


def test_track_keys_need_tracks():
    with pytest.raises(ValueError, match="track_keys needs the element tracks"):
        build_model("enformer", {"track_keys": True}, SEQ_LEN, 4)


def test_track_keys_put_the_attention_on_the_bins_the_tracks_mark():
    """Logits of -8 on every track of every bin but one (bin 5, +8 on one
    track): with the keys the centre bin attends almost only there; the
    same layer without them spreads its attention evenly."""
    torch.manual_seed(0)
    model, _ = build_model("enformer", {"dim": 16, "heads": 2, "tracks": 4, "track_keys": True}, SEQ_LEN, 4)
    model.keep_attention(True)
    layer, n_bins = model.transformer[0], model.n_bins
    bins = torch.randn(3, n_bins, 16)
    logits = torch.full((3, 4, n_bins), -8.0)
    logits[:, 2, 5] = 8.0
    centre = slice(model.centre_bin, model.centre_bin + 1)
    layer(bins, centre, logits)
    keyed = layer.attention.last_attention[:, :, 0]  # (batch, heads, bins)
    assert keyed[:, :, 5].min() > 0.9
    with torch.no_grad():
        layer.track_keys["scale"].zero_()
    layer(bins, centre, logits)
    even = layer.attention.last_attention[:, :, 0]
    assert even[:, :, 5].max() < 3 / n_bins


def test_track_keys_are_the_log_of_the_weighed_odds_summed_over_tracks():
    torch.manual_seed(0)
    model, _ = build_model("enformer", {"dim": 16, "heads": 2, "tracks": 4, "track_keys": True}, SEQ_LEN, 4)
    keys = model.transformer[0].track_keys
    with torch.no_grad():
        keys["log_weight"].copy_(torch.randn(2, 4))
        keys["scale"].copy_(torch.tensor([0.5, 2.0]))
    logits = torch.randn(3, 4, model.n_bins) * 4
    odds = (logits.exp()[:, None] * keys["log_weight"].exp()[None, :, :, None]).sum(2)  # (batch, heads, bins)
    expected = keys["scale"][None, :, None] * odds.log()
    assert torch.allclose(model.transformer[0].key_bias(logits), expected, atol=1e-5)


def test_track_keys_learn_and_pass_the_label_gradient_to_the_tracks():
    torch.manual_seed(0)
    model, _ = build_model("enformer", {"dim": 16, "heads": 2, "tracks": 4, "track_keys": True}, SEQ_LEN, 4)
    model(one_hot(2)).sum().backward()
    for layer in model.transformer:
        for weight in layer.track_keys.values():
            assert weight.grad is not None and weight.grad.abs().sum() > 0
    assert model.track_head.weight.grad.abs().sum() > 0  # the label reaches the track head through the keys
