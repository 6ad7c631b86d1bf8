"""Collect every metrics JSON and Snakemake benchmark TSV into tables."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

SUMMARY_COLUMNS = [
    "task",
    "model",
    "distance_bp",
    "seq_len",
    "seed",
    "test_accuracy",
    "test_auroc",
    "train_seconds",
    "peak_rss_mb",
    "n_params",
    "receptive_field_bp",
]


def read_benchmarks(paths: list[str]) -> pd.DataFrame:
    """One row per job: rule (the folder), job (the file stem) and Snakemake's
    benchmark columns (s, max_rss in MB, cpu_time, ...)."""
    rows = []
    for path in map(Path, paths):
        table = pd.read_csv(path, sep="\t")
        row = table.iloc[-1].to_dict()  # the last repeat if a rule was benchmarked several times
        # paths look like .../rule_benchmarks/<rule>/<job...>.tsv
        parts = path.with_suffix("").parts
        below = parts[parts.index("rule_benchmarks") + 1 :] if "rule_benchmarks" in parts else parts[-2:]
        row["rule"], row["job"] = below[0], "/".join(below)
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in ("s", "max_rss", "cpu_time"):
        if column in table:
            table[column] = pd.to_numeric(table[column], errors="coerce")
    return table


def benchmark_job(model: str, distance_bp, seed: int) -> tuple[str, str]:
    """The (rule, job) name under which a training job's benchmark lies."""
    stem = f"seed{seed}" if distance_bp is None or pd.isna(distance_bp) else f"d{int(distance_bp)}_seed{seed}"
    return f"train_{model}", f"train_{model}/{stem}"


def load_metrics(paths: list[str]) -> list[dict]:
    return [json.loads(Path(p).read_text()) for p in paths]


def summarise(metrics: list[dict], benchmarks: pd.DataFrame) -> pd.DataFrame:
    """One row per trained model, with peak RSS from its benchmark file."""
    rss = {}
    if not benchmarks.empty:
        rss = {(r, j): m for r, j, m in zip(benchmarks["rule"], benchmarks["job"], benchmarks["max_rss"])}
    rows = []
    for record in metrics:
        row = {column: record.get(column) for column in SUMMARY_COLUMNS}
        row["peak_rss_mb"] = rss.get(benchmark_job(record["model"], record.get("distance_bp"), record["seed"]))
        rows.append(row)
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    table["distance_bp"] = table["distance_bp"].astype("Int64")
    return table.sort_values(["task", "model", "distance_bp", "seed"], na_position="first").reset_index(drop=True)


def by_distance(summary: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation, min and max test accuracy over seeds per (model, distance)."""
    dna = summary[summary["task"] == "dna"]
    grouped = dna.groupby(["model", "distance_bp"])["test_accuracy"]
    table = grouped.agg(["mean", "std", "min", "max", "count"]).reset_index()
    return table.rename(columns={"count": "n_seeds"})


def learning_curves(metrics: list[dict]) -> pd.DataFrame:
    rows = []
    for record in metrics:
        for epoch in record["history"]:
            rows.append(
                {"task": record["task"], "model": record["model"], "distance_bp": record.get("distance_bp"),
                 "seed": record["seed"], **epoch}
            )
    return pd.DataFrame(rows)
