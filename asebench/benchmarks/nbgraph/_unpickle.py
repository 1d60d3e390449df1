"""Reading the package's ``.bench`` pickles with an allow-list: only numpy scalars and dtypes
may be built, so a tampered file cannot run code. Used at build time only; the run time reads
the npz table."""

from __future__ import annotations

import importlib
import io
import pickle
from typing import Any

__all__ = ["ALLOWED_GLOBALS", "safe_loads"]

ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset({
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy", "dtype")})
"""The only ``(module, name)`` pairs the benchmark pickles reference (numpy float64 values)."""


class _AllowListUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a benchmark file")
        if module == "numpy.core.multiarray":
            module = "numpy._core.multiarray"  # numpy >= 2's home of the same function
            try:
                importlib.import_module(module)
            except ImportError:  # numpy 1.x
                module = "numpy.core.multiarray"
        return getattr(importlib.import_module(module), name)


def safe_loads(data: bytes) -> Any:
    """Unpickle ``data`` allowing only :data:`ALLOWED_GLOBALS` (UnpicklingError otherwise)."""
    return _AllowListUnpickler(io.BytesIO(data)).load()
