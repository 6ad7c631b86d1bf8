"""Matplotlib figures of the report, each saved as PNG and SVG. Every function
takes tidy tables (see aggregate.py) and returns a Figure; nothing here reads
files."""

from __future__ import annotations

import math

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors  # noqa: E402
import matplotlib.ticker  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..data.bands import length_of  # noqa: E402
from .analysis import measured_on  # noqa: E402
from .findings import LOCAL_MODELS, MODEL_NAMES, inputs_name  # noqa: E402

# the report's order of models, too
COLOURS = {
    "cnn": "#d95f02",
    "cnn_dilated": "#a6761d",
    "cnn_global": "#1f78b4",
    "enformer": "#1b9e77",
    "performer": "#7570b3",
    "transformer": "#e7298a",
    "protein_bag": "#737373",
    "protein_local": "#bdbdbd",
}
METHOD_COLOURS = {"favor": "#7570b3", "exact": "#e7298a", "orthogonal": "#1b9e77", "iid": "#d95f02"}
METHOD_NAMES = {"favor": "FAVOR+", "exact": "exact (SDPA)", "orthogonal": "orthogonal features", "iid": "iid features"}
# equal accuracies stay visible
MARKERS = {"cnn": "s", "cnn_dilated": "D", "cnn_global": "v", "enformer": "o"}
MARKERS |= {"performer": "o", "transformer": "s", "protein_bag": "v", "protein_local": "^"}
ELEMENT_COLOURS = {"promoter": "#4d4d4d", "enhancer": "#e6ab02"}
# the controls of tbio.train.controls, in reading order
CONTROL_COLOURS = {
    "none": "#4d4d4d",
    "enhancer_masked": "#e6ab02",
    "promoter_masked": "#9e9ac8",
    "untrained": "#d9d9d9",
}
CONTROL_NAMES = {
    "none": "as trained",
    "enhancer_masked": "enhancer masked",
    "promoter_masked": "promoter masked",
    "untrained": "untrained",
}

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


KB_FROM_BP = 2000  # distances read in kb from this many bp on (Enformer's scale: 1-100 kb)


def _window_text(low, high, in_kb: bool | None = None) -> str:
    """A training window's text, in kb when ``in_kb`` (by default: when it reaches KB_FROM_BP)."""
    if in_kb if in_kb is not None else high >= KB_FROM_BP:
        return f"{_kb(low)}–{_kb(high)} kb"
    return f"{int(low)}–{int(high)} bp"


def _kb(bp) -> str:
    return f"{bp / 1000:.3g}" if bp < 100_000 else f"{bp / 1000:.0f}"


def _distance_axis(axis, x_max: float) -> None:
    """The x axis of enhancer distances: in kb when they reach KB_FROM_BP."""
    if x_max >= KB_FROM_BP:
        axis.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda bp, _: _kb(bp)))
        axis.set_xlabel("enhancer distance from the promoter centre (kb)")
    else:
        axis.set_xlabel("enhancer distance from the promoter centre (bp)")


def _chance(axis, with_label: bool = True) -> None:
    axis.axhline(0.5, color="black", lw=0.8, linestyle=":", label="chance" if with_label else None)


