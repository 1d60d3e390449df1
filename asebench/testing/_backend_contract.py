"""The promises of the Backend protocol, one function each (no pytest needed).

:func:`check_backend` runs them all; the pytest classes of :mod:`asebench.testing` run each
as a test of its own. Every function raises :class:`~asebench.testing.ConformanceError` on a
broken promise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from asebench.backends import Backend, BudgetedEvaluator
from asebench.errors import BudgetExhausted
from asebench.records import Arch, Budget, Evaluation
from asebench.testing._require import require

__all__ = ["check_backend", "check_backend_protocol", "check_budgeted_loop",
           "check_evaluations", "check_report", "sample_archs"]


def check_backend_protocol(backend: object) -> None:
    """It implements :class:`~asebench.backends.Backend`."""
    require(isinstance(backend, Backend), "not a Backend (needs space, evaluate, report)")


def sample_archs(backend: Backend, count: int, seed: int) -> list[Arch]:
    """``count`` seeded samples of the backend's space, each checked to be canonical."""
    rng = np.random.default_rng(seed)
    archs = [backend.space.sample(rng) for _ in range(count)]
    for arch in archs:
        require(backend.space.validate(arch) == arch, f"sampled arch {arch} is not canonical")
    return archs


def check_evaluations(backend: Backend, archs: Sequence[Arch], seed: int) -> None:
    """Every evaluation is an :class:`Evaluation` with a finite reward and a finite cost
    >= 0, and the same seed gives the same reward."""
    for i, arch in enumerate(archs):
        first = backend.evaluate(arch, np.random.default_rng([seed, i]))
        again = backend.evaluate(arch, np.random.default_rng([seed, i]))
        require(isinstance(first, Evaluation), "evaluate must return an Evaluation")
        require(math.isfinite(first.reward), f"reward of {arch} not finite: {first}")
        require(first.cost_s >= 0 and math.isfinite(first.cost_s),
                f"cost of {arch} must be finite and >= 0: {first}")
        require(first.reward == again.reward, f"same seed, different reward for {arch}")


def check_report(backend: Backend, arch: Arch) -> None:
    """``report`` has a finite ``test_accuracy``."""
    report = backend.report(arch)
    require("test_accuracy" in report, "report() needs a test_accuracy entry")
    require(math.isfinite(float(report["test_accuracy"])), "test_accuracy not finite")


def check_budgeted_loop(backend: Backend, archs: Sequence[Arch], seed: int) -> None:
    """A searcher-style loop through :class:`BudgetedEvaluator` with half the seconds the
    archs cost stops within its budget, before it has queried them all."""
    total = sum(backend.evaluate(a, np.random.default_rng(seed)).cost_s for a in archs)
    seconds = max(total / 2, 1e-9)
    evaluator = BudgetedEvaluator(backend, Budget(seconds=seconds), np.random.default_rng(seed))
    try:
        for arch in archs:
            evaluator.evaluate(arch)
    except BudgetExhausted:
        pass
    require(evaluator.spent_s <= seconds, "the budgeted evaluator overspent")
    require(evaluator.num_queries < len(archs) or total <= seconds,
            "the budgeted evaluator let every query through a budget too small for them")


def check_backend(backend: Backend, *, queries: int = 20, seed: int = 0) -> None:
    """Raise :class:`~asebench.testing.ConformanceError` unless ``backend`` honours every
    promise of the Backend protocol.

    Args:
        backend: the backend under test.
        queries: how many random archs to evaluate.
        seed: seed of the generator used to sample archs and rewards.
    """
    check_backend_protocol(backend)
    archs = sample_archs(backend, queries, seed)
    check_evaluations(backend, archs, seed)
    check_report(backend, archs[0])
    check_budgeted_loop(backend, archs, seed)
