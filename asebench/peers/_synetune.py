"""Syne Tune's schedulers as an asebench method:
``synetune[scheduler=REA|BORE|TPE|BOTorch|CQR|RandomSearch]``.

The configuration space maps ``p0..p{L-1}`` to ``choice(allowed codes)``; the scheduler is the
``syne_tune.optimizer.baselines`` class of that name, built with ``metric="reward"``,
``do_minimize=False``, ``random_seed`` from the run and every other option by name
(``synetune[scheduler=REA,population_size=10,sample_size=3]``), and driven through Syne
Tune's ``AskTellScheduler``. The default is ``REA`` (Syne Tune has no default scheduler;
regularised evolution is its NAS baseline).

Outside the space: **reported as failed**: the trial is handed to the scheduler's
``on_trial_error`` (Syne Tune's hook for a trial that ended without a result), never queried
nor told a value.

Seeding: Syne Tune 0.16 draws its random configurations with ``Domain.sample()`` and no
generator (REA's ``sample_random_config`` ignores the ``rng`` it is given; so do the TPE and
BORE searchers' random configurations), which falls back on NumPy's *global* generator: the
same ``random_seed`` would not give the same run. Each session's parameters therefore carry a
sampler of their own (Syne Tune's uniform categorical sampler, given a ``RandomState`` seeded
from the run's seed) that ``Domain.sample()`` uses when no generator is passed: the run is
reproducible, and NumPy's global generator is never touched, at no cost per call. REA,
RandomSearch and TPE draw from nothing else; the other schedulers (BORE, CQR, BOTorch) also
call NumPy's global functions in places (BORE's differential evolution, CQR's surrogate), so
their calls still run on a global NumPy state of the session's own, the caller's being put
back after each call (a few microseconds against their milliseconds per call).

``BOTorch`` needs the ``botorch`` package, which the ``synetune`` extra does not install (see
the extra's comment in asebench's package metadata).

Option values: Syne Tune 0.16 checks few (``REA(sample_size=0)`` builds, and fails at its
first mutation; ``TPE(random_fraction=2.0)`` runs), so every scheduler argument has the type
and range its docstring in ``syne_tune.optimizer.baselines`` gives (:data:`_SPECS`);
``points_to_evaluate`` entries are checked against the space when the run starts.

``preset=informed`` (REA only): ``population_size=10, sample_size=5``. Syne Tune's schedulers
take no number of trials (its ``StoppingCriterion`` only stops the loop), and its
documentation gives no setting that depends on one; its own NAS-Bench-201 benchmark baselines
(the benchmarking examples its "Benchmarking with Simulator Back-end" tutorial walks through)
run REA with a population of 10 and tournaments of 5. REA's defaults (100 and 10) spend the
first 100 of the paper protocol's 221 queries on random architectures.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from asebench.errors import AsebenchError
from asebench.peers._asktell import AskTellSession, Grid, make_factory
from asebench.peers._preset import RunFacts
from asebench.peers._values import (
    Int,
    Obj,
    Real,
    Spec,
    check_options,
    constructor_parameters,
)
from asebench.records import Arch

__all__ = ["SYNETUNE", "synetune"]

_SCHEDULERS = ("REA", "BORE", "TPE", "BOTorch", "CQR", "RandomSearch")
_COST = {"REA": 2.0, "RandomSearch": 2.0, "TPE": 200.0, "BORE": 2000.0, "CQR": 2000.0,
         "BOTorch": 20000.0}
_METRIC = "reward"
_RESERVED = ("config_space", "metric", "metrics", "do_minimize", "random_seed")
_POINTS = Obj("list")
# The ranges of syne_tune.optimizer.baselines' docstrings (0.16): sizes and counts >= 1, a
# percentage of the observations strictly between 0 and 100 (both models need data), a
# fraction in [0, 1], bandwidths > 0.
_SPECS: dict[str, dict[str, Spec]] = {
    "REA": {"population_size": Int(1), "sample_size": Int(1), "points_to_evaluate": _POINTS},
    "BORE": {"points_to_evaluate": _POINTS},
    "TPE": {"points_to_evaluate": _POINTS, "num_min_data_points": Int(1, none=True),
            "top_n_percent": Int(1, 99), "min_bandwidth": Real(0.0, low_open=True),
            "num_candidates": Int(1), "bandwidth_factor": Real(0.0, low_open=True),
            "random_fraction": Real(0.0, 1.0)},
    "CQR": {"points_to_evaluate": _POINTS},
    "RandomSearch": {"points_to_evaluate": _POINTS},
    "BOTorch": {"points_to_evaluate": _POINTS, "searcher_kwargs": Obj("dict")},
}


_GLOBAL_FREE = frozenset({"REA", "RandomSearch", "TPE"})
"""The schedulers that draw only from their own generators and the parameters' samplers (read
in Syne Tune 0.16's searchers): their sessions need no global-state guard."""


