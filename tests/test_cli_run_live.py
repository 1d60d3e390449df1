"""``asebench run --backend live``: the study runner, store and table over a tiny supernet."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from asebench.cli import cli


def test_live_study_end_to_end(trained_supernet: tuple[Path, Path], tmp_path: Path) -> None:
    ckpt, data = trained_supernet
    out = tmp_path / "study"
    result = CliRunner().invoke(cli, [
        "run", "--backend", "live", "--supernet", str(ckpt), "--data", str(data),
        "--madds", "5", "--budget-queries", "6", "--seeds", "2", "--workers", "1",
        "--methods", "ase,random", "--set", "ase.K=2", "--set", "ase.max_iterations=3",
        "--backend-opt", "calibration=12", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    runs = pd.read_parquet(out / "runs")
    assert sorted(runs["label"].unique()) == ["ase", "random"]
    assert set(runs["dataset"]) == {"toy"}
    assert runs["test_accuracy"].between(0, 100).all()
    # --madds restricts the backend: every method's answers and queries stay within it
    assert (runs["madds_m"] <= 5.0).all()
    traces = pd.read_parquet(out / "traces")
    from asebench.backends import get_backend

    live = get_backend("live", supernet=str(ckpt), data=str(data), calibration="12")
    space = live.space
    assert all(live.arch_metrics(space.from_string(a))["madds_m"] <= 5.0
               for a in traces["arch"].unique())
    # a query budget (a live query's cost is its real seconds: a budget in seconds would
    # depend on how busy the machine is)
    assert runs["queries"].between(1, 6).all()
    config = json.loads((out / "metadata.json").read_text())["study"]
    ase = next(m for m in config["methods"] if m["label"] == "ase")
    # the paper's ImageNet settings (the live backend's defaults for ASE-NAS); the MAdds
    # limit is an ordinary constraint of the study
    assert ase["options"]["M"] == 3 and "constraint" not in ase["options"]
    assert config["constraints"]["expressions"] == ["madds_m<=5"]
    assert config["budget_queries"] == 6 and config["budget_s"] is None
    assert ase["options"]["K"] == 2
    assert "ASE-NAS" in result.output


@pytest.mark.parametrize("args, message", [
    (["--backend", "live", "--data", "x", "--budget", "5"], "--supernet"),
    (["--backend", "live", "--supernet", "x.pt", "--budget", "5"], "--data"),
    (["--backend", "live", "--supernet", "x.pt", "--data", "x"], "'x.pt' does not exist"),
    # --madds is --constraint madds_m<=...: NB201 has no such metric
    (["--madds", "600"], "unknown constraint metric 'madds_m'; metrics are flops_m"),
])
def test_live_flags_are_checked(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", *args, "--out", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert message in result.output


def test_live_study_reports_on_test_data(trained_supernet: tuple[Path, Path],
                                         tmp_path: Path) -> None:
    """``--backend-opt test_data=FOLDER``: the study's test_accuracy comes from that folder
    (here the held-out images with every label moved to the next class), the reward not."""
    import shutil

    from asebench.supernet import read_checkpoint

    ckpt, data = trained_supernet
    checkpoint = read_checkpoint(ckpt)
    classes = list(checkpoint.classes)
    test = tmp_path / "test"
    for rel in checkpoint.holdout:
        cls = Path(rel).parts[-2]
        target = test / classes[(classes.index(cls) + 1) % len(classes)]
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(data / "train" / rel, target / Path(rel).name)
    out = tmp_path / "study"
    result = CliRunner().invoke(cli, [
        "run", "--backend", "live", "--supernet", str(ckpt), "--data", str(data),
        "--budget-queries", "4", "--seeds", "1", "--workers", "1", "--methods", "random",
        "--backend-opt", "calibration=12", "--backend-opt", f"test_data={test}",
        "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    traces = pd.read_parquet(out / "traces")
    assert (traces["test_accuracy"] != traces["reward"]).any()
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["study"]["backend_options"]["test_data"] == str(test)
    assert f"separate test split {test}" in metadata["reward_columns"]["toy"]
