"""The optimizer libraries through the one ask/tell adapter (asebench.peers): every library
through the conformance kit, hardware limits, option checking, a missing library, the study.

The libraries are the ``peers`` extra (``make test`` installs it). Budgets are small: a run
here is a few dozen queries.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from asebench.backends import Backend, build_tabular_backend, restrict_backend
from asebench.cli import cli
from asebench.errors import AsebenchError
from asebench.peers import AskTellSearcher
from asebench.records import Arch, Budget
from asebench.search import Searcher, get, methods
from asebench.testing import FunctionBackend, SearcherTestCase

LABELS = ("optuna", "optuna[sampler=random]", "synetune", "nevergrad", "smac")


def _searcher(name: str, **options: object) -> Searcher:
    return get(name, **options)


class TestOptunaTPE(SearcherTestCase):
    @pytest.fixture
    def searcher(self) -> Searcher:
        return _searcher("optuna")


class TestOptunaRandom(SearcherTestCase):
    @pytest.fixture
    def searcher(self) -> Searcher:
        return _searcher("optuna", sampler="random")


class TestOptunaNSGA2(SearcherTestCase):
    @pytest.fixture
    def searcher(self) -> Searcher:
        return _searcher("optuna", sampler="nsga2", population_size=6)


class TestSyneTuneREA(SearcherTestCase):
    @pytest.fixture
    def searcher(self) -> Searcher:
        return _searcher("synetune", scheduler="REA", population_size=5, sample_size=2)


class TestSyneTuneTPE(SearcherTestCase):
    budgets = (Budget(seconds=25.0), Budget(queries=12))

    @pytest.fixture
    def searcher(self) -> Searcher:
        return _searcher("synetune", scheduler="TPE")


class TestNevergradNGOpt(SearcherTestCase):
    @pytest.fixture
    def searcher(self) -> Searcher:
        return _searcher("nevergrad")


class TestNevergradDiscreteOnePlusOne(SearcherTestCase):
    @pytest.fixture
    def searcher(self) -> Searcher:
        return _searcher("nevergrad", optimizer="DiscreteOnePlusOne")


@pytest.mark.slow
class TestSmacHPO(SearcherTestCase):
    budgets = (Budget(seconds=15.0), Budget(queries=8))

    @pytest.fixture
    def searcher(self) -> Searcher:
        return _searcher("smac")


class TestSmacRandom(SearcherTestCase):
    budgets = (Budget(seconds=15.0), Budget(queries=8))

    @pytest.fixture
    def searcher(self) -> Searcher:
        return _searcher("smac", facade="random")


def _even(arch: Arch) -> bool:
    return sum(arch) % 2 == 0


def _limited() -> Backend:
    """A small space under a rule beyond its grid: half the archs are out."""
    return restrict_backend(FunctionBackend(sizes=(3, 2, 4, 3)), feasible=_even)


@pytest.mark.parametrize("label", LABELS)
def test_a_proposal_outside_a_hardware_limit_is_never_queried(label: str) -> None:
    name, _, rest = label.partition("[")
    options = dict(kv.split("=") for kv in rest.rstrip("]").split(",")) if rest else {}
    searcher = _searcher(name, **options)
    backend = _limited()
    trace = searcher.run(backend, Budget(queries=15), np.random.default_rng(1))
    assert len(trace) == 15
    assert all(_even(a) for a in trace.archs)
    # every library proposes outside at least once over 15 queries of a half-feasible space,
    # except Nevergrad, which resamples against the cheap constraint itself
    if name != "nevergrad":
        assert int(trace.info["rejected"]) > 0


@pytest.mark.parametrize("label", LABELS)
def test_restricted_choices_become_the_parameters(label: str) -> None:
    name, _, rest = label.partition("[")
    options = dict(kv.split("=") for kv in rest.rstrip("]").split(",")) if rest else {}
    allowed = [(1, 2), (0,), (0, 3), (2,)]
    backend = restrict_backend(FunctionBackend(sizes=(3, 2, 4, 3)), allowed=allowed)
    trace = _searcher(name, **options).run(backend, Budget(queries=10),
                                           np.random.default_rng(2))
    assert all(a[p] in allowed[p] for a in trace.archs for p in range(4))
    assert trace.info["rejected"] == 0


def test_embedded_table_run_records_the_library_and_its_version() -> None:
    from importlib import metadata

    backend = build_tabular_backend("cifar10")
    trace = _searcher("optuna").run(backend, Budget(seconds=25_000), np.random.default_rng(0))
    assert trace.info["library"] == "optuna"
    assert trace.info["library_version"] == metadata.version("optuna")
    assert trace.info["algorithm"] == "tpe"
    assert trace.answer_reward == max(trace.rewards)
    assert trace.spent_s <= 25_000
    # TPE learns: its best reward beats the median of what it queried by a margin
    assert trace.answer_reward > float(np.median(trace.rewards)) + 1.0


def test_repeated_archs_are_charged_again() -> None:
    backend = FunctionBackend(sizes=(2, 2))  # 4 archs: any 12 queries repeat
    trace = _searcher("synetune", population_size=2, sample_size=2).run(
        backend, Budget(queries=12), np.random.default_rng(3))
    assert len(trace) == 12 and len(set(trace.archs)) <= 4


@pytest.mark.parametrize("name, options, message", [
    ("optuna", {"n_startup": 3}, "unknown option(s) n_startup for method 'optuna'"),
    ("optuna", {"sampler": "bogus"}, "option sampler must be one of tpe"),
    ("optuna", {"seed": 3}, "set by asebench"),
    ("synetune", {"scheduler": "REA", "pop": 3}, "unknown option(s) pop"),
    ("synetune", {"random_seed": 1}, "set by asebench"),
    ("nevergrad", {"optimizer": "NoSuchOpt"}, "unknown optimizer 'NoSuchOpt'"),
    ("nevergrad", {"bogus": 1}, "unknown option(s) bogus"),
    ("smac", {"facade": "hpo", "bogus": 1}, "unknown option(s) bogus for method 'smac'"),
    ("smac", {"seed": 1}, "set by asebench"),
])
def test_bad_options_are_one_line_errors(name: str, options: dict[str, object],
                                         message: str) -> None:
    with pytest.raises(AsebenchError) as info:
        get(name, **options)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_options_reach_the_library_constructor() -> None:
    backend = build_tabular_backend("cifar10")
    few = _searcher("optuna", n_startup_trials=1000).run(
        backend, Budget(queries=30), np.random.default_rng(0))
    plain = _searcher("optuna", sampler="random").run(
        backend, Budget(queries=30), np.random.default_rng(0))
    # TPE with 1000 start-up trials is its independent random sampler, seeded alike
    assert few.archs == plain.archs


@pytest.mark.parametrize("name, module, extra", [
    ("optuna", "optuna", "optuna"), ("synetune", "syne_tune", "synetune"),
    ("nevergrad", "nevergrad", "nevergrad"), ("smac", "smac", "smac")])
def test_a_missing_library_is_a_one_line_error_naming_the_extra(
        monkeypatch: pytest.MonkeyPatch, name: str, module: str, extra: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    searcher = get(name)  # builds: `asebench methods` lists it
    assert isinstance(searcher, AskTellSearcher)
    with pytest.raises(AsebenchError) as info:
        searcher.run(FunctionBackend(sizes=(2, 2)), Budget(queries=3),
                     np.random.default_rng(0))
    assert f"pip install 'asebench[{extra}]'" in str(info.value)
    assert "\n" not in str(info.value)


def test_methods_are_entry_points_of_asebench() -> None:
    for name in ("optuna", "smac", "nevergrad", "synetune"):
        entry = methods.entry(name)
        assert entry.origin == "entry point" and entry.distribution == "asebench"


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), standalone_mode=False)
    code = result.exit_code
    if isinstance(result.exception, SystemExit):
        code = int(result.exception.code or 0)
    return code, result.stdout + result.stderr


def test_asebench_methods_lists_the_libraries() -> None:
    code, out = _invoke("methods")
    assert code == 0
    for shown in ("Optuna TPE", "SMAC3 HPO (RF)", "Nevergrad NGOpt", "Syne Tune REA"):
        assert shown in out


def test_study_runs_libraries_on_paired_seeds_with_their_versions(tmp_path: Path) -> None:
    out = tmp_path / "study"
    code, text = _invoke("run", "--methods", "ase,optuna[sampler=tpe,n_startup_trials=5],"
                         "synetune[scheduler=REA,population_size=10,sample_size=3]",
                         "--datasets", "cifar10", "--seeds", "2", "--workers", "1",
                         "--no-progress", "--out", str(out))
    assert code == 0, text
    assert "Optuna TPE" in text and "Syne Tune REA" in text
    runs = pd.read_parquet(out / "runs")
    assert len(runs) == 6
    peers = runs[runs["method"] != "ase"]
    assert set(peers["info_library"]) == {"optuna", "syne-tune"}
    assert peers["info_library_version"].notna().all()


@pytest.mark.parametrize("methods_arg, message", [
    ("ase,optuna[n_startup=3]", "unknown option(s) n_startup"),
    ("ase,synetune[scheduler=Nope]", "option scheduler must be one of REA"),
])
def test_study_rejects_bad_library_options_before_writing(
        tmp_path: Path, methods_arg: str, message: str) -> None:
    out = tmp_path / "study"
    code, text = _invoke("run", "--methods", methods_arg, "--datasets", "cifar10",
                         "--seeds", "2", "--workers", "1", "--no-progress", "--out", str(out))
    assert code == 2 and message in text
    assert not out.exists()


def test_run_timed_splits_the_wall_time() -> None:
    searcher = _searcher("optuna", sampler="random")
    assert isinstance(searcher, AskTellSearcher)
    backend = build_tabular_backend("cifar10")
    trace, timings = searcher.run_timed(backend, Budget(queries=20), np.random.default_rng(0))
    again = searcher.run(backend, Budget(queries=20), np.random.default_rng(0))
    assert trace.archs == again.archs and timings.queries == 20
    assert timings.library_s > 0 and timings.backend_s > 0
    assert timings.library_s + timings.backend_s <= timings.total_s




@pytest.mark.parametrize("scheduler", ["REA", "RandomSearch", "TPE", "BORE"])
def test_synetune_is_reproducible_and_leaves_numpy_global_state_alone(scheduler: str) -> None:
    # Syne Tune 0.16 samples random configurations from NumPy's global generator unless the
    # parameters carry their own sampler; a run must neither depend on nor move that state
    searcher = _searcher("synetune", scheduler=scheduler)
    backend = build_tabular_backend("cifar10")
    budget = Budget(queries={"TPE": 15, "BORE": 10}.get(scheduler, 60))
    np.random.seed(123)
    before = np.random.get_state()
    first = searcher.run(backend, budget, np.random.default_rng(4))
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1])
    assert before[2:] == after[2:]
    np.random.seed(999)  # another global state must not change the run
    second = searcher.run(backend, budget, np.random.default_rng(4))
    assert first.archs == second.archs and first.rewards == second.rewards
    other = searcher.run(backend, budget, np.random.default_rng(5))
    assert other.archs != first.archs


def test_optuna_tpe_under_a_flops_limit_learns_the_feasible_region() -> None:
    from asebench.constraints import constrained_backend

    backend, feasible = constrained_backend(build_tabular_backend("cifar10"), "flops_m<=p25")
    trace = _searcher("optuna").run(backend, Budget(seconds=25_000), np.random.default_rng(0))
    assert trace.info["stopped_by"] == "budget" and trace.spent_s <= 25_000
    assert len(trace) > 50 and all(feasible.contains(a) for a in trace.archs)
    # its constraint model steers it inside: far fewer proposals outside than queries
    # (Optuna's random sampler proposes about three outside per one inside here)
    assert int(trace.info["rejected"]) < len(trace)
