"""Same seed, same trace, in any process: every method's trace for a seed is independent of
Python's per-process string hashing (``PYTHONHASHSEED``).

Two fresh interpreters with different hash seeds run one seed of every registered method
(the registry's, so a method added later is included) and of the library methods' variants,
on cifar10, and print a hash of each trace's archs and rewards; the two must agree. SMAC's
local search once ordered its start points by string hashes, which this catches.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from asebench.search import methods

LIBRARIES = ("optuna", "smac", "nevergrad", "synetune")

LIBRARY_SPECS = (
    "optuna", "optuna[preset=informed]", "optuna[sampler=random]", "optuna[sampler=qmc]",
    "optuna[sampler=nsga2,population_size=10]", "optuna[sampler=cmaes]",
    "smac", "smac[preset=informed]", "smac[facade=random]",
    "nevergrad", "nevergrad[preset=informed]", "nevergrad[optimizer=DiscreteOnePlusOne]",
    "synetune", "synetune[preset=informed]", "synetune[scheduler=TPE]",
    "synetune[scheduler=RandomSearch]",
)
"""Both rows of every library, and its cheap variants (the slowest per query, Optuna's GP
and Syne Tune's BORE and CQR, are left out to keep the test near half a minute)."""

QUERIES = 40
"""Past SMAC's initial design (25 configurations at its default n_trials), into the model."""

_SCRIPT = """
import hashlib, json, sys
import numpy as np
from asebench.backends import build_tabular_backend
from asebench.records import Budget
from asebench.search import get
from asebench.study._spec import parse_methods

backend = build_tabular_backend("cifar10")
out = {}
for spec in parse_methods(sys.argv[1]):
    trace = get(spec.name, **spec.options).run(
        backend, Budget(seconds=25_000, queries=int(sys.argv[2])), np.random.default_rng(7))
    blob = json.dumps([[list(map(int, a)) for a in trace.archs], list(trace.rewards)])
    out[spec.label] = hashlib.sha256(blob.encode()).hexdigest()
print(json.dumps(out))
"""


def _specs() -> list[str]:
    native = [name for name in methods.names() if name not in LIBRARIES]
    return native + list(LIBRARY_SPECS)


def _hashes(hash_seed: str, specs: list[str]) -> dict[str, str]:
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONHASHSEED": hash_seed,
           "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", _SCRIPT, ",".join(specs),
                           str(QUERIES)], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow
def test_every_method_gives_the_same_trace_under_any_hash_seed() -> None:
    specs = _specs()
    assert "ase" in specs and "random" in specs  # the registry's own methods are in
    first = _hashes("0", specs)
    second = _hashes("12345", specs)
    assert len(first) == len(specs)
    differ = sorted(label for label in first if first[label] != second[label])
    assert not differ, f"traces depend on PYTHONHASHSEED: {differ}"
