"""``make_figures``: run (or reuse) the studies, then write every figure and the README."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from asebench.figures._anytime import anytime_curves, caption_anytime, plot_anytime
from asebench.figures._distance import PAPER_FIG6, distance_accuracy_table
from asebench.figures._fig6 import caption_distance, plot_distance
from asebench.figures._fig7 import (
    FIG7_LABELS,
    caption_subspace_update,
    plot_subspace_update,
    subspace_update_summary,
)
from asebench.figures._fig8 import (
    FIG8_PANELS,
    best_so_far_by_step,
    caption_ablation_curves,
    plot_ablation_curves,
    subspaces_explored,
)
from asebench.figures._fig9 import caption_sweeps, plot_sweeps, sweep_summary
from asebench.figures._hardware import DEFAULT_HARDWARE_SEEDS, HardwareStudies, hardware_entries
from asebench.figures._policy import caption_policy, plot_policy, policy_curves, policy_summary
from asebench.figures._report import (
    ReportEntry,
    atomic_write,
    write_figure,
    write_readme,
)
from asebench.figures._space_evolution import (
    DEFAULT_SPACE_EVOLUTION_SEEDS,
    SpaceEvolutionStudies,
    space_evolution_entries,
)
from asebench.figures._studies import (
    DEFAULT_BASE_OPTIONS,
    REFERENCE,
    FigureStudies,
    study_directory,
)
from asebench.figures._table1 import caption_table1

__all__ = ["make_figures"]

_TRACE_COLUMNS = ["label", "dataset", "seed", "step", "elapsed_s", "incumbent_reward",
                  "incumbent_test_accuracy"]


def _rel(paths: Sequence[Path], out: Path) -> tuple[str, ...]:
    return tuple(os.path.relpath(p, out) for p in paths)


def _read_traces(path: Path, extra: Sequence[str] = ()) -> pd.DataFrame:
    return pd.read_parquet(path / "traces", columns=_TRACE_COLUMNS + list(extra))


def make_figures(out_dir: str | os.PathLike[str] = "reports", seeds: int = 500,
                 study_root: str | os.PathLike[str] = "studies", *,
                 workers: int | None = None, ablation_seeds: int | None = None,
                 ablation_dataset: str = "ImageNet16-120",
                 ablation_base: Mapping[str, Any] | None = None, master_seed: int = 0,
                 budget_s: float | None = None, data: str | None = None, progress: bool = True,
                 command: str | None = None,
                 log: Callable[[str], None] | None = None) -> list[ReportEntry]:
    """Run the studies the figures need (cached and resumable), then write the report.

    Writes into ``out_dir``: ``fig6_distance``, ``fig7_subspace_update``,
    ``fig8_reward_graph``, ``fig9_k_m``, ``policy``, ``anytime`` (each ``.png``, ``.pdf`` and
    CSV of the plotted numbers), ``table1.md`` and ``README.md`` (captions, verdicts,
    commands).

    Args:
        out_dir: the report folder.
        seeds: runs per method and dataset of the Table I study (the paper: 500).
        study_root: where studies are cached (``table1``, ``subspace-update``, ``ablations``);
            a second call with the same settings only reads them.
        workers: parallel workers for the studies (default: all cores).
        ablation_seeds: runs per ablation arm (default ``min(seeds, 100)``).
        ablation_dataset: the dataset of Figs. 8 and 9.
        ablation_base: options of the ASE-NAS every ablated arm starts from (default
            ``{}``, the paper's hyper-parameters, see :data:`DEFAULT_BASE_OPTIONS`).
        master_seed: root of all seeds (runs are paired across methods and studies).
        budget_s: simulated seconds per run (default: the protocol's 25,000 s).
        data: benchmark table file (default: the embedded table).
        progress: show the studies' progress bars.
        command: the command line recorded in the README (default: rebuilt from arguments).
        log: called with one line per step (default: silent).

    Returns:
        The README entries, in order.
    """
    from asebench.analysis import load
    from asebench.tables import default_table

    plan = FigureStudies(seeds=seeds, ablation_seeds=ablation_seeds,
                         ablation_dataset=ablation_dataset, master_seed=master_seed,
                         budget_s=budget_s, data=data,
                         base_options=DEFAULT_BASE_OPTIONS if ablation_base is None
                         else ablation_base)
    _check_defaults(plan)
    out = Path(out_dir)
    root = Path(study_root)
    _check_before_writing(plan, out, root)
    say = log or (lambda _: None)
    command = command or _command(out, root, plan, ablation_dataset)
    entries: list[ReportEntry] = []

    tic = time.perf_counter()
    stats = distance_accuracy_table(default_table(data), datasets=plan.datasets)
    files = write_figure(out, "fig6_distance", plot_distance(stats), stats)
    entries.append(ReportEntry("fig6_distance", "Fig. 6: accuracy difference vs architecture "
                               "distance", caption_distance(stats, PAPER_FIG6), command,
                               _rel(files, out)))
    say(f"fig6 written ({time.perf_counter() - tic:.1f} s)")

    paths = _run_studies(plan, root, workers, progress, say)
    table_study = load(paths["table1"])
    table_runs = table_study.runs
    sub_runs = load(paths["subspace-update"]).runs
    abl_runs = load(paths["ablations"]).runs
    table_traces = _read_traces(paths["table1"])
    abl_traces = _read_traces(paths["ablations"])
    shared = plan.shared_base_label
    ablation_ids = set(range(plan.arm_seeds))
    note = plan.base_text()

    def paired(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["seed"].isin(ablation_ids)]

    def reference(own: pd.DataFrame, from_table: pd.DataFrame, dataset: str | None
                  ) -> pd.DataFrame:
        """The reference arm, labelled ``ase``: from table1 when shared, else its own study."""
        if shared is None:
            return own[own["label"] == REFERENCE]
        rows = from_table[from_table["label"] == shared]
        if dataset is not None:
            rows = rows[rows["dataset"] == dataset]
        return paired(rows).assign(label=REFERENCE)

    # Fig. 7: random search from Table I, the reference arm, the two ablated arms
    fig7_runs = pd.concat([paired(table_runs[table_runs["label"] == "random"]),
                           reference(sub_runs, table_runs, None),
                           sub_runs[sub_runs["label"] != REFERENCE]],
                          ignore_index=True, sort=False)
    summary7 = subspace_update_summary(fig7_runs, FIG7_LABELS)
    files = write_figure(out, "fig7_subspace_update", plot_subspace_update(summary7), summary7)
    entries.append(ReportEntry("fig7_subspace_update", "Fig. 7: subspace updating",
                               _with_note(caption_subspace_update(fig7_runs), note), command,
                               _rel(files, out)))
    say("fig7 written")

    # Figs. 8 and 9 on the ablation dataset
    ds = plan.ablation_dataset
    base_runs = reference(abl_runs, table_runs, ds)
    fig8_runs = pd.concat([base_runs, abl_runs[abl_runs["label"] != REFERENCE]],
                          ignore_index=True, sort=False)
    fig8_traces = pd.concat([reference(abl_traces, table_traces, ds),
                             abl_traces[abl_traces["label"] != REFERENCE]], ignore_index=True)
    curves = best_so_far_by_step(fig8_traces, FIG8_PANELS)
    explored = _subspaces_or_none(fig8_runs)
    data8 = {"curves": curves} | ({"subspaces": explored} if explored is not None else {})
    files = write_figure(out, "fig8_reward_graph",
                         plot_ablation_curves(curves, explored, dataset=ds), data8)
    entries.append(ReportEntry("fig8_reward_graph", "Fig. 8: reward type and subspace graph",
                               _with_note(caption_ablation_curves(fig8_runs, FIG8_PANELS,
                                                                  dataset=ds), note),
                               command, _rel(files, out)))
    say("fig8 written")

    sweep_runs = _sweep_frame(base_runs, abl_runs, plan)
    summary9 = sweep_summary(sweep_runs, ("K", "M"))
    files = write_figure(out, "fig9_k_m", plot_sweeps(summary9, plan.defaults, dataset=ds),
                         summary9)
    entries.append(ReportEntry("fig9_k_m", "Fig. 9: number of subspaces K and local distance M",
                               _with_note(caption_sweeps(summary9, dataset=ds), note), command,
                               _rel(files, out)))
    say("fig9 written")

    # the policy figure: bounded (reference) vs unbounded vs uniform, every dataset
    pol_runs = load(paths["policy"]).runs
    pol_traces = _read_traces(paths["policy"], ["arch"])
    ref_traces = (_read_traces(paths["table1"], ["arch"]) if shared is not None
                  else pol_traces)
    policy_runs = pd.concat([reference(pol_runs, table_runs, None),
                             pol_runs[pol_runs["label"] != REFERENCE]],
                            ignore_index=True, sort=False)
    policy_traces = pd.concat([reference(pol_traces, ref_traces, None),
                               pol_traces[pol_traces["label"] != REFERENCE]], ignore_index=True)
    pol_curves = policy_curves(policy_runs, policy_traces)
    pol_summary = policy_summary(policy_runs)
    files = write_figure(out, "policy", plot_policy(pol_curves, pol_summary),
                         {"curves": pol_curves, "summary": pol_summary})
    entries.append(ReportEntry("policy", "Policy: bounded logits, unbounded, uniform",
                               _with_note(caption_policy(pol_summary), note), command,
                               _rel(files, out)))
    say("policy written")

    curves_any = anytime_curves(table_traces, points=100)
    files = write_figure(out, "anytime", plot_anytime(curves_any), curves_any)
    entries.append(ReportEntry("anytime", "Anytime curves (Table I methods)",
                               caption_anytime(curves_any), command, _rel(files, out)))
    say("anytime written")

    # hardware-aware search and search-space evolution: their own cached studies
    hardware = HardwareStudies(seeds=min(seeds, DEFAULT_HARDWARE_SEEDS),
                               datasets=plan.datasets, master_seed=master_seed,
                               budget_s=budget_s, data=data)
    entries += hardware_entries(hardware, out, root, workers, progress, say, command)
    evolution = SpaceEvolutionStudies(seeds=min(seeds, DEFAULT_SPACE_EVOLUTION_SEEDS),
                                      datasets=plan.datasets, master_seed=master_seed,
                                      budget_s=budget_s, data=data)
    entries += space_evolution_entries(evolution, out, root, workers, progress, say, command)

    from asebench.analysis import study_markdown, table1

    references = [label for label in table_study.labels if label.partition("[")[0] == "ase"]
    path = atomic_write(out / "table1.md", study_markdown(table_study, references))
    tables = [table1(table_study, reference=ref) for ref in references]
    entries.append(ReportEntry("table1", "Table I", caption_table1(tables), command,
                               _rel([path], out), image=False))
    header = _header(plan, paths, root)
    mixed = _revision_note(paths)
    if mixed:
        say(mixed)
        header += "\n\n**Warning:** " + mixed
    write_readme(out, entries, header=header)
    say(f"report written to {out} ({time.perf_counter() - tic:.1f} s)")
    return entries


def _with_note(caption: str, note: str) -> str:
    """``note`` appended to the first line of a two-line caption."""
    first, _, rest = caption.partition("\n")
    return f"{first} {note}.\n{rest}" if rest else f"{first} {note}."


def _revision_note(paths: dict[str, Path]) -> str:
    """A warning when the studies were run from different code revisions, else ``""``.

    Figures 7-9 compare arms from different studies (the default ``ase`` runs come from
    ``table1``), which is only fair when the same code ran them all.
    """
    import json

    revisions = {}
    for name, path in paths.items():
        try:
            git = json.loads((path / "metadata.json").read_text(encoding="utf-8")).get("git")
        except (OSError, ValueError):
            git = None
        revisions[name] = (git or {}).get("commit", "unknown")[:10]
    if len(set(revisions.values())) <= 1:
        return ""
    listing = ", ".join(f"{name} at {commit}" for name, commit in revisions.items())
    return ("the studies were run from different code revisions (" + listing + "), so arms "
            "shared between them may not be comparable; delete the study folders and rerun "
            "to rebuild them from one revision.")


def _check_defaults(plan: FigureStudies) -> None:
    """The shared ``ase`` runs stand for K=4 / M=4: check the method's defaults agree."""
    from asebench.errors import AsebenchError
    from asebench.search import get

    searcher = get("ase")
    for name, value in plan.defaults.items():
        actual = getattr(searcher, name, value)
        if actual != value:
            raise AsebenchError(f"ase's default {name} is {actual}, the figures assume {value}")


def _check_before_writing(plan: FigureStudies, out: Path, root: Path) -> None:
    """Every study against the real spaces and data, and both folders writable: a bad
    option fails here, before the report or any study folder is touched."""
    from asebench._outputs import check_output_dir
    from asebench.study import check_study
    from asebench.study._bounds import check_plan_size

    for spec in plan.specs().values():
        check_plan_size(spec)  # first: it never plans in proportion to the seeds
        check_study(spec)
    for flag, folder in (("--out", out), ("--study-root", root)):
        check_output_dir(folder, flag)


def _run_studies(plan: FigureStudies, root: Path, workers: int | None, progress: bool,
                 say: Callable[[str], None]) -> dict[str, Path]:
    from asebench.study import run_study

    paths = {}
    for name, spec in plan.specs().items():
        target = study_directory(root, name, spec)
        tic = time.perf_counter()
        paths[name] = run_study(spec, target, workers=workers, resume=True,
                                progress=progress)
        say(f"study {name}: {target} ({time.perf_counter() - tic:.1f} s)")
    return paths


def _subspaces_or_none(runs: pd.DataFrame) -> pd.DataFrame | None:
    from asebench.errors import AsebenchError

    try:
        return subspaces_explored(runs)
    except AsebenchError:
        return None


def _sweep_frame(base: pd.DataFrame, ablations: pd.DataFrame, plan: FigureStudies
                 ) -> pd.DataFrame:
    """Runs with a ``K`` and/or ``M`` column: the default runs carry both."""
    frames = [base.assign(K=float(plan.defaults["K"]), M=float(plan.defaults["M"]))]
    for param, values in (("K", plan.k_values), ("M", plan.m_values)):
        for value in values:
            if value == plan.defaults[param]:
                continue
            rows = ablations[ablations["label"] == f"ase[{param}={value}]"]
            frames.append(rows.assign(**{param: float(value)}))
    return pd.concat(frames, ignore_index=True, sort=False)


def _command(out: Path, root: Path, plan: FigureStudies, ablation_dataset: str) -> str:
    parts = ["asebench figures", f"--out {out}", f"--seeds {plan.seeds}",
             f"--ablation-seeds {plan.ablation_seeds}", f"--study-root {root}"]
    if ablation_dataset != "ImageNet16-120":
        parts.append(f"--ablation-dataset {ablation_dataset}")
    if plan.budget_s is not None:
        parts.append(f"--budget {plan.budget_s:g}")
    if dict(plan.base_options) != dict(DEFAULT_BASE_OPTIONS):
        base = ",".join(f"{k}={v}" for k, v in sorted(plan.base_options.items())) or "paper"
        parts.append(f"--ablation-base {base}")
    return " ".join(parts)


def _header(plan: FigureStudies, paths: dict[str, Path], root: Path) -> str:
    specs = plan.specs()
    arms = sum(len(spec.method_specs) * len(spec.datasets)
               for name, spec in specs.items() if name != "table1")
    studies = ", ".join(f"`{p}`" for p in paths.values())
    budget = (f" and a budget of {plan.budget_s:g} simulated seconds per run"
              if plan.budget_s else "")
    shared = (f", sharing their reference runs with Table I's `{plan.shared_base_label}`"
              if plan.shared_base_label else "")
    return (
        "Generated by `asebench figures` (`make figures`) on the NAS-Bench-201 table with the "
        f"`{plan.protocol}` protocol{budget}. Table I and the anytime curves use {plan.seeds} "
        f"paired seeds per method and dataset. The ablations (Figs. 7-9) use the first "
        f"{plan.ablation_seeds} of the same seeds (`--ablation-seeds`): they add {arms} "
        "ASE-NAS-sized method x dataset arms, so they get fewer seeds to keep `make figures` "
        f"within its time budget. Figs. 8 and 9 run on {plan.ablation_dataset} only. "
        f"{plan.base_text()}{shared}. The reward column each search saw is named in the "
        f"Table I notes. Studies are cached in {studies}; rerunning the command reuses them.")
