"""``asebench run --backend live``: the study runner, store and table over a tiny supernet."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from asebench.cli import cli
from asebench.supernet import Phase, TrainConfig, make_toy_image_folder, train_supernet


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, one_thread: None) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("live-run")
    data = make_toy_image_folder(root / "toy", num_classes=3, per_class=10, size=32, seed=2)
    config = TrainConfig(preset="tiny", num_classes=None, holdout=12, batch_size=12, lr=0.1,
                         workers=0, phases=(Phase("full", 1), Phase("kernel", 1),
                                            Phase("depth", 1, 2), Phase("expand", 1, 2)))
    train_supernet(data, root / "net.pt", config, progress=False)
    return root / "net.pt", data


def test_live_study_end_to_end(trained: tuple[Path, Path], tmp_path: Path) -> None:
    ckpt, data = trained
    out = tmp_path / "study"
    result = CliRunner().invoke(cli, [
        "run", "--backend", "live", "--supernet", str(ckpt), "--data", str(data),
        "--madds", "5", "--budget", "4", "--seeds", "2", "--workers", "1",
        "--methods", "ase,random", "--set", "ase.K=2", "--set", "ase.max_iterations=3",
        "--backend-opt", "calibration=12", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    runs = pd.read_parquet(out / "runs")
    assert sorted(runs["label"].unique()) == ["ase", "random"]
    assert set(runs["dataset"]) == {"toy"}
    assert runs["test_accuracy"].between(0, 100).all()
    assert (runs["queries"] >= 1).all()
    config = json.loads((out / "metadata.json").read_text())["study"]
    ase = next(m for m in config["methods"] if m["label"] == "ase")
    # the paper's ImageNet settings, with the MAdds limit as the update constraint
    assert ase["options"]["M"] == 3 and ase["options"]["constraint"] == ["madds_m", 5.0]
    assert ase["options"]["K"] == 2
    assert "ASE-NAS" in result.output


@pytest.mark.parametrize("args, message", [
    (["--backend", "live", "--data", "x", "--budget", "5"], "--supernet"),
    (["--backend", "live", "--supernet", "x.pt", "--budget", "5"], "--data"),
    (["--backend", "live", "--supernet", "x.pt", "--data", "x"], "--budget"),
    (["--madds", "600"], "need --backend live"),
])
def test_live_flags_are_checked(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", *args, "--out", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert message in result.output
