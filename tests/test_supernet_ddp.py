"""DistributedDataParallel without the gradient stride mismatch: the hook that gives every
gradient its parameter's strides, and two real gloo processes under torchrun."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from asebench.supernet import SuperNet, get_config, make_toy_image_folder, read_checkpoint
from asebench.supernet._ddp import match_grad_strides
from asebench.supernet._schedule import sample_subnet
from asebench.supernet._static import to_device

pytestmark = pytest.mark.usefixtures("one_thread")


def _mismatched(hooks: bool) -> set[str]:
    """Parameters whose gradient strides differ from theirs, over sub-networks of every
    phase of a channels-last tiny supernet."""
    torch.manual_seed(0)
    config = get_config("tiny", num_classes=4)
    net = to_device(SuperNet(config), None, torch.channels_last)
    if hooks:
        match_grad_strides(net)
    bad: set[str] = set()
    for phase in ("full", "kernel", "depth", "expand"):
        for i in range(3):
            net.set_active(sample_subnet(config, phase, np.random.default_rng(i)))
            x = torch.randn(4, 3, 32, 32).contiguous(memory_format=torch.channels_last)
            F.cross_entropy(net(x), torch.arange(4)).backward()
            bad |= {name for name, p in net.named_parameters()
                    if p.grad is not None and p.grad.stride() != p.stride()}
            net.zero_grad(set_to_none=True)
    return bad


def test_gradients_take_their_parameters_strides() -> None:
    # without the hooks the sliced depthwise and 1x1 weights get gradients of other strides
    assert any("dw_weight" in name for name in _mismatched(hooks=False))
    assert _mismatched(hooks=True) == set()


def test_matched_gradients_are_the_same_numbers() -> None:
    torch.manual_seed(1)
    config = get_config("tiny", num_classes=4)
    plain = to_device(SuperNet(config), None, torch.channels_last)
    hooked = to_device(SuperNet(config), None, torch.channels_last)
    hooked.load_state_dict(plain.state_dict())
    match_grad_strides(hooked)
    arch = sample_subnet(config, "expand", np.random.default_rng(3))
    x = torch.randn(4, 3, 32, 32).contiguous(memory_format=torch.channels_last)
    for net in (plain, hooked):
        net.set_active(arch)
        F.cross_entropy(net(x), torch.arange(4)).backward()
    for (name, a), b in zip(plain.named_parameters(), hooked.parameters()):
        assert (a.grad is None) == (b.grad is None), name
        if a.grad is not None and b.grad is not None:
            assert torch.equal(a.grad, b.grad), name


@pytest.mark.slow
def test_torchrun_two_gloo_processes_train_without_stride_warning(tmp_path: Path) -> None:
    data = make_toy_image_folder(tmp_path / "toy", num_classes=4, per_class=10, size=36)
    out = tmp_path / "ddp.pt"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "-m", "asebench", "supernet", "train", "--data", str(data), "--out", str(out),
         "--preset", "tiny", "--classes", "0", "--holdout", "8", "--batch-size", "16",
         "--workers", "0", "--phases", "full=1,kernel=1,depth=1:2,expand=1:2",
         "--steps-per-epoch", "1", "--device", "cpu", "--no-progress"],
        capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Grad strides do not match" not in proc.stderr, proc.stderr[-2000:]
    assert "img/s" not in proc.stderr  # --no-progress
    ckpt = read_checkpoint(out)
    assert ckpt.epoch == 4 and all(np.isfinite(h["loss"]) for h in ckpt.history)
