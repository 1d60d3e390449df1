"""Which BLAS kernel and which SIMD code paths this process computes with.

A study records :func:`blas_provenance` so that a result can be traced to the arithmetic that
produced it: OpenBLAS picks its kernels by CPU (``OPENBLAS_CORETYPE`` overrides the choice),
splits large products over ``OPENBLAS_NUM_THREADS`` threads, and numpy dispatches its own
loops to the widest SIMD target the CPU has (``NPY_DISABLE_CPU_FEATURES`` turns targets off).
Each choice may round differently. The search methods are built so that their traces do not
depend on any of them (see :mod:`asebench.search._controller`); this record is how a study
shows on which arithmetic it ran.

The BLAS library is read through threadpoolctl (a core dependency; it inspects the libraries
already loaded, so it costs a few milliseconds); without it the record falls back to numpy's
build configuration, which names the library but not the kernel in use.
"""

from __future__ import annotations

import importlib
import os
import platform
import warnings
from collections.abc import Mapping
from typing import Any

__all__ = ["ENVIRONMENT", "blas_provenance"]

ENVIRONMENT = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OPENBLAS_VERBOSE",
               "GOTO_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MKL_CBWR",
               "MKL_ENABLE_INSTRUCTIONS", "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES")
"""Environment variables that change the kernels or threads; recorded when set."""


def blas_provenance() -> dict[str, object]:
    """The BLAS library, version, kernel, threads and numpy's SIMD targets of this process.

    Keys: ``machine`` (``platform.machine()``), ``numpy`` (version), ``blas_library``
    (e.g. ``openblas``), ``blas_version``, ``blas_core_type`` (the kernel in use, e.g.
    ``SkylakeX``; None when unknown), ``blas_threads``, ``blas_threading_layer``, ``source``
    (``threadpoolctl`` or ``numpy build config``), ``other_libraries`` (further BLAS/OpenMP
    libraries loaded, e.g. torch's), ``numpy_simd_baseline`` (targets compiled in
    unconditionally), ``numpy_simd_dispatched`` (dispatch targets this CPU runs, after
    ``NPY_DISABLE_CPU_FEATURES``), ``environment`` (those of :data:`ENVIRONMENT` that are
    set) and ``errors`` (what could not be read; empty normally).

    Never raises: whatever cannot be read is None and named in ``errors``. Values are JSON
    types (str, int, None, lists, dicts).
    """
    errors: list[str] = []
    record: dict[str, object] = {
        "machine": platform.machine(),
        "numpy": None,
        "blas_library": None,
        "blas_version": None,
        "blas_core_type": None,
        "blas_threads": None,
        "blas_threading_layer": None,
        "source": None,
        "other_libraries": [],
        "numpy_simd_baseline": None,
        "numpy_simd_dispatched": None,
        "environment": {k: os.environ[k] for k in ENVIRONMENT if k in os.environ},
        "errors": errors,
    }
    try:
        import numpy as np

        record["numpy"] = str(np.__version__)
    except Exception as exc:  # noqa: BLE001 - a record, never a failure
        errors.append(f"numpy: {exc}")
        return record
    try:
        record.update(_simd())
    except Exception as exc:  # noqa: BLE001
        errors.append(f"numpy simd: {exc}")
    try:
        libraries = _threadpool_libraries()
    except Exception as exc:  # noqa: BLE001
        errors.append(f"threadpoolctl: {exc}")
        libraries = None
    if libraries is not None:
        blas = _numpy_blas(libraries, os.path.dirname(os.path.dirname(np.__file__)))
        if blas is not None:
            record.update(blas_library=blas.get("internal_api"),
                          blas_version=blas.get("version"),
                          blas_core_type=blas.get("architecture"),
                          blas_threads=blas.get("num_threads"),
                          blas_threading_layer=blas.get("threading_layer"),
                          source="threadpoolctl")
        record["other_libraries"] = [
            {"api": lib.get("user_api"), "library": lib.get("internal_api"),
             "version": lib.get("version"), "threads": lib.get("num_threads")}
            for lib in libraries if lib is not blas]
    if record["source"] is None:
        try:
            record.update(_build_config(np))
        except Exception as exc:  # noqa: BLE001
            errors.append(f"numpy build config: {exc}")
    return record


def _simd() -> dict[str, object]:
    try:
        umath = importlib.import_module("numpy._core._multiarray_umath")  # numpy >= 2
    except ImportError:
        umath = importlib.import_module("numpy.core._multiarray_umath")
    features: Mapping[str, bool] = umath.__cpu_features__
    return {"numpy_simd_baseline": [str(f) for f in umath.__cpu_baseline__],
            "numpy_simd_dispatched": [str(f) for f in umath.__cpu_dispatch__
                                      if features.get(f)]}


def _threadpool_libraries() -> list[dict[str, Any]] | None:
    """threadpoolctl's view of the loaded libraries, None when it is not installed."""
    try:
        threadpoolctl = importlib.import_module("threadpoolctl")
    except ImportError:
        return None
    with warnings.catch_warnings():  # e.g. its warning about two OpenMP runtimes
        warnings.simplefilter("ignore")
        info: list[dict[str, Any]] = threadpoolctl.threadpool_info()
    return [dict(lib) for lib in info]


def _numpy_blas(libraries: list[dict[str, Any]], site: str) -> dict[str, Any] | None:
    """The BLAS numpy links: the one shipped inside numpy's wheel, else the first loaded."""
    blas = [lib for lib in libraries if lib.get("user_api") == "blas"]
    for lib in blas:
        path = str(lib.get("filepath") or "")
        if path.startswith(os.path.join(site, "numpy")):  # numpy.libs/ or numpy/.dylibs/
            return lib
    return blas[0] if blas else None


def _build_config(np: Any) -> dict[str, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config = np.show_config(mode="dicts")
    blas = config.get("Build Dependencies", {}).get("blas", {})
    return {"blas_library": blas.get("name"), "blas_version": blas.get("version"),
            "source": "numpy build config"}
