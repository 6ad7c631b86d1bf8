"""Snakemake adapter: aggregate metrics, interpretation tables, controls and
benchmarks into summary.tsv, accuracy_by_distance.tsv, controls.tsv,
report.html and the figures folder."""

import json
import sys

# Before the library's import, so that an import error lands in the log too.
sys.stderr = open(snakemake.log[0], "w")

from tbio.report.build import ReportInputs, build_report

inputs = snakemake.input
build_report(
    ReportInputs(
        dna_metrics=list(inputs.dna_metrics),
        protein_metrics=list(inputs.protein_metrics),
        contributions=list(inputs.contributions),
        attention=list(inputs.attention),
        labels=list(inputs.labels),
        controls=list(inputs.controls),
        by_distance=list(inputs.by_distance),
        performer_draws=list(inputs.performer_draws),
        motifs=list(inputs.motifs),
        patterns=list(inputs.patterns),
        approximation=inputs.approximation,
        scaling=inputs.scaling,
        rule_benchmarks=list(inputs.rule_benchmarks),
        config=json.loads(snakemake.params.config),
        config_schema=inputs.config_schema,
    ),
    summary_path=snakemake.output.summary,
    html_path=snakemake.output.html,
    figures_dir=snakemake.output.figures,
    accuracy_by_distance_path=snakemake.output.accuracy_by_distance,
    controls_path=snakemake.output.controls,
    performer_draws_path=snakemake.output.performer_draws,
    motifs_path=snakemake.output.motifs,
    log=lambda line: print(line, file=sys.stderr),
)
