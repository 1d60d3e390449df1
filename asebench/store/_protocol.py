"""What every study store offers: the one interface the runner, the readers and ``verify``
use (the parquet store implements it; another storage is one more implementation)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from asebench.search import JSONValue
    from asebench.store._manifest import Entry, FileRecord

__all__ = ["StudyStore"]


@runtime_checkable
class StudyStore(Protocol):
    """One study's storage: read (metadata, finished chunks, runs, traces, transfer states)
    and, for a store made for a run, written chunk by chunk."""

    root: Path

    @property
    def metadata(self) -> dict[str, object]: ...

    @property
    def entries(self) -> Mapping[str, Entry]: ...

    def read_metadata(self) -> dict[str, object] | None: ...

    def holds(self, config: Mapping[str, object], code_version: str | None = None
              ) -> bool: ...

    def read_runs(self) -> pd.DataFrame: ...

    def read_traces(self, columns: Sequence[str] | None = None) -> pd.DataFrame: ...

    def transfer_states(self, key: str, label: str) -> dict[int, JSONValue]: ...

    def finished_keys(self) -> set[str]: ...

    def prepare(self, config: Mapping[str, object], resume: bool) -> set[str]: ...

    def write_metadata(self, metadata: Mapping[str, object]) -> None: ...

    def write_chunk(self, key: str, runs: pa.Table, traces: pa.Table) -> None: ...

    def forget(self, keys: Iterable[str]) -> None: ...

    def consolidate(self, keys: Iterable[str]) -> FileRecord: ...
