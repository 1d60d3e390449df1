"""The parquet study store: one folder (see :mod:`asebench.store._layout`), parquet shards
written atomically and vouched for by the manifest, metadata, and resume."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from asebench._atomic import atomic_write, atomic_write_text
from asebench._outputs import check_output_dir
from asebench.errors import AsebenchError
from asebench.store._layout import Layout
from asebench.store._manifest import Entry, FileRecord, Provenance, file_sha256, read_entries
from asebench.store._metadata import holds, read_metadata, write_metadata
from asebench.store._verify import check_file, check_store, raise_on_problems

if TYPE_CHECKING:
    import pandas as pd

    from asebench.search import JSONValue

__all__ = ["ChunkWriter", "ParquetStore", "states_from_runs"]


@dataclass(frozen=True)
class ChunkWriter:
    """What a writing store stamps on every chunk.

    Attributes:
        study: the study id every manifest entry records (:func:`~asebench.store.study_id`).
        made_by: the provenance of the chunks (code version, package, data checksum).
        check: run on every chunk before it is written (a constrained study: every arch
            feasible); raises to refuse the chunk.
    """

    study: str
    made_by: Provenance
    check: Callable[[pa.Table, pa.Table], None] | None = None


def states_from_runs(runs: pa.Table, label: str) -> dict[int, JSONValue]:
    """``{seed: final state}`` of a runs table of a transferable method.

    Raises:
        AsebenchError: the method recorded no final state.
    """
    if "transfer_state" not in runs.column_names:
        raise AsebenchError(
            f"method {label!r} recorded no final state; its transfer variant cannot run")
    seeds = runs.column("seed").to_pylist()
    states = runs.column("transfer_state").to_pylist()
    return {int(s): json.loads(c) for s, c in zip(seeds, states)
            if s is not None and c is not None}


class ParquetStore:
    """One study folder, read and written through its manifest.

    A store opened with :meth:`open` has passed the manifest check and reads only the
    chunks it vouches for; a store built with a :class:`ChunkWriter` writes chunks.

    Args:
        root: the study folder.
        writer: what every written chunk records (None: a store that only reads).
    """

    def __init__(self, root: str | os.PathLike[str], writer: ChunkWriter | None = None) -> None:
        self.root = Path(root)
        self.layout = Layout(self.root)
        self.writer = writer
        self._entries: dict[str, Entry] | None = None
        self._metadata: dict[str, object] | None = None

    # -- reading ------------------------------------------------------------------------
    @classmethod
    def open(cls, root: str | os.PathLike[str]) -> ParquetStore:
        """The study in ``root`` after the store check: every finished chunk's files have the
        size and sha256 its manifest entry records, and no shard is of another study.

        Raises:
            AsebenchError: not a study folder, or unreadable metadata.
            CorruptStore: a corrupt, missing or foreign file (one line naming it).
        """
        store = cls(root)
        metadata = read_metadata(store.root)
        if metadata is None:
            raise AsebenchError(f"{store.root} is not a study directory (no metadata.json)")
        config = metadata.get("study")
        state = check_store(store.root, config if isinstance(config, dict) else None)
        problems = list(state.problems)
        record = store._runs_record(metadata)
        if record is not None:
            problem = check_file(store.root, record, None)
            if problem is not None:
                problems.append(problem)
        raise_on_problems(store.root, problems)
        store._metadata, store._entries = metadata, dict(state.entries)
        return store

    @property
    def metadata(self) -> dict[str, object]:
        """The metadata read by :meth:`open` (a store not opened reads it now)."""
        if self._metadata is None:
            self._metadata = self.read_metadata() or {}
        return self._metadata

    @property
    def entries(self) -> Mapping[str, Entry]:
        """The finished chunks (checked by :meth:`open`), by key."""
        if self._entries is None:
            self._entries = read_entries(self.root)[0]
        return self._entries

    @staticmethod
    def _runs_record(metadata: Mapping[str, object]) -> FileRecord | None:
        record = metadata.get("runs_file")
        if metadata.get("status") == "complete" and isinstance(record, dict):
            return FileRecord(**record)
        return None

    def read_runs(self) -> pd.DataFrame:
        """One row per run in study order: the consolidated file of a finished study, else
        the finished chunks' shards."""
        import pandas as pd

        record = self._runs_record(self.metadata)
        if record is not None:
            return pd.read_parquet(self.root / record.file)
        return self._read([e.runs.file for _, e in sorted(self.entries.items())],
                          "finished runs")

    def read_traces(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per query of the finished chunks (``columns``: only those)."""
        return self._read([e.traces.file for _, e in sorted(self.entries.items())], "traces",
                          columns)

    def _read(self, files: list[str], what: str,
              columns: Sequence[str] | None = None) -> pd.DataFrame:
        if not files:
            raise AsebenchError(f"{self.root} holds no {what}")
        wanted = None if columns is None else list(columns)
        tables = [pq.read_table(self.root / f, columns=wanted) for f in files]
        return pa.concat_tables(tables, promote_options="permissive").to_pandas()

    def read_metadata(self) -> dict[str, object] | None:
        """``metadata.json`` as it is on disk now (None: none yet)."""
        return read_metadata(self.root)

    def holds(self, config: Mapping[str, object], code_version: str | None = None) -> bool:
        """Whether the folder holds the study ``config`` (and, given ``code_version``, only
        runs of that code)."""
        return holds(self.read_metadata(), config, code_version)

    def finished_keys(self) -> set[str]:
        """Keys of the chunks with a manifest entry (not yet checked against their files)."""
        return set(read_entries(self.root)[0])

    def transfer_states(self, key: str, label: str) -> dict[int, JSONValue]:
        """``{seed: final state}`` of the stored chunk ``key`` of method ``label``."""
        return states_from_runs(pq.read_table(self.layout.shard(key)), label)

    # -- writing ------------------------------------------------------------------------
    def prepare(self, config: Mapping[str, object], resume: bool) -> set[str]:
        """Check the folder is writable and fits this study; return the finished chunk keys.

        Raises:
            AsebenchError: unwritable directory, a different study there, or an existing
                study without ``resume``.
        """
        root = self.root
        check_output_dir(root, "--out")
        root.mkdir(parents=True, exist_ok=True)
        for folder in self.layout.data_dirs:
            if folder.is_dir():  # leftovers of writes cut short by a kill
                for stale in folder.glob(".*.tmp"):
                    stale.unlink(missing_ok=True)
        old = self.read_metadata()
        done = self.finished_keys()
        if old is None and not done and not self._holds_shards():
            return set()
        if not resume:
            raise AsebenchError(
                f"--out {root} already holds a study; pass --resume to continue it "
                "or choose another directory")
        if old is not None and not holds(old, config):
            raise AsebenchError(
                f"--out {root} holds a different study (its metadata.json differs); "
                "use another directory to run this one")
        return done

    def _holds_shards(self) -> bool:
        return any(folder.is_dir() and any(folder.glob("*.parquet"))
                   for folder in self.layout.chunk_dirs)

    def unlisted_shards(self, entries: Mapping[str, Entry]) -> int:
        """How many runs files no entry of ``entries`` vouches for."""
        shards = self.layout.shards_dir
        if not shards.is_dir():
            return 0
        return sum(1 for p in shards.glob("*.parquet") if p.stem not in entries)

    def forget(self, keys: Iterable[str]) -> None:
        """Drop the manifest entries of ``keys``: those chunks count as not done."""
        for key in keys:
            self.layout.entry(key).unlink(missing_ok=True)

    def write_metadata(self, metadata: Mapping[str, object]) -> None:
        write_metadata(self.root, metadata)

    def _writer(self) -> ChunkWriter:
        if self.writer is None:
            raise AsebenchError(f"the store of {self.root} was opened for reading only")
        return self.writer

    def write_chunk(self, key: str, runs: pa.Table, traces: pa.Table) -> None:
        """Store one finished chunk: its traces, its runs, then its manifest entry (the done
        marker), each atomically.

        Raises:
            ConstraintViolation: from the writer's check, when an answer or a query of a
                constrained study is infeasible (nothing of the chunk is written).
        """
        writer = self._writer()
        if writer.check is not None:
            writer.check(runs, traces)
        entry = Entry(key=key, study=writer.study,
                      traces=self._write_parquet(self.layout.traces(key), traces),
                      runs=self._write_parquet(self.layout.shard(key), runs),
                      made_by=writer.made_by)
        atomic_write_text(self.layout.entry(key), entry.to_json())

    def _write_parquet(self, path: Path, table: pa.Table) -> FileRecord:
        """Write ``table`` atomically to ``path``, the provenance in its schema metadata."""
        made_by = json.dumps(dataclasses.asdict(self._writer().made_by), sort_keys=True)
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), b"asebench.made_by": made_by.encode()})
        record: list[FileRecord] = []

        def write(tmp: Path) -> None:
            pq.write_table(table, tmp)
            record.append(FileRecord(file=path.relative_to(self.root).as_posix(),
                                     bytes=os.path.getsize(tmp), rows=table.num_rows,
                                     sha256=file_sha256(tmp)))

        atomic_write(path, write)
        return record[0]

    def consolidate(self, keys: Iterable[str]) -> FileRecord:
        """Write the consolidated runs file: every shard in ``keys`` order, columns unified."""
        import pandas as pd

        frames = [pq.read_table(self.layout.shard(k)).to_pandas() for k in keys]
        runs = pd.concat(frames, ignore_index=True, sort=False) if frames else pd.DataFrame()
        table = pa.Table.from_pandas(runs, preserve_index=False)
        path = self.layout.runs_file
        runs_dir = self.layout.runs_dir
        for stale in runs_dir.glob("*.parquet") if runs_dir.is_dir() else ():
            if stale != path:
                stale.unlink()
        return self._write_parquet(path, table)
