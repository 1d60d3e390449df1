from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pytest

from asebench.errors import AsebenchError
from asebench.spaces import NB201Space, get_space, hamming_ball_size
from asebench.tables import default_table

SPACE = NB201Space(order=default_table().arch_codes)


def test_every_index_round_trips_through_arch_and_string(table) -> None:
    seen = set()
    for index in range(table.num_archs):
        arch = SPACE.from_index(index)
        text = SPACE.to_string(arch)
        assert SPACE.from_string(text) == arch
        assert SPACE.index(arch) == index
        assert SPACE.parse(str(index)) == arch
        seen.add(arch)
    assert len(seen) == 15625 == 5**6


def test_index_is_benchmark_order_not_base5(table) -> None:
    # index 0 of NB201 is this arch (from the benchmark's own enumeration)
    assert SPACE.to_string(SPACE.from_index(0)) == (
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|"
        "skip_connect~2|")
    assert SPACE.index((0, 0, 0, 0, 0, 0)) != 0


@pytest.mark.parametrize("text", [
    "", "garbage", "|nor_conv_3x3~0|+|nor_conv_3x3~0|",
    "|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|",
    "|conv_9x9~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|",
    "|none~0|+|none~0|+|none~0|none~1|none~2|",
])
def test_malformed_strings_are_rejected_with_a_clear_error(text: str) -> None:
    with pytest.raises(AsebenchError, match="NB201"):
        SPACE.from_string(text)


@pytest.mark.parametrize("bad", [(0, 0, 0), (0, 0, 0, 0, 0, 5), (0, 0, 0, 0, 0, -1), (0.5,) * 6])
def test_validate_rejects_bad_archs(bad) -> None:
    with pytest.raises(AsebenchError):
        SPACE.validate(bad)


def test_bad_index_is_rejected() -> None:
    with pytest.raises(AsebenchError, match="outside"):
        SPACE.from_index(15625)


def test_indices_need_the_benchmark_order_passed_in() -> None:
    bare = NB201Space()  # strings and edits need no benchmark; indices do
    arch = SPACE.from_index(0)
    assert bare.from_string(SPACE.to_string(arch)) == arch
    with pytest.raises(AsebenchError, match=r"order=table\.arch_codes"):
        bare.index(arch)
    with pytest.raises(AsebenchError, match=r"order=table\.arch_codes"):
        bare.parse("0")
    with pytest.raises(AsebenchError, match="twice"):
        NB201Space(order=[[0] * 6, [0] * 6])
    with pytest.raises(AsebenchError, match="op codes"):
        NB201Space(order=[[5] * 6])


def test_distance_is_hamming() -> None:
    a = (0, 1, 2, 3, 4, 0)
    assert SPACE.distance(a, a) == 0
    assert SPACE.distance(a, (1, 1, 2, 3, 4, 0)) == 1
    assert SPACE.distance(a, (1, 2, 3, 4, 0, 1)) == 6


@pytest.mark.parametrize("radius", range(0, 7))
def test_ball_members_and_exact_size(radius: int) -> None:
    center = (3, 1, 2, 0, 4, 3)
    ball = SPACE.ball(center, radius)
    expected = sum(comb(6, d) * 4**d for d in range(radius + 1))
    assert len(ball) == len(set(ball)) == expected == SPACE.ball_size(radius)
    assert ball[0] == center
    assert all(SPACE.distance(center, b) <= radius for b in ball)
    brute = [a for a in itertools.product(range(5), repeat=6)
             if SPACE.distance(center, a) <= radius]
    assert set(ball) == set(brute)


def test_paper_subspace_size_is_an_upper_bound() -> None:
    for m in range(1, 7):
        assert hamming_ball_size(6, 5, m) <= sum(comb(6, d) * 5**d for d in range(m + 1))
    assert hamming_ball_size(6, 5, 6) == 5**6


def test_apply_returns_a_new_arch_and_leaves_the_input_alone() -> None:
    arch = (0, 0, 0, 0, 0, 0)
    edited = SPACE.apply(arch, [(1, 3), (5, 2), (1, 4)])
    assert edited == (0, 4, 0, 0, 0, 2)
    assert arch == (0, 0, 0, 0, 0, 0)


def test_sampling_is_seeded_and_covers_all_ops() -> None:
    draws = [SPACE.sample(np.random.default_rng(7)) for _ in range(3)]
    assert draws[0] == draws[1] == draws[2]
    rng = np.random.default_rng(1)
    samples = np.array([SPACE.sample(rng) for _ in range(2000)])
    assert samples.min() == 0 and samples.max() == 4
    assert np.allclose(np.bincount(samples.ravel(), minlength=5) / samples.size, 0.2, atol=0.02)


def test_registry_builds_the_space_and_rejects_unknown_names() -> None:
    assert isinstance(get_space("nb201"), NB201Space)
    with pytest.raises(AsebenchError, match="unknown space"):
        get_space("nope")
