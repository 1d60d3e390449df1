"""The core install: the tabular path never imports torch (nor pillow, kornia or dask), and
the optional features name the extra to install when it is missing.

The commands run in a real subprocess whose ``sitecustomize`` makes those packages
unimportable and records every attempt to import them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

OPTIONAL = ("torch", "kornia", "PIL", "dask", "distributed", "sklearn")

_BLOCKER = '''
import os, sys

class _Blocker:
    """Refuses the optional packages, recording each attempt."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            with open(os.environ["BLOCKED_LOG"], "a") as log:
                log.write(name + "\\n")
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, _Blocker())
'''


@pytest.fixture
def blocked(tmp_path: Path) -> tuple[dict[str, str], Path]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_BLOCKER.format(blocked=OPTIONAL))
    log = site / "imports.log"
    env = {**os.environ, "PYTHONPATH": str(site), "BLOCKED_LOG": str(log)}
    env.pop("ASEBENCH_DATA", None)
    return env, log


def _asebench(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "asebench", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_blocker_is_active(blocked: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, log = blocked
    probe = subprocess.run([sys.executable, "-c", "import torch"], env=env,
                           capture_output=True, text=True)
    assert probe.returncode != 0 and "torch" in log.read_text()


@pytest.mark.slow
def test_tabular_path_never_imports_torch(blocked: tuple[dict[str, str], Path],
                                          tmp_path: Path) -> None:
    env, log = blocked
    for args in (["query", "0", "-d", "cifar10"],
                 ["run", "--methods", "random,ase,evolution", "--datasets", "cifar10",
                  "--seeds", "2", "--workers", "2", "--no-progress", "--out", "s",
                  "--table-out", "t.md"],
                 ["table", "s"], ["verify", "s"]):
        done = _asebench(env, tmp_path, *args)
        assert done.returncode == 0, (args, done.stderr)
    assert not log.exists(), log.read_text()


@pytest.mark.parametrize("args, extra", [
    (["run", "--backend", "live", "--supernet", "net.pt", "--data", "images", "--budget", "5",
      "--out", "s", "--no-progress"], "live"),
    (["supernet", "train", "--data", "images", "--out", "net.pt"], "live"),
    (["run", "--methods", "random", "--datasets", "cifar10", "--seeds", "2",
      "--executor", "dask", "--out", "s", "--no-progress"], "dask"),
    (["data", "digits", "digits"], "digits"),
])
def test_missing_extra_is_one_line_naming_the_install(
        blocked: tuple[dict[str, str], Path], tmp_path: Path, args: list[str],
        extra: str) -> None:
    env, _ = blocked
    done = _asebench(env, tmp_path, *args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("asebench: error: "), done.stderr
    assert f"pip install 'asebench[{extra}]'" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # nothing written
