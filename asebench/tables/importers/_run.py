"""``import_official``: an official NATS-Bench / NAS-Bench-201 source -> an asebench table."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import pickle
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from asebench._atomic import atomic_write_files
from asebench.errors import AsebenchError, DataError
from asebench.tables._format import (
    DATASETS,
    SEEDS_200,
    TableMeta,
    sha256_file,
    table_bytes,
)
from asebench.tables.importers._archive import read_archive, read_error, read_meta
from asebench.tables.importers._assemble import Columns
from asebench.tables.importers._extract import ArchReader
from asebench.tables.importers._sources import (
    SourceInfo,
    arch_file_names,
    detect_source,
    listing_digest,
    load_pbz2,
    load_pth,
)

__all__ = ["ImportResult", "default_output", "import_official"]

Progress = Callable[[int, int], None]
_PACKAGES = {"nats": "nats_bench", "nb201": "nas-bench-201"}
_LOAD_ERRORS = (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError,
                AttributeError, KeyError, IndexError, RuntimeError, MemoryError)


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_official` wrote.

    Attributes:
        path: the table file (a ``<path>.sha256`` sidecar lies beside it).
        sha256: the table file's checksum.
        meta: the table's metadata, provenance included.
        num_archs: architectures imported.
        seconds: wall time of the import.
    """

    path: Path
    sha256: str
    meta: TableMeta
    num_archs: int
    seconds: float


def default_output(source: str | os.PathLike[str]) -> Path:
    """``data/imported/<source name>.npz`` (relative to the working directory)."""
    return Path("data") / "imported" / f"{detect_source(Path(source)).stem}.npz"


def _arch_codes(meta_archs: Any, where: Path) -> np.ndarray:
    from asebench.spaces import NB201Space

    if not isinstance(meta_archs, (list, tuple)) or not meta_archs:
        raise DataError(f"{where}: 'meta_archs' is not a non-empty list of arch strings")
    space = NB201Space()
    try:
        codes = [space.from_string(text) for text in meta_archs]
    except (AsebenchError, AttributeError, TypeError) as exc:
        raise DataError(
            f"{where}: not a topology (tss / NAS-Bench-201) benchmark: {exc}") from None
    return np.asarray(codes, dtype=np.uint8)


def _check_benchmark(data: Any, where: Path) -> None:
    if not isinstance(data, Mapping):
        raise DataError(f"{where}: not an official benchmark file (top level is "
                        f"{type(data).__name__}, not a dict)")
    for key in ("meta_archs", "arch2infos"):
        if key not in data:
            raise DataError(f"{where}: not an official benchmark file (no {key!r} entry)")


def _flavor_of(states: Mapping[Any, Any]) -> str:
    for state in states.values():
        if isinstance(state, Mapping) and ("less" in state or "full" in state):
            return "nb201"
        return "nats"
    return "nats"


def _read_single(source: SourceInfo, progress: Progress | None
                 ) -> tuple[str, np.ndarray, Columns, str, int]:
    """Whole-file sources: the official format is one pickle, so it is loaded once (the one
    step that needs memory of the file's size), then read and released arch by arch."""
    path = source.path
    try:
        data = load_pth(path) if source.kind == "nb201-pth" else load_pbz2(path)
    except _LOAD_ERRORS as exc:
        raise read_error(path, exc) from None
    _check_benchmark(data, path)
    meta_archs = data["meta_archs"]
    codes = _arch_codes(meta_archs, path)
    states = data["arch2infos"]
    if not isinstance(states, dict):
        raise DataError(f"{path}: not an official benchmark file ('arch2infos' is not a dict)")
    flavor = _flavor_of(states)
    reader = ArchReader(flavor, meta_archs)
    columns = Columns(len(meta_archs))
    total = len(states)
    for done, index in enumerate(sorted(states), start=1):
        state = states.pop(index)  # release each arch once read
        if not isinstance(index, int) or not 0 <= index < len(meta_archs):
            raise DataError(f"cannot import {path}: arch index {index!r} outside meta_archs")
        arch_str, record = reader.read(index, state)
        if arch_str != meta_archs[index]:
            raise DataError(f"cannot import {path}: arch {index} is {arch_str}, "
                            f"meta_archs says {meta_archs[index]}")
        columns.add(index, record)
        if progress is not None and (done % 256 == 0 or done == total):
            progress(done, total)
    del data, states
    return flavor, codes, columns, sha256_file(path), path.stat().st_size


