"""Fig. 6: accuracy difference against architecture distance, exact over all pairs.

For a set of archs (rows of op codes) and one value per arch, :func:`pairwise_distance_stats`
gives, for each Hamming distance d >= 1, the mean and standard deviation of |v(a) - v(b)| over all
ordered pairs (a, b) of distinct archs at distance d, and the number of such pairs.

When the archs form a full product space (NB201: all 5^6 cells) the statistics come from sums
over groups of archs that agree outside a set of positions S, followed by inclusion-exclusion
over the subsets of S; this visits each arch 2^L times instead of N times, so all
15,625^2 - 15,625 pairs take milliseconds. Any other set of archs is handled by direct pairwise
comparison in chunks. Both are exact; the tests compare them against a plain double loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from asebench.errors import AsebenchError
from asebench.tables import NB201Table

__all__ = [
    "PAPER_FIG6",
    "distance_accuracy_table",
    "pairwise_distance_stats",
]

STATS_COLUMNS = ["distance", "mean_abs_diff", "std_abs_diff", "pairs"]

PAPER_FIG6 = pd.DataFrame({
    "dataset": ["cifar10", "cifar10"],
    "distance": [1, 2],
    "mean_abs_diff": [4.49, 6.69],
    "std_abs_diff": [6.1, 9.5],
})
"""The NB201 CIFAR-10 numbers quoted in the paper's Sec. V-A (from 100 sampled trials)."""

_CHUNK_ELEMENTS = 1 << 23


def _check(codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes = np.asarray(codes)
    values = np.asarray(values, dtype=np.float64)
    if codes.ndim != 2 or codes.shape[0] < 2:
        raise AsebenchError(f"codes must be an (N >= 2, L) array, got shape {codes.shape}")
    if values.shape != (codes.shape[0],):
        raise AsebenchError(
            f"need one value per arch: {codes.shape[0]} archs, values of shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise AsebenchError("values must be finite (found NaN or inf)")
    if codes.min() < 0:
        raise AsebenchError("codes must be non-negative choice indices")
    return codes.astype(np.int64), values


def _full_grid(codes: np.ndarray, values: np.ndarray) -> np.ndarray | None:
    """``values`` as an array of shape ``sizes`` if ``codes`` cover the product space once."""
    sizes = tuple(int(s) for s in codes.max(axis=0) + 1)
    if int(np.prod(sizes, dtype=np.int64)) != codes.shape[0]:
        return None
    flat = np.ravel_multi_index(tuple(codes.T), sizes)
    if np.bincount(flat, minlength=codes.shape[0]).max() != 1:
        return None
    grid = np.empty(codes.shape[0])
    grid[flat] = values
    return grid.reshape(sizes)


def _grid_sums(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, sum |dv| and sum dv^2 over ordered pairs, by distance, on a full grid."""
    length = grid.ndim
    subsets = 1 << length
    f_count = np.zeros(subsets, dtype=np.int64)
    f_sum = np.zeros(subsets)
    f_sq = np.zeros(subsets)
    for mask in range(subsets):
        inside = [p for p in range(length) if mask >> p & 1]
        outside = [p for p in range(length) if not mask >> p & 1]
        # each row: the archs that agree with each other on every position outside `mask`
        rows = np.transpose(grid, outside + inside).reshape(-1, int(np.prod(
            [grid.shape[p] for p in inside], dtype=np.int64)))
        n = rows.shape[1]
        f_count[mask] = rows.shape[0] * n * n
        ranked = np.sort(rows, axis=1)
        weights = 2.0 * np.arange(n) - (n - 1)
        f_sum[mask] = 2.0 * float((ranked @ weights).sum())
        centred = rows - rows.mean(axis=1, keepdims=True)
        f_sq[mask] = 2.0 * n * float((centred * centred).sum())
    count = np.zeros(length + 1, dtype=np.int64)
    total = np.zeros(length + 1)
    squares = np.zeros(length + 1)
    for mask in range(subsets):
        # inclusion-exclusion: pairs differing on exactly `mask` from pairs agreeing outside it
        g_count, g_sum, g_sq = 0, 0.0, 0.0
        sub = mask
        while True:
            sign = -1 if (mask.bit_count() - sub.bit_count()) & 1 else 1
            g_count += sign * int(f_count[sub])
            g_sum += sign * f_sum[sub]
            g_sq += sign * f_sq[sub]
            if sub == 0:
                break
            sub = (sub - 1) & mask
        d = mask.bit_count()
        count[d] += g_count
        total[d] += g_sum
        squares[d] += g_sq
    return count, total, squares


def _chunked_sums(codes: np.ndarray, values: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, sum |dv| and sum dv^2 over ordered pairs, by distance, for any set of archs."""
    n, length = codes.shape
    count = np.zeros(length + 1, dtype=np.int64)
    total = np.zeros(length + 1)
    squares = np.zeros(length + 1)
    step = max(1, _CHUNK_ELEMENTS // (n * length))
    for start in range(0, n, step):
        block = slice(start, start + step)
        dist = (codes[block, None, :] != codes[None, :, :]).sum(axis=2).ravel()
        diff = np.abs(values[block, None] - values[None, :]).ravel()
        count += np.bincount(dist, minlength=length + 1)
        total += np.bincount(dist, weights=diff, minlength=length + 1)
        squares += np.bincount(dist, weights=diff * diff, minlength=length + 1)
    return count, total, squares


def pairwise_distance_stats(codes: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    """Mean/std of |values[a] - values[b]| over all ordered pairs of distinct archs, by distance.

    Args:
        codes: ``(N, L)`` non-negative choice indices, one row per arch.
        values: ``(N,)`` finite values (e.g. test accuracy in %), one per arch.

    Returns:
        One row per distance 1..L that occurs, with columns ``distance``, ``mean_abs_diff``,
        ``std_abs_diff`` (population std over pairs) and ``pairs`` (ordered pair count).
        Two rows that are the same arch count as distance 0 and are left out.
    """
    codes, values = _check(codes, values)
    grid = _full_grid(codes, values)
    count, total, squares = (_grid_sums(grid) if grid is not None
                             else _chunked_sums(codes, values))
    rows = []
    for d in range(1, codes.shape[1] + 1):
        if count[d] <= 0:
            continue
        mean = total[d] / count[d]
        var = max(squares[d] / count[d] - mean * mean, 0.0)
        rows.append((d, mean, float(np.sqrt(var)), int(count[d])))
    return pd.DataFrame(rows, columns=STATS_COLUMNS)


def distance_accuracy_table(table: NB201Table, column: str = "test_acc_200_mean",
                            datasets: Sequence[str] | None = None) -> pd.DataFrame:
    """Fig. 6 statistics of an NB201 table: :func:`pairwise_distance_stats` per dataset.

    Args:
        table: an :class:`asebench.tables.NB201Table` (e.g. ``default_table()``).
        column: the per-arch accuracy column (default: the 200-epoch mean test accuracy).
        datasets: datasets to include (default: all of the table's).

    Returns:
        Columns ``dataset``, ``distance``, ``mean_abs_diff``, ``std_abs_diff``, ``pairs``.
    """
    frames = []
    for dataset in datasets or table.datasets:
        values = table.column(dataset, column)
        stats = pairwise_distance_stats(table.arch_codes, values)
        frames.append(stats.assign(dataset=dataset))
    return pd.concat(frames, ignore_index=True)[["dataset", *STATS_COLUMNS]]
