"""Assignment: the overlap setting and each annotator's progress."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from annotator import accounts, assignment
from annotator import annotations as ann
from annotator.annotations import Choice, Decision
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage.schema import settings
from tests.people import PASSWORD, cheap_hashing


def _label(
    store: Store, labelset: LabelSet, who: str, sentence_id: int, value: str = "biased"
) -> None:
    decision = Decision("bias", "", (Choice(value),) if value else ())
    ann.save(store, sentence_id=sentence_id, annotator=who, decisions=[decision], labelset=labelset)


def test_the_overlap_is_a_shared_setting_in_the_database(store: Store) -> None:
    assert assignment.overlap(store) is None
    assignment.set_overlap(store, 3)
    with store.read() as conn:
        stored = conn.scalar(select(settings.c.value).where(settings.c.key == assignment.OVERLAP))
    assert stored == 3
    assert assignment.overlap(store) == 3
    with pytest.raises(ValueError):
        assignment.set_overlap(store, -1)


def test_progress_counts_labelled_sentences_and_the_last_save_per_annotator(
    store: Store, labelset: LabelSet
) -> None:
    started = datetime.now(UTC)
    for sid in (1, 2, 3):
        _label(store, labelset, "ani", sid)
    _label(store, labelset, "budi", 1)
    _label(store, labelset, "budi", 2)
    _label(store, labelset, "budi", 2, value="")  # cleared again: no longer labelled
    _label(store, labelset, "gold", 1)  # an adjudication, not an annotator
    rows = assignment.progress(store)
    assert [(p.annotator, p.labelled) for p in rows] == [("ani", 3), ("budi", 1)]
    assert all(p.last_active is not None and p.last_active >= started for p in rows)
    assert list(assignment.progress_rows(store)[0]) == list(assignment.PROGRESS_COLUMNS)


def test_in_team_mode_every_enabled_account_is_listed_from_zero(
    store: Store, labelset: LabelSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    cheap_hashing(monkeypatch)
    for name in ("ada", "cici", "eko"):
        accounts.add_user(
            store, name, role="curator" if name != "ada" else "admin", password=PASSWORD
        )
    accounts.disable(store, "eko")
    _label(store, labelset, "cici", 5)
    rows = {p.annotator: (p.labelled, p.last_active is None) for p in assignment.progress(store)}
    assert rows == {"ada": (0, True), "cici": (1, False)}
