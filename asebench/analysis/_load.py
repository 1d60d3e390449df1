"""Read a study directory written by :func:`asebench.study.run_study`."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from asebench.store import Entry, ParquetStore, StudyStore

__all__ = ["Study", "load"]


class Study:
    """A finished (or partly finished) study on disk, read through its store.

    Attributes:
        path: the study directory.
        metadata: ``metadata.json`` (resolved config under ``"study"``, versions, data, git).
        runs: one row per run, in study order (label, dataset, seed).
        traces: one row per query (loaded on first use; it can hold millions of rows).
    """

    def __init__(self, store: StudyStore) -> None:
        self.store = store
        self.path = store.root
        self.metadata: dict[str, Any] = dict(store.metadata)

    @property
    def entries(self) -> Mapping[str, Entry]:
        """The finished chunks, checked against the manifest; only they are read."""
        return self.store.entries

    @cached_property
    def runs(self) -> pd.DataFrame:
        return self.store.read_runs()

    @cached_property
    def traces(self) -> pd.DataFrame:
        return self.store.read_traces()

    def read_traces(self, columns: Sequence[str]) -> pd.DataFrame:
        """Only ``columns`` of the traces (read again: cheaper than all of them)."""
        return self.store.read_traces(columns)

    @property
    def config(self) -> dict[str, Any]:
        study: dict[str, Any] = self.metadata.get("study", {})
        return study

    @property
    def labels(self) -> list[str]:
        """Method labels in study order (then any only present in the runs)."""
        order = [m["label"] for m in self.config.get("methods", [])]
        return order + [x for x in dict.fromkeys(self.runs["label"]) if x not in order]

    @property
    def datasets(self) -> list[str]:
        order = list(self.config.get("datasets", []))
        return order + [x for x in dict.fromkeys(self.runs["dataset"]) if x not in order]

    def __repr__(self) -> str:
        return f"Study({str(self.path)!r}, runs={len(self.runs)})"


def load(out_dir: str | os.PathLike[str]) -> Study:
    """Open the study in ``out_dir`` (runs of an unfinished study come from its finished
    shards), after the store check: every finished chunk's files have the size and sha256
    its manifest entry records, and no shard is of another study.

    Raises:
        AsebenchError: not a study directory.
        CorruptStore: a corrupt, missing or foreign file (one line naming it).
    """
    return Study(ParquetStore.open(Path(out_dir)))
