"""``--progress/--no-progress`` on the long ``asebench supernet`` commands: progress lines on
stderr, or none; stdout (the results) the same either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from asebench.cli import cli

pytestmark = pytest.mark.usefixtures("one_thread")


def _invoke(args: list[str]) -> tuple[str, str]:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_score_progress(trained_supernet: tuple[Path, Path]) -> None:
    net, toy = trained_supernet
    args = ["supernet", "score", "--supernet", str(net), "--data", str(toy), "--calibration",
            "8", "--arch", "largest", "--arch", "smallest"]
    out_on, err_on = _invoke([*args, "--progress"])
    out_off, err_off = _invoke([*args, "--no-progress"])
    assert err_on.count("scored ") == 2 and "scored 2/2" in err_on and err_off == ""
    assert [line.split('"seconds"')[0] for line in out_on.splitlines()] == \
        [line.split('"seconds"')[0] for line in out_off.splitlines()]


def test_train_progress(trained_supernet: tuple[Path, Path], tmp_path: Path) -> None:
    _, toy = trained_supernet
    args = ["supernet", "train", "--data", str(toy), "--preset", "tiny", "--classes", "0",
            "--holdout", "8", "--batch-size", "16", "--workers", "0", "--phases", "full=1",
            "--steps-per-epoch", "1", "--device", "cpu"]
    _, err_on = _invoke([*args, "--out", str(tmp_path / "a.pt"), "--progress"])
    _, err_off = _invoke([*args, "--out", str(tmp_path / "b.pt"), "--no-progress"])
    assert "img/s" in err_on and err_off == ""
