"""Compare in a real Chromium: the charts render, a click on a bar lists the sentences
behind it (with a link that opens them on Annotate), and the report that
``workbench compare --report`` writes shows its charts with the network cut off.

Labels decide what the charts show, so this test runs its own app and database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from annotator import labelsets, stories
from annotator.bootstrap import bootstrap
from annotator.cli import main
from annotator.storage import open_store
from tests.e2e.conftest import FIRST_RENDER_MS, SENTENCE, Server, running_app, wait_idle
from tests.synthetic_outlets import label

pytestmark = pytest.mark.e2e

MUSK = "Elon Musk"
KUMPARAN_DDOS = '"Tampaknya ada serangan DDOS (Distributed Denial of Service) besar-besaran'
KUMPARAN_SIBER = "Wawancara yang telah lama ditunggu-tunggu itu dimulai dengan berbagai hambatan"
BBC_DDOS = "Lebih dari 20 menit setelah percakapan, Musk menyalahkan"
CHART = '[data-testid="stVegaLiteChart"]'
BARS = "svg .mark-rect.role-mark path"
RENDER_MS = 30_000


@pytest.fixture(scope="module")
def compare_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The seeds with stance toward Musk and bias on the DDoS and cyberattack
    sentences of both outlets (7, 9 BBC; 41, 44 kumparan), and a story of both."""
    home = tmp_path_factory.mktemp("e2e-compare")
    store = open_store(f"sqlite:///{home / 'workbench.sqlite'}")
    bootstrap(store)
    labelset = labelsets.current(store)
    plan = {7: ("against", "biased"), 9: ("neutral", "not-biased"),
            41: ("favor", "biased"), 44: ("favor", "biased")}  # fmt: skip
    for sid, (stance, bias) in plan.items():
        label(store, labelset, "ani", sid, stance={MUSK: stance}, bias=bias)
    stories.create_story(store, "Musk, Trump and the DDoS claim", document_ids=[1, 2])
    store.engine.dispose()
    with running_app(home) as app:
        yield app


def test_a_click_on_a_bar_lists_the_sentences_behind_it(page: Page, compare_app: Server) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{compare_app.url}/compare?annotator=ani", timeout=FIRST_RENDER_MS)
    stance = page.locator(CHART).first
    stance.locator(BARS).first.wait_for(state="attached", timeout=RENDER_MS)
    wait_idle(page)
    # Three stance values for each of the two outlets, drawn as SVG marks.
    assert stance.locator(BARS).count() == 6
    favor = stance.locator(f'{BARS}[aria-label*="stance: favor; outlet: kumparan;"]')
    box = favor.bounding_box()
    assert box is not None and box["width"] > 100  # kumparan: 2 of 2 in favor
    # Off the whisker drawn through the middle of the bar.
    page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.25)
    page.get_by_text("2 sentence(s) behind the selection").wait_for(timeout=RENDER_MS)
    wait_idle(page)
    cells = page.locator('[data-testid="stDataFrame"]').first.locator("td")
    cells.filter(has_text="annotate?sentence=44").wait_for(state="attached")  # drawn
    texts = cells.all_text_contents()
    assert any(t.startswith(KUMPARAN_DDOS) for t in texts)
    assert any(t.startswith(KUMPARAN_SIBER) for t in texts)
    assert not any(t.startswith(BBC_DDOS) for t in texts)  # the other outlet's bar
    links = [t for t in texts if t.startswith("annotate?sentence=")]
    assert links == ["annotate?sentence=41&annotator=ani", "annotate?sentence=44&annotator=ani"]

    for name, start in (("PNG", b"\x89PNG"), ("SVG", b"<svg"), ("CSV", b"outlet,target,value")):
        with page.expect_download() as download:
            page.get_by_role("button", name=name, exact=True).first.click()
        saved = Path(download.value.path()).read_bytes()
        assert saved.startswith(start), (name, saved[:40])
        assert download.value.suggested_filename == f"compare-stance.{MUSK}.{name.lower()}"

    page.goto(urljoin(page.url, links[1]), timeout=FIRST_RENDER_MS)
    expect(page.locator(SENTENCE)).to_contain_text("serangan DDOS (Distributed Denial of Service)")


def test_the_story_s_aligned_pairs_show_in_the_browser(page: Page, compare_app: Server) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{compare_app.url}/compare?annotator=ani", timeout=FIRST_RENDER_MS)
    page.locator(CHART).first.wait_for(timeout=RENDER_MS)
    wait_idle(page)
    page.get_by_role("combobox", name="Story", exact=True).click()
    page.get_by_role("option", name="Musk, Trump and the DDoS claim (2 documents)").click()
    page.get_by_text("pair(s) of sentences that report the same fact").wait_for(timeout=RENDER_MS)
    wait_idle(page)
    pairs = page.locator('[data-testid="stDataFrame"]').filter(has_text="left_text").first
    pairs.scroll_into_view_if_needed()  # the grid draws its cells once on screen
    pairs.locator("td", has_text=BBC_DDOS).wait_for(state="attached")
    texts = pairs.locator("td").all_text_contents()
    assert any(BBC_DDOS in t for t in texts) and any(t.startswith(KUMPARAN_DDOS) for t in texts)
    assert "bias=biased; stance[Elon Musk]=against" in texts


def test_the_command_s_report_shows_its_charts_offline(
    browser: Browser, compare_app: Server, tmp_path: Path
) -> None:
    path = tmp_path / "compare.html"
    assert main(["--db", compare_app.db_url, "compare", "--report", str(path), "--story", "1"]) == 0
    context = browser.new_context(offline=True)
    refused: list[str] = []
    errors: list[str] = []

    def refuse(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", refuse)
    report = context.new_page()
    report.on("pageerror", lambda e: errors.append(str(e)))
    report.goto(path.as_uri())
    report.wait_for_function(
        "() => document.querySelectorAll('.vega[data-rendered]').length === 3", timeout=RENDER_MS
    )
    rendered = report.eval_on_selector_all(".vega", "els => els.map(e => e.dataset.rendered)")
    assert rendered == ["yes", "yes", "yes"]
    assert report.locator(f"#chart-1 {BARS}").count() == 6  # stance toward Musk
    assert report.locator("#chart-3 svg .mark-symbol.role-mark path").count() == 5  # differences
    assert report.locator("td", has_text="serangan DDOS besar-besaran").count() >= 1
    assert refused == [] and errors == []
    context.close()
