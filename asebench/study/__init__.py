"""Multi-seed studies: methods x datasets x paired seeds, run locally or on dask, stored as
parquet (see :func:`run_study` and :mod:`asebench.analysis`)."""

from __future__ import annotations

from asebench.study._code_version import code_version
from asebench.study._executors import EXECUTORS, default_workers
from asebench.study._plan import Cell, Chunk, plan_cells, plan_chunks
from asebench.study._resolve import resolve_spec
from asebench.study._runner import resolve_config, run_study
from asebench.study._seeding import run_generators, run_seed_sequences
from asebench.study._spec import (
    DEFAULT_LABELS,
    DEFAULT_SOURCE,
    MethodSpec,
    StudySpec,
    parse_assignments,
    parse_methods,
    parse_value,
)
from asebench.study._store import StudyStore, atomic_write_text
from asebench.study._validate import check_study

__all__ = [
    "DEFAULT_LABELS",
    "EXECUTORS",
    "DEFAULT_SOURCE",
    "Cell",
    "Chunk",
    "MethodSpec",
    "StudySpec",
    "StudyStore",
    "atomic_write_text",
    "check_study",
    "code_version",
    "default_workers",
    "parse_assignments",
    "parse_methods",
    "parse_value",
    "plan_cells",
    "plan_chunks",
    "resolve_config",
    "resolve_spec",
    "run_generators",
    "run_seed_sequences",
    "run_study",
]
