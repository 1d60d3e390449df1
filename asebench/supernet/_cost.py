"""MAdds and parameters: analytic for any arch, and a hook-based counter to check it.

Both count multiply-adds of convolutions and linear layers only (BatchNorm folds into the
convolution at inference, activations and the SE product are negligible), as OFA does.
"""

from __future__ import annotations

from dataclasses import dataclass

from asebench.spaces import MobileNetArch
from asebench.supernet._config import SupernetConfig
from asebench.supernet._elastic import hidden_channels, se_channels

__all__ = ["Cost", "analytic_cost", "count_cost"]


@dataclass(frozen=True)
class Cost:
    """Multiply-adds and parameters of one network at one input resolution."""

    madds: int
    params: int

    @property
    def madds_m(self) -> float:
        return self.madds / 1e6

    @property
    def params_m(self) -> float:
        return self.params / 1e6


def _out(size: int, stride: int) -> int:
    return (size - 1) // stride + 1  # odd kernels, padding k // 2


def analytic_cost(config: SupernetConfig, net: MobileNetArch,
                  resolution: int | None = None) -> Cost:
    """MAdds and parameters of sub-network ``net`` of a supernet with ``config``."""
    res = resolution or net.resolution or config.resolution
    madds = params = 0

    def conv(cin: int, cout: int, k: int, size: int, groups: int = 1, bn: bool = True,
             bias: bool = False) -> None:
        nonlocal madds, params
        weights = cout * (cin // groups) * k * k
        madds += weights * size * size
        params += weights + (2 * cout if bn else 0) + (cout if bias else 0)

    size = _out(res, 2)
    stem, first = config.stem_channels, config.first_channels
    conv(3, stem, 3, size)
    conv(stem, stem, 3, size, groups=stem)
    conv(stem, first, 1, size)
    cin = first
    for width, stride, se, layers in zip(config.unit_widths, config.strides, config.se,
                                         net.units):
        for i, (kernel, expand) in enumerate(layers):
            mid = hidden_channels(cin, expand)
            conv(cin, mid, 1, size)
            size = _out(size, stride if i == 0 else 1)
            conv(mid, mid, kernel, size, groups=mid)
            if se:
                red = se_channels(mid)
                conv(mid, red, 1, 1, bn=False, bias=True)
                conv(red, mid, 1, 1, bn=False, bias=True)
            conv(mid, width, 1, size)
            cin = width
    conv(cin, config.final_channels, 1, size)
    conv(config.final_channels, config.mix_channels, 1, 1, bn=False)
    conv(config.mix_channels, config.num_classes, 1, 1, bn=False, bias=True)
    return Cost(madds, params)


def count_cost(model: object, resolution: int) -> Cost:
    """MAdds counted by forward hooks on every Conv2d/Linear of ``model`` for one
    ``resolution`` x ``resolution`` image, and its parameter count."""
    import torch
    from torch import nn

    assert isinstance(model, nn.Module)
    total = 0

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, nn.Conv2d):
            per_output = (module.in_channels // module.groups) * module.kernel_size[0] \
                * module.kernel_size[1]
            total += per_output * output[0].numel()
        elif isinstance(module, nn.Linear):
            total += module.in_features * module.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    try:
        model.eval()
        device = next(model.parameters()).device
        with torch.no_grad():
            model(torch.zeros(1, 3, resolution, resolution, device=device))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    params = sum(p.numel() for p in model.parameters())
    return Cost(total, params)
