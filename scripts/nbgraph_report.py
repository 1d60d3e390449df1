"""Reports of the NAS-Bench-Graph generality study: oracle and regret per dataset, a figure,
the baselines at the paper's budget, and Fig. 6's distance statistic on this space.

    asebench run --benchmark nas-bench-graph --methods ase,ase+,random,reinforce,evolution,\\
        local,nse,autospace --seeds 500 --workers 2 --out studies/nbgraph \\
        --table-out reports/nbgraph/generality.md
    python scripts/nbgraph_report.py studies/nbgraph --out reports/nbgraph

Writes ``oracle.md``, ``generality.png``, ``distance.md`` and ``distance.png`` in ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asebench._atomic import atomic_write, atomic_write_text  # noqa: E402
from asebench.analysis import load  # noqa: E402
from asebench.benchmarks.nbgraph import NBGraphBackend  # noqa: E402
from asebench.benchmarks.nbgraph._distance import (  # noqa: E402
    distance_stats,
    same_network_share,
)
from asebench.search import method_display_name as display_name  # noqa: E402


def oracle_frame(datasets: list[str]) -> pd.DataFrame:
    rows = []
    for dataset in datasets:
        backend = NBGraphBackend(dataset)
        test, valid = backend.values("test_accuracy"), backend.values("valid_accuracy")
        best_valid = int(np.argmax(valid))
        rows.append({"dataset": dataset, "archs": backend.num_unique,
                     "oracle_test": float(test.max()),
                     "test_of_best_valid": float(test[best_valid]),
                     "best_valid_arch": backend.arch_strings()[best_valid],
                     "median_test": float(np.median(test))})
    return pd.DataFrame(rows)


def regret_frame(runs: pd.DataFrame, oracle: pd.DataFrame) -> pd.DataFrame:
    best = dict(zip(oracle["dataset"], oracle["oracle_test"]))
    frame = runs.assign(regret=[best[d] - t for d, t in zip(runs["dataset"],
                                                             runs["test_accuracy"])])
    stats = frame.groupby(["label", "dataset"])["regret"].agg(["mean", "std", "count"])
    stats["ci"] = 1.96 * stats["std"] / np.sqrt(stats["count"])
    return stats.reset_index()


def write_oracle(out: Path, runs: pd.DataFrame, oracle: pd.DataFrame,
                 regret: pd.DataFrame, datasets: list[str], labels: list[str]) -> None:
    lines = ["# NAS-Bench-Graph: oracle and regret per dataset", "",
             "Oracle: the best test accuracy (%) of the dataset's table; `test@best-valid`: "
             "the test accuracy of the arch with the best validation accuracy (what a "
             "search that finds the validation optimum reports). Regret: oracle − the "
             "run's test accuracy, mean over the runs.", "",
             "| dataset | archs | oracle | test@best-valid | median arch | best-valid arch |",
             "|---|---|---|---|---|---|"]
    for row in oracle.itertuples():
        lines.append(f"| {row.dataset} | {row.archs:,} | {row.oracle_test:.2f} | "
                     f"{row.test_of_best_valid:.2f} | {row.median_test:.2f} | "
                     f"`{row.best_valid_arch}` |")
    lines += ["", "## Mean regret (percentage points) per method", "",
              "| method | " + " | ".join(datasets) + " | mean |",
              "|---|" + "---|" * (len(datasets) + 1)]
    by = regret.set_index(["label", "dataset"])
    for label in labels:
        cells = [f"{by.loc[(label, d), 'mean']:.2f}" if (label, d) in by.index else "–"
                 for d in datasets]
        values = [by.loc[(label, d), "mean"] for d in datasets if (label, d) in by.index]
        lines.append(f"| {display_name(label)} | " + " | ".join(cells)
                     + f" | {np.mean(values):.2f} |")
    lines += ["", "## The paper's three baselines, run here at 100 queries", "",
              "Ours: mean ± std of the final architecture's test accuracy (%) over the runs "
              "(random search, regularised evolution, REINFORCE; 100 queries each). The "
              "paper's own numbers for them could not be retrieved, so they are not beside "
              "these.", "",
              "| method | " + " | ".join(datasets) + " |", "|---|" + "---|" * len(datasets)]
    stats = runs.groupby(["label", "dataset"])["test_accuracy"].agg(["mean", "std"])
    for label in ("random", "evolution", "reinforce"):
        cells = [f"{stats.loc[(label, d), 'mean']:.2f} ± {stats.loc[(label, d), 'std']:.2f}"
                 if (label, d) in stats.index else "–" for d in datasets]
        lines.append(f"| {display_name(label)} | " + " | ".join(cells) + " |")
    atomic_write_text(out / "oracle.md", "\n".join(lines) + "\n")


def plot_regret(out: Path, regret: pd.DataFrame, datasets: list[str],
                labels: list[str]) -> None:
    fig, ax = plt.subplots(figsize=(11, 4.2))
    width = 0.8 / len(labels)
    x = np.arange(len(datasets))
    by = regret.set_index(["label", "dataset"])
    for i, label in enumerate(labels):
        means = [by.loc[(label, d), "mean"] if (label, d) in by.index else np.nan
                 for d in datasets]
        cis = [by.loc[(label, d), "ci"] if (label, d) in by.index else np.nan
               for d in datasets]
        ax.errorbar(x + (i - (len(labels) - 1) / 2) * width, means, yerr=cis, fmt="o",
                    ms=4, capsize=2, label=display_name(label))
    ax.set_xticks(x, datasets)
    ax.set_ylabel("regret to the best test arch (pp)")
    ax.set_title("NAS-Bench-Graph, 100 queries: mean regret ± 95% CI over the paired seeds")
    ax.legend(ncol=4, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    atomic_write(out / "generality.png", lambda tmp: fig.savefig(tmp, dpi=130, format="png"))
    plt.close(fig)


def write_distance(out: Path, datasets: list[str]) -> None:
    frames, shares = [], {}
    for dataset in datasets:
        backend = NBGraphBackend(dataset)
        frames.append(distance_stats(backend).assign(dataset=dataset))
        shares[dataset] = same_network_share(backend)
    stats = pd.concat(frames)
    lines = ["# Fig. 6 on NAS-Bench-Graph: |test accuracy difference| against distance", "",
             "Exact over every ordered pair of valid position combinations (the space the "
             "searchers see; `pairwise_distance_stats` on the full grid, the 24 all-skip "
             "cells' pairs subtracted). Mean ± std of |Δ test accuracy| (pp) by Hamming "
             "distance over the seven positions; `same net @1`: share of the distance-1 "
             "pairs that are one network under the package's canonicalisation (they "
             "differ by exactly 0).", "",
             "| dataset | " + " | ".join(f"d={d}" for d in range(1, 8))
             + " | d=7 / d=1 | same net @1 |", "|---|" + "---|" * 9]
    for dataset in datasets:
        part = stats[stats["dataset"] == dataset].set_index("distance")
        cells = [f"{part.loc[d, 'mean_abs_diff']:.2f} ± {part.loc[d, 'std_abs_diff']:.2f}"
                 for d in range(1, 8)]
        ratio = part.loc[7, "mean_abs_diff"] / part.loc[1, "mean_abs_diff"]
        lines.append(f"| {dataset} | " + " | ".join(cells)
                     + f" | {ratio:.2f} | {100 * shares[dataset]:.1f}% |")
    atomic_write_text(out / "distance.md", "\n".join(lines) + "\n")
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for dataset in datasets:
        part = stats[stats["dataset"] == dataset]
        ax.plot(part["distance"], part["mean_abs_diff"], marker="o", label=dataset)
    ax.set_xlabel("architecture distance (positions that differ)")
    ax.set_ylabel("mean |test accuracy difference| (pp)")
    ax.set_title("NAS-Bench-Graph: neighbours perform alike?")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    atomic_write(out / "distance.png", lambda tmp: fig.savefig(tmp, dpi=130, format="png"))
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("study", type=Path)
    parser.add_argument("--out", type=Path, default=Path("reports/nbgraph"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    runs = load(args.study).runs
    datasets = list(dict.fromkeys(runs["dataset"]))
    labels = list(dict.fromkeys(runs["label"]))
    oracle = oracle_frame(datasets)
    regret = regret_frame(runs, oracle)
    write_oracle(args.out, runs, oracle, regret, datasets, labels)
    plot_regret(args.out, regret, datasets, labels)
    write_distance(args.out, datasets)
    print(f"wrote {args.out}/oracle.md, generality.png, distance.md, distance.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
