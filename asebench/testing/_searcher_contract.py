"""Conformance checks every Searcher must pass (used by tests/test_search_contract.py).

:func:`check_searcher` asserts the protocol's promises: same seed -> identical trace; the
budget (seconds or queries) is never exceeded and every query is recorded; the answer is a
valid arch of the space that was queried, with its recorded reward; ``run_batch`` (when
present) gives every seed the trace ``run`` gives it.
"""

from __future__ import annotations

import numpy as np

from asebench.backends import Backend
from asebench.records import Budget, Trace
from asebench.search import BatchSearcher, Searcher
from asebench.testing._require import require, same_trace

__all__ = ["check_searcher"]


def check_searcher(searcher: Searcher, backend: Backend, budget: Budget, *,
                   seed: int = 0) -> Trace:
    """Raise :class:`~asebench.testing.ConformanceError` unless ``searcher`` honours the
    Searcher protocol on ``backend``; return a trace."""
    require(isinstance(searcher, Searcher), "object does not implement the Searcher protocol")
    require(bool(searcher.name), "a searcher needs a name")
    space = backend.space
    trace = searcher.run(backend, budget, np.random.default_rng(seed))
    again = searcher.run(backend, budget, np.random.default_rng(seed))
    require(same_trace(trace, again), "same seed gave a different trace")

    require(len(trace) >= 1, "no query made")
    if budget.seconds is not None:
        require(trace.spent_s <= budget.seconds + 1e-9, "budget seconds exceeded")
    if budget.queries is not None:
        require(len(trace) <= budget.queries, "budget queries exceeded")
    for arch, cost in zip(trace.archs, trace.costs):
        require(space.validate(arch) == arch, f"queried arch {arch} is not valid")
        result = backend.evaluate(arch, np.random.default_rng(0))
        require(cost == result.cost_s, "recorded cost differs from the backend's")
    require(space.validate(trace.answer) == trace.answer, "answer is not a valid arch")
    require(trace.answer in set(trace.archs), "answer was never queried")
    require(np.isfinite(trace.answer_reward), "answer reward is not finite")

    if isinstance(searcher, BatchSearcher):
        seeds = [seed, seed + 1, seed + 2]
        batch = searcher.run_batch(backend, budget, [np.random.default_rng(s) for s in seeds])
        require(len(batch) == len(seeds), "run_batch must return one trace per seed")
        for s, got in zip(seeds, batch):
            alone = searcher.run(backend, budget, np.random.default_rng(s))
            require(same_trace(alone, got), f"seed {s}: run_batch differs from run")
    return trace
