"""Constraints in a study: validation before anything is written, the resolved config that is
part of the study's identity, the oracle, and the store's check that nothing infeasible got in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from asebench.records import Arch

if TYPE_CHECKING:
    import pyarrow as pa

from asebench.backends import ArchMetrics, Backend, EnumerableBackend, unwrap
from asebench.constraints._expr import Constraint, parse_constraints
from asebench.constraints._feasible import Feasibility, FeasibleSet, feasible_set

__all__ = ["ConstraintViolation", "constraint_config", "feasibility_record", "oracle_summary",
           "store_check", "validate_constraints"]


class ConstraintViolation(AssertionError):
    """A stored run answered, or a query charged, an infeasible arch: a bug, never bad input."""


def validate_constraints(constraints: Iterable[str | Constraint] | str | None,
                         backends: Mapping[str, Backend]) -> dict[str, Feasibility]:
    """Check every expression against the backend of every dataset, before anything is
    written.

    Returns:
        ``{dataset: feasible set}`` (empty without constraints).

    Raises:
        AsebenchError: malformed expression, a metric the backend does not know before a
            query, a limit no arch of a dataset meets.
    """
    parsed = parse_constraints(constraints)
    if not parsed:
        return {}
    return {d: feasible_set(b, parsed) for d, b in backends.items()}


def constraint_config(sets: Mapping[str, Feasibility]) -> dict[str, Any]:
    """What a constrained study records in its resolved config (its identity): the
    expressions and each dataset's resolved limits and feasible-set size (None when the
    space is not listed)."""
    first = next(iter(sets.values()))
    return {
        "expressions": [c.text for c in first.constraints],
        "limits": {d: {c.text: s.limits[i] for i, c in enumerate(s.constraints)}
                   for d, s in sets.items()},
        "feasible_archs": {d: s.count for d, s in sets.items()},
    }


def oracle_summary(sets: Mapping[str, Feasibility]) -> dict[str, dict[str, Any]]:
    """``{dataset: {index, arch, accuracy, column}}`` of the best feasible arch by the
    reported ``test_accuracy``, for metadata.json and the table (datasets whose space is
    listed; others have no oracle)."""
    out = {}
    for dataset, feasible in sets.items():
        if not isinstance(feasible, FeasibleSet):
            continue
        best = feasible.oracle()
        out[dataset] = {"index": best.index,
                        "arch": feasible.source.arch_strings()[best.index],
                        "accuracy": best.accuracy, "column": _report_column(feasible)}
    return out


def _report_column(feasible: FeasibleSet) -> str:
    from asebench.backends import describe

    protocol = describe(feasible.source).protocol or {}
    return str(protocol.get("report_column", "test_accuracy"))


def store_check(sets: Mapping[str, Feasibility]) -> Callable[[pa.Table, pa.Table], None]:
    """A check for :class:`asebench.study.StudyStore` to run on every chunk before writing it:
    every run's answer and every query in its traces must be feasible on its dataset
    (queries are not checked for runs whose method reports that it queries outside the
    space on purpose, ``info_queries_outside_space``: ASE-NAS's ``infeasible="query"``,
    the paper's query-then-reject rule).

    The check is independent of the searchers: answers are read back from their arch
    strings, queries from the traces' row indices (listed spaces) or arch strings.
    """
    lookups: dict[str, dict[str, int]] = {}

    def contains_string(dataset: str, text: str) -> bool:
        feasible = sets[dataset]
        if isinstance(feasible, FeasibleSet):
            if dataset not in lookups:
                strings = feasible.source.arch_strings()
                lookups[dataset] = {s: i for i, s in enumerate(strings)}
            return bool(feasible.mask[lookups[dataset][text]])
        return feasible.contains(feasible.source.space.from_string(text))

    def check(runs: pa.Table, traces: pa.Table) -> None:
        for dataset, answers in _by_dataset(runs, "arch"):
            bad = [a for a in answers.tolist() if not contains_string(dataset, a)]
            if bad:
                raise ConstraintViolation(
                    f"{len(bad)} run(s) on {dataset} answered an infeasible arch "
                    f"under {sets[dataset].describe()}, e.g. {bad[0]}")
        if traces.num_rows == 0 or _queries_outside_by_choice(runs):
            return
        listed = "arch_index" in traces.column_names
        for dataset, keys in _by_dataset(traces, "arch_index" if listed else "arch"):
            feasible = sets[dataset]
            if listed and isinstance(feasible, FeasibleSet):
                queried = np.asarray(keys, dtype=np.int64)
                outside = int((~feasible.mask[queried]).sum())
            else:
                outside = sum(not contains_string(dataset, str(k)) for k in set(keys.tolist()))
            if outside:
                raise ConstraintViolation(
                    f"{outside} infeasible quer(ies) on {dataset} were charged under "
                    f"{feasible.describe()}")

    return check


def _queries_outside_by_choice(runs: pa.Table) -> bool:
    """Runs whose method queries and is charged for infeasible candidates by design; only
    their answers are checked then."""
    if "info_queries_outside_space" not in runs.column_names:
        return False
    return set(runs.column("info_queries_outside_space").to_pylist()) == {True}


def _by_dataset(frame: pa.Table, column: str) -> list[tuple[str, Any]]:
    data = frame.select(["dataset", column]).to_pandas()
    return [(str(d), group[column].to_numpy()) for d, group in
            data.groupby("dataset", observed=True, sort=False)]


def feasibility_record(backend: Backend, constraints: Iterable[str | Constraint] | str,
                       arch: Arch) -> dict[str, Any]:
    """What ``asebench query --constraint`` adds for ``arch``: each constraint's metric value
    and verdict, and ``feasible`` (all hold).

    Raises:
        AsebenchError: bad constraints (malformed, unknown metric, no arch meets them).
    """
    feasible = feasible_set(backend, constraints)
    source = unwrap(backend)
    metrics = (dict(source.arch_metrics(arch)) if isinstance(source, ArchMetrics)
               and not isinstance(source, EnumerableBackend) else None)
    out: dict[str, Any] = {}
    for constraint, limit in zip(feasible.constraints, feasible.limits):
        if metrics is not None:
            value = float(metrics[constraint.metric])
        else:
            assert isinstance(source, EnumerableBackend)
            row = int(source.indices_of(np.asarray([arch], dtype=np.int64))[0])
            value = float(source.values(constraint.metric)[row])
        ok = bool(constraint.holds(np.asarray(value), limit))
        bound = f"{constraint.op}{limit:.6g}"
        out[f"constraint {constraint.text}"] = (
            f"{constraint.metric}={value:.6g} {'meets' if ok else 'violates'} {bound}")
    out["feasible"] = feasible.contains(arch)
    out["feasible_archs"] = feasible.count
    return out
