"""A team in real browsers: two annotators, each in a browser context of
their own, label the same sentences differently; a curator sees the
disagreement and the agreement figure, and adjudicates with a key; then
opens a sentence they agree on by its address (``adjudicate?sentence=2``,
as the Agreement page's suspect links do) and makes their label gold.

Accounts turn team mode on for the whole database, so this test runs an app
of its own (the shared server stays in single-user mode for the others).
Seed sentences 1-3 all name Elon Musk, whose stance is the first thing asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from annotator import accounts, agreement
from annotator.adjudication import GOLD_ANNOTATOR
from annotator.bootstrap import open_ready_store
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql
from annotator.storage.schema import revisions
from tests.e2e.conftest import FIRST_RENDER_MS, SENTENCE, Server, running_app, wait_idle

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
# Stance toward Elon Musk on sentences 1-3, by the value's key: 1 favor, 2 against, 3 neutral.
KEYS = {"ani": ("1", "3", "1"), "budi": ("2", "3", "1")}
TITLES = {"1": "Mendukung", "2": "Menentang", "3": "Netral"}


@pytest.fixture
def team_app(tmp_path: Path) -> Iterator[tuple[Server, Store]]:
    """An app on a database with ani and budi (annotators) and cici (curator)."""
    store = open_ready_store(f"sqlite:///{tmp_path / 'workbench.sqlite'}")
    for name, role in (("ani", "annotator"), ("budi", "annotator"), ("cici", "curator")):
        accounts.add_user(store, name, role=role, password=PASSWORD)
    with running_app(tmp_path) as server:
        yield server, store
    store.engine.dispose()


def log_in(browser: Browser, server: Server, name: str) -> Page:
    """A browser context of its own, logged in as ``name`` (on the home page)."""
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(server.url, timeout=FIRST_RENDER_MS)
    page.get_by_label("Name").fill(name)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator('[data-testid="stSidebar"]').get_by_text(f"Logged in: {name}").wait_for()
    wait_idle(page)
    return page


def open_from_sidebar(page: Page, title: str) -> None:
    """A click in the sidebar: the same session, so the login holds."""
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=title).click()
    wait_idle(page)


def label_musk(page: Page, keys: tuple[str, ...]) -> None:
    open_from_sidebar(page, "Annotate")
    page.locator(SENTENCE).wait_for()
    page.locator(SENTENCE).click()  # keys go to the page, not an input
    for key in keys:
        before = page.locator(SENTENCE).inner_text()
        page.keyboard.press(key)
        page.get_by_role("button", name=re.compile(rf"Elon Musk: {TITLES[key]}$")).wait_for()
        wait_idle(page)
        page.keyboard.press("Enter")
        expect(page.locator(SENTENCE)).not_to_have_text(before)
        wait_idle(page)


def musk(store: Store, annotator: str) -> dict[int, str | None]:
    with store.read() as conn:
        rows = labels_sql.current_labels(conn, annotator=annotator)
    return {r.sentence_id: r.value for r in rows if r.target == "Elon Musk"}


def metric(page: Page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def test_two_annotators_disagree_and_a_curator_adjudicates(
    browser: Browser, team_app: tuple[Server, Store]
) -> None:
    server, store = team_app
    annotators = {name: log_in(browser, server, name) for name in KEYS}
    for name, page in annotators.items():  # two contexts open at once
        label_musk(page, KEYS[name])
    assert musk(store, "ani") == {1: "favor", 2: "neutral", 3: "favor"}
    assert musk(store, "budi") == {1: "against", 2: "neutral", 3: "favor"}

    curator = log_in(browser, server, "cici")
    open_from_sidebar(curator, "Agreement")
    labels = agreement.load_labels(store)
    alpha = agreement.reliability(labels, n_boot=0).alpha
    stance = alpha[(alpha["slice"] == "all") & (alpha["level"] == "task")]["alpha"].iloc[0]
    assert stance == pytest.approx(1 - 5 * 2 / 22)  # n = 6, n_c = 3, 1, 2; two off-diagonal pairs
    expect(curator.locator('[data-testid="stMetric"]').first).to_be_visible()
    assert metric(curator, "alpha · stance") == f"{stance:.3f}"
    assert metric(curator, "Disagreements") == "1"

    open_from_sidebar(curator, "Adjudicate")
    shown = curator.locator('[data-testid="adjudicate-sentence"]')
    with store.read() as conn:
        first = texts_sql.get_sentence(conn, 1)
    assert first is not None
    expect(shown).to_have_text(first.text)
    expect(curator.get_by_text("sentence 1 · stance → Elon Musk", exact=False)).to_be_visible()
    picks = curator.get_by_role("button", name=re.compile(r"^\d: "))
    # Each button shows its key after the label.
    expect(picks).to_have_text(
        [re.compile(r"^1: favor \(ani\)"), re.compile(r"^2: against \(budi\)")]
    )
    curator.locator("h1").click()  # keys go to the page
    curator.keyboard.press("2")  # budi's label becomes gold
    curator.get_by_text("No disagreement left to adjudicate.").wait_for()

    with store.read() as conn:
        gold = labels_sql.current_labels(conn, annotator=GOLD_ANNOTATOR)
        decided_by = {
            conn.execute(
                select(revisions.c.annotator).where(revisions.c.id == r.revision_id)
            ).scalar_one()
            for r in gold
        }
    assert [(r.sentence_id, r.task, r.target, r.value, r.source) for r in gold] == [
        (1, "stance", "Elon Musk", "against", "adjudicated")
    ]
    assert decided_by == {"cici"}
    assert agreement.load_labels(store).equals(labels)  # gold is not an annotator

    # A sentence nobody disputes, opened by its address in a new tab of the
    # curator's browser (the kept login holds): their shared label becomes gold.
    tab = curator.context.new_page()
    tab.set_default_timeout(15_000)
    tab.goto(f"{server.url}/adjudicate?sentence=2", timeout=FIRST_RENDER_MS)
    with store.read() as conn:
        second = texts_sql.get_sentence(conn, 2)
    assert second is not None
    expect(tab.locator('[data-testid="adjudicate-sentence"]')).to_have_text(second.text)
    expect(tab.get_by_text("sentence 2 · stance → Elon Musk", exact=False)).to_be_visible()
    wait_idle(tab)
    tab.locator("h1").click()
    tab.keyboard.press("1")  # "neutral (ani, budi)"
    expect(tab.get_by_text("1 with gold", exact=False)).to_be_visible()
    with store.read() as conn:
        gold = labels_sql.current_labels(conn, annotator=GOLD_ANNOTATOR)
    assert sorted((r.sentence_id, r.target, r.value) for r in gold) == [
        (1, "Elon Musk", "against"),
        (2, "Elon Musk", "neutral"),
    ]
