"""Plain MobileNetV3 building blocks: what an extracted sub-network is made of."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["activation", "ConvBNAct", "SqueezeExcite", "MBConv", "MobileNet"]


def activation(name: str) -> nn.Module:
    return nn.Hardswish() if name == "h_swish" else nn.ReLU()


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


class SqueezeExcite(nn.Module):
    """x * h_sigmoid(W2 relu(W1 avgpool(x)))."""

    def __init__(self, channels: int, reduced: int) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(channels, reduced, 1)
        self.expand = nn.Conv2d(reduced, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean((2, 3), keepdim=True)
        s = F.hardsigmoid(self.expand(F.relu(self.reduce(s))))
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
        return x + y if self.residual else y


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
        x = self.final_expand(x).mean((2, 3), keepdim=True)
        x = self.feature_mix(x).flatten(1)
        return self.classifier(self.dropout(x))
