"""The method registry: filled by :mod:`asebench.search` and by plugins, read by whoever
builds a method.

Its own module so that methods which run other methods (NSE, AutoSpace) can look them up
without importing the package that imports them. A method name may be a registered name
(built in, or a plugin's ``asebench.methods`` entry point) or an import path
``package.module:factory``.
"""

from __future__ import annotations

import functools

from asebench._registry import Registry
from asebench.errors import AsebenchError
from asebench.search._protocol import Searcher, display_name_of

__all__ = ["get", "methods", "method_display_name", "split_label"]

methods: Registry[Searcher] = Registry("method", group="asebench.methods", builds=Searcher)


def get(name: str, /, **options: object) -> Searcher:
    """Build a registered search method by name with its options.

    Unknown names, unknown option names and out-of-range values raise a one-line
    :class:`asebench.errors.AsebenchError`.
    """
    return methods.get(name, **options)


def split_label(label: str) -> tuple[str, bool, str]:
    """``"ase+[K=6]"`` -> ``("ase", True, "[K=6]")``: method name, transfer flag, options."""
    head, bracket, rest = label.partition("[")
    return head.removesuffix("+"), head.endswith("+"), bracket + rest


@functools.cache
def method_display_name(label: str) -> str:
    """The human name of a study label, from the method's own ``display_name``.

    ``ase`` -> ``ASE-NAS``, ``ase+`` -> ``ASE-NAS+``, ``ase[K=6]`` -> ``ASE-NAS [K=6]``; a
    label that is no method's (an ablation arm's own label) is returned unchanged.
    """
    name, transfer, options = split_label(label)
    try:
        searcher = get(name)
    except (AsebenchError, TypeError, ValueError):
        return label
    shown = display_name_of(searcher) + ("+" if transfer else "")
    return f"{shown} {options}" if options else shown
