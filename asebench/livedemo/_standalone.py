"""Stand-alone training for the demo's ranking check: the supernet package's trainer
(:mod:`asebench.supernet._standalone`, shared with ``asebench supernet fidelity``) on
in-memory images."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from asebench.supernet._standalone import (
    StandaloneConfig,
    fresh_subnet,
    memory_batches,
    train_subnet,
)

__all__ = ["StandaloneConfig", "fresh_subnet", "train_standalone"]


def train_standalone(net: nn.Module, images: torch.Tensor, labels: torch.Tensor, size: int,
                     config: StandaloneConfig) -> Sequence[float]:
    """Train ``net`` in place on uint8 ``images`` (already at the crop source size); returns the
    mean loss of every epoch."""
    batches = memory_batches(images, labels, config.batch_size, config.seed)
    return train_subnet(net, batches, len(images) // config.batch_size, size, config)
