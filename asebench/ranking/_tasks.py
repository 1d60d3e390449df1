"""The tasks of a set of studies and every method's final test accuracy on them, merged.

A task is a (benchmark, dataset) pair: the study's backend (aliases resolved, ``nb201`` is
``tabular``) and the runs' ``dataset``. Several studies may hold the same task (Table I and a
peers study both on cifar100): their methods are merged, under two rules that make the merge
safe or refuse it in one line:

- the studies must agree on everything that decides a run's result besides the method: the
  evaluation protocol, the budget (``budget_s`` and ``budget_queries``), the master seed (run
  i of every method uses child seed i of it: the seeds pair across studies), the benchmark
  table (its sha256), the backend options and the hardware constraints. A task seen under two
  settings is refused, not keyed by the setting: two budgets of one dataset are not two
  independent tasks, and ranking them side by side would count the dataset twice;
- a label given by two studies on one task must give the same architecture and test accuracy
  on every seed both ran (then its runs are the union of both studies' seeds).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from asebench.errors import AsebenchError

__all__ = ["TaskRuns", "collect_runs", "study_setting"]

RUN_COLUMNS = ["backend", "dataset", "label", "seed", "arch", "test_accuracy", "study"]
"""Columns of :attr:`TaskRuns.runs`."""

_SETTING_FIELDS = ("protocol", "budget_s", "budget_queries", "master_seed", "data",
                   "backend_options", "constraints")


def _canonical_backend(name: str) -> str:
    from asebench.backends import backends

    return backends.canonical(name)


def _effective_budget(config: Mapping[str, Any]) -> tuple[Any, Any]:
    """``(budget_s, budget_queries)`` as the runs meet them. On a protocol whose every query
    costs the same ``query_cost`` (NAS-Bench-Graph: one unit), ``budget_s`` allows exactly
    ``budget_s / query_cost`` queries when that is a whole number (a query that would take the
    total past the budget ends the run), so such a budget is given as that query count: a
    study given 100 seconds and one given 100 queries as well hold the same task."""
    budget_s, budget_queries = config.get("budget_s"), config.get("budget_queries")
    protocol = config.get("protocol")
    cost = protocol.get("query_cost") if isinstance(protocol, Mapping) else None
    if not isinstance(cost, (int, float)) or cost <= 0 or not isinstance(budget_s, (int, float)):
        return budget_s, budget_queries
    queries = budget_s / cost
    if not float(queries).is_integer():
        return budget_s, budget_queries
    allowed = int(queries) if budget_queries is None else min(int(queries), int(budget_queries))
    return None, allowed


def study_setting(config: Mapping[str, Any]) -> dict[str, Any]:
    """What a study's resolved config (``metadata["study"]``) fixes about every task it holds
    besides the method: ``protocol``, ``budget_s``, ``budget_queries`` (a budget of seconds
    at a fixed cost per query given as its query count), ``master_seed``,
    ``data`` (the table's sha256), ``backend_options``, ``constraints`` (the expressions)."""
    data = config.get("data")
    constraints = config.get("constraints")
    budget_s, budget_queries = _effective_budget(config)
    return {
        "protocol": config.get("protocol"),
        "budget_s": budget_s,
        "budget_queries": budget_queries,
        "master_seed": config.get("master_seed", 0),
        "data": data.get("sha256") if isinstance(data, Mapping) else data,
        "backend_options": config.get("backend_options") or {},
        "constraints": list(constraints.get("expressions", []))
        if isinstance(constraints, Mapping) else [],
    }


@dataclass(frozen=True)
class TaskRuns:
    """Every run of the merged studies, one row per (task, label, seed).

    Attributes:
        runs: columns :data:`RUN_COLUMNS` (``study``: the folder the row came from, the
            first one that gave it).
        settings: ``(backend, dataset) -> study_setting`` of the task.
        studies: the study folders, in the order given.
        unfinished: the studies whose ``status`` is not ``complete`` (their finished runs
            count; the paired-seed rule ranks only the seeds every method has).
    """

    runs: pd.DataFrame
    settings: Mapping[tuple[str, str], Mapping[str, Any]]
    studies: tuple[Path, ...]
    unfinished: tuple[Path, ...] = ()


def _difference(a: Any, b: Any, name: str) -> tuple[str, Any, Any] | None:
    """The first field (dotted into mappings) where ``a`` and ``b`` differ, with both values."""
    if a == b:
        return None
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in [*a, *(k for k in b if k not in a)]:
            found = _difference(a.get(key), b.get(key), f"{name}.{key}")
            if found is not None:
                return found
    return name, a, b


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _study_runs(path: Path) -> tuple[pd.DataFrame, str, dict[str, Any], bool]:
    from asebench.analysis import load

    study = load(path)
    config = study.config
    backend = _canonical_backend(str(config.get("backend", "tabular")))
    runs = study.runs  # an unfinished study without a finished chunk raises here
    if runs.empty:
        raise AsebenchError(f"{path}: the study holds no finished runs")
    missing = [c for c in ("label", "dataset", "seed", "test_accuracy") if c not in runs]
    if missing:
        raise AsebenchError(f"{path}: its runs lack {', '.join(missing)}")
    frame = pd.DataFrame({
        "backend": backend,
        "dataset": runs["dataset"].astype(str),
        "label": runs["label"].astype(str),
        "seed": runs["seed"].astype("int64"),
        "arch": runs["arch"].astype(str) if "arch" in runs else "",
        "test_accuracy": runs["test_accuracy"].astype("float64"),
        "study": str(path),
    })
    return frame, backend, study_setting(config), study.metadata.get("status") == "complete"


def _check_same_results(old: pd.DataFrame, new: pd.DataFrame, task: str, label: str) -> None:
    both = old.merge(new, on="seed", suffixes=("_old", "_new"))
    acc_old, acc_new = both["test_accuracy_old"].to_numpy(), both["test_accuracy_new"].to_numpy()
    same = (both["arch_old"].to_numpy() == both["arch_new"].to_numpy()) & (
        (acc_old == acc_new) | (np.isnan(acc_old) & np.isnan(acc_new)))
    if not same.all():
        row = both[~same].iloc[0]
        raise AsebenchError(
            f"label {label!r} on {task} differs between {row['study_old']} and "
            f"{row['study_new']} (seed {row['seed']}: test accuracy {row['test_accuracy_old']:.4f} "
            f"vs {row['test_accuracy_new']:.4f}); give one of them, or rename the label")


def collect_runs(study_dirs: Sequence[str | os.PathLike[str]]) -> TaskRuns:
    """Load ``study_dirs`` and merge their runs per task (see the module docstring).

    Raises:
        AsebenchError: no study given, a folder that is not a study (or a corrupt one), a
            study with no finished runs, a task seen under two settings, a label that gives
            different results in two studies on one task.
    """
    if not study_dirs:
        raise AsebenchError("rank needs at least one study folder")
    paths = tuple(Path(p) for p in study_dirs)
    settings: dict[tuple[str, str], dict[str, Any]] = {}
    first_study: dict[tuple[str, str], Path] = {}
    merged: dict[tuple[str, str, str], pd.DataFrame] = {}
    unfinished: list[Path] = []
    for path in dict.fromkeys(paths):
        frame, backend, setting, complete = _study_runs(path)
        if not complete:
            unfinished.append(path)
        for (dataset, label), rows in frame.groupby(["dataset", "label"], sort=False):
            key = (backend, str(dataset))
            task = f"{backend}:{dataset}"
            known = settings.setdefault(key, setting)
            first_study.setdefault(key, path)
            for field in _SETTING_FIELDS:
                found = _difference(known.get(field), setting.get(field), field)
                if found is not None:
                    name, was, now = found
                    raise AsebenchError(
                        f"task {task} has another {name} in {path} ({_shown(now)}) than in "
                        f"{first_study[key]} ({_shown(was)}); rank studies of one protocol and "
                        f"budget together (run rank once per setting)")
            rows = rows.drop_duplicates("seed")
            old = merged.get((*key, str(label)))
            if old is None:
                merged[(*key, str(label))] = rows
                continue
            _check_same_results(old, rows, task, str(label))
            extra = rows[~rows["seed"].isin(old["seed"])]
            merged[(*key, str(label))] = pd.concat([old, extra], ignore_index=True)
    # rows in the order first seen: the studies' method and dataset order
    runs = pd.concat(list(merged.values()), ignore_index=True)[RUN_COLUMNS]
    return TaskRuns(runs, settings, paths, tuple(unfinished))
