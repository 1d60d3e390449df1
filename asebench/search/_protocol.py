"""The Searcher protocol: one interface for every search method."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from asebench.backends import Backend
from asebench.records import Budget, Trace

__all__ = ["Searcher", "BatchSearcher"]


@runtime_checkable
class Searcher(Protocol):
    """A search method.

    ``run`` queries the backend ONLY through :class:`asebench.backends.BudgetedEvaluator` and
    stops on :class:`asebench.errors.BudgetExhausted`, so every method respects a budget the
    same way. The same ``rng`` state gives the same trace.
    """

    @property
    def name(self) -> str:
        """The method's registered name (a class constant in the implementations)."""
        ...

    def run(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> Trace:
        """Search ``backend`` within ``budget``; return the trace of every query and the
        answer."""
        ...


@runtime_checkable
class BatchSearcher(Searcher, Protocol):
    """A searcher that can run many independent seeds at once (optional entry point).

    ``run_batch(backend, budget, rngs)[i]`` equals ``run(backend, budget, rngs[i])`` in
    distribution (and, for the methods here, in its arch sequence): a seed's result does not
    depend on which other seeds share its batch.
    """

    def run_batch(self, backend: Backend, budget: Budget,
                  rngs: Sequence[np.random.Generator]) -> list[Trace]:
        ...
