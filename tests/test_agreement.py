"""Agreement: published and hand-computed values, properties, synthetic
annotators with known noise written through the save path, slices, the
disagreement queue, confusion and the JSON summary."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from annotator import agreement
from annotator.agreement import cohen_kappa, krippendorff_alpha, load_labels, reliability
from annotator.agreement_units import analyses, with_kinds
from annotator.annotations import Choice, Decision, decision_keys, save
from annotator.disagreement import confusion, disagreements
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql

Row = tuple[int, str, str, str, str, str]  # sentence, outlet, annotator, task, target, value
COLUMNS = ["sentence_id", "outlet", "annotator", "task", "target", "value"]

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the
# nominal example: 4 observers, 12 units, missing values (None).
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def frame(rows: Sequence[Row], kinds: dict[str, str] | None = None) -> pd.DataFrame:
    return with_kinds(pd.DataFrame(list(rows), columns=COLUMNS), kinds or {})


def coded(
    table: dict[str, Sequence[object]], *, task: str = "t", outlet: str = "o"
) -> pd.DataFrame:
    """A single-choice frame from annotator -> values per unit (None: missing)."""
    rows = [
        (unit + 1, outlet, name, task, "", str(value))
        for name, values in table.items()
        for unit, value in enumerate(values)
        if value is not None
    ]
    return frame(rows, {task: "single"})


def one(table: pd.DataFrame, **where: object) -> pd.Series:
    mask = np.ones(len(table), dtype=bool)
    for column, value in where.items():
        mask &= (table[column].isna() if value is None else table[column] == value).to_numpy()
    found = table[mask]
    assert len(found) == 1, found
    return found.iloc[0]


# ---------------------------------------------------------------- published and hand-computed


def test_krippendorffs_published_nominal_example_gives_0_743() -> None:
    matrix = [[np.nan if v is None else v for v in values] for values in KRIPPENDORFF_2011.values()]
    assert krippendorff_alpha(matrix) == pytest.approx(0.743, abs=5e-4)
    row = one(reliability(coded(KRIPPENDORFF_2011), n_boot=0).alpha, slice="all")
    assert row["alpha"] == pytest.approx(0.743, abs=5e-4)
    # Unit 12 has one value only: it is not pairable.
    assert (row["items"], row["units"], row["annotators"]) == (11, 11, 4)


def test_two_annotators_match_the_hand_computed_alpha_kappa_and_agreement() -> None:
    # Units (a,a) (a,b) (b,b) (b,b): n = 8, n_a = 3, n_b = 5, o_ab = o_ba = 1;
    # alpha = 1 - (n - 1) * 2 / (2 n_a n_b) = 1 - 14/30 = 8/15.
    # Kappa: p_o = 3/4, p_e = 1/2 * 1/4 + 1/2 * 3/4 = 1/2, kappa = 1/2.
    labels = coded({"A": ["a", "a", "b", "b"], "B": ["a", "b", "b", "b"]})
    result = reliability(labels, n_boot=0, by_outlet=False)
    alpha = one(result.alpha)
    assert alpha["alpha"] == pytest.approx(8 / 15)
    assert alpha["agreement"] == pytest.approx(3 / 4)
    assert alpha["pairs"] == 4
    kappa = one(result.kappa)
    assert (kappa["annotator_a"], kappa["annotator_b"]) == ("A", "B")
    assert kappa["kappa"] == pytest.approx(0.5)
    assert kappa["agreement"] == pytest.approx(0.75)
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "b", "b"]) == pytest.approx(0.5)


def test_cohens_kappa_matches_the_textbook_example() -> None:
    # 50 proposals, two readers (Wikipedia, "Cohen's kappa"): yes/yes 20,
    # yes/no 5, no/yes 10, no/no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    assert cohen_kappa(first, second) == pytest.approx(0.4)
    result = reliability(coded({"r1": first, "r2": second}), n_boot=0, by_outlet=False)
    assert one(result.kappa)["kappa"] == pytest.approx(0.4)
    assert one(result.kappa)["items"] == 50


def test_multi_choice_counts_each_frame_as_binary_per_labelled_sentence() -> None:
    # x: A 1 1 0 0, B 1 1 0 1 -> n = 8, n_1 = 5, agreeing within = 6:
    #    alpha = 1 - 7 * 2 / (64 - 25 - 9) = 8/15.
    # y: A 0 1 0 1, B 0 0 0 0 -> alpha = 1 - 7 * 4 / (64 - 36 - 4) = -1/6.
    chosen = {"A": [("x",), ("x", "y"), ("",), ("y",)], "B": [("x",), ("x",), ("",), ("x",)]}
    rows = [
        (s + 1, "o", name, "frames", "", value)
        for name, per_sentence in chosen.items()
        for s, values in enumerate(per_sentence)
        for value in values
    ]
    rows.append((5, "o", "A", "frames", "", "x"))  # labelled by one annotator: not pairable
    alpha = reliability(frame(rows, {"frames": "multi"}), n_boot=0, by_outlet=False).alpha
    assert one(alpha, frame="x")["alpha"] == pytest.approx(8 / 15)
    assert one(alpha, frame="y")["alpha"] == pytest.approx(-1 / 6)
    assert one(alpha, frame="x")["items"] == 4
    x, y = [[1, 1, 0, 0], [1, 1, 0, 1]], [[0, 1, 0, 1], [0, 0, 0, 0]]
    pooled = one(alpha, level="task")
    assert pooled["alpha"] == pytest.approx(krippendorff_alpha(np.hstack([x, y])))
    assert pooled["units"] == 8


def test_stance_is_measured_per_target_and_pooled_over_targets() -> None:
    rows = [
        (1, "o", "A", "stance", "Musk", "favor"), (1, "o", "B", "stance", "Musk", "favor"),
        (2, "o", "A", "stance", "Musk", "against"), (2, "o", "B", "stance", "Musk", "against"),
        (1, "o", "A", "stance", "Trump", "favor"), (1, "o", "B", "stance", "Trump", "against"),
        (2, "o", "A", "stance", "Trump", "neutral"), (2, "o", "B", "stance", "Trump", "favor"),
    ]  # fmt: skip
    alpha = reliability(frame(rows, {"stance": "stance"}), n_boot=0, by_outlet=False).alpha
    assert one(alpha, target="Musk")["alpha"] == pytest.approx(1.0)
    assert one(alpha, target="Trump")["alpha"] < 0
    pooled = one(alpha, level="task")
    assert (pooled["units"], pooled["items"]) == (4, 2)
    codes = {"favor": 0, "against": 1, "neutral": 2}
    matrix = [[codes[v] for v in ("favor", "against", "favor", "neutral")]]
    matrix.append([codes[v] for v in ("favor", "against", "against", "favor")])
    assert pooled["alpha"] == pytest.approx(krippendorff_alpha(matrix))


# ---------------------------------------------------------------- properties

values_st = st.sampled_from(["a", "b", "c"])


@st.composite
def reliability_tables(draw: st.DrawFn, *, annotators: int | None = None) -> dict[str, list]:
    count = annotators or draw(st.integers(2, 5))
    units = draw(st.integers(2, 25))
    maybe = st.one_of(st.none(), values_st)
    return {f"a{i}": draw(st.lists(maybe, min_size=units, max_size=units)) for i in range(count)}


@given(truth=st.lists(values_st, min_size=2, max_size=30), copies=st.integers(2, 5))
@settings(max_examples=40, deadline=None)
def test_identical_annotators_give_alpha_and_kappa_one(truth: list[str], copies: int) -> None:
    if len(set(truth)) < 2:
        truth = [*truth, "z" if truth[0] != "z" else "y"]
    result = reliability(coded({f"a{i}": truth for i in range(copies)}), n_boot=0, by_outlet=False)
    assert np.allclose(result.alpha["alpha"], 1.0)
    assert np.allclose(result.kappa["kappa"], 1.0)
    assert len(result.kappa) == copies * (copies - 1) // 2


@given(st.lists(st.tuples(values_st, values_st), min_size=1, max_size=40))
@settings(max_examples=60, deadline=None)
def test_kappa_is_symmetric_in_the_pair(pairs: list[tuple[str, str]]) -> None:
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    np.testing.assert_allclose(cohen_kappa(first, second), cohen_kappa(second, first), atol=1e-12)


@given(reliability_tables())
@settings(max_examples=60, deadline=None)
def test_tables_agree_with_the_krippendorff_package_and_scikit_learn(table: dict) -> None:
    labels = coded(table)
    result = reliability(labels, n_boot=0, by_outlet=False)
    matrix = [
        [np.nan if v is None else "abc".index(v) for v in values] for values in table.values()
    ]
    expected = krippendorff_alpha(matrix) if not labels.empty else np.nan
    got = result.alpha["alpha"].iloc[0] if len(result.alpha) else np.nan
    np.testing.assert_allclose(got, expected, atol=1e-9)
    for row in result.kappa.itertuples():
        a, b = table[row.annotator_a], table[row.annotator_b]
        both = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
        x, y = [p[0] for p in both], [p[1] for p in both]
        if len(set(x) | set(y)) > 1:
            np.testing.assert_allclose(row.kappa, cohen_kappa_score(x, y), atol=1e-9)
        np.testing.assert_allclose(row.kappa, cohen_kappa(a, b), atol=1e-9)


@given(reliability_tables())
@settings(max_examples=40, deadline=None)
def test_the_bootstrap_formulas_give_the_point_estimates_on_the_full_sample(table: dict) -> None:
    # Replicates are computed from per-sentence sums; with every sentence drawn
    # once they must give the packages' values.
    labels = coded(table)
    items = np.sort(labels["sentence_id"].unique())
    result = reliability(labels, n_boot=0, by_outlet=False)
    for analysis in analyses(labels):
        part = agreement._part(analysis, items, kappa=True)
        if not part.units:
            continue
        totals = part.sums.sum(axis=0)
        width = 3 + analysis.n_values
        np.testing.assert_allclose(
            agreement._alpha_of(totals[:width]), result.alpha["alpha"].iloc[0], atol=1e-9
        )
        per_pair = totals[width:].reshape(len(part.pairs), -1)
        kappas = agreement._kappa_of(per_pair, analysis.n_values)
        named = {(r.annotator_a, r.annotator_b): r.kappa for r in result.kappa.itertuples()}
        for (i, j), kappa in zip(part.pairs, kappas, strict=True):
            key = (analysis.annotators[i], analysis.annotators[j])
            np.testing.assert_allclose(kappa, named.get(key, np.nan), atol=1e-9)


# ---------------------------------------------------------------- the store


def _decide(store: Store, labelset: LabelSet, sentence: int, who: str, *ds: Decision) -> None:
    save(store, sentence_id=sentence, annotator=who, decisions=ds, labelset=labelset)


def _one(task: str, value: str, target: str = "") -> Decision:
    return Decision(task, target, (Choice(value),))


def test_load_labels_keeps_current_human_labels_only(store: Store, labelset: LabelSet) -> None:
    _decide(store, labelset, 1, "ani", _one("bias", "biased"))
    _decide(store, labelset, 1, "ani", _one("bias", "not-biased"))  # newest revision wins
    _decide(store, labelset, 1, "budi", _one("bias", "biased"), _one("frames", ""))
    _decide(store, labelset, 1, "budi", Decision("bias", ""))  # cleared: ignored
    spans = (Choice("economic", 0, 4), Choice("economic", 5, 9))  # one value, two cue spans
    _decide(store, labelset, 2, "ani", Decision("frames", "", spans))
    base = {"label_set": labelset.name, "label_set_version": labelset.version}
    with store.write() as conn:
        gold = [{**base, "sentence_id": 1, "task": "bias", "value": "biased"}]
        labels_sql.add_revision(conn, annotator="gold", source="adjudicated", rows=gold)
        labels_sql.add_revision(conn, annotator="model", source="model", rows=gold)
    labels = load_labels(store)
    got = {tuple(r) for r in labels[["sentence_id", "annotator", "task", "kind", "value"]].values}
    assert got == {
        (1, "ani", "bias", "single", "not-biased"),
        (1, "budi", "frames", "multi", ""),
        (2, "ani", "frames", "multi", "economic"),
    }
    assert set(labels["outlet"]) == {"BBC News Indonesia"}


def _sentences(store: Store) -> list[tuple[int, str, str]]:
    with store.read() as conn:
        chunk = texts_sql.sentence_chunk(conn)
        outlets = texts_sql.sentence_outlets(conn, [i for i, _ in chunk])
    return [(i, text, outlets[i][1]) for i, text in chunk]


def annotate_with_noise(
    store: Store,
    labelset: LabelSet,
    noise: dict[str, float],
    *,
    seed: int,
    per_outlet: bool = False,
) -> None:
    """Synthetic annotators: each copies a hidden truth (seeded) and, with
    probability ``noise[name]`` per decision, answers at random instead. With
    ``per_outlet`` the noise applies to kumparan's sentences only."""
    truth_rng = random.Random(seed)
    tasks = {t.name: t for t in labelset.tasks}
    frames = [v.name for v in tasks["frames"].values[:5]]
    for sentence, text, outlet in _sentences(store):
        truth: dict[tuple[str, str], tuple[str, ...]] = {}
        for task, target in decision_keys(labelset, text):
            if task == "frames":
                truth[(task, target)] = tuple(truth_rng.sample(frames, truth_rng.choice((0, 1, 2))))
            else:
                truth[(task, target)] = (truth_rng.choice(tasks[task].values).name,)
        for name, p in noise.items():
            rng = random.Random(f"{seed}:{name}:{sentence}")
            if per_outlet and outlet != "kumparan":
                p = 0.0
            decisions = []
            for (task, target), values in truth.items():
                if rng.random() < p:
                    values = (
                        tuple(rng.sample(frames, rng.choice((0, 1, 2))))
                        if task == "frames"
                        else (rng.choice(tasks[task].values).name,)
                    )
                choices = tuple(Choice(v) for v in values) or (Choice(""),)
                decisions.append(Decision(task, target, choices))
            _decide(store, labelset, sentence, name, *decisions)


