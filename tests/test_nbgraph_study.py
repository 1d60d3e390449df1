"""Studies on NAS-Bench-Graph through the CLI and the dask executor: every method, ase+ from
cora, constraints with the oracle and regret, resume, the table, Fig. 6's statistic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from asebench.analysis import load
from asebench.benchmarks.nbgraph import NBGraphBackend
from asebench.benchmarks.nbgraph._distance import grid_pair_stats
from asebench.cli import cli
from asebench.figures import pairwise_distance_stats
from asebench.study import StudySpec, run_study

METHODS = "ase,ase+,random,reinforce,evolution,local,nse,autospace"


def _run(out: Path, *extra: str) -> str:
    result = CliRunner().invoke(cli, [
        "run", "--benchmark", "nas-bench-graph", "--datasets", "cora,proteins", "--methods",
        METHODS, "--seeds", "3", "--chunk-size", "3", "--workers", "1", "--out", str(out),
        "--no-progress", *extra])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("nbgraph") / "study"
    return out, _run(out)


def test_every_method_runs_with_paired_seeds(study: tuple[Path, str]) -> None:
    out, text = study
    runs = load(out).runs
    assert set(runs["label"]) == set(METHODS.split(","))
    assert set(runs.loc[runs["label"] == "ase+", "dataset"]) == {"proteins"}  # from cora
    assert (runs.groupby(["label", "dataset"])["seed"].apply(sorted).map(list)
            == [[0, 1, 2]] * len(runs.groupby(["label", "dataset"]))).all()
    assert (runs["queries"] <= 100).all() and (runs["sim_seconds"] <= 100).all()
    assert "on NAS-Bench-Graph" in text and "Wilcoxon" in text
    assert "budget 100 queries per run" in text  # a per-query protocol is not priced in s
    backend = NBGraphBackend("cora")
    for row in runs[runs["dataset"] == "cora"].itertuples():
        arch = backend.space.from_string(row.arch)
        assert row.test_accuracy == backend.report(arch)["test_accuracy"]
    assert not (runs["arch"].str.endswith("skip-skip-skip-skip")).any()


def test_resume_adds_nothing_and_the_table_reads_the_study(study: tuple[Path, str]) -> None:
    out, _ = study
    before = pd.read_parquet(out / "runs").drop(columns="wall_seconds")
    _run(out, "--resume")
    after = pd.read_parquet(out / "runs").drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(before, after)
    result = CliRunner().invoke(cli, ["table", str(out)])
    assert result.exit_code == 0 and "NAS-Bench-Graph" in result.output


def test_the_nb201_table_of_the_environment_is_not_given_to_another_backend(
        tmp_path: Path) -> None:
    bogus = tmp_path / "not-a-table.npz"
    bogus.write_bytes(b"no table")
    args = ["run", "--benchmark", "nas-bench-graph", "--datasets", "cora", "--methods",
            "random", "--seeds", "1", "--workers", "1", "--no-progress"]
    ok = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "a")],
                            env={"ASEBENCH_DATA": str(bogus)})
    assert ok.exit_code == 0, ok.output
    # given on the command line, --data does reach the backend (which refuses a table file)
    refused = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "b"), "--data",
                                       str(bogus)])
    assert refused.exit_code != 0


def test_constraints_give_oracle_and_regret(tmp_path: Path) -> None:
    text = _run(tmp_path / "c", "--constraint", "params_m<=p25", "--constraint",
                "latency<=6")
    assert "oracle" in text and "regret" in text.lower()
    runs = load(tmp_path / "c").runs
    for dataset in ("cora", "proteins"):
        backend = NBGraphBackend(dataset)
        limit = float(np.percentile(backend.values("params_m"), 25))
        for arch in runs.loc[runs["dataset"] == dataset, "arch"]:
            metrics = backend.arch_metrics(backend.space.from_string(arch))
            assert metrics["params_m"] <= limit and metrics["latency"] <= 6


def test_dask_local_cluster_equals_the_local_path(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    spec = StudySpec(methods=("random", "ase"), datasets=("citeseer",), seeds=4, chunk_size=2,
                     backend="nas-bench-graph")
    local = run_study(spec, tmp_path / "local", workers=1, progress=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = run_study(spec, tmp_path / "dask", executor="dask", scheduler=client,
                           progress=False)
    a = pd.read_parquet(local / "runs").drop(columns="wall_seconds")
    b = pd.read_parquet(remote / "runs").drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_grid_pair_stats_equal_the_direct_pairs_with_missing_cells() -> None:
    rng = np.random.default_rng(0)
    shape = (2, 3, 3, 3)
    full = np.array(np.unravel_index(np.arange(int(np.prod(shape))), shape)).T
    keep = np.ones(len(full), dtype=bool)
    keep[[0, 7, 40]] = False
    values = rng.normal(size=int(keep.sum()))
    ours = grid_pair_stats(full[keep], values, shape)
    direct = pairwise_distance_stats(full[keep] + 0, values)
    pd.testing.assert_frame_equal(ours, direct, check_exact=False, rtol=1e-9)
