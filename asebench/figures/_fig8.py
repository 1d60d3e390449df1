"""Fig. 8: reward type and graph ablations (best-so-far reward against search step)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from asebench.errors import AsebenchError
from asebench.figures._checks import require_columns
from asebench.figures._stats import compare, summarize
from asebench.figures._style import (
    color_for,
    dataset_name,
    display_name,
    new_figure,
    styled,
)

__all__ = ["FIG8_PANELS", "best_so_far_by_step", "caption_ablation_curves",
           "plot_ablation_curves", "subspaces_explored"]

FIG8_PANELS: dict[str, tuple[str, ...]] = {
    "(a) reward type": ("ase", "ase-absolute"),
    "(b) subspace graph": ("ase", "ase-no-graph"),
}
"""Panel title -> the study labels it compares (ASE-NAS first)."""

SUBSPACES_COLUMN = "info_subspaces_explored"

PAPER_FIG8: dict[str, tuple[float, float]] = {
    "ase-absolute": (67.81, 67.63),
    "ase-no-graph": (67.81, 67.12),
}
"""Paper Sec. V-C/D (ImageNet, MobileNet space): ASE-NAS vs the ablated variant, accuracy %."""


_REWARD_NAMES = {"ase": "improvement (paper)", "ase-absolute": "absolute"}


def _status(claim: str) -> str:
    return {"supported": "supported", "not significant": "in the same direction but not "
            "significant", "reversed": "NOT supported (reversed)"}[claim]
_RUN_KEYS = ["dataset", "seed"]


def best_so_far_by_step(traces: pd.DataFrame, panels: Mapping[str, Sequence[str]] = FIG8_PANELS,
                        value: str = "incumbent_reward", coverage: float = 0.9) -> pd.DataFrame:
    """Mean and std over runs of the best-so-far ``value`` at each search step.

    A run that ended (budget spent) keeps its last value. Steps go up to the number of steps
    that at least ``coverage`` of the label's runs reached, so the tail is not an average over
    a few long runs.

    Returns:
        Columns ``panel``, ``label``, ``step``, ``mean``, ``std``, ``n`` (n = runs).
    """
    require_columns(traces, ("label", "seed", "step", value), "traces")
    if not 0 < coverage <= 1:
        raise AsebenchError(f"coverage must be in (0, 1], got {coverage}")
    frames = []
    for panel, labels in panels.items():
        for label in labels:
            rows = traces[traces["label"] == label]
            if rows.empty:
                continue
            keys = [k for k in _RUN_KEYS if k in rows.columns]
            wide = rows.pivot_table(index=keys, columns="step", values=value, aggfunc="last")
            lengths = wide.notna().sum(axis=1).to_numpy()
            need = max(1, int(np.ceil(coverage * len(lengths) - 1e-9)))
            horizon = max(1, int(np.sort(lengths)[::-1][need - 1]))
            wide = wide.iloc[:, :horizon].ffill(axis=1)
            frames.append(pd.DataFrame({
                "panel": panel, "label": label, "step": wide.columns.to_numpy(),
                "mean": wide.mean(axis=0).to_numpy(), "std": wide.std(axis=0, ddof=1)
                .fillna(0.0).to_numpy(), "n": wide.notna().sum(axis=0).to_numpy(),
            }))
    if not frames:
        raise AsebenchError("traces hold none of the labels the panels ask for")
    return pd.concat(frames, ignore_index=True)


def subspaces_explored(runs: pd.DataFrame, labels: Sequence[str] = ("ase", "ase-absolute"),
                       column: str = SUBSPACES_COLUMN) -> pd.DataFrame:
    """Mean/std/n of the number of distinct subspaces a run explored, per label."""
    require_columns(runs, ("label", column), "runs")
    kept = runs[runs["label"].isin(labels) & runs[column].notna()]
    if kept.empty:
        raise AsebenchError(f"no runs of {', '.join(labels)} report {column}")
    out = summarize(kept, ["label"], column)
    order = {label: i for i, label in enumerate(labels)}
    return out.sort_values("label", key=lambda s: s.map(order)).reset_index(drop=True)


@styled
def plot_ablation_curves(curves: pd.DataFrame, subspaces: pd.DataFrame | None = None,
                         ylabel: str = "best-so-far reward (%)", dataset: str | None = None
                         ) -> Figure:
    """One panel per ``panel`` value (mean line, +-std band per label), plus a bar panel.

    Args:
        curves: columns ``panel``, ``label``, ``step``, ``mean``, ``std``
            (from :func:`best_so_far_by_step`).
        subspaces: optional columns ``label``, ``mean``, ``std`` (from
            :func:`subspaces_explored`), drawn as bars in a last panel.
        ylabel: y axis label of the curve panels.
        dataset: named in the panel titles when given.
    """
    require_columns(curves, ("panel", "label", "step", "mean", "std"), "Fig. 8 curves")
    panels = list(curves["panel"].unique())
    extra = subspaces is not None and len(subspaces) > 0
    fig, axes = new_figure(ncols=len(panels) + int(extra), height=2.3)
    suffix = f" ({dataset_name(dataset)})" if dataset else ""
    for ax, panel in zip(axes, panels):
        for label, group in curves[curves["panel"] == panel].groupby("label", sort=False):
            group = group.sort_values("step")
            color = color_for(str(label))
            ax.plot(group["step"], group["mean"], color=color, label=display_name(str(label)))
            ax.fill_between(group["step"], group["mean"] - group["std"],
                            group["mean"] + group["std"], color=color, alpha=0.2, linewidth=0)
        here = curves[curves["panel"] == panel]
        late = here[here["step"] >= 0.1 * here["step"].max()]
        low, high = float((late["mean"] - late["std"]).min()), float(
            (late["mean"] + late["std"]).max())
        pad = 0.05 * max(high - low, 0.2)
        ax.set_ylim(low - pad, high + pad)
        ax.set_title(f"{panel}{suffix}")
        ax.set_xlabel("search step")
        ax.set_ylabel(ylabel)
        ax.legend(loc="lower right")
    if extra:
        assert subspaces is not None
        require_columns(subspaces, ("label", "mean", "std"), "subspaces explored")
        ax = axes[-1]
        labels = list(subspaces["label"])
        ax.bar(np.arange(len(labels)), subspaces["mean"], yerr=subspaces["std"], capsize=3,
               color=[color_for(str(label)) for label in labels], width=0.6)
        ax.set_xticks(np.arange(len(labels)), [_REWARD_NAMES.get(str(label), display_name(
            str(label))) for label in labels])
        ax.set_xlabel("policy reward")
        ax.set_ylabel("distinct subspaces explored")
        ax.set_title(f"({chr(ord('a') + len(panels))}) exploration{suffix}")
        ax.grid(axis="x", visible=False)
    return fig


def caption_ablation_curves(runs: pd.DataFrame, panels: Mapping[str, Sequence[str]] = FIG8_PANELS,
                            dataset: str | None = None, value: str = "test_accuracy") -> str:
    """Two-line caption; verdicts on the paper's claims computed from ``runs``."""
    require_columns(runs, ("label", value), "runs")
    where = dataset_name(dataset) if dataset else "NB201"
    line1 = (f"Best-so-far reward vs search step on NB201 {where} (mean, band = std over seeds); "
             "the paper ran these ablations on the MobileNet space on ImageNet, not on NB201.")
    parts = []
    for labels in panels.values():
        a, b = (runs[runs["label"] == label] for label in labels[:2])
        if a.empty or b.empty:
            continue
        result = compare(a, b, value)
        paper = PAPER_FIG8.get(labels[1])
        paper_text = f"; paper {paper[0]:.2f} vs {paper[1]:.2f}" if paper else ""
        parts.append(f"{display_name(labels[0])} vs {display_name(labels[1])}: final test acc "
                     f"{result.mean_a:.2f} vs {result.mean_b:.2f}{paper_text}; the paper's gain "
                     f"is {_status(result.claim())} on our data (p={result.p:.2g})")
    if SUBSPACES_COLUMN in runs.columns:
        a, b = (runs[(runs["label"] == label) & runs[SUBSPACES_COLUMN].notna()]
                for label in ("ase", "ase-absolute"))
        if not a.empty and not b.empty:
            result = compare(a, b, SUBSPACES_COLUMN)
            parts.append(f"distinct subspaces explored {result.mean_a:.1f} (improvement) vs "
                         f"{result.mean_b:.1f} (absolute); paper 319 vs 284: "
                         f"{_status(result.claim())} (p={result.p:.2g})")
    return line1 + "\n" + "; ".join(parts) + "."
