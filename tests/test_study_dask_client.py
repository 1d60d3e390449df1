"""A dask client the caller passes in belongs to the caller: a study uses it, never closes it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from asebench.study import StudySpec, run_study

distributed = pytest.importorskip("distributed")

SPEC = StudySpec(methods=("random",), datasets=("cifar10",), seeds=3, chunk_size=2)


def test_user_client_stays_usable_after_two_studies(tmp_path: Path) -> None:
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        first = run_study(SPEC, tmp_path / "first", executor="dask", scheduler=client,
                          progress=False)
        assert client.status == "running"
        assert client.submit(sum, [1, 2]).result() == 3
        second = run_study(SPEC, tmp_path / "second", executor="dask", scheduler=client,
                           progress=False)
        assert client.status == "running"
        assert client.submit(sum, [3, 4]).result() == 7
    runs = [pd.read_parquet(out / "runs").drop(columns=["wall_seconds"])
            for out in (first, second)]
    assert len(runs[0]) == 3
    pd.testing.assert_frame_equal(runs[0], runs[1], check_exact=True)


def test_executor_it_creates_closes_its_own_cluster() -> None:
    from asebench.study._executors import DaskExecutor

    executor = DaskExecutor(1, None)
    client = executor._client
    assert client.status == "running"
    executor.close()
    assert client.status == "closed"
