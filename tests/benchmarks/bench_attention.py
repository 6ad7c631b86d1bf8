"""Part 2: FAVOR+ against performer-pytorch's FastAttention and exact SDPA.

One attention core (q, k, v -> output; the projections around it cost the
same for every method), forward + backward, at each sequence length: batch 1,
``heads`` x ``head_dim``, ``features`` random features, torch threads fixed.
Ours and performer-pytorch get the same projection matrix, so their outputs
estimate softmax attention with the same random features; the error table
compares both with exact attention on the inputs the project's approximation
experiment uses (``tbio.bench.attention.SyntheticInputs``, float64).

Peak memory is what torch's CPU allocator held above the start, replayed
from the profiler's allocation events (as the workflow's attention_scaling
rule measures it); time is the fastest of the timed runs (at least
``repeats``, up to 20 while they take less than ``max_seconds`` together).
With 2 threads on 2 cores, any other busy process makes OpenMP's per-op
barriers wait for a descheduled thread: many small ops (FAVOR+'s chunks,
short sequences) then slow down several-fold, so quote a quiet machine.
"""

from __future__ import annotations

import torch
import pandas as pd

from harness import best_of, log, save
from tbio.bench.attention import SyntheticInputs, _peak_cpu_mb, relative_error
from tbio.models.favor import exact_attention, favor_attention, gaussian_orthogonal_random_matrix

OURS, PEER, EXACT = "ours: favor_attention", "performer-pytorch FastAttention", "exact: SDPA"


def performer_pytorch(head_dim: int, projection: torch.Tensor):
    """performer-pytorch 1.1.4's FastAttention with ``projection`` as its
    random features (None when it is not installed)."""
    try:
        from performer_pytorch import FastAttention
    except ImportError:
        return None
    peer = FastAttention(dim_heads=head_dim, nb_features=projection.shape[0])
    peer.projection_matrix.copy_(projection)
    return peer


def approximation(head_dim: int, features: int, seq_len: int = 1024, draws: int = 5) -> pd.DataFrame:
    """Relative error against exact attention of ours and of performer-pytorch
    with the same projection, per draw (inputs and projection per draw)."""
    rows = []
    for draw in range(draws):
        generator = torch.Generator().manual_seed(1000 + draw)
        q, k, v = SyntheticInputs(seq_len, head_dim).draw(generator)
        projection = gaussian_orthogonal_random_matrix(features, head_dim, generator)
        exact = exact_attention(q, k, v)
        ours = favor_attention(q, k, v, projection.double())
        row = {"seq_len": seq_len, "features": features, "draw": draw, "error_ours": relative_error(ours, exact)}
        peer = performer_pytorch(head_dim, projection)
        if peer is not None:
            theirs = peer.double()(q, k, v)
            row["error_performer_pytorch"] = relative_error(theirs, exact)
            row["ours_vs_performer_pytorch"] = relative_error(ours, theirs)
        rows.append(row)
    return pd.DataFrame(rows)


def run(
    out_dir,
    seq_lens: list[int],
    heads: int = 4,
    head_dim: int = 64,
    features: int = 256,
    threads: int = 2,
    repeats: int = 3,
    max_seconds: float = 5.0,
) -> pd.DataFrame:
    if torch.cuda.is_available():  # the GPU table: 8 heads, lengths from 16k, bf16 flash SDPA too
        return run_gpu(out_dir)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    generator = torch.Generator().manual_seed(0)
    projection = gaussian_orthogonal_random_matrix(features, head_dim, generator)
    methods = {OURS: lambda q, k, v: favor_attention(q, k, v, projection), EXACT: exact_attention}
    peer = performer_pytorch(head_dim, projection)
    if peer is None:
        log("performer-pytorch is not installed: pip install -r envs/benchmark-requirements.txt")
    else:
        methods[PEER] = peer
    rows = []
    try:
        for seq_len in seq_lens:
            shape = (1, heads, seq_len, head_dim)
            q, k, v = (torch.randn(shape, generator=generator).requires_grad_() for _ in range(3))
            grad = torch.randn(shape, generator=generator)
            for method, attend in methods.items():

                def fwd_bwd():
                    for t in (q, k, v):
                        t.grad = None
                    attend(q, k, v).backward(grad)

                peak_mb = _peak_cpu_mb(fwd_bwd)  # also the warm-up run
                # at least ``repeats`` runs, more while they are cheap: 2-thread timings
                # suffer most when another process holds a core
                seconds, runs = best_of(fwd_bwd, 20, max_seconds, min_repeats=repeats)
                rows.append(
                    {"seq_len": seq_len, "method": method, "seconds_fwd_bwd": seconds, "peak_mb": peak_mb, "runs": runs}
                )
                log(f"{method} at {seq_len}: {seconds * 1000:.1f} ms, {peak_mb:.0f} MB")
    finally:
        torch.set_num_threads(previous_threads)
    table = pd.DataFrame(rows)
    ours = table[table["method"] == OURS].set_index("seq_len")["seconds_fwd_bwd"]
    table["ours_speedup"] = table["seconds_fwd_bwd"] / table["seq_len"].map(ours)
    setting = f"batch 1, {heads} heads x {head_dim}, {features} features, {threads} threads"
    save(
        table,
        out_dir,
        "attention",
        f"2. Attention forward+backward ({setting}); ours_speedup = method's time / ours",
        ["seq_len", "method", "seconds_fwd_bwd", "peak_mb", "ours_speedup", "runs"],
    )

    errors = approximation(head_dim, features)
    summary = errors.drop(columns="draw").groupby(["seq_len", "features"], as_index=False).mean()
    save(
        summary,
        out_dir,
        "attention_error",
        "2b. Relative error against exact attention, same projection (float64, mean of 5 draws)",
    )
    return table


GPU_LENGTHS = [16384, 32768, 65536, 262144, 1048576]


def run_gpu(out_dir) -> pd.DataFrame:
    """Part 2 on a GPU: gpu_attention.py's table (ours at several chunk sizes,
    fp32, TF32 and bf16 feature blocks; performer-pytorch; SDPA fp32 and bf16
    flash)."""
    from pathlib import Path

    import gpu_attention

    table = gpu_attention.scaling(GPU_LENGTHS, Path(out_dir))
    save(
        table,
        out_dir,
        "attention",
        f"2. Attention forward+backward on {torch.cuda.get_device_name()} "
        f"(batch 1, {gpu_attention.HEADS} heads x {gpu_attention.HEAD_DIM}, {gpu_attention.FEATURES} features)",
        ["seq_len", "method", "ms_fwd_bwd", "peak_mb"],
    )
    return table
