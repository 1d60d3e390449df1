"""Supernet training progress that reads well both on a terminal and in a log file."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO

__all__ = ["TrainProgress"]


class TrainProgress:
    """Reports training steps (the ``report`` callable of the epoch loop).

    On a terminal: one line updated in place (``\\r``), at most ten times a second, ended at the
    end of each epoch. Anywhere else (CI, ``nohup``, a file): plain lines only, one at the end of
    each epoch and, inside a long epoch, at most one every ``interval_s`` seconds.

    Args:
        stream: where to write (default stderr).
        interval_s: seconds between lines inside an epoch when ``stream`` is not a terminal.
    """

    def __init__(self, stream: TextIO | None = None, interval_s: float = 10.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval_s = interval_s
        self._last = time.monotonic()

    def __call__(self, info: Mapping[str, Any]) -> None:
        done = bool(info.get("done"))
        now = time.monotonic()
        wait = 0.1 if self.tty else self.interval_s
        if not done and now - self._last < wait:
            return
        self._last = now
        line = (f"{info['phase']:>6} epoch {info['epoch'] + 1}/{info['epochs']} "
                f"step {info['step'] + 1}/{info['steps']} loss {info['loss']:.4f} "
                f"lr {info['lr']:.4g} {info['images_per_s']:.0f} img/s")
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K" + ("\n" if done else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
