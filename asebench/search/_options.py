"""Option checking shared by the searchers' constructors (one-line AsebenchError)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from asebench.errors import AsebenchError

__all__ = ["declared_options", "options_factory", "check_int", "check_float", "check_choice",
           "known_pairs"]

T = TypeVar("T")


def declared_options(cls: type) -> dict[str, object]:
    """``{option: default}`` of a dataclass searcher's constructor fields (``None`` where a
    field has no plain default)."""
    out: dict[str, object] = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.name.startswith("_"):
            continue
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
        else:
            out[f.name] = None
    return out


def options_factory(cls: type[T]) -> Callable[..., T]:
    """A factory for a dataclass searcher that rejects unknown option names in one line.

    The factory declares its options and their defaults as ``factory.options`` (what
    ``asebench methods`` lists); a plugin's own factory may declare the same attribute.
    """
    fields = tuple(f.name for f in dataclasses.fields(cls) if f.init)  # type: ignore[arg-type]

    def make(**options: Any) -> T:
        unknown = sorted(set(options) - set(fields))
        if unknown:
            raise AsebenchError(
                f"unknown option(s) {', '.join(unknown)} for method {cls.name!r}; "  # type: ignore[attr-defined]
                f"options are {', '.join(fields) or 'none'}")
        return cls(**options)

    make.__doc__ = cls.__doc__
    make.__module__ = cls.__module__
    make.options = declared_options(cls)  # type: ignore[attr-defined]
    return make


def check_int(method: str, name: str, value: object, low: int | None = None,
              high: int | None = None, allow_none: bool = False) -> None:
    """Raise unless ``value`` is an int in ``[low, high]`` (or None when allowed)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise AsebenchError(f"{method}: option {name} must be an int, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise AsebenchError(f"{method}: option {name} must be in {lo}..{hi}, got {value}")


def check_float(method: str, name: str, value: object, low: float | None = None,
                high: float | None = None, low_open: bool = False,
                high_open: bool = False) -> None:
    """Raise unless ``value`` is a real number in the given (open or closed) range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise AsebenchError(f"{method}: option {name} must be a number, got {value!r}")
    bad = ((low is not None and (value <= low if low_open else value < low))
           or (high is not None and (value >= high if high_open else value > high)))
    if bad:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise AsebenchError(
            f"{method}: option {name} must be in {left}{low}, {high}{right}, got {value}")


def check_choice(method: str, name: str, value: object, choices: tuple[object, ...]) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise AsebenchError(
            f"{method}: option {name} must be one of {', '.join(map(repr, choices))}, "
            f"got {value!r}")


def known_pairs(method: str, value: object) -> tuple[tuple[tuple[int, ...], float], ...]:
    """``value`` as ``((arch, reward), ...)`` (archs as int tuples), or a one-line error."""
    try:
        pairs = tuple((tuple(int(c) for c in arch), float(reward))
                      for arch, reward in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise AsebenchError(
            f"{method}: option initial must be a list of [arch, reward] pairs") from None
    return pairs
