"""The performance benchmark suite: measures, prints a table per part and
writes results/benchmarks/*.tsv plus summary.md (every table, ready for the
README's "Performance" section). Not part of the test run: pytest does not
collect this folder.

    .venv/bin/pip install -r envs/benchmark-requirements.txt   # the peers, once
    .venv/bin/python tests/benchmarks/run.py                   # parts 1, 2, 3, 5 (~10 min)
    .venv/bin/python tests/benchmarks/run.py --quick           # the same at small sizes (~2 min)
    .venv/bin/python tests/benchmarks/run.py --pipeline        # + part 4, the whole pipeline (~20+ min)
    .venv/bin/python tests/benchmarks/run.py --parts dag --pipeline-config config/test.yaml

Parts: encoding (1), attention (2), training (3), pipeline (4, opt-in), dag (5),
data (6: simulation, FASTA writing and encoding at 131,072 bp).
Timings on a busy machine are inflated: the machine table records the load
average at the start; run on a quiet machine for numbers worth quoting.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import pandas as pd

import harness
from harness import ROOT, save

PARTS = ("encoding", "attention", "training", "dag", "data", "pipeline")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes everywhere: a check that it all runs")
    parser.add_argument("--parts", nargs="+", choices=PARTS, help="parts to run (default: all but pipeline)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks", help="where the TSVs go")
    parser.add_argument("--pipeline", action="store_true", help="also time the whole pipeline (part 4)")
    parser.add_argument("--pipeline-config", help="config file for part 4, e.g. config/test.yaml (implies --pipeline)")
    parser.add_argument("--pipeline-cores", type=int, nargs="+", default=[2, 1], help="core counts for part 4")
    parser.add_argument("--records", type=int, help="1 kbp FASTA records for part 1 (default 100000; quick 10000)")
    parser.add_argument("--seq-lens", type=int, nargs="+", help="attention lengths (default 1024 4096 16384)")
    parser.add_argument("--attention-threads", type=int, default=2, help="torch threads for part 2")
    parser.add_argument("--train-threads", type=int, help="torch threads for part 3 (default: config threads.train)")
    parser.add_argument(
        "--models", nargs="+", default=["cnn", "cnn_dilated", "cnn_global", "enformer", "performer", "transformer"]
    )
    parser.add_argument("--sweep", type=int, nargs=2, default=[11, 22], metavar=("WINDOWS", "SEEDS"))
    args = parser.parse_args()
    if args.pipeline_config:
        args.pipeline = True
    if args.parts is None:
        args.parts = [p for p in PARTS if p != "pipeline" or args.pipeline]
    elif args.pipeline and "pipeline" not in args.parts:
        args.parts.append("pipeline")
    return args


def targets(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The performance targets next to what this run measured (no pass/fail exit:
    a benchmark measures)."""
    rows = []

    def add(target, measured, met):
        rows.append({"target": target, "measured": measured, "met": "yes" if met else "NO"})

    encoding = results.get("encoding")
    if encoding is not None:
        ours = encoding.set_index("method").loc["project: encode_labelled_fasta"]
        add("encoding >= 200 Mbp/s, parse included", f"{ours['mbp_per_s']:.0f} Mbp/s", ours["mbp_per_s"] >= 200)
        add(
            "encoding >= 20x the Python loop",
            f"{ours['speedup_vs_python_loop']:.0f}x",
            ours["speedup_vs_python_loop"] >= 20,
        )
    data = results.get("data")
    if data is not None:
        for row in data.itertuples():
            if row.step in ("simulate_pairs", "write_records", "write_encoded"):
                add(f"{row.step} >= 200 Mbp/s at 131 kb", f"{row.mbp_per_s:.0f} Mbp/s", row.mbp_per_s >= 200)
    attention = results.get("attention")
    if attention is not None and "ms_fwd_bwd" in attention:  # the GPU table
        by = attention.pivot(index="seq_len", columns="method", values="ms_fwd_bwd")
        peaks = attention.pivot(index="seq_len", columns="method", values="peak_mb")
        for label, method in (("fp32", "ours fp32 chunk default"), ("bf16 blocks", "ours bf16 chunk 16384")):
            if method not in by:
                continue
            ours = by[method]
            for peer, goal in (("performer-pytorch fp32", 2.0), ("SDPA bf16 flash", 1.0)):
                ratio = (by[peer] / ours).dropna() if peer in by else pd.Series(dtype=float)
                add(
                    f"FAVOR+ {label} >= {goal:g}x {peer} (GPU, from 16k)",
                    ", ".join(f"{n}: {r:.2f}x" for n, r in ratio.items()),
                    len(ratio) and ratio.min() >= goal,
                )
            peer = "performer-pytorch fp32"
            share = (peaks[method] / peaks[peer]).dropna() if peer in peaks else pd.Series(dtype=float)
            add(
                f"FAVOR+ {label} peak memory <= 0.1 of {peer}'s (GPU)",
                ", ".join(f"{n}: {r:.2f}" for n, r in share.items()),
                len(share) and share.max() <= 0.1,
            )
    elif attention is not None:
        by = attention.pivot(index="seq_len", columns="method", values="seconds_fwd_bwd")
        from bench_attention import EXACT, OURS, PEER

        if PEER in by:
            ratio = (by[PEER] / by[OURS]).dropna()
            add(
                "FAVOR+ >= performer-pytorch at every length (aim 1.5x)",
                ", ".join(f"{n}: {r:.2f}x" for n, r in ratio.items()),
                len(ratio) and ratio.min() >= 1.0,
            )
        if 16384 in by.index and EXACT in by:
            speedup = by.loc[16384, EXACT] / by.loc[16384, OURS]
            add("FAVOR+ >= 5x faster than SDPA at 16k", f"{speedup:.1f}x", speedup >= 5)
    dag = results.get("dag")
    if dag is not None and len(dag) > 1:
        sweep = dag.iloc[-1]
        seconds = sweep["seconds_dry_run_quiet"]
        measured = f"{seconds:.1f} s for {sweep['jobs']} jobs" if pd.notna(seconds) else "failed"
        add("snakemake -n on ~1,000 jobs < 15 s", measured, pd.notna(seconds) and seconds < 15)
    pipeline = results.get("pipeline")
    if pipeline is not None:
        for row in pipeline.itertuples():
            if row.cores == 2:
                add(
                    f"pipeline --cores 2 < 10 min ({row.config})",
                    f"{row.wall_min:.1f} min{'' if row.ok == 'yes' else ' (FAILED)'}",
                    row.ok == "yes" and row.wall_min < 10,
                )
    return pd.DataFrame(rows, columns=["target", "measured", "met"])


