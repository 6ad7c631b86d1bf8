"""Collect what the pipeline wrote (metrics JSON, interpretation TSVs,
Snakemake benchmark TSVs, simulation labels) into tidy tables."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from .analysis import per_length

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

# Columns of a Snakemake benchmark file that the cost section uses.
BENCHMARK_COLUMNS = {"s": "wall_seconds", "cpu_time": "cpu_seconds", "max_rss": "peak_rss_mb"}

# results/models/dna/{dna_set}/{model}/seed{seed}/<file>; dna_set is d<distance>
# for a simulated set, or "user" for the user's own DNA (no fixed distance)
_DNA_MODEL_PATH = re.compile(r"(?:^|/)(?P<dna_set>[^/]+)/(?P<model>[^/]+)/seed(?P<seed>\d+)/[^/]+$")


def read_benchmarks(paths: list[str]) -> pd.DataFrame:
    """One row per job: rule (the folder), job (the path below rule_benchmarks,
    without .tsv) and Snakemake's benchmark columns (s, max_rss in MB, cpu_time, ...)."""
    rows = []
    for path in map(Path, paths):
        table = pd.read_csv(path, sep="\t")
        if table.empty:
            raise ValueError(f"benchmark file {path} has a header but no measurement row")
        row = table.iloc[-1].to_dict()  # the last repeat if a rule was benchmarked several times
        # paths look like .../rule_benchmarks/<rule>/<job...>.tsv
        parts = path.with_suffix("").parts
        below = parts[parts.index("rule_benchmarks") + 1 :] if "rule_benchmarks" in parts else parts[-2:]
        row["rule"], row["job"] = below[0], "/".join(below)
        rows.append(row)
    table = pd.DataFrame(rows, columns=None if rows else ["rule", "job", *BENCHMARK_COLUMNS])
    for column in BENCHMARK_COLUMNS:
        if column in table:
            # Snakemake writes "-" where it could not measure
            table[column] = pd.to_numeric(table[column], errors="coerce")
    return table


def benchmark_job(model: str, distance_bp, seed: int, task: str | None = None) -> tuple[str, str]:
    """The (rule, job) name under which a training job's benchmark lies: a
    protein job by seed, a DNA job by data set (d<distance>, or "user" for
    the user's own DNA) and seed."""
    no_distance = distance_bp is None or pd.isna(distance_bp)
    if task == "protein" or (task is None and no_distance):
        stem = f"seed{seed}"
    else:
        stem = f"user_seed{seed}" if no_distance else f"d{int(distance_bp)}_seed{seed}"
    return f"train_{model}", f"train_{model}/{stem}"


def load_metrics(paths: list[str]) -> list[dict]:
    metrics = []
    for path in paths:
        try:
            metrics.append(json.loads(Path(path).read_text()))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(
                f"{path} is not a whole metrics file ({error}); expected the JSON its training job writes: "
                "delete it so that the job runs again"
            ) from None
    return metrics


