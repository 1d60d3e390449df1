"""The report's figures, declared in order (:data:`FIGURES`), and their builders.

Figs. 7-9 and the policy figure compare ablated ASE-NAS arms with a reference arm, labelled
``ase`` in their data: by default Table I's ``ase`` runs on the ablations' seeds
(:attr:`FigureStudies.shared_base_label`), else the ablation study's own reference arm.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from asebench._atomic import atomic_write_text
from asebench.figures._anytime import anytime_curves, caption_anytime, plot_anytime
from asebench.figures._distance import PAPER_FIG6, distance_accuracy_table
from asebench.figures._fig6 import caption_distance, plot_distance
from asebench.figures._fig7 import (
    FIG7_LABELS,
    caption_subspace_update,
    plot_subspace_update,
    subspace_update_summary,
)
from asebench.figures._fig8 import (
    FIG8_PANELS,
    best_so_far_by_step,
    caption_ablation_curves,
    plot_ablation_curves,
    subspaces_explored,
)
from asebench.figures._fig9 import caption_sweeps, plot_sweeps, sweep_summary
from asebench.figures._hardware import hardware_figures
from asebench.figures._policy import caption_policy, plot_policy, policy_curves, policy_summary
from asebench.figures._report import ReportEntry, write_figure
from asebench.figures._space_evolution import space_evolution_figure
from asebench.figures._spec import ReportFigure, ReportInputs
from asebench.figures._studies import REFERENCE, FigureStudies
from asebench.figures._table1 import caption_table1

RANDOM_BASELINE = "random"
"""Fig. 7's random search over the whole space (the Table I runs of that label)."""

__all__ = ["FIGURES"]


