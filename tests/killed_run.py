"""``python tests/killed_run.py N ARGS...``: the real ``asebench ARGS...``, killed with SIGKILL
(as by the OOM killer or a lost node) right after it has stored its N-th chunk.

A test that kills a run from outside races it (how far did it get before the signal?); this
kills it at a chosen point, the same on a fast machine and on a busy one.
"""

from __future__ import annotations

import os
import signal
import sys

import pyarrow as pa

from asebench.cli import main
from asebench.store import ParquetStore


def kill_after(count: int) -> None:
    """Make this process die by SIGKILL once ``count`` chunks are stored."""
    write = ParquetStore.write_chunk
    stored = 0

    def write_chunk(self: ParquetStore, key: str, runs: pa.Table, traces: pa.Table) -> None:
        nonlocal stored
        write(self, key, runs, traces)
        stored += 1
        if stored == count:
            os.kill(os.getpid(), signal.SIGKILL)

    ParquetStore.write_chunk = write_chunk  # type: ignore[method-assign]


if __name__ == "__main__":
    kill_after(int(sys.argv.pop(1)))
    main()
