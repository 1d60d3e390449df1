"""Hardware-aware search: every method under FLOPs and device-latency limits, beside the oracle.

For one HELP device's latency and for FLOPs, limits sit at percentiles of the metric over the
whole space (10/25/50/75% by default: ``latency:pixel3<=p10`` admits the fastest tenth). Each
limit is one constrained study of the Table I methods (paired seeds, cached like the others).
Panel (a) shows each method's mean test accuracy with its 95% CI beside the oracle (the best
feasible arch); panel (b) scatters the answers' accuracy against the metric with the space's
Pareto front (the most accurate arch at or below each cost) drawn through it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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
    new_figure,
    ordered,
    styled,
)
from asebench.tables import DATASETS, NB201Table

__all__ = [
    "HardwareStudies",
    "answers_with_metric",
    "caption_hardware",
    "caption_pareto",
    "hardware_summary",
    "pareto_front",
    "plot_hardware",
    "plot_hardware_scatter",
]

DEFAULT_HARDWARE_SEEDS = 100
_SAFE = re.compile(r"[^A-Za-z0-9_.\-]")


@dataclass(frozen=True)
class HardwareStudies:
    """The constrained studies behind the hardware figure.

    Attributes:
        seeds: runs per method, dataset and limit.
        device: the HELP device whose latency is limited (``pixel3``: a phone); None limits
            FLOPs only (what :meth:`for_table` picks for a table without HELP latency).
        percentiles: limits as percentiles of each metric over the space.
        methods: method labels (default: the Table I set).
        datasets, master_seed, protocol, budget_s, data: as in the other studies (paired
            seeds with Table I).
    """

    seeds: int = DEFAULT_HARDWARE_SEEDS
    device: str | None = "pixel3"
    percentiles: tuple[float, ...] = (10, 25, 50, 75)
    methods: tuple[str, ...] | None = None
    datasets: tuple[str, ...] = DATASETS
    master_seed: int = 0
    protocol: str = "paper"
    budget_s: float | None = None
    data: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.percentiles or any(not 0 < p <= 100 for p in self.percentiles):
            raise AsebenchError(f"percentiles must be in (0, 100], got {self.percentiles!r}")
        object.__setattr__(self, "percentiles", tuple(sorted(set(self.percentiles))))

    @property
    def metrics(self) -> tuple[str, ...]:
        """The limited metrics: the device latency (when a device is set), then FLOPs."""
        return ((f"latency:{self.device}",) if self.device else ()) + ("flops_m",)

    def for_table(self, table: NB201Table) -> HardwareStudies:
        """This plan, without the latency limit when ``table`` has no latency for the device
        (an imported official table carries no HELP measurements)."""
        from dataclasses import replace

        from asebench.constraints import metric_names

        if self.device and f"latency:{self.device}" not in metric_names(table):
            return replace(self, device=None)
        return self

    def expression(self, metric: str, percentile: float) -> str:
        return f"{metric}<=p{percentile:g}"

    def specs(self) -> dict[str, Any]:
        """``{directory name: StudySpec}``, one per (metric, percentile)."""
        from asebench.figures._studies import protocol_option
        from asebench.study import DEFAULT_LABELS, StudySpec

        methods = self.methods or DEFAULT_LABELS
        out = {}
        for metric in self.metrics:
            for p in self.percentiles:
                name = _SAFE.sub("-", f"hardware-{metric}-p{p:g}")
                out[name] = StudySpec(
                    methods=tuple(methods), datasets=self.datasets, seeds=self.seeds,
                    protocol=protocol_option(self.protocol), budget_s=self.budget_s,
                    master_seed=self.master_seed, data=self.data,
                    constraints=(self.expression(metric, p),))
        return out


def _runs_of(study: Any) -> pd.DataFrame:
    """A constrained study's runs with ``metric``, ``percentile``, ``limit``, ``oracle``."""
    config = study.config.get("constraints") or {}
    expressions = config.get("expressions") or []
    if len(expressions) != 1:
        raise AsebenchError(f"{study.path}: expected one constraint, got {expressions}")
    expression = expressions[0]
    metric, _, percentile = expression.partition("<=p")
    runs: pd.DataFrame = study.runs[["label", "dataset", "seed", "arch", "test_accuracy"]].copy()
    limits = config["limits"]
    oracle = study.metadata["constraint_oracle"]
    runs["metric"] = metric
    runs["percentile"] = float(percentile)
    runs["limit"] = runs["dataset"].map(lambda d: limits[d][expression])
    runs["oracle"] = runs["dataset"].map(lambda d: oracle[d]["accuracy"])
    return runs


