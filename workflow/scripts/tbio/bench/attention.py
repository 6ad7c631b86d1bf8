"""FAVOR+ against exact softmax attention: approximation error and scaling.

``approximation_error``: relative Frobenius error of the FAVOR+ output
against exact attention, per number of random features, orthogonal vs iid,
and of uniform attention (the mean of V), on synthetic inputs at a chosen
logit scale or on q, k, v captured from a trained model (``capture_qkv``).

``attention_scaling``: forward+backward seconds and peak memory of one
attention core (q, k, v -> output; the projections around it cost the same
for both) for FAVOR+ and exact SDPA over sequence lengths, with ``fit_slope``
and ``crossover_length`` to read the result (from tbio.report.analysis, the
torch-free module the report reads the same table with).
"""

from __future__ import annotations

import itertools
import math
import os
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import torch

from tbio.models.blocks import MultiHeadAttention
from tbio.models.favor import exact_attention, favor_attention, gaussian_orthogonal_random_matrix
from tbio.models.inputs import one_hot
from tbio.report import analysis
from tbio.report.analysis import FIT_FROM_LEN, ScalingFit, fit_method

KINDS = ("orthogonal", "iid")
METHODS = ("favor", "exact")
MAX_RUNS = 200  # timed runs of one point, however short


# approximation ----------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticInputs:
    """q, k, v of one head, (1, 1, seq_len, head_dim), made the way a layer makes them (``draw``).

    Tokens are LayerNorm'd vectors (zero mean, unit variance over
    ``model_dim``), projected by Gaussian matrices scaled so that the
    attention logits q·k/√d have standard deviation ``logit_std``; then
    |q|²/√d = |k|²/√d = √d · logit_std on average.

    The norm decides the answer: FAVOR+'s variance grows like exp(|q + k|²/√d),
    so at head_dim 64 unit Gaussian q and k (|q|²/√d = 8, logit std 1) give
    errors above 200 % even at 1024 features, and the mean over draws is ruled
    by a few draws in the heavy tail. At logit_std 0.125 and head_dim 64,
    |q|²/√d and |k|²/√d are 1, but the attention is then almost uniform: the
    mean of V is within 0.17 of it. Hence several scales (``approximation.logit_stds``)
    and the trained models' own q and k (``CapturedInputs``).
    """

    seq_len: int = 256
    head_dim: int = 64
    logit_std: float = 0.125
    model_dim: int = 256

    @property
    def name(self) -> str:
        return f"synthetic_std{self.logit_std:g}"

    def draw(self, generator: torch.Generator, dtype: torch.dtype = torch.float64):
        seq_len, head_dim, logit_std, model_dim = self.seq_len, self.head_dim, self.logit_std, self.model_dim
        tokens = torch.randn(seq_len, model_dim, generator=generator, dtype=dtype)
        tokens = torch.nn.functional.layer_norm(tokens, (model_dim,))
        # q_i ~ N(0, s²) with s² = logit_std: then std(q·k/√d) = s² = logit_std
        scale = math.sqrt(logit_std / model_dim)
        w_q, w_k, w_v = (torch.randn(model_dim, head_dim, generator=generator, dtype=dtype) for _ in range(3))
        q, k = tokens @ w_q * scale, tokens @ w_k * scale
        v = tokens @ w_v / math.sqrt(model_dim)
        return tuple(t[None, None] for t in (q, k, v))

    def problem(self, draw: int, seed: int):
        """The q, k, v of draw ``draw``: its own generator, so every draw is reproducible alone."""
        return self.draw(torch.Generator().manual_seed(seed * 1_000_003 + draw))

    def __len__(self) -> int:
        return 2**31  # any number of draws


@dataclass(frozen=True)
class CapturedInputs:
    """q, k, v that a trained model's attention layers computed on real
    sequences (``capture_qkv``): (sequences, layers * heads, seq_len, head_dim)
    each; draw i is sequence i, every layer and head."""

    name: str
    q: torch.Tensor
    k: torch.Tensor
    v: torch.Tensor

    @property
    def head_dim(self) -> int:
        return self.q.shape[-1]

    def problem(self, draw: int, seed: int):
        return tuple(t[draw : draw + 1] for t in (self.q, self.k, self.v))

    def __len__(self) -> int:
        return len(self.q)


