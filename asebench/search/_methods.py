"""The method registry: filled by :mod:`asebench.search`, read by whoever builds a method.

Its own module so that methods which run other methods (NSE, AutoSpace) can look them up
without importing the package that imports them.
"""

from __future__ import annotations

from asebench._registry import Registry
from asebench.search._protocol import Searcher

__all__ = ["get", "methods"]

methods: Registry[Searcher] = Registry("method")


def get(name: str, /, **options: object) -> Searcher:
    """Build a registered search method by name with its options.

    Unknown names, unknown option names and out-of-range values raise a one-line
    :class:`asebench.errors.AsebenchError`.
    """
    return methods.get(name, **options)
