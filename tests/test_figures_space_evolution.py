"""The space-evolution figure: sizes and best rewards read from the runs' records."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from asebench.errors import AsebenchError
from asebench.figures._space_evolution import (
    caption_space_evolution,
    evoked_union_size,
    plot_space_evolution,
    space_evolution_curves,
)
from asebench.spaces import NB201Space


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = pd.DataFrame([
        {"label": "nse", "dataset": "cifar10", "seed": s, "sim_seconds": 100.0,
         "info_space_elapsed_s": json.dumps([50.0, 100.0]),
         "info_space_size": json.dumps([64, 32 + 32 * s]), "info_rounds": 2,
         "info_final_centers": None} for s in (0, 1)] + [
        {"label": "ase", "dataset": "cifar10", "seed": 0, "sim_seconds": 100.0,
         "info_space_elapsed_s": None, "info_space_size": None, "info_rounds": None,
         "info_final_centers": json.dumps([[0] * 6, [4] * 6])}])
    traces = pd.DataFrame({
        "label": ["nse"] * 4 + ["ase"] * 2, "dataset": "cifar10", "seed": [0, 0, 1, 1, 0, 0],
        "elapsed_s": [10.0, 60.0, 30.0, 100.0, 40.0, 90.0],
        "incumbent_reward": [1.0, 3.0, 2.0, 2.0, 5.0, 6.0]})
    return runs, traces


def test_union_of_balls_counts_each_arch_once() -> None:
    space = NB201Space()
    a, b = (0,) * 6, (0, 0, 0, 0, 0, 1)
    union = set(space.ball(a, 2)) | set(space.ball(b, 2))
    assert evoked_union_size([a, b], 2, (5,) * 6) == len(union)


def test_curves_follow_the_records() -> None:
    runs, traces = _frames()
    curves = space_evolution_curves(runs, traces, points=4)  # t = 25, 50, 75, 100
    nse = curves[curves.label == "nse"].set_index("seconds")
    assert list(nse["size_median"]) == [64, 64, 48, 48]  # round 2: 32 and 64 archs
    assert list(nse["size_q25"]) == [64, 64, 40, 40]
    assert list(nse["reward_mean"]) == pytest.approx([1.0, 1.5, 2.5, 2.5])
    ase = curves[curves.label == "ase"]
    space = NB201Space()
    size = len(set(space.ball((0,) * 6, 4)) | set(space.ball((4,) * 6, 4)))
    assert (ase["size_median"] == size).all()
    assert list(ase["reward_mean"])[1:] == [5.0, 5.0, 6.0]
    assert list(nse["reward_sem"])[:1] == [0.0] and list(nse["n"]) == [1, 2, 2, 2]
    caption = caption_space_evolution(curves, runs)
    assert "NSE 48 archs, 2.0 rounds, reward 2.50" in caption and "highest: ASE-NAS" in caption
    fig = plot_space_evolution(curves)
    assert len(fig.axes) == 2 and fig.axes[0].get_yscale() == "log"
    with pytest.raises(AsebenchError, match="no space-evolution records"):
        space_evolution_curves(runs.assign(info_space_elapsed_s=None, info_final_centers=None),
                               traces)
    assert np.isnan(curves["reward_mean"]).sum() == 1  # ase before its first query
