"""Optuna's samplers as an asebench method: ``optuna[sampler=tpe|gp|cmaes|random|qmc|nsga2]``.

Each position is a ``CategoricalDistribution`` over its allowed choice codes, asked for with
``Study.ask(fixed_distributions)`` on an in-memory study (direction ``maximize``). Every other
option goes by name to the sampler's constructor (``optuna[sampler=tpe,n_startup_trials=20]``);
the seed is the sampler's ``seed``.

Option values: Optuna 5.0 checks almost none of them (``TPESampler(n_startup_trials=-1)`` and
``TPESampler(n_ei_candidates=0)`` construct without complaint), so every parameter of every
sampler has the range its API reference (the class's docstring) gives, in :data:`_SPECS`;
the sampler is then built once with the checked values, which turns Optuna's own
cross-checks (``group=True`` with ``multivariate=False``, NSGA-II's population against its
crossover's parents, CMA-ES's incompatible flags) into one-line errors too.

``preset=informed`` (TPE only): ``multivariate=True``, the TPE the ``TPESampler`` reference
(argument ``multivariate``) reports to outperform the independent one in single-objective
optimization; NB201's positions interact, which the independent TPE cannot model. In Optuna
5.0 ``multivariate=None`` already means True for a single objective, so the two rows run the
same trace; ``group`` is for conditional spaces (the samplers overview, "Conditional search
space"), which NB201's is not, and ``constant_liar`` for parallel trials, which these are not.
Optuna's TPE takes no number of trials (the overview's recommended budget for TPE, 100-1000
trials, holds the paper protocol's 221).

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
from asebench.peers._asktell import AskTellSession, Grid, make_factory
from asebench.peers._preset import RunFacts
from asebench.peers._values import (
    Bool,
    Call,
    Int,
    Obj,
    OneOf,
    Real,
    Spec,
    check_options,
    constructor_parameters,
)
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
_RESERVED = ("seed", "constraints_func")
_SAMPLER = Obj("optuna.samplers:BaseSampler")
_PROB = Real(0.0, 1.0)
# The ranges below are those of each class's API reference in Optuna 5.0.0 (its docstring):
# a count of trials is >= 0, a number of candidates or individuals >= 1, a probability in
# [0, 1]; the deprecated arguments (prior_weight, x0, sigma0, restart_strategy, ...) keep
# their documented types.
_SPECS: dict[str, dict[str, Spec]] = {
    "tpe": {
        "consider_prior": Bool(none=True), "prior_weight": Real(0.0, low_open=True, none=True),
        "consider_magic_clip": Bool(none=True), "consider_endpoints": Bool(none=True),
        "n_startup_trials": Int(0), "n_ei_candidates": Int(1), "gamma": Call(),
        "weights": Call(), "multivariate": Bool(none=True), "group": Bool(),
        "warn_independent_sampling": Bool(none=True), "constant_liar": Bool(),
    },
    "gp": {
        "independent_sampler": _SAMPLER, "n_startup_trials": Int(0),
        "deterministic_objective": Bool(), "warn_independent_sampling": Bool(),
    },
    "cmaes": {
        "x0": Obj("dict"), "sigma0": Real(0.0, low_open=True, none=True),
        "n_startup_trials": Int(0), "independent_sampler": _SAMPLER,
        "warn_independent_sampling": Bool(), "consider_pruned_trials": Bool(),
        "restart_strategy": OneOf((None, "ipop", "bipop")), "popsize": Int(1, none=True),
        "inc_popsize": Int(), "use_separable_cma": Bool(), "with_margin": Bool(),
        "lr_adapt": Bool(), "source_trials": Obj("list"),
    },
    "random": {},
    "qmc": {
        "qmc_type": OneOf(("sobol", "halton")), "scramble": Bool(),
        "independent_sampler": _SAMPLER, "warn_asynchronous_seeding": Bool(),
        "warn_independent_sampling": Bool(),
    },
    "nsga2": {
        "population_size": Int(2), "mutation": Obj("optuna.samplers.nsgaii:BaseMutation"),
        "mutation_prob": Real(0.0, 1.0, none=True),
        "crossover": Obj("optuna.samplers.nsgaii:BaseCrossover"), "crossover_prob": _PROB,
        "swapping_prob": _PROB, "elite_population_selection_strategy": Call(),
        "child_generation_strategy": Call(), "after_trial_strategy": Call(),
    },
}


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
    informed_default: str = "tpe"
    informed_algorithms: tuple[str, ...] = ("tpe",)

    def display_name(self, algorithm: str) -> str:
        return f"Optuna {_NAMES.get(algorithm, algorithm)}"

    def cost_hint(self, algorithm: str) -> float:
        return _COST.get(algorithm, 10.0)

    def informed(self, algorithm: str, facts: RunFacts) -> dict[str, object]:
        return {"multivariate": True}

    def specs(self, algorithm: str) -> Mapping[str, Spec]:
        """What each option of ``algorithm``'s sampler accepts."""
        return _SPECS[algorithm]

    def check(self, lib: ModuleType, algorithm: str, options: Mapping[str, object]) -> None:
        cls = getattr(lib.samplers, _SAMPLERS[algorithm])
        check_options(self.name, f"{lib.__name__}.samplers.{cls.__name__}",
                      constructor_parameters(cls), _SPECS[algorithm], options, _RESERVED)
        _build(lib, cls, options, seed=0)

    def start(self, lib: ModuleType, algorithm: str, options: Mapping[str, object],
              grid: Grid, seed: int, feasible: Callable[[Arch], bool] | None
              ) -> AskTellSession:
        lib.logging.set_verbosity(lib.logging.WARNING)
        # the experimental samplers warn on every construction; the study log is no place
        warnings.filterwarnings("ignore", category=lib.exceptions.ExperimentalWarning)
        sampler = _build(lib, getattr(lib.samplers, _SAMPLERS[algorithm]), options, seed)
        return _Session(lib, sampler, grid,
                        feasible is not None and algorithm in _CONSTRAINED)


def _build(lib: ModuleType, cls: Any, options: Mapping[str, object], seed: int) -> Any:
    """``cls(seed=seed, **options)``; what Optuna refuses is one line naming the options."""
    with warnings.catch_warnings():  # deprecated or experimental arguments warn on each build
        warnings.simplefilter("ignore")
        try:
            return cls(seed=seed, **options)
        except (TypeError, ValueError) as exc:
            given = ", ".join(f"{k}={v!r}" for k, v in sorted(options.items()))
            raise AsebenchError(f"optuna: {cls.__name__} refuses {given}: "
                                f"{' '.join(str(exc).split())}") from None


OPTUNA = OptunaLibrary()
optuna = make_factory(OPTUNA, "Optuna's samplers (sampler=tpe|gp|cmaes|random|qmc|nsga2; "
                              "other options go to the sampler); needs asebench[optuna]")
