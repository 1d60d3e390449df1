"""The NAS-Bench-Graph table ``data/nbgraph.npz``: its format, checksum and loader.

Keys (all plain arrays, no pickles):

* ``key_of_code``: ``(157464,)`` int32, the package's hash (:func:`valid_hash`) of every
  combination of the seven positions, indexed by :func:`code_index`;
* ``<dataset>/key``: ``(n,)`` int32, the sorted hashes the package stores for the dataset
  (26,206, or 2,021 on proteins);
* ``<dataset>/valid_perf``, ``perf``, ``latency_s``, ``params_m``: ``(n,)`` float64, the
  package's ``valid_perf``, ``perf``, ``latency`` (seconds) and ``para`` (millions) per row;
* ``__meta__``: JSON (source package, version, wheel checksum, datasets, op lists).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from asebench.errors import AsebenchError
from asebench.tables import embedded_table_path

__all__ = ["COLUMNS", "NBGraphTable", "TABLE_NAME", "load_nbgraph", "nbgraph_table_path",
           "write_nbgraph"]

TABLE_NAME = "nbgraph.npz"
COLUMNS = ("valid_perf", "perf", "latency_s", "params_m")
META_KEY = "__meta__"
NBGRAPH_ENV_VAR = "ASEBENCH_NBGRAPH_DATA"


def nbgraph_table_path() -> Path:
    """The embedded table: next to the NB201 table, found by the same mechanism."""
    return embedded_table_path().with_name(TABLE_NAME)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, eq=False)
class NBGraphTable:
    """Every stored NAS-Bench-Graph value, per dataset.

    Attributes:
        path: the file it was read from.
        sha256: the file's checksum.
        meta: the file's metadata (source package, version, op lists).
        key_of_code: the package hash of every position combination (see module doc).
        keys: per dataset, the sorted stored hashes.
        columns: per dataset, ``{column: values per stored hash}``.
    """

    path: Path
    sha256: str
    meta: Mapping[str, Any]
    key_of_code: np.ndarray
    keys: Mapping[str, np.ndarray]
    columns: Mapping[str, Mapping[str, np.ndarray]] = field(repr=False)

    @property
    def datasets(self) -> tuple[str, ...]:
        return tuple(self.meta["datasets"])

    def check_dataset(self, dataset: str) -> str:
        """``dataset`` if the table has it (one-line AsebenchError naming the choices)."""
        if dataset not in self.keys:
            raise AsebenchError(f"unknown NAS-Bench-Graph dataset {dataset!r}; choose one of "
                                f"{', '.join(self.datasets)}")
        return dataset

    def ops(self, dataset: str) -> tuple[str, ...]:
        """The operation names the dataset's architectures use."""
        return tuple(self.meta["ops"][self.check_dataset(dataset)])

    def rows_of(self, dataset: str, keys: np.ndarray) -> np.ndarray:
        """Row of each hash in the dataset's table, -1 where it stores none."""
        stored = self.keys[self.check_dataset(dataset)]
        rows = np.searchsorted(stored, keys)
        rows = np.minimum(rows, len(stored) - 1)
        found: np.ndarray = np.where(stored[rows] == keys, rows, -1)
        return found


def write_nbgraph(path: Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> str:
    """Write the table atomically (compressed npz); return its sha256 and write the sidecar."""
    payload = dict(arrays)
    payload[META_KEY] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    # a fixed timestamp per member, so that the same inputs give the same bytes (checksum)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in payload.items():
            member = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(member, "w") as handle:
                np.lib.format.write_array(handle, np.ascontiguousarray(array),
                                          allow_pickle=False)
    data = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    digest = _sha256(data)
    path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n")
    return digest


@lru_cache(maxsize=4)
def _load(path: str) -> NBGraphTable:
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise AsebenchError(f"cannot read the NAS-Bench-Graph table {file}: "
                            f"{exc.strerror or exc}") from None
    digest = _sha256(data)
    sidecar = file.with_name(file.name + ".sha256")
    if sidecar.exists():
        expected = sidecar.read_text().split()[0].strip().lower()
        if expected != digest:
            raise AsebenchError(f"{file} does not match its checksum {sidecar.name} "
                                f"(sha256 {digest[:12]}..., expected {expected[:12]}...)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        meta = json.loads(bytes(arrays.pop(META_KEY)).decode())
        datasets = tuple(meta["datasets"])
        keys = {d: arrays[f"{d}/key"].astype(np.int64) for d in datasets}
        columns = {d: {c: arrays[f"{d}/{c}"].astype(np.float64) for c in COLUMNS}
                   for d in datasets}
        key_of_code = arrays["key_of_code"].astype(np.int64)
    except (KeyError, ValueError, OSError) as exc:
        raise AsebenchError(f"{file} is not a NAS-Bench-Graph table: {exc}") from None
    for array in (key_of_code, *keys.values()):
        array.setflags(write=False)
    return NBGraphTable(file, digest, meta, key_of_code, keys, columns)


def load_nbgraph(path: str | os.PathLike[str] | None = None) -> NBGraphTable:
    """The table at ``path`` (default: ``$ASEBENCH_NBGRAPH_DATA`` or the embedded one), read
    once per process and checked against its ``.sha256`` sidecar."""
    chosen = path or os.environ.get(NBGRAPH_ENV_VAR) or nbgraph_table_path()
    return _load(str(Path(chosen).resolve()))
