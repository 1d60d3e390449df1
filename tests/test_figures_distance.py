"""Fig. 6 statistics: exact pair statistics against brute force, on the real table and toys."""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pandas as pd
import pytest

from asebench.errors import AsebenchError
from asebench.figures import distance_accuracy_table, pairwise_distance_stats
from asebench.tables import default_table


def brute_force(codes: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    """A plain double loop over ordered pairs of distinct rows."""
    by_distance: dict[int, list[float]] = {}
    for i, j in itertools.permutations(range(len(codes)), 2):
        d = int(np.sum(codes[i] != codes[j]))
        if d:
            by_distance.setdefault(d, []).append(abs(float(values[i]) - float(values[j])))
    rows = [(d, np.mean(v), np.std(v), len(v)) for d, v in sorted(by_distance.items())]
    return pd.DataFrame(rows, columns=["distance", "mean_abs_diff", "std_abs_diff", "pairs"])


def assert_same(ours: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert list(ours["distance"]) == list(ref["distance"])
    assert list(ours["pairs"]) == list(ref["pairs"])
    np.testing.assert_allclose(ours["mean_abs_diff"], ref["mean_abs_diff"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ours["std_abs_diff"], ref["std_abs_diff"], rtol=1e-7, atol=1e-7)


@pytest.fixture(scope="module")
def table():
    return default_table()


@pytest.mark.parametrize("dataset", ["cifar10", "ImageNet16-120"])
def test_random_subset_of_real_archs_matches_brute_force(table, dataset):
    rng = np.random.default_rng(7)
    rows = rng.choice(table.num_archs, size=120, replace=False)
    codes = table.arch_codes[rows]
    values = table.column(dataset, "test_acc_200_mean")[rows]
    assert_same(pairwise_distance_stats(codes, values), brute_force(codes, values))


def test_full_product_space_matches_brute_force_in_any_row_order():
    rng = np.random.default_rng(3)
    codes = np.array(list(itertools.product(range(3), range(3), range(2), range(3))))
    codes = codes[rng.permutation(len(codes))]
    values = rng.normal(50.0, 20.0, len(codes))
    values[:5] = 10.0  # ties, as the real table has
    assert_same(pairwise_distance_stats(codes, values), brute_force(codes, values))


def test_real_table_pair_counts_are_exact(table):
    stats = distance_accuracy_table(table, datasets=["cifar100"])
    n = table.num_archs
    expected = [n * comb(6, d) * 4 ** d for d in range(1, 7)]
    assert list(stats["pairs"]) == expected
    assert sum(expected) == n * n - n


def _neighbour_stats(table, dataset: str, distance: int) -> tuple[float, float]:
    """|diff| over all pairs at ``distance``, enumerated edit by edit (independent method)."""
    codes = table.arch_codes.astype(np.int64)
    values = table.column(dataset, "test_acc_200_mean").astype(np.float64)
    grid = np.empty((5,) * 6)
    grid[tuple(codes.T)] = values
    diffs = []
    for positions in itertools.combinations(range(6), distance):
        for shifts in itertools.product(range(1, 5), repeat=distance):
            other = codes.copy()
            for p, s in zip(positions, shifts):
                other[:, p] = (other[:, p] + s) % 5
            diffs.append(np.abs(values - grid[tuple(other.T)]))
    diffs = np.concatenate(diffs)
    return float(diffs.mean()), float(diffs.std())


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100"])
def test_real_table_distance_one_and_two_match_neighbour_enumeration(table, dataset):
    stats = distance_accuracy_table(table, datasets=[dataset]).set_index("distance")
    for d in (1, 2):
        mean, std = _neighbour_stats(table, dataset, d)
        assert stats.loc[d, "mean_abs_diff"] == pytest.approx(mean, rel=1e-9)
        assert stats.loc[d, "std_abs_diff"] == pytest.approx(std, rel=1e-7)


def test_table_frame_has_every_dataset_and_distance(table):
    stats = distance_accuracy_table(table)
    assert list(stats.columns) == ["dataset", "distance", "mean_abs_diff", "std_abs_diff",
                                   "pairs"]
    assert set(stats["dataset"]) == set(table.datasets)
    assert len(stats) == 6 * len(table.datasets)
    # the hypothesis of Sec. V-A, on the real table: closer archs differ less on average
    for _, group in stats.groupby("dataset"):
        assert np.all(np.diff(group.sort_values("distance")["mean_abs_diff"]) > 0)


@pytest.mark.parametrize("codes, values", [
    (np.zeros((3, 2), int), np.array([1.0, np.nan, 2.0])),
    (np.zeros((3, 2), int), np.array([1.0, 2.0])),
    (np.zeros((1, 2), int), np.array([1.0])),
    (-np.ones((2, 2), int), np.array([1.0, 2.0])),
])
def test_bad_input_is_one_line_error(codes, values):
    with pytest.raises(AsebenchError):
        pairwise_distance_stats(codes, values)
