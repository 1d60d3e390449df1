"""Fine-tuning a found sub-network (the paper's ImageNet recipe, Sec. IV-B).

The sub-network is extracted from the supernet (its weights are the full network's, as OFA's
``get_active_subnet`` takes them) and trained with SGD (Nesterov momentum 0.9), the learning
rate following a cosine from 0.012 to 0.001 per step over 75 epochs, label smoothing 0.1,
random resized crops, flips, colour jitter and AutoAugment. A checkpoint is written after
every epoch; the sampler, the augmentation and dropout draw from per-epoch / per-step seeds,
so a resumed run ends with the same weights as an uninterrupted one. Under ``torchrun`` each
process trains on its shard with DistributedDataParallel.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from asebench.errors import AsebenchError
from asebench.supernet._augment import normalize
from asebench.supernet._autoaugment import FinetuneAugment
from asebench.supernet._checkpoint import (
    load_supernet,
    load_torch_file,
    make_parent,
    save_torch_file,
)
from asebench.supernet._data import (
    EpochSampler,
    ImageFiles,
    ImageFolder,
    make_loader,
    scan_image_folder,
)
from asebench.supernet._ddp import wrap_ddp
from asebench.supernet._static import to_device
from asebench.supernet._train import _device, _distributed

__all__ = ["FinetuneConfig", "FinetuneResult", "finetune", "evaluate", "read_finetuned",
           "FINETUNE_FORMAT"]

FINETUNE_FORMAT = "asebench-finetune"
# options a resumed run may change: they do not change what is computed
_RUN_ONLY = frozenset({"workers", "device", "eval_images"})
Report = Callable[[Mapping[str, Any]], None]


@dataclass(frozen=True)
class FinetuneConfig:
    """How to fine-tune (all plain values, stored in the checkpoint).

    Attributes:
        epochs: training epochs (paper: 75).
        lr, final_lr: cosine learning-rate schedule, per step, from ``lr`` to ``final_lr``.
        momentum, nesterov, weight_decay: SGD (no decay on BatchNorm and biases).
        label_smoothing: of the cross-entropy.
        batch_size: global batch (split over torchrun processes).
        resolution: input size (default: the arch's, else the supernet's).
        autoaugment: kornia's AutoAugment (ImageNet policy) after crop, flip and jitter.
        jitter: colour jitter strength (0: off).
        workers: image decoding processes.
        device: ``auto``, ``cpu``, ``cuda``...
        amp: bf16 autocast on CUDA.
        channels_last: channels-last memory format on CUDA.
        steps_per_epoch: cap on steps per epoch (smoke runs).
        eval_images: evaluate on the first N evaluation images only (default: all).
        seed: data order, augmentation and dropout.
    """

    epochs: int = 75
    lr: float = 0.012
    final_lr: float = 0.001
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 3e-5
    label_smoothing: float = 0.1
    batch_size: int = 256
    resolution: int | None = None
    autoaugment: bool = True
    jitter: float = 0.4
    workers: int = 4
    device: str = "auto"
    amp: bool = True
    channels_last: bool = True
    steps_per_epoch: int | None = None
    eval_images: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1:
            raise AsebenchError("fine-tuning needs epochs >= 1 and batch size >= 1")
        if not 0 <= self.final_lr <= self.lr:
            raise AsebenchError(f"need 0 <= final lr <= lr, got {self.final_lr} and {self.lr}")
        if not 0 <= self.label_smoothing < 1:
            raise AsebenchError(f"label smoothing must be in [0, 1), got {self.label_smoothing}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lr_at(self, t: float, total: float) -> float:
        """Cosine from ``lr`` at step 0 to ``final_lr`` at step ``total``."""
        return self.final_lr + 0.5 * (self.lr - self.final_lr) * (1 + math.cos(math.pi * t / total))


@dataclass(frozen=True)
class FinetuneResult:
    """What :func:`finetune` did: its checkpoint, the arch, the epochs finished, the last
    evaluation (top-1 / top-5 in percent, None before the first) and the per-epoch history."""

    path: str
    arch: str
    epoch: int
    top1: float | None
    top5: float | None
    history: tuple[Mapping[str, Any], ...]


def _recipe(cfg: FinetuneConfig) -> dict[str, Any]:
    return {k: v for k, v in cfg.to_dict().items() if k not in _RUN_ONLY}


def _split(data: str | os.PathLike[str], classes: Sequence[str], holdout: Sequence[str],
           num_classes: int) -> tuple[ImageFolder, ImageFolder]:
    """Training images (minus the supernet's held-out ones) and evaluation images
    (``DATA/val`` when it exists, else the held-out split)."""
    folder = scan_image_folder(data, classes=classes or None)
    if len(folder.classes) != num_classes:
        raise AsebenchError(f"data folder {str(data)!r} has {len(folder.classes)} classes, the "
                            f"supernet's classifier {num_classes}")
    held = set(holdout)
    keep = [i for i, f in enumerate(folder.files) if f not in held]
    val = Path(data) / "val"
    if val.is_dir():
        evaluation = scan_image_folder(val, classes=folder.classes)
    elif held:
        evaluation = folder.subset([i for i, f in enumerate(folder.files) if f in held])
    else:
        raise AsebenchError(f"data folder {str(data)!r} has no val/ folder and the supernet "
                            f"no held-out split to evaluate on")
    return folder.subset(keep), evaluation


def _optimizer(net: nn.Module, cfg: FinetuneConfig) -> torch.optim.SGD:
    decay: list[nn.Parameter] = []
    no_decay: list[nn.Parameter] = []
    for p in net.parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    return torch.optim.SGD([{"params": decay, "weight_decay": cfg.weight_decay},
                            {"params": no_decay, "weight_decay": 0.0}],
                           lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov)


def _seed(*parts: int) -> int:
    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0])


@torch.no_grad()
def evaluate(net: nn.Module, folder: ImageFolder, size: int, device: torch.device,
             batch_size: int = 250, workers: int = 0,
             autocast: Callable[[], AbstractContextManager[Any]] = nullcontext
             ) -> tuple[float, float]:
    """Top-1 / top-5 (percent) of ``net`` on ``folder`` (centre crop 0.875), streamed."""
    net.eval()
    loader = DataLoader(ImageFiles(folder, size, 0.875), batch_size=batch_size,
                        num_workers=workers, shuffle=False)
    hits1 = hits5 = seen = 0
    for images, labels in loader:
        x = normalize(images.to(device, non_blocking=True))
        if device.type == "cuda":
            x = x.contiguous(memory_format=torch.channels_last)
        with autocast():
            logits = net(x).float()
        top = logits.topk(min(5, logits.shape[1]), 1).indices
        y = labels.to(device).view(-1, 1)
        hits1 += int((top[:, :1] == y).sum())
        hits5 += int((top == y).any(1).sum())
        seen += len(y)
    return 100.0 * hits1 / max(seen, 1), 100.0 * hits5 / max(seen, 1)


def read_finetuned(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A fine-tuning checkpoint as a plain dict (``arch``, ``epoch``, ``history``, ``state``...)."""
    payload = load_torch_file(Path(path), "fine-tuning checkpoint")
    if not isinstance(payload, dict) or payload.get("format") != FINETUNE_FORMAT:
        raise AsebenchError(f"{str(path)!r} is not an asebench fine-tuning checkpoint")
    return payload


def _progress(info: Mapping[str, Any]) -> None:
    sys.stderr.write(f"finetune epoch {info['epoch']}/{info['epochs']} loss {info['loss']:.4f} "
                     f"{info['images_per_s']:.0f} img/s"
                     + (f" top1 {info['top1']:.2f}" if info.get("top1") is not None else "")
                     + "\n")
    sys.stderr.flush()


def finetune(supernet: str | os.PathLike[str], arch: str | Sequence[int],
             data: str | os.PathLike[str], out: str | os.PathLike[str],
             config: FinetuneConfig | None = None, resume: bool = True,
             until_epoch: int | None = None,
             progress: Report | bool = True) -> FinetuneResult:
    """Fine-tune sub-network ``arch`` of ``supernet`` on ``data``; checkpoint every epoch.

    Args:
        supernet: an asebench supernet checkpoint (trained, or converted from OFA).
        arch: arch string (``k5e6-k3e4-...``) or tuple of the supernet's space.
        data: image folder (``DATA/train/<class>/*``; ``DATA/val/<class>/*`` to evaluate on).
        out: fine-tuning checkpoint (continued from when ``resume`` and it exists).
        config: the recipe (default: the paper's).
        resume: continue from ``out`` if it exists (same arch and recipe).
        until_epoch: stop after this epoch (default: ``config.epochs``).
        progress: a line per epoch on stderr (True), a callable, or nothing (False).

    Returns:
        The checkpoint, the epochs finished and the last top-1 / top-5 (evaluated after the
        final epoch and after the last epoch of this call).
    """
    cfg = config or FinetuneConfig()
    rank, local_rank, world = _distributed()
    if cfg.batch_size % world:
        raise AsebenchError(f"batch size {cfg.batch_size} not divisible by {world} processes")
    device = _device(cfg.device, local_rank)
    cuda = device.type == "cuda"
    supernet_net, ckpt = load_supernet(supernet, "cpu")
    space = supernet_net.space
    arch_tuple = space.from_string(arch) if isinstance(arch, str) else space.validate(arch)
    arch_text = space.to_string(arch_tuple)
    decoded = supernet_net.decode(arch_tuple)
    size = cfg.resolution or decoded.resolution or ckpt.config.resolution
    train, evaluation = _split(data, ckpt.classes, ckpt.holdout, ckpt.config.num_classes)
    if cfg.eval_images is not None:
        evaluation = evaluation.subset(range(min(cfg.eval_images, len(evaluation))))
    per_rank = cfg.batch_size // world
    steps = len(train) // cfg.batch_size
    if cfg.steps_per_epoch is not None:
        steps = min(steps, cfg.steps_per_epoch)
    if steps < 1:
        raise AsebenchError(f"{len(train)} training images are fewer than one batch of "
                            f"{cfg.batch_size}")

    net = supernet_net.extract(arch_tuple)
    del supernet_net
    out = Path(out)
    make_parent(out)  # before hours of training, not after the first epoch
    start, history, state = 0, [], None
    if resume and out.exists():
        payload = read_finetuned(out)
        stored = {k: v for k, v in dict(payload.get("finetune", {})).items()
                  if k not in _RUN_ONLY}
        if payload.get("arch") != arch_text or stored != _recipe(cfg):
            raise AsebenchError(f"cannot resume {str(out)!r}: it fine-tunes another arch or "
                                f"with another recipe (use --restart)")
        start, history, state = int(payload["epoch"]), list(payload["history"]), payload["state"]
        net.load_state_dict(state["model"])
    fmt = torch.channels_last if cuda and cfg.channels_last else torch.contiguous_format
    net = to_device(net, device, fmt)
    optimizer = _optimizer(net, cfg)
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
    model: nn.Module = net
    if world > 1:
        model = wrap_ddp(net, device)
    autocast: Callable[[], AbstractContextManager[Any]] = (
        (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if cuda and cfg.amp
        else nullcontext)
    loader = make_loader(train, round(size / 0.875), per_rank, cfg.seed, cfg.workers, cuda,
                         rank, world)
    sampler = loader.sampler
    assert isinstance(sampler, EpochSampler)
    augment = FinetuneAugment(size, cfg.autoaugment, cfg.jitter)
    report: Report | None = (_progress if rank == 0 else None) if progress is True \
        else (progress or None)
    end = cfg.epochs if until_epoch is None else min(until_epoch, cfg.epochs)
    top1 = top5 = None
    if history and history[-1].get("top1") is not None:
        top1, top5 = history[-1]["top1"], history[-1]["top5"]
    total = cfg.epochs * steps
    for epoch in range(start, end):
        sampler.set_epoch(epoch)
        model.train()
        t0, seen, losses = time.perf_counter(), 0, []
        for step, (images, labels) in enumerate(loader):
            if step >= steps:
                break
            for group in optimizer.param_groups:
                group["lr"] = cfg.lr_at(epoch * steps + step, total)
            torch.manual_seed(_seed(cfg.seed, epoch, step, rank, 1))  # dropout
            x = augment(images.to(device, non_blocking=True),
                        _seed(cfg.seed, epoch, step, rank, 0))
            x = x.contiguous(memory_format=fmt)
            labels = labels.to(device, non_blocking=True)
            with autocast():
                logits = model(x)
            loss = F.cross_entropy(logits.float(), labels, label_smoothing=cfg.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
            seen += images.shape[0] * world
        if cuda:
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - t0
        record: dict[str, Any] = {"epoch": epoch + 1, "loss": float(np.mean(losses)),
                                  "lr": cfg.lr_at((epoch + 1) * steps, total),
                                  "images_per_s": seen / max(seconds, 1e-9),
                                  "seconds": seconds, "top1": None, "top5": None}
        if epoch + 1 in (end, cfg.epochs):
            top1, top5 = evaluate(net, evaluation, size, device, workers=cfg.workers,
                                  autocast=autocast)
            record.update(top1=top1, top5=top5)
        history.append(record)
        if rank == 0:
            save_torch_file(out, {"format": FINETUNE_FORMAT, "version": 1, "arch": arch_text,
                        "supernet": str(supernet), "config": ckpt.config.to_dict(),
                        "classes": list(train.classes), "resolution": size,
                        "finetune": cfg.to_dict(), "epoch": epoch + 1, "history": history,
                        "state": {"model": net.state_dict(),
                                  "optimizer": optimizer.state_dict()}})
        if report is not None:
            report({**record, "epochs": cfg.epochs})
    return FinetuneResult(str(out), arch_text, max(start, end), top1, top5, tuple(history))


def finetune_config(**values: Any) -> FinetuneConfig:
    """A :class:`FinetuneConfig` from keyword values, None meaning the default."""
    names = {f.name for f in fields(FinetuneConfig)}
    unknown = set(values) - names
    if unknown:
        raise AsebenchError(f"unknown fine-tuning options {sorted(unknown)}")
    return FinetuneConfig(**{k: v for k, v in values.items() if v is not None})
