"""Stream a NATS-Bench archive directory (one file per architecture) over a process pool.

Each worker holds one empty official API object, reads a chunk of archive files (bytes ->
sha256 -> bz2 -> allow-list unpickle -> official ``ArchResults`` -> record), forgets each
architecture as soon as it is read and sends back only the chunk's numeric columns, so peak
memory is one chunk of records per worker, not the benchmark.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from pathlib import Path

import numpy as np

from asebench.errors import DataError
from asebench.tables.importers._assemble import Columns
from asebench.tables.importers._extract import ArchReader
from asebench.tables.importers._sources import loads_pbz2

__all__ = ["ChunkResult", "read_archive", "read_error", "read_meta"]

ChunkResult = tuple[list[int], dict[str, np.ndarray], list[tuple[str, str, int]]]
"""(arch indices, their columns, [(file name, sha256, size)])."""

_READ_ERRORS = (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError,
                AttributeError, KeyError, IndexError, MemoryError)

_reader: ArchReader | None = None
_meta: Sequence[str] = ()


def read_error(path: Path, exc: BaseException) -> DataError:
    """One-line DataError naming ``path`` for a failure to read it."""
    if isinstance(exc, DataError):
        return DataError(f"cannot import {path}: {exc}")
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if len(reason) > 160:  # e.g. torch's multi-sentence zip errors: keep the first one
        reason = reason.split(". ")[0][:160]
    if isinstance(exc, (EOFError, OSError, pickle.UnpicklingError, RuntimeError)) and not (
            isinstance(exc, FileNotFoundError)):
        reason = f"truncated or corrupt ({reason})"
    return DataError(f"cannot import {path}: {reason}")


def _init_worker(flavor: str, meta_archs: Sequence[str]) -> None:
    global _reader, _meta
    _reader = ArchReader(flavor, meta_archs)
    _meta = meta_archs


def _read_chunk(directory: str, indices: list[int], names: list[str]) -> ChunkResult:
    assert _reader is not None
    columns = Columns(len(indices))
    digests: list[tuple[str, str, int]] = []
    for row, (index, name) in enumerate(zip(indices, names)):
        path = Path(directory) / name
        try:
            data = path.read_bytes()
            digests.append((name, hashlib.sha256(data).hexdigest(), len(data)))
            arch_str, record = _reader.read(index, loads_pbz2(data))
        except _READ_ERRORS as exc:
            raise read_error(path, exc) from None
        if arch_str != _meta[index]:
            raise DataError(
                f"cannot import {path}: it holds {arch_str} but index {index} of "
                f"meta.pickle.pbz2 is {_meta[index]}")
        columns.add(row, record)
    return indices, columns.arrays, digests


def read_archive(directory: Path, names: Sequence[str], meta_archs: Sequence[str],
                 workers: int, progress: Callable[[int, int], None] | None,
                 ) -> tuple[Columns, list[tuple[str, str, int]]]:
    """Read every arch file ``names[i]`` of ``directory`` into one :class:`Columns`."""
    total = len(names)
    columns = Columns(total)
    digests: list[tuple[str, str, int]] = []
    size = max(1, min(256, -(-total // max(1, workers * 8))))
    chunks = [list(range(start, min(start + size, total))) for start in range(0, total, size)]
    done = 0

    def collect(result: ChunkResult) -> None:
        nonlocal done
        indices, arrays, chunk_digests = result
        columns.merge(np.asarray(indices), arrays)
        digests.extend(chunk_digests)
        done += len(indices)
        if progress is not None:
            progress(done, total)

    if workers <= 1 or len(chunks) <= 1:
        _init_worker("nats", meta_archs)
        for chunk in chunks:
            collect(_read_chunk(str(directory), chunk, [names[i] for i in chunk]))
        return columns, digests

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_init_worker, initargs=("nats", list(meta_archs))
                             ) as pool:
        first: dict[Future[ChunkResult], int] = {
            pool.submit(_read_chunk, str(directory), chunk, [names[i] for i in chunk]):
                min(chunk) for chunk in chunks}
        pending = set(first)
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                failed = [f for f in finished if f.exception() is not None]
                if failed:
                    # report the first bad file in index order, whichever worker saw its
                    # error first: let the chunks before it finish, drop the ones after
                    low = min(first[f] for f in failed)
                    for future in pending:
                        if first[future] > low:
                            future.cancel()
                    earlier = [f for f in pending if first[f] < low]
                    wait(earlier)
                    failed += [f for f in earlier if f.exception() is not None]
                    min(failed, key=first.__getitem__).result()
                for future in finished:
                    collect(future.result())
        except BaseException:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return columns, digests


def read_meta(directory: Path) -> tuple[object, str, int]:
    """The unpickled ``meta.pickle.pbz2`` of an archive directory and its (sha256, size)."""
    path = directory / "meta.pickle.pbz2"
    try:
        data = path.read_bytes()
        return loads_pbz2(data), hashlib.sha256(data).hexdigest(), len(data)
    except _READ_ERRORS as exc:
        raise read_error(path, exc) from None
