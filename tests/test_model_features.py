"""The text features: same numbers as scikit-learn's vectorizers, masking, estimator contract."""

from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.estimator_checks import (
    check_classifiers_multilabel_output_format_predict,
    check_classifiers_multilabel_output_format_predict_proba,
    check_classifiers_multilabel_representation_invariance,
    check_estimator,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from annotator.model.counting import KeyTable
from annotator.model.features import TextFeatures, TextMasker, mask_texts
from annotator.model.heads import CalibratedLinearClassifier, ThresholdedOneVsRest
from annotator.model.stance import StanceFeatures, stance_rows

WORDS = (
    "pemerintah menolak kebijakan baru itu Trump Musk memuji mengkritik dikritik "
    "kenaikan harga beras Rp15.000 3,5 persen naïve café Ünïcödé ıi İstanbul straße "
    "ﬁle e_mail x2 a b c — “kutipan” (Kompas) detik.com #SemST @user 😀 ok"
).split()


def texts(n: int, seed: int = 0, words: int = 12) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = rng.choices(WORDS, k=rng.randrange(0, words))
        sep = rng.choice([" ", "  ", "\t", "\n", " \u00a0"])
        out.append(sep.join(parts))
    return out


def sklearn_blocks(train: list[str], test: list[str], **given: object) -> sp.csr_matrix:
    """What TfidfVectorizer gives for TextFeatures(**given)."""
    params: dict[str, object] = {"min_df": 2, "sublinear_tf": True, **given}
    word_ngrams = params.pop("word_ngrams", (1, 2))
    char_ngrams = params.pop("char_ngrams", (4, 4))
    word = TfidfVectorizer(ngram_range=word_ngrams, **params).fit([t.lower() for t in train])
    blocks = [word.transform([t.lower() for t in test])]
    if char_ngrams is not None:
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams, **params)
        char.fit([t.lower() for t in train])
        blocks.append(char.transform([t.lower() for t in test]))
    return sp.hstack(blocks).tocsr()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"char_ngrams": (2, 5), "min_df": 1},
        {"word_ngrams": (1, 3), "char_ngrams": (1, 3), "sublinear_tf": False},
        {"word_ngrams": (2, 2), "char_ngrams": (3, 7), "max_df": 0.5},  # 7: the Python path
        {"max_features": 40, "min_df": 1},
        {"char_ngrams": None, "min_df": 0.01},
    ],
)
def test_text_features_equal_sklearn_tfidf_vectorizers(params: dict[str, object]) -> None:
    train, test = texts(300, seed=1), texts(200, seed=2)
    fitted = TextFeatures(**params).fit(train)  # type: ignore[arg-type]
    expected = sklearn_blocks(train, test, **dict(params))
    assert abs(fitted.transform(test) - expected).max() < 1e-12
    assert (
        abs(fitted.fit_transform(train) - sklearn_blocks(train, train, **dict(params))).max()
        < 1e-12
    )
    reference = TfidfVectorizer(**_word_params(params)).fit([t.lower() for t in train])
    assert fitted.word_.vocabulary_ == reference.vocabulary_
    assert np.allclose(fitted.word_.idf_, reference.idf_)


def _word_params(params: dict[str, object]) -> dict[str, object]:
    out = {"min_df": 2, "sublinear_tf": True}
    out.update({k: v for k, v in params.items() if k not in ("word_ngrams", "char_ngrams")})
    out["ngram_range"] = params.get("word_ngrams", (1, 2))
    return out


def test_fitted_vectorizers_are_plain_sklearn_ones_giving_the_same_matrix() -> None:
    train = texts(200)
    fitted = TextFeatures().fit(train)
    assert type(fitted.word_) is TfidfVectorizer and type(fitted.char_) is TfidfVectorizer
    lowered = [t.lower() for t in train]
    own = sp.hstack([fitted.word_.transform(lowered), fitted.char_.transform(lowered)])
    assert abs(fitted.transform(train) - own).max() < 1e-12


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=3, max_size=20))
def test_any_text_gives_sklearn_counts(batch: list[str]) -> None:
    train = [*batch, "kata kata lain", "lain kata"]
    fitted = TextFeatures(char_ngrams=(1, 4), min_df=1).fit(train)
    expected = sklearn_blocks(train, batch, char_ngrams=(1, 4), min_df=1)
    assert abs(fitted.transform(batch) - expected).max() < 1e-12


