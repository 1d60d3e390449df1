"""``asebench figures`` end to end on the real table with very few seeds and a short budget."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from asebench.cli import cli

FILES = {
    "README.md", "table1.md", "index.html",
    "fig6_distance.png", "fig6_distance.pdf", "fig6_distance.csv",
    "fig7_subspace_update.png", "fig7_subspace_update.pdf", "fig7_subspace_update.csv",
    "fig8_reward_graph.png", "fig8_reward_graph.pdf", "fig8_reward_graph_curves.csv",
    "fig8_reward_graph_subspaces.csv",
    "fig9_k_m.png", "fig9_k_m.pdf", "fig9_k_m.csv",
    "policy.png", "policy.pdf", "policy_curves.csv", "policy_summary.csv",
    "anytime.png", "anytime.pdf", "anytime.csv",
    "space_evolution.png", "space_evolution.pdf", "space_evolution.csv",
}
HARDWARE_FILES = {
    "README.md", "hardware.png", "hardware.pdf", "hardware.csv",
    "hardware_pareto.png", "hardware_pareto.pdf", "hardware_pareto_answers.csv",
    "hardware_pareto_front.csv",
}
ARGS = ["--seeds", "2", "--budget", "3000", "--workers", "1", "--no-progress"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("figures")
    out, studies = root / "reports", root / "studies"
    result = CliRunner().invoke(cli, ["figures", "--out", str(out), "--study-root",
                                      str(studies), *ARGS])
    assert result.exit_code == 0, result.output
    return out, studies


@pytest.mark.slow
def test_figures_writes_every_file(report):
    out, _ = report
    assert {p.name for p in out.iterdir()} == FILES
    readme = (out / "README.md").read_text()
    for stem in ("fig6_distance", "fig7_subspace_update", "fig8_reward_graph", "fig9_k_m",
                 "policy", "anytime", "space_evolution"):
        assert f"]({stem}.png)" in readme
    # 7 paper entries (figures, policy, anytime, Table I) + space evolution
    assert readme.count("```sh\nasebench figures") == 8
    assert "hardware.png" not in readme
    assert "MobileNet space on ImageNet" in readme  # Figs. 8/9 say where the paper ran them
    assert "ASE-NAS arms use the paper's hyper-parameters" in readme


@pytest.mark.slow
def test_figures_numbers_come_from_the_studies(report):
    out, studies = report
    from asebench.analysis import load

    fig6 = pd.read_csv(out / "fig6_distance.csv")
    assert fig6.loc[(fig6.dataset == "cifar10") & (fig6.distance == 1), "pairs"].item() == 375000
    fig7 = pd.read_csv(out / "fig7_subspace_update.csv")
    assert set(fig7["label"]) == {"random", "random-in-subspace", "ase-no-update", "ase"}
    assert (fig7["n"] == 2).all() and len(fig7) == 12
    table1 = [load(p) for p in studies.iterdir() if p.name.startswith("table1")]
    assert len(table1) == 1
    runs = table1[0].runs
    # the reference arm is Table I's ASE-NAS with the ablation base options (the paper's)
    ase = runs[(runs.label == "ase") & (runs.dataset == "cifar100")]["test_accuracy"]
    row = fig7[(fig7.label == "ase") & (fig7.dataset == "cifar100")]
    assert row["mean"].item() == pytest.approx(ase.mean(), rel=1e-5)
    fig9 = pd.read_csv(out / "fig9_k_m.csv")
    assert sorted(fig9[fig9.param == "K"]["value"]) == [1, 2, 3, 4, 5, 6]
    assert sorted(fig9[fig9.param == "M"]["value"]) == [1, 2, 3, 4, 5, 6]
    # the K=4 and M=4 points are the shared default ase runs on the ablation dataset
    base = runs[(runs.label == "ase") & (runs.dataset == "ImageNet16-120")][
        "test_accuracy"]
    for param in ("K", "M"):
        point = fig9[(fig9.param == param) & (fig9.value == 4)]["mean"].item()
        assert point == pytest.approx(base.mean(), rel=1e-5)
    policy = pd.read_csv(out / "policy_summary.csv")
    assert set(policy["label"]) == {"ase", "ase-unbounded", "ase-uniform"}
    bounded = policy[(policy.label == "ase") & (policy.dataset == "cifar100")]
    assert bounded["mean"].item() == pytest.approx(ase.mean(), rel=1e-5)
    uniform = policy[policy.label == "ase-uniform"]["final_entropy_fraction"]
    assert (uniform == 1.0).all()
    anytime = pd.read_csv(out / "anytime.csv")
    assert set(anytime["label"]) == set(runs["label"])
    assert anytime["seconds"].max() <= 3000


@pytest.mark.slow
def test_second_call_reuses_the_cached_studies(report):
    out, studies = report
    shards = {p: p.stat().st_mtime_ns for p in studies.rglob("shards/*.parquet")}
    before = {p.name: p.read_bytes() for p in out.glob("*.csv")}
    result = CliRunner().invoke(cli, ["figures", "--out", str(out), "--study-root",
                                      str(studies), *ARGS])
    assert result.exit_code == 0, result.output
    assert shards and {p: p.stat().st_mtime_ns for p in shards} == shards
    assert {p.name: p.read_bytes() for p in out.glob("*.csv")} == before


@pytest.mark.slow
def test_the_hardware_part_writes_its_own_folder_and_adds_only_its_studies(report, tmp_path):
    out, studies = report
    before = {p.name for p in studies.iterdir()}
    hardware = tmp_path / "hardware"
    result = CliRunner().invoke(cli, ["figures", "--part", "hardware", "--out", str(hardware),
                                      "--study-root", str(studies), *ARGS])
    assert result.exit_code == 0, result.output
    assert {p.name for p in hardware.iterdir()} == HARDWARE_FILES
    added = {p.name for p in studies.iterdir()} - before
    assert len(added) == 8 and all(name.startswith("hardware-") for name in added)
    readme = (hardware / "README.md").read_text()
    assert "](hardware.png)" in readme and "](hardware_pareto.png)" in readme
    assert readme.count("```sh\nasebench figures --part hardware") == 2
    assert "Fig. 6" not in readme
    runs = pd.read_csv(hardware / "hardware.csv")
    assert (runs["n"] == 2).all()


def test_bad_options_are_one_line_errors(tmp_path):
    result = CliRunner().invoke(cli, ["figures", "--seeds", "2", "--ablation-seeds", "5",
                                      "--out", str(tmp_path / "r"), "--study-root",
                                      str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "ablation seeds (5) cannot exceed seeds (2)" in result.output
    assert not (tmp_path / "s").exists()
    result = CliRunner().invoke(cli, ["figures", "--ablation-dataset", "mnist",
                                      "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "mnist" in result.output
