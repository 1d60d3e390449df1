"""The doctor's checks: short runs of the live backend's real code on generated images.

Each check runs in its own process (see :mod:`asebench.doctor._runner`), takes a
:class:`Setting` and returns an :class:`Outcome`. On a CUDA machine the supernet is OFA's
MobileNetV3 (w1.0) at 224 px; without CUDA the same network at a small resolution, so the
figures are the CPU's.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Setting", "Outcome", "CHECKS", "Check"]


@dataclass(frozen=True)
class Setting:
    """Where and how big a check runs.

    Attributes:
        cuda: run on CUDA device 0 (else on the CPU).
        quick: the short variant (fewer steps).
        workdir: an empty folder of the check's own for its generated files.
        devices: CUDA devices on the machine (for the DDP check).
        workers: image decoding processes.
        limit_s: the check's time limit (a subprocess it starts gets a little less).
    """

    cuda: bool
    quick: bool
    workdir: str
    devices: int = 0
    workers: int = 0
    limit_s: float = 60.0

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str) -> Setting:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class Outcome:
    """A check's verdict: ``status`` is ``pass``, ``fail`` or ``skip``; ``summary`` the figure
    in words; ``figures`` the numbers (JSON values)."""

    status: str
    summary: str
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """A named check, its time limits (full, quick; 0: not in --quick) in seconds, its body
    and whether it needs CUDA at all."""

    name: str
    title: str
    limit_s: float
    quick_limit_s: float
    run: Callable[[Setting], Outcome]
    needs_cuda: bool = False


# -- sizes --------------------------------------------------------------------------------

PRESET = "mbv3-w1.0"


def _resolution(s: Setting) -> int:
    return 224 if s.cuda else (32 if s.quick else 64)


def _device(s: Setting) -> str:
    return "cuda" if s.cuda else "cpu"


def _images(root: Path, count: int, classes: int = 4) -> Path:
    """A generated image folder of about ``count`` small JPEGs (resized by the loaders)."""
    from asebench.supernet import make_toy_image_folder

    return make_toy_image_folder(root, num_classes=classes, per_class=-(-count // classes),
                                 size=48, suffix=".jpg")


def _finite(values: list[float]) -> bool:
    return bool(values) and all(math.isfinite(v) for v in values)


def _falling(losses: list[float]) -> bool:
    """The second half of the steps has a lower mean loss than the first."""
    half = len(losses) // 2
    return half > 0 and sum(losses[-half:]) / half < sum(losses[:half]) / half


# -- training -----------------------------------------------------------------------------

def _train_once(s: Setting, data: Path, out: Path, amp: bool, channels_last: bool,
                batch: int, steps: int) -> dict[str, Any]:
    import torch

    from asebench.supernet import Phase, TrainConfig, train_supernet

    config = TrainConfig(preset=PRESET, num_classes=None, holdout=8,
                         phases=(Phase("full", 1),), resolution=_resolution(s),
                         batch_size=batch, lr=0.02, kd_ratio=0.0, workers=s.workers,
                         preload=True, device=_device(s), amp=amp,
                         channels_last=channels_last, steps_per_epoch=steps, seed=0,
                         # gentler crops than ImageNet's and a small rate: over a few steps the
                         # loss then falls steadily instead of jumping about
                         crop_scale=(0.25, 1.0))
    stamps: list[float] = []
    losses: list[float] = []

    def report(info: Any) -> None:
        stamps.append(time.perf_counter())  # the step's loss was read: the step is done
        losses.append(float(info["loss"]))

    if s.cuda:
        torch.cuda.reset_peak_memory_stats()
    train_supernet(data, out, config, resume=False, progress=report)
    peak = torch.cuda.max_memory_allocated() / 2**30 if s.cuda else None
    # the first step pays for start-up (allocator, cuDNN's choice of algorithms): not timed
    rate = (len(stamps) - 1) * batch / max(stamps[-1] - stamps[0], 1e-9)
    return {"images_per_s": round(rate, 1), "losses": [round(x, 4) for x in losses],
            "peak_gib": None if peak is None else round(peak, 2)}


def check_train(s: Setting) -> Outcome:
    """A few supernet training steps (full network, SGD, preloaded generated images) in fp32
    and, on CUDA, in bf16 with channels-last; images/s, peak memory, the loss."""
    batch = (64 if s.quick else 128) if s.cuda else 16
    steps = (6 if s.quick else 12) if s.cuda else 6
    work = Path(s.workdir)
    data = _images(work / "images", batch * steps + 8)
    modes = [("fp32", False, False), ("bf16+channels-last", True, True)] if s.cuda else \
        [("fp32", False, False), ("fp32+channels-last", False, True)]
    figures: dict[str, Any] = {"resolution": _resolution(s), "batch": batch, "steps": steps}
    bad = []
    parts = []
    for name, amp, channels_last in modes:
        run = _train_once(s, data, work / f"{name}.pt", amp, channels_last, batch, steps)
        figures[name] = run
        parts.append(f"{name} {run['images_per_s']:.0f} img/s")
        if run["peak_gib"] is not None:
            parts[-1] += f" (peak {run['peak_gib']:.2f} GiB)"
        if not _finite(run["losses"]):
            bad.append(f"{name} loss not finite")
        elif not _falling(run["losses"]):
            bad.append(f"{name} loss not falling {run['losses']}")
    summary = f"{PRESET} at {_resolution(s)} px, batch {batch}: " + ", ".join(parts)
    return Outcome("fail" if bad else "pass", summary + ("; " + "; ".join(bad) if bad else ""),
                   figures)


# -- scoring ------------------------------------------------------------------------------

def check_score(s: Setting) -> Outcome:
    """Score one sub-network: BatchNorm recalibration on 500 images and top-1 on 1,000
    generated images, twice (the first includes start-up); seconds."""
    import numpy as np
    import torch

    from asebench.supernet import Scorer, SuperNet, get_config

    res = _resolution(s)
    torch.manual_seed(0)
    config = get_config(PRESET, num_classes=4, resolution=res)
    net = SuperNet(config).to(_device(s))
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (1000, 3, res, res), dtype=torch.uint8, generator=gen)
    labels = torch.randint(0, 4, (1000,), generator=gen)
    calibration = torch.randint(0, 256, (500, 3, res, res), dtype=torch.uint8, generator=gen)
    scorer = Scorer(net, (images, labels), calibration, batch_size=250 if s.cuda else 100)
    arch = scorer.space.sample(np.random.default_rng(0))
    first = scorer.score(arch)
    second = scorer.score(arch)
    figures = {"resolution": res, "images": 1000, "calibration": 500,
               "arch": scorer.space.to_string(arch), "seconds_first": round(first.seconds, 3),
               "seconds": round(second.seconds, 3), "top1": second.top1}
    # the same arch scores the same (on a GPU up to a few images of float non-determinism)
    ok = 0 <= second.top1 <= 100 and second.top5 >= second.top1 and \
        abs(first.top1 - second.top1) <= 0.3
    summary = (f"one sub-network at {res} px, 1,000 images: {second.seconds:.2f} s "
               f"(first call {first.seconds:.2f} s)")
    return Outcome("pass" if ok else "fail",
                   summary + ("" if ok else f"; bad scores {first} {second}"), figures)


# -- fine-tuning --------------------------------------------------------------------------

def check_finetune(s: Setting) -> Outcome:
    """Fine-tuning steps of an extracted sub-network with the paper's augmentation (random
    resized crop, flip, colour jitter, AutoAugment) on the device; images/s of the second
    epoch (the first pays for start-up)."""
    import numpy as np
    import torch

    from asebench.supernet import (
        FinetuneConfig,
        SuperNet,
        finetune,
        get_config,
        scan_image_folder,
        split_holdout,
    )
    from asebench.supernet._checkpoint import Checkpoint, save_checkpoint

    batch = (64 if s.quick else 128) if s.cuda else 16
    steps = (4 if s.quick else 8) if s.cuda else (3 if s.quick else 5)
    res = _resolution(s)
    work = Path(s.workdir)
    data = _images(work / "images", batch * steps + 16)
    folder = scan_image_folder(data)
    _, held = split_holdout(folder, 16, seed=0)
    torch.manual_seed(0)
    config = get_config(PRESET, num_classes=len(folder.classes), resolution=res)
    net = SuperNet(config)
    ckpt = work / "supernet.pt"
    save_checkpoint(ckpt, Checkpoint(config, folder.classes, held.files, folder.root, 0,
                                     state={"model": net.state_dict(), "sorted": False}))
    arch = net.space.to_string(net.space.sample(np.random.default_rng(0)))
    cfg = FinetuneConfig(epochs=2, batch_size=batch, resolution=res, workers=s.workers,
                         device=_device(s), steps_per_epoch=steps, seed=0)
    result = finetune(ckpt, arch, data, work / "finetuned.pt", cfg, resume=False,
                      progress=False)
    rate = float(result.history[-1]["images_per_s"])
    losses = [float(h["loss"]) for h in result.history]
    figures = {"resolution": res, "batch": batch, "steps_per_epoch": steps, "arch": arch,
               "images_per_s": round(rate, 1), "losses": losses, "top1": result.top1,
               "autocast_bf16": s.cuda}
    ok = _finite(losses) and result.top1 is not None and 0 <= result.top1 <= 100
    summary = (f"AutoAugment + jitter + crop/flip, {res} px, batch {batch}: {rate:.0f} img/s"
               + ("" if s.cuda else " (fp32, CPU)"))
    return Outcome("pass" if ok else "fail", summary + ("" if ok else f"; losses {losses}"),
                   figures)


# -- DDP ------------------------------------------------------------------------------------

def _reason(proc: subprocess.CompletedProcess[str]) -> str:
    """The line of a failed run's output that says why (torchrun ends on a row of '=')."""
    lines = [line.strip() for line in (proc.stderr + proc.stdout).splitlines()
             if line.strip() and set(line.strip()) != {"="}]
    named = [line for line in lines if "Error" in line or "error:" in line]
    return (named or lines or [f"exit {proc.returncode}"])[-1]


