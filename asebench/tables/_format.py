"""The on-disk format of a benchmark table (embedded or imported).

A table is one ``.npz`` archive:

* ``arch_codes``: ``(N, 6) uint8``, row ``i`` = op codes of NB201/NATS index ``i`` in string
  order (e01, e02, e12, e03, e13, e23); ops 0 none .. 4 avg_pool_3x3.
* ``<dataset>/<column>``: ``(N,)`` (one value per arch) or ``(N, S)`` (one per seed, NaN where
  that seed was not run) arrays, for each dataset in :data:`DATASETS`.
* ``help_latency_ms`` (optional): ``(N, D)`` measured latencies, device names in the metadata.
* ``__meta__``: UTF-8 JSON of :class:`TableMeta`.

Files are written to a temporary name and renamed, so a reader never sees half a table.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from asebench._atomic import atomic_write_bytes

__all__ = ["DATASETS", "SEEDS_200", "FORMAT_VERSION", "TableMeta", "sha256_file", "table_bytes",
           "write_table"]

DATASETS: tuple[str, ...] = ("cifar10", "cifar100", "ImageNet16-120")
SEEDS_200: tuple[int, ...] = (777, 888, 999)
FORMAT_VERSION = 1
META_KEY = "__meta__"


@dataclass(frozen=True)
class TableMeta:
    """Describes a table: where it came from and what its columns mean."""

    name: str
    description: str
    format_version: int = FORMAT_VERSION
    seeds: tuple[int, ...] = SEEDS_200
    help_devices: tuple[str, ...] = ()
    provenance: Mapping[str, object] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TableMeta:
        raw = json.loads(text)
        raw["seeds"] = tuple(raw.get("seeds", SEEDS_200))
        raw["help_devices"] = tuple(raw.get("help_devices", ()))
        return cls(**raw)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def table_bytes(arrays: Mapping[str, np.ndarray], meta: TableMeta) -> bytes:
    """The ``.npz`` file of ``arrays`` + ``meta``, in memory."""
    payload: dict[str, Any] = dict(arrays)
    payload[META_KEY] = np.frombuffer(meta.to_json().encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **payload)
    return buffer.getvalue()


def write_table(path: Path, arrays: Mapping[str, np.ndarray], meta: TableMeta) -> str:
    """Write ``arrays`` + ``meta`` atomically to ``path``; return the file's sha256."""
    data = table_bytes(arrays, meta)
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()
