"""Everything a report shows, taken from a loaded study: provenance, progress, Table I, the
anytime curves on a grid and the per-run table. No HTML here."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from asebench.analysis import Study, default_references, display_name, study_markdown, table1
from asebench.errors import AsebenchError
from asebench.report._curves import AXES, CURVE_COLUMNS, Axis, anytime_grid, has_curve_columns

__all__ = ["Fact", "Progress", "ReportData", "RUN_COLUMNS", "extract", "planned_runs",
           "verify_lines"]

RUN_COLUMNS = ("label", "dataset", "seed", "arch", "reward", "test_accuracy", "queries")
"""The per-run table's columns, in order."""


@dataclass(frozen=True)
class Fact:
    """One provenance line: what, its value, and whether the value is an identifier (shown
    in a monospace font)."""

    name: str
    value: str
    code: bool = False


@dataclass(frozen=True)
class Progress:
    """How much of the study is stored.

    Attributes:
        done: runs stored in finished chunks.
        planned: runs the configuration plans (methods x datasets x seeds, less the cells a
            transfer method skips, plus the source cells it adds); None if it cannot be
            planned.
        status: ``metadata.json``'s status (``complete``, ``running``: running or stopped).
    """

    done: int
    planned: int | None
    status: str

    @property
    def complete(self) -> bool:
        return self.status == "complete" and (self.planned is None or self.done >= self.planned)

    def line(self) -> str:
        """``"340 of 340 runs (complete)"`` or ``"120 of 340 runs done"``."""
        of = f" of {self.planned:,}" if self.planned is not None else ""
        return f"{self.done:,}{of} runs " + ("(complete)" if self.complete else "done")


@dataclass(frozen=True)
class ReportData:
    """What the page shows, independent of how it is drawn.

    Attributes:
        title: the study folder's name.
        benchmark: the benchmark's title (``NAS-Bench-201``).
        progress: runs stored against runs planned.
        facts: provenance lines (code, data, configuration, when and how it ran).
        versions: package versions the study ran with.
        verify: ``(sound, lines)``: the result of ``asebench verify`` on the folder.
        tables: Table I, one frame per reference method (see :func:`asebench.analysis.table1`).
        markdown: Table I as ``asebench table`` prints it.
        curves: per x axis, the anytime curves on a grid (empty without traces).
        runs: one row per stored run, columns :data:`RUN_COLUMNS`.
        labels: method labels in study order (only those with runs).
        names: label -> display name.
        datasets: datasets in study order (only those with runs).
        notes: Table I's notes (reward column, protocol, budget, data table), as
            ``asebench table`` prints them.
    """

    title: str
    benchmark: str
    progress: Progress
    facts: list[Fact]
    versions: dict[str, str]
    verify: tuple[bool, list[str]]
    tables: list[pd.DataFrame]
    markdown: str
    curves: dict[Axis, pd.DataFrame]
    runs: pd.DataFrame
    labels: list[str]
    names: dict[str, str]
    datasets: list[str]
    notes: list[str] = field(default_factory=list)


def planned_runs(config: Mapping[str, Any]) -> int | None:
    """Runs the study configuration ``config`` plans, or None if it cannot be planned.

    A transfer method (``ase+``) has no cell on its source dataset, and its source cell is
    run (under the plain label) even when the study does not list the plain method.
    """
    from asebench.study import MethodSpec, StudySpec, plan_cells

    try:
        methods = tuple(MethodSpec(**m) for m in config["methods"])
        spec = StudySpec(methods=methods, datasets=tuple(config["datasets"]),
                         seeds=int(config["seeds"]))
        return len(plan_cells(spec)) * spec.seeds
    except (AsebenchError, KeyError, TypeError, ValueError):
        return None


def verify_lines(root: Path) -> tuple[bool, list[str]]:
    """What ``asebench verify`` says of ``root``: ``(sound, one line per problem)``; the
    lines name files relative to ``root``."""
    from asebench.store import verify_study

    problems = verify_study(root)
    lines = []
    for problem in problems:
        try:
            where = str(problem.path.relative_to(root)) or "."
        except ValueError:
            where = str(problem.path)
        lines.append(f"{where}: {problem.message}")
    return not problems, lines


def _command(metadata: Mapping[str, Any]) -> str | None:
    command = metadata.get("command")
    if not (isinstance(command, list) and command):
        return None
    words = [str(w) for w in command]
    if Path(words[0]).name in ("asebench", "__main__.py"):  # the absolute path of the script
        words = ["asebench", *words[1:]]
    return shlex.join(words)


def _budget(config: Mapping[str, Any]) -> str:
    protocol = config.get("protocol") or {}
    budget, per_query = config.get("budget_s"), protocol.get("query_cost")
    queries = config.get("budget_queries")
    parts = []
    if isinstance(budget, (int, float)):
        parts.append(f"{budget / per_query:,.0f} queries" if isinstance(per_query, (int, float))
                     and per_query > 0 else f"{budget:,.0f} simulated s")
    if isinstance(queries, int):
        parts.append(f"at most {queries:,} queries")
    return " and ".join(parts) + " per run" if parts else "?"


