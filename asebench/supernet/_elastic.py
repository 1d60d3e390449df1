"""Elastic layers: a weight at its largest size, of which the active sub-network uses a part.

* :class:`ElasticMBConv` has one depthwise weight of the largest kernel (7x7); a smaller kernel
  is the centre crop of the next larger one passed through a small learned linear transform
  (initialised to the identity), as in OFA.
* The hidden width is ``make_divisible(round(cin * e))``; the active width uses the first
  channels, so :meth:`ElasticMBConv.sort_channels` reorders them by importance (L1 norm of the
  projection weights) before the expand ratio becomes elastic.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from asebench.supernet._config import make_divisible
from asebench.supernet._static import (
    MBConv,
    SqueezeExcite,
    bias,
    global_pool,
    h_sigmoid,
    h_swish,
    running_stats,
)

__all__ = ["ElasticMBConv", "hidden_channels", "se_channels"]


def hidden_channels(cin: int, expand: float) -> int:
    return make_divisible(round(cin * expand))


def se_channels(mid: int) -> int:
    return make_divisible(mid // 4)


def _bn(x: torch.Tensor, bn: nn.BatchNorm2d, c: int) -> torch.Tensor:
    """BatchNorm over the first ``c`` channels; running stats of that slice update in place."""
    if c == bn.num_features:
        out: torch.Tensor = bn(x)
        return out
    training = bn.training or not bn.track_running_stats
    momentum = 0.0 if bn.momentum is None else bn.momentum
    if bn.training and bn.track_running_stats:
        count = running_stats(bn)[2]
        count.add_(1)
        if bn.momentum is None:
            momentum = 1.0 / float(count)
    mean = bn.running_mean[:c] if bn.running_mean is not None else None
    var = bn.running_var[:c] if bn.running_var is not None else None
    return F.batch_norm(x, mean, var, bn.weight[:c], bn.bias[:c], training, momentum, bn.eps)


def _act(x: torch.Tensor, name: str) -> torch.Tensor:
    return h_swish(x) if name == "h_swish" else F.relu(x)


class ElasticMBConv(nn.Module):
    """An MBConv layer whose kernel and expand ratio are chosen by :attr:`active`.

    Args:
        cin, cout: input/output channels (fixed: widths are not elastic).
        kernels: kernel choices; the largest is stored.
        expands: expand ratio choices; the largest hidden width is stored.
        stride, act, se: as in MobileNetV3.
    """

    def __init__(self, cin: int, cout: int, kernels: tuple[int, ...], expands: tuple[int, ...],
                 stride: int, act: str, se: bool) -> None:
        super().__init__()
        self.cin, self.cout, self.stride, self.act, self.use_se = cin, cout, stride, act, se
        self.kernels = tuple(sorted(kernels, reverse=True))
        self.expands = tuple(sorted(expands))
        self.max_mid = hidden_channels(cin, max(expands))
        mid = self.max_mid
        self.expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
        self.expand_bn = nn.BatchNorm2d(mid)
        kmax = self.kernels[0]
        self.dw_weight = nn.Parameter(torch.empty(mid, 1, kmax, kmax))
        nn.init.kaiming_normal_(self.dw_weight, mode="fan_out")
        # transform i maps the crop of kernel i to kernel i+1 (7->5, 5->3)
        self.kernel_transforms = nn.ParameterList(
            [nn.Parameter(torch.eye(k * k)) for k in self.kernels[1:]])
        self.dw_bn = nn.BatchNorm2d(mid)
        if se:
            self.se = SqueezeExcite(mid, se_channels(mid))
        self.project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self.project_bn = nn.BatchNorm2d(cout)
        self.active: tuple[int, float] = (self.kernels[0], max(expands))

    @property
    def residual(self) -> bool:
        return self.stride == 1 and self.cin == self.cout

    def depthwise_kernel(self, kernel: int, mid: int) -> torch.Tensor:
        """The ``(mid, 1, kernel, kernel)`` depthwise weight of the active choice."""
        w = self.dw_weight[:mid]
        size = self.kernels[0]
        for i, k in enumerate(self.kernels[1:]):
            if size == kernel:
                break
            start = (size - k) // 2
            w = w[:, :, start:start + k, start:start + k].reshape(mid, k * k)
            w = F.linear(w, self.kernel_transforms[i]).reshape(mid, 1, k, k)
            size = k
        return w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kernel, expand = self.active
        mid = hidden_channels(self.cin, expand)
        y = F.conv2d(x, self.expand_conv.weight[:mid])
        y = _act(_bn(y, self.expand_bn, mid), self.act)
        y = F.conv2d(y, self.depthwise_kernel(kernel, mid), None, self.stride, kernel // 2, 1, mid)
        y = _act(_bn(y, self.dw_bn, mid), self.act)
        if self.use_se:
            red = se_channels(mid)
            s = F.relu(F.conv2d(global_pool(y), self.se.reduce.weight[:red, :mid],
                                bias(self.se.reduce)[:red]))
            s = h_sigmoid(F.conv2d(s, self.se.expand.weight[:mid, :red],
                                   bias(self.se.expand)[:mid]))
            y = y * s
        y = _bn(F.conv2d(y, self.project_conv.weight[:, :mid]), self.project_bn, self.cout)
        return x + y if self.residual else y

    @torch.no_grad()
    def extract(self, kernel: int, expand: float) -> MBConv:
        """A plain :class:`MBConv` computing what this layer computes at ``(kernel, expand)``."""
        mid = hidden_channels(self.cin, expand)
        red = se_channels(mid) if self.use_se else 0
        out = MBConv(self.cin, mid, self.cout, kernel, self.stride, self.act, red)
        out = out.to(self.dw_weight.device)
        if out.expand is not None:
            out.expand.conv.weight.copy_(self.expand_conv.weight[:mid])
            _copy_bn(out.expand.bn, self.expand_bn, mid)
        out.depthwise.conv.weight.copy_(self.depthwise_kernel(kernel, mid))
        _copy_bn(out.depthwise.bn, self.dw_bn, mid)
        if out.se is not None:
            out.se.reduce.weight.copy_(self.se.reduce.weight[:red, :mid])
            bias(out.se.reduce).copy_(bias(self.se.reduce)[:red])
            out.se.expand.weight.copy_(self.se.expand.weight[:mid, :red])
            bias(out.se.expand).copy_(bias(self.se.expand)[:mid])
        out.project.conv.weight.copy_(self.project_conv.weight[:, :mid])
        _copy_bn(out.project.bn, self.project_bn, self.cout)
        return out

    @torch.no_grad()
    def sort_channels(self, expand_stage: int = 0) -> None:
        """Reorder hidden (and SE) channels by importance, largest first; same function.

        Importance is the L1 norm of a channel's projection weights (OFA's
        ``re_organize_middle_weights``). With ``expand_stage`` s > 0 (the s-th expand phase of
        progressive shrinking) channels are sorted only within the bands cut by the s + 1
        largest expand ratios, so the channels a smaller ratio already used stay first.
        """
        importance = self.project_conv.weight.abs().sum((0, 2, 3))
        if expand_stage > 0:
            bounds = [hidden_channels(self.cin, e) for e in sorted(self.expands, reverse=True)]
            right, base = len(importance), -len(bounds) * 1e5
            for left in bounds[:expand_stage + 1]:
                importance[left:right] += base
                base, right = base + 1e5, left
        order = torch.sort(importance, descending=True).indices
        self.expand_conv.weight.copy_(self.expand_conv.weight[order])
        _permute_bn(self.expand_bn, order)
        self.dw_weight.copy_(self.dw_weight[order])
        _permute_bn(self.dw_bn, order)
        self.project_conv.weight.copy_(self.project_conv.weight[:, order])
        if self.use_se:
            se: SqueezeExcite = self.se
            se.reduce.weight.copy_(se.reduce.weight[:, order])
            se.expand.weight.copy_(se.expand.weight[order])
            bias(se.expand).copy_(bias(se.expand)[order])
            red_order = torch.sort(se.expand.weight.abs().sum((0, 2, 3)), descending=True).indices
            se.reduce.weight.copy_(se.reduce.weight[red_order])
            bias(se.reduce).copy_(bias(se.reduce)[red_order])
            se.expand.weight.copy_(se.expand.weight[:, red_order])


def _copy_bn(dst: nn.BatchNorm2d, src: nn.BatchNorm2d, c: int) -> None:
    dst.weight.copy_(src.weight[:c])
    dst.bias.copy_(src.bias[:c])
    for d, s in zip(running_stats(dst), running_stats(src)):
        d.copy_(s if s.dim() == 0 else s[:c])
    dst.momentum, dst.eps = src.momentum, src.eps


def _permute_bn(bn: nn.BatchNorm2d, order: torch.Tensor) -> None:
    for tensor in (bn.weight, bn.bias, *running_stats(bn)[:2]):
        tensor.copy_(tensor[order])

