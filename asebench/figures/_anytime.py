"""Anytime curves: test accuracy of the incumbent against simulated search seconds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from asebench.errors import AsebenchError
from asebench.figures._checks import require_columns
from asebench.figures._style import (
    color_for,
    dataset_name,
    display_name,
    linestyle_for,
    new_figure,
    ordered,
    styled,
)

__all__ = ["anytime_curves", "caption_anytime", "plot_anytime"]

_TRACE_COLUMNS = ("label", "dataset", "seed", "elapsed_s", "incumbent_test_accuracy")


def anytime_curves(traces: pd.DataFrame, grid: Sequence[float] | None = None,
                   points: int = 50) -> pd.DataFrame:
    """Mean, std and standard error over runs of the incumbent's test accuracy at given times.

    At time t a run's value is the reported test accuracy of its best-reward arch among the
    queries finished by t; a run has no value before its first query finishes, and keeps its
    last value after its budget is spent.

    Args:
        traces: one row per query with ``label``, ``dataset``, ``seed``, ``elapsed_s`` and
            ``incumbent_test_accuracy``.
        grid: simulated seconds to evaluate at (default: ``points`` evenly spaced up to the
            longest run).
        points: grid size when ``grid`` is None.

    Returns:
        Columns ``label``, ``dataset``, ``seconds``, ``mean``, ``std``, ``sem``, ``n``.
    """
    require_columns(traces, _TRACE_COLUMNS, "traces")
    if grid is None:
        if points < 2:
            raise AsebenchError(f"points must be >= 2, got {points}")
        times = np.linspace(0.0, float(traces["elapsed_s"].max()), points + 1)[1:]
    else:
        times = np.asarray(grid, dtype=float)
    rank = {d: i for i, d in enumerate(traces["dataset"].unique())}
    ordered_rows = traces.sort_values(["dataset", "label", "seed", "elapsed_s"], kind="stable",
                                      key=lambda c: c.map(rank) if c.name == "dataset" else c)
    frames = []
    for (dataset, label), group in ordered_rows.groupby(["dataset", "label"], sort=False):
        run_ids, starts = np.unique(group["seed"].to_numpy(), return_index=True)
        elapsed = group["elapsed_s"].to_numpy(float)
        values = group["incumbent_test_accuracy"].to_numpy(float)
        bounds = np.append(starts, len(group))
        table = np.full((len(run_ids), len(times)), np.nan)
        for r in range(len(run_ids)):
            lo, hi = bounds[r], bounds[r + 1]
            last = np.searchsorted(elapsed[lo:hi], times, side="right") - 1
            table[r, last >= 0] = values[lo:hi][last[last >= 0]]
        n = np.sum(~np.isnan(table), axis=0)
        filled = np.where(np.isnan(table), 0.0, table)
        mean = np.divide(filled.sum(axis=0), n, out=np.full(len(times), np.nan), where=n > 0)
        sq = ((filled - np.where(n > 0, mean, 0.0)) ** 2 * ~np.isnan(table)).sum(axis=0)
        std = np.sqrt(np.divide(sq, n - 1, out=np.zeros(len(times)), where=n > 1))
        frames.append(pd.DataFrame({
            "label": label, "dataset": dataset, "seconds": times, "mean": mean, "std": std,
            "sem": std / np.sqrt(np.maximum(n, 1)), "n": n,
        }))
    return pd.concat(frames, ignore_index=True).dropna(subset=["mean"]).reset_index(drop=True)


@styled
def plot_anytime(curves: pd.DataFrame, band: str = "sem") -> Figure:
    """One panel per dataset, one line per label (mean) with a +-``band`` shaded band.

    Args:
        curves: columns ``label``, ``dataset``, ``seconds``, ``mean`` and ``band``
            (from :func:`anytime_curves`).
        band: the column giving the band's half width (``sem`` or ``std``).
    """
    require_columns(curves, ("label", "dataset", "seconds", "mean", band), "anytime curves")
    datasets = list(curves["dataset"].unique())
    labels = ordered(curves["label"].unique())
    fig, axes = new_figure(ncols=len(datasets), height=2.6)
    for ax, dataset in zip(axes, datasets):
        here = curves[curves["dataset"] == dataset]
        for label in labels:
            rows = here[here["label"] == label].sort_values("seconds")
            if rows.empty:
                continue
            color = color_for(str(label))
            ax.plot(rows["seconds"], rows["mean"], color=color, label=display_name(str(label)),
                    linestyle=linestyle_for(str(label)))
            ax.fill_between(rows["seconds"], rows["mean"] - rows[band],
                            rows["mean"] + rows[band], color=color, alpha=0.2, linewidth=0)
        final = here.sort_values("seconds").groupby("label").tail(1)
        tail = here[here["seconds"] >= 0.2 * here["seconds"].max()]
        low = float(min(tail["mean"].min(), final["mean"].min()))
        high = float(tail["mean"].max())
        pad = 0.1 * max(high - low, 0.2)
        ax.set_ylim(low - pad, high + pad)
        ax.set_title(dataset_name(str(dataset)))
        ax.set_xlabel("simulated search time (s)")
    axes[0].set_ylabel("test acc. of incumbent (%)")
    by_name: dict[str, Any] = {}
    for ax in axes:
        for handle, name in zip(*ax.get_legend_handles_labels()):
            by_name.setdefault(name, handle)
    names, handles = list(by_name), list(by_name.values())
    fig.legend(handles, names, loc="outside lower center", ncols=min(len(names), 4),
               frameon=False)
    return fig


HIGHLIGHTED = ("ase", "ase+")
"""Labels whose rank the anytime caption states (ASE-NAS and ASE-NAS+)."""


def caption_anytime(curves: pd.DataFrame, highlighted: tuple[str, ...] = HIGHLIGHTED) -> str:
    """Two-line caption; the leader at the end of the budget is read from ``curves``."""
    require_columns(curves, ("label", "dataset", "seconds", "mean"), "anytime curves")
    line1 = ("Test accuracy (200-epoch mean) of each method's incumbent (best reward so far) "
             "against simulated search seconds; mean over seeds, band = standard error.")
    parts = []
    for dataset, here in curves.groupby("dataset", sort=False):
        final = here.sort_values("seconds").groupby("label").tail(1).sort_values(
            "mean", ascending=False)
        leader = final.iloc[0]
        rank = {label: i + 1 for i, label in enumerate(final["label"])}
        ase = [f"{display_name(str(label))} {rank[label]}" for label in ordered(rank)
               if str(label) in highlighted]
        ranks = f"; ranks of {', '.join(ase)} (of {len(rank)})" if ase else ""
        parts.append(f"{dataset_name(str(dataset))}: {display_name(str(leader['label']))} ends "
                     f"highest ({leader['mean']:.2f}){ranks}")
    return line1 + "\n" + "; ".join(parts) + "."
