"""What supernet training does when: the progressive-shrinking phases, the training
configuration, the sub-network sampled at each step, the learning rate at each step and the
optimizer. The epoch loop (:mod:`asebench.supernet._loop`) and the driver
(:mod:`asebench.supernet._train`) both read it; it reads neither.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from asebench.errors import AsebenchError
from asebench.spaces import MobileNetArch
from asebench.supernet._config import SupernetConfig, get_config
from asebench.supernet._supernet import SuperNet

__all__ = ["Phase", "TrainConfig", "default_phases", "sample_subnet", "PHASE_NAMES"]

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
        sandwich: in every step of an elastic phase with 2 or more sub-networks, the first is
            the phase's largest and the second its smallest, the rest random (the sandwich
            rule of slimmable networks and BigNAS); False: all random, as OFA samples them.
        inplace_distillation: distil from the largest sub-network's own output in the same
            step (BigNAS) instead of a frozen copy of the full network taken when the
            elastic phases begin (OFA); needs ``sandwich``.
        workers: DataLoader worker processes; preload: decode every image once into memory.
        device: ``auto``, ``cpu``, ``cuda``...; amp: bf16 autocast (CUDA only);
            channels_last: memory format (CUDA and CPU: depthwise convolutions run several
            times faster channels-last on CPU too).
        crop_scale, flip: the random resized crop's area range and random horizontal flips
            (ImageNet: (0.08, 1) and flips; small or mirror-sensitive images such as digits
            want a gentler crop and no flips).
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
    sandwich: bool = False
    inplace_distillation: bool = False
    workers: int = 4
    preload: bool = False
    device: str = "auto"
    amp: bool = True
    channels_last: bool = True
    crop_scale: tuple[float, float] = (0.08, 1.0)
    flip: bool = True
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


def extreme_subnet(config: SupernetConfig, phase: str, largest: bool) -> MobileNetArch:
    """The largest (or smallest) sub-network of what ``phase`` makes elastic; what it keeps
    fixed stays at its largest."""
    elastic = PHASE_NAMES.index(phase)
    pick = max if largest else min
    kernel = pick(config.kernels) if elastic >= 1 else max(config.kernels)
    depth = pick(config.depths) if elastic >= 2 else max(config.depths)
    expand = pick(config.expands) if elastic >= 3 else max(config.expands)
    return MobileNetArch(tuple(tuple((int(kernel), int(expand)) for _ in range(int(depth)))
                               for _ in config.widths))


def step_subnet(config: SupernetConfig, phase: str, index: int, sandwich: bool,
                rng: np.random.Generator) -> MobileNetArch:
    """Sub-network ``index`` of a training step: under the sandwich rule the largest first,
    then the smallest, then random ones; else random (:func:`sample_subnet`)."""
    if sandwich and phase != "full" and index < 2:
        return extreme_subnet(config, phase, largest=index == 0)
    return sample_subnet(config, phase, rng)


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


def _optimizer(net: SuperNet, cfg: TrainConfig) -> torch.optim.SGD:
    decay: list[torch.nn.Parameter] = []
    no_decay: list[torch.nn.Parameter] = []
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