def collect_runs(studies: Sequence[Any]) -> pd.DataFrame:
    """All runs of the loaded constrained studies, one frame (see :func:`_runs_of`)."""
    return pd.concat([_runs_of(s) for s in studies], ignore_index=True, sort=False)


def hardware_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (metric, percentile, dataset, label): limit, mean, std, n, 95% CI half-width of
    the mean (1.96 std / sqrt(n)), oracle and regret (oracle - mean)."""
    require_columns(runs, ("metric", "percentile", "limit", "dataset", "label",
                           "test_accuracy", "oracle"), "hardware runs")
    keys = ["metric", "percentile", "dataset", "label"]
    grouped = runs.groupby(keys, sort=False, observed=True)
    out = grouped.agg(limit=("limit", "first"), mean=("test_accuracy", "mean"),
                      std=("test_accuracy", "std"), n=("test_accuracy", "count"),
                      oracle=("oracle", "first")).reset_index()
    out["std"] = out["std"].fillna(0.0)
    out["ci95"] = 1.96 * out["std"] / np.sqrt(out["n"].clip(lower=1))
    out["regret"] = out["oracle"] - out["mean"]
    return out


def _metric_column(table: NB201Table, dataset: str, metric: str) -> np.ndarray:
    from asebench.constraints import metric_values

    return metric_values(table, dataset, metric)


def answers_with_metric(runs: pd.DataFrame, table: NB201Table) -> pd.DataFrame:
    """``runs`` plus ``value``: each answer's value of the run's limited metric."""
    from asebench.spaces import NB201Space

    space = NB201Space()
    index = {space.to_string(tuple(c)): i for i, c in enumerate(table.arch_codes.tolist())}
    indices = np.array([index[a] for a in runs["arch"]], dtype=np.int64)
    values = np.empty(len(runs))
    for (dataset, metric), rows in runs.groupby(["dataset", "metric"], sort=False):
        column = _metric_column(table, str(dataset), str(metric))
        where = runs.index.get_indexer(rows.index)
        values[where] = column[indices[where]]
    return runs.assign(arch_index=indices, value=values)


def pareto_front(table: NB201Table, dataset: str, metric: str,
                 column: str = "test_acc_200_mean") -> pd.DataFrame:
    """The archs no other arch beats on both cost and accuracy: cheapest first.

    Returns:
        Columns ``dataset, metric, value, test_accuracy, index`` (accuracy strictly rising).
    """
    cost = _metric_column(table, dataset, metric)
    accuracy = np.asarray(table.column(dataset, column), dtype=np.float64)
    order = np.lexsort((-accuracy, cost))
    best = np.maximum.accumulate(np.nan_to_num(accuracy[order], nan=-np.inf))
    rises = np.concatenate([[True], best[1:] > best[:-1]])
    keep = order[rises & np.isfinite(accuracy[order])]
    return pd.DataFrame({"dataset": dataset, "metric": metric, "value": cost[keep],
                         "test_accuracy": accuracy[keep], "index": keep})


def _metric_label(metric: str) -> str:
    if metric.startswith("latency:"):
        return f"{metric[8:]} latency (ms)"
    return {"flops_m": "MFLOPs", "params_m": "params (M)",
            "latency_nats_s": "NATS latency (s)"}.get(metric, metric)


@styled
def plot_hardware(summary: pd.DataFrame) -> Figure:
    """Rows: limited metrics; columns: datasets. Mean test accuracy (95% CI) of each method
    at each limit percentile, the oracle as a black line."""
    require_columns(summary, ("metric", "percentile", "dataset", "label", "mean", "ci95",
                              "oracle"), "hardware summary")
    metrics = list(dict.fromkeys(summary["metric"]))
    datasets = list(dict.fromkeys(summary["dataset"]))
    labels = ordered(summary["label"])
    fig, axes = new_figure(ncols=len(datasets), nrows=len(metrics), height=2.0 * len(metrics))
    for r, metric in enumerate(metrics):
        for c, dataset in enumerate(datasets):
            ax = axes[r * len(datasets) + c]
            rows = summary[(summary["metric"] == metric) & (summary["dataset"] == dataset)]
            ps = sorted(rows["percentile"].unique())
            pos = {p: i for i, p in enumerate(ps)}
            width = 0.7 / max(len(labels), 1)
            for j, label in enumerate(labels):
                mine = rows[rows["label"] == label].sort_values("percentile")
                if mine.empty:
                    continue
                x = np.array([pos[p] for p in mine["percentile"]]) + (j - (len(labels) - 1) / 2
                                                                        ) * width
                ax.errorbar(x, mine["mean"], yerr=mine["ci95"], fmt="o", markersize=2.5,
                            capsize=1.5, elinewidth=0.8, color=color_for(label),
                            label=display_name(label))
            oracle = rows.drop_duplicates("percentile").sort_values("percentile")
            ax.plot([pos[p] for p in oracle["percentile"]], oracle["oracle"], "k_-",
                    markersize=10, linewidth=0.8, label="oracle (best feasible)")
            limits = oracle["limit"] if "limit" in oracle else None
            ax.set_xticks(range(len(ps)))
            ax.set_xticklabels([f"p{p:g}" + (f"\n{v:.3g}" if limits is not None else "")
                                for p, v in zip(ps, limits if limits is not None else ps)])
            ax.set_title(f"{dataset_name(dataset)}, {_metric_label(metric)}", fontsize=7)
            if r == len(metrics) - 1:
                ax.set_xlabel("limit: percentile of the space, value")
            if c == 0:
                ax.set_ylabel("test accuracy (%)")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncol=min(len(names), 7),
               frameon=False)
    return fig


@styled
def plot_hardware_scatter(answers: pd.DataFrame, fronts: pd.DataFrame) -> Figure:
    """Rows: limited metrics; columns: datasets. Every answer's accuracy against its cost,
    coloured by method, with the space's Pareto front and the limits (dotted)."""
    require_columns(answers, ("metric", "dataset", "label", "value", "test_accuracy",
                              "limit"), "hardware answers")
    require_columns(fronts, ("metric", "dataset", "value", "test_accuracy"), "Pareto fronts")
    metrics = list(dict.fromkeys(answers["metric"]))
    datasets = list(dict.fromkeys(answers["dataset"]))
    labels = ordered(answers["label"])
    fig, axes = new_figure(ncols=len(datasets), nrows=len(metrics), height=2.0 * len(metrics))
    for r, metric in enumerate(metrics):
        for c, dataset in enumerate(datasets):
            ax = axes[r * len(datasets) + c]
            rows = answers[(answers["metric"] == metric) & (answers["dataset"] == dataset)]
            front = fronts[(fronts["metric"] == metric) & (fronts["dataset"] == dataset)]
            ax.step(front["value"], front["test_accuracy"], where="post", color="black",
                    linewidth=0.8, label="Pareto front of the space")
            for label in labels:
                mine = rows[rows["label"] == label]
                ax.scatter(mine["value"], mine["test_accuracy"], s=6, alpha=0.5,
                           color=color_for(label), label=display_name(label), linewidths=0)
            for limit in sorted(rows["limit"].unique()):
                ax.axvline(limit, color="grey", linestyle=":", linewidth=0.7)
            if len(rows):
                right = float(rows["limit"].max()) * 1.15
                visible = front[front["value"] <= right]["test_accuracy"]
                top = max(float(visible.max()) if len(visible) else -np.inf,
                          float(rows["test_accuracy"].max()))
                ax.set_xlim(left=0.0, right=right)
                ax.set_ylim(float(rows["test_accuracy"].min()) - 1.0, top + 0.5)
            ax.set_xlabel(_metric_label(metric))
            ax.set_title(dataset_name(dataset), fontsize=7)
            if c == 0:
                ax.set_ylabel("test accuracy of answer (%)")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncol=min(len(names), 7),
               frameon=False, markerscale=3)
    return fig


