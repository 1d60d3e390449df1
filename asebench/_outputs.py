"""Output paths checked before a command does any work: one-line errors, nothing left.

A path is judged by trying: the folders it needs are created, a temp file is written in the
innermost one, and everything the probe made is removed again. Permission bits alone cannot
tell (as root every folder looks writable, yet ``/proc`` refuses new entries).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from asebench.errors import AsebenchError

__all__ = ["check_output_dir", "check_output_file"]


def _probe(folder: Path, shown: str) -> None:
    missing = []
    for parent in [folder, *folder.parents]:
        if parent.exists():
            break
        missing.append(parent)
    try:
        if folder.exists() and not folder.is_dir():
            raise AsebenchError(f"{shown}: {folder} is not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-probe.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise AsebenchError(f"{shown}: {exc.strerror or exc}") from None
    finally:
        for made in missing:  # innermost first
            try:
                made.rmdir()
            except OSError:
                pass


def check_output_dir(path: str | os.PathLike[str], what: str) -> None:
    """Raise a one-line :class:`AsebenchError` unless folder ``path`` can be created/written.

    Args:
        path: the output folder (it may not exist yet; it is not left behind).
        what: the option or argument that names it, e.g. ``"--out"``.
    """
    target = Path(path)
    shown = f"cannot write {what} {target}"
    if target.exists() and not target.is_dir():
        raise AsebenchError(f"{shown}: it exists and is not a folder")
    _probe(target, shown)


def check_output_file(path: str | os.PathLike[str], what: str) -> None:
    """Raise a one-line :class:`AsebenchError` unless file ``path`` can be written.

    Args:
        path: the output file (neither it nor missing parent folders are left behind).
        what: the option or argument that names it, e.g. ``"--table-out"``.
    """
    target = Path(path)
    shown = f"cannot write {what} {target}"
    if target.is_dir():
        raise AsebenchError(f"{shown}: it is a folder")
    _probe(target.absolute().parent, shown)