def _methods(config: Mapping[str, Any]) -> str:
    out = []
    for method in config.get("methods", []):
        label = str(method.get("label"))
        transfer = method.get("transfer")
        out.append(f"{label} (from {transfer})" if transfer else label)
    return ", ".join(out)


def _facts(study: Study, benchmark: str) -> list[Fact]:
    meta, config = study.metadata, study.config
    data = config.get("data") or {}
    protocol = config.get("protocol") or {}
    git = meta.get("git") or {}
    facts = [Fact("Benchmark", f"{benchmark} (backend {config.get('backend', '?')})")]
    if data:
        facts.append(Fact("Data table", str(data.get("name", "?"))))
        facts.append(Fact("Table sha256", str(data.get("sha256", "?")), code=True))
    facts.append(Fact("Code version", str(meta.get("code_version", "?")), code=True))
    made_by = meta.get("made_by")
    if isinstance(made_by, list) and len(made_by) > 1:
        versions = ", ".join(f"{m.get('code_version')} ({m.get('chunks')} chunks)"
                             for m in made_by if isinstance(m, dict))
        facts.append(Fact("Chunks made by", versions, code=True))
    if isinstance(git, dict) and git.get("commit"):
        facts.append(Fact("Git revision", str(git["commit"]) + (" (with uncommitted changes)"
                                                                if git.get("dirty") else ""),
                          code=True))
    else:
        facts.append(Fact("Git revision", "not recorded (not run from a git checkout)"))
    description = protocol.get("description")
    facts.append(Fact("Protocol", str(protocol.get("name", "?"))
                      + (f": {description}" if description else "")))
    facts.append(Fact("Budget", _budget(config)))
    facts.append(Fact("Methods", _methods(config), code=True))
    facts.append(Fact("Datasets", ", ".join(map(str, config.get("datasets", []))), code=True))
    facts.append(Fact("Seeds", f"{config.get('seeds')} paired seeds per method and dataset "
                               f"(master seed {config.get('master_seed')})"))
    constraints = config.get("constraints")
    if constraints:
        shown = constraints.get("expressions", constraints) if isinstance(constraints, dict) \
            else constraints
        facts.append(Fact("Constraints", " and ".join(map(str, shown)), code=True))
    command = _command(meta)
    if command:
        facts.append(Fact("Command", command, code=True))
    execution = meta.get("execution") or {}
    if execution:
        facts.append(Fact("Executor", f"{execution.get('executor', '?')}, "
                                      f"{execution.get('workers', '?')} worker(s)"))
    when = str(meta.get("started", "?"))
    if meta.get("finished"):
        when += f" to {meta['finished']}"
    if isinstance(meta.get("wall_seconds"), (int, float)):
        when += f" ({meta['wall_seconds']:,.1f} s wall clock)"
    facts.append(Fact("Ran", when))
    history = meta.get("history")
    if isinstance(history, list) and history:
        facts.append(Fact("Resumed", f"{len(history)} time(s)"))
    return facts


def _run_table(runs: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=runs.index)
    for column in RUN_COLUMNS:
        out[column] = runs[column] if column in runs.columns else np.nan
    return out.reset_index(drop=True)


def _table_notes(tables: Sequence[pd.DataFrame]) -> list[str]:
    # the very lines under `asebench table`'s Table I
    from asebench.analysis._table1 import _notes

    return _notes(tables[0]) if tables else []


def extract(study: Study, verify: tuple[bool, list[str]] | None = None,
            points: int = 120) -> ReportData:
    """Everything the report shows of ``study``.

    Args:
        study: a loaded study (complete or not: only its finished chunks are read).
        verify: the verify result to show (default: :func:`verify_lines` of its folder).
        points: grid points of each anytime curve.

    Raises:
        AsebenchError: the study holds no finished run yet.
    """
    runs = study.runs
    labels = [x for x in study.labels if x in set(runs["label"])]
    datasets = [x for x in study.datasets if x in set(runs["dataset"])]
    references = default_references(study)
    tables = [table1(study, reference=ref) for ref in references]
    benchmark = str(tables[0].attrs.get("benchmark_title", "?"))
    try:  # only the columns the curves need: a 500-seed study has millions of queries
        traces = study.read_traces(CURVE_COLUMNS)
    except (KeyError, ValueError):  # traces without them (pyarrow's ArrowInvalid): no curves
        traces = pd.DataFrame()
    curves: dict[Axis, pd.DataFrame] = {}
    if has_curve_columns(traces):
        for axis in AXES:
            curves[axis] = anytime_grid(traces, axis, points)
    return ReportData(
        title=study.path.resolve().name, benchmark=benchmark,
        progress=Progress(len(runs), planned_runs(study.config),
                          str(study.metadata.get("status", "?"))),
        facts=_facts(study, benchmark),
        versions={str(k): str(v) for k, v in (study.metadata.get("versions") or {}).items()},
        verify=verify if verify is not None else verify_lines(study.path),
        tables=tables, markdown=study_markdown(study, references), curves=curves,
        runs=_run_table(runs), labels=labels,
        names={label: display_name(label) for label in labels}, datasets=datasets,
        notes=_table_notes(tables))
