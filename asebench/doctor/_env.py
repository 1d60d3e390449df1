"""The environment part of the doctor's report: versions, devices, CPU cores and extras.

torch and CUDA are probed in a child process: the doctor's own process never imports torch
(whose absence is a finding, the ``live`` extra missing, not a crash) and never holds a CUDA
context, which on a GPU in exclusive-process mode would lock the checks out of it.
"""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from typing import Any

__all__ = ["environment", "extras", "torch_info", "LIVE_HINT"]

LIVE_HINT = "pip install 'asebench[live]'"


def _cpu_cores() -> dict[str, int | None]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"cpu_cores": os.cpu_count(), "cpu_cores_usable": usable}


def _requirement_name(text: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    return match.group(1) if match else text.strip()


def extras() -> dict[str, dict[str, Any]]:
    """Every optional extra of the installed asebench: ``{extra: {"installed": bool,
    "missing": [distribution names]}}`` (read from the package metadata, so it follows
    whatever extras the installed version declares)."""
    try:
        dist = metadata.distribution("asebench")
    except metadata.PackageNotFoundError:
        return {}
    names = dist.metadata.get_all("Provides-Extra") or []
    needs: dict[str, list[str]] = {name: [] for name in names}
    for requirement in dist.requires or []:
        match = re.search(r"""extra\s*==\s*["']([^"']+)["']""", requirement)
        if match and match.group(1) in needs:
            needs[match.group(1)].append(_requirement_name(requirement.split(";")[0]))
    out: dict[str, dict[str, Any]] = {}
    for name, packages in needs.items():
        missing = []
        for package in packages:
            try:
                metadata.version(package)
            except metadata.PackageNotFoundError:
                missing.append(package)
        out[name] = {"installed": not missing, "missing": missing}
    return out


def _driver() -> str | None:
    """The NVIDIA driver version from ``nvidia-smi`` (None without one)."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None
    try:
        proc = subprocess.run([smi, "--query-gpu=driver_version", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = proc.stdout.split()
    return lines[0] if proc.returncode == 0 and lines else None


def _no_torch(why: str) -> dict[str, Any]:
    return {"torch": None, "cuda_available": False, "devices": [], "torch_missing": why}


def _probe_torch(timeout_s: float = 120.0) -> dict[str, Any]:
    """:func:`torch_info` from a child process."""
    if importlib.util.find_spec("torch") is None:
        return _no_torch(f"torch is not installed: the live extra is missing ({LIVE_HINT})")
    code = ("import json; from asebench.doctor._env import torch_info; "
            "print(json.dumps(torch_info()))")
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return _no_torch(f"importing torch and probing CUDA took over {timeout_s:.0f} s")
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        return _no_torch(f"torch does not import: {' '.join(last.split())[:300]}")
    info: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return info


def torch_info() -> dict[str, Any]:
    """torch's version and threads, CUDA, cuDNN, driver, devices and bf16 (imports torch)."""
    import torch

    info: dict[str, Any] = {"torch": torch.__version__, "torch_threads": torch.get_num_threads(),
                            "cuda_build": torch.version.cuda,
                            "cudnn": None, "driver": None, "devices": [],
                            "cuda_available": torch.cuda.is_available(), "bf16": False}
    if info["cuda_available"]:
        info["cudnn"] = torch.backends.cudnn.version()
        info["driver"] = _driver()
        info["bf16"] = bool(torch.cuda.is_bf16_supported())
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            info["devices"].append({"index": i, "name": props.name,
                                    "memory_gib": round(props.total_memory / 2**30, 1),
                                    "capability": f"{props.major}.{props.minor}"})
    return info


def environment() -> dict[str, Any]:
    """What this machine and installation are: asebench, Python, platform, torch, CUDA,
    cuDNN, driver, devices, bf16 support, CPU cores and the optional extras."""
    try:
        version = metadata.version("asebench")
    except metadata.PackageNotFoundError:
        version = "unknown (not installed)"
    return {"asebench": version, "python": sys.version.split()[0],
            "platform": platform.platform(), **_cpu_cores(), **_probe_torch(),
            "extras": extras()}
