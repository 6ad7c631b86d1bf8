"""What the report page says: the figure captions (what to look at, with this
run's numbers), the key-number tiles and the sections in reading order."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from .findings import MODEL_NAMES, Finding, Number
from .html import Figure, Section, esc, figure_html, table_html

if TYPE_CHECKING:
    from .build import Tables

# Figures of the report: file stem -> (category in Snakemake's report, alt text).
FIGURES = {
    "accuracy_vs_distance": ("DNA", "test accuracy against enhancer distance per model"),
    "learning_curves_dna": ("DNA", "validation loss and accuracy per epoch of the DNA models"),
    "contributions": ("DNA", "gradient times input along the sequence"),
    "attention": ("DNA", "attention from the centre bin of the Enformer-style model"),
    "learning_curves_protein": ("Protein", "validation loss and accuracy per epoch of the protein models"),
    "approximation": ("Protein", "FAVOR+ relative error against random features"),
    "attention_scaling": ("Protein", "time and memory of attention against sequence length"),
    "cost": ("Cost", "wall time, CPU time and peak memory per rule"),
}

TILES = {
    "cnn_beyond_accuracy": "CNN accuracy beyond its receptive field",
    "enformer_beyond_accuracy": "Enformer-style accuracy beyond the CNN's receptive field",
    "crossover_len": "tokens from which FAVOR+ is faster",
    "favor_memory_saving": "less memory for FAVOR+ than exact attention at the longest length",
    "favor_memory_excess": "more memory for FAVOR+ than exact attention at the longest length",
    "performer_accuracy": "Performer accuracy (protein)",
    "transformer_accuracy": "exact-attention transformer accuracy (protein)",
    "total_cpu_minutes": "CPU time of every job",
    "total_wall_minutes": "wall time summed over jobs",
    "max_peak_rss_mb": "largest peak memory of a job",
}


def _fmt(pattern: str):
    return lambda value: "" if pd.isna(value) else pattern.format(value)


def _percent(value) -> str:
    return "" if pd.isna(value) else f"{100 * value:.1f}%"


ACCURACY_COLUMNS = {"mean": "accuracy_mean", "std": "accuracy_std", "min": "accuracy_min", "max": "accuracy_max"}


def _named(table: pd.DataFrame) -> pd.DataFrame:
    """Models by their names, accuracy columns saying what they hold."""
    if "model" in table:
        table = table.assign(model=table["model"].map(lambda m: MODEL_NAMES.get(m, m)))
    return table.rename(columns=ACCURACY_COLUMNS)


def tiles(findings: dict[str, Finding], key_numbers: list[Number]) -> list[tuple[str, Number]]:
    available = {n.key: n for finding in findings.values() for n in finding.numbers}
    available.update({n.key: n for n in key_numbers})
    return [(label, available[key]) for key, label in TILES.items() if key in available]


def subtitle(tables: Tables, origin: list[tuple[str, str]]) -> str:
    facts = dict(origin)
    commit = facts["git commit"]
    return (
        f"{len(tables.summary)} trained models · {esc(facts['report date (UTC)'])} UTC · "
        f"commit <code>{esc(commit if commit == 'unknown' else commit[:12])}</code>"
    )


# --- captions ---------------------------------------------------------------------------


def caption(name: str, tables: Tables) -> str:
    """What the figure shows and what to look at, with this run's numbers (HTML)."""
    return _CAPTIONS[name](tables)


def _accuracy_caption(t: Tables) -> str:
    rf = t.receptive_field
    band = (
        f"The grey band marks enhancer distances inside half the CNN's {rf} bp receptive field (±{rf / 2:g} bp "
        "around the promoter): only there can the CNN's readout at the promoter see the enhancer. "
        if rf
        else ""
    )
    return (
        "<b>Accuracy vs enhancer distance.</b> Held-out test accuracy against the distance from the promoter "
        f"centre to the enhancer's nearest base; lines are means over {t.summary['seed'].nunique()} seeds, the "
        f"shading spans the worst to the best seed and dots are single seeds. {band}<b>Look right of the dashed "
        "line:</b> the CNN should fall to chance (dotted, 50%) while the Enformer-style model, whose attention "
        f"spans the whole {t.seq_len} bp sequence, stays near 100%."
    )


def _learning_caption(what: str):
    def text(t: Tables) -> str:
        return (
            f"<b>Learning curves.</b> Validation loss (top) and accuracy (bottom) after each epoch; {what}; dots "
            "mark the epoch whose weights were kept (lowest validation loss; the test split was never used for "
            "this choice). Learning here can set in suddenly: a flat stretch at 50% and then a jump is expected. "
            "<b>Look for</b> curves still improving at their last epoch (more epochs would help) and runs that "
            "never left 50% (the jump did not come)."
        )

    return text


