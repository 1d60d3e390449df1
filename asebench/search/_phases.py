"""One budget, one trace across the phases of a space-evolution method (NSE, AutoSpace).

Such a method runs inner searchers (each through its own BudgetedEvaluator, as every searcher
does) on a :class:`~asebench.backends.RestrictedBackend`, one after the other. :class:`Phases`
gives each the share of what is *left* of the run's budget, appends its queries to the run's
record in order (so ``elapsed`` and costs of the one Trace are those of the whole run and never
exceed the budget) and remembers every reward seen, for inheritance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from asebench.backends import Backend, BudgetedEvaluator
from asebench.errors import BudgetExhausted
from asebench.records import Arch, Budget, Trace
from asebench.search._protocol import Searcher, WarmStartable

__all__ = ["Phases", "warm_start"]


class Phases:
    """The record of a run made of several inner runs under one ``budget``."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.archs: list[Arch] = []
        self.rewards: list[float] = []
        self.costs: list[float] = []
        self.spent_s = 0.0
        self.known: dict[Arch, float] = {}
        self.best_arch: Arch | None = None
        self.best_reward = -float("inf")

    @property
    def num_queries(self) -> int:
        return len(self.archs)

    def share(self, parts: int, fraction: float = 1.0) -> Budget | None:
        """``fraction / parts`` of what is left of the budget, or None when nothing is."""
        seconds = queries = None
        if self.budget.seconds is not None:
            seconds = (self.budget.seconds - self.spent_s) * fraction / parts
            if seconds <= 0:
                return None
        if self.budget.queries is not None:
            queries = int((self.budget.queries - self.num_queries) * fraction // parts)
            if queries < 1:
                return None
        return Budget(seconds=seconds, queries=queries)

    def add(self, archs: Sequence[Arch], rewards: Sequence[float],
            costs: Sequence[float]) -> None:
        """Append queries made by a phase (in their order)."""
        for arch, reward, cost in zip(archs, rewards, costs):
            self.archs.append(arch)
            self.rewards.append(reward)
            self.costs.append(cost)
            self.spent_s += cost
            self.known[arch] = reward
            if reward > self.best_reward:
                self.best_arch, self.best_reward = arch, reward

    def run(self, searcher: Searcher, backend: Backend, budget: Budget,
            rng: np.random.Generator) -> Trace | None:
        """Run ``searcher`` with ``budget`` (a share of what is left) and record its queries;
        None when the share did not allow a single query."""
        try:
            trace = searcher.run(backend, budget, rng)
        except BudgetExhausted:
            return None
        self.add(trace.archs, trace.rewards, trace.costs)
        return trace

    def evaluator(self, backend: Backend, budget: Budget,
                  rng: np.random.Generator) -> BudgetedEvaluator:
        """A BudgetedEvaluator for a phase that queries directly; pass it to :meth:`close`."""
        return BudgetedEvaluator(backend, budget, rng)

    def close(self, evaluator: BudgetedEvaluator) -> None:
        """Record the queries of a direct phase."""
        self.add(evaluator.archs, evaluator.rewards, evaluator.costs)

    def best_known(self, limit: int, inside: object = None) -> list[tuple[Arch, float]]:
        """Up to ``limit`` best distinct archs seen (best first), those ``inside(arch)`` only
        when a membership test is given."""
        ranked = sorted(self.known.items(), key=lambda item: -item[1])
        if inside is not None:
            ranked = [item for item in ranked if inside(item[0])]  # type: ignore[operator]
        return ranked[:limit]

    def trace(self, info: Mapping[str, object]) -> Trace:
        """The whole run's trace; the answer is the best-reward arch of every phase."""
        if self.best_arch is None:
            raise BudgetExhausted("the budget did not allow a single query")
        return Trace.from_queries(self.archs, self.rewards, self.costs, self.best_arch,
                                  self.best_reward, info)


def warm_start(searcher: Searcher, known: Sequence[tuple[Arch, float]]) -> Searcher:
    """``searcher`` started from inherited ``(arch, reward)`` pairs (best first) where it
    declares it can (:class:`~asebench.search.WarmStartable`); others start afresh."""
    if known and isinstance(searcher, WarmStartable):
        return searcher.warm_started(known)
    return searcher
