"""Search-space evolution: the active space's size and the best reward against search time.

NSE's active space (per round) and AutoSpace's fittest sub-space (per generation, then its
phase-2 space) are read from each run's ``space_*`` records; ASE-NAS's evoked subspaces are the
union of its K radius-M Hamming balls around its final centers (ASE-NAS does not log its
centers per step, so its size is drawn flat over the run). The best reward is the incumbent's
reward as the search saw it. One study of its own (paired seeds with Table I, cached like the
other studies) runs the three methods.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from asebench.errors import AsebenchError
from asebench.figures._checks import require_columns
from asebench.figures._style import color_for, dataset_name, display_name, new_figure, styled
from asebench.tables import DATASETS

if TYPE_CHECKING:
    from asebench.study import StudySpec

__all__ = ["SpaceEvolutionStudies", "caption_space_evolution", "evoked_union_size",
           "plot_space_evolution", "space_evolution_curves", "space_evolution_entries",
           "space_evolution_figure"]

DEFAULT_SPACE_EVOLUTION_SEEDS = 100
"""Runs per method and dataset of the space-evolution study (an ablation-sized study)."""

SPACE_EVOLUTION_LABELS = ("nse", "autospace", "ase")


@dataclass(frozen=True)
class SpaceEvolutionStudies:
    """The study behind the figure: NSE, AutoSpace and ASE-NAS with their defaults.

    Attributes:
        seeds: runs per method and dataset.
        datasets, master_seed, protocol, budget_s, data: as in the other studies (run i uses
            the same seed as run i of Table I).
    """

    seeds: int = DEFAULT_SPACE_EVOLUTION_SEEDS
    datasets: tuple[str, ...] = DATASETS
    master_seed: int = 0
    protocol: str = "paper"
    budget_s: float | None = None
    data: str | None = None

    def spec(self) -> StudySpec:
        from asebench.figures._studies import protocol_option
        from asebench.study import StudySpec

        return StudySpec(methods=SPACE_EVOLUTION_LABELS, datasets=tuple(self.datasets),
                         seeds=self.seeds, protocol=protocol_option(self.protocol),
                         budget_s=self.budget_s, master_seed=self.master_seed, data=self.data)

    def specs(self) -> dict[str, StudySpec]:
        return {"space-evolution": self.spec()}


def evoked_union_size(centers: Sequence[Sequence[int]], radius: int, sizes: Sequence[int]
                      ) -> int:
    """Number of archs within ``radius`` of at least one center (a product space)."""
    grids = np.meshgrid(*[np.arange(n, dtype=np.int8) for n in sizes], indexing="ij")
    archs = np.stack([g.ravel() for g in grids], axis=1)
    near = np.zeros(len(archs), dtype=bool)
    for center in centers:
        near |= (archs != np.asarray(center, dtype=np.int8)).sum(axis=1) <= radius
    return int(near.sum())


def _steps(runs: pd.DataFrame, ase_radius: int, sizes: Sequence[int]
           ) -> dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray]]]:
    """Per (dataset, label), each run's (end time, active space size) steps."""
    out: dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray]]] = {}
    rows: list[dict[Any, Any]] = runs.to_dict("records")
    for row in rows:
        key = (str(row["dataset"]), str(row["label"]))
        elapsed, centers = row.get("info_space_elapsed_s"), row.get("info_final_centers")
        if isinstance(elapsed, str):
            times = np.asarray(json.loads(elapsed), dtype=float)
            size = np.asarray(json.loads(str(row["info_space_size"])), dtype=float)
        elif isinstance(centers, str):
            times = np.array([float(row["sim_seconds"])])
            size = np.array([float(evoked_union_size(json.loads(centers), ase_radius, sizes))])
        else:
            continue
        out.setdefault(key, []).append((times, size))
    return out


