"""The report's headline: the two findings of the run, each one sentence,
with every number computed from the run's tables and tagged so that the
page (and a test) can tell which table it came from."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from ..models import DNA_MODELS, PROTEIN_MODELS
from .analysis import crossover_length, extrapolated_crossover, fit_scaling, measured_on, per_length

MODEL_NAMES = {
    "cnn": "local CNN",
    "cnn_dilated": "dilated CNN",
    "cnn_global": "global-pooling CNN",
    "enformer": "Enformer-style model",
    "performer": "Performer (FAVOR+)",
    "transformer": "exact-attention transformer",
    "protein_bag": "bag-of-k-mers control",
    "protein_local": "local CNN control",
}


def inputs_name(inputs: str) -> str:
    """An ``inputs`` value of approximation.tsv in words: synthetic_std0.35 ->
    'synthetic, logit std 0.35'; trained_performer -> "trained Performer's q, k, v"."""
    if inputs.startswith("trained_"):
        model = inputs.removeprefix("trained_")
        return f"trained {MODEL_NAMES.get(model, model).split(' (')[0]}'s q, k, v"
    return inputs.replace("synthetic_std", "synthetic, logit std ")


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


# --- finding 1: what reaches a far enhancer ---------------------------------------------

# Mean test accuracy at which a model counts as reaching a window, and at or
# below which it counts as at chance (chance is 50%: the classes are balanced).
REACHED = 0.95
AT_CHANCE = 0.60
# Models that read out at the centre through convolutions alone: half their
# nominal receptive field is how far from the readout they can see.
LOCAL_MODELS = ("cnn", "cnn_dilated")


def split_by_receptive_field(summary: pd.DataFrame, enhancer_len: int = 0) -> dict:
    """The DNA runs by the local CNN's view from its readout (half its
    receptive field): 'inside' holds the runs of the windows whose every
    enhancer lies wholly within it (with ``enhancer_len`` 0: whose nearest
    base does), 'beyond' those whose every enhancer lies wholly outside it
    (nearest distance >= half); a window across the edge is in neither."""
    dna = summary[summary["task"] == "dna"]
    cnn_fields = dna.loc[dna["model"] == "cnn", "receptive_field_bp"].dropna().unique()
    if len(cnn_fields) == 0:
        return {}
    if len(cnn_fields) > 1:
        raise ValueError(f"CNN runs disagree on receptive_field_bp: {sorted(cnn_fields)}")
    receptive_field = int(cnn_fields[0])
    half = receptive_field / 2
    placed = dna[dna["distance_min_bp"].notna()]  # the user's own DNA has no window
    farthest_base = placed["distance_max_bp"].astype(float) + max(enhancer_len - 1, 0)
    inside = farthest_base < half
    beyond = placed["distance_min_bp"].astype(float) >= half
    return {"receptive_field_bp": receptive_field, "inside": placed[inside], "beyond": placed[beyond]}


def _mean_accuracy(runs: pd.DataFrame, model: str) -> float:
    values = runs.loc[runs["model"] == model, "test_accuracy"]
    return float(values.mean()) if len(values) else float("nan")


def _windows_text(runs: pd.DataFrame) -> str:
    windows = sorted(set(zip(runs["distance_min_bp"].astype(int), runs["distance_max_bp"].astype(int))))
    return " and ".join(f"{low:,}–{high:,}" for low, high in windows)


def _listing(clauses: list[list]) -> list:
    """Clauses joined as 'a, b, c and d'."""
    parts: list = []
    for i, clause in enumerate(clauses):
        if i:
            parts.append(" and " if i == len(clauses) - 1 else ", ")
        parts += clause
    return parts


def _control_mean(controls: pd.DataFrame | None, runs: pd.DataFrame, model: str, control: str) -> float:
    """Mean over the windows and seeds of ``runs`` of one control of ``model``."""
    if controls is None or controls.empty:
        return float("nan")
    windows = set(zip(runs["distance_min_bp"], runs["distance_max_bp"]))
    at = controls[(controls["model"] == model) & (controls["control"] == control)]
    at = at[[w in windows for w in zip(at["distance_min_bp"], at["distance_max_bp"])]]
    return float(at["test_accuracy"].mean()) if len(at) else float("nan")


def long_range_finding(summary: pd.DataFrame, controls: pd.DataFrame | None = None, enhancer_len: int = 0) -> Finding:
    """What reaches an enhancer beyond the local CNN's view, and what does
    not: mean test accuracy over the far windows' runs of every DNA model,
    the global-pooling control at its best window, the Enformer-style
    model's masking controls (``controls``: controls.tsv's rows), and a
    verdict that credits attention only for what neither global pooling nor
    the dilated CNN also did. ``enhancer_len``: the longest enhancer, for
    which windows lie wholly inside the CNN's view."""
    finding = Finding("What reaches a far enhancer (DNA)")
    dna = summary[summary["task"] == "dna"]
    split = split_by_receptive_field(summary, enhancer_len)
    if not split:
        finding.parts = [
            "No local CNN was trained in this run, so there is no receptive field to measure reach against."
        ]
        return finding
    field_bp = split["receptive_field_bp"]
    rf = Number("cnn_receptive_field_bp", field_bp, f"{field_bp:,} bp")
    if dna["distance_min_bp"].isna().all():
        return _own_data_finding(finding, dna, rf)
    inside, beyond = split["inside"], split["beyond"]
    seeds = int(dna["seed"].nunique())

    inside_parts = []
    if len(inside):
        inside_parts = [
            f"; within the local CNN's view (enhancer {_windows_text(inside)} bp away) it scores ",
            percent("cnn_inside_accuracy", _mean_accuracy(inside, "cnn")),
        ]
        if "enformer" in set(inside["model"]):
            inside_parts += [
                " and the Enformer-style model ",
                percent("enformer_inside_accuracy", _mean_accuracy(inside, "enformer")),
            ]
    if not len(beyond):
        finding.parts = [
            "No training window puts the enhancer wholly beyond half the local CNN's ",
            rf,
            " receptive field, so this run cannot test reach",
            *inside_parts,
            ".",
        ]
        return finding

    models = set(dna["model"])
    far = {model: _mean_accuracy(beyond, model) for model in DNA_MODELS}
    farthest_base = int(beyond["distance_max_bp"].max()) + max(enhancer_len - 1, 0)
    clauses = [["the local CNN scores ", percent("cnn_beyond_accuracy", far["cnn"]), " (chance: 50%)"]]
    global_best = float("nan")
    if "cnn_global" in models:
        per_window = dna[dna["model"] == "cnn_global"].groupby(["distance_min_bp", "distance_max_bp"])["test_accuracy"]
        global_best = float(per_window.mean().max())
        clauses.append(
            [
                "the global-pooling control ",
                percent("cnn_global_beyond_accuracy", far["cnn_global"]),
                " (at most ",
                percent("cnn_global_max_accuracy", global_best),
                " on any window)",
            ]
        )
    dilated_covers = False
    if "cnn_dilated" in models:
        dilated_field = int(dna.loc[dna["model"] == "cnn_dilated", "receptive_field_bp"].max())
        dilated_covers = dilated_field / 2 > farthest_base
        clauses.append(
            [
                "the dilated CNN ",
                percent("cnn_dilated_beyond_accuracy", far["cnn_dilated"]),
                " (its nominal receptive field, ",
                Number("cnn_dilated_receptive_field_bp", dilated_field, f"{dilated_field:,} bp"),
                f", {'covers' if dilated_covers else 'does not cover'} the enhancer)",
            ]
        )
    enformer = ["the Enformer-style model ", percent("enformer_beyond_accuracy", far["enformer"])]
    masked = {c: _control_mean(controls, beyond, "enformer", c) for c in ("enhancer_masked", "promoter_masked")}
    scored = all(math.isfinite(value) for value in masked.values())
    if scored:
        enformer += [
            ", falling to ",
            percent("enformer_enhancer_masked_accuracy", masked["enhancer_masked"]),
            " with its enhancer masked and ",
            percent("enformer_promoter_masked_accuracy", masked["promoter_masked"]),
            " with its promoter masked",
        ]
    clauses.append(enformer)

    plural = "s" * (beyond[["distance_min_bp", "distance_max_bp"]].drop_duplicates().shape[0] != 1)
    finding.parts = [
        f"With the enhancer {_windows_text(beyond)} bp from the readout promoter (window{plural} wholly beyond half "
        "the local CNN's ",
        rf,
        f" receptive field; means over {seeds} seed{'s' * (seeds != 1)}), ",
        *_listing(clauses),
        *inside_parts,
        ". ",
        _verdict(far, global_best, masked if scored else None, dilated_covers, _plateau_hint(beyond)),
    ]
    return finding


