"""Which source files a study's code version counts: a study on a benchmark table leaves out
the live-only parts (the supernet, the image datasets, the live demo, doctor), because it
never imports them, which a fresh process running every built-in method checks; a live study
counts them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import asebench
from asebench.study import StudySpec
from asebench.study._code_version import (
    LIVE_ONLY,
    code_version,
    live_code_version,
    source_hash,
    study_code_version,
)

PACKAGE = Path(asebench.__file__).resolve().parent


def test_a_supernet_change_is_a_live_change_only(tmp_path: Path) -> None:
    copy = tmp_path / "asebench"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    table, live = source_hash(copy), source_hash(copy, leave_out=("cli",))
    for part in ("supernet/_loop.py", "livedemo/_config.py", "datasets/__init__.py",
                 "digits.py"):
        path = copy / part
        path.write_text(path.read_text() + "\n# a schedule change\n")
    assert source_hash(copy) == table
    assert source_hash(copy, leave_out=("cli",)) != live
    method = copy / "search" / "_random.py"
    method.write_text(method.read_text() + "\n# a method change\n")
    assert source_hash(copy) != table


def test_a_study_gets_the_version_of_its_backend() -> None:
    assert live_code_version() != code_version()
    for backend in ("tabular", "nas-bench-graph"):
        spec = StudySpec(methods=("random",), seeds=1, backend=backend, datasets=("cora",)
                         if backend == "nas-bench-graph" else ("cifar10",))
        assert study_code_version(spec) == code_version()
    live = StudySpec(methods=("random",), seeds=1, backend="live", datasets=("images",))
    assert study_code_version(live) == live_code_version()


_PROBE = """
import json, sys, tempfile
from pathlib import Path
from asebench import search
from asebench.search import methods
from asebench.study import StudySpec, run_study

names = [n for n in methods.names() if n != "greedy"]
usable = []
for name in names:
    try:
        search.get(name)
        usable.append(name)
    except Exception:  # a library that is not installed here
        pass
root = Path(tempfile.mkdtemp())
run_study(StudySpec(methods=tuple(usable), datasets=("cifar10",), seeds=1,
                    budget_queries=12), root / "nb201", workers=1, progress=False)
run_study(StudySpec(methods=tuple(usable), datasets=("cora",), seeds=1, budget_queries=12,
                    backend="nas-bench-graph"), root / "nbgraph", workers=1, progress=False)
print(json.dumps({"methods": usable, "modules": sorted(sys.modules)}))
"""


def test_a_table_study_imports_no_live_only_module() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"ase", "bananas", "nse", "autospace", "random"} <= set(result["methods"])
    live = [m for m in result["modules"] if m.startswith("asebench.")
            and m.split(".")[1].removesuffix(".py") in {p.removesuffix(".py") for p in LIVE_ONLY}]
    assert live == []


@pytest.mark.parametrize("part", LIVE_ONLY)
def test_every_live_only_part_exists(part: str) -> None:
    assert (PACKAGE / part).exists()
