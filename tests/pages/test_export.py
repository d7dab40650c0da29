"""Export: the preview matches the stored labels; saving writes a file and its data card."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from annotator import annotations as ann
from annotator.annotations import Choice, Decision
from annotator.exchange import FORMATS
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from tests.pages.conftest import BuildApp

PAGE = "pages/export.py"


def save_labels(store: Store, labelset: LabelSet) -> None:
    """Five label rows on two sentences by two annotators."""
    one = [
        Decision("bias", "", (Choice("biased", 0, 9),)),
        Decision("opinion", "", (Choice("factual"),)),
    ]
    two = [Decision("frames", "", (Choice("economic"), Choice("capacity")))]
    ann.save(store, sentence_id=1, annotator="ana", decisions=one, labelset=labelset)
    ann.save(store, sentence_id=2, annotator="budi", decisions=two, labelset=labelset)
    ann.save(store, sentence_id=1, annotator="budi", decisions=one[1:], labelset=labelset)


def preview(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def label_count(store: Store) -> int:
    with store.read() as conn:
        return labels_sql.annotation_count(conn)


def test_export_page_runs_and_offers_the_file_and_its_card(app: BuildApp) -> None:
    at = app(PAGE)
    assert not at.exception
    assert [b.key for b in at.download_button] == ["export.download", "export.card"]
    assert len(preview(at)) == 0


def test_the_preview_has_one_row_per_stored_label(
    app: BuildApp, store: Store, labelset: LabelSet
) -> None:
    save_labels(store, labelset)
    frame = preview(app(PAGE))
    assert len(frame) == label_count(store) == 5
    assert set(zip(frame["annotator"], frame["task"], frame["value"], strict=True)) == {
        ("ana", "bias", "biased"),
        ("ana", "opinion", "factual"),
        ("budi", "frames", "economic"),
        ("budi", "frames", "capacity"),
        ("budi", "opinion", "factual"),
    }


def test_a_label_saved_after_opening_the_page_shows_on_the_next_run(
    app: BuildApp, store: Store, labelset: LabelSet
) -> None:
    at = app(PAGE)
    save_labels(store, labelset)
    assert len(preview(at.run())) == 5


def test_unlabelled_sentences_can_be_included_as_rows_of_their_own(
    app: BuildApp, store: Store, labelset: LabelSet
) -> None:
    save_labels(store, labelset)
    at = app(PAGE)
    at.checkbox(key="export.unlabelled").check().run()
    frame = preview(at)
    assert len(frame) == 5 + (58 - 2)
    assert (frame["task"] == "").sum() == 58 - 2


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_save_writes_the_file_and_its_data_card_under_labels_exports(
    app: BuildApp,
    store: Store,
    labelset: LabelSet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    save_labels(store, labelset)
    at = app(PAGE)
    at.selectbox(key="export.format").select(fmt).run()
    at.button(key="export.save").click().run()
    assert not at.exception
    (written,) = (tmp_path / "labels" / "exports").glob(f"*/default{FORMATS[fmt].extension}")
    card = written.with_name("default.card.md")
    assert "Wrote 5 row(s)" in at.success[0].value
    card_text = card.read_text(encoding="utf-8")
    assert card_text.startswith("# Data card: default")
    assert f"- Format: {fmt}" in card_text
    frame, problems = FORMATS[fmt].read(written)
    assert not [p for p in problems if p.severity == "error"]
    assert set(frame["annotator"]) == {"ana", "budi"}
