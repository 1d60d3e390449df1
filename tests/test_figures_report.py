"""Report writing (atomic PNG/PDF/CSV + README) and the settings of the figure studies."""

from __future__ import annotations

import pandas as pd
import pytest

from asebench.errors import AsebenchError
from asebench.figures import (
    FigureStudies,
    ReportEntry,
    distance_accuracy_table,
    plot_distance,
    write_figure,
    write_readme,
)
from asebench.tables import default_table


@pytest.fixture(scope="module")
def stats() -> pd.DataFrame:
    return distance_accuracy_table(default_table(), datasets=["cifar10"])


def test_write_figure_writes_png_pdf_and_csv_without_leftovers(tmp_path, stats):
    paths = write_figure(tmp_path / "r", "fig6_distance", plot_distance(stats), stats)
    names = sorted(p.name for p in (tmp_path / "r").iterdir())
    assert names == ["fig6_distance.csv", "fig6_distance.pdf", "fig6_distance.png"]
    assert [p.name for p in paths][:2] == ["fig6_distance.png", "fig6_distance.pdf"]
    assert (tmp_path / "r" / "fig6_distance.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "r" / "fig6_distance.pdf").read_bytes()[:5] == b"%PDF-"
    back = pd.read_csv(tmp_path / "r" / "fig6_distance.csv")
    assert list(back.columns) == ["dataset", "distance", "mean_abs_diff", "std_abs_diff",
                                  "pairs"]
    pd.testing.assert_series_equal(back["pairs"], stats["pairs"])
    assert back["mean_abs_diff"].to_numpy() == pytest.approx(stats["mean_abs_diff"], rel=1e-5)


def test_write_figure_is_byte_identical_on_rerun(tmp_path, stats):
    write_figure(tmp_path, "f", plot_distance(stats), {"a": stats, "b": stats.head(2)})
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    write_figure(tmp_path, "f", plot_distance(stats), {"a": stats, "b": stats.head(2)})
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == first
    assert set(first) == {"f.png", "f.pdf", "f_a.csv", "f_b.csv"}


def test_readme_lists_each_entry_with_image_caption_and_command(tmp_path):
    entries = [ReportEntry("fig6_distance", "Fig. 6", "line one\nline two", "asebench figures",
                           ("fig6_distance.png",)),
               ReportEntry("table1", "Table I", "a\nb", "asebench figures --seeds 2",
                           ("table1.md",), image=False)]
    text = write_readme(tmp_path, entries, header="hello").read_text()
    assert text.startswith("# asebench reports\n\nhello\n")
    assert "## Fig. 6\n\n![Fig. 6](fig6_distance.png)\n\nline one  \nline two" in text
    assert "```sh\nasebench figures --seeds 2\n```" in text
    assert "![Table I]" not in text
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]


def test_figure_studies_share_seeds_and_check_settings():
    plan = FigureStudies(seeds=8)
    assert plan.ablation_seeds == 8
    assert FigureStudies(seeds=500).ablation_seeds == 100
    specs = plan.specs()
    assert list(specs) == ["table1", "subspace-update", "ablations", "policy"]
    ablation = specs["ablations"]
    labels = [m.label for m in ablation.method_specs]
    # the default ase runs of table1 stand for K=4 and M=4: no duplicate arm for them
    assert "ase[K=4]" not in labels and "ase[M=4]" not in labels
    assert {"ase-absolute", "ase-no-graph", "ase[K=1]", "ase[M=6]"} <= set(labels)
    assert ablation.datasets == ("ImageNet16-120",)
    assert all(s.master_seed == 0 for s in specs.values())
    assert plan.shared_base_label == "ase"  # the paper's hyper-parameters, as Table I runs
    ablated = {m.label: dict(m.options) for m in ablation.method_specs}
    assert ablated["ase[K=1]"] == {"K": 1}
    assert ablated["ase-no-graph"] == {"graph": False}
    policy = {m.label: dict(m.options) for m in specs["policy"].method_specs}
    assert policy == {"ase-unbounded": {"tanh_constant": None},
                      "ase-uniform": {"policy": "uniform"}}
    assert specs["policy"].datasets == plan.datasets
    with pytest.raises(AsebenchError):
        FigureStudies(seeds=4, ablation_seeds=5)
    with pytest.raises(AsebenchError):
        FigureStudies(seeds=4, base_options={"K": 2})
    with pytest.raises(AsebenchError):
        FigureStudies(seeds=4, ablation_dataset="mnist")
    with pytest.raises(AsebenchError):
        FigureStudies(seeds=0)


def test_ablation_base_shares_table1_runs_only_when_table1_has_them():
    paper = FigureStudies(seeds=4, base_options={})
    assert paper.shared_base_label == "ase"
    assert "ase" not in [m.label for m in paper.ablation_spec().method_specs]
    other = FigureStudies(seeds=4, base_options={"lr": 0.003})
    assert other.shared_base_label is None
    for spec in (other.ablation_spec(), other.subspace_spec()):
        reference = {m.label: dict(m.options) for m in spec.method_specs}["ase"]
        assert reference == {"lr": 0.003}


def test_revision_note_flags_studies_from_different_code(tmp_path):
    import json

    from asebench.figures._make import _revision_note

    def write(name, commit, version):
        (tmp_path / name).mkdir(exist_ok=True)
        (tmp_path / name / "metadata.json").write_text(json.dumps(
            {"git": {"commit": commit}, "code_version": version}))
        return tmp_path / name

    # another commit with the same code version (a caption changed): comparable
    paths = {"table1": write("table1", "a" * 40, "1" * 16),
             "ablations": write("ablations", "b" * 40, "1" * 16)}
    assert _revision_note(paths) == ""
    write("ablations", "b" * 40, "2" * 16)
    note = _revision_note(paths)
    assert "different code" in note and "1" * 16 in note and "2" * 16 in note
