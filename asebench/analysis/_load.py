"""Read a study directory written by :func:`asebench.study.run_study`."""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from asebench.errors import AsebenchError

__all__ = ["Study", "load"]


class Study:
    """A finished (or partly finished) study on disk.

    Attributes:
        path: the study directory.
        metadata: ``metadata.json`` (resolved config under ``"study"``, versions, data, git).
        runs: one row per run, in study order (label, dataset, seed).
        traces: one row per query (loaded on first use; it can hold millions of rows).
    """

    def __init__(self, path: Path, metadata: dict[str, Any]) -> None:
        self.path = path
        self.metadata = metadata

    @cached_property
    def runs(self) -> pd.DataFrame:
        target = self.path / "runs"
        if not any(target.glob("*.parquet")):
            return _from_shards(self.path / "shards")
        return pd.read_parquet(target)

    @cached_property
    def traces(self) -> pd.DataFrame:
        target = self.path / "traces"
        if not target.is_dir() or not any(target.glob("*.parquet")):
            raise AsebenchError(f"{self.path} has no traces")
        return pd.read_parquet(target)

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


def _from_shards(shards: Path) -> pd.DataFrame:
    files = sorted(shards.glob("*.parquet")) if shards.is_dir() else []
    if not files:
        raise AsebenchError(f"{shards.parent} holds no finished runs")
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True, sort=False)


def load(out_dir: str | os.PathLike[str]) -> Study:
    """Open the study in ``out_dir`` (runs of an unfinished study come from its shards).

    Raises:
        AsebenchError: not a study directory.
    """
    path = Path(out_dir)
    meta_path = path / "metadata.json"
    if not meta_path.is_file():
        raise AsebenchError(f"{path} is not a study directory (no metadata.json)")
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AsebenchError(f"cannot read {meta_path}: {exc}") from None
    return Study(path, metadata)
