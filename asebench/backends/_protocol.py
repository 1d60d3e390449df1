"""The Backend protocol: what answers a searcher's queries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import numpy as np

from asebench.records import Arch, Evaluation
from asebench.spaces import Space

__all__ = ["Backend"]


@runtime_checkable
class Backend(Protocol):
    """Evaluates architectures of one space.

    ``evaluate`` is what a searcher sees (reward and cost, maybe constraint metrics);
    ``report`` gives the final metrics used in tables and is never called by a searcher.
    """

    @property
    def space(self) -> Space:
        ...

    def evaluate(self, arch: Arch, rng: np.random.Generator) -> Evaluation:
        ...

    def report(self, arch: Arch) -> Mapping[str, float]:
        ...
