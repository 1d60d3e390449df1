"""The study directory: parquet shards written atomically, metadata, and resume.

Layout of ``<out>``::

    metadata.json          resolved config, versions, data checksum, git revision, status
    .lock                  held by the one ``asebench run`` writing the folder
    traces/<chunk>.parquet one row per query, one file per chunk
    shards/<chunk>.parquet one row per run, one file per chunk
    manifest/<chunk>.json  sizes, rows, sha256 and provenance of both (a chunk is done when
                           its entry exists; see :mod:`asebench.study._manifest`)
    runs/runs.parquet      all runs in study order, rebuilt from the shards at the end

``pandas.read_parquet(<out>/runs)`` and ``pandas.read_parquet(<out>/traces)`` read them.
Files are written under a dot-name (ignored by parquet readers) and renamed into place.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from asebench._atomic import atomic_write, atomic_write_text
from asebench._outputs import check_output_dir
from asebench.errors import AsebenchError
from asebench.study._manifest import (
    MANIFEST_DIR,
    Entry,
    FileRecord,
    Provenance,
    file_sha256,
    read_entries,
)

__all__ = ["StudyStore", "atomic_write_text"]

METADATA = "metadata.json"


class StudyStore:
    """Reads and writes one study directory."""

    def __init__(self, out: str | os.PathLike[str]) -> None:
        self.root = Path(out)
        self.runs_dir = self.root / "runs"
        self.traces_dir = self.root / "traces"
        self.shards_dir = self.root / "shards"
        self.manifest_dir = self.root / MANIFEST_DIR
        # what every chunk's manifest entry records: set by the runner before writing
        self.study = ""
        self.made_by = Provenance("", "", None)
        # run on every chunk before it is written (a constrained study: all archs feasible)
        self.check: Callable[[pa.Table, pa.Table], None] | None = None

    # -- set-up -------------------------------------------------------------------------
    def prepare(self, config: Mapping[str, object], resume: bool) -> set[str]:
        """Check ``out`` is writable and fits this study; return the finished chunk keys.

        Raises:
            AsebenchError: unwritable directory, a different study there, or an existing
                study without ``resume``.
        """
        root = self.root
        check_output_dir(root, "--out")
        root.mkdir(parents=True, exist_ok=True)
        for folder in (self.shards_dir, self.traces_dir, self.runs_dir, self.manifest_dir):
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
        if old is not None and old.get("study") != json.loads(json.dumps(config)):
            raise AsebenchError(
                f"--out {root} holds a different study (its metadata.json differs); "
                "use another directory to run this one")
        return done

    def finished_keys(self) -> set[str]:
        """Keys of the chunks with a manifest entry (not yet checked against their files)."""
        return set(read_entries(self.root)[0])

    def _holds_shards(self) -> bool:
        return any(folder.is_dir() and any(folder.glob("*.parquet"))
                   for folder in (self.shards_dir, self.traces_dir))

    def forget(self, keys: Iterable[str]) -> None:
        """Drop the manifest entries of ``keys``: those chunks count as not done."""
        for key in keys:
            (self.manifest_dir / f"{key}.json").unlink(missing_ok=True)

    # -- metadata -----------------------------------------------------------------------
    def read_metadata(self) -> dict[str, object] | None:
        path = self.root / METADATA
        if not path.exists():
            return None
        try:
            metadata: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
            return metadata
        except (OSError, ValueError) as exc:
            raise AsebenchError(f"cannot read {path}: {exc}") from None

    def write_metadata(self, metadata: Mapping[str, object]) -> None:
        atomic_write_text(self.root / METADATA, json.dumps(metadata, indent=2, sort_keys=True))

    # -- shards -------------------------------------------------------------------------
    def write_chunk(self, key: str, runs: pa.Table, traces: pa.Table) -> None:
        """Store one finished chunk: its traces, its runs, then its manifest entry (the done
        marker), each atomically.

        Raises:
            ConstraintViolation: from :attr:`check`, when an answer or a query of a
                constrained study is infeasible (nothing of the chunk is written).
        """
        if self.check is not None:
            self.check(runs, traces)
        entry = Entry(key=key, study=self.study,
                      traces=self._write_parquet(self.traces_dir / f"{key}.parquet", traces),
                      runs=self._write_parquet(self.shards_dir / f"{key}.parquet", runs),
                      made_by=self.made_by)
        atomic_write_text(self.manifest_dir / f"{key}.json", entry.to_json())

    def _write_parquet(self, path: Path, table: pa.Table) -> FileRecord:
        """Write ``table`` atomically to ``path``, the provenance in its schema metadata."""
        made_by = json.dumps(dataclasses.asdict(self.made_by), sort_keys=True)
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

    def read_shard(self, key: str) -> pa.Table:
        return pq.read_table(self.shards_dir / f"{key}.parquet")

    def consolidate(self, keys: Iterable[str]) -> FileRecord:
        """Write ``runs/runs.parquet``: every shard in ``keys`` order, columns unified."""
        import pandas as pd

        frames = [pq.read_table(self.shards_dir / f"{k}.parquet").to_pandas() for k in keys]
        runs = pd.concat(frames, ignore_index=True, sort=False) if frames else pd.DataFrame()
        table = pa.Table.from_pandas(runs, preserve_index=False)
        path = self.runs_dir / "runs.parquet"
        for stale in self.runs_dir.glob("*.parquet") if self.runs_dir.is_dir() else ():
            if stale != path:
                stale.unlink()
        return self._write_parquet(path, table)
