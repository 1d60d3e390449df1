"""Importers for the official NATS-Bench / NAS-Bench-201 files (``asebench data import``).

The official packages (``nats_bench``, ``nas-bench-201``) are used to read the numbers; they
are imported only when an import runs.
"""

from __future__ import annotations

from asebench.tables.importers._run import ImportResult, default_output, import_official
from asebench.tables.importers._sources import SourceInfo, detect_source, listing_digest

__all__ = [
    "ImportResult",
    "SourceInfo",
    "default_output",
    "detect_source",
    "import_official",
    "listing_digest",
]
