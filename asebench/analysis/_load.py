"""Read a study directory written by :func:`asebench.study.run_study`."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from asebench.errors import AsebenchError
from asebench.study._manifest import Entry, FileRecord
from asebench.study._verify import check_file, check_store, raise_on_problems

__all__ = ["Study", "load"]


class Study:
    """A finished (or partly finished) study on disk.

    Attributes:
        path: the study directory.
        metadata: ``metadata.json`` (resolved config under ``"study"``, versions, data, git).
        runs: one row per run, in study order (label, dataset, seed).
        traces: one row per query (loaded on first use; it can hold millions of rows).
    """

    def __init__(self, path: Path, metadata: dict[str, Any],
                 entries: Mapping[str, Entry] | None = None) -> None:
        self.path = path
        self.metadata = metadata
        # the finished chunks, checked against the manifest by load(); only they are read
        self.entries: Mapping[str, Entry] = entries if entries is not None else {}

    @cached_property
    def runs(self) -> pd.DataFrame:
        record = self.metadata.get("runs_file")
        if self.metadata.get("status") == "complete" and isinstance(record, dict):
            return pd.read_parquet(self.path / record["file"])
        return _read(self.path, [e.runs.file for _, e in sorted(self.entries.items())],
                     "finished runs")

    @cached_property
    def traces(self) -> pd.DataFrame:
        return _read(self.path, [e.traces.file for _, e in sorted(self.entries.items())],
                     "traces")

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


def _read(root: Path, files: list[str], what: str) -> pd.DataFrame:
    if not files:
        raise AsebenchError(f"{root} holds no {what}")
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = [pq.read_table(root / f) for f in files]
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()


def load(out_dir: str | os.PathLike[str]) -> Study:
    """Open the study in ``out_dir`` (runs of an unfinished study come from its finished
    shards), after the store check: every finished chunk's files have the size and sha256
    its manifest entry records, and no shard is of another study.

    Raises:
        AsebenchError: not a study directory.
        CorruptStore: a corrupt, missing or foreign file (one line naming it).
    """
    path = Path(out_dir)
    meta_path = path / "metadata.json"
    if not meta_path.is_file():
        raise AsebenchError(f"{path} is not a study directory (no metadata.json)")
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AsebenchError(f"cannot read {meta_path}: {exc}") from None
    study = metadata.get("study")
    state = check_store(path, study if isinstance(study, dict) else None)
    problems = list(state.problems)
    record = metadata.get("runs_file")
    if metadata.get("status") == "complete" and isinstance(record, dict):
        problem = check_file(path, FileRecord(**record), None)
        if problem is not None:
            problems.append(problem)
    raise_on_problems(path, problems)
    return Study(path, metadata, state.entries)
