"""The Adjudicate page: a curator sees the most contested key first with
everyone's labels, picks one or sets another value by widget key, undoes;
the gold label is checked in the database. Annotators are refused."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from annotator import annotations as ann
from annotator.adjudication import GOLD_ANNOTATOR
from annotator.annotations import Choice, Decision
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from tests.pages.conftest import APP, BuildApp
from tests.people import add_people, cheap_hashing

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


def as_user(name: str) -> AppTest:
    """``name``'s session on the page (reached as a click in the sidebar would)."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["workbench.user"] = name
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