def test_linear_scores_equal_the_matrix_times_the_coefficients() -> None:
    train, test = texts(200), texts(150, seed=3)
    fitted = TextFeatures().fit(train)
    rng = np.random.default_rng(0)
    coef = rng.normal(size=(3, fitted.n_features_out_))
    intercept = rng.normal(size=3)
    expected = fitted.transform(test) @ coef.T + intercept
    for n_jobs in (1, 2):
        assert np.allclose(fitted.linear_scores(test, coef, intercept, n_jobs=n_jobs), expected)


def test_key_table_finds_exactly_the_stored_keys() -> None:
    rng = np.random.default_rng(0)
    high = rng.integers(0, 2**63, 5000, dtype=np.int64).astype(np.uint64)
    low = rng.integers(0, 2**63, 5000, dtype=np.int64).astype(np.uint64)
    table = KeyTable(high[:3000], low[:3000], np.arange(3000))
    found = table.lookup(high, low)
    assert (found[:3000] == np.arange(3000)).all() and (found[3000:] == -1).all()
    assert (table.lookup(high[:10], low[:10] + np.uint64(1)) == -1).all()


# ---------------------------------------------------------------- masking


def test_masking_removes_outlet_names_and_bylines_as_whole_words() -> None:
    masked = mask_texts(
        [
            "Jakarta, KOMPAS.com — Harga naik, kata Tempo.",
            "Sementara itu tempoh dan kompas-nya tetap.",
            "(ANTARA) Kompas TV melaporkan Kompas",
        ],
        ("Kompas", "Tempo", "KOMPAS.com", "Antara", "Kompas TV"),
    )
    assert masked[0] == "jakarta, _mask_ — harga naik, kata _mask_."
    assert masked[1] == "sementara itu tempoh dan _mask_-nya tetap."
    assert masked[2] == "(_mask_) _mask_ melaporkan _mask_"
    for text in masked:
        assert "kompas" not in text and "antara" not in text.replace("_mask_", "")


def test_masker_keeps_the_target_column_of_stance_rows() -> None:
    rows = stance_rows(["Kompas memuji Musk", "Tempo: Trump"], ["Elon Musk", "Donald Trump"])
    masked = TextMasker(("Kompas", "Tempo"), column=0).transform(rows)
    assert masked.tolist() == [
        ["_mask_ memuji musk", "Elon Musk"],
        ["_mask_: trump", "Donald Trump"],
    ]


def test_stance_features_put_the_asked_target_behind_a_placeholder() -> None:
    features = StanceFeatures(aliases={"Elon Musk": ["Musk"], "Donald Trump": ["Trump"]})
    rows = stance_rows(["trump memuji musk"] * 2, ["Elon Musk", "Donald Trump"])
    assert features.target_texts(rows) == ["trump memuji _target_", "_target_ memuji musk"]


# ---------------------------------------------------------------- estimator contract


@pytest.mark.parametrize(
    "estimator",
    [
        TextMasker(("Kompas",)),
        TextFeatures(),
        StanceFeatures(aliases={"X": ("Twitter",)}),
        CalibratedLinearClassifier(),
        ThresholdedOneVsRest(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_estimators_follow_the_parameter_contract(estimator: object) -> None:
    name = type(estimator).__name__
    assert clone(estimator).get_params() == estimator.get_params()  # type: ignore[attr-defined]
    check_parameters_default_constructible(name, estimator)
    check_no_attributes_set_in_init(name, estimator)
    check_get_params_invariance(name, estimator)
    check_set_params(name, estimator)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
def test_calibrated_classifier_passes_sklearn_estimator_checks() -> None:
    check_estimator(CalibratedLinearClassifier())


def test_multilabel_head_passes_sklearn_multilabel_checks() -> None:
    head = ThresholdedOneVsRest()
    name = type(head).__name__
    check_classifiers_multilabel_representation_invariance(name, head)
    check_classifiers_multilabel_output_format_predict(name, head)
    check_classifiers_multilabel_output_format_predict_proba(name, head)
