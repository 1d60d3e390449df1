"""Optuna's samplers as an asebench method: ``optuna[sampler=tpe|gp|cmaes|random|qmc|nsga2]``.

Each position is a ``CategoricalDistribution`` over its allowed choice codes, asked for with
``Study.ask(fixed_distributions)`` on an in-memory study (direction ``maximize``). Every other
option goes by name to the sampler's constructor (``optuna[sampler=tpe,n_startup_trials=20]``);
the seed is the sampler's ``seed``.

Outside the space (a proposal that fails the space's hardware limit; never queried): for the
samplers with a constraint model (``tpe``, ``gp``, ``nsga2``), Optuna's own mechanism for
constraints, ``Trial.set_constraint``: on a space with a hardware limit every trial gets the
constraint ``outside_space``, 0.0 for a queried arch and 1.0 for one outside, and an
infeasible proposal is **penalised**: told as a complete trial whose value is the worst reward
told so far (0.0 before any), its constraint marking it infeasible, so the sampler learns
where the feasible region is (TPE ranks every infeasible trial below every feasible one). For
the others (``random``, ``qmc``, ``cmaes``, which model no constraints) it is **told as
failed** (``Study.tell(trial, state=TrialState.FAIL)``), Optuna's way for a trial that produced
no value. ``constraints_func`` (the deprecated way to the same) is set by asebench's space, so
it is not an option.

Notes: ``cmaes`` samples categorical parameters with its independent sampler (random search;
Optuna warns about it), as CMA-ES has no categorical model; ``gp`` needs torch, which asebench
already has.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from asebench.errors import AsebenchError
from asebench.peers._asktell import AskTellSession, Grid, check_names, make_factory
from asebench.records import Arch

__all__ = ["OPTUNA", "optuna"]

_SAMPLERS = {"tpe": "TPESampler", "gp": "GPSampler", "cmaes": "CmaEsSampler",
             "random": "RandomSampler", "qmc": "QMCSampler", "nsga2": "NSGAIISampler"}
_NAMES = {"tpe": "TPE", "gp": "GP", "cmaes": "CMA-ES", "random": "random",
          "qmc": "QMC", "nsga2": "NSGA-II"}
_CONSTRAINED = frozenset({"tpe", "gp", "nsga2"})
"""The samplers that read trial constraints (Optuna 5: TPE, GP and NSGA-II)."""
_CONSTRAINT = "outside_space"
_COST = {"tpe": 4.0, "gp": 2000.0, "cmaes": 3.0, "random": 2.0, "qmc": 2.0, "nsga2": 3.0}


class _Session:
    """One Optuna study; a handle is the ``Trial`` that ``ask`` returned."""

    def __init__(self, lib: Any, sampler: Any, grid: Grid, constrained: bool) -> None:
        self._study = lib.create_study(direction="maximize", sampler=sampler)
        distribution = lib.distributions.CategoricalDistribution
        self._names = tuple(f"p{i}" for i in range(len(grid)))
        self._fixed = {name: distribution(choices) for name, choices in zip(self._names, grid)}
        self._fail = lib.trial.TrialState.FAIL
        self._constrained = constrained
        self._worst: float | None = None

    def ask(self) -> tuple[Arch, object]:
        trial = self._study.ask(self._fixed)
        params = trial.params
        return tuple(int(params[name]) for name in self._names), trial

    def tell(self, handle: object, reward: float) -> None:
        if self._constrained:  # every trial of a constrained study carries the constraint
            handle.set_constraint(_CONSTRAINT, 0.0)  # type: ignore[attr-defined]
        self._worst = reward if self._worst is None else min(self._worst, reward)
        self._study.tell(handle, reward)

    def reject(self, handle: object) -> None:
        if self._constrained:
            handle.set_constraint(_CONSTRAINT, 1.0)  # type: ignore[attr-defined]
            self._study.tell(handle, 0.0 if self._worst is None else self._worst)
        else:
            self._study.tell(handle, state=self._fail)


@dataclass(frozen=True)
class OptunaLibrary:
    """Optuna's samplers, selected by ``sampler=`` (default ``tpe``, Optuna's own)."""

    name: str = "optuna"
    module: str = "optuna"
    distribution: str = "optuna"
    selector: str = "sampler"
    default: str = "tpe"
    algorithms: tuple[str, ...] = tuple(_SAMPLERS)

    def display_name(self, algorithm: str) -> str:
        return f"Optuna {_NAMES.get(algorithm, algorithm)}"

    def cost_hint(self, algorithm: str) -> float:
        return _COST.get(algorithm, 10.0)

    def check(self, lib: ModuleType, algorithm: str, options: Mapping[str, object]) -> None:
        cls = getattr(lib.samplers, _SAMPLERS[algorithm])
        check_names(self.name, f"{lib.__name__}.samplers.{cls.__name__}", cls,
                     options, reserved=("seed", "constraints_func"))

    def start(self, lib: ModuleType, algorithm: str, options: Mapping[str, object],
              grid: Grid, seed: int, feasible: Callable[[Arch], bool] | None
              ) -> AskTellSession:
        lib.logging.set_verbosity(lib.logging.WARNING)
        # the experimental samplers warn on every construction; the study log is no place
        warnings.filterwarnings("ignore", category=lib.exceptions.ExperimentalWarning)
        cls = getattr(lib.samplers, _SAMPLERS[algorithm])
        try:
            sampler = cls(seed=seed, **options)
        except (TypeError, ValueError) as exc:
            raise AsebenchError(f"{self.name}: {cls.__name__} rejects the options "
                                f"{dict(options)}: {exc}") from None
        return _Session(lib, sampler, grid,
                        feasible is not None and algorithm in _CONSTRAINED)


OPTUNA = OptunaLibrary()
optuna = make_factory(OPTUNA, "Optuna's samplers (sampler=tpe|gp|cmaes|random|qmc|nsga2; "
                              "other options go to the sampler); needs asebench[optuna]")
