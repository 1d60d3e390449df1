"""Proposing inside ``backend.space``: helpers the searchers share to honour a sub-space.

A full space allows every choice and every arch, so these return exactly what the unrestricted
searchers used before (same draws from the generator, same traces); a
:class:`~asebench.spaces.SubSpace` narrows the choices per position and may add a feasibility
predicate, which proposals then meet by rejection with a bounded number of tries.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from asebench.records import Arch
from asebench.spaces import Space

__all__ = ["MUTATION_TRIES", "allowed_table", "feasibility", "mutable_positions", "mutate"]

MUTATION_TRIES = 100
"""Mutations tried before a searcher falls back to ``space.sample`` for a feasible child."""


def allowed_table(space: Space) -> tuple[tuple[int, ...], ...]:
    """Allowed choice codes of every position."""
    return tuple(space.allowed_choices(p) for p in range(space.num_positions))


def feasibility(space: Space) -> Callable[[Arch], bool] | None:
    """The membership test a product-of-choices proposal still has to pass, or None.

    None for full spaces and product sub-spaces, so the unrestricted hot path calls nothing.
    """
    return space.contains if space.feasible is not None else None


def mutable_positions(space: Space, allowed: tuple[tuple[int, ...], ...]) -> tuple[int, ...]:
    """Positions a mutation may pick: all of them in a full space (as before), else those
    with at least two allowed choices, so a mutation in a sub-space always changes the arch."""
    if space.parent is space:
        return tuple(range(len(allowed)))
    return tuple(p for p, codes in enumerate(allowed) if len(codes) > 1)


def mutate(arch: Arch, allowed: tuple[tuple[int, ...], ...], positions: tuple[int, ...],
           rng: np.random.Generator) -> Arch:
    """One edit: a random position of ``positions`` gets a different allowed choice.

    ``arch`` is unchanged if the position has a single allowed choice (or none is left).
    In a full space this draws exactly what the original one-edit mutation drew.
    """
    if not positions:
        return arch
    p = positions[int(rng.integers(len(positions)))]
    codes = allowed[p]
    if len(codes) < 2:
        return arch
    current = arch[p]
    if current in codes:
        i = int(rng.integers(len(codes) - 1))
        j = codes.index(current)
        c = codes[i + (i >= j)]
    else:
        c = codes[int(rng.integers(len(codes)))]
    return arch[:p] + (c,) + arch[p + 1:]
