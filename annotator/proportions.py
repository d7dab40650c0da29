"""Proportions with honest uncertainty: Wilson intervals and two-sample tests.

Start with :func:`wilson` (95% interval of k successes in n, vectorised) and
:func:`compare_proportions` (one 2x2 test per pair of proportions, with
Benjamini-Hochberg adjustment across them). Plain numpy in, numpy out; the
outlet comparison (:mod:`annotator.outlets`) builds its tables on these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Z_95 = 1.959963984540054  # the normal quantile of 0.975
# Pearson's chi-square needs every expected count at least this; below it
# Fisher's exact test is used instead (Cochran's rule for 2x2 tables).
MIN_EXPECTED = 5.0
FISHER, CHI_SQUARE, NO_TEST = "fisher", "chi-square", ""


def wilson(
    count: ArrayLike, n: ArrayLike, *, z: float = Z_95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval (low, high) of ``count`` successes in ``n``
    trials; NaN where ``n`` is 0. Equals statsmodels'
    ``proportion_confint(count, n, method="wilson")``."""
    k = np.asarray(count, dtype=np.float64)
    trials = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / trials
        z2n = z * z / trials
        centre = (p + z2n / 2) / (1 + z2n)
        half = z * np.sqrt(p * (1 - p) / trials + z2n / (4 * trials)) / (1 + z2n)
    empty = trials <= 0
    low = np.where(empty, np.nan, np.clip(centre - half, 0.0, 1.0))
    high = np.where(empty, np.nan, np.clip(centre + half, 0.0, 1.0))
    return low, high


@dataclass(frozen=True)
class Tests:
    """One row per compared pair: p-value, BH-adjusted p-value, which test."""

    p: NDArray[np.float64]
    p_adjusted: NDArray[np.float64]
    significant: NDArray[np.bool_]
    test: list[str]


def compare_proportions(
    count_a: ArrayLike,
    n_a: ArrayLike,
    count_b: ArrayLike,
    n_b: ArrayLike,
    *,
    alpha: float = 0.05,
) -> Tests:
    """Whether ``count_a/n_a`` differs from ``count_b/n_b``, pair by pair.

    Each pair is the 2x2 table (with / without, in a / in b): Fisher's exact
    test (two-sided) when any expected count is below :data:`MIN_EXPECTED`,
    else Pearson's chi-square without continuity correction. The p-values
    are adjusted together by Benjamini-Hochberg (false discovery rate
    ``alpha``). A pair with an empty side (``n`` 0) is not tested: NaN,
    left out of the adjustment, never significant.
    """
    from scipy import stats  # imported here: a second of start-up the home page does not need

    a = np.asarray(count_a, dtype=np.float64)
    b = np.asarray(count_b, dtype=np.float64)
    na = np.asarray(n_a, dtype=np.float64)
    nb = np.asarray(n_b, dtype=np.float64)
    table = np.stack([a, na - a, b, nb - b], axis=-1).reshape(-1, 2, 2)
    rows, cols = table.sum(axis=2), table.sum(axis=1)
    total = rows.sum(axis=1)
    testable = (na > 0) & (nb > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = rows[:, :, None] * cols[:, None, :] / total[:, None, None]
        # Pearson's statistic of a 2x2 table in closed form.
        statistic = (
            total
            * (table[:, 0, 0] * table[:, 1, 1] - table[:, 0, 1] * table[:, 1, 0]) ** 2
            / (rows[:, 0] * rows[:, 1] * cols[:, 0] * cols[:, 1])
        )
    exact = testable & (expected.reshape(-1, 4).min(axis=1) < MIN_EXPECTED)
    p = np.full(len(table), np.nan)
    chi = testable & ~exact
    p[chi] = stats.chi2.sf(statistic[chi], df=1)
    # Fisher's test has no vectorised form; this loops over cells, not sentences.
    for i in np.flatnonzero(exact):
        p[i] = stats.fisher_exact(table[i].astype(np.int64), alternative="two-sided").pvalue
    adjusted = np.full(len(table), np.nan)
    if testable.any():
        adjusted[testable] = stats.false_discovery_control(p[testable], method="bh")
    test = np.where(exact, FISHER, np.where(chi, CHI_SQUARE, NO_TEST)).tolist()
    significant = testable & (np.nan_to_num(adjusted, nan=1.0) <= alpha)
    return Tests(p=p, p_adjusted=adjusted, significant=significant, test=test)
