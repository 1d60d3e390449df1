"""The NB201 benchmark table in memory: columns per dataset, arch index mapping, checksums."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from asebench.errors import AsebenchError, DataError
from asebench.tables._format import DATASETS, META_KEY, TableMeta, sha256_file

__all__ = ["NB201Table", "load_table", "embedded_table_path", "DATA_ENV_VAR"]

DATA_ENV_VAR = "ASEBENCH_DATA"
_EMBEDDED_NAME = "nb201.npz"


def embedded_table_path() -> Path:
    """Path of the embedded table: the repository's ``data/`` folder, installed as the
    resource package ``asebench._data`` (a wheel or an editable install), or read in place in
    a plain checkout."""
    from asebench._resources import data_dir

    return data_dir() / _EMBEDDED_NAME


def _expected_sha256(path: Path) -> str | None:
    sidecar = path.with_name(path.name + ".sha256")
    if not sidecar.exists():
        return None
    return sidecar.read_text().split()[0].strip().lower()


@dataclass(frozen=True, eq=False)
class NB201Table:
    """All stored metrics of the 15,625 NB201 architectures on three datasets.

    Attributes:
        arch_codes: ``(N, 6)`` op codes of each arch, row = NB201/NATS index.
        columns: ``{dataset: {column: array}}``; arrays are ``(N,)`` or ``(N, seeds)``.
        meta: provenance and description of the table.
        path: the file it was read from.
        sha256: the file's checksum (verified against its ``.sha256`` sidecar when present).
    """

    arch_codes: np.ndarray
    columns: Mapping[str, Mapping[str, np.ndarray]]
    extra: Mapping[str, np.ndarray]
    meta: TableMeta
    path: Path
    sha256: str

    @property
    def num_archs(self) -> int:
        return int(self.arch_codes.shape[0])

    @property
    def datasets(self) -> tuple[str, ...]:
        return tuple(self.columns)

    def check_dataset(self, dataset: str) -> str:
        """Return ``dataset`` if the table has it, else raise a one-line error."""
        if dataset not in self.columns:
            raise AsebenchError(
                f"unknown dataset {dataset!r}; choose one of {', '.join(self.columns)}")
        return dataset

    def column_names(self, dataset: str) -> tuple[str, ...]:
        return tuple(self.columns[self.check_dataset(dataset)])

    def column(self, dataset: str, name: str) -> np.ndarray:
        """The array of column ``name`` on ``dataset`` (read-only)."""
        cols = self.columns[self.check_dataset(dataset)]
        if name not in cols:
            raise AsebenchError(
                f"table {self.meta.name!r} has no column {name!r} for {dataset}; "
                f"it has {', '.join(cols)}")
        return cols[name]

    def has_column(self, dataset: str, name: str) -> bool:
        return name in self.columns.get(dataset, {})

    @cached_property
    def index_by_code(self) -> np.ndarray:
        """``(5**6,) int32``: NB201 index of the arch whose base-5 code (e01 first) is k."""
        powers = 5 ** np.arange(5, -1, -1)
        codes = self.arch_codes.astype(np.int64) @ powers
        lookup = np.full(5**6, -1, dtype=np.int32)
        lookup[codes] = np.arange(self.num_archs, dtype=np.int32)
        return lookup

    @cached_property
    def index_of(self) -> Mapping[tuple[int, ...], int]:
        """``{arch tuple: NB201 index}`` for all archs (built once, on first use)."""
        return dict(zip(map(tuple, self.arch_codes.tolist()), range(self.num_archs)))

    def metrics(self, dataset: str, index: int) -> dict[str, float | list[float]]:
        """Every stored value of one arch on one dataset (per-seed columns as lists)."""
        out: dict[str, float | list[float]] = {}
        for name, array in self.columns[self.check_dataset(dataset)].items():
            value = array[index]
            if np.ndim(value):
                out[name] = [float(v) for v in value]
            else:
                out[name] = value.item()
        return out


def _open_npz(path: Path) -> Mapping[str, np.ndarray]:
    try:
        data = path.read_bytes()
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise DataError(f"cannot read benchmark table {path}: {exc}") from None


def load_table(path: str | os.PathLike[str] | None = None, *, verify: bool = True) -> NB201Table:
    """Load a benchmark table.

    Args:
        path: a table file; default: ``$ASEBENCH_DATA`` if set, else the embedded table.
        verify: check the file's sha256 against its ``<file>.sha256`` sidecar (the embedded
            table always has one).

    Raises:
        DataError: the file is missing, corrupt, fails its checksum or is of another format.
    """
    if path is None:
        path = os.environ.get(DATA_ENV_VAR) or embedded_table_path()
    path = Path(path)
    if not path.is_file():
        raise DataError(f"benchmark table not found: {path}")
    expected = _expected_sha256(path)
    digest = sha256_file(path)
    if verify and expected is not None and digest != expected:
        raise DataError(
            f"checksum mismatch for {path}: sha256 {digest[:12]}... != expected "
            f"{expected[:12]}... (file corrupt or modified; rebuild or restore it)")
    if verify and expected is None and path == embedded_table_path():
        raise DataError(f"checksum file missing for the embedded table {path}")
    arrays = _open_npz(path)
    if META_KEY not in arrays or "arch_codes" not in arrays:
        raise DataError(f"{path} is not an asebench benchmark table (no metadata/arch codes)")
    meta = TableMeta.from_json(bytes(arrays[META_KEY]).decode())
    columns: dict[str, dict[str, np.ndarray]] = {}
    extra: dict[str, np.ndarray] = {}
    for key, array in arrays.items():
        if key in (META_KEY, "arch_codes"):
            continue
        array.setflags(write=False)
        dataset, sep, name = key.partition("/")
        if sep:
            columns.setdefault(dataset, {})[name] = array
        else:
            extra[key] = array
    ordered = {d: columns[d] for d in DATASETS if d in columns}
    ordered.update({d: c for d, c in columns.items() if d not in ordered})
    codes = arrays["arch_codes"]
    codes.setflags(write=False)
    return NB201Table(codes, ordered, extra, meta, path, digest)