def summarise(metrics: list[dict], benchmarks: pd.DataFrame) -> pd.DataFrame:
    """One row per trained model, with peak RSS from its benchmark file."""
    rss = {}
    if not benchmarks.empty:
        rss = {(r, j): m for r, j, m in zip(benchmarks["rule"], benchmarks["job"], benchmarks["max_rss"])}
    rows = []
    for record in metrics:
        row = {column: record.get(column) for column in SUMMARY_COLUMNS}
        job = benchmark_job(record["model"], record.get("distance_bp"), record["seed"], record.get("task"))
        row["peak_rss_mb"] = rss.get(job)
        rows.append(row)
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    table["distance_bp"] = table["distance_bp"].astype("Int64")
    for column in ("test_accuracy", "test_auroc", "train_seconds", "peak_rss_mb"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    return table.sort_values(["task", "model", "distance_bp", "seed"], na_position="first").reset_index(drop=True)


def by_distance(summary: pd.DataFrame) -> pd.DataFrame:
    """Test accuracy over seeds per (model, distance) of the DNA task: mean,
    standard deviation, min, max, number of seeds, and mean AUROC."""
    dna = summary[summary["task"] == "dna"]
    grouped = dna.groupby(["model", "distance_bp"], dropna=False)  # the user's own DNA has no distance
    table = grouped["test_accuracy"].agg(["mean", "std", "min", "max", "count"]).reset_index()
    table["auroc_mean"] = grouped["test_auroc"].mean().to_numpy()
    return table.rename(columns={"count": "n_seeds"})


def promoter_only_control(metrics: list[dict]) -> pd.DataFrame:
    """Mean over seeds of the control accuracy (every base but the promoter
    masked) per DNA (model, distance); empty when the jobs did not score it."""
    rows = [
        (r["model"], r.get("distance_bp"), r["promoter_only_accuracy"])
        for r in metrics
        if r.get("task") == "dna" and r.get("promoter_only_accuracy") is not None
    ]
    table = pd.DataFrame(rows, columns=["model", "distance_bp", "promoter_only_mean"])
    table["distance_bp"] = table["distance_bp"].astype("Int64")
    return table.groupby(["model", "distance_bp"], dropna=False, as_index=False)["promoter_only_mean"].mean()


def by_model(summary: pd.DataFrame, task: str) -> pd.DataFrame:
    """Mean and spread over seeds of one task's models (the protein table)."""
    rows = summary[summary["task"] == task]
    grouped = rows.groupby("model")
    table = grouped["test_accuracy"].agg(["mean", "std", "min", "max", "count"]).reset_index()
    table["auroc_mean"] = grouped["test_auroc"].mean().to_numpy()
    table["train_seconds_mean"] = grouped["train_seconds"].mean().to_numpy()
    table["peak_rss_mb_max"] = grouped["peak_rss_mb"].max().to_numpy()
    table["n_params"] = grouped["n_params"].first().to_numpy()
    return table.rename(columns={"count": "n_seeds"})


def learning_curves(metrics: list[dict]) -> pd.DataFrame:
    """One row per (trained model, epoch): the validation history of every job."""
    rows = []
    for record in metrics:
        for epoch in record["history"]:
            rows.append(
                {
                    "task": record["task"],
                    "model": record["model"],
                    "distance_bp": record.get("distance_bp"),
                    "seed": record["seed"],
                    "best_epoch": record.get("best_epoch"),
                    **epoch,
                }
            )
    columns = ["task", "model", "distance_bp", "seed", "best_epoch", "epoch", "train_loss", "val_loss", "val_accuracy"]
    table = pd.DataFrame(rows, columns=None if rows else columns)
    table["distance_bp"] = table["distance_bp"].astype("Int64")
    return table


def _model_path_keys(path: str) -> dict:
    match = _DNA_MODEL_PATH.search(Path(path).as_posix())
    if match is None:
        raise ValueError(
            f"cannot read data set, model and seed from {path}: expected .../<dna_set>/<model>/seed<seed>/<file>"
        )
    dna_set = match["dna_set"]
    distance = int(dna_set[1:]) if re.fullmatch(r"d\d+", dna_set) else pd.NA
    return {"distance_bp": distance, "model": match["model"], "seed": int(match["seed"])}


def load_per_model_tables(paths: list[str]) -> pd.DataFrame:
    """Concatenate per-model TSVs (contributions, attention) with distance_bp,
    model and seed taken from each path (no distance for the user's own DNA)."""
    frames = [pd.read_csv(path, sep="\t").assign(**_model_path_keys(path)) for path in paths]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["distance_bp", "model", "seed"])
    table["distance_bp"] = table["distance_bp"].astype("Int64")
    return table


