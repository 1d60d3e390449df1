"""run_study end to end on the real table: results, determinism, executors, resume, store."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from asebench import search
from asebench.analysis import load
from asebench.backends import TabularBackend
from asebench.errors import AsebenchError
from asebench.records import Budget
from asebench.study import StudySpec, run_generators, run_study

HERE = Path(__file__).parent
SPEC = StudySpec(methods=("random",), datasets=("cifar10", "ImageNet16-120"), seeds=4,
                 chunk_size=3)


def _frames(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = pd.read_parquet(out / "runs").drop(columns=["wall_seconds"])
    traces = pd.read_parquet(out / "traces")
    return runs, traces


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_study(SPEC, tmp_path_factory.mktemp("serial") / "study", workers=1,
                     progress=False)


def test_runs_table_has_contract_columns_one_row_per_run(serial: Path, table) -> None:
    runs = pd.read_parquet(serial / "runs")
    for column in ("method", "label", "dataset", "seed", "arch", "reward", "test_accuracy",
                   "queries", "sim_seconds", "wall_seconds", "info_iterations"):
        assert column in runs.columns
    assert len(runs) == 8
    assert list(runs["dataset"]) == ["cifar10"] * 4 + ["ImageNet16-120"] * 4
    assert list(runs["seed"]) == [0, 1, 2, 3] * 2
    assert (runs["sim_seconds"] <= 25_000).all()
    backend = TabularBackend("ImageNet16-120", table=table)
    row = runs.iloc[5]
    arch = backend.space.from_string(row["arch"])
    assert row["test_accuracy"] == pytest.approx(backend.report(arch)["test_accuracy"])


def test_run_i_replays_from_child_seed_i(serial: Path, table) -> None:
    """The store holds exactly what the searcher gives for run i's generator (paired)."""
    runs, traces = _frames(serial)
    backend = TabularBackend("cifar10", table=table)
    for seed in (0, 3):
        rng = run_generators(0, seed, seed + 1)[0]
        trace = search.get("random").run(backend, Budget(seconds=25_000), rng)
        row = runs[(runs.dataset == "cifar10") & (runs.seed == seed)].iloc[0]
        assert row["queries"] == len(trace)
        assert row["arch"] == backend.space.to_string(trace.answer)
        mine = traces[(traces.dataset == "cifar10") & (traces.seed == seed)]
        assert list(mine["step"]) == list(range(len(trace)))
        assert list(mine["reward"]) == list(trace.rewards)
        queries = list(trace)
        assert list(mine["incumbent_reward"]) == [q.incumbent_reward for q in queries]
        inc = [backend.report(q.incumbent)["test_accuracy"] for q in queries]
        assert np.allclose(mine["incumbent_test_accuracy"], inc)
        assert np.allclose(mine["elapsed_s"], trace.elapsed)
        assert list(mine["arch"].astype(str)) == [backend.space.to_string(a)
                                                  for a in trace.archs]


def test_rerun_is_bit_identical_and_pool_equals_serial(serial: Path, tmp_path: Path) -> None:
    again = run_study(SPEC, tmp_path / "again", workers=1, progress=False)
    pooled = run_study(SPEC, tmp_path / "pooled", workers=2, progress=False)
    runs, traces = _frames(serial)
    for other in (again, pooled):
        runs2, traces2 = _frames(other)
        pd.testing.assert_frame_equal(runs, runs2, check_exact=True)
        pd.testing.assert_frame_equal(traces, traces2, check_exact=True)


