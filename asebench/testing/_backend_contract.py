"""Conformance checks every Backend must pass (used by the tests of each backend).

Call :func:`check_backend` from a test with a built backend; it checks the protocol's promises:
a space is exposed, evaluations are finite with non-negative cost, seeded evaluation is
deterministic, ``report`` has ``test_accuracy``, and a searcher-style budgeted loop stops within
its budget.
"""

from __future__ import annotations

import math

import numpy as np

from asebench.backends import Backend, BudgetedEvaluator
from asebench.errors import BudgetExhausted
from asebench.records import Budget, Evaluation
from asebench.testing._require import require

__all__ = ["check_backend"]


def check_backend(backend: Backend, *, queries: int = 20, seed: int = 0) -> None:
    """Raise :class:`~asebench.testing.ConformanceError` unless ``backend`` honours the
    Backend protocol.

    Args:
        backend: the backend under test.
        queries: how many random archs to evaluate.
        seed: seed of the generator used to sample archs and rewards.
    """
    require(isinstance(backend, Backend), "object does not implement the Backend protocol")
    space = backend.space
    rng = np.random.default_rng(seed)
    archs = [space.sample(rng) for _ in range(queries)]
    for arch in archs:
        require(space.validate(arch) == arch, f"sampled arch {arch} is not canonical")

    first = [backend.evaluate(arch, np.random.default_rng([seed, i]))
             for i, arch in enumerate(archs)]
    again = [backend.evaluate(arch, np.random.default_rng([seed, i]))
             for i, arch in enumerate(archs)]
    for result, repeat in zip(first, again):
        require(isinstance(result, Evaluation), "evaluate must return an Evaluation")
        require(math.isfinite(result.reward), f"reward not finite: {result}")
        require(result.cost_s >= 0 and math.isfinite(result.cost_s), f"bad cost: {result}")
        require(result.reward == repeat.reward, "same seed gave a different reward")

    report = backend.report(archs[0])
    require("test_accuracy" in report and math.isfinite(float(report["test_accuracy"])),
            "report() needs a finite test_accuracy")

    total = sum(r.cost_s for r in first)
    seconds = max(total / 2, 1e-9)
    budget = Budget(seconds=seconds)
    evaluator = BudgetedEvaluator(backend, budget, np.random.default_rng(seed))
    try:
        for arch in archs:
            evaluator.evaluate(arch)
    except BudgetExhausted:
        pass
    require(evaluator.spent_s <= seconds, "budgeted evaluator overspent")
    require(evaluator.num_queries < len(archs) or total <= seconds,
            "the budgeted evaluator let every query through a budget too small for them")
