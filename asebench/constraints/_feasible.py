"""The archs of one dataset that meet every constraint, on any backend that can tell.

Two kinds, one interface (``contains``, ``describe``, ``constraints``, ``limits``):

* :class:`FeasibleSet`, on a backend that lists its space
  (:class:`~asebench.backends.EnumerableBackend`, e.g. NB201): a mask over every arch,
  computed once; it knows its size and the oracle, and limits may be percentiles of the
  space (``flops_m<=p25``);
* :class:`PredicateSet`, on a backend that only knows the metrics of one arch before a query
  (:class:`~asebench.backends.ArchMetrics`, e.g. the live supernet's analytic MAdds): a
  predicate, with absolute limits only.

Everything downstream asks these objects: the searchers (through a restricted space whose
``feasible`` predicate is ``contains``), the store (every answer and every query feasible),
the oracle and the regret table. Only metrics a backend declares as known before a query
(:class:`~asebench.backends.MetricInfo`) may constrain a search.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from asebench.backends import (
    ArchMetrics,
    Backend,
    BackendInfo,
    EnumerableBackend,
    describe,
    unwrap,
)
from asebench.constraints._expr import Constraint, parse_constraints
from asebench.errors import AsebenchError
from asebench.records import Arch

__all__ = ["Feasibility", "FeasibleSet", "Oracle", "PredicateSet", "feasible_set"]


@dataclass(frozen=True)
class Oracle:
    """The best feasible arch by the reported metric (what a perfect search would answer).

    Attributes:
        index: its row in the backend's list of archs.
        arch: its codes.
        accuracy: its value of the reported column (e.g. mean 200-epoch test accuracy).
        column: the reported column.
    """

    index: int
    arch: Arch
    accuracy: float
    column: str


def _describe_limits(constraints: tuple[Constraint, ...], limits: tuple[float, ...],
                     info: BackendInfo) -> str:
    parts = []
    for c, limit in zip(constraints, limits):
        metric = info.metric(c.metric)
        unit = metric.unit if metric is not None else ""
        resolved = f" ({c.op}{limit:.4g} {unit})".replace(" )", ")")
        parts.append(c.text + (resolved if c.percentile is not None else ""))
    return " and ".join(parts)


@dataclass(frozen=True, eq=False)
class FeasibleSet:
    """Archs of one dataset of a listed space meeting every constraint.

    Attributes:
        source: the backend whose space is listed (rows = its archs).
        dataset: the dataset (percentiles are resolved on it).
        constraints: the constraints, all of which must hold.
        limits: each constraint's limit in its metric's unit (percentiles resolved).
        mask: ``(N,) bool`` read-only, row = the backend's arch index.
        archs: the feasible archs.
    """

    source: EnumerableBackend
    dataset: str
    constraints: tuple[Constraint, ...]
    limits: tuple[float, ...]
    mask: np.ndarray
    archs: frozenset[Arch]

    @property
    def count(self) -> int | None:
        """Number of feasible archs."""
        return len(self.archs)

    @property
    def fraction(self) -> float:
        return len(self.archs) / self.source.num_archs

    def contains(self, arch: Arch) -> bool:
        """Whether ``arch`` is feasible: one set lookup."""
        return arch in self.archs

    __contains__ = contains

    def describe(self) -> str:
        """``flops_m<=p25 (<=78.5 MFLOPs)`` style text of the resolved constraints."""
        return _describe_limits(self.constraints, self.limits, describe(self.source))

    def oracle(self, column: str = "test_accuracy") -> Oracle:
        """The feasible arch with the highest ``column`` (NaN rows never win; first on ties).

        Raises:
            AsebenchError: ``column`` is unknown or NaN on every feasible arch.
        """
        values = np.asarray(self.source.values(column), dtype=np.float64)
        masked = np.where(self.mask & ~np.isnan(values), values, -np.inf)
        index = int(np.argmax(masked))
        if not np.isfinite(masked[index]):
            raise AsebenchError(f"no feasible arch of {self.dataset} has a {column} value")
        arch = tuple(int(c) for c in self.source.arch_codes()[index])
        return Oracle(index, arch, float(values[index]), column)


@dataclass(frozen=True, eq=False)
class PredicateSet:
    """Archs of one dataset meeting every constraint, tested one arch at a time.

    Attributes:
        source: the backend that knows each arch's metrics before a query.
        dataset: the dataset.
        constraints: the constraints (absolute limits), all of which must hold.
        limits: each constraint's limit.
    """

    source: ArchMetrics
    dataset: str
    constraints: tuple[Constraint, ...]
    limits: tuple[float, ...]

    @property
    def count(self) -> int | None:
        """Unknown: the space is not listed."""
        return None

    def contains(self, arch: Arch) -> bool:
        metrics = self.source.arch_metrics(arch)
        return all(bool(c.holds(np.asarray(metrics[c.metric]), limit))
                   for c, limit in zip(self.constraints, self.limits))

    __contains__ = contains

    def describe(self) -> str:
        return _describe_limits(self.constraints, self.limits, describe(self.source))


Feasibility = FeasibleSet | PredicateSet
"""Either kind of feasible set."""


def _check_metrics(info: BackendInfo, constraints: tuple[Constraint, ...]) -> None:
    usable = [m.name for m in info.metrics if m.known_before_query]
    for constraint in constraints:
        metric = info.metric(constraint.metric)
        family, colon, member = constraint.metric.partition(":")
        members = [u.partition(":")[2] for u in usable if u.startswith(family + ":")]
        if metric is None and colon and members:
            raise AsebenchError(f"unknown {family} device {member!r}; devices are "
                                f"{', '.join(members)}")
        if metric is None or not metric.known_before_query:
            what = "unknown constraint metric" if metric is None else (
                "metric not known before a query")
            raise AsebenchError(
                f"{what} {constraint.metric!r}; metrics are {', '.join(usable) or '(none)'} "
                f"({info.benchmark})")


def _resolve(source: EnumerableBackend, dataset: str, constraint: Constraint
             ) -> tuple[float, np.ndarray]:
    values = np.asarray(source.values(constraint.metric), dtype=np.float64)
    if values.ndim != 1 or np.isnan(values).any():
        raise AsebenchError(f"metric {constraint.metric!r} is not one finite value per arch")
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


_CACHE: OrderedDict[tuple[object, ...], FeasibleSet] = OrderedDict()
_CACHE_SIZE = 64
"""Feasible sets kept (least recently used dropped first): a long-lived process that builds
sets for many backends or constraints holds at most this many masks."""


def _listed(source: EnumerableBackend, info: BackendInfo,
            constraints: tuple[Constraint, ...]) -> FeasibleSet:
    data = info.data or {}
    identity: object = data.get("sha256") or id(source)
    key = (info.benchmark, info.dataset, identity, constraints)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    mask = np.ones(source.num_archs, dtype=bool)
    limits = []
    for constraint in constraints:
        limit, ok = _resolve(source, info.dataset, constraint)
        limits.append(limit)
        mask &= ok
    if not mask.any():
        raise AsebenchError(
            f"constraints {' and '.join(c.text for c in constraints)} together admit no "
            f"arch of {info.dataset}")
    mask.setflags(write=False)
    archs = frozenset(map(tuple, source.arch_codes()[mask].astype(np.int64).tolist()))
    feasible = FeasibleSet(source, info.dataset, constraints, tuple(limits), mask, archs)
    # the set holds ``source``, so an ``id(source)`` key cannot be reused while it is cached
    _CACHE[key] = feasible
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return feasible


def feasible_set(backend: Backend, constraints: Iterable[str | Constraint] | str
                 ) -> Feasibility:
    """The archs of ``backend``'s dataset meeting every constraint (a listed space's sets
    are cached per data checksum, dataset and constraints).

    Raises:
        AsebenchError: a malformed expression, a metric the backend does not know before a
            query, a percentile on a space that is not listed, or constraints no arch meets.
    """
    parsed = parse_constraints(constraints)
    source = unwrap(backend)
    info = describe(source)
    _check_metrics(info, parsed)
    if isinstance(source, EnumerableBackend):
        return _listed(source, info, parsed)
    if isinstance(source, ArchMetrics):
        for constraint in parsed:
            if constraint.percentile is not None:
                raise AsebenchError(
                    f"constraint {constraint.text}: a percentile limit needs a benchmark "
                    f"that lists its space; {info.benchmark} does not (give a number)")
        limits = tuple(float(c.limit) for c in parsed if c.limit is not None)
        return PredicateSet(source, info.dataset, parsed, limits)
    raise AsebenchError(
        f"backend {info.benchmark} knows no metric before a query, so it cannot be "
        "constrained")
