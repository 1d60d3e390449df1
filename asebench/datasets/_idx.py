"""The IDX file format of the MNIST family: a reader that checks everything it can.

An IDX file is a 4-byte magic number (two zero bytes, the element type, the number of
dimensions), one big-endian uint32 per dimension, then the elements in row-major order. The
MNIST family uses unsigned bytes (type 0x08): images ``0x00000803`` (N x rows x columns) and
labels ``0x00000801`` (N). Files may be gzipped (recognised by their first two bytes, not by
their name).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from asebench.errors import AsebenchError

__all__ = ["IMAGES_MAGIC", "LABELS_MAGIC", "IdxArray", "read_idx", "parse_idx", "idx_bytes"]

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
_GZIP = b"\x1f\x8b"
_UBYTE = 0x08


@dataclass(frozen=True)
class IdxArray:
    """One IDX file's contents.

    Attributes:
        path: the file read.
        data: the elements (uint8), shaped by the header's dimensions.
        sha256: checksum of the decompressed file (header included).
        gzipped: whether the file on disk was gzip-compressed.
    """

    path: str
    data: np.ndarray
    sha256: str
    gzipped: bool


def idx_bytes(path: str | os.PathLike[str]) -> tuple[bytes, bool]:
    """The decompressed bytes of ``path`` and whether it was gzipped.

    Raises:
        AsebenchError: the file is missing, unreadable, or a truncated or corrupt gzip file.
    """
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise AsebenchError(f"IDX file {str(file)!r} does not exist") from None
    except OSError as exc:
        raise AsebenchError(f"cannot read IDX file {str(file)!r}: {exc.strerror or exc}") from None
    if not raw.startswith(_GZIP):
        return raw, False
    try:
        return gzip.decompress(raw), True
    except (EOFError, OSError, zlib.error) as exc:
        raise AsebenchError(f"{str(file)!r} is a truncated or corrupt gzip file "
                            f"({type(exc).__name__}: {exc})") from None


def parse_idx(data: bytes, magic: int, where: str = "IDX data") -> np.ndarray:
    """The uint8 array of decompressed IDX ``data`` whose magic number must be ``magic``.

    Raises:
        AsebenchError: wrong magic number (another kind of IDX file, or not IDX at all), or
            a size that does not match the header (truncated, or trailing bytes).
    """
    kind = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}.get(magic, f"0x{magic:08x}")
    if len(data) < 4:
        raise AsebenchError(f"{where} is not an IDX {kind} file: only {len(data)} bytes")
    (found,) = struct.unpack(">I", data[:4])
    if found != magic:
        known = {IMAGES_MAGIC: "an IDX images file", LABELS_MAGIC: "an IDX labels file"}
        what = known.get(found, "an IDX file of another type or shape" if found >> 16 == 0
                         else "not an IDX file")
        raise AsebenchError(f"{where} has magic number 0x{found:08x}, expected 0x{magic:08x} "
                            f"(IDX {kind}): it is {what}")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise AsebenchError(f"{where} is truncated: {len(data)} bytes, shorter than its "
                            f"{header}-byte header")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(data) != expected:
        state = "truncated" if len(data) < expected else "longer than its header says"
        raise AsebenchError(f"{where} is {state}: {len(data)} bytes, its header "
                            f"({' x '.join(map(str, shape))}) says {expected}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def read_idx(path: str | os.PathLike[str], magic: int) -> IdxArray:
    """Read and check one IDX file (gzipped or not); see :func:`parse_idx`."""
    data, gzipped = idx_bytes(path)
    array = parse_idx(data, magic, repr(str(path)))
    return IdxArray(str(path), array, hashlib.sha256(data).hexdigest(), gzipped)