class _Session:
    """One Syne Tune scheduler behind ``AskTellScheduler``; a handle is the ``Trial``."""

    def __init__(self, ask_tell: Any, names: tuple[str, ...]) -> None:
        self._scheduler = ask_tell
        self._names = names

    def ask(self) -> tuple[Arch, object]:
        trial = self._scheduler.ask()
        config = trial.config
        return tuple(int(config[name]) for name in self._names), trial

    def tell(self, handle: object, reward: float) -> None:
        self._scheduler.tell(handle, {_METRIC: float(reward)})

    def reject(self, handle: object) -> None:
        self._scheduler.base_scheduler.on_trial_error(handle)


class _GuardedSession(_Session):
    """A session whose every call runs on a global NumPy state of its own (for the
    schedulers that call NumPy's global functions), the caller's put back afterwards."""

    def __init__(self, ask_tell: Any, names: tuple[str, ...], state: Any) -> None:
        super().__init__(ask_tell, names)
        self._state = state  # this run's NumPy global state, between calls

    def _swap(self) -> Any:
        outside = np.random.get_state()
        np.random.set_state(self._state)
        return outside

    def _restore(self, outside: Any) -> None:
        self._state = np.random.get_state()
        np.random.set_state(outside)

    def ask(self) -> tuple[Arch, object]:
        outside = self._swap()
        try:
            return super().ask()
        finally:
            self._restore(outside)

    def tell(self, handle: object, reward: float) -> None:
        outside = self._swap()
        try:
            super().tell(handle, reward)
        finally:
            self._restore(outside)

    def reject(self, handle: object) -> None:
        outside = self._swap()
        try:
            super().reject(handle)
        finally:
            self._restore(outside)


@functools.cache
def _seeded_sampler_class() -> Any:
    """Syne Tune's uniform categorical sampler, drawing from a generator of its own when the
    caller passes none (where Syne Tune would use NumPy's global one)."""
    categorical: Any = importlib.import_module("syne_tune.config_space").Categorical

    class SeededUniform(categorical._Uniform):  # type: ignore[misc]
        def __init__(self, rng: np.random.RandomState) -> None:
            self._rng = rng

        def sample(self, domain: Any, spec: Any = None, size: int = 1,
                   random_state: np.random.RandomState | None = None) -> Any:
            return super().sample(domain, spec=spec, size=size,
                                  random_state=self._rng if random_state is None
                                  else random_state)

    return SeededUniform


def _config_space(names: tuple[str, ...], grid: Grid, seed: int) -> dict[str, Any]:
    """One categorical parameter per position, all sampling from one generator of the
    session's (its stream apart from the searcher's own ``RandomState(seed)``)."""
    categorical: Any = importlib.import_module("syne_tune.config_space").Categorical
    rng = np.random.RandomState(np.random.MT19937(np.random.SeedSequence([seed, 1])))
    sampler = _seeded_sampler_class()(rng)
    space: dict[str, Any] = {}
    for name, choices in zip(names, grid):
        domain = categorical(list(choices))
        domain.set_sampler(sampler)
        space[name] = domain
    return space


