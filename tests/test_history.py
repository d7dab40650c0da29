"""History per sentence: every change with who, when, old and new value and
source; undo and adjudication show as changes; curators see everyone's,
annotators only their own."""

from __future__ import annotations

import pytest

from annotator import adjudication, history
from annotator import annotations as ann
from annotator.accounts import PermissionDenied, Role, User
from annotator.annotations import Choice, Decision
from annotator.history import NO_LABEL, NONE_APPLIES_TEXT
from annotator.labelsets import LabelSet
from annotator.storage import Store

CURATOR = User(name="cici", role=Role.CURATOR)


def say(store: Store, labelset: LabelSet, who: str, *decisions: Decision) -> None:
    ann.save(store, sentence_id=1, annotator=who, decisions=decisions, labelset=labelset)


def one(task: str, value: str, target: str = "") -> Decision:
    return Decision(task, target, (Choice(value),))


Row = tuple[str, str, str, str, object, object, str, object]


def plain(changes: list[history.Change]) -> list[Row]:
    return [
        (c.who, c.annotator, c.task, c.target, c.old, c.new, c.source, c.undoes) for c in changes
    ]


@pytest.fixture
def edited(store: Store, labelset: LabelSet) -> Store:
    say(store, labelset, "ani", one("bias", "biased"), one("stance", "favor", "Elon Musk"))
    say(store, labelset, "ani", one("bias", "not-biased"))
    say(store, labelset, "budi", one("bias", "biased"), Decision("frames", "", (Choice(""),)))
    adjudication.adjudicate(store, CURATOR, 1, task="bias", values=["biased"])
    ann.undo(store, "ani")  # back to "biased"
    return store


def test_every_change_is_listed_oldest_first_with_who_old_new_and_source(edited: Store) -> None:
    changes = history.sentence_history(edited, CURATOR, 1)
    first_save = changes[1].revision_id
    assert plain(changes) == [
        ("ani", "ani", "bias", "", None, ("biased",), "human", None),
        ("ani", "ani", "stance", "Elon Musk", None, ("favor",), "human", None),
        ("ani", "ani", "bias", "", ("biased",), ("not-biased",), "human", None),
        ("budi", "budi", "bias", "", None, ("biased",), "human", None),
        ("budi", "budi", "frames", "", None, ("",), "human", None),
        ("cici", "gold", "bias", "", None, ("biased",), "adjudicated", None),
        ("ani", "ani", "bias", "", ("not-biased",), ("biased",), "human", changes[2].revision_id),
    ]
    assert first_save == changes[0].revision_id  # one save, two keys: one revision
    times = [c.when for c in changes]
    assert times == sorted(times)


def test_an_annotator_sees_only_the_history_of_their_own_labels(edited: Store) -> None:
    mine = history.sentence_history(edited, User(name="budi", role=Role.ANNOTATOR), 1)
    assert {(c.who, c.annotator) for c in mine} == {("budi", "budi")}
    assert len(mine) == 2
    with pytest.raises(PermissionDenied):
        history.sentence_history(edited, User(name="x", role=Role.ANNOTATOR, disabled=True), 1)


def test_a_cleared_label_shows_as_no_label_and_gold_withdrawn_too(
    store: Store, labelset: LabelSet
) -> None:
    say(store, labelset, "ani", one("bias", "biased"))
    say(store, labelset, "ani", Decision("bias", ""))
    adjudication.adjudicate(store, CURATOR, 1, task="bias", values=["not-biased"])
    adjudication.withdraw(store, CURATOR, 1, task="bias")
    table = history.history_frame(history.sentence_history(store, CURATOR, 1))
    assert list(table.columns) == list(history.HISTORY_COLUMNS)
    rows = table[["who", "annotator", "old", "new", "source"]].values.tolist()
    assert rows == [  # newest first
        ["cici", "gold", "not-biased", NO_LABEL, "adjudicated"],
        ["cici", "gold", NO_LABEL, "not-biased", "adjudicated"],
        ["ani", "ani", "biased", NO_LABEL, "human"],
        ["ani", "ani", NO_LABEL, "biased", "human"],
    ]


def test_values_read_as_one_line() -> None:
    assert history.values_text(None) == NO_LABEL
    assert history.values_text(("",)) == NONE_APPLIES_TEXT
    assert history.values_text(("economic", "health")) == "economic, health"


def test_a_sentence_without_labels_has_no_history(store: Store) -> None:
    assert history.sentence_history(store, CURATOR, 2) == []
    assert history.history_frame([]).empty
