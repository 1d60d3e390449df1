"""``asebench supernet``: one-line errors and exit status 2 on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from asebench.cli import cli


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args, prog_name="asebench")
    return int(exit_info.value.code), capsys.readouterr().err


def test_train_missing_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(["supernet", "train", "--data", str(tmp_path / "none"),
                      "--out", str(tmp_path / "n.pt")], capsys)
    assert code == 2 and err.startswith("asebench: error: data folder") and err.count("\n") == 1


def test_train_bad_phases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(["supernet", "train", "--data", str(tmp_path), "--out",
                      str(tmp_path / "n.pt"), "--phases", "full=x"], capsys)
    assert code == 2 and "bad phase 'full=x'" in err


def test_score_bad_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_text("garbage")
    code, err = _run(["supernet", "score", "--supernet", str(bad), "--data", str(tmp_path)],
                     capsys)
    assert code == 2 and "not a readable supernet checkpoint" in err and err.count("\n") == 1
