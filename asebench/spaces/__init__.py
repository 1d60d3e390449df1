"""Search spaces: the Space protocol, NB201 and (with the live backend) MobileNet."""

from __future__ import annotations

from asebench._registry import Registry
from asebench.spaces._categorical import CategoricalSpace, hamming_ball_size
from asebench.spaces._mobilenet import MobileNetArch, MobileNetSpace
from asebench.spaces._nb201 import (
    NB201_EDGES,
    NB201_OPS,
    NB201_PATH_CUTOFF,
    NB201_PATHS,
    NB201Space,
)
from asebench.spaces._protocol import Encodable, Space
from asebench.spaces._subspace import Feasible, SubSpace, restrict

__all__ = [
    "CategoricalSpace",
    "Encodable",
    "Feasible",
    "MobileNetArch",
    "MobileNetSpace",
    "NB201Space",
    "NB201_EDGES",
    "NB201_OPS",
    "NB201_PATHS",
    "NB201_PATH_CUTOFF",
    "Space",
    "SubSpace",
    "get_space",
    "hamming_ball_size",
    "restrict",
    "spaces",
]

spaces: Registry[Space] = Registry("space", group="asebench.spaces")
spaces.add("nb201", NB201Space)
spaces.add("mobilenet", MobileNetSpace)


def get_space(name: str, **options: object) -> Space:
    """Build a registered space by name (``nb201``, ``mobilenet``)."""
    return spaces.get(name, **options)
