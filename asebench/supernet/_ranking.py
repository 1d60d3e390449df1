"""Ranking fidelity: do a supernet's inherited-weight scores order sub-networks as training
them alone does?

Sub-networks are picked to span the MAdds range (the smallest, the largest, and random ones at
evenly spaced MAdds quantiles); the agreement of the two accuracy lists is Kendall's tau and
Spearman's rho, each with a 95% percentile bootstrap interval over the sub-networks (pairs
resampled together, degenerate resamples with a constant list skipped). What a search cares
about is the top of the ranking: :func:`top_overlap` counts the sub-networks both lists put
in their top k, :func:`regret` is how much true accuracy is lost by taking the predictor's
best instead of the truly best one. Needs numpy and scipy only.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from asebench.errors import AsebenchError
from asebench.records import Arch
from asebench.spaces import MobileNetSpace

__all__ = ["RankFidelity", "rank_fidelity", "regret", "spread_archs", "tau_difference",
           "top_overlap"]


@dataclass(frozen=True)
class RankFidelity:
    """Rank agreement of two accuracy lists over the same sub-networks.

    Attributes:
        n: sub-networks compared.
        tau, tau_low, tau_high: Kendall's tau-b and its 95% bootstrap interval.
        rho, rho_low, rho_high: Spearman's rho and its 95% bootstrap interval.
        resamples: bootstrap resamples used (degenerate ones excluded).
    """

    n: int
    tau: float
    tau_low: float
    tau_high: float
    rho: float
    rho_low: float
    rho_high: float
    resamples: int


def spread_archs(space: MobileNetSpace, madds: Callable[[Arch], float], n: int, seed: int,
                 pool: int = 2000) -> list[Arch]:
    """``n`` distinct sub-networks spanning the MAdds range, ordered by MAdds.

    The space's smallest and largest networks, and between them the random samples (of
    ``pool``) nearest to ``n - 2`` evenly spaced MAdds quantiles.
    """
    if n < 2:
        raise AsebenchError(f"need >= 2 sub-networks to rank, got {n}")
    rng = np.random.default_rng(seed)
    sample = space.sample
    canonical = space.canonical
    ends = [canonical(space.smallest()), canonical(space.largest())]
    candidates = list({canonical(sample(rng)): None for _ in range(pool)})
    candidates = [a for a in candidates if a not in ends]
    costs = np.array([madds(a) for a in candidates])
    order = np.argsort(costs, kind="stable")
    chosen: list[Arch] = []
    for q in np.linspace(0, 1, n)[1:-1]:
        target = np.quantile(costs, q)
        for i in np.argsort(np.abs(costs[order] - target), kind="stable"):
            arch = candidates[order[i]]
            if arch not in chosen:
                chosen.append(arch)
                break
    picked = [ends[0], *chosen, ends[1]]
    return sorted(picked, key=madds)


def _tau(x: np.ndarray, y: np.ndarray) -> float:
    with warnings.catch_warnings():  # a constant list has no rank order: NaN, said in reports
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        return float(stats.kendalltau(x, y).statistic)


def _rho(x: np.ndarray, y: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        return float(stats.spearmanr(x, y).statistic)


def rank_fidelity(scores: Sequence[float], truth: Sequence[float], resamples: int = 2000,
                  seed: int = 0) -> RankFidelity:
    """Kendall's tau and Spearman's rho of ``scores`` against ``truth`` with bootstrap CIs."""
    x, y = np.asarray(scores, dtype=float), np.asarray(truth, dtype=float)
    if x.shape != y.shape or len(x) < 3:
        raise AsebenchError("rank fidelity needs two equally long lists of >= 3 values")
    rng = np.random.default_rng(seed)
    taus, rhos = [], []
    for _ in range(resamples):
        idx = rng.integers(len(x), size=len(x))
        xs, ys = x[idx], y[idx]
        if np.ptp(xs) == 0 or np.ptp(ys) == 0:
            continue
        taus.append(_tau(xs, ys))
        rhos.append(_rho(xs, ys))
    tau, rho = _tau(x, y), _rho(x, y)

    def ci(values: list[float]) -> tuple[float, float]:
        clean = [v for v in values if not math.isnan(v)]
        if not clean:
            return math.nan, math.nan
        low, high = np.percentile(clean, [2.5, 97.5])
        return float(low), float(high)

    (tl, th), (rl, rh) = ci(taus), ci(rhos)
    return RankFidelity(len(x), tau, tl, th, rho, rl, rh, len(taus))


def tau_difference(first: Sequence[float], second: Sequence[float], truth: Sequence[float],
                   resamples: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """``tau(first, truth) - tau(second, truth)`` and its 95% paired bootstrap interval (the
    same sub-networks resampled for both predictors, degenerate resamples skipped): whether
    one predictor ranks better than another, with the uncertainty of the sub-networks drawn."""
    x1, x2 = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    y = np.asarray(truth, dtype=float)
    if not (x1.shape == x2.shape == y.shape) or len(y) < 3:
        raise AsebenchError("a tau difference needs three equally long lists of >= 3 values")
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(resamples):
        idx = rng.integers(len(y), size=len(y))
        if np.ptp(x1[idx]) == 0 or np.ptp(x2[idx]) == 0 or np.ptp(y[idx]) == 0:
            continue
        diffs.append(_tau(x1[idx], y[idx]) - _tau(x2[idx], y[idx]))
    clean = [d for d in diffs if not math.isnan(d)]
    if not clean:
        return _tau(x1, y) - _tau(x2, y), math.nan, math.nan
    low, high = np.percentile(clean, [2.5, 97.5])
    return _tau(x1, y) - _tau(x2, y), float(low), float(high)


def _top(values: np.ndarray, k: int) -> set[int]:
    """Indices of the ``k`` largest values (ties: the earlier index first)."""
    return set(np.argsort(-values, kind="stable")[:k].tolist())


def top_overlap(scores: Sequence[float], truth: Sequence[float], k: int = 5) -> int:
    """How many of the ``k`` best by ``truth`` are among the ``k`` best by ``scores``."""
    x, y = np.asarray(scores, dtype=float), np.asarray(truth, dtype=float)
    if x.shape != y.shape or not 1 <= k <= len(x):
        raise AsebenchError(f"top-{k} overlap needs two equally long lists of >= {k} values")
    return len(_top(x, k) & _top(y, k))


def regret(scores: Sequence[float], truth: Sequence[float]) -> float:
    """``max(truth) - truth[i]`` for ``i`` the best by ``scores`` (ties: the first): the true
    accuracy lost by trusting ``scores`` to pick one."""
    x, y = np.asarray(scores, dtype=float), np.asarray(truth, dtype=float)
    if x.shape != y.shape or len(x) == 0:
        raise AsebenchError("regret needs two equally long, non-empty lists")
    return float(y.max() - y[int(np.argmax(x))])
