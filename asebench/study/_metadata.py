"""What ``metadata.json`` records: resolved config, package versions, the BLAS library and
kernel the runs computed with, data, git revision."""

from __future__ import annotations

import dataclasses
import platform
import subprocess
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING

from asebench._blas import blas_provenance

if TYPE_CHECKING:
    from asebench.store import FileRecord
    from asebench.study._resolved import ResolvedStudy

__all__ = ["command_line", "finished_metadata", "git_revision", "package_versions",
           "started_metadata"]

_PACKAGES = ("asebench", "numpy", "pandas", "pyarrow", "scipy", "torch", "dask",
             "distributed", "click")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a study result depends on (and Python's)."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return out


def git_revision() -> dict[str, object] | None:
    """``{"commit": sha, "dirty": bool}`` of the checkout asebench runs from, if any."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                cwd=root, capture_output=True, text=True, timeout=10,
                                check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())} if commit else None


def command_line() -> list[str]:
    return list(sys.argv)


def started_metadata(resolved: ResolvedStudy, made_by: list[dict[str, object]],
                     execution: Mapping[str, object],
                     old: Mapping[str, object] | None) -> dict[str, object]:
    """The metadata of a run that starts now; the sessions of ``old`` (a resumed study's
    metadata) go into its history."""
    metadata: dict[str, object] = {
        "study": dict(resolved.config),
        "reward_columns": {d: info.reward for d, info in resolved.infos.items()},
        "versions": package_versions(),
        "blas": blas_provenance(),
        "git": git_revision(),
        "code_version": resolved.code_version,
        "made_by": made_by,
        "command": command_line(),
        "started": _now(),
        "execution": dict(execution),
        "status": "running",
    }
    if old is not None:
        history = old.get("history")
        metadata["history"] = (list(history) if isinstance(history, list) else []) + [
            {k: old.get(k) for k in ("started", "finished", "status", "execution",
                                     "code_version")}]
    if resolved.feasible:
        from asebench.constraints import oracle_summary

        metadata["constraint_oracle"] = oracle_summary(resolved.feasible)
    return metadata


def finished_metadata(metadata: Mapping[str, object], wall_seconds: float,
                      made_by: list[dict[str, object]], runs_file: FileRecord
                      ) -> dict[str, object]:
    """``metadata`` of a run that has stored every chunk."""
    return {**metadata, "status": "complete", "wall_seconds": round(wall_seconds, 3),
            "made_by": made_by, "runs_file": dataclasses.asdict(runs_file),
            "finished": _now()}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
