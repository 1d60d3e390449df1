"""The policy figure: what the bounded decision head does, and what the learned policy adds.

Three ASE-NAS arms on paired seeds: bounded logits (the published default), unbounded logits
(``tanh_constant=None``) and a uniform policy that never learns (``policy=uniform``; the
subspaces are still evoked, updated and graphed). Per search step: the policy's entropy as a
fraction of its maximum, and the fraction of distinct architectures among the queries so far;
per run: the reported test accuracy of the answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats as _sps

from asebench.figures._checks import require_columns
from asebench.figures._style import dataset_name, new_figure, styled

__all__ = ["POLICY_ARMS", "caption_policy", "plot_policy", "policy_curves", "policy_summary"]

POLICY_ARMS = {"ase": "bounded (default)", "ase-unbounded": "unbounded",
               "ase-uniform": "uniform, never learns"}
"""Study label -> legend text, in plotting order."""

_BOUNDED = next(iter(POLICY_ARMS))  # the reference arm: the published bounded controller
_COLORS = {"ase": "#1f77b4", "ase-unbounded": "#d62728", "ase-uniform": "#7f7f7f"}
_MIN_SHARE = 0.5  # a curve stops where fewer than half of the runs are still searching


def _entropy_lists(runs: pd.DataFrame) -> list[list[float]]:
    return [json.loads(v) if isinstance(v, str) else list(v)
            for v in runs["info_entropy_fraction"]]


def policy_curves(runs: pd.DataFrame, traces: pd.DataFrame,
                  arms: Sequence[str] = tuple(POLICY_ARMS)) -> pd.DataFrame:
    """Mean entropy fraction and distinct-query fraction per (label, dataset, query step).

    Args:
        runs: one row per run: ``label``, ``dataset``, ``seed``, ``info_entropy_fraction``
            (per controller step, JSON list) and ``info_final_centers`` (to count the K
            initial queries that precede the first controller step).
        traces: one row per query: ``label``, ``dataset``, ``seed``, ``step``, ``arch``.

    Returns:
        Columns ``label``, ``dataset``, ``step`` (1-based query number), ``entropy_fraction``,
        ``distinct_fraction``, ``runs`` (runs still searching at that step).
    """
    require_columns(runs, ("label", "dataset", "seed", "info_entropy_fraction",
                           "info_final_centers"), "policy runs")
    require_columns(traces, ("label", "dataset", "seed", "step", "arch"), "policy traces")
    frames = []
    for (label, dataset), group in runs[runs["label"].isin(arms)].groupby(
            ["label", "dataset"], sort=False):
        entropy_rows = []
        for seed, centers, values in zip(group["seed"], group["info_final_centers"],
                                         _entropy_lists(group)):
            k = len(json.loads(centers) if isinstance(centers, str) else centers)
            entropy_rows.append(pd.DataFrame({"seed": seed, "step": k + 1 + np.arange(
                len(values)), "entropy_fraction": values}))
        entropy = pd.concat(entropy_rows, ignore_index=True)
        q = traces[(traces["label"] == label) & (traces["dataset"] == dataset)
                   & traces["seed"].isin(group["seed"])].sort_values(["seed", "step"])
        first = ~q.duplicated(["seed", "arch"])
        distinct = q.assign(distinct_fraction=first.groupby(q["seed"]).cumsum().to_numpy()
                            / (q.groupby("seed").cumcount().to_numpy() + 1))
        step = 1 + distinct.groupby("seed").cumcount()
        distinct = distinct.assign(step=step.to_numpy())[["seed", "step", "distinct_fraction"]]
        merged = distinct.merge(entropy, on=["seed", "step"], how="left")
        curve = merged.groupby("step").agg(entropy_fraction=("entropy_fraction", "mean"),
                                           distinct_fraction=("distinct_fraction", "mean"),
                                           runs=("seed", "count")).reset_index()
        curve = curve[curve["runs"] >= _MIN_SHARE * group["seed"].nunique()]
        frames.append(curve.assign(label=str(label), dataset=str(dataset)))
    out = pd.concat(frames, ignore_index=True)
    return out[["label", "dataset", "step", "entropy_fraction", "distinct_fraction", "runs"]]


def policy_summary(runs: pd.DataFrame, reference: str = "ase",
                   value: str = "test_accuracy") -> pd.DataFrame:
    """Per (label, dataset): mean/std/n of ``value``, final entropy and distinct fractions,
    and the paired difference to ``reference`` with its two-sided Wilcoxon p-value."""
    require_columns(runs, ("label", "dataset", "seed", value, "info_entropy_fraction",
                           "info_distinct_fraction"), "policy runs")
    rows = []
    for dataset, here in runs.groupby("dataset", sort=False):
        ref = here[here["label"] == reference].set_index("seed")[value]
        for label in POLICY_ARMS:
            arm = here[here["label"] == label]
            if arm.empty:
                continue
            finals = [v[-1] if v else np.nan for v in _entropy_lists(arm)]
            diff, p = np.nan, np.nan
            if label != reference and not ref.empty:
                paired = arm.set_index("seed")[value].to_frame("a").join(ref.rename("b"),
                                                                          how="inner")
                d = (paired["a"] - paired["b"]).to_numpy()
                diff = float(d.mean()) if len(d) else np.nan
                if len(d) >= 2 and np.any(d != 0):
                    p = float(_sps.wilcoxon(d).pvalue)
            rows.append({"label": label, "dataset": dataset, "mean": arm[value].mean(),
                         "std": arm[value].std(ddof=1), "n": len(arm),
                         "final_entropy_fraction": float(np.nanmean(finals)),
                         "distinct_fraction": float(arm["info_distinct_fraction"].mean()),
                         "diff_vs_bounded": diff, "p_vs_bounded": p})
    return pd.DataFrame(rows)


@styled
def plot_policy(curves: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """One row per dataset: entropy fraction and distinct-query fraction against the query
    step, and the answers' test accuracy (mean, error bar = std)."""
    require_columns(curves, ("label", "dataset", "step", "entropy_fraction",
                             "distinct_fraction"), "policy curves")
    datasets = list(summary["dataset"].unique())
    fig, axes = new_figure(ncols=3, nrows=len(datasets), height=1.9 * len(datasets) + 0.5)
    for row, dataset in enumerate(datasets):
        ax_e, ax_d, ax_a = axes[3 * row: 3 * row + 3]
        here = curves[curves["dataset"] == dataset]
        for label, text in POLICY_ARMS.items():
            c = here[here["label"] == label]
            if c.empty:
                continue
            ax_e.plot(c["step"], c["entropy_fraction"], color=_COLORS[label], label=text)
            ax_d.plot(c["step"], c["distinct_fraction"], color=_COLORS[label], label=text)
        ax_e.set_ylim(0, 1.05)
        ax_d.set_ylim(0, 1.05)
        ax_e.set_ylabel(f"{dataset_name(dataset)}\nentropy / max")
        ax_d.set_ylabel("distinct queries")
        s = summary[summary["dataset"] == dataset]
        x = np.arange(len(s))
        ax_a.bar(x, s["mean"], yerr=s["std"], capsize=3,
                 color=[_COLORS[label] for label in s["label"]])
        low = float((s["mean"] - s["std"]).min())
        high = float((s["mean"] + s["std"]).max())
        ax_a.set_ylim(low - 0.15 * (high - low), high + 0.15 * (high - low))
        ax_a.set_xticks(x, [POLICY_ARMS[label].split(",")[0].split(" ")[0] for label in
                            s["label"]])
        ax_a.set_ylabel("test accuracy (%)")
        if row == len(datasets) - 1:
            ax_e.set_xlabel("query")
            ax_d.set_xlabel("query")
    axes[0].legend(loc="lower left", frameon=False, fontsize="small")
    return fig