def _plateau_hint(beyond: pd.DataFrame) -> str:
    """Where Enformer-style runs on the far windows ended at chance: that is
    how a run looks that never left the plateau at chance which precedes
    learning here, so say how to give it longer."""
    runs = beyond.loc[beyond["model"] == "enformer", "test_accuracy"]
    stuck = int((runs <= AT_CHANCE).sum())
    if not stuck:
        return ""
    return (
        f" {stuck} of its {len(runs)} runs there ended at chance, as a run does that never left the plateau at "
        "chance that precedes learning on this task (the learning curves show it); motifs with less information "
        "lengthen that plateau: halve models.enformer.batch_size and raise its plateau_epochs and epochs (and the "
        "dilated CNN's alike) before reading this as a limit of attention."
    )


def _verdict(far: dict, global_best: float, masked: dict | None, dilated_covers: bool, plateau_hint: str = "") -> str:
    """The sentence that says what the numbers show, crediting attention only
    for what the global-pooling control and the dilated CNN did not also do."""
    reached, chance = f"{REACHED:.0%}", f"{AT_CHANCE:.0%}"
    dilated = far["cnn_dilated"]
    dilated_reaches = math.isfinite(dilated) and dilated >= REACHED
    if not far["enformer"] >= REACHED:
        also = ", while the dilated CNN does" if dilated_reaches else ""
        return (
            f"Attention is not shown to use the far enhancer: the Enformer-style model stays below {reached}{also}."
            + plateau_hint
        )
    caveats = []
    if not far["cnn"] <= AT_CHANCE:
        caveats.append(f"the local CNN scores above {chance} without seeing the enhancer, so the far window leaks")
    if math.isfinite(global_best) and not global_best <= AT_CHANCE:
        caveats.append(
            f"the global-pooling control scores above {chance}, so the label can be read without knowing where the "
            "elements lie"
        )
    if masked is None:
        caveats.append("its masking controls were not scored")
    elif not all(value <= AT_CHANCE for value in masked.values()):
        caveats.append(f"masking its enhancer or its promoter leaves it above {chance}, so it need not read that pair")
    if caveats:
        return (
            f"The Enformer-style model reaches {reached}, but this run does not credit attention with it: "
            + "; ".join(caveats)
            + "."
        )
    if dilated_reaches:
        return (
            "The far enhancer is used, but not by attention alone: the dilated CNN, reading out at the same "
            "position through convolutions only, reaches it too."
        )
    if not math.isfinite(dilated):
        return "Attention used the far enhancer, where the local CNN and global pooling could not."
    covering = ", whose nominal receptive field covers the enhancer," if dilated_covers else ""
    done = "did not" if dilated <= AT_CHANCE else f"only partly did (below {reached})"
    return (
        "Attention used the far enhancer, where the local CNN and global pooling could not and the dilated "
        f"CNN{covering} {done}."
    )


def _own_data_finding(finding: Finding, dna: pd.DataFrame, rf: Number) -> Finding:
    """The user's own DNA: no windows, controls or held-out distances, so the
    finding is how the models compare on it."""
    seeds = int(dna["seed"].nunique())
    present = [model for model in DNA_MODELS if model in set(dna["model"])]
    clauses = []
    for model in present:
        name = ["the local CNN (receptive field ", rf, ")"] if model == "cnn" else [f"the {MODEL_NAMES[model]}"]
        verb = " scores " if not clauses else " "
        clauses.append([*name, verb, percent(f"{model}_accuracy", _mean_accuracy(dna, model))])
    finding.parts = [
        "On your own DNA (no distance windows, controls or held-out distances) ",
        *_listing(clauses),
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
    """Each protein model's mean test accuracy at the longest length of the sweep."""
    protein = summary[summary["task"] == "protein"]
    protein = protein[protein["seq_len"] == protein["seq_len"].max()]
    numbers = []
    for model in PROTEIN_MODELS:
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
