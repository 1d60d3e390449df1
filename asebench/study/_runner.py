"""``run_study``: plan the chunks, run them on an executor, store results as they land."""

from __future__ import annotations

import dataclasses
import heapq
import json
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import pyarrow as pa
    from distributed import Client

    from asebench.constraints import Feasibility

from asebench.backends import BackendInfo, describe, unwrap
from asebench.errors import AsebenchError
from asebench.search import JSONValue, cost_hint_of
from asebench.study._bounds import check_plan_size
from asebench.study._code_version import study_code_version
from asebench.study._execute import ChunkResult, RunContext, execute_chunk, make_searcher
from asebench.study._executors import ChunkFuture, default_workers, make_executor
from asebench.study._lock import StudyLock, StudyLocked
from asebench.study._manifest import current_provenance, study_id
from asebench.study._metadata import command_line, git_revision, package_versions
from asebench.study._plan import Chunk, plan_cells, plan_chunks
from asebench.study._progress import Progress
from asebench.study._resolve import backends_of, resolve_spec
from asebench.study._resume import kept_chunks, versions_present
from asebench.study._spec import StudySpec
from asebench.study._store import StudyStore
from asebench.study._validate import check_resolved_study, run_context

__all__ = ["resolve_config", "run_study"]


class _Resolved(NamedTuple):
    """A study as its backends decide it, built once per :func:`run_study`."""

    spec: StudySpec
    infos: dict[str, BackendInfo]
    sets: dict[str, Feasibility]
    config: dict[str, object]


def _resolve(spec: StudySpec) -> _Resolved:
    backends = backends_of(spec)
    infos = {d: describe(unwrap(b)) for d, b in backends.items()}
    spec = resolve_spec(spec, infos)
    sets: dict[str, Feasibility] = {}
    if spec.constraints:
        from asebench.constraints import validate_constraints

        sets = validate_constraints(spec.constraints, backends)
    return _Resolved(spec, infos, sets, _config(spec, infos, sets))


def resolve_config(spec: StudySpec) -> dict[str, object]:
    """The study's fully resolved configuration (what ``--resume`` must match).

    Raises:
        AsebenchError: unknown backend, protocol, dataset or method, or bad options.
    """
    return _resolve(spec).config


def _config(spec: StudySpec, infos: Mapping[str, BackendInfo],
            sets: Mapping[str, Feasibility]) -> dict[str, object]:
    first = next(iter(infos.values()))
    for method in spec.method_specs:
        make_searcher(method.name, method.options)
    budget_s = spec.budget_s if spec.budget_s is not None else first.budget_s
    if budget_s is None and spec.budget_queries is None:
        raise AsebenchError(
            f"backend {spec.backend!r} has no default budget: give one (--budget SECONDS)")
    config: dict[str, object] = {
        "methods": [m.to_dict() for m in spec.method_specs],
        "datasets": list(spec.datasets),
        "seeds": spec.seeds,
        "master_seed": spec.master_seed,
        "protocol": None if first.protocol is None else dict(first.protocol),
        "budget_s": None if budget_s is None else float(budget_s),
        "backend": spec.backend,
        "backend_options": spec.factory_options(),
        "data": None if first.data is None else dict(first.data),
        "chunk_size": spec.chunk_size,
    }
    if spec.budget_queries is not None:  # only then: other studies keep their identity
        config["budget_queries"] = spec.budget_queries
    if sets:
        from asebench.constraints import constraint_config

        config["constraints"] = constraint_config(sets)
    plain: dict[str, object] = json.loads(json.dumps(config, default=str))
    return plain


def _budget_of(config: Mapping[str, object]) -> float | None:
    budget = config.get("budget_s")
    return float(budget) if isinstance(budget, (int, float)) else None


def _states_of(runs: pa.Table, label: str) -> dict[int, JSONValue]:
    if "transfer_state" not in runs.column_names:
        raise AsebenchError(
            f"method {label!r} recorded no final state; its transfer variant cannot run")
    seeds = runs.column("seed").to_pylist()
    states = runs.column("transfer_state").to_pylist()
    return {int(s): json.loads(c) for s, c in zip(seeds, states)
            if s is not None and c is not None}


