"""Stand-in doctor checks for tests/test_doctor.py: imported by the doctor's check processes
(the tests put this folder on PYTHONPATH)."""

from __future__ import annotations

import os
import time

from asebench.doctor import Outcome, Setting


def passes(s: Setting) -> Outcome:
    return Outcome("pass", f"fine in {s.workdir}", {"value": 1.5})


def raises(s: Setting) -> Outcome:
    raise RuntimeError("broken\nacross lines")


def hangs(s: Setting) -> Outcome:
    time.sleep(120)
    return Outcome("pass", "too late")


def dies(s: Setting) -> Outcome:
    os._exit(3)
