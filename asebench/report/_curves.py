"""Anytime curves on a fixed grid: the incumbent's test accuracy, mean and standard error
over runs, so a page holds a few hundred numbers per curve instead of every query."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["AXES", "CURVE_COLUMNS", "Axis", "anytime_grid", "has_curve_columns"]

Axis = Literal["seconds", "queries"]

AXES: dict[Axis, str] = {"seconds": "simulated search seconds", "queries": "queries"}
"""The x axes of the curves and their titles."""

CURVE_COLUMNS = ("label", "dataset", "seed", "step", "elapsed_s", "incumbent_test_accuracy")
"""The trace columns :func:`anytime_grid` reads."""


def has_curve_columns(traces: pd.DataFrame) -> bool:
    """Whether ``traces`` holds what :func:`anytime_grid` needs."""
    return all(c in traces.columns for c in CURVE_COLUMNS)


def _grid(largest: float, axis: Axis, points: int) -> np.ndarray:
    if axis == "queries":
        return np.unique(np.linspace(1, max(largest, 1.0), points).round())
    return np.linspace(0.0, largest, points + 1)[1:]


def anytime_grid(traces: pd.DataFrame, axis: Axis, points: int = 120) -> pd.DataFrame:
    """Mean and standard error over runs of the incumbent's test accuracy on a grid.

    At x a run's value is the ``incumbent_test_accuracy`` of its last query with position
    <= x (simulated seconds ``elapsed_s`` or query count ``step + 1``); a run has no value
    before its first query and keeps its last one after its budget is spent.

    Args:
        traces: one row per query (columns ``label, dataset, seed, step, elapsed_s,
            incumbent_test_accuracy``).
        axis: ``"seconds"`` or ``"queries"``.
        points: grid size (fewer for a query axis shorter than that).

    Returns:
        Columns ``label, dataset, x, mean, sem, n`` (``n``: runs with a value at ``x``); grid
        points where no run has a value yet are left out.
    """
    position = (traces["elapsed_s"].to_numpy(np.float64) if axis == "seconds"
                else traces["step"].to_numpy(np.float64) + 1.0)
    if traces.empty or not np.isfinite(position).any():
        return pd.DataFrame(columns=["label", "dataset", "x", "mean", "sem", "n"])
    grid = _grid(float(np.nanmax(position)), axis, points)
    frame = pd.DataFrame({
        "label": traces["label"].to_numpy(), "dataset": traces["dataset"].to_numpy(),
        "seed": traces["seed"].to_numpy(), "x": position,
        "y": traces["incumbent_test_accuracy"].to_numpy(np.float64)})
    frame = frame.sort_values(["label", "dataset", "seed", "x"], kind="stable")
    out = []
    for (label, dataset), group in frame.groupby(["label", "dataset"], sort=False):
        seeds = group["seed"].to_numpy()
        x, y = group["x"].to_numpy(), group["y"].to_numpy()
        starts = np.flatnonzero(np.r_[True, seeds[1:] != seeds[:-1]])
        bounds = np.r_[starts, len(group)]
        values = np.full((len(starts), len(grid)), np.nan)
        for r in range(len(starts)):
            lo, hi = bounds[r], bounds[r + 1]
            last = np.searchsorted(x[lo:hi], grid, side="right") - 1
            seen = last >= 0
            values[r, seen] = y[lo:hi][last[seen]]
        n = np.sum(~np.isnan(values), axis=0)
        keep = n > 0
        if not keep.any():
            continue
        kept = values[:, keep]
        mean = np.nanmean(kept, axis=0)
        std = np.zeros(kept.shape[1])
        several = n[keep] > 1
        std[several] = np.nanstd(kept[:, several], axis=0, ddof=1)
        out.append(pd.DataFrame({"label": label, "dataset": dataset, "x": grid[keep],
                                 "mean": mean, "sem": std / np.sqrt(n[keep]), "n": n[keep]}))
    if not out:
        return pd.DataFrame(columns=["label", "dataset", "x", "mean", "sem", "n"])
    return pd.concat(out, ignore_index=True)
