"""Immutable records shared by every layer: architectures, evaluations, budgets, traces."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

__all__ = ["Arch", "Edit", "Evaluation", "Budget", "Query", "Trace", "NO_METRICS"]

Arch = tuple[int, ...]
"""An architecture: one choice index per position of its space (hashable, immutable)."""

Edit = tuple[int, int]
"""``(position, choice)``: set one position of an arch to one choice."""

NO_METRICS: Mapping[str, float] = MappingProxyType({})


class Evaluation(NamedTuple):
    """What a backend answers for one query.

    A NamedTuple rather than a dataclass: it is built once per query on the hot path.

    Attributes:
        reward: the number a searcher may see (e.g. 12-epoch accuracy).
        cost_s: simulated or real seconds charged to the budget.
        metrics: extra values asked for (e.g. MAdds for a constraint); empty by default.
    """

    reward: float
    cost_s: float
    metrics: Mapping[str, float] = NO_METRICS


@dataclass(frozen=True)
class Budget:
    """How much a search may spend: simulated seconds and/or number of queries.

    A query whose cost would take the total past ``seconds`` ends the run and is not counted.
    """

    seconds: float | None = None
    queries: int | None = None

    def __post_init__(self) -> None:
        from asebench.errors import AsebenchError

        if self.seconds is None and self.queries is None:
            raise AsebenchError("a budget needs seconds or queries")
        if self.seconds is not None and not self.seconds > 0:
            raise AsebenchError(f"budget seconds must be > 0, got {self.seconds}")
        if self.queries is not None and self.queries < 1:
            raise AsebenchError(f"budget queries must be >= 1, got {self.queries}")


class Query(NamedTuple):
    """One row of a trace."""

    step: int
    arch: Arch
    reward: float
    cost_s: float
    elapsed_s: float
    incumbent: Arch
    incumbent_reward: float


@dataclass(frozen=True)
class Trace:
    """Every query a search made, in order, plus its final answer.

    Stored column-wise (one tuple per field) so that thousands of traces stay cheap.
    """

    archs: tuple[Arch, ...]
    rewards: tuple[float, ...]
    costs: tuple[float, ...]
    answer: Arch
    answer_reward: float
    info: Mapping[str, object] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.archs)

    @property
    def elapsed(self) -> tuple[float, ...]:
        """Cumulative cost after each query."""
        total, out = 0.0, []
        for cost in self.costs:
            total += cost
            out.append(total)
        return tuple(out)

    @property
    def spent_s(self) -> float:
        return float(sum(self.costs))

    def __iter__(self) -> Iterator[Query]:
        best_arch: Arch = ()
        best = float("-inf")
        for step, (arch, reward, elapsed) in enumerate(
                zip(self.archs, self.rewards, self.elapsed)):
            if reward > best:
                best, best_arch = reward, arch
            yield Query(step, arch, reward, self.costs[step], elapsed, best_arch, best)

    @classmethod
    def from_queries(cls, archs: Sequence[Arch], rewards: Sequence[float],
                     costs: Sequence[float], answer: Arch, answer_reward: float,
                     info: Mapping[str, object] | None = None) -> Trace:
        return cls(tuple(archs), tuple(float(r) for r in rewards),
                   tuple(float(c) for c in costs), tuple(answer), float(answer_reward),
                   dict(info or {}))