def _group(labels: pd.DataFrame, prefix: str) -> pd.DataFrame:
    return labels[labels["annotator"].str.startswith(prefix)].reset_index(drop=True)


def test_more_noise_gives_lower_alpha(store: Store, labelset: LabelSet) -> None:
    noise = {"exact-1": 0.0, "exact-2": 0.0, "low-1": 0.1, "low-2": 0.1, "high-1": 0.7}
    noise["high-2"] = 0.7
    annotate_with_noise(store, labelset, noise, seed=7)
    labels = load_labels(store)
    assert labels["annotator"].nunique() == 6
    tables = {
        g: reliability(_group(labels, g), n_boot=0, by_outlet=False).alpha
        for g in ("exact", "low", "high")
    }
    for task in ("bias", "opinion", "frames", "stance"):
        exact, low, high = (one(tables[g], task=task, level="task") for g in tables)
        assert exact["alpha"] == pytest.approx(1.0)
        assert exact["alpha"] > low["alpha"] > high["alpha"], task
        assert low["agreement"] > high["agreement"], task
    kappa = reliability(labels, n_boot=0, by_outlet=False).kappa
    bias = kappa[kappa["task"] == "bias"].set_index(["annotator_a", "annotator_b"])["kappa"]
    assert bias[("exact-1", "exact-2")] == pytest.approx(1.0)
    assert bias[("exact-1", "low-1")] > bias[("high-1", "high-2")]