def test_dask_local_cluster_equals_local_path(serial: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        out = run_study(SPEC, tmp_path / "dask", executor="dask", scheduler=client,
                        progress=False)
    runs, traces = _frames(serial)
    runs2, traces2 = _frames(out)
    pd.testing.assert_frame_equal(runs, runs2, check_exact=True)
    pd.testing.assert_frame_equal(traces, traces2, check_exact=True)


def test_metadata_records_config_versions_and_data(serial: Path, table) -> None:
    meta = json.loads((serial / "metadata.json").read_text())
    assert meta["status"] == "complete"
    assert meta["study"]["seeds"] == 4 and meta["study"]["budget_s"] == 25_000.0
    assert meta["study"]["protocol"]["name"] == "paper"
    assert meta["study"]["data"]["sha256"] == table.sha256
    assert meta["reward_columns"] == {"cifar10": "vtao_test_acc_12_single",
                                      "ImageNet16-120": "vtao_test_acc_12_single"}
    assert "numpy" in meta["versions"] and "pandas" in meta["versions"]
    study = load(serial)
    assert len(study.runs) == 8 and study.labels == ["random"]


def test_existing_study_needs_resume_and_resume_needs_same_study(serial: Path) -> None:
    with pytest.raises(AsebenchError, match="--resume"):
        run_study(SPEC, serial, workers=1, progress=False)
    other = StudySpec(methods=("random",), datasets=("cifar10",), seeds=4, chunk_size=3)
    with pytest.raises(AsebenchError, match="different study"):
        run_study(other, serial, workers=1, resume=True, progress=False)
    before = (serial / "runs" / "runs.parquet").stat().st_mtime_ns
    run_study(SPEC, serial, workers=1, resume=True, progress=False)  # nothing left to run
    assert _frames(serial)[0].equals(_frames(serial)[0])
    assert (serial / "runs" / "runs.parquet").stat().st_mtime_ns >= before


def test_unwritable_out_is_refused_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(AsebenchError, match="cannot write"):
        run_study(SPEC, blocker / "study", workers=1, progress=False)
    with pytest.raises(AsebenchError, match="not a folder"):
        run_study(SPEC, blocker, workers=1, progress=False)


def test_killed_study_resumes_to_the_uninterrupted_result(tmp_path: Path) -> None:
    args = ["--methods", "random", "--datasets", "cifar10,cifar100", "--seeds", "40",
            "--chunk-size", "1", "--workers", "1", "--no-progress"]
    full = run_study(StudySpec(methods=("random",), datasets=("cifar10", "cifar100"),
                               seeds=40, chunk_size=1), tmp_path / "full", workers=1,
                     progress=False)
    cut = tmp_path / "cut"
    command = [sys.executable, "-c", "from asebench.cli import main; main()", "run", *args]
    # killed by SIGKILL after its 5th of 80 chunks, at that point on any machine (killing it
    # from here would race it: a busy machine could let it finish first)
    killed = subprocess.run([sys.executable, str(HERE / "killed_run.py"), "5", "run", *args,
                             "--out", str(cut)], capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(list((cut / "shards").glob("*.parquet"))) == 5
    assert not (cut / "runs").exists()
    subprocess.run([*command, "--out", str(cut), "--resume"], check=True, capture_output=True)
    runs, traces = _frames(full)
    runs2, traces2 = _frames(cut)
    pd.testing.assert_frame_equal(runs, runs2, check_exact=True)
    pd.testing.assert_frame_equal(traces, traces2, check_exact=True)
    meta = json.loads((cut / "metadata.json").read_text())
    assert meta["status"] == "complete" and len(meta["history"]) == 1


def test_ase_plus_run_i_starts_from_final_centers_of_ase_run_i(tmp_path: Path, table) -> None:
    if "ase" not in search.methods.names():
        pytest.skip("ase searcher not available")
    spec = StudySpec(methods=("ase+",), datasets=("cifar10", "cifar100"), seeds=3,
                     budget_s=2_500.0, chunk_size=2)
    out = run_study(spec, tmp_path / "plus", workers=1, progress=False)
    runs = pd.read_parquet(out / "runs")
    traces = pd.read_parquet(out / "traces")
    # the source cells run first and are stored under the plain label
    assert list(zip(runs.label, runs.dataset)) == [("ase", "cifar10")] * 3 + [
        ("ase+", "cifar100")] * 3
    source = runs[runs.label == "ase"].set_index("seed")
    plus = runs[runs.label == "ase+"]
    assert (plus["transfer_source"] == "ase").all()
    space = TabularBackend("cifar100", table=table).space
    for seed in range(3):
        centers = [tuple(c) for c in json.loads(source.loc[seed, "info_final_centers"])]
        first = traces[(traces.label == "ase+") & (traces.seed == seed)].sort_values("step")
        assert list(first["arch"].astype(str))[:len(centers)] == [
            space.to_string(c) for c in centers]
