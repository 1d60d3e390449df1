"""From study folders to the ranks, the tests and their tables (no file is written here)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from asebench.errors import AsebenchError
from asebench.ranking._block import Block, choose_block
from asebench.ranking._scores import BlockScores, available, block_scores
from asebench.ranking._stats import (
    FriedmanResult,
    critical_difference,
    friedman,
    nemenyi,
    rank_rows,
)
from asebench.ranking._tasks import TaskRuns, collect_runs

__all__ = ["Ranking", "rank_studies"]

DEFAULT_ALPHA = 0.05


def method_name(label: str) -> str:
    """A label's display name (``ase`` -> ``ASE-NAS``)."""
    from asebench.analysis import display_name

    return display_name(label)


def display_names(labels: Sequence[str]) -> dict[str, str]:
    """Label -> display name, with the label added where two labels would read the same."""
    names = {label: method_name(label) for label in labels}
    counts = Counter(names.values())
    return {label: name if counts[name] == 1 else f"{name} ({label})"
            for label, name in names.items()}


@dataclass(frozen=True)
class Ranking:
    """Average ranks over the tasks of some studies, with the tests.

    Attributes:
        runs: the merged runs (:func:`~asebench.ranking.collect_runs`).
        available: every (task, label) with a score, over all of its own seeds.
        block: the methods and tasks the test runs on, and those left out.
        scores: the block's scores and per-seed ranks.
        ranks: tasks x methods, each task's ranks of the scores (1 = best).
        friedman: the Friedman test over the block's tasks.
        p_values: Nemenyi p-values, methods x methods.
        cd: Nemenyi's critical difference at ``alpha``.
        alpha: the significance level.
    """

    runs: TaskRuns
    available: pd.DataFrame
    block: Block
    scores: BlockScores
    ranks: pd.DataFrame
    friedman: FriedmanResult
    p_values: pd.DataFrame
    cd: float
    alpha: float

    @property
    def mean_ranks(self) -> pd.Series:
        """Method -> its rank averaged over the tasks, best first (ties: study order)."""
        return self.ranks.mean(axis=0).sort_values(kind="stable")

    @property
    def mean_seed_ranks(self) -> pd.Series:
        """Method -> its per-seed rank averaged over seeds, then over tasks."""
        return self.scores.seed_ranks.mean(axis=0).reindex(self.mean_ranks.index)

    def _means(self) -> dict[str, float]:
        return {str(k): float(v) for k, v in self.mean_ranks.items()}

    def rank_table(self) -> pd.DataFrame:
        """``ranks.csv``: one row per method, the block's by mean rank, then those left out."""
        rows = []
        seed_ranks = {str(k): float(v) for k, v in self.mean_seed_ranks.items()}
        for label, rank in self._means().items():
            rows.append({"label": label, "method": method_name(label),
                         "mean_rank": rank, "mean_seed_rank": seed_ranks[label],
                         "n_tasks": len(self.block.tasks), "included": True,
                         "missing_tasks": ""})
        for label, missing in self.block.dropped_labels.items():
            have = self.available[self.available["label"] == label]
            rows.append({"label": label, "method": method_name(label), "mean_rank": None,
                         "mean_seed_rank": None, "n_tasks": len(have), "included": False,
                         "missing_tasks": ";".join(missing)})
        return pd.DataFrame(rows)

    def task_table(self) -> pd.DataFrame:
        """``ranks_by_task.csv``: every (task, method) with a score, and its ranks where in
        the block."""
        table = self.available.copy()
        table.insert(4, "method", [method_name(str(x)) for x in table["label"]])
        keys = list(zip(table["task"].astype(str), table["label"].astype(str)))

        def cells(frame: pd.DataFrame) -> list[float | None]:
            array = frame.to_numpy(dtype="float64")
            values = {(str(t), str(x)): float(array[i, j])
                      for i, t in enumerate(frame.index) for j, x in enumerate(frame.columns)}
            return [values.get(key) for key in keys]

        table["included"] = [t in self.block.tasks and x in self.block.labels for t, x in keys]
        seeds = {str(t): int(n) for t, n in self.scores.seeds.items()}
        table["block_seeds"] = [seeds[t] if inside else None
                                for (t, _), inside in zip(keys, table["included"])]
        table["block_test_accuracy"] = cells(self.scores.scores)
        table["rank"] = cells(self.ranks)
        table["seed_rank"] = cells(self.scores.seed_ranks)
        return table

    def pvalue_table(self) -> pd.DataFrame:
        """``ranks_pvalues.csv``: every pair of the block's methods, best-ranked first."""
        means = self._means()
        order = list(means)
        where = {str(x): i for i, x in enumerate(self.p_values.index)}
        matrix = self.p_values.to_numpy(dtype="float64")
        rows = []
        for i, a in enumerate(order):
            for b in order[i + 1:]:
                p = float(matrix[where[a], where[b]])
                rows.append({"label_a": a, "label_b": b, "method_a": method_name(a),
                             "method_b": method_name(b), "mean_rank_a": means[a],
                             "mean_rank_b": means[b], "rank_difference": means[b] - means[a],
                             "nemenyi_p": p, "significant": p < self.alpha})
        return pd.DataFrame(rows)

    def test_table(self) -> pd.DataFrame:
        """``ranks_tests.csv``: the Friedman test, its Iman-Davenport form and the CD."""
        f = self.friedman
        common = {"k": f.k, "n_tasks": f.n, "alpha": self.alpha}
        return pd.DataFrame([
            {"test": "friedman_chi2", "statistic": f.statistic, "df1": f.k - 1, "df2": None,
             "p_value": f.p_value, **common},
            {"test": "iman_davenport_f", "statistic": f.iman_davenport, "df1": f.k - 1,
             "df2": (f.k - 1) * (f.n - 1), "p_value": f.iman_davenport_p, **common},
            {"test": "nemenyi_critical_difference", "statistic": self.cd, "df1": None,
             "df2": None, "p_value": None, **common},
        ])


