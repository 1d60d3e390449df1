from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from asebench.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_query_by_index_prints_every_metric() -> None:
    result = run("query", "9930", "--dataset", "cifar100")
    assert result.exit_code == 0, result.output
    assert "test_acc_200_mean" in result.output and "73.5133" in result.output
    assert "vtao_test_acc_12_single" in result.output


def test_query_by_string_as_json() -> None:
    arch = ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|"
            "nor_conv_3x3~1|nor_conv_3x3~2|")
    result = run("query", arch, "-d", "ImageNet16-120", "--json", "--protocol", "valid200")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["index"] == 9930
    assert record["reward_column"] == "valid_acc_200"
    assert record["table"] == "nb201-embedded"
    assert len(record["valid_acc_200"]) == 3


@pytest.mark.parametrize("args, message", [
    (("query", "not-an-arch"), "malformed NB201 arch"),
    (("query", "15625"), "outside 0..15624"),
    (("query", "1", "--dataset", "mnist"), "unknown dataset"),
    (("query", "1", "--protocol", "nope"), "unknown protocol"),
    (("query", "1", "--data", "/nonexistent/table.npz"), "not found"),
])
def test_bad_input_is_one_line_and_exit_2(args, message) -> None:
    completed = subprocess.run([sys.executable, "-m", "asebench", *args],
                               capture_output=True, text=True)
    assert completed.returncode == 2
    assert message in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1
    assert "Traceback" not in completed.stderr
