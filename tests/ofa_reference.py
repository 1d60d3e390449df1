"""OFA's reference network (the ``ofa`` package of the test extra), for the equivalence tests.

``ofa`` imports torchvision in one data-loader module only; torchvision has no CPU build here,
so a stub providing the two names that module touches is installed before the import (tests
only; asebench never imports ``ofa``).
"""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
import torch


def _stub_torchvision() -> None:
    if "torchvision" in sys.modules:
        return
    tv = types.ModuleType("torchvision")
    transforms = types.ModuleType("torchvision.transforms")
    functional = types.ModuleType("torchvision.transforms.functional")

    class RandomResizedCrop:  # subclassed by ofa's data loader, never instantiated here
        pass

    transforms.RandomResizedCrop = RandomResizedCrop  # type: ignore[attr-defined]
    transforms.functional = functional  # type: ignore[attr-defined]
    tv.transforms = transforms  # type: ignore[attr-defined]
    sys.modules.update({"torchvision": tv, "torchvision.transforms": transforms,
                        "torchvision.transforms.functional": functional})


def ofa() -> Any:
    """The ``ofa`` modules the tests use (skips the test when ``ofa`` is not installed)."""
    pytest.importorskip("ofa")
    _stub_torchvision()
    from ofa.imagenet_classification.elastic_nn.networks import OFAMobileNetV3
    from ofa.utils.flops_counter import profile

    # profile is OFA's MAdds counter (count_net_flops runs it on a deep copy)
    return types.SimpleNamespace(OFAMobileNetV3=OFAMobileNetV3, profile=profile)


@torch.no_grad()
def randomise(net: torch.nn.Module, seed: int, resolution: int = 64) -> None:
    """Random values for every weight, BatchNorm statistic and affine and kernel transform, so
    that a wrongly mapped or permuted tensor changes the output.

    BatchNorm statistics are first measured on random images (so activations keep their
    scale through the network and the logits depend on the input), then perturbed.
    """
    gen = torch.Generator().manual_seed(seed)
    for name, tensor in net.state_dict().items():
        if not tensor.is_floating_point() or "running_" in name:
            continue
        elif name.endswith("_matrix"):
            n = tensor.shape[0]
            tensor.copy_(torch.eye(n) + 0.1 * torch.randn(n, n, generator=gen))
        elif name.endswith("point_linear.bn.bn.weight"):
            # small, so the residual sum keeps its scale over 20 layers
            tensor.copy_(torch.rand(tensor.shape, generator=gen) * 0.3 + 0.1)
        elif name.endswith("bn.weight"):
            tensor.copy_(torch.rand(tensor.shape, generator=gen) * 1.0 + 0.5)
        elif tensor.dim() > 1:
            fan_in = tensor[0].numel()
            tensor.copy_(torch.randn(tensor.shape, generator=gen) * (1.0 / fan_in) ** 0.5)
        else:
            tensor.copy_(torch.randn(tensor.shape, generator=gen) * 0.1)
    bns = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    net.train()
    net(torch.randn(8, 3, resolution, resolution, generator=gen))
    net.eval()
    for bn in bns:
        bn.momentum = 0.1
        std = bn.running_var.sqrt()
        bn.running_mean.add_(0.1 * std * torch.randn(bn.num_features, generator=gen))
        bn.running_var.mul_(torch.rand(bn.num_features, generator=gen) * 0.4 + 0.8)
