"""One writer per study folder: an exclusive ``flock`` on ``<out>/.lock``.

The kernel drops a ``flock`` when its holder exits, however it exits (``kill -9`` included),
so a lock that can be taken is never held by a live process. The file also records the
holder (pid, host, start time) for the message a second writer gets; a record left in a file
whose lock was free is what a holder that died leaves, and is reported as taken over.
Readers never lock; :func:`is_locked` tells them a study is being written.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from asebench.errors import AsebenchError
from asebench.store._layout import Layout

__all__ = ["StudyLock", "StudyLocked", "is_locked"]

_TRIES = 10


class StudyLocked(AsebenchError):
    """Another process is writing the study folder."""


def _holder(text: str) -> str:
    try:
        info = json.loads(text)
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (ValueError, KeyError, TypeError):
        return "holder unknown"


def is_locked(root: Path) -> bool:
    """Whether a live process holds the lock of the study folder ``root`` (no file: no)."""
    try:
        fd = os.open(Layout(root).lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing drops the probe's own lock, if it got it
    return False


class StudyLock:
    """The exclusive lock of one study folder, held from :meth:`acquire` to :meth:`release`.

    Args:
        root: the study folder; it must exist.
        what: how messages name the folder (``--out DIR``).
    """

    def __init__(self, root: Path, what: str | None = None) -> None:
        self.root = root
        self.path = Layout(root).lock
        self.what = what or str(root)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`StudyLocked` naming the holder.

        Raises:
            StudyLocked: another live process holds it.
            AsebenchError: the lock file cannot be created.
        """
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise AsebenchError(
                    f"cannot write to {self.what}: {exc.strerror or exc}") from None
            if not self._lock(fd):
                text = self._read(fd)
                os.close(fd)
                raise StudyLocked(
                    f"{self.what} is being written by another asebench run ({_holder(text)}); "
                    "wait for it to finish or use another directory") from None
            # a holder that removed the file between our open and our lock: lock the new one
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except OSError:
                same = False
            if same:
                break
            os.close(fd)
        left = self._read(fd)
        if left.strip():
            print(f"asebench: taking over the lock of {self.what} left by a run that ended "
                  f"without releasing it ({_holder(left)})", file=sys.stderr)
        record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "started": datetime.now(timezone.utc).isoformat(
                                 timespec="seconds")})
        os.ftruncate(fd, 0)
        os.pwrite(fd, record.encode(), 0)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        """Clear the holder record and drop the lock (a no-op when not held)."""
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
        except OSError:
            pass
        os.close(self._fd)
        self._fd = None

    @staticmethod
    def _lock(fd: int) -> bool:
        # a reader's is_locked() probe holds the lock for an instant: retry a little
        for attempt in range(_TRIES):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except OSError:
                if attempt + 1 < _TRIES:
                    time.sleep(0.02)
        return False

    @staticmethod
    def _read(fd: int) -> str:
        try:
            return os.pread(fd, 4096, 0).decode("utf-8", "replace")
        except OSError:
            return ""

    def __enter__(self) -> StudyLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()
