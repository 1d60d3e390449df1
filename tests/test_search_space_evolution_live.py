"""NSE and AutoSpace end to end on the live backend (tiny trained supernet, MobileNet space).

The budget is a number of queries: a live query's cost is the real seconds it took, so a
budget in seconds would give a loaded machine fewer queries and fewer rounds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from asebench.cli import cli

QUERIES = 24
"""Enough for NSE's every round (8 here) and both AutoSpace phases to query 3 archs or more."""


def test_nse_and_autospace_run_live(trained_supernet: tuple[Path, Path], tmp_path: Path) -> None:
    ckpt, data = trained_supernet
    out = tmp_path / "study"
    result = CliRunner().invoke(cli, [
        "run", "--backend", "live", "--supernet", str(ckpt), "--data", str(data),
        "--budget-queries", str(QUERIES), "--seeds", "1", "--workers", "1",
        "--methods", "nse,autospace", "--set", "autospace.samples=2",
        "--backend-opt", "calibration=12", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    runs = pd.read_parquet(out / "runs").set_index("label")
    assert sorted(runs.index) == ["autospace", "nse"]
    assert runs["test_accuracy"].between(0, 100).all()
    assert (runs["queries"] <= QUERIES).all()
    traces = pd.read_parquet(out / "traces")
    labels = json.loads((out / "metadata.json").read_text())["study"]["methods"]
    assert {m["label"] for m in labels} == {"nse", "autospace"}
    from asebench.backends import build_live_backend

    space = build_live_backend(supernet=str(ckpt), data=str(data), calibration=12).space
    allowed = {"nse": json.loads(str(runs.loc["nse", "info_round_allowed"])),
               "autospace": [json.loads(str(runs.loc["autospace", "info_final_allowed"]))]}
    for spaces in allowed.values():
        for codes_per_position in spaces:
            for p, codes in enumerate(codes_per_position):
                names = [space.choices(p)[c] for c in codes]
                layers = [n for n in names if n != "skip"]
                # a slot's sub-space: a subset of its kernel x expand choices (skip = depth kept)
                assert 1 <= len(layers) < len(space.choices(p)) - ("skip" in space.choices(p))
                assert ("skip" in names) == ("skip" in space.choices(p))
    # every query of the last NSE round / of AutoSpace's phase 2 lies in that space
    last_round = {
        "nse": json.loads(str(runs.loc["nse", "info_round_queries"]))[-1],
        "autospace": int(runs.loc["autospace", "queries"])
        - int(runs.loc["autospace", "info_evolve_queries"])}
    for label, spaces in allowed.items():
        assert int(runs.loc[label, "queries"]) == len(traces[traces.label == label])
        assert last_round[label] >= 2
        last = spaces[-1]
        arch_rows = traces[traces.label == label]["arch"].tolist()[-last_round[label]:]
        for text in arch_rows:
            arch = space.from_string(text) if isinstance(text, str) else tuple(text)
            assert all(c in codes for c, codes in zip(arch, last))
