"""DistributedDataParallel for the supernet and its sub-networks, without the stride mismatch.

DDP copies every gradient into a bucket view laid out with its parameter's strides and warns
("Grad strides do not match bucket view strides") when a gradient's strides differ. With
channels-last weights they often do, in dimensions of size 1 only: a depthwise weight
``(C, 1, k, k)`` is stored with strides ``(k*k, 1, k, 1)``, but the gradient that reaches it
through the elastic slicing (``weight[:mid]``, the kernel centre crop) is allocated contiguous,
``(k*k, k*k, k, 1)``; 1x1 weights ``(Cout, Cin, 1, 1)`` differ the same way depending on
whether they were sliced. No single choice of parameter strides matches every path, so the
gradients are brought to their parameter's strides as they arrive: for a stride difference in
size-1 dimensions only (the same memory) this is a free re-view, otherwise one copy (the one
autograd's layout contract would make anyway).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

__all__ = ["match_grad_strides", "wrap_ddp"]


def _same_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when ``a`` and ``b`` (same shape) address their elements alike: their strides
    agree in every dimension longer than 1 (the stride of a size-1 dimension is never used)."""
    return all(sa == sb for sa, sb, n in zip(a.stride(), b.stride(), a.shape) if n != 1)


def _to_strides_of(param: nn.Parameter) -> Callable[[torch.Tensor], torch.Tensor]:
    def hook(grad: torch.Tensor) -> torch.Tensor:
        if grad.layout != torch.strided or grad.stride() == param.stride():
            return grad
        if _same_memory(grad, param):
            return grad.as_strided(param.shape, param.stride(), grad.storage_offset())
        return torch.empty_like(param, memory_format=torch.preserve_format).copy_(grad)

    return hook


def match_grad_strides(module: nn.Module) -> list[torch.utils.hooks.RemovableHandle]:
    """Give every gradient of ``module``'s parameters its parameter's strides as it arrives
    (a backward hook per parameter that requires grad); returns the hooks' handles."""
    return [p.register_hook(_to_strides_of(p)) for p in module.parameters() if p.requires_grad]


def wrap_ddp(net: nn.Module, device: torch.device,
             find_unused_parameters: bool = False) -> nn.parallel.DistributedDataParallel:
    """``net`` (already on ``device`` in its final memory format) inside DDP, its gradients
    matched to the bucket views' strides; ``find_unused_parameters`` for elastic sub-networks
    that leave some weights out."""
    match_grad_strides(net)
    return nn.parallel.DistributedDataParallel(
        net, device_ids=[device.index] if device.type == "cuda" else None,
        find_unused_parameters=find_unused_parameters)
