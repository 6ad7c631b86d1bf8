"""Matplotlib figures of the report, each saved as PNG and SVG. Every function
takes tidy tables (see aggregate.py) and returns a Figure; nothing here reads
files."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors  # noqa: E402
import matplotlib.ticker  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .analysis import measured_on  # noqa: E402
from .findings import MODEL_NAMES  # noqa: E402

COLOURS = {"cnn": "#d95f02", "enformer": "#1b9e77", "performer": "#7570b3", "transformer": "#e7298a"}
METHOD_COLOURS = {"favor": "#7570b3", "exact": "#e7298a", "orthogonal": "#1b9e77", "iid": "#d95f02"}
METHOD_NAMES = {"favor": "FAVOR+", "exact": "exact (SDPA)", "orthogonal": "orthogonal features", "iid": "iid features"}
MARKERS = {"cnn": "s", "enformer": "o"}  # distinct shapes, so equal accuracies stay visible
ELEMENT_COLOURS = {"promoter": "#4d4d4d", "enhancer": "#e6ab02"}

plt.rcParams.update(
    {
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.25,
        "legend.frameon": False,
        "svg.hashsalt": "tbio",  # stable ids, so an unchanged figure gives an unchanged SVG
    }
)


def save(figure, folder: Path, name: str) -> Path:
    """Write ``name``.png and ``name``.svg into ``folder``; return the PNG path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    figure.savefig(folder / f"{name}.svg", bbox_inches="tight", metadata={"Date": None})
    figure.savefig(folder / f"{name}.png", dpi=130, bbox_inches="tight")
    plt.close(figure)
    return folder / f"{name}.png"


def _label(model: str) -> str:
    return MODEL_NAMES.get(model, model)


def _empty(axis, message: str) -> None:
    axis.text(0.5, 0.5, message, ha="center", va="center", transform=axis.transAxes, color="grey")
    axis.set_xticks([])
    axis.set_yticks([])


def accuracy_vs_distance(by_distance: pd.DataFrame, receptive_field_bp: int | None, runs: pd.DataFrame | None = None):
    """Mean test accuracy over seeds per model against enhancer distance, the
    min-max over seeds shaded, each seed a dot, the promoter-only control
    dashed; the distances inside half the CNN's receptive field as a band."""
    figure, axis = plt.subplots(figsize=(7, 4))
    if by_distance.empty:
        _empty(axis, "no DNA models in this run")
        return figure
    if by_distance["distance_bp"].isna().all():
        return _accuracy_per_model(figure, axis, by_distance, runs)
    if receptive_field_bp:
        half = receptive_field_bp / 2
        label = f"inside CNN receptive field ({receptive_field_bp} bp: ±{half:g} bp)"
        axis.axvspan(0, half, color="#bdbdbd", alpha=0.35, lw=0, label=label)
        axis.axvline(half, color="#7f7f7f", linestyle="--", lw=1)
    axis.axhline(0.5, color="black", lw=0.8, linestyle=":", label="chance")
    for model, rows in by_distance.dropna(subset=["distance_bp"]).groupby("model"):
        rows = rows.sort_values("distance_bp")
        x = rows["distance_bp"].astype(float)
        colour = COLOURS.get(model)
        label = f"{_label(model)} (mean of {int(rows['n_seeds'].max())} seeds)"
        axis.plot(x, rows["mean"], marker=MARKERS.get(model, "o"), color=colour, label=label)
        axis.fill_between(x, rows["min"], rows["max"], color=colour, alpha=0.2, lw=0)
        if "promoter_only_mean" in rows and rows["promoter_only_mean"].notna().any():
            label = f"{_label(model)}, promoter only (control)"
            axis.plot(x, rows["promoter_only_mean"], color=colour, lw=1, linestyle="--", alpha=0.8, label=label)
        if runs is not None:
            seeds = runs[(runs["model"] == model) & (runs["task"] == "dna")]
            x_seeds = seeds["distance_bp"].astype(float)
            axis.scatter(x_seeds, seeds["test_accuracy"], s=9, color=colour, alpha=0.6, zorder=3)
    axis.set_xlim(left=0)
    axis.set_xlabel("enhancer distance from the promoter centre (bp)")
    axis.set_ylabel("test accuracy (shaded: min-max over seeds)")
    axis.set_ylim(0.35, 1.03)
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return figure


