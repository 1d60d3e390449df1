"""Supernet configurations: the OFA MobileNetV3 layout (width 1.0 / 1.2) and a tiny CPU one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from asebench.errors import AsebenchError
from asebench.spaces import MobileNetSpace

__all__ = ["SupernetConfig", "PRESETS", "get_config", "make_divisible"]


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round ``value`` to a multiple of ``divisor``, never below 90% of it (MobileNet rule)."""
    new = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return new


@dataclass(frozen=True)
class SupernetConfig:
    """Layout of an elastic MobileNetV3 supernet.

    Attributes:
        num_classes: classifier outputs.
        width_mult: multiplies every width (OFA: 1.0 or 1.2).
        stem: stem conv channels (before ``width_mult``).
        first_block: output channels of the fixed first MBConv (expand 1, 3x3).
        widths: output channels of each unit.
        strides: stride of each unit's first layer.
        acts: ``relu`` or ``h_swish`` per unit.
        se: squeeze-and-excitation per unit.
        final_expand: channels of the 1x1 conv after the last unit.
        feature_mix: channels of the 1x1 conv after global pooling.
        kernels, expands, depths: the elastic choices.
        resolution: default input resolution.
        dropout: before the classifier.
    """

    num_classes: int = 1000
    width_mult: float = 1.0
    stem: int = 16
    first_block: int = 16
    widths: tuple[int, ...] = (24, 40, 80, 112, 160)
    strides: tuple[int, ...] = (2, 2, 2, 1, 2)
    acts: tuple[str, ...] = ("relu", "relu", "h_swish", "h_swish", "h_swish")
    se: tuple[bool, ...] = (False, True, False, True, True)
    final_expand: int = 960
    feature_mix: int = 1280
    kernels: tuple[int, ...] = (3, 5, 7)
    expands: tuple[int, ...] = (3, 4, 6)
    depths: tuple[int, ...] = (2, 3, 4)
    resolution: int = 224
    dropout: float = 0.1

    def __post_init__(self) -> None:
        n = len(self.widths)
        if not (len(self.strides) == len(self.acts) == len(self.se) == n):
            raise AsebenchError("supernet widths, strides, acts and se need one entry per unit")
        if self.num_classes < 2:
            raise AsebenchError(f"a supernet needs >= 2 classes, got {self.num_classes}")
        if self.width_mult <= 0 or self.resolution < 8:
            raise AsebenchError("supernet width_mult must be > 0 and resolution >= 8")
        bad = set(self.acts) - {"relu", "h_swish"}
        if bad:
            raise AsebenchError(f"unknown activation(s) {sorted(bad)}; use relu or h_swish")

    def channels(self, base: int) -> int:
        return make_divisible(base * self.width_mult)

    @property
    def unit_widths(self) -> tuple[int, ...]:
        return tuple(self.channels(w) for w in self.widths)

    @property
    def stem_channels(self) -> int:
        return self.channels(self.stem)

    @property
    def first_channels(self) -> int:
        return self.channels(self.first_block)

    @property
    def final_channels(self) -> int:
        return self.channels(self.final_expand)

    @property
    def mix_channels(self) -> int:
        return self.channels(self.feature_mix)

    def space(self, resolutions: tuple[int, ...] = ()) -> MobileNetSpace:
        """The arch space this supernet serves."""
        return MobileNetSpace(len(self.widths), self.kernels, self.expands, self.depths,
                              resolutions)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SupernetConfig:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise AsebenchError(f"unknown supernet config keys {sorted(unknown)}")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                  for k, v in data.items()}
        return cls(**values)


PRESETS: dict[str, SupernetConfig] = {
    "mbv3-w1.0": SupernetConfig(),
    "mbv3-w1.2": SupernetConfig(width_mult=1.2),
    # A few thousand parameters per layer: trains on CPU in seconds at 32 px.
    "tiny": SupernetConfig(stem=8, first_block=8, widths=(8, 16, 16, 24, 24),
                           final_expand=48, feature_mix=64, resolution=32, dropout=0.0),
}


def get_config(name: str, **changes: Any) -> SupernetConfig:
    """A preset (``mbv3-w1.0``, ``mbv3-w1.2``, ``tiny``) with fields replaced by ``changes``."""
    try:
        base = PRESETS[name]
    except KeyError:
        raise AsebenchError(
            f"unknown supernet preset {name!r}; choose one of {', '.join(PRESETS)}") from None
    return replace(base, **changes) if changes else base
