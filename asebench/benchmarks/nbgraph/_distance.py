"""Fig. 6's statistic on NAS-Bench-Graph: |accuracy difference| against the seven-position
Hamming distance, exact over every pair of valid combinations (the space searchers see).

:func:`~asebench.figures.pairwise_distance_stats` is exact and fast on a full product grid;
the valid combinations are the grid less the 24 all-skip cells. So the grid is filled (any
finite value there), the grid statistics are turned back into per-distance sums, and the
ordered pairs that touch an all-skip cell are subtracted exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from asebench.benchmarks.nbgraph._backend import NBGraphBackend
from asebench.figures import pairwise_distance_stats

__all__ = ["distance_stats", "grid_pair_stats", "same_network_share"]


def _sums(stats: pd.DataFrame, length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    count, total, squares = (np.zeros(length + 1) for _ in range(3))
    distance = stats["distance"].to_numpy(dtype=np.int64)
    pairs = stats["pairs"].to_numpy(dtype=np.float64)
    mean = stats["mean_abs_diff"].to_numpy(dtype=np.float64)
    std = stats["std_abs_diff"].to_numpy(dtype=np.float64)
    count[distance] = pairs
    total[distance] = mean * pairs
    squares[distance] = (std ** 2 + mean ** 2) * pairs
    return count, total, squares


def grid_pair_stats(dense: np.ndarray, values: np.ndarray,
                    grid_shape: tuple[int, ...]) -> pd.DataFrame:
    """:func:`pairwise_distance_stats` of the archs ``dense`` (codes ``0..n-1`` per position,
    each cell of ``grid_shape`` at most once) with ``values``, via the full grid."""
    length = len(grid_shape)
    full = np.array(np.unravel_index(np.arange(int(np.prod(grid_shape))), grid_shape)).T
    filled = np.zeros(len(full))
    flat = np.ravel_multi_index(np.asarray(dense).T, grid_shape)
    present = np.zeros(len(full), dtype=bool)
    present[flat] = True
    filled[flat] = values
    count, total, squares = _sums(pairwise_distance_stats(full, filled), length)
    for s in np.flatnonzero(~present):
        dist = (full != full[s]).sum(axis=1)
        diff = np.abs(filled - filled[s])
        others = np.arange(len(full)) != s
        # pairs (s, x) for every x != s, and (x, s) for the x that are not themselves missing
        for mask in (others, others & present):
            np.subtract.at(count, dist[mask], 1.0)
            np.subtract.at(total, dist[mask], diff[mask])
            np.subtract.at(squares, dist[mask], diff[mask] ** 2)
    rows = []
    for d in range(1, length + 1):
        if count[d] <= 0.5:
            continue
        mean = total[d] / count[d]
        rows.append((d, mean, float(np.sqrt(max(squares[d] / count[d] - mean * mean, 0.0))),
                     int(round(count[d]))))
    return pd.DataFrame(rows, columns=["distance", "mean_abs_diff", "std_abs_diff", "pairs"])


def _dense(backend: NBGraphBackend) -> tuple[np.ndarray, tuple[int, ...]]:
    """The backend's rows with each position's allowed codes relabelled 0..n-1 (proteins);
    Hamming distances are unchanged."""
    space = backend.space
    allowed = [space.allowed_choices(p) for p in range(space.num_positions)]
    codes = backend.arch_codes()
    columns = []
    for p, choices in enumerate(allowed):
        lookup = np.full(max(choices) + 1, -1, dtype=np.int64)
        lookup[list(choices)] = np.arange(len(choices))
        columns.append(lookup[codes[:, p]])
    return np.stack(columns, axis=1), tuple(len(a) for a in allowed)


def distance_stats(backend: NBGraphBackend, column: str = "test_accuracy") -> pd.DataFrame:
    """Per distance 1..7: mean and std of |v(a) - v(b)| over ordered pairs of distinct valid
    combinations, and the pair count (columns as ``pairwise_distance_stats``)."""
    dense, shape = _dense(backend)
    return grid_pair_stats(dense, np.asarray(backend.values(column), dtype=np.float64), shape)


def same_network_share(backend: NBGraphBackend) -> float:
    """Share of the distance-1 pairs of valid combinations that are the same network (one
    hash): such pairs differ by exactly 0 and make neighbours look alike."""
    codes = backend.arch_codes()
    keys = backend.keys_of_rows()
    same = pairs = 0
    for p in range(codes.shape[1]):
        rest = np.delete(codes, p, axis=1)
        _, group = np.unique(rest, axis=0, return_inverse=True)
        group = group.ravel()
        sizes = np.bincount(group)
        pairs += int((sizes * (sizes - 1)).sum())
        _, both = np.unique(np.stack([group, keys], axis=1), axis=0, return_counts=True)
        same += int((both * (both - 1)).sum())
    return same / pairs