def caption_policy(summary: pd.DataFrame) -> str:
    """Two-line caption with the numbers of ``summary`` (from :func:`policy_summary`)."""
    line1 = ("ASE-NAS's decision head on paired seeds: bounded logits (published default), "
             "unbounded logits (`tanh_constant=none`) and a uniform policy that never learns "
             "(`policy=uniform`): policy entropy as a fraction of its maximum and the fraction "
             "of distinct queries against the query step (mean over runs), and the answers' "
             "test accuracy (error bar = std).")
    parts = []
    for label in POLICY_ARMS:
        s = summary[summary["label"] == label]
        if s.empty:
            continue
        entropy = 100 * float(s["final_entropy_fraction"].mean())
        distinct = 100 * float(s["distinct_fraction"].mean())
        text = (f"{POLICY_ARMS[label]}: final entropy {entropy:.0f}% of max, {distinct:.0f}% "
                "distinct queries")
        if label != _BOUNDED:
            diffs = ", ".join(
                f"{dataset_name(str(d))} {float(diff):+.2f} (p={_p(float(p))})"
                for d, diff, p in zip(s["dataset"], s["diff_vs_bounded"], s["p_vs_bounded"]))
            text += f", accuracy vs bounded {diffs}"
        parts.append(text)
    return line1 + "\n" + "Measured (averaged over datasets where not split): " + \
        "; ".join(parts) + " (two-sided paired Wilcoxon)."


def _p(p: float) -> str:
    if not np.isfinite(p):
        return "n/a"
    return f"{p:.1e}" if p < 1e-3 else f"{p:.3f}"
