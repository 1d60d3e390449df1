"""One resolved study: ``check_study`` refuses exactly what ``run_study`` refuses, with the same
one line, and a refused run leaves nothing behind; the resolved study is built once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from asebench.errors import AsebenchError
from asebench.records import Budget
from asebench.study import (
    MethodSpec,
    ResolvedStudy,
    StudySpec,
    check_study,
    resolve,
    run_study,
)
from asebench.study._bounds import MAX_RUNS

# each bad study and a fragment of its one-line error
BAD_STUDIES: dict[str, tuple[Callable[[], StudySpec], str]] = {
    "too large": (lambda: StudySpec(methods=("random",), seeds=MAX_RUNS + 1, datasets=("cifar10",)),
                  "is beyond one machine"),
    "unknown backend": (lambda: StudySpec(methods=("random",), backend="nope", seeds=1),
                        "nope"),
    "bad backend option": (lambda: StudySpec(methods=("random",), seeds=1,
                                             backend_options={"colour": 3}),
                           "colour"),
    "unknown dataset": (lambda: StudySpec(methods=("random",), datasets=("mnist",), seeds=1),
                        "mnist"),
    "unknown protocol": (lambda: StudySpec(methods=("random",), protocol="nope", seeds=1,
                                           datasets=("cifar10",)), "nope"),
    "unknown method": (lambda: StudySpec(methods=("nope",), seeds=1, datasets=("cifar10",)),
                       "nope"),
    "unknown option": (lambda: StudySpec(methods=("ase[colour=3]",), seeds=1,
                                         datasets=("cifar10",)), "colour"),
    "option out of range": (lambda: StudySpec(methods=("ase[K=0]",), seeds=1,
                                              datasets=("cifar10",)), "K"),
    "option against the space": (lambda: StudySpec(methods=("ase[M=7]",), seeds=1,
                                                   datasets=("cifar10",)), "M"),
    "not transferable": (lambda: StudySpec(methods=("random+",), seeds=1,
                                           datasets=("cifar10", "cifar100")),
                         "cannot start from another run's final state"),
    "nothing to transfer to": (lambda: StudySpec(methods=("ase+",), seeds=1,
                                                 datasets=("cifar10",)),
                               "no method left to run"),
    "unknown metric": (lambda: StudySpec(methods=("random",), seeds=1, datasets=("cifar10",),
                                         constraints=("colour<=3",)), "colour"),
    "infeasible limit": (lambda: StudySpec(methods=("random",), seeds=1, datasets=("cifar10",),
                                           constraints=("flops_m<=0.0001",)), "flops"),
}


@pytest.mark.parametrize("case", sorted(BAD_STUDIES))
def test_check_study_refuses_what_run_study_refuses(case: str, tmp_path: Path) -> None:
    make, fragment = BAD_STUDIES[case]
    try:
        spec = make()
    except AsebenchError as exc:  # refused by the spec itself, before either is called
        pytest.fail(f"{case}: the spec refused it already ({exc}); the case tests nothing")
    with pytest.raises(AsebenchError) as checked:
        check_study(spec)
    out = tmp_path / "new" / "study"
    with pytest.raises(AsebenchError) as ran:
        run_study(spec, out, workers=1, progress=False)
    assert str(checked.value) == str(ran.value)
    assert fragment in str(checked.value)
    assert "\n" not in str(checked.value)
    assert not (tmp_path / "new").exists()  # nothing written, not even the folder


def test_resolved_study_fills_defaults_and_builds_each_searcher_once() -> None:
    resolved = resolve(StudySpec(methods=("ase", "ase+", "random"), seeds=3,
                                 datasets=("cifar10", "cifar100")))
    assert isinstance(resolved, ResolvedStudy)
    assert resolved.budget == Budget(seconds=25_000.0)
    assert resolved.spec.transfer_source == "cifar10"
    assert [m.transfer for m in resolved.spec.method_specs] == [None, "cifar10", None]
    assert set(resolved.searchers) == {"ase", "ase+", "random"}
    assert resolved.context.budget == resolved.budget
    assert resolved.config["budget_s"] == 25_000.0
    assert "budget_queries" not in resolved.config  # joins the identity only when set
    with_queries = resolve(StudySpec(methods=("random",), seeds=1, datasets=("cifar10",),
                                     budget_queries=7))
    assert with_queries.config["budget_queries"] == 7
    assert with_queries.budget == Budget(seconds=25_000.0, queries=7)


def test_run_study_takes_a_resolved_study(tmp_path: Path) -> None:
    spec = StudySpec(methods=("random", "local"), seeds=2, datasets=("cifar10",))
    from asebench.analysis import load

    first = load(run_study(spec, tmp_path / "a", workers=1, progress=False)).runs
    second = load(run_study(resolve(spec), tmp_path / "b", workers=1, progress=False)).runs
    columns = [c for c in first.columns if c != "wall_seconds"]
    assert first[columns].equals(second[columns])


def test_method_spec_options_reach_the_built_searcher() -> None:
    resolved = resolve(StudySpec(methods=(MethodSpec("ase", {"K": 6}, "wide"),), seeds=1,
                                 datasets=("cifar10",)))
    assert resolved.searchers["wide"].K == 6


def test_a_study_records_the_blas_kernel_it_ran_on(tmp_path: Path) -> None:
    from asebench.store import read_metadata

    folder = run_study(StudySpec(methods=("random",), seeds=1, datasets=("cifar10",)),
                       tmp_path / "s", workers=1, progress=False)
    blas = (read_metadata(folder) or {})["blas"]
    assert isinstance(blas, dict)
    assert blas["blas_library"] and "blas_core_type" in blas and "numpy_simd_baseline" in blas
