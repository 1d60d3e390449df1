"""Runs the doctor: the environment, then every check in a subprocess with its time limit.

A check that crashes, hangs or runs out of memory fails alone: it runs in a process of its own
(its own session, so a timeout kills everything it started) and the next check runs anyway.
The limits add up to less than the doctor's overall bound, which a check never exceeds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asebench.doctor._checks import CHECKS, Check, Setting
from asebench.doctor._env import environment

__all__ = ["CheckResult", "DoctorReport", "run_doctor", "BOUND_S", "QUICK_BOUND_S"]

BOUND_S = 470.0  # the full check stays under 8 minutes
QUICK_BOUND_S = 170.0  # --quick under 3


@dataclass(frozen=True)
class CheckResult:
    """One check's line: ``status`` pass / fail / skip, the figure in words, the numbers, the
    seconds it took and its limit."""

    name: str
    title: str
    status: str
    summary: str
    figures: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    limit_s: float = 0.0


@dataclass(frozen=True)
class DoctorReport:
    """The environment, the check results and how the doctor was run."""

    environment: dict[str, Any]
    checks: tuple[CheckResult, ...]
    quick: bool
    started: str
    seconds: float
    notes: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        """A check failed, or the live backend cannot run here at all."""
        return any(c.status == "fail" for c in self.checks) or self.environment["torch"] is None

    def to_dict(self) -> dict[str, Any]:
        return {"quick": self.quick, "started": self.started, "seconds": round(self.seconds, 1),
                "environment": self.environment, "notes": list(self.notes),
                "checks": [c.__dict__ for c in self.checks]}


def _workers(env: dict[str, Any]) -> int:
    cores = env.get("cpu_cores_usable") or env.get("cpu_cores") or 1
    return 0 if cores <= 2 else min(8, cores // 2)


def _run_one(check: Check, setting: Setting) -> tuple[str, str, dict[str, Any]]:
    result = Path(setting.workdir) / "result.json"
    target = f"{check.run.__module__}:{check.run.__qualname__}"
    cmd = [sys.executable, "-m", "asebench.doctor._worker", target, setting.to_json(),
           str(result)]
    env = dict(os.environ)
    if not setting.cuda:
        # one thread per process: figures per core, and no thread contention on a busy machine
        env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=setting.workdir, start_new_session=True, env=env)
    try:
        _, err = proc.communicate(timeout=setting.limit_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "fail", f"timed out after {setting.limit_s:.0f} s", {}
    except BaseException:  # Ctrl-C: the check runs in its own session and would outlive us
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    if result.exists():
        data = json.loads(result.read_text())
        return str(data["status"]), str(data["summary"]), dict(data["figures"])
    last = (err.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
    return "fail", f"the check's process died: {' '.join(last.split())[:300]}", {}


GPU_ONLY = ("bf16 + channels-last training at 224 px and its peak GPU memory",
            "scoring and fine-tuning at 224 px on the GPU",
            "DDP over NCCL", "the gpu-marked tests")


def run_doctor(quick: bool = False, progress: Callable[[str], None] | None = None,
               checks: tuple[Check, ...] = CHECKS,
               env: dict[str, Any] | None = None) -> DoctorReport:
    """Collect the environment and run ``checks`` (each in a subprocess, with its limit).

    Args:
        quick: the short variant (bounded by :data:`QUICK_BOUND_S` seconds, not by
            :data:`BOUND_S`).
        progress: called with a line before each check starts.
        checks: the checks to run (default: all of them).
        env: :func:`environment`'s result when the caller has it already.
    """
    t0 = time.monotonic()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    env = env if env is not None else environment()
    bound = QUICK_BOUND_S if quick else BOUND_S
    cuda = bool(env["cuda_available"])
    notes: list[str] = []
    if env["torch"] is None:
        notes.append(f"{env['torch_missing']}: no check of the live backend could run")
    elif not cuda:
        notes.append("No CUDA GPU: the CPU versions ran (small images, gloo, one torch thread "
                     "per process, so the figures are per core); not run: "
                     + "; ".join(GPU_ONLY) + ".")
    results: list[CheckResult] = []
    for check in checks:
        limit = check.quick_limit_s if quick else check.limit_s
        left = bound - (time.monotonic() - t0)
        if env["torch"] is None:
            results.append(CheckResult(check.name, check.title, "skip",
                                       f"skipped: {env['torch_missing']}"))
            continue
        if check.needs_cuda and not cuda:
            results.append(CheckResult(check.name, check.title, "skip",
                                       "skipped: no CUDA GPU"))
            continue
        if limit <= 0:
            results.append(CheckResult(check.name, check.title, "skip",
                                       "skipped in --quick (run without --quick)"))
            continue
        if left < 5:
            results.append(CheckResult(check.name, check.title, "skip",
                                       f"skipped: the {bound:.0f} s bound is used up"))
            continue
        limit = min(limit, left)
        if progress is not None:
            progress(f"running {check.name} ({check.title}, limit {limit:.0f} s)...")
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"asebench-doctor-{check.name}-") as work:
            setting = Setting(cuda=cuda, quick=quick, workdir=work,
                              devices=len(env["devices"]), workers=_workers(env),
                              limit_s=limit)
            status, summary, figures = _run_one(check, setting)
        results.append(CheckResult(check.name, check.title, status, summary, figures,
                                   round(time.monotonic() - start, 1), round(limit)))
    return DoctorReport(env, tuple(results), quick, started, time.monotonic() - t0,
                        tuple(notes))
