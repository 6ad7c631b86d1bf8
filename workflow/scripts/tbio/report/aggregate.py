"""Collect what the pipeline wrote (metrics JSON, interpretation TSVs,
Snakemake benchmark TSVs, simulation labels) into tidy tables.

A DNA data set is a distance window (w<low>-<high>: every sequence draws its
enhancer distance from [low, high]) or the user's own DNA ("user": no
window). Tables per window carry distance_bp (the window's centre, rounded
down), distance_min_bp and distance_max_bp; all three are empty for the
user's DNA."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd

from ..data.bands import length_name, length_of
from ..data.layout import window_centre, window_name, window_of
from ..train import CONTROLS, TRAINED_DRAW
from .analysis import per_length

SUMMARY_COLUMNS = [
    "task",
    "model",
    "distance_bp",  # the training window's centre
    "distance_min_bp",
    "distance_max_bp",
    "seq_len",
    "seed",
    "test_accuracy",
    "test_auroc",
    "train_seconds",
    "peak_rss_mb",
    "n_params",
    "receptive_field_bp",
]

# a training window's place in every per-window table
WINDOW_KEYS = ["distance_bp", "distance_min_bp", "distance_max_bp"]

CONTROLS_COLUMNS = ["model", "distance_bp", "seed", "control", "test_accuracy", "distance_min_bp", "distance_max_bp"]

BY_DISTANCE_COLUMNS = [
    "model",
    "seed",
    "distance_bp",  # the bin's centre
    "n",
    "accuracy",
    "distance_min_bp",  # the bin's ends, inclusive
    "distance_max_bp",
    "window_min_bp",  # the model's training window
    "window_max_bp",
]

# Columns of a Snakemake benchmark file that the cost section uses.
BENCHMARK_COLUMNS = {"s": "wall_seconds", "cpu_time": "cpu_seconds", "max_rss": "peak_rss_mb"}

# results/models/dna/{dna_set}/{model}/seed{seed}/<file>; dna_set is w<low>-<high>
# for a simulated window, or "user" for the user's own DNA
_DNA_MODEL_PATH = re.compile(r"(?:^|/)(?P<dna_set>[^/]+)/(?P<model>[^/]+)/seed(?P<seed>\d+)/[^/]+$")


def _window_columns(table: pd.DataFrame, columns=WINDOW_KEYS) -> pd.DataFrame:
    for column in columns:
        table[column] = table[column].astype("Int64")
    return table


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


def dataset_of(record: dict) -> str | None:
    """The data set a metrics record was trained on: its ``dataset`` field
    (w<low>-<high> or user; l<length> for a protein job)."""
    if record.get("task") != "dna":
        return record.get("dataset") or length_name(record["seq_len"])
    if record.get("dataset"):
        return record["dataset"]
    low, high = record.get("distance_min_bp"), record.get("distance_max_bp")
    return "user" if low is None or high is None else window_name((low, high))


def benchmark_job(model: str, dataset: str, seed: int) -> tuple[str, str]:
    """The (rule, job) name under which a training job's benchmark lies: by
    data set (a DNA window or the user's DNA, a protein length) and seed."""
    return f"train_{model}", f"train_{model}/{dataset}_seed{seed}"


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
        row["peak_rss_mb"] = rss.get(benchmark_job(record["model"], dataset_of(record), record["seed"]))
        rows.append(row)
    table = _window_columns(pd.DataFrame(rows, columns=SUMMARY_COLUMNS))
    for column in ("test_accuracy", "test_auroc", "train_seconds", "peak_rss_mb"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    order = ["task", "model", "distance_min_bp", "seq_len", "seed"]
    return table.sort_values(order, na_position="first").reset_index(drop=True)


def by_window(summary: pd.DataFrame) -> pd.DataFrame:
    """Test accuracy over seeds per (model, training window) of the DNA task:
    mean, standard deviation, min, max, number of seeds, and mean AUROC."""
    dna = summary[summary["task"] == "dna"]
    grouped = dna.groupby(["model", *WINDOW_KEYS], dropna=False)  # the user's own DNA has no window
    table = grouped["test_accuracy"].agg(["mean", "std", "min", "max", "count"]).reset_index()
    table["auroc_mean"] = grouped["test_auroc"].mean().to_numpy()
    return table.rename(columns={"count": "n_seeds"})


def by_model(summary: pd.DataFrame, task: str) -> pd.DataFrame:
    """Mean and spread over seeds of one task's models per sequence length
    (the protein table: one row per model and length of the sweep)."""
    rows = summary[summary["task"] == task]
    grouped = rows.groupby(["model", "seq_len"], sort=False)
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
                    "dataset": dataset_of(record),
                    **{key: record.get(key) for key in WINDOW_KEYS},
                    "seed": record["seed"],
                    "best_epoch": record.get("best_epoch"),
                    **epoch,
                }
            )
    columns = ["task", "model", "dataset", *WINDOW_KEYS, "seed", "best_epoch", "epoch"]
    columns += ["train_loss", "val_loss", "val_accuracy"]
    return _window_columns(pd.DataFrame(rows, columns=None if rows else columns))


