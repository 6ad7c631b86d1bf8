"""From the pipeline's files to summary.tsv, report.html and the figures
folder (every figure as PNG and SVG, every table as TSV). The report rule's
script only maps the snakemake object onto ReportInputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from ..models import DNA_MODELS, PROTEIN_MODELS
from . import aggregate, figures, motifs
from .analysis import crossover_length, fit_scaling
from .content import Figure, ReportInputs, Tables
from .findings import (
    Finding,
    cost_numbers,
    headline_table,
    long_range_finding,
    protein_numbers,
    scaling_finding,
    split_by_receptive_field,
)
from .html import render
from .page import CAPTIONS_DIR, FIGURES, caption, page_context
from .provenance import annotated_config, provenance

TITLE = "Transformers in Biomedicine: what this run measured"


def collect(inputs: ReportInputs) -> Tables:
    config = inputs.config or {}
    dna_config = config.get("dna", {})
    metrics = aggregate.load_metrics(list(inputs.dna_metrics) + list(inputs.protein_metrics))
    benchmarks = aggregate.read_benchmarks(list(inputs.rule_benchmarks))
    summary = aggregate.summarise(metrics, benchmarks)
    dna = summary[summary["task"] == "dna"]

    window_keys = ["dataset", *aggregate.WINDOW_KEYS, "model"]
    contributions = aggregate.load_per_model_tables(list(inputs.contributions))
    if len(contributions):
        values = ["mean_contribution", "mean_abs_contribution"]
        contributions = aggregate.mean_over_seeds(contributions, [*window_keys, "position"], values)
    attention = aggregate.load_per_model_tables(list(inputs.attention))
    if len(attention):
        attention = aggregate.mean_over_seeds(attention, [*window_keys, "layer", "bin", "start_bp"], ["attention"])
    # a data set's labels lie in data/dna/<data set>/ (the user's own wherever they are: no positions)
    labels = {Path(path).parent.name: pd.read_csv(path, sep="\t") for path in inputs.labels}
    controls = aggregate.controls_table(list(inputs.controls))
    bin_bp = int(dna_config.get("distance_bin_bp", 8))
    exact = aggregate.load_per_model_tables(list(inputs.by_distance), rename={"distance_bp": "exact_distance_bp"})

    draws = aggregate.performer_draws(list(inputs.performer_draws))
    approximation = pd.read_csv(inputs.approximation, sep="\t")
    approximation = aggregate.approximation_summary(approximation) if len(approximation) else pd.DataFrame()
    scaling = pd.read_csv(inputs.scaling, sep="\t")
    for column in ("seconds_fwd_bwd", "peak_mb"):
        scaling[column] = pd.to_numeric(scaling[column], errors="coerce")  # a skipped length may be empty or "NA"

    discovered = motifs.motifs_table(list(inputs.motifs))
    recovery = motifs.recovery_table(discovered, config, motifs.jobs_of(list(inputs.motifs)))
    logos = motifs.logo_rows(discovered, list(inputs.patterns), config)

    fields = dna.dropna(subset=["receptive_field_bp"]).groupby("model")["receptive_field_bp"].max()
    return Tables(
        metrics=metrics,
        summary=summary,
        accuracy=aggregate.by_window(summary),
        by_distance=aggregate.bin_by_distance(exact, bin_bp),
        controls=controls,
        controls_mean=aggregate.controls_by_window(controls),
        reach=aggregate.reach_table(metrics),
        protein=aggregate.by_model(summary, "protein"),
        curves=aggregate.learning_curves(metrics),
        profiles=contributions,
        attention=attention,
        spans=aggregate.element_spans(labels),
        cost=aggregate.cost_by_rule(benchmarks),
        jobs=aggregate.cost_by_job(benchmarks),
        draws=draws,
        draws_summary=aggregate.draws_summary(draws),
        performer_vs_exact=aggregate.performer_vs_exact_by_length(draws, summary),
        approximation=approximation,
        approximation_vs_uniform=aggregate.approximation_vs_uniform(approximation),
        scaling=scaling,
        motifs=discovered,
        motif_recovery=recovery,
        motif_logos=logos,
        scaling_by_length=aggregate.scaling_table(scaling) if len(scaling) else pd.DataFrame(),
        time_fits=fit_scaling(scaling),
        memory_fits=fit_scaling(scaling, value="peak_mb"),
        crossover=crossover_length(scaling),
        receptive_field=split_by_receptive_field(summary).get("receptive_field_bp"),
        receptive_fields={model: int(field) for model, field in fields.items()},
        enhancer_len=aggregate.longest_enhancer_bp(labels),
        bin_bp=bin_bp,
        seq_len=int(dna["seq_len"].max()) if len(dna) else int(dna_config.get("seq_len", 0)),
        config=config,
    )


def draw_figures(tables: Tables, folder: Path) -> dict[str, Path]:
    """Every figure of FIGURES as PNG and SVG; returns the PNG paths."""
    curves = tables.curves
    made = {
        "accuracy_vs_distance": figures.accuracy_vs_distance(
            tables.by_distance, tables.summary[tables.summary["task"] == "dna"], tables.receptive_fields
        ),
        "controls": figures.controls(tables.controls),
        "learning_curves_dna": figures.learning_curves(curves[curves["task"] == "dna"], DNA_MODELS),
        "contributions": figures.contributions(tables.profiles, tables.spans, tables.receptive_fields, tables.seq_len),
        "attention": figures.centre_attention(tables.attention, tables.spans, tables.seq_len),
        "motifs": figures.motif_logos(tables.motif_logos),
        "protein_by_length": figures.protein_by_length(tables.protein),
        "learning_curves_protein": figures.learning_curves(curves[curves["task"] == "protein"], PROTEIN_MODELS),
        "approximation": figures.approximation(tables.approximation),
        "attention_scaling": figures.scaling(tables.scaling, tables.time_fits, tables.memory_fits, tables.crossover),
        "cost": figures.cost(tables.cost),
    }
    return {name: figures.save(figure, folder, name) for name, figure in made.items()}


def write_tables(tables: Tables, extra: dict[str, pd.DataFrame], folder: Path) -> list[str]:
    """Every table of the page as TSV; returns the file names."""
    named = {
        "accuracy_by_window": tables.accuracy,
        "controls_by_window": tables.controls_mean,
        "reach": tables.reach,
        "protein_accuracy": tables.protein,
        "performer_draws_summary": tables.draws_summary,
        "learning_curves": tables.curves,
        "contributions_mean": tables.profiles,
        "attention_mean": tables.attention,
        "element_positions": tables.spans,
        "motif_recovery": tables.motif_recovery,
        "approximation_summary": tables.approximation,
        "approximation_vs_uniform": tables.approximation_vs_uniform,
        "attention_scaling_by_length": tables.scaling_by_length,
        "attention_scaling_fits": tables.fits(),
        "cost_by_rule": tables.cost,
        "cost_by_job": tables.jobs,
        **extra,
    }
    for name, table in named.items():
        table.to_csv(folder / f"{name}.tsv", sep="\t", index=False, float_format="%.6g")
    return [f"{name}.tsv" for name in named]


@dataclass
class Report:
    tables: Tables
    findings: dict[str, Finding]
    numbers: pd.DataFrame  # key, value, text of every tagged number on the page
    files: list[str]  # written into the figures folder


def build_report(
    inputs: ReportInputs,
    summary_path,
    html_path,
    figures_dir,
    accuracy_by_distance_path=None,
    controls_path=None,
    performer_draws_path=None,
    motifs_path=None,
    workdir: str = ".",
    log=print,
) -> Report:
    """Write summary.tsv, accuracy_by_distance.tsv, controls.tsv (header only
    for the user's own DNA), performer_draws.tsv and motifs.tsv (by default beside
    summary.tsv), the figures folder and the page."""
    folder = Path(figures_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tables = collect(inputs)
    tables.summary.to_csv(summary_path, sep="\t", index=False)
    log(f"summary: {len(tables.summary)} trained models")
    beside = Path(summary_path).parent
    tables.by_distance.to_csv(
        accuracy_by_distance_path or beside / "accuracy_by_distance.tsv", sep="\t", index=False, float_format="%.6g"
    )
    tables.controls.to_csv(controls_path or beside / "controls.tsv", sep="\t", index=False, float_format="%.6g")
    tables.draws.to_csv(
        performer_draws_path or beside / "performer_draws.tsv", sep="\t", index=False, float_format="%.6g"
    )
    tables.motifs.to_csv(motifs_path or beside / "motifs.tsv", sep="\t", index=False, float_format="%.6g")
    log(f"accuracy by distance: {len(tables.by_distance)} rows; controls: {len(tables.controls)} rows")

    long_range = long_range_finding(tables.summary, tables.controls, tables.enhancer_len or 0)
    findings = {"long_range": long_range, "favor": scaling_finding(tables.scaling)}
    key_numbers = protein_numbers(tables.summary) + cost_numbers(tables.cost)
    numbers = headline_table(list(findings.values()), key_numbers)
    for finding in findings.values():
        log(finding.plain())

    pngs = draw_figures(tables, folder)
    origin = provenance(tables.metrics, tables.config, workdir)
    extra = {"headline_numbers": numbers, "provenance": pd.DataFrame(origin, columns=["what", "value"])}
    written = [f"{name}.{ext}" for name in pngs for ext in ("png", "svg")] + write_tables(tables, extra, folder)
    schema = yaml.safe_load(Path(inputs.config_schema).read_text()) if inputs.config_schema else None
    config_yaml = annotated_config(tables.config, schema)
    (folder / "config.yaml").write_text(config_yaml)
    written.append("config.yaml")

    captions = inputs.captions_dir or CAPTIONS_DIR
    shown = {name: Figure(name, pngs[name], FIGURES[name][1], caption(name, tables, captions)) for name in FIGURES}
    page = render(page_context(TITLE, tables, findings, key_numbers, shown, origin, config_yaml))
    Path(html_path).write_text(page)
    return Report(tables, findings, numbers, written)
