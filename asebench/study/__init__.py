"""Multi-seed studies: methods x datasets x paired seeds, run locally or on dask, stored as
parquet (see :func:`run_study`, :mod:`asebench.store` and :mod:`asebench.analysis`).

A study is a :class:`StudySpec`; :func:`resolve` turns it into one :class:`ResolvedStudy`
(defaults filled in, every option checked on the real spaces, one searcher per method);
:func:`run_study` plans it, and drives its chunks through an executor into the store.
"""

from __future__ import annotations

from asebench._atomic import atomic_write_text
from asebench.store import ParquetStore, StudyStore
from asebench.study._code_version import code_version, study_code_version
from asebench.study._executors import EXECUTORS, default_workers
from asebench.study._plan import Cell, Chunk, Plan, plan, plan_cells, plan_chunks
from asebench.study._resolved import (
    ResolvedStudy,
    check_study,
    resolve,
    resolve_config,
    resolve_spec,
)
from asebench.study._runner import run_study
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

__all__ = [
    "DEFAULT_LABELS",
    "EXECUTORS",
    "DEFAULT_SOURCE",
    "Cell",
    "Chunk",
    "MethodSpec",
    "ParquetStore",
    "Plan",
    "ResolvedStudy",
    "StudySpec",
    "StudyStore",
    "atomic_write_text",
    "check_study",
    "code_version",
    "default_workers",
    "parse_assignments",
    "parse_methods",
    "parse_value",
    "plan",
    "plan_cells",
    "plan_chunks",
    "resolve",
    "resolve_config",
    "resolve_spec",
    "run_generators",
    "run_seed_sequences",
    "run_study",
    "study_code_version",
]
