"""Paired seeds: run i of every method and dataset uses child i of one master SeedSequence."""

from __future__ import annotations

import numpy as np

__all__ = ["run_generators", "run_seed_sequences"]


def run_seed_sequences(master_seed: int, start: int, stop: int) -> list[np.random.SeedSequence]:
    """Children ``start..stop-1`` of ``SeedSequence(master_seed).spawn(stop)``.

    Child i does not depend on how many children are spawned, so a block of runs gets the
    same seeds as it would inside the whole study.
    """
    return np.random.SeedSequence(master_seed).spawn(stop)[start:stop]


def run_generators(master_seed: int, start: int, stop: int) -> list[np.random.Generator]:
    """A fresh generator per run ``start..stop-1`` (see :func:`run_seed_sequences`)."""
    return [np.random.default_rng(s) for s in run_seed_sequences(master_seed, start, stop)]
