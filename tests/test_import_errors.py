"""`asebench data import` on bad input: one line naming the file, exit 2, nothing written."""

from __future__ import annotations

import bz2
import os
import pickle
import shutil
from pathlib import Path

import import_fixtures as fx
import pytest
from click.testing import CliRunner

from asebench.cli import cli
from asebench.errors import DataError
from asebench.tables.importers import import_official

N_ARCHS = 4


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pristine")
    return {"archive": fx.write_nats_archive(root, N_ARCHS),
            "pickle": fx.write_nats_pickle(root, N_ARCHS),
            "pth": fx.write_nb201_pth(root, N_ARCHS)}


@pytest.fixture()
def archive(pristine, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine["archive"], tmp_path / pristine["archive"].name))


def _fails(source: Path, out_dir: Path, *expected: str) -> str:
    out = out_dir / "out" / "table.npz"
    result = CliRunner().invoke(cli, ["data", "import", str(source), "--out", str(out), "-q"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("asebench: error: "), result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    leftovers = os.listdir(out.parent) if out.parent.exists() else []
    assert leftovers == [], leftovers  # no table, no sidecar, no temp file
    return lines[0]


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_truncated_arch_archive(archive: Path, tmp_path: Path) -> None:
    target = archive / "000002.pickle.pbz2"
    _truncate(target)
    _fails(archive, tmp_path, str(target), "truncated or corrupt")


def test_corrupt_arch_archive(archive: Path, tmp_path: Path) -> None:
    target = archive / "000001.pickle.pbz2"
    target.write_bytes(b"BZh9" + os.urandom(2000))
    _fails(archive, tmp_path, str(target), "truncated or corrupt")


def test_corrupt_archive_in_the_process_pool(archive: Path, tmp_path: Path) -> None:
    target = archive / "000003.pickle.pbz2"
    _truncate(target)
    with pytest.raises(DataError, match="000003.pickle.pbz2"):
        import_official(archive, tmp_path / "pool.npz", workers=2)
    assert not any(tmp_path.glob("*.npz*")) and not any(tmp_path.glob(".*"))  # no temp left


def test_missing_arch_archive(archive: Path, tmp_path: Path) -> None:
    (archive / "000003.pickle.pbz2").unlink()
    _fails(archive, tmp_path, "1 of 4 architecture archives missing", "000003.pickle.pbz2")


def test_arch_archive_of_another_index(archive: Path, tmp_path: Path) -> None:
    first, second = archive / "000000.pickle.pbz2", archive / "000001.pickle.pbz2"
    first_bytes = first.read_bytes()
    first.write_bytes(second.read_bytes())
    second.write_bytes(first_bytes)
    _fails(archive, tmp_path, "000000.pickle.pbz2", "but index 0")


def test_corrupt_meta(archive: Path, tmp_path: Path) -> None:
    _truncate(archive / "meta.pickle.pbz2")
    _fails(archive, tmp_path, "meta.pickle.pbz2", "truncated or corrupt")


def test_size_search_space_is_refused(archive: Path, tmp_path: Path) -> None:
    (archive / "meta.pickle.pbz2").write_bytes(
        bz2.compress(pickle.dumps({"meta_archs": ["8:16:24:32:40", "8:8:8:8:8"]})))
    _fails(archive, tmp_path, "meta.pickle.pbz2", "not a topology")


def test_unexpected_global_is_refused_not_run(tmp_path: Path) -> None:
    path = tmp_path / "evil.pickle.pbz2"
    path.write_bytes(bz2.compress(pickle.dumps({"meta_archs": os.getcwd})))
    _fails(path, tmp_path, str(path), "unexpected object")


@pytest.mark.parametrize("kind", ["pickle", "pth"])
def test_truncated_single_file(pristine, tmp_path: Path, kind: str) -> None:
    source = tmp_path / pristine[kind].name
    shutil.copy(pristine[kind], source)
    _truncate(source)
    _fails(source, tmp_path, str(source), "truncated or corrupt")


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"arch,acc\n1,2\n", "unrecognised header"),
    (bz2.compress(pickle.dumps([1, 2, 3])), "not an official benchmark file"),
    (bz2.compress(pickle.dumps({"meta_archs": ["x"], "other": 1})), "no 'arch2infos'"),
])
def test_wrong_format_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bench.pickle.pbz2"
    path.write_bytes(content)
    _fails(path, tmp_path, str(path), message)


def test_directory_without_meta_and_missing_path(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    _fails(empty, tmp_path, str(empty), "no meta.pickle.pbz2")
    _fails(tmp_path / "nope", tmp_path, "not found")


def test_failed_import_keeps_the_previous_table(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "table.npz"
    import_official(archive, out)
    before = (out.read_bytes(), (tmp_path / "table.npz.sha256").read_text())
    _truncate(archive / "000000.pickle.pbz2")
    with pytest.raises(DataError):
        import_official(archive, out)
    assert (out.read_bytes(), (tmp_path / "table.npz.sha256").read_text()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [archive.name, "table.npz",
                                                         "table.npz.sha256"]
