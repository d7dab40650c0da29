"""The Agreement page: alpha with intervals as the library computes it, the
kappa heatmap, the confusion of two chosen annotators, outlet slices, and
the suspects queue on demand (each linked to its sentence on Adjudicate,
those with gold left out); annotators are refused."""

from __future__ import annotations

import json
import random

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from annotator import adjudication, agreement
from annotator import annotations as ann
from annotator.accounts import Role, User
from annotator.annotations import Choice, Decision
from annotator.disagreement import confusion, disagreements
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import texts as texts_sql
from annotator.suspects import SUSPECT_COLUMNS
from tests.pages.conftest import APP, BuildApp
from tests.people import add_people, cheap_hashing

PAGE = "pages/agreement.py"


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)


@pytest.fixture
def team(store: Store, labelset: LabelSet) -> Store:
    """Accounts; ani and budi label bias on every seed sentence, budi
    disagreeing on a seeded fifth of them; dewi labels the first ten."""
    add_people(store)
    rng = random.Random(0)
    with store.read() as conn:
        sentences = texts_sql.sentence_chunk(conn, limit=100)
    for number, (sid, text) in enumerate(sentences):
        truth = "biased" if "Musk" in text or number % 3 == 0 else "not-biased"
        other = "not-biased" if truth == "biased" else "biased"
        said = {"ani": truth, "budi": other if rng.random() < 0.2 else truth}
        if number < 10:
            said["dewi"] = truth
        for who, value in said.items():
            ann.save(
                store, sentence_id=sid, annotator=who, labelset=labelset,
                decisions=[Decision("bias", "", (Choice(value),))],
            )  # fmt: skip
    return store


def as_user(name: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["workbench.user"] = name
    return at.switch_page(PAGE).run()


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_alpha_and_kappa_are_what_the_library_computes(app: BuildApp, team: Store) -> None:
    del app  # for its database setting
    at = as_user("cici")
    assert not at.exception
    expected = agreement.reliability(agreement.load_labels(team), n_boot=1000, seed=0)
    want = expected.alpha[(expected.alpha["slice"] == "all") & (expected.alpha["task"] == "bias")]
    shown = table_with(at, "alpha").set_index("analysis").loc["bias"]
    assert shown["alpha"] == pytest.approx(round(want["alpha"].iloc[0], 3))
    assert shown["low"] == pytest.approx(round(want["low"].iloc[0], 3))
    assert shown["high"] == pytest.approx(round(want["high"].iloc[0], 3))
    assert shown["low"] < shown["alpha"] < shown["high"] < 1
    kappa = table_with(at, "annotator_a")
    pairs = {(r.annotator_a, r.annotator_b): r.kappa for r in kappa.itertuples()}
    assert set(pairs) == {("ani", "budi"), ("ani", "dewi"), ("budi", "dewi")}
    assert pairs[("ani", "dewi")] == 1.0
    contested = len(disagreements(agreement.load_labels(team)))
    assert 0 < contested < 58
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Annotators": "3",
        "Sentences labelled by two or more": "58",
        "Disagreements": str(contested),
        "alpha · bias": f"{want['alpha'].iloc[0]:.3f}",
    }


def test_the_confusion_of_two_chosen_annotators(app: BuildApp, team: Store) -> None:
    del app
    at = as_user("cici")
    at.selectbox(key="agreement.a").set_value("budi")
    at.selectbox(key="agreement.b").set_value("ani").run()
    shown = next(d.value for d in at.dataframe if d.value.index.name == "budi")
    want = confusion(agreement.load_labels(team), "budi", "ani", task="bias")
    pd.testing.assert_frame_equal(shown, want, check_names=False)
    assert shown.to_numpy().sum() == 58


def test_outlet_slices_and_the_suspects_queue(app: BuildApp, team: Store) -> None:
    del app
    at = as_user("cici")
    outlets = next(d.value for d in at.dataframe if d.value.index.name == "analysis")
    assert "bias" in outlets.index and len(outlets.columns) >= 1
    assert not [d for d in at.dataframe if "self_confidence" in d.value.columns]
    at.toggle(key="agreement.find_suspects").set_value(True).run()
    assert not at.exception
    found = table_with(at, "self_confidence")
    assert list(found.columns) == ["adjudicate", *SUSPECT_COLUMNS]
    assert len(found) >= 1
    # Each row links to its sentence on the Adjudicate page; the text stays text.
    assert found["adjudicate"].tolist() == [
        f"adjudicate?sentence={s}" for s in found["sentence_id"]
    ]
    config = json.loads(next(d for d in at.dataframe if "self_confidence" in d.value).proto.columns)
    assert config["adjudicate"]["type_config"]["type"] == "link"
    assert config["text"]["type_config"]["type"] == "text"
    # A key with gold leaves the list.
    first = found.iloc[0]
    adjudication.adopt(
        team, User(name="cici", role=Role.CURATOR), int(first["sentence_id"]),
        task=first["task"], target=first["target"], annotator="ani",
    )  # fmt: skip
    at.run()
    keys = set(
        zip(
            *(table_with(at, "self_confidence")[c] for c in ("sentence_id", "task", "target")),
            strict=True,
        )
    )
    assert (first["sentence_id"], first["task"], first["target"]) not in keys


def test_an_annotator_is_refused(app: BuildApp, team: Store) -> None:
    del app
    at = as_user("ani")
    assert not at.exception
    assert [w.value for w in at.warning] == ["Annotators may not see agreement."]
    assert not at.dataframe
