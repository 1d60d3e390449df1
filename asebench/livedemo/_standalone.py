"""Stand-alone training of one sub-network from scratch: the ground truth a supernet's scores
are checked against (ranking fidelity).

The sub-network is extracted from the supernet layout and every parameter is re-initialised
with PyTorch's default initialisation, so nothing is inherited. It is trained with the same
images, the same batched augmentation and the same optimiser family as the supernet (SGD with
Nesterov momentum, cosine learning rate, label smoothing), for a fixed number of epochs that is
the same for every sub-network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from asebench.records import Arch
from asebench.supernet import SuperNet, SupernetConfig, augment

__all__ = ["StandaloneConfig", "fresh_subnet", "train_standalone"]


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


def fresh_subnet(config: SupernetConfig, arch: Arch, seed: int) -> nn.Module:
    """The stand-alone network of ``arch`` with freshly initialised weights."""
    torch.manual_seed(seed)
    net = SuperNet(config).extract(arch)
    for module in net.modules():
        reset = getattr(module, "reset_parameters", None)
        if callable(reset) and module is not net:
            reset()
    return net


def train_standalone(net: nn.Module, images: torch.Tensor, labels: torch.Tensor, size: int,
                     config: StandaloneConfig) -> Sequence[float]:
    """Train ``net`` in place on uint8 ``images`` (already at the crop source size); returns the
    mean loss of every epoch."""
    decay = [p for p in net.parameters() if p.ndim > 1]
    no_decay = [p for p in net.parameters() if p.ndim <= 1]
    optimizer = torch.optim.SGD([{"params": decay, "weight_decay": config.weight_decay},
                                 {"params": no_decay, "weight_decay": 0.0}],
                                lr=config.lr, momentum=config.momentum, nesterov=True)
    net.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    steps = len(images) // config.batch_size
    total = max(config.epochs * steps, 1)
    losses = []
    net.train()
    for epoch in range(config.epochs):
        order = torch.from_numpy(
            np.random.default_rng([config.seed, epoch]).permutation(len(images)))
        epoch_loss = 0.0
        for step in range(steps):
            t = epoch * steps + step
            for group in optimizer.param_groups:
                group["lr"] = 0.5 * config.lr * (1 + math.cos(math.pi * t / total))
            index = order[step * config.batch_size:(step + 1) * config.batch_size]
            gen = torch.Generator().manual_seed(
                int(np.random.SeedSequence([config.seed, epoch, step]).generate_state(1)[0]))
            x = augment(images[index], size, gen, scale=config.crop_scale, flip=config.flip
                        ).contiguous(memory_format=torch.channels_last)
            loss = F.cross_entropy(net(x), labels[index], label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            epoch_loss += float(loss.detach())
        losses.append(epoch_loss / max(steps, 1))
    net.eval()
    return losses
