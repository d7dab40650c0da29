"""Adjudication: the queue of disagreements without adjudicated keys, gold
picked or set by a curator only, undone by the usual undo, and preferred to
the majority when training."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from annotator import adjudication, team, training
from annotator import annotations as ann
from annotator.accounts import PermissionDenied, Role, User
from annotator.adjudication import GOLD_ANNOTATOR, GOLD_SOURCE
from annotator.agreement import load_labels
from annotator.annotations import Choice, Decision, InvalidLabel
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage.schema import revisions

CURATOR = User(name="cici", role=Role.CURATOR)
ANNOTATOR = User(name="ani", role=Role.ANNOTATOR)


def say(store: Store, labelset: LabelSet, who: str, sentence: int, *decisions: Decision) -> None:
    ann.save(store, sentence_id=sentence, annotator=who, decisions=decisions, labelset=labelset)


def bias(value: str) -> Decision:
    return Decision("bias", "", (Choice(value),))


def gold(store: Store) -> set[tuple[int, str, str, str | None]]:
    with store.read() as conn:
        rows = labels_sql.current_labels(conn, annotator=GOLD_ANNOTATOR)
    return {(r.sentence_id, r.task, r.target, r.value) for r in rows}


def keys(queue: pd.DataFrame) -> list[tuple[int, str, str]]:
    return list(zip(queue["sentence_id"], queue["task"], queue["target"], strict=True))


@pytest.fixture
def disagreeing(store: Store, labelset: LabelSet) -> Store:
    """Sentence 2: two annotators differ on bias (0.5 contested); sentence 1:
    three annotators, two against one (0.33); sentence 3: all agree."""
    say(store, labelset, "ani", 1, bias("biased"))
    say(store, labelset, "budi", 1, bias("not-biased"))
    say(store, labelset, "cahya", 1, bias("biased"))
    say(
        store,
        labelset,
        "ani",
        2,
        bias("biased"),
        Decision("stance", "Elon Musk", (Choice("favor"),)),
    )
    say(
        store,
        labelset,
        "budi",
        2,
        bias("not-biased"),
        Decision("stance", "Elon Musk", (Choice("against"),)),
    )
    say(store, labelset, "ani", 3, bias("biased"))
    say(store, labelset, "budi", 3, bias("biased"))
    return store


def test_the_queue_puts_the_most_contested_first_and_leaves_agreement_out(
    disagreeing: Store,
) -> None:
    queue = adjudication.queue(disagreeing, CURATOR)
    assert keys(queue) == [(2, "bias", ""), (2, "stance", "Elon Musk"), (1, "bias", "")]
    assert list(queue["contested"].round(2)) == [0.5, 0.5, 0.33]
    assert queue.loc[2, "labels"] == {
        "ani": ("biased",),
        "budi": ("not-biased",),
        "cahya": ("biased",),
    }
    assert all(isinstance(t, str) and t for t in queue["text"])
    assert keys(adjudication.queue(disagreeing, CURATOR, task="stance")) == [
        (2, "stance", "Elon Musk")
    ]


def test_an_adjudicated_key_leaves_the_queue_but_the_sentences_other_keys_stay(
    disagreeing: Store,
) -> None:
    adjudication.adjudicate(disagreeing, CURATOR, 2, task="bias", values=["not-biased"])
    assert keys(adjudication.queue(disagreeing, CURATOR)) == [
        (2, "stance", "Elon Musk"),
        (1, "bias", ""),
    ]


def test_gold_is_stored_under_gold_in_the_curators_revision_and_agreement_ignores_it(
    disagreeing: Store,
) -> None:
    before = load_labels(disagreeing)
    revision = adjudication.adjudicate(disagreeing, CURATOR, 2, task="bias", values=["not-biased"])
    assert revision is not None
    with disagreeing.read() as conn:
        rows = labels_sql.revision_labels(conn, revision)
        who = conn.execute(select(revisions.c.annotator).where(revisions.c.id == revision)).scalar()
    assert [(r.annotator, r.source, r.value) for r in rows] == [
        (GOLD_ANNOTATOR, GOLD_SOURCE, "not-biased")
    ]
    assert who == "cici"
    assert load_labels(disagreeing).equals(before)
    # The same decision again stores nothing.
    assert (
        adjudication.adjudicate(disagreeing, CURATOR, 2, task="bias", values=["not-biased"]) is None
    )


def test_a_curator_picks_one_annotators_label_cue_spans_included(
    store: Store, labelset: LabelSet
) -> None:
    frames = Decision("frames", "", (Choice("economic", 0, 4), Choice("health")))
    say(store, labelset, "ani", 5, frames)
    say(store, labelset, "budi", 5, Decision("frames", "", (Choice(""),)))
    adjudication.adopt(store, CURATOR, 5, task="frames", annotator="ani")
    assert ann.current_decisions(store, 5, GOLD_ANNOTATOR)[("frames", "")] == frames.normalized()
    adjudication.adopt(store, CURATOR, 5, task="frames", annotator="budi")
    assert gold(store) == {(5, "frames", "", "")}  # none applies
    with pytest.raises(LookupError):
        adjudication.adopt(store, CURATOR, 5, task="bias", annotator="ani")


def test_a_curator_sets_a_value_nobody_chose_and_a_wrong_one_is_refused(
    disagreeing: Store,
) -> None:
    adjudication.adjudicate(
        disagreeing, CURATOR, 2, task="stance", target="Elon Musk", values=["neutral"]
    )
    assert gold(disagreeing) == {(2, "stance", "Elon Musk", "neutral")}
    for task, target, values in [
        ("bias", "", ["sarcastic"]),  # no such value
        ("bias", "", ["biased", "not-biased"]),  # single choice takes one
        ("bias", "", []),
        ("stance", "Nobody", ["favor"]),  # no such target
        ("no-task", "", ["x"]),
    ]:
        with pytest.raises(InvalidLabel):
            adjudication.adjudicate(
                disagreeing, CURATOR, 2, task=task, target=target, values=values
            )
    assert gold(disagreeing) == {(2, "stance", "Elon Musk", "neutral")}


def test_only_curators_and_admins_adjudicate_and_a_refusal_stores_nothing(
    disagreeing: Store,
) -> None:
    for call in (
        lambda: adjudication.queue(disagreeing, ANNOTATOR),
        lambda: adjudication.side_by_side(disagreeing, ANNOTATOR, 2),
        lambda: adjudication.adjudicate(disagreeing, ANNOTATOR, 2, task="bias", values=["biased"]),
        lambda: adjudication.adopt(disagreeing, ANNOTATOR, 2, task="bias", annotator="ani"),
        lambda: adjudication.withdraw(disagreeing, ANNOTATOR, 2, task="bias"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert gold(disagreeing) == set()
    admin = User(name="ada", role=Role.ADMIN)
    adjudication.adjudicate(disagreeing, admin, 2, task="bias", values=["biased"])
    assert gold(disagreeing) == {(2, "bias", "", "biased")}


def test_the_curators_usual_undo_takes_a_decision_back_as_gold(disagreeing: Store) -> None:
    adjudication.adopt(disagreeing, CURATOR, 2, task="bias", annotator="ani")
    adjudication.adopt(disagreeing, CURATOR, 2, task="bias", annotator="budi")
    assert gold(disagreeing) == {(2, "bias", "", "not-biased")}
    undone = team.undo(CURATOR, disagreeing)
    assert undone is not None and undone.sentence_id == 2
    assert gold(disagreeing) == {(2, "bias", "", "biased")}
    team.undo(CURATOR, disagreeing)
    assert gold(disagreeing) == set()
    assert (2, "bias", "") in keys(adjudication.queue(disagreeing, CURATOR))
    # Nothing was ever stored under the curator's own name.
    assert ann.current_decisions(disagreeing, 2, "cici") == {}
    with disagreeing.read() as conn:
        assert not labels_sql.is_labelled(conn, 2, "cici")


def test_withdraw_clears_gold_and_returns_the_key_to_the_queue(disagreeing: Store) -> None:
    adjudication.adjudicate(disagreeing, CURATOR, 1, task="bias", values=["not-biased"])
    assert (1, "bias", "") not in keys(adjudication.queue(disagreeing, CURATOR))
    assert adjudication.withdraw(disagreeing, CURATOR, 1, task="bias") is not None
    assert gold(disagreeing) == set()
    assert (1, "bias", "") in keys(adjudication.queue(disagreeing, CURATOR))
    assert adjudication.withdraw(disagreeing, CURATOR, 1, task="bias") is None


def test_side_by_side_shows_every_annotator_and_gold(disagreeing: Store) -> None:
    adjudication.adjudicate(disagreeing, CURATOR, 2, task="bias", values=["biased"])
    table = adjudication.side_by_side(disagreeing, CURATOR, 2)
    assert list(table.columns) == ["task", "target", "ani", "budi", "gold"]
    rows = {(r.task, r.target): (r.ani, r.budi, r.gold) for r in table.itertuples()}
    assert rows == {
        ("bias", ""): ("biased", "not-biased", "biased"),
        ("stance", "Elon Musk"): ("favor", "against", ""),
    }


# ---------------------------------------------------------------- training


def test_a_gold_label_overrides_the_majority_in_training_data(
    disagreeing: Store, labelset: LabelSet
) -> None:
    def bias_of(sentence: int) -> object:
        data = training.training_data(disagreeing, labelset)["bias"]
        return dict(zip(data.sentence_ids, data.labels, strict=True))[sentence]

    assert bias_of(1) == "biased"  # two of three
    adjudication.adjudicate(disagreeing, CURATOR, 1, task="bias", values=["not-biased"])
    assert bias_of(1) == "not-biased"
    assert bias_of(3) == "biased"  # no gold: still the majority
    adjudication.withdraw(disagreeing, CURATOR, 1, task="bias")
    assert bias_of(1) == "biased"


def test_a_gold_none_applies_overrides_frames_the_majority_chose(
    store: Store, labelset: LabelSet
) -> None:
    for who in ("ani", "budi", "cahya"):
        say(store, labelset, who, 4, Decision("frames", "", (Choice("economic"),)))
    frames = training.training_data(store, labelset)["frames"]
    assert frames.labels == [frozenset({"economic"})]
    adjudication.adjudicate(store, CURATOR, 4, task="frames", values=[])
    frames = training.training_data(store, labelset)["frames"]
    assert (frames.sentence_ids, frames.labels) == ([4], [frozenset()])


def test_a_store_without_disagreement_has_an_empty_queue(store: Store) -> None:
    queue = adjudication.queue(store, CURATOR)
    assert queue.empty and list(queue.columns) == list(adjudication.QUEUE_COLUMNS)
    assert adjudication.side_by_side(store, CURATOR, 1).empty


# ---------------------------------------------------------------- one sentence


def test_sentence_items_offer_a_key_only_one_annotator_labelled_then_the_rest(
    store: Store, labelset: LabelSet
) -> None:
    say(store, labelset, "ani", 4, Decision("stance", "Joe Biden", (Choice("against"),)))
    say(store, labelset, "budi", 4, Decision("frames", "", (Choice(""),)))  # none applies
    items = adjudication.sentence_items(store, CURATOR, 4)
    assert list(items.columns) == list(adjudication.ITEM_COLUMNS)
    first = [(r.task, r.target, r.labels, r.gold) for r in items.head(2).itertuples()]
    assert first == [
        ("stance", "Joe Biden", {"ani": ("against",)}, None),
        ("frames", "", {"budi": ()}, None),
    ]
    rest = set(zip(items["task"][2:], items["target"][2:], strict=True))
    stance = labelset.task("stance")
    assert stance is not None
    assert rest == {
        (t.name, "") for t in labelset.tasks if t.kind != "stance" and t.name != "frames"
    } | {("stance", t.name) for t in stance.targets if t.name != "Joe Biden"}
    assert set(items["sentence_id"]) == {4} and items["text"].nunique() == 1
    adjudication.adjudicate(store, CURATOR, 4, task="stance", target="Joe Biden", values=["favor"])
    decided = adjudication.sentence_items(store, CURATOR, 4).iloc[0]
    assert (decided["labels"], decided["gold"]) == ({"ani": ("against",)}, ("favor",))


def test_sentence_items_of_an_unknown_sentence_and_for_an_annotator(store: Store) -> None:
    with pytest.raises(LookupError):
        adjudication.sentence_items(store, CURATOR, 10_000)
    with pytest.raises(PermissionDenied):
        adjudication.sentence_items(store, ANNOTATOR, 1)
    assert adjudication.sentence_items(store, CURATOR, 1)["labels"].map(len).sum() == 0
