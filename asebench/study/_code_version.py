"""The version of the code that produces a study's results, as a content hash.

``code_version()`` hashes the path and bytes of every ``.py`` file of the ``asebench`` package
except the layers that only read or present results: ``cli/`` (argument parsing),
``figures/``, ``analysis/``, ``ranking/`` and ``report/`` (tables, ranks, plots and pages from
stored runs) and ``testing/`` (the contract checks), and the parts only the live backend runs
(:data:`LIVE_ONLY`: the supernet, the image datasets, the live demo, ``doctor``). So it changes
whenever a space, a backend, a protocol, a search method, a constraint or the study machinery
(planning, seeding, execution, storage) changes, even by one byte, and not when a plot, a
caption or the supernet does. That is the version of a study on a benchmark table; a study on
any other backend (the live one, a plugin's) gets :func:`live_code_version`, which counts the
live-only parts too, so a change to the supernet reruns live studies and no tabular one. A
tabular study never imports a live-only module (``tests/test_code_version.py`` runs every
built-in method on both tables in a fresh process and checks). The data is not part of it: a
study's resolved configuration already names its table and checksum. Each is computed once per
process.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asebench.study._spec import StudySpec

__all__ = ["LIVE_ONLY", "RESULT_NEUTRAL", "code_version", "live_code_version", "source_hash",
           "study_code_version"]

RESULT_NEUTRAL = ("cli", "figures", "analysis", "testing", "ranking", "report")
"""Subpackages of asebench left out of every code version."""

LIVE_ONLY = ("supernet", "livedemo", "datasets", "doctor", "digits.py")
"""Parts of asebench that only the live backend (and ``doctor``) runs: left out of
:func:`code_version`, counted by :func:`live_code_version`."""

_PACKAGE = Path(__file__).resolve().parents[1]


@functools.cache
def code_version() -> str:
    """16 hex digits of the sha256 of the source files that affect a study on a benchmark
    table (neither :data:`RESULT_NEUTRAL` nor :data:`LIVE_ONLY`)."""
    return source_hash(_PACKAGE)


@functools.cache
def live_code_version() -> str:
    """:func:`code_version` with the :data:`LIVE_ONLY` parts counted too: the version of a
    study on any backend other than a table."""
    return source_hash(_PACKAGE, leave_out=RESULT_NEUTRAL)


def source_hash(root: Path, leave_out: tuple[str, ...] = RESULT_NEUTRAL + LIVE_ONLY) -> str:
    """16 hex digits of the sha256 of the ``.py`` files under the package folder ``root``,
    those whose first path part is in ``leave_out`` left out."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in leave_out:
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def study_code_version(spec: StudySpec) -> str:
    """The code version of a study: :func:`code_version` on a backend whose factory says it
    runs no live-only code (``BackendFactory(..., uses_live_code=False)``: the benchmark
    tables), else :func:`live_code_version`, combined with the source files of every plugin
    method or backend it names (entry points and ``module:factory`` paths), so that a change
    to a plugin's code is a change of the study's code too."""
    from asebench.backends import BackendFactory, backends
    from asebench.search import methods

    factory = backends.factory(spec.backend)
    table = isinstance(factory, BackendFactory) and not factory.uses_live_code
    base = code_version() if table else live_code_version()
    files: set[Path] = set(backends.source_files(spec.backend))
    for method in spec.method_specs:
        files.update(methods.source_files(method.name))
    if not files:
        return base
    digest = hashlib.sha256(base.encode() + b"\0")
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
