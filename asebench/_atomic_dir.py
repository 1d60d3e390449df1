"""Publish a folder atomically: whoever reads ``target`` sees the old folder or the new one."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["publish_directory"]


def publish_directory(tmp: Path, target: Path) -> None:
    """Move the finished folder ``tmp`` to ``target`` (same file system), replacing any
    folder already there; the old one is renamed away first, then removed."""
    tmp.chmod(0o755)
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=tmp.parent))
        os.replace(target, old / "x")
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)
