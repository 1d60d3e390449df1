"""Nevergrad's optimizers as an asebench method: ``nevergrad[optimizer=NGOpt|...]``.

The space is a ``ng.p.Tuple`` of one ``ng.p.Choice`` per position over its allowed choice
codes, seeded through the parametrization's ``random_state``; the optimizer is
``ng.optimizers.registry[optimizer]`` (any registered name: ``NGOpt``, the default,
``DiscreteOnePlusOne``, ``PortfolioDiscreteOnePlusOne``, ...) built with ``num_workers=1``
(queries are sequential) and the other options by name (``budget``: NGOpt picks its algorithm
from it; Nevergrad's default, None, is kept). The loss told is minus the reward.

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
from asebench.peers._asktell import AskTellSession, Grid, check_names, make_factory
from asebench.records import Arch

__all__ = ["NEVERGRAD", "nevergrad"]

_SLOW = {"NGOpt": 12.0, "PortfolioDiscreteOnePlusOne": 4.0, "DiscreteOnePlusOne": 3.0}


class _Session:
    """One Nevergrad optimizer; a handle is the candidate ``ask`` returned."""

    def __init__(self, optimizer: Any) -> None:
        self._optimizer = optimizer
        self._worst = 0.0
        self._told = False

    def ask(self) -> tuple[Arch, object]:
        candidate = self._optimizer.ask()
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

    def display_name(self, algorithm: str) -> str:
        return f"Nevergrad {algorithm}"

    def cost_hint(self, algorithm: str) -> float:
        return _SLOW.get(algorithm, 12.0)

    def check(self, lib: ModuleType, algorithm: str, options: Mapping[str, object]) -> None:
        registry = lib.optimizers.registry
        if algorithm not in registry:
            close = sorted(n for n in registry if n.lower().startswith(algorithm[:3].lower()))
            raise AsebenchError(
                f"{self.name}: unknown optimizer {algorithm!r} (Nevergrad's registry has "
                f"{len(registry)}; e.g. {', '.join(close[:8]) or 'NGOpt'})")
        target = registry[algorithm]
        check_names(self.name, f"nevergrad.optimizers.{algorithm}", target.__call__
                    if not isinstance(target, type) else target, options,
                    reserved=("parametrization", "num_workers"))

    def start(self, lib: ModuleType, algorithm: str, options: Mapping[str, object],
              grid: Grid, seed: int, feasible: Callable[[Arch], bool] | None
              ) -> AskTellSession:
        parametrization = lib.p.Tuple(*(lib.p.Choice(list(choices)) for choices in grid))
        parametrization.random_state = np.random.RandomState(seed)
        if feasible is not None:
            parametrization.register_cheap_constraint(_Feasible(feasible))
        try:
            optimizer = lib.optimizers.registry[algorithm](
                parametrization=parametrization, num_workers=1, **options)
        except (TypeError, ValueError) as exc:
            raise AsebenchError(f"{self.name}: {algorithm} rejects the options "
                                f"{dict(options)}: {exc}") from None
        return _Session(optimizer)


NEVERGRAD = NevergradLibrary()
nevergrad = make_factory(NEVERGRAD, "Nevergrad's optimizers (optimizer=NGOpt|"
                                    "DiscreteOnePlusOne|PortfolioDiscreteOnePlusOne|...; other "
                                    "options go to the optimizer); needs asebench[nevergrad]")
