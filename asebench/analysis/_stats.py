"""Paired statistics: Wilcoxon signed-rank test and a bootstrap interval of the mean
difference."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from asebench.analysis._paired import wilcoxon_p

__all__ = ["PairedComparison", "bootstrap_mean_ci", "paired_comparison"]


class PairedComparison(NamedTuple):
    """``a - b`` over paired seeds."""

    n: int
    mean_diff: float
    ci_low: float
    ci_high: float
    p_value: float


def bootstrap_mean_ci(diff: np.ndarray, level: float = 0.95, resamples: int = 10_000,
                      seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of ``mean(diff)`` (deterministic for a fixed seed)."""
    diff = np.asarray(diff, dtype=np.float64)
    if diff.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    step = max(1, 2_000_000 // max(diff.size, 1))
    for lo in range(0, resamples, step):
        hi = min(lo + step, resamples)
        means[lo:hi] = diff[rng.integers(0, diff.size, size=(hi - lo, diff.size))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def paired_comparison(a: np.ndarray, b: np.ndarray, seed: int = 0) -> PairedComparison:
    """Two-sided Wilcoxon signed-rank test of ``a`` vs ``b`` (paired) and a 95% bootstrap
    interval of the mean of ``a - b`` (:func:`~asebench.analysis._paired.wilcoxon_p`, zero
    differences dropped). All-equal pairs give p = 1."""
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if diff.size == 0:
        return PairedComparison(0, float("nan"), float("nan"), float("nan"), float("nan"))
    p = wilcoxon_p(diff, alternative="two-sided", zero_method="wilcox", if_all_zero=1.0)
    low, high = bootstrap_mean_ci(diff, seed=seed)
    return PairedComparison(int(diff.size), float(diff.mean()), low, high, p)