def _contributions_caption(t: Tables) -> str:
    rf = t.receptive_field
    view = f" The orange bar under each panel is the {rf} bp stretch the CNN sees from the centre." if rf else ""
    return (
        "<b>Contribution scores.</b> |gradient × input| along the sequence, averaged over the test positives and "
        "seeds; each curve is scaled to its own maximum because the models' raw scales differ. Grey band: promoter; "
        "yellow bands: where the enhancer sits (a positive carries it on one side, chosen at random, so both sides "
        f"are marked).{view} <b>Look at the far distances:</b> the Enformer-style model should peak on the enhancer "
        "bands; the CNN cannot, as its scores are zero outside its view."
    )


def _attention_caption(t: Tables) -> str:
    bins = t.attention["bin"].nunique() if len(t.attention) else 0
    return (
        "<b>Where does the promoter look?</b> Attention weight from the centre (promoter) bin to each of the "
        f"{bins} bins ({t.seq_len // bins if bins else 0} bp each) of the Enformer-style model, averaged over heads, "
        "test positives and seeds; one line per transformer layer; dotted: uniform attention. <b>Look for</b> peaks "
        "on the yellow enhancer bands: attention that carries the enhancer's signal to the readout."
    )


def _approximation_caption(t: Tables) -> str:
    extra = ""
    if len(t.approximation):
        at = t.approximation[t.approximation["features"] == t.approximation["features"].max()]
        errors = dict(zip(at["kind"], at["rel_error_mean"]))
        if {"orthogonal", "iid"} <= set(errors):
            extra = (
                f" At m = {int(at['features'].iloc[0]):,} the error is {errors['orthogonal']:.3g} with orthogonal "
                f"and {errors['iid']:.3g} with iid features."
            )
    return (
        "<b>FAVOR+ approximation.</b> Relative error of the FAVOR+ attention output against exact softmax attention "
        "by the number of random features m, mean over draws (shaded: min–max), log-log axes. <b>Look for</b> "
        "errors falling as m grows, roughly like m<sup>−1/2</sup> (dotted), and orthogonal features at or below iid "
        f"ones.{extra}"
    )


def _scaling_caption(t: Tables) -> str:
    fit = t.time_fits.get("favor")
    cross = (
        f"FAVOR+ is faster from {t.crossover:,} tokens on (dotted line)."
        if t.crossover
        else "FAVOR+ is not faster than exact attention at any length measured in this run."
    )
    return (
        "<b>Cost of attention vs sequence length.</b> Forward + backward time (left) and peak memory (right) of one "
        "attention layer, log-log axes: a slope of 1 is linear, 2 quadratic. Dashed black lines: least-squares fits "
        f"over lengths ≥ {f'{fit.fit_from_len:,}' if fit else '?'} tokens, slopes in the legends. {cross}"
    )


def _cost_caption(t: Tables) -> str:
    return (
        "<b>What the run cost.</b> Wall time and CPU time summed over each rule's jobs, and the largest peak resident "
        "memory of any of its jobs, from Snakemake's benchmark files (number of jobs in brackets). Jobs run in "
        "parallel, so summed wall time exceeds the elapsed time; the report job itself is not counted (its benchmark "
        "is written after it ends)."
    )


_CAPTIONS = {
    "accuracy_vs_distance": _accuracy_caption,
    "learning_curves_dna": _learning_caption("one colour per enhancer distance, one line per seed"),
    "contributions": _contributions_caption,
    "attention": _attention_caption,
    "learning_curves_protein": _learning_caption("one line per seed"),
    "approximation": _approximation_caption,
    "attention_scaling": _scaling_caption,
    "cost": _cost_caption,
}


# --- sections -----------------------------------------------------------------------------

ACCURACY_FORMATS = {
    "accuracy_mean": _percent,
    "accuracy_std": _fmt("{:.3f}"),
    "accuracy_min": _percent,
    "accuracy_max": _percent,
    "auroc_mean": _fmt("{:.3f}"),
    "promoter_only_mean": _percent,
    "train_seconds_mean": _fmt("{:.1f}"),
    "peak_rss_mb_max": _fmt("{:,.0f}"),
}
COST_FORMATS = {"wall_seconds": _fmt("{:,.1f}"), "cpu_seconds": _fmt("{:,.1f}"), "peak_rss_mb": _fmt("{:,.0f}")}


def _dna_section(t: Tables, shown: dict[str, Figure]) -> Section:
    dna = t.config.get("dna", {})
    about = (
        f"<p>Synthetic DNA of {dna.get('seq_len', '?')} bp with a promoter motif at the centre; positives carry an "
        "enhancer motif at a set distance upstream or downstream, negatives a decoy of it, so a model must find the "
        "real enhancer. Every model reads out at the promoter (the centre position or bin), as Enformer does, so the "
        f"CNN's receptive field is a real limit. {dna.get('n_train', '?')} training, {dna.get('n_val', '?')} "
        f"validation (early stopping) and {dna.get('n_test', '?')} test sequences per distance; each model once "
        "per seed.</p>"
    )
    content = (
        about
        + _control_sentence(t.accuracy)
        + figure_html(shown["accuracy_vs_distance"])
        + "<h3>Accuracy by distance (over seeds)</h3>"
        + table_html(_named(t.accuracy), ACCURACY_FORMATS, table_id="accuracy-by-distance")
        + figure_html(shown["contributions"])
        + figure_html(shown["attention"])
        + figure_html(shown["learning_curves_dna"])
    )
    return Section("dna", "Long-range DNA: receptive field vs attention", content)


