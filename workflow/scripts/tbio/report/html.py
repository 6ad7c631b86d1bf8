"""A self-contained HTML page: figures embedded as base64 PNG, tables inline
and sortable by a few lines of inline JavaScript; no external assets, so the
file reads the same offline and as an e-mail attachment."""

from __future__ import annotations

import base64
import html
import math
import numbers
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .findings import Finding, Number


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def image_tag(png: Path, alt: str) -> str:
    data = base64.b64encode(Path(png).read_bytes()).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'


def number_span(number: Number) -> str:
    """A headline number: what the reader sees, with its exact value and key
    as data attributes (a test compares them with summary.tsv)."""
    return f'<span class="num" data-key="{esc(number.key)}" data-value="{number.value!r}">{esc(number.text)}</span>'


def finding_html(finding: Finding, key: str) -> str:
    body = "".join(number_span(p) if isinstance(p, Number) else esc(p) for p in finding.parts)
    return f'<p class="finding" data-finding="{esc(key)}"><strong>{esc(finding.title)}.</strong> {body}</p>'


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


def table_html(
    table: pd.DataFrame, formats: dict | None = None, total_row: str | None = None, table_id: str | None = None
) -> str:
    """A sortable table: click a header to sort by it (again to reverse).
    Numbers carry their exact value in data-sort; a row whose first cell is
    ``total_row`` goes into the footer and stays last."""
    formats = formats or {}
    head = "".join(f'<th scope="col">{esc(column)}</th>' for column in table.columns)
    body_rows, foot_rows = [], []
    for record in table.itertuples(index=False):
        cells = []
        for column, value in zip(table.columns, record):
            text = formats.get(column, default_format)(value) if not (value is None or value is pd.NA) else ""
            numeric = _is_number(value) and not (isinstance(value, float) and math.isnan(value))
            sort = f' data-sort="{float(value)!r}"' if numeric else ""
            cells.append(f'<td class="{"n" if numeric else "t"}"{sort}>{esc(text)}</td>')
        row = f"<tr>{''.join(cells)}</tr>"
        (foot_rows if total_row is not None and record[0] == total_row else body_rows).append(row)
    foot = f"<tfoot>{''.join(foot_rows)}</tfoot>" if foot_rows else ""
    identity = f' id="{esc(table_id)}"' if table_id else ""
    return (
        f'<div class="scroll"><table class="sortable"{identity}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body_rows)}</tbody>{foot}</table></div>"
    )


@dataclass
class Figure:
    name: str  # file stem in the figures folder
    png: Path
    alt: str
    caption: str  # HTML (already escaped where needed)


def figure_html(figure: Figure, folder: str = "figures") -> str:
    links = " · ".join(f'<a href="{folder}/{esc(figure.name)}.{ext}">{ext.upper()}</a>' for ext in ("png", "svg"))
    return (
        f'<figure id="fig-{esc(figure.name)}">{image_tag(figure.png, figure.alt)}'
        f'<figcaption>{figure.caption} <span class="files">({links})</span></figcaption></figure>'
    )


@dataclass
class Section:
    anchor: str
    title: str
    content: str


