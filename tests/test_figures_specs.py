"""The report as declared figure specs: names, the study groups each reads, builders."""

from __future__ import annotations

from pathlib import Path

import pytest

from asebench.errors import AsebenchError
from asebench.figures import FIGURES, FigureInputs, FigureSettings, FigureStudies, make_figures
from asebench.figures._hardware import HardwareStudies
from asebench.figures._space_evolution import SpaceEvolutionStudies
from asebench.figures._spec import StudyRunner


def _settings(tmp_path: Path, table) -> FigureSettings:
    return FigureSettings(tmp_path, "asebench figures", FigureStudies(seeds=2),
                          HardwareStudies(seeds=2), SpaceEvolutionStudies(seeds=2), table)


def test_the_report_order_and_every_declared_group_exists(tmp_path: Path, table) -> None:
    assert [f.name for f in FIGURES] == [
        "fig6_distance", "fig7_subspace_update", "fig8_reward_graph", "fig9_k_m", "policy",
        "anytime", "hardware", "space_evolution", "table1", "index"]
    groups = _settings(tmp_path, table).groups()
    assert set(groups) == {"table1", "subspace-update", "ablations", "policy", "hardware",
                           "space-evolution"}
    assert len(groups["hardware"]) == 8  # pixel3 latency and FLOPs, four percentiles each
    for figure in FIGURES:
        assert set(figure.studies) <= set(groups), figure.name


def test_a_builder_cannot_read_a_group_it_did_not_declare(tmp_path: Path, table) -> None:
    runner = StudyRunner(tmp_path / "studies", 1, False, lambda _: None)
    inputs = FigureInputs(_settings(tmp_path, table), {"table1": {}}, runner)
    with pytest.raises(AsebenchError, match="does not declare"):
        inputs.paths("policy")


def test_a_figure_without_studies_runs_none(tmp_path: Path) -> None:
    lines: list[str] = []
    entries = make_figures(tmp_path / "out", seeds=2, study_root=tmp_path / "studies",
                           workers=1, progress=False, log=lines.append, figures=FIGURES[:1])
    assert [e.name for e in entries] == ["fig6_distance"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "README.md", "fig6_distance.csv", "fig6_distance.pdf", "fig6_distance.png"]
    assert not (tmp_path / "studies").exists()
    assert not any(line.startswith("study ") for line in lines)
