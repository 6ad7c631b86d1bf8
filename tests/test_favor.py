"""FAVOR+: the estimate against exact attention, masking, the orthogonal
projection, the redraw schedule, the chunked backward pass."""

import math

import pytest
import torch

from tbio.models.favor import (
    FavorAttention,
    default_chunk_size,
    exact_attention,
    favor_attention,
    gaussian_orthogonal_random_matrix,
    linear_attention,
    positive_random_features,
)

# the chunked kernels on every device torch sees (CUDA tests skip without a GPU)
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"))]


def qkv(n=48, d=16, batch=2, heads=2, scale=0.5, seed=0, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    shape = (batch, heads, n, d)
    q, k, v = (torch.randn(shape, generator=g, dtype=torch.float64).to(device) for _ in range(3))
    return q * scale, k * scale, v


def projection(m, d=16, seed=0, orthogonal=True):
    return gaussian_orthogonal_random_matrix(m, d, torch.Generator().manual_seed(seed), orthogonal).double()


def relative_error(a, b):
    return float((a - b).norm() / b.norm())


@pytest.mark.parametrize("causal", [False, True])
def test_error_against_exact_attention_shrinks_like_one_over_root_features(causal):
    q, k, v = qkv()
    exact = exact_attention(q, k, v, causal=causal)
    errors = {}
    for m in (16, 256, 4096):
        draws = [
            relative_error(favor_attention(q, k, v, projection(m, seed=s), causal=causal), exact) for s in range(4)
        ]
        errors[m] = sum(draws) / len(draws)
        # the estimator's error falls like 1/sqrt(m): about 2.7/sqrt(m) here, so 6/sqrt(m) has room
        assert errors[m] < 6.0 / math.sqrt(m), (m, errors[m])
    assert errors[16] > errors[256] > errors[4096]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("causal", [False, True])
def test_chunked_path_equals_the_textbook_formula(causal, device):
    q, k, v = qkv(n=50, device=device)
    w = projection(32).to(device)
    reference = linear_attention(
        positive_random_features(q, w, is_query=True), positive_random_features(k, w, is_query=False), v, causal
    )
    for chunk_size in (7, 16, 50, 64):  # uneven, even, one chunk, more than the sequence
        out = favor_attention(q, k, v, w, causal=causal, chunk_size=chunk_size)
        assert torch.allclose(out, reference, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("causal", [False, True])
def test_gradients_equal_autograd_through_the_textbook_formula(causal, device):
    q, k, v = (t[:, :, :30].clone().requires_grad_() for t in qkv(device=device))
    mask = torch.ones(2, 30, dtype=torch.bool, device=device)
    mask[1, 21:] = False
    w = projection(24).to(device)
    grad = torch.randn(q.shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64).to(device)

    favor_attention(q, k, v, w, key_mask=mask, causal=causal, chunk_size=8).backward(grad)
    chunked = [t.grad.clone() for t in (q, k, v)]
    for t in (q, k, v):
        t.grad = None
    phi_q = positive_random_features(q, w, is_query=True)
    phi_k = positive_random_features(k, w, is_query=False, key_mask=mask[:, None, :].expand(2, 2, 30))
    linear_attention(phi_q, phi_k, v.masked_fill(~mask[:, None, :, None], 0), causal).backward(grad)
    for ours, reference in zip(chunked, (q.grad, k.grad, v.grad)):
        assert torch.allclose(ours, reference, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("device", DEVICES)
def test_bf16_feature_blocks_round_less_than_another_draw_changes_the_estimate(device):
    """precision bf16 (feature blocks and their matmuls in bfloat16, sums
    and output in fp32): forward and backward, the estimate moves from the
    fp32 one by bfloat16 rounding, a few percent, and by far less than drawing
    another projection moves the fp32 estimate: the rounding is small beside
    FAVOR+'s own noise."""
    q, k, v = (t.float().requires_grad_() for t in qkv(n=600, d=64, heads=4, scale=1.0, device=device))
    mask = torch.ones(2, 600, dtype=torch.bool, device=device)
    mask[1, 450:] = False
    grad = torch.randn(q.shape, generator=torch.Generator().manual_seed(3)).to(device)

    def run(precision, seed):
        w = projection(256, d=64, seed=seed).float().to(device)
        out = favor_attention(q, k, v, w, key_mask=mask, chunk_size=256, precision=precision)
        out.backward(grad)
        results = [out.detach()] + [t.grad.clone() for t in (q, k, v)]
        for t in (q, k, v):
            t.grad = None
        return results

    fp32, bf16, other_draw = run("fp32", 0), run("bf16", 0), run("fp32", 1)
    for name, ours, reference, redrawn in zip(("out", "dq", "dk", "dv"), bf16, fp32, other_draw):
        rounding, noise = relative_error(ours, reference), relative_error(redrawn, reference)
        assert rounding < 0.04 and rounding < noise / 5, (name, rounding, noise)
    with pytest.raises(ValueError, match="precision 'fp16' is unknown; expected one of fp32, bf16"):
        favor_attention(q, k, v, projection(8, d=64).float().to(device), precision="fp16")


@pytest.mark.parametrize("causal", [False, True])
def test_masked_padding_gives_the_same_output_as_dropping_it(causal):
    q, k, v = qkv(n=40)
    lengths = [40, 27]
    mask = torch.arange(40)[None, :] < torch.tensor(lengths)[:, None]  # (batch, n)
    # padding holds garbage: large keys would dominate the stabiliser, values would leak, if not masked
    k = torch.where(mask[:, None, :, None], k, torch.full_like(k, 30.0))
    v = torch.where(mask[:, None, :, None], v, torch.full_like(v, 1e6))
    w = projection(64)
    padded = favor_attention(q, k, v, w, key_mask=mask, causal=causal, chunk_size=16)
    for b, length in enumerate(lengths):
        dropped = favor_attention(
            q[b : b + 1, :, :length], k[b : b + 1, :, :length], v[b : b + 1, :, :length], w, causal=causal
        )
        assert torch.allclose(padded[b : b + 1, :, :length], dropped, rtol=1e-9, atol=1e-12)
    assert torch.isfinite(padded).all()


def test_masking_covers_the_normaliser_not_only_the_values():
    """Zeroing padded values alone would leave padded keys in D and shrink the output."""
    q, k, v = qkv(n=40)
    mask = torch.ones(2, 40, dtype=torch.bool)
    mask[:, 20:] = False
    w = projection(64)
    masked = favor_attention(q, k, v, w, key_mask=mask)
    values_only = favor_attention(q, k, v.masked_fill(~mask[:, None, :, None], 0), w)
    assert relative_error(values_only, masked) > 0.2


def test_orthogonal_projection_has_orthogonal_blocks_and_gaussian_rows():
    d, m = 16, 88  # five full blocks and a partial one of 8 rows
    w = gaussian_orthogonal_random_matrix(m, d, torch.Generator().manual_seed(3)).double()
    assert w.shape == (m, d)
    directions = w / w.norm(dim=1, keepdim=True)
    for block in directions.split(d):
        gram = block @ block.T
        assert torch.allclose(gram, torch.eye(len(block), dtype=gram.dtype), atol=1e-6)
    iid = gaussian_orthogonal_random_matrix(m, d, torch.Generator().manual_seed(3), orthogonal=False).double()
    first = iid[:d] / iid[:d].norm(dim=1, keepdim=True)
    assert (first @ first.T - torch.eye(d, dtype=first.dtype)).abs().max() > 0.1
    # same draws, orthogonalised: every row keeps its own chi(d) length
    assert torch.allclose(w.norm(dim=1), iid.norm(dim=1), rtol=1e-5)
    many = gaussian_orthogonal_random_matrix(4000, d, torch.Generator().manual_seed(4))
    assert abs(float(many.pow(2).sum(1).mean()) - d) < 0.5  # E|w|² = d for N(0, I_d) rows


def test_orthogonal_features_estimate_better_than_iid_at_equal_features():
    q, k, v = qkv(n=64, batch=1, heads=1, scale=0.6)
    exact = exact_attention(q, k, v)
    mean = {}
    for kind in (True, False):
        errors = [
            relative_error(favor_attention(q, k, v, projection(32, seed=s, orthogonal=kind)), exact) for s in range(60)
        ]
        mean[kind] = sum(errors) / len(errors)
    assert mean[True] < mean[False]


def make_layer(seed=5, redraw_interval=3):
    torch.manual_seed(0)
    return FavorAttention(dim=32, heads=2, nb_features=16, redraw_interval=redraw_interval, feature_seed=seed)


def test_redraw_schedule_and_fixed_projection_at_evaluation():
    layer = make_layer()
    x = torch.randn(2, 10, 32)
    seen = []
    layer.train()
    for _ in range(7):
        layer(x)
        seen.append(layer.projection.clone())
    # forward passes 0-2 use draw 0, 3-5 draw 1, 6 draw 2
    assert torch.equal(seen[0], seen[2]) and torch.equal(seen[3], seen[5])
    assert not torch.equal(seen[2], seen[3]) and not torch.equal(seen[5], seen[6])
    assert torch.equal(seen[0], layer.draw_projection(0)) and torch.equal(seen[6], layer.draw_projection(2))
    layer.eval()
    first = layer(x)
    for _ in range(5):
        assert torch.equal(layer(x), first)
    assert torch.equal(layer.projection, seen[6]) and int(layer.training_calls) == 7


def test_redraws_are_bit_identical_across_runs_and_resume_from_a_state_dict():
    x = torch.randn(2, 10, 32)
    a, b = make_layer(), make_layer()
    for _ in range(4):
        a(x), b(x)
    assert torch.equal(a.projection, b.projection)
    resumed = make_layer(seed=99)  # another seed: the state_dict must bring the seed back
    resumed.load_state_dict(a.state_dict())
    for _ in range(5):
        assert torch.equal(a(x), resumed(x))
        assert torch.equal(a.projection, resumed.projection)
    assert not torch.equal(make_layer(seed=6).projection, a.draw_projection(0))


def test_no_redraw_when_interval_is_zero():
    layer = make_layer(redraw_interval=0)
    start = layer.projection.clone()
    for _ in range(5):
        layer(torch.randn(1, 4, 32))
    assert torch.equal(layer.projection, start)


def test_feature_seed_none_follows_torch_manual_seed():
    torch.manual_seed(1)
    a = FavorAttention(32, 2, nb_features=16)
    torch.manual_seed(1)
    b = FavorAttention(32, 2, nb_features=16)
    torch.manual_seed(2)
    c = FavorAttention(32, 2, nb_features=16)
    assert torch.equal(a.projection, b.projection) and not torch.equal(a.projection, c.projection)


def test_layer_masks_padded_keys():
    layer = make_layer().eval()
    x = torch.randn(1, 12, 32)
    mask = torch.tensor([[True] * 8 + [False] * 4])
    padded = torch.cat([x[:, :8], 100 * torch.randn(1, 4, 32)], dim=1)
    assert torch.allclose(layer(padded, key_mask=mask)[:, :8], layer(x[:, :8]), atol=1e-5)


def test_scaling_benchmark_says_where_it_measured():
    from tbio.bench.attention import attention_scaling

    table = attention_scaling(
        [64, 128], heads=1, head_dim=8, nb_features=8, threads=1, min_seconds=0, log=lambda line: None
    )
    assert set(table["method"]) == {"favor", "exact"} and table["seconds_fwd_bwd"].gt(0).all()
    assert (table["device"] == "CPU, 1 thread").all() and (table["exact_kernel"] == "SDPA fp32").all()


@pytest.mark.parametrize("device, rows", [("cpu", 512), ("cuda", 16384)])
def test_default_chunks_suit_the_device(device, rows):
    # 8 heads x 256 features: a 4 MiB feature block on the CPU, 128 MiB on a GPU
    assert default_chunk_size(8, 256, device) == rows


def test_the_approximation_table_names_its_inputs_and_scores_uniform_attention_once_per_draw():
    from tbio.bench.attention import SyntheticInputs, approximation_error

    flat, peaked = SyntheticInputs(64, 16, logit_std=1e-4), SyntheticInputs(64, 16, logit_std=1.0)
    table = approximation_error([8, 32], draws=3, inputs=flat)
    assert list(table.columns) == ["inputs", "features", "kind", "draw", "rel_error"]
    assert (table["inputs"] == "synthetic_std0.0001").all()
    uniform = table[table["kind"] == "uniform"]
    assert uniform["draw"].tolist() == [0, 1, 2] and uniform["features"].isna().all()
    assert len(table) == 3 * (2 * 2 + 1)
    # logits all but equal: softmax attention is the mean of V, and uniform is exact
    assert uniform["rel_error"].max() < 1e-3
    peaked_uniform = approximation_error([8], draws=3, inputs=peaked).query("kind == 'uniform'")["rel_error"]
    assert peaked_uniform.min() > 0.1  # peaked attention is far from the mean of V


def test_captured_q_k_v_are_the_ones_each_attention_layer_attends_with():
    """The captured q, k, v of every layer and head, put through exact
    attention, give what the layers fed to their output projections."""
    from tbio.bench.attention import approximation_error, capture_qkv
    from tbio.models import build_model
    from tbio.models.blocks import merge_heads

    torch.manual_seed(0)
    model, _ = build_model("transformer", {"dim": 16, "heads": 2, "depth": 2, "kmer": 3}, 40, 20)
    x = torch.randint(0, 20, (3, 40)).to(torch.uint8)  # codes, as the workflow stores sequences
    attended = []
    for block in model.blocks:
        block.attention.to_out.register_forward_pre_hook(lambda module, args: attended.append(args[0]))
    captured = capture_qkv(model, x, "trained_transformer")
    assert captured.q.shape == (3, 2 * 2, 41, 8) and captured.q.dtype == torch.float64 and len(captured) == 3
    for layer in range(2):
        heads = slice(2 * layer, 2 * layer + 2)
        out = exact_attention(captured.q[:, heads], captured.k[:, heads], captured.v[:, heads])
        assert torch.allclose(merge_heads(out).float(), attended[layer], atol=1e-5)
    table = approximation_error([8], draws=5, inputs=captured)
    assert table["draw"].max() == 2  # capped at the three sequences captured
    assert (table["inputs"] == "trained_transformer").all()
