"""Checks of a study folder against its manifest.

Two depths:

* :func:`check_store` (cheap, run by every reader and by ``--resume``): every manifest entry
  readable and of this study, its two files present with the recorded size and sha256, and
  no finished-looking shard that no entry vouches for once the study is not running.
* :func:`verify_study` (``asebench verify``): the cheap check, plus every shard read as
  parquet (schema and row counts), no (label, dataset, seed) twice, none missing, and every
  chunk one of the study's plan.

Each problem is one :class:`Problem`, printed as one line naming the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from asebench.errors import AsebenchError
from asebench.store._layout import Layout
from asebench.store._lock import is_locked
from asebench.store._manifest import Entry, FileRecord, file_sha256, read_entries, study_id
from asebench.store._metadata import read_metadata

__all__ = ["CorruptStore", "Problem", "StoreState", "check_file", "check_store",
           "raise_on_problems",
           "verify_study"]

RUNS_COLUMNS = ("method", "label", "dataset", "seed", "arch", "reward")
TRACE_COLUMNS = ("label", "method", "dataset", "seed", "step", "reward")


class CorruptStore(AsebenchError):
    """A study folder fails its checks (a corrupt, missing or foreign file)."""


@dataclass(frozen=True)
class Problem:
    """One problem of a study folder: the file and what is wrong with it."""

    path: Path
    message: str
    key: str | None = None  # the chunk it makes unusable, if any
    foreign: bool = False  # of another study: never recomputed in place

    def line(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class StoreState:
    """What the cheap check found: the entries that hold, and the problems."""

    entries: Mapping[str, Entry]
    problems: tuple[Problem, ...]

    @property
    def bad_keys(self) -> set[str]:
        return {p.key for p in self.problems if p.key is not None}


def check_file(root: Path, record: FileRecord, key: str | None) -> Problem | None:
    """The problem of one recorded file (missing, other size, other sha256), or None."""
    path = root / record.file
    try:
        size = path.stat().st_size
    except OSError:
        return Problem(path, "missing (listed in the manifest)", key)
    if size != record.bytes:
        return Problem(path, f"size {size} bytes, the manifest says {record.bytes} "
                             "(truncated or overwritten)", key)
    try:
        digest = file_sha256(path)
    except OSError as exc:
        return Problem(path, f"unreadable: {exc.strerror or exc}", key)
    if digest != record.sha256:
        return Problem(path, f"sha256 {digest[:12]}... differs from the manifest's "
                             f"{record.sha256[:12]}... (corrupt or modified)", key)
    return None


def _unlisted(root: Path, entries: Mapping[str, Entry]) -> list[Problem]:
    out = []
    for directory in Layout(root).chunk_dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.parquet")):
            if path.stem not in entries:
                out.append(Problem(path, "not in the manifest (an unfinished chunk or a file "
                                         "from elsewhere)", path.stem))
    return out


def check_store(root: Path, config: Mapping[str, object] | None) -> StoreState:
    """The cheap check (sizes and checksums) of the study folder ``root``.

    Args:
        root: the study folder.
        config: the study's resolved configuration (``metadata.json``'s ``"study"``); entries
            of another study are problems. None skips that test.
    """
    entries, unreadable = read_entries(root)
    problems = [Problem(path, reason, path.stem) for path, reason in unreadable]
    expected = study_id(config) if config is not None else None
    good: dict[str, Entry] = {}
    for key, entry in entries.items():
        if expected is not None and entry.study != expected:
            problems.append(Problem(Layout(root).entry(key),
                                    f"belongs to another study ({entry.study}, this one is "
                                    f"{expected})", key, foreign=True))
            continue
        found = [p for p in (check_file(root, entry.runs, key),
                             check_file(root, entry.traces, key)) if p is not None]
        problems.extend(found)
        if not found:
            good[key] = entry
    if not is_locked(root):  # while a study runs, its chunk in flight is not listed yet
        problems.extend(_unlisted(root, entries))
    return StoreState(good, tuple(problems))


def raise_on_problems(root: Path, problems: Iterable[Problem]) -> None:
    """Raise :class:`CorruptStore` naming the first problem (and how many more) in one line."""
    problems = list(problems)
    if not problems:
        return
    more = (f" (and {len(problems) - 1} more problem(s): asebench verify {root} lists them)"
            if len(problems) > 1 else f" (asebench verify {root} checks the whole folder)")
    raise CorruptStore(problems[0].line() + more)


def _read_metadata(root: Path) -> tuple[dict[str, object] | None, list[Problem]]:
    path = Layout(root).metadata
    if not path.is_file():
        return None, [Problem(path, "missing: not a study folder")]
    try:
        metadata = read_metadata(root)
    except AsebenchError as exc:
        reason = str(exc).removeprefix(f"cannot read {path}: ")
        return None, [Problem(path, f"unreadable: {reason}")]
    if metadata is None:
        return None, [Problem(path, "missing: not a study folder")]
    if not isinstance(metadata.get("study"), dict):
        return None, [Problem(path, "holds no study configuration")]
    return metadata, []


def _planned_chunks(config: Mapping[str, object]) -> dict[str, tuple[str, str, int, int]]:
    """``{chunk key: (label, dataset, start, stop)}`` of the study ``config`` describes."""
    from asebench.study._plan import plan_chunks
    from asebench.study._spec import MethodSpec, StudySpec

    methods, datasets = config["methods"], config["datasets"]
    seeds, chunk_size = config["seeds"], config["chunk_size"]
    if not (isinstance(methods, list) and all(isinstance(m, dict) for m in methods)):
        raise ValueError("its methods are not a list of objects")
    if not (isinstance(datasets, list) and all(isinstance(d, str) for d in datasets)):
        raise ValueError("its datasets are not a list of names")
    if not (isinstance(seeds, int) and isinstance(chunk_size, int)):
        raise ValueError("its seeds or chunk size are not integers")
    spec = StudySpec(methods=tuple(MethodSpec(**m) for m in methods), datasets=tuple(datasets),
                     seeds=seeds, chunk_size=chunk_size)
    return {c.key: (c.cell.label, c.cell.dataset, c.start, c.stop) for c in plan_chunks(spec)}


def _deep(root: Path, entry: Entry, cell: tuple[str, str, int, int]) -> list[Problem]:
    import pyarrow.parquet as pq

    label, dataset, start, stop = cell
    out = []
    for record, columns in ((entry.runs, RUNS_COLUMNS), (entry.traces, TRACE_COLUMNS)):
        path = root / record.file
        try:
            table = pq.read_table(path)
        except Exception as exc:  # noqa: BLE001 - any reader failure is this file's problem
            out.append(Problem(path, f"not readable as parquet: {type(exc).__name__}",
                               entry.key))
            continue
        missing = [c for c in columns if c not in table.column_names]
        if missing:
            out.append(Problem(path, f"lacks column(s) {', '.join(missing)}", entry.key))
            continue
        if table.num_rows != record.rows:
            out.append(Problem(path, f"{table.num_rows} rows, the manifest says {record.rows}",
                               entry.key))
        labels = {str(x) for x in table.column("label").to_pylist()}
        datasets = {str(x) for x in table.column("dataset").to_pylist()}
        if table.num_rows and (labels != {label} or datasets != {dataset}):
            out.append(Problem(path, f"holds runs of {sorted(labels)} on {sorted(datasets)}, "
                                     f"not of {label} on {dataset}", entry.key))
        seeds = [int(s) for s in table.column("seed").to_pylist() if s is not None]
        if record is entry.runs:
            if sorted(seeds) != list(range(start, stop)):
                dupes = len(seeds) - len(set(seeds))
                out.append(Problem(path, f"seeds are not {start}..{stop - 1} once each "
                                         f"({dupes} repeated, "
                                         f"{len(set(range(start, stop)) - set(seeds))} "
                                         "missing)", entry.key))
        elif set(seeds) - set(range(start, stop)):
            out.append(Problem(path, f"traces of seeds outside {start}..{stop - 1}", entry.key))
    return out


def verify_study(root: str | Path) -> list[Problem]:
    """Every problem of the study folder ``root`` (empty: the store is sound and complete).

    Checks metadata, the manifest (sizes, checksums, one study), every shard's schema and
    rows, and that each planned (label, dataset, seed) is stored exactly once.
    """
    root = Path(root)
    metadata, problems = _read_metadata(root)
    if metadata is None:
        return problems
    config = metadata["study"]
    if not isinstance(config, dict):  # _read_metadata has checked; this tells the type checker
        return problems
    state = check_store(root, config)
    problems = list(state.problems)
    try:
        plan = _planned_chunks(config)
    except (AsebenchError, KeyError, TypeError, ValueError) as exc:
        return [*problems, Problem(Layout(root).metadata, f"its study cannot be planned: {exc}")]
    for key, entry in sorted(state.entries.items()):
        if key not in plan:
            problems.append(Problem(Layout(root).entry(key),
                                    "a chunk that is not part of this study's plan", key))
            continue
        problems.extend(_deep(root, entry, plan[key]))
    entries, unreadable = read_entries(root)
    listed = set(entries) | {path.stem for path, _ in unreadable}
    missing = [key for key in plan if key not in listed]
    if missing:
        runs = sum(plan[k][3] - plan[k][2] for k in missing)
        problems.append(Problem(Layout(root).manifest_dir,
                                f"{len(missing)} chunk(s) ({runs} runs) not stored, e.g. "
                                f"{missing[0]} (asebench run --resume finishes them)"))
    return problems