@dataclass(frozen=True)
class SyneTuneLibrary:
    """Syne Tune's baselines, selected by ``scheduler=`` (default ``REA``)."""

    name: str = "synetune"
    module: str = "syne_tune"
    distribution: str = "syne-tune"
    selector: str = "scheduler"
    default: str = "REA"
    algorithms: tuple[str, ...] = _SCHEDULERS
    informed_default: str = "REA"
    informed_algorithms: tuple[str, ...] = ("REA",)

    def display_name(self, algorithm: str) -> str:
        return f"Syne Tune {algorithm}"

    def cost_hint(self, algorithm: str) -> float:
        return _COST.get(algorithm, 100.0)

    def informed(self, algorithm: str, facts: RunFacts) -> dict[str, object]:
        return {"population_size": 10, "sample_size": 5}

    def _class(self, algorithm: str) -> Any:
        return getattr(importlib.import_module("syne_tune.optimizer.baselines"), algorithm)

    def check(self, lib: ModuleType, algorithm: str, options: Mapping[str, object]) -> None:
        check_options(self.name, f"syne_tune.optimizer.baselines.{algorithm}",
                      constructor_parameters(self._class(algorithm)), _SPECS[algorithm],
                      options, _RESERVED)

    def start(self, lib: ModuleType, algorithm: str, options: Mapping[str, object],
              grid: Grid, seed: int, feasible: Callable[[Arch], bool] | None
              ) -> AskTellSession:
        # Syne Tune logs every scheduler's construction at INFO
        logging.getLogger("syne_tune").setLevel(logging.WARNING)
        ask_tell = importlib.import_module(
            "syne_tune.optimizer.schedulers.ask_tell_scheduler").AskTellScheduler
        names = tuple(f"p{i}" for i in range(len(grid)))
        _check_on_space(options, names, grid)
        config_space = _config_space(names, grid, seed)
        cls = self._class(algorithm)
        metric: dict[str, object] = (
            {"metrics": [_METRIC]} if algorithm == "RandomSearch" else {"metric": _METRIC})
        guarded = algorithm not in _GLOBAL_FREE
        outside = np.random.get_state()
        if guarded:
            np.random.set_state(np.random.RandomState(seed).get_state())
        try:
            scheduler = cls(config_space, do_minimize=False, random_seed=seed, **metric,
                            **options)
            state = np.random.get_state()
        except ImportError as exc:
            raise AsebenchError(f"{self.name}: scheduler {algorithm} needs a package Syne "
                                f"Tune does not install by itself: {exc}") from None
        finally:
            if guarded:
                np.random.set_state(outside)
        if guarded:
            return _GuardedSession(ask_tell(base_scheduler=scheduler), names, state)
        return _Session(ask_tell(base_scheduler=scheduler), names)



def _check_on_space(options: Mapping[str, object], names: tuple[str, ...], grid: Grid) -> None:
    """What the space decides: TPE's minimum number of observations is at least the number
    of parameters (Syne Tune asserts it), and each ``points_to_evaluate`` entry names
    positions and allowed choice codes."""
    least = options.get("num_min_data_points")
    if isinstance(least, int) and least < len(grid):
        raise AsebenchError(f"synetune: option num_min_data_points must be at least the "
                            f"number of positions ({len(grid)}), got {least}")
    allowed = dict(zip(names, grid))
    for point in options.get("points_to_evaluate") or ():  # type: ignore[attr-defined]
        if not isinstance(point, Mapping) or not set(point) <= set(allowed) or any(
                isinstance(v, bool) or v not in allowed[k] for k, v in point.items()):
            raise AsebenchError(
                "synetune: option points_to_evaluate must be a list of dicts from positions "
                f"({names[0]}..{names[-1]}) to allowed choice codes, got {point!r}")


SYNETUNE = SyneTuneLibrary()
synetune = make_factory(SYNETUNE, "Syne Tune's schedulers (scheduler=REA|BORE|TPE|BOTorch|CQR|"
                                  "RandomSearch; other options go to the scheduler); needs "
                                  "asebench[synetune]")
