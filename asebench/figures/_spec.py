"""Declared figures: a figure is a name, the study groups it reads and a builder.

:func:`asebench.figures.make_figures` walks :data:`asebench.figures._builders.FIGURES` in
order: it runs (or reuses from the cache) the studies each figure declares, then calls the
figure's builder with those studies, and the builder writes its files and returns its README
entries. A builder sees only the groups its spec declares.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from asebench.errors import AsebenchError
from asebench.figures._hardware import HardwareStudies
from asebench.figures._report import ReportEntry
from asebench.figures._space_evolution import SpaceEvolutionStudies
from asebench.figures._studies import FigureStudies, study_directory

if TYPE_CHECKING:
    from asebench.analysis import Study
    from asebench.study import StudySpec
    from asebench.tables import NB201Table

__all__ = ["FigureInputs", "FigureSettings", "FigureSpec", "StudyRunner"]

TRACE_COLUMNS = ["label", "dataset", "seed", "step", "elapsed_s", "incumbent_reward",
                 "incumbent_test_accuracy"]


@dataclass(frozen=True)
class FigureSettings:
    """What every figure shares: the report folder, the recorded command and the study plans.

    Attributes:
        out: the report folder.
        command: the command line shown under every README entry.
        plan: the Table I and ablation studies.
        hardware: the constrained studies (already fitted to the table, see
            :meth:`HardwareStudies.for_table`).
        evolution: the search-space-evolution study.
        table: the benchmark table the studies run on.
    """

    out: Path
    command: str
    plan: FigureStudies
    hardware: HardwareStudies
    evolution: SpaceEvolutionStudies
    table: NB201Table

    def groups(self) -> dict[str, dict[str, StudySpec]]:
        """``{group: {directory name: StudySpec}}``: every study group a figure may read."""
        groups = {name: {name: spec} for name, spec in self.plan.specs().items()}
        return groups | {"hardware": self.hardware.specs(),
                         "space-evolution": self.evolution.specs()}

    def rel(self, paths: Sequence[Path]) -> tuple[str, ...]:
        """``paths`` relative to the report folder (as the README lists them)."""
        return tuple(os.path.relpath(p, self.out) for p in paths)


@dataclass
class StudyRunner:
    """Runs (or reuses) a named study once per report, however many figures read it, and
    loads each stored study once."""

    root: Path
    workers: int | None
    progress: bool
    say: Callable[[str], None]
    paths: dict[str, Path] = field(default_factory=dict)
    loaded: dict[Path, Study] = field(default_factory=dict)

    def path(self, name: str, spec: StudySpec) -> Path:
        if name not in self.paths:
            from asebench.study import run_study

            target = study_directory(self.root, name, spec)
            tic = time.perf_counter()
            self.paths[name] = run_study(spec, target, workers=self.workers, resume=True,
                                         progress=self.progress)
            self.say(f"study {name}: {target} ({time.perf_counter() - tic:.1f} s)")
        return self.paths[name]


@dataclass
class FigureInputs:
    """What a builder gets: the settings and the studies of its declared groups."""

    settings: FigureSettings
    groups: Mapping[str, Mapping[str, Path]]
    runner: StudyRunner

    def say(self, line: str) -> None:
        self.runner.say(line)

    def paths(self, group: str) -> Mapping[str, Path]:
        """``{directory name: path}`` of a declared group's studies."""
        if group not in self.groups:
            raise AsebenchError(f"figure reads study group {group!r} it does not declare")
        return self.groups[group]

    def path(self, group: str) -> Path:
        """The one study of a single-study group."""
        (path,) = self.paths(group).values()
        return path

    def study(self, group: str) -> Study:
        """The loaded study of a single-study group."""
        return self.load(self.path(group))

    def load(self, path: Path) -> Study:
        """The stored study at ``path``, loaded once per report."""
        if path not in self.runner.loaded:
            from asebench.analysis import load

            self.runner.loaded[path] = load(path)
        return self.runner.loaded[path]

    def runs(self, group: str) -> pd.DataFrame:
        return self.study(group).runs

    def traces(self, group: str, extra: Sequence[str] = ()) -> pd.DataFrame:
        """The per-query traces of a single-study group: the columns the figures plot."""
        return pd.read_parquet(self.path(group) / "traces", columns=TRACE_COLUMNS + list(extra))


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the report.

    Attributes:
        name: the figure's file stem (its first README entry).
        studies: the study groups it reads (keys of :meth:`FigureSettings.groups`); they are
            run, or reused from the cache, before ``build`` is called.
        build: writes the figure's files into ``inputs.settings.out``; returns its README
            entries.
    """

    name: str
    studies: tuple[str, ...]
    build: Callable[[FigureInputs], list[ReportEntry]]

    def inputs(self, settings: FigureSettings, runner: StudyRunner) -> FigureInputs:
        """Run (or reuse) the declared studies; the builder's inputs."""
        groups = settings.groups()
        unknown = [g for g in self.studies if g not in groups]
        if unknown:
            raise AsebenchError(f"figure {self.name} declares unknown study groups {unknown}")
        return FigureInputs(settings, {
            group: {name: runner.path(name, spec) for name, spec in groups[group].items()}
            for group in self.studies}, runner)
