"""Batch n-gram counting with scikit-learn's ``word`` semantics, and the shared parts.

Used by :class:`~annotator.model.features.TextFeatures`; start with
:class:`Batch`, :func:`word_counts` and :func:`prune_and_sort` (character
n-grams are in :mod:`annotator.model.chargrams`, TF-IDF weights in
:mod:`annotator.model.weighting`). scikit-learn's ``CountVectorizer`` runs
Python code for every n-gram of every document; here a batch of lower-cased
documents is split once into occurrences of *distinct* whitespace words,
the tokens of the default ``\\b\\w\\w+\\b`` pattern are found once per distinct
word, and word n-grams become integer keys over a token table, looked up in
an open-addressing :class:`KeyTable`. The counts, vocabulary and order equal
``CountVectorizer``'s (``tests/test_model_features.py`` compares them).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

# Joins documents for a single split(); no lower-cased text contains an
# upper-case "A", so this token marks document boundaries only.
SEP = "A"
_findall = re.compile(r"(?u)\b\w\w+\b").findall  # scikit-learn's default token pattern
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))


def int32_indices(X: sp.csr_array) -> sp.csr_array:
    """``X`` with 32-bit index arrays, which scikit-learn's estimators require."""
    if X.indices.dtype != np.int32 and max(X.nnz, X.shape[1]) < 2**31:
        X.indices = X.indices.astype(np.int32)
        X.indptr = X.indptr.astype(np.int32)
    return X


@dataclass
class Batch:
    """Documents as occurrences of distinct whitespace-separated words."""

    n_docs: int
    distinct: list[str]  # may include SEP, which no occurrence refers to
    codes: np.ndarray  # distinct-word index of each occurrence, in reading order
    doc_of: np.ndarray  # document of each occurrence

    @classmethod
    def split(cls, lowered: list[str]) -> Batch:
        words = f" {SEP} ".join(lowered).split()
        index = {w: i for i, w in enumerate(dict.fromkeys(words))}
        codes = np.fromiter(map(index.__getitem__, words), dtype=np.int32, count=len(words))
        is_sep = codes == index.get(SEP, -1)
        doc_of = np.cumsum(is_sep, dtype=np.int32)[~is_sep]
        return cls(len(lowered), list(index), codes[~is_sep], doc_of)

    def doc_by_word(self) -> sp.csr_array:
        ones = np.ones(len(self.codes))
        shape = (self.n_docs, len(self.distinct))
        return int32_indices(sp.csr_array((ones, (self.doc_of, self.codes)), shape=shape))


def csr_counts(
    rows: list[np.ndarray], cols: list[np.ndarray], shape: tuple[int, int]
) -> sp.csr_array:
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int32)
    # Float counts (exact): the product with them is the count matrix that
    # term weighting then rewrites in place, with no second copy.
    return int32_indices(sp.csr_array((np.ones(len(r)), (r, c)), shape=shape))


