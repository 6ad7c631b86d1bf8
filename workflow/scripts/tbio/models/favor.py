"""FAVOR+: softmax attention in linear time (Choromanski et al., 2021,
"Rethinking Attention with Performers").

softmax(q·k/√d) is a kernel, exp(q'·k') with q' = q d^(-1/4), k' = k d^(-1/4),
and positive random features estimate it without bias:

    phi(x) = exp(w_i·x - |x|²/2) / √m,  i = 1..m,  w_i ~ N(0, I_d)
    exp(q'·k') = E[phi(q')·phi(k')]

so attention becomes D⁻¹ (phi(Q) (phi(K)ᵀ V)) with D = diag(phi(Q) phi(K)ᵀ 1):
the (m, head_dim) summary phi(K)ᵀ V replaces the (n, n) attention matrix.

Orthogonal random features (rows of w orthogonal within blocks of d, rescaled
to chi-distributed norms so each row is still marginally N(0, I_d)) lower the
variance of the estimate. Padding is handled by zeroing the features of
padded keys, which removes them from the summary *and* from D.

The non-causal path is a custom autograd function that walks the sequence in
chunks, both ways, and recomputes features in the backward pass instead of
storing them: its working set is one chunk's (chunk, m) feature block, so time
stays linear after the sequence has left the cache and memory is O(n·d), not
O(n·m). Constant factors that cancel in D⁻¹ (1/√m, the query's exp(-|q|²/2),
the max subtracted for stability) are dropped or detached there.
"""

from __future__ import annotations

import contextlib
import math

import torch
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel

from .blocks import MultiHeadAttention

_NEG = -1e30  # "minus infinity" that keeps exp(a - b) finite when both are empty


# random projections ---------------------------------------------------------


def gaussian_orthogonal_random_matrix(
    nb_features: int,
    dim: int,
    generator: torch.Generator,
    orthogonal: bool = True,
) -> torch.Tensor:
    """(nb_features, dim) projection whose rows are each N(0, I_dim),
    drawn on the CPU from ``generator``.

    iid: the Gaussian rows as drawn. orthogonal: the same rows,
    Gram-Schmidt-orthogonalised in blocks of ``dim`` (the last block cut
    short) by a sign-corrected QR, then given back their own lengths. The
    directions of a block are then a uniformly random orthonormal set and the
    lengths independent chi(dim) variables, so each row is still N(0, I_dim)
    but rows within a block are exactly orthogonal. The same generator state
    gives the two kinds from the same draws, which makes them comparable at
    equal features with little noise.
    """
    gaussian = torch.randn(nb_features, dim, generator=generator)
    if not orthogonal:
        return gaussian
    blocks = []
    for block in gaussian.split(dim):  # (rows <= dim, dim)
        q, r = torch.linalg.qr(block.T)  # block.T = q r, q: (dim, rows) orthonormal columns
        q = q * torch.sign(torch.diagonal(r))  # Gram-Schmidt's signs: column i is row i's direction
        blocks.append(q.T * block.norm(dim=1, keepdim=True))
    return torch.cat(blocks)


def feature_generator(feature_seed: int, draw: int) -> torch.Generator:
    """The generator for the ``draw``-th projection of a layer: a pure
    function of (seed, draw), so a resumed or rerun job draws the same one."""
    return torch.Generator().manual_seed(int(feature_seed) * 1_000_003 + int(draw))


# features and attention -----------------------------------------------------


