"""The study manifest: one small JSON entry per finished chunk, the chunk's commit point.

``<out>/manifest/<chunk>.json`` records, for the chunk's two parquet files (``shards/`` and
``traces/``), their size, row count and sha256, plus what made them (:class:`Provenance`) and
the study they belong to (a hash of the resolved configuration). A chunk's files are renamed
into place first and its entry last, each through a temp file and a rename, so a chunk is
finished exactly when its entry exists, and a kill at any point leaves either a finished chunk
or files no entry vouches for (recomputed by ``--resume``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from asebench.store._layout import Layout
from asebench.tables import sha256_file

__all__ = ["Entry", "FileRecord", "Provenance", "current_provenance", "file_sha256",
           "read_entries", "study_id"]


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file's bytes (the tables' :func:`~asebench.tables.sha256_file`)."""
    return sha256_file(Path(path))


def study_id(config: Mapping[str, object]) -> str:
    """16 hex digits naming a study: the sha256 of its resolved configuration."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Provenance:
    """What made a shard: the result-affecting code, the package and the data table."""

    code_version: str
    asebench: str
    data_sha256: str | None

    def describe(self) -> str:
        return f"code {self.code_version} (asebench {self.asebench})"


def current_provenance(code_version: str, data_sha256: str | None) -> Provenance:
    """The provenance of the shards a study writes: ``code_version`` is its
    :func:`~asebench.study.study_code_version`."""
    from importlib import metadata

    try:
        version = metadata.version("asebench")
    except metadata.PackageNotFoundError:  # a checkout run without installing
        version = "unknown"
    return Provenance(code_version, version, data_sha256)


@dataclass(frozen=True)
class FileRecord:
    """One stored file: its path relative to the study folder, size, rows and sha256."""

    file: str
    bytes: int
    rows: int
    sha256: str


@dataclass(frozen=True)
class Entry:
    """The manifest entry of one finished chunk."""

    key: str
    study: str
    runs: FileRecord
    traces: FileRecord
    made_by: Provenance

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Entry:
        """Parse an entry (raises ValueError, KeyError or TypeError on a malformed one)."""
        raw = json.loads(text)
        return cls(key=str(raw["key"]), study=str(raw["study"]),
                   runs=FileRecord(**raw["runs"]), traces=FileRecord(**raw["traces"]),
                   made_by=Provenance(**raw["made_by"]))


def read_entries(root: Path) -> tuple[dict[str, Entry], list[tuple[Path, str]]]:
    """Every readable entry under ``root/manifest`` by chunk key, and the unreadable ones
    as ``(path, reason)``."""
    folder = Layout(root).manifest_dir
    entries: dict[str, Entry] = {}
    bad: list[tuple[Path, str]] = []
    if not folder.is_dir():
        return entries, bad
    for path in sorted(folder.glob("*.json")):
        try:
            entry = Entry.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            bad.append((path, f"unreadable manifest entry ({type(exc).__name__})"))
            continue
        if entry.key != path.stem:
            bad.append((path, f"manifest entry names another chunk ({entry.key})"))
            continue
        entries[entry.key] = entry
    return entries, bad
