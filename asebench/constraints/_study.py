"""Constraints in a study: validation before anything is written, the resolved config that is
part of the study's identity, the oracle, and the store's check that nothing infeasible got in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

from asebench.constraints._expr import Constraint, parse_constraints
from asebench.constraints._feasible import FeasibleSet, feasible_set
from asebench.errors import AsebenchError
from asebench.tables import NB201Table

__all__ = ["ConstraintViolation", "constraint_config", "feasibility_record", "oracle_summary",
           "store_check", "validate_constraints"]


class ConstraintViolation(AssertionError):
    """A stored run answered, or a query charged, an infeasible arch: a bug, never bad input."""


def validate_constraints(constraints: Iterable[str | Constraint] | str | None,
                         table: NB201Table | None, datasets: Sequence[str],
                         backend: str = "tabular") -> dict[str, FeasibleSet]:
    """Check every expression against ``table`` on every dataset, before anything is written.

    Returns:
        ``{dataset: FeasibleSet}`` (empty without constraints).

    Raises:
        AsebenchError: malformed expression, unknown metric or device, a limit no arch of a
            dataset meets, or constraints on a backend other than the tabular one.
    """
    parsed = parse_constraints(constraints)
    if not parsed:
        return {}
    if backend != "tabular" or table is None:
        raise AsebenchError(
            "--constraint needs the tabular backend (the live backend takes --madds)")
    return {d: feasible_set(table, d, parsed) for d in datasets}


def constraint_config(sets: dict[str, FeasibleSet]) -> dict[str, Any]:
    """What a constrained study records in its resolved config (its identity): the
    expressions and each dataset's resolved limits and feasible-set size."""
    first = next(iter(sets.values()))
    return {
        "expressions": [c.text for c in first.constraints],
        "limits": {d: {c.text: s.limits[i] for i, c in enumerate(s.constraints)}
                   for d, s in sets.items()},
        "feasible_archs": {d: s.count for d, s in sets.items()},
    }


def oracle_summary(sets: dict[str, FeasibleSet], column: str) -> dict[str, dict[str, Any]]:
    """``{dataset: {index, arch, accuracy, column}}`` of the best feasible arch by
    ``column`` (the protocol's reported metric), for metadata.json and the table."""
    from asebench.spaces import NB201Space

    space = NB201Space()
    out = {}
    for dataset, feasible in sets.items():
        best = feasible.oracle(column)
        out[dataset] = {"index": best.index, "arch": space.to_string(best.arch),
                        "accuracy": best.accuracy, "column": column}
    return out


def _index_of_strings(table: NB201Table) -> dict[str, int]:
    from asebench.spaces import NB201Space

    space = NB201Space()
    return {space.to_string(tuple(c)): i for i, c in enumerate(table.arch_codes.tolist())}


def store_check(sets: dict[str, FeasibleSet]) -> Callable[[pa.Table, pa.Table], None]:
    """A check for :class:`asebench.study.StudyStore` to run on every chunk before writing it:
    every run's answer and every query in its traces must be feasible on its dataset
    (queries are not checked for runs that chose the paper's query-then-reject rule,
    ASE-NAS ``infeasible="query"``, which charges infeasible candidates on purpose).

    The check is independent of the searchers: answers are read back from their arch
    strings, queries from the traces' NB201 indices, both tested against the mask.
    """
    table = next(iter(sets.values())).table
    lookup: dict[str, int] = {}

    def check(runs: pa.Table, traces: pa.Table) -> None:
        if not lookup:
            lookup.update(_index_of_strings(table))
        for dataset, answers in _by_dataset(runs, "arch"):
            feasible = sets[dataset]
            bad = [a for a in answers.tolist() if not feasible.mask[lookup[a]]]
            if bad:
                raise ConstraintViolation(
                    f"{len(bad)} run(s) on {dataset} answered an infeasible arch "
                    f"under {feasible.describe()}, e.g. {bad[0]}")
        if traces.num_rows == 0 or _queries_infeasible_by_choice(runs):
            return
        if "arch_index" not in traces.column_names:
            raise ConstraintViolation("constrained traces carry no arch_index to check")
        for dataset, indices in _by_dataset(traces, "arch_index"):
            feasible = sets[dataset]
            queried = np.asarray(indices, dtype=np.int64)
            outside = int((~feasible.mask[queried]).sum())
            if outside:
                raise ConstraintViolation(
                    f"{outside} infeasible quer(ies) on {dataset} were charged under "
                    f"{feasible.describe()}")

    return check


def _queries_infeasible_by_choice(runs: pa.Table) -> bool:
    """ASE-NAS with ``infeasible="query"`` (the paper's query-then-reject rule) queries and
    is charged for infeasible candidates by design; only its answer is checked then."""
    if "opt_infeasible" not in runs.column_names:
        return False
    return set(runs.column("opt_infeasible").to_pylist()) == {"query"}


def _by_dataset(frame: pa.Table, column: str) -> list[tuple[str, Any]]:
    data = frame.select(["dataset", column]).to_pandas()
    return [(str(d), group[column].to_numpy()) for d, group in
            data.groupby("dataset", observed=True, sort=False)]


def feasibility_record(table: NB201Table, dataset: str,
                       constraints: Iterable[str | Constraint] | str, index: int
                       ) -> dict[str, Any]:
    """What ``asebench query --constraint`` adds for the arch at ``index``: each constraint's
    metric value and verdict, and ``feasible`` (all hold).

    Raises:
        AsebenchError: bad constraints (malformed, unknown metric or device, no arch meets).
    """
    from asebench.constraints._metrics import metric_values

    feasible = feasible_set(table, dataset, constraints)
    out: dict[str, Any] = {}
    for constraint, limit in zip(feasible.constraints, feasible.limits):
        value = float(metric_values(table, dataset, constraint.metric)[index])
        ok = bool(constraint.holds(np.asarray(value), limit))
        bound = f"{constraint.op}{limit:.6g}"
        out[f"constraint {constraint.text}"] = (
            f"{constraint.metric}={value:.6g} {'meets' if ok else 'violates'} {bound}")
    out["feasible"] = bool(feasible.mask[index])
    out["feasible_archs"] = feasible.count
    return out
