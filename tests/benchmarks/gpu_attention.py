"""Attention on a GPU: our FAVOR+ (chunk sizes; fp32, TF32, and bf16 feature
blocks with fp32 sums) against performer-pytorch's FastAttention and exact
SDPA (fp32, and bf16 with the flash kernel), one attention core forward +
backward, batch 1, 8 heads x 64, 256 features: the setting of the GPU
issue's table. Also which SDPA kernels
give bit-identical gradients twice in deterministic mode.

    python tests/benchmarks/gpu_attention.py [--out DIR] [--lengths 16384,65536]

Needs CUDA. Time: CUDA events, the fastest of at least 3 runs after a
warm-up. Memory: the peak torch's allocator held above what it held before
the run (inputs allocated, no gradients yet).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import warnings
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "workflow" / "scripts"))
from tbio.models.favor import favor_attention, gaussian_orthogonal_random_matrix  # noqa: E402

HEADS, HEAD_DIM, FEATURES = 8, 64, 256


@contextlib.contextmanager
def tf32(enabled: bool):
    previous = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = enabled
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = previous


def measure(fn, q, k, v, grad, max_seconds=1.5):
    def run():
        for t in (q, k, v):
            t.grad = None
        fn(q, k, v).backward(grad)

    for t in (q, k, v):
        t.grad = None
    torch.cuda.synchronize()
    start_mb = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    run()  # warm-up, and the peak
    torch.cuda.synchronize()
    peak = (torch.cuda.max_memory_allocated() - start_mb) / 2**20
    times = []
    while len(times) < 3 or (sum(times) < max_seconds and len(times) < 20):
        begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        begin.record()
        run()
        end.record()
        torch.cuda.synchronize()
        times.append(begin.elapsed_time(end) / 1000)
        if times[-1] > max_seconds:
            break
    return min(times), peak


def methods(projection):
    from performer_pytorch import FastAttention

    peer = FastAttention(dim_heads=HEAD_DIM, nb_features=FEATURES).cuda()
    peer.projection_matrix.copy_(projection)
    sdpa = torch.nn.functional.scaled_dot_product_attention
    from torch.nn.attention import SDPBackend, sdpa_kernel

    def flash_bf16(q, k, v):
        with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
            return sdpa(q.bfloat16(), k.bfloat16(), v.bfloat16()).float()

    table = {}
    for chunk in (None, 4096, 16384, 65536, 262144):
        table[f"ours fp32 chunk {chunk or 'default'}"] = (
            (lambda c: lambda q, k, v: favor_attention(q, k, v, projection, chunk_size=c))(chunk),
            False,
            None,
        )
    for chunk in (16384, 65536):
        table[f"ours tf32 chunk {chunk}"] = (
            (lambda c: lambda q, k, v: favor_attention(q, k, v, projection, chunk_size=c))(chunk),
            True,
            None,
        )
    for chunk in (16384, 65536):  # feature blocks in bf16, sums and output in fp32
        table[f"ours bf16 chunk {chunk}"] = (
            (lambda c: lambda q, k, v: favor_attention(q, k, v, projection, chunk_size=c, precision="bf16"))(chunk),
            False,
            None,
        )
    table["performer-pytorch fp32"] = (lambda q, k, v: peer(q, k, v), False, None)
    table["performer-pytorch tf32"] = (lambda q, k, v: peer(q, k, v), True, None)
    table["SDPA fp32"] = (lambda q, k, v: sdpa(q, k, v), False, 65536)
    table["SDPA bf16 flash"] = (flash_bf16, False, 262144)
    return table


def scaling(lengths, out: Path):
    """One row per (length, method); also written to out/gpu_attention.tsv."""
    projection = gaussian_orthogonal_random_matrix(FEATURES, HEAD_DIM, torch.Generator().manual_seed(0)).cuda()
    rows = []
    for n in lengths:
        g = torch.Generator(device="cuda").manual_seed(n)
        shape = (1, HEADS, n, HEAD_DIM)
        q, k, v = (
            (torch.randn(shape, device="cuda", generator=g) * 0.35).requires_grad_() for _ in range(3)
        )  # |q|^2/sqrt(d) about 1
        grad = torch.randn(shape, device="cuda", generator=g)
        for name, (fn, use_tf32, max_len) in methods(projection).items():
            if max_len and n > max_len:
                continue
            try:
                with tf32(use_tf32):
                    seconds, peak = measure(fn, q, k, v, grad)
            except torch.cuda.OutOfMemoryError:
                seconds, peak = math.nan, math.nan
                torch.cuda.empty_cache()
            rows.append((n, name, seconds * 1000, peak))
            print(f"{n:>8} {name:<28} {seconds * 1000:9.2f} ms {peak:9.0f} MB", flush=True)
    import pandas as pd

    table = pd.DataFrame(rows, columns=["seq_len", "method", "ms_fwd_bwd", "peak_mb"])
    table.to_csv(out / "gpu_attention.tsv", sep="\t", index=False)
    return table


def sdpa_determinism():
    """Which SDPA kernels give bit-identical gradients twice (deterministic mode on)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    torch.use_deterministic_algorithms(True, warn_only=True)
    g = torch.Generator(device="cuda").manual_seed(0)
    for dtype in (torch.float32, torch.bfloat16):
        for with_mask in (False, True):
            shape = (64, 2, 256, 16)
            base = [torch.randn(shape, device="cuda", generator=g, dtype=dtype) for _ in range(3)]
            mask = torch.rand(64, 1, 1, 256, device="cuda", generator=g) > 0.1 if with_mask else None
            grad = torch.randn(shape, device="cuda", generator=g, dtype=dtype)
            for backend in (
                SDPBackend.MATH,
                SDPBackend.EFFICIENT_ATTENTION,
                SDPBackend.FLASH_ATTENTION,
                SDPBackend.CUDNN_ATTENTION,
            ):
                grads, notes = [], set()
                try:
                    for _ in range(2):
                        q, k, v = (t.clone().requires_grad_() for t in base)
                        with warnings.catch_warnings(record=True) as caught, sdpa_kernel(backend):
                            warnings.simplefilter("always")
                            torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask).backward(grad)
                        notes |= {str(w.message)[:120] for w in caught}
                        grads.append([t.grad for t in (q, k, v)])
                    same = all(torch.equal(a, b) for a, b in zip(*grads))
                    print(
                        f"SDPA {backend.name:<20} {str(dtype):<15} mask={with_mask}: identical={same} {sorted(notes)}"
                    )
                except RuntimeError as error:
                    print(
                        f"SDPA {backend.name:<20} {str(dtype):<15} mask={with_mask}: unavailable ({str(error)[:100]})"
                    )
    torch.use_deterministic_algorithms(False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks"))
    parser.add_argument("--lengths", default="16384,32768,65536,262144,1048576")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name())
    sdpa_determinism()
    scaling([int(n) for n in args.lengths.split(",")], args.out)