def caption_hardware(summary: pd.DataFrame, feasible_runs: int, total_runs: int) -> str:
    """Two-line caption; which method is closest to the oracle where is read from the data."""
    require_columns(summary, ("metric", "percentile", "dataset", "label", "mean", "regret",
                              "n"), "hardware summary")
    seeds = int(summary["n"].min())
    ps = ", ".join(f"{p:g}%" for p in sorted(summary["percentile"].unique()))
    metrics = " and ".join(_metric_label(m) for m in dict.fromkeys(summary["metric"]))
    line1 = (f"Mean test accuracy (95% CI over {seeds} paired seeds) of each method searching "
             f"only archs within a limit on {metrics}, set at the {ps} percentiles of the "
             "metric over the space, beside the oracle (best feasible arch); scatter: every "
             "answer against its cost with the space's Pareto front.")
    parts = [f"{feasible_runs} of {total_runs} runs answered a feasible arch"]
    mean_regret = summary.groupby("label", sort=False)["regret"].mean().sort_values()
    best, worst = mean_regret.index[0], mean_regret.index[-1]
    parts.append(f"lowest mean regret {display_name(str(best))} ({mean_regret.iloc[0]:.2f} "
                 f"points), highest {display_name(str(worst))} ({mean_regret.iloc[-1]:.2f})")
    for metric, rows in summary.groupby("metric", sort=False):
        tight = rows[rows["percentile"] == rows["percentile"].min()]
        loose = rows[rows["percentile"] == rows["percentile"].max()]
        parts.append(
            f"{_metric_label(str(metric))}: mean regret {tight['regret'].mean():.2f} at "
            f"p{tight['percentile'].iloc[0]:g} vs {loose['regret'].mean():.2f} at "
            f"p{loose['percentile'].iloc[0]:g}")
    return line1 + "\n" + "; ".join(parts) + "."


