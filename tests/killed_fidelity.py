"""``python tests/killed_fidelity.py N ARGS...``: the real ``asebench ARGS...``
(``supernet fidelity ...``), killed with SIGKILL right after it has stored its N-th
stand-alone training.

A test that kills a study from outside races it; this kills it at a chosen point, the same on
a fast machine and on a busy one.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

from asebench.cli import main
from asebench.supernet._fidelity_store import FidelityStore


def kill_after(count: int) -> None:
    """Make this process die by SIGKILL once ``count`` trainings are stored."""
    write = FidelityStore.write_training
    stored = 0

    def write_training(self: FidelityStore, record: Mapping[str, Any]) -> None:
        nonlocal stored
        write(self, record)
        stored += 1
        if stored == count:
            os.kill(os.getpid(), signal.SIGKILL)

    FidelityStore.write_training = write_training  # type: ignore[method-assign]


if __name__ == "__main__":
    kill_after(int(sys.argv.pop(1)))
    main()
