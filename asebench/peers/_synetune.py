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

Seeding: Syne Tune 0.16's regularised evolution draws its random configurations from NumPy's
global generator (its ``sample_random_config`` ignores the searcher's own ``random_state``),
so the same ``random_seed`` would not give the same run. Each session therefore runs every
call into Syne Tune on a global NumPy state of its own, seeded from the run's seed, and puts
the caller's global state back after the call: the run is reproducible and nothing else sees
NumPy's global generator move.

``BOTorch`` needs the ``botorch`` package, which the ``synetune`` extra does not install (see
the extra's comment in asebench's package metadata).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from asebench.errors import AsebenchError
from asebench.peers._asktell import AskTellSession, Grid, check_names, make_factory
from asebench.records import Arch

__all__ = ["SYNETUNE", "synetune"]

_SCHEDULERS = ("REA", "BORE", "TPE", "BOTorch", "CQR", "RandomSearch")
_COST = {"REA": 2.0, "RandomSearch": 2.0, "TPE": 200.0, "BORE": 2000.0, "CQR": 2000.0,
         "BOTorch": 20000.0}
_METRIC = "reward"


class _Session:
    """One Syne Tune scheduler behind ``AskTellScheduler``; a handle is the ``Trial``."""

    def __init__(self, ask_tell: Any, names: tuple[str, ...], state: Any) -> None:
        self._scheduler = ask_tell
        self._names = names
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
            trial = self._scheduler.ask()
        finally:
            self._restore(outside)
        config = trial.config
        return tuple(int(config[name]) for name in self._names), trial

    def tell(self, handle: object, reward: float) -> None:
        outside = self._swap()
        try:
            self._scheduler.tell(handle, {_METRIC: float(reward)})
        finally:
            self._restore(outside)

    def reject(self, handle: object) -> None:
        outside = self._swap()
        try:
            self._scheduler.base_scheduler.on_trial_error(handle)
        finally:
            self._restore(outside)


@dataclass(frozen=True)
class SyneTuneLibrary:
    """Syne Tune's baselines, selected by ``scheduler=`` (default ``REA``)."""

    name: str = "synetune"
    module: str = "syne_tune"
    distribution: str = "syne-tune"
    selector: str = "scheduler"
    default: str = "REA"
    algorithms: tuple[str, ...] = _SCHEDULERS

    def display_name(self, algorithm: str) -> str:
        return f"Syne Tune {algorithm}"

    def cost_hint(self, algorithm: str) -> float:
        return _COST.get(algorithm, 100.0)

    def _class(self, algorithm: str) -> Any:
        return getattr(importlib.import_module("syne_tune.optimizer.baselines"), algorithm)

    def check(self, lib: ModuleType, algorithm: str, options: Mapping[str, object]) -> None:
        check_names(self.name, f"syne_tune.optimizer.baselines.{algorithm}",
                    self._class(algorithm), options,
                    reserved=("config_space", "metric", "metrics", "do_minimize",
                              "random_seed"))

    def start(self, lib: ModuleType, algorithm: str, options: Mapping[str, object],
              grid: Grid, seed: int, feasible: Callable[[Arch], bool] | None
              ) -> AskTellSession:
        # Syne Tune logs every scheduler's construction at INFO
        logging.getLogger("syne_tune").setLevel(logging.WARNING)
        choice = importlib.import_module("syne_tune.config_space").choice
        ask_tell = importlib.import_module(
            "syne_tune.optimizer.schedulers.ask_tell_scheduler").AskTellScheduler
        names = tuple(f"p{i}" for i in range(len(grid)))
        config_space = {name: choice(list(choices)) for name, choices in zip(names, grid)}
        cls = self._class(algorithm)
        state = np.random.RandomState(seed).get_state()
        metric: dict[str, object] = (
            {"metrics": [_METRIC]} if algorithm == "RandomSearch" else {"metric": _METRIC})
        outside = np.random.get_state()
        np.random.set_state(state)
        try:
            scheduler = cls(config_space, do_minimize=False, random_seed=seed, **metric,
                            **options)
            state = np.random.get_state()
        except ImportError as exc:
            raise AsebenchError(f"{self.name}: scheduler {algorithm} needs a package Syne "
                                f"Tune does not install by itself: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise AsebenchError(f"{self.name}: {algorithm} rejects the options "
                                f"{dict(options)}: {exc}") from None
        finally:
            np.random.set_state(outside)
        return _Session(ask_tell(base_scheduler=scheduler), names, state)


SYNETUNE = SyneTuneLibrary()
synetune = make_factory(SYNETUNE, "Syne Tune's schedulers (scheduler=REA|BORE|TPE|BOTorch|CQR|"
                                  "RandomSearch; other options go to the scheduler); needs "
                                  "asebench[synetune]")
