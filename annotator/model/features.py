"""Text features: outlet masking and word + character n-gram TF-IDF, fast.

Start with :class:`TextFeatures`: word n-grams and ``char_wb`` character
n-grams (Indonesian affixes: ``me-``, ``di-``, ``-kan``, ``-nya``), each a
TF-IDF block as scikit-learn's ``TfidfVectorizer`` computes it, side by side.
The fitted vectorizers are plain ``TfidfVectorizer`` objects (``word_``,
``char_``): calling their own ``transform`` gives the same matrices, only
slower. The speed comes from counting the whole batch at once (see
:mod:`annotator.model.counting` and :mod:`annotator.model.chargrams`): the
text is split into whitespace words once, the n-grams of each *distinct*
word are found once, and a document's counts are its word counts times the
word-by-n-gram matrix. For prediction, :meth:`TextFeatures.linear_scores`
scores a linear model without building the TF-IDF matrix at all.

:class:`TextMasker` replaces given strings (outlet names, bylines) by one
placeholder before vectorising, so what carries an outlet's identity is not
what the model learns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from annotator.model.chargrams import char_counts, char_word_by_gram
from annotator.model.counting import (
    Batch,
    int32_indices,
    prune_and_sort,
    word_counts,
    word_counts_new,
)
from annotator.model.weighting import Weighted, weigh, weigh_lazily

MASK_TOKEN = "_mask_"
CHUNK = 4096  # rows counted, weighted and scored at a time: small arrays stay in cache


def check_texts(X: Iterable[str]) -> list[str]:
    """``X`` as a list of strings, or a ``ValueError`` naming the first non-string."""
    if isinstance(X, str):
        raise ValueError("expected a sequence of texts, got a single string")
    texts = list(X)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"text {i} is {type(text).__name__}, not a string")
    return texts


# ---------------------------------------------------------------- masking


def _needles(strings: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({s.strip().lower() for s in strings if s and s.strip()}))


@lru_cache(maxsize=256)
def _mask_pattern(needles: tuple[str, ...]) -> re.Pattern[str]:
    # Whole words only ("Tempo" must not eat "tempoh"); longest first so
    # "Kompas TV" wins over "Kompas".
    ordered = sorted(needles, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordered)) + r")(?!\w)")


def mask_texts(
    texts: Sequence[str], strings: Iterable[str], placeholder: str = MASK_TOKEN
) -> list[str]:
    """Lower-case ``texts`` and replace each whole-word occurrence of
    ``strings`` (matched in lower case) by ``placeholder``.

    The regular expression runs only on texts that contain a string at all:
    one substring search per string over the whole batch finds them, so
    masking costs little when most sentences name no outlet.
    """
    lowered = [t.lower() for t in texts]
    needles = _needles(strings)
    if not needles or not lowered:
        return lowered
    pattern = _mask_pattern(needles)
    big = "\x00".join(lowered)
    starts = np.cumsum([0] + [len(t) + 1 for t in lowered[:-1]])
    hits: list[int] = []
    for needle in needles:
        pos = big.find(needle)
        while pos >= 0:
            hits.append(pos)
            pos = big.find(needle, pos + 1)
    if not hits:
        return lowered
    for i in np.unique(np.searchsorted(starts, hits, side="right") - 1):
        lowered[i] = pattern.sub(placeholder, lowered[i])
    return lowered


class TextMasker(TransformerMixin, BaseEstimator):
    """Lower-cases texts and masks given strings (outlet names, bylines).

    ``strings``: a tuple of strings, matched case-insensitively as whole
    words and replaced by ``placeholder``, so every outlet looks the same to
    the vectorizers that follow. ``column``: for rows of several columns
    (stance: text and target), the one holding the text; the others pass
    through. Stateless: ``fit`` learns nothing.
    """

    def __init__(
        self,
        strings: tuple[str, ...] = (),
        placeholder: str = MASK_TOKEN,
        column: int | None = None,
    ) -> None:
        self.strings = strings
        self.placeholder = placeholder
        self.column = column

    def fit(self, X: Any, y: Any = None) -> TextMasker:
        if self.column is None:
            check_texts(X)
        else:
            check_texts(np.asarray(X, dtype=object)[:, self.column].tolist())
        return self

    def transform(self, X: Any) -> Any:
        if self.column is None:
            return mask_texts(check_texts(X), self.strings, self.placeholder)
        rows = np.array(X, dtype=object)
        if rows.ndim != 2:
            raise ValueError("expected rows of columns (e.g. text and target)")
        column = check_texts(rows[:, self.column].tolist())
        rows[:, self.column] = mask_texts(column, self.strings, self.placeholder)
        return rows

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.requires_fit = False
        return tags


# ---------------------------------------------------------------- the transformer


class TextFeatures(TransformerMixin, BaseEstimator):
    """Word and ``char_wb`` TF-IDF n-grams of lower-cased text, side by side.

    Each block is what ``TfidfVectorizer(ngram_range=..., min_df=...,
    max_df=..., max_features=..., sublinear_tf=...)`` gives (word block with
    the default token pattern, character block with ``analyzer="char_wb"``),
    L2-normalised on its own. ``char_ngrams=None`` leaves the character block
    out. ``fast=False`` uses scikit-learn's code (same result, for checking).
    """

    def __init__(
        self,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] | None = (4, 4),
        min_df: int | float = 2,
        max_df: int | float = 1.0,
        max_features: int | None = None,
        sublinear_tf: bool = True,
        fast: bool = True,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.fast = fast

    def _vectorizers(self) -> list[TfidfVectorizer]:
        common = {
            "min_df": self.min_df,
            "max_df": self.max_df,
            "max_features": self.max_features,
            "sublinear_tf": self.sublinear_tf,
        }
        found = [TfidfVectorizer(ngram_range=tuple(self.word_ngrams), **common)]
        if self.char_ngrams is not None:
            found.append(
                TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self.char_ngrams), **common)
            )
        return found

    def fit(self, X: Iterable[str], y: Any = None) -> TextFeatures:
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Iterable[str], y: Any = None, **fit_params: Any) -> sp.csr_array:
        texts = check_texts(X)
        if not texts:
            raise ValueError("no texts to learn a vocabulary from")
        lowered = [t.lower() for t in texts]
        batch = Batch.split(lowered) if self.fast else None
        blocks = []
        fitted = []
        for vectorizer in self._vectorizers():
            blocks.append(self._fit_block(vectorizer, lowered, batch))
            fitted.append(vectorizer)
        self.word_ = fitted[0]
        self.char_ = fitted[1] if len(fitted) > 1 else None
        self.n_features_out_ = sum(b.shape[1] for b in blocks)
        return _stack(blocks)

    def _fit_block(
        self, vectorizer: TfidfVectorizer, lowered: list[str], batch: Batch | None
    ) -> sp.csr_array:
        try:
            if batch is None:
                return sp.csr_array(vectorizer.fit_transform(lowered))
            if vectorizer.analyzer == "word":
                counts, terms = word_counts_new(batch, vectorizer.ngram_range)
            else:
                vocabulary: dict[str, int] = {}
                counts = char_counts(batch, vectorizer.ngram_range, vocabulary, grow=True)
                terms = list(vocabulary)
            if not terms:
                raise ValueError("empty vocabulary: the texts hold no words")
            counts, vectorizer.vocabulary_ = prune_and_sort(counts, terms, vectorizer)
            vectorizer.fixed_vocabulary_ = False
            vectorizer.idf_ = TfidfTransformer(smooth_idf=vectorizer.smooth_idf).fit(counts).idf_
            return weigh(counts, vectorizer)
        except ValueError as error:
            if "no terms remain" in str(error) and vectorizer.min_df != 1:
                # A handful of labels: keep words seen once rather than none.
                vectorizer.set_params(min_df=1, max_df=1.0)
                return self._fit_block(vectorizer, lowered, batch)
            raise

    def transform(self, X: Iterable[str]) -> sp.csr_array:
        return _stack(self.transform_blocks(X))

    def transform_blocks(self, X: Iterable[str]) -> list[sp.csr_array]:
        """The word block and the character block, not yet side by side."""
        check_is_fitted(self, "word_")
        lowered = [t.lower() for t in check_texts(X)]
        if not self.fast:
            return [sp.csr_array(v.transform(lowered)) for v in self._fitted()]
        return [weigh(c, v) for c, v in zip(self._counts(lowered), self._fitted(), strict=True)]

    def map_blocks(
        self,
        X: Iterable[str],
        fn: Callable[[slice, list[Weighted]], np.ndarray],
        *,
        n_jobs: int | None = None,
        chunk_size: int | None = None,
    ) -> np.ndarray:
        """``fn(rows, blocks)`` on consecutive chunks of rows, stacked.

        ``blocks`` are the chunk's word and character blocks as
        :class:`~annotator.model.weighting.Weighted` parts. The distinct words
        of the whole batch are analysed once; each chunk's counting, weighting
        and ``fn`` run in one of ``n_jobs`` threads (numpy and scipy release
        the GIL there).
        """
        check_is_fitted(self, "word_")
        lowered = [t.lower() for t in check_texts(X)]
        n = len(lowered)
        if not self.fast:
            parts = [sp.csr_array(v.transform(lowered)) for v in self._fitted()]
            return fn(slice(0, n), [Weighted(p, None, np.ones(n)) for p in parts])
        batch = Batch.split(lowered)
        words = word_counts(batch, self.word_)
        doc_by_word = batch.doc_by_word()
        word_by_gram = None
        if self.char_ is not None:
            vocabulary = self.char_.vocabulary_
            word_by_gram = char_word_by_gram(
                batch, self.char_.ngram_range, vocabulary, grow=False, vectorizer=self.char_
            )

        def work(rows: slice) -> np.ndarray:
            blocks = [weigh_lazily(words[rows], self.word_)]
            if word_by_gram is not None:
                counts = sp.csr_array(doc_by_word[rows] @ word_by_gram)
                blocks.append(weigh_lazily(counts, self.char_))
            return fn(rows, blocks)

        size = chunk_size or CHUNK
        chunks = [slice(i, min(i + size, n)) for i in range(0, n, size)]
        if not chunks:
            return fn(slice(0, 0), [])
        if n_jobs is not None and n_jobs > 1 and len(chunks) > 1:
            with ThreadPoolExecutor(n_jobs) as pool:
                return np.vstack(list(pool.map(work, chunks)))
        return np.vstack([work(rows) for rows in chunks])

    def _fitted(self) -> list[TfidfVectorizer]:
        return [v for v in (self.word_, self.char_) if v is not None]

    def _counts(self, lowered: list[str]) -> list[sp.csr_array]:
        batch = Batch.split(lowered)
        counts = [word_counts(batch, self.word_)]
        if self.char_ is not None:
            vocabulary = self.char_.vocabulary_
            counts.append(
                char_counts(
                    batch, self.char_.ngram_range, vocabulary, grow=False, vectorizer=self.char_
                )
            )
        return counts

    def linear_scores(
        self,
        X: Iterable[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        *,
        n_jobs: int | None = None,
    ) -> np.ndarray:
        """``transform(X) @ coef.T + intercept``, without building the matrix."""

        def score(rows: slice, blocks: list[Weighted]) -> np.ndarray:
            if not blocks:
                return np.zeros((0, coef.shape[0]))
            return block_scores(blocks, coef) + intercept

        return self.map_blocks(X, score, n_jobs=n_jobs)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "word_")
        names = [f"word__{t}" for t in self.word_.get_feature_names_out()]
        if self.char_ is not None:
            names += [f"char__{t}" for t in self.char_.get_feature_names_out()]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def _stack(blocks: list[sp.csr_array]) -> sp.csr_array:
    if len(blocks) == 1:
        return blocks[0]
    stacked = sp.hstack(blocks, format="csr")
    return int32_indices(stacked if isinstance(stacked, sp.csr_array) else sp.csr_array(stacked))


def block_scores(
    blocks: list[Weighted], coef: np.ndarray, rows: slice | np.ndarray | None = None
) -> np.ndarray:
    """``hstack(blocks)[rows] @ coef.T``, block by block."""
    scores: np.ndarray | None = None
    start = 0
    for block in blocks:
        width = block.tf.shape[1]
        part = block.scores(coef[:, start : start + width], rows)
        scores = part if scores is None else scores + part
        start += width
    assert scores is not None
    return scores
