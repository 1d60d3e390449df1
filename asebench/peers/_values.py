"""The values a library's options may take, checked before a run starts.

The libraries check few option values themselves (Optuna's ``TPESampler(n_startup_trials=-1)``,
Nevergrad's ``NGOpt(budget=-1)`` and Syne Tune's ``REA(sample_size=0)`` are all accepted, and
fail, or quietly misbehave, queries later). Each library module therefore declares, for every
parameter of every constructor it drives, what the library's documentation says the parameter
takes (:class:`Spec`), and :func:`check_options` refuses anything else in one line naming the
option. A parameter a library adds in a later release has no spec, and is refused as not
supported until someone reads its documentation.
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from asebench.errors import AsebenchError

__all__ = ["Spec", "Int", "Real", "Bool", "OneOf", "Obj", "Call", "Unsupported",
           "check_options", "constructor_parameters"]


class Spec(Protocol):
    """What one option accepts."""

    def check(self, method: str, name: str, value: object) -> None:
        """Raise a one-line AsebenchError unless ``value`` is accepted."""
        ...


def _fail(method: str, name: str, must: str, value: object) -> AsebenchError:
    return AsebenchError(f"{method}: option {name} must be {must}, got {value!r}")


@dataclass(frozen=True)
class Int:
    """An integer in ``[low, high]`` (either end open-ended when None); None allowed when
    ``none``."""

    low: int | None = None
    high: int | None = None
    none: bool = False

    def check(self, method: str, name: str, value: object) -> None:
        if value is None and self.none:
            return
        lo = "" if self.low is None else f" >= {self.low}"
        hi = "" if self.high is None else f" <= {self.high}"
        must = f"an integer{lo}{' and' if lo and hi else ''}{hi}" + (" or None" * self.none)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(method, name, must, value)
        if (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high):
            raise _fail(method, name, must, value)


@dataclass(frozen=True)
class Real:
    """A real number (an int is one too) in the given range; ``inf`` only when the range
    allows it, NaN never."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    none: bool = False

    def _range(self) -> str:
        if self.low is None and self.high is None:
            return "a number"
        if self.high is None:
            return f"a number {'>' if self.low_open else '>='} {self.low}"
        if self.low is None:
            return f"a number {'<' if self.high_open else '<='} {self.high}"
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"a number in {left}{self.low}, {self.high}{right}"

    def check(self, method: str, name: str, value: object) -> None:
        if value is None and self.none:
            return
        must = self._range() + (" or None" * self.none)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise _fail(method, name, must, value)
        low, high = self.low, self.high
        if low is not None and (value <= low if self.low_open else value < low):
            raise _fail(method, name, must, value)
        if high is not None and (value >= high if self.high_open else value > high):
            raise _fail(method, name, must, value)


@dataclass(frozen=True)
class Bool:
    """``true`` or ``false`` (None too when ``none``: the library's own default)."""

    none: bool = False

    def check(self, method: str, name: str, value: object) -> None:
        if value is None and self.none:
            return
        if not isinstance(value, bool):
            raise _fail(method, name, "true or false" + (" or None" * self.none), value)


@dataclass(frozen=True)
class OneOf:
    """One of a few literal values."""

    values: tuple[object, ...]

    def check(self, method: str, name: str, value: object) -> None:
        # `True == 1`: a bool must match a bool, not an int that equals it
        if not any(value == v and type(value) is type(v) for v in self.values):
            raise _fail(method, name, "one of " + ", ".join(map(repr, self.values)), value)


@dataclass(frozen=True)
class Obj:
    """An object of the library's own type (``module:Class``: settable from Python only, as a
    method spec cannot build one), or a ``dict`` or ``list`` (JSON in a method spec)."""

    kind: str
    none: bool = True

    def _type(self) -> type:
        if ":" not in self.kind:
            return {"dict": dict, "list": list}[self.kind]
        module, _, attr = self.kind.partition(":")
        kind: type = getattr(importlib.import_module(module), attr)
        return kind

    def check(self, method: str, name: str, value: object) -> None:
        if value is None and self.none:
            return
        if not isinstance(value, self._type()):
            if ":" in self.kind:
                must = (f"a {self.kind.rpartition(':')[2]} object (set from Python, not in a "
                        "method spec)")
            else:
                must = f"a {self.kind}"
            raise _fail(method, name, must + (" or None" * self.none), value)


@dataclass(frozen=True)
class Call:
    """A callable (a Python function: settable from Python only)."""

    none: bool = True

    def check(self, method: str, name: str, value: object) -> None:
        if value is None and self.none:
            return
        if not callable(value):
            raise _fail(method, name, "a function (set from Python, not in a method spec)"
                        + (" or None" * self.none), value)


@dataclass(frozen=True)
class Unsupported:
    """A parameter the adapter cannot honour (``why`` says what it is for)."""

    why: str

    def check(self, method: str, name: str, value: object) -> None:
        raise AsebenchError(f"{method}: option {name} is not supported by asebench's adapter "
                            f"({self.why})")


def constructor_parameters(target: Callable[..., object], skip: tuple[str, ...] = ()
                           ) -> tuple[str, ...]:
    """The keyword parameters of ``target`` (``self``, ``*args``, ``**kwargs`` and ``skip``
    left out)."""
    return tuple(n for n, p in inspect.signature(target).parameters.items()
                 if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                               inspect.Parameter.KEYWORD_ONLY)
                 and n != "self" and n not in skip)


def check_options(method: str, where: str, known: tuple[str, ...],
                  specs: Mapping[str, Spec], options: Mapping[str, object],
                  reserved: tuple[str, ...] = ()) -> None:
    """One-line AsebenchError for an option asebench sets itself (``reserved``), one that
    ``known`` (the constructor's parameters) lacks, one without a spec, or a value its spec
    refuses. Names are checked before values, in sorted order."""
    taken = sorted(set(options) & set(reserved))
    if taken:
        raise AsebenchError(f"{method}: option(s) {', '.join(taken)} are set by asebench "
                            "(from the run's seed or its space)")
    offered = [n for n in known if n not in reserved]
    unknown = sorted(set(options) - set(offered))
    if unknown:
        raise AsebenchError(f"unknown option(s) {', '.join(unknown)} for method {method!r} "
                            f"({where}); options are {', '.join(offered) or 'none'}")
    for name in sorted(options):
        spec = specs.get(name)
        if spec is None:
            raise AsebenchError(f"{method}: option {name} of {where} is not supported by "
                                "asebench's adapter (its values are not checked yet)")
        spec.check(method, name, options[name])
