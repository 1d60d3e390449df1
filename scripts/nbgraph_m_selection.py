"""ASE-NAS's M on NAS-Bench-Graph, chosen on a seed range the generality study does not use.

    python scripts/nbgraph_m_selection.py --study studies/nbgraph-m --out reports/nbgraph

Runs (or resumes) ``ase[M=1..4]`` on the nine datasets with master seed 1 and 100 seeds, and
writes ``ase_m_selection.md``: the mean final *validation* reward per dataset (what the search
optimises; test accuracy is never looked at), its mean over the datasets and the mean rank.
The generality study uses master seed 0, so none of its runs is among these.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asebench._atomic import atomic_write_text  # noqa: E402
from asebench.analysis import load  # noqa: E402
from asebench.benchmarks.nbgraph import nbgraph_datasets  # noqa: E402
from asebench.study import StudySpec, parse_methods, run_study  # noqa: E402

MS = (1, 2, 3, 4)
MASTER_SEED = 1
SEEDS = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=Path("studies/nbgraph-m"))
    parser.add_argument("--out", type=Path, default=Path("reports/nbgraph"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    methods = ",".join(f"ase[M={m}]" for m in MS)
    datasets = tuple(nbgraph_datasets())
    spec = StudySpec(methods=parse_methods(methods), datasets=datasets, seeds=SEEDS,
                     master_seed=MASTER_SEED, backend="nas-bench-graph")
    run_study(spec, args.study, workers=args.workers, resume=True)
    runs = load(args.study).runs
    means = runs.pivot_table(index="label", columns="dataset", values="reward", aggfunc="mean")
    means = means.loc[[f"ase[M={m}]" for m in MS], list(datasets)]
    ranks = means.rank(ascending=False).mean(axis=1)
    overall = means.mean(axis=1)
    best = int(MS[int(overall.to_numpy().argmax())])
    lines = ["# ASE-NAS's M on NAS-Bench-Graph: chosen on a separate seed range", "",
             f"`asebench run --benchmark nas-bench-graph --methods \"{methods}\" --master-seed "
             f"{MASTER_SEED} --seeds {SEEDS}` (K = 4, 100 queries per run), through "
             "`scripts/nbgraph_m_selection.py`.",
             "Criterion: the mean final **validation** reward (`valid_perf`, %, what the "
             "search optimises) over the nine datasets; test accuracy is not looked at. The "
             "generality study uses master seed 0, so no run of it is among these.", "",
             "| M | " + " | ".join(datasets) + " | mean | mean rank |",
             "|---|" + "---|" * (len(datasets) + 2)]
    for m in MS:
        label = f"ase[M={m}]"
        cells = " | ".join(f"{means.loc[label, d]:.2f}" for d in datasets)
        lines.append(f"| {m} | {cells} | {overall[label]:.3f} | {ranks[label]:.2f} |")
    spread = float(overall.max() - overall.min())
    best_rank = int(MS[int(ranks.to_numpy().argmin())])
    lines += ["", f"Chosen: **M = {best}** (highest mean"
              + (" and best mean rank" if best_rank == best else f"; best mean rank: M = "
                 f"{best_rank}") + f"); the means of M = {', '.join(map(str, MS))} span "
              f"{spread:.3f} points.", ""]
    atomic_write_text(args.out / "ase_m_selection.md", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
