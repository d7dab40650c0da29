"""Saving decisions, validation against the label set, undo, draft editing."""

from __future__ import annotations

import pytest

from annotator import annotations as ann
from annotator.annotations import Choice, Decision, InvalidLabel
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import labels as labels_sql


def _save(
    store: Store, labelset: LabelSet, sentence_id: int, *decisions: Decision, who: str = "ani"
) -> int | None:
    return ann.save(
        store, sentence_id=sentence_id, annotator=who, decisions=decisions, labelset=labelset
    )


def _stance(value: str, target: str = "Elon Musk") -> Decision:
    return Decision("stance", target, (Choice(value),))


def test_a_save_stores_rows_with_version_and_source(store: Store, labelset: LabelSet) -> None:
    revision = _save(
        store,
        labelset,
        1,
        _stance("against"),
        Decision("frames", "", (Choice("economic"), Choice("political"))),
    )
    assert revision is not None
    with store.read() as conn:
        rows = labels_sql.revision_labels(conn, revision)
    assert sorted((r.task, r.target, r.value) for r in rows) == [
        ("frames", "", "economic"),
        ("frames", "", "political"),
        ("stance", "Elon Musk", "against"),
    ]
    assert {(r.label_set, r.label_set_version, r.source, r.annotator) for r in rows} == {
        ("default", labelset.version, "human", "ani")
    }


def test_saving_the_same_state_again_writes_nothing(store: Store, labelset: LabelSet) -> None:
    assert _save(store, labelset, 1, _stance("favor")) is not None
    assert _save(store, labelset, 1, _stance("favor")) is None
    with store.read() as conn:
        assert labels_sql.annotation_count(conn) == 1


def test_only_changed_decisions_are_written(store: Store, labelset: LabelSet) -> None:
    _save(store, labelset, 1, _stance("favor"), Decision("bias", "", (Choice("biased"),)))
    revision = _save(
        store, labelset, 1, _stance("favor"), Decision("bias", "", (Choice("not-biased"),))
    )
    with store.read() as conn:
        assert [r.task for r in labels_sql.revision_labels(conn, revision)] == ["bias"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (Decision("tone", "", (Choice("pro"),)), "unknown task"),
        (Decision("stance", "Nobody", (Choice("favor"),)), "no target"),
        (Decision("bias", "Elon Musk", (Choice("biased"),)), "takes no target"),
        (Decision("bias", "", (Choice("biased"), Choice("not-biased"))), "takes one value"),
        (Decision("bias", "", (Choice(""),)), "needs a value"),
        (Decision("frames", "", (Choice(""), Choice("economic"))), "cannot be combined"),
        (Decision("frames", "", (Choice("sports"),)), "has no value"),
        (Decision("frames", "", (Choice("economic", 5, 500),)), "outside the sentence"),
        (Decision("frames", "", (Choice("economic", 5, None),)), "both a start and an end"),
    ],
)
def test_invalid_decisions_are_refused_and_nothing_is_stored(
    store: Store, labelset: LabelSet, decision: Decision, message: str
) -> None:
    with pytest.raises(InvalidLabel, match=message):
        _save(store, labelset, 1, _stance("favor"), decision)
    with store.read() as conn:
        assert labels_sql.annotation_count(conn) == 0


def test_none_applies_is_a_stored_label(store: Store, labelset: LabelSet) -> None:
    _save(store, labelset, 2, Decision("frames", "", (Choice(""),)))
    assert ann.current_decisions(store, 2, "ani") == {
        ("frames", ""): Decision("frames", "", (Choice(""),))
    }
    with store.read() as conn:
        assert labels_sql.is_labelled(conn, 2, "ani")


def test_cue_spans_are_stored_per_value(store: Store, labelset: LabelSet) -> None:
    decision = Decision("bias", "", (Choice("biased", 0, 9), Choice("biased", 20, 30)))
    _save(store, labelset, 1, decision)
    assert ann.current_decisions(store, 1, "ani")[("bias", "")] == decision.normalized()


def test_undo_restores_the_previous_state_and_keeps_history(
    store: Store, labelset: LabelSet
) -> None:
    _save(store, labelset, 1, _stance("favor"))
    _save(store, labelset, 1, _stance("against"))
    undone = ann.undo(store, "ani")
    assert undone is not None and undone.sentence_id == 1
    assert ann.current_decisions(store, 1, "ani") == {("stance", "Elon Musk"): _stance("favor")}
    assert [lab.value for lab in ann.history(store, 1)] == ["favor", "against", "favor"]


def test_undo_twice_goes_back_two_saves_then_stops(store: Store, labelset: LabelSet) -> None:
    _save(store, labelset, 1, _stance("favor"))
    _save(store, labelset, 2, _stance("against"))
    assert ann.undo(store, "ani").sentence_id == 2  # type: ignore[union-attr]
    assert ann.undo(store, "ani").sentence_id == 1  # type: ignore[union-attr]
    assert ann.undo(store, "ani") is None
    with store.read() as conn:
        assert labels_sql.progress_count(conn, "ani") == 0
        assert labels_sql.current_labels(conn) == []


def test_undo_touches_only_the_annotators_own_saves(store: Store, labelset: LabelSet) -> None:
    _save(store, labelset, 1, _stance("favor"), who="budi")
    assert ann.undo(store, "ani") is None
    assert ann.decisions_by_annotator(store, 1) == {
        "budi": {("stance", "Elon Musk"): _stance("favor")}
    }


def test_choose_sets_toggles_and_excludes(labelset: LabelSet) -> None:
    stance, frames = labelset.task("stance"), labelset.task("frames")
    assert stance is not None and frames is not None
    empty = Decision("stance", "X")
    assert ann.choose(empty, stance, "favor").values == ("favor",)
    assert ann.choose(ann.choose(empty, stance, "favor"), stance, "favor").values == ()
    assert ann.choose(ann.choose(empty, stance, "favor"), stance, "against").values == ("against",)
    f = ann.choose(ann.choose(Decision("frames"), frames, "economic"), frames, "political")
    assert f.values == ("economic", "political")
    assert ann.choose(f, frames, "").values == ("",)
    assert ann.choose(ann.choose(f, frames, ""), frames, "health").values == ("health",)
    assert ann.choose(f, frames, "economic").values == ("political",)


def test_with_cues_replaces_the_spans_of_one_value() -> None:
    decision = Decision("frames", "", (Choice("economic"), Choice("political", 0, 3)))
    updated = ann.with_cues(decision, "economic", [(4, 9), (12, 15)])
    assert updated.choices == (
        Choice("economic", 4, 9),
        Choice("economic", 12, 15),
        Choice("political", 0, 3),
    )
    assert ann.with_cues(updated, "economic", []).choices == (
        Choice("economic"),
        Choice("political", 0, 3),
    )
    assert ann.with_cues(decision, "health", [(0, 1)]) == decision


def test_decision_keys_ask_stance_for_mentioned_and_added_targets(labelset: LabelSet) -> None:
    text = "Musk memuji Trump di X."
    keys = ann.decision_keys(labelset, text, extra_targets=["Kamala Harris"])
    assert keys == [
        ("stance", "Elon Musk"),
        ("stance", "Donald Trump"),
        ("stance", "X"),
        ("stance", "Kamala Harris"),
        ("bias", ""),
        ("opinion", ""),
        ("frames", ""),
    ]
    assert ann.decision_keys(labelset, text, tasks=["frames"]) == [("frames", "")]