def _grid(count: int, width: float, height: float, most_columns: int = 3, **options):
    """Panels side by side, wrapping after ``most_columns``: the figure and its axes, flat."""
    columns = max(min(count, most_columns), 1)
    rows = max(-(-count // columns), 1)
    figure, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False, **options)
    for axis in axes.flat[count:]:
        axis.set_visible(False)
    return figure, list(axes.flat)


def accuracy_vs_distance(binned: pd.DataFrame, runs: pd.DataFrame, receptive_fields: dict):
    """Accuracy on the held-out-distance set against the exact enhancer
    distance (binned), one panel per training window, one line per model
    (mean over seeds; each seed a faint line); the training window shaded
    and each local model's reach (half its nominal receptive field) dashed.
    ``runs``: the DNA rows of summary.tsv (the user's own DNA has no
    distances: then its accuracy per model); ``receptive_fields``: model -> bp."""
    if binned.empty:
        figure, axis = plt.subplots(figsize=(7, 4))
        if len(runs) and runs["distance_min_bp"].isna().all():
            return _accuracy_per_model(figure, axis, runs)
        _empty(axis, "no accuracies on held-out distances in this run")
        return figure
    windows = sorted(set(zip(binned["window_min_bp"], binned["window_max_bp"])))
    figure, axes = _grid(len(windows), 4.6, 3.6, sharey=True)
    x_max = float(binned["distance_max_bp"].max()) + 1
    for i, ((low, high), axis) in enumerate(zip(windows, axes)):
        first = i == 0
        axis.axvspan(low, high + 1, color="#bdbdbd", alpha=0.45, lw=0, label="training window" if first else None)
        _chance(axis, first)
        rows = binned[(binned["window_min_bp"] == low) & (binned["window_max_bp"] == high)]
        for model in _ordered(rows["model"].unique()):
            at = rows[rows["model"] == model]
            colour = COLOURS.get(model)
            for _, seed in at.groupby("seed"):
                seed = seed.sort_values("distance_bp")
                axis.plot(seed["distance_bp"], seed["accuracy"], color=colour, lw=0.7, alpha=0.3)
            mean = at.groupby("distance_bp", as_index=False)["accuracy"].mean()
            seeds = at["seed"].nunique()
            label = f"{_label(model)} (mean of {seeds} seed{'s' * (seeds != 1)})" if first else None
            axis.plot(
                mean["distance_bp"], mean["accuracy"], color=colour, marker=MARKERS.get(model, "o"), ms=3.5,
                lw=1.6, label=label,
            )  # fmt: skip
        for model in LOCAL_MODELS:
            field = receptive_fields.get(model)
            if not field:
                continue
            half = field / 2
            shown = f"{_kb(field)} kb" if x_max >= KB_FROM_BP else f"{field} bp"
            label = f"{_label(model)}'s reach (½ of {shown})" if first else None
            if half <= x_max:
                axis.axvline(half, color=COLOURS.get(model), linestyle="--", lw=1.1, label=label)
            elif first:  # off the axis: say so in the legend rather than squash the distances
                axis.plot([], [], color=COLOURS.get(model), linestyle="--", lw=1.1, label=f"{label}: beyond the axis")
        axis.set_title(f"trained on {_window_text(low, high, x_max >= KB_FROM_BP)}", fontsize=9)
        axis.set_xlim(0, x_max)
        axis.set_ylim(0.3, 1.03)
        _distance_axis(axis, x_max)
    axes[0].set_ylabel("accuracy on held-out distances")
    figure.legend(loc="upper center", ncol=3, fontsize=7.5, bbox_to_anchor=(0.5, 1.0))
    rows = -(-len(windows) // 3)
    figure.tight_layout(rect=(0, 0, 1, 1 - 0.16 / rows))
    return figure


def _accuracy_per_model(figure, axis, runs: pd.DataFrame):
    """The user's own DNA has no distances: mean test accuracy per model, seeds as dots."""
    _chance(axis)
    models = _ordered(runs["model"].unique())
    for i, model in enumerate(models):
        seeds = runs[runs["model"] == model]
        colour = COLOURS.get(model)
        axis.bar(i, seeds["test_accuracy"].mean(), color=colour, alpha=0.6, width=0.6, label=f"{_label(model)} (mean)")
        axis.scatter(np.full(len(seeds), i), seeds["test_accuracy"], s=12, color=colour, zorder=3)
    axis.set_xticks(range(len(models)), [_label(m) for m in models], fontsize=8)
    axis.set_ylabel("test accuracy (dots: seeds)")
    axis.set_ylim(0, 1.03)
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return figure


def controls(table: pd.DataFrame):
    """Test accuracy of every DNA model as trained and under each control
    (enhancer masked, promoter masked, untrained), one panel per training
    window: bars the mean over seeds, dots the seeds. ``table``: controls.tsv."""
    if table.empty:
        figure, axis = plt.subplots(figsize=(7, 3.5))
        _empty(axis, "no controls in this run (they need simulated DNA)")
        return figure
    windows = sorted(set(zip(table["distance_min_bp"], table["distance_max_bp"])))
    figure, axes = _grid(len(windows), 4.8, 3.4, sharey=True)
    names = list(CONTROL_COLOURS)
    width = 0.8 / len(names)
    for i, ((low, high), axis) in enumerate(zip(windows, axes)):
        rows = table[(table["distance_min_bp"] == low) & (table["distance_max_bp"] == high)]
        models = _ordered(rows["model"].unique())
        for j, control in enumerate(names):
            offset = (j - (len(names) - 1) / 2) * width
            for k, model in enumerate(models):
                seeds = rows[(rows["model"] == model) & (rows["control"] == control)]["test_accuracy"]
                if seeds.empty:
                    continue
                label = CONTROL_NAMES[control] if i == 0 and k == 0 else None
                axis.bar(k + offset, seeds.mean(), width=width, color=CONTROL_COLOURS[control], label=label)
                axis.scatter(np.full(len(seeds), k + offset), seeds, s=6, color="black", zorder=3, lw=0)
        _chance(axis, i == 0)
        axis.set_xticks(range(len(models)), [_label(m).replace(" ", "\n", 1) for m in models], fontsize=7.5)
        axis.grid(axis="x", visible=False)
        axis.set_title(f"trained on {_window_text(low, high)}", fontsize=9)
        axis.set_ylim(0, 1.03)
    axes[0].set_ylabel("test accuracy (dots: seeds)")
    figure.legend(loc="upper center", ncol=5, fontsize=8, bbox_to_anchor=(0.5, 1.0))
    rows = -(-len(windows) // 3)
    figure.tight_layout(rect=(0, 0, 1, 1 - 0.1 / rows))
    return figure


def learning_curves(curves: pd.DataFrame, models: list[str]):
    """Validation loss (top) and accuracy (bottom) per epoch, one column per
    model; one colour per training window (DNA) or seed (protein), one thin
    line per seed."""
    figure, axes = plt.subplots(
        2, max(len(models), 1), figsize=(3.2 * max(len(models), 1), 4.6), squeeze=False, sharex="col"
    )
    windows = pick_windows(curves) if len(curves) and "dataset" in curves else []
    windows = [dataset for dataset in windows if dataset is not None]
    palette = plt.get_cmap("viridis")
    colour_of = {w: palette(i / max(len(windows) - 1, 1) * 0.9) for i, w in enumerate(windows)}
    seeds = sorted(curves["seed"].unique()) if len(curves) else []
    # a protein length sweep (data sets l<length>): one line style per length
    datasets = set(curves["dataset"]) if "dataset" in curves else set()
    lengths = sorted((d for d in datasets if length_of(d)), key=length_of)
    style_of = {d: ("-", "--", ":", "-.")[i % 4] for i, d in enumerate(lengths)} if len(lengths) > 1 else {}
    for column, model in enumerate(models):
        rows = curves[curves["model"] == model] if len(curves) else curves
        top, bottom = axes[0, column], axes[1, column]
        if rows.empty:
            _empty(top, f"no {_label(model)} runs")
            _empty(bottom, "")
            continue
        for (dataset, seed), run in rows.groupby(
            [rows.get("dataset", pd.Series(index=rows.index)), "seed"], dropna=False
        ):
            run = run.sort_values("epoch")
            if pd.isna(dataset) or dataset not in colour_of:  # protein runs, the user's DNA: a shade per seed
                shade = 0.45 + 0.55 * seeds.index(seed) / max(len(seeds) - 1, 1)
                colour, label = matplotlib.colors.to_rgba(COLOURS.get(model, "grey"), shade), f"seed {seed}"
                if dataset in style_of:
                    label = f"{length_of(dataset):,} residues, seed {seed}"
            else:
                first = run.iloc[0]
                colour, label = colour_of[dataset], _window_text(first["distance_min_bp"], first["distance_max_bp"])
            style = style_of.get(dataset, "-")
            top.plot(run["epoch"], run["val_loss"], color=colour, lw=1, alpha=0.8, label=label, linestyle=style)
            bottom.plot(run["epoch"], run["val_accuracy"], color=colour, lw=1, alpha=0.8, linestyle=style)
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
        title = "training window" if windows else None
        top.legend(unique.values(), unique.keys(), fontsize=7, title=title, title_fontsize=7)
    figure.tight_layout()
    return figure


def protein_by_length(protein: pd.DataFrame):
    """The protein length sweep: test accuracy (mean over seeds, the seeds'
    range as a bar) and mean training time against sequence length, one line
    per model. ``protein``: aggregate.by_model's table (model, seq_len, mean,
    min, max, train_seconds_mean)."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    if protein.empty:
        _empty(left, "no protein runs")
        _empty(right, "")
        return figure
    lengths = sorted(protein["seq_len"].unique())
    _chance(left)
    for model in _ordered(protein["model"].unique()):
        rows = protein[protein["model"] == model].sort_values("seq_len")
        style = dict(color=COLOURS.get(model, "grey"), marker=MARKERS.get(model, "o"), ms=4, lw=1.4)
        errors = [rows["mean"] - rows["min"], rows["max"] - rows["mean"]]
        left.errorbar(rows["seq_len"], rows["mean"], yerr=errors, capsize=3, label=_label(model), **style)
        right.plot(rows["seq_len"], rows["train_seconds_mean"], **style)
    for axis in (left, right):
        axis.set_xscale("log", base=2)
        axis.set_xticks(lengths, [f"{length:,}" for length in lengths])
        axis.minorticks_off()
        axis.set_xlabel("protein length (residues)")
    left.set_ylim(0.3, 1.03)
    left.set_ylabel("test accuracy (seeds: mean, range)")
    right.set_yscale("log")
    right.set_ylabel("training time per job (s, mean over seeds)")
    left.legend(fontsize=7.5, loc="lower left")
    figure.tight_layout()
    return figure


def _mark_elements(axis, spans: pd.DataFrame, dataset, with_labels: bool) -> None:
    """Shade the region of the readout promoter and of its enhancer (each
    side) over a window's test sequences: the enhancer's exact place varies
    per sequence, so the band is where it may be."""
    labelled = set() if with_labels else {"promoter", "enhancer"}
    names = {"promoter": "readout promoter", "enhancer": "its enhancer (anywhere in the band)"}
    for row in _at(spans, dataset).itertuples():
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


def _ordered(models) -> list[str]:
    """Models in the report's order (COLOURS), unknown ones last."""
    order = list(COLOURS)
    return sorted(models, key=lambda m: (order.index(m) if m in order else len(order), m))


def pick_windows(table: pd.DataFrame, most: int = 4) -> list:
    """The data sets of ``table`` (its dataset column) ordered by their
    window; every one if there are few, else the nearest, the farthest and
    evenly spaced ones between them. None (last) stands for the user's own
    DNA, which has no window."""
    placed = table.dropna(subset=["distance_min_bp"]).drop_duplicates("dataset")
    order = [column for column in ("distance_min_bp", "distance_max_bp") if column in placed]
    placed = placed.sort_values(order)["dataset"].tolist()
    if len(placed) > most:
        picks = np.linspace(0, len(placed) - 1, most).round().astype(int)
        placed = [placed[i] for i in sorted(set(picks))]
    return placed + ([None] if table["distance_min_bp"].isna().any() else [])


def _at(table: pd.DataFrame, dataset) -> pd.DataFrame:
    if dataset is None:
        return table[table["distance_min_bp"].isna()]
    return table[table["dataset"] == dataset]


def _panel_label(table: pd.DataFrame, dataset) -> str:
    if dataset is None:
        return "your DNA"
    first = _at(table, dataset).iloc[0]
    return _window_text(first["distance_min_bp"], first["distance_max_bp"])


def _window_panels(table: pd.DataFrame, empty_message: str):
    """One panel per training window of ``table`` (stacked, shared x axis):
    the figure, its axes and the data sets; a note in one panel when there are none."""
    datasets = pick_windows(table) if len(table) else []
    rows = max(len(datasets), 1)
    figure, axes = plt.subplots(rows, 1, figsize=(7.5, 1.5 + 1.35 * rows), squeeze=False, sharex=True)
    if not datasets:
        _empty(axes[0, 0], empty_message)
    return figure, axes, datasets


def _finish_panels(figure, axes, seq_len: int, xlabel: str, ylabel: str, legend_columns: int):
    """The shared x axis along the sequence, one legend on top, the y label of all panels."""
    axes[-1, 0].set_xlabel(xlabel)
    axes[-1, 0].set_xlim(0, seq_len)
    figure.legend(loc="upper center", ncol=legend_columns, fontsize=8, bbox_to_anchor=(0.5, 1.0))
    figure.supylabel(ylabel, fontsize=8)
    figure.tight_layout(rect=(0, 0, 1, 1 - 0.65 / figure.get_figheight()))  # two legend rows on top
    return figure


def contributions(profiles: pd.DataFrame, spans: pd.DataFrame, receptive_fields: dict, seq_len: int):
    """Mean |gradient x input| along the sequence (averaged over test positives
    and seeds, each curve scaled to its own maximum), one panel per training
    window; below the curves, how far each local model sees from the centre."""
    figure, axes, datasets = _window_panels(profiles, "no contribution scores in this run")
    if not datasets:
        return figure
    centre = seq_len // 2
    for row, dataset in enumerate(datasets):
        axis = axes[row, 0]
        _mark_elements(axis, spans, dataset, with_labels=row == 0)
        for k, model in enumerate(LOCAL_MODELS):
            field = receptive_fields.get(model)
            if field:
                half = field / 2
                label = f"{_label(model)}'s view from the centre" if row == 0 else None
                axis.hlines(
                    -0.07 - 0.07 * k, max(centre - half, 0), min(centre + half, seq_len), color=COLOURS[model], lw=2.5,
                    label=label,
                )  # fmt: skip
        at = _at(profiles, dataset)
        for model in _ordered(at["model"].unique()):
            rows = at[at["model"] == model].sort_values("position")
            peak = rows["mean_abs_contribution"].max()
            scaled = rows["mean_abs_contribution"] / peak if peak > 0 else rows["mean_abs_contribution"]
            axis.plot(
                rows["position"], scaled, color=COLOURS.get(model), lw=0.9, label=_label(model) if row == 0 else None
            )
        axis.set_ylim(-0.2, 1.08)
        axis.set_ylabel(_panel_label(profiles, dataset), rotation=0, ha="right", va="center")
        axis.set_yticks([0, 1])
    return _finish_panels(
        figure,
        axes,
        seq_len,
        "position in the sequence (bp)",
        "|gradient × input| (scaled to max) by training window",
        4,
    )


def centre_attention(attention: pd.DataFrame, spans: pd.DataFrame, seq_len: int):
    """Attention weight from the centre (promoter) bin to every bin, averaged
    over heads, test positives and seeds; one line per layer, one panel per
    training window."""
    figure, axes, datasets = _window_panels(attention, "no attention maps in this run")
    if not datasets:
        return figure
    layers = sorted(attention["layer"].unique())
    palette = plt.get_cmap("Greens")
    for row, dataset in enumerate(datasets):
        axis = axes[row, 0]
        _mark_elements(axis, spans, dataset, with_labels=row == 0)
        rows = _at(attention, dataset)
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
        axis.set_ylabel(_panel_label(attention, dataset), rotation=0, ha="right", va="center")
        axis.set_ylim(bottom=0)
    return _finish_panels(
        figure,
        axes,
        seq_len,
        "position in the sequence (bp; one step per bin)",
        "attention from the centre bin, by training window",
        6,
    )


def approximation(summary: pd.DataFrame):
    """Relative error of FAVOR+ against exact attention by number of random
    features, orthogonal vs iid, log-log, with the m^(-1/2) Monte-Carlo rate
    and uniform attention (the mean of V) as a dashed line: one panel per
    inputs (synthetic logit scales, the trained models' own q, k, v)."""
    inputs = list(dict.fromkeys(summary["inputs"])) if len(summary) else []
    columns = max(1, min(3, len(inputs)))
    rows_of_panels = max(1, math.ceil(len(inputs) / columns))
    figure, axes = plt.subplots(
        rows_of_panels, columns, figsize=(3.6 * columns, 3.2 * rows_of_panels), squeeze=False, sharex=True
    )
    if not inputs:
        _empty(axes[0, 0], "no approximation measurements")
        return figure
    for axis in axes.flat[len(inputs) :]:
        axis.set_visible(False)
    for axis, name in zip(axes.flat, inputs):
        table = summary[summary["inputs"] == name]
        curves = table[table["kind"] != "uniform"]
        for kind, rows in curves.groupby("kind"):
            rows = rows.sort_values("features")
            colour = METHOD_COLOURS.get(kind)
            axis.plot(
                rows["features"], rows["rel_error_mean"], marker="o", color=colour, label=METHOD_NAMES.get(kind, kind)
            )
            axis.fill_between(
                rows["features"], rows["rel_error_min"], rows["rel_error_max"], color=colour, alpha=0.2, lw=0
            )
        x = np.array(sorted(curves["features"].dropna().unique()), dtype=float)
        if len(x):
            first = curves.sort_values("features").iloc[0]
            axis.plot(x, first["rel_error_mean"] * (x / x[0]) ** -0.5, color="grey", linestyle=":", label="slope −1/2")
        uniform = table.loc[table["kind"] == "uniform", "rel_error_mean"]
        if len(uniform):
            axis.axhline(uniform.iloc[0], color="black", linestyle="--", lw=1, label="uniform (mean of V)")
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        _plain_log_ticks(axis)
        plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}")
        axis.yaxis.set_major_formatter(plain)
        axis.yaxis.set_minor_formatter(plain)
        axis.set_title(inputs_name(name), fontsize=9)
        axis.set_xlabel("random features m")
    for axis in axes[:, 0]:
        axis.set_ylabel("relative error vs exact")
    axes.flat[0].legend(fontsize=7)
    figure.tight_layout()
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


def motif_logos(rows: list[dict]):
    """Per (model, data set) row and role column: the recovered pattern's
    contribution-weighted matrix (CWM) beside its JASPAR match (information
    content, as it aligns), or a note that none was recovered."""
    import logomaker

    pairs = list(dict.fromkeys((r["model"], r["dataset"]) for r in rows))
    role_list = list(dict.fromkeys(r["role"] for r in rows))
    if not pairs:
        figure, ax = plt.subplots(figsize=(6, 1.5))
        ax.axis("off")
        ax.text(0.5, 0.5, "no motif discovery in this run (motifs.models is empty)", ha="center", va="center")
        return figure
    figure, axes = plt.subplots(
        len(pairs), 2 * len(role_list), figsize=(3.2 * 2 * len(role_list), 1.4 * len(pairs)), squeeze=False
    )
    cell = {(r["model"], r["dataset"], r["role"]): r for r in rows}
    for i, (model, dataset) in enumerate(pairs):
        for j, role in enumerate(role_list):
            left, right = axes[i][2 * j], axes[i][2 * j + 1]
            row = cell[(model, dataset, role)]
            for ax in (left, right):
                ax.set_xticks([])
                ax.tick_params(labelsize=6)
            if row["pattern"] is None:
                left.axis("off")
                right.axis("off")
                left.text(
                    0.5, 0.5, f"{_label(model)}, {dataset}:\nno {role} recovered", ha="center", va="center", fontsize=7
                )
                continue
            best = row["pattern"]
            cwm = pd.DataFrame(row["cwm"], columns=list("ACGT"))
            logomaker.Logo(cwm, ax=left, color_scheme="classic")
            left.set_title(
                f"{_label(model)}, {dataset}, seed {best['seed']}: {best['pattern']} " f"({best['n_seqlets']} seqlets)",
                fontsize=6,
            )
            match = pd.DataFrame(row["match"], columns=list("ACGT"))
            information = logomaker.transform_matrix(match, from_type="probability", to_type="information")
            logomaker.Logo(information, ax=right, color_scheme="classic")
            right.set_ylim(0, 2)
            right.set_title(
                f"{role}: {best['best_match_name']} {best['best_match_id']} (q {best['qvalue']:.1g}, "
                f"{best['planted_match']})",
                fontsize=6,
            )
    figure.tight_layout()
    return figure
