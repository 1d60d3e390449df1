"""Check a study against the real spaces and data before anything is written.

:class:`StudySpec` checks names and option ranges by itself. What depends on a space or a
dataset (ASE-NAS's ``M`` against the space's ``L``, a subspace center, a constraint, a
backend option, the data file) is only known once the backend exists. :func:`check_study`
builds the backend of every dataset exactly as a worker does, builds every method's searcher
and starts it on that backend with no query allowed: each searcher runs its own set-up checks
against the real space and stops at its first query, so a bad option fails here, before the
study directory is created, and nothing is evaluated or charged.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from asebench.backends import Backend
from asebench.errors import BudgetExhausted
from asebench.records import Arch, Budget, Evaluation
from asebench.study._execute import RunContext, make_backend, make_searcher
from asebench.study._resolve import resolve_spec
from asebench.study._spec import StudySpec

__all__ = ["check_study", "run_context"]


class _NoQueries:
    """The real backend's space; any query ends the run (nothing is evaluated or charged)."""

    def __init__(self, backend: Backend) -> None:
        self.space = backend.space

    def evaluate(self, arch: Arch, rng: np.random.Generator) -> Evaluation:
        raise BudgetExhausted("dry run: no query allowed")

    def report(self, arch: Arch) -> Mapping[str, float]:
        raise BudgetExhausted("dry run: no query allowed")


def run_context(spec: StudySpec, budget_s: float | None) -> RunContext:
    """What every run of ``spec`` shares (how its backends are built, its budget)."""
    return RunContext(spec.backend, spec.factory_options(), budget_s, spec.master_seed,
                      spec.constraints, spec.budget_queries)


def check_study(spec: StudySpec, budget_s: float | None = None) -> None:
    """Raise the one-line :class:`asebench.errors.AsebenchError` that a run of ``spec`` would
    raise on its own space or data, without writing or evaluating anything.

    Args:
        spec: the study (resolved here first: :func:`asebench.study.resolve_spec`).
        budget_s: its budget per run in simulated seconds (default: the spec's).
    """
    check_resolved_study(resolve_spec(spec), budget_s)


def check_resolved_study(spec: StudySpec, budget_s: float | None = None) -> None:
    """:func:`check_study` of a spec :func:`~asebench.study.resolve_spec` has resolved."""
    if budget_s is None:
        budget_s = spec.budget_s
    context = run_context(spec, budget_s)
    budget = Budget(seconds=budget_s, queries=1)
    for dataset in spec.datasets:
        backend = _NoQueries(make_backend(context, dataset))
        for method in spec.method_specs:
            searcher = make_searcher(method.name, method.options)
            try:
                searcher.run(backend, budget, np.random.default_rng(0))
            except BudgetExhausted:
                pass  # reached its first query: every set-up check passed
