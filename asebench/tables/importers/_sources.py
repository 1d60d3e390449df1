"""Recognise an official benchmark file and read it safely.

Three kinds of source are understood:

* ``nats-archive``: a NATS-Bench topology archive directory (``NATS-tss-v1_0-3ffb9-simple`` or
  ``-full``): ``meta.pickle.pbz2`` plus one ``<index>.pickle.pbz2`` per architecture.
* ``nats-pickle``: the single NATS-Bench benchmark file (``NATS-tss-v1_0-3ffb9.pickle.pbz2``).
* ``nb201-pth``: a NAS-Bench-201 file (``NAS-Bench-201-v1_0-e61699.pth`` / ``v1_1-096897.pth``).

The pickles are read with an allow-list unpickler (containers, numbers, numpy scalars), not
with a bare :func:`pickle.load`: a file that asks for anything else is rejected as "not an
official benchmark file", and trained weights in ``-full`` archives are never rebuilt.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asebench.errors import DataError

__all__ = [
    "META_NAME",
    "SourceInfo",
    "arch_file_names",
    "detect_source",
    "listing_digest",
    "load_pbz2",
    "load_pth",
    "loads_pbz2",
]

META_NAME = "meta.pickle.pbz2"
_PBZ2 = ".pickle.pbz2"
_BZ2_MAGIC = b"BZh"
_ZIP_MAGIC = b"PK\x03\x04"
_TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\x0a"  # pickled int magic number of torch's legacy format

# Globals an official results pickle may reference; everything else is refused.
_ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "complex"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
}


@dataclass(frozen=True)
class SourceInfo:
    """What was imported, for the provenance block of the table.

    Attributes:
        kind: ``nats-archive``, ``nats-pickle`` or ``nb201-pth``.
        path: the file or directory given.
        name: its base name (``NATS-tss-v1_0-3ffb9-simple``).
        stem: the name without ``.pickle.pbz2`` / ``.pth`` (default output name).
    """

    kind: str
    path: Path
    name: str
    stem: str


def _dropped(*args: Any, **kwargs: Any) -> None:
    """Stands in for torch tensor/storage constructors: weights are not needed, so they are
    never rebuilt."""
    return


class _Refused(pickle.UnpicklingError):
    """The pickle asks for an object an official results file never holds."""


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        if module == "torch" or module.startswith("torch."):
            return _dropped
        raise _Refused(f"unexpected object {module}.{name}")


def _unpickle(handle: Any) -> Any:
    try:
        return _RestrictedUnpickler(handle).load()
    except _Refused as exc:
        raise DataError(f"not an official benchmark file ({exc})") from None
    except (pickle.UnpicklingError, EOFError, OSError, ValueError) as exc:
        # bz2 and pickle both end this way on cut-off or damaged bytes
        raise DataError(f"truncated or corrupt ({' '.join(str(exc).split())})") from None


def loads_pbz2(data: bytes) -> Any:
    """Decompress and unpickle the bytes of one ``.pickle.pbz2`` file (allow-list)."""
    try:
        raw = bz2.decompress(data)
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"truncated or corrupt ({exc})") from None
    return _unpickle(io.BytesIO(raw))


def load_pbz2(path: Path) -> Any:
    """Unpickle a (possibly bz2-compressed) pickle file, streaming from disk."""
    with open(path, "rb") as raw:
        compressed = raw.read(3) == _BZ2_MAGIC
    opener = bz2.open if compressed else open
    with opener(path, "rb") as handle:
        return _unpickle(handle)


def load_pth(path: Path) -> Any:
    """Load a NAS-Bench-201 ``.pth`` with torch's weights-only loader."""
    import numpy as np
    import torch

    safe: list[Any] = [np.dtype, np.ndarray, np.float64, np.float32, np.int64, np.int32]
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            safe.append(__import__(module, fromlist=["scalar"]).scalar)
            break
        except (ImportError, AttributeError):
            continue
    with torch.serialization.safe_globals(safe):
        return torch.load(path, map_location="cpu", weights_only=True)


def arch_file_names(directory: Path, count: int) -> list[str]:
    """The archive file name of each arch index (``000123.pickle.pbz2`` or ``123.pickle.pbz2``,
    as the official loader accepts); raises naming the first missing one."""
    present = set(os.listdir(directory))
    names: list[str] = []
    missing: list[str] = []
    for index in range(count):
        padded, plain = f"{index:06d}{_PBZ2}", f"{index}{_PBZ2}"
        if padded in present:
            names.append(padded)
        elif plain in present:
            names.append(plain)
        else:
            missing.append(padded)
    if missing:
        raise DataError(
            f"{directory}: {len(missing)} of {count} architecture archives missing "
            f"(first: {directory / missing[0]}); the download is incomplete")
    return names


def listing_digest(entries: list[tuple[str, str]]) -> str:
    """sha256 of a ``sha256sum``-style listing (``<hex>  <name>\\n``, sorted by name).

    Equals ``cd DIR && sha256sum meta.pickle.pbz2 <arch files> | LC_ALL=C sort -k2 | sha256sum``.
    """
    lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(entries))
    return hashlib.sha256(lines.encode()).hexdigest()


def detect_source(path: Path) -> SourceInfo:
    """Classify ``path`` by its layout / magic bytes (one-line DataError if unknown)."""
    path = Path(path)
    if path.is_dir():
        if not (path / META_NAME).is_file():
            raise DataError(
                f"{path}: not a NATS-Bench archive directory (no {META_NAME}); expected "
                "NATS-tss-v1_0-3ffb9-simple, NATS-tss-v1_0-3ffb9.pickle.pbz2 or a "
                "NAS-Bench-201 .pth")
        return SourceInfo("nats-archive", path, path.name, path.name)
    if not path.is_file():
        raise DataError(f"benchmark source not found: {path}")
    with open(path, "rb") as handle:
        head = handle.read(16)
    name = path.name
    if head.startswith(_BZ2_MAGIC) or (head[:1] == b"\x80" and not
                                        head.startswith(_TORCH_LEGACY_MAGIC)):
        stem = name[: -len(_PBZ2)] if name.endswith(_PBZ2) else path.stem
        return SourceInfo("nats-pickle", path, name, stem)
    if head.startswith((_ZIP_MAGIC, _TORCH_LEGACY_MAGIC)):
        return SourceInfo("nb201-pth", path, name, path.stem)
    if not head:
        raise DataError(f"{path}: empty file, not a benchmark file")
    raise DataError(
        f"{path}: not a NATS-Bench (.pickle.pbz2) or NAS-Bench-201 (.pth) file "
        "(unrecognised header)")
