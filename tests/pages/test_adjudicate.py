"""The Adjudicate page: a curator sees the most contested key first with
everyone's labels, picks one or sets another value by widget key, undoes;
opens any sentence by its address (``?sentence=``), one annotator's label
enough; walks the label-error suspects of generated data. The gold label is
checked in the database. Annotators are refused."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from annotator import annotations as ann
from annotator import labelsets, suspects
from annotator.accounts import Role, User
from annotator.adjudication import GOLD_ANNOTATOR, GOLD_SOURCE
from annotator.annotations import Choice, Decision
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage.schema import revisions
from tests.pages.conftest import APP, BuildApp
from tests.people import add_people, cheap_hashing
from tests.test_suspects import biased_corpus

PAGE = "pages/adjudicate.py"


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)


def say(store: Store, labelset: LabelSet, who: str, sentence: int, *decisions: Decision) -> None:
    ann.save(store, sentence_id=sentence, annotator=who, decisions=decisions, labelset=labelset)


def one(task: str, value: str, target: str = "") -> Decision:
    return Decision(task, target, (Choice(value),))


@pytest.fixture
def team(store: Store, labelset: LabelSet) -> Store:
    """Accounts, and two annotators who differ on sentence 1's bias (two
    against one) and on sentence 2's stance toward Musk (one against one)."""
    add_people(store)
    say(store, labelset, "ani", 1, one("bias", "biased"))
    say(store, labelset, "budi", 1, one("bias", "not-biased"))
    say(store, labelset, "dewi", 1, one("bias", "biased"))
    say(store, labelset, "ani", 2, one("stance", "favor", "Elon Musk"))
    say(store, labelset, "budi", 2, one("stance", "against", "Elon Musk"))
    return store


