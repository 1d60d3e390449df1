"""SMAC3's facades as an asebench method: ``smac[facade=hpo|bb|random]``.

The ConfigSpace has one categorical hyperparameter ``p0..p{L-1}`` per position over its
allowed choice codes; ``facade`` picks ``HyperparameterOptimizationFacade`` (``hpo``, the
default: random forest + log EI, SMAC's recommendation for HPO), ``BlackBoxFacade`` (``bb``,
a Gaussian process) or ``RandomFacade`` (``random``), driven through the facade's
``ask``/``tell`` with ``TrialInfo``/``TrialValue`` (cost = minus the reward). The run's seed
is the ``Scenario``'s. Every other option goes by name to the ``Scenario`` (``n_trials``,
``deterministic``, ...) or, failing that, to the facade (``logging_level``, ...); SMAC's own
defaults are kept otherwise, among them ``deterministic=False`` (the intensifier asks for a
configuration again under another seed; asebench charges every repeat, as rewards are
per-seed draws) and ``n_trials=100`` (which only sizes SMAC's initial design: the run ends
when the asebench budget does).

On a small space SMAC may run out of new configurations; its
``ConfigurationSpaceExhaustedException`` ends the run there (``stopped_by = library``).

Threads: SMAC's random forest predicts and fits with ``n_jobs=-1`` (a joblib thread per core
for its 10 trees); the thread hand-offs cost more than the trees, and a study already runs
one run per core. Each session's calls into SMAC therefore run under joblib's
``parallel_config(backend="sequential")``: the same trees, the same trace, in half the wall
time (measured on 2 cores: 60 queries in 6.9 s instead of 14.0 s).

SMAC writes its run history to an output directory: each run gets a temporary one, removed
when the run ends, and ``tell`` is called with ``save=False``.

Outside the space: **reported as failed**: told as ``StatusType.CRASHED``, SMAC's way for a
trial that ended without a result; never queried. Its cost is the Scenario's ``crash_cost``
when that is finite, else (SMAC's default, infinity, makes its random forest fail on NaN
targets) the worst cost told so far (0 before any).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import math
import tempfile
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from asebench.errors import AsebenchError
from asebench.peers._asktell import AskTellSession, Grid, LibraryStopped, make_factory
from asebench.records import Arch

__all__ = ["SMAC", "smac"]

_FACADES = {"hpo": "HyperparameterOptimizationFacade", "bb": "BlackBoxFacade",
            "random": "RandomFacade"}
_NAMES = {"hpo": "HPO (RF)", "bb": "BB (GP)", "random": "random"}
_COST = {"hpo": 50_000.0, "bb": 50_000.0, "random": 2_000.0}
_RESERVED = ("configspace", "output_directory", "seed", "n_workers", "name", "target_function",
             "overwrite", "dask_client")


def _never_called(config: Any, seed: int = 0) -> float:
    """The facade's required target function; ask/tell never calls it."""
    raise AssertionError("SMAC's target function is not used in ask/tell mode")


class _Session:
    """One SMAC facade; a handle is the ``TrialInfo`` that ``ask`` returned."""

    def __init__(self, smac: Any, facade: Any, names: tuple[str, ...],
                 workdir: tempfile.TemporaryDirectory[str]) -> None:
        self._facade = facade
        self._sequential = importlib.import_module("joblib").parallel_config
        self._names = names
        self._value = smac.runhistory.TrialValue
        self._crashed = smac.runhistory.StatusType.CRASHED
        self._exhausted = importlib.import_module(
            "smac.main.exceptions").ConfigurationSpaceExhaustedException
        self._workdir = workdir
        self._worst: float | None = None
        # the temporary directory goes with the session (end of run or error alike)
        weakref.finalize(self, workdir.cleanup)

    def ask(self) -> tuple[Arch, object]:
        try:
            with self._sequential(backend="sequential"):
                info = self._facade.ask()
        except self._exhausted:
            raise LibraryStopped from None
        config = info.config
        return tuple(int(config[name]) for name in self._names), info

    def tell(self, handle: object, reward: float) -> None:
        cost = -float(reward)
        self._worst = cost if self._worst is None else max(self._worst, cost)
        with self._sequential(backend="sequential"):
            self._facade.tell(handle, self._value(cost=cost), save=False)

    def reject(self, handle: object) -> None:
        crash = float(self._facade.scenario.crash_cost)
        if not math.isfinite(crash):
            crash = 0.0 if self._worst is None else self._worst
        with self._sequential(backend="sequential"):
            self._facade.tell(handle, self._value(cost=crash, status=self._crashed),
                              save=False)