def check_ddp(s: Setting) -> Outcome:
    """``torchrun`` DistributedDataParallel for a few steps (NCCL over the GPUs when there
    are at least two, else gloo over 2 CPU processes): the parameters equal a single-process
    run on the same global batch, and no gradient stride warning."""
    nccl = s.cuda and s.devices >= 2
    procs = min(s.devices, 8) if nccl else 2
    out = Path(s.workdir) / "ddp.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           "--nproc_per_node", str(procs), "-m", "asebench.doctor._ddp", str(out),
           "cuda" if nccl else "cpu", "4" if s.quick else "8"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=max(5.0, s.limit_s - 5))
    backend = f"NCCL over {procs} GPUs" if nccl else "gloo over 2 CPU processes"
    if proc.returncode != 0 or not out.exists():
        return Outcome("fail", f"{backend}: torchrun failed: {_reason(proc)[:300]}")
    figures = json.loads(out.read_text())
    warned = "Grad strides do not match" in proc.stderr or figures["stride_warnings"] > 0
    figures["stride_warning"] = warned
    ok = figures["equal"] and figures["ranks_agree"] and figures["moved"] and not warned
    summary = (f"{backend}, {figures['steps']} steps: max |DDP - single process| "
               f"{figures['max_abs_diff']:.1e} (weights moved {figures['max_moved']:.1e})")
    problems = [text for bad, text in
                [(not figures["equal"], "parameters differ from the single-process run"),
                 (not figures["ranks_agree"], "ranks disagree"),
                 (not figures["moved"], "the steps did not move the weights"),
                 (warned, "gradient stride warning")] if bad]
    if not nccl:
        summary += "; NCCL not checked (" + ("one GPU" if s.cuda else "no CUDA") + ")"
    return Outcome("pass" if ok else "fail",
                   summary + ("; " + "; ".join(problems) if problems else ""), figures)


