"""Predicting every task at once equals predicting task by task; stance rows made word by word."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import model
from annotator.model.counting import Batch
from annotator.model.documents import StanceDocs, split_documents
from annotator.model.multitask import SharedPredictor
from annotator.model.stance import StanceFeatures, stance_rows

ALIASES = {
    "Donald Trump": ["Trump", "Donald Trump", "@realDonaldTrump"],
    "Elon Musk": ["Musk", "Elon Musk", "miliarder teknologi itu"],
    "X": ["X", "Twitter", "X/Twitter"],
    "Uni Eropa": ["UE", "Uni Eropa"],
}
OUTLETS = ("Kompas", "Tempo", "CNN Indonesia")
WORDS = (
    "yang dan di ke dari pada untuk dengan ini itu juga akan sudah masih telah "
    "memuji mengecam curang bohong melaporkan harga pajak polisi vaksin dokter "
    "İstanbul straße ﬁle e_mail naïve Rp15.000 3,5 — “kutipan” #tag"
).split()
SPACES = (" ", " ", " ", "  ", "\t", "\n", " \u00a0")
VALUES = ("favor", "against", "neutral")
FRAMES = ("economic", "security", "health")


def mention(rng: random.Random, target: str) -> str:
    name = rng.choice([target, *ALIASES[target]])
    name = rng.choice([name, name.lower(), name.upper()])
    return rng.choice(["{}", "({})", "{},", '"{}"', "{}-nya", "@{}", "{}_"]).format(name)


def text(rng: random.Random, targets: list[str]) -> str:
    words = rng.choices(WORDS, k=rng.randrange(3, 14))
    for target in targets:
        words.insert(rng.randrange(len(words) + 1), mention(rng, target))
    if rng.random() < 0.3:
        words.append(f"kata {rng.choice(OUTLETS)}")
    out = words[0]
    for word in words[1:]:
        out += rng.choice(SPACES) + word
    return out


def corpus(n: int, seed: int) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(seed)
    named = [rng.sample(list(ALIASES), rng.choice((0, 1, 1, 2))) for _ in range(n)]
    return [text(rng, targets) for targets in named], named


def trained_tasks(**options: dict[str, Any]) -> dict[str, model.TrainedTask]:
    """Bias, opinion, frames and stance trained on generated labels (``options``: per task)."""
    texts, named = corpus(300, seed=1)
    rng = random.Random(2)
    stance_texts = [t for t, ts in zip(texts, named, strict=True) for _ in ts]
    stance_targets = [target for ts in named for target in ts]
    given = {
        "bias": ("single", texts, [rng.choice(("biased", "not-biased")) for _ in texts], None),
        "opinion": ("single", texts, [rng.choice(("factual", "opinion")) for _ in texts], None),
        "frames": (
            "multi",
            texts,
            [frozenset(rng.sample(FRAMES, rng.choice((0, 1, 2)))) for _ in texts],
            None,
        ),
        "stance": (
            "stance",
            stance_texts,
            [rng.choice(VALUES) for _ in stance_texts],
            stance_targets,
        ),
    }
    found = {}
    for name, (kind, xs, labels, targets) in given.items():
        settings_ = {"mask": OUTLETS, **options.get(name, {})}
        if kind == "stance":
            settings_.setdefault("aliases", ALIASES)
            settings_.setdefault("min_target_labels", 5)
        found[name] = model.fit_task(kind, xs, labels, targets=targets, **settings_)
    return found


def stance_queries(texts: list[str], named: list[list[str]]) -> tuple[np.ndarray, list[str]]:
    pairs = [(i, t) for i, ts in enumerate(named) for t in ts]
    return np.asarray([i for i, _ in pairs], dtype=np.int64), [t for _, t in pairs]


CONFIGS: dict[str, dict[str, dict[str, Any]]] = {
    "defaults": {},
    "stance per target, word copies": {
        "stance": {"mode": "per_target", "target_copy": "word"},
    },
    "other n-grams and weights": {
        "opinion": {"char_ngrams": (3, 5), "sublinear_tf": False},
        "frames": {"char_ngrams": None},
        "stance": {"target_copy": "word", "target_weight": 0.5},
    },
    "other masks, shared stance": {
        "bias": {"mask": ()},
        "stance": {"mode": "shared", "mask": ("Kompas",)},
    },
}


@pytest.fixture(scope="module", params=list(CONFIGS))
def tasks(request: pytest.FixtureRequest) -> dict[str, model.TrainedTask]:
    return trained_tasks(**CONFIGS[request.param])


def test_predicting_all_tasks_at_once_equals_each_tasks_predict_proba(
    tasks: dict[str, model.TrainedTask],
) -> None:
    texts, named = corpus(700, seed=3)
    where, targets = stance_queries(texts, named)
    shared = SharedPredictor(tasks).predict(texts, stance={"stance": (where, targets)})
    assert list(shared) == list(tasks)
    for name, task in tasks.items():
        if task.kind == "stance":
            expected, classes = model.predict_proba(
                task, [texts[i] for i in where], targets=targets
            )
        else:
            expected, classes = model.predict_proba(task, texts)
        got, got_classes = shared[name]
        assert got_classes == classes
        assert got.shape == expected.shape
        assert np.allclose(got, expected, rtol=0, atol=1e-12), name
        assert (got.argmax(axis=1) == expected.argmax(axis=1)).all()
        if task.kind == "multi":
            thresholds = task.model.named_steps["classify"].thresholds_
            assert ((got >= thresholds) == (expected >= thresholds)).all()


def test_a_pipeline_of_another_shape_is_predicted_on_its_own() -> None:
    tasks = trained_tasks()
    tasks["bias"].model.named_steps["features"].set_params(fast=False)
    predictor = SharedPredictor(tasks)
    assert predictor.alone == ["bias"]
    texts, _ = corpus(50, seed=4)
    got, _ = predictor.predict(texts)["bias"]
    tasks["bias"].model.named_steps["features"].set_params(fast=True)
    expected, _ = model.predict_proba(tasks["bias"], texts)
    assert np.allclose(got, expected, rtol=0, atol=1e-12)


def test_a_stance_task_without_rows_is_left_out_and_per_target_models_refuse_strangers() -> None:
    tasks = trained_tasks(stance={"mode": "per_target"})
    predictor = SharedPredictor(tasks)
    texts, _ = corpus(20, seed=5)
    assert set(predictor.predict(texts)) == {"bias", "opinion", "frames"}
    with pytest.raises(model.UnknownTarget):
        predictor.predict(texts, stance={"stance": ([0], ["Kamala Harris"])})


# ---------------------------------------------------------------- stance rows, word by word


def words_of(batch: Batch, start: int, stop: int) -> list[list[str]]:
    docs: list[list[str]] = [[] for _ in range(stop - start)]
    for code, doc in zip(batch.codes.tolist(), batch.doc_of.tolist(), strict=True):
        if start <= doc < stop:
            docs[doc - start].append(batch.distinct[code])
    return docs


def check_rows(texts: list[str], named: list[list[str]], features: StanceFeatures) -> None:
    lowered = [t.lower() for t in texts]
    where, targets = stance_queries(texts, named)
    batch, ranges = split_documents([lowered], [0], [StanceDocs(0, where, targets, features)])
    assert words_of(batch, *ranges[0]) == [t.split() for t in lowered]
    rows = stance_rows([lowered[i] for i in where], targets)
    expected = [t.lower().split() for t in features.target_texts(rows)]
    assert words_of(batch, *ranges[1]) == expected


def test_stance_rows_made_word_by_word_are_the_words_of_the_masked_rows() -> None:
    texts, named = corpus(400, seed=6)
    check_rows(texts, named, StanceFeatures(aliases=ALIASES))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from([*WORDS, "trump", "Musk", "elon", "x", "ue"]), max_size=6),
            st.lists(st.sampled_from(list(ALIASES)), max_size=2, unique=True),
            st.integers(0, 2**16),
        ),
        max_size=12,
    ),
    st.sampled_from(["_target_", "_TARGET_", "the target"]),
)
def test_stance_rows_equal_the_masked_rows_for_any_text_and_placeholder(
    drafts: list[tuple[list[str], list[str], int]], placeholder: str
) -> None:
    texts, named = [], []
    for words, targets, seed in drafts:
        rng = random.Random(seed)
        for target in targets:
            words = [*words, mention(rng, target)]
        rng.shuffle(words)
        texts.append("".join(w + rng.choice(SPACES) for w in words))
        named.append(targets)
    check_rows(texts, named, StanceFeatures(aliases=ALIASES, placeholder=placeholder))
