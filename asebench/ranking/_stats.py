"""Average ranks, the Friedman test, the Nemenyi post-hoc test and the critical difference.

Ranks run 1 (best: highest score) to k, ties sharing the average. The Friedman test is
scipy's ``friedmanchisquare`` (tasks as blocks, methods as groups; tie-corrected), with the
Iman-Davenport F form Demsar (2006) recommends beside it. The pairwise p-values are
scikit-posthocs' Nemenyi test for a complete block design (``posthoc_nemenyi_friedman``:
the studentized range over all k(k-1)/2 pairs, which controls the family-wise error), and the
critical difference is Nemenyi's, ``q_alpha * sqrt(k (k + 1) / (6 N))`` with ``q_alpha`` the
studentized range quantile over sqrt(2) (Demsar's Table 5a).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from asebench.errors import AsebenchError

__all__ = ["FriedmanResult", "critical_difference", "friedman", "nemenyi", "rank_rows"]


def rank_rows(scores: pd.DataFrame) -> pd.DataFrame:
    """Rank each row of ``scores`` (rows: blocks, columns: methods): 1 = highest score,
    ties share their average rank."""
    ranks = stats.rankdata(-scores.to_numpy(dtype=np.float64), axis=1, method="average")
    return pd.DataFrame(ranks, index=scores.index, columns=scores.columns)


@dataclass(frozen=True)
class FriedmanResult:
    """The Friedman test over N blocks (tasks) of k methods.

    Attributes:
        statistic: the chi-square statistic (tie-corrected), k - 1 degrees of freedom.
        p_value: its p-value.
        iman_davenport: the F statistic ``(N - 1) chi2 / (N (k - 1) - chi2)`` (infinite when
            every block ranks the methods alike).
        iman_davenport_p: its p-value, F distribution with k - 1 and (k - 1)(N - 1) df.
        k: methods; n: blocks.
    """

    statistic: float
    p_value: float
    iman_davenport: float
    iman_davenport_p: float
    k: int
    n: int


def friedman(scores: pd.DataFrame) -> FriedmanResult:
    """The Friedman test on ``scores`` (rows: tasks, columns: methods; no missing value).

    Raises:
        AsebenchError: fewer than 3 methods or 2 tasks, or every method ties on every task
            (nothing to test).
    """
    n, k = scores.shape
    if k < 3 or n < 2:
        raise AsebenchError(f"the Friedman test needs at least 3 methods on 2 tasks, got {k} "
                            f"on {n}")
    values = scores.to_numpy(dtype=np.float64)
    if (values == values[:, :1]).all():
        raise AsebenchError("every method has the same score on every task: nothing to rank")
    result = stats.friedmanchisquare(*values.T)
    chi2, p_value = float(result.statistic), float(result.pvalue)
    denominator = n * (k - 1) - chi2
    df1, df2 = k - 1, (k - 1) * (n - 1)
    if denominator <= 0:
        f_stat, f_p = math.inf, 0.0
    else:
        f_stat = (n - 1) * chi2 / denominator
        f_p = float(stats.f.sf(f_stat, df1, df2))
    return FriedmanResult(chi2, p_value, f_stat, f_p, k, n)


def nemenyi(scores: pd.DataFrame) -> pd.DataFrame:
    """Pairwise Nemenyi p-values (methods x methods, 1 on the diagonal) from scikit-posthocs'
    ``posthoc_nemenyi_friedman`` on ``scores`` (rows: tasks, columns: methods)."""
    import scikit_posthocs

    values = scores.to_numpy(dtype=np.float64)
    p_values = scikit_posthocs.posthoc_nemenyi_friedman(values)
    matrix = np.asarray(p_values, dtype=np.float64)
    return pd.DataFrame(matrix, index=scores.columns, columns=scores.columns)


def critical_difference(k: int, n: int, alpha: float = 0.05) -> float:
    """Nemenyi's critical difference of average ranks for ``k`` methods on ``n`` tasks."""
    q_alpha = float(stats.studentized_range.ppf(1.0 - alpha, k, np.inf)) / math.sqrt(2.0)
    return q_alpha * math.sqrt(k * (k + 1) / (6.0 * n))
