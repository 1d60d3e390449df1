"""Only the store package knows the study folder's layout: no other module of the package
names one of its folders or files, or reads a study's parquet files behind its manifest."""

from __future__ import annotations

import re
from pathlib import Path

import asebench

PACKAGE = Path(asebench.__file__).resolve().parent
LAYOUT_NAME = re.compile(r"""/\s*["'](runs|traces|shards|manifest|metadata\.json|\.lock|"""
                         r"""runs\.parquet)["']""")
BEHIND_THE_MANIFEST = re.compile(r"\b(read_parquet|read_table|ParquetDataset)\s*\(")


def _modules_outside_the_store() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "store" not in p.relative_to(
        PACKAGE).parts[:1]]


def test_no_module_outside_the_store_names_a_folder_of_the_store() -> None:
    offenders = [f"{p.relative_to(PACKAGE)}:{i}: {line.strip()}"
                 for p in _modules_outside_the_store()
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if LAYOUT_NAME.search(line)]
    assert offenders == []


def test_no_module_outside_the_store_reads_a_study_behind_its_manifest() -> None:
    offenders = [f"{p.relative_to(PACKAGE)}:{i}: {line.strip()}"
                 for p in _modules_outside_the_store()
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if BEHIND_THE_MANIFEST.search(line)]
    assert offenders == []


def test_the_pattern_catches_what_it_should() -> None:  # the checks above can fail
    assert LAYOUT_NAME.search('path / "traces"') and LAYOUT_NAME.search("root / 'metadata.json'")
    assert BEHIND_THE_MANIFEST.search("pd.read_parquet(path)")
    assert not LAYOUT_NAME.search('require_columns(traces, cols, "traces")')
