"""Random search inside one evoked subspace (paper V-B, Fig. 7).

The subspace is ``ball(center, M)``. With ``center`` given, it is searched directly. Without,
the method first runs ``ase`` with ``ase_options`` (its own budget, NOT charged to this run,
on a generator derived from this run's) and takes the center of the subspace evoked at that
run's final step (``last_evoked_center``); then it samples the ball uniformly (with
replacement) with the full budget.

The ball is a :class:`~asebench.spaces.SubSpace` (the distance rule as its feasibility
predicate, intersected with any restriction ``backend.space`` already has) and the queries go
through a :class:`~asebench.backends.RestrictedBackend`, the one restriction mechanism; its
members are enumerated once so that sampling stays uniform and cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from asebench.backends import Backend, BudgetedEvaluator, restrict_backend
from asebench.errors import AsebenchError, BudgetExhausted
from asebench.records import Arch, Budget, Trace
from asebench.search._ase import ASESearch
from asebench.search._options import check_int

__all__ = ["RandomInSubspace"]


@dataclass(frozen=True)
class RandomInSubspace:
    """Uniform random search in ``ball(center, M)``.

    Args:
        center: the subspace center; default: the final evoked center of an ASE run.
        M: the ball radius (default 4, the paper's NB201 M); also the ASE run's M unless
            ``ase_options`` sets it.
        ase_options: options of the preliminary ``ase`` run.

    Trace.info: ``center`` (list), ``radius``, ``subspace_size``, ``iterations`` (queries),
    and when ASE ran first: ``ase_answer`` (list), ``ase_answer_reward``.
    """

    name: ClassVar[str] = "random-in-subspace"
    display_name: ClassVar[str] = "Random search in evoked subspace"
    cost_hint: ClassVar[float] = 10.0
    center: Arch | None = None
    M: int = 4
    ase_options: Mapping[str, object] = field(default_factory=dict)
    _ase: ASESearch = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_int(self.name, "M", self.M, 0)
        if self.center is not None:
            object.__setattr__(self, "center", tuple(int(c) for c in self.center))
        options = dict(self.ase_options)
        options.setdefault("M", self.M)
        from asebench.search._options import options_factory

        object.__setattr__(self, "_ase", options_factory(ASESearch)(**options))

    def run(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> Trace:
        space = backend.space
        if self.M > space.num_positions:
            raise AsebenchError(
                f"{self.name}: option M must be in 0..{space.num_positions}, got {self.M}")
        info: dict[str, object] = {}
        if self.center is not None:
            center = space.parent.validate(self.center)
        else:
            ase_seed, own_seed = rng.integers(0, 2**63, size=2)
            trace = self._ase.run(backend, budget, np.random.default_rng(int(ase_seed)))
            last = trace.info["last_evoked_center"]
            assert isinstance(last, list)  # ASESearch reports it as a list of op codes
            center = tuple(int(c) for c in last)
            info.update(ase_answer=list(trace.answer), ase_answer_reward=trace.answer_reward)
            rng = np.random.default_rng(int(own_seed))
        radius, distance = self.M, space.distance
        inside = restrict_backend(backend, feasible=lambda a: distance(a, center) <= radius)
        ball = inside.space.ball(center, radius)
        if not ball:
            raise AsebenchError(f"{self.name}: no arch of the space within {radius} of "
                                f"{space.to_string(center)}")
        evaluator = BudgetedEvaluator(inside, budget, rng)
        try:
            while True:
                evaluator.evaluate(ball[int(rng.integers(len(ball)))])
        except BudgetExhausted:
            pass
        info.update(center=list(center), radius=self.M, subspace_size=len(ball),
                    iterations=evaluator.num_queries)
        return evaluator.trace(info=info)

    def run_batch(self, backend: Backend, budget: Budget,
                  rngs: Sequence[np.random.Generator]) -> list[Trace]:
        return [self.run(backend, budget, rng) for rng in rngs]
