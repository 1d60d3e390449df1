"""NSE and AutoSpace: rounds inside the active space, pools traversed, the reference kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from asebench.backends import TabularBackend, restrict_backend
from asebench.errors import AsebenchError
from asebench.records import Arch, Budget, Evaluation, Trace
from asebench.search import get
from asebench.search._autospace import AutoSpace, _Evolution
from asebench.spaces import MobileNetSpace
from asebench.testing import FunctionBackend, check_searcher

_SECONDS = 25_000.0
_BUDGET = Budget(seconds=_SECONDS)


@pytest.fixture(scope="module")
def cifar10() -> TabularBackend:
    return TabularBackend("cifar10")


class _MobileBackend:
    """A MobileNet-space backend whose reward favours big kernels (fast, deterministic)."""

    def __init__(self) -> None:
        self._space = MobileNetSpace()

    @property
    def space(self) -> MobileNetSpace:
        return self._space

    def evaluate(self, arch: Arch, rng: np.random.Generator) -> Evaluation:
        net = self._space.decode(arch)
        reward = sum(k + 0.5 * e for unit in net.units for k, e in unit)
        return Evaluation(float(reward), 1.0)

    def report(self, arch: Arch) -> Mapping[str, float]:
        return {"test_accuracy": self.evaluate(arch, np.random.default_rng(0)).reward}


def _info(trace: Trace) -> dict[str, Any]:
    return dict(trace.info)


def _rounds(info: dict[str, Any]) -> list[tuple[int, list[list[int]]]]:
    return list(zip(info["round_queries"], info["round_allowed"]))


def test_nse_rounds_stay_inside_the_active_space_and_traverse_the_pools(
        cifar10: TabularBackend) -> None:
    trace = get("nse").run(cifar10, _BUDGET, np.random.default_rng(0))
    info = _info(trace)
    assert info["pool_left"] == 0 and info["rounds"] == len(info["space_size"]) >= 2
    step, seen = 0, [set[int]() for _ in range(6)]
    for count, allowed in _rounds(info):
        assert all(len(codes) == 2 for codes in allowed)
        for arch in trace.archs[step:step + count]:
            assert all(c in codes for c, codes in zip(arch, allowed))
        for p, codes in enumerate(allowed):
            seen[p].update(codes)
        step += count
    assert step == len(trace)
    assert all(s == {0, 1, 2, 3, 4} for s in seen)  # every op tried at every edge
    assert info["space_elapsed_s"][-1] == pytest.approx(trace.spent_s)
    assert trace.spent_s <= _SECONDS
    best = np.maximum.accumulate(trace.rewards)
    assert info["space_best_reward"][-1] == best[-1] == trace.answer_reward


def test_nse_respects_a_round_limit_and_a_query_budget(cifar10: TabularBackend) -> None:
    trace = get("nse", rounds=2).run(cifar10, Budget(queries=60), np.random.default_rng(1))
    assert trace.info["rounds"] == 2 and len(trace) <= 60


@pytest.mark.parametrize("name", ["nse", "autospace"])
def test_inner_ase_and_determinism(name: str, cifar10: TabularBackend) -> None:
    method = get(name, inner="ase", inner_options={"hidden": 8, "embed": 2, "K": 2, "M": 2})
    trace = check_searcher(method, cifar10, Budget(seconds=6000.0), seed=4)
    assert len(trace) > 10
    with pytest.raises(AsebenchError, match="option inner must be one of"):
        get(name, inner="nse")


def test_autospace_keeps_the_reference_in_every_subspace(cifar10: TabularBackend) -> None:
    method = get("autospace")
    rng = np.random.default_rng(2)
    assert isinstance(method, AutoSpace)
    evolution = _Evolution(method, cifar10.space, rng)
    evolution.start(cifar10.evaluate(evolution.reference, rng).reward)
    references = set()
    for _ in range(15):
        assert evolution.generation(lambda arch: cifar10.evaluate(arch, rng))
        references.add(evolution.reference)
        for mask in evolution.population:
            allowed = evolution.allowed(mask)
            assert all(c in codes for c, codes in zip(evolution.reference, allowed))
            assert all(len(codes) <= method.subset for codes in allowed)
    assert len(references) > 1  # the reference moved, and was kept each time


def test_autospace_phases_share_one_budget(cifar10: TabularBackend) -> None:
    trace = get("autospace").run(cifar10, _BUDGET, np.random.default_rng(3))
    info = _info(trace)
    evolved = info["evolve_queries"]
    assert 0 < evolved < len(trace) and trace.spent_s <= _SECONDS
    assert sum(trace.costs[:evolved]) <= 0.5 * _SECONDS
    final = info["final_allowed"]
    assert all(c in codes for c, codes in zip(info["reference"], final))
    for arch in trace.archs[evolved:]:
        assert all(c in codes for c, codes in zip(arch, final))
    assert info["space_elapsed_s"][-1] == pytest.approx(trace.spent_s)
    assert len(info["space_size"]) == info["generations"] + 1
    assert trace.answer_reward == max(trace.rewards)


@pytest.mark.parametrize("name", ["nse", "autospace"])
def test_mobilenet_slots_subset_kernel_expand_and_keep_skip(name: str) -> None:
    backend = _MobileBackend()
    space = backend.space
    trace = check_searcher(get(name), backend, Budget(queries=120), seed=0)
    info = _info(trace)
    allowed = info.get("final_allowed") or info["round_allowed"][-1]
    for p, codes in enumerate(allowed):
        labels = [space.choices(p)[c] for c in codes]
        has_skip = "skip" in space.choices(p)
        assert ("skip" in labels) == has_skip
        assert 1 <= len([x for x in labels if x != "skip"]) <= (2 if name == "nse" else 3)


@pytest.mark.parametrize("name", ["nse", "autospace"])
def test_constrained_backend(name: str, cifar10: TabularBackend) -> None:
    backend = restrict_backend(cifar10, feasible=lambda a: a.count(3) <= 2)
    trace = get(name).run(backend, Budget(seconds=10_000.0), np.random.default_rng(0))
    assert all(a.count(3) <= 2 for a in trace.archs)


@pytest.mark.parametrize("inner", ["random", "reinforce", "local", "evolution"])
@pytest.mark.parametrize("name", ["nse", "autospace"])
def test_every_inner_method_passes_the_contract(name: str, inner: str) -> None:
    backend = FunctionBackend(sizes=(4, 3, 5, 4), cost_fn=lambda a: 1.0 + 0.25 * a[0],
                              noise=0.1)
    trace = check_searcher(get(name, inner=inner), backend, Budget(seconds=60.0), seed=7)
    assert len(trace) >= 20
