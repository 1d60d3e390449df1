"""A study folder's life during a run: made if missing, locked for the one writer, and removed
again when a run that made it fails before finishing any chunk."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from asebench.errors import AsebenchError
from asebench.store import StudyLock, StudyLocked

__all__ = ["locked_folder"]


@contextmanager
def locked_folder(root: Path, worth_keeping: Callable[[], bool]) -> Iterator[Path]:
    """Hold ``root`` (made if missing) under its lock for the ``with`` block.

    Args:
        root: the study folder.
        worth_keeping: asked when the block fails; False removes the folders this run made.

    Raises:
        StudyLocked: another run is writing ``root`` (nothing is changed).
        AsebenchError: ``root`` cannot be made or written.
    """
    created = _folders_to_create(root)
    lock = StudyLock(root, f"--out {root}")
    try:
        _make_folder(root)
        lock.acquire()  # before anything is written; one writer per study folder
    except StudyLocked:
        raise  # the holder's folder: not ours to clean
    except BaseException:
        _remove_created(created)
        raise
    try:
        yield root
    except BaseException:
        if created and not worth_keeping():  # nothing worth keeping: leave no trace
            _remove_created(created)
        raise
    finally:
        lock.release()


def _make_folder(root: Path) -> None:
    # A plain mkdir, not check_output_dir: its probe removes the folders it believes it made,
    # and with two runs started at once on a new folder that may be the other run's, just
    # made, whose lock file then has nowhere to go. The store probes the folder once it is ours.
    if root.exists() and not root.is_dir():
        raise AsebenchError(f"cannot write --out {root}: it exists and is not a folder")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AsebenchError(f"cannot write --out {root}: {exc.strerror or exc}") from None


def _remove_created(created: list[Path]) -> None:
    if created:
        shutil.rmtree(created[0], ignore_errors=True)


def _folders_to_create(path: Path) -> list[Path]:
    """The folders of ``path`` that do not exist yet, outermost first."""
    missing = []
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing.append(folder)
    return missing[::-1]
