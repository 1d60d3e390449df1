"""Nevergrad's optimizers as an asebench method: ``nevergrad[optimizer=NGOpt|...]``.

The space is a ``ng.p.Tuple`` of one ``ng.p.Choice`` per position over its allowed choice
codes, seeded through the parametrization's ``random_state``; the optimizer is
``ng.optimizers.registry[optimizer]`` (any registered name: ``NGOpt``, the default,
``NgIohTuned``, ``DiscreteOnePlusOne``, ``PortfolioDiscreteOnePlusOne``, ...) built with
``num_workers=1`` (queries are sequential) and ``budget`` when given (Nevergrad's default,
None, is kept otherwise). The loss told is minus the reward.

Option values: every optimizer takes Nevergrad's common arguments (its "Optimizers API
Reference": ``parametrization``, ``budget`` -- "number of allowed evaluations", an int or
None -- and ``num_workers``); Nevergrad checks none of them (``NGOpt(budget=-1)`` builds), so
``budget`` must be an integer >= 1 or None here. An optimizer that cannot run without a
budget (``NgIohTuned``) fails its first ``ask``, which the adapter reports in one line before
the first query. The few optimizers with arguments of their own (``Portfolio``'s ``config``,
``cGA``'s ``arity``) are not supported.

``preset=informed``: ``optimizer=NgIohTuned`` (unless one is named) with ``budget`` = the
expected number of queries. Nevergrad's "How to perform optimization" page, section
"Choosing an optimizer": "NgIohTuned is 'meta'-optimizer which adapts to the provided
settings (budget, number of workers, parametrization) and should therefore be a good
default"; its wizards pick their algorithm from the budget, and ``minimize`` refuses to run
without one.

Outside the space: **rejected before a query** by Nevergrad itself: the space's hardware limit
is registered as a cheap constraint (``register_cheap_constraint``), which ``ask`` resamples
against. A proposal that still fails it (Nevergrad gives up after its own number of tries) is
**penalised**: told the worst loss told so far (0 before any), and never queried.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from asebench.errors import AsebenchError
from asebench.peers._asktell import AskTellSession, Grid, make_factory
from asebench.peers._preset import RunFacts
from asebench.peers._values import Int, Spec, check_options, constructor_parameters
from asebench.records import Arch

__all__ = ["NEVERGRAD", "nevergrad"]

_SLOW = {"NGOpt": 12.0, "NgIohTuned": 12.0, "PortfolioDiscreteOnePlusOne": 4.0,
         "DiscreteOnePlusOne": 3.0}
_COMMON = ("parametrization", "budget", "num_workers")
"""The arguments every Nevergrad optimizer takes (its Optimizers API Reference)."""
_SPECS: dict[str, Spec] = {"budget": Int(1, none=True)}


class _Session:
    """One Nevergrad optimizer; a handle is the candidate ``ask`` returned."""

    def __init__(self, optimizer: Any, name: str) -> None:
        self._optimizer = optimizer
        self._name = name
        self._worst = 0.0
        self._told = False

    def ask(self) -> tuple[Arch, object]:
        try:
            candidate = self._optimizer.ask()
        except AssertionError:  # Nevergrad's wizards assert a budget, with no message
            if self._optimizer.budget is not None:
                raise
            raise AsebenchError(f"nevergrad: {self._name} cannot run without a budget; give "
                                "budget=N or preset=informed") from None
        return tuple(int(c) for c in candidate.value), candidate

    def tell(self, handle: object, reward: float) -> None:
        loss = -float(reward)
        self._worst = loss if not self._told else max(self._worst, loss)
        self._told = True
        self._optimizer.tell(handle, loss)

    def reject(self, handle: object) -> None:
        self._optimizer.tell(handle, self._worst)


@dataclass(frozen=True)
class _Feasible:
    """The space's rule on a candidate's value (a class, not a lambda: Nevergrad pickles
    constraints)."""

    rule: Callable[[Arch], bool]

    def __call__(self, value: tuple[object, ...]) -> bool:
        return self.rule(tuple(int(c) for c in value))  # type: ignore[call-overload]


@dataclass(frozen=True)
class NevergradLibrary:
    """Nevergrad's registry of optimizers, selected by ``optimizer=`` (default ``NGOpt``)."""

    name: str = "nevergrad"
    module: str = "nevergrad"
    distribution: str = "nevergrad"
    selector: str = "optimizer"
    default: str = "NGOpt"
    algorithms: tuple[str, ...] = ()  # any name in Nevergrad's registry (checked)
    informed_default: str = "NgIohTuned"
    informed_algorithms: tuple[str, ...] = ()

    def display_name(self, algorithm: str) -> str:
        return f"Nevergrad {algorithm}"

    def cost_hint(self, algorithm: str) -> float:
        return _SLOW.get(algorithm, 12.0)

    def informed(self, algorithm: str, facts: RunFacts) -> dict[str, object]:
        return {"budget": facts.expected_queries}

    def check(self, lib: ModuleType, algorithm: str, options: Mapping[str, object]) -> None:
        registry = lib.optimizers.registry
        if algorithm not in registry:
            close = sorted(n for n in registry if n.lower().startswith(algorithm[:3].lower()))
            raise AsebenchError(
                f"{self.name}: unknown optimizer {algorithm!r} (Nevergrad's registry has "
                f"{len(registry)}; e.g. {', '.join(close[:8]) or 'NGOpt'})")
        target = registry[algorithm]
        own = constructor_parameters(target if isinstance(target, type) else target.__call__)
        check_options(self.name, f"nevergrad.optimizers.{algorithm}",
                      tuple(dict.fromkeys(_COMMON + own)), _SPECS, options,
                      reserved=("parametrization", "num_workers"))

    def start(self, lib: ModuleType, algorithm: str, options: Mapping[str, object],
              grid: Grid, seed: int, feasible: Callable[[Arch], bool] | None
              ) -> AskTellSession:
        parametrization = lib.p.Tuple(*(lib.p.Choice(list(choices)) for choices in grid))
        parametrization.random_state = np.random.RandomState(seed)
        if feasible is not None:
            parametrization.register_cheap_constraint(_Feasible(feasible))
        optimizer = lib.optimizers.registry[algorithm](
            parametrization=parametrization, num_workers=1, **options)
        return _Session(optimizer, algorithm)


NEVERGRAD = NevergradLibrary()
nevergrad = make_factory(NEVERGRAD, "Nevergrad's optimizers (optimizer=NGOpt|"
                                    "DiscreteOnePlusOne|PortfolioDiscreteOnePlusOne|...; other "
                                    "options go to the optimizer); needs asebench[nevergrad]")
