"""What a library is told before its first query when a method asks for ``preset=informed``.

Two rows per library: its defaults (``preset=default``), and the settings its own
documentation advises once the number of evaluations is known (``preset=informed``; see
``docs/peers.md`` for each library's settings and the documentation page behind them). The
number is not tuned: it is the protocol's expected number of queries, computed from the
backend in the run's set-up (:func:`run_facts`):

* a budget in seconds on a backend whose query costs are tabulated: ``floor(seconds / mean
  cost of an arch in the space)`` (the paper protocol on NB201: 25,000 s / 112.84 s = 221);
* a budget in queries: that number (the smaller of the two when both are given).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from asebench.backends import Backend, unwrap
from asebench.errors import AsebenchError
from asebench.records import Budget

__all__ = ["PRESETS", "RunFacts", "run_facts"]

PRESETS = ("default", "informed")
"""The values of a library method's ``preset`` option."""


@runtime_checkable
class _Tabulated(Protocol):
    """A backend that holds every arch's cost and reward before any query (NB201's table)."""

    cost_array: np.ndarray
    reward_array: np.ndarray

    def arch_codes(self) -> np.ndarray:
        ...


@dataclass(frozen=True)
class RunFacts:
    """What the protocol says about a run before its first query.

    Attributes:
        expected_queries: how many queries the budget buys, on average.
        deterministic: whether an arch's reward is the same on every query (one tabulated
            value per arch); None when the backend does not say.
    """

    expected_queries: int
    deterministic: bool | None


def _mean_cost(backend: Backend) -> float | None:
    """The mean query cost over the archs of ``backend.space``, or None when the backend does
    not tabulate its costs."""
    table = unwrap(backend)
    if not isinstance(table, _Tabulated):
        return None
    costs = np.asarray(table.cost_array, dtype=np.float64)
    space = backend.space
    if backend is not table:  # a sub-space (allowed choices, a hardware limit): its archs only
        contains = space.contains
        inside = np.fromiter((contains(tuple(row)) for row in table.arch_codes().tolist()),
                             dtype=bool, count=len(costs))
        costs = costs[inside]
    return float(costs.mean()) if len(costs) else None


def run_facts(backend: Backend, budget: Budget) -> RunFacts:
    """The :class:`RunFacts` of a run of ``budget`` on ``backend`` (one-line AsebenchError
    when the number of queries cannot be known before the run)."""
    counts: list[int] = []
    if budget.queries is not None:
        counts.append(int(budget.queries))
    if budget.seconds is not None and math.isfinite(budget.seconds):
        mean = _mean_cost(backend)
        if mean is not None and mean > 0:
            counts.append(max(1, int(budget.seconds // mean)))
        elif budget.queries is None:
            raise AsebenchError(
                "preset=informed needs the expected number of queries: this backend's query "
                "costs are not known before the run, so give the run a budget in queries")
    if not counts:
        raise AsebenchError("preset=informed needs a budget in seconds or queries")
    table = unwrap(backend)
    deterministic = (bool(np.ndim(table.reward_array) == 1)
                     if isinstance(table, _Tabulated) else None)
    return RunFacts(expected_queries=min(counts), deterministic=deterministic)
