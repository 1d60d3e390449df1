"""Supernet training with progressive shrinking (OFA): full -> kernel -> depth -> expand.

Every random choice (data order, crops, sampled sub-networks) is derived from
``(seed, epoch, step)``, the learning rate is a pure function of the position in the phase, and
a checkpoint is written after every epoch, so a resumed run continues exactly as an
uninterrupted one. Under ``torchrun`` every process trains a shard of each batch inside
DistributedDataParallel; all processes sample the same sub-networks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from asebench.errors import AsebenchError
from asebench.supernet._checkpoint import Checkpoint, read_checkpoint, save_checkpoint
from asebench.supernet._config import SupernetConfig
from asebench.supernet._data import ImageFolder, scan_image_folder, split_holdout
from asebench.supernet._loop import Report, run_epochs
from asebench.supernet._progress import TrainProgress
from asebench.supernet._schedule import (
    PHASE_NAMES,
    Phase,
    TrainConfig,
    default_phases,
    sample_subnet,
)

__all__ = ["Phase", "TrainConfig", "TrainResult", "train_supernet", "default_phases",
           "sample_subnet", "PHASE_NAMES"]

@dataclass(frozen=True)
class TrainResult:
    """What a call to :func:`train_supernet` did: its checkpoint, the epochs it trained, the
    loss of each step it took, and the per-epoch history (all epochs so far)."""

    path: str
    epochs_run: int
    losses: tuple[float, ...]
    history: tuple[Mapping[str, Any], ...]


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


def train_supernet(data: str | os.PathLike[str], out: str | os.PathLike[str],
                   config: TrainConfig | None = None, resume: bool = True,
                   until_epoch: int | None = None,
                   progress: Callable[[Mapping[str, Any]], None] | None | bool = True,
                   init: str | os.PathLike[str] | None = None) -> TrainResult:
    """Train (or resume training) a supernet on an image folder; checkpoint after every epoch.

    Args:
        data: image folder (``DIR/train/<class>/*.jpg``).
        out: checkpoint file (read first when ``resume`` and it exists).
        config: the training configuration (default: ``TrainConfig()``).
        resume: continue from ``out`` if it exists (layout and classes must match).
        until_epoch: stop after this global epoch (default: the end of the schedule).
        progress: True for progress on stderr (an updating line on a terminal, a line per
            epoch in a log), a callable for custom reports.
        init: start from this supernet checkpoint's weights (trained, or converted from OFA
            by ``asebench supernet convert``); its layout and classes replace the preset's.
    """
    config = config if config is not None else TrainConfig()
    if config.total_epochs < 1:
        raise AsebenchError("the training schedule has no epochs")
    if config.inplace_distillation and not config.sandwich:
        raise AsebenchError("in-place distillation distils from the largest sub-network of "
                            "each step: it needs the sandwich rule (--sandwich)")
    rank, local_rank, world = _distributed()
    if config.batch_size % world:
        raise AsebenchError(f"batch size {config.batch_size} not divisible by {world} processes")
    device = _device(config.device, local_rank)
    start: int = 0
    state: Mapping[str, Any] | None = None
    history: tuple[Mapping[str, Any], ...] = ()
    out = Path(out)
    base = read_checkpoint(init) if init is not None else None
    if base is None:
        folder = scan_image_folder(data, config.num_classes, config.seed)
    else:
        folder = scan_image_folder(data, classes=base.classes or None)
        if len(folder.classes) != base.config.num_classes:
            raise AsebenchError(f"data folder {str(data)!r} has {len(folder.classes)} classes, "
                                f"the supernet {str(init)!r} {base.config.num_classes}")

    def layout(num_classes: int) -> SupernetConfig:
        if base is None:
            return config.net_config(num_classes)
        if config.resolution is not None:
            return replace(base.config, resolution=config.resolution)
        return base.config

    if resume and out.exists():
        ckpt = read_checkpoint(out)
        folder = scan_image_folder(data, classes=ckpt.classes)
        start, state, history = ckpt.epoch, ckpt.state, ckpt.history
        net_config = layout(len(folder.classes))
        if ckpt.config != net_config:
            raise AsebenchError(f"cannot resume {str(out)!r}: its supernet layout differs")
        train, hold = split_holdout(folder, config.holdout, config.seed)
        if tuple(hold.files) != tuple(ckpt.holdout):
            raise AsebenchError(f"cannot resume {str(out)!r}: its held-out split differs")
    else:
        net_config = layout(len(folder.classes))
        if base is not None:
            state = {"model": base.state["model"], "sorted": bool(base.state.get("sorted"))}
        train, hold = split_holdout(folder, config.holdout, config.seed)
    end = config.total_epochs if until_epoch is None else min(until_epoch, config.total_epochs)
    report: Report
    if progress is True:
        report = TrainProgress() if rank == 0 else None
    else:
        report = progress or None
    losses, epochs = run_epochs(
        config, net_config, train, device, start, end, state, list(history), rank, world,
        report, lambda epoch, st, hist: _save(out, net_config, folder, hold, config, epoch, st,
                                                hist, rank))
    return TrainResult(str(out), max(0, end - start), tuple(losses), tuple(epochs))


def _save(out: Path, net_config: SupernetConfig, folder: ImageFolder, hold: ImageFolder,
          config: TrainConfig, epoch: int, state: Mapping[str, Any],
          history: list[Mapping[str, Any]], rank: int) -> None:
    if rank != 0:
        return
    save_checkpoint(out, Checkpoint(net_config, folder.classes, hold.files, folder.root, epoch,
                                    config.to_dict(), tuple(history), state))

