"""Progress of a study: a bar on a terminal, a plain line now and then in logs."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class Progress:
    """Reports runs done / total, rate and ETA.

    Args:
        total: runs in the study.
        done: runs already finished (resumed).
        stream: where to write (default stderr).
        enabled: False prints nothing.
        interval_s: on a non-terminal, seconds between lines.
    """

    def __init__(self, total: int, done: int = 0, stream: TextIO | None = None,
                 enabled: bool = True, interval_s: float = 10.0) -> None:
        self.total, self.done, self.start_done = total, done, done
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval_s = interval_s
        self.started = time.monotonic()
        self._last = float("-inf")

    def _line(self) -> str:
        elapsed = time.monotonic() - self.started
        new = self.done - self.start_done
        rate = new / elapsed if elapsed > 0 else 0.0
        left = self.total - self.done
        eta = _duration(left / rate) if rate > 0 and left else ("0s" if not left else "?")
        return (f"{self.done}/{self.total} runs ({100 * self.done / self.total:.0f}%), "
                f"{rate:.1f} runs/s, elapsed {_duration(elapsed)}, ETA {eta}")

    def update(self, runs: int) -> None:
        self.done += runs
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty:
            if now - self._last >= 0.1 or self.done >= self.total:
                width = 30
                filled = int(width * self.done / self.total)
                bar = "#" * filled + "." * (width - filled)
                self.stream.write(f"\r[{bar}] {self._line()}\x1b[K")
                self.stream.flush()
                self._last = now
        elif now - self._last >= self.interval_s or self.done >= self.total:
            self.stream.write(f"asebench run: {self._line()}\n")
            self.stream.flush()
            self._last = now

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()
