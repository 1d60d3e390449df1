"""The supernet computes what Once-for-All's reference network computes.

OFA's ``OFAMobileNetV3`` (w1.0, k357 / e346 / d234, from the ``ofa`` package) gets random
weights, BatchNorm statistics, affines and kernel transforms; its state dict is converted into
a :class:`SuperNet`, and both must give the same logits for the full network and 60 random
sub-networks, the same extracted stand-alone parameters, MAdds equal to OFA's own counter, and
the same channel order after importance sorting.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from ofa_reference import ofa, randomise

from asebench.errors import AsebenchError
from asebench.supernet import SuperNet, analytic_cost, load_supernet, read_checkpoint
from asebench.supernet._ofa import (
    convert_ofa,
    ofa_key_map,
    ofa_subnet_settings,
    ofa_to_state,
    state_to_ofa,
)

RES = 64
SUBNETS = 60


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def pair() -> tuple[torch.nn.Module, SuperNet]:
    ref = ofa().OFAMobileNetV3(n_classes=1000, width_mult=1.0, ks_list=[3, 5, 7],
                               expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4])
    randomise(ref, 0)
    config, state = ofa_to_state(ref.state_dict())
    net = SuperNet(config)
    net.load_state_dict(state)
    return ref.eval(), net.eval()


def _set(ref: torch.nn.Module, net: SuperNet, arch: tuple[int, ...]) -> None:
    ref.set_active_subnet(**ofa_subnet_settings(net.set_active(arch)))


def _images() -> torch.Tensor:
    # the distribution :func:`randomise` measured the BatchNorm statistics on
    return torch.randn(4, 3, RES, RES, generator=torch.Generator().manual_seed(1))


def _archs(net: SuperNet) -> list[tuple[int, ...]]:
    rng = np.random.default_rng(0)
    return [net.space.largest(), net.space.smallest()] + \
        [net.space.sample(rng) for _ in range(SUBNETS)]


def test_conversion_infers_the_layout_and_maps_every_tensor(
        pair: tuple[torch.nn.Module, SuperNet]) -> None:
    ref, net = pair
    assert net.config.width_mult == 1.0 and net.config.num_classes == 1000
    assert len(ofa_key_map(net.config)) == len(net.state_dict()) == len(ref.state_dict()) == 475


@torch.no_grad()
def test_logits_equal_ofa_for_the_full_network_and_random_subnets(
        pair: tuple[torch.nn.Module, SuperNet]) -> None:
    ref, net = pair
    x = _images()
    worst, seen = 0.0, set()
    for arch in _archs(net):
        _set(ref, net, arch)
        expected = ref(x)
        spread = float((expected[0] - expected[1:]).abs().max())
        assert spread > 1e-4  # the logits depend on the input (far above 1e-5 rounding)
        worst = max(worst, float((net(x) - expected).abs().max()))
        seen.add(net.space.canonical(arch))
    assert len(seen) >= 50
    assert worst <= 1e-5


@torch.no_grad()
def test_the_comparison_catches_a_wrong_kernel_transform(
        pair: tuple[torch.nn.Module, SuperNet]) -> None:
    ref, net = pair
    wrong = copy.deepcopy(net)
    layer = wrong.units[0][0]
    layer.kernel_transforms[0].copy_(layer.kernel_transforms[0].t().clone())
    arch = net.space.from_string("-".join(["k5e6"] * 20))
    _set(ref, wrong, arch)
    x = _images()
    assert float((wrong(x) - ref(x)).abs().max()) > 1e-3


@torch.no_grad()
def test_extracted_subnets_and_madds_equal_ofa(pair: tuple[torch.nn.Module, SuperNet]) -> None:
    ref, net = pair
    count = ofa().profile
    for arch in _archs(net)[:52]:
        _set(ref, net, arch)
        # weights and BatchNorm statistics (OFA does not copy the num_batches_tracked counter)
        subnet = ref.get_active_subnet()
        theirs = [v for v in subnet.state_dict().values() if v.is_floating_point()]
        ours = [v for v in net.extract(arch).state_dict().values() if v.is_floating_point()]
        assert len(theirs) == len(ours)
        assert all(a.shape == b.shape and torch.equal(a, b) for a, b in zip(theirs, ours))
        # OFA's counter sums float32 buffers; count in float64 so the total is exact
        default = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64)
        try:
            madds, _ = count(subnet.double(), (1, 3, RES, RES))
        finally:
            torch.set_default_dtype(default)
        assert analytic_cost(net.config, net.space.decode(arch), RES).madds == int(madds)


@torch.no_grad()
@pytest.mark.parametrize("stage", [0, 1])
def test_channel_sorting_matches_ofa(pair: tuple[torch.nn.Module, SuperNet], stage: int) -> None:
    ref, net = copy.deepcopy(pair[0]), copy.deepcopy(pair[1])
    ref.re_organize_middle_weights(expand_ratio_stage=stage)
    net.sort_channels(expand_stage=stage)
    _, expected = ofa_to_state(ref.state_dict())
    ours = net.state_dict()
    assert all(torch.equal(ours[k], v) for k, v in expected.items())
    assert not torch.equal(ours["units.0.0.project_conv.weight"],
                           pair[1].state_dict()["units.0.0.project_conv.weight"])


def test_w12_converts_and_a_foreign_file_names_its_first_bad_tensor(tmp_path) -> None:
    ref = ofa().OFAMobileNetV3(n_classes=10, width_mult=1.2, ks_list=[3, 5, 7],
                               expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4])
    state = ref.state_dict()
    src = tmp_path / "ofa_w12.pth"
    torch.save({"state_dict": state}, src)
    ckpt = convert_ofa(src, tmp_path / "net.pt")
    assert ckpt.config.width_mult == 1.2 and ckpt.config.num_classes == 10
    assert torch.equal(ckpt.state["model"]["units.4.3.dw_weight"],
                       state["blocks.20.conv.depth_conv.conv.conv.weight"])

    # round trip: ours -> OFA's names -> a fresh OFA network holds the original tensors
    loaded, _ = load_supernet(tmp_path / "net.pt")
    fresh = ofa().OFAMobileNetV3(n_classes=10, width_mult=1.2, ks_list=[3, 5, 7],
                                 expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4])
    fresh.load_state_dict(state_to_ofa(loaded.config, loaded.state_dict()))
    assert all(torch.equal(fresh.state_dict()[k], v) for k, v in state.items())

    # older released files: ``mobile_inverted_conv`` and un-nested dynamic BatchNorm / conv
    old = {(k.replace(".conv.", ".mobile_inverted_conv.", 1) if k.startswith("blocks.") else k)
           .replace(".bn.bn.", ".bn.").replace(".conv.conv.weight", ".conv.weight"): v
           for k, v in state.items()}
    assert len(old) == len(state) and "blocks.1.mobile_inverted_conv.depth_conv.conv.weight" in old
    _, renamed = ofa_to_state({"state_dict": old})
    assert all(torch.equal(renamed[k], v) for k, v in ckpt.state["model"].items())

    missing = dict(state)
    del missing["blocks.7.conv.depth_conv.se.fc.reduce.bias"]
    with pytest.raises(AsebenchError, match=r"lacks tensor 'blocks.7.conv.depth_conv.se.fc"):
        ofa_to_state(missing)
    bad = dict(state)
    bad["blocks.3.conv.point_linear.bn.bn.running_var"] = torch.ones(5)
    with pytest.raises(AsebenchError, match=r"'blocks.3.conv.point_linear.bn.running_var' has "
                                            r"shape \(5,\), expected \(32,\)"):
        ofa_to_state(bad)
    with pytest.raises(AsebenchError, match="no tensor 'first_conv.conv.weight'"):
        ofa_to_state({"weight": torch.ones(3)})
    with pytest.raises(AsebenchError, match="not an OFA state dict"):
        ofa_to_state([1, 2])
    (tmp_path / "junk.pth").write_text("not torch")
    with pytest.raises(AsebenchError, match="not a readable torch file"):
        convert_ofa(tmp_path / "junk.pth", tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()


def test_cli_convert_then_score_train_and_live_search(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from asebench.cli import cli
    from asebench.supernet import make_toy_image_folder

    ref = ofa().OFAMobileNetV3(n_classes=4, width_mult=1.0, ks_list=[3, 5, 7],
                               expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4])
    randomise(ref, 2)
    src, out = tmp_path / "ofa_w10.pth", tmp_path / "net.pt"
    torch.save({"state_dict": ref.state_dict()}, src)
    data = make_toy_image_folder(tmp_path / "toy", num_classes=4, per_class=6, size=36)
    run = CliRunner().invoke
    result = run(cli, ["supernet", "convert", str(src), str(out), "--data", str(data),
                       "--holdout", "8", "--resolution", "64"])
    assert result.exit_code == 0, result.output
    assert "w1.0, 4 classes, 8 held-out" in result.output

    result = run(cli, ["supernet", "score", "--supernet", str(out), "--data", str(data),
                       "--arch", "smallest", "--calibration", "8", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    score = json.loads(result.output.strip().splitlines()[-1])
    assert 0 <= score["top1"] <= 100 and score["madds_m"] > 0

    trained = tmp_path / "trained.pt"
    result = run(cli, ["supernet", "train", "--supernet", str(out), "--data", str(data),
                       "--out", str(trained), "--phases", "expand=1:1", "--holdout", "8",
                       "--batch-size", "8", "--steps-per-epoch", "1", "--workers", "0",
                       "--kd", "0", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert read_checkpoint(trained).config == read_checkpoint(out).config

    result = run(cli, ["run", "--backend", "live", "--supernet", str(out), "--data", str(data),
                       "--madds", "600", "--budget-queries", "2", "--seeds", "1",
                       "--workers", "1",
                       "--methods", "ase", "--set", "ase.K=2", "--set", "ase.max_iterations=2",
                       "--backend-opt", "calibration=8",
                       "--out", str(tmp_path / "study"), "--no-progress"])
    assert result.exit_code == 0, result.output

    bare = tmp_path / "bare.pt"
    assert run(cli, ["supernet", "convert", str(src), str(bare)]).exit_code == 0
    result = run(cli, ["supernet", "score", "--supernet", str(bare), "--data", str(data)])
    assert result.exit_code == 2 and "convert it with --data" in result.output

    (tmp_path / "junk.pth").write_bytes(b"not a torch file")
    result = run(cli, ["supernet", "convert", str(tmp_path / "junk.pth"), str(tmp_path / "y")])
    assert result.exit_code == 2 and "asebench: error:" in result.output
    assert not (tmp_path / "y").exists()
