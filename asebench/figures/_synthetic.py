"""Small synthetic study results with the store's columns, for tests and examples.

The numbers mean nothing; they follow the runs/traces column contract of
``asebench.analysis.load`` so that every plot function can be exercised without a study.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["SyntheticArm", "synthetic_study"]


@dataclass(frozen=True)
class SyntheticArm:
    """One label of a synthetic study.

    Attributes:
        method: the searcher name written in the ``method`` column.
        offset: added to every reward, so arms differ in a known direction.
        options: written as ``opt_<name>`` columns of the runs.
        info: written as ``info_<name>`` columns of the runs (constant per arm).
    """

    method: str
    offset: float = 0.0
    options: Mapping[str, object] = field(default_factory=dict)
    info: Mapping[str, float] = field(default_factory=dict)


def synthetic_study(arms: Mapping[str, SyntheticArm], datasets: Sequence[str] = ("cifar10",),
                    seeds: int = 4, steps: int = 20, seed: int = 0
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs and traces DataFrames for ``arms`` x ``datasets`` x ``seeds``.

    Each run makes ``steps`` to ``steps + 4`` queries whose rewards are uniform in [50, 90) plus
    the arm's offset; test accuracy is the reward plus 1; costs are uniform in [50, 150) s.
    """
    rng = np.random.default_rng(seed)
    run_rows: list[dict[str, object]] = []
    trace_frames: list[pd.DataFrame] = []
    for label, arm in arms.items():
        for dataset in datasets:
            for s in range(seeds):
                n = steps + int(rng.integers(0, 5))
                reward = rng.uniform(50.0, 90.0, n) + arm.offset
                test = reward + 1.0
                cost = rng.uniform(50.0, 150.0, n)
                best = np.maximum.accumulate(reward)
                at_best = np.array([test[: i + 1][np.argmax(reward[: i + 1])] for i in range(n)])
                archs = [f"arch-{int(a)}" for a in rng.integers(0, 15625, n)]
                trace_frames.append(pd.DataFrame({
                    "label": label, "method": arm.method, "dataset": dataset, "seed": s,
                    "step": np.arange(n), "arch": archs, "reward": reward, "cost_s": cost,
                    "elapsed_s": np.cumsum(cost), "test_accuracy": test,
                    "incumbent_reward": best, "incumbent_test_accuracy": at_best,
                }))
                row: dict[str, object] = {
                    "method": arm.method, "label": label, "dataset": dataset, "seed": s,
                    "arch": archs[int(np.argmax(reward))], "reward": float(best[-1]),
                    "test_accuracy": float(at_best[-1]), "queries": n,
                    "sim_seconds": float(cost.sum()), "wall_seconds": 0.01,
                }
                row.update({f"opt_{k}": v for k, v in arm.options.items()})
                row.update({f"info_{k}": v for k, v in arm.info.items()})
                run_rows.append(row)
    return pd.DataFrame(run_rows), pd.concat(trace_frames, ignore_index=True)