def run_study(spec: StudySpec, out_dir: str | os.PathLike[str], *, workers: int | None = None,
              executor: str = "local", scheduler: str | Client | None = None, resume: bool = False,
              progress: bool = True, rerun_stale: bool = False) -> Path:
    """Run every (method, dataset, seed) of ``spec`` and store the results in ``out_dir``.

    Chunks (one method x dataset x block of seeds) run in parallel; each finished chunk is
    written at once, so a killed study loses only the chunks in flight and ``resume=True``
    skips the finished ones. Results do not depend on workers or executor.

    Args:
        spec: the study.
        out_dir: the study directory (created; must be writable).
        workers: parallel workers (default: all cores; 1 runs in this process).
        executor: ``local`` (process pool) or ``dask``.
        scheduler: dask scheduler address or ``distributed.Client`` (default: a LocalCluster).
        resume: continue a study already in ``out_dir`` (same configuration); its finished
            chunks are checked (sizes, checksums) and the broken ones recomputed.
        progress: report progress on stderr.
        rerun_stale: with ``resume``, recompute the chunks made by other code or on another
            table (without it such a study is refused).

    Raises:
        StudyLocked: another run is writing ``out_dir`` (nothing is changed).
        StaleStudy: ``resume`` on chunks of other code without ``rerun_stale``.

    Returns:
        The study directory.
    """
    if not isinstance(spec, StudySpec):
        raise AsebenchError("run_study needs a StudySpec")
    check_plan_size(spec)
    if executor == "dask":
        from asebench._extras import require

        require("dask", "--executor dask")
    resolved = _resolve(spec)
    # every option against the real spaces and data, before anything is written
    check_resolved_study(resolved.spec, _budget_of(resolved.config))
    created = _folders_to_create(Path(out_dir))
    store = StudyStore(out_dir)
    lock = StudyLock(store.root, f"--out {store.root}")
    try:
        _make_folder(store.root)
        lock.acquire()  # before anything is written; one writer per study folder
    except StudyLocked:
        raise  # the holder's folder: not ours to clean
    except BaseException:
        _remove_created(created)
        raise
    try:
        return _run(resolved, store, resume, workers, executor, scheduler, progress,
                    rerun_stale)
    except BaseException:
        if created and not store.finished_keys():  # nothing worth keeping: leave no trace
            _remove_created(created)
        raise
    finally:
        lock.release()


def _make_folder(root: Path) -> None:
    # A plain mkdir, not check_output_dir: its probe removes the folders it believes it made,
    # and with two runs started at once on a new folder that may be the other run's, just
    # made, whose lock file then has nowhere to go. The store probes the folder once it is ours.
    if root.exists() and not root.is_dir():
        raise AsebenchError(f"cannot write --out {root}: it exists and is not a folder")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AsebenchError(f"cannot write --out {root}: {exc.strerror or exc}") from None


def _remove_created(created: Sequence[Path]) -> None:
    if created:
        shutil.rmtree(created[0], ignore_errors=True)


def _folders_to_create(path: Path) -> list[Path]:
    """The folders of ``path`` that do not exist yet, outermost first."""
    missing = []
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing.append(folder)
    return missing[::-1]