def _mix(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    return np.asarray((high * _MIX[0]) ^ (low * _MIX[1]) ^ (high >> np.uint64(29)))


class KeyTable:
    """Exact lookup of 128-bit keys (two uint64 arrays): an open-addressing
    hash table in numpy arrays, probed for a whole batch of keys at once."""

    def __init__(self, high: np.ndarray, low: np.ndarray, ids: np.ndarray) -> None:
        size = 1 << max(4, int(4 * len(high) - 1).bit_length())  # load factor <= 1/4
        self.shift = np.uint64(64 - (size.bit_length() - 1))
        self.mask = size - 1
        self.high = np.zeros(size, dtype=np.uint64)
        self.low = np.zeros(size, dtype=np.uint64)
        self.ids = np.full(size, -1, dtype=np.int64)
        pending = np.arange(len(high))
        slot = self._slot(high, low)
        while len(pending):
            at = slot[pending]
            free = self.ids[at] == -1
            taken, first = np.unique(at[free], return_index=True)
            winners = pending[free][first]
            self.ids[taken], self.high[taken], self.low[taken] = (
                ids[winners],
                high[winners],
                low[winners],
            )
            placed = np.zeros(len(high), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            slot[pending] = (slot[pending] + 1) & self.mask

    def _slot(self, high: np.ndarray, low: np.ndarray) -> np.ndarray:
        return (_mix(high, low) >> self.shift).astype(np.int64)

    def lookup(self, high: np.ndarray, low: np.ndarray) -> np.ndarray:
        """The id of each key (-1: absent)."""
        found = np.full(len(high), -1, dtype=np.int64)
        active = np.arange(len(high))
        slot = self._slot(high, low)
        while len(active):
            at = slot[active]
            ids = self.ids[at]
            hit = (ids >= 0) & (self.high[at] == high[active]) & (self.low[at] == low[active])
            found[active[hit]] = ids[hit]
            going = (ids >= 0) & ~hit  # the slot holds another key: probe the next one
            active = active[going]
            slot[active] = (at[going] + 1) & self.mask
        return found


# ---------------------------------------------------------------- word n-grams


@dataclass
class _WordIndex:
    """Word n-grams of a fitted vocabulary as integer keys over a token table."""

    tokens: dict[str, int]
    tables: list[KeyTable]  # per n (index n - min_n)
    unigrams: np.ndarray  # per token, its feature as a 1-gram (-1: none): a lookup, not a hash

    @classmethod
    def build(cls, vocabulary: dict[str, int], ngram_range: tuple[int, int]) -> _WordIndex:
        min_n, max_n = ngram_range
        split_terms = [(term.split(" "), index) for term, index in vocabulary.items()]
        parts = chain.from_iterable(p for p, _ in split_terms)
        tokens = {t: i for i, t in enumerate(dict.fromkeys(parts))}
        size = max(len(tokens), 1)
        by_n: list[tuple[list[int], list[int]]] = [([], []) for _ in range(min_n, max_n + 1)]
        for terms, index in split_terms:
            key = 0
            for term in terms:
                key = key * size + tokens[term]
            by_n[len(terms) - min_n][0].append(key)
            by_n[len(terms) - min_n][1].append(index)
        tables = []
        for keys, features in by_n:
            packed = np.asarray(keys, dtype=np.int64).astype(np.uint64)
            tables.append(KeyTable(packed, np.zeros_like(packed), np.asarray(features, np.int64)))
        unigrams = np.full(len(tokens), -1, dtype=np.int64)
        if min_n == 1:
            keys, features = by_n[0]
            unigrams[np.asarray(keys, dtype=np.int64)] = features
        return cls(tokens, tables, unigrams)


_WORD_INDEXES: weakref.WeakKeyDictionary[TfidfVectorizer, _WordIndex] = weakref.WeakKeyDictionary()


def _token_sequence(
    batch: Batch, tokens: dict[str, int], grow: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Token ids of the batch in reading order (-1: not in ``tokens``) and their documents."""
    # A word of letters and digits only is its own token: skip the regex.
    lists = [
        [w] if len(w) > 1 and w.isalnum() else ([] if w == SEP else _findall(w))
        for w in batch.distinct
    ]
    flat = list(chain.from_iterable(lists))
    if grow:
        for token in dict.fromkeys(flat):
            tokens.setdefault(token, len(tokens))
    ids = np.fromiter(map(tokens.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
    sizes = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    per_occurrence = sizes[batch.codes]
    total = int(per_occurrence.sum())
    offsets = np.cumsum(per_occurrence) - per_occurrence
    gather = np.repeat(starts[batch.codes] - offsets, per_occurrence) + np.arange(total)
    return ids[gather], np.repeat(batch.doc_of, per_occurrence)


def _ngram_keys(
    seq: np.ndarray, docs: np.ndarray, n: int, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Integer keys of the n-grams inside documents (and their documents)."""
    m = len(seq) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    key = seq[:m].copy()
    valid = (docs[:m] == docs[n - 1 :]) & (key >= 0)
    for j in range(1, n):
        part = seq[j : j + m]
        valid &= part >= 0
        key = key * size + part
    return key[valid], docs[:m][valid]


def word_counts(batch: Batch, vectorizer: TfidfVectorizer) -> sp.csr_array:
    """Document-by-term counts over a fitted word vocabulary."""
    index = _WORD_INDEXES.get(vectorizer)
    if index is None:
        index = _WordIndex.build(vectorizer.vocabulary_, vectorizer.ngram_range)
        _WORD_INDEXES[vectorizer] = index
    seq, docs = _token_sequence(batch, index.tokens, grow=False)
    size = max(len(index.tokens), 1)
    rows, cols = [], []
    min_n, max_n = vectorizer.ngram_range
    for n in range(min_n, max_n + 1):
        keys, key_docs = _ngram_keys(seq, docs, n, size)
        if n == 1:
            found = index.unigrams[keys]  # a 1-gram's key is its token id
        else:
            packed = keys.astype(np.uint64)
            found = index.tables[n - min_n].lookup(packed, np.zeros_like(packed))
        rows.append(key_docs[found >= 0])
        cols.append(found[found >= 0])
    return csr_counts(rows, cols, (batch.n_docs, len(vectorizer.vocabulary_)))


def word_counts_new(batch: Batch, ngram_range: tuple[int, int]) -> tuple[sp.csr_array, list[str]]:
    """Document-by-term counts and the terms, for learning a vocabulary."""
    tokens: dict[str, int] = {}
    seq, docs = _token_sequence(batch, tokens, grow=True)
    names = np.asarray(list(tokens), dtype=object)
    size = max(len(tokens), 1)
    if size ** ngram_range[1] >= 2**63:
        raise OverflowError("too many distinct tokens for integer n-gram keys")
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    terms: list[str] = []
    offset = 0
    for n in range(ngram_range[0], ngram_range[1] + 1):
        keys, key_docs = _ngram_keys(seq, docs, n, size)
        distinct, inverse = np.unique(keys, return_inverse=True)
        parts = []
        rest = distinct.copy()
        for _ in range(n):
            rest, last = np.divmod(rest, size)
            parts.append(names[last])
        parts.reverse()
        terms.extend(" ".join(p) for p in zip(*parts, strict=True))
        rows.append(key_docs)
        cols.append(inverse.ravel() + offset)
        offset += len(distinct)
    return csr_counts(rows, cols, (batch.n_docs, offset)), terms


# ---------------------------------------------------------------- vocabulary


def prune_and_sort(
    X: sp.csr_array, terms: Sequence[str], vectorizer: TfidfVectorizer
) -> tuple[sp.csr_array, dict[str, int]]:
    """Keep and order the terms as ``CountVectorizer.fit_transform`` does."""
    n_doc = X.shape[0]
    max_df, min_df, limit = vectorizer.max_df, vectorizer.min_df, vectorizer.max_features
    high = float(max_df if isinstance(max_df, Integral) else max_df * n_doc)
    low = float(min_df if isinstance(min_df, Integral) else min_df * n_doc)
    if high < low:
        raise ValueError("max_df corresponds to < documents than min_df")
    # Code-point order, as sorted() on str; numpy's fixed-width strings drop
    # trailing NUL characters, so terms holding one are sorted as objects.
    has_nul = any("\x00" in t for t in terms)
    names = np.asarray(terms, dtype=object if has_nul else str)
    order = np.argsort(names, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    indices = rank[X.indices]
    dfs = np.bincount(indices, minlength=len(order))
    mask = (dfs >= low) & (dfs <= high)
    if limit is not None and mask.sum() > limit:
        tfs = np.bincount(indices, weights=X.data, minlength=len(order))
        chosen = (-tfs[mask]).argsort()[:limit]
        new_mask = np.zeros(len(dfs), dtype=bool)
        new_mask[np.flatnonzero(mask)[chosen]] = True
        mask = new_mask
    if not mask.any():
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    new_index = np.cumsum(mask) - 1
    keep = mask[indices]
    row_of = np.repeat(np.arange(n_doc), np.diff(X.indptr))
    pruned = sp.csr_array(
        (X.data[keep], (row_of[keep], new_index[indices[keep]])),
        shape=(n_doc, int(mask.sum())),
    )
    kept = names[order][mask]
    return pruned, dict(zip(kept.tolist(), range(len(kept)), strict=True))
