"""Fig. 6 plot and caption: |accuracy difference| against architecture distance."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from asebench.figures._checks import require_columns
from asebench.figures._distance import PAPER_FIG6
from asebench.figures._style import color_for, dataset_name, new_figure, styled

__all__ = ["caption_distance", "plot_distance"]

_COLUMNS = ("dataset", "distance", "mean_abs_diff", "std_abs_diff")


@styled
def plot_distance(stats: pd.DataFrame, paper: pd.DataFrame | None = PAPER_FIG6) -> Figure:
    """Mean (left) and std (right) of |acc(a) - acc(b)| against distance, one line per dataset.

    Args:
        stats: columns ``dataset``, ``distance``, ``mean_abs_diff``, ``std_abs_diff`` (as from
            :func:`distance_accuracy_table`).
        paper: the paper's points with the same columns, drawn as black crosses (None: omit).
    """
    require_columns(stats, _COLUMNS, "distance statistics")
    fig, (ax_mean, ax_std) = new_figure(ncols=2, height=2.2)
    for dataset, group in stats.groupby("dataset", sort=False):
        group = group.sort_values("distance")
        for ax, column in ((ax_mean, "mean_abs_diff"), (ax_std, "std_abs_diff")):
            ax.plot(group["distance"], group[column], marker="o", color=color_for(str(dataset)),
                    label=dataset_name(str(dataset)))
    if paper is not None and len(paper):
        for ax, column in ((ax_mean, "mean_abs_diff"), (ax_std, "std_abs_diff")):
            names = ", ".join(dataset_name(d) for d in paper["dataset"].unique())
            ax.plot(paper["distance"], paper[column], linestyle="none", marker="x",
                    markersize=7, color="black", label=f"paper ({names})")
    ax_mean.set_ylabel("mean |acc(a) - acc(b)| (%)")
    ax_std.set_ylabel("std of |acc(a) - acc(b)| (%)")
    for ax, tag in ((ax_mean, "(a)"), (ax_std, "(b)")):
        ax.set_xlabel("architecture distance D(a, b)")
        ax.set_xticks(sorted(stats["distance"].unique()))
        ax.set_title(f"{tag} NB201, all ordered pairs")
    ax_mean.legend(loc="lower right")
    return fig


def _increasing(values: np.ndarray) -> bool:
    return bool(np.all(np.diff(values) > 0))


def caption_distance(stats: pd.DataFrame, paper: pd.DataFrame = PAPER_FIG6) -> str:
    """Two-line caption whose verdict is computed from ``stats`` (not assumed)."""
    require_columns(stats, _COLUMNS, "distance statistics")
    rising_mean, rising_std = [], []
    for dataset, group in stats.groupby("dataset", sort=False):
        group = group.sort_values("distance")
        if _increasing(group["mean_abs_diff"].to_numpy()):
            rising_mean.append(dataset_name(str(dataset)))
        if _increasing(group["std_abs_diff"].to_numpy()):
            rising_std.append(dataset_name(str(dataset)))
    all_sets = stats["dataset"].nunique()
    line1 = ("Mean and std of |test acc(a) - test acc(b)| (200-epoch mean) over all ordered pairs "
             "of distinct NB201 archs at each distance; crosses: the paper's CIFAR-10 numbers.")
    verdict = []
    verdict.append(
        f"The mean grows with distance on {len(rising_mean)}/{all_sets} datasets"
        + ("" if len(rising_mean) == all_sets else " (paper: it grows)")
        + f", the std on {len(rising_std)}/{all_sets}")
    ours = stats.set_index(["dataset", "distance"])
    deltas = []
    for _, row in paper.iterrows():
        key = (row["dataset"], row["distance"])
        if key in ours.index:
            mine = ours.loc[key]
            deltas.append(
                f"d={int(row['distance'])}: mean {mine['mean_abs_diff']:.2f} vs "
                f"{row['mean_abs_diff']:.2f}, std {mine['std_abs_diff']:.1f} vs "
                f"{row['std_abs_diff']:.1f}")
    if deltas:
        verdict.append("ours vs paper (100 sampled trials) on CIFAR-10: " + "; ".join(deltas))
    return line1 + "\n" + "; ".join(verdict) + "."