@torch.no_grad()
def capture_qkv(model: torch.nn.Module, x: torch.Tensor, name: str) -> CapturedInputs:
    """The q, k, v every attention sublayer (``blocks.MultiHeadAttention``) of
    ``model`` attends with on sequences ``x`` (n, seq_len uint8 codes), after its
    rotary positions where it has them, in float64, layers stacked along the
    head axis."""
    layers = [m for m in model.modules() if isinstance(m, MultiHeadAttention)]
    if not layers:
        raise ValueError(f"{type(model).__name__} has no attention layer to capture q, k and v from")
    captured: list[list[torch.Tensor]] = [[] for _ in layers]

    def keep(index, attend):
        def wrapped(q, k, v, key_mask):
            captured[index] = [q, k, v]
            return attend(q, k, v, key_mask)

        return wrapped

    for i, layer in enumerate(layers):
        layer.attend = keep(i, layer.attend)  # an instance attribute, in front of the class's method
    model.eval()
    try:
        model(one_hot(x, model.in_channels))
    finally:
        for layer in layers:
            del layer.attend
    q, k, v = (torch.cat([captured[i][j] for i in range(len(layers))], dim=1).double() for j in range(3))
    return CapturedInputs(name, q, k, v)


def relative_error(estimate: torch.Tensor, exact: torch.Tensor) -> float:
    return float(torch.linalg.norm(estimate - exact) / torch.linalg.norm(exact))


def uniform_attention(v: torch.Tensor) -> torch.Tensor:
    """Every query attending equally to every key: the mean of V at each
    position, the baseline an approximation of softmax attention must beat."""
    return v.mean(dim=-2, keepdim=True).expand_as(v)


