"""Small statistics shared by the figure families: summaries and one-sided comparisons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _sps

from asebench.analysis._paired import wilcoxon_p

__all__ = ["Comparison", "compare", "summarize"]

SUMMARY_COLUMNS = ["mean", "std", "n"]


def summarize(frame: pd.DataFrame, by: Sequence[str], value: str) -> pd.DataFrame:
    """Mean, sample std (0 for a single value) and count of ``value`` per group of ``by``."""
    grouped = frame.groupby(list(by), sort=False, observed=True)[value]
    out = grouped.agg(mean="mean", std="std", n="count").reset_index()
    out["std"] = out["std"].fillna(0.0)
    return out


@dataclass(frozen=True)
class Comparison:
    """Is ``a`` larger than ``b``? Means, and a one-sided test's p-value.

    The test is the one-sided Wilcoxon signed-rank test (zero differences dropped) when both
    samples come from the same seeds (paired), otherwise the Mann-Whitney U test; ``p`` is
    NaN when a test is impossible (fewer than two values, or all differences zero).
    """

    mean_a: float
    mean_b: float
    p: float
    paired: bool

    @property
    def higher(self) -> bool:
        return self.mean_a > self.mean_b

    def claim(self, alpha: float = 0.05) -> str:
        """Status of the claim "a > b": ``supported`` (higher, one-sided p < alpha),
        ``not significant`` (higher, p >= alpha) or ``reversed`` (a <= b)."""
        if not self.higher:
            return "reversed"
        return "supported" if np.isfinite(self.p) and self.p < alpha else "not significant"


def compare(a: pd.DataFrame, b: pd.DataFrame, value: str, key: str = "seed") -> Comparison:
    """Compare ``a[value]`` with ``b[value]``, pairing rows on ``key`` when both have it."""
    mean_a, mean_b = float(a[value].mean()), float(b[value].mean())
    paired = key in a.columns and key in b.columns
    if paired:
        joined = a[[key, value]].merge(b[[key, value]], on=key, suffixes=("_a", "_b"))
        paired = len(joined) >= 2 and len(joined) == len(a) == len(b)
    p = float("nan")
    try:
        if paired:
            diff = joined[f"{value}_a"].to_numpy() - joined[f"{value}_b"].to_numpy()
            p = wilcoxon_p(diff, alternative="greater", zero_method="wilcox",
                           if_all_zero=float("nan"))
        elif len(a) >= 2 and len(b) >= 2:
            p = float(_sps.mannwhitneyu(a[value], b[value], alternative="greater").pvalue)
    except ValueError:
        p = float("nan")
    return Comparison(mean_a, mean_b, p, paired)
