"""The one way the reports run a study: run (or resume, or reuse) it, and log where and how
long."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asebench.analysis import Study
    from asebench.study import ResolvedStudy, StudySpec

__all__ = ["StudyRunner"]


@dataclass
class StudyRunner:
    """Runs (or reuses) a named study once per report, however many figures read it, and
    loads each stored study once.

    Attributes:
        root: where the studies are cached.
        workers: parallel workers of each study (None: all cores).
        progress: show each study's progress.
        say: called with one line per study run.
        named_folders: a study's folder is ``root/<name>`` (the peers report), not one keyed
            by its configuration and code version.
        run_studies: False reads the studies already there and runs none.
    """

    root: Path
    workers: int | None
    progress: bool
    say: Callable[[str], None]
    named_folders: bool = False
    run_studies: bool = True
    paths: dict[str, Path] = field(default_factory=dict)
    loaded: dict[Path, Study] = field(default_factory=dict)
    resolved: dict[str, ResolvedStudy] = field(default_factory=dict)

    def resolve(self, name: str, spec: StudySpec) -> ResolvedStudy:
        """Study ``name`` resolved (and so checked) once per report."""
        if name not in self.resolved:
            from asebench.study import resolve

            self.resolved[name] = resolve(spec)
        return self.resolved[name]

    def path(self, name: str, spec: StudySpec) -> Path:
        """The folder of study ``name`` (cached by configuration and code version, see
        :func:`~asebench.figures._studies.study_directory`, unless ``named_folders``), run or
        resumed first (unless not ``run_studies``)."""
        if name in self.paths:
            return self.paths[name]
        if self.named_folders:
            from asebench.store import Layout

            target = self.root / name
            if not self.run_studies:
                self.paths[name] = target
                return target
            # a named folder is one study across code changes: recompute what other code made
            there = Layout(target).metadata.exists()
            return self.run(name, spec, target, resume=there, rerun_stale=there)
        from asebench.figures._studies import study_directory

        resolved = self.resolve(name, spec)
        return self.run(name, resolved, study_directory(self.root, name, resolved))

    def run(self, name: str, spec: StudySpec | ResolvedStudy, target: Path,
            resume: bool = True, rerun_stale: bool = False) -> Path:
        """Run (or, with ``resume``, resume) study ``name`` in ``target``; its folder.
        ``rerun_stale`` recomputes the chunks that other code made."""
        from asebench.study import run_study

        tic = time.perf_counter()
        self.paths[name] = run_study(spec, target, workers=self.workers, resume=resume,
                                     progress=self.progress, rerun_stale=rerun_stale)
        self.say(f"study {name}: {target} ({time.perf_counter() - tic:.1f} s)")
        return self.paths[name]

    def load(self, path: Path) -> Study:
        """The stored study at ``path``, loaded once per report."""
        if path not in self.loaded:
            from asebench.analysis import load

            self.loaded[path] = load(path)
        return self.loaded[path]
