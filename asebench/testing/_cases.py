"""Conformance test classes a method, backend or space inherits, as Optuna's samplers do.

Subclass one in a test module of your own and override its fixture; pytest then runs every
promise of the protocol against your object::

    from asebench.testing import SearcherTestCase

    class TestMyMethod(SearcherTestCase):
        @pytest.fixture
        def searcher(self):
            return MyMethod(population=8)

Failures are explicit (:class:`ConformanceError`, raised by :func:`require`), never bare
``assert`` statements that ``python -O`` would remove. The classes need pytest (the ``test``
extra).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from asebench.backends import Backend, restrict_backend
from asebench.records import Budget
from asebench.search import Searcher
from asebench.spaces import Space
from asebench.testing._backend_contract import (
    check_backend_protocol,
    check_budgeted_loop,
    check_evaluations,
    check_report,
    sample_archs,
)
from asebench.testing._fakes import FunctionBackend
from asebench.testing._require import ConformanceError, require, same_trace
from asebench.testing._searcher_contract import (
    check_answer_is_queried,
    check_batch_equals_single,
    check_budget,
    check_costs,
    check_queries_inside,
    check_searcher_protocol,
    check_seeded,
)

__all__ = [
    "BackendTestCase",
    "ConformanceError",
    "SearcherTestCase",
    "SpaceTestCase",
    "require",
    "same_trace",
]


def _restricted_half(backend: Backend) -> Backend:
    """``backend`` restricted to the lower half of every position's choices (at least one)."""
    space = backend.space
    allowed = [tuple(range(max(1, (len(space.choices(p)) + 1) // 2)))
               for p in range(space.num_positions)]
    return restrict_backend(backend, allowed=allowed)


class SearcherTestCase:
    """Every promise of :class:`~asebench.search.Searcher`; override :meth:`searcher`.

    Override :meth:`backend` to test on your own backend (default: a small
    :class:`~asebench.testing.FunctionBackend` with varying costs) and :attr:`budgets` to
    change the budgets tried. Each test is one function of the pytest-free
    :func:`~asebench.testing.check_searcher`.
    """

    budgets: Sequence[Budget] = (Budget(seconds=25.0), Budget(queries=17))

    @pytest.fixture
    def searcher(self) -> Searcher:
        raise NotImplementedError("override the searcher fixture")

    @pytest.fixture
    def backend(self) -> Backend:
        return FunctionBackend(sizes=(3, 2, 4, 3), cost_fn=lambda a: 1.0 + 0.5 * a[0])

    def test_implements_the_protocol(self, searcher: Searcher) -> None:
        check_searcher_protocol(searcher)

    def test_same_seed_gives_the_same_trace(self, searcher: Searcher,
                                            backend: Backend) -> None:
        for budget in self.budgets:
            check_seeded(searcher, backend, budget, 3)

    def test_budget_is_respected(self, searcher: Searcher, backend: Backend) -> None:
        for budget in self.budgets:
            check_budget(searcher.run(backend, budget, np.random.default_rng(5)), budget)

    def test_recorded_costs_are_the_backends(self, searcher: Searcher,
                                             backend: Backend) -> None:
        check_costs(searcher.run(backend, self.budgets[0], np.random.default_rng(7)), backend)

    def test_every_query_is_inside_the_space(self, searcher: Searcher,
                                             backend: Backend) -> None:
        for target in (backend, _restricted_half(backend)):
            trace = searcher.run(target, self.budgets[0], np.random.default_rng(11))
            check_queries_inside(trace, target.space)

    def test_answer_is_a_queried_arch(self, searcher: Searcher, backend: Backend) -> None:
        trace = searcher.run(backend, self.budgets[0], np.random.default_rng(13))
        check_answer_is_queried(trace, backend.space)

    def test_batch_equals_single(self, searcher: Searcher, backend: Backend) -> None:
        check_batch_equals_single(searcher, backend, self.budgets[0], (17, 18, 19))


class BackendTestCase:
    """Every promise of :class:`~asebench.backends.Backend`; override :meth:`backend`.
    Each test is one function of the pytest-free :func:`~asebench.testing.check_backend`."""

    queries: int = 20

    @pytest.fixture
    def backend(self) -> Backend:
        raise NotImplementedError("override the backend fixture")

    def test_implements_the_protocol(self, backend: Backend) -> None:
        check_backend_protocol(backend)

    def test_evaluations_are_finite_and_seeded(self, backend: Backend) -> None:
        check_evaluations(backend, sample_archs(backend, self.queries, 0), 0)

    def test_report_has_test_accuracy(self, backend: Backend) -> None:
        check_report(backend, sample_archs(backend, 1, 0)[0])

    def test_budgeted_loop_stops_within_budget(self, backend: Backend) -> None:
        check_budgeted_loop(backend, sample_archs(backend, self.queries, 0), 0)


class SpaceTestCase:
    """Every promise of :class:`~asebench.spaces.Space`; override :meth:`space`."""

    samples: int = 50

    @pytest.fixture
    def space(self) -> Space:
        raise NotImplementedError("override the space fixture")

    def test_implements_the_protocol(self, space: Space) -> None:
        require(isinstance(space, Space), "not a Space")
        require(len(space.sizes) == space.num_positions, "sizes needs one entry a position")
        require(all(len(space.choices(p)) == n for p, n in enumerate(space.sizes)),
                "sizes must count the choices of each position")

    def test_samples_are_valid_and_seeded(self, space: Space) -> None:
        rng, again = np.random.default_rng(1), np.random.default_rng(1)
        for _ in range(self.samples):
            arch = space.sample(rng)
            require(arch == space.sample(again), "same seed, different sample")
            require(space.contains(arch), f"sampled {arch} outside the space")
            require(space.validate(arch) == arch, f"sampled {arch} is not canonical")
            require(space.parent.contains(arch), "an arch of a sub-space is its parent's")
            require(space.feasible is None or space.feasible(arch),
                    "a sample must meet the space's feasibility rule")

    def test_strings_round_trip(self, space: Space) -> None:
        rng = np.random.default_rng(2)
        for _ in range(self.samples):
            arch = space.sample(rng)
            require(space.from_string(space.to_string(arch)) == arch,
                    f"{arch} does not survive to_string/from_string")

    def test_distance_is_a_metric_and_ball_agrees(self, space: Space) -> None:
        rng = np.random.default_rng(3)
        a, b, c = (space.sample(rng) for _ in range(3))
        require(space.distance(a, a) == 0, "distance(a, a) must be 0")
        require(space.distance(a, b) == space.distance(b, a), "distance must be symmetric")
        require(space.distance(a, c) <= space.distance(a, b) + space.distance(b, c),
                "distance must satisfy the triangle inequality")
        ball = space.ball(a, 1)
        require(ball[0] == a, "ball(center, r) lists the center first")
        require(all(space.distance(a, x) <= 1 for x in ball), "ball(center, 1) too wide")

    def test_apply_edits(self, space: Space) -> None:
        arch = space.sample(np.random.default_rng(4))
        for position in range(space.num_positions):
            for choice in space.allowed_choices(position):
                edited = space.apply(arch, [(position, choice)])
                require(edited[position] == choice, "apply must set the edited position")
                require(space.distance(arch, edited) <= 1, "one edit moves at most 1")