def test_bootstrap_intervals_contain_the_estimate_and_repeat_with_the_seed(
    store: Store, labelset: LabelSet
) -> None:
    annotate_with_noise(store, labelset, {"a": 0.3, "b": 0.3, "c": 0.3}, seed=3)
    labels = load_labels(store)
    first = reliability(labels, n_boot=300, seed=1)
    for table, measure in ((first.alpha, "alpha"), (first.kappa, "kappa")):
        shown = table[table["level"] == "task"]
        assert len(shown) > 0
        assert (shown["low"] <= shown[measure] + 1e-9).all()
        assert (shown[measure] <= shown["high"] + 1e-9).all()
        assert (shown["high"] > shown["low"]).all()
    again = reliability(labels, n_boot=300, seed=1)
    pd.testing.assert_frame_equal(first.alpha, again.alpha)
    other = reliability(labels, n_boot=300, seed=2)
    assert not np.allclose(other.alpha["low"], first.alpha["low"], equal_nan=True)
    wider = reliability(labels, n_boot=300, seed=1, confidence=0.99).alpha
    assert (wider["high"] - wider["low"] >= first.alpha["high"] - first.alpha["low"] - 1e-9).all()


def test_slices_by_outlet_show_where_disagreement_clusters(
    store: Store, labelset: LabelSet
) -> None:
    annotate_with_noise(store, labelset, {"a": 0.6, "b": 0.6}, seed=5, per_outlet=True)
    alpha = reliability(load_labels(store), n_boot=50).alpha
    bias = alpha[(alpha["task"] == "bias") & (alpha["level"] == "task")].set_index("outlet")
    assert bias.loc["BBC News Indonesia", "alpha"] == pytest.approx(1.0)
    assert bias.loc["kumparan", "alpha"] < 0.9
    everything = one(bias.reset_index(), slice="all")
    assert (
        bias.loc["BBC News Indonesia", "items"] + bias.loc["kumparan", "items"]
        == everything["items"]
    )
    assert (everything["items"], everything["annotators"]) == (58, 2)


