"""Every built-in method, backend and space passes the conformance kit others subclass.

The kit's classes (:mod:`asebench.testing`) are inherited here exactly as a third party would
inherit them; the example plugin's tests do the same.
"""

from __future__ import annotations

import pytest

from asebench.backends import Backend, TabularBackend, restrict_backend
from asebench.constraints import constrained_backend
from asebench.search import Searcher, get, methods
from asebench.spaces import CategoricalSpace, MobileNetSpace, NB201Space, Space, restrict
from asebench.testing import (
    BackendTestCase,
    ConformanceError,
    FunctionBackend,
    SearcherTestCase,
    SpaceTestCase,
    require,
)

# a small ASE controller so the kit runs fast; the code path is the same
_FAST: dict[str, dict[str, object]] = {
    "ase": {"hidden": 8, "embed": 2},
    "random-in-subspace": {"ase_options": {"hidden": 8, "embed": 2}, "M": 2}}


@pytest.fixture(params=methods.names())
def builtin(request: pytest.FixtureRequest) -> Searcher:
    return get(request.param, **_FAST.get(request.param, {}))


class TestEveryMethod(SearcherTestCase):
    @pytest.fixture
    def searcher(self, builtin: Searcher) -> Searcher:
        return builtin


class TestEveryMethodOnNB201UnderAConstraint(SearcherTestCase):
    """On the real table, restricted to the cheapest quarter by FLOPs."""

    from asebench.records import Budget

    budgets = (Budget(seconds=2000.0),)

    @pytest.fixture
    def searcher(self, builtin: Searcher) -> Searcher:
        return builtin

    @pytest.fixture
    def backend(self) -> Backend:
        return constrained_backend(TabularBackend("cifar100"), ["flops_m<=p25"])[0]


class TestTabularBackend(BackendTestCase):
    @pytest.fixture(params=["cifar10", "ImageNet16-120"])
    def backend(self, request: pytest.FixtureRequest) -> Backend:
        return TabularBackend(request.param)


class TestRestrictedTabularBackend(BackendTestCase):
    @pytest.fixture
    def backend(self) -> Backend:
        return restrict_backend(TabularBackend("cifar10"), allowed=[(1, 2, 3)] * 6)


class TestFunctionBackend(BackendTestCase):
    @pytest.fixture
    def backend(self) -> Backend:
        return FunctionBackend(noise=0.5)


@pytest.mark.parametrize("make", [
    lambda: NB201Space(), lambda: MobileNetSpace(), lambda: CategoricalSpace([["a", "b"]] * 3),
    lambda: restrict(NB201Space(), [(0, 1, 3)] * 6),
    lambda: restrict(NB201Space(), None, lambda arch: sum(arch) % 2 == 0),
], ids=["nb201", "mobilenet", "categorical", "nb201-subset", "nb201-predicate"])
class TestSpaces(SpaceTestCase):
    @pytest.fixture
    def space(self, make: object) -> Space:
        assert callable(make)
        built: Space = make()
        return built


def test_failures_are_explicit_not_bare_asserts() -> None:
    # `python -O` strips assert statements; the kit's checks must still fail there
    with pytest.raises(ConformanceError, match="the reason"):
        require(False, "the reason")
    require(True, "never raised")


class _Overspender:
    """A broken method: one query past a queries budget."""

    name = "overspender"

    def run(self, backend, budget, rng):  # type: ignore[no-untyped-def]
        from asebench.records import Trace

        archs = [backend.space.sample(rng) for _ in range((budget.queries or 5) + 1)]
        results = [backend.evaluate(a, rng) for a in archs]
        return Trace.from_queries(archs, [r.reward for r in results],
                                  [r.cost_s for r in results], archs[0], results[0].reward)


def test_the_kit_catches_a_broken_method() -> None:
    from asebench.records import Budget

    case = SearcherTestCase()
    case.budgets = (Budget(queries=4),)
    with pytest.raises(ConformanceError, match="5 queries under a budget of 4"):
        case.test_budget_is_respected(_Overspender(), FunctionBackend())
