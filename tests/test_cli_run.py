"""``asebench run`` and ``asebench table`` from the command line (real table, few seeds)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from asebench.cli import cli

ARGS = ["--methods", "random", "--datasets", "cifar10,cifar100", "--seeds", "3",
        "--workers", "1", "--no-progress"]


def _invoke(*args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(cli, list(args), standalone_mode=False)
    code = result.exit_code
    if isinstance(result.exception, SystemExit):
        code = result.exception.code
    return code, result.stdout, result.stderr


def test_run_prints_table_and_directory_and_writes_table_out(tmp_path: Path) -> None:
    out, table_out = tmp_path / "study", tmp_path / "reports" / "table1.md"
    code, stdout, _ = _invoke("run", *ARGS, "--out", str(out), "--table-out", str(table_out))
    assert code == 0
    assert "Table I" in stdout and "Random search" in stdout
    assert f"study directory: {out}" in stdout
    written = table_out.read_text()
    assert written in stdout and "vtao_test_acc_12_single" in written
    runs = pd.read_parquet(out / "runs")
    assert len(runs) == 6 and set(runs["dataset"]) == {"cifar10", "cifar100"}
    mean = runs[runs.dataset == "cifar10"]["test_accuracy"].mean()
    assert f"{mean:.2f}" in written
    code, stdout, _ = _invoke("table", str(out), "--latex")
    assert code == 0 and r"\begin{tabular}" in stdout and f"{mean:.2f}" in stdout


def test_run_as_subprocess_matches_in_process_run(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert _invoke("run", *ARGS, "--out", str(a))[0] == 0
    done = subprocess.run(
        [sys.executable, "-c", "from asebench.cli import main; main()", "run", *ARGS,
         "--out", str(b)], check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"study directory: {b}" in done.stdout
    left = pd.read_parquet(a / "runs").drop(columns="wall_seconds")
    right = pd.read_parquet(b / "runs").drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(left, right, check_exact=True)


@pytest.mark.parametrize("extra, message", [
    (["--methods", "nope"], "unknown method 'nope'"),
    (["--methods", "random", "--set", "random.bogus=1"], "unknown option"),
    (["--methods", "random", "--set", "bogus"], "METHOD.KEY=VALUE"),
    (["--methods", "random", "--datasets", "mnist"], "unknown dataset 'mnist'"),
    (["--methods", "random", "--protocol", "nope"], "unknown protocol 'nope'"),
    (["--methods", "random", "--protocol-opt", "cost_source=moon"], "cost_source"),
    (["--methods", "random", "--scheduler", "tcp://x:1"], "needs --executor dask"),
    (["--methods", "random", "--seeds", "0"], "--seeds"),
    (["--methods", "random", "--budget", "-5"], "budget"),
    (["--methods", "random", "--reference", "ase"], "--reference"),
])
def test_bad_options_give_one_line_error_and_exit_2(tmp_path: Path, extra: list[str],
                                                    message: str) -> None:
    out = tmp_path / "study"
    code, _, stderr = _invoke("run", *extra, "--out", str(out))
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("asebench: error:")
    assert message in lines[0]
    assert not (out / "shards").exists()


def test_unwritable_out_refused_before_work(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    code, _, stderr = _invoke("run", *ARGS, "--out", str(blocker / "study"))
    assert code == 2 and "cannot write --out" in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_table_of_a_non_study_is_an_error(tmp_path: Path) -> None:
    code, _, stderr = _invoke("table", str(tmp_path))
    assert code == 2 and "not a study directory" in stderr