def positive_random_features(
    x: torch.Tensor,
    projection: torch.Tensor,
    is_query: bool,
    key_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """phi(x d^(-1/4)) for (..., n, d) queries or keys -> (..., n, m).

    A detached max is subtracted in the exponent: per row for queries, over
    the whole sequence (per batch and head) for keys. Both shifts are
    constants that cancel in D⁻¹. Masked keys (key_mask False) get all-zero
    features. This is the readable reference; ``favor_attention`` computes
    the same thing in chunks.
    """
    d, m = x.shape[-1], projection.shape[0]
    x = x * d**-0.25
    logits = x @ projection.T - (x * x).sum(-1, keepdim=True) / 2  # (..., n, m)
    if key_mask is not None:
        logits = logits.masked_fill(~key_mask[..., None], -math.inf)
    if is_query:
        shift = logits.amax(dim=-1, keepdim=True)
    else:
        shift = logits.amax(dim=(-2, -1), keepdim=True).clamp_min(_NEG)
    return torch.exp(logits - shift.detach()) / math.sqrt(m)


def linear_attention(phi_q, phi_k, v, causal: bool = False) -> torch.Tensor:
    """D⁻¹ phi(Q) (phi(K)ᵀ V), materialising (n, m) features: the textbook
    form, for reference and tests. Causal: running sums over keys."""
    if causal:
        context = torch.einsum("...nm,...ne->...nme", phi_k, v).cumsum(-3)  # (..., n, m, e)
        numerator = torch.einsum("...nm,...nme->...ne", phi_q, context)
        denominator = torch.einsum("...nm,...nm->...n", phi_q, phi_k.cumsum(-2))
    else:
        numerator = phi_q @ (phi_k.transpose(-1, -2) @ v)  # (..., n, e)
        denominator = phi_q @ phi_k.sum(-2)[..., None]  # (..., n, 1)
        denominator = denominator.squeeze(-1)
    return numerator / denominator.clamp_min(torch.finfo(v.dtype).tiny)[..., None]


def _key_bias(k: torch.Tensor, key_mask: torch.Tensor | None) -> torch.Tensor:
    """-|k'|²/2 per key, -inf for masked keys: (B, n, d) -> (B, n, 1). Computed
    once for the whole sequence so each chunk costs one fused matmul-add."""
    bias = (k * k).sum(-1, keepdim=True).mul_(-0.5 * k.shape[-1] ** -0.5)  # k' = k d^(-1/4)
    if key_mask is not None:
        bias.masked_fill_(~key_mask[..., None], -math.inf)
    return bias


def _query_features(q: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """exp(w·q' - max) for a chunk of queries (B, c, d) -> (B, c, m); the
    query's own factors (|q'|², 1/√m, the max) cancel in D⁻¹."""
    logits = torch.matmul(q, w)
    return logits.sub_(logits.amax(-1, keepdim=True)).exp_()


def _accumulate(total: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> None:
    """total += a @ b, with ``total`` in its own (wider) dtype."""
    if a.dtype == total.dtype:
        total.baddbmm_(a, b)
    else:
        total += torch.bmm(a, b)


class _NonCausalFavor(torch.autograd.Function):
    """Chunked FAVOR+ on (B, n, d) tensors, B = batch * heads. With a
    ``compute_dtype`` narrower than the inputs' (bfloat16), the (B, c, m)
    feature blocks and the matmuls that make and read them run in it, while
    the running sums, the max, the normaliser and the output stay in the
    inputs' dtype: half the memory traffic of the feature blocks and tensor
    cores on a GPU, at a rounding error the tests measure against FAVOR+'s
    own."""

    @staticmethod
    def forward(ctx, q, k, v, w, key_mask, chunk_size, compute_dtype):
        batch, n, _ = k.shape
        m, e = w.shape[1], v.shape[-1]
        context = v.new_zeros(batch, m, e)  # Σ phi(k) vᵀ
        key_sum = v.new_zeros(batch, 1, m)  # Σ phi(k)
        key_max = v.new_full((batch, 1, 1), _NEG)
        key_bias = _key_bias(k, key_mask)  # (B, n, 1)
        # the feature blocks and the matmuls that make and read them in
        # compute_dtype; the sums, the max and the output in the inputs' dtype
        qc, kc, vc, wc, bias_c = (t.to(compute_dtype) for t in (q, k, v, w, key_bias))
        w_batched = wc.expand(batch, *w.shape)  # (B, d, m), a view
        for start in range(0, n, chunk_size):
            chunk = slice(start, start + chunk_size)
            logits = torch.baddbmm(bias_c[:, chunk], kc[:, chunk], w_batched)  # w·k' - |k'|²/2: (B, c, m)
            new_max = torch.maximum(key_max, logits.amax(dim=(1, 2), keepdim=True).to(v.dtype))
            rescale = torch.exp(key_max - new_max)  # earlier chunks were summed under the old max
            context.mul_(rescale)
            key_sum.mul_(rescale)
            phi = logits.sub_(new_max.to(compute_dtype)).exp_()  # (B, c, m)
            _accumulate(context, phi.transpose(1, 2), vc[:, chunk])
            key_sum += phi.sum(1, keepdim=True, dtype=v.dtype)
            key_max = new_max
        out = torch.empty_like(v)
        denominator = v.new_empty(batch, n, 1)
        context_c, key_sum_c = context.to(compute_dtype), key_sum.transpose(1, 2).to(compute_dtype)
        for start in range(0, n, chunk_size):
            chunk = slice(start, start + chunk_size)
            phi = _query_features(qc[:, chunk], wc)
            denominator[:, chunk] = torch.matmul(phi, key_sum_c).clamp_min_(torch.finfo(v.dtype).tiny)
            out[:, chunk] = torch.matmul(phi, context_c).div_(denominator[:, chunk])
        ctx.save_for_backward(q, k, v, w, key_bias, context, key_sum, key_max, out, denominator)
        ctx.chunk_size, ctx.compute_dtype = chunk_size, compute_dtype
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):
        q, k, v, w, key_bias, context, key_sum, key_max, out, denominator = ctx.saved_tensors
        chunk_size, dtype, n = ctx.chunk_size, ctx.compute_dtype, k.shape[1]
        scale2 = w.shape[0] ** -0.5  # (d^(-1/4))²
        qc, kc, vc, wc, bias_c = (t.to(dtype) for t in (q, k, v, w, key_bias))
        context_t, key_sum_c = context.transpose(1, 2).to(dtype), key_sum.to(dtype)
        w_batched = wc.expand(k.shape[0], *w.shape)
        grad_context = torch.zeros_like(context)
        grad_key_sum = torch.zeros_like(key_sum)
        grad_q = torch.empty_like(q) if ctx.needs_input_grad[0] else None
        # queries: out = num / den with num = phi_q C, den = phi_q s
        for start in range(0, n, chunk_size):
            chunk = slice(start, start + chunk_size)
            phi = _query_features(qc[:, chunk], wc)  # (B, c, m)
            grad_num = grad_out[:, chunk] / denominator[:, chunk]  # (B, c, e)
            grad_den = -(grad_num * out[:, chunk]).sum(-1, keepdim=True)  # (B, c, 1)
            grad_num_c, grad_den_c = grad_num.to(dtype), grad_den.to(dtype)
            _accumulate(grad_context, phi.transpose(1, 2), grad_num_c)
            _accumulate(grad_key_sum, grad_den_c.transpose(1, 2), phi)
            if grad_q is not None:
                grad_phi = torch.matmul(grad_num_c, context_t).addcmul_(grad_den_c, key_sum_c)
                grad_q[:, chunk] = torch.matmul(grad_phi.mul_(phi), wc.T)
        # keys and values: C = Σ phi_k vᵀ, s = Σ phi_k
        grad_k = torch.empty_like(k) if ctx.needs_input_grad[1] else None
        grad_v = torch.empty_like(v) if ctx.needs_input_grad[2] else None
        grad_context_c, grad_context_t = grad_context.to(dtype), grad_context.transpose(1, 2).to(dtype)
        grad_key_sum_c, key_max_c = grad_key_sum.to(dtype), key_max.to(dtype)
        for start in range(0, n, chunk_size):
            chunk = slice(start, start + chunk_size)
            logits = torch.baddbmm(bias_c[:, chunk], kc[:, chunk], w_batched)
            phi = logits.sub_(key_max_c).exp_()  # (B, c, m), as summed at the end of the forward pass
            if grad_v is not None:
                grad_v[:, chunk] = torch.matmul(phi, grad_context_c)
            if grad_k is not None:
                grad_logits = torch.matmul(vc[:, chunk], grad_context_t).add_(grad_key_sum_c).mul_(phi)
                row_sums = grad_logits.sum(-1, keepdim=True, dtype=k.dtype)
                grad_k[:, chunk] = torch.matmul(grad_logits, wc.T) - k[:, chunk] * (row_sums * scale2)
        return grad_q, grad_k, grad_v, None, None, None, None


def _causal_favor(q, k, v, w, key_mask, chunk_size):
    """Causal FAVOR+ on (B, n, d) tensors by prefix sums: within a chunk the
    (c, c) lower triangle of phi_q phi_kᵀ, across chunks the running summary.
    Plain autograd; memory O(n·m)."""
    batch, n, _ = k.shape
    m, e = w.shape[1], v.shape[-1]
    context = v.new_zeros(batch, m, e)
    key_sum = v.new_zeros(batch, 1, m)
    key_max = v.new_full((batch, 1, 1), _NEG)
    outs = []
    for start in range(0, n, chunk_size):
        chunk = slice(start, start + chunk_size)
        query_logits = torch.matmul(q[:, chunk], w)
        phi_q = torch.exp(query_logits - query_logits.detach().amax(-1, keepdim=True))
        kc = k[:, chunk]
        logits = torch.matmul(kc, w) - (kc * kc).sum(-1, keepdim=True) * (w.shape[0] ** -0.5 / 2)
        if key_mask is not None:
            logits = logits.masked_fill(~key_mask[:, chunk, None], -math.inf)
        new_max = torch.maximum(key_max, logits.detach().amax(dim=(1, 2), keepdim=True))
        rescale = torch.exp(key_max - new_max)
        context, key_sum = context * rescale, key_sum * rescale
        phi_k = torch.exp(logits - new_max)
        scores = torch.matmul(phi_q, phi_k.transpose(1, 2)).tril()  # (B, c, c): key j <= query i
        numerator = torch.matmul(scores, v[:, chunk]) + torch.matmul(phi_q, context)
        denominator = scores.sum(-1, keepdim=True) + torch.matmul(phi_q, key_sum.transpose(1, 2))
        outs.append(numerator / denominator.clamp_min(torch.finfo(v.dtype).tiny))
        context = context + torch.matmul(phi_k.transpose(1, 2), v[:, chunk])
        key_sum = key_sum + phi_k.sum(1, keepdim=True)
        key_max = new_max
    return torch.cat(outs, dim=1)


def default_chunk_size(batch_heads: int, nb_features: int, device_type: str = "cpu") -> int:
    """Rows per chunk, from the size of one chunk's (B, c, m) float32 feature block.

    CPU: about 4 MiB, cache-sized, so time stays linear, yet few chunks,
    because every chunk costs some fifty small ops and each op a
    synchronisation of the threads (on one thread, 256 to 1024 rows at B = 4,
    m = 256 run within 3 % of each other).

    CUDA: about 128 MiB (16,384 rows at 8 heads x 256 features). A GPU needs
    big launches: with the CPU's 512 rows FAVOR+ ran 4.6x slower on an H200 at
    16k-1M tokens than with 16,384 rows; more rows gain under 5 % and cost
    memory (tests/benchmarks/gpu_attention.py measures it).
    """
    block_bytes, most = (128 * 2**20, 2**20) if device_type == "cuda" else (4 * 2**20, 4096)
    rows = (block_bytes // 4) // max(1, batch_heads * nb_features)
    return int(min(most, max(256, rows)))


# the dtype of the non-causal path's feature blocks (None: the inputs')
PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}


def favor_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    projection: torch.Tensor,
    key_mask: torch.Tensor | None = None,
    causal: bool = False,
    chunk_size: int | None = None,
    precision: str = "fp32",
) -> torch.Tensor:
    """FAVOR+ estimate of softmax(q kᵀ/√d) v.

    q, k: (batch, heads, n, d); v: (batch, heads, n, e); projection: (m, d);
    key_mask: (batch, n) bool, True for real tokens. Returns (batch, heads, n, e).
    precision: one of PRECISIONS; "bf16" runs the feature blocks of the
    non-causal path in bfloat16 (``_NonCausalFavor``), "fp32" everything in
    the inputs' dtype.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r} is unknown; expected one of {', '.join(PRECISIONS)}")
    if causal and precision != "fp32":
        raise ValueError("causal FAVOR+ runs in the inputs' dtype only; use precision 'fp32'")
    batch, heads, n, d = q.shape
    w = (projection.to(q.dtype) * d**-0.25).T.contiguous()  # (d, m): q' = q d^(-1/4) folded in
    flat = [t.reshape(batch * heads, n, t.shape[-1]) for t in (q, k, v)]  # (B, n, d), B = batch * heads
    if key_mask is not None:
        key_mask = key_mask.bool()[:, None, :].expand(batch, heads, n).reshape(batch * heads, n)
        flat[2] = flat[2].masked_fill(~key_mask[..., None], 0.0)  # no NaN from padding leaks through 0 * v
    chunk_size = chunk_size or default_chunk_size(batch * heads, projection.shape[0], q.device.type)
    chunk_size = math.ceil(n / math.ceil(n / chunk_size))  # equal chunks, no one-row stragglers
    if causal:
        out = _causal_favor(*flat, w, key_mask, chunk_size)
    else:
        compute_dtype = PRECISIONS[precision] or q.dtype
        out = _NonCausalFavor.apply(*flat, w, key_mask, chunk_size, compute_dtype)
    return out.reshape(batch, heads, n, -1)


# SDPA kernels whose backward pass is deterministic on CUDA. With
# deterministic algorithms in warn_only mode (as training runs), torch says
# that its flash, memory-efficient and cuDNN kernels "default to a
# non-deterministic algorithm" (seen with torch 2.11 on an H200,
# tests/benchmarks/gpu_attention.py); the math kernel is plain matmuls.
DETERMINISTIC_SDPA = [SDPBackend.MATH]


def exact_attention(q, k, v, key_mask=None, causal: bool = False) -> torch.Tensor:
    """softmax(q kᵀ/√d) v with the same arguments as ``favor_attention``.
    With deterministic algorithms on (every training job), a CUDA run uses
    only the kernels in DETERMINISTIC_SDPA, so that it repeats bit for bit."""
    mask = None if key_mask is None else key_mask.bool()[:, None, None, :]
    kernels = contextlib.nullcontext()
    if q.is_cuda and torch.are_deterministic_algorithms_enabled():
        kernels = sdpa_kernel(DETERMINISTIC_SDPA)
    with kernels:
        return nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)


# the attention sublayer -------------------------------------------------------


class FavorAttention(MultiHeadAttention):
    """Multi-head self-attention whose heads attend through FAVOR+.

    One (nb_features, head_dim) projection shared by the heads, kept as a
    buffer. While training, a new one is drawn every ``redraw_interval``
    forward passes (0: never); the ``draw``-th comes from a generator seeded
    with (feature_seed, draw), and the call counter is a buffer too, so a
    state_dict resumes the schedule exactly. Evaluation uses the projection
    as it stands. ``feature_seed`` None takes a seed from torch's global
    generator at construction (so it follows ``torch.manual_seed``).
    """

    def __init__(
        self,
        dim: int,
        heads: int,
        nb_features: int = 64,
        orthogonal: bool = True,
        redraw_interval: int = 1000,
        feature_seed: int | None = None,
        causal: bool = False,
        dropout: float = 0.0,
        chunk_size: int | None = None,
        precision: str = "fp32",
    ):
        super().__init__(dim, heads, dropout)
        if nb_features < 1:
            raise ValueError(f"nb_features must be at least 1, got {nb_features}")
        if redraw_interval < 0:
            raise ValueError(f"redraw_interval must be 0 (never) or positive, got {redraw_interval}")
        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r} is unknown; expected one of {', '.join(PRECISIONS)}")
        self.head_dim = dim // heads
        self.nb_features = nb_features
        self.orthogonal = orthogonal
        self.redraw_interval = redraw_interval
        self.causal = causal
        self.chunk_size = chunk_size
        self.precision = precision
        if feature_seed is None:
            feature_seed = int(torch.randint(0, 2**31 - 1, ()))
        self.register_buffer("feature_seed", torch.tensor(int(feature_seed)))
        self.register_buffer("training_calls", torch.tensor(0))
        self.register_buffer("projection", self.draw_projection(0))

    def draw_projection(self, draw: int) -> torch.Tensor:
        generator = feature_generator(int(self.feature_seed), draw)
        return gaussian_orthogonal_random_matrix(self.nb_features, self.head_dim, generator, self.orthogonal)

    def maybe_redraw(self) -> None:
        """Called once per training forward pass: projection number
        calls // redraw_interval serves that pass."""
        calls = int(self.training_calls)
        if self.redraw_interval and calls and calls % self.redraw_interval == 0:
            self.projection.copy_(self.draw_projection(calls // self.redraw_interval))
        self.training_calls += 1

    def attend(self, q, k, v, key_mask):
        if self.training:
            self.maybe_redraw()
        return favor_attention(q, k, v, self.projection, key_mask, self.causal, self.chunk_size, self.precision)
