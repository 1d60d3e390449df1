"""What ``metadata.json`` records: resolved config, package versions, data, git revision."""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata as importlib_metadata
from pathlib import Path

__all__ = ["git_revision", "package_versions"]

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
