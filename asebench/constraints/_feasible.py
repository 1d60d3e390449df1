"""The feasible set of a dataset under constraints: a mask over all archs, computed once.

Everything downstream asks this one object: the searchers (through a restricted space whose
``feasible`` predicate is :meth:`FeasibleSet.contains`), the store (every answer and every
query feasible), the oracle and the regret table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from asebench.constraints._expr import Constraint, parse_constraints
from asebench.constraints._metrics import metric_values
from asebench.errors import AsebenchError
from asebench.records import Arch
from asebench.tables import NB201Table

__all__ = ["FeasibleSet", "Oracle", "feasible_set"]


@dataclass(frozen=True)
class Oracle:
    """The best feasible arch by the reported metric (what a perfect search would answer).

    Attributes:
        index: its NB201 index.
        arch: its op codes.
        accuracy: its value of the reported column (e.g. mean 200-epoch test accuracy).
        column: the reported column.
    """

    index: int
    arch: Arch
    accuracy: float
    column: str


@dataclass(frozen=True, eq=False)
class FeasibleSet:
    """Archs of one dataset meeting every constraint.

    Attributes:
        table: the benchmark table.
        dataset: the dataset (per-dataset metrics and percentiles are resolved on it).
        constraints: the constraints, all of which must hold.
        limits: each constraint's limit in its metric's unit (percentiles resolved).
        mask: ``(N,) bool`` read-only, row = NB201 index.
    """

    table: NB201Table
    dataset: str
    constraints: tuple[Constraint, ...]
    limits: tuple[float, ...]
    mask: np.ndarray
    archs: frozenset[Arch]

    @property
    def count(self) -> int:
        """Number of feasible archs."""
        return len(self.archs)

    @property
    def fraction(self) -> float:
        return self.count / self.table.num_archs

    def contains(self, arch: Arch) -> bool:
        """Whether ``arch`` (an op-code tuple) is feasible: one set lookup."""
        return arch in self.archs

    __contains__ = contains

    def describe(self) -> str:
        """``flops_m<=p25 (<=78.5 MFLOPs)`` style text of the resolved constraints."""
        from asebench.constraints._metrics import metric_unit

        parts = []
        for c, limit in zip(self.constraints, self.limits):
            resolved = f" ({c.op}{limit:.4g} {metric_unit(c.metric)})".replace(" )", ")")
            parts.append(c.text + (resolved if c.percentile is not None else ""))
        return " and ".join(parts)

    def oracle(self, column: str) -> Oracle:
        """The feasible arch with the highest ``column`` (NaN rows never win; first on ties).

        Raises:
            AsebenchError: ``column`` is unknown or NaN on every feasible arch.
        """
        values = np.asarray(self.table.column(self.dataset, column), dtype=np.float64)
        if values.ndim != 1:
            raise AsebenchError(f"oracle column {column!r} is per seed; use a mean column")
        masked = np.where(self.mask & ~np.isnan(values), values, -np.inf)
        index = int(np.argmax(masked))
        if not np.isfinite(masked[index]):
            raise AsebenchError(f"no feasible arch of {self.dataset} has a {column} value")
        arch = tuple(int(c) for c in self.table.arch_codes[index])
        return Oracle(index, arch, float(values[index]), column)


def _resolve(table: NB201Table, dataset: str, constraint: Constraint
             ) -> tuple[float, np.ndarray]:
    values = metric_values(table, dataset, constraint.metric)
    if constraint.percentile is not None:
        limit = float(np.percentile(values, constraint.percentile))
    else:
        assert constraint.limit is not None
        limit = constraint.limit
    ok = constraint.holds(values, limit)
    if not ok.any():
        raise AsebenchError(
            f"constraint {constraint.text} admits no arch of {dataset}: {constraint.metric} "
            f"ranges {values.min():.4g}..{values.max():.4g} there")
    return limit, ok


@lru_cache(maxsize=64)
def _cached(table: NB201Table, dataset: str, constraints: tuple[Constraint, ...]
            ) -> FeasibleSet:
    mask = np.ones(table.num_archs, dtype=bool)
    limits = []
    for constraint in constraints:
        limit, ok = _resolve(table, dataset, constraint)
        limits.append(limit)
        mask &= ok
    if not mask.any():
        raise AsebenchError(
            f"constraints {' and '.join(c.text for c in constraints)} together admit no "
            f"arch of {dataset}")
    mask.setflags(write=False)
    archs = frozenset(map(tuple, table.arch_codes[mask].astype(np.int64).tolist()))
    return FeasibleSet(table, dataset, constraints, tuple(limits), mask, archs)


def feasible_set(table: NB201Table, dataset: str,
                 constraints: Iterable[str | Constraint] | str) -> FeasibleSet:
    """The archs of ``dataset`` meeting every constraint (cached per table and constraints).

    Raises:
        AsebenchError: a malformed expression, an unknown dataset, metric or device, or
            constraints no arch of the dataset meets (one line each).
    """
    parsed = parse_constraints(constraints)
    table.check_dataset(dataset)
    return _cached(table, dataset, parsed)