def _model_path_keys(path: str) -> dict:
    """Data set, its window, model and seed of a per-model table, from its path."""
    match = _DNA_MODEL_PATH.search(Path(path).as_posix())
    if match is None:
        raise ValueError(
            f"cannot read data set, model and seed from {path}: expected .../<dna_set>/<model>/seed<seed>/<file>"
        )
    window = window_of(match["dna_set"])
    return {
        "dataset": match["dna_set"],
        "distance_bp": window_centre(window) if window else pd.NA,
        "distance_min_bp": window[0] if window else pd.NA,
        "distance_max_bp": window[1] if window else pd.NA,
        "model": match["model"],
        "seed": int(match["seed"]),
    }


def load_per_model_tables(paths: list[str], rename: dict | None = None) -> pd.DataFrame:
    """Concatenate per-model TSVs (contributions, attention, controls, ...)
    with the data set, its window, model and seed taken from each path (no
    window for the user's own DNA). ``rename``: columns of the files to
    rename first, where a file's own column has the name of a key."""
    frames = [
        pd.read_csv(path, sep="\t").rename(columns=rename or {}).assign(**_model_path_keys(path)) for path in paths
    ]
    keys = ["dataset", *WINDOW_KEYS, "model", "seed"]
    return _window_columns(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=keys))


