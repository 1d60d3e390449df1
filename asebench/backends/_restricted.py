"""A backend seen through a sub-space: refuses any arch outside it before anything is charged.

The one place the restriction rule lives (as :class:`BudgetedEvaluator` is for the budget): a
searcher restricted to a sub-space, or constrained to feasible archs, is simply run on a
:class:`RestrictedBackend`. Searchers read ``backend.space`` (the sub-space) to propose inside
it; this wrapper guarantees that a proposal outside it never reaches the wrapped backend, so it
is neither answered nor charged. Unwrapped backends pay nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from asebench.backends._protocol import Backend
from asebench.errors import AsebenchError
from asebench.records import Arch, Evaluation
from asebench.spaces import Feasible, SubSpace, restrict

__all__ = ["RestrictedBackend", "restrict_backend", "unwrap"]


class RestrictedBackend:
    """``backend`` with its space replaced by ``subspace``; outside archs raise AsebenchError.

    Args:
        backend: what answers queries. A RestrictedBackend is unwrapped and the two sub-spaces
            intersected, so restrictions compose and the check happens once.
        subspace: a sub-space of ``backend.space`` (same positions, codes of its parent).

    What the wrapped backend describes of itself is read from :attr:`wrapped` (see
    :func:`unwrap`).
    """

    def __init__(self, backend: Backend, subspace: SubSpace) -> None:
        if isinstance(backend, RestrictedBackend):
            subspace = backend.space.restrict(subspace.allowed, subspace.feasible)
            backend = backend.wrapped
        parent = backend.space
        if subspace.num_positions != parent.num_positions or any(
                len(subspace.choices(p)) != len(parent.choices(p))
                for p in range(parent.num_positions)):
            raise AsebenchError(
                f"sub-space of {subspace.name} does not match the backend's "
                f"{parent.name} space")
        self.backend: Backend = backend
        self._space = subspace
        self._contains = subspace.contains
        self._evaluate = backend.evaluate

    @property
    def wrapped(self) -> Backend:
        """The backend that answers the queries."""
        return self.backend

    @property
    def space(self) -> SubSpace:
        return self._space

    def evaluate(self, arch: Arch, rng: np.random.Generator) -> Evaluation:
        """Answer ``arch`` if it lies in the sub-space; otherwise raise (nothing charged)."""
        if not self._contains(arch):
            self._space.validate(arch)  # the precise one-line reason
            raise AsebenchError(f"arch {arch} outside the sub-space")
        return self._evaluate(arch, rng)

    def report(self, arch: Arch) -> Mapping[str, float]:
        return self.backend.report(arch)

    def __repr__(self) -> str:
        return f"RestrictedBackend({self.backend!r}, {self._space!r})"


def restrict_backend(backend: Backend, allowed: Sequence[Iterable[int]] | None = None,
                     feasible: Feasible | None = None) -> RestrictedBackend:
    """``backend`` restricted to ``allowed`` choices per position and to ``feasible`` archs
    (intersected with any restriction it already has)."""
    return RestrictedBackend(backend, restrict(backend.space, allowed, feasible))


def unwrap(backend: Backend) -> Backend:
    """The backend that answers the queries of ``backend`` (itself unless restricted)."""
    return backend.wrapped if isinstance(backend, RestrictedBackend) else backend
