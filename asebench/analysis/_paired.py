"""The one paired test of asebench: the Wilcoxon signed-rank test of paired differences.

Every paired p-value in the tables, figures and reports comes from :func:`wilcoxon_p`. The
callers differ in what they ask (one- or two-sided, how zero differences count, what a
degenerate sample gives), so each passes that explicitly instead of relying on defaults.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Alternative", "ZeroMethod", "wilcoxon_p"]

Alternative = Literal["two-sided", "greater", "less"]
ZeroMethod = Literal["wilcox", "pratt", "zsplit"]


def wilcoxon_p(diff: ArrayLike, *, alternative: Alternative, zero_method: ZeroMethod,
               if_all_zero: float, min_pairs: int = 0) -> float:
    """p-value of the Wilcoxon signed-rank test of the paired differences ``diff = a - b``.

    Sidedness: ``alternative`` is scipy's: ``"two-sided"`` (a and b differ), ``"greater"``
    (a > b, i.e. the differences are shifted above zero) or ``"less"``.

    Zero handling: ``zero_method`` is scipy's: ``"wilcox"`` drops zero differences before
    ranking, ``"pratt"`` ranks them and then drops them, ``"zsplit"`` splits their ranks
    between the positive and negative sums. A sample with no non-zero difference (none at
    all included) is not tested: it gives ``if_all_zero`` (1.0 says "no evidence of a
    difference", NaN says "no test").

    Args:
        diff: the paired differences, one per seed (NaN-free).
        alternative: the alternative hypothesis, see above.
        zero_method: how zero differences count, see above.
        if_all_zero: the p-value returned when every difference is zero or there are none.
        min_pairs: fewer differences than this give NaN (no test), checked before the
            zero check (default: no minimum).

    Returns:
        The p-value; scipy's own errors (e.g. ``ValueError``) propagate.
    """
    values = np.asarray(diff, dtype=np.float64)
    if values.size < min_pairs:
        return float("nan")
    if not np.any(values != 0):
        return float(if_all_zero)
    from scipy.stats import wilcoxon

    return float(wilcoxon(values, zero_method=zero_method, alternative=alternative).pvalue)
