"""Snakemake adapter: aggregate metrics and benchmarks into summary.tsv and report.html."""

import sys
from pathlib import Path

from tbio.report.aggregate import by_distance, load_metrics, read_benchmarks, summarise
from tbio.report.figures import accuracy_vs_distance, save
from tbio.report.html import image_tag, render, table_html

sys.stderr = open(snakemake.log[0], "w")
inputs, outputs = snakemake.input, snakemake.output
metrics = load_metrics(list(inputs.dna_metrics) + list(inputs.protein_metrics))
benchmarks = read_benchmarks(list(inputs.rule_benchmarks))
summary = summarise(metrics, benchmarks)
summary.to_csv(outputs.summary, sep="\t", index=False)

figures = Path(outputs.figures)
distance_table = by_distance(summary)
cnn_rf = summary.loc[summary["model"] == "cnn", "receptive_field_bp"]
png = save(accuracy_vs_distance(distance_table, int(cnn_rf.iloc[0]) if len(cnn_rf) else None), figures, "accuracy_vs_distance")
Path(outputs.html).write_text(
    render(
        "Transformers in Biomedicine: results",
        [
            ("Accuracy vs enhancer distance", image_tag(png, "accuracy vs distance") + table_html(distance_table)),
            ("Every trained model", table_html(summary)),
            ("Cost per job", table_html(benchmarks[["rule", "job", "s", "max_rss", "cpu_time"]])),
        ],
    )
)
