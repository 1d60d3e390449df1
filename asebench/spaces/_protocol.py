"""The Space protocol: what a searcher may ask of a search space; and the optional
:class:`Encodable` a space implements to give model-based searchers its own features."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from asebench.records import Arch, Edit

__all__ = ["Encodable", "Space"]


@runtime_checkable
class Space(Protocol):
    """A discrete space of architectures with one categorical choice per position."""

    name: str

    @property
    def num_positions(self) -> int:
        """L, the number of positions (NB201: 6 edges)."""
        ...

    @property
    def sizes(self) -> tuple[int, ...]:
        """Number of choices per position (of the full space: a sub-space keeps its
        parent's codes)."""
        ...

    @property
    def parent(self) -> Space:
        """The full space whose codes the archs use: itself, unless this is a sub-space."""
        ...

    @property
    def feasible(self) -> Callable[[Arch], bool] | None:
        """A rule an arch must meet beyond its per-position choices (a sub-space under a
        hardware limit), or None."""
        ...

    def choices(self, position: int) -> Sequence[str]:
        """Labels of the choices at ``position`` (their indices are the arch values)."""
        ...

    def allowed_choices(self, position: int) -> tuple[int, ...]:
        """Choice codes an arch may hold at ``position`` (all of them in a full space)."""
        ...

    def contains(self, arch: Sequence[int]) -> bool:
        """Whether ``arch`` is an arch of this space (never raises)."""
        ...

    def sample(self, rng: np.random.Generator) -> Arch:
        """A uniformly random valid arch."""
        ...

    def distance(self, a: Arch, b: Arch) -> int:
        """Architecture distance (paper Eq. 4): positions where ``a`` and ``b`` differ."""
        ...

    def ball(self, center: Arch, radius: int) -> list[Arch]:
        """All valid archs within ``radius`` of ``center`` (``center`` first)."""
        ...

    def apply(self, arch: Arch, edits: Iterable[Edit]) -> Arch:
        """A new arch: ``arch`` with each ``(position, choice)`` edit applied in order."""
        ...

    def validate(self, arch: Sequence[int]) -> Arch:
        """``arch`` as a canonical tuple, or an AsebenchError naming what is wrong."""
        ...

    def to_string(self, arch: Arch) -> str:
        """The space's native string form."""
        ...

    def from_string(self, text: str) -> Arch:
        """Parse the native string form (AsebenchError if malformed)."""
        ...


@runtime_checkable
class Encodable(Protocol):
    """A space that supplies the path encoding of BANANAS (White et al., AAAI 2021) for its
    archs. Optional: a searcher that finds no encoding falls back to a one-hot of the
    choice codes. On a sub-space, searchers ask its :attr:`Space.parent` (whose codes the
    sub-space's archs use)."""

    def path_encoding(self, archs: Sequence[Arch], cutoff: int = 0) -> np.ndarray:
        """``(len(archs), F)`` float64 of 0/1: one feature per sequence of operations along
        an input-to-output path of the cell, set where the arch has that path.

        ``cutoff``: keep the first ``cutoff`` features (all of them when it exceeds F);
        0 keeps the space's published truncation.
        """
        ...