def main() -> None:
    args = arguments()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    machine = harness.machine()
    save(pd.DataFrame([machine]).T.reset_index().set_axis(["key", "value"], axis=1), out, "machine", "Machine")
    if machine["load_average_1min"] > 0.5:
        harness.log(f"load average {machine['load_average_1min']}: other work is running, timings are inflated")
    results: dict[str, pd.DataFrame] = {}
    if "encoding" in args.parts:
        import bench_encoding

        records = args.records or (10_000 if args.quick else 100_000)
        results["encoding"] = bench_encoding.run(out, records, subset=max(100, records // 50), repeats=5)
    if "data" in args.parts:
        import bench_data

        results["data"] = bench_data.run(out, records=10 if args.quick else 100)
    if "attention" in args.parts:
        import bench_attention

        seq_lens = args.seq_lens or ([1024, 4096] if args.quick else [1024, 4096, 16384])
        results["attention"] = bench_attention.run(
            out, seq_lens, threads=args.attention_threads, repeats=2 if args.quick else 3
        )
    if "training" in args.parts:
        import bench_training

        threads = args.train_threads or bench_training.default_config()["threads"]["train"]
        results["training"] = bench_training.run(
            out, args.models, threads, steps=5 if args.quick else 20, train_size=256 if args.quick else None
        )
    if "dag" in args.parts:
        import bench_workflow

        results["dag"] = bench_workflow.dag(out, *args.sweep)
    if "pipeline" in args.parts:
        import bench_workflow

        results["pipeline"] = bench_workflow.pipeline(out, args.pipeline_cores, args.pipeline_config)
    save(targets(results), out, "targets", "The performance targets (README, Performance)")
    elapsed = time.perf_counter() - started
    lines = [
        f"Measured on: {machine['cpu']}, {machine['usable_cores']} cores, {machine['memory_gib']} GiB, "
        f"torch {machine['torch']}, load average {machine['load_average_1min']} at the start; "
        f"suite ran {math.ceil(elapsed / 60)} min{' (--quick)' if args.quick else ''}.",
        "",
    ]
    for title, text in harness.PRINTED:
        lines += [f"### {title}", "", text, ""]
    (out / "summary.md").write_text("\n".join(lines))
    print(f"\nall tables: {out / 'summary.md'} ({elapsed / 60:.1f} min)")


if __name__ == "__main__":
    main()