def _run(resolved: _Resolved, store: StudyStore, resume: bool, workers: int | None,
         executor: str, scheduler: str | Client | None, progress: bool,
         rerun_stale: bool) -> Path:
    spec, config = resolved.spec, resolved.config
    done = store.prepare(config, resume)
    chunks = plan_chunks(spec)
    data = config.get("data")
    store.study = study_id(config)
    store.made_by = current_provenance(
        study_code_version(spec), str(data["sha256"]) if isinstance(data, dict) else None)
    if resume:
        done = kept_chunks(store, config, {c.key for c in chunks}, store.made_by, rerun_stale)
    metadata: dict[str, object] = {
        "study": config,
        "reward_columns": {d: info.reward for d, info in resolved.infos.items()},
        "versions": package_versions(),
        "git": git_revision(),
        "code_version": study_code_version(spec),
        "made_by": versions_present(store),
        "command": command_line(),
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "execution": {"executor": executor, "workers": workers or default_workers(),
                      "scheduler": scheduler if isinstance(scheduler, str) else None},
        "status": "running",
    }
    old = store.read_metadata()
    if old is not None:
        history = old.get("history")
        metadata["history"] = (list(history) if isinstance(history, list) else []) + [
            {k: old.get(k) for k in ("started", "finished", "status", "execution",
                                     "code_version")}]
    if spec.constraints:
        from asebench.constraints import oracle_summary, store_check

        sets = resolved.sets
        metadata["constraint_oracle"] = oracle_summary(sets)
        store.check = store_check(sets)
    store.write_metadata(metadata)

    context = run_context(spec, _budget_of(config))
    tic = time.perf_counter()
    _run_chunks(chunks, done, context, store, spec, executor, workers, scheduler, progress)
    runs_file = store.consolidate(c.key for c in chunks)
    metadata.update(status="complete", wall_seconds=round(time.perf_counter() - tic, 3),
                    made_by=versions_present(store), runs_file=dataclasses.asdict(runs_file),
                    finished=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    store.write_metadata(metadata)
    return store.root


def _priority(chunk: Chunk, sources: set[str], cost: float) -> tuple[int, float]:
    """Chunks that unlock others first, then the costly ones (by the method's declared cost
    hint), so cheap chunks fill the tail."""
    if chunk.key in sources:
        return (0, -cost)
    if chunk.cell.source is not None:
        return (1, -cost)
    return (2, -cost)


def _run_chunks(chunks: Sequence[Chunk], done: set[str], context: RunContext,
                store: StudyStore, spec: StudySpec, executor_kind: str, workers: int | None,
                scheduler: str | Client | None, progress: bool) -> None:
    cells = {(c.label, c.dataset): c for c in plan_cells(spec)}
    source_of: dict[str, str] = {}
    for chunk in chunks:
        cell = chunk.cell
        if cell.source is not None:
            assert cell.method.transfer is not None
            source = cells[(cell.source, cell.method.transfer)]
            source_of[chunk.key] = Chunk(source, chunk.start, chunk.stop).key
    states: dict[str, dict[int, JSONValue]] = {}
    for key in set(source_of.values()) & done:
        states[key] = _states_of(store.read_shard(key), key)
    todo = [c for c in chunks if c.key not in done]
    bar = Progress(sum(len(c) for c in chunks), sum(len(c) for c in chunks if c.key in done),
                   enabled=progress)
    if not todo:
        bar.close()
        return
    pool = make_executor(executor_kind, workers, scheduler)
    sources = set(source_of.values())
    waiting = {c.key: c for c in todo if c.key in source_of and source_of[c.key] not in done}
    order = {c.key: i for i, c in enumerate(chunks)}
    ready: list[tuple[tuple[int, float], int, Chunk]] = []
    running: dict[ChunkFuture[ChunkResult], Chunk] = {}
    methods = {c.cell.label: c.cell.method for c in chunks}
    costs = {label: cost_hint_of(make_searcher(m.name, m.options))
             for label, m in methods.items()}

    def make_ready(chunk: Chunk) -> None:
        heapq.heappush(ready, (_priority(chunk, sources, costs[chunk.cell.label]),
                               order[chunk.key], chunk))

    try:
        for chunk in todo:
            if chunk.key not in waiting:
                make_ready(chunk)
        while ready or running:
            while ready and len(running) < pool.slots:
                chunk = heapq.heappop(ready)[2]
                given = states[source_of[chunk.key]] if chunk.key in source_of else None
                running[pool.submit(execute_chunk, context, chunk, given)] = chunk
            for future in pool.wait_first(running):
                chunk = running.pop(future)
                result = future.result()
                store.write_chunk(result.key, result.runs, result.traces)
                bar.update(len(chunk))
                dependants = [c for c in waiting.values() if source_of[c.key] == chunk.key]
                if dependants:
                    states[chunk.key] = _states_of(result.runs, chunk.cell.label)
                    for dependant in dependants:
                        del waiting[dependant.key]
                        make_ready(dependant)
    finally:
        bar.close()
        pool.close()
