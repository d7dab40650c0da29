"""The annotate page's state machine, driven with a plain dict as session state."""

from __future__ import annotations

from typing import Any

from annotator import annotations as ann
from annotator.labelsets import LabelSet
from annotator.session import AnnotateSession
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import models as models_sql


def _session(
    store: Store, labelset: LabelSet, state: dict[str, Any] | None = None, **kw: Any
) -> AnnotateSession:
    session = AnnotateSession(
        {} if state is None else state, store=store, labelset=labelset, annotator="ani", **kw
    )
    session.start()
    return session


def test_keys_then_save_store_the_labels_and_move_on(store: Store, labelset: LabelSet) -> None:
    session = _session(store, labelset)
    view = session.view()
    assert view is not None and view.sentence.id == 1
    assert view.keys[0] == ("stance", "Elon Musk")
    session.press(("stance", "Elon Musk"), "neutral")
    assert session.view().focus == 1  # type: ignore[union-attr]  # a single decision moves the focus on
    session.press(("frames", ""), "cyber-attack")
    session.save()
    assert session.sentence_id == 2
    stored = ann.current_decisions(store, 1, "ani")
    assert {k: d.values for k, d in stored.items()} == {
        ("stance", "Elon Musk"): ("neutral",),
        ("frames", ""): ("cyber-attack",),
    }


def test_a_new_session_resumes_from_the_database(store: Store, labelset: LabelSet) -> None:
    first = _session(store, labelset)
    first.view()
    first.press(("bias", ""), "biased")
    first.save()
    again = _session(store, labelset, {"annotate.sentence_id": 1})
    view = again.view()
    assert view is not None
    assert again.draft[("bias", "")].values == ("biased",)
    assert _session(store, labelset).sentence_id == 2  # the queue skips what is labelled


def test_skip_keeps_nothing_and_previous_returns(store: Store, labelset: LabelSet) -> None:
    session = _session(store, labelset)
    session.view()
    session.press(("bias", ""), "biased")
    session.next()
    assert session.sentence_id == 2
    session.previous()
    assert session.sentence_id == 1
    session.view()
    assert session.draft[("bias", "")].values == ()
    with store.read() as conn:
        assert labels_sql.annotation_count(conn) == 0


def test_cue_words_become_spans(store: Store, labelset: LabelSet) -> None:
    session = _session(store, labelset)
    view = session.view()
    assert view is not None
    session.press(("bias", ""), "biased")
    words = [w.text for w in view.words]
    start = words.index("dirusak")
    session.set_cues(("bias", ""), "biased", [start, start + 1, start + 2])
    session.save()
    (decision,) = [
        d for k, d in ann.current_decisions(store, 1, "ani").items() if k == ("bias", "")
    ]
    (choice,) = decision.choices
    assert view.sentence.text[choice.span_start : choice.span_end] == "dirusak oleh masalah"  # type: ignore[misc]


def test_undo_goes_back_to_the_sentence_with_its_earlier_state(
    store: Store, labelset: LabelSet
) -> None:
    session = _session(store, labelset)
    session.view()
    session.press(("bias", ""), "biased")
    session.save()
    session.undo()
    assert session.sentence_id == 1
    assert "Undone" in session.take_message()
    session.view()
    assert session.draft[("bias", "")].values == ()


def test_a_refused_save_keeps_the_sentence_and_says_why(store: Store, labelset: LabelSet) -> None:
    session = _session(store, labelset)
    session.view()
    session.draft[("bias", "")] = ann.Decision("bias", "", (ann.Choice("biased", 0, 9999),))
    session.save()
    assert session.sentence_id == 1
    assert "outside the sentence" in session.take_message()


def test_only_the_decisions_the_page_asks_are_saved(store: Store, labelset: LabelSet) -> None:
    session = _session(store, labelset, tasks=["bias"])
    session.view()
    session.draft[("opinion", "")] = ann.Decision("opinion", "", (ann.Choice("factual"),))
    session.press(("bias", ""), "not-biased")
    session.save()
    assert set(ann.current_decisions(store, 1, "ani")) == {("bias", "")}


