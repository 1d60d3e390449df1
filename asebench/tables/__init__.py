"""Benchmark tables: the embedded NAS-Bench-201 table and its on-disk format."""

from __future__ import annotations

from functools import lru_cache

from asebench.tables._format import DATASETS, SEEDS_200, TableMeta, sha256_file, write_table
from asebench.tables._table import (
    DATA_ENV_VAR,
    NB201Table,
    embedded_table_path,
    load_table,
)

__all__ = [
    "DATASETS",
    "SEEDS_200",
    "DATA_ENV_VAR",
    "NB201Table",
    "TableMeta",
    "default_table",
    "embedded_table_path",
    "import_official",
    "load_table",
    "sha256_file",
    "write_table",
]


@lru_cache(maxsize=8)
def _cached(path: str | None) -> NB201Table:
    return load_table(path)


def default_table(path: str | None = None) -> NB201Table:
    """The table at ``path`` (default: ``$ASEBENCH_DATA`` or the embedded one), loaded once
    per process and shared."""
    import os

    return _cached(path or os.environ.get(DATA_ENV_VAR) or None)


def __getattr__(name: str) -> object:
    # the importer (and the official packages it drives) loads only when asked for
    if name == "import_official":
        from asebench.tables.importers import import_official

        return import_official
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
