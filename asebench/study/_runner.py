"""``run_study``: resolve the study, hold its folder, plan, and drive the chunks to the store."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distributed import Client

from asebench.errors import AsebenchError
from asebench.store import (
    ChunkWriter,
    ParquetStore,
    current_provenance,
    kept_chunks,
    study_id,
    versions_present,
)
from asebench.study._driver import drive
from asebench.study._execute import ChunkResult
from asebench.study._executors import default_workers, make_executor
from asebench.study._folder import locked_folder
from asebench.study._metadata import finished_metadata, started_metadata
from asebench.study._plan import Chunk, plan
from asebench.study._progress import Progress
from asebench.study._resolved import ResolvedStudy, resolve
from asebench.study._schedule import Scheduler
from asebench.study._spec import StudySpec

__all__ = ["run_study"]


def run_study(spec: StudySpec | ResolvedStudy, out_dir: str | os.PathLike[str], *,
              workers: int | None = None, executor: str = "local",
              scheduler: str | Client | None = None, resume: bool = False,
              progress: bool = True, rerun_stale: bool = False) -> Path:
    """Run every (method, dataset, seed) of ``spec`` and store the results in ``out_dir``.

    Chunks (one method x dataset x block of seeds) run in parallel; each finished chunk is
    written at once, so a killed study loses only the chunks in flight and ``resume=True``
    skips the finished ones. Results do not depend on workers or executor.

    Args:
        spec: the study (or the study :func:`~asebench.study.resolve` has resolved).
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
    if not isinstance(spec, (StudySpec, ResolvedStudy)):
        raise AsebenchError("run_study needs a StudySpec")
    if executor == "dask":
        from asebench._extras import require

        require("dask", "--executor dask")
    # every option against the real spaces, before anything is written
    resolved = resolve(spec) if isinstance(spec, StudySpec) else spec
    check = None
    if resolved.feasible:
        from asebench.constraints import store_check

        check = store_check(resolved.feasible)
    made_by = current_provenance(resolved.code_version, resolved.data_sha256)
    store = ParquetStore(out_dir, ChunkWriter(study_id(resolved.config), made_by, check))
    with locked_folder(store.root, lambda: bool(store.finished_keys())):
        _run(resolved, store, resume, workers, executor, scheduler, progress, rerun_stale)
    return store.root


class _Stored:
    """Writes each finished chunk to the store."""

    def __init__(self, store: ParquetStore) -> None:
        self.store = store

    def chunk_done(self, chunk: Chunk, result: ChunkResult) -> None:
        self.store.write_chunk(result.key, result.runs, result.traces)


class _Progressed:
    """Counts each finished chunk's runs on the progress bar."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar

    def chunk_done(self, chunk: Chunk, result: ChunkResult) -> None:
        self.bar.update(len(chunk))


def _run(resolved: ResolvedStudy, store: ParquetStore, resume: bool, workers: int | None,
         executor: str, scheduler: str | Client | None, progress: bool,
         rerun_stale: bool) -> None:
    config = resolved.config
    done = store.prepare(config, resume)
    study_plan = plan(resolved.spec)
    assert store.writer is not None
    if resume:
        done = kept_chunks(store, config, set(study_plan.keys), store.writer.made_by,
                           rerun_stale)
    execution = {"executor": executor, "workers": workers or default_workers(),
                 "scheduler": scheduler if isinstance(scheduler, str) else None}
    metadata = started_metadata(resolved, versions_present(store), execution,
                                store.read_metadata())
    store.write_metadata(metadata)

    tic = time.perf_counter()
    chunks = study_plan.chunks
    bar = Progress(sum(len(c) for c in chunks), sum(len(c) for c in chunks if c.key in done),
                   enabled=progress)
    try:
        order = Scheduler(study_plan, done, resolved.cost_hint, store.transfer_states)
        if order.waiting:
            pool = make_executor(executor, workers, scheduler)
            try:
                drive(order, pool, resolved.context, [_Stored(store), _Progressed(bar), order])
            finally:
                pool.close()
    finally:
        bar.close()
    runs_file = store.consolidate(study_plan.keys)
    store.write_metadata(finished_metadata(metadata, time.perf_counter() - tic,
                                           versions_present(store), runs_file))