def _paired(plan: FigureStudies, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows on the ablations' seeds."""
    return frame[frame["seed"].isin(set(range(plan.arm_seeds)))]


def _reference(plan: FigureStudies, own: pd.DataFrame, from_table: pd.DataFrame,
               dataset: str | None) -> pd.DataFrame:
    """The reference arm, labelled ``ase``: from table1 when shared, else its own study."""
    shared = plan.shared_base_label
    if shared is None:
        return own[own["label"] == REFERENCE]
    rows = from_table[from_table["label"] == shared]
    if dataset is not None:
        rows = rows[rows["dataset"] == dataset]
    return _paired(plan, rows).assign(label=REFERENCE)


def _with_note(caption: str, note: str) -> str:
    """``note`` appended to the first line of a two-line caption."""
    first, _, rest = caption.partition("\n")
    return f"{first} {note}.\n{rest}" if rest else f"{first} {note}."


def _entry(inputs: ReportInputs, name: str, title: str, caption: str,
           files: Sequence[Path]) -> list[ReportEntry]:
    s = inputs.settings
    inputs.say(f"{name} written")
    return [ReportEntry(name, title, caption, s.command, s.rel(files))]


def build_distance(inputs: ReportInputs) -> list[ReportEntry]:
    """Fig. 6 from the table alone (no study)."""
    s = inputs.settings
    stats = distance_accuracy_table(s.table, datasets=s.plan.datasets)
    files = write_figure(s.out, "fig6_distance", plot_distance(stats), stats)
    return _entry(inputs, "fig6_distance", "Fig. 6: accuracy difference vs architecture "
                  "distance", caption_distance(stats, PAPER_FIG6), files)


def build_subspace_update(inputs: ReportInputs) -> list[ReportEntry]:
    """Fig. 7: random search from Table I, the reference arm, the two ablated arms."""
    s, plan = inputs.settings, inputs.settings.plan
    table_runs, sub_runs = inputs.runs("table1"), inputs.runs("subspace-update")
    runs = pd.concat([_paired(plan, table_runs[table_runs["label"] == RANDOM_BASELINE]),
                      _reference(plan, sub_runs, table_runs, None),
                      sub_runs[sub_runs["label"] != REFERENCE]], ignore_index=True, sort=False)
    summary = subspace_update_summary(runs, FIG7_LABELS)
    files = write_figure(s.out, "fig7_subspace_update", plot_subspace_update(summary), summary)
    return _entry(inputs, "fig7_subspace_update", "Fig. 7: subspace updating",
                  _with_note(caption_subspace_update(runs), plan.base_text()), files)


def _ablation_runs(inputs: ReportInputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reference runs and the ablated arms' runs on the ablation dataset."""
    plan = inputs.settings.plan
    abl_runs = inputs.runs("ablations")
    base = _reference(plan, abl_runs, inputs.runs("table1"), plan.ablation_dataset)
    return base, abl_runs


def build_reward_graph(inputs: ReportInputs) -> list[ReportEntry]:
    """Fig. 8: reward type and subspace graph, on the ablation dataset."""
    from asebench.errors import AsebenchError

    s, plan = inputs.settings, inputs.settings.plan
    ds = plan.ablation_dataset
    base, abl_runs = _ablation_runs(inputs)
    runs = pd.concat([base, abl_runs[abl_runs["label"] != REFERENCE]],
                     ignore_index=True, sort=False)
    abl_traces = inputs.traces("ablations")
    traces = pd.concat([_reference(plan, abl_traces, inputs.traces("table1"), ds),
                        abl_traces[abl_traces["label"] != REFERENCE]], ignore_index=True)
    curves = best_so_far_by_step(traces, FIG8_PANELS)
    try:
        explored: pd.DataFrame | None = subspaces_explored(runs)
    except AsebenchError:
        explored = None
    data = {"curves": curves} | ({"subspaces": explored} if explored is not None else {})
    files = write_figure(s.out, "fig8_reward_graph",
                         plot_ablation_curves(curves, explored, dataset=ds), data)
    caption = caption_ablation_curves(runs, FIG8_PANELS, dataset=ds)
    return _entry(inputs, "fig8_reward_graph", "Fig. 8: reward type and subspace graph",
                  _with_note(caption, plan.base_text()), files)


def build_sweeps(inputs: ReportInputs) -> list[ReportEntry]:
    """Fig. 9: K and M; the default runs give the K=4 / M=4 points."""
    s, plan = inputs.settings, inputs.settings.plan
    base, abl_runs = _ablation_runs(inputs)
    frames = [base.assign(K=float(plan.defaults["K"]), M=float(plan.defaults["M"]))]
    for param, values in (("K", plan.k_values), ("M", plan.m_values)):
        for value in values:
            if value != plan.defaults[param]:
                rows = abl_runs[abl_runs["label"] == f"{REFERENCE}[{param}={value}]"]
                frames.append(rows.assign(**{param: float(value)}))
    summary = sweep_summary(pd.concat(frames, ignore_index=True, sort=False), ("K", "M"))
    ds = plan.ablation_dataset
    files = write_figure(s.out, "fig9_k_m", plot_sweeps(summary, plan.defaults, dataset=ds),
                         summary)
    return _entry(inputs, "fig9_k_m", "Fig. 9: number of subspaces K and local distance M",
                  _with_note(caption_sweeps(summary, dataset=ds), plan.base_text()),
                  files)


def build_policy(inputs: ReportInputs) -> list[ReportEntry]:
    """Bounded (reference) vs unbounded vs uniform decision heads, every dataset."""
    s, plan = inputs.settings, inputs.settings.plan
    pol_runs, pol_traces = inputs.runs("policy"), inputs.traces("policy", ["arch"])
    ref_traces = (inputs.traces("table1", ["arch"]) if plan.shared_base_label is not None
                  else pol_traces)
    runs = pd.concat([_reference(plan, pol_runs, inputs.runs("table1"), None),
                      pol_runs[pol_runs["label"] != REFERENCE]], ignore_index=True, sort=False)
    traces = pd.concat([_reference(plan, pol_traces, ref_traces, None),
                        pol_traces[pol_traces["label"] != REFERENCE]], ignore_index=True)
    curves, summary = policy_curves(runs, traces), policy_summary(runs)
    files = write_figure(s.out, "policy", plot_policy(curves, summary),
                         {"curves": curves, "summary": summary})
    return _entry(inputs, "policy", "Policy: bounded logits, unbounded, uniform",
                  _with_note(caption_policy(summary), plan.base_text()), files)


def build_anytime(inputs: ReportInputs) -> list[ReportEntry]:
    """Anytime curves of the Table I methods."""
    s = inputs.settings
    curves = anytime_curves(inputs.traces("table1"), points=100)
    files = write_figure(s.out, "anytime", plot_anytime(curves), curves)
    return _entry(inputs, "anytime", "Anytime curves (Table I methods)",
                  caption_anytime(curves), files)


def build_hardware(inputs: ReportInputs) -> list[ReportEntry]:
    """Accuracy under latency and FLOPs limits, and the answers against the Pareto front."""
    s = inputs.settings
    studies = [inputs.load(path) for path in inputs.paths("hardware").values()]
    return hardware_figures(s.hardware, studies, s.table, s.out, s.command, inputs.say)


def build_space_evolution(inputs: ReportInputs) -> list[ReportEntry]:
    """NSE and AutoSpace beside ASE-NAS's evoked subspaces."""
    s = inputs.settings
    return space_evolution_figure(inputs.path("space-evolution"), s.out, s.command, inputs.say)


def build_table1(inputs: ReportInputs) -> list[ReportEntry]:
    """``table1.md``: Table I against every ASE-NAS variant of the study."""
    from asebench.analysis import default_references, study_markdown, table1

    s, study = inputs.settings, inputs.study("table1")
    references = default_references(study)
    path = atomic_write_text(s.out / "table1.md", study_markdown(study, references))
    tables = [table1(study, reference=ref) for ref in references]
    return [ReportEntry("table1", "Table I", caption_table1(tables), s.command,
                        s.rel([path]), image=False)]


def _optional(extra: str, what: str, inputs: ReportInputs) -> bool:
    from asebench._extras import MissingExtra, require

    try:
        require(extra, what)
    except MissingExtra as exc:
        inputs.say(f"skipped: {exc}")
        return False
    return True


def build_index(inputs: ReportInputs) -> list[ReportEntry]:
    """``index.html``: the Table I study as one self-contained page."""
    if not _optional("html", "index.html", inputs):
        return []
    from asebench.report import write_report

    s = inputs.settings
    path = write_report(inputs.path("table1"), s.out / "index.html")
    return [ReportEntry("index.html", "The Table I study as one page", "Provenance, the "
                        "verify result, Table I with the paired CIs, interactive anytime "
                        "curves, the final-accuracy distributions and every run, in one file "
                        "that opens offline.", f"asebench report {inputs.path('table1')} "
                        f"--html {path}", s.rel([path]), image=False)]


FIGURES: tuple[ReportFigure, ...] = (
    ReportFigure("fig6_distance", (), build_distance),
    ReportFigure("fig7_subspace_update", ("table1", "subspace-update"), build_subspace_update),
    ReportFigure("fig8_reward_graph", ("table1", "ablations"), build_reward_graph),
    ReportFigure("fig9_k_m", ("table1", "ablations"), build_sweeps),
    ReportFigure("policy", ("table1", "policy"), build_policy),
    ReportFigure("anytime", ("table1",), build_anytime),
    ReportFigure("hardware", ("hardware",), build_hardware),
    ReportFigure("space_evolution", ("space-evolution",), build_space_evolution),
    ReportFigure("table1", ("table1",), build_table1),
    ReportFigure("index", ("table1",), build_index),
)
"""The report, in README order."""

PARTS: dict[str, tuple[ReportFigure, ...]] = {
    "main": tuple(f for f in FIGURES if f.name != "hardware"),
    "hardware": tuple(f for f in FIGURES if f.name == "hardware"),
}
"""The report in parts, each written to its own folder by ``asebench figures --part``:
``main`` (``make figures``: the paper's Table I and Figs. 6-9, the policy and anytime
figures, NSE and AutoSpace, the Table I page) and ``hardware`` (``make figures-hardware``:
eight constrained studies, most of the report's run time)."""
