"""Baselines under the same budget rules: REINFORCE, regularised evolution, local search.

Each queries only through a BudgetedEvaluator and answers the best reward it has seen, and
proposes only inside ``backend.space`` (a :class:`~asebench.spaces.SubSpace` when the backend is
a :class:`~asebench.backends.RestrictedBackend`): REINFORCE masks its logits to the allowed
choices, evolution and local search edit among them; a feasibility predicate is met by
rejection (bounded tries, then a fresh ``space.sample``). On a full space the draws, hence the
traces, are those of the unrestricted methods.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from asebench.backends import Backend, BudgetedEvaluator
from asebench.errors import BudgetExhausted
from asebench.records import Arch, Budget, Trace
from asebench.search._options import check_float, check_int, known_pairs
from asebench.search._protocol import Searcher
from asebench.search._within import (
    MUTATION_TRIES,
    allowed_table,
    feasibility,
    mutable_positions,
    mutate,
)

__all__ = ["Reinforce", "RegularizedEvolution", "LocalSearch"]


def _sizes(backend: Backend) -> tuple[int, ...]:
    return tuple(backend.space.sizes)


class _OneByOne:
    """``run_batch`` as a loop: these methods are cheap per query."""

    def run(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> Trace:
        raise NotImplementedError

    def run_batch(self, backend: Backend, budget: Budget,
                  rngs: Sequence[np.random.Generator]) -> list[Trace]:
        return [self.run(backend, budget, rng) for rng in rngs]


@dataclass(frozen=True)
class Reinforce(_OneByOne):
    """REINFORCE over independent per-position softmax distributions (NB201 style).

    Logits start at zero (uniform); the baseline is a bias-corrected exponential moving
    average of the reward, updated before the advantage is taken (first advantage 0); Adam.

    Trace.info: ``iterations``.
    """

    name: ClassVar[str] = "reinforce"
    display_name: ClassVar[str] = "REINFORCE"
    cost_hint: ClassVar[float] = 1.0
    lr: float = 1e-2
    baseline_decay: float = 0.9

    def __post_init__(self) -> None:
        check_float(self.name, "lr", self.lr, 0.0, low_open=True)
        check_float(self.name, "baseline_decay", self.baseline_decay, 0.0, 1.0, high_open=True)

    def run(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> Trace:
        space, sizes = backend.space, _sizes(backend)
        L, C = len(sizes), max(sizes)
        mask = np.full((L, C), -np.inf)
        for p, codes in enumerate(allowed_table(space)):
            mask[p, list(codes)] = 0.0
        inside = feasibility(space)
        logits = np.zeros((L, C))
        m, v = np.zeros_like(logits), np.zeros_like(logits)
        b1, b2, eps, lr = 0.9, 0.999, 1e-8, self.lr
        evaluator = BudgetedEvaluator(backend, budget, rng)
        num = den = 0.0
        rows = np.arange(L)
        t = 0
        try:
            while True:
                z = logits + mask
                e = np.exp(z - z.max(axis=1, keepdims=True))
                cdf = np.cumsum(e, axis=1)
                probs = e / cdf[:, -1:]
                u = rng.random(L)
                choice = np.minimum((cdf < u[:, None] * cdf[:, -1:]).sum(axis=1), C - 1)
                arch = tuple(choice.tolist())
                if inside is not None and not inside(arch):
                    arch = _feasible_draw(cdf, C, inside, space.sample, rng)
                    choice = np.array(arch)
                reward = evaluator.evaluate(arch).reward
                num = self.baseline_decay * num + (1 - self.baseline_decay) * reward
                den = self.baseline_decay * den + (1 - self.baseline_decay)
                advantage = reward - num / den
                grad = advantage * probs  # gradient of -advantage * log pi
                grad[rows, choice] -= advantage
                t += 1
                m = b1 * m + (1 - b1) * grad
                v = b2 * v + (1 - b2) * grad * grad
                logits -= (lr / (1 - b1 ** t)) * m / (np.sqrt(v / (1 - b2 ** t)) + eps)
        except BudgetExhausted:
            pass
        return evaluator.trace(info={"iterations": evaluator.num_queries})


_IDLE_RESTARTS = 1000
"""Restarts in a row without a new query after which local search takes the space as
exhausted (every arch reachable from a random start already queried)."""


def _feasible_draw(cdf: np.ndarray, C: int, inside: Callable[[Arch], bool],
                   sample: Callable[[np.random.Generator], Arch],
                   rng: np.random.Generator) -> Arch:
    """A policy draw that passes ``inside`` (rejection, bounded), else a uniform feasible one."""
    L = len(cdf)
    for _ in range(MUTATION_TRIES):
        u: np.ndarray = rng.random(L)
        draw = np.minimum((cdf < u[:, None] * cdf[:, -1:]).sum(axis=1), C - 1)
        arch: Arch = tuple(int(c) for c in draw)
        if inside(arch):
            return arch
    return sample(rng)


def _feasible_child(parent: Arch, allowed: tuple[tuple[int, ...], ...],
                    positions: tuple[int, ...], inside: Callable[[Arch], bool] | None,
                    sample: Callable[[np.random.Generator], Arch],
                    rng: np.random.Generator) -> Arch:
    """A one-edit mutation inside the space (bounded rejection, then a fresh sample)."""
    child = mutate(parent, allowed, positions, rng)
    if inside is None:
        return child
    for _ in range(MUTATION_TRIES):
        if inside(child):
            return child
        child = mutate(parent, allowed, positions, rng)
    return sample(rng)


@dataclass(frozen=True)
class RegularizedEvolution(_OneByOne):
    """Regularised (aging) evolution: tournament of ``sample`` from the last ``population``
    queries, the winner's one-edit mutation is queried and the oldest member dies.

    Args:
        population: number of members (the last queries).
        sample: tournament size.
        initial: inherited ``(arch, reward)`` pairs, best first (e.g. from an earlier round
            of a space-evolution method): the first ``population`` of them are the first
            members, without being queried again; random archs fill the rest.

    Trace.info: ``iterations``.
    """

    name: ClassVar[str] = "evolution"
    display_name: ClassVar[str] = "Regularised evolution"
    cost_hint: ClassVar[float] = 1.0
    population: int = 10
    sample: int = 3
    initial: tuple[tuple[Arch, float], ...] = ()

    def __post_init__(self) -> None:
        check_int(self.name, "population", self.population, 1)
        check_int(self.name, "sample", self.sample, 1, self.population)
        object.__setattr__(self, "initial", known_pairs(self.name, self.initial))

    def warm_started(self, known: Sequence[tuple[Arch, float]]) -> Searcher:
        """Start from ``known`` (remembered, not re-queried)."""
        return replace(self, initial=tuple(known))

    def run(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> Trace:
        space = backend.space
        allowed = allowed_table(space)
        positions, inside = mutable_positions(space, allowed), feasibility(space)
        evaluator = BudgetedEvaluator(backend, budget, rng)
        members: deque[tuple[Arch, float]] = deque(
            (space.validate(a), r) for a, r in self.initial[:self.population])
        try:
            while len(members) < self.population:
                arch = space.sample(rng)
                members.append((arch, evaluator.evaluate(arch).reward))
            while True:
                picks = rng.choice(self.population, self.sample, replace=False)
                parent = max((members[int(i)] for i in picks), key=lambda m: m[1])[0]
                child = _feasible_child(parent, allowed, positions, inside, space.sample, rng)
                members.append((child, evaluator.evaluate(child).reward))
                members.popleft()
        except BudgetExhausted:
            pass
        return evaluator.trace(info={"iterations": evaluator.num_queries})


@dataclass(frozen=True)
class LocalSearch(_OneByOne):
    """Best-improvement hill climbing over the distance-1 neighbourhood, random restarts.

    From a random arch, query all its unseen neighbours (random order); move to the best
    neighbour if it beats the current arch, else restart from a new random arch. Rewards of
    archs already queried are remembered (not re-queried, not charged).

    A small (sub-)space can be exhausted before the budget: the run then ends after
    ``_IDLE_RESTARTS`` restarts in a row that queried nothing new.

    Args:
        initial: inherited ``(arch, reward)`` pairs, best first: remembered as already
            queried (not charged), and the first climb starts from the first of them.

    Trace.info: ``iterations`` (queries), ``restarts``.
    """

    name: ClassVar[str] = "local"
    display_name: ClassVar[str] = "Local search"
    cost_hint: ClassVar[float] = 1.0
    initial: tuple[tuple[Arch, float], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "initial", known_pairs(self.name, self.initial))

    def warm_started(self, known: Sequence[tuple[Arch, float]]) -> Searcher:
        """Start from ``known`` (remembered, not re-queried)."""
        return replace(self, initial=tuple(known))

    def run(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> Trace:
        space = backend.space
        allowed, inside = allowed_table(space), feasibility(space)
        evaluator = BudgetedEvaluator(backend, budget, rng)
        seen: dict[Arch, float] = {space.validate(a): r for a, r in self.initial}
        start = [space.validate(a) for a, _ in self.initial[:1]]

        def query(arch: Arch) -> float:
            if arch not in seen:
                seen[arch] = evaluator.evaluate(arch).reward
            return seen[arch]

        restarts = idle = 0
        try:
            while idle < _IDLE_RESTARTS:
                before = evaluator.num_queries
                current = start.pop() if start else space.sample(rng)
                reward = query(current)
                while True:
                    neighbours = [current[:p] + (c,) + current[p + 1:]
                                  for p, codes in enumerate(allowed) for c in codes
                                  if c != current[p]]
                    if inside is not None:
                        neighbours = [n for n in neighbours if inside(n)]
                    order = rng.permutation(len(neighbours))
                    best, best_reward = current, reward
                    for i in order:
                        r = query(neighbours[int(i)])
                        if r > best_reward:
                            best, best_reward = neighbours[int(i)], r
                    if best == current:
                        break
                    current, reward = best, best_reward
                restarts += 1
                idle = idle + 1 if evaluator.num_queries == before else 0
        except BudgetExhausted:
            pass
        return evaluator.trace(info={"iterations": evaluator.num_queries, "restarts": restarts})