def _control_sentence(accuracy: pd.DataFrame) -> str:
    """The promoter-only control: every base but the promoter masked to N."""
    if "promoter_only_mean" not in accuracy or accuracy["promoter_only_mean"].isna().all():
        return ""
    scores = []
    for model, values in accuracy.groupby("model")["promoter_only_mean"]:
        low, high = _percent(values.min()), _percent(values.max())
        scores.append(f"the {MODEL_NAMES.get(model, model)} {low if low == high else f'{low}–{high}'}")
    return (
        "<p><b>Control.</b> Scored again with every base outside the promoter masked to N, the models should be at "
        f"chance (50%), since the promoter alone carries no label: {', '.join(scores)} over the distances.</p>"
    )


def _protein_section(t: Tables, shown: dict[str, Figure]) -> Section:
    protein = t.config.get("protein", {})
    means = dict(zip(t.protein["model"], t.protein["mean"]))
    difference = ""
    if {"performer", "transformer"} <= set(means):
        difference = (
            f"<p>On the protein task the Performer scores {_percent(means['performer'])} and the exact-attention "
            f"transformer {_percent(means['transformer'])} (mean over seeds): a difference of "
            f"{100 * (means['performer'] - means['transformer']):+.1f} points.</p>"
        )
    scaling_formats = {c: _fmt("{:,.1f}") for c in ("exact_ms", "favor_ms", "exact_peak_mb", "favor_peak_mb")}
    scaling_formats |= {"time_ratio": _fmt("{:.2f}"), "memory_ratio": _fmt("{:.2f}")}
    content = (
        f"<p>Synthetic proteins of {protein.get('seq_len', '?')} residues whose class depends on two motifs at least "
        f"{protein.get('min_separation', '?')} residues apart. The Performer (FAVOR+ attention) and an exact-attention "
        "transformer of the same size train on the same data.</p>"
        + difference
        + table_html(_named(t.protein), ACCURACY_FORMATS, table_id="protein-accuracy")
        + figure_html(shown["learning_curves_protein"])
        + figure_html(shown["approximation"])
        + figure_html(shown["attention_scaling"])
        + "<h3>Time and memory by sequence length</h3>"
        + table_html(t.scaling_by_length, scaling_formats, table_id="attention-scaling")
        + "<p class='note'>Ratios are exact / FAVOR+: above 1, FAVOR+ is the cheaper one. An empty cell: that "
        "length was not measured (it would not fit).</p>"
        + "<h3>Fitted log-log slopes</h3>"
        + table_html(t.fits(), {"slope": _fmt("{:.2f}")}, table_id="attention-scaling-fits")
    )
    return Section("protein", "Proteins: Performer (FAVOR+) vs exact attention", content)


def _cost_section(t: Tables, shown: dict[str, Figure]) -> Section:
    content = (
        figure_html(shown["cost"])
        + "<h3>Per rule</h3>"
        + table_html(t.cost, COST_FORMATS, total_row="total", table_id="cost-by-rule")
        + f"<details><summary>Every job ({len(t.jobs)})</summary>"
        + table_html(t.jobs, COST_FORMATS, table_id="cost-by-job")
        + "</details>"
    )
    return Section("cost", "Cost", content)


def _models_section(t: Tables) -> Section:
    formats = {
        "test_accuracy": _fmt("{:.4f}"),
        "test_auroc": _fmt("{:.4f}"),
        "train_seconds": _fmt("{:.1f}"),
        "peak_rss_mb": _fmt("{:,.0f}"),
    }
    content = (
        "<p>One row per trained model, as in <code>summary.tsv</code>. Click a column header to sort.</p>"
        + table_html(t.summary, formats, table_id="summary")
    )
    return Section("models", "Every trained model", content)


def _provenance_section(origin: list[tuple[str, str]], config_yaml: str) -> Section:
    content = (
        table_html(pd.DataFrame(origin, columns=["what", "value"]), table_id="provenance-table")
        + "<h3>Config used</h3>"
        + "<details><summary>The config after defaults were filled in, as YAML, each key's description from the "
        "schema as a comment (click to open; also in <a href='figures/config.yaml'>figures/config.yaml</a>)</summary>"
        + f'<pre class="config">{html.escape(config_yaml)}</pre></details>'
        + "<p class='note'>Figures (PNG, SVG) and every table (TSV) of this page are in the <code>figures/</code> "
        "folder next to it.</p>"
    )
    return Section("provenance", "Provenance", content)


def sections(
    tables: Tables, shown: dict[str, Figure], origin: list[tuple[str, str]], config_yaml: str
) -> list[Section]:
    return [
        _dna_section(tables, shown),
        _protein_section(tables, shown),
        _cost_section(tables, shown),
        _models_section(tables),
        _provenance_section(origin, config_yaml),
    ]
