"""The HTML report: one file, no network, charts present, data shown as text."""

from __future__ import annotations

import base64
import datetime as dt
import json
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from annotator import charts, report
from tests import chart_data

WHEN = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside each script."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.cells: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self.scripts.append((dict(attrs), ""))
        self._in = tag

    def handle_data(self, data: str) -> None:
        if self._in == "script" and self.scripts:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif self._in == "td":
            self.cells.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def parse(text: str) -> Tags:
    tags = Tags()
    tags.feed(text)
    tags.close()
    return tags


def _sections() -> list[report.Section]:
    stance = chart_data.stance(
        {chart_data.EVIL: {"favor": 3, "against": 9}, "Kompas": {"favor": 5, "neutral": 5}}
    )
    return [
        report.Section(
            title="Stance toward Elon Musk",
            note="Human labels, majority per sentence.",
            charts=(charts.stance_bars(stance, target="Elon Musk"),),
            tables=(report.Table("Numbers", stance),),
        ),
        report.Section(
            title="Frames",
            charts=(charts.frame_heatmap(chart_data.frames()),),
            tables=(report.Table("Differences", chart_data.differences()),),
        ),
    ]


@pytest.fixture(scope="module")
def interactive() -> str:
    return report.render_report(title="Kompas vs Detik", sections=_sections(), generated=WHEN)


def test_the_report_loads_nothing_from_the_network(interactive: str) -> None:
    tags = parse(interactive)
    for tag, attrs in tags.tags:
        for name in ("src", "href", "action", "data", "poster"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (tag, name, value)
    assert not [a for t, a in tags.tags if t == "script" and a.get("src")]
    assert not [t for t, _ in tags.tags if t in ("link", "iframe", "base")]
    (csp,) = [
        a for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert "default-src 'none'" in (csp["content"] or "")
    assert "connect-src" not in (csp["content"] or "")  # falls back to 'none'


def test_tables_show_a_malicious_outlet_name_as_text(interactive: str) -> None:
    assert chart_data.EVIL not in interactive
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in interactive
    tags = parse(interactive)
    assert chart_data.EVIL in tags.cells
    # The bundle, the embedding code and one spec per chart: nothing else runs.
    kinds = sorted(a.get("type") or "js" for a, _ in tags.scripts)
    assert kinds == ["application/json", "application/json", "js", "js"]


def test_every_chart_is_embedded_with_its_whole_spec(interactive: str) -> None:
    tags = parse(interactive)
    specs = {a["data-chart"]: json.loads(text) for a, text in tags.scripts if a.get("data-chart")}
    assert set(specs) == {"chart-1", "chart-2"}
    sections = _sections()
    assert specs["chart-1"] == sections[0].charts[0].to_dict()
    assert specs["chart-2"] == sections[1].charts[0].to_dict()
    targets = {a.get("id") for t, a in tags.tags if t == "div" and "vega" in (a.get("class") or "")}
    assert targets == {"chart-1", "chart-2"}
    (bundle,) = [
        text for a, text in tags.scripts if not a and "vegaEmbed" in text and len(text) > 100_000
    ]
    assert "window.vegaEmbed" in bundle


def test_json_in_a_script_cannot_close_it() -> None:
    text = report.script_json({"outlet": "</script><script>alert(1)</script>", "and": "a & b"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"outlet": "</script><script>alert(1)</script>", "and": "a & b"}


def test_the_static_report_holds_svg_images_and_no_javascript() -> None:
    text = report.render_report(title="t", sections=_sections(), interactive=False, generated=WHEN)
    tags = parse(text)
    assert not tags.scripts
    images = [a["src"] or "" for t, a in tags.tags if t == "img"]
    assert len(images) == 2
    prefix = "data:image/svg+xml;base64,"
    svg = base64.b64decode(images[0].removeprefix(prefix)).decode()
    assert all(i.startswith(prefix) for i in images)
    assert svg.startswith("<svg") and "Stance toward Elon Musk" in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (n=12)" in svg


def test_titles_notes_and_long_tables_are_escaped_and_cut(tmp_path: Path) -> None:
    big = pd.DataFrame({"outlet": ["<b>x</b>"] * 5, "share": [0.123456] * 5, "small": [True] * 5})
    section = report.Section(
        title="<i>Frames</i>", note="a < b", tables=(report.Table("<u>t</u>", big, note="n & m"),)
    )
    path = report.write_report(
        tmp_path / "r.html", title="<h1>x</h1>", sections=[section], generated=WHEN, max_rows=3
    )
    text = path.read_text(encoding="utf-8")
    for raw in ("<b>x</b>", "<i>Frames</i>", "<u>t</u>", "<h1>x</h1>"):
        assert raw not in text
    assert "<title>&lt;h1&gt;x&lt;/h1&gt;</title>" in text
    assert text.count("<td>&lt;b&gt;x&lt;/b&gt;</td>") == 3
    assert "First 3 of 5 rows." in text
    assert '<td class="num">0.1235</td><td>yes</td>' in text
    assert "Generated 2026-01-02 03:04 UTC." in text
    assert "<script" not in text  # no charts: no JavaScript either
