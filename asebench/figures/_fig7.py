"""Fig. 7: search performance with and without subspace updating (bars with error bars)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from asebench.figures._checks import require_columns
from asebench.figures._stats import compare, summarize
from asebench.figures._style import (
    color_for,
    dataset_name,
    display_name,
    new_figure,
    styled,
)

__all__ = ["FIG7_LABELS", "caption_subspace_update", "plot_subspace_update",
           "subspace_update_summary"]

FIG7_LABELS = ("random", "random-in-subspace", "ase-no-update", "ase")
"""Study labels of the four bars, in the paper's order."""


def subspace_update_summary(runs: pd.DataFrame, labels: Sequence[str] = FIG7_LABELS,
                            value: str = "test_accuracy") -> pd.DataFrame:
    """Mean/std/n of ``value`` per dataset and label (one row per bar).

    Args:
        runs: one row per run with ``dataset``, ``label`` and ``value`` columns.
        labels: which labels to keep, in bar order.
        value: the column to summarise (default: reported test accuracy).
    """
    require_columns(runs, ("dataset", "label", value), "runs")
    kept = runs[runs["label"].isin(labels)]
    if kept.empty:
        raise_missing(labels)
    out = summarize(kept, ["dataset", "label"], value)
    order = {label: i for i, label in enumerate(labels)}
    datasets = {d: i for i, d in enumerate(kept["dataset"].unique())}
    out = out.assign(_d=out["dataset"].map(datasets), _l=out["label"].map(order))
    return out.sort_values(["_d", "_l"]).drop(columns=["_d", "_l"]).reset_index(drop=True)


def raise_missing(labels: Sequence[str]) -> None:
    from asebench.errors import AsebenchError

    raise AsebenchError(f"runs hold none of the labels {', '.join(labels)}")


@styled
def plot_subspace_update(summary: pd.DataFrame) -> Figure:
    """One panel per dataset, one bar (mean, error bar = std) per label.

    Args:
        summary: columns ``dataset``, ``label``, ``mean``, ``std`` (from
            :func:`subspace_update_summary`); bars follow its row order.
    """
    require_columns(summary, ("dataset", "label", "mean", "std"), "Fig. 7 summary")
    datasets = list(summary["dataset"].unique())
    labels = list(summary["label"].unique())
    fig, axes = new_figure(ncols=len(datasets), height=2.4)
    for ax, dataset in zip(axes, datasets):
        rows = summary[summary["dataset"] == dataset].set_index("label")
        present = [label for label in labels if label in rows.index]
        x = np.arange(len(present))
        means = rows.loc[present, "mean"].to_numpy(float)
        stds = rows.loc[present, "std"].to_numpy(float)
        bars = ax.bar(x, means, yerr=stds, width=0.7, capsize=3,
                      color=[color_for(label) for label in present])
        for patch, label in zip(bars.patches, present):
            patch.set_label(display_name(label))
        low = float(np.min(means - stds))
        high = float(np.max(means + stds))
        pad = 0.15 * max(high - low, 0.5)
        ax.set_ylim(low - pad, high + pad)
        ax.set_xticks([])
        ax.set_title(dataset_name(dataset))
        ax.grid(axis="x", visible=False)
    axes[0].set_ylabel("test accuracy of answer (%)")
    handles = [Patch(facecolor=color_for(label), label=display_name(label)) for label in labels]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(labels), 4),
               frameon=False)
    return fig


def caption_subspace_update(runs: pd.DataFrame, value: str = "test_accuracy") -> str:
    """Two-line caption; the verdict on the paper's three claims is computed from ``runs``."""
    require_columns(runs, ("dataset", "label", value), "runs")
    line1 = ("Reported test accuracy (mean, error bar = std over seeds) of random search over the "
             "whole space, random search inside ASE-NAS's final evoked subspace, ASE-NAS without "
             "subspace update and ASE-NAS.")
    claims = [("ase", "ase-no-update", "ASE-NAS > w/o update"),
              ("random-in-subspace", "random", "random in subspace > random overall"),
              ("ase", "random-in-subspace", "ASE-NAS > random in subspace")]
    parts = []
    datasets = list(runs["dataset"].unique())
    for a, b, text in claims:
        statuses = []
        for dataset in datasets:
            here = runs[runs["dataset"] == dataset]
            ra, rb = here[here["label"] == a], here[here["label"] == b]
            if not ra.empty and not rb.empty:
                statuses.append(compare(ra, rb, value).claim())
        if statuses:
            held = statuses.count("supported")
            overall = ("supported" if held == len(statuses)
                       else "NOT supported" if held == 0 else "partly supported")
            detail = ", ".join(f"{statuses.count(s)} {s}" for s in
                               ("supported", "not significant", "reversed") if s in statuses)
            parts.append(f"{text}: {overall} ({detail} of {len(statuses)} datasets)")
    return (line1 + "\n" + "Paper's claims on our data (one-sided paired test, p<0.05): "
            + "; ".join(parts) + ".")
