"""Plain MobileNetV3 building blocks: what an extracted sub-network is made of.

The activations and poolings are written as Once-for-All writes them
(``x * relu6(x + 3) / 6``, ``mean`` over width then height), not with the fused
``F.hardswish`` / ``mean((2, 3))``. Both agree to float32 rounding per operation, but over 20
layers the fused forms drifted up to 5e-4 from OFA's logits (at logits of ~70), while these
give OFA's logits bit for bit (tests/test_supernet_ofa.py).
"""

from __future__ import annotations

from typing import TypeVar, cast

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["activation", "h_swish", "h_sigmoid", "global_pool", "HSwish", "ConvBNAct",
           "SqueezeExcite", "MBConv", "MobileNet", "bias", "running_stats", "to_device"]

M = TypeVar("M", bound=nn.Module)


def h_swish(x: torch.Tensor) -> torch.Tensor:
    """``x * relu6(x + 3) / 6`` (OFA's formula)."""
    return x * F.relu6(x + 3.0) / 6.0


def h_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """``relu6(x + 3) / 6`` (OFA's formula)."""
    return F.relu6(x + 3.0) / 6.0


def global_pool(x: torch.Tensor) -> torch.Tensor:
    """Average over width, then height (OFA's order), keeping the dimensions."""
    return x.mean(3, keepdim=True).mean(2, keepdim=True)


class HSwish(nn.Module):
    """Module form of :func:`h_swish`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return h_swish(x)


def activation(name: str) -> nn.Module:
    return HSwish() if name == "h_swish" else nn.ReLU()


class ConvBNAct(nn.Sequential):
    """Conv (no bias) + BatchNorm + optional activation."""

    def __init__(self, cin: int, cout: int, kernel: int = 1, stride: int = 1, groups: int = 1,
                 act: str | None = None) -> None:
        layers: list[nn.Module] = [
            nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout)]
        if act is not None:
            layers.append(activation(act))
        super().__init__(*layers)

    @property
    def conv(self) -> nn.Conv2d:
        return cast(nn.Conv2d, self[0])

    @property
    def bn(self) -> nn.BatchNorm2d:
        return cast(nn.BatchNorm2d, self[1])


def bias(conv: nn.Conv2d | nn.Linear) -> torch.Tensor:
    """The bias of a layer built with one (torch types every bias as optional)."""
    if conv.bias is None:
        raise ValueError(f"{conv} has no bias")
    return conv.bias


def to_device(module: M, device: torch.device | None,
              memory_format: torch.memory_format = torch.contiguous_format) -> M:
    """``module.to(device, memory_format=...)``: 4-D weights take ``memory_format``."""
    # torch accepts memory_format in Module.to at run time; its stubs leave the keyword out
    return module.to(device, memory_format=memory_format)  # type: ignore[call-overload,no-any-return]


def running_stats(bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(running_mean, running_var, num_batches_tracked)`` of a BatchNorm that tracks them."""
    mean, var, count = bn.running_mean, bn.running_var, bn.num_batches_tracked
    if mean is None or var is None or count is None:
        raise ValueError(f"{bn} does not track running statistics")
    return mean, var, count


class SqueezeExcite(nn.Module):
    """x * h_sigmoid(W2 relu(W1 avgpool(x)))."""

    def __init__(self, channels: int, reduced: int) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(channels, reduced, 1)
        self.expand = nn.Conv2d(reduced, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = h_sigmoid(self.expand(F.relu(self.reduce(global_pool(x)))))
        return x * s


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand (if ``mid != cin``), depthwise kxk, SE, 1x1 project."""

    def __init__(self, cin: int, mid: int, cout: int, kernel: int, stride: int, act: str,
                 se_reduced: int = 0, expand: bool = True) -> None:
        super().__init__()
        self.expand = ConvBNAct(cin, mid, 1, act=act) if expand else None
        self.depthwise = ConvBNAct(mid, mid, kernel, stride, groups=mid, act=act)
        self.se = SqueezeExcite(mid, se_reduced) if se_reduced else None
        self.project = ConvBNAct(mid, cout, 1)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.expand(x) if self.expand is not None else x
        y = self.depthwise(y)
        if self.se is not None:
            y = self.se(y)
        y = self.project(y)
        out: torch.Tensor = x + y if self.residual else y
        return out


class MobileNet(nn.Module):
    """A standalone MobileNetV3-like network (stem, first block, MBConv layers, head)."""

    def __init__(self, stem: nn.Module, first: nn.Module, blocks: list[nn.Module],
                 final_expand: nn.Module, feature_mix: nn.Module, classifier: nn.Module,
                 dropout: float) -> None:
        super().__init__()
        self.stem, self.first = stem, first
        self.blocks = nn.Sequential(*blocks)
        self.final_expand, self.feature_mix = final_expand, feature_mix
        self.dropout = nn.Dropout(dropout)
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.first(self.stem(x)))
        x = global_pool(self.final_expand(x))
        x = self.feature_mix(x).flatten(1)
        out: torch.Tensor = self.classifier(self.dropout(x))
        return out