def _restrict(runs: pd.DataFrame, methods: Sequence[str] | None,
              datasets: Sequence[str] | None) -> pd.DataFrame:
    if methods:
        unknown = sorted(set(methods) - set(runs["label"]))
        if unknown:
            raise AsebenchError(f"--methods: {', '.join(unknown)} not in the studies (labels: "
                                f"{', '.join(dict.fromkeys(runs['label']))})")
        runs = runs[runs["label"].isin(list(methods))]
    if datasets:
        tasks = runs["backend"] + ":" + runs["dataset"]
        known = set(runs["dataset"]) | set(tasks)
        unknown = sorted(set(datasets) - known)
        if unknown:
            raise AsebenchError(f"--datasets: {', '.join(unknown)} not in the studies "
                                f"(datasets: {', '.join(dict.fromkeys(runs['dataset']))})")
        runs = runs[runs["dataset"].isin(list(datasets)) | tasks.isin(list(datasets))]
    return runs


def rank_studies(study_dirs: Sequence[str | os.PathLike[str]], *,
                 methods: Sequence[str] | None = None, datasets: Sequence[str] | None = None,
                 alpha: float = DEFAULT_ALPHA) -> Ranking:
    """Rank the methods of ``study_dirs`` over their tasks and run the tests.

    The ranking unit is one score per task and method, the mean final test accuracy over the
    task's paired seeds (:mod:`asebench.ranking`), ranked within each task and averaged over
    the tasks of the block (:mod:`asebench.ranking._block`).

    Args:
        study_dirs: study folders (merged per task, see :func:`collect_runs`).
        methods: only these labels (default: all).
        datasets: only these datasets (a name, or ``backend:dataset``; default: all).
        alpha: significance level of the Nemenyi test and the critical difference.

    Raises:
        AsebenchError: bad input (see :func:`collect_runs`, :func:`choose_block`), or an
            alpha outside (0, 1).
    """
    from asebench._extras import require

    require("rank", "asebench rank")
    if not 0.0 < alpha < 1.0:
        raise AsebenchError(f"alpha must lie in (0, 1), got {alpha}")
    merged = collect_runs(study_dirs)
    runs = _restrict(merged.runs, methods, datasets)
    have = available(runs)
    tasks = list(dict.fromkeys(have["task"]))
    labels = list(dict.fromkeys(have["label"]))
    ran = {task: set(have.loc[have["task"] == task, "label"]) for task in tasks}
    block = choose_block(tasks, labels, ran)
    scores = block_scores(runs, block.tasks, block.labels)
    result = friedman(scores.scores)
    return Ranking(
        runs=merged, available=have, block=block, scores=scores,
        ranks=rank_rows(scores.scores), friedman=result,
        p_values=nemenyi(scores.scores), cd=critical_difference(result.k, result.n, alpha),
        alpha=alpha)
