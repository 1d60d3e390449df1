"""``asebench supernet fidelity``: the ranking statistics on known values, and the study end to
end on a tiny supernet (resumed after a SIGKILL, the same numbers as uninterrupted)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")

from asebench.cli import cli  # noqa: E402
from asebench.errors import AsebenchError  # noqa: E402
from asebench.supernet._fidelity import FidelityConfig, run_fidelity  # noqa: E402
from asebench.supernet._fidelity_report import FILES, goal_checks, summarize  # noqa: E402
from asebench.supernet._ranking import regret, tau_difference, top_overlap  # noqa: E402

HERE = Path(__file__).resolve().parent
TINY = ["--archs", "5", "--seeds", "2", "--epochs", "1", "--batch-size", "8",
        "--calibration", "16", "--bootstrap", "100", "--device", "cpu", "--no-progress"]


# -- the statistics ---------------------------------------------------------------------------

def test_top_overlap_and_regret() -> None:
    truth = [50.0, 60.0, 70.0, 80.0, 90.0, 40.0]
    assert top_overlap(truth, truth, 3) == 3 and regret(truth, truth) == 0.0
    reverse = [-t for t in truth]
    assert top_overlap(reverse, truth, 3) == 0
    assert regret(reverse, truth) == 50.0  # picks the worst one (40) instead of 90
    assert regret([0, 0, 1, 0, 0, 0], truth) == 20.0
    with pytest.raises(AsebenchError, match="top-7 overlap"):
        top_overlap(truth, truth, 7)


def _table(supernet: list[float], seed1: list[float], seed2: list[float]) -> pd.DataFrame:
    n = len(supernet)
    rows = []
    for seed, values in ((1, seed1), (2, seed2)):
        for i in range(n):
            rows.append({"net": i, "arch": f"a{i}", "madds_m": float(i + 1),
                         "params_m": float(n - i), "supernet_top1": supernet[i], "seed": seed,
                         "standalone_top1": values[i]})
    return pd.DataFrame(rows)


def test_summary_rows() -> None:
    truth = [60.0, 62.0, 61.0, 70.0, 65.0, 72.0, 68.0]
    table = _table(supernet=truth, seed1=[t - 0.5 for t in truth],
                   seed2=[t + 0.5 for t in truth])
    summary = summarize(table, resamples=200, seed=0).set_index("predictor")
    assert list(summary.index) == ["supernet score", "stand-alone seed 1", "MAdds", "params"]
    a = summary.loc["supernet score"]
    assert a["comparison"] == "a" and a["tau"] == 1.0 and a["rho"] == 1.0
    assert a["top_overlap"] == 5 and a["top_k"] == 5 and a["regret_top1"] == 0.0
    assert summary.loc["stand-alone seed 1", "truth"] == "stand-alone seed 2"
    assert summary.loc["stand-alone seed 1", "tau"] == 1.0
    # params are MAdds reversed here: exactly opposite rank correlations
    assert summary.loc["params", "tau"] == pytest.approx(-summary.loc["MAdds", "tau"])
    assert summary.loc["MAdds", "picked_net"] == 6 and summary.loc["params", "picked_net"] == 0
    assert summary.loc["params", "regret_top1"] == pytest.approx(12.0)
    assert summary.loc["MAdds", "tau_low"] <= summary.loc["MAdds", "tau"] <= \
        summary.loc["MAdds", "tau_high"]


def test_tau_difference_is_paired() -> None:
    truth = np.arange(12.0)
    diff, low, high = tau_difference(truth, truth[::-1], truth, resamples=300)
    assert diff == pytest.approx(2.0) and low == pytest.approx(2.0) == high
    same, low, high = tau_difference(truth, truth, truth, resamples=300)
    assert same == 0.0 and low == 0.0 == high  # paired: no spread for the same predictor
    with pytest.raises(AsebenchError, match="three equally long"):
        tau_difference(truth, truth[:5], truth)


def test_goal_checks_on_known_values() -> None:
    truth = [60.0, 62.0, 61.0, 70.0, 65.0, 72.0, 68.0, 66.0, 63.0, 71.0]
    # the supernet ranks perfectly; MAdds (net index) and params (reversed) do not
    table = _table(supernet=truth, seed1=[t - 0.5 for t in truth],
                   seed2=[t + 0.5 for t in truth])
    goal = goal_checks(table, summarize(table, resamples=200), resamples=200)
    assert goal["met"].tolist() == [True, True, True, True]
    assert goal.loc[0, "value"] == pytest.approx(1.0)
    assert goal.loc[1, "value"] == pytest.approx(0.0)
    # a supernet that is no better than counting MAdds fails the last check
    rising = [60.0, 61.0, 63.0, 62.0, 64.0, 66.0, 65.0, 67.0, 69.0, 68.0]
    madds_like = _table(supernet=[float(i) for i in range(10)], seed1=rising, seed2=rising)
    goal = goal_checks(madds_like, summarize(madds_like, resamples=200), resamples=200)
    # tau 0.78 >= 0.5, but 0.22 below the ceiling of 1 and no better than MAdds
    assert goal["met"].tolist() == [True, False, False, True]
    assert goal.loc[2, "value"] == pytest.approx(0.0) and goal.loc[2, "low"] == pytest.approx(0.0)


def test_summary_needs_every_training() -> None:
    table = _table([1.0, 2, 3, 4, 5], [1.0, 2, 3, 4, 5], [1.0, 2, 3, 4, 5])
    with pytest.raises(AsebenchError, match="lacks trainings"):
        summarize(table.drop(index=3))


# -- the study ----------------------------------------------------------------------------

def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args, prog_name="asebench")
    out = capsys.readouterr()
    return int(exit_info.value.code), out.out, out.err


def _copy(study: Path, to: Path, edit: Callable[[dict[str, Any]], object] | None = None
          ) -> Path:
    """A copy of ``study`` at ``to``, its stored settings changed by ``edit``."""
    shutil.copytree(study, to)
    if edit is not None:
        settings = json.loads((to / "fidelity.json").read_text())
        edit(settings)
        (to / "fidelity.json").write_text(json.dumps(settings))
    return to


def _args(ckpt: Path, data: Path, out: Path, *extra: str) -> list[str]:
    return ["supernet", "fidelity", "--supernet", str(ckpt), "--data", str(data), "--out",
            str(out), *TINY, *extra]


@pytest.fixture(scope="module")
def study(trained_supernet: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
          ) -> Path:
    """An uninterrupted tiny study through the command line."""
    ckpt, data = trained_supernet
    out = tmp_path_factory.mktemp("fidelity") / "whole"
    with pytest.raises(SystemExit) as exit_info:
        cli.main(_args(ckpt, data, out), prog_name="asebench")
    assert exit_info.value.code == 0
    return out


def test_the_study_writes_its_report(study: Path) -> None:
    assert sorted(p.name for p in study.iterdir()) == sorted(
        [*FILES, "fidelity.json", "trainings"])
    table = pd.read_csv(study / "standalone.csv")
    assert len(table) == 10 and sorted(table["seed"].unique()) == [1, 2]
    assert table.groupby("net").size().tolist() == [2] * 5
    per_net = table.drop_duplicates("net")
    assert per_net["madds_m"].is_monotonic_increasing  # spread over the MAdds range
    assert per_net["arch"].nunique() == 5
    assert table["standalone_top1"].between(0, 100).all()
    # the supernet's score is one number per net, the same on both seed rows
    assert (table.groupby("net")["supernet_top1"].nunique() == 1).all()
    summary = pd.read_csv(study / "summary.csv")
    assert summary["comparison"].tolist() == ["a", "b", "c", "c"]
    assert summary["predictor"].tolist() == ["supernet score", "stand-alone seed 1", "MAdds",
                                             "params"]
    assert (summary["n"] == 5).all() and (summary["top_k"] == 5).all()
    settings = json.loads((study / "fidelity.json").read_text())
    assert settings["seeds"] == [1, 2] and len(settings["archs"]) == 5
    assert settings["standalone"]["epochs"] == 1 and settings["device"] == "cpu"
    readme = (study / "README.md").read_text()
    assert "| (a) | supernet score | stand-alone mean |" in readme
    goal = pd.read_csv(study / "goal.csv")
    assert goal["check"].tolist()[0] == "supernet tau >= 0.5" and len(goal) == 4
    assert "## The goal" in readme and ("Met: every check." in readme or "Not met" in readme)
    assert "(fidelity.png)" in readme
    assert (study / "fidelity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_rerun_trains_nothing(study: Path, trained_supernet: tuple[Path, Path],
                                capsys: pytest.CaptureFixture[str]) -> None:
    ckpt, data = trained_supernet
    before = {p.name: p.read_bytes() for p in (study / "trainings").iterdir()}
    code, out, err = _run(_args(ckpt, data, study), capsys)
    assert code == 0, err
    assert "0 trainings run now, 10 stored before" in out
    assert {p.name: p.read_bytes() for p in (study / "trainings").iterdir()} == before


def test_a_killed_study_resumes_with_only_the_rest(study: Path, tmp_path: Path,
                                                   trained_supernet: tuple[Path, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    ckpt, data = trained_supernet
    out = tmp_path / "killed"
    killed = subprocess.run([sys.executable, str(HERE / "killed_fidelity.py"), "3",
                             *_args(ckpt, data, out)], capture_output=True, text=True,
                            timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    stored = {p.name: p.read_bytes() for p in (out / "trainings").iterdir()}
    assert len(stored) == 3 and not any((out / name).exists() for name in FILES)
    assert not [p for p in out.rglob(".*")]  # no temporary file left behind
    code, printed, err = _run(_args(ckpt, data, out, "--progress"), capsys)
    assert code == 0, err
    assert "3 of 10 stand-alone trainings stored, 7 to run" in err
    assert err.count("trained ") == 7 and "7 trainings run now, 3 stored before" in printed
    assert {n: (out / "trainings" / n).read_bytes() for n in stored} == stored
    # killed and resumed: the same numbers as the uninterrupted study
    whole = pd.read_csv(study / "standalone.csv").drop(columns="seconds")
    resumed = pd.read_csv(out / "standalone.csv").drop(columns="seconds")
    pd.testing.assert_frame_equal(resumed, whole)


@pytest.mark.parametrize("how", [{"workers": 2}, {"preload": False}],
                         ids=["two-workers", "streamed"])
def test_workers_and_streaming_give_the_same_numbers(how: dict[str, object], study: Path,
                                                     tmp_path: Path,
                                                     trained_supernet: tuple[Path, Path]
                                                     ) -> None:
    ckpt, data = trained_supernet
    config = FidelityConfig(archs=5, seeds=2, epochs=1, batch_size=8, calibration=16,
                            bootstrap=100, device="cpu", **how)  # type: ignore[arg-type]
    result = run_fidelity(ckpt, data, tmp_path / "other", config)
    assert result.trained == 10
    whole = pd.read_csv(study / "standalone.csv")
    for column in ("standalone_top1", "final_loss"):
        assert np.array_equal(result.table[column].to_numpy(), whole[column].to_numpy())


def test_an_earlier_study_is_listed_with_what_differs(
        study: Path, tmp_path: Path, trained_supernet: tuple[Path, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    ckpt, data = trained_supernet
    earlier = _copy(study, tmp_path / "earlier",
                    lambda settings: settings["standalone"].update(epochs=99))
    again = _copy(study, tmp_path / "again")
    code, out, err = _run(_args(ckpt, data, again, "--compare", str(earlier)), capsys)
    assert code == 0, err and "0 trainings run now" in out
    readme = (again / "README.md").read_text()
    assert "## Settings tried before" in readme
    assert "standalone.epochs: 99 (here 1)" in readme
    tried = readme.split("## Settings tried before")[1]
    assert "crop_scale" not in tried  # a tuple and the list it is stored as are one setting
    code, _, err = _run(_args(ckpt, data, again, "--compare", str(tmp_path)), capsys)
    assert code == 2 and "is not a finished fidelity study" in err and err.count("\n") == 1


def test_other_settings_are_refused(study: Path, trained_supernet: tuple[Path, Path],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    ckpt, data = trained_supernet
    before = sorted((p.name, p.stat().st_mtime_ns) for p in study.rglob("*"))
    code, _, err = _run(_args(ckpt, data, study, "--epochs", "2"), capsys)
    assert code == 2 and err.count("\n") == 1
    assert "holds a fidelity study with other settings (standalone differ)" in err
    assert sorted((p.name, p.stat().st_mtime_ns) for p in study.rglob("*")) == before


@pytest.mark.parametrize("case", ["no-checkpoint", "few-archs", "one-seed", "foreign-out",
                                  "no-data", "cuda", "stream-workers"])
def test_bad_input_exits_2_and_writes_nothing(case: str, tmp_path: Path,
                                              trained_supernet: tuple[Path, Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if case == "cuda" and torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    ckpt, data = trained_supernet
    out = tmp_path / "out"
    args = _args(ckpt, data, out)
    expected = {"no-checkpoint": "does not exist", "few-archs": "--archs must be >= 5",
                "one-seed": "--seeds must be >= 2", "foreign-out": "holds no fidelity study",
                "no-data": "data folder", "cuda": "CUDA is not available",
                "stream-workers": "--no-preload streams the images in this process"}[case]
    if case == "no-checkpoint":
        args[args.index("--supernet") + 1] = str(tmp_path / "none.pt")
    elif case == "few-archs":
        args += ["--archs", "3"]
    elif case == "one-seed":
        args += ["--seeds", "1"]
    elif case == "foreign-out":
        out.mkdir()
        (out / "notes.txt").write_text("mine")
    elif case == "no-data":
        args[args.index("--data") + 1] = str(tmp_path / "nowhere")
    elif case == "cuda":
        args += ["--device", "cuda"]
    else:
        args += ["--no-preload", "--workers", "2"]
    code, printed, err = _run(args, capsys)
    assert code == 2 and err.startswith("asebench: error: ") and err.count("\n") == 1, err
    assert expected in err and printed == ""
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == (["out"] if case == "foreign-out" else [])
    if case == "foreign-out":
        assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_a_supernet_variant_reuses_the_trainings(study: Path, tmp_path: Path,
                                                trained_supernet: tuple[Path, Path],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    ckpt, data = trained_supernet
    variant = tmp_path / "calibration-32"
    code, out, err = _run(_args(ckpt, data, variant, "--calibration", "32",
                                "--reuse-trainings", str(study), "--progress"), capsys)
    assert code == 0, err
    assert "10 stand-alone trainings copied from" in err
    assert "0 trainings run now, 10 stored before" in out
    whole = pd.read_csv(study / "standalone.csv")
    mine = pd.read_csv(variant / "standalone.csv")
    for column in ("arch", "seed", "standalone_top1", "final_loss"):
        assert mine[column].tolist() == whole[column].tolist()
    record = json.loads(next((variant / "trainings").iterdir()).read_text())
    assert record["copied_from"] == str(study.resolve())
    assert json.loads((variant / "fidelity.json").read_text())["calibration"] == 32
    assert ("; trained with phases full=2,kernel=1,depth=1:2,expand=1:2, random sub-networks, "
            "distillation from the full network (weight 1))") in (variant / "README.md").read_text()


def test_trainings_of_other_settings_are_not_reused(study: Path, tmp_path: Path,
                                                    trained_supernet: tuple[Path, Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    ckpt, data = trained_supernet
    out = tmp_path / "longer"
    code, _, err = _run(_args(ckpt, data, out, "--epochs", "2", "--reuse-trainings",
                              str(study)), capsys)
    assert code == 2 and err.count("\n") == 1
    assert "trained with other settings (standalone differ)" in err
    assert not out.exists()


def test_a_study_made_before_the_split_was_recorded_resumes_and_records_it(
        study: Path, tmp_path: Path, trained_supernet: tuple[Path, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    ckpt, data = trained_supernet
    legacy = ("split_sha256", "supernet_training")
    old = _copy(study, tmp_path / "old", lambda settings: [settings.pop(k) for k in legacy])
    code, _, err = _run(_args(ckpt, data, tmp_path / "new", "--reuse-trainings", str(old)),
                        capsys)
    assert code == 2 and "made before studies recorded their split" in err
    code, out, err = _run(_args(ckpt, data, old), capsys)
    assert code == 0 and "0 trainings run now" in out, err
    recorded = json.loads((old / "fidelity.json").read_text())
    original = json.loads((study / "fidelity.json").read_text())
    assert recorded["split_sha256"] == original["split_sha256"]
    assert recorded["supernet_training"] == original["supernet_training"]


def test_a_rerun_with_another_supernet_keeps_the_trainings_and_scores_again(
        study: Path, tmp_path: Path, trained_supernet: tuple[Path, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    ckpt, data = trained_supernet
    again = _copy(study, tmp_path / "again")
    other = tmp_path / "retrained.pt"  # the same weights in a new file: another sha256
    other.write_bytes(ckpt.read_bytes() + b"\0")
    before = {p.name: p.read_bytes() for p in (again / "trainings").iterdir()}
    code, out, err = _run(_args(other, data, again, "--calibration", "32", "--progress"),
                          capsys)
    assert code == 0, err
    assert "another supernet or recalibration than its last run" in err
    assert "0 trainings run now, 10 stored before" in out
    assert {p.name: p.read_bytes() for p in (again / "trainings").iterdir()} == before
    settings = json.loads((again / "fidelity.json").read_text())
    assert settings["calibration"] == 32
    assert settings["supernet_sha256"] != json.loads(
        (study / "fidelity.json").read_text())["supernet_sha256"]