def space_evolution_curves(runs: pd.DataFrame, traces: pd.DataFrame, *, points: int = 100,
                           ase_radius: int = 4, sizes: Sequence[int] = (5,) * 6
                           ) -> pd.DataFrame:
    """Median active-space size and mean best reward per method at each search time.

    A run's space at time t is the one of its first round/generation ending at or after t
    (the last one after its end); its best reward at t is its incumbent's reward among the
    queries finished by t.

    Returns:
        Columns ``label``, ``dataset``, ``seconds``, ``size_median``, ``size_q25``,
        ``size_q75``, ``reward_mean``, ``reward_sem``, ``n``.
    """
    require_columns(runs, ("label", "dataset", "sim_seconds"), "runs")
    require_columns(traces, ("label", "dataset", "seed", "elapsed_s", "incumbent_reward"),
                    "traces")
    steps = _steps(runs, ase_radius, sizes)
    if not steps:
        raise AsebenchError("runs hold no space-evolution records (nse, autospace, ase)")
    end = float(traces["elapsed_s"].max())
    times = np.linspace(0.0, end, points + 1)[1:]
    frames = []
    for (dataset, label), records in steps.items():
        size = np.array([s[np.minimum(np.searchsorted(t, times, side="left"), len(t) - 1)]
                         for t, s in records])
        here = traces[(traces["dataset"] == dataset) & (traces["label"] == label)]
        rewards = np.full((here["seed"].nunique(), len(times)), np.nan)
        for r, (_, run) in enumerate(here.sort_values("elapsed_s").groupby("seed")):
            last = np.searchsorted(run["elapsed_s"].to_numpy(float), times, side="right") - 1
            values = run["incumbent_reward"].to_numpy(float)
            rewards[r, last >= 0] = values[last[last >= 0]]
        n = np.sum(~np.isnan(rewards), axis=0)
        filled = np.where(np.isnan(rewards), 0.0, rewards)
        mean = np.divide(filled.sum(axis=0), n, out=np.full(len(times), np.nan), where=n > 0)
        sq = (np.where(np.isnan(rewards), 0.0, filled - np.nan_to_num(mean)) ** 2).sum(axis=0)
        std = np.sqrt(np.divide(sq, n - 1, out=np.zeros(len(times)), where=n > 1))
        frames.append(pd.DataFrame({
            "label": label, "dataset": dataset, "seconds": times,
            "size_median": np.median(size, axis=0), "size_q25": np.quantile(size, 0.25, axis=0),
            "size_q75": np.quantile(size, 0.75, axis=0), "reward_mean": mean,
            "reward_sem": std / np.sqrt(np.maximum(n, 1)), "n": n}))
    return pd.concat(frames, ignore_index=True)


@styled
def plot_space_evolution(curves: pd.DataFrame, sizes: Sequence[int] = (5,) * 6) -> Figure:
    """Top row: active space size (log scale, median and quartiles; dotted: the whole space
    of choice counts ``sizes``); bottom row: mean best reward (band = standard error); one
    column per dataset."""
    require_columns(curves, ("label", "dataset", "seconds", "size_median", "reward_mean"),
                    "space-evolution curves")
    datasets = list(curves["dataset"].unique())
    fig, axes = new_figure(ncols=len(datasets), nrows=2, height=4.2, sharex=True)
    labels = [x for x in SPACE_EVOLUTION_LABELS if x in set(curves["label"])]
    for col, dataset in enumerate(datasets):
        top, bottom = axes[col], axes[len(datasets) + col]
        here = curves[curves["dataset"] == dataset]
        for label in labels:
            rows = here[here["label"] == label].sort_values("seconds")
            color = color_for(label)
            top.step(rows["seconds"], rows["size_median"], where="post", color=color,
                     label=display_name(label))
            top.fill_between(rows["seconds"], rows["size_q25"], rows["size_q75"], step="post",
                             color=color, alpha=0.15, linewidth=0)
            bottom.plot(rows["seconds"], rows["reward_mean"], color=color)
            bottom.fill_between(rows["seconds"], rows["reward_mean"] - rows["reward_sem"],
                                rows["reward_mean"] + rows["reward_sem"], color=color,
                                alpha=0.2, linewidth=0)
        top.axhline(float(np.prod(np.asarray(sizes, dtype=float))), color="0.5", linestyle=":",
                    linewidth=1.0, label="whole space")
        top.set_yscale("log")
        top.set_title(dataset_name(str(dataset)))
        tail = here[here["seconds"] >= 0.2 * here["seconds"].max()]["reward_mean"]
        pad = 0.1 * max(float(tail.max() - tail.min()), 0.2)
        bottom.set_ylim(float(tail.min()) - pad, float(tail.max()) + pad)
        bottom.set_xlabel("simulated search time (s)")
    axes[0].set_ylabel("archs in active space")
    axes[len(datasets)].set_ylabel("best reward so far (%)")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=len(names), frameon=False)
    return fig


