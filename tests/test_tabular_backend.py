from __future__ import annotations

import numpy as np
import pytest

from asebench.backends import (
    BudgetedEvaluator,
    EvalProtocol,
    TabularBackend,
    get_backend,
    get_protocol,
)
from asebench.errors import AsebenchError, BudgetExhausted
from asebench.records import Budget
from asebench.testing import check_backend

BEST_C100 = (3, 3, 3, 1, 3, 3)  # arch 9930


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100", "ImageNet16-120"])
@pytest.mark.parametrize("protocol", ["paper", "valid200"])
def test_backend_contract(dataset: str, protocol: str) -> None:
    check_backend(TabularBackend(dataset, protocol))


def test_paper_protocol_values(table) -> None:
    backend = TabularBackend("cifar100", "paper")
    assert backend.reward_column == "vtao_test_acc_12_single"
    result = backend.evaluate(BEST_C100, np.random.default_rng(0))
    assert result.reward == pytest.approx(61.12, abs=1e-4)
    # the paper protocol charges the cifar10-valid cost on every dataset
    assert result.cost_s == pytest.approx(float(table.column("cifar10", "cost_12ep_s")[9930]))
    assert backend.report(BEST_C100)["test_accuracy"] == pytest.approx(73.5133, abs=1e-3)


def test_cost_source_own_charges_the_dataset_time(table) -> None:
    backend = TabularBackend("ImageNet16-120", get_protocol("paper", cost_source="own"))
    result = backend.evaluate(BEST_C100, np.random.default_rng(0))
    own_cost = float(table.column("ImageNet16-120", "cost_12ep_s")[9930])
    assert result.cost_s == pytest.approx(own_cost)


def test_valid200_draws_a_stored_seed_deterministically() -> None:
    backend = TabularBackend("cifar100", "valid200")
    draws = [backend.evaluate(BEST_C100, np.random.default_rng(3)).reward for _ in range(5)]
    assert len(set(draws)) == 1
    rng = np.random.default_rng(0)
    seen = {round(backend.evaluate(BEST_C100, rng).reward, 2) for _ in range(200)}
    assert seen == {73.52, 73.38, 73.58}


def test_batch_query_matches_single_queries(table) -> None:
    backend = TabularBackend("ImageNet16-120", "paper")
    indices = np.arange(0, 15625, 7)
    rewards, costs = backend.evaluate_batch(indices)
    rng = np.random.default_rng(0)
    for i in indices[:50]:
        arch = backend.space.from_index(int(i))
        single = backend.evaluate(arch, rng)
        assert rewards[list(indices).index(i)] == pytest.approx(single.reward)
        assert costs[list(indices).index(i)] == pytest.approx(single.cost_s)
    codes = table.arch_codes[indices]
    assert (backend.indices_of(codes) == indices).all()


def test_batch_query_per_seed_is_seeded_and_uses_stored_values(table) -> None:
    backend = TabularBackend("cifar100", "valid200")
    indices = np.repeat(9930, 300)
    first, _ = backend.evaluate_batch(indices, np.random.default_rng(1))
    again, _ = backend.evaluate_batch(indices, np.random.default_rng(1))
    assert (first == again).all()
    assert {round(float(x), 2) for x in first} == {73.52, 73.38, 73.58}
    with pytest.raises(AsebenchError, match="rng"):
        backend.evaluate_batch(indices)


def test_metrics_columns_are_attached_on_request() -> None:
    backend = TabularBackend("cifar10", metrics=("flops_m", "params_m"))
    result = backend.evaluate(BEST_C100, np.random.default_rng(0))
    assert set(result.metrics) == {"flops_m", "params_m"}


def test_budgeted_evaluator_never_overspends() -> None:
    backend = TabularBackend("cifar10")
    rng = np.random.default_rng(0)
    evaluator = BudgetedEvaluator(backend, Budget(seconds=25_000), rng)
    with pytest.raises(BudgetExhausted):
        while True:
            evaluator.evaluate(backend.space.sample(rng))
    trace = evaluator.trace()
    assert trace.spent_s <= 25_000
    assert 150 < len(trace) < 300
    assert trace.answer_reward == max(trace.rewards)
    rows = list(trace)
    assert rows[-1].incumbent == trace.answer
    assert rows[-1].elapsed_s == pytest.approx(trace.spent_s)


def test_query_budget() -> None:
    backend = TabularBackend("cifar10")
    evaluator = BudgetedEvaluator(backend, Budget(queries=3), np.random.default_rng(0))
    with pytest.raises(BudgetExhausted):
        for _ in range(4):
            evaluator.evaluate(backend.space.sample(evaluator.rng))
    assert evaluator.num_queries == 3


@pytest.mark.parametrize("kwargs, message", [
    ({"dataset": "mnist"}, "unknown dataset"),
    ({"dataset": "cifar10", "protocol": "nope"}, "unknown protocol"),
])
def test_bad_configuration_is_a_one_line_error(kwargs, message) -> None:
    with pytest.raises(AsebenchError, match=message):
        get_backend("tabular", **kwargs)


def test_user_defined_protocol_is_plain_data() -> None:
    protocol = EvalProtocol("mine", reward_columns=("valid_acc_200_mean",), budget_s=1e5)
    backend = TabularBackend("cifar10", protocol)
    assert backend.reward_column == "valid_acc_200_mean"
    with pytest.raises(AsebenchError, match="none of the reward columns"):
        TabularBackend("cifar10", EvalProtocol("bad", reward_columns=("nope",)))
    with pytest.raises(AsebenchError, match="cost_source"):
        get_protocol("paper", cost_source="moon")


def test_not_an_arch_is_rejected() -> None:
    backend = TabularBackend("cifar10")
    with pytest.raises(AsebenchError, match="not an NB201 arch"):
        backend.evaluate((9, 9, 9, 9, 9, 9), np.random.default_rng(0))
    with pytest.raises(AsebenchError):
        Budget()
