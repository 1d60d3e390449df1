"""The MobileNet (OFA) space: 20 slots, skip encoding, every edit valid, Hamming geometry."""

from __future__ import annotations

import numpy as np
import pytest

from asebench.errors import AsebenchError
from asebench.spaces import MobileNetArch, MobileNetSpace, Space, get_space


@pytest.fixture(scope="module")
def space() -> MobileNetSpace:
    return get_space("mobilenet")


def test_protocol_and_sizes(space: MobileNetSpace) -> None:
    assert isinstance(space, Space)
    assert space.num_positions == 20
    assert [len(space.choices(p)) for p in range(4)] == [9, 9, 10, 10]
    assert space.choices(0)[:3] == ("k3e3", "k3e4", "k3e6")
    assert space.choices(3)[-1] == "skip"
    assert space.size == (81 * 100) ** 5


def test_every_edit_gives_a_valid_arch(space: MobileNetSpace) -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        arch = space.sample(rng)
        p = int(rng.integers(space.num_positions))
        c = int(rng.integers(len(space.choices(p))))
        new = space.apply(arch, [(p, c)])
        net = space.decode(new)
        assert all(2 <= len(u) <= 4 for u in net.units)
        assert space.distance(arch, new) == int(arch[p] != c)


def test_decode_skips_and_canonical(space: MobileNetSpace) -> None:
    text = "k3e3-k5e4-skip-k7e6|k3e6-k3e6-skip-skip|" + "|".join(["k5e3-k5e3-k5e3-k5e3"] * 3)
    arch = space.from_string(text)
    net = space.decode(arch)
    assert net.units[0] == ((3, 3), (5, 4), (7, 6))
    assert net.depths == (3, 2, 4, 4, 4)
    canon = space.canonical(arch)
    assert space.to_string(canon).startswith("k3e3-k5e4-k7e6-skip|")
    assert space.decode(canon) == net and space.distance(arch, canon) == 2
    assert space.to_string(arch) == text
    assert space.encode(net) == canon


def test_ball_is_hamming(space: MobileNetSpace) -> None:
    center = space.largest()
    ball = space.ball(center, 1)
    assert ball[0] == center
    assert len(ball) == len(set(ball)) == space.ball_size(1) == 1 + 10 * 8 + 10 * 9
    assert all(space.distance(center, a) <= 1 for a in ball)


def test_resolution_position() -> None:
    space = MobileNetSpace(resolutions=(128, 160, 192))
    assert space.num_positions == 21
    arch = space.largest()
    assert space.decode(arch).resolution == 192
    assert space.to_string(arch).endswith("@r192")
    assert space.from_string(space.to_string(arch)) == arch


def test_errors(space: MobileNetSpace) -> None:
    with pytest.raises(AsebenchError, match="20 positions"):
        space.validate((0,) * 6)
    with pytest.raises(AsebenchError, match="outside"):
        space.validate((0, 0, 10) + (0,) * 17)
    with pytest.raises(AsebenchError, match="malformed"):
        space.from_string("k3e3-k9e9")
    with pytest.raises(AsebenchError, match="depth"):
        space.encode(MobileNetArch((((3, 3),),) * 5))
