"""Optional parts of asebench and the extra that installs each.

The tabular study needs only the core dependencies. The live backend and ``asebench
supernet`` need the ``live`` extra (torch, pillow, kornia), ``--executor dask`` the ``dask``
extra, ``asebench data digits`` the ``digits`` extra, ``asebench rank`` the ``rank`` extra,
``asebench report --html`` the ``html`` extra (plotly). :func:`require` turns a missing one
into a one-line :class:`~asebench.errors.AsebenchError` naming the ``pip install`` to run.
"""

from __future__ import annotations

import importlib.util

from asebench.errors import AsebenchError

__all__ = ["EXTRAS", "MissingExtra", "require"]

EXTRAS: dict[str, tuple[str, ...]] = {
    "live": ("torch", "PIL", "kornia"),
    "dask": ("dask", "distributed"),
    "digits": ("sklearn", "PIL"),
    "rank": ("scikit_posthocs",),
    "html": ("plotly",),
}
"""Extra name -> the modules it provides (import names)."""


class MissingExtra(AsebenchError):
    """An optional feature was used without the extra that installs its dependencies."""


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a broken or blocked install counts as missing
        return True


def require(extra: str, what: str) -> None:
    """Raise :class:`MissingExtra` if a module of ``extra`` is not importable.

    Args:
        extra: a key of :data:`EXTRAS`.
        what: the feature, as the message names it (e.g. ``"--backend live"``).
    """
    missing = [m for m in EXTRAS[extra] if _missing(m)]
    if missing:
        raise MissingExtra(
            f"{what} needs the {extra!r} extra ({', '.join(missing)} not installed): "
            f"pip install 'asebench[{extra}]'")
