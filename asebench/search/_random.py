"""Random search: uniform samples from the whole space; the answer is the best reward."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from asebench.backends import Backend, BudgetedEvaluator
from asebench.errors import BudgetExhausted
from asebench.records import Budget, Trace

__all__ = ["RandomSearch"]


@dataclass(frozen=True)
class RandomSearch:
    """Sample uniformly (with replacement, as NB201's baseline) until the budget ends.

    Trace.info: ``iterations`` (number of queries).
    """

    name: ClassVar[str] = "random"
    display_name: ClassVar[str] = "Random search"
    cost_hint: ClassVar[float] = 1.0

    def run(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> Trace:
        evaluator = BudgetedEvaluator(backend, budget, rng)
        sample = backend.space.sample
        try:
            while True:
                evaluator.evaluate(sample(rng))
        except BudgetExhausted:
            pass
        return evaluator.trace(info={"iterations": evaluator.num_queries})

    def run_batch(self, backend: Backend, budget: Budget,
                  rngs: Sequence[np.random.Generator]) -> list[Trace]:
        return [self.run(backend, budget, rng) for rng in rngs]
