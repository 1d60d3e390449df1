"""Table I statistics and rendering, on a small real study and on known numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import wilcoxon

from asebench.analysis import (
    PAPER_TABLE1,
    bootstrap_mean_ci,
    display_name,
    load,
    paired_comparison,
    table1,
    to_latex,
    to_markdown,
)
from asebench.errors import AsebenchError
from asebench.study import MethodSpec, StudySpec, run_study


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory):
    spec = StudySpec(methods=(MethodSpec("random"),
                              MethodSpec("random", {}, label="random-again")),
                     datasets=("cifar10", "cifar100"), seeds=5, budget_s=3_000.0)
    return load(run_study(spec, tmp_path_factory.mktemp("t1") / "s", workers=1,
                          progress=False))


def test_paper_numbers_are_the_published_ones() -> None:
    assert PAPER_TABLE1["ase"]["cifar100"] == (72.76, 0.80)
    assert PAPER_TABLE1["ase+"]["ImageNet16-120"] == (46.66, 0.52)
    assert PAPER_TABLE1["random"]["cifar10"] == (93.88, 0.27)
    assert "cifar10" not in PAPER_TABLE1["ase+"]
    assert display_name("ase[K=6]") == "ASE-NAS [K=6]" and display_name("x") == "x"
    assert display_name("ase+[K=6]") == "ASE-NAS+ [K=6]"


def test_an_option_that_picks_another_algorithm_names_that_algorithm() -> None:
    pytest.importorskip("optuna")
    # Optuna's default sampler is TPE: its random sampler must not read "Optuna TPE"
    assert display_name("optuna") == "Optuna TPE"
    assert display_name("optuna[sampler=random]") == "Optuna random [sampler=random]"


def test_paired_comparison_matches_scipy_and_bootstrap_brackets_mean() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(1.0, 1.0, 200)
    b = a - rng.normal(0.3, 0.2, 200)
    result = paired_comparison(a, b)
    assert result.n == 200
    assert result.mean_diff == pytest.approx(np.mean(a - b))
    assert result.p_value == pytest.approx(wilcoxon(a - b).pvalue)
    assert result.ci_low < result.mean_diff < result.ci_high
    assert result.ci_high - result.ci_low < 0.1
    assert paired_comparison(a, a).p_value == 1.0
    assert bootstrap_mean_ci(np.full(7, 2.5)) == (2.5, 2.5)
    assert bootstrap_mean_ci(a - b) == bootstrap_mean_ci(a - b)  # seeded, deterministic


def test_table1_summarises_runs_and_compares_on_paired_seeds(study) -> None:
    table = table1(study, reference="random")
    runs = study.runs
    assert list(table["label"]) == ["random", "random", "random-again", "random-again"]
    mine = runs[(runs.label == "random") & (runs.dataset == "cifar100")]["test_accuracy"]
    row = table[(table.label == "random") & (table.dataset == "cifar100")].iloc[0]
    assert row["mean"] == pytest.approx(mine.mean()) and row["std"] == pytest.approx(mine.std())
    assert row["paper_mean"] == 71.54 and np.isnan(row["p_value"])
    # same method, same seeds: paired differences are exactly zero
    again = table[table.label == "random-again"]
    assert (again["diff_mean"] == 0).all() and (again["p_value"] == 1.0).all()
    assert (again["diff_sd"] == 0).all()
    assert table.loc[table.label == "random", "diff_sd"].isna().all()
    assert table.attrs["reward_column"] == "vtao_test_acc_12_single"
    assert table.attrs["budget_s"] == 3_000.0


def test_renderers_name_reward_column_and_data_table(study) -> None:
    table = table1(study, reference="random")
    text = to_markdown(table)
    assert "| Random search |" in text and "93.88 ± 0.27" in text
    assert "vtao_test_acc_12_single" in text and "12-epoch proxy" in text
    assert study.metadata["study"]["data"]["sha256"][:12] in text
    assert "Paired comparison with Random search" in text and "p = 1.000" in text
    latex = to_latex(table)
    assert latex.count(r"\begin{tabular}") == 2 and r"$\pm$" in latex
    assert "vtao\\_test\\_acc\\_12\\_single" in latex or "vtao_test_acc_12_single" in latex


def test_load_rejects_non_study(tmp_path: Path) -> None:
    with pytest.raises(AsebenchError, match="not a study"):
        load(tmp_path)
