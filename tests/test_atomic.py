"""asebench._atomic: a reader sees the old file or folder or the new one, never half of one."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from asebench._atomic import (
    atomic_write,
    atomic_write_bytes,
    atomic_write_files,
    atomic_write_text,
    publish_directory,
    temp_directory,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_text_and_bytes_land_complete_readable_and_leave_no_temp(tmp_path: Path) -> None:
    text = atomic_write_text(tmp_path / "sub" / "a.md", "naïve\n")
    raw = atomic_write_bytes(tmp_path / "sub" / "b.bin", b"\x00\x01")
    assert text.read_bytes() == "naïve\n".encode() and raw.read_bytes() == b"\x00\x01"
    assert _mode(text) == _mode(raw) == 0o644
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["a.md", "b.bin"]


def test_a_failing_writer_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = atomic_write_text(tmp_path / "t.txt", "old")

    def writer(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(target, writer)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]


def test_the_callback_gets_a_file_name_beside_the_target(tmp_path: Path) -> None:
    seen: list[Path] = []
    atomic_write(tmp_path / "x.npz", lambda tmp: (seen.append(tmp), tmp.write_text("new")))
    assert seen[0].parent == tmp_path and seen[0] != tmp_path / "x.npz"
    assert (tmp_path / "x.npz").read_text() == "new"


def test_files_written_together_are_all_or_nothing(tmp_path: Path) -> None:
    table, sidecar = tmp_path / "t.npz", tmp_path / "t.npz.sha256"
    atomic_write_files({table: b"old", sidecar: "old-sum\n"})

    # the second file cannot be written (its folder would be a file): the first stays old
    with pytest.raises(OSError):
        atomic_write_files({table: b"new", sidecar / "bad": "x"})
    assert table.read_bytes() == b"old" and sidecar.read_text() == "old-sum\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.npz", "t.npz.sha256"]
    atomic_write_files({table: b"new", sidecar: "new-sum\n"})
    assert table.read_bytes() == b"new" and sidecar.read_text() == "new-sum\n"


def test_publish_directory_replaces_a_folder_whole(tmp_path: Path) -> None:
    target = tmp_path / "report"
    for content in ("first", "second"):
        tmp = temp_directory(target)
        assert tmp.parent == tmp_path and tmp.name.startswith(".report.")
        (tmp / "README.md").write_text(content)
        publish_directory(tmp, target)
        assert (target / "README.md").read_text() == content
    assert [p.name for p in tmp_path.iterdir()] == ["report"]
