"""``make_figures``: run (or reuse) the studies of every declared figure, then write the
figures, ``table1.md`` and the README."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from asebench.figures._builders import FIGURES, PARTS
from asebench.figures._hardware import DEFAULT_HARDWARE_SEEDS, HardwareStudies
from asebench.figures._report import ReportEntry, write_readme
from asebench.figures._space_evolution import (
    DEFAULT_SPACE_EVOLUTION_SEEDS,
    SpaceEvolutionStudies,
)
from asebench.figures._spec import FigureSettings, ReportFigure, StudyRunner
from asebench.figures._studies import DEFAULT_BASE_OPTIONS, FigureStudies

__all__ = ["make_figures"]


def make_figures(out_dir: str | os.PathLike[str] = "reports", seeds: int = 500,
                 study_root: str | os.PathLike[str] = "studies", *,
                 workers: int | None = None, ablation_seeds: int | None = None,
                 ablation_dataset: str = "ImageNet16-120",
                 ablation_base: Mapping[str, Any] | None = None, master_seed: int = 0,
                 budget_s: float | None = None, data: str | None = None, progress: bool = True,
                 command: str | None = None, log: Callable[[str], None] | None = None,
                 figures: tuple[ReportFigure, ...] = FIGURES) -> list[ReportEntry]:
    """Run the studies the figures need (cached and resumable), then write the report.

    Writes into ``out_dir`` every figure of ``figures`` (by default :data:`FIGURES`:
    ``fig6_distance``, ``fig7_subspace_update``, ``fig8_reward_graph``, ``fig9_k_m``,
    ``policy``, ``anytime``, ``hardware``, ``hardware_pareto``, ``space_evolution``, each
    ``.png``, ``.pdf`` and CSV of the plotted numbers; ``table1.md``) and ``README.md``
    (captions, verdicts, commands).

    Args:
        out_dir: the report folder.
        seeds: runs per method and dataset of the Table I study (the paper: 500).
        study_root: where studies are cached (``table1``, ``subspace-update``, ``ablations``,
            ...); a second call with the same settings only reads them.
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
        figures: the declared figures to write, in README order.

    Returns:
        The README entries, in order.
    """
    from asebench.tables import default_table

    plan = FigureStudies(seeds=seeds, ablation_seeds=ablation_seeds,
                         ablation_dataset=ablation_dataset, master_seed=master_seed,
                         budget_s=budget_s, data=data,
                         base_options=DEFAULT_BASE_OPTIONS if ablation_base is None
                         else ablation_base)
    _check_defaults(plan)
    out = Path(out_dir)
    root = Path(study_root)
    say = log or (lambda _: None)
    runner = StudyRunner(root, workers, progress, say)
    _check_before_writing(plan, out, root, runner)
    table = default_table(data)
    hardware = HardwareStudies(seeds=min(seeds, DEFAULT_HARDWARE_SEEDS), datasets=plan.datasets,
                               master_seed=master_seed, budget_s=budget_s, data=data)
    if hardware.for_table(table) is not hardware:
        say(f"hardware: table {table.meta.name!r} has no {hardware.device} latency; FLOPs only")
        hardware = hardware.for_table(table)
    evolution = SpaceEvolutionStudies(seeds=min(seeds, DEFAULT_SPACE_EVOLUTION_SEEDS),
                                      datasets=plan.datasets, master_seed=master_seed,
                                      budget_s=budget_s, data=data)
    part = "all" if figures == FIGURES else next(
        (name for name, members in PARTS.items() if members == figures), None)
    settings = FigureSettings(out, command or _command(
        out, root, plan, ablation_dataset, None if part == "main" else part), plan,
        hardware, evolution, table)

    tic = time.perf_counter()
    entries: list[ReportEntry] = []
    for figure in figures:
        entries += figure.build(figure.inputs(settings, runner))
    paths = {name: runner.paths[name] for name in plan.specs() if name in runner.paths}
    header = _header(plan, paths, root) if paths else _part_header(settings, runner)
    mixed = _revision_note(paths)
    if mixed:
        say(mixed)
        header += "\n\n**Warning:** " + mixed
    write_readme(out, entries, header=header)
    say(f"report written to {out} ({time.perf_counter() - tic:.1f} s)")
    return entries


def _revision_note(paths: dict[str, Path]) -> str:
    """A warning when the studies were run by different code, else ``""``.

    Figures 7-9 compare arms from different studies (the default ``ase`` runs come from
    ``table1``), which is only fair when the same code ran them all. "The same code" is the
    code version (what decides results), not the git commit: a commit that changes only
    captions or docs between two studies does not make their arms incomparable.
    """
    from asebench.errors import AsebenchError
    from asebench.store import read_metadata

    versions = {}
    for name, path in paths.items():
        try:
            version = (read_metadata(path) or {}).get("code_version")
        except AsebenchError:
            version = None
        versions[name] = str(version or "unknown")
    if len(set(versions.values())) <= 1:
        return ""
    listing = ", ".join(f"{name} by code {version}" for name, version in versions.items())
    return ("the studies were run by different code (" + listing + "), so arms shared "
            "between them may not be comparable; delete the study folders and rerun to rebuild "
            "them with one code version.")


def _check_defaults(plan: FigureStudies) -> None:
    """The shared ``ase`` runs stand for K=4 / M=4: check the method's defaults agree."""
    from asebench.errors import AsebenchError
    from asebench.search import get

    searcher = get("ase")
    for name, value in plan.defaults.items():
        actual = getattr(searcher, name, value)
        if actual != value:
            raise AsebenchError(f"ase's default {name} is {actual}, the figures assume {value}")


def _check_before_writing(plan: FigureStudies, out: Path, root: Path,
                          runner: StudyRunner) -> None:
    """Every study resolved against the real spaces and data (the runner keeps them), and
    both folders writable: a bad option fails here, before the report or any study folder is
    touched."""
    from asebench._outputs import check_output_dir

    for name, spec in plan.specs().items():
        runner.resolve(name, spec)
    for flag, folder in (("--out", out), ("--study-root", root)):
        check_output_dir(folder, flag)


def _command(out: Path, root: Path, plan: FigureStudies, ablation_dataset: str,
             part: str | None = None) -> str:
    parts = ["asebench figures", *([f"--part {part}"] if part else []), f"--out {out}",
             f"--seeds {plan.seeds}", f"--ablation-seeds {plan.ablation_seeds}",
             f"--study-root {root}"]
    if ablation_dataset != "ImageNet16-120":
        parts.append(f"--ablation-dataset {ablation_dataset}")
    if plan.budget_s is not None:
        parts.append(f"--budget {plan.budget_s:g}")
    if dict(plan.base_options) != dict(DEFAULT_BASE_OPTIONS):
        base = ",".join(f"{k}={v}" for k, v in sorted(plan.base_options.items())) or "paper"
        parts.append(f"--ablation-base {base}")
    return " ".join(parts)


def _part_header(settings: FigureSettings, runner: StudyRunner) -> str:
    """The header of a part that reads none of the Table I and ablation studies."""
    studies = ", ".join(f"`{p}`" for p in runner.paths.values())
    return (f"Generated by `{settings.command}` on the NAS-Bench-201 table with the "
            f"`{settings.plan.protocol}` protocol. Studies are cached in {studies}; rerunning "
            "the command reuses them.")


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
