"""The one paired test: scipy's Wilcoxon signed-rank test, with explicit sidedness, zero
handling and degenerate cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from asebench.analysis._paired import wilcoxon_p

DIFF = np.array([0.3, -0.1, 0.0, 0.5, 0.2, 0.0, 0.4, -0.2, 0.6, 0.1])


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("zero_method", ["wilcox", "pratt", "zsplit"])
def test_equals_scipy_for_every_sidedness_and_zero_method(alternative, zero_method) -> None:
    expected = stats.wilcoxon(DIFF, zero_method=zero_method, alternative=alternative).pvalue
    assert wilcoxon_p(DIFF, alternative=alternative, zero_method=zero_method,
                      if_all_zero=1.0) == float(expected)


def test_sidedness_changes_the_answer() -> None:
    greater = wilcoxon_p(DIFF, alternative="greater", zero_method="wilcox", if_all_zero=1.0)
    less = wilcoxon_p(DIFF, alternative="less", zero_method="wilcox", if_all_zero=1.0)
    two = wilcoxon_p(DIFF, alternative="two-sided", zero_method="wilcox", if_all_zero=1.0)
    assert greater < 0.05 < less
    assert two == pytest.approx(2 * greater)


@pytest.mark.parametrize("diff", [np.zeros(5), np.array([])])
def test_no_nonzero_difference_gives_the_callers_value(diff) -> None:
    assert wilcoxon_p(diff, alternative="two-sided", zero_method="wilcox",
                      if_all_zero=1.0) == 1.0
    assert math.isnan(wilcoxon_p(diff, alternative="greater", zero_method="zsplit",
                                 if_all_zero=float("nan")))


def test_too_few_pairs_is_nan_before_the_zero_check() -> None:
    assert math.isnan(wilcoxon_p([0.4], alternative="two-sided", zero_method="wilcox",
                                 if_all_zero=1.0, min_pairs=2))
    assert math.isnan(wilcoxon_p([0.0], alternative="two-sided", zero_method="wilcox",
                                 if_all_zero=1.0, min_pairs=2))
    assert wilcoxon_p([0.4], alternative="two-sided", zero_method="wilcox",
                      if_all_zero=1.0) == 1.0
