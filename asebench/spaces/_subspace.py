"""A sub-space of a parent space: per-position allowed choices and an optional feasibility rule.

The one restriction mechanism of the :class:`~asebench.spaces.Space` protocol. A
:class:`SubSpace` keeps the parent's arch codes (an arch of the sub-space *is* an arch of the
parent) and admits an arch when every position holds one of its allowed choices (a product
set) **and** ``feasible(arch)`` holds (any other set, e.g. FLOPs <= a limit, or a Hamming ball).
Searchers restricted to a sub-space, or constrained to feasible archs, run on a
:class:`~asebench.backends.RestrictedBackend` whose ``space`` is the sub-space; they propose
with :meth:`SubSpace.allowed_choices`, :meth:`SubSpace.contains` and :meth:`SubSpace.sample`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from asebench.errors import AsebenchError
from asebench.records import Arch, Edit
from asebench.spaces._protocol import Space

__all__ = ["SubSpace", "restrict", "Feasible"]

Feasible = Callable[[Arch], bool]
"""A feasibility predicate over archs of the parent space."""

MAX_SAMPLE_TRIES = 10_000
"""Rejection-sampling tries before :meth:`SubSpace.sample` gives up on the predicate."""


def _both(first: Feasible | None, second: Feasible | None) -> Feasible | None:
    if first is None:
        return second
    if second is None:
        return first
    return lambda arch: first(arch) and second(arch)


class SubSpace:
    """Archs of ``parent`` whose choices are all allowed and that pass ``feasible``.

    Args:
        parent: the space whose codes the archs use (not itself a SubSpace: use
            :func:`restrict` or :meth:`restrict` to intersect).
        allowed: per position, the allowed choice codes of the parent; None allows all.
        feasible: optional predicate an arch must also satisfy (non-product sets).
        max_tries: rejection-sampling tries of :meth:`sample` before it raises.

    ``choices``, ``sizes``, ``distance``, ``apply`` and the string forms are the parent's (codes
    are the parent's codes); ``size`` counts the product part only (the predicate is not
    enumerated). What only the full space offers (e.g. ``index``, ``decode``) is read from
    :attr:`parent`.
    """

    def __init__(self, parent: Space, allowed: Sequence[Iterable[int]] | None = None,
                 feasible: Feasible | None = None, *,
                 max_tries: int = MAX_SAMPLE_TRIES) -> None:
        if isinstance(parent, SubSpace):
            raise AsebenchError("a SubSpace's parent must be a full space; use restrict()")
        num = parent.num_positions
        full = [tuple(range(len(parent.choices(p)))) for p in range(num)]
        if allowed is None:
            table = full
        else:
            allowed = list(allowed)
            if len(allowed) != num:
                raise AsebenchError(
                    f"sub-space of {parent.name} needs allowed choices for {num} positions, "
                    f"got {len(allowed)}")
            table = []
            for p, codes in enumerate(allowed):
                kept = tuple(sorted({int(c) for c in codes}))
                if not kept:
                    raise AsebenchError(f"sub-space position {p} allows no choice")
                if kept[0] < 0 or kept[-1] >= len(full[p]):
                    raise AsebenchError(
                        f"sub-space position {p} choice outside 0..{len(full[p]) - 1}: {kept}")
                table.append(kept)
        self.parent = parent
        self.name = parent.name
        self.allowed: tuple[tuple[int, ...], ...] = tuple(table)
        self.feasible = feasible
        self.max_tries = int(max_tries)
        self._sets = tuple(frozenset(codes) for codes in self.allowed)
        self._full = all(codes == f for codes, f in zip(self.allowed, full))

    # -- what a restricted searcher asks ---------------------------------------------------
    @property
    def num_positions(self) -> int:
        return self.parent.num_positions

    @property
    def sizes(self) -> tuple[int, ...]:
        """The parent's number of choices per position (the range of the codes)."""
        return tuple(len(self.parent.choices(p)) for p in range(self.num_positions))

    @property
    def allowed_sizes(self) -> tuple[int, ...]:
        """Number of allowed choices per position."""
        return tuple(len(codes) for codes in self.allowed)

    @property
    def size(self) -> int:
        """Number of archs in the product of allowed choices (before the predicate)."""
        return math.prod(self.allowed_sizes)

    @property
    def is_full(self) -> bool:
        """True when every arch of the parent is in the sub-space."""
        return self._full and self.feasible is None

    @property
    def is_product(self) -> bool:
        """True when membership is the product of allowed choices alone (no predicate)."""
        return self.feasible is None

    def choices(self, position: int) -> Sequence[str]:
        return self.parent.choices(position)

    def allowed_choices(self, position: int) -> tuple[int, ...]:
        """Allowed choice codes at ``position`` (sorted)."""
        return self.allowed[position]

    def contains(self, arch: Sequence[int]) -> bool:
        """Whether ``arch`` is an arch of this sub-space (allowed choices, feasible)."""
        if len(arch) != len(self._sets):
            return False
        for choice, codes in zip(arch, self._sets):
            if choice not in codes:
                return False
        return self.feasible is None or bool(self.feasible(tuple(arch)))

    def sample(self, rng: np.random.Generator) -> Arch:
        """Uniform over the allowed product, rejecting infeasible archs (bounded tries)."""
        for _ in range(self.max_tries if self.feasible is not None else 1):
            arch = tuple(codes[int(rng.integers(len(codes)))] for codes in self.allowed)
            if self.feasible is None or self.feasible(arch):
                return arch
        raise AsebenchError(
            f"no feasible arch found in the {self.name} sub-space after {self.max_tries} "
            "random tries; relax the constraint or widen the allowed choices")

    def distance(self, a: Arch, b: Arch) -> int:
        return self.parent.distance(a, b)

    def ball(self, center: Arch, radius: int) -> list[Arch]:
        """Archs of the sub-space within ``radius`` of ``center`` (``center`` first if inside).

        Enumerated over the allowed choices only: positions where ``center`` holds a choice
        that is not allowed must change.
        """
        center = self.parent.validate(center)
        if radius < 0:
            raise AsebenchError(f"radius must be >= 0, got {radius}")
        forced = [p for p, c in enumerate(center) if c not in self._sets[p]]
        free = [p for p, c in enumerate(center) if c in self._sets[p]]
        members: list[Arch] = []
        for d in range(len(forced), min(radius, self.num_positions) + 1):
            for extra in itertools.combinations(free, d - len(forced)):
                positions = sorted(forced + list(extra))
                alternatives = [[c for c in self.allowed[p] if c != center[p]]
                                for p in positions]
                for picks in itertools.product(*alternatives):
                    arch = list(center)
                    for p, c in zip(positions, picks):
                        arch[p] = c
                    members.append(tuple(arch))
        if self.feasible is not None:
            members = [arch for arch in members if self.feasible(arch)]
        return members

    def apply(self, arch: Arch, edits: Iterable[Edit]) -> Arch:
        return self.parent.apply(arch, edits)

    def validate(self, arch: Sequence[int]) -> Arch:
        """``arch`` as a canonical tuple; AsebenchError if invalid or outside the sub-space."""
        arch = self.parent.validate(arch)
        for p, (choice, codes) in enumerate(zip(arch, self._sets)):
            if choice not in codes:
                labels = self.parent.choices(p)
                raise AsebenchError(
                    f"arch {self.parent.to_string(arch)} outside the sub-space: position {p} "
                    f"choice {labels[choice]} not in "
                    f"{{{', '.join(labels[c] for c in self.allowed[p])}}}")
        if self.feasible is not None and not self.feasible(arch):
            raise AsebenchError(
                f"arch {self.parent.to_string(arch)} outside the sub-space: infeasible")
        return arch

    def to_string(self, arch: Arch) -> str:
        return self.parent.to_string(arch)

    def from_string(self, text: str) -> Arch:
        return self.parent.from_string(text)

    # -- composition -----------------------------------------------------------------------
    def restrict(self, allowed: Sequence[Iterable[int]] | None = None,
                 feasible: Feasible | None = None) -> SubSpace:
        """The intersection of this sub-space with ``allowed`` and ``feasible``."""
        table: Sequence[Iterable[int]] = self.allowed
        if allowed is not None:
            allowed = list(allowed)
            if len(allowed) != self.num_positions:
                raise AsebenchError(
                    f"sub-space of {self.name} needs allowed choices for "
                    f"{self.num_positions} positions, got {len(allowed)}")
            table = [sorted(s & {int(c) for c in codes})
                     for s, codes in zip(self._sets, allowed)]
        return SubSpace(self.parent, table, _both(self.feasible, feasible),
                        max_tries=self.max_tries)

    def __repr__(self) -> str:
        rule = "" if self.feasible is None else " + predicate"
        return f"SubSpace({self.name}, sizes {self.allowed_sizes}{rule})"


def restrict(space: Space, allowed: Sequence[Iterable[int]] | None = None,
             feasible: Feasible | None = None) -> SubSpace:
    """``space`` restricted to ``allowed`` choices per position and to ``feasible`` archs.

    Works on a full space or on a SubSpace (then the result is the intersection).
    """
    if isinstance(space, SubSpace):
        return space.restrict(allowed, feasible)
    return SubSpace(space, allowed, feasible)
