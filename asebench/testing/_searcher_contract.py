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
from asebench.search import Searcher

__all__ = ["check_searcher"]


def _same(a: Trace, b: Trace) -> bool:
    return (a.archs == b.archs and a.rewards == b.rewards and a.costs == b.costs
            and a.answer == b.answer and a.answer_reward == b.answer_reward
            and dict(a.info) == dict(b.info))


def check_searcher(searcher: Searcher, backend: Backend, budget: Budget, *,
                   seed: int = 0) -> Trace:
    """Assert that ``searcher`` honours the Searcher protocol on ``backend``; return a trace."""
    assert isinstance(searcher, Searcher), "object does not implement the Searcher protocol"
    assert isinstance(searcher.name, str)
    assert searcher.name, "a searcher needs a non-empty name"
    space = backend.space
    trace = searcher.run(backend, budget, np.random.default_rng(seed))
    again = searcher.run(backend, budget, np.random.default_rng(seed))
    assert _same(trace, again), "same seed gave a different trace"

    assert len(trace) >= 1
    if budget.seconds is not None:
        assert trace.spent_s <= budget.seconds + 1e-9, "budget seconds exceeded"
    if budget.queries is not None:
        assert len(trace) <= budget.queries, "budget queries exceeded"
    for arch, _reward, cost in zip(trace.archs, trace.rewards, trace.costs):
        assert space.validate(arch) == arch, f"queried arch {arch} is not valid"
        result = backend.evaluate(arch, np.random.default_rng(0))
        assert cost == result.cost_s, "recorded cost differs from the backend's"
    assert space.validate(trace.answer) == trace.answer, "answer is not a valid arch"
    assert trace.answer in set(trace.archs), "answer was never queried"
    assert np.isfinite(trace.answer_reward)

    if hasattr(searcher, "run_batch"):
        seeds = [seed, seed + 1, seed + 2]
        batch = searcher.run_batch(backend, budget, [np.random.default_rng(s) for s in seeds])
        assert len(batch) == len(seeds)
        for s, got in zip(seeds, batch):
            alone = searcher.run(backend, budget, np.random.default_rng(s))
            assert _same(alone, got), f"seed {s}: run_batch differs from run"
    return trace
