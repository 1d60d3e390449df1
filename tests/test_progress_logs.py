"""Progress that reads well in a log: on a stream that is not a terminal, long commands write
plain lines (no carriage returns), one per epoch or at most one every few seconds."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from asebench.cli import cli
from asebench.cli._data import _Progress as ImportProgress
from asebench.study._progress import Progress as StudyProgress
from asebench.supernet._progress import TrainProgress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _info(epoch: int, step: int, steps: int) -> dict[str, object]:
    return {"phase": "full", "epoch": epoch, "epochs": 30, "step": step, "steps": steps,
            "loss": 1.0, "lr": 0.1, "images_per_s": 100.0, "done": step == steps - 1}


def test_training_progress_in_a_log_is_one_line_per_epoch() -> None:
    log = io.StringIO()
    report = TrainProgress(log, interval_s=3600.0)
    for epoch in range(30):
        for step in range(56):  # 1,797 images in batches of 32
            report(_info(epoch, step, 56))
    text = log.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert len(lines) == 30
    assert all(f"epoch {e + 1}/30 step 56/56" in line for e, line in enumerate(lines))
    assert max(len(line) for line in lines) < 120


def test_training_progress_on_a_terminal_updates_one_line_per_epoch() -> None:
    screen = _Terminal()
    report = TrainProgress(screen)
    for epoch in range(2):
        for step in range(5):
            report(_info(epoch, step, 5))
    text = screen.getvalue()
    assert text.count("\n") == 2 and text.startswith("\r")


def test_supernet_train_writes_an_epoch_line_to_a_redirected_stderr(tmp_path: Path) -> None:
    from asebench.supernet import make_toy_image_folder

    pytest.importorskip("torch")
    data = make_toy_image_folder(tmp_path / "toy", num_classes=2, per_class=8, size=36)
    result = CliRunner().invoke(cli, [
        "supernet", "train", "--data", str(data), "--out", str(tmp_path / "net.pt"),
        "--preset", "tiny", "--classes", "0", "--holdout", "4", "--phases",
        "full=2,kernel=1", "--batch-size", "4", "--workers", "0", "--steps-per-epoch", "2",
        "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert "\r" not in result.stderr
    lines = result.stderr.splitlines()
    # one line at each epoch's end; a step line within an epoch only if the epoch ran past
    # the 10 s interval (a busy machine), so those are allowed, not counted
    assert all(" epoch " in line and " step " in line for line in lines), lines
    assert [line.split()[:3] for line in lines if " step 2/2 " in line] == [
        ["full", "epoch", "1/3"], ["full", "epoch", "2/3"], ["kernel", "epoch", "3/3"]]


def test_study_progress_in_a_log_is_a_line_every_few_seconds() -> None:
    log = io.StringIO()
    bar = StudyProgress(1000, stream=log, interval_s=3600.0)
    for _ in range(1000):
        bar.update(1)
    bar.close()
    text = log.getvalue()
    assert "\r" not in text
    assert len(text.splitlines()) == 2  # the first update, then the last
    assert text.splitlines()[-1].startswith("asebench run: 1000/1000 runs")


def test_asebench_run_in_a_log_has_no_carriage_returns(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [
        "run", "--methods", "random,evolution", "--datasets", "cifar10", "--seeds", "4",
        "--budget", "3000", "--workers", "1", "--out", str(tmp_path / "study")])
    assert result.exit_code == 0, result.output
    assert "\r" not in result.stderr
    # the first update, the last, and one every 10 s between (how many: the machine's speed)
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("asebench run: ") for line in lines), lines
    done = [int(line.split()[2].split("/")[0]) for line in lines]
    assert done == sorted(set(done)) and done[-1] == 8 and lines[-1].split()[2] == "8/8", done


def test_data_import_progress_in_a_log_is_a_line_per_tenth(
        capsys: pytest.CaptureFixture[str]) -> None:
    report = ImportProgress("archive")
    for done in range(1, 15626):
        report(done, 15625)
    err = capsys.readouterr().err
    assert "\r" not in err
    assert len(err.splitlines()) == 11  # 0%..100% in tenths
