"""Scratch evaluation: N seeds of each method on each dataset, paper protocol, mean +- std.

Usage: .venv/bin/python scripts/search_eval.py [--seeds 500] [--workers 2]
       [--methods ase,random,...] [--datasets cifar10,...] [--ase-opt key=value ...]

Seeds: run i of every method uses np.random.default_rng(SeedSequence(master).spawn(N)[i]).
ASE-NAS+ (method "ase+") starts run i from run i's final cifar10 centers of plain ase.
Prints mean +- std of the reported test accuracy, the paired-seed Wilcoxon p-value vs ase,
the mean reward of the answer and the wall time per run.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # tiny matmuls: BLAS threads only oversubscribe

import argparse
import json
import multiprocessing as mp
import time

import numpy as np
from scipy import stats

from asebench.backends import TabularBackend
from asebench.records import Budget
from asebench.search import get

MASTER = 20240501


def _chunk(args: tuple) -> list[tuple]:
    method, options, dataset, seeds, centers = args
    backend = TabularBackend(dataset)
    budget = Budget(seconds=backend.protocol.budget_s)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(MASTER).spawn(max(seeds) + 1)]
    out = []
    t0 = time.perf_counter()
    if method == "ase+":
        traces = [get("ase", initial_centers=[tuple(a) for a in centers[i]], **options)
                  .run(backend, budget, rngs[i]) for i in seeds]
    else:
        searcher = get(method, **options)
        traces = searcher.run_batch(backend, budget, [rngs[i] for i in seeds])
    wall = (time.perf_counter() - t0) / len(seeds)
    for i, tr in zip(seeds, traces):
        out.append((i, backend.report(tr.answer)["test_accuracy"], tr.answer_reward, len(tr),
                    wall, tr.info.get("final_centers")))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--methods", default="ase,ase+,random,reinforce,evolution,local")
    ap.add_argument("--datasets", default="cifar10,cifar100,ImageNet16-120")
    ap.add_argument("--ase-opt", action="append", default=[],
                    help="key=json_value added to ase / ase+ options")
    ap.add_argument("--chunk", type=int, default=50)
    args = ap.parse_args()
    ase_options = {k: json.loads(v) for k, v in (o.split("=", 1) for o in args.ase_opt)}
    methods = args.methods.split(",")
    datasets = args.datasets.split(",")
    seeds = list(range(args.seeds))
    results: dict[tuple[str, str], np.ndarray] = {}
    centers: dict[int, list] = {}
    t_all = time.perf_counter()
    with mp.Pool(args.workers) as pool:
        order = [m for m in methods if m != "ase+"] + (["ase+"] if "ase+" in methods else [])
        for method in order:
            sets = datasets if method != "ase+" else [d for d in datasets if d != "cifar10"]
            if method == "ase+" and not centers:
                for row in sum(pool.map(_chunk, [("ase", ase_options, "cifar10",
                                                 seeds[i:i + args.chunk], None)
                                                for i in range(0, len(seeds), args.chunk)]), []):
                    centers[row[0]] = row[5]
            for dataset in sets:
                options = ase_options if method in ("ase", "ase+") else {}
                t0 = time.perf_counter()
                rows = sum(pool.map(_chunk, [
                    (method, options, dataset, seeds[i:i + args.chunk], centers)
                    for i in range(0, len(seeds), args.chunk)]), [])
                rows.sort()
                if method == "ase" and dataset == "cifar10":
                    centers.update({r[0]: r[5] for r in rows})
                acc = np.array([r[1] for r in rows])
                results[(method, dataset)] = acc
                reward = np.mean([r[2] for r in rows])
                queries = np.mean([r[3] for r in rows])
                wall = np.mean([r[4] for r in rows])
                p = ""
                if method != "ase" and ("ase", dataset) in results:
                    base = results[("ase", dataset)]
                    p_value = stats.wilcoxon(base, acc).pvalue
                    p = f"  ase-vs: d={base.mean() - acc.mean():+.2f} p={p_value:.2g}"
                print(f"{method:10s} {dataset:15s} {acc.mean():6.2f} +- {acc.std():4.2f}  "
                      f"reward {reward:6.2f}  queries {queries:5.1f}  {wall * 1e3:6.1f} ms/run "
                      f"(chunk wall {time.perf_counter() - t0:5.1f} s){p}", flush=True)
    print(f"total wall {time.perf_counter() - t_all:.1f} s")


if __name__ == "__main__":
    main()
