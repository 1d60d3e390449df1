"""The promises of the Searcher protocol, one function each (no pytest needed).

:func:`check_searcher` runs them all on one backend and budget; the pytest classes of
:mod:`asebench.testing` run each as a test of its own. Every function raises
:class:`~asebench.testing.ConformanceError` on a broken promise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from asebench.backends import Backend
from asebench.records import Budget, Trace
from asebench.search import BatchSearcher, Searcher
from asebench.spaces import Space
from asebench.testing._require import require, same_trace

__all__ = ["check_answer_is_queried", "check_batch_equals_single", "check_budget",
           "check_costs", "check_queries_inside", "check_searcher", "check_searcher_protocol",
           "check_seeded"]


def check_searcher_protocol(searcher: object) -> None:
    """It implements :class:`~asebench.search.Searcher` and has a name."""
    require(isinstance(searcher, Searcher), "not a Searcher (needs name and run)")
    require(bool(getattr(searcher, "name", "")), "needs a non-empty name")


def check_seeded(searcher: Searcher, backend: Backend, budget: Budget, seed: int) -> Trace:
    """The same seed gives the same trace; returns it."""
    first = searcher.run(backend, budget, np.random.default_rng(seed))
    again = searcher.run(backend, budget, np.random.default_rng(seed))
    require(same_trace(first, again), f"same seed, different trace under {budget}")
    return first


def check_budget(trace: Trace, budget: Budget) -> None:
    """At least one query, and neither the seconds nor the queries of ``budget`` exceeded."""
    require(len(trace) >= 1, f"no query under {budget}")
    if budget.seconds is not None:
        require(trace.spent_s <= budget.seconds + 1e-9,
                f"spent {trace.spent_s} s of a {budget.seconds} s budget")
    if budget.queries is not None:
        require(len(trace) <= budget.queries,
                f"{len(trace)} queries under a budget of {budget.queries}")


def check_costs(trace: Trace, backend: Backend) -> None:
    """Every recorded cost is what the backend charges for that arch."""
    for arch, cost in zip(trace.archs, trace.costs):
        charged = backend.evaluate(arch, np.random.default_rng(0)).cost_s
        require(cost == charged, f"recorded cost {cost} of {arch}, backend says {charged}")


def check_queries_inside(trace: Trace, space: Space) -> None:
    """Every queried arch is one of ``space`` (the backend's space, restricted or not)."""
    outside = [a for a in trace.archs if not space.contains(a)]
    require(not outside, f"queried {len(outside)} arch(s) outside {space!r}, "
                         f"e.g. {outside[:1]}")


def check_answer_is_queried(trace: Trace, space: Space) -> None:
    """The answer is an arch of ``space`` that was queried, with a finite reward."""
    require(trace.answer in set(trace.archs), f"answer {trace.answer} never queried")
    require(space.contains(trace.answer), "answer outside the space")
    require(math.isfinite(trace.answer_reward), "answer reward not finite")


def check_batch_equals_single(searcher: Searcher, backend: Backend, budget: Budget,
                              seeds: Sequence[int]) -> None:
    """Where ``run_batch`` exists, it gives every seed the trace ``run`` gives it (nothing
    is promised otherwise: the study runs such a method seed by seed)."""
    if not isinstance(searcher, BatchSearcher):
        return
    batch = searcher.run_batch(backend, budget, [np.random.default_rng(s) for s in seeds])
    require(len(batch) == len(seeds), "run_batch must return one trace per seed")
    for seed, got in zip(seeds, batch):
        alone = searcher.run(backend, budget, np.random.default_rng(seed))
        require(same_trace(alone, got), f"seed {seed}: run_batch differs from run")


def check_searcher(searcher: Searcher, backend: Backend, budget: Budget, *,
                   seed: int = 0) -> Trace:
    """Raise :class:`~asebench.testing.ConformanceError` unless ``searcher`` honours every
    promise of the Searcher protocol on ``backend`` under ``budget``; return a trace."""
    check_searcher_protocol(searcher)
    trace = check_seeded(searcher, backend, budget, seed)
    check_budget(trace, budget)
    check_costs(trace, backend)
    check_queries_inside(trace, backend.space)
    check_answer_is_queried(trace, backend.space)
    check_batch_equals_single(searcher, backend, budget, (seed, seed + 1, seed + 2))
    return trace