def mean_over_seeds(table: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    return table.groupby(keys, as_index=False, dropna=False)[values].mean()


def element_spans(labels: list[pd.DataFrame], promoter_len: int, enhancer_len: int) -> pd.DataFrame:
    """Where the motifs lie on the test sequences of each distance: one row per
    (distance, element, side) with start and end (end exclusive) in bp and how
    many test sequences carry it. The enhancer sits upstream or downstream at
    random, so a distance usually has two enhancer spans. Labels without
    positions (the user's own DNA) add nothing."""
    rows = []
    for table in labels:
        if not {"distance_bp", "promoter_start", "element_start", "element", "side"} <= set(table.columns):
            continue  # the user's own labels (id, label) say nothing about positions
        for distance, rows_at in table.groupby("distance_bp"):
            for start, count in rows_at["promoter_start"].value_counts().items():
                rows.append((int(distance), "promoter", "centre", int(start), int(start) + promoter_len, int(count)))
            enhancers = rows_at[rows_at["element"] == "enhancer"]
            for (side, start), count in enhancers.groupby(["side", "element_start"]).size().items():
                rows.append((int(distance), "enhancer", side, int(start), int(start) + enhancer_len, int(count)))
    columns = ["distance_bp", "element", "side", "start_bp", "end_bp", "n_sequences"]
    return pd.DataFrame(rows, columns=columns).sort_values(["distance_bp", "start_bp"]).reset_index(drop=True)


def cost_by_rule(benchmarks: pd.DataFrame) -> pd.DataFrame:
    """Per rule: number of jobs, summed wall and CPU time, the largest peak
    RSS of any of its jobs; and a last row 'total' over every job."""
    columns = ["rule", "jobs", "wall_seconds", "cpu_seconds", "peak_rss_mb"]
    if benchmarks.empty:
        return pd.DataFrame(columns=columns)
    table = benchmarks.rename(columns=BENCHMARK_COLUMNS)
    grouped = table.groupby("rule")
    per_rule = pd.DataFrame(
        {
            "jobs": grouped.size(),
            "wall_seconds": grouped["wall_seconds"].sum(min_count=1),
            "cpu_seconds": grouped["cpu_seconds"].sum(min_count=1),
            "peak_rss_mb": grouped["peak_rss_mb"].max(),
        }
    ).reset_index()
    per_rule = per_rule.sort_values("wall_seconds", ascending=False, na_position="last")
    total = {
        "rule": "total",
        "jobs": len(table),
        "wall_seconds": table["wall_seconds"].sum(min_count=1),
        "cpu_seconds": table["cpu_seconds"].sum(min_count=1),
        "peak_rss_mb": table["peak_rss_mb"].max(),
    }
    return pd.concat([per_rule, pd.DataFrame([total])], ignore_index=True)[columns]


def cost_by_job(benchmarks: pd.DataFrame) -> pd.DataFrame:
    columns = ["rule", "job", "wall_seconds", "cpu_seconds", "peak_rss_mb"]
    if benchmarks.empty:
        return pd.DataFrame(columns=columns)
    return benchmarks.rename(columns=BENCHMARK_COLUMNS)[columns].sort_values(["rule", "job"]).reset_index(drop=True)


def approximation_summary(approximation: pd.DataFrame) -> pd.DataFrame:
    """Mean, min and max relative error over draws per (kind, features)."""
    grouped = approximation.groupby(["kind", "features"])["rel_error"]
    table = grouped.agg(["mean", "min", "max", "count"]).reset_index()
    return table.rename(
        columns={"mean": "rel_error_mean", "min": "rel_error_min", "max": "rel_error_max", "count": "draws"}
    )


def scaling_table(scaling: pd.DataFrame) -> pd.DataFrame:
    """Both methods side by side per sequence length, with the ratios
    exact / FAVOR+ (above 1: FAVOR+ is cheaper). A length one method skipped
    (it would not fit) has an empty cell. Points as in tbio.report.analysis
    (the minimum over a point's rows)."""
    table = pd.DataFrame(index=sorted(scaling["seq_len"].unique()))
    table.index.name = "seq_len"
    wide = {value: per_length(scaling, value) for value in ("seconds_fwd_bwd", "peak_mb")}
    for method in ("exact", "favor"):
        for value, name in (("seconds_fwd_bwd", "ms"), ("peak_mb", "peak_mb")):
            column = wide[value][method] if method in wide[value] else pd.Series(dtype=float)
            table[f"{method}_{name}"] = column.reindex(table.index) * (1000 if name == "ms" else 1)
    table["time_ratio"] = table["exact_ms"] / table["favor_ms"]
    table["memory_ratio"] = table["exact_peak_mb"] / table["favor_peak_mb"]
    return table.reset_index()