def _accuracy_per_model(figure, axis, by_model: pd.DataFrame, runs: pd.DataFrame | None):
    """The user's own DNA has no distances: mean accuracy per model, seeds as dots."""
    axis.axhline(0.5, color="black", lw=0.8, linestyle=":", label="chance")
    for i, row in enumerate(by_model.itertuples()):
        colour = COLOURS.get(row.model)
        axis.bar(i, row.mean, color=colour, alpha=0.6, width=0.6, label=f"{_label(row.model)} (mean)")
        if runs is not None:
            seeds = runs[(runs["model"] == row.model) & (runs["task"] == "dna")]
            axis.scatter(np.full(len(seeds), i), seeds["test_accuracy"], s=12, color=colour, zorder=3)
    axis.set_xticks(range(len(by_model)), [_label(m) for m in by_model["model"]])
    axis.set_ylabel("test accuracy (dots: seeds)")
    axis.set_ylim(0, 1.03)
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return figure


def learning_curves(curves: pd.DataFrame, models: list[str]):
    """Validation loss (top) and accuracy (bottom) per epoch, one column per
    model; one colour per enhancer distance, one thin line per seed."""
    figure, axes = plt.subplots(
        2, max(len(models), 1), figsize=(3.4 * max(len(models), 1), 4.6), squeeze=False, sharex="col"
    )
    distances = sorted(d for d in curves["distance_bp"].dropna().unique()) if len(curves) else []
    palette = plt.get_cmap("viridis")
    colour_of = {d: palette(i / max(len(distances) - 1, 1) * 0.9) for i, d in enumerate(distances)}
    seeds = sorted(curves["seed"].unique()) if len(curves) else []
    for column, model in enumerate(models):
        rows = curves[curves["model"] == model] if len(curves) else curves
        top, bottom = axes[0, column], axes[1, column]
        if rows.empty:
            _empty(top, f"no {_label(model)} runs")
            _empty(bottom, "")
            continue
        for (distance, seed), run in rows.groupby(["distance_bp", "seed"], dropna=False):
            run = run.sort_values("epoch")
            if pd.isna(distance):  # protein runs: one shade of the model's colour per seed
                shade = 0.45 + 0.55 * seeds.index(seed) / max(len(seeds) - 1, 1)
                colour, label = matplotlib.colors.to_rgba(COLOURS.get(model, "grey"), shade), f"seed {seed}"
            else:
                colour, label = colour_of[distance], f"{int(distance)} bp"
            top.plot(run["epoch"], run["val_loss"], color=colour, lw=1, alpha=0.8, label=label)
            bottom.plot(run["epoch"], run["val_accuracy"], color=colour, lw=1, alpha=0.8)
            best = run[run["epoch"] == run["best_epoch"]]
            bottom.scatter(best["epoch"], best["val_accuracy"], color=colour, s=12, zorder=3)
        top.set_title(_label(model))
        top.set_ylabel("validation loss" if column == 0 else "")
        bottom.set_ylabel("validation accuracy" if column == 0 else "")
        bottom.set_xlabel("epoch")
        bottom.set_ylim(0.35, 1.03)
        bottom.xaxis.get_major_locator().set_params(integer=True)
        handles, labels = top.get_legend_handles_labels()
        unique = dict(zip(labels, handles))
        top.legend(
            unique.values(), unique.keys(), fontsize=7, title="enhancer" if distances else None, title_fontsize=7
        )
    return figure


def _mark_elements(axis, spans: pd.DataFrame, distance: int, with_labels: bool) -> None:
    """Shade the promoter and the enhancer positions of one distance."""
    labelled = set() if with_labels else {"promoter", "enhancer"}
    names = {"promoter": "promoter", "enhancer": "enhancer (positives)"}
    for row in _at(spans, distance).itertuples():
        label = None if row.element in labelled else names.get(row.element, row.element)
        labelled.add(row.element)
        axis.axvspan(
            row.start_bp, row.end_bp, color=ELEMENT_COLOURS.get(row.element, "#999999"), alpha=0.3, lw=0, label=label
        )


def _plain_log_ticks(axis) -> None:
    """Powers of two written as 512, 1k, 16k rather than 2^9."""
    axis.xaxis.set_major_formatter(
        matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 1024:g}k" if v >= 1024 else f"{v:g}")
    )
    axis.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def pick_distances(distances, most: int = 4) -> list:
    """Every distance if there are few, else the nearest, the farthest and
    evenly spaced ones between them; None (last) stands for the user's own
    DNA, which has no distance."""
    placed = sorted(int(d) for d in distances if not pd.isna(d))
    if len(placed) > most:
        picks = np.linspace(0, len(placed) - 1, most).round().astype(int)
        placed = [placed[i] for i in sorted(set(picks))]
    return placed + ([None] if any(pd.isna(d) for d in distances) else [])


def _at(table: pd.DataFrame, distance) -> pd.DataFrame:
    return table[table["distance_bp"].isna()] if distance is None else table[table["distance_bp"] == distance]


def _panel_label(distance) -> str:
    return "your DNA" if distance is None else f"{distance} bp"