def caption_space_evolution(curves: pd.DataFrame, runs: pd.DataFrame) -> str:
    """Two-line caption; sizes, rounds and the final ranking are read from the data."""
    require_columns(curves, ("label", "dataset", "seconds", "size_median", "reward_mean"),
                    "space-evolution curves")
    line1 = ("Size of the active space (median, band = quartiles, log scale) and mean best "
             "reward so far (band = standard error) against simulated search time: NSE's "
             "active space per round, AutoSpace's fittest sub-space per generation then its "
             "phase-2 space, and the union of ASE-NAS's K evoked subspaces at its final "
             f"centers; {int(curves['n'].max())} paired seeds.")
    parts = []
    for dataset, here in curves.groupby("dataset", sort=False):
        final = here.sort_values("seconds").groupby("label").tail(1).set_index("label")
        bits = []
        for label in final.index:
            extra = ""
            mine = runs[(runs["dataset"] == dataset) & (runs["label"] == label)]
            for column, word in (("info_rounds", "rounds"), ("info_generations",
                                                             "generations")):
                if column in mine and mine[column].notna().any():
                    extra = f", {mine[column].mean():.1f} {word}"
            bits.append(f"{display_name(str(label))} {final.loc[label, 'size_median']:.0f} "
                        f"archs{extra}, reward {final.loc[label, 'reward_mean']:.2f}")
        leader = final["reward_mean"].idxmax()
        parts.append(f"{dataset_name(str(dataset))}: " + "; ".join(bits)
                     + f" (highest: {display_name(str(leader))})")
    return line1 + "\nAt the end of the budget - " + " | ".join(parts) + "."


def space_evolution_entries(plan: SpaceEvolutionStudies, out: Path, root: Path,
                            workers: int | None, progress: bool, say: Callable[[str], None],
                            command: str) -> list[Any]:
    """Run (or reuse) the study, write the figure; its README entry."""
    from asebench.figures._run import StudyRunner

    path = StudyRunner(root, workers, progress, say).path("space-evolution", plan.spec())
    return space_evolution_figure(path, out, command, say)


def space_evolution_figure(path: Path, out: Path, command: str, say: Callable[[str], None]
                           ) -> list[Any]:
    """Write the figure from the stored study at ``path``; its README entry."""
    from asebench.analysis import load
    from asebench.figures._report import ReportEntry, write_figure
    from asebench.search import get

    study = load(path)
    runs = study.runs
    traces = study.read_traces(["label", "dataset", "seed", "elapsed_s", "incumbent_reward"])
    radius = int(getattr(get("ase"), "M", 4))
    curves = space_evolution_curves(runs, traces, ase_radius=radius)
    files = write_figure(out, "space_evolution", plot_space_evolution(curves), curves)
    say("space-evolution figure written")
    return [ReportEntry("space_evolution", "Search-space evolution: NSE and AutoSpace beside "
                        "ASE-NAS's evoked subspaces", caption_space_evolution(curves, runs),
                        command, tuple(os.path.relpath(p, out) for p in files))]
