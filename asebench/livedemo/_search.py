"""Search on the live backend under a MAdds cap: every method on the same paired seeds and the
same number of queries.

The cap is an ordinary constraint (``madds_m<=CAP``, :func:`asebench.constraints.constrained_backend`,
the mechanism every study uses): MAdds are analytic, so every method proposes only sub-networks
within the cap and an infeasible one is never scored (so ASE-NAS's centers, all queried, are
feasible too). The budget is a number of queries rather than seconds, so that other processes
on a shared machine cannot change what a run may do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from asebench.backends import LiveBackend
from asebench.constraints import constrained_backend
from asebench.records import Arch, Budget
from asebench.search import get as get_method
from asebench.study import run_generators

__all__ = ["SEARCH_DEFAULTS", "run_searches"]

# Paper IV-B (ImageNet, MobileNet space): ASE-NAS's settings for the live backend.
SEARCH_DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    "ase": {"K": 10, "M": 3, "lr": 3e-4, "entropy_weight": 1e-3},
    "random": {},
}


def run_searches(backend: LiveBackend, cap: float, methods: Sequence[str], seeds: int,
                 queries: int, master_seed: int, test_score: Callable[[Arch], float],
                 settings: Mapping[str, Mapping[str, Any]] = SEARCH_DEFAULTS
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every method for ``seeds`` paired seeds of ``queries`` queries under ``cap``.

    Args:
        backend: the live backend (reward: held-out top-1 of the validation split).
        cap: MAdds limit in millions.
        methods: registered method names.
        seeds: runs per method; run i of every method uses the same generator seed.
        queries: query budget of every run.
        master_seed: seeds the runs' generators.
        test_score: the answer's accuracy on the untouched test split.
        settings: options per method.

    Returns:
        ``(runs, queried)``: one row per run (answer, its validation reward, test accuracy,
        MAdds, feasibility, queries used, seconds) and one row per query.
    """
    def madds(arch: Arch) -> float:
        return backend.cost(arch)["madds_m"]

    constrained = constrained_backend(backend, [f"madds_m<={cap!r}"])[0]
    space = backend.space
    runs, queried = [], []
    for method in methods:
        searcher = get_method(method, **dict(settings.get(method, {})))
        for seed, rng in enumerate(run_generators(master_seed, 0, seeds)):
            t0 = time.perf_counter()
            trace = searcher.run(constrained, Budget(queries=queries), rng)
            seconds = time.perf_counter() - t0
            answer = space.canonical(trace.answer)
            cost = backend.cost(answer)
            runs.append({
                "method": method, "seed": seed, "arch": space.to_string(answer),
                "valid_top1": trace.answer_reward, "test_top1": test_score(answer),
                "madds_m": cost["madds_m"], "params_m": cost["params_m"],
                "feasible": cost["madds_m"] <= cap, "queries": len(trace),
                "seconds": seconds})
            for step, (arch, reward) in enumerate(zip(trace.archs, trace.rewards)):
                queried.append({"method": method, "seed": seed, "step": step,
                                "arch": space.to_string(arch), "valid_top1": reward,
                                "madds_m": madds(arch)})
    return pd.DataFrame(runs), pd.DataFrame(queried)
