"""A self-contained HTML page from Jinja2 templates (templates/): figures
embedded as base64 PNG (their PNG, SVG and the config's download links as data: URIs), tables inline and sortable by a few lines of
JavaScript, style and script read from report.css and report.js and inlined;
no external assets, so the file reads the same offline and as an e-mail
attachment. Python prepares the values (formatted cells, numbers); the
templates lay them out."""

from __future__ import annotations

import base64
import math
import numbers
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
ENVIRONMENT.filters["repr"] = repr
# text as base64, for a data: link that resolves wherever the page is (a download of the config)
ENVIRONMENT.filters["b64"] = lambda text: base64.b64encode(text.encode()).decode()


def asset(name: str) -> Markup:
    """A file of templates/ (report.css, report.js), to inline as it is."""
    return Markup((TEMPLATES / name).read_text())


def _is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def default_format(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return f"{int(value):,}" if abs(int(value)) >= 10_000 else str(int(value))
    if _is_number(value):
        value = float(value)
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.3g}"
        return f"{value:,.4g}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


@dataclass
class Cell:
    text: str  # what the reader sees
    sort: str | None  # the exact value of a number (data-sort), None for text


@dataclass
class TableView:
    """A table as the template's ``table`` macro lays it out."""

    columns: list[str]
    body: list[list[Cell]]
    foot: list[list[Cell]]  # the total row, kept last when sorting
    table_id: str | None = None


def table_view(
    table: pd.DataFrame, formats: dict | None = None, total_row: str | None = None, table_id: str | None = None
) -> TableView:
    """Cells of a sortable table: numbers carry their exact value for
    sorting; a row whose first cell is ``total_row`` goes into the footer."""
    formats = formats or {}
    body, foot = [], []
    for record in table.itertuples(index=False):
        cells = []
        for column, value in zip(table.columns, record):
            text = formats.get(column, default_format)(value) if not (value is None or value is pd.NA) else ""
            numeric = _is_number(value) and not (isinstance(value, float) and math.isnan(value))
            cells.append(Cell(text, repr(float(value)) if numeric else None))
        (foot if total_row is not None and record[0] == total_row else body).append(cells)
    return TableView([str(c) for c in table.columns], body, foot, table_id)


def table_html(
    table: pd.DataFrame, formats: dict | None = None, total_row: str | None = None, table_id: str | None = None
) -> str:
    """A sortable table (the ``table`` macro): click a header to sort by it."""
    return str(ENVIRONMENT.get_template("macros.html.j2").module.table(table_view(table, formats, total_row, table_id)))


def render(context: dict) -> str:
    """The page: templates/page.html.j2 with ``context`` (see page.page_context)."""
    return ENVIRONMENT.get_template("page.html.j2").render(
        **context, style=asset("report.css"), script=asset("report.js")
    )