def caption_pareto(answers: pd.DataFrame, fronts: pd.DataFrame) -> str:
    """Two-line caption of the scatter: how many answers lie on the space's Pareto front,
    and how far below it the others are at their own cost."""
    require_columns(answers, ("metric", "dataset", "value", "test_accuracy", "arch_index"),
                    "hardware answers")
    line1 = ("Test accuracy of every run's answer against its latency or FLOPs (colour: "
             "method; dotted: the limits), with the Pareto front of the whole space (the most "
             "accurate arch at or below each cost).")
    on, gaps = 0, []
    for (dataset, metric), rows in answers.groupby(["dataset", "metric"], sort=False):
        front = fronts[(fronts["dataset"] == dataset) & (fronts["metric"] == metric)]
        on += int(rows["arch_index"].isin(set(front["index"])).sum())
        pos = np.searchsorted(front["value"].to_numpy(), rows["value"].to_numpy(),
                              side="right") - 1
        best = front["test_accuracy"].to_numpy()[np.clip(pos, 0, None)]
        gaps.append(best - rows["test_accuracy"].to_numpy())
    gap = np.concatenate(gaps) if gaps else np.zeros(0)
    line2 = (f"{on} of {len(answers)} answers ({on / max(len(answers), 1):.0%}) lie on the "
             f"front; on average an answer is {gap.mean():.2f} points below the front at its "
             f"own cost (median {np.median(gap):.2f}).")
    return line1 + "\n" + line2


def hardware_entries(plan: HardwareStudies, out: Path, root: Path, workers: int | None,
                     progress: bool, say: Callable[[str], None], command: str) -> list[Any]:
    """Run (or reuse) the constrained studies, write the two figures; the README entries."""
    from asebench.figures._run import StudyRunner
    from asebench.tables import default_table

    table = default_table(plan.data)
    if plan.for_table(table) is not plan:
        say(f"hardware: table {table.meta.name!r} has no {plan.device} latency; FLOPs only")
        plan = plan.for_table(table)
    runner = StudyRunner(root, workers, progress, say)
    studies = [runner.load(runner.path(name, spec)) for name, spec in plan.specs().items()]
    return hardware_figures(plan, studies, table, out, command, say)


def hardware_figures(plan: HardwareStudies, studies: Sequence[Any], table: NB201Table,
                     out: Path, command: str, say: Callable[[str], None]) -> list[Any]:
    """Write the two figures from the loaded constrained studies; the README entries."""
    import os

    from asebench.figures._report import ReportEntry, write_figure

    runs = collect_runs(studies)
    summary = hardware_summary(runs)
    answers = answers_with_metric(runs, table)
    feasible = int((answers["value"] <= answers["limit"]).sum())
    column = studies[0].config["protocol"]["report_column"]
    fronts = pd.concat([pareto_front(table, d, m, column) for m in plan.metrics
                        for d in plan.datasets], ignore_index=True)
    caption = caption_hardware(summary, feasible, len(answers))
    main = write_figure(out, "hardware", plot_hardware(summary), summary)
    scatter = write_figure(out, "hardware_pareto", plot_hardware_scatter(answers, fronts),
                           {"answers": answers.drop(columns=["arch"]), "front": fronts})
    say("hardware figures written")

    def rel(paths: Sequence[Path]) -> tuple[str, ...]:
        return tuple(os.path.relpath(p, out) for p in paths)

    return [
        ReportEntry("hardware", "Hardware-aware search: accuracy under latency and FLOPs "
                    "limits", caption, command, rel(main)),
        ReportEntry("hardware_pareto", "Hardware-aware search: answers and the Pareto front",
                    caption_pareto(answers, fronts), command, rel(scatter)),
    ]
