"""Greedy mutation: mutate one position of the best arch so far; restart when stuck."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from asebench.backends import Backend, BudgetedEvaluator
from asebench.errors import AsebenchError, BudgetExhausted
from asebench.records import Arch, Budget, Trace

__all__ = ["GreedyMutation", "greedy"]


@dataclass(frozen=True)
class GreedyMutation:
    """Query a random arch, then one random single-position mutation of the best arch at a
    time; after ``patience`` mutations without improvement, restart from a random arch.

    It declares what asebench may do with it: a display name and a cost hint (``Described``),
    seeds in one call (``run_batch``: here simply a loop) and a warm start from known pairs
    (``warm_started``), so space-evolution methods can hand it what they found.
    """

    name: ClassVar[str] = "greedy"
    display_name: ClassVar[str] = "Greedy mutation"
    cost_hint: ClassVar[float] = 1.0
    patience: int = 10
    initial: tuple[tuple[Arch, float], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.patience, bool) or not isinstance(self.patience, int) \
                or self.patience < 1:
            raise AsebenchError(f"greedy: option patience must be an int >= 1, "
                                f"got {self.patience!r}")

    def warm_started(self, known: Sequence[tuple[Arch, float]]) -> GreedyMutation:
        return replace(self, initial=tuple((tuple(a), float(r)) for a, r in known))

    def run(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> Trace:
        space = backend.space
        evaluator = BudgetedEvaluator(backend, budget, rng)
        best: Arch | None = None
        best_reward = -np.inf
        if self.initial:
            best, best_reward = max(self.initial, key=lambda pair: pair[1])
        stale = 0
        try:
            while True:
                if best is None or stale >= self.patience:
                    candidate, stale = space.sample(rng), 0
                else:
                    position = int(rng.integers(space.num_positions))
                    choices = [c for c in space.allowed_choices(position)
                               if c != best[position]]
                    if not choices:
                        stale += 1
                        continue
                    candidate = space.apply(best, [(position, int(rng.choice(choices)))])
                    if not space.contains(candidate):
                        stale += 1
                        continue
                reward = evaluator.evaluate(candidate).reward
                if reward > best_reward:
                    best, best_reward, stale = candidate, reward, 0
                else:
                    stale += 1
        except BudgetExhausted:
            pass
        return evaluator.trace(info={"restarts_patience": self.patience})

    def run_batch(self, backend: Backend, budget: Budget,
                  rngs: Sequence[np.random.Generator]) -> list[Trace]:
        return [self.run(backend, budget, rng) for rng in rngs]


def greedy(**options: object) -> GreedyMutation:
    """Greedy mutation with its options (``patience``); unknown options are one-line errors."""
    unknown = sorted(set(options) - {"patience"})
    if unknown:
        raise AsebenchError(f"unknown option(s) {', '.join(unknown)} for method 'greedy'; "
                            "options are patience")
    return GreedyMutation(**options)  # type: ignore[arg-type]


greedy.options = {"patience": 10}  # type: ignore[attr-defined]  # what `asebench methods` lists
