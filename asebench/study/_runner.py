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
from typing import Any

from asebench.backends import TabularBackend, get_protocol
from asebench.errors import AsebenchError
from asebench.study._bounds import check_plan_size
from asebench.study._code_version import code_version
from asebench.study._execute import RunContext, execute_chunk, make_searcher
from asebench.study._executors import default_workers, make_executor
from asebench.study._lock import StudyLock, StudyLocked
from asebench.study._manifest import current_provenance, study_id
from asebench.study._metadata import command_line, git_revision, package_versions
from asebench.study._plan import Chunk, plan_cells, plan_chunks
from asebench.study._progress import Progress
from asebench.study._resume import kept_chunks, versions_present
from asebench.study._spec import StudySpec
from asebench.study._store import StudyStore
from asebench.study._validate import check_study, run_context

__all__ = ["resolve_config", "run_study"]


def _table_info(spec: StudySpec) -> dict[str, Any] | None:
    if spec.backend != "tabular":
        return None
    from asebench.tables import default_table

    table = default_table(spec.data)
    for dataset in spec.datasets:
        table.check_dataset(dataset)
    return {"name": table.meta.name, "path": str(Path(table.path).resolve()),
            "sha256": table.sha256}


def resolve_config(spec: StudySpec) -> dict[str, Any]:
    """The study's fully resolved configuration (what ``--resume`` must match).

    Raises:
        AsebenchError: unknown protocol, dataset or method, or bad method options.
    """
    protocol = get_protocol(spec.protocol, **spec.protocol_options)
    table = _table_info(spec)
    for method in spec.method_specs:
        make_searcher(method.name, method.options)
    config = {
        "methods": [m.to_dict() for m in spec.method_specs],
        "datasets": list(spec.datasets),
        "seeds": spec.seeds,
        "master_seed": spec.master_seed,
        "protocol": dataclasses.asdict(protocol),
        "budget_s": float(spec.budget_s if spec.budget_s is not None else protocol.budget_s),
        "backend": spec.backend,
        "backend_options": dict(spec.backend_options),
        "data": table,
        "chunk_size": spec.chunk_size,
    }
    if spec.constraints:  # only then: unconstrained studies keep their identity
        from asebench.constraints import constraint_config

        config["constraints"] = constraint_config(_feasible_sets(spec))
    plain: dict[str, Any] = json.loads(json.dumps(config, default=str))
    return plain


def _feasible_sets(spec: StudySpec) -> dict[str, Any]:
    """``{dataset: FeasibleSet}`` of a constrained study (validated: one-line errors)."""
    from asebench.constraints import validate_constraints
    from asebench.tables import default_table

    table = default_table(spec.data) if spec.backend == "tabular" else None
    return validate_constraints(spec.constraints, table, spec.datasets, spec.backend)


def _reward_columns(spec: StudySpec, config: Mapping[str, Any]) -> dict[str, str]:
    if spec.backend != "tabular":
        return {}
    from asebench.tables import default_table

    protocol = get_protocol(spec.protocol, **spec.protocol_options)
    return {d: TabularBackend(d, protocol, default_table(spec.data)).reward_column
            for d in spec.datasets}


def _centers_of(runs: Any, label: str) -> dict[int, list[list[int]]]:
    if "info_final_centers" not in runs.column_names:
        raise AsebenchError(
            f"method {label!r} reported no final_centers; its transfer variant cannot run")
    seeds = runs.column("seed").to_pylist()
    centers = runs.column("info_final_centers").to_pylist()
    return {s: json.loads(c) for s, c in zip(seeds, centers)}


