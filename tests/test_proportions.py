"""Wilson intervals and two-outlet tests, checked against statsmodels and scipy."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from annotator.proportions import CHI_SQUARE, FISHER, NO_TEST, compare_proportions, wilson


@given(
    st.integers(min_value=1, max_value=5000).flatmap(
        lambda n: st.tuples(st.integers(0, n), st.just(n))
    )
)
def test_wilson_equals_statsmodels(case: tuple[int, int]) -> None:
    count, n = case
    low, high = wilson([count], [n])
    expected = proportion_confint(count, n, alpha=0.05, method="wilson")
    assert np.allclose([low[0], high[0]], expected, rtol=0, atol=1e-12)


def test_wilson_is_nan_without_trials_and_vectorised() -> None:
    low, high = wilson([0, 3, 10], [0, 10, 10])
    assert math.isnan(low[0]) and math.isnan(high[0])
    expected = proportion_confint(np.array([3, 10]), np.array([10, 10]), method="wilson")
    assert np.allclose(low[1:], expected[0]) and np.allclose(high[1:], expected[1])
    assert math.isclose(high[2], 1.0) and low[1] < 0.3 < high[1]


def test_a_large_difference_is_significant_and_a_small_one_is_not() -> None:
    tests = compare_proportions([80, 50], [100, 100], [20, 48], [100, 100])
    assert tests.test == [CHI_SQUARE, CHI_SQUARE]
    assert tests.p[0] < 1e-15 and tests.significant[0]
    assert tests.p[1] > 0.5 and not tests.significant[1]
    for i, (a, b) in enumerate(((80, 20), (50, 48))):
        _, p, _, _ = stats.chi2_contingency([[a, 100 - a], [b, 100 - b]], correction=False)
        assert math.isclose(tests.p[i], p, rel_tol=1e-9)


def test_small_expected_counts_use_fisher_exact() -> None:
    tests = compare_proportions([3, 9], [10, 10], [0, 0], [12, 10])
    assert tests.test == [FISHER, FISHER]
    for i, table in enumerate(([[3, 7], [0, 12]], [[9, 1], [0, 10]])):
        assert math.isclose(tests.p[i], stats.fisher_exact(table).pvalue, rel_tol=1e-12)
    assert tests.significant[1] and not tests.significant[0]


def test_benjamini_hochberg_equals_statsmodels_and_skips_untested_cells() -> None:
    rng = np.random.default_rng(7)
    n_a, n_b = rng.integers(20, 200, 30), rng.integers(20, 200, 30)
    n_a[:6] = n_b[:6] = 8  # small cells: Fisher's test
    count_a = rng.binomial(n_a, rng.uniform(0.05, 0.6, 30))
    count_b = rng.binomial(n_b, rng.uniform(0.05, 0.6, 30))
    n_b[4] = count_b[4] = 0  # outlet b has no labels for this cell: no test
    tests = compare_proportions(count_a, n_a, count_b, n_b, alpha=0.1)
    assert tests.test[4] == NO_TEST and math.isnan(tests.p[4]) and not tests.significant[4]
    kept = np.arange(30) != 4
    reject, adjusted, _, _ = multipletests(tests.p[kept], alpha=0.1, method="fdr_bh")
    assert np.allclose(tests.p_adjusted[kept], adjusted)
    assert (tests.significant[kept] == reject).all()
    assert {FISHER, CHI_SQUARE} <= set(tests.test)
