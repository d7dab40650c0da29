"""Per-outlet figures: the home page, `workbench stats`, and the outlet comparison."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from annotator import annotations as ann
from annotator import labelsets, outlets
from annotator.annotations import Choice, Decision
from annotator.labelsets import LabelSet
from annotator.storage import Store
from tests.synthetic_outlets import Corpus, add_model, build_corpus, label


def test_summary_counts_documents_sentences_and_labelled_per_outlet(
    store: Store, labelset: LabelSet
) -> None:
    for sid, who in ((1, "ani"), (2, "ani"), (2, "budi"), (45, "budi")):
        ann.save(
            store,
            sentence_id=sid,
            annotator=who,
            decisions=[Decision("bias", "", (Choice("biased"),))],
            labelset=labelset,
        )
    frame = outlets.summary(store)
    assert frame.to_dict("records") == [
        {
            "outlet": "BBC News Indonesia",
            "documents": 1,
            "sentences": 39,
            "labelled": 2,
            "labelled_share": 2 / 39,
        },
        {
            "outlet": "kumparan",
            "documents": 1,
            "sentences": 19,
            "labelled": 1,
            "labelled_share": 1 / 19,
        },
    ]
    mine = outlets.summary(store, annotator="ani")
    assert mine["labelled"].tolist() == [2, 0]


def test_totals_match_the_stats_command(store: Store, labelset: LabelSet) -> None:
    ann.save(
        store,
        sentence_id=3,
        annotator="ani",
        decisions=[Decision("frames", "", (Choice("economic"), Choice("political")))],
        labelset=labelset,
    )
    totals = outlets.totals(store)
    assert (
        totals["documents"],
        totals["sentences"],
        totals["annotations"],
        totals["labelled_sentences"],
    ) == (2, 58, 2, 1)
    assert totals["annotators"] == ["ani"]
    assert totals["outlets"]["BBC News Indonesia"] == {
        "documents": 1,
        "sentences": 39,
        "labelled": 1,
    }


def test_documents_lists_each_article_with_its_metadata(store: Store) -> None:
    frame = outlets.documents(store)
    assert frame[["outlet", "published", "language", "sentences"]].values.tolist() == [
        ["BBC News Indonesia", "2024-08-13", "id", 39],
        ["kumparan", "2024-08-13T10:28:00+07:00", "id", 19],
    ]
    assert frame["title"].iloc[1] == "Wawancara Trump dan Elon Musk di X Terganggu 'Serangan Siber'"


# ---------------------------------------------------------------- comparison

LAYOUT = {
    "Alpha": [("2024-08-01", 12), ("2024-08-02", 12)],
    "Beta": [("2024-08-01", 15)],
    "Gamma": [("2024-08-03", 6)],
}


@pytest.fixture
def corpus(empty_store: Store) -> Corpus:
    return build_corpus(empty_store, LAYOUT)


@pytest.fixture
def db(empty_store: Store, corpus: Corpus) -> Store:
    """Alpha: 20 of 24 sentences biased, 12 factual; Beta: 2 of 15 biased,
    7 factual; Gamma: 3 of 6 biased. Stance toward Trump on every sentence."""
    labelset = labelsets.current(empty_store)
    plan = {"Alpha": (20, 12), "Beta": (2, 7), "Gamma": (3, 3)}
    for outlet, (biased, factual) in plan.items():
        for i, sid in enumerate(corpus.sentences(outlet)):
            label(
                empty_store,
                labelset,
                "ani",
                sid,
                bias="biased" if i < biased else "not-biased",
                opinion="factual" if i < factual else "opinion",
                stance={"Donald Trump": "against" if i % 3 == 0 else "neutral"},
            )
    return empty_store


def record(table: pd.DataFrame, **where: object) -> dict[str, Any]:
    rows = table.loc[(table[list(where)] == pd.Series(where)).all(axis=1)]
    assert len(rows) == 1, rows
    found: dict[str, Any] = rows.iloc[0].to_dict()
    return found


def test_single_choice_shares_have_wilson_intervals_and_small_counts_are_flagged(
    db: Store,
) -> None:
    labelset = labelsets.current(db)
    table = outlets.single_choice(outlets.counts(db, labelset), labelset)
    assert table.columns.tolist() == list(outlets.CHOICE_COLUMNS)
    assert set(table["task"]) == {"bias", "opinion"}
    # Every value listed for every outlet, zero counts too.
    assert len(table) == 3 * (2 + 3)
    alpha = record(table, outlet="Alpha", task="bias", value="biased")
    assert (alpha["count"], alpha["n"], alpha["share"], alpha["small"]) == (20, 24, 20 / 24, False)
    assert (alpha["low"], alpha["high"]) == pytest.approx(
        proportion_confint(20, 24, method="wilson"), abs=1e-12
    )
    mixed = record(table, outlet="Beta", task="opinion", value="mixed")
    assert (mixed["count"], mixed["share"], mixed["low"]) == (0, 0.0, 0.0)
    gamma = record(table, outlet="Gamma", task="bias", value="biased")
    assert (gamma["n"], gamma["small"]) == (6, True)
    assert outlets.SMALL_N == 10


def test_stance_is_per_target_and_frames_count_none_applies_in_n(db: Store, corpus: Corpus) -> None:
    labelset = labelsets.current(db)
    beta = corpus.sentences("Beta")
    for sid, chosen in zip(
        beta[:4], (["economic"], ["economic", "crime"], [""], [""]), strict=True
    ):
        label(db, labelset, "ani", sid, frames=chosen)
    found = outlets.counts(db, labelset)
    stance = outlets.stance(found, labelset)
    assert stance.columns.tolist() == list(outlets.STANCE_COLUMNS)
    assert set(stance["target"]) == {"Donald Trump"}
    against = record(stance, outlet="Alpha", value="against")
    assert (against["count"], against["n"]) == (8, 24)
    assert stance[stance["outlet"] == "Beta"]["value"].tolist() == ["favor", "against", "neutral"]
    frames = outlets.frames(found, labelset)
    assert frames.columns.tolist() == list(outlets.FRAME_COLUMNS)
    assert set(frames["outlet"]) == {"Beta"}  # the only outlet with frames labelled
    economic = record(frames, frame="economic")
    assert (economic["count"], economic["n"], economic["share"]) == (2, 4, 0.5)
    assert record(frames, frame="crime")["count"] == 1
    assert "" not in set(frames["frame"])


def test_differences_tell_a_real_difference_from_noise(db: Store) -> None:
    labelset = labelsets.current(db)
    table = outlets.differences(
        outlets.counts(db, labelset), labelset, outlet_a="Alpha", outlet_b="Beta"
    )
    assert table.columns.tolist() == list(outlets.DIFFERENCE_COLUMNS)
    biased = record(table, task="bias", value="biased")
    assert (biased["count_a"], biased["n_a"], biased["count_b"], biased["n_b"]) == (20, 24, 2, 15)
    assert biased["difference"] == pytest.approx(20 / 24 - 2 / 15)
    assert biased["significant"] and biased["p_adjusted"] < 0.001
    factual = record(table, task="opinion", value="factual")
    assert not factual["significant"] and factual["p"] > 0.5
    expected = stats.chi2_contingency([[12, 12], [7, 8]], correction=False)[1]
    assert factual["test"] == "chi-square" and factual["p"] == pytest.approx(expected)
    mixed = record(table, task="opinion", value="mixed")  # nobody chose it: Fisher, p = 1
    assert (mixed["test"], mixed["p"]) == ("fisher", 1.0)
    tested = table[table["test"] != ""]
    assert len(tested) == len(table)
    _, adjusted, _, _ = multipletests(tested["p"], method="fdr_bh")
    assert np.allclose(tested["p_adjusted"], adjusted)
    assert table["significant"].tolist() == (table["p_adjusted"] <= 0.05).tolist()


def test_a_cell_only_one_outlet_has_is_listed_untested(db: Store, corpus: Corpus) -> None:
    labelset = labelsets.current(db)
    label(db, labelset, "ani", corpus.sentences("Alpha")[0], stance={"Elon Musk": "favor"})
    table = outlets.differences(
        outlets.counts(db, labelset), labelset, outlet_a="Alpha", outlet_b="Beta"
    )
    musk = table[table["target"] == "Elon Musk"]
    assert len(musk) == 3 and (musk["n_b"] == 0).all() and (musk["test"] == "").all()
    assert musk["p"].isna().all() and not musk["significant"].any()


def test_cues_count_the_majority_s_spans_per_outlet(db: Store, corpus: Corpus) -> None:
    labelset = labelsets.current(db)
    a = corpus.sentences("Alpha")
    kalimat, nomor = (0, 7), (8, 13)  # "Kalimat", "nomor" in every generated sentence
    for sid in a[:3]:
        label(db, labelset, "budi", sid, bias="biased", cues={"biased": kalimat})
    label(db, labelset, "cici", a[0], bias="biased", cues={"biased": nomor})
    # Budi is outvoted on a[20] (ani and cici: not biased): his cue does not count.
    label(db, labelset, "budi", a[20], bias="biased", cues={"biased": nomor})
    label(db, labelset, "cici", a[20], bias="not-biased")
    table = outlets.cues(db, labelset)
    assert table.columns.tolist() == list(outlets.CUE_COLUMNS)
    assert table.values.tolist() == [
        ["Alpha", "bias", "biased", "kalimat", 3],
        ["Alpha", "bias", "biased", "nomor", 1],
    ]
    assert outlets.cues(db, labelset, limit=1)["cue"].tolist() == ["kalimat"]
    assert outlets.cues(db, labelset, source="model").empty
    assert outlets.cues(db, labelset, source="gold").empty


def test_the_model_score_is_the_active_version_s_outlet_held_out_score(db: Store) -> None:
    labelset = labelsets.current(db)
    assert outlets.model_score(db, labelset, task="bias") is None
    grouped = {"macro_f1": 0.61, "n": 120, "folds": 3}
    metrics = {"random": {"macro_f1": 0.8}, "grouped": grouped}
    version = add_model(
        db,
        labelset,
        [],
        card_tasks={"bias": {"metrics": metrics}, "opinion": {"metrics": {"random": {}}}},
    )
    score = outlets.model_score(db, labelset, task="bias")
    assert score == outlets.ModelScore(
        version_id=version, task="bias", macro_f1=0.61, n=120, folds=3
    )
    assert (
        outlets.model_score(db, labelset, task="opinion") is None
    )  # one outlet: no held-out score
    assert outlets.model_score(db, labelset, task="frames") is None


def test_aggregate_on_the_seeds_compares_the_two_outlets(store: Store, labelset: LabelSet) -> None:
    for sid, who, value in ((1, "ani", "biased"), (2, "ani", "not-biased"), (45, "ani", "biased")):
        ann.save(
            store,
            sentence_id=sid,
            annotator=who,
            decisions=[
                Decision("bias", "", (Choice(value),)),
                Decision("stance", "Elon Musk", (Choice("neutral"),)),
            ],
            labelset=labelset,
        )
    pair = ("BBC News Indonesia", "kumparan")
    result = outlets.aggregate(store, labelset, pair=pair)
    assert result.single_choice["n"].tolist() == [2, 2, 1, 1]
    assert record(result.stance, outlet="kumparan", value="neutral")["count"] == 1
    assert result.frames.empty and result.cues.empty and result.scores == {}
    assert set(result.differences["outlet_a"]) == {pair[0]}
    assert len(result.differences) == 3 + 2  # stance toward Musk, bias; no opinion or frames
    model = outlets.aggregate(store, labelset, source="model", pair=pair)
    assert model.stance.empty and set(model.scores) == {t.name for t in labelset.tasks}
    alone = outlets.aggregate(store, labelset)
    assert alone.differences.columns.tolist() == list(outlets.DIFFERENCE_COLUMNS)
    assert alone.differences.empty