# -- the gpu-marked tests ---------------------------------------------------------------------

def _tests_folder() -> Path | None:
    import asebench

    tests = Path(asebench.__file__).resolve().parent.parent / "tests"
    return tests if (tests / "conftest.py").exists() and \
        (tests / "test_supernet_train.py").exists() else None


def check_gpu_tests(s: Setting) -> Outcome:
    """The test suite's ``gpu``-marked tests (needs CUDA, pytest and the source tree)."""
    tests = _tests_folder()
    if not s.cuda:
        return Outcome("skip", "skipped: no CUDA GPU")
    if tests is None:
        return Outcome("skip", "skipped: no tests folder (asebench installed without its "
                               "source tree)")
    try:
        import pytest  # noqa: F401
    except ImportError:
        return Outcome("skip", "skipped: pytest is not installed (the test extra)")
    # only the modules that hold gpu tests: the others may need extras this machine lacks
    files = sorted(str(f) for f in tests.glob("test_*.py") if "mark.gpu" in f.read_text())
    if not files:
        return Outcome("skip", "skipped: the tests folder has no gpu-marked tests")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "gpu", "-p",
                           "no:cacheprovider", *files], capture_output=True, text=True,
                          cwd=tests.parent, timeout=max(5.0, s.limit_s - 5))
    last = (proc.stdout.strip().splitlines() or [""])[-1].strip("= ")
    passed = proc.returncode == 0 and " passed" in f" {last}" and "skipped" not in last
    return Outcome("pass" if passed else "fail", last or f"pytest exit {proc.returncode}",
                   {"pytest": last, "exit": proc.returncode})


CHECKS: tuple[Check, ...] = (
    Check("train", "supernet training steps", 120, 50, check_train),
    Check("score", "scoring one sub-network", 45, 30, check_score),
    Check("finetune", "fine-tuning steps", 90, 45, check_finetune),
    Check("ddp", "torchrun DDP", 75, 45, check_ddp),
    Check("gpu-tests", "gpu-marked tests", 120, 0, check_gpu_tests, needs_cuda=True),
)
