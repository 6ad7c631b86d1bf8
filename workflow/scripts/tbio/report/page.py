"""What the report page says, as values for its templates (templates/):
the figure captions (workflow/report/<name>.rst, the files Snakemake's
report shows too, plus this run's facts), the key-number tiles, the tables
with their formats and the sections in reading order."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from ..data.bands import min_gap
from ..models import PROTEIN_CONTROLS, conv_field
from .content import Figure, Tables
from .findings import AT_CHANCE, LOCAL_MODELS, MODEL_NAMES, REACHED, Finding, Number, inputs_name
from .html import ENVIRONMENT, table_view

# workflow/report, from workflow/scripts/tbio/report/page.py
CAPTIONS_DIR = Path(__file__).resolve().parents[3] / "report"

# Figures of the report: file stem -> (category in Snakemake's report, alt text, caption file in CAPTIONS_DIR).
FIGURES = {
    "accuracy_vs_distance": (
        "DNA",
        "accuracy against the exact enhancer distance per training window and model",
        "accuracy_vs_distance",
    ),
    "controls": ("DNA", "test accuracy with the enhancer or promoter masked and untrained, per model", "controls"),
    "learning_curves_dna": ("DNA", "validation loss and accuracy per epoch of the DNA models", "learning_curves"),
    "contributions": ("DNA", "gradient times input along the sequence", "contributions"),
    "attention": ("DNA", "attention from the centre bin of the Enformer-style model", "attention"),
    "motifs": ("DNA", "discovered patterns beside their best JASPAR match, per model and data set", "motifs"),
    "protein_by_length": (
        "Protein",
        "protein test accuracy and training time against sequence length, per model",
        "protein_by_length",
    ),
    "learning_curves_protein": (
        "Protein",
        "validation loss and accuracy per epoch of the protein models",
        "learning_curves",
    ),
    "approximation": ("Protein", "FAVOR+ relative error against random features", "approximation_figure"),
    "attention_scaling": (
        "Protein",
        "time and memory of attention against sequence length",
        "attention_scaling_figure",
    ),
    "cost": ("Cost", "wall time, CPU time and peak memory per rule", "cost"),
}

# The page's sections in reading order: anchor -> heading (also the contents).
SECTIONS = {
    "dna": "Long-range DNA: what reaches a far enhancer",
    "protein": "Proteins: Performer (FAVOR+) vs exact attention",
    "cost": "Cost",
    "models": "Every trained model",
    "provenance": "Provenance",
}

TILES = {
    "cnn_beyond_accuracy": "local CNN accuracy beyond its view",
    "cnn_global_max_accuracy": "global-pooling control, best window",
    "cnn_dilated_beyond_accuracy": "dilated CNN accuracy beyond the local CNN's view",
    "enformer_beyond_accuracy": "Enformer-style accuracy beyond the local CNN's view",
    "enformer_enhancer_masked_accuracy": "Enformer-style accuracy there with its enhancer masked",
    "crossover_len": "tokens from which FAVOR+ is faster",
    "favor_memory_saving": "less memory for FAVOR+ than exact attention at the longest length",
    "favor_memory_excess": "more memory for FAVOR+ than exact attention at the longest length",
    "performer_accuracy": "Performer accuracy (protein, longest length)",
    "transformer_accuracy": "exact-attention transformer accuracy (protein, longest length)",
    "total_cpu_minutes": "CPU time of every job",
    "total_wall_minutes": "wall time summed over jobs",
    "max_peak_rss_mb": "largest peak memory of a job",
}


def _fmt(pattern: str):
    return lambda value: "" if pd.isna(value) else pattern.format(value)


def _percent(value) -> str:
    return "" if pd.isna(value) else f"{100 * value:.1f}%"


ACCURACY_COLUMNS = {"mean": "accuracy_mean", "std": "accuracy_std", "min": "accuracy_min", "max": "accuracy_max"}
ACCURACY_FORMATS = {
    "accuracy_mean": _percent,
    "accuracy_std": _fmt("{:.3f}"),
    "accuracy_min": _percent,
    "accuracy_max": _percent,
    "auroc_mean": _fmt("{:.3f}"),
    "train_seconds_mean": _fmt("{:.1f}"),
    "peak_rss_mb_max": _fmt("{:,.0f}"),
}
CONTROL_FORMATS = {
    "none": _percent,
    "enhancer_masked": _percent,
    "promoter_masked": _percent,
    "untrained": _percent,
}
REACH_FORMATS = {
    "half_field_bp": _fmt("{:g}"),
    "used_reach_mean_bp": _fmt("{:.1f}"),
    "used_reach_min_bp": _fmt("{:.0f}"),
    "used_reach_max_bp": _fmt("{:.0f}"),
}
COST_FORMATS = {"wall_seconds": _fmt("{:,.1f}"), "cpu_seconds": _fmt("{:,.1f}"), "peak_rss_mb": _fmt("{:,.0f}")}
SCALING_FORMATS = {c: _fmt("{:,.1f}") for c in ("exact_ms", "favor_ms", "exact_peak_mb", "favor_peak_mb")} | {
    "time_ratio": _fmt("{:.2f}"),
    "memory_ratio": _fmt("{:.2f}"),
}
SUMMARY_FORMATS = {
    "test_accuracy": _fmt("{:.4f}"),
    "test_auroc": _fmt("{:.4f}"),
    "train_seconds": _fmt("{:.1f}"),
    "peak_rss_mb": _fmt("{:,.0f}"),
}


def _named(table: pd.DataFrame) -> pd.DataFrame:
    """Models by their names, accuracy columns saying what they hold."""
    if "model" in table:
        table = table.assign(model=table["model"].map(lambda m: MODEL_NAMES.get(m, m)))
    return table.rename(columns=ACCURACY_COLUMNS)


def tiles(findings: dict[str, Finding], key_numbers: list[Number]) -> list[tuple[str, Number]]:
    available = {n.key: n for finding in findings.values() for n in finding.numbers}
    available.update({n.key: n for n in key_numbers})
    return [(label, available[key]) for key, label in TILES.items() if key in available]


# --- captions ---------------------------------------------------------------------------


def rst_to_html(text: str) -> Markup:
    """The little RST a caption uses, as HTML: paragraphs joined, **bold**,
    *italic* and ``code``; everything else escaped and kept as written."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    out = html.escape(" ".join(paragraphs), quote=False)
    out = re.sub(r"``(.+?)``", r"<code>\1</code>", out)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", out)
    return Markup(out)


