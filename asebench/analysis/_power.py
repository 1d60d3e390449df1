"""How many paired seeds a comparison needs: the normal approximation to a paired test's power.

For paired differences with standard deviation ``sd``, a two-sided test at level ``alpha`` on
``n`` seeds detects a true mean difference ``d`` with probability ``power`` when
``d >= (z(1 - alpha/2) + z(power)) * sd / sqrt(n)``. The Wilcoxon signed-rank test has at
least 86% of the t-test's efficiency for any distribution (95.5% for normal differences), so
these numbers are slightly optimistic for it; they say what order of n separates two methods.
"""

from __future__ import annotations

import math

from scipy.stats import norm

__all__ = ["detectable_difference", "seeds_to_detect"]


def _z(alpha: float, power: float) -> float:
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError(f"alpha and power must lie in (0, 1), got {alpha} and {power}")
    return float(norm.ppf(1 - alpha / 2) + norm.ppf(power))


def detectable_difference(sd: float, n: int, alpha: float = 0.05, power: float = 0.8) -> float:
    """The smallest true mean difference ``n`` paired seeds detect with ``power``
    (``nan`` for fewer than 2 seeds)."""
    if n < 2 or not math.isfinite(sd):
        return float("nan")
    return _z(alpha, power) * sd / math.sqrt(n)


def seeds_to_detect(difference: float, sd: float, alpha: float = 0.05,
                    power: float = 0.8) -> float:
    """Paired seeds needed to detect a true mean ``difference`` with ``power`` (``inf`` for a
    zero difference, ``nan`` when ``sd`` is not finite)."""
    if not math.isfinite(sd) or not math.isfinite(difference):
        return float("nan")
    if difference == 0:
        return float("inf")
    return float(max(2, math.ceil((_z(alpha, power) * sd / abs(difference)) ** 2)))
