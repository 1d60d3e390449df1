"""The sub-space restriction mechanism: SubSpace, RestrictedBackend, searchers inside it."""

from __future__ import annotations

import numpy as np
import pytest

from asebench.backends import BudgetedEvaluator, RestrictedBackend, TabularBackend, restrict_backend
from asebench.errors import AsebenchError
from asebench.records import Budget
from asebench.search import get, methods
from asebench.spaces import MobileNetSpace, NB201Space, Space, SubSpace, restrict
from asebench.testing import FunctionBackend, check_searcher

_FAST: dict[str, dict[str, object]] = {"ase": {"hidden": 8, "embed": 2},
         "random-in-subspace": {"ase_options": {"hidden": 8, "embed": 2}, "M": 2}}
_ALLOWED = [(2, 3), (0, 1, 3), (3,), (1, 2, 4), (0, 3), (2, 3, 4)]


def test_full_spaces_allow_everything() -> None:
    space = NB201Space()
    assert space.allowed_choices(2) == (0, 1, 2, 3, 4)
    assert space.contains((0, 1, 2, 3, 4, 0)) and not space.contains((5, 0, 0, 0, 0, 0))
    assert not space.contains((0, 0)) and isinstance(restrict(space, _ALLOWED), Space)
    mobile = MobileNetSpace()
    assert mobile.allowed_choices(2) == tuple(range(10))
    assert mobile.contains(mobile.largest())


def test_subspace_product_part() -> None:
    sub = restrict(NB201Space(), _ALLOWED)
    assert sub.size == 2 * 3 * 1 * 3 * 2 * 3 and sub.allowed_choices(1) == (0, 1, 3)
    rng = np.random.default_rng(0)
    draws = {sub.sample(rng) for _ in range(2000)}
    assert len(draws) == sub.size and all(sub.contains(a) for a in draws)
    center = (2, 0, 3, 1, 0, 2)
    ball = sub.ball(center, 2)
    full = [a for a in NB201Space().ball(center, 2) if sub.contains(a)]
    assert ball[0] == center and sorted(ball) == sorted(full)
    # a center outside: positions holding a disallowed choice must change
    outside = (0, 0, 0, 1, 0, 2)
    assert sorted(sub.ball(outside, 3)) == sorted(
        a for a in NB201Space().ball(outside, 3) if sub.contains(a))
    assert sub.ball(outside, 1) == []
    with pytest.raises(AsebenchError, match="position 2 choice nor_conv_1x1 not in"):
        sub.validate((2, 0, 2, 1, 0, 2))
    assert sub.to_string(center) == NB201Space().to_string(center)
    mobile = MobileNetSpace()
    arch = mobile.largest()
    assert restrict(mobile).parent.decode(arch) == mobile.decode(arch)  # the parent's extras


def test_subspace_predicate_and_intersection() -> None:
    sub = restrict(NB201Space(), feasible=lambda a: sum(a) <= 4)
    rng = np.random.default_rng(1)
    assert all(sum(sub.sample(rng)) <= 4 for _ in range(200))
    with pytest.raises(AsebenchError, match="infeasible"):
        sub.validate((4,) * 6)
    both = sub.restrict(_ALLOWED)
    assert both.allowed == restrict(NB201Space(), _ALLOWED).allowed
    assert not both.contains((3, 3, 3, 1, 0, 2)) and both.contains((2, 0, 3, 1, 0, 2)) is False
    assert restrict(both, [(2,), (0,), (3,), (1,), (0,), (2,)]).size == 1
    never = restrict(NB201Space(), feasible=lambda a: False)
    with pytest.raises(AsebenchError, match="no feasible arch"):
        SubSpace(NB201Space(), feasible=never.feasible, max_tries=50).sample(rng)
    with pytest.raises(AsebenchError, match="allows no choice"):
        restrict(NB201Space(), [(2,), (), (3,), (1,), (0,), (2,)])
    with pytest.raises(AsebenchError, match="outside 0..4"):
        restrict(NB201Space(), [(7,)] * 6)


def test_restricted_backend_refuses_outside_without_charging() -> None:
    backend = restrict_backend(TabularBackend("cifar10"), _ALLOWED)
    evaluator = BudgetedEvaluator(backend, Budget(seconds=25_000.0), np.random.default_rng(0))
    inside = (2, 0, 3, 1, 0, 2)
    evaluator.evaluate(inside)
    with pytest.raises(AsebenchError, match="outside the sub-space"):
        evaluator.evaluate((4, 0, 3, 1, 0, 2))
    assert evaluator.num_queries == 1 and evaluator.spent_s == evaluator.costs[0]
    assert backend.wrapped.dataset == "cifar10" and backend.report(inside)["test_accuracy"] > 0
    nested = restrict_backend(backend, feasible=lambda a: a[0] == 3)
    assert isinstance(nested.backend, TabularBackend)  # one check, not a chain
    assert nested.space.size == backend.space.size  # the product part
    assert len(nested.space.ball(inside, 6)) == backend.space.size // 2
    with pytest.raises(AsebenchError, match="infeasible"):
        nested.evaluate(inside, np.random.default_rng(0))
    with pytest.raises(AsebenchError, match="does not match"):
        RestrictedBackend(FunctionBackend(), restrict(NB201Space()))


@pytest.mark.parametrize("name", methods.names())
def test_contract_on_restricted_backend(name: str) -> None:
    """Every method proposes only inside a product sub-space (the contract validates each
    query with the sub-space) and inside one with a predicate."""
    base = FunctionBackend(sizes=(4, 3, 5, 4), cost_fn=lambda a: 1.0 + 0.5 * a[0])
    product = restrict_backend(base, [(1, 3), (0, 2), (0, 1, 4), (2,)])
    check_searcher(get(name, **_FAST.get(name, {})), product, Budget(queries=17), seed=3)
    odd = restrict_backend(base, [(0, 1, 3), (0, 2), (0, 1, 4), (2, 3)],
                           feasible=lambda a: sum(a) % 2 == 1)
    trace = check_searcher(get(name, **_FAST.get(name, {})), odd, Budget(seconds=20.0), seed=5)
    assert all(sum(a) % 2 == 1 for a in trace.archs)


@pytest.mark.parametrize("name", ["random", "reinforce", "evolution", "local"])
def test_restricted_search_on_nb201(name: str) -> None:
    backend = restrict_backend(TabularBackend("cifar100"), _ALLOWED,
                               feasible=lambda a: a[0] != 3 or a[1] != 3)
    trace = get(name).run(backend, Budget(seconds=25_000.0), np.random.default_rng(0))
    assert len(trace) > 50 and all(backend.space.contains(a) for a in trace.archs)


def test_local_search_ends_when_a_small_space_is_exhausted() -> None:
    backend = restrict_backend(TabularBackend("cifar10"), [(2, 3)] * 3 + [(1,)] * 3)
    trace = get("local").run(backend, Budget(seconds=1e9), np.random.default_rng(0))
    assert sorted(set(trace.archs)) == sorted(backend.space.ball((2, 2, 2, 1, 1, 1), 6))
    assert len(trace) == 8