# ---------------------------------------------------------------- disagreements and confusion


def test_disagreements_rank_the_most_contested_first() -> None:
    rows = [
        (1, "o", "A", "bias", "", "biased"), (1, "o", "B", "bias", "", "biased"),  # agreed
        (2, "o", "A", "bias", "", "biased"), (2, "o", "B", "bias", "", "not-biased"),
        (2, "o", "C", "bias", "", "biased"),  # 2 against 1
        (3, "o", "A", "bias", "", "biased"), (3, "o", "B", "bias", "", "not-biased"),  # 1-1
        (4, "o", "A", "opinion", "", "factual"), (4, "o", "B", "opinion", "", "mixed"),
        (4, "o", "C", "opinion", "", "opinion"),  # all differ
        (5, "o", "A", "frames", "", "economic"), (5, "o", "A", "frames", "", "political"),
        (5, "o", "B", "frames", "", "political"), (5, "o", "B", "frames", "", "economic"),
        (6, "o", "A", "frames", "", ""), (6, "o", "B", "frames", "", "economic"),
    ]  # fmt: skip
    queue = disagreements(frame(rows, {"bias": "single", "opinion": "single", "frames": "multi"}))
    assert list(zip(queue["sentence_id"], queue["task"], strict=True)) == [
        (4, "opinion"),
        (3, "bias"),
        (6, "frames"),
        (2, "bias"),
    ]
    assert queue["contested"].tolist() == pytest.approx([2 / 3, 1 / 2, 1 / 2, 1 / 3])
    by_sentence = queue.set_index("sentence_id")
    assert by_sentence.loc[2, "majority"] == ("biased",)
    assert by_sentence.loc[3, "majority"] is None  # a tie
    assert by_sentence.loc[6, "labels"] == {"A": (), "B": ("economic",)}
    assert by_sentence.loc[4, "labels"] == {"A": ("factual",), "B": ("mixed",), "C": ("opinion",)}
    assert len(disagreements(frame(rows), task="bias")) == 2