def _distance_panels(table: pd.DataFrame, empty_message: str):
    """One panel per distance of ``table`` (stacked, shared x axis): the
    figure, its axes and the distances; a note in one panel when there are none."""
    distances = pick_distances(table["distance_bp"].unique()) if len(table) else []
    rows = max(len(distances), 1)
    figure, axes = plt.subplots(rows, 1, figsize=(7.5, 1.5 + 1.35 * rows), squeeze=False, sharex=True)
    if not distances:
        _empty(axes[0, 0], empty_message)
    return figure, axes, distances


def _finish_panels(figure, axes, seq_len: int, xlabel: str, ylabel: str, legend_columns: int):
    """The shared x axis along the sequence, one legend on top, the y label of all panels."""
    axes[-1, 0].set_xlabel(xlabel)
    axes[-1, 0].set_xlim(0, seq_len)
    figure.legend(loc="upper center", ncol=legend_columns, fontsize=8, bbox_to_anchor=(0.5, 1.0))
    figure.supylabel(ylabel, fontsize=8)
    figure.tight_layout(rect=(0, 0, 1, 0.93))
    return figure


def contributions(profiles: pd.DataFrame, spans: pd.DataFrame, receptive_field_bp: int | None, seq_len: int):
    """Mean |gradient x input| along the sequence (averaged over test positives
    and seeds, each curve scaled to its own maximum), one panel per distance."""
    figure, axes, distances = _distance_panels(profiles, "no contribution scores in this run")
    if not distances:
        return figure
    centre = seq_len // 2
    for row, distance in enumerate(distances):
        axis = axes[row, 0]
        _mark_elements(axis, spans, distance, with_labels=row == 0)
        if receptive_field_bp:
            half = receptive_field_bp / 2
            axis.hlines(
                -0.08,
                centre - half,
                centre + half,
                color=COLOURS["cnn"],
                lw=3,
                label="CNN's view from the centre" if row == 0 else None,
            )
        for model, rows in _at(profiles, distance).groupby("model"):
            rows = rows.sort_values("position")
            peak = rows["mean_abs_contribution"].max()
            scaled = rows["mean_abs_contribution"] / peak if peak > 0 else rows["mean_abs_contribution"]
            axis.plot(
                rows["position"], scaled, color=COLOURS.get(model), lw=0.9, label=_label(model) if row == 0 else None
            )
        axis.set_ylim(-0.15, 1.08)
        axis.set_ylabel(_panel_label(distance), rotation=0, ha="right", va="center")
        axis.set_yticks([0, 1])
    return _finish_panels(
        figure,
        axes,
        seq_len,
        "position in the sequence (bp)",
        "|gradient × input| (scaled to max) by enhancer distance",
        5,
    )


def centre_attention(attention: pd.DataFrame, spans: pd.DataFrame, seq_len: int):
    """Attention weight from the centre (promoter) bin to every bin, averaged
    over heads, test positives and seeds; one line per layer, one panel per
    distance."""
    figure, axes, distances = _distance_panels(attention, "no attention maps in this run")
    if not distances:
        return figure
    layers = sorted(attention["layer"].unique())
    palette = plt.get_cmap("Greens")
    for row, distance in enumerate(distances):
        axis = axes[row, 0]
        _mark_elements(axis, spans, distance, with_labels=row == 0)
        rows = _at(attention, distance)
        bin_bp = (
            float(np.diff(sorted(rows["start_bp"].unique()))[0]) if rows["start_bp"].nunique() > 1 else float(seq_len)
        )
        for i, layer in enumerate(layers):
            by_layer = rows[rows["layer"] == layer].sort_values("start_bp")
            edges = np.append(by_layer["start_bp"].to_numpy(dtype=float), by_layer["start_bp"].iloc[-1] + bin_bp)
            colour = palette(0.45 + 0.55 * i / max(len(layers) - 1, 1))
            axis.stairs(
                by_layer["attention"].to_numpy(),
                edges,
                baseline=None,
                color=colour,
                lw=1.3,
                label=f"layer {layer}" if row == 0 else None,
            )
        n_bins = rows["bin"].nunique()
        axis.axhline(1 / n_bins, color="black", lw=0.8, linestyle=":", label="uniform" if row == 0 else None)
        axis.set_ylabel(_panel_label(distance), rotation=0, ha="right", va="center")
        axis.set_ylim(bottom=0)
    return _finish_panels(
        figure,
        axes,
        seq_len,
        "position in the sequence (bp; one step per bin)",
        "attention from the centre bin, by enhancer distance",
        6,
    )


