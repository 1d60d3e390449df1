"""The version of the code that produces a study's results, as a content hash.

``code_version()`` hashes the path and bytes of every ``.py`` file of the ``asebench`` package
except the layers that only read or present results: ``cli/`` (argument parsing),
``figures/``, ``analysis/``, ``ranking/`` and ``report/`` (tables, ranks, plots and pages from
stored runs) and ``testing/`` (the contract checks). So it changes whenever a space, a
backend, a protocol, a search method, a constraint, the supernet or the study machinery
(planning, seeding, execution, storage) changes, even by one byte, and not when a plot or a
caption does. The data is not part of it: a study's resolved configuration already names its
table and checksum. It is computed once per process.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asebench.study._spec import StudySpec

__all__ = ["code_version", "source_hash", "study_code_version", "RESULT_NEUTRAL"]

RESULT_NEUTRAL = ("cli", "figures", "analysis", "testing", "ranking", "report")
"""Subpackages of asebench left out of :func:`code_version`."""


@functools.cache
def code_version() -> str:
    """16 hex digits of the sha256 of this package's result-affecting source files."""
    return source_hash(Path(__file__).resolve().parents[1])


def source_hash(root: Path) -> str:
    """16 hex digits of the sha256 of the ``.py`` files under the package folder ``root``,
    those under :data:`RESULT_NEUTRAL` subfolders left out."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in RESULT_NEUTRAL:
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def study_code_version(spec: StudySpec) -> str:
    """The code version of a study: :func:`code_version`, combined with the source files of
    every plugin method or backend it names (entry points and ``module:factory`` paths), so
    that a change to a plugin's code is a change of the study's code too."""
    from asebench.backends import backends
    from asebench.search import methods

    files: set[Path] = set(backends.source_files(spec.backend))
    for method in spec.method_specs:
        files.update(methods.source_files(method.name))
    if not files:
        return code_version()
    digest = hashlib.sha256(code_version().encode() + b"\0")
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
