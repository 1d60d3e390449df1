"""One score per (task, method): the mean final test accuracy over the paired seeds.

On each task of the block the score of a method is its mean test accuracy over the seeds
that every method of the block ran there (seeds pair across methods and studies: run i of
each uses child seed i of one master seed), so all methods of a task are averaged over the
same runs. Beside it, the per-seed rank: on each of those seeds the methods are ranked by
that seed's test accuracy, and the ranks are averaged over the seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from asebench.errors import AsebenchError
from asebench.ranking._stats import rank_rows

__all__ = ["BlockScores", "available", "block_scores", "task_id"]


def task_id(backend: str, dataset: str) -> str:
    """The task's name in the outputs: ``backend:dataset`` (``tabular:cifar10``)."""
    return f"{backend}:{dataset}"


def _valid(runs: pd.DataFrame) -> pd.DataFrame:
    valid = runs[runs["test_accuracy"].notna()].copy()
    valid["task"] = [task_id(b, d) for b, d in zip(valid["backend"], valid["dataset"])]
    return valid


def available(runs: pd.DataFrame) -> pd.DataFrame:
    """Every (task, label) with a test accuracy: its mean and seed count over all its seeds
    (columns ``task, backend, dataset, label, mean_test_accuracy, n_seeds``), by task, then
    label, each in the order first seen."""
    valid = _valid(runs)
    grouped = valid.groupby(["task", "label"], sort=False)
    out = grouped.agg(backend=("backend", "first"), dataset=("dataset", "first"),
                      mean_test_accuracy=("test_accuracy", "mean"),
                      n_seeds=("seed", "nunique")).reset_index()
    task_order = {t: i for i, t in enumerate(dict.fromkeys(valid["task"]))}
    label_order = {x: i for i, x in enumerate(dict.fromkeys(valid["label"]))}
    out = out.sort_values(["task", "label"], key=lambda c: c.map(
        task_order if c.name == "task" else label_order), kind="stable")
    return out[["task", "backend", "dataset", "label", "mean_test_accuracy",
                "n_seeds"]].reset_index(drop=True)


@dataclass(frozen=True)
class BlockScores:
    """The block's scores.

    Attributes:
        scores: tasks x methods, the mean test accuracy over the task's common seeds.
        seed_ranks: tasks x methods, the per-seed rank averaged over those seeds.
        seeds: task -> the number of common seeds.
    """

    scores: pd.DataFrame
    seed_ranks: pd.DataFrame
    seeds: pd.Series


def block_scores(runs: pd.DataFrame, tasks: Sequence[str], labels: Sequence[str]) -> BlockScores:
    """The scores of ``labels`` on ``tasks`` (see the module docstring).

    Raises:
        AsebenchError: a task where the methods share no seed.
    """
    valid = _valid(runs)
    valid = valid[valid["label"].isin(list(labels))]
    score_rows, rank_rows_, seeds = {}, {}, {}
    for task in tasks:
        wide = valid[valid["task"] == task].pivot_table(
            index="seed", columns="label", values="test_accuracy", aggfunc="first")
        wide = wide.reindex(columns=list(labels)).dropna()
        if wide.empty:
            raise AsebenchError(f"the methods share no seed on {task}: rank needs paired runs")
        score_rows[task] = wide.mean(axis=0)
        rank_rows_[task] = rank_rows(wide).mean(axis=0)
        seeds[task] = len(wide)
    scores = pd.DataFrame(score_rows).T.reindex(index=list(tasks), columns=list(labels))
    seed_ranks = pd.DataFrame(rank_rows_).T.reindex(index=list(tasks), columns=list(labels))
    return BlockScores(scores.astype("float64"), seed_ranks.astype("float64"),
                       pd.Series(seeds, dtype="int64"))
