"""Option values of the library methods, and their two rows (defaults, ``preset=informed``).

A value a library refuses, or one outside its documented range, is a one-line error before a
study writes anything; every constructor parameter of every algorithm has a declared range;
the informed preset tells each library the expected number of queries, computed from the
backend, and the settings its documentation advises.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from asebench.backends import build_tabular_backend, restrict_backend
from asebench.cli import cli
from asebench.constraints import constrained_backend
from asebench.errors import AsebenchError
from asebench.peers import AskTellSearcher
from asebench.peers._nevergrad import _COMMON
from asebench.peers._optuna import _SAMPLERS
from asebench.peers._optuna import _SPECS as OPTUNA_SPECS
from asebench.peers._preset import run_facts
from asebench.peers._smac import _FACADE, _FACADES, _SCENARIO
from asebench.peers._smac import _RESERVED as SMAC_RESERVED
from asebench.peers._synetune import _RESERVED as SYNETUNE_RESERVED
from asebench.peers._synetune import _SPECS as SYNETUNE_SPECS
from asebench.peers._values import constructor_parameters
from asebench.records import Budget
from asebench.search import get
from asebench.testing import FunctionBackend


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), standalone_mode=False)
    code = result.exit_code
    if isinstance(result.exception, SystemExit):
        code = int(result.exception.code or 0)
    elif isinstance(result.exception, AsebenchError):  # what the console entry prints
        code = 2
    return code, result.stdout + result.stderr + (
        str(result.exception) if result.exception is not None else "")


def _study(tmp_path: Path, methods: str, *extra: str) -> tuple[int, str, Path]:
    out = tmp_path / "study"
    code, text = _invoke("run", "--methods", methods, "--seeds", "1", "--datasets", "cifar10",
                         "--workers", "1", "--no-progress", "--out", str(out), *extra)
    return code, text, out


# -- through the CLI: refused before anything is written, good values run -------------------

@pytest.mark.parametrize("methods, message", [
    ("optuna[n_startup_trials=-1]", "option n_startup_trials must be an integer >= 0, got -1"),
    ("optuna[n_ei_candidates=0]", "option n_ei_candidates must be an integer >= 1"),
    ("optuna[multivariate=false,group=true]",  # Optuna's own cross-check, met when built
     "TPESampler refuses group=True, multivariate=False"),
    ("optuna[sampler=nsga2,crossover_prob=1.5]", "option crossover_prob must be a number in"),
    ("smac[n_trials=0]", "option n_trials must be an integer >= 1, got 0"),
    ("smac[facade=bb,deterministic=yes]", "option deterministic must be true or false"),
    ("smac[instances=[1,2]]", "option instances is not supported"),
    ("nevergrad[budget=-1]", "option budget must be an integer >= 1 or None, got -1"),
    # NgIohTuned cannot run without a budget: it fails its first ask, in the dry run
    ("nevergrad[optimizer=NgIohTuned]", "NgIohTuned cannot run without a budget"),
    ("synetune[sample_size=0]", "option sample_size must be an integer >= 1, got 0"),
    ("synetune[scheduler=TPE,random_fraction=2.0]", "option random_fraction must be a number"),
    # depends on the space (NB201 has 6 positions): checked when the run starts
    ("synetune[scheduler=TPE,num_min_data_points=3]", "at least the number of positions (6)"),
    ("synetune[points_to_evaluate=[{\"p0\":9}]]", "option points_to_evaluate must be a list"),
    ("optuna[preset=fast]", "option preset must be one of default, informed"),
    ("optuna[sampler=random,preset=informed]", "preset=informed is defined for sampler=tpe"),
])
def test_a_bad_value_is_refused_before_the_study_writes(tmp_path: Path, methods: str,
                                                        message: str) -> None:
    code, text, out = _study(tmp_path, f"random,{methods}")
    assert code == 2, text
    assert message in text
    assert not out.exists()


def test_good_values_and_both_rows_run(tmp_path: Path) -> None:
    methods = ("optuna[n_startup_trials=5,n_ei_candidates=12],optuna[preset=informed],"
               "smac[facade=random,n_trials=50],smac[facade=random,preset=informed],"
               "nevergrad[budget=30],nevergrad[preset=informed],"
               "synetune[population_size=10,sample_size=3],synetune[preset=informed]")
    code, text, out = _study(tmp_path, methods, "--budget-queries", "20")
    assert code == 0, text
    import pandas as pd

    runs = pd.read_parquet(out / "runs")
    assert len(runs) == 8 and (runs["queries"] == 20).all()
    informed = runs[runs["info_preset"] == "informed"]
    assert len(informed) == 4
    # with a budget in queries, the expected number is that budget
    assert (informed["info_expected_queries"] == 20).all()
    assert set(informed["info_algorithm"]) == {"tpe", "random", "NgIohTuned", "REA"}


# -- the value checks themselves ------------------------------------------------------------

@pytest.mark.parametrize("name, options, message", [
    ("optuna", {"n_startup_trials": 2.5}, "n_startup_trials must be an integer"),
    ("optuna", {"n_startup_trials": True}, "n_startup_trials must be an integer"),
    ("optuna", {"multivariate": "yes"}, "multivariate must be true or false or None"),
    ("optuna", {"prior_weight": 0}, "prior_weight must be a number > 0.0 or None"),
    ("optuna", {"gamma": 3}, "gamma must be a function"),
    ("optuna", {"sampler": "qmc", "qmc_type": "lhs"}, "qmc_type must be one of 'sobol'"),
    ("optuna", {"sampler": "cmaes", "popsize": 0}, "popsize must be an integer >= 1"),
    ("optuna", {"sampler": "cmaes", "lr_adapt": True, "with_margin": True},
     "CmaEsSampler refuses"),
    ("optuna", {"sampler": "nsga2", "population_size": 1}, "population_size must be an integer"),
    ("optuna", {"sampler": "nsga2", "mutation": "swap"}, "mutation must be a BaseMutation object"),
    ("optuna", {"sampler": "gp", "n_startup_trials": -2}, "n_startup_trials must be"),
    ("smac", {"walltime_limit": -5}, "walltime_limit must be a number > 0.0"),
    ("smac", {"crash_cost": "a"}, "crash_cost must be a number"),
    ("smac", {"crash_cost": float("nan")}, "crash_cost must be a number"),
    ("smac", {"objectives": ["a", "b"]}, "objectives must be one of 'cost'"),
    ("smac", {"use_default_config": 3}, "use_default_config must be true or false"),
    ("smac", {"min_budget": 1}, "min_budget is not supported"),
    ("smac", {"logging_level": True}, "logging_level must be an integer"),
    ("smac", {"model": "rf"}, "model must be a AbstractModel object"),
    ("smac", {"multi_objective_algorithm": None}, "not supported"),
    ("nevergrad", {"budget": 1.5}, "budget must be an integer >= 1 or None"),
    ("nevergrad", {"budget": "x"}, "budget must be an integer >= 1 or None"),
    ("nevergrad", {"optimizer": "Portfolio", "config": 1}, "option config of"),
    ("synetune", {"population_size": 0}, "population_size must be an integer >= 1"),
    ("synetune", {"scheduler": "TPE", "top_n_percent": 100}, "top_n_percent must be an integer"),
    ("synetune", {"scheduler": "TPE", "min_bandwidth": -1}, "min_bandwidth must be a number > 0"),
    ("synetune", {"scheduler": "TPE", "num_candidates": 0}, "num_candidates must be an integer"),
    ("synetune", {"scheduler": "BOTorch", "searcher_kwargs": 3}, "searcher_kwargs must be a dict"),
])
def test_values_outside_the_documented_range_are_one_line_errors(
        name: str, options: dict[str, object], message: str) -> None:
    with pytest.raises(AsebenchError) as info:
        get(name, **options)
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("name, options", [
    ("optuna", {"n_startup_trials": 0, "n_ei_candidates": 1, "multivariate": None,
                "group": True, "constant_liar": False}),
    ("optuna", {"sampler": "nsga2", "population_size": 2, "mutation_prob": None,
                "crossover_prob": 0.0, "swapping_prob": 1.0}),
    ("optuna", {"sampler": "qmc", "qmc_type": "halton", "scramble": True}),
    ("smac", {"n_trials": 1, "deterministic": True, "crash_cost": 0.0,
              "walltime_limit": float("inf"), "logging_level": False}),
    ("nevergrad", {"optimizer": "DiscreteOnePlusOne", "budget": None}),
    ("synetune", {"scheduler": "TPE", "top_n_percent": 1, "random_fraction": 1.0,
                  "num_min_data_points": None}),
])
def test_values_at_the_ends_of_their_range_are_accepted(name: str,
                                                        options: dict[str, object]) -> None:
    assert isinstance(get(name, **options), AskTellSearcher)


def test_every_constructor_parameter_has_a_declared_range() -> None:
    # a parameter a later release adds has no range, and is refused until someone reads
    # its documentation; the declared ranges name only real parameters
    optuna = importlib.import_module("optuna")
    for algorithm, cls_name in _SAMPLERS.items():
        params = set(constructor_parameters(getattr(optuna.samplers, cls_name)))
        assert set(OPTUNA_SPECS[algorithm]) == params - {"seed", "constraints_func"}, algorithm
    smac = importlib.import_module("smac")
    scenario = set(constructor_parameters(smac.Scenario)) - set(SMAC_RESERVED)
    assert set(_SCENARIO) == scenario
    for cls_name in _FACADES.values():
        facade = getattr(smac, cls_name)
        params = set(constructor_parameters(facade.__init__, skip=("scenario",)))
        assert set(_FACADE) == params - set(SMAC_RESERVED), cls_name
    baselines = importlib.import_module("syne_tune.optimizer.baselines")
    for scheduler, specs in SYNETUNE_SPECS.items():
        params = set(constructor_parameters(getattr(baselines, scheduler)))
        assert set(specs) == params - set(SYNETUNE_RESERVED), scheduler
    registry = importlib.import_module("nevergrad").optimizers.registry
    assert set(inspect.signature(registry["NGOpt"]).parameters) == set(_COMMON)


# -- the informed row ----------------------------------------------------------------------

def test_the_expected_number_of_queries_comes_from_the_backend() -> None:
    backend = build_tabular_backend("cifar100")
    facts = run_facts(backend, Budget(seconds=25_000))
    mean = float(np.mean(backend.cost_array.astype(np.float64)))
    assert facts.expected_queries == int(25_000 // mean) == 221  # the paper protocol
    assert facts.deterministic is True  # the embedded table has one reward per arch
    assert run_facts(backend, Budget(seconds=25_000, queries=50)).expected_queries == 50
    assert run_facts(backend, Budget(seconds=25_000, queries=500)).expected_queries == 221
    # under a hardware limit, the mean cost of the archs the limit lets in
    limited, feasible = constrained_backend(backend, "flops_m<=p25")
    inside = np.array([feasible.contains(tuple(a)) for a in backend.arch_codes().tolist()])
    expected = int(25_000 // float(np.mean(backend.cost_array.astype(np.float64)[inside])))
    assert run_facts(limited, Budget(seconds=25_000)).expected_queries == expected != 221
    allowed = restrict_backend(backend, allowed=[(0, 1)] * 6)
    assert run_facts(allowed, Budget(seconds=25_000)).expected_queries != 221
    # a backend that tabulates no costs: only a budget in queries says how many
    plain = FunctionBackend(sizes=(3, 3))
    assert run_facts(plain, Budget(seconds=100.0, queries=7)).expected_queries == 7
    assert run_facts(plain, Budget(queries=7)).deterministic is None
    with pytest.raises(AsebenchError, match="give the run a budget in queries"):
        run_facts(plain, Budget(seconds=100.0))


def _archs(spec: str, options: dict[str, object], budget: Budget) -> tuple[object, ...]:
    trace = get(spec, **options).run(build_tabular_backend("cifar100"), budget,
                                     np.random.default_rng(11))
    return trace.archs


@pytest.mark.parametrize("name, informed, explicit", [
    ("optuna", {}, {"multivariate": True}),
    ("nevergrad", {}, {"optimizer": "NgIohTuned", "budget": 40}),
    ("nevergrad", {"budget": 25}, {"optimizer": "NgIohTuned", "budget": 25}),  # options win
    ("synetune", {}, {"population_size": 10, "sample_size": 5}),
    ("smac", {"facade": "random"}, {"facade": "random", "n_trials": 40, "deterministic": True}),
])
def test_the_informed_preset_is_the_documented_settings_with_the_expected_number(
        name: str, informed: dict[str, object], explicit: dict[str, object]) -> None:
    budget = Budget(seconds=25_000, queries=40)
    assert _archs(name, {"preset": "informed", **informed}, budget) == _archs(
        name, explicit, budget)


def test_informed_optuna_is_optunas_default_tpe() -> None:
    # Optuna 5.0's TPE is multivariate for a single objective already: the rows coincide
    budget = Budget(seconds=25_000)
    assert _archs("optuna", {"preset": "informed"}, budget) == _archs("optuna", {}, budget)


@pytest.mark.slow
def test_informed_smac_hpo_gets_n_trials_and_determinism() -> None:
    budget = Budget(seconds=25_000, queries=30)
    informed = _archs("smac", {"preset": "informed"}, budget)
    assert informed == _archs("smac", {"n_trials": 30, "deterministic": True}, budget)
    assert informed != _archs("smac", {}, budget)
