"""``asebench rank``: average ranks over every task of real studies (the embedded NB201 table
and NAS-Bench-Graph), the Friedman and Nemenyi tests, the merge and missing-method rules, the
files written and the one-line refusals of bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from asebench.analysis import load
from asebench.cli import cli
from asebench.errors import AsebenchError
from asebench.ranking import (
    FILES,
    choose_block,
    collect_runs,
    critical_difference,
    rank_studies,
    write_ranks,
)
from asebench.study import MethodSpec, StudySpec, parse_methods, run_study

NB201 = ("cifar10", "cifar100", "ImageNet16-120")
GRAPH = ("cora", "citeseer", "pubmed")
BUDGET_S = 2000.0


def _study(root: Path, name: str, methods: str | tuple[MethodSpec, ...], seeds: int,
           **options: object) -> Path:
    specs = parse_methods(methods) if isinstance(methods, str) else methods
    spec = StudySpec(methods=specs, seeds=seeds, **options)  # type: ignore[arg-type]
    return run_study(spec, root / name, workers=1, progress=False)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rank")


@pytest.fixture(scope="module")
def nb201(root: Path) -> Path:
    """ase, random, local on the three NB201 datasets, 5 paired seeds, 2,000 simulated s."""
    return _study(root, "nb201", "ase,random,local", 5, budget_s=BUDGET_S)


@pytest.fixture(scope="module")
def graph(root: Path) -> Path:
    """ase, ase+ (from cora, so not on cora), random, local on three NAS-Bench-Graph
    datasets, 4 paired seeds, 20 queries."""
    return _study(root, "graph", "ase,ase+,random,local", 4, backend="nas-bench-graph",
                  datasets=GRAPH, budget_queries=20)


@pytest.fixture(scope="module")
def peers(root: Path) -> Path:
    """A second study on the NB201 tasks (the same protocol, budget and master seed): ase
    again on 3 seeds, and evolution."""
    return _study(root, "peers", "ase,evolution", 3, budget_s=BUDGET_S)


def _means(study: Path, seeds: int | None = None) -> pd.DataFrame:
    """datasets x labels: mean test accuracy, computed here from the runs themselves."""
    runs = load(study).runs
    if seeds is not None:
        runs = runs[runs["seed"] < seeds]
    return runs.pivot_table(index="dataset", columns="label", values="test_accuracy",
                            aggfunc="mean")


# --- the ranks and the tests ---------------------------------------------------------------


def test_known_ranks_on_the_embedded_table(nb201: Path) -> None:
    ranking = rank_studies([nb201])
    means = _means(nb201).loc[list(NB201)]
    expected = means.rank(axis=1, ascending=False).mean(axis=0)
    assert ranking.block.tasks == tuple(f"tabular:{d}" for d in NB201)
    assert ranking.block.labels == ("ase", "random", "local")
    pd.testing.assert_series_equal(ranking.mean_ranks.sort_index(), expected.sort_index(),
                                   check_names=False)
    # the searches are deterministic: these are the ranks of this study on any machine
    assert ranking.mean_ranks.round(4).to_dict() == {"local": 1.3333, "random": 1.6667,
                                                     "ase": 3.0}
    assert (ranking.scores.seeds == 5).all()
    np.testing.assert_allclose(ranking.scores.scores.to_numpy(), means[["ase", "random",
                                                                         "local"]].to_numpy())


def test_friedman_statistic_is_scipys_on_the_same_matrix(nb201: Path, graph: Path) -> None:
    ranking = rank_studies([nb201, graph])
    matrix = pd.concat([_means(nb201).loc[list(NB201)], _means(graph).loc[list(GRAPH)]])
    matrix = matrix[["ase", "random", "local"]].to_numpy()
    expected = stats.friedmanchisquare(*matrix.T)
    f = ranking.friedman
    assert (f.k, f.n) == (3, 6)
    assert f.statistic == pytest.approx(float(expected.statistic), rel=1e-12)
    assert f.p_value == pytest.approx(float(expected.pvalue), rel=1e-12)
    # without ties, Demsar's form from the average ranks gives the same statistic
    r = ranking.mean_ranks.to_numpy()
    k, n = 3, 6
    demsar = 12 * n / (k * (k + 1)) * (np.sum(r ** 2) - k * (k + 1) ** 2 / 4)
    assert f.statistic == pytest.approx(demsar, rel=1e-12)
    iman = (n - 1) * f.statistic / (n * (k - 1) - f.statistic)
    assert f.iman_davenport == pytest.approx(iman)
    assert f.iman_davenport_p == pytest.approx(float(stats.f.sf(iman, k - 1, (k - 1) * (n - 1))))


@pytest.mark.parametrize("k, q", [(2, 1.960), (3, 2.343), (4, 2.569), (5, 2.728), (6, 2.850),
                                  (7, 2.949), (8, 3.031), (9, 3.102), (10, 3.164)])
def test_critical_difference_matches_demsars_table(k: int, q: float) -> None:
    for n in (5, 12):
        assert critical_difference(k, n) == pytest.approx(
            q * np.sqrt(k * (k + 1) / (6 * n)), abs=2e-3)


def test_nemenyi_p_values_agree_with_the_critical_difference(nb201: Path, graph: Path) -> None:
    ranking = rank_studies([nb201, graph], alpha=0.3)
    p = ranking.p_values
    assert np.allclose(p.to_numpy(), p.to_numpy().T) and np.allclose(np.diag(p), 1.0)
    means = ranking.mean_ranks
    table = ranking.pvalue_table()
    assert len(table) == 3
    for row in table.itertuples():
        gap = abs(means[row.label_a] - means[row.label_b])
        assert row.rank_difference == pytest.approx(gap)
        assert row.significant == (gap > ranking.cd) == (row.nemenyi_p < 0.3)
    assert ranking.cd == pytest.approx(critical_difference(3, 6, 0.3))


def test_per_seed_ranks_are_averaged_over_the_paired_seeds(nb201: Path) -> None:
    ranking = rank_studies([nb201])
    runs = load(nb201).runs
    wide = runs[runs["dataset"] == "cifar100"].pivot(index="seed", columns="label",
                                                     values="test_accuracy")
    per_seed = wide.rank(axis=1, ascending=False).mean(axis=0)
    got = ranking.scores.seed_ranks.loc["tabular:cifar100"]
    pd.testing.assert_series_equal(got.sort_index(), per_seed.sort_index(), check_names=False)


# --- merging studies, methods missing from tasks ---------------------------------------------


def test_studies_on_the_same_task_merge_on_the_paired_seeds(nb201: Path, peers: Path) -> None:
    for order in ([nb201, peers], [peers, nb201]):
        runs = collect_runs(order).runs
        ase = runs[(runs["label"] == "ase") & (runs["dataset"] == "cifar10")]
        assert sorted(ase["seed"]) == [0, 1, 2, 3, 4]  # the union: peers' 3 are the same runs
    ranking = rank_studies([nb201, peers])
    assert set(ranking.block.labels) == {"ase", "random", "local", "evolution"}
    assert (ranking.scores.seeds == 3).all()  # the seeds every ranked method ran
    expected = _means(nb201, seeds=3).join(_means(peers)[["evolution"]]).loc[list(NB201)]
    np.testing.assert_allclose(
        ranking.scores.scores.to_numpy(),
        expected[list(ranking.block.labels)].to_numpy())
    by_task = ranking.task_table()
    row = by_task[(by_task["label"] == "ase") & (by_task["dataset"] == "cifar10")].iloc[0]
    assert row["n_seeds"] == 5 and row["block_seeds"] == 3


def test_a_label_with_other_results_on_the_same_task_is_refused(nb201: Path,
                                                                root: Path) -> None:
    other = _study(root, "other-ase", (MethodSpec("ase", {"K": 2}, label="ase"),), 2,
                   budget_s=BUDGET_S, datasets=("cifar10",))
    with pytest.raises(AsebenchError, match=r"label 'ase' on tabular:cifar10 differs between"):
        collect_runs([nb201, other])


@pytest.mark.parametrize("options, field", [
    ({"budget_s": 3000.0}, "budget_s"),
    ({"budget_s": BUDGET_S, "master_seed": 1}, "master_seed"),
    ({"budget_s": BUDGET_S, "protocol_options": {"cost_source": "own"}}, "protocol.cost_source"),
])
def test_a_task_under_another_setting_is_refused(nb201: Path, root: Path,
                                                 options: dict[str, object], field: str) -> None:
    other = _study(root, f"setting-{field}", "random", 2, datasets=("cifar10",), **options)
    with pytest.raises(AsebenchError, match=rf"task tabular:cifar10 has another {field} in"):
        collect_runs([nb201, other])


def test_seconds_at_a_fixed_query_cost_hold_the_same_task_as_that_many_queries(
        graph: Path, root: Path) -> None:
    # NAS-Bench-Graph charges one unit per query: 20 s and 20 queries are the same runs
    seconds = _study(root, "graph-seconds", "ase,evolution", 2, backend="nas-bench-graph",
                     datasets=("cora",), budget_s=20.0)
    merged = collect_runs([graph, seconds]).runs
    assert set(merged[merged["dataset"] == "cora"]["label"]) == {"ase", "random", "local",
                                                                 "evolution"}
    longer = _study(root, "graph-longer", "random", 2, backend="nas-bench-graph",
                    datasets=("cora",), budget_s=30.0)
    with pytest.raises(AsebenchError, match=r"task nas-bench-graph:cora has another "
                                            r"budget_queries in"):
        collect_runs([graph, longer])


def test_a_method_missing_from_a_task_is_left_out_and_said(nb201: Path, graph: Path,
                                                          tmp_path: Path) -> None:
    ranking = rank_studies([nb201, graph])
    assert ranking.block.labels == ("ase", "random", "local")
    assert len(ranking.block.tasks) == 6 and not ranking.block.dropped_tasks
    assert ranking.block.dropped_labels == {"ase+": (
        "tabular:cifar10", "tabular:cifar100", "tabular:ImageNet16-120",
        "nas-bench-graph:cora")}
    write_ranks([nb201, graph], tmp_path)
    table = pd.read_csv(tmp_path / FILES["ranks"])
    dropped = table[table["label"] == "ase+"].iloc[0]
    assert not dropped["included"] and np.isnan(dropped["mean_rank"])
    assert dropped["n_tasks"] == 2 and "nas-bench-graph:cora" in dropped["missing_tasks"]
    caption = (tmp_path / FILES["caption"]).read_text()
    assert "Method left out: ASE-NAS+ (`ase+`), no runs on" in caption
    # restricted to the datasets ase+ ran on, it is ranked
    only = rank_studies([graph], datasets=["citeseer", "nas-bench-graph:pubmed"])
    assert set(only.block.labels) == {"ase", "ase+", "random", "local"}
    assert only.block.tasks == ("nas-bench-graph:citeseer", "nas-bench-graph:pubmed")


def test_the_block_keeps_the_most_tasks_then_the_most_methods() -> None:
    tasks = ["t1", "t2", "t3"]
    everywhere = {"t1": {"a", "b", "c", "d"}, "t2": {"a", "b", "c", "d"}, "t3": {"a", "b", "c"}}
    block = choose_block(tasks, ["a", "b", "c", "d"], everywhere)
    assert block.tasks == ("t1", "t2", "t3") and block.labels == ("a", "b", "c")
    assert block.dropped_labels == {"d": ("t3",)} and not block.dropped_tasks
    # only two methods on t3: the task goes, the third method stays
    block = choose_block(tasks, ["a", "b", "c"], {"t1": {"a", "b", "c"}, "t2": {"a", "b", "c"},
                                                  "t3": {"a", "b"}})
    assert block.tasks == ("t1", "t2") and block.dropped_tasks == {"t3": ("c",)}
    with pytest.raises(AsebenchError, match="two sets of 2 tasks with 3 methods each tie"):
        choose_block(["t1", "t2", "t3", "t4"], list("abcdef"),
                     {"t1": set("abc"), "t2": set("abc"), "t3": set("def"), "t4": set("def")})


# --- the files -----------------------------------------------------------------------------


def test_the_files_written(nb201: Path, graph: Path, tmp_path: Path) -> None:
    import matplotlib.image

    out = tmp_path / "ranks"
    paths = write_ranks([nb201, graph], out)
    assert sorted(p.name for p in paths) == sorted(FILES.values())
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES.values())  # no temp file left
    image = matplotlib.image.imread(out / FILES["png"])
    assert image.shape[0] > 100 and image.shape[1] > 500
    assert np.unique(image.reshape(-1, image.shape[-1]), axis=0).shape[0] > 10  # not blank
    assert (out / FILES["pdf"]).read_bytes().startswith(b"%PDF")
    ranks = pd.read_csv(out / FILES["ranks"])
    assert list(ranks.columns) == ["label", "method", "mean_rank", "mean_seed_rank", "n_tasks",
                                   "included", "missing_tasks"]
    assert list(ranks["label"])[-1] == "ase+"
    assert ranks["mean_rank"].iloc[:3].is_monotonic_increasing
    by_task = pd.read_csv(out / FILES["tasks"])
    assert list(by_task.columns) == ["task", "backend", "dataset", "label", "method",
                                     "mean_test_accuracy", "n_seeds", "included", "block_seeds",
                                     "block_test_accuracy", "rank", "seed_rank"]
    assert len(by_task) == 6 * 3 + 2  # ase+ on citeseer and pubmed too, not ranked
    pvalues = pd.read_csv(out / FILES["pvalues"])
    assert list(pvalues.columns) == ["label_a", "label_b", "method_a", "method_b",
                                     "mean_rank_a", "mean_rank_b", "rank_difference",
                                     "nemenyi_p", "significant"]
    tests = pd.read_csv(out / FILES["tests"]).set_index("test")
    assert list(tests.index) == ["friedman_chi2", "iman_davenport_f",
                                 "nemenyi_critical_difference"]
    caption = (out / FILES["caption"]).read_text()
    for phrase in ("Ranks, not effect sizes", "not independent draws", "Nemenyi",
                   "k = 3 methods and N = 6 tasks", "mean final test accuracy over the"):
        assert phrase in caption
    assert f"![Critical-difference diagram]({FILES['png']})" in caption


@pytest.mark.slow
def test_the_output_is_byte_identical_between_runs(nb201: Path, graph: Path,
                                                   tmp_path: Path) -> None:
    outs = []
    for hash_seed in ("1", "2"):  # the library draws its bars from sets of names
        out = tmp_path / f"out{hash_seed}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "MPLBACKEND": "Agg"}
        done = subprocess.run([sys.executable, "-m", "asebench", "rank", str(nb201), str(graph),
                               "--out", str(out)], env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr
        outs.append(out)
    for name in FILES.values():
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


# --- bad input -----------------------------------------------------------------------------


def _refused(args: list[str], out: Path, message: str) -> None:
    result = CliRunner().invoke(cli, ["rank", *args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("asebench: error: "), result.output
    assert message in lines[0], lines[0]
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_a_folder_that_is_not_a_study(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    _refused([str(tmp_path / "empty")], tmp_path / "out", "is not a study directory")


def test_fewer_than_three_methods(root: Path, tmp_path: Path) -> None:
    two = _study(root, "two-methods", "random,local", 2, budget_s=BUDGET_S)
    _refused([str(two)], tmp_path / "out", "rank needs at least 3 methods for the Friedman test")


def test_fewer_than_two_tasks(nb201: Path, tmp_path: Path) -> None:
    _refused([str(nb201), "--datasets", "cifar10"], tmp_path / "out",
             "needs at least 3 methods on at least 2 common tasks")


def test_studies_that_share_no_task(nb201: Path, root: Path, tmp_path: Path) -> None:
    other = _study(root, "graph-evolution", "evolution", 2, backend="nas-bench-graph",
                   datasets=("cora", "citeseer"), budget_queries=10)
    _refused([str(nb201), str(other), "--methods", "ase,random,evolution"], tmp_path / "out",
             "any 3 of these studies' methods share no task")


def test_unknown_methods_and_datasets(nb201: Path, tmp_path: Path) -> None:
    _refused([str(nb201), "--methods", "ase,nope"], tmp_path / "out", "--methods: nope not in")
    _refused([str(nb201), "--datasets", "mnist"], tmp_path / "out", "--datasets: mnist not in")


def test_an_unwritable_out(nb201: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["rank", str(nb201), "--out", str(blocker)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"asebench: error: cannot write --out {blocker}: it exists and is not a folder"]
    assert blocker.read_text() == "x"
    with pytest.raises(AsebenchError, match="cannot write --out"):
        write_ranks([nb201], blocker / "sub")


def test_a_bad_alpha(nb201: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["rank", str(nb201), "--out", str(tmp_path / "o"),
                                      "--alpha", "1.5"])
    assert result.exit_code == 2 and not (tmp_path / "o").exists()
    with pytest.raises(AsebenchError, match="alpha must lie in"):
        rank_studies([nb201], alpha=0.0)


_BLOCKER = '''
import sys

class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "scikit_posthocs":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _Blocker())
'''


def test_without_the_extra_it_names_the_install(nb201: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_BLOCKER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(site), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-m", "asebench", "rank", str(nb201), "--out",
                           str(tmp_path / "out")], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "pip install 'asebench[rank]'" in lines[0], done.stderr
    assert not (tmp_path / "out").exists()
