"""Aggregation, figures and the HTML report. Reads what the pipeline wrote
(JSON, TSV); never imports model code or trains anything."""