def test_an_added_target_is_asked_and_kept(store: Store, labelset: LabelSet) -> None:
    session = _session(store, labelset)
    session.add_target("Kamala Harris")
    view = session.view()
    assert view is not None and ("stance", "Kamala Harris") in view.keys
    session.press(("stance", "Kamala Harris"), "against")
    session.save()
    session.previous()
    assert ("stance", "Kamala Harris") in session.view().keys  # type: ignore[union-attr]


def test_when_everything_is_labelled_the_view_is_empty(store: Store, labelset: LabelSet) -> None:
    session = _session(store, labelset, tasks=["bias"])
    for _ in range(58):
        session.view()
        session.press(("bias", ""), "not-biased")
        session.save()
    assert session.sentence_id is None
    assert session.view() is None


def test_a_value_that_asks_for_cue_words_keeps_the_focus(store: Store, labelset: LabelSet) -> None:
    session = _session(store, labelset, tasks=["bias", "opinion"])
    session.view()
    session.press(("bias", ""), "biased")  # asks for its cue phrase
    assert session.view().focus == 0  # type: ignore[union-attr]
    session.press(("bias", ""), "not-biased")
    assert session.view().focus == 1  # type: ignore[union-attr]


def _predict(store: Store, rows: list[tuple[int, str, str, str, float]]) -> int:
    with store.write() as conn:
        vid = models_sql.start_version(
            conn, label_set="default", label_set_version=1, created_by="m"
        )
        models_sql.finish_version(conn, vid, data=b"x", card={})
        models_sql.set_active(conn, vid)
        scores = [(sid, 0.1, 0.1, 0.1) for sid in sorted({r[0] for r in rows})]
        models_sql.replace_predictions(conn, vid, rows, scores)
    return vid


def test_the_active_models_guesses_prefill_and_enter_accepts_them(
    store: Store, labelset: LabelSet
) -> None:
    vid = _predict(
        store, [(1, "bias", "", "biased", 0.91), (1, "stance", "Elon Musk", "against", 0.6)]
    )
    session = _session(store, labelset)
    view = session.view()
    assert view is not None
    assert view.suggested[("bias", "")].confidence == 0.91
    assert session.draft[("stance", "Elon Musk")].values == ("against",)
    session.save()
    stored = ann.current_decisions(store, 1, "ani")
    assert {k: d.values for k, d in stored.items()} == {
        ("bias", ""): ("biased",),
        ("stance", "Elon Musk"): ("against",),
    }
    with store.read() as conn:
        revision = labels_sql.revision_info(
            conn, labels_sql.current_labels(conn, sentence_id=1)[0].revision_id
        )
    assert revision is not None and (revision.model_version_id, revision.suggestion) == (
        vid,
        "accepted",
    )


def test_a_changed_guess_is_stored_as_corrected(store: Store, labelset: LabelSet) -> None:
    _predict(store, [(1, "bias", "", "biased", 0.91)])
    session = _session(store, labelset)
    session.view()
    session.press(("bias", ""), "not-biased")
    session.save()
    with store.read() as conn:
        (label,) = labels_sql.current_labels(conn, sentence_id=1)
        revision = labels_sql.revision_info(conn, label.revision_id)
    assert (label.value, revision.suggestion) == ("not-biased", "corrected")  # type: ignore[union-attr]


def test_stored_labels_win_over_guesses(store: Store, labelset: LabelSet) -> None:
    ann.save(
        store,
        sentence_id=1,
        annotator="ani",
        decisions=[ann.Decision("bias", "", (ann.Choice("not-biased"),))],
        labelset=labelset,
    )
    _predict(store, [(1, "bias", "", "biased", 0.91)])
    session = _session(store, labelset, {"annotate.sentence_id": 1})
    view = session.view()
    assert session.draft[("bias", "")].values == ("not-biased",)
    assert view is not None and ("bias", "") not in view.suggested
