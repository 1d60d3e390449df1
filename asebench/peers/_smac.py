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

Same trace in any process: SMAC's local search of the acquisition function starts from
``list(set(configurations))`` (``LocalSearch._get_initial_points``), and a ``Configuration``
hashes its ``repr``, a string, so the start points' order, hence the trace, followed
``PYTHONHASHSEED``. Each session's local search returns its start points sorted by their
vector instead (the same points; SMAC's set had discarded their order anyway).

Option values: SMAC 2.4 checks only ``n_trials`` (and that after building half a run), so
every Scenario field and facade argument has the type and range its documentation (the
``Scenario`` and facade docstrings) gives, in :data:`_SCENARIO` and :data:`_FACADE`; fields
for what asebench's queries do not have (instances, budgets, several objectives, runtime
capping) are refused as unsupported.

``preset=informed`` (any facade): ``n_trials`` = the expected number of queries (the
Scenario's ``n_trials``, "the maximum number of trials", sizes the initial design: at most a
quarter of it, 55 configurations at 221 instead of 25 at SMAC's default 100), and
``deterministic=True`` when every arch has one tabulated reward (the Scenario's
``deterministic``: "only one seed is passed ... assuming deterministic (noise-free)
behavior"; the default re-queries the incumbent under new seeds, each repeat charged). The
facade stays ``hpo``: the facade table of SMAC's "Getting Started" gives the random-forest
HPO facade for low to high numbers of parameters and the Gaussian-process black-box one for
low numbers of (continuous) parameters; SMAC's random forest splits categorical parameters
natively.

Outside the space: **reported as failed**: told as ``StatusType.CRASHED``, SMAC's way for a
trial that ended without a result; never queried. Its cost is the Scenario's ``crash_cost``
when that is finite, else (SMAC's default, infinity, makes its random forest fail on NaN
targets) the worst cost told so far (0 before any).
"""

from __future__ import annotations

import importlib
import logging
import math
import tempfile
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from asebench.peers._asktell import AskTellSession, Grid, LibraryStopped, make_factory
from asebench.peers._preset import RunFacts
from asebench.peers._values import (
    Bool,
    Int,
    Obj,
    OneOf,
    Real,
    Spec,
    Unsupported,
    check_options,
    constructor_parameters,
)
from asebench.records import Arch

__all__ = ["SMAC", "smac"]

_FACADES = {"hpo": "HyperparameterOptimizationFacade", "bb": "BlackBoxFacade",
            "random": "RandomFacade"}
_NAMES = {"hpo": "HPO (RF)", "bb": "BB (GP)", "random": "random"}
_COST = {"hpo": 50_000.0, "bb": 50_000.0, "random": 2_000.0}
_RESERVED = ("configspace", "output_directory", "seed", "n_workers", "name", "target_function",
             "overwrite", "dask_client")
_POSITIVE = Real(0.0, low_open=True)
_NO_INSTANCES = "asebench's queries have no instances"
# SMAC 2.4.1's Scenario docstring: types and ranges of its fields (limits are positive
# seconds or megabytes, inf meaning none; costs are single floats for one objective).
_SCENARIO: dict[str, Spec] = {
    "deterministic": Bool(), "objectives": OneOf(("cost",)), "crash_cost": Real(),
    "termination_cost_threshold": Real(), "walltime_limit": _POSITIVE,
    "cputime_limit": _POSITIVE, "trial_walltime_limit": Real(0.0, low_open=True, none=True),
    "trial_memory_limit": Int(1, none=True), "n_trials": Int(1), "use_default_config": Bool(),
    "instances": Unsupported(_NO_INSTANCES), "instance_features": Unsupported(_NO_INSTANCES),
    "adaptive_capping": Unsupported("capping needs a runtime objective"),
    "adaptive_capping_slackfactor": Unsupported("capping needs a runtime objective"),
    "runtime_cutoff": Unsupported("capping needs a runtime objective"),
    "min_budget": Unsupported("asebench's queries have no fidelities"),
    "max_budget": Unsupported("asebench's queries have no fidelities"),
}
# The facades' arguments (AbstractFacade's docstring): SMAC component objects, a logging
# level (an int, False for none, None for SMAC's default) and callbacks.
_FACADE: dict[str, Spec] = {
    "model": Obj("smac.model.abstract_model:AbstractModel"),
    "acquisition_function": Obj(
        "smac.acquisition.function.abstract_acquisition_function:AbstractAcquisitionFunction"),
    "acquisition_maximizer": Obj("smac.acquisition.maximizer.abstract_acquisition_maximizer:"
                                 "AbstractAcquisitionMaximizer"),
    "initial_design": Obj("smac.initial_design.abstract_initial_design:AbstractInitialDesign"),
    "random_design": Obj("smac.random_design.abstract_random_design:AbstractRandomDesign"),
    "intensifier": Obj("smac.intensifier.abstract_intensifier:AbstractIntensifier"),
    "multi_objective_algorithm": Unsupported("asebench's queries have one objective"),
    "runhistory_encoder": Obj("smac.runhistory.encoder.abstract_encoder:"
                              "AbstractRunHistoryEncoder"),
    "config_selector": Obj("smac.main.config_selector:ConfigSelector"),
    "logging_level": Int(0, none=True), "callbacks": Obj("list"),
}


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
    """``options`` as (Scenario keywords, facade keywords), names and values checked."""
    scenario_names = constructor_parameters(lib.Scenario)
    facade = getattr(lib, _FACADES[algorithm])
    facade_names = constructor_parameters(facade.__init__, skip=("scenario",))
    # a False logging level (no log at all) is SMAC's too; a bool is no int otherwise
    values = {k: (None if k == "logging_level" and v is False else v)
              for k, v in options.items()}
    check_options("smac", f"smac.Scenario or smac.{facade.__name__}",
                  tuple(dict.fromkeys(scenario_names + facade_names)),
                  {**_SCENARIO, **_FACADE}, values, _RESERVED)
    scenario = {k: v for k, v in options.items() if k in scenario_names}
    return scenario, {k: v for k, v in options.items() if k not in scenario}


def _config_key(config: Any) -> tuple[float, ...]:
    return tuple(float(x) for x in config.get_array())


def _order_start_points(maximizer: Any) -> None:
    """Make ``maximizer``'s local search return its start points in a fixed order (SMAC
    returns ``list(set(...))`` of configurations, whose order follows string hashing)."""
    local_search_cls = importlib.import_module(
        "smac.acquisition.maximizer.local_search").LocalSearch
    local = maximizer if isinstance(maximizer, local_search_cls) else getattr(
        maximizer, "_local_search", None)
    if not isinstance(local, local_search_cls):
        return
    unordered = local._get_initial_points

    def ordered(*args: Any, **kwargs: Any) -> list[Any]:
        return sorted(unordered(*args, **kwargs), key=_config_key)

    local._get_initial_points = ordered


@dataclass(frozen=True)
class SmacLibrary:
    """SMAC3's facades, selected by ``facade=`` (default ``hpo``)."""

    name: str = "smac"
    module: str = "smac"
    distribution: str = "smac"
    selector: str = "facade"
    default: str = "hpo"
    algorithms: tuple[str, ...] = tuple(_FACADES)
    informed_default: str = "hpo"
    informed_algorithms: tuple[str, ...] = ()

    def display_name(self, algorithm: str) -> str:
        return f"SMAC3 {_NAMES.get(algorithm, algorithm)}"

    def cost_hint(self, algorithm: str) -> float:
        return _COST.get(algorithm, 50_000.0)

    def informed(self, algorithm: str, facts: RunFacts) -> dict[str, object]:
        options: dict[str, object] = {"n_trials": facts.expected_queries}
        if facts.deterministic:
            options["deterministic"] = True
        return options

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
        facade_cls = getattr(lib, _FACADES[algorithm])
        try:
            scenario = lib.Scenario(space, output_directory=Path(workdir.name) / "smac",
                                    seed=seed, **scenario_options)
            maximizer = facade_options.pop("acquisition_maximizer", None)
            if maximizer is None:
                maximizer = facade_cls.get_acquisition_maximizer(scenario)
            _order_start_points(maximizer)
            facade = facade_cls(scenario, _never_called, overwrite=True,
                                acquisition_maximizer=maximizer, **facade_options)
        except Exception:
            workdir.cleanup()
            raise  # the adapter reports what SMAC refused in one line
        return _Session(lib, facade, names, workdir)


SMAC = SmacLibrary()
smac = make_factory(SMAC, "SMAC3's facades (facade=hpo|bb|random; other options go to the "
                          "Scenario or the facade); needs asebench[smac]")
