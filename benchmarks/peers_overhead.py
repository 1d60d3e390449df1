"""What asebench's ask/tell adapter adds to each library's own per-query time.

For each library, in one process and on the same queries:

* **in-run split**: ``AskTellSearcher.run_timed`` on the paper protocol (cifar10) measures the
  wall seconds inside the library (building its optimizer and every ``ask``/``tell``), inside
  the backend's ``evaluate`` (the budgeted evaluator and the table), and what is left: the
  adapter's own loop (membership test, bookkeeping);
* **bare loop**: the same library driven directly, as a user would write it (its own
  ask/tell on its own space object), told the rewards the adapter run got, in order, with
  no backend at all: the library's own per-query time.

The adapter's share is (adapter run - backend - bare loop) / bare loop, per query. Timings on
a shared machine are noisy; each figure is the median of ``--repeats`` rounds, and the ratio
is taken within a round.

Usage: .venv/bin/python benchmarks/peers_overhead.py [--repeats 5] [--only optuna-tpe,...]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from asebench.backends import build_tabular_backend  # noqa: E402
from asebench.peers import AskTellSearcher  # noqa: E402
from asebench.records import Budget  # noqa: E402
from asebench.search import get  # noqa: E402

Grid = tuple[tuple[int, ...], ...]


def _bare_optuna(sampler: str) -> Callable[[Grid, Sequence[float], int], None]:
    def loop(grid: Grid, rewards: Sequence[float], seed: int) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        cls = {"tpe": optuna.samplers.TPESampler,
               "random": optuna.samplers.RandomSampler}[sampler]
        study = optuna.create_study(direction="maximize", sampler=cls(seed=seed))
        fixed = {f"p{i}": optuna.distributions.CategoricalDistribution(c)
                 for i, c in enumerate(grid)}
        for reward in rewards:
            trial = study.ask(fixed)
            study.tell(trial, reward)
    return loop


def _bare_synetune(scheduler: str) -> Callable[[Grid, Sequence[float], int], None]:
    def loop(grid: Grid, rewards: Sequence[float], seed: int) -> None:
        from syne_tune.config_space import choice
        from syne_tune.optimizer import baselines
        from syne_tune.optimizer.schedulers.ask_tell_scheduler import AskTellScheduler

        space = {f"p{i}": choice(list(c)) for i, c in enumerate(grid)}
        base = getattr(baselines, scheduler)(space, metric="reward", do_minimize=False,
                                             random_seed=seed)
        ask_tell = AskTellScheduler(base_scheduler=base)
        for reward in rewards:
            trial = ask_tell.ask()
            ask_tell.tell(trial, {"reward": reward})
    return loop


def _bare_nevergrad(name: str) -> Callable[[Grid, Sequence[float], int], None]:
    def loop(grid: Grid, rewards: Sequence[float], seed: int) -> None:
        import nevergrad as ng

        param = ng.p.Tuple(*(ng.p.Choice(list(c)) for c in grid))
        param.random_state = np.random.RandomState(seed)
        optimizer = ng.optimizers.registry[name](parametrization=param, num_workers=1)
        for reward in rewards:
            candidate = optimizer.ask()
            optimizer.tell(candidate, -reward)
    return loop


def _bare_smac(grid: Grid, rewards: Sequence[float], seed: int) -> None:
    import logging
    import tempfile
    from pathlib import Path

    from ConfigSpace import ConfigurationSpace
    from smac import HyperparameterOptimizationFacade, Scenario
    from smac.runhistory import TrialValue

    space = ConfigurationSpace(seed=seed, space={f"p{i}": list(c) for i, c in enumerate(grid)})
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Scenario(space, output_directory=Path(tmp) / "smac", seed=seed)
        facade = HyperparameterOptimizationFacade(scenario, lambda config, seed=0: 0.0,
                                                  overwrite=True, logging_level=logging.ERROR)
        for reward in rewards:
            info = facade.ask()
            facade.tell(info, TrialValue(cost=-reward), save=False)


CASES: dict[str, tuple[str, dict[str, Any], Callable[[Grid, Sequence[float], int], None]]] = {
    "optuna-tpe": ("optuna", {}, _bare_optuna("tpe")),
    "optuna-random": ("optuna", {"sampler": "random"}, _bare_optuna("random")),
    "synetune-rea": ("synetune", {}, _bare_synetune("REA")),
    "synetune-tpe": ("synetune", {"scheduler": "TPE"}, _bare_synetune("TPE")),
    "nevergrad-ngopt": ("nevergrad", {}, _bare_nevergrad("NGOpt")),
    "smac-hpo": ("smac", {}, _bare_smac),
}


def measure(case: str, repeats: int, queries: int | None) -> dict[str, float]:
    """Median per-query microseconds of one case over ``repeats`` rounds."""
    method, options, bare = CASES[case]
    searcher = get(method, **options)
    assert isinstance(searcher, AskTellSearcher)
    backend = build_tabular_backend("cifar10")
    budget = Budget(seconds=25_000, queries=queries)
    grid: Grid = tuple(tuple(backend.space.allowed_choices(p))
                       for p in range(backend.space.num_positions))
    searcher.run(backend, budget, np.random.default_rng(999))  # warm-up: imports, caches
    rows: list[dict[str, float]] = []
    for round_ in range(repeats):
        trace, timings = searcher.run_timed(backend, budget, np.random.default_rng(round_))
        n = len(trace)
        tic = time.perf_counter()
        bare(grid, list(trace.rewards), round_)
        bare_s = time.perf_counter() - tic
        wrapped_library = timings.total_s - timings.backend_s
        rows.append({
            "queries": n,
            "library_us": 1e6 * timings.library_s / n,
            "adapter_us": 1e6 * timings.adapter_s / n,
            "backend_us": 1e6 * timings.backend_s / n,
            "bare_us": 1e6 * bare_s / n,
            "split_ratio": timings.adapter_s / timings.library_s,
            "bare_ratio": (wrapped_library - bare_s) / bare_s,
        })
    return {key: statistics.median(r[key] for r in rows) for key in rows[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default=",".join(c for c in CASES if c != "smac-hpo"),
                        help=f"comma-separated cases of {', '.join(CASES)}")
    parser.add_argument("--smac-queries", type=int, default=60,
                        help="queries per SMAC run (its full run is about 50 s)")
    args = parser.parse_args()
    print("per query, microseconds (median of rounds); adapter share = adapter / library "
          "(in-run split) and (adapter run - backend - bare loop) / bare loop")
    print(f"{'case':16} {'queries':>7} {'library':>10} {'adapter':>8} {'backend':>8} "
          f"{'bare':>10} {'split %':>8} {'bare %':>7}")
    for case in args.only.split(","):
        queries = args.smac_queries if case.startswith("smac") else None
        repeats = min(args.repeats, 2) if case.startswith("smac") else args.repeats
        r = measure(case, repeats, queries)
        print(f"{case:16} {r['queries']:7.0f} {r['library_us']:10.1f} {r['adapter_us']:8.1f} "
              f"{r['backend_us']:8.1f} {r['bare_us']:10.1f} {100 * r['split_ratio']:7.2f}% "
              f"{100 * r['bare_ratio']:6.1f}%", flush=True)


if __name__ == "__main__":
    main()
