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

from dataclasses import dataclass
from pathlib import Path

__all__ = ["LOCK_FILE", "Layout", "METADATA", "MANIFEST_DIR", "RUNS_DIR", "SHARDS_DIR",
           "TRACES_DIR"]

METADATA = "metadata.json"
LOCK_FILE = ".lock"
RUNS_DIR = "runs"
TRACES_DIR = "traces"
SHARDS_DIR = "shards"
MANIFEST_DIR = "manifest"
_RUNS_FILE = "runs.parquet"


@dataclass(frozen=True)
class Layout:
    """The paths of one study folder."""

    root: Path

    @property
    def metadata(self) -> Path:
        return self.root / METADATA

    @property
    def lock(self) -> Path:
        return self.root / LOCK_FILE

    @property
    def runs_dir(self) -> Path:
        return self.root / RUNS_DIR

    @property
    def runs_file(self) -> Path:
        """The consolidated runs of a finished study."""
        return self.runs_dir / _RUNS_FILE

    @property
    def traces_dir(self) -> Path:
        return self.root / TRACES_DIR

    @property
    def shards_dir(self) -> Path:
        return self.root / SHARDS_DIR

    @property
    def manifest_dir(self) -> Path:
        return self.root / MANIFEST_DIR

    def shard(self, key: str) -> Path:
        """The runs file of chunk ``key``."""
        return self.shards_dir / f"{key}.parquet"

    def traces(self, key: str) -> Path:
        """The traces file of chunk ``key``."""
        return self.traces_dir / f"{key}.parquet"

    def entry(self, key: str) -> Path:
        """The manifest entry of chunk ``key``."""
        return self.manifest_dir / f"{key}.json"

    def chunk_dirs(self) -> tuple[Path, Path]:
        """The two folders holding one file per chunk (runs, then traces)."""
        return self.shards_dir, self.traces_dir

    def data_dirs(self) -> tuple[Path, ...]:
        """Every folder a write may leave a temp file in."""
        return self.shards_dir, self.traces_dir, self.runs_dir, self.manifest_dir
