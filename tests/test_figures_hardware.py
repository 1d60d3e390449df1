"""The hardware-aware figure: constrained studies at percentile limits, oracle, Pareto front."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from asebench.backends import TabularBackend
from asebench.constraints import feasible_set, metric_values
from asebench.errors import AsebenchError
from asebench.figures._hardware import (
    HardwareStudies,
    hardware_entries,
    pareto_front,
)
from asebench.tables import default_table


def _nb201(dataset: str) -> TabularBackend:
    return TabularBackend(dataset, table=default_table())

TABLE = default_table()


def test_pareto_front_equals_brute_force() -> None:
    front = pareto_front(TABLE, "cifar100", "latency:pixel3")
    cost = metric_values(TABLE, "cifar100", "latency:pixel3")
    accuracy = TABLE.column("cifar100", "test_acc_200_mean").astype(np.float64)
    expected = [i for i in range(TABLE.num_archs)
                if not np.any(((cost <= cost[i]) & (accuracy > accuracy[i]))
                              | ((cost < cost[i]) & (accuracy >= accuracy[i])))]
    # ties in both cost and accuracy keep one representative
    assert set(front["index"]) <= set(expected)
    assert {(cost[i], accuracy[i]) for i in front["index"]} == {
        (cost[i], accuracy[i]) for i in expected}
    assert np.all(np.diff(front["value"]) >= 0) and np.all(np.diff(front["test_accuracy"]) > 0)


def test_plan_has_one_study_per_metric_and_percentile() -> None:
    plan = HardwareStudies(seeds=4, device="raspi4", percentiles=(50, 10))
    specs = plan.specs()
    assert plan.percentiles == (10, 50)
    assert [s.constraints for s in specs.values()] == [
        ("latency:raspi4<=p10",), ("latency:raspi4<=p50",), ("flops_m<=p10",),
        ("flops_m<=p50",)]
    with pytest.raises(AsebenchError, match="percentiles"):
        HardwareStudies(percentiles=(0,))
    assert plan.for_table(TABLE) is plan
    flops_only = HardwareStudies(device="no-such-device").for_table(TABLE)
    assert flops_only.metrics == ("flops_m",) and len(flops_only.specs()) == 4


def test_hardware_figures_from_tiny_studies(tmp_path: Path, one_thread) -> None:
    plan = HardwareStudies(seeds=2, methods=("random", "local"), datasets=("cifar10",),
                           percentiles=(10, 50))
    lines: list[str] = []
    entries = hardware_entries(plan, tmp_path / "out", tmp_path / "studies", 1, False,
                               lines.append, "asebench figures")
    assert [e.name for e in entries] == ["hardware", "hardware_pareto"]
    for entry in entries:
        for name in entry.files:
            assert (tmp_path / "out" / name).stat().st_size > 0
    summary = pd.read_csv(tmp_path / "out" / "hardware.csv")
    assert len(summary) == 2 * 2 * 2  # metrics x percentiles x methods
    for row in summary.itertuples():
        feasible = feasible_set(_nb201("cifar10"), [f"{row.metric}<=p{row.percentile:g}"])
        assert row.oracle == pytest.approx(feasible.oracle("test_acc_200_mean").accuracy,
                                           abs=1e-4)
        assert row.mean <= row.oracle + 1e-6
        assert row.regret == pytest.approx(row.oracle - row.mean, abs=1e-4)  # CSV: 6 digits
    answers = pd.read_csv(tmp_path / "out" / "hardware_pareto_answers.csv")
    assert (answers["value"] <= answers["limit"]).all()
    assert "16 of 16 runs answered a feasible arch" in entries[0].caption
    assert "lie on the front" in entries[1].caption
    # a second call reuses the cached studies
    again = hardware_entries(plan, tmp_path / "out", tmp_path / "studies", 1, False,
                             lines.append, "asebench figures")
    assert again[0].caption == entries[0].caption
