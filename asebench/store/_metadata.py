"""``metadata.json``: read in one place, and the one answer to "does this folder hold this
study?"."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from asebench._atomic import atomic_write_text
from asebench.errors import AsebenchError
from asebench.store._layout import Layout

__all__ = ["holds", "read_metadata", "write_metadata"]


def read_metadata(root: Path) -> dict[str, object] | None:
    """The metadata of the study folder ``root`` (None: it has none).

    Raises:
        AsebenchError: the file exists but is not readable JSON.
    """
    path = Layout(root).metadata
    if not path.exists():
        return None
    try:
        metadata: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AsebenchError(f"cannot read {path}: {exc}") from None
    if not isinstance(metadata, dict):
        raise AsebenchError(f"cannot read {path}: not a JSON object")
    return metadata


def write_metadata(root: Path, metadata: Mapping[str, object]) -> None:
    """Replace the metadata of ``root`` atomically."""
    atomic_write_text(Layout(root).metadata, json.dumps(metadata, indent=2, sort_keys=True))


def holds(metadata: Mapping[str, object] | None, config: Mapping[str, object],
          code_version: str | None = None) -> bool:
    """Whether ``metadata`` is that of the study ``config`` (and, given ``code_version``, run
    and resumed only by that code: every session in its history)."""
    if metadata is None or metadata.get("study") != json.loads(json.dumps(config)):
        return False
    if code_version is None:
        return True
    history = metadata.get("history")
    sessions = [metadata, *(history if isinstance(history, list) else [])]
    return all(isinstance(s, Mapping) and s.get("code_version") == code_version
               for s in sessions)
