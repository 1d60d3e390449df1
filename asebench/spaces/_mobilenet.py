"""The MobileNetV3-like (OFA) space: 5 units x up to 4 MBConv layers, elastic kernel/expand/depth.

Encoding (L = 20 positions, one per layer slot, unit-major):

* the first ``min(depths)`` slots of a unit (2 by default) always exist and take one of the
  ``len(kernels) * len(expands)`` layer choices ``k3e3, k3e4, k3e6, k5e3, ..., k7e6``;
* the remaining slots additionally take ``skip``. A unit's depth is ``min_depth`` plus the number
  of its non-skip slots, and its layers are its non-skip slots **in slot order**.

So every tuple of choices is a valid arch: any edit (position, choice) gives a valid arch, the
distance is the paper's position-wise count (Eq. 4) and a Hamming ball is a plain product ball.
The price is that some networks have two encodings (``k3e3-k3e3-skip-k5e4`` and
``k3e3-k3e3-k5e4-skip`` are the same 3-layer unit); :meth:`MobileNetSpace.canonical` moves the
skips to the end and is what a backend uses as the identity of a network.

With more than one input resolution an extra last position chooses it (``@r160`` in strings).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from asebench.errors import AsebenchError
from asebench.records import Arch
from asebench.spaces._categorical import CategoricalSpace

__all__ = ["MobileNetSpace", "MobileNetArch", "SKIP"]

SKIP = "skip"


@dataclass(frozen=True)
class MobileNetArch:
    """A decoded arch: the layers of each unit as ``(kernel, expand)`` pairs, and a resolution.

    Attributes:
        units: one tuple per unit, one ``(kernel, expand_ratio)`` pair per active layer.
        resolution: input resolution chosen by the arch, or None (the backend's default).
    """

    units: tuple[tuple[tuple[int, int], ...], ...]
    resolution: int | None = None

    @property
    def depths(self) -> tuple[int, ...]:
        return tuple(len(unit) for unit in self.units)


class MobileNetSpace(CategoricalSpace):
    """OFA MobileNetV3 space; see the module docstring for the encoding.

    Args:
        num_units: number of units (5).
        kernels: depthwise kernel sizes (3, 5, 7).
        expands: expand ratios (3, 4, 6).
        depths: allowed unit depths, consecutive (2, 3, 4).
        resolutions: input resolutions; more than one adds a last position choosing it.
    """

    name = "mobilenet"

    def __init__(self, num_units: int = 5, kernels: Sequence[int] = (3, 5, 7),
                 expands: Sequence[int] = (3, 4, 6), depths: Sequence[int] = (2, 3, 4),
                 resolutions: Sequence[int] = ()) -> None:
        kernels, expands = tuple(int(k) for k in kernels), tuple(int(e) for e in expands)
        depths = tuple(sorted(int(d) for d in depths))
        if num_units < 1 or not kernels or not expands or not depths:
            raise AsebenchError("a mobilenet space needs units, kernels, expands and depths")
        if depths[0] < 1 or depths != tuple(range(depths[0], depths[-1] + 1)):
            raise AsebenchError(f"mobilenet depths must be consecutive and >= 1, got {depths}")
        if any(k % 2 == 0 or k < 1 for k in kernels):
            raise AsebenchError(f"mobilenet kernels must be odd, got {kernels}")
        self.num_units = int(num_units)
        self.kernels, self.expands, self.depth_choices = kernels, expands, depths
        self.min_depth, self.max_depth = depths[0], depths[-1]
        self.resolutions = tuple(int(r) for r in resolutions)
        self.layer_choices: tuple[tuple[int, int], ...] = tuple(
            (k, e) for k in kernels for e in expands)
        layer_labels = tuple(f"k{k}e{e}" for k, e in self.layer_choices)
        labels: list[tuple[str, ...]] = []
        for _ in range(self.num_units):
            for slot in range(self.max_depth):
                labels.append(layer_labels if slot < self.min_depth else layer_labels + (SKIP,))
        self.num_slots = len(labels)
        if len(self.resolutions) > 1:
            labels.append(tuple(f"r{r}" for r in self.resolutions))
        super().__init__(labels)
        self._skip = len(self.layer_choices)

    @property
    def size(self) -> int:
        """Number of encodings (Python int: it exceeds int64)."""
        return math.prod(self.sizes)

    # -- decoding -------------------------------------------------------------------------
    def decode(self, arch: Arch) -> MobileNetArch:
        """The network an arch stands for (validates it first)."""
        arch = self.validate(arch)
        units = []
        for u in range(self.num_units):
            slots = arch[u * self.max_depth:(u + 1) * self.max_depth]
            units.append(tuple(self.layer_choices[c] for c in slots if c != self._skip))
        resolution = None
        if len(self.resolutions) == 1:
            resolution = self.resolutions[0]
        elif self.resolutions:
            resolution = self.resolutions[arch[self.num_slots]]
        return MobileNetArch(tuple(units), resolution)

    def encode(self, net: MobileNetArch) -> Arch:
        """The canonical arch (skips last) of a decoded network."""
        if len(net.units) != self.num_units:
            raise AsebenchError(
                f"mobilenet arch needs {self.num_units} units, got {len(net.units)}")
        arch: list[int] = []
        for u, unit in enumerate(net.units):
            if not self.min_depth <= len(unit) <= self.max_depth:
                raise AsebenchError(f"unit {u} depth {len(unit)} outside {self.depth_choices}")
            for layer in unit:
                if tuple(layer) not in self.layer_choices:
                    raise AsebenchError(f"unit {u} layer {layer} not in kernels x expands")
                arch.append(self.layer_choices.index(tuple(layer)))
            arch.extend([self._skip] * (self.max_depth - len(unit)))
        if len(self.resolutions) > 1:
            if net.resolution not in self.resolutions:
                raise AsebenchError(f"resolution {net.resolution} not in {self.resolutions}")
            arch.append(self.resolutions.index(net.resolution))
        return tuple(arch)

    def canonical(self, arch: Arch) -> Arch:
        """The encoding with every unit's skips moved to its end (one per network)."""
        return self.encode(self.decode(arch))

    def largest(self) -> Arch:
        """Every slot at the largest kernel and expand ratio, full depth, largest resolution."""
        k, e = max(self.kernels), max(self.expands)
        unit = ((k, e),) * self.max_depth
        res = max(self.resolutions) if self.resolutions else None
        return self.encode(MobileNetArch((unit,) * self.num_units, res))

    def smallest(self) -> Arch:
        k, e = min(self.kernels), min(self.expands)
        unit = ((k, e),) * self.min_depth
        res = min(self.resolutions) if self.resolutions else None
        return self.encode(MobileNetArch((unit,) * self.num_units, res))

    # -- strings --------------------------------------------------------------------------
    def to_string(self, arch: Arch) -> str:
        """Units joined by ``|``, slots by ``-``, e.g. ``k3e4-k5e6-skip-skip|...@r160``."""
        labels = [self.choices(p)[c] for p, c in enumerate(arch)]
        units = ["-".join(labels[u * self.max_depth:(u + 1) * self.max_depth])
                 for u in range(self.num_units)]
        text = "|".join(units)
        if len(self.resolutions) > 1:
            text += "@" + labels[self.num_slots]
        return text

    def from_string(self, text: str) -> Arch:
        body, _, res = text.strip().partition("@")
        tokens = [t for t in body.replace("|", "-").split("-")]
        if res:
            tokens.append(res)
        if len(tokens) != self.num_positions:
            raise AsebenchError(
                f"malformed mobilenet arch {text!r}: expected {self.num_slots} layer slots"
                + (" and @r<resolution>" if len(self.resolutions) > 1 else ""))
        arch = []
        for p, token in enumerate(tokens):
            choices = self.choices(p)
            if token not in choices:
                raise AsebenchError(
                    f"malformed mobilenet arch {text!r}: slot {p} {token!r} not in "
                    f"{', '.join(choices)}")
            arch.append(choices.index(token))
        return tuple(arch)

    def parse(self, text: str) -> Arch:
        """Same as :meth:`from_string` (the NB201 space also takes an index here)."""
        return self.from_string(text)
