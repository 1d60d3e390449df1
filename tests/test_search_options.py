"""Option validation at the public edge: one-line AsebenchError."""

from __future__ import annotations

import numpy as np
import pytest

from asebench.backends import TabularBackend
from asebench.errors import AsebenchError
from asebench.records import Budget
from asebench.search import get


@pytest.mark.parametrize("name,options,match", [
    ("ase", {"K": 0}, "K must be in 1"),
    ("ase", {"M": 0}, "M must be in 1"),
    ("ase", {"lr": 0.0}, "lr must be in"),
    ("ase", {"entropy_weight": -1.0}, "entropy_weight"),
    ("ase", {"reward": "relative"}, "reward must be one of"),
    ("ase", {"graph": "yes"}, "graph must be one of"),
    ("ase", {"K": 2, "initial_centers": [(0,) * 6]}, "exactly K=2"),
    ("ase", {"bogus": 1}, "unknown option"),
    ("random", {"K": 4}, "unknown option"),
    ("reinforce", {"lr": -1.0}, "lr must be in"),
    ("evolution", {"sample": 11}, "sample must be in 1..10"),
    ("nope", {}, "unknown method"),
])
def test_bad_options(name: str, options: dict, match: str) -> None:
    with pytest.raises(AsebenchError, match=match) as info:
        get(name, **options)
    assert "\n" not in str(info.value)


def test_space_checks_at_run_time() -> None:
    backend = TabularBackend("cifar10")
    budget = Budget(queries=5)
    with pytest.raises(AsebenchError, match=r"M must be in 1\.\.6"):
        get("ase", M=7).run(backend, budget, np.random.default_rng(0))
    with pytest.raises(AsebenchError, match="outside 0..4"):
        get("ase", K=1, initial_centers=[(0, 1, 2, 3, 4, 5)]).run(
            backend, budget, np.random.default_rng(0))