def _window_list(table: pd.DataFrame) -> str:
    windows = sorted(set(zip(table["distance_min_bp"].dropna(), table["distance_max_bp"].dropna())))
    return ", ".join(f"{int(low)}–{int(high)}" for low, high in windows)


def _track_facts(t: Tables) -> list[dict]:
    """Per DNA model that learned element tracks beside the label: its
    track_weight and the lowest validation AUROC of the tracks at any job's last epoch."""
    curves = t.curves
    if "val_track_auroc" not in curves or not len(curves):
        return []
    rows = []
    dna = curves[(curves["task"] == "dna") & curves["val_track_auroc"].notna()]
    for model, runs in dna.groupby("model", sort=False):
        last = runs.sort_values("epoch").groupby(["dataset", "seed"]).tail(1)
        rows.append(
            {
                "model": MODEL_NAMES.get(model, model),
                "weight": f"{t.config.get('models', {}).get(model, {}).get('track_weight', math.nan):g}",
                "auroc": f"{last['val_track_auroc'].min():.3f}",
                "jobs": len(last),
            }
        )
    return rows


def run_facts(name: str, t: Tables) -> dict:
    """This run's numbers behind figure ``name``, from the report's tables."""
    if name == "accuracy_vs_distance":
        fields = {MODEL_NAMES.get(m, m): f for m, f in t.receptive_fields.items() if m in LOCAL_MODELS}
        binned = t.by_distance
        return {
            "seeds": int(t.summary["seed"].nunique()),
            "fields": [(model, field, f"{field / 2:g}") for model, field in fields.items()],
            "bin_bp": t.bin_bp,
            "probe": (
                (int(binned["distance_min_bp"].min()), int(binned["distance_max_bp"].max())) if len(binned) else None
            ),
            "windows": _window_list(t.summary[t.summary["task"] == "dna"]),
            "seq_len": t.seq_len,
        }
    if name == "learning_curves_dna":
        return {"tracks": _track_facts(t)}
    if name == "protein_by_length":
        lengths = sorted(t.protein["seq_len"].unique()) if len(t.protein) else []
        return {
            "lengths": ", ".join(f"{length:,}" for length in lengths),
            "seeds": int(t.protein["n_seeds"].max()) if len(t.protein) else 0,
        }
    if name == "controls":
        return {"seeds": int(t.controls["seed"].nunique()) if len(t.controls) else 0}
    if name == "contributions":
        fields = {MODEL_NAMES.get(m, m): f for m, f in t.receptive_fields.items() if m in LOCAL_MODELS}
        return {"fields": list(fields.items()), "enhancer_len": t.enhancer_len}
    if name == "attention":
        bins = t.attention["bin"].nunique() if len(t.attention) else 0
        return {"bins": bins, "bin_bp": t.seq_len // bins if bins else 0}
    if name == "motifs":
        motifs, config = t.motifs, t.config.get("motifs", {})
        max_q = config.get("max_qvalue", 0.05)
        recovery = t.motif_recovery
        return {
            "jobs": int(recovery.drop_duplicates(["model", "dataset"])["seeds"].sum()) if len(recovery) else 0,
            "patterns": len(motifs),
            "models": ", ".join(MODEL_NAMES.get(m, m) for m in config.get("models", [])),
            "n_sequences": config.get("n_sequences", "?"),
            "significant": int((motifs["qvalue"] < max_q).sum()) if len(motifs) else 0,
            "max_q": max_q,
            "recovered": int((motifs["planted"] != "").sum()) if len(motifs) else 0,
            "known": bool(config.get("known")),
        }
    if name == "approximation":
        rows = []
        for row in t.approximation_vs_uniform.to_dict("records"):
            beats = row["orthogonal_beats_uniform_from"]
            rows.append(
                {
                    "inputs": inputs_name(row["inputs"]),
                    "uniform": f"{row['uniform_error']:.3g}",
                    "beats": None if pd.isna(beats) else f"{int(beats):,}",
                }
            )
        return {"rows": rows, "most": t.approximation_vs_uniform.attrs.get("most_features")}
    if name == "attention_scaling":
        fit = t.time_fits.get("favor")
        return {
            "fit_from": f"{fit.fit_from_len:,}" if fit and fit.fit_from_len else None,
            "fell_back": bool(fit and fit.fell_back),
            "threshold": f"{fit.threshold:,}" if fit else None,
            "crossover": f"{t.crossover:,}" if t.crossover else None,
        }
    return {}


def caption(name: str, tables: Tables, folder: Path | str | None = None) -> Markup:
    """The figure's caption file (``folder``/<file>.rst, default CAPTIONS_DIR)
    as HTML, followed by this run's facts (templates/run_facts.html.j2)."""
    path = Path(folder or CAPTIONS_DIR) / f"{FIGURES[name][2]}.rst"
    text = rst_to_html(path.read_text())
    facts = getattr(ENVIRONMENT.get_template("run_facts.html.j2").module, name)(run_facts(name, tables))
    return text + Markup(" ") + facts if str(facts).strip() else text


# --- the page ----------------------------------------------------------------------------


def _by_length(protein: pd.DataFrame) -> list[tuple[int, dict]]:
    """(length, {model: mean test accuracy}) per length of the protein sweep, shortest first."""
    return [
        (int(length), dict(zip(rows["model"], rows["mean"])))
        for length, rows in sorted(protein.groupby("seq_len"), key=lambda item: item[0])
    ]


def _protein_difference(protein: pd.DataFrame) -> list[dict]:
    """The Performer and the transformer at each length where both ran."""
    return [
        {
            "seq_len": f"{length:,}",
            "performer": _percent(means["performer"]),
            "transformer": _percent(means["transformer"]),
            "points": f"{100 * (means['performer'] - means['transformer']):+.1f}",
        }
        for length, means in _by_length(protein)
        if {"performer", "transformer"} <= set(means)
    ]


UNIFORM_FORMATS = {
    "uniform_error": _fmt("{:.3f}"),
    "orthogonal_error_at_most": _fmt("{:.3f}"),
    "iid_error_at_most": _fmt("{:.3f}"),
}


def _protein_controls(protein: pd.DataFrame, config: dict) -> list[dict]:
    """Per length, the protein controls' mean accuracy and whether each is at
    chance (AT_CHANCE or below); the local control's field from the config."""
    local = config.get("models", {}).get("protein_local")
    controls = []
    for length, means in _by_length(protein):
        if not set(PROTEIN_CONTROLS) <= set(means):
            continue
        above = [MODEL_NAMES[m] for m in PROTEIN_CONTROLS if means[m] > AT_CHANCE]
        controls.append(
            {
                "seq_len": f"{length:,}",
                "bag": _percent(means["protein_bag"]),
                "local": _percent(means["protein_local"]),
                "field": conv_field(local) if local else "?",
                "separation": _protein_task(config.get("protein", {}))["gap"],
                "above": " and the ".join(above),
                "verb": "solve" if len(above) > 1 else "solves",
            }
        )
    return controls


def _protein_task(protein: dict) -> dict:
    """The protein task's sizes for the page: length, bands, array length and
    the fewest residues between the arrays ("?" for what the config lacks)."""
    try:
        array = len(protein["motif_a"]) * protein["repeats"]
        gap = min_gap(array, protein["near"], protein["far"])
    except (KeyError, TypeError):
        array = gap = "?"
    bands = {key: "–".join(map(str, protein[key])) if key in protein else "?" for key in ("near", "far")}
    lengths = [f"{length:,}" for length in sorted(protein.get("seq_lens", []))]
    listed = " and ".join([", ".join(lengths[:-1]), lengths[-1]] if len(lengths) > 1 else lengths) or "?"
    return {"seq_len": listed, **bands, "array": array, "gap": gap}


DRAW_FORMATS = {"mean": _percent, "sd": _fmt("{:.3f}"), "min": _percent, "max": _percent}


def _performer_vs_exact(comparisons: list[dict]) -> list[dict]:
    """aggregate.performer_vs_exact_by_length in points, for the page."""
    shown = []
    for comparison in comparisons:
        points = {key: f"{100 * comparison[key]:+.1f}" for key in ("difference", "low", "high")}
        margin = f"{100 * comparison['margin']:.0f}"
        shown.append({**comparison, **points, "seq_len": f"{comparison['seq_len']:,}", "margin": margin})
    return shown


def page_context(
    title: str,
    t: Tables,
    findings: dict[str, Finding],
    key_numbers: list[Number],
    shown: dict[str, Figure],
    origin: list[tuple[str, str]],
    config_yaml: str,
) -> dict:
    """Everything templates/page.html.j2 shows, by name."""
    facts = dict(origin)
    commit = facts["git commit"]
    dna, protein = t.config.get("dna", {}), t.config.get("protein", {})
    view = table_view
    return {
        "title": title,
        "n_models": len(t.summary),
        "date": facts["report date (UTC)"],
        "commit": commit if commit == "unknown" else commit[:12],
        "findings": findings,
        "key_tiles": tiles(findings, key_numbers),
        "sections": SECTIONS,
        "figures": shown,
        "dna": {key: dna.get(key, "?") for key in ("seq_len", "n_train", "n_val", "n_test", "n_probe")},
        "windows": _window_list(t.summary[t.summary["task"] == "dna"]),
        "user_dna": bool(dna.get("input")) or (len(t.accuracy) > 0 and t.accuracy["distance_min_bp"].isna().all()),
        "bin_bp": t.bin_bp,
        "thresholds": {"reached": f"{REACHED:.0%}", "chance": f"{AT_CHANCE:.0%}"},
        "protein": _protein_task(protein),
        "protein_difference": _protein_difference(t.protein),
        "performer_vs_exact": _performer_vs_exact(t.performer_vs_exact),
        "protein_controls": _protein_controls(t.protein, t.config),
        "n_jobs": len(t.jobs),
        "motif_max_q": t.config.get("motifs", {}).get("max_qvalue", 0.05),
        "config_yaml": config_yaml,
        "tables": {
            "accuracy": view(_named(t.accuracy), ACCURACY_FORMATS, table_id="accuracy-by-window"),
            "controls": view(_named(t.controls_mean), CONTROL_FORMATS, table_id="controls-by-window"),
            "reach": view(_named(t.reach), REACH_FORMATS, table_id="reach"),
            "motif_recovery": view(_named(t.motif_recovery), table_id="motif-recovery"),
            "protein": view(_named(t.protein), ACCURACY_FORMATS, table_id="protein-accuracy"),
            "draws": view(t.draws_summary, DRAW_FORMATS, table_id="performer-draws"),
            "scaling": view(t.scaling_by_length, SCALING_FORMATS, table_id="attention-scaling"),
            "fits": view(t.fits(), {"slope": _fmt("{:.2f}")}, table_id="attention-scaling-fits"),
            "vs_uniform": view(t.approximation_vs_uniform, UNIFORM_FORMATS, table_id="approximation-vs-uniform"),
            "cost": view(t.cost, COST_FORMATS, total_row="total", table_id="cost-by-rule"),
            "jobs": view(t.jobs, COST_FORMATS, table_id="cost-by-job"),
            "summary": view(t.summary, SUMMARY_FORMATS, table_id="summary"),
            "provenance": view(pd.DataFrame(origin, columns=["what", "value"]), table_id="provenance-table"),
        },
    }
