"""Home: corpus totals and the per-outlet table."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from annotator import annotations as ann
from annotator.annotations import Choice, Decision
from annotator.display import escape_markdown
from annotator.labelsets import LabelSet
from annotator.storage import Store
from tests.pages.conftest import BuildApp


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def tables(at: AppTest) -> list[pd.DataFrame]:
    # A read-only st.dataframe's key does not reach AppTest: find tables by their columns.
    return [d.value for d in at.dataframe]


def outlet_table(at: AppTest) -> pd.DataFrame:
    return next(t for t in tables(at) if "documents" in t.columns).set_index("outlet")


def my_progress_tables(at: AppTest) -> list[pd.DataFrame]:
    return [
        t.set_index("outlet") for t in tables(at) if list(t.columns)[:2] == ["outlet", "sentences"]
    ]


def label_one_sentence(store: Store, labelset: LabelSet, annotator: str) -> None:
    decision = Decision("bias", "", (Choice("not-biased"),))
    ann.save(store, sentence_id=1, annotator=annotator, decisions=[decision], labelset=labelset)


def test_home_page_runs_and_counts_the_seed_corpus(app: BuildApp) -> None:
    at = app()
    assert not at.exception
    assert metric(at, "Documents") == "2"
    assert metric(at, "Sentences") == "58"
    assert metric(at, "Labelled sentences") == "0"


def test_outlet_table_has_one_row_per_seed_outlet(app: BuildApp) -> None:
    rows = outlet_table(app())[["documents", "sentences", "labelled"]]
    assert rows.to_dict("index") == {
        "BBC News Indonesia": {"documents": 1, "sentences": 39, "labelled": 0},
        "kumparan": {"documents": 1, "sentences": 19, "labelled": 0},
    }


def test_a_new_label_shows_in_the_totals_on_the_next_run(
    app: BuildApp, store: Store, labelset: LabelSet
) -> None:
    at = app()
    label_one_sentence(store, labelset, "ana")
    at.run()
    assert metric(at, "Labelled sentences") == "1"
    assert metric(at, "Annotators") == "1"
    assert outlet_table(at).loc["BBC News Indonesia", "labelled"] == 1


def test_the_annotators_own_progress_shows_once_the_name_is_known(
    app: BuildApp, store: Store, labelset: LabelSet
) -> None:
    label_one_sentence(store, labelset, "ana")
    label_one_sentence(store, labelset, "budi")
    (mine,) = my_progress_tables(app(annotator="ana"))
    assert mine["labelled"].to_dict() == {"BBC News Indonesia": 1, "kumparan": 0}


def test_without_a_name_there_is_no_personal_progress_table(app: BuildApp) -> None:
    assert my_progress_tables(app()) == []


def test_the_annotator_name_from_the_address_is_shown_as_text_not_markdown(app: BuildApp) -> None:
    name = "[ana](http://example.com) _x_"
    (caption,) = app(annotator=name).sidebar.caption
    assert caption.value == f"Annotator: **{escape_markdown(name)}**"
