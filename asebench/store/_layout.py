"""Every folder and file name of a study folder, in one place.

Layout of a study folder::

    metadata.json          resolved config, versions, data checksum, git revision, status
    .lock                  held by the one ``asebench run`` writing the folder
    traces/<chunk>.parquet one row per query, one file per chunk
    shards/<chunk>.parquet one row per run, one file per chunk
    manifest/<chunk>.json  sizes, rows, sha256 and provenance of both (a chunk is done when
                           its entry exists; see :mod:`asebench.store._manifest`)
    runs/runs.parquet      all runs in study order, rebuilt from the shards at the end

Files are written under a dot-name (ignored by parquet readers) and renamed into place.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["LOCK_FILE", "Layout", "METADATA", "MANIFEST_DIR", "RUNS_DIR", "SHARDS_DIR",
           "TRACES_DIR"]

METADATA = "metadata.json"
LOCK_FILE = ".lock"
RUNS_DIR = "runs"
TRACES_DIR = "traces"
SHARDS_DIR = "shards"
MANIFEST_DIR = "manifest"


class Layout:
    """The paths of one study folder (``root``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.metadata, self.lock = root / METADATA, root / LOCK_FILE
        self.runs_dir, self.traces_dir = root / RUNS_DIR, root / TRACES_DIR
        self.shards_dir, self.manifest_dir = root / SHARDS_DIR, root / MANIFEST_DIR
        self.runs_file = self.runs_dir / "runs.parquet"  # the runs of a finished study
        self.chunk_dirs = (self.shards_dir, self.traces_dir)  # one file per chunk each
        self.data_dirs = (*self.chunk_dirs, self.runs_dir, self.manifest_dir)

    def shard(self, key: str) -> Path:
        """The runs file of chunk ``key``."""
        return self.shards_dir / f"{key}.parquet"

    def traces(self, key: str) -> Path:
        """The traces file of chunk ``key``."""
        return self.traces_dir / f"{key}.parquet"

    def entry(self, key: str) -> Path:
        """The manifest entry of chunk ``key``."""
        return self.manifest_dir / f"{key}.json"
