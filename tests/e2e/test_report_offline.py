"""The HTML report in a real headless Chromium with every network request refused.

The file is opened from disk; any request that is not for the file itself is
recorded and aborted. The charts must still render (SVG marks drawn by
vega-embed), their tooltips must work, and a malicious outlet name must stay
text: no dialog opens.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, Route

from annotator import charts, report
from tests import chart_data

pytestmark = pytest.mark.e2e

RENDER_MS = 30_000


@dataclass
class Watch:
    """What the page tried: requests beyond the file, dialogs, errors."""

    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _sections() -> list[report.Section]:
    stance = chart_data.stance(
        {chart_data.EVIL: {"favor": 3, "against": 9}, "Kompas": {"favor": 5, "neutral": 5}}
    )
    return [
        report.Section(
            title="Stance",
            charts=(charts.stance_bars(stance, target="Elon Musk"),),
            tables=(report.Table("Numbers", stance),),
        ),
        report.Section(
            title="Frames",
            charts=(
                charts.frame_heatmap(chart_data.frames()),
                charts.difference_chart(chart_data.differences()),
            ),
        ),
    ]


@pytest.fixture
def offline_page(browser: Browser) -> Iterator[tuple[Page, Watch]]:
    context = browser.new_context(offline=True)
    watch = Watch()

    def refuse(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            watch.requests.append(route.request.url)
            route.abort()

    def seen(request: Request) -> None:
        if not request.url.startswith("file:"):
            watch.requests.append(request.url)

    context.route("**/*", refuse)
    page = context.new_page()
    page.on("request", seen)
    page.on("dialog", lambda d: (watch.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    yield page, watch
    context.close()


def test_the_report_renders_its_charts_with_the_network_cut_off(
    offline_page: tuple[Page, Watch], tmp_path: Path
) -> None:
    page, watch = offline_page
    path = report.write_report(tmp_path / "report.html", sections=_sections())
    page.goto(path.as_uri())
    page.wait_for_function(
        "() => document.querySelectorAll('.vega[data-rendered]').length === 3", timeout=RENDER_MS
    )
    assert page.eval_on_selector_all(".vega", "els => els.map(e => e.dataset.rendered)") == [
        "yes",
        "yes",
        "yes",
    ]
    # Marks really drawn: 4 stance segments, 6 heatmap cells, 3 difference dots.
    assert page.locator("#chart-1 svg .mark-rect.role-mark path").count() == 4
    assert page.locator("#chart-2 svg .mark-rect.role-mark path").count() == 6
    assert page.locator("#chart-3 svg .mark-symbol.role-mark path").count() == 3
    axis = page.locator("#chart-1 svg .role-axis-label text").all_text_contents()
    assert f"{chart_data.EVIL} (n=12)" in axis  # the name drawn as text
    assert page.locator("td", has_text="alert(1)").first.text_content() == chart_data.EVIL

    page.locator("#chart-1 svg .mark-rect.role-mark path").first.hover()
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible")
    assert "sentences" in (tooltip.text_content() or "")

    assert watch.requests == []
    assert watch.dialogs == []
    assert watch.errors == []


def test_the_static_report_shows_its_svg_images_offline(
    offline_page: tuple[Page, Watch], tmp_path: Path
) -> None:
    page, watch = offline_page
    path = report.write_report(tmp_path / "static.html", sections=_sections(), interactive=False)
    page.goto(path.as_uri())
    widths = page.eval_on_selector_all("figure img", "imgs => imgs.map(i => i.naturalWidth)")
    assert len(widths) == 3 and all(w > 300 for w in widths)
    assert watch.requests == [] and watch.dialogs == [] and watch.errors == []