def approximation(summary: pd.DataFrame):
    """Relative error of FAVOR+ against exact attention by number of random
    features, orthogonal vs iid, log-log, with the m^(-1/2) Monte-Carlo rate."""
    figure, axis = plt.subplots(figsize=(5.5, 3.8))
    if summary.empty:
        _empty(axis, "no approximation measurements")
        return figure
    for kind, rows in summary.groupby("kind"):
        rows = rows.sort_values("features")
        colour = METHOD_COLOURS.get(kind)
        axis.plot(
            rows["features"], rows["rel_error_mean"], marker="o", color=colour, label=METHOD_NAMES.get(kind, kind)
        )
        axis.fill_between(rows["features"], rows["rel_error_min"], rows["rel_error_max"], color=colour, alpha=0.2, lw=0)
    first = summary.sort_values("features").iloc[0]
    x = np.array(sorted(summary["features"].unique()), dtype=float)
    axis.plot(
        x, first["rel_error_mean"] * (x / x[0]) ** -0.5, color="grey", linestyle=":", label="slope −1/2 (Monte Carlo)"
    )
    axis.set_xscale("log", base=2)
    axis.set_yscale("log")
    _plain_log_ticks(axis)
    axis.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_xlabel("random features m")
    axis.set_ylabel("relative error vs exact softmax attention")
    axis.legend(fontsize=8)
    return figure


def scaling(scaling_rows: pd.DataFrame, time_fits: dict, memory_fits: dict, crossover: int | None):
    """Forward+backward time and peak memory vs sequence length, log-log, with
    the fitted power laws (slope in the legend) and the crossover length."""
    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(9, 3.8))
    if scaling_rows.empty:
        _empty(time_axis, "no scaling measurements")
        _empty(memory_axis, "")
        return figure
    panels = ((time_axis, "seconds_fwd_bwd", 1000, time_fits), (memory_axis, "peak_mb", 1, memory_fits))
    for method, rows in scaling_rows.groupby("method"):
        colour, name = METHOD_COLOURS.get(method), METHOD_NAMES.get(method, method)
        for axis, value, scale, fits in panels:
            measured = rows.dropna(subset=[value]).groupby("seq_len", as_index=False)[value].mean()
            fit = fits.get(method)
            fitted = fit is not None and np.isfinite(fit.slope)
            label = f"{name}: slope {fit.slope:.2f}" if fitted else name
            axis.plot(measured["seq_len"], measured[value] * scale, marker="o", color=colour, label=label)
            if fitted:
                x = measured.loc[measured["seq_len"] >= fit.fit_from_len, "seq_len"].to_numpy(dtype=float)
                axis.plot(
                    x, np.exp(fit.intercept) * x**fit.slope * scale, color="black", linestyle="--", lw=0.8, zorder=3
                )
    if crossover is not None:
        time_axis.axvline(crossover, color="black", lw=0.8, linestyle=":", label=f"FAVOR+ faster from {crossover:,}")
    for axis in (time_axis, memory_axis):
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        _plain_log_ticks(axis)
        axis.set_xlabel("sequence length (tokens)")
        axis.legend(fontsize=7)
    time_axis.set_ylabel("forward + backward time (ms)")
    memory_axis.set_ylabel("peak memory (MB)")
    if "device" in scaling_rows:
        figure.suptitle(measured_on(scaling_rows), fontsize=9)
        figure.tight_layout()
    return figure


def cost(cost_by_rule: pd.DataFrame):
    """Per rule: summed wall time, summed CPU time and the largest peak RSS
    of its jobs, with the totals in the titles."""
    figure, axes = plt.subplots(1, 3, figsize=(10, 0.9 + 0.32 * max(len(cost_by_rule), 3)), sharey=True)
    rules = cost_by_rule[cost_by_rule["rule"] != "total"].iloc[::-1]
    total = cost_by_rule[cost_by_rule["rule"] == "total"]
    if rules.empty:
        for axis in axes:
            _empty(axis, "no benchmark files")
        return figure
    labels = [f"{r} ({j})" for r, j in zip(rules["rule"], rules["jobs"])]
    columns = [
        ("wall_seconds", "wall time, summed over jobs (s)", "{:,.0f} s"),
        ("cpu_seconds", "CPU time, summed over jobs (s)", "{:,.0f} s"),
        ("peak_rss_mb", "peak memory of any job (MB)", "{:,.0f} MB"),
    ]
    for axis, (column, title, fmt) in zip(axes, columns):
        axis.barh(labels, rules[column].fillna(0), color="#7f7f7f")
        axis.set_xlabel(title)
        axis.grid(axis="y", visible=False)
        if not total.empty and pd.notna(total.iloc[0][column]):
            prefix = "max" if column == "peak_rss_mb" else "total"
            axis.set_title(f"{prefix}: {fmt.format(total.iloc[0][column])}", fontsize=9)
    axes[0].set_ylabel("rule (jobs)")
    figure.tight_layout()
    return figure
