"""Self-contained HTML reports: charts and tables in one file that opens offline.

Start with :func:`write_report` (or :func:`render_report` for the text): a
title and a list of :class:`Section` s, each with Altair charts and
:class:`Table` s. The file needs no network: the Vega, Vega-Lite and
vega-embed JavaScript comes inline from vl-convert's bundle, every chart's
spec and data sit in the page, and a Content-Security-Policy forbids any
request at all. With ``interactive=False`` the charts are SVG images rendered
by vl-convert instead, and the file holds no JavaScript.

Everything from the data is text, never markup: table cells, titles and notes
go through :func:`html.escape`, and chart specs are embedded as JSON with
``<``, ``>`` and ``&`` written as ``\\u003c`` escapes, so an outlet called
``</script><script>...`` stays a name.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import vl_convert as vlc

from annotator.charts.export import spec as chart_spec
from annotator.charts.export import to_svg, vegalite_version

# No fetch, no image, no font, no frame from anywhere: the report is one file.
# Vega compiles its expressions with Function(), hence 'unsafe-eval'.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data:; font-src data:"
)
MAX_ROWS = 1000
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;
max-width:1100px;margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.5rem;border-bottom:1px solid #ccc}
h3{font-size:1rem}.note{color:#444;white-space:pre-wrap}.meta{color:#666;font-size:.9rem}
figure{margin:1.5rem 0;overflow-x:auto}figure img{max-width:100%}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
"""
_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})
_EMBED = """
document.querySelectorAll("script[data-chart]").forEach(function (source) {
  var target = document.getElementById(source.dataset.chart);
  vegaEmbed(target, JSON.parse(source.textContent), {actions: false, renderer: "svg"})
    .then(function () { target.dataset.rendered = "yes"; })
    .catch(function (error) { target.dataset.rendered = "failed"; target.textContent = String(error); });
});
"""


@dataclass(frozen=True, eq=False)
class Table:
    """A table of the report: shown as escaped text, at most ``MAX_ROWS`` rows."""

    title: str
    data: pd.DataFrame
    note: str = ""


@dataclass(frozen=True, eq=False)
class Section:
    """A heading with an optional note, its charts, then its tables."""

    title: str
    charts: Sequence[alt.TopLevelMixin | dict[str, Any]] = ()
    tables: Sequence[Table] = ()
    note: str = ""


@functools.lru_cache(maxsize=2)
def javascript(vl_version: str | None) -> str:
    """vega-embed, Vega-Lite and Vega in one script (about 0.9 MB), made once."""
    # None asks for the default snippet (globals vegaEmbed, vega, vegaLite); the stub wants a str.
    bundle = vlc.javascript_bundle(snippet=None, vl_version=vl_version)  # type: ignore[arg-type]
    if "</script" in bundle.lower() or "<!--" in bundle:  # would end the inline script early
        raise ValueError("the JavaScript bundle cannot be inlined in a <script> element")
    return bundle


def script_json(value: Any) -> str:
    """JSON that is safe as the text of a ``<script>`` element."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False).translate(_JSON_ESCAPES)


def _cell(value: Any) -> tuple[str, bool]:
    """A cell's text and whether it is a number (right-aligned)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "", False
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (f"{value:.4g}" if isinstance(value, float) else str(value)), True
    return str(value), False


def table_html(table: Table, *, max_rows: int = MAX_ROWS) -> str:
    """An escaped HTML table of the first ``max_rows`` rows."""
    data = table.data
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in data.columns)
    rows = []
    for record in data.head(max_rows).itertuples(index=False, name=None):
        cells = []
        for value in record:
            text, number = _cell(value)
            cls = ' class="num"' if number else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    parts = [f"<h3>{html.escape(table.title)}</h3>"] if table.title else []
    if table.note:
        parts.append(f'<p class="note">{html.escape(table.note)}</p>')
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    if len(data) > max_rows:
        parts.append(f'<p class="meta">First {max_rows} of {len(data)} rows.</p>')
    return "\n".join(parts)


def _chart_title(spec: dict[str, Any]) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title) if title else "chart"


def chart_html(chart: alt.TopLevelMixin | dict[str, Any], *, number: int, interactive: bool) -> str:
    """A figure holding the chart: a spec for vega-embed, or an SVG image."""
    spec = chart_spec(chart)
    label = html.escape(_chart_title(spec))
    if not interactive:
        svg = base64.b64encode(to_svg(spec)).decode("ascii")
        return (f'<figure class="chart" id="chart-{number}">'
                f'<img alt="{label}" src="data:image/svg+xml;base64,{svg}"></figure>')  # fmt: skip
    return (
        f'<figure class="chart"><div id="chart-{number}" class="vega" role="img" aria-label="{label}"></div>'
        f'<script type="application/json" data-chart="chart-{number}">{script_json(spec)}</script></figure>'
    )  # fmt: skip


def render_report(
    *,
    title: str,
    sections: Sequence[Section],
    interactive: bool = True,
    generated: dt.datetime | None = None,
    max_rows: int = MAX_ROWS,
) -> str:
    """The report as one HTML document (see the module docstring)."""
    when = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M %Z").strip()
    body = [f"<h1>{html.escape(title)}</h1>", f'<p class="meta">Generated {html.escape(when)}.</p>']
    number = 0
    for section in sections:
        body.append(f"<section><h2>{html.escape(section.title)}</h2>")
        if section.note:
            body.append(f'<p class="note">{html.escape(section.note)}</p>')
        for chart in section.charts:
            number += 1
            body.append(chart_html(chart, number=number, interactive=interactive))
        body.extend(table_html(t, max_rows=max_rows) for t in section.tables)
        body.append("</section>")
    scripts = ""
    if interactive and number:
        scripts = f"<script>{javascript(vegalite_version())}</script>\n<script>{_EMBED}</script>"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body) + f"\n{scripts}\n</body></html>\n"
    )  # fmt: skip


def write_report(
    path: str | Path,
    *,
    sections: Sequence[Section],
    title: str = "Outlet comparison",
    interactive: bool = True,
    generated: dt.datetime | None = None,
    max_rows: int = MAX_ROWS,
) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) and return the path."""
    out = Path(path)
    text = render_report(
        title=title,
        sections=sections,
        interactive=interactive,
        generated=generated,
        max_rows=max_rows,
    )
    out.write_text(text, encoding="utf-8")
    return out
