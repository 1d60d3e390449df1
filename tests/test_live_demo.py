"""The live demo end to end on a subset of the real digits (``make live-demo`` in seconds)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sklearn")

from asebench.errors import AsebenchError  # noqa: E402
from asebench.livedemo import QUICK, DemoResult, rank_fidelity, run_demo, spread_archs  # noqa: E402


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live-demo")


@pytest.fixture(scope="module")
def demo(root: Path) -> DemoResult:
    return run_demo(root / "report", QUICK, work=root / "work", log=lambda _: None)


def test_supernet_learns_real_digits(demo: DemoResult) -> None:
    largest = demo.supernet.set_index("role").loc["largest"]
    # chance is 10% on the class-balanced test split
    assert largest["test_top1"] >= 40.0
    assert demo.history["phase"].tolist() == [p.name for p in QUICK.phases
                                              for _ in range(p.epochs)]


def test_search_answers_within_the_cap(demo: DemoResult) -> None:
    runs, queried = demo.runs, demo.queried
    assert sorted(runs["method"].unique()) == ["ase", "random"]
    assert len(runs) == 2 * QUICK.search_seeds
    assert runs["feasible"].all() and (runs["madds_m"] <= demo.cap).all()
    assert (queried["madds_m"] <= demo.cap).all()  # nothing infeasible was scored
    assert (runs["queries"] <= QUICK.queries).all()
    assert runs.groupby("method")["seed"].apply(list).tolist() == \
        [list(range(QUICK.search_seeds))] * 2


def test_search_went_through_a_study(demo: DemoResult, root: Path) -> None:
    from asebench.store import verify_study

    study = Path(demo.study)
    assert study == root / "work" / "study"
    metadata = json.loads((study / "metadata.json").read_text())
    assert metadata["status"] == "complete" and verify_study(study) == []
    config = metadata["study"]
    assert config["backend"] == "live" and config["seeds"] == QUICK.search_seeds
    assert config["budget_queries"] == QUICK.queries
    assert config["constraints"]["expressions"] == [f"madds_m<={demo.cap:g}"]
    assert config["backend_options"]["test_data"] == str(root / "work" / "digits" / "test")
    ase = next(m for m in config["methods"] if m["label"] == "ase")
    assert {k: ase["options"][k] for k in ("K", "M", "lr", "entropy_weight")} == \
        {"K": 10, "M": 3, "lr": 3e-4, "entropy_weight": 1e-3}  # the live backend's defaults
    assert "separate test split" in metadata["reward_columns"]["digits"]
    stored = pd.read_parquet(study / "runs")
    assert stored["reward"].tolist() == demo.runs["valid_top1"].tolist()
    assert len(pd.read_parquet(study / "traces")) == len(demo.queried)


def test_a_rerun_reuses_the_finished_study(demo: DemoResult, root: Path) -> None:
    from asebench.livedemo._search import run_searches, search_spec

    work = root / "work"
    spec = search_spec(work / "supernet.pt", work / "digits", work / "digits" / "test",
                       demo.cap, QUICK.methods, QUICK.search_seeds, QUICK.queries, QUICK.seed,
                       QUICK.calibration)
    before = pd.read_parquet(Path(demo.study) / "runs")
    study = run_searches(spec, work / "study")
    metadata = json.loads((study / "metadata.json").read_text())
    assert len(metadata["history"]) == 1 and metadata["status"] == "complete"
    pd.testing.assert_frame_equal(pd.read_parquet(study / "runs"), before)


def test_answers_are_reported_on_the_test_split(demo: DemoResult, root: Path) -> None:
    from asebench.supernet import Scorer, load_images, read_checkpoint, scan_image_folder

    work = root / "work"
    valid = Scorer.from_checkpoint(work / "supernet.pt", work / "digits", device="cpu",
                                   calibration=QUICK.calibration, seed=QUICK.seed)
    classes = read_checkpoint(work / "supernet.pt").classes
    test = Scorer(valid.supernet, load_images(scan_image_folder(
        work / "digits" / "test", classes=classes), QUICK.size), valid.calibration)
    answers = [valid.space.from_string(a) for a in demo.runs["arch"]]
    assert demo.runs["test_top1"].tolist() == [test.score(a).top1 for a in answers]
    assert demo.runs["valid_top1"].tolist() == [valid.score(a).top1 for a in answers]
    assert (demo.runs["test_top1"] != demo.runs["valid_top1"]).any()


def test_ranking_and_report(demo: DemoResult) -> None:
    out = Path(demo.out)
    rank = pd.read_csv(out / "ranking.csv")
    assert len(rank) == QUICK.rank_archs and rank["madds_m"].is_monotonic_increasing
    assert {"supernet.png", "search.png", "ranking.png", "README.md", "config.json",
            "search_runs.csv", "supernet.csv"} <= {p.name for p in out.iterdir()}
    readme = (out / "README.md").read_text()
    largest = demo.supernet.set_index("role").loc["largest", "test_top1"]
    assert f"{largest:.1f}%" in readme and "No GPU" in readme
    assert json.loads((out / "config.json").read_text())["queries"] == QUICK.queries


def test_rank_fidelity_statistics() -> None:
    truth = np.arange(10.0)
    perfect = rank_fidelity(truth, truth, resamples=200)
    assert perfect.tau == pytest.approx(1.0) and perfect.rho == pytest.approx(1.0)
    assert perfect.tau_low == pytest.approx(1.0)
    reverse = rank_fidelity(truth[::-1], truth, resamples=200)
    assert reverse.tau == pytest.approx(-1.0) and reverse.tau_high == pytest.approx(-1.0)
    noisy = rank_fidelity(np.random.default_rng(0).normal(size=10), truth, resamples=500)
    assert noisy.tau_low < noisy.tau < noisy.tau_high
    with pytest.raises(AsebenchError):
        rank_fidelity([1.0, 2.0], [1.0, 2.0])


def test_spread_archs_span_the_madds_range() -> None:
    from asebench.supernet import analytic_cost, get_config

    config = get_config("tiny", num_classes=10, resolution=16)
    space = config.space()

    def madds(arch: tuple[int, ...]) -> float:
        return analytic_cost(config, space.decode(arch)).madds_m

    archs = spread_archs(space, madds, 10, seed=0, pool=300)
    costs = [madds(a) for a in archs]
    assert len(set(archs)) == 10 and costs == sorted(costs)
    assert archs[0] == space.canonical(space.smallest())
    assert archs[-1] == space.canonical(space.largest())
    assert archs == spread_archs(space, madds, 10, seed=0, pool=300)


FASHION = Path("/usr/share/datasets/fashion-mnist")
needs_fashion = pytest.mark.skipif(
    not (FASHION / "train-images-idx3-ubyte.gz").exists(),
    reason="Fashion-MNIST's IDX files are absent (apt-get install dataset-fashion-mnist)")


@needs_fashion
def test_fashion_mnist_demo_on_the_official_test_split(tmp_path: Path) -> None:
    from dataclasses import replace

    from asebench.livedemo import demo_config

    config = replace(demo_config("fashion-mnist", quick=True), workers=2)
    result = run_demo(tmp_path / "report", config, work=tmp_path / "work", log=lambda _: None)
    manifest = json.loads((tmp_path / "report" / "fashion-mnist.json").read_text())
    assert manifest["dataset"] == "fashion-mnist" and manifest["verified"]
    assert manifest["test_counts"] == [QUICK.test_per_class] * 10
    # the search ran in 2 worker processes and reported on the exported official test split
    metadata = json.loads((Path(result.study) / "metadata.json").read_text())
    assert metadata["study"]["backend_options"]["test_data"] == \
        str(tmp_path / "work" / "fashion-mnist" / "test")
    assert len(result.runs) == 2 * config.search_seeds and result.runs["feasible"].all()
    assert result.ranking.empty  # the ranking study is `asebench supernet fidelity`
    files = {p.name for p in (tmp_path / "report").iterdir()}
    assert "ranking.csv" not in files and "search_runs.csv" in files
    readme = (tmp_path / "report" / "README.md").read_text()
    assert "Fashion-MNIST" in readme and "../fidelity/README.md" in readme
    assert "95% bootstrap CI" in readme


def test_a_folder_without_the_idx_files_is_one_line_and_nothing_written(
        tmp_path: Path) -> None:
    import subprocess
    import sys

    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run([sys.executable, "-m", "asebench.livedemo", "--out",
                           str(tmp_path / "r"), "--work", str(tmp_path / "w"), "--data",
                           str(empty)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "lacks" in done.stderr
    assert not (tmp_path / "r").exists() and not (tmp_path / "w").exists()
