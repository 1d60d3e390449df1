"""Cached studies of ``asebench figures`` are keyed by the resolved configuration AND the code
version, so a change to a method never silently reuses stale runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from asebench.figures._studies import study_directory
from asebench.study import StudySpec, code_version, resolve_config, run_study
from asebench.study._code_version import source_hash

PACKAGE = Path(__file__).resolve().parents[1] / "asebench"


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "asebench"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_code_version_follows_result_code_not_presentation(package_copy: Path) -> None:
    assert len(code_version()) == 16 and int(code_version(), 16) >= 0
    before = source_hash(package_copy)
    assert before == source_hash(package_copy)  # a pure function of the files
    method = package_copy / "search" / "_random.py"
    method.write_text(method.read_text() + "\n# one more line\n")
    assert source_hash(package_copy) != before  # a search method changed
    changed = source_hash(package_copy)
    for neutral in ("figures/_style.py", "cli/_query.py", "analysis/_stats.py"):
        path = package_copy / neutral
        path.write_text(path.read_text() + "\n# caption wording\n")
    assert source_hash(package_copy) == changed  # plots, CLI and tables do not count


def _spec() -> StudySpec:
    return StudySpec(methods=("random",), datasets=("cifar10",), seeds=2, budget_s=3000.0)


def _write_meta(folder: Path, **fields: object) -> None:
    folder.mkdir(parents=True)
    (folder / "metadata.json").write_text(json.dumps(fields))


def test_a_cached_study_is_reused_only_when_run_by_this_code(tmp_path: Path) -> None:
    spec = _spec()
    config = resolve_config(spec)
    _write_meta(tmp_path / "same" / "ablations", study=config, code_version=code_version())
    assert study_directory(tmp_path / "same", "ablations", spec) == \
        tmp_path / "same" / "ablations"

    _write_meta(tmp_path / "stale" / "ablations", study=config, code_version="0" * 16)
    stale = study_directory(tmp_path / "stale", "ablations", spec)
    assert stale.parent == tmp_path / "stale" and stale.name.startswith("ablations-")

    _write_meta(tmp_path / "old" / "ablations", study=config)  # before code versions
    assert study_directory(tmp_path / "old", "ablations", spec).name == stale.name

    # resumed once by other code: some of its runs are stale too
    _write_meta(tmp_path / "mixed" / "ablations", study=config, code_version=code_version(),
                history=[{"status": "interrupted", "code_version": "0" * 16}])
    assert study_directory(tmp_path / "mixed", "ablations", spec).name == stale.name

    other = StudySpec(methods=("random",), datasets=("cifar10",), seeds=3, budget_s=3000.0)
    assert study_directory(tmp_path / "stale", "ablations", other).name != stale.name


def test_a_study_records_the_code_version_it_ran_with(tmp_path: Path) -> None:
    path = run_study(_spec(), tmp_path / "study", workers=1, progress=False)
    meta = json.loads((path / "metadata.json").read_text())
    assert meta["code_version"] == code_version()
    assert study_directory(tmp_path, "study", _spec()) == path  # reused: same code


def test_make_figures_reuses_the_table1_study_of_make_run(tmp_path: Path) -> None:
    """``make run`` (``asebench run --seeds N --out studies/table1``) and ``make figures``
    (``--study-root studies``) name the same study, so the figures read its folder."""
    from asebench.figures._studies import FigureStudies
    from asebench.study import DEFAULT_LABELS, resolve

    plan = FigureStudies(seeds=500)
    cli = StudySpec(methods=DEFAULT_LABELS, seeds=500)  # what `asebench run` builds
    assert dict(resolve(plan.table1_spec()).config) == dict(resolve(cli).config)
    assert resolve(plan.ablation_spec()).config["backend_options"] == {}
    # a folder holding that study (by this code) is the figures' table1
    _write_meta(tmp_path / "table1", study=resolve_config(cli), code_version=code_version())
    assert study_directory(tmp_path, "table1", plan.table1_spec()) == tmp_path / "table1"


def test_a_named_study_made_by_other_code_is_recomputed_not_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The peers report keeps one folder per study across code changes (``named_folders``):
    rerunning it after a change recomputes the chunks other code made instead of stopping."""
    import asebench.study._runner as runner_module
    from asebench.figures._run import StudyRunner
    from asebench.store import current_provenance, verify_study

    def runner() -> StudyRunner:
        return StudyRunner(tmp_path, 1, False, lambda _: None, named_folders=True)

    with monkeypatch.context() as patch:
        patch.setattr(runner_module, "current_provenance",
                      lambda code, data: current_provenance("0" * 16, data))
        path = runner().path("peers", _spec())
    meta = json.loads((path / "metadata.json").read_text())
    assert [m["code_version"] for m in meta["made_by"]] == ["0" * 16]
    assert runner().path("peers", _spec()) == path
    meta = json.loads((path / "metadata.json").read_text())
    assert [m["code_version"] for m in meta["made_by"]] == [code_version()]
    assert verify_study(path) == []
