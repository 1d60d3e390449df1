"""Stand-alone training of one sub-network from scratch: the ground truth a supernet's scores
are checked against (ranking fidelity).

The sub-network is extracted from the supernet layout and every parameter is re-initialised
with PyTorch's default initialisation, so nothing is inherited. It is trained with the same
images, the same batched augmentation and the same optimiser family as the supernet (SGD with
Nesterov momentum, cosine learning rate, label smoothing), for a fixed number of epochs that is
the same for every sub-network. The data order of epoch ``e`` is the permutation
``default_rng([seed, e])`` and the crops of step ``s`` come from ``SeedSequence([seed, e, s])``,
whether the images are in memory or streamed from files, on any device.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from asebench.records import Arch
from asebench.supernet._augment import augment
from asebench.supernet._config import SupernetConfig
from asebench.supernet._static import to_device
from asebench.supernet._supernet import SuperNet

__all__ = ["StandaloneConfig", "Batches", "fresh_subnet", "memory_batches", "train_subnet"]

Batches = Callable[[int], Iterable[tuple[torch.Tensor, torch.Tensor]]]
"""``epoch -> (uint8 images, int64 labels)`` batches of that epoch, in order."""


@dataclass(frozen=True)
class StandaloneConfig:
    """How every stand-alone sub-network is trained.

    Attributes:
        epochs: passes over the training images.
        batch_size: images per step.
        lr: peak learning rate (cosine to 0 over the run).
        momentum, weight_decay, label_smoothing: SGD settings as for the supernet.
        crop_scale: area range of the random resized crop.
        flip: random horizontal flips.
        seed: initial weights and data order.
    """

    epochs: int = 10
    batch_size: int = 64
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 3e-5
    label_smoothing: float = 0.1
    crop_scale: tuple[float, float] = (0.08, 1.0)
    flip: bool = True
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fresh_subnet(config: SupernetConfig, arch: Arch, seed: int) -> nn.Module:
    """The stand-alone network of ``arch`` with freshly initialised weights."""
    torch.manual_seed(seed)
    net = SuperNet(config).extract(arch)
    for module in net.modules():
        reset = getattr(module, "reset_parameters", None)
        if callable(reset) and module is not net:
            reset()
    return net


def memory_batches(images: torch.Tensor, labels: torch.Tensor, batch_size: int,
                   seed: int) -> Batches:
    """Batches of in-memory images: the seeded permutation of each epoch, the last partial
    batch dropped."""
    steps = len(images) // batch_size

    def batches(epoch: int) -> Iterable[tuple[torch.Tensor, torch.Tensor]]:
        order = torch.from_numpy(np.random.default_rng([seed, epoch]).permutation(len(images)))
        for step in range(steps):
            index = order[step * batch_size:(step + 1) * batch_size]
            yield images[index], labels[index]

    return batches


def train_subnet(net: nn.Module, batches: Batches, steps: int, size: int,
                 config: StandaloneConfig, device: torch.device | None = None,
                 amp: bool = True) -> Sequence[float]:
    """Train ``net`` in place (moved to ``device``, default: where it is) for
    ``config.epochs`` epochs of ``steps`` steps; returns the mean loss of every epoch.

    Args:
        net: a fresh network (:func:`fresh_subnet`).
        batches: uint8 training images (at the crop source size) and labels per epoch.
        steps: steps per epoch (batches beyond it are not used).
        size: the network's input resolution (the random crops' output size).
        config: the optimiser, schedule and augmentation.
        device: where to train.
        amp: bf16 autocast on CUDA.
    """
    device = device if device is not None else next(net.parameters()).device
    net = to_device(net, device, torch.channels_last)
    decay = [p for p in net.parameters() if p.ndim > 1]
    no_decay = [p for p in net.parameters() if p.ndim <= 1]
    optimizer = torch.optim.SGD([{"params": decay, "weight_decay": config.weight_decay},
                                 {"params": no_decay, "weight_decay": 0.0}],
                                lr=config.lr, momentum=config.momentum, nesterov=True)
    autocast: Callable[[], AbstractContextManager[object]] = nullcontext
    if device.type == "cuda" and amp:
        autocast = lambda: torch.autocast("cuda", dtype=torch.bfloat16)  # noqa: E731
    total = max(config.epochs * steps, 1)
    losses = []
    net.train()
    for epoch in range(config.epochs):
        epoch_loss, done = 0.0, 0
        for step, (images, labels) in enumerate(batches(epoch)):
            if step >= steps:
                break
            t = epoch * steps + step
            for group in optimizer.param_groups:
                group["lr"] = 0.5 * config.lr * (1 + math.cos(math.pi * t / total))
            gen = torch.Generator().manual_seed(
                int(np.random.SeedSequence([config.seed, epoch, step]).generate_state(1)[0]))
            x = augment(images.to(device, non_blocking=True), size, gen, scale=config.crop_scale,
                        flip=config.flip).contiguous(memory_format=torch.channels_last)
            with autocast():
                logits = net(x)
            loss = F.cross_entropy(logits.float(), labels.to(device, non_blocking=True),
                                   label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            epoch_loss += float(loss.detach())
            done += 1
        losses.append(epoch_loss / max(done, 1))
    net.eval()
    return losses
