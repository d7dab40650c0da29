"""TF-IDF weights of count matrices, as scikit-learn's ``TfidfTransformer`` computes them.

Start with :func:`weigh` (the weighted matrix) or :func:`weigh_lazily` (its
parts, for scoring a linear model without building the matrix).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from annotator.model.counting import int32_indices


def weigh(counts: sp.csr_array, vectorizer: TfidfVectorizer) -> sp.csr_array:
    """``TfidfTransformer.transform`` of a count matrix (same numbers)."""
    X = term_frequencies(counts, vectorizer)
    if vectorizer.use_idf:
        X.data *= vectorizer.idf_[X.indices]
    if vectorizer.norm is not None:
        X = normalize(X, norm=vectorizer.norm, copy=False)
    return X


def term_frequencies(counts: sp.csr_array, vectorizer: TfidfVectorizer) -> sp.csr_array:
    """Counts turned into term frequencies, in place (the caller owns ``counts``)."""
    tf = int32_indices(sp.csr_array(counts, dtype=np.float64))
    if vectorizer.sublinear_tf and tf.nnz:
        # Most counts are 1, whose weight is 1 + log(1) = 1.
        more = np.flatnonzero(tf.data > 1.0)
        tf.data[more] = np.log(tf.data[more]) + 1.0
    return tf


class Weighted(NamedTuple):
    """A TF-IDF block kept as parts: ``tf * idf / norm`` per row, never multiplied out.

    Scoring a linear model needs one pass over the counts instead of the
    several that weighting and normalising them in place take.
    """

    tf: sp.csr_array  # counts, sublinear if asked
    idf: np.ndarray | None
    norms: np.ndarray  # each row's norm of tf * idf (1 where there is nothing)

    def scores(self, coef: np.ndarray, rows: slice | np.ndarray | None = None) -> np.ndarray:
        """``(tf * idf / norm)[rows] @ coef.T``; a slice of rows costs no copy."""
        weights = coef * self.idf if self.idf is not None else coef
        if rows is None:
            tf, norms = self.tf, self.norms
        elif isinstance(rows, slice):
            tf, norms = row_view(self.tf, rows), self.norms[rows]
        else:
            tf, norms = self.tf[rows], self.norms[rows]
        return np.asarray(tf @ weights.T) / norms[:, None]


def row_view(X: sp.csr_array, rows: slice) -> sp.csr_array:
    """Rows ``start:stop`` of a CSR matrix sharing its data and indices."""
    start, stop, _ = rows.indices(X.shape[0])
    first, last = X.indptr[start], X.indptr[stop]
    return sp.csr_array(
        (X.data[first:last], X.indices[first:last], X.indptr[start : stop + 1] - first),
        shape=(stop - start, X.shape[1]),
        copy=False,
    )


def weigh_lazily(counts: sp.csr_array, vectorizer: TfidfVectorizer) -> Weighted:
    """The parts of ``weigh(counts, vectorizer)`` (same numbers once combined)."""
    tf = term_frequencies(counts, vectorizer)
    idf = vectorizer.idf_ if vectorizer.use_idf else None
    weights = idf if idf is not None else np.ones(tf.shape[1])
    norms = np.ones(tf.shape[0])
    if vectorizer.norm == "l2" and tf.nnz:
        # sum(tf² idf²) = sum(tf idf²) + sum((tf² - tf) idf²), the second only
        # over the few entries whose tf is not 1: no squared copy of the matrix.
        norms = np.asarray(tf @ np.square(weights))
        more = np.flatnonzero(tf.data != 1.0) if vectorizer.sublinear_tf else np.arange(tf.nnz)
        if len(more):
            rows = np.searchsorted(tf.indptr, more, side="right") - 1
            extra = (np.square(tf.data[more]) - tf.data[more]) * np.square(
                weights[tf.indices[more]]
            )
            norms += np.bincount(rows, weights=extra, minlength=tf.shape[0])
        norms = np.sqrt(norms)
    elif vectorizer.norm == "l1" and tf.nnz:
        norms = np.asarray(abs(tf) @ np.abs(weights))
    norms[norms == 0] = 1.0
    return Weighted(tf, idf, norms)
