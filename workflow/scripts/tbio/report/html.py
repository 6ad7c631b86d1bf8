"""A self-contained HTML page: figures embedded as base64 PNG, tables inline."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd


def image_tag(png: Path, alt: str) -> str:
    data = base64.b64encode(Path(png).read_bytes()).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def table_html(table: pd.DataFrame) -> str:
    return table.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0, classes="table")


def render(title: str, sections: list[tuple[str, str]]) -> str:
    body = "\n".join(f"<section><h2>{html.escape(h)}</h2>\n{content}</section>" for h, content in sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 70em; margin: 2em auto; color: #222; }}
table.table {{ border-collapse: collapse; font-size: 0.9em; }}
table.table th, table.table td {{ padding: 0.2em 0.6em; border-bottom: 1px solid #ddd; text-align: right; }}
img {{ max-width: 100%; }}
</style></head>
<body><h1>{html.escape(title)}</h1>
{body}
</body></html>
"""
