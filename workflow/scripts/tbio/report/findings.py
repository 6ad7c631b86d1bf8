"""The report's headline: the two findings of the run, each one sentence,
with every number computed from the run's tables and tagged so that the
page (and a test) can tell which table it came from."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from .analysis import crossover_length, extrapolated_crossover, fit_scaling, measured_on, per_length

MODEL_NAMES = {
    "cnn": "CNN",
    "enformer": "Enformer-style model",
    "performer": "Performer (FAVOR+)",
    "transformer": "exact-attention transformer",
}


@dataclass(frozen=True)
class Number:
    """A number in a sentence: key names it, value is exact, text is what a reader sees."""

    key: str
    value: float
    text: str


@dataclass
class Finding:
    title: str
    parts: list = field(default_factory=list)  # str and Number, in reading order

    @property
    def numbers(self) -> list[Number]:
        return [part for part in self.parts if isinstance(part, Number)]

    def plain(self) -> str:
        return "".join(part.text if isinstance(part, Number) else part for part in self.parts)


def percent(key: str, value: float) -> Number:
    return Number(key, float(value), f"{100 * value:.1f}%")


def tokens(key: str, value: float) -> Number:
    return Number(key, float(value), f"{int(value):,}")


def slope(key: str, value: float) -> Number:
    return Number(key, float(value), f"{value:.2f}")


def times(key: str, value: float) -> Number:
    return Number(key, float(value), f"{value:.2f}×" if value < 2 else f"{value:.1f}×")  # "1.04×", not "1.0×"


# --- finding 1: receptive field vs attention -------------------------------------------------


def split_by_receptive_field(summary: pd.DataFrame) -> dict:
    """DNA runs inside (distance < RF/2: the enhancer's nearest base lies in the
    CNN's view from the promoter) and beyond half the CNN's receptive field."""
    dna = summary[summary["task"] == "dna"]
    cnn_fields = dna.loc[dna["model"] == "cnn", "receptive_field_bp"].dropna().unique()
    if len(cnn_fields) == 0:
        return {}
    if len(cnn_fields) > 1:
        raise ValueError(f"CNN runs disagree on receptive_field_bp: {sorted(cnn_fields)}")
    receptive_field = int(cnn_fields[0])
    placed = dna[dna["distance_bp"].notna()]  # the user's own DNA has no distance
    beyond = placed["distance_bp"].astype(float) >= receptive_field / 2
    return {"receptive_field_bp": receptive_field, "inside": placed[~beyond], "beyond": placed[beyond]}


def _mean_accuracy(runs: pd.DataFrame, model: str) -> float:
    values = runs.loc[runs["model"] == model, "test_accuracy"]
    return float(values.mean()) if len(values) else float("nan")


def long_range_finding(summary: pd.DataFrame) -> Finding:
    """Mean test accuracy over every (distance, seed) run of the CNN and the
    Enformer-style model beyond and inside half the CNN's receptive field."""
    finding = Finding("Receptive field vs attention (DNA)")
    split = split_by_receptive_field(summary)
    if not split:
        finding.parts = ["No CNN was trained in this run, so there is no receptive field to compare against."]
        return finding
    field_bp = split["receptive_field_bp"]
    inside, beyond = split["inside"], split["beyond"]
    rf = Number("cnn_receptive_field_bp", field_bp, f"{field_bp:,} bp")
    if not len(inside) and not len(beyond):
        return _own_data_finding(finding, summary[summary["task"] == "dna"], rf)
    distances = ", ".join(f"{d:,}" for d in sorted(beyond["distance_bp"].unique()))
    seeds = beyond["seed"].nunique() if len(beyond) else inside["seed"].nunique()

    inside_parts = []
    if len(inside):
        inside_parts = [
            "; within it the CNN scores ",
            percent("cnn_inside_accuracy", _mean_accuracy(inside, "cnn")),
            " and the Enformer-style model ",
            percent("enformer_inside_accuracy", _mean_accuracy(inside, "enformer")),
        ]
    if not len(beyond):
        finding.parts = [
            "Every enhancer distance in this run lies within the CNN's ",
            rf,
            " receptive field, so the run cannot test the long-range claim",
            *inside_parts,
            ".",
        ]
        return finding

    cnn, enformer = _mean_accuracy(beyond, "cnn"), _mean_accuracy(beyond, "enformer")
    gap_shows = enformer - cnn >= 0.10  # a gap smaller than this is not the claimed effect
    finding.parts = [
        "Beyond its ",
        rf,
        f" receptive field (enhancer {distances} bp from the promoter, mean over {seeds} seed{'s' * (seeds != 1)}) ",
        "the CNN falls to " if gap_shows else "the CNN scores ",
        percent("cnn_beyond_accuracy", cnn),
        (
            " test accuracy (chance: 50%) while the Enformer-style model keeps "
            if gap_shows
            else " and the Enformer-style model "
        ),
        percent("enformer_beyond_accuracy", enformer),
        "" if gap_shows else ", so no long-range advantage shows in this run",
        *inside_parts,
        ".",
    ]
    return finding


def _own_data_finding(finding: Finding, dna: pd.DataFrame, rf: Number) -> Finding:
    """The user's own DNA: no distances to sweep, so the finding is how the
    two models compare on it."""
    seeds = dna["seed"].nunique()
    finding.parts = [
        "On your own DNA (no enhancer distances to sweep), the CNN with its ",
        rf,
        " receptive field scores ",
        percent("cnn_accuracy", _mean_accuracy(dna, "cnn")),
        " test accuracy and the Enformer-style model ",
        percent("enformer_accuracy", _mean_accuracy(dna, "enformer")),
        f" (mean over {seeds} seed{'s' * (seeds != 1)}).",
    ]
    return finding


# --- finding 2: FAVOR+ vs exact attention -------------------------------------------------


def _memory_clause(scaling: pd.DataFrame, length: int, subject: str) -> list:
    """'<subject> uses 12.3× less memory at 16,384 tokens', or why it cannot say."""
    peaks = per_length(scaling, "peak_mb")
    ratio = float("nan")
    if {"exact", "favor"} <= set(peaks.columns) and length in peaks.index:
        ratio = float(peaks.loc[length, "exact"] / peaks.loc[length, "favor"])
    at = [tokens("longest_common_len", length), " tokens"]
    if not (math.isfinite(ratio) and ratio > 0):  # not measured, or a peak of 0 MB
        whose = "its" if subject == "it" else f"{subject}'s"
        return [f"{whose} peak memory could not be compared with exact attention's at ", *at]
    # a ratio a reader takes in at a glance: "3× less" rather than "0.33× as much"
    amount = times("favor_memory_saving", ratio) if ratio >= 1 else times("favor_memory_excess", 1 / ratio)
    if 0.8 <= ratio <= 1.25:
        # exact attention on the CPU runs a fused (flash) kernel whose memory also grows linearly
        return [
            f"{subject} peaks at about the same memory as exact attention at ", *at,
            " (exact / FAVOR+ = ", amount, "), since the fused exact kernel never stores the n×n score matrix",
        ]  # fmt: skip
    return [f"{subject} uses ", amount, f" {'less' if ratio >= 1 else 'more'} memory at ", *at]


def scaling_finding(scaling: pd.DataFrame) -> Finding:
    """Where FAVOR+ overtakes exact attention, the fitted time slopes, and the
    memory ratio at the longest length measured for both."""
    where = f", {measured_on(scaling)}" if len(scaling) and "device" in scaling else ""
    finding = Finding(f"FAVOR+ vs exact attention (one layer, forward + backward{where})")
    measured = scaling.dropna(subset=["seconds_fwd_bwd"]) if len(scaling) else scaling
    timed = per_length(scaling)
    common = timed.dropna().index if {"favor", "exact"} <= set(timed.columns) else []
    if len(common) == 0:
        finding.parts = ["The attention benchmark has no sequence length timed for both FAVOR+ and exact attention."]
        return finding
    longest = int(max(common))
    fits = fit_scaling(scaling)
    crossover = crossover_length(scaling)
    favor_slope = slope("favor_time_slope", fits["favor"].slope)
    exact_slope = slope("exact_time_slope", fits["exact"].slope)
    fitted_from = f" on log-log axes, fitted from {fits['favor'].fit_from_len:,} tokens"
    skipped = sorted(set(measured.loc[measured["method"] == "favor", "seq_len"]) - set(common))
    skipped_note = (
        f" Exact attention was not measured at {', '.join(f'{s:,}' for s in skipped)} tokens." if skipped else ""
    )
    if crossover is not None:
        where = "at every length measured, from " if crossover == int(min(common)) else "from "
        finding.parts = [
            f"FAVOR+ is faster than exact attention {where}",
            tokens("crossover_len", crossover),
            " tokens on, its time growing with slope ",
            favor_slope,
            " against ",
            exact_slope,
            f" for exact attention{fitted_from}, and ",
            *_memory_clause(scaling, longest, "it"),
            "." + skipped_note,
        ]
        return finding
    projected = extrapolated_crossover(fits)
    if projected is not None:
        trend = [
            "), but its time grows with slope ",
            exact_slope,
            " against FAVOR+'s ",
            favor_slope,
            f"{fitted_from}, so the two would cross near ",
            tokens("extrapolated_crossover_len", round(projected, -2) if projected > 1000 else round(projected)),
            " tokens",
        ]
    else:
        trend = [
            "), and its time grows no faster (slope ",
            exact_slope,
            " against FAVOR+'s ",
            favor_slope,
            f"{fitted_from})",
        ]
    favor_wins = [int(n) for n in common if timed.loc[n, "favor"] < timed.loc[n, "exact"]]
    if favor_wins:  # timing noise, or a cache effect: say so rather than "every length"
        where = [
            "Exact attention is faster than FAVOR+ at the longest length measured (",
            tokens("longest_common_len", longest),
            f" tokens; FAVOR+ was faster only at {', '.join(f'{n:,}' for n in favor_wins)}",
        ]
    else:
        where = [
            "Exact attention stays faster than FAVOR+ at every length measured (up to ",
            tokens("longest_common_len", longest),
            " tokens",
        ]
    finding.parts = [
        *where,
        *trend,
        "; ",
        *_memory_clause(scaling, longest, "FAVOR+"),
        "." + skipped_note,
    ]
    return finding


# --- key numbers -----------------------------------------------------------------------


def protein_numbers(summary: pd.DataFrame) -> list[Number]:
    protein = summary[summary["task"] == "protein"]
    numbers = []
    for model in ("performer", "transformer"):
        values = protein.loc[protein["model"] == model, "test_accuracy"]
        if len(values):
            numbers.append(percent(f"{model}_accuracy", values.mean()))
    return numbers


def cost_numbers(cost: pd.DataFrame) -> list[Number]:
    total = cost[cost["rule"] == "total"]
    if total.empty:
        return []
    row = total.iloc[0]
    return [
        Number("total_jobs", float(row["jobs"]), f"{int(row['jobs'])}"),
        Number("total_wall_minutes", float(row["wall_seconds"]) / 60, f"{row['wall_seconds'] / 60:.1f} min"),
        Number("total_cpu_minutes", float(row["cpu_seconds"]) / 60, f"{row['cpu_seconds'] / 60:.1f} min"),
        Number("max_peak_rss_mb", float(row["peak_rss_mb"]), f"{row['peak_rss_mb']:,.0f} MB"),
    ]


def headline_table(findings: list[Finding], extra: list[Number]) -> pd.DataFrame:
    """Every tagged number of the headline and key numbers (key, value, text)."""
    numbers = {n.key: n for finding in findings for n in finding.numbers}
    numbers.update({n.key: n for n in extra})
    return pd.DataFrame([(n.key, n.value, n.text) for n in numbers.values()], columns=["key", "value", "text"])
