"""Tiny fakes for tests: a Backend built from a plain Python function."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from asebench.records import Arch, Evaluation
from asebench.spaces import CategoricalSpace

__all__ = ["FunctionBackend"]


class FunctionBackend:
    """A Backend over a small CategoricalSpace whose reward is ``reward_fn(arch)``.

    Args:
        sizes: number of choices per position.
        reward_fn: arch -> reward (deterministic); default: sum of choices.
        cost_fn: arch -> simulated seconds; default 1.0 per query.
        noise: std of Gaussian noise added to the reward, drawn from the query's rng.
    """

    def __init__(self, sizes: Sequence[int] = (3, 3, 3, 3),
                 reward_fn: Callable[[Arch], float] | None = None,
                 cost_fn: Callable[[Arch], float] | None = None, noise: float = 0.0) -> None:
        self._space = CategoricalSpace([[f"c{i}" for i in range(n)] for n in sizes])
        self.reward_fn = reward_fn or (lambda arch: float(sum(arch)))
        self.cost_fn = cost_fn or (lambda arch: 1.0)
        self.noise = noise

    @property
    def space(self) -> CategoricalSpace:
        return self._space

    def evaluate(self, arch: Arch, rng: np.random.Generator) -> Evaluation:
        arch = self._space.validate(arch)
        reward = self.reward_fn(arch)
        if self.noise:
            reward += float(rng.normal(0.0, self.noise))
        return Evaluation(float(reward), float(self.cost_fn(arch)),
                          {"size": float(sum(arch))})

    def report(self, arch: Arch) -> Mapping[str, float]:
        return {"test_accuracy": float(self.reward_fn(self._space.validate(arch)))}
