"""Matplotlib figures of the report, each saved as PNG and SVG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def save(figure, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    figure.savefig(folder / f"{name}.svg", bbox_inches="tight")
    figure.savefig(folder / f"{name}.png", dpi=120, bbox_inches="tight")
    plt.close(figure)
    return folder / f"{name}.png"


def accuracy_vs_distance(by_distance: pd.DataFrame, receptive_field_bp: int | None):
    figure, axis = plt.subplots(figsize=(6.5, 4))
    for model, rows in by_distance.groupby("model"):
        rows = rows.sort_values("distance_bp")
        axis.plot(rows["distance_bp"], rows["mean"], marker="o", label=model)
        axis.fill_between(rows["distance_bp"], rows["min"], rows["max"], alpha=0.2)
    if receptive_field_bp:
        axis.axvspan(0, receptive_field_bp / 2, color="grey", alpha=0.12, label="within CNN receptive field")
        axis.axvline(receptive_field_bp / 2, color="grey", linestyle="--")
    axis.set_xlabel("promoter centre to enhancer (bp)")
    axis.set_ylabel("test accuracy (mean, min-max over seeds)")
    axis.set_ylim(0.4, 1.02)
    axis.legend()
    return figure
