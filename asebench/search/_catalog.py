"""Every method a user can name, built in or from a plugin, with its declared options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from asebench.errors import AsebenchError
from asebench.search._methods import get, methods
from asebench.search._protocol import (
    BatchSearcher,
    Transferable,
    WarmStartable,
    cost_hint_of,
    display_name_of,
)

__all__ = ["DeclaresOptions", "MethodEntry", "method_catalog", "method_entry"]


@runtime_checkable
class DeclaresOptions(Protocol):
    """A method factory that declares its options and defaults (``options_factory`` does;
    a plugin's factory may)."""

    options: Mapping[str, object]


@dataclass(frozen=True)
class MethodEntry:
    """One method as ``asebench methods`` lists it.

    Attributes:
        name: the name a study uses.
        display_name: the human name tables and figures use.
        origin: ``builtin``, ``entry point`` or ``import path``.
        distribution: the plugin's distribution (entry points only).
        options: ``{option: default}`` the factory declares (None: not declared).
        capabilities: the optional protocols it implements (``batch``, ``warm-start``,
            ``transfer``).
        cost_hint: its declared relative cost per run.
        summary: the first line of its documentation.
    """

    name: str
    display_name: str
    origin: str
    distribution: str | None
    options: Mapping[str, object] | None
    capabilities: tuple[str, ...]
    cost_hint: float
    summary: str


def method_entry(name: str) -> MethodEntry:
    """The catalogue entry of ``name`` (a registered name or ``module:factory``).

    Raises:
        AsebenchError: unknown name, or a factory that cannot build with its defaults.
    """
    factory: object = methods.factory(name)
    entry = methods.entry(name)
    try:
        searcher = get(name)
    except AsebenchError:  # already one line (e.g. not a searcher factory)
        raise
    except (TypeError, ValueError) as exc:
        raise AsebenchError(f"method {name!r} cannot be built with its defaults: {exc}"
                            ) from None
    declared = dict(factory.options) if isinstance(factory, DeclaresOptions) else None
    capabilities = tuple(label for label, protocol in (
        ("batch", BatchSearcher), ("warm-start", WarmStartable), ("transfer", Transferable))
        if isinstance(searcher, protocol))
    doc = (getattr(factory, "__doc__", None) or type(searcher).__doc__ or "").strip(
        ).splitlines()
    return MethodEntry(name, display_name_of(searcher), entry.origin, entry.distribution,
                       declared,
                       capabilities, cost_hint_of(searcher), doc[0] if doc else "")


def method_catalog() -> list[MethodEntry]:
    """Every registered method (built in first, then plugins)."""
    return [method_entry(name) for name in methods.names()]