STYLE = """
:root { --ink: #222; --muted: #666; --line: #ddd; --accent: #1b9e77; --paper: #fff; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       max-width: 72em; margin: 0 auto; padding: 1.5em 2em 4em; line-height: 1.45; background: var(--paper); }
h1 { margin-bottom: 0.1em; font-size: 1.7em; }
h2 { margin-top: 2.2em; border-bottom: 2px solid var(--line); padding-bottom: 0.2em; }
h3 { margin-top: 1.6em; }
.subtitle { color: var(--muted); margin-top: 0; }
.headline { background: #f3faf7; border-left: 5px solid var(--accent); padding: 0.6em 1.2em; margin: 1.2em 0; }
.finding { font-size: 1.12em; margin: 0.6em 0; }
.num { font-weight: 700; white-space: nowrap; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(11em, 1fr)); gap: 0.6em; margin: 1em 0; padding: 0; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 0.5em 0.8em; margin: 0; }
.tile dd { margin: 0; font-size: 1.35em; } .tile dt { color: var(--muted); font-size: 0.85em; }
nav.toc { font-size: 0.95em; } nav.toc ol { padding: 0; margin: 0.5em 0; } nav.toc li { display: inline; margin-right: 1.6em; } nav.toc a { text-decoration: none; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: #333; font-size: 0.92em; max-width: 60em; margin-top: 0.4em; }
figcaption .files, .files { color: var(--muted); font-size: 0.9em; }
.scroll { overflow-x: auto; margin: 0.6em 0 1em; }
table.sortable { border-collapse: collapse; font-size: 0.88em; font-variant-numeric: tabular-nums; }
table.sortable th, table.sortable td { padding: 0.25em 0.55em; border-bottom: 1px solid var(--line); }
table.sortable th { white-space: nowrap; cursor: pointer; user-select: none; text-align: left; background: #f7f7f7; position: sticky; top: 0; }
table.sortable th::after { content: " \\2195"; color: #bbb; font-size: 0.8em; }
table.sortable th[aria-sort=ascending]::after { content: " \\25B2"; color: var(--ink); }
table.sortable th[aria-sort=descending]::after { content: " \\25BC"; color: var(--ink); }
table.sortable td.n { text-align: right; } table.sortable tfoot td { font-weight: 700; border-top: 2px solid #999; }
table.sortable tbody tr:hover { background: #fafafa; }
pre.config { background: #f7f7f7; padding: 0.8em 1em; overflow-x: auto; font-size: 0.82em; line-height: 1.35; }
details summary { cursor: pointer; color: #333; }
.note { color: var(--muted); font-size: 0.92em; }
@media print { nav.toc { display: none; } h2 { break-before: auto; } figure { break-inside: avoid; } }
"""

# Sort a table by the clicked column: numbers by data-sort, text otherwise,
# empty cells last; the footer (a total) stays where it is.
SORTER = """
(function () {
  function key(cell) {
    if (!cell) return [2, ""];
    var raw = cell.getAttribute("data-sort");
    if (raw !== null && raw !== "" && !isNaN(parseFloat(raw))) return [0, parseFloat(raw)];
    var text = cell.textContent.trim();
    return text === "" ? [2, ""] : [1, text.toLowerCase()];
  }
  function compare(a, b) {
    if (a[0] !== b[0]) return a[0] - b[0];
    return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
  }
  function sortBy(th) {
    var table = th.closest("table"), body = table.tBodies[0];
    var column = Array.prototype.indexOf.call(th.parentNode.children, th);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var ka = key(a.cells[column]), kb = key(b.cells[column]);
      if (ka[0] === 2 || kb[0] === 2) return ka[0] - kb[0];
      return ascending ? compare(ka, kb) : compare(kb, ka);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll("table.sortable thead th").forEach(function (th) {
    th.tabIndex = 0;
    th.title = "sort by this column";
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); } });
  });
})();
"""


def tiles_html(numbers: list[tuple[str, Number]]) -> str:
    tiles = "".join(f'<div class="tile"><dd>{number_span(n)}</dd><dt>{esc(label)}</dt></div>' for label, n in numbers)
    return f'<dl class="tiles">{tiles}</dl>'


def render(
    title: str, subtitle: str, findings: dict[str, Finding], tiles: list[tuple[str, Number]], sections: list[Section]
) -> str:
    headline = "".join(finding_html(finding, key) for key, finding in findings.items())
    toc = "".join(f'<li><a href="#{esc(s.anchor)}">{esc(s.title)}</a></li>' for s in sections)
    body = "\n".join(
        f'<section id="{esc(s.anchor)}"><h2>{esc(s.title)}</h2>\n{s.content}\n</section>' for s in sections
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{STYLE}</style></head>
<body>
<header><h1>{esc(title)}</h1><p class="subtitle">{subtitle}</p></header>
<section id="findings" class="headline" aria-label="findings">{headline}</section>
{tiles_html(tiles)}
<nav class="toc" aria-label="contents"><ol>{toc}</ol></nav>
{body}
<script>{SORTER}</script>
</body></html>
"""