def run_study(spec: StudySpec, out_dir: str | os.PathLike[str], *, workers: int | None = None,
              executor: str = "local", scheduler: Any = None, resume: bool = False,
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
    config = resolve_config(spec)
    check_study(spec, config["budget_s"])  # every option against the real spaces and data
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
        return _run(spec, config, store, resume, workers, executor, scheduler, progress,
                    rerun_stale)
    except BaseException:
        if created and not store.finished_keys():  # nothing worth keeping: leave no trace
            _remove_created(created)
        raise
    finally:
        lock.release()


def _make_folder(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise AsebenchError(f"--out {root} exists and is not a directory")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AsebenchError(f"cannot write to --out {root}: {exc.strerror or exc}") from None


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


def _run(spec: StudySpec, config: dict[str, Any], store: StudyStore, resume: bool,
         workers: int | None, executor: str, scheduler: Any, progress: bool,
         rerun_stale: bool) -> Path:
    done = store.prepare(config, resume)
    chunks = plan_chunks(spec)
    data = config.get("data") or {}
    store.study = study_id(config)
    store.made_by = current_provenance(data.get("sha256"))
    if done or resume:
        done = kept_chunks(store, config, {c.key for c in chunks}, store.made_by, rerun_stale)
    metadata: dict[str, Any] = {
        "study": config,
        "reward_columns": _reward_columns(spec, config),
        "versions": package_versions(),
        "git": git_revision(),
        "code_version": code_version(),
        "made_by": versions_present(store),
        "command": command_line(),
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "execution": {"executor": executor, "workers": workers or default_workers(),
                      "scheduler": scheduler if isinstance(scheduler, str) else None},
        "status": "running",
    }
    old = store.read_metadata()
    if old is not None:
        metadata["history"] = old.get("history", []) + [
            {k: old.get(k) for k in ("started", "finished", "status", "execution",
                                     "code_version")}]
    if spec.constraints:
        from asebench.constraints import oracle_summary, store_check

        sets = _feasible_sets(spec)
        metadata["constraint_oracle"] = oracle_summary(
            sets, config["protocol"]["report_column"])
        store.check = store_check(sets)
    store.write_metadata(metadata)

    context = run_context(spec, config["budget_s"])
    tic = time.perf_counter()
    _run_chunks(chunks, done, context, store, spec, executor, workers, scheduler, progress)
    runs_file = store.consolidate(c.key for c in chunks)
    metadata.update(status="complete", wall_seconds=round(time.perf_counter() - tic, 3),
                    made_by=versions_present(store), runs_file=dataclasses.asdict(runs_file),
                    finished=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    store.write_metadata(metadata)
    return store.root


_HEAVY_METHODS = frozenset({"ase"})
"""Methods whose runs cost far more wall time than the others (a learned controller)."""


def _priority(chunk: Chunk, sources: set[str]) -> int:
    """Chunks that unlock others first, then the slow ones, so cheap chunks fill the tail."""
    if chunk.key in sources:
        return 0
    if chunk.cell.source is not None:
        return 1
    return 2 if chunk.cell.method.name in _HEAVY_METHODS else 3


def _run_chunks(chunks: Sequence[Chunk], done: set[str], context: RunContext,
                store: StudyStore, spec: StudySpec, executor_kind: str, workers: int | None,
                scheduler: Any, progress: bool) -> None:
    cells = {(c.label, c.dataset): c for c in plan_cells(spec)}
    source_of: dict[str, str] = {}
    for chunk in chunks:
        cell = chunk.cell
        if cell.source is not None:
            assert cell.method.transfer is not None
            source = cells[(cell.source, cell.method.transfer)]
            source_of[chunk.key] = Chunk(source, chunk.start, chunk.stop).key
    centers: dict[str, dict[int, list[list[int]]]] = {}
    for key in set(source_of.values()) & done:
        centers[key] = _centers_of(store.read_shard(key), key)
    todo = [c for c in chunks if c.key not in done]
    bar = Progress(sum(len(c) for c in chunks), sum(len(c) for c in chunks if c.key in done),
                   enabled=progress)
    if not todo:
        bar.close()
        return
    pool = make_executor(executor_kind, workers, scheduler, spec.data)
    sources = set(source_of.values())
    waiting = {c.key: c for c in todo if c.key in source_of and source_of[c.key] not in done}
    order = {c.key: i for i, c in enumerate(chunks)}
    ready: list[tuple[int, int, Chunk]] = []
    running: dict[Any, Chunk] = {}

    def make_ready(chunk: Chunk) -> None:
        heapq.heappush(ready, (_priority(chunk, sources), order[chunk.key], chunk))

    try:
        for chunk in todo:
            if chunk.key not in waiting:
                make_ready(chunk)
        while ready or running:
            while ready and len(running) < pool.slots:
                chunk = heapq.heappop(ready)[2]
                given = centers[source_of[chunk.key]] if chunk.key in source_of else None
                running[pool.submit(execute_chunk, context, chunk, given)] = chunk
            for future in pool.wait_first(running):
                chunk = running.pop(future)
                result = future.result()
                store.write_chunk(result.key, result.runs, result.traces)
                bar.update(len(chunk))
                dependants = [c for c in waiting.values() if source_of[c.key] == chunk.key]
                if dependants:
                    centers[chunk.key] = _centers_of(result.runs, chunk.cell.label)
                    for dependant in dependants:
                        del waiting[dependant.key]
                        make_ready(dependant)
    finally:
        bar.close()
        pool.close()
