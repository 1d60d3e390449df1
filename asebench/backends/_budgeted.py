"""A backend seen through a budget: charges every query, records the trace, ends the run."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from asebench.backends._protocol import Backend
from asebench.errors import BudgetExhausted
from asebench.records import Arch, Budget, Evaluation, Trace

__all__ = ["BudgetedEvaluator"]

_INF = float("inf")


class BudgetedEvaluator:
    """What a searcher queries: ``evaluate(arch)`` until it raises :class:`BudgetExhausted`.

    Every searcher goes through this one class, so all respect the budget the same way: a query
    whose cost would take the total past ``budget.seconds`` (or a query beyond
    ``budget.queries``) is not counted and ends the run.

    Args:
        backend: what answers queries.
        budget: seconds and/or number of queries.
        rng: the run's generator, passed to the backend (per-seed reward draws).
    """

    __slots__ = ("backend", "budget", "rng", "space", "archs", "rewards", "costs", "spent_s",
                 "best_arch", "best_reward", "_seconds", "_queries", "_evaluate")

    def __init__(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> None:
        self.backend = backend
        self.budget = budget
        self.rng = rng
        self.space = backend.space
        self.archs: list[Arch] = []
        self.rewards: list[float] = []
        self.costs: list[float] = []
        self.spent_s = 0.0
        self.best_arch: Arch | None = None
        self.best_reward = -_INF
        self._seconds = _INF if budget.seconds is None else float(budget.seconds)
        self._queries = budget.queries if budget.queries is not None else 1 << 62
        self._evaluate = backend.evaluate

    def evaluate(self, arch: Arch) -> Evaluation:
        """Query ``arch``, charge its cost and record it; raise BudgetExhausted if it does
        not fit in what is left."""
        if len(self.archs) >= self._queries:
            raise BudgetExhausted
        result = self._evaluate(arch, self.rng)
        spent = self.spent_s + result.cost_s
        if spent > self._seconds:
            raise BudgetExhausted
        self.spent_s = spent
        self.archs.append(arch)
        self.rewards.append(result.reward)
        self.costs.append(result.cost_s)
        if result.reward > self.best_reward:
            self.best_reward = result.reward
            self.best_arch = arch
        return result

    @property
    def num_queries(self) -> int:
        return len(self.archs)

    def trace(self, answer: Arch | None = None, answer_reward: float | None = None,
              info: Mapping[str, object] | None = None) -> Trace:
        """The run's trace; the answer defaults to the best arch queried."""
        if answer is None:
            if self.best_arch is None:
                raise BudgetExhausted("the budget did not allow a single query")
            answer, answer_reward = self.best_arch, self.best_reward
        return Trace.from_queries(self.archs, self.rewards, self.costs, answer,
                                  self.best_reward if answer_reward is None else answer_reward,
                                  info)
