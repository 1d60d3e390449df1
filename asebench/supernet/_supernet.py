"""The elastic MobileNetV3 supernet: ``set_active(arch)``, ``extract(arch)``, channel sorting."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import cast

import torch
from torch import nn

from asebench.errors import AsebenchError
from asebench.records import Arch
from asebench.spaces import MobileNetArch, MobileNetSpace
from asebench.supernet._config import SupernetConfig
from asebench.supernet._elastic import ElasticMBConv
from asebench.supernet._static import ConvBNAct, HSwish, MBConv, MobileNet, global_pool

__all__ = ["SuperNet", "ArchLike"]

ArchLike = Arch | MobileNetArch | Sequence[int]


class SuperNet(nn.Module):
    """OFA-style elastic MobileNetV3 (elastic kernel, expand ratio and depth).

    Args:
        config: the layout (see :class:`SupernetConfig`).

    The active sub-network starts as the largest one. ``forward`` computes the active one.
    """

    def __init__(self, config: SupernetConfig) -> None:
        super().__init__()
        self.config = config
        self.space: MobileNetSpace = config.space()
        c = config
        self.stem = ConvBNAct(3, c.stem_channels, 3, 2, act="h_swish")
        self.first = MBConv(c.stem_channels, c.first_channels, c.first_channels, 3, 1, "relu",
                            expand=False)
        units, cin = [], c.first_channels
        for width, stride, act, se in zip(c.unit_widths, c.strides, c.acts, c.se):
            layers = []
            for i in range(max(c.depths)):
                layers.append(ElasticMBConv(cin, width, c.kernels, c.expands,
                                            stride if i == 0 else 1, act, se))
                cin = width
            units.append(nn.ModuleList(layers))
        self.units = nn.ModuleList(units)
        self.final_expand = ConvBNAct(cin, c.final_channels, 1, act="h_swish")
        self.feature_mix = nn.Sequential(
            nn.Conv2d(c.final_channels, c.mix_channels, 1, bias=False), HSwish())
        self.dropout = nn.Dropout(c.dropout)
        self.classifier = nn.Linear(c.mix_channels, c.num_classes)
        self._init_weights()
        self.active_depths: tuple[int, ...] = tuple(len(u) for u in self.unit_layers())

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)
        # zero-init the last BN of residual layers: each starts as the identity
        for layer in self.elastic_layers():
            if layer.residual:
                nn.init.zeros_(layer.project_bn.weight)

    # -- the active sub-network -----------------------------------------------------------
    def decode(self, arch: ArchLike) -> MobileNetArch:
        """An arch tuple or a :class:`MobileNetArch`, checked against this supernet."""
        if isinstance(arch, MobileNetArch):
            self.space.encode(arch)  # validates depths and choices
            return arch
        return self.space.decode(tuple(arch))

    def set_active(self, arch: ArchLike) -> MobileNetArch:
        """Make ``arch`` the sub-network that ``forward`` computes; returns it decoded."""
        net = self.decode(arch)
        for unit, layers in zip(self.unit_layers(), net.units):
            for layer, choice in zip(unit, layers):
                layer.active = choice
        self.active_depths = net.depths
        return net

    def set_largest(self) -> None:
        self.set_active(self.space.largest())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.first(self.stem(x))
        for unit, depth in zip(self.unit_layers(), self.active_depths):
            for layer in unit[:depth]:
                x = layer(x)
        x = global_pool(self.final_expand(x))
        x = self.feature_mix(x).flatten(1)
        out: torch.Tensor = self.classifier(self.dropout(x))
        return out

    @torch.no_grad()
    def extract(self, arch: ArchLike) -> MobileNet:
        """A standalone network with the weights ``arch`` inherits (same outputs as the active
        supernet set to ``arch``); the supernet itself is left unchanged."""
        net = self.decode(arch)
        blocks: list[nn.Module] = []
        for unit, layers in zip(self.unit_layers(), net.units):
            for layer, (kernel, expand) in zip(unit, layers):
                blocks.append(layer.extract(kernel, expand))
        out = MobileNet(copy.deepcopy(self.stem), copy.deepcopy(self.first), blocks,
                        copy.deepcopy(self.final_expand), copy.deepcopy(self.feature_mix),
                        copy.deepcopy(self.classifier), self.config.dropout)
        return out.train(self.training)

    @torch.no_grad()
    def sort_channels(self, expand_stage: int = 0) -> None:
        """Sort every layer's hidden channels by importance before expand ratios become
        elastic (``expand_stage``: see :meth:`ElasticMBConv.sort_channels`)."""
        for layer in self.elastic_layers():
            layer.sort_channels(expand_stage)

    def unit_layers(self) -> list[list[ElasticMBConv]]:
        """The layers of each unit (``units`` is a ModuleList of ModuleLists of them)."""
        return [[cast(ElasticMBConv, layer) for layer in cast(nn.ModuleList, unit)]
                for unit in self.units]

    def elastic_layers(self) -> list[ElasticMBConv]:
        return [layer for unit in self.unit_layers() for layer in unit]


def check_arch(space: MobileNetSpace, arch: Sequence[int]) -> Arch:
    """``arch`` validated against ``space`` with a one-line error that names the space."""
    try:
        return space.validate(arch)
    except AsebenchError as exc:
        raise AsebenchError(f"arch outside the mobilenet space: {exc}") from None
