"""Paste an article, label one of its sentences, download the labels as CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from annotator.storage import Store
from annotator.storage import texts as texts_sql
from tests.e2e.conftest import FIRST_RENDER_MS, SENTENCE, Server, wait_idle

pytestmark = pytest.mark.e2e

NAME = "e2e-io"
OUTLET = "Tempo E2E"
ARTICLE = (
    "ADVERTISEMENT\n"
    "Elon Musk bertemu menteri di Jakarta pada Selasa pagi untuk membahas Starlink. "
    "Pertemuan itu berlangsung tertutup selama dua jam.\n"
)


def import_pasted_article(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/import?annotator={NAME}", timeout=FIRST_RENDER_MS)
    page.get_by_label("Outlet").fill(OUTLET)
    pasted = page.get_by_label("…or paste one article")
    pasted.fill(ARTICLE)  # focus leaving the outlet input commits it
    pasted.press("Control+Enter")  # commits the text area
    page.get_by_text("Preview: 1 document(s), 2 sentence(s)").wait_for()
    page.get_by_text(f"{OUTLET} · (no headline) · 2 sentences").wait_for()
    page.get_by_role("button", name="Import 1 document(s)").click()
    page.get_by_text("Imported 1 document(s), 2 sentence(s).").wait_for()


def imported_sentences(db: Store) -> list[texts_sql.SentenceRecord]:
    with db.read() as conn:
        (doc,) = [d for d in texts_sql.list_documents(conn) if d.outlet == OUTLET]
        return texts_sql.sentences_of(conn, doc.id)


def label_against_musk(page: Page, server: Server, sentence_id: int, text: str) -> None:
    page.goto(f"{server.url}/annotate?annotator={NAME}&sentence={sentence_id}")
    expect(page.locator(SENTENCE)).to_have_text(text)
    wait_idle(page)
    page.keyboard.press("2")
    page.get_by_role("button", name=re.compile(r"Elon Musk: Menentang$")).wait_for()
    wait_idle(page)
    page.keyboard.press("Enter")
    expect(page.locator(SENTENCE)).not_to_have_text(text)


def download_csv(page: Page, server: Server) -> list[dict[str, str]]:
    page.goto(f"{server.url}/export")
    button = page.get_by_role("button", name="Download .csv")
    with page.expect_download() as download:
        button.click()
    data = download.value.path().read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(data)))


def test_a_pasted_article_can_be_labelled_and_downloaded_as_csv(
    page: Page, server: Server, db: Store
) -> None:
    import_pasted_article(page, server)
    first, second = imported_sentences(db)
    assert first.text.startswith("Elon Musk bertemu menteri")

    label_against_musk(page, server, first.id, first.text)

    rows = [r for r in download_csv(page, server) if r["annotator"] == NAME]
    assert [(r["task"], r["target"], r["value"], r["outlet"], r["text"]) for r in rows] == [
        ("stance", "Elon Musk", "against", OUTLET, first.text)
    ]
    assert second.text not in {r["text"] for r in rows}
