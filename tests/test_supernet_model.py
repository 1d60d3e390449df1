"""Elastic supernet: extraction equals the active path, MAdds analytic == hooks, sorting, BN."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from asebench.errors import AsebenchError
from asebench.supernet import SuperNet, analytic_cost, count_cost, get_config, recalibrate_bn


def _randomise_bn(net: torch.nn.Module, seed: int = 0) -> None:
    g = torch.Generator().manual_seed(seed)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.rand(n, generator=g) - 0.5)
            m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            m.bias.data.copy_(torch.rand(n, generator=g) - 0.5)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def tiny(one_thread: None) -> SuperNet:
    torch.manual_seed(0)
    net = SuperNet(get_config("tiny", num_classes=5))
    _randomise_bn(net)
    with torch.no_grad():  # learned kernel transforms away from the identity
        for layer in net.elastic_layers():
            for t in layer.kernel_transforms:
                t.add_(0.05 * torch.randn_like(t))
    return net.eval()


def test_extract_equals_active_supernet(tiny: SuperNet) -> None:
    rng = np.random.default_rng(1)
    x = torch.randn(3, 3, 32, 32)
    archs = [tiny.space.sample(rng) for _ in range(6)] + [tiny.space.smallest()]
    outputs = []
    for arch in archs:
        tiny.set_active(arch)
        with torch.no_grad():
            expected = tiny(x)
            got = tiny.extract(arch).eval()(x)
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
        outputs.append(expected)
    assert not torch.allclose(outputs[0], outputs[-1])  # different archs, different nets


def test_small_kernels_use_learned_transforms(tiny: SuperNet) -> None:
    layer = tiny.elastic_layers()[0]
    crop = layer.dw_weight[:8, :, 2:5, 2:5]
    k3 = layer.depthwise_kernel(3, 8)
    assert k3.shape == (8, 1, 3, 3)
    assert not torch.allclose(k3, crop)
    assert torch.equal(layer.depthwise_kernel(7, 8), layer.dw_weight[:8])


@pytest.mark.parametrize("preset,res", [("tiny", 32), ("mbv3-w1.0", 64), ("mbv3-w1.2", 48)])
def test_analytic_madds_equal_hook_count(preset: str, res: int) -> None:
    net = SuperNet(get_config(preset, num_classes=7))
    rng = np.random.default_rng(2)
    for arch in (net.space.sample(rng), net.space.largest(), net.space.smallest()):
        analytic = analytic_cost(net.config, net.space.decode(arch), res)
        counted = count_cost(net.extract(arch), res)
        assert analytic == counted
    largest = analytic_cost(net.config, net.space.decode(net.space.largest()), res)
    smallest = analytic_cost(net.config, net.space.decode(net.space.smallest()), res)
    assert smallest.madds < largest.madds and smallest.params < largest.params


def test_channel_sorting_keeps_the_full_network_and_orders_importance() -> None:
    torch.manual_seed(3)
    net = SuperNet(get_config("tiny", num_classes=4))
    _randomise_bn(net, 1)
    net.eval()
    for layer in net.elastic_layers():  # break the zero-init so sorting has work to do
        layer.project_bn.weight.data.fill_(1.0)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        before = net(x)
        net.sort_channels()
        after = net(x)
    torch.testing.assert_close(after, before, atol=1e-5, rtol=1e-5)
    importance = net.elastic_layers()[3].project_conv.weight.abs().sum((0, 2, 3))
    assert torch.all(importance[:-1] >= importance[1:])


def test_bn_recalibration_changes_running_stats(tiny: SuperNet) -> None:
    sub = tiny.extract(tiny.space.largest())
    bn = sub.stem[1]
    before = bn.running_mean.clone()
    images = torch.randint(0, 256, (20, 3, 32, 32), dtype=torch.uint8)
    recalibrate_bn(sub, images, batch_size=8)
    assert not torch.allclose(bn.running_mean, before)
    assert bn.momentum == 0.1 and not sub.training
    again = sub.stem[1].running_mean.clone()
    recalibrate_bn(sub, images, batch_size=8)  # exact average: same images, same stats
    torch.testing.assert_close(sub.stem[1].running_mean, again)


def test_arch_outside_space_is_one_line_error(tiny: SuperNet) -> None:
    with pytest.raises(AsebenchError, match="20 positions"):
        tiny.set_active((0, 1, 2))
    with pytest.raises(AsebenchError, match="outside"):
        tiny.extract((99,) * 20)
