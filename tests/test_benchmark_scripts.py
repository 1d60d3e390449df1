"""The study benchmarks still run against today's API (tiny sizes; no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(script: str, args: list[str], tmp_path: Path) -> object:
    out = tmp_path / "result.json"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args,
                           "--json", str(out)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(out.read_text())


def test_study_speed_runs_every_label_it_names(tmp_path: Path) -> None:
    result = _run("study_speed.py", ["--seeds", "2", "--workers", "1", "--methods",
                                     "ase,ase+,random"], tmp_path)
    assert isinstance(result, list) and len(result) == 1
    assert set(result[0]["cpu_s_by_label"]) == {"ase", "ase+", "random"}


def test_nbgraph_study_counts_its_runs(tmp_path: Path) -> None:
    result = _run("nbgraph_study.py", ["--seeds", "2", "--reference-seeds", "2",
                                       "--workers", "1"], tmp_path)
    assert isinstance(result, dict)
    # 9 datasets x 6 labels less ase+ on its source (cora); NB201: 3 x 6 less one
    assert result["nbgraph"]["runs"] == (9 * 6 - 1) * 2
    assert result["reference"]["runs"] == (3 * 6 - 1) * 2
