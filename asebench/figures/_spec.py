"""Declared figures: a figure is a name, the study groups it reads and a builder.

:func:`asebench.figures.make_figures` walks :data:`asebench.figures._builders.FIGURES` in
order: it runs (or reuses from the cache) the studies each figure declares, then calls the
figure's builder with those studies, and the builder writes its files and returns its README
entries. A builder sees only the groups its spec declares.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

import pandas as pd

from asebench.errors import AsebenchError
from asebench.figures._hardware import HardwareStudies
from asebench.figures._report import ReportEntry
from asebench.figures._run import StudyRunner
from asebench.figures._space_evolution import SpaceEvolutionStudies
from asebench.figures._studies import FigureStudies

if TYPE_CHECKING:
    from asebench.analysis import Study
    from asebench.study import StudySpec
    from asebench.tables import NB201Table

__all__ = ["DeclaresGroups", "FigureInputs", "FigureSettings", "FigureSpec", "ReportFigure",
           "ReportInputs", "StudyRunner"]

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


class DeclaresGroups(Protocol):
    """A report's settings: the study groups its figures may read."""

    def groups(self) -> dict[str, dict[str, StudySpec]]: ...


SettingsT = TypeVar("SettingsT", bound=DeclaresGroups)
EntryT = TypeVar("EntryT")


@dataclass
class FigureInputs(Generic[SettingsT]):
    """What a builder gets: the settings and the studies of its declared groups."""

    settings: SettingsT
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
        return self.runner.load(path)

    def runs(self, group: str) -> pd.DataFrame:
        return self.study(group).runs

    def traces(self, group: str, extra: Sequence[str] = ()) -> pd.DataFrame:
        """The per-query traces of a single-study group: the columns the figures plot."""
        return self.study(group).read_traces(TRACE_COLUMNS + list(extra))


@dataclass(frozen=True)
class FigureSpec(Generic[SettingsT, EntryT]):
    """One figure (or section) of a report.

    Attributes:
        name: the figure's file stem (its first README entry).
        studies: the study groups it reads (keys of :meth:`FigureSettings.groups`); they are
            run, or reused from the cache, before ``build`` is called.
        build: writes the figure's files into the report folder; returns its README entries
            (:class:`ReportEntry` for ``make figures``, markdown lines for the peers report).
    """

    name: str
    studies: tuple[str, ...]
    build: Callable[[FigureInputs[SettingsT]], list[EntryT]]

    def inputs(self, settings: SettingsT, runner: StudyRunner) -> FigureInputs[SettingsT]:
        """Run (or reuse) the declared studies; the builder's inputs."""
        groups = settings.groups()
        unknown = [g for g in self.studies if g not in groups]
        if unknown:
            raise AsebenchError(f"figure {self.name} declares unknown study groups {unknown}")
        return FigureInputs(settings, {
            group: {name: runner.path(name, spec) for name, spec in groups[group].items()}
            for group in self.studies}, runner)


ReportInputs = FigureInputs[FigureSettings]
"""What a figure of ``make figures`` gets."""

ReportFigure = FigureSpec[FigureSettings, ReportEntry]
"""A figure of ``make figures``."""