def approximation_error(
    features_list: Sequence[int],
    kinds: Sequence[str] = KINDS,
    draws: int = 100,
    inputs: SyntheticInputs | CapturedInputs = SyntheticInputs(),
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (features, kind, draw): ``inputs, features, kind, draw,
    rel_error``, plus one row per draw for kind ``uniform`` (the mean of V;
    no features, so ``features`` is empty there).

    Why 100 draws: the error of one draw is heavy-tailed, and orthogonality
    buys least when there are fewer features than head_dim (one partial
    block); at 16 features and head_dim 64 the orthogonal-minus-iid
    difference has a mean of about 0.4 of its standard deviation, so 10 draws
    order the two kinds wrongly about one time in ten, 100 draws almost never.

    Each draw is one attention problem (``inputs.problem``: a synthetic draw,
    or one captured sequence with all its heads), shared by every number of
    features and every kind, so the kinds are compared on the same problems;
    each (draw, features) has its own Gaussian draws, orthogonalised or not
    (``gaussian_orthogonal_random_matrix``), so orthogonal and iid differ only
    by the orthogonalisation. Computed in float64, so the error is the
    estimator's, not float32's. ``draws`` is capped at the problems
    ``inputs`` holds.
    """
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"kinds {sorted(unknown)} are unknown; expected a subset of {KINDS}")
    rows = []
    for draw in range(min(draws, len(inputs))):
        q, k, v = inputs.problem(draw, seed)
        exact = exact_attention(q, k, v)
        rows.append(
            {
                "features": None,
                "kind": "uniform",
                "draw": draw,
                "rel_error": relative_error(uniform_attention(v), exact),
            }
        )
        for features, kind in itertools.product(features_list, kinds):
            stream = np.random.SeedSequence([seed, draw, features])  # both kinds from the same Gaussians
            generator = torch.Generator().manual_seed(int(stream.generate_state(1)[0]))
            projection = gaussian_orthogonal_random_matrix(features, inputs.head_dim, generator, kind == "orthogonal")
            estimate = favor_attention(q, k, v, projection.double())
            rows.append(
                {"features": features, "kind": kind, "draw": draw, "rel_error": relative_error(estimate, exact)}
            )
    table = pd.DataFrame(rows, columns=["features", "kind", "draw", "rel_error"])
    table.insert(0, "inputs", inputs.name)
    return table.astype({"features": "Int64"})


# scaling -----------------------------------------------------------------------


def _peak_cpu_mb(run: Callable[[], None]) -> float:
    """Peak of the bytes held by torch's CPU allocator while ``run`` runs,
    above what was held when it started: the profiler's allocation and free
    events, replayed in order. Memory allocated outside torch's allocator
    (BLAS workspaces) is not seen."""
    activities = [torch.profiler.ProfilerActivity.CPU]
    with torch.profiler.profile(activities=activities, profile_memory=True) as profiler:
        run()
    try:
        events = profiler.profiler.kineto_results.events()
    except AttributeError:  # a torch without this view of the trace
        return math.nan
    changes = sorted((e.start_ns(), e.nbytes()) for e in events if e.name() == "[memory]")
    held = itertools.accumulate(nbytes for _, nbytes in changes)
    return max(0, max(held, default=0)) / 2**20


def _peak_cuda_mb(run: Callable[[], None], device: torch.device) -> float:
    torch.cuda.synchronize(device)
    start = torch.cuda.memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    run()
    torch.cuda.synchronize(device)
    return (torch.cuda.max_memory_allocated(device) - start) / 2**20


def _predict(points: list[tuple[int, float]], seq_len: int) -> float:
    """Extrapolate a cost to ``seq_len`` along the log-log slope of the last two
    measured points, kept within [1, 2]: attention costs at least linear and
    at most quadratic time and memory, and a noisy pair of points should not
    make a cheap method look unaffordable."""
    if not points:
        return 0.0
    slope = 1.0
    if len(points) > 1:
        (n0, c0), (n1, c1) = points[-2], points[-1]
        if c0 > 0 and c1 > 0:
            slope = min(2.0, max(1.0, math.log(c1 / c0) / math.log(n1 / n0)))
    last_len, last_cost = points[-1]
    return last_cost * (seq_len / last_len) ** slope


def attention_scaling(
    seq_lens: Sequence[int],
    heads: int = 4,
    head_dim: int = 64,
    nb_features: int = 256,
    threads: int = 2,
    repeats: int = 3,
    min_seconds: float = 1.0,
    max_seconds: float = 8.0,
    max_memory_mb: float | None = None,
    batch: int = 1,
    seed: int = 0,
    methods: Sequence[str] = METHODS,
    device: torch.device | str = "cpu",
    log: Callable[[str], None] = print,
) -> pd.DataFrame:
    """Forward+backward of one attention core at each length in ``seq_lens``:
    ``method, seq_len, seconds_fwd_bwd, peak_mb, device, exact_kernel``.

    FAVOR+ runs in float32. The exact baseline is SDPA, in float32 on the CPU
    and in bf16 on CUDA, where that selects the flash kernel: the fastest
    exact attention there, the one a practitioner would compare against.

    Per point: one untimed run that warms up and measures peak memory
    (torch's CPU allocator via the profiler; on CUDA,
    ``max_memory_allocated``), then timed runs: at least ``repeats`` and
    until they add up to ``min_seconds`` (short points are cheap, and more
    runs make their minimum trustworthy), but no more once they add up to
    ``max_seconds``. ``seconds_fwd_bwd`` is the fastest timed run: on a
    shared machine interference only ever adds time. A point whose
    time or memory, extrapolated from the shorter lengths, would exceed
    ``max_seconds`` or ``max_memory_mb`` (default: half the machine's memory)
    is skipped: the log says so and its row has NaN time and memory. Threads
    are fixed to ``threads``.
    """
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"methods {sorted(unknown)} are unknown; expected a subset of {METHODS}")
    device = torch.device(device)
    if max_memory_mb is None:  # half of the memory the device has
        if device.type == "cuda":
            max_memory_mb = torch.cuda.get_device_properties(device).total_memory / 2**20 / 2
        else:
            max_memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20 / 2
    device_name, exact_kernel = device_description(device, threads)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    generator = torch.Generator().manual_seed(seed)
    projection = gaussian_orthogonal_random_matrix(nb_features, head_dim, generator).to(device)
    attend = {
        "favor": lambda q, k, v: favor_attention(q, k, v, projection),
        # on CUDA the exact baseline is SDPA in bf16, which runs the flash kernel
        "exact": lambda q, k, v: exact_attention(q, k, v),
    }
    dtypes = {"favor": torch.float32, "exact": torch.bfloat16 if device.type == "cuda" else torch.float32}
    timings: dict[str, list[tuple[int, float]]] = {m: [] for m in methods}
    memories: dict[str, list[tuple[int, float]]] = {m: [] for m in methods}
    rows = []
    try:
        for seq_len in sorted(seq_lens):
            for method in methods:
                expected_s = _predict(timings[method], seq_len)
                expected_mb = _predict(memories[method], seq_len)
                if expected_s > max_seconds or expected_mb > max_memory_mb:
                    log(
                        f"skip {method} at seq_len {seq_len}: expected {expected_s:.1f} s per run "
                        f"(limit {max_seconds}) and {expected_mb:.0f} MB (limit {max_memory_mb:.0f})"
                    )
                    rows.append(
                        {"method": method, "seq_len": seq_len, "seconds_fwd_bwd": math.nan, "peak_mb": math.nan}
                    )
                    continue
                shape, dtype = (batch, heads, seq_len, head_dim), dtypes[method]
                q, k, v = (torch.randn(shape, generator=generator).to(device, dtype).requires_grad_() for _ in range(3))
                grad = torch.randn(shape, generator=generator).to(device, dtype)

                def run():
                    for t in (q, k, v):
                        t.grad = None
                    attend[method](q, k, v).backward(grad)
                    if device.type == "cuda":
                        torch.cuda.synchronize(device)

                peak = _peak_cuda_mb(run, device) if device.type == "cuda" else _peak_cpu_mb(run)
                times: list[float] = []
                while len(times) < MAX_RUNS and (not times or sum(times) < max_seconds):
                    if len(times) >= repeats and sum(times) >= min_seconds:
                        break
                    started = time.perf_counter()
                    run()
                    times.append(time.perf_counter() - started)
                seconds = min(times)
                timings[method].append((seq_len, seconds))
                memories[method].append((seq_len, peak))
                rows.append({"method": method, "seq_len": seq_len, "seconds_fwd_bwd": seconds, "peak_mb": peak})
                log(f"{method} seq_len {seq_len}: {seconds * 1000:.1f} ms (best of {len(times)}), {peak:.1f} MB")
    finally:
        torch.set_num_threads(previous_threads)
    table = pd.DataFrame(rows, columns=["method", "seq_len", "seconds_fwd_bwd", "peak_mb"])
    return table.assign(device=device_name, exact_kernel=exact_kernel)


def device_description(device: torch.device, threads: int) -> tuple[str, str]:
    """The device in words (for the table, the figure and the report) and
    what the exact baseline runs there."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device), "SDPA bf16 (flash)"
    return f"CPU, {threads} thread{'s' if threads > 1 else ''}", "SDPA fp32"


def fit_slope(
    df: pd.DataFrame, method: str, min_len: int = FIT_FROM_LEN, column: str = "seconds_fwd_bwd"
) -> ScalingFit:
    """Log-log fit of ``column`` on seq_len for one method over lengths >=
    ``min_len`` (1 is linear, 2 quadratic), falling back to every length when
    fewer than two reach it: ``tbio.report.analysis.fit_method``, the fit the
    report shows. ``.slope`` is the number, ``.describe()`` a line for a log."""
    return fit_method(df, method, column, min_len)


# The length from which FAVOR+ is faster: the report's own reading of the table.
crossover_length = analysis.crossover_length