def mean_over_seeds(table: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    return table.groupby(keys, as_index=False, dropna=False)[values].mean()


def controls_table(paths: list[str]) -> pd.DataFrame:
    """The controls of every simulated DNA job (its controls.tsv: control,
    test_accuracy), one row per (model, window, seed, control)."""
    table = load_per_model_tables(paths)
    if table.empty:
        return _window_columns(pd.DataFrame(columns=CONTROLS_COLUMNS))
    unknown = sorted(set(table["control"]) - set(CONTROLS))
    if unknown:
        raise ValueError(f"controls.tsv files name controls {unknown}; expected only {CONTROLS}")
    table["order"] = table["control"].map(CONTROLS.index)
    table = table.sort_values(["model", "distance_min_bp", "seed", "order"])
    return table[CONTROLS_COLUMNS].reset_index(drop=True)


def controls_by_window(controls: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds of each control's accuracy per (model, window): one
    column per control, in CONTROLS order, and the number of seeds."""
    columns = ["model", *WINDOW_KEYS, *CONTROLS, "n_seeds"]
    if controls.empty:
        return pd.DataFrame(columns=columns)
    keys = ["model", *WINDOW_KEYS]
    wide = controls.pivot_table(index=keys, columns="control", values="test_accuracy", aggfunc="mean")
    wide = wide.join(controls.groupby(keys)["seed"].nunique().rename("n_seeds")).reset_index()
    return wide.reindex(columns=columns).sort_values(["distance_min_bp", "model"]).reset_index(drop=True)


def bin_by_distance(exact: pd.DataFrame, bin_bp: int) -> pd.DataFrame:
    """Accuracy on the held-out-distance set in bins of ``bin_bp`` from 0
    (bin k holds the distances k * bin_bp to (k + 1) * bin_bp - 1), per
    model, training window and seed. Within a bin the exact distances are
    weighed by their number of sequences n, so a bin's accuracy is its share
    of correct calls. ``exact``: rows of by_distance.tsv files (their own
    distance column renamed exact_distance_bp, n, accuracy) with the keys of
    load_per_model_tables."""
    if bin_bp < 1:
        raise ValueError(f"dna.distance_bin_bp must be at least 1, got {bin_bp}")
    if exact.empty:
        return pd.DataFrame(columns=BY_DISTANCE_COLUMNS)
    rows = exact.assign(
        window_min_bp=exact["distance_min_bp"],
        window_max_bp=exact["distance_max_bp"],
        low=exact["exact_distance_bp"].astype(int) // bin_bp * bin_bp,
        correct=exact["n"] * exact["accuracy"],
    )
    keys = ["model", "window_min_bp", "window_max_bp", "seed", "low"]
    binned = rows.groupby(keys, as_index=False)[["n", "correct"]].sum()
    binned["accuracy"] = binned["correct"] / binned["n"]
    binned["distance_min_bp"] = binned["low"]
    binned["distance_max_bp"] = binned["low"] + bin_bp - 1
    binned["distance_bp"] = binned["low"] + (bin_bp - 1) / 2
    return binned.sort_values(keys)[BY_DISTANCE_COLUMNS].reset_index(drop=True)


def reach_table(metrics: list[dict]) -> pd.DataFrame:
    """Per DNA (model, window): the nominal receptive field, half of it (how
    far from its readout a model that reads out at the centre can see), and
    the used reach (used_reach_bp: the distance from the centre that holds
    90% of the mean |gradient x input|) as mean, min and max over seeds."""
    columns = ["model", *WINDOW_KEYS, "receptive_field_bp", "half_field_bp"]
    columns += ["used_reach_mean_bp", "used_reach_min_bp", "used_reach_max_bp", "n_seeds"]
    rows = [
        {
            "model": r["model"],
            **{key: r.get(key) for key in WINDOW_KEYS},
            "seed": r["seed"],
            "receptive_field_bp": r.get("receptive_field_bp"),
            "used_reach_bp": r.get("used_reach_bp"),
        }
        for r in metrics
        if r.get("task") == "dna"
    ]
    if not rows:
        return pd.DataFrame(columns=columns)
    table = _window_columns(pd.DataFrame(rows))
    table["used_reach_bp"] = pd.to_numeric(table["used_reach_bp"], errors="coerce")
    grouped = table.groupby(["model", *WINDOW_KEYS], dropna=False)
    out = grouped["used_reach_bp"].agg(["mean", "min", "max"]).reset_index()
    out.columns = ["model", *WINDOW_KEYS, "used_reach_mean_bp", "used_reach_min_bp", "used_reach_max_bp"]
    out["receptive_field_bp"] = grouped["receptive_field_bp"].max().to_numpy()
    out["half_field_bp"] = out["receptive_field_bp"] / 2
    out["n_seeds"] = grouped["seed"].nunique().to_numpy()
    return out[columns].sort_values(["distance_min_bp", "model"], na_position="last").reset_index(drop=True)


def element_spans(labels: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Where the readout promoter and its enhancer lie on the test sequences
    of each training window (``labels``: data set name -> its test labels).
    The enhancer's exact place varies per sequence (its distance is drawn
    from the window, its side at random), so each row is the region every
    instance on that side falls in: one row per (data set, element, side)
    with start and end (end exclusive) in bp and how many test sequences it
    covers. Data sets that are not windows, and labels without positions
    (the user's own: id, label), add nothing."""
    rows = []
    needed = {"promoter_start", "promoter_end", "enhancer_start", "enhancer_end", "side"}
    for dataset, table in labels.items():
        window = window_of(dataset)
        if window is None or not needed <= set(table.columns) or table.empty:
            continue
        keys = (dataset, window_centre(window), *window)
        promoter = (table["promoter_start"].min(), table["promoter_end"].max())
        rows.append((*keys, "promoter", "centre", *map(int, promoter), len(table)))
        for side, at in table.groupby("side"):
            enhancer = (at["enhancer_start"].min(), at["enhancer_end"].max())
            rows.append((*keys, "enhancer", side, *map(int, enhancer), len(at)))
    columns = ["dataset", *WINDOW_KEYS, "element", "side", "start_bp", "end_bp", "n_sequences"]
    table = _window_columns(pd.DataFrame(rows, columns=columns))
    return table.sort_values(["distance_min_bp", "start_bp"]).reset_index(drop=True)


def longest_enhancer_bp(labels: dict[str, pd.DataFrame]) -> int | None:
    """The longest readout enhancer of any simulated test sequence (None: no positions)."""
    lengths = [
        int((table["enhancer_end"] - table["enhancer_start"]).max())
        for table in labels.values()
        if {"enhancer_start", "enhancer_end"} <= set(table.columns) and len(table)
    ]
    return max(lengths) if lengths else None


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
    """Mean, min and max relative error over draws per (inputs, kind,
    features), in the order the inputs were measured; uniform attention has
    no features (empty)."""
    order = list(dict.fromkeys(approximation["inputs"]))
    grouped = approximation.groupby(["inputs", "kind", "features"], dropna=False, sort=False)["rel_error"]
    table = grouped.agg(["mean", "min", "max", "count"]).reset_index()
    table = table.rename(
        columns={"mean": "rel_error_mean", "min": "rel_error_min", "max": "rel_error_max", "count": "draws"}
    )
    table["order"] = table["inputs"].map(order.index)
    return table.sort_values(["order", "kind", "features"]).drop(columns="order").reset_index(drop=True)


def approximation_vs_uniform(summary: pd.DataFrame) -> pd.DataFrame:
    """Per inputs: uniform attention's mean error and, for orthogonal and iid
    features, the fewest features whose mean error lies below it (empty:
    none measured does) and the error at the most features measured."""
    rows = []
    for inputs, table in summary.groupby("inputs", sort=False):
        uniform = table.loc[table["kind"] == "uniform", "rel_error_mean"]
        row = {"inputs": inputs, "uniform_error": uniform.iloc[0] if len(uniform) else float("nan")}
        for kind in ("orthogonal", "iid"):
            curve = table[table["kind"] == kind].sort_values("features")
            below = curve.loc[curve["rel_error_mean"] < row["uniform_error"], "features"]
            row[f"{kind}_beats_uniform_from"] = int(below.iloc[0]) if len(below) else None
            row[f"{kind}_error_at_most"] = curve["rel_error_mean"].iloc[-1] if len(curve) else float("nan")
        rows.append(row)
    table = pd.DataFrame(rows)
    most = summary["features"].max() if len(summary) else None
    table.attrs["most_features"] = int(most) if pd.notna(most) else None
    return table.astype({f"{kind}_beats_uniform_from": "Int64" for kind in ("orthogonal", "iid")})


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


# --- the Performer over random-feature draws -------------------------------------------

# the largest drop of the Performer's accuracy below exact attention that still
# counts as a match: 2 points, about the spread of one model over feature draws
MATCH_MARGIN = 0.02
# two-sided 95% quantiles of Student's t by degrees of freedom (a larger df
# takes the next smaller one listed: a wider, never narrower, interval)
T_975 = {
    **{1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262},
    **{10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 30: 2.042, 60: 2.000, 120: 1.980},
}


def t_quantile_975(df: int) -> float:
    listed = [d for d in T_975 if d <= df]
    return T_975[max(listed)] if listed else math.nan


def performer_draws(paths: list[str]) -> pd.DataFrame:
    """``seq_len, seed, nb_features, draw, test_accuracy`` of every Performer
    job's draws.tsv (length and seed from its path, as for every per-model
    table: .../protein/l<length>/performer/seed<seed>/draws.tsv)."""
    columns = ["seq_len", "seed", "nb_features", "draw", "test_accuracy"]
    table = load_per_model_tables(paths)
    if not len(table):
        return pd.DataFrame(columns=columns)
    table["seq_len"] = table["dataset"].map(length_of)
    return table[columns].astype({"draw": str}).sort_values(["seq_len", "seed"], kind="stable")


def draws_summary(draws: pd.DataFrame) -> pd.DataFrame:
    """Per sequence length and feature count: the fresh draws over every
    seed (``runs`` of them), mean, sd, min and max of test accuracy; first,
    the draws the models trained with (one per seed)."""
    rows = []
    for seq_len, at_length in draws.groupby("seq_len"):
        trained = at_length["draw"] == TRAINED_DRAW
        for label, part in (("trained with", at_length[trained]), ("fresh", at_length[~trained])):
            for count, group in part.groupby("nb_features"):
                accuracy = group["test_accuracy"]
                rows.append(
                    {
                        "seq_len": int(seq_len),
                        "nb_features": int(count),
                        "draws": label,
                        "runs": len(accuracy),
                        "mean": accuracy.mean(),
                        "sd": accuracy.std(),
                        "min": accuracy.min(),
                        "max": accuracy.max(),
                    }
                )
    return pd.DataFrame(rows, columns=["seq_len", "nb_features", "draws", "runs", "mean", "sd", "min", "max"])


def performer_vs_exact_by_length(
    draws: pd.DataFrame, summary: pd.DataFrame, margin: float = MATCH_MARGIN
) -> list[dict]:
    """performer_vs_exact at every protein length of the sweep that has one
    (each dict also names its ``seq_len``), shortest first."""
    protein = summary[summary["task"] == "protein"]
    comparisons = []
    for seq_len in sorted(protein["seq_len"].dropna().unique()):
        comparison = performer_vs_exact(
            draws[draws["seq_len"] == seq_len], protein[protein["seq_len"] == seq_len], margin
        )
        if comparison is not None:
            comparisons.append({"seq_len": int(seq_len), **comparison})
    return comparisons


def performer_vs_exact(draws: pd.DataFrame, summary: pd.DataFrame, margin: float = MATCH_MARGIN) -> dict | None:
    """The Performer's test accuracy minus the exact transformer's, with a
    95% confidence interval over seeds: per seed, the Performer's mean over
    its fresh draws at the feature count it trained with, minus the
    transformer of that seed; then a t-interval over the seeds' differences
    (draws are nested in seeds, so the seeds are the units). ``verdict``:
    "match" when the whole interval lies above -margin, "worse" when it lies
    below, else "undecided". None without both models on two seeds or more.
    ``draws`` and ``summary`` of one sequence length."""
    trained = draws[draws["draw"] == TRAINED_DRAW]
    protein = summary[summary["task"] == "protein"]
    exact = protein[protein["model"] == "transformer"].set_index("seed")["test_accuracy"]
    if trained.empty or exact.empty:
        return None
    count = int(trained["nb_features"].iloc[0])
    fresh = draws[(draws["draw"] != TRAINED_DRAW) & (draws["nb_features"] == count)]
    per_seed = fresh.groupby("seed")["test_accuracy"].mean()
    seeds = sorted(set(per_seed.index) & set(exact.index))
    if len(seeds) < 2:
        return None
    differences = per_seed[seeds] - exact[seeds]
    mean, sd = float(differences.mean()), float(differences.std())
    half = t_quantile_975(len(seeds) - 1) * sd / math.sqrt(len(seeds))
    low, high = mean - half, mean + half
    verdict = "match" if low > -margin else "worse" if high < -margin else "undecided"
    return {
        "difference": mean,
        "low": low,
        "high": high,
        "seeds": len(seeds),
        "draws": int(fresh.groupby("seed").size().min()),
        "nb_features": count,
        "margin": margin,
        "verdict": verdict,
    }
