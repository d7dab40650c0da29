"""Batch counting of ``char_wb`` n-grams (scikit-learn's semantics), with numpy.

Start with :func:`char_counts` / :func:`char_word_by_gram`. The n-grams of
``" word "`` are found for each *distinct* word of a batch at once: every
n-gram of up to 6 characters is packed exactly into two 64-bit integers (21
bits per code point) and looked up in the fitted vocabulary's packed keys
(a :class:`~annotator.model.counting.KeyTable`); a document's counts are its
word counts times the word-by-n-gram matrix. Longer n-grams, or text with
NUL characters, take the plain Python path. Same counts as
``CountVectorizer(analyzer="char_wb")``.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from annotator.model.counting import SEP, Batch, KeyTable, csr_counts

_BITS = 21  # enough for any Unicode code point
_PACKED = 6  # code points per n-gram that two 64-bit keys hold exactly


def char_wb_grams(word: str, min_n: int, max_n: int) -> list[str]:
    """scikit-learn's ``char_wb`` n-grams of one whitespace-free word."""
    w = f" {word} "
    size = len(w)
    grams: list[str] = []
    for n in range(min_n, max_n + 1):
        if size <= n:  # a short word counts once, whole
            grams.append(w)
            break
        grams.extend([w[i : i + n] for i in range(size - n + 1)])
    return grams


def _code_points(strings: list[str], pad: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Code points of the strings (each as ``" s "`` if ``pad``) end to end, each
    position's string, and the strings' lengths."""
    text = (" " + "  ".join(strings) + " ") if pad else "".join(strings)
    if not strings:
        text = ""
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.uint64)
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings)) + (2 if pad else 0)
    return cp, np.repeat(np.arange(len(strings)), lengths), lengths


def _pack(cp: np.ndarray, starts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The n code points from each start as two exact 64-bit keys."""
    high = np.zeros(len(starts), dtype=np.uint64)
    low = np.zeros(len(starts), dtype=np.uint64)
    for i in range(n):
        key, slot = (high, 2 - i) if i < 3 else (low, 5 - i)
        key |= cp[starts + i] << np.uint64(_BITS * slot)
    return high, low


def _windows(
    cp: np.ndarray, owner: np.ndarray, lengths: np.ndarray, min_n: int, max_n: int
) -> Iterable[tuple[int, np.ndarray]]:
    """Start positions of the ``char_wb`` n-grams of padded words, by length."""
    for n in range(min_n, max_n + 1):
        m = len(cp) - n + 1
        if m <= 0:
            break
        yield n, np.flatnonzero(owner[:m] == owner[n - 1 :])
    short = np.flatnonzero(lengths < min_n)  # a word shorter than min_n counts once, whole
    if len(short):
        word_starts = np.cumsum(lengths) - lengths
        for size in np.unique(lengths[short]).tolist():
            yield size, word_starts[short[lengths[short] == size]]


@dataclass
class _CharIndex:
    """A fitted ``char_wb`` vocabulary as packed keys, per n-gram length."""

    by_length: dict[int, KeyTable]

    @classmethod
    def build(cls, vocabulary: dict[str, int]) -> _CharIndex | None:
        grams = list(vocabulary)
        if any(len(g) > _PACKED or "\x00" in g for g in grams):
            return None
        cp, _, lengths = _code_points(grams, pad=False)
        starts = np.cumsum(lengths) - lengths
        ids = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(grams))
        by_length = {}
        for size in np.unique(lengths).tolist():
            at = np.flatnonzero(lengths == size)
            high, low = _pack(cp, starts[at], size)
            by_length[size] = KeyTable(high, low, ids[at])
        return cls(by_length)

    def lookup(self, size: int, high: np.ndarray, low: np.ndarray) -> np.ndarray:
        """Feature index of each packed n-gram (-1: not in the vocabulary)."""
        table = self.by_length.get(size)
        if table is None or not len(high):
            return np.full(len(high), -1, dtype=np.int64)
        return table.lookup(high, low)


