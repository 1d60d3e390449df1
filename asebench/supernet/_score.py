"""Scoring sub-networks with inherited weights: extract, recalibrate BatchNorm, measure top-1/5.

A sub-network is extracted into a standalone network, its BatchNorm statistics are recomputed
on a fixed set of training images (exact averages, not a moving average), and it is evaluated
on the held-out split. The supernet is never modified, and a score depends only on the arch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from asebench.errors import AsebenchError
from asebench.supernet._augment import normalize
from asebench.supernet._checkpoint import Checkpoint, load_supernet
from asebench.supernet._data import load_images, scan_image_folder
from asebench.supernet._static import to_device
from asebench.supernet._supernet import ArchLike, SuperNet

__all__ = ["Score", "Scorer", "recalibrate_bn", "accuracy"]

Autocast = Callable[[], AbstractContextManager[object]]


@dataclass(frozen=True)
class Score:
    """Top-1/top-5 accuracy (percent) on the held-out split and the seconds it took."""

    top1: float
    top5: float
    seconds: float


def _batches(images: torch.Tensor, batch_size: int, size: int, device: torch.device,
             fmt: torch.memory_format) -> Iterator[tuple[int, torch.Tensor]]:
    for i in range(0, len(images), batch_size):
        x = normalize(images[i:i + batch_size].to(device, non_blocking=True))
        if x.shape[-1] != size:
            x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True,
                              align_corners=False)
        yield i, x.contiguous(memory_format=fmt)


@torch.no_grad()
def recalibrate_bn(net: nn.Module, images: torch.Tensor, batch_size: int = 250,
                   size: int | None = None, autocast: Autocast = nullcontext) -> None:
    """Replace every BatchNorm's running statistics by their average over ``images`` (uint8)."""
    device = next(net.parameters()).device
    bns = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [bn.momentum for bn in bns]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average over the calibration batches
    fmt = torch.channels_last  # faster depthwise convolutions on CPU as well as CUDA
    net.train()
    try:
        for _, x in _batches(images, batch_size, size or images.shape[-1], device, fmt):
            with autocast():
                net(x)
    finally:
        for bn, momentum in zip(bns, momenta):
            bn.momentum = momentum
        net.eval()


@torch.no_grad()
def accuracy(net: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 250,
             size: int | None = None, autocast: Autocast = nullcontext
             ) -> tuple[float, float]:
    """Top-1 and top-5 accuracy in percent of ``net`` (eval mode) on uint8 ``images``."""
    device = next(net.parameters()).device
    fmt = torch.channels_last  # faster depthwise convolutions on CPU as well as CUDA
    net.eval()
    hits1 = hits5 = 0
    labels = labels.to(device)
    for i, x in _batches(images, batch_size, size or images.shape[-1], device, fmt):
        with autocast():
            logits = net(x)
        k = min(5, logits.shape[1])
        top = logits.float().topk(k, 1).indices
        y = labels[i:i + len(x)].view(-1, 1)
        hits1 += int((top[:, :1] == y).sum())
        hits5 += int((top == y).any(1).sum())
    n = len(images)
    return 100.0 * hits1 / n, 100.0 * hits5 / n


class Scorer:
    """Scores sub-networks of one supernet on fixed held-out and calibration images.

    Args:
        supernet: the trained supernet.
        holdout: uint8 ``(N, 3, r, r)`` held-out images and their labels.
        calibration: uint8 images for BatchNorm recalibration.
        batch_size: images per forward pass.
        amp: bf16 autocast on CUDA.
    """

    def __init__(self, supernet: SuperNet, holdout: tuple[torch.Tensor, torch.Tensor],
                 calibration: torch.Tensor, batch_size: int = 250, amp: bool = True) -> None:
        self.supernet = supernet.eval()
        self.device = next(supernet.parameters()).device
        cuda = self.device.type == "cuda"
        self.images = holdout[0].pin_memory() if cuda else holdout[0]
        self.labels = holdout[1]
        self.calibration = calibration.pin_memory() if cuda else calibration
        self.batch_size = batch_size
        self.autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) \
            if cuda and amp else nullcontext
        self.space = supernet.space
        self.resolution = supernet.config.resolution
        self.checkpoint: Checkpoint | None = None  # set when built from a file

    @classmethod
    def from_checkpoint(cls, supernet: str | os.PathLike[str], data: str | os.PathLike[str],
                        device: str = "auto", holdout: int | None = None,
                        calibration: int = 500, batch_size: int = 250, workers: int = 0,
                        amp: bool = True, seed: int = 0) -> Scorer:
        """Load a checkpoint and decode its held-out split (first ``holdout`` images, default
        all) and ``calibration`` seeded training images from ``data``."""
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        net, ckpt = load_supernet(supernet, device)
        if not ckpt.holdout:
            raise AsebenchError(f"supernet {str(supernet)!r} has no held-out images to score "
                                f"on (convert it with --data)")
        folder = scan_image_folder(data, classes=ckpt.classes)
        index = {f: i for i, f in enumerate(folder.files)}
        missing = [f for f in ckpt.holdout if f not in index]
        if missing:
            raise AsebenchError(
                f"data folder {str(data)!r} lacks {len(missing)} held-out images of the "
                f"checkpoint (e.g. {missing[0]!r})")
        hold = [index[f] for f in ckpt.holdout[:holdout]]
        held = set(ckpt.holdout)
        train = [i for i, f in enumerate(folder.files) if f not in held]
        if not train:
            raise AsebenchError(f"data folder {str(data)!r} has no training images left")
        pick = np.random.default_rng(seed).permutation(len(train))[:calibration]
        res = ckpt.config.resolution
        images = load_images(folder.subset(hold), res, workers=workers)
        calib, _ = load_images(folder.subset(sorted(train[i] for i in pick)), res,
                               workers=workers)
        scorer = cls(net, images, calib, batch_size, amp)
        scorer.checkpoint = ckpt
        return scorer

    def extract(self, arch: ArchLike) -> nn.Module:
        """The sub-network with recalibrated BatchNorm (eval mode, on the scorer's device)."""
        net = self.supernet.extract(arch)
        net = to_device(net, None, torch.channels_last)
        size = self._size(arch)
        recalibrate_bn(net, self.calibration, self.batch_size, size, self.autocast)
        return net

    def _size(self, arch: ArchLike) -> int:
        return self.supernet.decode(arch).resolution or self.resolution

    def score(self, arch: ArchLike) -> Score:
        """Top-1/top-5 of ``arch`` on the held-out split after BatchNorm recalibration."""
        t0 = time.perf_counter()
        net = self.extract(arch)
        top1, top5 = accuracy(net, self.images, self.labels, self.batch_size, self._size(arch),
                              self.autocast)
        return Score(top1, top5, time.perf_counter() - t0)

