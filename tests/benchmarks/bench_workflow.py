"""Parts 4 and 5: the workflow itself.

4. ``snakemake --cores N`` wall time of the whole pipeline from a clean copy
   (no data/, no results/), once per core count, with where the time went
   (the sum of each rule's ``benchmark:`` seconds). Opt-in: the default
   config takes minutes.
5. ``snakemake -n --quiet`` (building the DAG, nothing run) on the default
   config and on a generated sweep of about 1,000 jobs (distances x seeds),
   which is the cost of every start of the workflow at that scale.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from harness import ROOT, copy_workflow, log, save, snakemake_binary
from tbio.data.layout import cluster_length, motif_length, pair_distance_bounds


def snakemake(workdir: Path, *args: str, timeout: float = 3600) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run([snakemake_binary(), *args], cwd=workdir, capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - started, result


def failure(result: subprocess.CompletedProcess) -> str:
    """The last lines of a failed run's output, for the log."""
    lines = (result.stdout + result.stderr).strip().splitlines()
    return "\n".join(lines[-15:])


def job_count(output: str) -> int | None:
    """Jobs in a dry run's 'Job stats' table (its 'total' line)."""
    match = re.search(r"^total\s+(\d+)\s*$", output, re.MULTILINE)
    return int(match.group(1)) if match else None


def sweep_config(path: Path, distances: int, seeds: int) -> dict:
    """A config that sweeps ``distances`` distance windows (narrow windows,
    evenly spread over what the default DNA task allows) and ``seeds`` seeds."""
    with open(ROOT / "config" / "config.yaml") as handle:
        default = yaml.safe_load(handle)
    dna = default["dna"]
    release = dna["jaspar_release"]
    promoters = [motif_length(spec, release) for spec in dna["promoters"]]
    enhancers = [
        cluster_length(motif_length(spec, release), dna["enhancer_copies"], dna["enhancer_spacer"])
        for spec in dna["enhancers"]
    ]
    lowest, highest = pair_distance_bounds(dna["seq_len"], promoters, enhancers)
    starts = sorted({int(round(d)) for d in np.linspace(lowest, highest - 2, distances)})
    sweep = {"dna": {"windows": [[d, d + 2] for d in starts]}, "seeds": list(range(1, seeds + 1))}
    path.write_text(yaml.safe_dump(sweep))
    return sweep


def dag(out_dir: Path, distances: int, seeds: int, repeats: int = 3) -> pd.DataFrame:
    rows = []
    with tempfile.TemporaryDirectory(prefix="tbio-bench-dag-") as tmp:
        workdir = copy_workflow(Path(tmp) / "workflow")
        sweep = sweep_config(Path(tmp) / "sweep.yaml", distances, seeds)
        cases = {
            "default config": [],
            f"sweep: {len(sweep['dna']['windows'])} windows x {seeds} seeds": [
                "--configfile",
                str(Path(tmp) / "sweep.yaml"),
            ],
        }
        for name, extra in cases.items():
            seconds, result = snakemake(workdir, "-n", *extra, timeout=600)
            jobs = job_count(result.stdout + result.stderr)
            if result.returncode != 0:
                log(f"snakemake -n failed on {name}:\n{failure(result)}")
                rows.append(
                    {
                        "config": name,
                        "jobs": None,
                        "seconds_dry_run_quiet": None,
                        "seconds_dry_run": seconds,
                        "ok": "no",
                    }
                )
                continue
            times = []
            for _ in range(repeats):
                quiet_seconds, result = snakemake(workdir, "-n", "--quiet", *extra, timeout=600)
                times.append(quiet_seconds)
            rows.append(
                {
                    "config": name,
                    "jobs": jobs,
                    "seconds_dry_run_quiet": min(times),
                    "seconds_dry_run": seconds,
                    "ok": "yes" if result.returncode == 0 else "no",
                }
            )
            log(f"{name}: {jobs} jobs, snakemake -n --quiet {min(times):.1f} s")
        started = time.perf_counter()
        subprocess.run([snakemake_binary(), "--version"], capture_output=True, check=False)
        startup = time.perf_counter() - started
    table = pd.DataFrame(rows)
    table["seconds_snakemake_version"] = startup
    save(table, out_dir, "dag", "5. Building the DAG: snakemake -n --quiet (best of 3), from a clean copy")
    return table


def rule_seconds(workdir: Path) -> pd.DataFrame:
    """Each rule's jobs and summed seconds from its ``benchmark:`` files."""
    rows = []
    root = workdir / "results" / "rule_benchmarks"
    for path in sorted(root.rglob("*.tsv")) if root.exists() else []:
        rule = path.relative_to(root).parts[0]
        try:
            seconds = pd.read_csv(path, sep="\t")["s"].sum()
        except (KeyError, pd.errors.ParserError, pd.errors.EmptyDataError):
            continue
        rows.append({"rule": rule, "seconds": seconds})
    if not rows:
        return pd.DataFrame(columns=["rule", "jobs", "sum_s", "max_s"])
    table = pd.DataFrame(rows).groupby("rule")["seconds"].agg(jobs="count", sum_s="sum", max_s="max").reset_index()
    return table.sort_values("sum_s", ascending=False)


def pipeline(out_dir: Path, cores_list: list[int], configfile: str | None) -> pd.DataFrame:
    rows, per_rule = [], []
    config_name = configfile or "config/config.yaml"
    for cores in cores_list:
        with tempfile.TemporaryDirectory(prefix=f"tbio-bench-pipeline-{cores}-") as tmp:
            workdir = copy_workflow(Path(tmp))
            extra = ["--configfile", configfile] if configfile else []
            log(f"snakemake --cores {cores} {' '.join(extra)} in {workdir} ...")
            seconds, result = snakemake(workdir, "--cores", str(cores), *extra)
            ok = result.returncode == 0
            if not ok:
                log(f"snakemake --cores {cores} failed:\n{failure(result)}")
            rules = rule_seconds(workdir)
            per_rule.append(rules.assign(cores=cores))
            summary = workdir / "results" / "report" / "summary.tsv"
            if summary.exists():  # to check that the science still holds
                shutil.copy(summary, out_dir / f"pipeline_cores{cores}_summary.tsv")
            rows.append(
                {
                    "config": config_name,
                    "cores": cores,
                    "wall_s": seconds,
                    "wall_min": seconds / 60,
                    "jobs": int(rules["jobs"].sum()) if len(rules) else 0,
                    "sum_of_job_s": float(rules["sum_s"].sum()) if len(rules) else 0.0,
                    "ok": "yes" if ok else "no",
                }
            )
            log(f"--cores {cores}: {seconds / 60:.1f} min ({'ok' if ok else 'FAILED'})")
    table = pd.DataFrame(rows)
    if len(table) > 1:
        table["speedup_vs_first"] = table["wall_s"].iloc[0] / table["wall_s"]
    save(table, out_dir, "pipeline", f"4. Whole pipeline from a clean copy ({config_name})")
    save(
        pd.concat(per_rule, ignore_index=True),
        out_dir,
        "pipeline_rules",
        "4b. Where the pipeline's time goes (sum of each rule's benchmark seconds)",
        ["cores", "rule", "jobs", "sum_s", "max_s"],
    )
    return table
