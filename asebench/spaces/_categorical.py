"""A product of categorical choices with Hamming geometry (shared by concrete spaces)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from math import comb

import numpy as np

from asebench.errors import AsebenchError
from asebench.records import Arch, Edit

__all__ = ["CategoricalSpace", "hamming_ball_size"]


def hamming_ball_size(num_positions: int, num_choices: int, radius: int) -> int:
    """Exact size of a Hamming ball: ``sum_{d<=M} C(L, d) (C-1)^d``.

    The paper's ``C(L, M) C^M`` counts edits that set an op to itself, so it is an upper bound.
    """
    radius = min(radius, num_positions)
    return sum(comb(num_positions, d) * (num_choices - 1) ** d for d in range(radius + 1))


class CategoricalSpace:
    """Every position takes one of its own labelled choices, independently."""

    name = "categorical"

    def __init__(self, labels: Sequence[Sequence[str]]) -> None:
        self._labels = tuple(tuple(choice) for choice in labels)
        self._sizes = tuple(len(choice) for choice in self._labels)

    @property
    def num_positions(self) -> int:
        return len(self._labels)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Number of choices per position."""
        return self._sizes

    @property
    def parent(self) -> CategoricalSpace:
        """A full space is its own parent."""
        return self

    @property
    def feasible(self) -> Callable[[Arch], bool] | None:
        """A full space has no rule beyond its choices."""
        return None

    @property
    def size(self) -> int:
        """Number of archs in the whole space."""
        return int(np.prod(self._sizes, dtype=np.int64))

    def choices(self, position: int) -> Sequence[str]:
        return self._labels[position]

    def allowed_choices(self, position: int) -> tuple[int, ...]:
        """Every choice code of ``position`` (a full space restricts nothing)."""
        return tuple(range(self._sizes[position]))

    def contains(self, arch: Sequence[int]) -> bool:
        """Whether ``arch`` has one in-range int choice per position."""
        if len(arch) != len(self._sizes):
            return False
        for choice, n in zip(arch, self._sizes):
            value: object = choice
            if (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                    or not 0 <= value < n):
                return False
        return True

    def sample(self, rng: np.random.Generator) -> Arch:
        return tuple(int(rng.integers(size)) for size in self._sizes)

    def distance(self, a: Arch, b: Arch) -> int:
        return sum(x != y for x, y in zip(a, b))

    def ball_size(self, radius: int) -> int:
        """Exact number of archs within ``radius`` of any center."""
        if len(set(self._sizes)) == 1:
            return hamming_ball_size(self.num_positions, self._sizes[0], radius)
        total = 0
        for d in range(min(radius, self.num_positions) + 1):
            for positions in itertools.combinations(range(self.num_positions), d):
                total += int(np.prod([self._sizes[p] - 1 for p in positions], dtype=np.int64))
        return total

    def ball(self, center: Arch, radius: int) -> list[Arch]:
        center = self.validate(center)
        if radius < 0:
            raise AsebenchError(f"radius must be >= 0, got {radius}")
        members: list[Arch] = [center]
        for d in range(1, min(radius, self.num_positions) + 1):
            for positions in itertools.combinations(range(self.num_positions), d):
                alternatives = [
                    [c for c in range(self._sizes[p]) if c != center[p]] for p in positions]
                for picks in itertools.product(*alternatives):
                    arch = list(center)
                    for p, c in zip(positions, picks):
                        arch[p] = c
                    members.append(tuple(arch))
        return members

    def apply(self, arch: Arch, edits: Iterable[Edit]) -> Arch:
        out = list(arch)
        for position, choice in edits:
            out[position] = choice
        return tuple(out)

    def validate(self, arch: Sequence[int]) -> Arch:
        if len(arch) != self.num_positions:
            raise AsebenchError(
                f"{self.name} arch needs {self.num_positions} positions, got {len(arch)}")
        out = []
        for position, choice in enumerate(arch):
            if isinstance(choice, bool) or not isinstance(choice, (int, np.integer)):
                raise AsebenchError(f"arch position {position} is not an int: {choice!r}")
            if not 0 <= choice < self._sizes[position]:
                raise AsebenchError(
                    f"arch position {position} choice {choice} outside "
                    f"0..{self._sizes[position] - 1}")
            out.append(int(choice))
        return tuple(out)

    def to_string(self, arch: Arch) -> str:
        return "-".join(self._labels[p][c] for p, c in enumerate(arch))

    def from_string(self, text: str) -> Arch:
        parts = text.split("-")
        if len(parts) != self.num_positions:
            raise AsebenchError(f"malformed {self.name} arch string {text!r}")
        try:
            return tuple(self._labels[p].index(part) for p, part in enumerate(parts))
        except ValueError:
            raise AsebenchError(f"malformed {self.name} arch string {text!r}") from None
