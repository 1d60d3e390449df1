"""Atomic writes: whoever reads a path sees the old file (or folder) or the new one, never a
half-written one.

A file is written to a temp file in the same folder (so the rename stays on one file system),
made readable (``0o644``; ``mkstemp`` creates ``0o600``) and renamed over the target with
``os.replace``. A failed write removes its temp file and leaves the target untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_files", "atomic_write_text",
           "publish_directory", "temp_directory"]

FILE_MODE = 0o644

PathLike = str | os.PathLike[str]


def _temp_file(path: Path) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    return Path(tmp)


def atomic_write(path: PathLike, writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp)`` to write a temp file beside ``path``, then rename it to ``path``.

    For writers that want a file name (``torch.save``, ``np.savez``, ``df.to_parquet``). The
    folder of ``path`` is created if needed. Returns ``path``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_file(target)
    try:
        writer(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns ``path``."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(path: PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns ``path``."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_files(files: Mapping[Path, bytes | str]) -> list[Path]:
    """Write several files, renaming each into place only once all are complete.

    For files that belong together (a table and its checksum sidecar): a failure while
    writing any of them leaves every target untouched. The renames happen in the order of
    ``files``; text is written as UTF-8. Returns the paths written.
    """
    temps: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = temps[target] = _temp_file(target)
            tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
            os.chmod(tmp, FILE_MODE)
        for target, tmp in temps.items():
            os.replace(tmp, target)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return list(temps)


def temp_directory(target: PathLike) -> Path:
    """A new empty folder beside ``target`` to build its content in before
    :func:`publish_directory`."""
    target = Path(target)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.resolve().parent))


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
