"""BANANAS speed beside ASE-NAS in the same run, on the paper protocol (cifar10, 25,000 s):
wall and CPU seconds per run and per query, the share of BANANAS' time spent training its
predictor, and both against random search (what ``cost_hint`` is relative to). Timings on a
shared machine are noisy: compare within one run, and prefer the CPU figures.

Usage: .venv/bin/python benchmarks/bananas_speed.py [--seeds 3] [--queries N] [--json FILE]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import median_seconds  # noqa: E402

from asebench.backends import TabularBackend  # noqa: E402
from asebench.records import Budget  # noqa: E402
from asebench.search import Searcher, get  # noqa: E402
from asebench.search._mlp import MLPEnsemble  # noqa: E402


class _FitClock:
    """Counts the CPU seconds spent in ``MLPEnsemble.fit`` while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._fit = MLPEnsemble.fit

    def __enter__(self) -> _FitClock:
        clock, fit = self, self._fit

        def timed(nets: MLPEnsemble, *args: object, **kwargs: object) -> None:
            start = time.process_time()
            try:
                fit(nets, *args, **kwargs)  # type: ignore[arg-type]
            finally:
                clock.seconds += time.process_time() - start

        MLPEnsemble.fit = timed  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        MLPEnsemble.fit = self._fit  # type: ignore[method-assign]


def _runs(searcher: Searcher, backend: TabularBackend, budget: Budget,
          seeds: int) -> dict[str, float]:
    """Median wall and CPU seconds per run and per query over ``seeds`` seeds."""
    walls, cpus, queries = [], [], []
    for seed in range(seeds):
        wall, cpu = time.perf_counter(), time.process_time()
        trace = searcher.run(backend, budget, np.random.default_rng(seed))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        queries.append(len(trace))
    per_query = [c / q for c, q in zip(cpus, queries)]
    return {"wall_s_per_run": float(np.median(walls)), "cpu_s_per_run": float(np.median(cpus)),
            "cpu_ms_per_query": 1000 * float(np.median(per_query)),
            "queries_per_run": float(np.mean(queries))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--queries", type=int, default=None,
                    help="a queries budget instead of the protocol's seconds (quick checks)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    backend = TabularBackend("cifar10")
    budget = (Budget(queries=args.queries) if args.queries
              else Budget(seconds=backend.protocol.budget_s))
    bananas, ase, rnd = get("bananas"), get("ase"), get("random")
    ase.run(backend, budget, np.random.default_rng(123))  # warm-up (imports, caches)

    ase_figures = _runs(ase, backend, budget, args.seeds)
    with _FitClock() as clock:
        bananas_figures = _runs(bananas, backend, budget, args.seeds)
    bananas_figures["predictor_share"] = clock.seconds / (
        bananas_figures["cpu_s_per_run"] * args.seeds) if bananas_figures["cpu_s_per_run"] else 0
    random_s = median_seconds(lambda: rnd.run(backend, budget, np.random.default_rng(0)), 20)
    result = {"budget": str(budget), "seeds": args.seeds, "ase": ase_figures,
              "bananas": bananas_figures, "random_wall_s_per_run": random_s,
              "bananas_vs_ase_per_query": bananas_figures["cpu_ms_per_query"]
              / ase_figures["cpu_ms_per_query"],
              "bananas_vs_random_per_run": bananas_figures["wall_s_per_run"] / random_s}

    print(f"cifar10, {budget}, {args.seeds} seeds, one thread")
    for name, figures in (("ASE-NAS", ase_figures), ("BANANAS", bananas_figures)):
        print(f"  {name:8s} {figures['cpu_s_per_run']:8.3f} CPU s/run "
              f"({figures['wall_s_per_run']:.3f} wall)  "
              f"{figures['cpu_ms_per_query']:8.2f} CPU ms/query  "
              f"{figures['queries_per_run']:6.1f} queries/run")
    print(f"  BANANAS per query = x{result['bananas_vs_ase_per_query']:.1f} ASE-NAS; "
          f"{100 * bananas_figures['predictor_share']:.0f}% of it training the predictor")
    print(f"  random search {1000 * random_s:.2f} ms/run: BANANAS = "
          f"x{result['bananas_vs_random_per_run']:.0f} random (its cost_hint is "
          f"{bananas.cost_hint:g})")  # type: ignore[attr-defined]
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
