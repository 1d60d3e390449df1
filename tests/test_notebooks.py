"""The notebooks: committed without outputs, and they run top to bottom without errors
(tiny seed counts and budget, set through the ASEBENCH_NB_* variables their first cell reads)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["ablations.ipynb", "distance.ipynb"]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_with_outputs_stripped(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code, "a notebook without code"
    for cell in code:
        assert cell.outputs == [], f"{name}: a code cell has outputs"
        assert cell.execution_count is None, f"{name}: a code cell has an execution count"
    assert "parameters" in code[0].metadata.get("tags", []), "first code cell: parameters"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_without_errors(name, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("ASEBENCH_NB_SEEDS", "2")
    monkeypatch.setenv("ASEBENCH_NB_BUDGET", "3000")
    monkeypatch.setenv("ASEBENCH_NB_WORKERS", "1")
    monkeypatch.setenv("ASEBENCH_NB_SUBSET", "40")
    monkeypatch.setenv("ASEBENCH_NB_STUDY_ROOT", str(tmp_path / "studies"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
              if out.get("output_type") == "error"]
    assert not errors
    images = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
              if "image/png" in out.get("data", {})]
    assert images, f"{name} showed no figure"
    if name == "ablations.ipynb":
        assert (tmp_path / "studies").is_dir() and any((tmp_path / "studies").iterdir())
    assert os.environ["ASEBENCH_NB_SEEDS"] == "2"