_CHAR_INDEXES: weakref.WeakKeyDictionary[TfidfVectorizer, _CharIndex | None] = (
    weakref.WeakKeyDictionary()
)


def _unpack(high: np.ndarray, low: np.ndarray, size: int) -> list[str]:
    """The strings of packed n-grams of ``size`` code points."""
    mask = np.uint64((1 << _BITS) - 1)
    cps = np.empty((len(high), size), dtype="<u4")
    for i in range(size):
        key, slot = (high, 2 - i) if i < 3 else (low, 5 - i)
        cps[:, i] = (key >> np.uint64(_BITS * slot)) & mask
    return np.ascontiguousarray(cps).view(f"<U{size}").ravel().tolist()


def char_counts(
    batch: Batch,
    ngram_range: tuple[int, int],
    vocabulary: dict[str, int],
    *,
    grow: bool,
    vectorizer: TfidfVectorizer | None = None,
) -> sp.csr_array:
    """Document-by-n-gram counts; ``grow``: add unseen n-grams to ``vocabulary``."""
    word_by_gram = char_word_by_gram(
        batch, ngram_range, vocabulary, grow=grow, vectorizer=vectorizer
    )
    return sp.csr_array(batch.doc_by_word() @ word_by_gram)


def char_word_by_gram(
    batch: Batch,
    ngram_range: tuple[int, int],
    vocabulary: dict[str, int],
    *,
    grow: bool,
    vectorizer: TfidfVectorizer | None = None,
) -> sp.csr_array:
    """Counts of n-grams per distinct word (rows: ``batch.distinct``)."""
    min_n, max_n = ngram_range
    kept = [i for i, w in enumerate(batch.distinct) if w != SEP]
    words = [batch.distinct[i] for i in kept]
    row_of_word = np.asarray(kept, dtype=np.int64)
    packable = max_n <= _PACKED and not any("\x00" in w for w in words)
    index = None
    if packable and not grow:
        assert vectorizer is not None
        if vectorizer not in _CHAR_INDEXES:
            _CHAR_INDEXES[vectorizer] = _CharIndex.build(vocabulary)
        index = _CHAR_INDEXES[vectorizer]
    rows, cols = [], []
    if not packable or (not grow and index is None):
        lists = [char_wb_grams(w, min_n, max_n) for w in words]
        flat = list(chain.from_iterable(lists))
        if grow:
            for gram in dict.fromkeys(flat):
                vocabulary.setdefault(gram, len(vocabulary))
        ids = np.fromiter(map(vocabulary.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        sizes = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        owners = np.repeat(np.arange(len(lists)), sizes)
        rows.append(owners[ids >= 0])
        cols.append(ids[ids >= 0])
    else:
        cp, owner, lengths = _code_points(words, pad=True)
        for size, starts in _windows(cp, owner, lengths, min_n, max_n):
            high, low = _pack(cp, starts, size)
            if grow:
                ids = _grow(vocabulary, size, high, low)
            else:
                assert index is not None
                ids = index.lookup(size, high, low)
            known = ids >= 0
            rows.append(owner[starts[known]])
            cols.append(ids[known])
    rows = [row_of_word[r] for r in rows]
    return csr_counts(rows, cols, (len(batch.distinct), len(vocabulary)))


def _grow(vocabulary: dict[str, int], size: int, high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """Feature index of each packed n-gram, adding the new ones to ``vocabulary``."""
    if not len(high):
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((low, high))
    h, lo = high[order], low[order]
    first = np.r_[True, (h[1:] != h[:-1]) | (lo[1:] != lo[:-1])]
    group = np.cumsum(first) - 1
    names = _unpack(h[first], lo[first], size)
    start = len(vocabulary)
    vocabulary.update(zip(names, range(start, start + len(names)), strict=True))
    ids = np.empty(len(high), dtype=np.int64)
    ids[order] = start + group
    return ids
