"""Each figure function on small synthetic DataFrames: labels, one artist per method, values
placed where the data says (read back from the Axes), and captions that follow the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure

from asebench.errors import AsebenchError
from asebench.figures import (
    FIG7_LABELS,
    SyntheticArm,
    anytime_curves,
    best_so_far_by_step,
    caption_ablation_curves,
    caption_anytime,
    caption_distance,
    caption_subspace_update,
    caption_sweeps,
    color_for,
    display_name,
    plot_ablation_curves,
    plot_anytime,
    plot_distance,
    plot_subspace_update,
    plot_sweeps,
    subspace_update_summary,
    subspaces_explored,
    sweep_summary,
    synthetic_study,
)

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


def fig7_arms(ase_offset: float = 6.0) -> dict[str, SyntheticArm]:
    return {"random": SyntheticArm("random", 0.0),
            "random-in-subspace": SyntheticArm("random-in-subspace", 2.0),
            "ase-no-update": SyntheticArm("ase", 4.0, {"update": False}),
            "ase": SyntheticArm("ase", ase_offset, {}, {"subspaces_explored": 30})}


def lines_by_label(ax) -> dict[str, object]:
    return {line.get_label(): line for line in ax.get_lines()
            if not line.get_label().startswith("_")}


def bar_container(ax) -> BarContainer:
    return next(c for c in ax.containers if isinstance(c, BarContainer))


def assert_labelled(fig: Figure) -> None:
    for ax in fig.axes:
        assert ax.get_xlabel() or not ax.get_xticks().size, "x axis without label"
        assert ax.get_ylabel(), "y axis without label"


# -- Fig. 6 ------------------------------------------------------------------------------
def distance_frame() -> pd.DataFrame:
    rows = [(d_name, d, 1.0 * d + i, 2.0 * d + i, 100 * d)
            for i, d_name in enumerate(DATASETS) for d in range(1, 7)]
    return pd.DataFrame(rows, columns=["dataset", "distance", "mean_abs_diff", "std_abs_diff",
                                       "pairs"])


def test_distance_plot_has_one_line_per_dataset_with_the_data_values():
    stats = distance_frame()
    fig = plot_distance(stats)
    assert_labelled(fig)
    ax_mean, ax_std = fig.axes
    for ax, column in ((ax_mean, "mean_abs_diff"), (ax_std, "std_abs_diff")):
        lines = lines_by_label(ax)
        assert set(lines) == {"CIFAR-10", "CIFAR-100", "ImageNet16-120", "paper (CIFAR-10)"}
        for dataset in DATASETS:
            line = lines[{"cifar10": "CIFAR-10", "cifar100": "CIFAR-100"}.get(dataset, dataset)]
            expected = stats[stats["dataset"] == dataset][column].to_numpy()
            np.testing.assert_allclose(line.get_ydata(), expected)
            np.testing.assert_allclose(line.get_xdata(), np.arange(1, 7))
        paper = lines["paper (CIFAR-10)"]
        np.testing.assert_allclose(paper.get_xdata(), [1, 2])
    np.testing.assert_allclose(lines_by_label(ax_mean)["paper (CIFAR-10)"].get_ydata(),
                               [4.49, 6.69])
    np.testing.assert_allclose(lines_by_label(ax_std)["paper (CIFAR-10)"].get_ydata(),
                               [6.1, 9.5])


def test_distance_caption_follows_the_data():
    stats = distance_frame()
    assert "grows with distance on 3/3 datasets" in caption_distance(stats)
    flat = stats.copy()
    flat.loc[flat["dataset"] == "cifar10", "mean_abs_diff"] = 5.0
    assert "grows with distance on 2/3 datasets (paper: it grows)" in caption_distance(flat)


# -- Fig. 7 ------------------------------------------------------------------------------
def test_subspace_update_bars_sit_at_the_means_with_std_error_bars():
    runs, _ = synthetic_study(fig7_arms(), DATASETS, seeds=5)
    summary = subspace_update_summary(runs)
    fig = plot_subspace_update(summary)
    assert len(fig.axes) == 3
    assert fig.axes[0].get_ylabel() == "test accuracy of answer (%)"
    for ax, dataset in zip(fig.axes, DATASETS):
        assert ax.get_title() == {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100"}.get(
            dataset, dataset)
        bars = bar_container(ax)
        assert len(bars.patches) == len(FIG7_LABELS)
        for patch, label in zip(bars.patches, FIG7_LABELS):
            mine = runs[(runs["dataset"] == dataset) & (runs["label"] == label)]["test_accuracy"]
            assert patch.get_height() == pytest.approx(mine.mean())
            assert patch.get_label() == display_name(label)
            assert patch.get_facecolor()[:3] == pytest.approx(
                tuple(int(color_for(label)[i:i + 2], 16) / 255 for i in (1, 3, 5)))
        segments = next(c for c in ax.collections if isinstance(c, LineCollection)).get_segments()
        half = [abs(s[1][1] - s[0][1]) / 2 for s in segments]
        expected = [runs[(runs["dataset"] == dataset) & (runs["label"] == label)][
            "test_accuracy"].std() for label in FIG7_LABELS]
        np.testing.assert_allclose(half, expected)


def test_subspace_update_caption_states_when_the_data_disagrees():
    runs, _ = synthetic_study(fig7_arms(ase_offset=20.0), DATASETS, seeds=8)
    assert "ASE-NAS > w/o update: supported" in caption_subspace_update(runs)
    worse, _ = synthetic_study(fig7_arms(ase_offset=-20.0), DATASETS, seeds=8)
    caption = caption_subspace_update(worse)
    assert "ASE-NAS > w/o update: NOT supported (3 reversed of 3 datasets)" in caption


def test_subspace_update_needs_its_labels():
    runs, _ = synthetic_study({"local": SyntheticArm("local")}, seeds=2)
    with pytest.raises(AsebenchError):
        subspace_update_summary(runs)
    with pytest.raises(AsebenchError):
        subspace_update_summary(runs.drop(columns=["label"]))


# -- Fig. 8 ------------------------------------------------------------------------------
def fig8_study():
    arms = {"ase": SyntheticArm("ase", 5.0, {}, {"subspaces_explored": 30}),
            "ase-absolute": SyntheticArm("ase", 0.0, {"reward": "absolute"},
                                         {"subspaces_explored": 12}),
            "ase-no-graph": SyntheticArm("ase", 2.0, {"graph": False},
                                         {"subspaces_explored": 20})}
    return synthetic_study(arms, ("ImageNet16-120",), seeds=6, steps=30)


def test_best_so_far_by_step_is_the_mean_of_running_maxima():
    _, traces = fig8_study()
    curves = best_so_far_by_step(traces)
    rows = curves[(curves["panel"] == "(a) reward type") & (curves["label"] == "ase")]
    ase = traces[traces["label"] == "ase"]
    wide = ase.pivot(index="seed", columns="step", values="reward").cummax(axis=1)
    # every run has >= 30 steps, so the 90% horizon is at least 30 and no run is padded there
    assert len(rows) >= 30
    np.testing.assert_allclose(rows["mean"].to_numpy()[:30], wide.iloc[:, :30].mean().to_numpy())
    np.testing.assert_allclose(rows["std"].to_numpy()[:30], wide.iloc[:, :30].std().to_numpy())


def test_best_so_far_keeps_a_finished_runs_last_value():
    traces = pd.DataFrame({"label": "ase", "seed": [0, 0, 0, 1, 1, 1, 1, 1],
                           "step": [0, 1, 2, 0, 1, 2, 3, 4],
                           "incumbent_reward": [1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 5.0, 6.0]})
    curves = best_so_far_by_step(traces, {"p": ("ase",)}, coverage=1.0)
    assert list(curves["step"]) == [0, 1, 2]  # both runs reach step 2
    curves = best_so_far_by_step(traces, {"p": ("ase",)}, coverage=0.5)
    np.testing.assert_allclose(curves["mean"], [0.5, 1.0, 1.5, 4.0, 4.5])  # run 0 held at 3


def test_ablation_curves_plot_one_line_per_arm_and_bars_for_exploration():
    runs, traces = fig8_study()
    curves = best_so_far_by_step(traces)
    explored = subspaces_explored(runs)
    fig = plot_ablation_curves(curves, explored, dataset="ImageNet16-120")
    assert_labelled(fig)
    assert len(fig.axes) == 3
    for ax, panel, pair in zip(fig.axes, ("(a) reward type", "(b) subspace graph"),
                               (("ase", "ase-absolute"), ("ase", "ase-no-graph"))):
        lines = lines_by_label(ax)
        assert set(lines) == {display_name(p) for p in pair}
        for label in pair:
            rows = curves[(curves["panel"] == panel) & (curves["label"] == label)]
            np.testing.assert_allclose(lines[display_name(label)].get_ydata(), rows["mean"])
            assert lines[display_name(label)].get_color() == color_for(label)
    heights = [p.get_height() for p in bar_container(fig.axes[2]).patches]
    assert heights == pytest.approx([30.0, 12.0])
    caption = caption_ablation_curves(runs, dataset="ImageNet16-120")
    assert "MobileNet space on ImageNet" in caption
    assert "subspaces explored 30.0 (improvement) vs 12.0 (absolute)" in caption


def test_ablation_caption_says_not_supported_when_the_variant_wins():
    arms = {"ase": SyntheticArm("ase", 0.0), "ase-absolute": SyntheticArm("ase", 30.0)}
    runs, _ = synthetic_study(arms, ("cifar10",), seeds=6)
    caption = caption_ablation_curves(runs)
    assert "NOT supported (reversed)" in caption


# -- Fig. 9 ------------------------------------------------------------------------------
def sweep_runs(k_effect, m_effect) -> pd.DataFrame:
    frames = []
    for k in range(1, 7):
        runs, _ = synthetic_study({"ase": SyntheticArm("ase", k_effect(k), {"K": k})}, seeds=4,
                                  seed=k)
        frames.append(runs)
    for m in range(1, 7):
        runs, _ = synthetic_study({"ase": SyntheticArm("ase", m_effect(m), {"M": m})}, seeds=4,
                                  seed=10 + m)
        frames.append(runs)
    return pd.concat(frames, ignore_index=True)


def test_sweep_plot_points_and_error_bars_match_the_runs():
    runs = sweep_runs(lambda k: 3.0 * k, lambda m: -3.0 * abs(m - 3))
    summary = sweep_summary(runs)
    assert list(summary["param"].unique()) == ["K", "M"]
    fig = plot_sweeps(summary, {"K": 4, "M": 4})
    assert_labelled(fig)
    for ax, param in zip(fig.axes, ("K", "M")):
        bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        assert [c.get_label() for c in bars] == ["ASE-NAS", "95% CI of the mean"]
        container = bars[0]
        line = container.lines[0]
        column = f"opt_{param}"
        expected = runs[runs[column].notna()].groupby(column)["test_accuracy"]
        np.testing.assert_allclose(line.get_xdata(), np.arange(1, 7))
        np.testing.assert_allclose(line.get_ydata(), expected.mean().to_numpy())
        std_bars, ci_bars = (c.lines[2][0].get_segments() for c in bars)
        np.testing.assert_allclose([abs(s[1][1] - s[0][1]) / 2 for s in std_bars],
                                   expected.std().to_numpy())
        np.testing.assert_allclose([abs(s[1][1] - s[0][1]) / 2 for s in ci_bars],
                                   1.96 * expected.std().to_numpy() / 2.0)  # n = 4 seeds
    caption = caption_sweeps(summary)
    assert "'smallest K is worst' holds" in caption
    assert "'a middle M is best' holds" in caption


def test_sweep_caption_reports_a_contradicting_trend():
    summary = sweep_summary(sweep_runs(lambda k: -3.0 * k, lambda m: 3.0 * m))
    caption = caption_sweeps(summary)
    assert "'smallest K is worst' does NOT hold" in caption
    assert "'larger K is better' does NOT hold" in caption
    assert "'a middle M is best' does NOT hold" in caption


# -- anytime -----------------------------------------------------------------------------
def test_anytime_curve_is_the_incumbent_test_accuracy_at_each_time():
    traces = pd.DataFrame({
        "label": "ase", "dataset": "cifar10", "seed": [0, 0, 0, 1, 1],
        "elapsed_s": [10.0, 20.0, 30.0, 15.0, 40.0],
        "incumbent_test_accuracy": [80.0, 82.0, 81.0, 90.0, 91.0]})
    curves = anytime_curves(traces, grid=[5.0, 10.0, 15.0, 25.0, 50.0])
    # t=5: nobody has answered; t=10: only run 0; t=15: 80, 90; t=25: 82, 90; t=50: 81, 91
    np.testing.assert_allclose(curves["seconds"], [10.0, 15.0, 25.0, 50.0])
    np.testing.assert_allclose(curves["mean"], [80.0, 85.0, 86.0, 86.0])
    assert list(curves["n"]) == [1, 2, 2, 2]
    np.testing.assert_allclose(curves["std"], [0.0, np.std([80, 90], ddof=1),
                                               np.std([82, 90], ddof=1), np.std([81, 91],
                                                                                ddof=1)])


def test_anytime_plot_has_one_line_per_method_and_dataset_panel():
    arms = {"ase": SyntheticArm("ase", 5.0), "random": SyntheticArm("random"),
            "reinforce": SyntheticArm("reinforce", 1.0)}
    _, traces = synthetic_study(arms, DATASETS, seeds=4)
    curves = anytime_curves(traces, points=20)
    fig = plot_anytime(curves)
    assert len(fig.axes) == 3
    assert fig.axes[0].get_ylabel() and all(ax.get_xlabel() for ax in fig.axes)
    for ax, dataset in zip(fig.axes, DATASETS):
        lines = lines_by_label(ax)
        assert set(lines) == {display_name(k) for k in arms}
        for label in arms:
            rows = curves[(curves["dataset"] == dataset) & (curves["label"] == label)]
            np.testing.assert_allclose(lines[display_name(label)].get_ydata(), rows["mean"])
            np.testing.assert_allclose(lines[display_name(label)].get_xdata(), rows["seconds"])
    assert "CIFAR-10: ASE-NAS ends highest" in caption_anytime(curves)


def test_plot_functions_reject_frames_without_their_columns():
    with pytest.raises(AsebenchError):
        plot_distance(pd.DataFrame({"dataset": []}))
    with pytest.raises(AsebenchError):
        plot_anytime(pd.DataFrame({"label": ["a"], "dataset": ["b"]}))
    with pytest.raises(AsebenchError):
        plot_sweeps(pd.DataFrame(columns=["param", "value", "mean", "std"]))
