"""Where the embedded data lives: the ``asebench._data`` resource package.

The repository keeps one copy of the embedded table, its checksum, provenance and licences in
its top-level ``data/`` folder; the build installs that folder as ``asebench._data``
(``package_dir`` in setup.py). A checkout used without installing (``asebench`` importable
from the repository root) has no such package and reads ``data/`` in place.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
from pathlib import Path

__all__ = ["data_dir"]

_PACKAGE = "asebench._data"


def data_dir() -> Path:
    """The folder holding ``nb201.npz``, ``nb201.npz.sha256``, ``SOURCE.md`` and ``licenses/``.

    The embedded table is read with ``numpy.load`` and hashed, so it must be a real file:
    wheels install packages as plain folders, never as zips, which makes this a plain path.
    """
    try:
        spec = importlib.util.find_spec(_PACKAGE)
    except ImportError:
        spec = None
    if spec is not None:
        root = importlib.resources.files(_PACKAGE)
        if isinstance(root, Path):
            return root
        for location in spec.submodule_search_locations or ():
            return Path(location)
    return Path(__file__).resolve().parents[1] / "data"