def test_confusion_counts_two_annotators_values_against_each_other() -> None:
    labels = coded({"A": ["a", "a", "b", "b", None], "B": ["a", "b", "b", "b", "c"]})
    table = confusion(labels, "A", "B", task="t")
    assert table.loc["a"].tolist() == [1, 1, 0]
    assert table.loc["b"].tolist() == [0, 2, 0]
    assert table.to_numpy().sum() == 4  # the unit only B labelled is not counted
    rows = [
        (1, "o", "A", "frames", "", "x"), (1, "o", "B", "frames", "", "x"),
        (1, "o", "B", "frames", "", "y"), (2, "o", "A", "frames", "", ""),
        (2, "o", "B", "frames", "", "y"),
    ]  # fmt: skip
    multi = frame(rows, {"frames": "multi"})
    per_frame = confusion(multi, "A", "B", task="frames", frame="y")
    assert per_frame.loc["no", "yes"] == 2 and per_frame.to_numpy().sum() == 2
    pairs = confusion(multi, "A", "B", task="frames")
    assert (pairs.loc["x", "x"], pairs.loc["x", "y"], pairs.loc["", "y"]) == (1, 1, 1)


# ---------------------------------------------------------------- summary


def test_summary_is_plain_json_for_the_command_line(store: Store, labelset: LabelSet) -> None:
    annotate_with_noise(store, labelset, {"a": 0.2, "b": 0.5}, seed=11)
    result = agreement.summary(store, n_boot=100, seed=4)
    text = json.dumps(result, allow_nan=False)
    back = json.loads(text)
    assert back["annotators"] == ["a", "b"]
    assert back["sentences"] == back["shared_sentences"] == 58
    assert {r["task"] for r in back["alpha"] if r["level"] == "task"} == {
        "bias", "frames", "opinion", "stance"
    }  # fmt: skip
    assert {r["outlet"] for r in back["alpha"]} == {None, "BBC News Indonesia", "kumparan"}
    assert back["disagreements"] > 0
    top = back["most_contested"][0]
    assert set(top["labels"]) == {"a", "b"} and top["contested"] == 0.5
    assert agreement.summary(store, n_boot=100, seed=4) == result


def test_summary_of_a_store_without_labels_is_empty_not_an_error(store: Store) -> None:
    result = agreement.summary(store, n_boot=10)
    assert (result["alpha"], result["kappa"], result["disagreements"]) == ([], [], 0)
    json.dumps(result, allow_nan=False)
