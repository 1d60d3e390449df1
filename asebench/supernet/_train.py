"""Supernet training with progressive shrinking (OFA): full -> kernel -> depth -> expand.

Every random choice (data order, crops, sampled sub-networks) is derived from
``(seed, epoch, step)``, the learning rate is a pure function of the position in the phase, and
a checkpoint is written after every epoch, so a resumed run continues exactly as an
uninterrupted one. Under ``torchrun`` every process trains a shard of each batch inside
DistributedDataParallel; all processes sample the same sub-networks.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from asebench.errors import AsebenchError
from asebench.spaces import MobileNetArch
from asebench.supernet._checkpoint import Checkpoint, read_checkpoint, save_checkpoint
from asebench.supernet._config import SupernetConfig, get_config
from asebench.supernet._data import ImageFolder, scan_image_folder, split_holdout
from asebench.supernet._supernet import SuperNet

__all__ = ["Phase", "TrainConfig", "TrainResult", "train_supernet", "default_phases",
           "sample_subnet", "PHASE_NAMES"]

PHASE_NAMES = ("full", "kernel", "depth", "expand")


@dataclass(frozen=True)
class Phase:
    """One progressive-shrinking phase.

    Attributes:
        name: ``full``, ``kernel``, ``depth`` or ``expand`` (what becomes elastic).
        epochs: epochs of this phase.
        subnets: sub-networks sampled (and back-propagated) per step.
        lr: peak learning rate of its cosine schedule (None: the run's ``lr``).
    """

    name: str
    epochs: int
    subnets: int = 1
    lr: float | None = None

    def __post_init__(self) -> None:
        if self.name not in PHASE_NAMES:
            raise AsebenchError(f"unknown phase {self.name!r}; use {', '.join(PHASE_NAMES)}")
        if self.epochs < 0 or self.subnets < 1:
            raise AsebenchError(f"phase {self.name}: epochs >= 0 and subnets >= 1 needed")


def default_phases(full: int = 1, kernel: int = 1, depth: int = 1, expand: int = 1) -> tuple[
        Phase, ...]:
    """The OFA schedule shape: 1 sub-network per step for full/kernel, 2 for depth, 4 for
    expand; phases with 0 epochs are dropped."""
    phases = (Phase("full", full, 1), Phase("kernel", kernel, 1), Phase("depth", depth, 2),
              Phase("expand", expand, 4))
    return tuple(p for p in phases if p.epochs > 0)


@dataclass(frozen=True)
class TrainConfig:
    """How to train a supernet (all plain values, stored in the checkpoint).

    Attributes:
        preset: supernet layout preset (``mbv3-w1.0``, ``mbv3-w1.2``, ``tiny``).
        width_mult, resolution: override the preset's.
        num_classes: train on a seeded subset of this many classes (None: all).
        holdout: training images set aside to score sub-networks.
        phases: the progressive-shrinking schedule.
        batch_size: global batch (split over processes under torchrun).
        lr, lr_min, momentum, weight_decay, label_smoothing, warmup_epochs: SGD (Nesterov) with
            a cosine schedule per phase, warmup in the first phase only.
        kd_ratio: weight of distillation from the full network (0: none).
        workers: DataLoader worker processes; preload: decode every image once into memory.
        device: ``auto``, ``cpu``, ``cuda``...; amp: bf16 autocast (CUDA only);
            channels_last: memory format (CUDA only).
        steps_per_epoch: cap on steps per epoch (smoke tests and benchmarks).
        seed: master seed.
    """

    preset: str = "mbv3-w1.0"
    width_mult: float | None = None
    resolution: int | None = None
    num_classes: int | None = 100
    holdout: int = 1000
    phases: tuple[Phase, ...] = field(default_factory=default_phases)
    batch_size: int = 256
    lr: float = 0.1
    lr_min: float = 0.0
    momentum: float = 0.9
    weight_decay: float = 3e-5
    label_smoothing: float = 0.1
    warmup_epochs: int = 0
    kd_ratio: float = 1.0
    workers: int = 4
    preload: bool = False
    device: str = "auto"
    amp: bool = True
    channels_last: bool = True
    steps_per_epoch: int | None = None
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["phases"] = [asdict(p) for p in self.phases]
        return out

    def net_config(self, num_classes: int) -> SupernetConfig:
        changes: dict[str, Any] = {"num_classes": num_classes}
        if self.width_mult is not None:
            changes["width_mult"] = self.width_mult
        if self.resolution is not None:
            changes["resolution"] = self.resolution
        return get_config(self.preset, **changes)

    @property
    def total_epochs(self) -> int:
        return sum(p.epochs for p in self.phases)


@dataclass(frozen=True)
class TrainResult:
    """What a call to :func:`train_supernet` did: its checkpoint, the epochs it trained, the
    loss of each step it took, and the per-epoch history (all epochs so far)."""

    path: str
    epochs_run: int
    losses: tuple[float, ...]
    history: tuple[Mapping[str, Any], ...]


def sample_subnet(config: SupernetConfig, phase: str, rng: np.random.Generator) -> MobileNetArch:
    """A random sub-network with what ``phase`` makes elastic (``full``: the largest)."""
    elastic = PHASE_NAMES.index(phase)
    kernels = config.kernels if elastic >= 1 else (max(config.kernels),)
    depths = config.depths if elastic >= 2 else (max(config.depths),)
    expands = config.expands if elastic >= 3 else (max(config.expands),)
    units = []
    for _ in config.widths:
        depth = int(depths[rng.integers(len(depths))])
        units.append(tuple((int(kernels[rng.integers(len(kernels))]),
                            int(expands[rng.integers(len(expands))])) for _ in range(depth)))
    return MobileNetArch(tuple(units))


def _distributed() -> tuple[int, int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 0, 1
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return dist.get_rank(), int(os.environ.get("LOCAL_RANK", "0")), world


def _device(name: str, local_rank: int) -> torch.device:
    if name == "auto":
        return torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise AsebenchError(f"device {name!r} asked for but CUDA is not available")
    if name == "cuda":
        return torch.device(f"cuda:{local_rank}")
    return torch.device(name)


def _optimizer(net: SuperNet, cfg: TrainConfig) -> torch.optim.SGD:
    decay, no_decay = [], []
    for name, p in net.named_parameters():
        (no_decay if p.ndim <= 1 or "kernel_transforms" in name else decay).append(p)
    return torch.optim.SGD([{"params": decay, "weight_decay": cfg.weight_decay},
                            {"params": no_decay, "weight_decay": 0.0}],
                           lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.momentum > 0)


def _lr(cfg: TrainConfig, phase: Phase, first_phase: bool, t: float, total: float) -> float:
    peak = phase.lr if phase.lr is not None else cfg.lr
    warm = cfg.warmup_epochs / max(phase.epochs, 1) * total if first_phase else 0.0
    if t < warm:
        return peak * (t + 1) / warm
    frac = (t - warm) / max(total - warm, 1.0)
    return cfg.lr_min + 0.5 * (peak - cfg.lr_min) * (1 + math.cos(math.pi * frac))


def _plan(cfg: TrainConfig) -> list[tuple[int, int]]:
    """(phase index, epoch within phase) for every global epoch."""
    return [(i, e) for i, p in enumerate(cfg.phases) for e in range(p.epochs)]


def _print_progress(info: Mapping[str, Any]) -> None:
    end = "\n" if info.get("done") else ""
    sys.stderr.write(
        f"\r{info['phase']:>6} epoch {info['epoch'] + 1}/{info['epochs']} "
        f"step {info['step'] + 1}/{info['steps']} loss {info['loss']:.4f} "
        f"lr {info['lr']:.4g} {info['images_per_s']:.0f} img/s" + end)
    sys.stderr.flush()


def train_supernet(data: str | os.PathLike[str], out: str | os.PathLike[str],
                   config: TrainConfig = TrainConfig(), resume: bool = True,
                   until_epoch: int | None = None,
                   progress: Callable[[Mapping[str, Any]], None] | None | bool = True
                   ) -> TrainResult:
    """Train (or resume training) a supernet on an image folder; checkpoint after every epoch.

    Args:
        data: image folder (``DIR/train/<class>/*.jpg``).
        out: checkpoint file (read first when ``resume`` and it exists).
        config: the training configuration.
        resume: continue from ``out`` if it exists (layout and classes must match).
        until_epoch: stop after this global epoch (default: the end of the schedule).
        progress: True for a progress line on stderr, a callable for custom reports.
    """
    from asebench.supernet._loop import run_epochs

    if config.total_epochs < 1:
        raise AsebenchError("the training schedule has no epochs")
    rank, local_rank, world = _distributed()
    if config.batch_size % world:
        raise AsebenchError(f"batch size {config.batch_size} not divisible by {world} processes")
    device = _device(config.device, local_rank)
    start, state, history = 0, None, ()
    out = Path(out)
    folder = scan_image_folder(data, config.num_classes, config.seed)
    if resume and out.exists():
        ckpt = read_checkpoint(out)
        folder = scan_image_folder(data, classes=ckpt.classes)
        start, state, history = ckpt.epoch, ckpt.state, ckpt.history
        net_config = config.net_config(len(folder.classes))
        if ckpt.config != net_config:
            raise AsebenchError(f"cannot resume {str(out)!r}: its supernet layout differs")
        train, hold = split_holdout(folder, config.holdout, config.seed)
        if tuple(hold.files) != tuple(ckpt.holdout):
            raise AsebenchError(f"cannot resume {str(out)!r}: its held-out split differs")
    else:
        net_config = config.net_config(len(folder.classes))
        train, hold = split_holdout(folder, config.holdout, config.seed)
    end = config.total_epochs if until_epoch is None else min(until_epoch, config.total_epochs)
    if progress is True:
        report = _print_progress if rank == 0 else None
    else:
        report = progress or None
    losses, history = run_epochs(
        config, net_config, train, device, start, end, state, list(history), rank, world,
        report, lambda epoch, st, hist: _save(out, net_config, folder, hold, config, epoch, st,
                                                hist, rank))
    return TrainResult(str(out), max(0, end - start), tuple(losses), tuple(history))


def _save(out: Path, net_config: SupernetConfig, folder: ImageFolder, hold: ImageFolder,
          config: TrainConfig, epoch: int, state: Mapping[str, Any],
          history: list[Mapping[str, Any]], rank: int) -> None:
    if rank != 0:
        return
    save_checkpoint(out, Checkpoint(net_config, folder.classes, hold.files, folder.root, epoch,
                                    config.to_dict(), tuple(history), state))

