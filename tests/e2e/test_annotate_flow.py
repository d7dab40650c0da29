"""Annotating with the keyboard only, in a real browser, checked against the database.

Seed sentence 1 names Elon Musk and Donald Trump, 2 names Musk, 3 names Musk
and X; their tasks start with stance toward each named target, then bias.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql
from tests.e2e.conftest import SENTENCE, Server, open_annotate, wait_idle

pytestmark = pytest.mark.e2e

NAME = "e2e-keys"
SAVES_TO_TIME = 10


def decided(page: Page, summary: str) -> Locator:
    """The task button that shows a decision, e.g. ``"Elon Musk: Mendukung"`` (value titles in the codebook language)."""
    return page.get_by_role("button", name=re.compile(re.escape(summary) + "$"))


def press(page: Page, key: str, then: Locator) -> None:
    page.keyboard.press(key)
    then.wait_for()
    wait_idle(page)


def shown(page: Page) -> str:
    return page.locator(SENTENCE).inner_text()


def next_sentence(page: Page, key: str = "Enter") -> float:
    """Press ``key`` and wait until another sentence is shown; returns the seconds it took."""
    before = shown(page)
    start = time.perf_counter()
    page.keyboard.press(key)
    page.wait_for_function(
        "([selector, before]) => {"
        "  const shown = document.querySelector(selector);"
        "  return shown !== null && shown.textContent !== before; }",
        arg=[SENTENCE, before],
    )
    took = time.perf_counter() - start
    wait_idle(page)
    return took


def is_selected(page: Page, value_label: str) -> bool:
    button = page.get_by_role("button", name=value_label)
    return button.get_attribute("data-testid") == "stBaseButton-primary"


def stored(db: Store, annotator: str) -> set[tuple[int, str, str, str]]:
    with db.read() as conn:
        rows = labels_sql.current_labels(conn, annotator=annotator)
    return {(r.sentence_id, r.task, r.target, r.value or "") for r in rows}


def text_of(db: Store, sentence_id: int) -> str:
    with db.read() as conn:
        record = texts_sql.get_sentence(conn, sentence_id)
    assert record is not None
    return record.text


def label_three_sentences_with_keys(page: Page) -> None:
    press(page, "1", decided(page, "Elon Musk: Mendukung"))
    press(page, "2", decided(page, "Donald Trump: Menentang"))
    press(page, "2", decided(page, "Bias: Tidak bias"))
    next_sentence(page)
    press(page, "3", decided(page, "Elon Musk: Netral"))
    next_sentence(page)
    press(page, "ArrowDown", decided(page, "Elon Musk: —"))  # past Musk, onto X
    press(page, "1", decided(page, "→ X: Mendukung"))
    next_sentence(page)


def time_saves(page: Page, count: int, first_decision: Callable[[], Locator]) -> list[float]:
    """Decide the focused task with "1", then time Enter until the next sentence shows."""
    took = []
    for _ in range(count):
        press(page, "1", first_decision())
        took.append(next_sentence(page))
    return took


def test_keys_alone_label_sentences_that_survive_a_reload_and_going_back(
    page: Page, server: Server, db: Store, record_property: Callable[[str, object], None]
) -> None:
    open_annotate(page, server, NAME)
    assert shown(page) == text_of(db, 1)

    label_three_sentences_with_keys(page)
    assert stored(db, NAME) == {
        (1, "stance", "Elon Musk", "favor"),
        (1, "stance", "Donald Trump", "against"),
        (1, "bias", "", "not-biased"),
        (2, "stance", "Elon Musk", "neutral"),
        (3, "stance", "X", "favor"),
    }
    assert shown(page) == text_of(db, 4)

    next_sentence(page, "ArrowLeft")
    assert shown(page) == text_of(db, 3)
    expect(decided(page, "→ X: Mendukung")).to_be_visible()

    page.reload()
    assert re.search(rf"annotator={NAME}&sentence=3$", page.url)
    expect(page.locator(SENTENCE)).to_have_text(text_of(db, 3))
    expect(decided(page, "→ X: Mendukung")).to_be_visible()
    wait_idle(page)

    next_sentence(page, "ArrowLeft")
    assert shown(page) == text_of(db, 2)
    assert is_selected(page, "Netral")
    assert not is_selected(page, "Mendukung")

    next_sentence(page, "ArrowRight")  # skip: on to the first sentence not labelled yet
    assert shown(page) == text_of(db, 4)
    # "1" decides the first task: a stance moves the focus on (its summary shows the value);
    # "biased" asks for cue words and keeps the focus (its button shows as selected).
    moved_on = page.locator('[data-testid="stBaseButton-tertiary"]').first.filter(
        has_text=re.compile(r": Mendukung$")
    )
    kept = page.locator('[data-testid="stBaseButton-primary"]').filter(
        has_text=re.compile(r"^Bias")
    )
    took = time_saves(page, SAVES_TO_TIME, lambda: moved_on.or_(kept))
    assert len(stored(db, NAME)) == 5 + SAVES_TO_TIME
    median, spread = statistics.median(took), (min(took), max(took))
    record_property("enter_to_next_sentence_ms_median", round(median * 1000))
    print(
        f"\nEnter → next sentence over {len(took)} saves: median {median * 1000:.0f} ms, "
        f"min {spread[0] * 1000:.0f} ms, max {spread[1] * 1000:.0f} ms"
    )


def test_a_first_visit_straight_to_annotate_goes_through_the_router(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.url}/annotate?annotator=e2e-router", timeout=30_000)
    page.locator(SENTENCE).wait_for(timeout=30_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text("Annotator:")).to_be_visible()
    links = sidebar.locator('[data-testid="stSidebarNavLink"]')
    expect(links).to_have_text(
        ["Home", "Import", "Annotate", "Adjudicate", "Agreement", "Compare", "Model", "Export"]
    )