def _provenance(source: SourceInfo, flavor: str, digest: str, size: int, digest_of: str,
                coverage: Mapping[str, int], varies: Mapping[str, int], n_archs: int
                ) -> dict[str, object]:
    package = _PACKAGES[flavor]
    out: dict[str, object] = {
        "importer": "asebench data import",
        "asebench_version": _version("asebench"),
        "source_name": source.name,
        "source_kind": source.kind,
        "source_size_bytes": size,
        "source_sha256": digest,
        "source_sha256_of": digest_of,
        "package": package,
        "package_version": _version(package),
        "num_archs": n_archs,
        "reward_12": "valid_acc_12: x-valid accuracy after the 12-epoch schedule (hp=12), per "
                     "seed; cifar10 reads the cifar10-valid runs",
        "cost_12": "cost_12ep_s: train-all-time(hp=12) + valid-per-time(hp=12), as "
                   "simulate_train_eval; mean over seeds where they differ (cost_12ep_seed_s "
                   "has each seed's)",
        "cost_varies_by_seed": dict(varies),
    }
    if source.kind == "nb201-pth":
        out["torch_version"] = _version("torch")
    if coverage:
        out["partial_columns"] = dict(coverage)
    return out


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _varies(arrays: Mapping[str, np.ndarray]) -> dict[str, int]:
    out: dict[str, int] = {}
    for dataset in DATASETS:
        cost = arrays.get(f"{dataset}/cost_12ep_seed_s")
        if cost is None:
            continue
        spread = np.nanmax(cost, axis=1) - np.nanmin(cost, axis=1)
        out[dataset] = int(np.sum(spread > 0))
    return out


def _seeds(arrays: Mapping[str, np.ndarray]) -> tuple[int, ...]:
    seeds: set[int] = set()
    for dataset in DATASETS:
        values = arrays.get(f"{dataset}/seeds_200")
        if values is not None:
            seeds.update(int(v) for v in np.unique(values[~np.isnan(values)]))
    return tuple(sorted(seeds))


def _write(out: Path, arrays: dict[str, np.ndarray], meta: TableMeta) -> str:
    """Table + ``.sha256`` sidecar, both via temp files renamed only once both are complete."""
    data = table_bytes(arrays, meta)
    digest = hashlib.sha256(data).hexdigest()
    atomic_write_files({out: data, out.with_name(out.name + ".sha256"): f"{digest}  {out.name}\n"})
    return digest


def import_official(source: str | os.PathLike[str], out: str | os.PathLike[str] | None = None,
                    *, workers: int | None = None, progress: Progress | None = None
                    ) -> ImportResult:
    """Import an official NATS-Bench topology / NAS-Bench-201 benchmark as an asebench table.

    Args:
        source: a ``NATS-tss-v1_0-3ffb9-simple`` (or ``-full``) directory, the
            ``NATS-tss-v1_0-3ffb9.pickle.pbz2`` file, or a ``NAS-Bench-201-v1_[01]-*.pth``.
        out: the table file to write (default :func:`default_output`); its ``.sha256`` sidecar
            is written beside it. Nothing is written unless the whole import succeeds.
        workers: processes for archive directories (default: all cores); whole-file sources
            are read in this process.
        progress: called as ``progress(done, total)`` while architectures are read.

    Returns:
        An :class:`ImportResult`.

    Raises:
        DataError: unknown, corrupt, truncated or incomplete source (the message names the
            offending file).
    """
    started = time.perf_counter()
    info = detect_source(Path(source))
    out_path = Path(out) if out is not None else default_output(info.path)
    if workers is not None and workers < 1:
        raise AsebenchError(f"workers must be >= 1, got {workers}")
    if info.kind == "nats-archive":
        meta_data, meta_digest, meta_size = read_meta(info.path)
        meta_path = info.path / "meta.pickle.pbz2"
        if not isinstance(meta_data, Mapping) or "meta_archs" not in meta_data:
            raise DataError(f"{meta_path}: not a NATS-Bench archive index (no 'meta_archs')")
        codes = _arch_codes(meta_data["meta_archs"], meta_path)
        meta_archs = list(meta_data["meta_archs"])
        names = arch_file_names(info.path, len(meta_archs))
        columns, digests = read_archive(info.path, names, meta_archs,
                                        workers or os.cpu_count() or 1, progress)
        entries = [(name, digest) for name, digest, _ in digests]
        entries.append(("meta.pickle.pbz2", meta_digest))
        digest = listing_digest(entries)
        size = meta_size + sum(size for _, _, size in digests)
        digest_of = ("sha256sum listing of meta.pickle.pbz2 and the arch archives: "
                     "cd DIR && sha256sum meta.pickle.pbz2 [0-9]*.pickle.pbz2 | "
                     "LC_ALL=C sort -k2 | sha256sum")
        flavor = "nats"
    else:
        flavor, codes, columns, digest, size = _read_single(info, progress)
        digest_of = "file bytes"
    arrays, coverage = columns.finish()
    arrays["arch_codes"] = codes
    provenance = _provenance(info, flavor, digest, size, digest_of, coverage, _varies(arrays),
                             int(codes.shape[0]))
    meta = TableMeta(
        name=f"imported:{info.stem}",
        description=(
            f"Imported from the official {info.name} with {provenance['package']} "
            f"{provenance['package_version']}: per-seed 12- and 200-epoch validation/test "
            "accuracy, the exact simulate_train_eval cost (cost_12ep_s), params, FLOPs, "
            "latency. cifar10 search columns come from cifar10-valid, its test accuracy from "
            "cifar10 (train+valid)."),
        seeds=_seeds(arrays) or SEEDS_200,
        provenance=provenance,
    )
    sha = _write(out_path, arrays, meta)
    return ImportResult(out_path, sha, meta, int(codes.shape[0]),
                        time.perf_counter() - started)
