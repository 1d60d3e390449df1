"""The peers report builder (asebench.figures.peers_report) on tiny studies: the captions
count the seeds that ran, the tables carry the paired p-values, the files are written
atomically, and the limited section shows no paper columns."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from asebench.analysis import load
from asebench.errors import AsebenchError
from asebench.figures import peers_report
from asebench.figures.peers_report import (
    PeerStudy,
    peer_studies,
    run_peer_study,
    write_report,
)

SEEDS = 3
STUDIES = (
    PeerStudy("main", "ase,random,optuna[sampler=random]", SEEDS, chunk_size=SEEDS,
              why="tiny"),
    PeerStudy("nevergrad", "ase,synetune", 2, chunk_size=2, why="a second study"),
    PeerStudy("flops", "ase,optuna[sampler=random]", 2, constraint="flops_m<=p25",
              chunk_size=2, why="limited"),
    PeerStudy("nbgraph", "ase,synetune[preset=informed]", 2, chunk_size=2,
              benchmark="nas-bench-graph", budget_queries=10, datasets=("cora", "proteins"),
              why="another benchmark"),
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("studies")
    for study in STUDIES:
        run_peer_study(study, root, workers=1, progress=False)
    out = root.parent / "report"
    write_report(root, out, STUDIES)
    return root, out


def test_the_report_counts_the_seeds_that_ran(built: tuple[Path, Path]) -> None:
    root, out = built
    text = (out / "README.md").read_text()
    assert "Seeds: ASE-NAS 3; Random search 3; Optuna random 3; Syne Tune REA 2 seeds per " \
           "dataset" in text
    assert f"- `main`: {STUDIES[0].methods} — {SEEDS} seeds (tiny)" in text
    assert f"- `nevergrad`: {STUDIES[1].methods} — 2 seeds (a second study)" in text
    assert "## Under `flops_m<=p25` (2 seeds per dataset)" in text
    runs = pd.read_parquet(root / "main" / "runs")
    assert runs.groupby(["label", "dataset"]).size().eq(SEEDS).all()
    table = pd.read_csv(out / "peers_table.csv")
    assert set(table.loc[table["label"] != "ase", "n"]) == {SEEDS, 2}


def test_the_tables_carry_paired_p_values(built: tuple[Path, Path]) -> None:
    _, out = built
    text = (out / "README.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| Random search |")]
    assert rows and re.search(r"Δ [+-]\d+\.\d\d, p=[\d.e+-]+", rows[0])
    assert "| Dataset | n (Optuna / asebench) |" in text
    assert f"| CIFAR-10 | {SEEDS} / {SEEDS} |" in text
    assert "Mann-Whitney" in text and (out / "anchor.csv").is_file()
    table = pd.read_csv(out / "peers_table.csv")
    assert table.loc[table["label"] != "ase", "p_value"].notna().all()


def test_every_cifar100_row_says_whether_it_is_decided(built: tuple[Path, Path]) -> None:
    root, out = built
    table = pd.read_csv(out / "peers_table.csv")
    rows = table[(table["label"] != "ase") & (table["dataset"] == "cifar100")]
    assert len(rows) == 3 and rows["diff_sd"].notna().all()
    runs = load(root / "main").runs
    runs = runs[runs["dataset"] == "cifar100"].pivot(index="seed", columns="label",
                                                     values="test_accuracy")
    optuna = rows[rows["label"] == "optuna[sampler=random]"].iloc[0]
    assert optuna["diff_sd"] == pytest.approx(
        (runs["optuna[sampler=random]"] - runs["ase"]).std(ddof=1))
    half = (rows["ci_high"] - rows["ci_low"]) / 2
    decided = (rows["ci_low"] > 0) | (rows["ci_high"] < 0) | (half <= 0.15)
    assert rows["decided"].tolist() == decided.tolist()
    # the detectable difference shrinks as 1/sqrt(n): 2.80 sd / sqrt(n)
    assert rows["detectable_80"].to_numpy() == pytest.approx(
        2.8016 * rows["diff_sd"].to_numpy() / rows["n"].to_numpy() ** 0.5, rel=1e-3)
    text = (out / "README.md").read_text()
    assert "## Decided on CIFAR-100?" in text


def test_the_limited_section_has_no_paper_columns(built: tuple[Path, Path]) -> None:
    _, out = built
    limited = (out / "README.md").read_text().split("## Under `flops_m<=p25`")[1]
    header = next(line for line in limited.splitlines() if line.startswith("| Method"))
    assert "paper" not in header and header.count("|") == 5
    assert "regret" in limited


def test_the_files_are_written_atomically(built: tuple[Path, Path],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root, out = built
    for name in ("README.md", "peers_table.csv", "anchor.csv", "peers_anytime_fast.png",
                 "peers_anytime_fast.csv", "peers_anytime_slow.png"):
        assert (out / name).stat().st_size > 0, name
    before = (out / "README.md").read_bytes()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    # a write that fails at the rename leaves the old files whole and no temp file behind
    monkeypatch.setattr("asebench._atomic.os.replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_report(root, out, STUDIES)
    assert (out / "README.md").read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_a_missing_main_study_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(AsebenchError, match="no finished main peer study"):
        write_report(tmp_path, tmp_path / "out", STUDIES)
    assert peers_report.main(["--only", "nope", "--studies", str(tmp_path),
                              "--out", str(tmp_path / "o")]) == 2


def test_every_slow_library_gets_at_least_20_paired_seeds() -> None:
    studies = {s.name: s for s in peer_studies()}
    assert studies["main"].seeds == 500
    for name in ("nevergrad", "synetune-tpe", "smac", "synetune-bore"):
        assert studies[name].seeds >= 20 and studies[name].methods.startswith("ase,")
    limited = [s for s in studies.values() if s.constraint]
    # the fast libraries under each limit, with their defaults (the informed row runs only
    # unlimited: its expected number of queries is the same setting with a smaller space)
    assert limited and all(s.methods == peers_report.CONSTRAINED for s in limited)
    assert set(peers_report.CONSTRAINED.split(",")) <= set(studies["main"].methods.split(","))


def test_the_slow_libraries_get_more_seeds_on_cifar100_without_running_a_seed_twice() -> None:
    studies = {s.name: s for s in peer_studies(smac_seeds=20, smac_cifar100_seeds=50,
                                               bore_seeds=30, bore_cifar100_seeds=10)}
    smac, decisive = studies["smac"], studies["smac-cifar100"]
    assert smac.spec().datasets == ("cifar10", "ImageNet16-120") and smac.seeds == 20
    assert decisive.spec().datasets == ("cifar100",) and decisive.seeds == 50
    assert decisive.methods == smac.methods
    assert decisive.describe() == "ase,smac on CIFAR-100"
    # no more seeds wanted on CIFAR-100: one study on all three datasets
    assert "synetune-bore-cifar100" not in studies
    assert studies["synetune-bore"].spec().datasets == ("cifar10", "cifar100", "ImageNet16-120")


def test_another_benchmark_gets_its_own_section_and_stays_out_of_the_nb201_tables(
        built: tuple[Path, Path]) -> None:
    root, out = built
    text = (out / "README.md").read_text()
    section = text[text.index("## NAS-Bench-Graph (2 seeds per dataset)"):]
    assert "ase,synetune[preset=informed], 10 queries per run" in section
    assert "| ASE-NAS | " in section and "cora" in section and "proteins" in section
    runs = load(root / "nbgraph").runs
    assert (runs["queries"] == 10).all()  # the informed row knew its number of queries
    table = pd.read_csv(out / "peers_table.csv")
    assert not table["dataset"].isin(["cora", "proteins"]).any()


def test_the_nbgraph_study_runs_the_fast_libraries_and_bananas_on_100_queries() -> None:
    study = {s.name: s for s in peer_studies()}["nbgraph"]
    spec = study.spec()
    assert spec.backend == "nas-bench-graph" and spec.budget_queries == 100
    assert study.seeds == 500 and len(spec.datasets) == 9 and spec.datasets[0] == "cora"
    assert set(peers_report.FAST.split(",")) | {"bananas"} == set(study.methods.split(","))


def test_the_report_says_what_each_study_cost(built: tuple[Path, Path]) -> None:
    root, out = built
    text = (out / "README.md").read_text()
    section = text.split("## What it costs")[1].split("\n## ")[0]
    total = 0.0
    for study in STUDIES:
        runs = load(root / study.name).runs
        total += runs["wall_seconds"].sum()
        assert f"| `{study.name}` | {len(runs):,} | {runs['wall_seconds'].sum() / 60:.1f} |" \
            in section
    assert f"({total / 3600:.1f} h of runs)" in section and "on 1 worker(s)" in section
