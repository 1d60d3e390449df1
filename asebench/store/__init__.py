"""The study store: one folder per study, every read checked against its manifest.

:class:`StudyStore` is the interface; :class:`ParquetStore` the implementation (parquet
shards, JSON manifest entries, ``metadata.json``). Every folder and file name is in
:mod:`asebench.store._layout`; ``metadata.json`` is read only by :func:`read_metadata`.
"""

from __future__ import annotations

from asebench.store._layout import Layout
from asebench.store._lock import StudyLock, StudyLocked, is_locked
from asebench.store._manifest import (
    Entry,
    FileRecord,
    current_provenance,
    file_sha256,
    read_entries,
    study_id,
)
from asebench.store._metadata import holds, read_metadata
from asebench.store._parquet import ChunkWriter, ParquetStore, states_from_runs
from asebench.store._protocol import StudyStore
from asebench.store._resume import StaleStudy, kept_chunks, versions_present
from asebench.store._verify import (
    CorruptStore,
    check_store,
    verify_study,
)

__all__ = [
    "ChunkWriter",
    "CorruptStore",
    "Entry",
    "FileRecord",
    "Layout",
    "ParquetStore",
    "StaleStudy",
    "StudyLock",
    "StudyLocked",
    "StudyStore",
    "check_store",
    "current_provenance",
    "file_sha256",
    "holds",
    "is_locked",
    "kept_chunks",
    "read_entries",
    "read_metadata",
    "states_from_runs",
    "study_id",
    "verify_study",
    "versions_present",
]