def as_user(name: str, **query: str) -> AppTest:
    """``name``'s session on the page (reached as a click in the sidebar would,
    or with ``query`` as a link's address)."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["workbench.user"] = name
    at.query_params.update(query)
    return at.switch_page(PAGE).run()


def gold(store: Store) -> set[tuple[int, str, str, str | None]]:
    with store.read() as conn:
        rows = labels_sql.current_labels(conn, annotator=GOLD_ANNOTATOR)
    return {(r.sentence_id, r.task, r.target, r.value) for r in rows}


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The shown table that has ``column`` (AppTest does not expose a dataframe's key)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def sentence_shown(at: AppTest) -> str:
    return next(c.value for c in at.caption if " of " in c.value and "sentence" in c.value)


def key_shown(at: AppTest) -> str:
    """The caption of the key decided on a sentence opened by its address."""
    return next(c.value for c in at.caption if c.value.startswith("sentence "))


def test_the_most_contested_key_comes_first_with_everyones_labels(
    app: BuildApp, team: Store
) -> None:
    del app  # for its database setting
    at = as_user("cici")
    assert not at.exception
    assert at.metric[0].value == "2"
    assert "sentence 2 · stance → Elon Musk" in sentence_shown(at)
    table = table_with(at, "gold")
    assert table.to_dict("records") == [
        {"task": "stance", "target": "Elon Musk", "ani": "favor", "budi": "against", "gold": ""}
    ]
    labels = sorted(b.label for b in at.button if b.key and b.key.startswith("adjudicate.pick."))
    assert labels == [r"1\: favor \(ani\)", r"2\: against \(budi\)"]


def test_picking_a_label_stores_it_as_gold_and_moves_on(app: BuildApp, team: Store) -> None:
    del app
    at = as_user("cici")
    at.button(key="adjudicate.pick.1").click().run()  # budi's "against"
    assert gold(team) == {(2, "stance", "Elon Musk", "against")}
    assert not at.exception
    assert "sentence 1 · bias" in sentence_shown(at)
    at.button(key="adjudicate.pick.0").click().run()  # "biased", ani and dewi
    assert gold(team) == {(2, "stance", "Elon Musk", "against"), (1, "bias", "", "biased")}
    assert [s.value for s in at.success] == ["No disagreement left to adjudicate."]


def test_setting_another_value_and_undo(app: BuildApp, team: Store) -> None:
    del app
    at = as_user("cici")
    at.selectbox(key="adjudicate.value").set_value("neutral")
    at.button(key="adjudicate.set").click().run()
    assert gold(team) == {(2, "stance", "Elon Musk", "neutral")}
    at.button(key="adjudicate.undo").click().run()
    assert gold(team) == set()
    assert not at.exception and at.metric[0].value == "2"


def test_multi_choice_gold_from_the_multiselect(
    app: BuildApp, team: Store, labelset: LabelSet
) -> None:
    del app
    say(team, labelset, "ani", 3, Decision("frames", "", (Choice("economic"),)))
    say(team, labelset, "budi", 3, Decision("frames", "", (Choice("health"),)))
    at = as_user("ada")  # an admin adjudicates too
    at.selectbox(key="adjudicate.task").set_value("frames").run()
    assert "sentence 3 · frames" in sentence_shown(at)
    at.multiselect(key="adjudicate.values").set_value(["economic", "health"])
    at.button(key="adjudicate.set").click().run()
    assert gold(team) == {(3, "frames", "", "economic"), (3, "frames", "", "health")}


def test_the_history_names_the_curator_who_decided(
    app: BuildApp, team: Store, labelset: LabelSet
) -> None:
    del app
    say(team, labelset, "ani", 2, one("bias", "biased"))
    say(team, labelset, "budi", 2, one("bias", "not-biased"))
    at = as_user("cici")
    assert "sentence 2 · bias" in sentence_shown(at)
    at.button(key="adjudicate.skip").click().run()
    assert "sentence 2 · stance" in sentence_shown(at)
    at.button(key="adjudicate.previous").click().run()
    at.button(key="adjudicate.pick.0").click().run()  # ani's "biased"
    assert "sentence 2 · stance" in sentence_shown(at)  # the same sentence's next key
    table = table_with(at, "who")
    newest = table.iloc[0][["who", "annotator", "task", "old", "new", "source"]].tolist()
    assert newest == ["cici", "gold", "bias", "—", "biased", "adjudicated"]
    assert set(table["who"]) == {"ani", "budi", "cici"}


def test_an_annotator_is_refused(app: BuildApp, team: Store) -> None:
    del app
    at = as_user("ani")
    assert not at.exception
    assert [w.value for w in at.warning] == ["Annotators may not adjudicate."]
    assert not at.button and not at.dataframe
    assert gold(team) == set()


def test_single_user_mode_asks_for_a_name_and_decides_under_it(
    app: BuildApp, store: Store, labelset: LabelSet
) -> None:
    say(store, labelset, "ani", 1, one("bias", "biased"))
    say(store, labelset, "budi", 1, one("bias", "not-biased"))
    at = app(PAGE)
    assert [s.value for s in at.subheader] == ["Who is annotating?"]
    at = app(PAGE, annotator="lia")
    at.button(key="adjudicate.pick.1").click().run()
    assert gold(store) == {(1, "bias", "", "not-biased")}
    with store.read() as conn:
        assert labels_sql.last_undoable_revision(conn, "lia") is not None


# ---------------------------------------------------------------- one sentence by its address


def gold_rows(store: Store) -> list[tuple[int, str, str, str | None, str, str]]:
    """Gold rows with their source and who decided (the revision's annotator)."""
    with store.read() as conn:
        rows = labels_sql.current_labels(conn, annotator=GOLD_ANNOTATOR)
        found = conn.execute(select(revisions.c.id, revisions.c.annotator)).all()
        who = {int(i): str(name) for i, name in found}
    return [(r.sentence_id, r.task, r.target, r.value, r.source, who[r.revision_id]) for r in rows]


def test_a_sentence_one_annotator_labelled_opens_by_address_and_gets_gold(
    app: BuildApp, team: Store, labelset: LabelSet
) -> None:
    del app
    say(team, labelset, "ani", 4, one("bias", "biased"))  # nobody else: no disagreement
    at = as_user("cici", sentence="4")
    assert not at.exception
    assert "sentence 4 · bias" in key_shown(at)
    assert table_with(at, "gold").to_dict("records") == [
        {"task": "bias", "target": "", "ani": "biased", "gold": ""}
    ]
    assert [b.label for b in at.button if b.key and b.key.startswith("adjudicate.pick.")] == [
        r"1\: biased \(ani\)"
    ]
    at.selectbox(key="adjudicate.value").set_value("not-biased")
    at.button(key="adjudicate.set").click().run()
    assert gold_rows(team) == [(4, "bias", "", "not-biased", GOLD_SOURCE, "cici")]
    assert not at.exception and at.query_params["sentence"] == "4"
    assert "sentence 4 · bias" in key_shown(at)  # stays on the sentence
    assert table_with(at, "gold")["gold"].tolist() == ["not-biased"]
    # A key nobody labelled: stance toward Joe Biden.
    keys = at.selectbox(key="adjudicate.key")
    keys.set_value(next(i for i, name in enumerate(keys.options) if "Joe Biden" in name))
    at.run()
    assert "sentence 4 · stance → Joe Biden" in key_shown(at)
    at.selectbox(key="adjudicate.value").set_value("favor")
    at.button(key="adjudicate.set").click().run()
    assert set(gold_rows(team)) == {
        (4, "bias", "", "not-biased", GOLD_SOURCE, "cici"),
        (4, "stance", "Joe Biden", "favor", GOLD_SOURCE, "cici"),
    }


def test_an_unknown_sentence_is_said_and_back_leads_to_the_queue(
    app: BuildApp, team: Store
) -> None:
    del app
    at = as_user("cici", sentence="**x**")  # typed into the address: shown as text
    assert [w.value for w in at.warning] == [r"There is no sentence \*\*x\*\*\."]
    at = as_user("cici", sentence="9999")
    assert [w.value for w in at.warning] == [r"There is no sentence 9999\."]
    at.button(key="adjudicate.back").click().run()
    assert not at.exception and "sentence" not in at.query_params
    assert at.metric[0].value == "2"  # the disagreement queue


def test_an_annotator_cannot_open_a_sentence_by_address(app: BuildApp, team: Store) -> None:
    del app
    at = as_user("ani", sentence="1")
    assert [w.value for w in at.warning] == ["Annotators may not adjudicate."]
    assert not at.dataframe and gold(team) == set()


# ---------------------------------------------------------------- suspects


def test_the_suspects_queue_walks_flipped_labels_and_takes_the_models_suggestion(
    app: BuildApp, empty_store: Store
) -> None:
    del app
    add_people(empty_store)
    flipped = biased_corpus(
        empty_store, labelsets.current(empty_store)
    )  # one annotator, 10% flipped
    want = suspects.suspect_queue(empty_store, User(name="cici", role=Role.CURATOR))
    at = as_user("cici")
    assert at.metric[0].value == "0"  # nobody disagrees: one annotator each
    at.radio(key="adjudicate.mode").set_value("Label-error suspects").run()
    assert not at.exception
    assert at.metric[0].label == "Suspects left to review"
    assert at.metric[0].value == str(len(want)) and len(want) >= 5
    top = want.iloc[0]
    assert int(top["sentence_id"]) in flipped
    shown = sentence_shown(at)
    assert f"sentence {top['sentence_id']} · bias" in shown
    assert f"given {top['given']}, the model suggests {top['suggested']}" in shown
    assert at.button(key="adjudicate.suggested").label == rf"Model\: {top['suggested']}"
    at.button(key="adjudicate.suggested").click().run()
    assert gold_rows(empty_store) == [
        (int(top["sentence_id"]), "bias", "", top["suggested"], GOLD_SOURCE, "cici")
    ]
    # New data, so the model is fitted again (gold now trains it); the
    # decided key is out whatever it thinks.
    after = suspects.suspect_queue(empty_store, User(name="cici", role=Role.CURATOR))
    assert int(top["sentence_id"]) not in set(after["sentence_id"])
    assert at.metric[0].value == str(len(after))
    assert f"sentence {after.iloc[0]['sentence_id']} · bias" in sentence_shown(at)
