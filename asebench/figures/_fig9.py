"""Fig. 9: final test accuracy against the number of subspaces K and the local distance M."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from asebench.errors import AsebenchError
from asebench.figures._checks import require_columns
from asebench.figures._stats import summarize
from asebench.figures._style import color_for, dataset_name, new_figure, styled

__all__ = ["caption_sweeps", "plot_sweeps", "sweep_summary"]

_TITLES = {"K": "number of candidate subspaces K", "M": "local search distance M"}


def sweep_summary(runs: pd.DataFrame, params: Sequence[str] = ("K", "M"),
                  value: str = "test_accuracy") -> pd.DataFrame:
    """Mean/std/n of ``value`` for each value of each swept parameter.

    Args:
        runs: one row per run; a run belongs to the sweep of parameter ``P`` when its column
            ``P`` (or ``opt_P``) is set. A run may belong to both sweeps (the default setting).
        params: the swept parameters, one panel each.
        value: the summarised column.

    Returns:
        Columns ``param``, ``value``, ``mean``, ``std``, ``n``.
    """
    require_columns(runs, (value,), "runs")
    frames = []
    for param in params:
        column = param if param in runs.columns else f"opt_{param}"
        if column not in runs.columns:
            continue
        kept = runs[runs[column].notna()]
        kept = kept.assign(_v=kept[column].astype(float))
        if kept.empty:
            continue
        out = summarize(kept, ["_v"], value).rename(columns={"_v": "value"})
        frames.append(out.assign(param=param).sort_values("value"))
    if not frames:
        raise AsebenchError(f"runs have no column for any of {', '.join(params)}")
    return pd.concat(frames, ignore_index=True)[["param", "value", "mean", "std", "n"]]


@styled
def plot_sweeps(summary: pd.DataFrame, defaults: Mapping[str, float] | None = None,
                dataset: str | None = None) -> Figure:
    """One panel per parameter: mean test accuracy against its value.

    Thin error bars show the std over seeds; thick ones, when ``summary`` has ``n``, the 95%
    confidence interval of the mean (1.96 std / sqrt(n)).

    Args:
        summary: columns ``param``, ``value``, ``mean``, ``std`` and optionally ``n`` (from
            :func:`sweep_summary`).
        defaults: the paper's default per parameter (e.g. ``{"K": 4, "M": 4}``), marked by a
            vertical dotted line.
        dataset: named in the panel titles when given.
    """
    require_columns(summary, ("param", "value", "mean", "std"), "Fig. 9 summary")
    params = list(summary["param"].unique())
    fig, axes = new_figure(ncols=len(params), height=2.3)
    suffix = f" ({dataset_name(dataset)})" if dataset else ""
    for i, (ax, param) in enumerate(zip(axes, params)):
        rows = summary[summary["param"] == param].sort_values("value")
        x, mean = rows["value"].to_numpy(float), rows["mean"].to_numpy(float)
        ax.errorbar(x, mean, yerr=rows["std"].to_numpy(float), marker="o", capsize=3,
                    elinewidth=0.8, color=color_for("ase"), label="ASE-NAS")
        if "n" in rows.columns:
            ci = 1.96 * rows["std"].to_numpy(float) / np.sqrt(rows["n"].to_numpy(float))
            ax.errorbar(x, mean, yerr=ci, fmt="none", elinewidth=3, alpha=0.6,
                        color=color_for("ase"), label="95% CI of the mean")
        if defaults and param in defaults:
            ax.axvline(defaults[param], color="grey", linestyle=":", linewidth=1)
            ax.annotate(f"paper's NB201 {param}", (defaults[param], 1.0),
                        xycoords=("data", "axes fraction"), xytext=(2, -2),
                        textcoords="offset points", ha="left", va="top", fontsize=6,
                        color="grey")
        ax.set_xticks(rows["value"].to_numpy())
        ax.set_xlabel(_TITLES.get(str(param), str(param)))
        ax.set_ylabel("test accuracy of answer (%)")
        ax.set_title(f"({chr(ord('a') + i)}) ASE-NAS vs {param}{suffix}")
    return fig


def caption_sweeps(summary: pd.DataFrame, dataset: str | None = None) -> str:
    """Two-line caption; which value is best/worst per parameter is read from ``summary``."""
    require_columns(summary, ("param", "value", "mean", "std", "n"), "Fig. 9 summary")
    where = dataset_name(dataset) if dataset else "NB201"
    seeds = int(summary["n"].min())
    line1 = (f"Final test accuracy (mean; thin bars: std over >= {seeds} seeds, thick: 95% CI "
             f"of the mean) of ASE-NAS on "
             f"NB201 {where} against K and M; the paper swept both on the MobileNet space on "
             "ImageNet.")
    parts = []
    for param, rows in summary.groupby("param", sort=False):
        rows = rows.sort_values("value")
        best = rows.nlargest(1, "mean").iloc[0]
        worst = rows.nsmallest(1, "mean").iloc[0]
        sem = float((rows["std"] / np.sqrt(rows["n"].clip(lower=1))).max())
        text = (f"{param}: best {param}={best['value']:g} ({best['mean']:.2f}), worst "
                f"{param}={worst['value']:g} ({worst['mean']:.2f}; spread "
                f"{best['mean'] - worst['mean']:.2f} vs standard error <= {sem:.2f})")
        if param == "K":
            smallest = rows.iloc[0]
            is_worst = smallest["value"] == worst["value"]
            means = rows["mean"].to_numpy()
            if np.all(np.diff(means) >= 0):
                trend = "holds"
            elif np.corrcoef(rows["value"].to_numpy(float), means)[0, 1] > 0:
                trend = "holds only in part"
            else:
                trend = "does NOT hold"
            text += (f"; paper's 'smallest K is worst' {'holds' if is_worst else 'does NOT hold'}"
                     f", 'larger K is better' {trend}")
        if param == "M":
            largest = rows.iloc[-1]
            interior = rows.iloc[0]["value"] < best["value"] < largest["value"]
            text += (f"; paper's 'a middle M is best' "
                     f"{'holds' if interior else 'does NOT hold'}")
        parts.append(text)
    return line1 + "\n" + "; ".join(parts) + "."