def _split(lib: ModuleType, algorithm: str, options: Mapping[str, object]
           ) -> tuple[dict[str, object], dict[str, object]]:
    """``options`` as (Scenario keywords, facade keywords); unknown names: one-line error."""
    taken = sorted(set(options) & set(_RESERVED))
    if taken:
        raise AsebenchError(f"smac: option(s) {', '.join(taken)} are set by asebench "
                            "(from the run's seed or its space)")
    scenario_names = set(inspect.signature(lib.Scenario).parameters) - set(_RESERVED)
    facade = getattr(lib, _FACADES[algorithm])
    facade_names = {n for n, p in inspect.signature(facade.__init__).parameters.items()
                    if n not in ("self", "scenario") and n not in _RESERVED
                    and p.kind is not inspect.Parameter.VAR_KEYWORD}
    unknown = sorted(set(options) - scenario_names - facade_names)
    if unknown:
        raise AsebenchError(
            f"unknown option(s) {', '.join(unknown)} for method 'smac' (smac.Scenario or "
            f"smac.{facade.__name__}); options are "
            f"{', '.join(sorted(scenario_names | facade_names))}")
    scenario = {k: v for k, v in options.items() if k in scenario_names}
    return scenario, {k: v for k, v in options.items() if k not in scenario}


@dataclass(frozen=True)
class SmacLibrary:
    """SMAC3's facades, selected by ``facade=`` (default ``hpo``)."""

    name: str = "smac"
    module: str = "smac"
    distribution: str = "smac"
    selector: str = "facade"
    default: str = "hpo"
    algorithms: tuple[str, ...] = tuple(_FACADES)

    def display_name(self, algorithm: str) -> str:
        return f"SMAC3 {_NAMES.get(algorithm, algorithm)}"

    def cost_hint(self, algorithm: str) -> float:
        return _COST.get(algorithm, 50_000.0)

    def check(self, lib: ModuleType, algorithm: str, options: Mapping[str, object]) -> None:
        _split(lib, algorithm, options)

    def start(self, lib: ModuleType, algorithm: str, options: Mapping[str, object],
              grid: Grid, seed: int, feasible: Callable[[Arch], bool] | None
              ) -> AskTellSession:
        scenario_options, facade_options = _split(lib, algorithm, options)
        configspace = importlib.import_module("ConfigSpace")
        names = tuple(f"p{i}" for i in range(len(grid)))
        space = configspace.ConfigurationSpace(
            seed=seed, space={name: list(choices) for name, choices in zip(names, grid)})
        workdir = tempfile.TemporaryDirectory(prefix="asebench-smac-")
        facade_options.setdefault("logging_level", logging.ERROR)
        try:
            scenario = lib.Scenario(space, output_directory=Path(workdir.name) / "smac",
                                    seed=seed, **scenario_options)
            facade = getattr(lib, _FACADES[algorithm])(
                scenario, _never_called, overwrite=True, **facade_options)
        except (TypeError, ValueError) as exc:
            workdir.cleanup()
            raise AsebenchError(f"smac: {_FACADES[algorithm]} rejects the options "
                                f"{dict(options)}: {exc}") from None
        return _Session(lib, facade, names, workdir)


SMAC = SmacLibrary()
smac = make_factory(SMAC, "SMAC3's facades (facade=hpo|bb|random; other options go to the "
                          "Scenario or the facade); needs asebench[smac]")
