"""The peers report: ASE-NAS against Optuna, SMAC3, Nevergrad and Syne Tune on paired seeds.

``python -m asebench.figures.peers_report --studies studies/peers --out reports/peers`` runs
(or resumes) one study per group of libraries below, then writes ``README.md`` (the tables,
the captions with every seed count, the sanity anchor), the anytime curves and their CSVs.
``make figures-peers`` calls it. Every study runs the paper protocol on the three NB201
datasets with the same master seed, so seed i of ASE-NAS is the same run in every study and
each library is compared with ASE-NAS on the seeds it ran.

The libraries that cost under a second per run share one study of ``--seeds`` seeds; each
slow library has a study of its own (resumable, small chunks) with fewer seeds; the two
hardware-limited studies run the fast libraries; a last study runs the fast libraries and
BANANAS on NAS-Bench-Graph.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from asebench._atomic import atomic_write_text
from asebench.analysis import Study, detectable_difference
from asebench.analysis._table1 import study_markdown, table1
from asebench.errors import AsebenchError
from asebench.figures._anytime import anytime_curves, plot_anytime
from asebench.figures._report import write_figure
from asebench.figures._run import StudyRunner
from asebench.figures._spec import FigureInputs, FigureSpec
from asebench.figures._studies import REFERENCE
from asebench.figures._style import dataset_name, display_name

if TYPE_CHECKING:
    from asebench.study import StudySpec

__all__ = ["PeerReport", "PeerStudy", "peer_studies", "main", "sections", "write_report"]

FAST = "ase,random,optuna,optuna[sampler=random],synetune,synetune[preset=informed]"
"""The methods under a second per run: Optuna TPE (its default, which is also what its
documentation advises for a known number of trials: the same trace), Optuna random, Syne Tune
REA (its NAS baseline) with its defaults and as its own NAS-Bench-201 baselines set it up,
beside ASE-NAS and asebench's random search."""

NBGRAPH = FAST + ",bananas"
"""On NAS-Bench-Graph: the fast libraries and BANANAS (about 1 s a run there)."""

NBGRAPH_BENCHMARK = "nas-bench-graph"

NBGRAPH_QUERIES = 100
"""NAS-Bench-Graph's own protocol counts 100 queries; said as a query budget, so that the
informed rows know their number of evaluations (the same runs as ``budget_s = 100``)."""

CONSTRAINED_METHODS = "ase,random,optuna,optuna[sampler=random],synetune"

CONSTRAINED = CONSTRAINED_METHODS
"""The fast libraries under a hardware limit (Optuna TPE learns the limit through Optuna's
own constraint mechanism; a FLOPs-limited run takes about a second)."""

ANCHOR = ("optuna[sampler=random]", "random")
"""Optuna's RandomSampler through the adapter against asebench's own random search."""

SLOW_CURVES_REFERENCE = "nevergrad"
"""The study whose ASE-NAS runs the slow libraries' anytime curves show (the most seeds)."""

_TRACE_COLUMNS = ["label", "dataset", "seed", "elapsed_s", "incumbent_test_accuracy"]

DECISIVE_HALF_WIDTH = 0.15
"""A comparison is decided when its 95% CI excludes 0 or is no wider than ± this (points)."""

DECISIVE_DATASET = "cifar100"
"""Where methods differ most: every row there must be decided."""


def with_decisiveness(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (:func:`table1`, whose ``diff_sd`` is the standard deviation of each row's
    paired differences with ASE-NAS) with, per library row, its CI's half-width, the smallest
    true difference its n detects with 80% power (``detectable_80``), whether it is decided
    (CI excludes 0 or half-width <= :data:`DECISIVE_HALF_WIDTH`) and the paired seeds that
    would make the half-width that small (``seeds_for_bound``)."""
    out = table.copy()
    out["ci_half_width"] = (out["ci_high"] - out["ci_low"]) / 2
    out["detectable_80"] = [detectable_difference(sd, int(n))
                            for sd, n in zip(out["diff_sd"], out["n"])]
    excludes = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    out["decided"] = (excludes | (out["ci_half_width"] <= DECISIVE_HALF_WIDTH)) \
        & out["ci_low"].notna()
    # bootstrap half-width ~ 1.96 sd / sqrt(n): the n that brings it to the bound
    out["seeds_for_bound"] = np.ceil((1.96 * out["diff_sd"] / DECISIVE_HALF_WIDTH) ** 2)
    return out


@dataclass(frozen=True)
class PeerStudy:
    """One study of the report: its folder name, methods, seeds and constraint."""

    name: str
    methods: str
    seeds: int
    constraint: str | None = None
    chunk_size: int = 25
    why: str = ""
    datasets: tuple[str, ...] | None = None
    """``None``: every dataset of the benchmark (the three of NB201)."""
    benchmark: str | None = None
    """``None``: the embedded NB201 table (the report's main tables); else a backend name."""
    budget_queries: int | None = None

    @property
    def nb201(self) -> bool:
        """Whether the study runs on the embedded NB201 table (the report's main tables)."""
        return self.benchmark is None

    def spec(self) -> StudySpec:
        """The study: its benchmark's protocol on its datasets, the report's master seed."""
        from asebench.study import StudySpec, parse_methods
        from asebench.tables import DATASETS

        datasets = self.datasets or (DATASETS if self.benchmark is None
                                     else _default_datasets(self.benchmark))
        spec = StudySpec(methods=parse_methods(self.methods), seeds=self.seeds,
                         chunk_size=self.chunk_size, datasets=datasets,
                         constraints=(self.constraint,) if self.constraint else (),
                         budget_queries=self.budget_queries)
        return spec if self.benchmark is None else replace(spec, backend=self.benchmark)

    def describe(self) -> str:
        """Its methods, and its datasets when it does not run on all of them
        (``ase,smac on CIFAR-100``)."""
        where = f" on {', '.join(dataset_name(d) for d in self.datasets)}" \
            if self.datasets else ""
        return f"{self.methods}{where}"


def _default_datasets(benchmark: str) -> tuple[str, ...]:
    """Every dataset ``benchmark`` names (one line when it names none)."""
    from asebench.backends import default_datasets

    datasets = default_datasets(benchmark)
    if datasets is None:
        raise AsebenchError(f"benchmark {benchmark} names no datasets; give them")
    return datasets


def _decisive_split(name: str, methods: str, seeds: int, decisive_seeds: int,
                    chunk_size: int, why: str) -> tuple[PeerStudy, ...]:
    """One study of ``seeds`` on every dataset, or, where :data:`DECISIVE_DATASET` needs more,
    ``seeds`` on the others and ``decisive_seeds`` on it in a study of its own (seed i is the
    same run in both, so no seed runs twice)."""
    from asebench.tables import DATASETS

    if decisive_seeds <= seeds:
        return (PeerStudy(name, methods, seeds, chunk_size=chunk_size, why=why),)
    others = tuple(d for d in DATASETS if d != DECISIVE_DATASET)
    return (PeerStudy(name, methods, seeds, chunk_size=chunk_size, why=why, datasets=others),
            PeerStudy(f"{name}-{DECISIVE_DATASET}", methods, decisive_seeds,
                      chunk_size=chunk_size, why=why, datasets=(DECISIVE_DATASET,)))


def peer_studies(seeds: int = 500, nevergrad_seeds: int = 100, tpe_seeds: int = 100,
                 smac_seeds: int = 20, bore_seeds: int = 20,
                 constrained_seeds: int = 50, bananas_seeds: int = 50,
                 smac_cifar100_seeds: int = 50, bore_cifar100_seeds: int = 160,
                 bananas_cifar100_seeds: int = 150,
                 nbgraph_seeds: int = 500) -> tuple[PeerStudy, ...]:
    """The report's studies (seed counts as given; the defaults are the committed report's).

    Each slow library gets at least 20 seeds on every dataset. On CIFAR-100 the slow rows get
    the seeds that decide them (CI excludes 0, or is within ±0.15), fixed in advance from the
    spread of their paired differences in the report before this one (seeds 0-19 of SMAC3
    and BORE), never from a stopping rule on the data being reported: SMAC3 50 (Δ about
    -0.5, sd 1.0), BORE 160 (Δ about 0, sd 0.87: ±0.135). BANANAS had no earlier row; 150
    seeds bound a difference with sd up to 0.9 (about 4 s a run). BORE on CIFAR-100, the
    slowest, runs last. On NAS-Bench-Graph the fast libraries and BANANAS run ``nbgraph_seeds``
    seeds on every dataset, 100 queries per run.
    """
    return (
        PeerStudy("main", FAST, seeds, why="the libraries under a second per run"),
        PeerStudy("nevergrad", "ase,nevergrad,nevergrad[preset=informed]", nevergrad_seeds,
                  chunk_size=5, why="Nevergrad NGOpt without a budget, about 2 s per run, and "
                  "NgIohTuned with the expected number of queries as its budget, about 4 s"),
        PeerStudy("synetune-tpe", "ase,synetune[scheduler=TPE]", tpe_seeds, chunk_size=5,
                  why="Syne Tune TPE, about 3.5 s per run"),
        PeerStudy("flops", CONSTRAINED, constrained_seeds, constraint="flops_m<=p25",
                  why="the fast libraries under a FLOPs limit"),
        PeerStudy("latency", CONSTRAINED, constrained_seeds, constraint="latency:pixel3<=p25",
                  why="the fast libraries under a Pixel 3 latency limit"),
        PeerStudy("nbgraph", NBGRAPH, nbgraph_seeds, chunk_size=25, benchmark=NBGRAPH_BENCHMARK,
                  budget_queries=NBGRAPH_QUERIES,
                  why="the fast libraries and BANANAS on NAS-Bench-Graph, 100 queries per run"),
        *_decisive_split("bananas", "ase,bananas", bananas_seeds, bananas_cifar100_seeds,
                         chunk_size=5,
                         why="BANANAS (asebench's own, as published), about 4 s per run"),
        *_decisive_split("smac", "ase,smac", smac_seeds, smac_cifar100_seeds, chunk_size=1,
                         why="SMAC3 HPO facade, about 48 s per run"),
        *_decisive_split("synetune-bore", "ase,synetune[scheduler=BORE]", bore_seeds,
                         bore_cifar100_seeds, chunk_size=1,
                         why="Syne Tune BORE, about 40 s per run"),
    )


def run_peer_study(study: PeerStudy, root: Path, workers: int, progress: bool) -> Path:
    """Run or resume ``study`` in ``root/<its name>``."""
    runner = StudyRunner(root, workers, progress, lambda _: None, named_folders=True)
    return runner.path(study.name, study.spec())


@functools.cache
def method_name(label: str) -> str:
    """A study label's algorithm without its options (``optuna[sampler=random]`` ->
    ``Optuna random``, see :func:`asebench.analysis.algorithm_name`); the informed row of a
    library says so."""
    from asebench.analysis import algorithm_name
    from asebench.study import parse_methods

    name = algorithm_name(label)
    if name is None:
        return display_name(label)
    [spec] = parse_methods(label)  # it parses: algorithm_name built it
    return name + (" (informed)" if spec.options.get("preset") == "informed" else "")


def _fmt(value: float, digits: int = 2) -> str:
    return "–" if not np.isfinite(value) else f"{value:.{digits}f}"


def _p(value: float) -> str:
    if not np.isfinite(value):
        return "–"
    return f"{value:.2g}" if value >= 1e-3 else f"{value:.1e}"


def results_table(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Every library's rows (and ASE-NAS's, from the study with the most seeds), each with
    its seed count and its paired comparison with ASE-NAS on those seeds."""
    rows = pd.concat(list(tables), ignore_index=True)
    ase = rows[rows["label"] == REFERENCE].sort_values("n").groupby("dataset").tail(1)
    rest = rows[rows["label"] != REFERENCE].drop_duplicates(["label", "dataset"])
    return pd.concat([ase, rest], ignore_index=True)


def table_markdown(table: pd.DataFrame, datasets: Sequence[str]) -> str:
    """Method x dataset: ``mean ± std (n)``, then the difference with ASE-NAS and its paired
    Wilcoxon p-value."""
    head = ["Method"] + [dataset_name(d) for d in datasets]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label in dict.fromkeys(table["label"]):
        cells = [method_name(str(label))]
        for dataset in datasets:
            row = table[(table["label"] == label) & (table["dataset"] == dataset)]
            if row.empty:
                cells.append("–")
                continue
            r = row.iloc[0]
            cell = f"{_fmt(r['mean'])} ± {_fmt(r['std'])} (n={int(r['n'])})"
            if label != REFERENCE:
                cell += f"; Δ {r['diff_mean']:+.2f}, p={_p(float(r['p_value']))}"
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def anchor_test(runs: pd.DataFrame, metric: str = "test_accuracy") -> pd.DataFrame:
    """Optuna's random sampler against asebench's random search per dataset: unpaired
    Mann-Whitney U and two-sample Kolmogorov-Smirnov tests on the final test accuracies (the
    two draw from different generators, so pairing their seeds would mean nothing)."""
    rows = []
    for dataset, here in runs.groupby("dataset", sort=False):
        a = here[here["label"] == ANCHOR[0]][metric].to_numpy(dtype=np.float64)
        b = here[here["label"] == ANCHOR[1]][metric].to_numpy(dtype=np.float64)
        if a.size < 2 or b.size < 2:
            continue
        rows.append({"dataset": dataset, "n_optuna": a.size, "n_random": b.size,
                     "mean_optuna": a.mean(), "mean_random": b.mean(),
                     "mannwhitney_p": float(stats.mannwhitneyu(a, b).pvalue),
                     "ks_p": float(stats.ks_2samp(a, b).pvalue)})
    return pd.DataFrame(rows)


def _anytime(studies: Sequence[Study], out: Path, name: str) -> tuple[pd.DataFrame, list[Path]]:
    """Anytime curves of every label of ``studies`` (ASE-NAS from the first study)."""
    frames = []
    for i, study in enumerate(studies):
        traces = study.read_traces(_TRACE_COLUMNS)
        frames.append(traces if i == 0 else traces[traces["label"] != REFERENCE])
    traces = pd.concat(frames, ignore_index=True)
    # the legend shows each label's own algorithm (the shared helper names the default one)
    traces["label"] = traces["label"].map(lambda label: method_name(str(label)))
    curves = anytime_curves(traces, points=100)
    return curves, write_figure(out, name, plot_anytime(curves), curves)


def _renamed(text: str, labels: Sequence[str]) -> str:
    """``text`` with each label's shared display name replaced by :func:`method_name`, its
    headings one level down (they sit under this report's own)."""
    for label in labels:
        shared, own = display_name(label), method_name(label)
        if shared != own:
            text = text.replace(shared, own)
    text = ("\n" + text).replace("\n## ", "\n### ").replace("\n### Paired", "\n#### Paired")
    return text.lstrip("\n")


def _counts(table: pd.DataFrame) -> str:
    per = table.groupby("label", sort=False)["n"].agg(["min", "max"])
    return "; ".join(
        f"{method_name(str(label))} {int(r['min'])}" if r["min"] == r["max"] else
        f"{method_name(str(label))} {int(r['min'])}-{int(r['max'])}"
        for label, r in per.iterrows()) + " seeds per dataset"


def _ran(table: pd.DataFrame) -> str:
    """The seeds a study's table holds per (method, dataset): ``20``, or ``18-20`` when its
    runs are not all done."""
    low, high = int(table["n"].min()), int(table["n"].max())
    return f"{low}" if low == high else f"{low}-{high}"


@dataclass
class PeerReport:
    """The report's settings: where its studies are, where it goes, which studies it has."""

    root: Path
    out: Path
    studies: tuple[PeerStudy, ...]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def groups(self) -> dict[str, dict[str, StudySpec]]:
        """One group per study, named as its folder."""
        return {s.name: {s.name: s.spec()} for s in self.studies}

    def finished(self) -> list[PeerStudy]:
        """The studies whose folders are there, in report order."""
        return [s for s in self.studies if (self.root / s.name).is_dir()]

    def plain(self) -> list[PeerStudy]:
        """The finished NB201 studies without a limit, ``main`` first."""
        return [s for s in self.finished() if s.constraint is None and s.nb201]

    def table(self, inputs: PeerInputs, name: str) -> pd.DataFrame:
        """Table I of study ``name``, computed once per report."""
        if name not in self.tables:
            self.tables[name] = table1(inputs.study(name))
        return self.tables[name]


PeerInputs = FigureInputs[PeerReport]
PeerSection = FigureSpec[PeerReport, str]


def _section_results(inputs: PeerInputs) -> list[str]:
    report = inputs.settings
    plain = report.plain()
    if not plain or plain[0].name != "main":
        raise AsebenchError(f"no finished main peer study under {report.root}")
    main_study = inputs.study("main")
    datasets = main_study.datasets
    tables = {s.name: report.table(inputs, s.name) for s in plain}
    table = results_table([with_decisiveness(t) for t in tables.values()])
    atomic_write_text(report.out / "peers_table.csv", table.to_csv(index=False))
    budget = main_study.config.get("budget_s")
    versions = main_study.metadata.get("versions", {})
    lib_versions = sorted({(str(r["info_library"]), str(r["info_library_version"]))
                           for st in (inputs.study(s.name) for s in plain)
                           for _, r in st.runs.iterrows()
                           if isinstance(r.get("info_library"), str)})
    lines = [
        "# ASE-NAS against the optimizer libraries",
        "",
        f"Paper protocol on the embedded NB201 table ({budget:g} simulated seconds per run), "
        f"three datasets, paired seeds (seed i is the same ASE-NAS run in every study). Each "
        f"library runs through asebench's one ask/tell adapter with its own defaults and, "
        f"where its documentation advises settings for a known number of evaluations, "
        f"with those too (`preset=informed`, budget = the protocol's expected number of "
        f"queries; docs/peers.md names the page behind each). "
        f"Versions: {', '.join(f'{d} {v}' for d, v in lib_versions)}; asebench "
        f"{versions.get('asebench', '?')}, Python {versions.get('python', '?')}.",
        "",
        "## Final test accuracy (200-epoch mean, %)",
        "",
        f"Mean ± std over n seeds; Δ = library - ASE-NAS on the same seeds, p = two-sided "
        f"paired Wilcoxon signed-rank test. Seeds: {_counts(table)} (ASE-NAS's row: the "
        "study with the most seeds). Studies:",
        "",
    ]
    for s in plain:
        lines.append(f"- `{s.name}`: {s.describe()} — {_ran(tables[s.name])} seeds ({s.why})")
    return [*lines, "", table_markdown(table, datasets), "", *_decisive_lines(table)]


def _decisive_lines(table: pd.DataFrame) -> list[str]:
    rows = table[(table["dataset"] == DECISIVE_DATASET) & (table["label"] != REFERENCE)]
    if rows.empty:
        return []
    lines = [f"## Decided on {dataset_name(DECISIVE_DATASET)}?", "",
             f"A row is decided when the 95% bootstrap CI of its difference with ASE-NAS "
             f"excludes 0 or is no wider than ±{DECISIVE_HALF_WIDTH:g} points. Detectable: the "
             f"smallest true difference its n finds with 80% power (two-sided, 5%); seeds "
             f"needed: the paired seeds that would bring the CI to ±{DECISIVE_HALF_WIDTH:g}.",
             "", "| Method | n | Δ [95% CI] | detectable (80%) | decided | seeds needed for "
             f"±{DECISIVE_HALF_WIDTH:g} |", "|---|---|---|---|---|---|"]
    for r in rows.to_dict("records"):
        need = float(r["seeds_for_bound"])
        lines.append(f"| {method_name(str(r['label']))} | {int(r['n'])} | "
                     f"{float(r['diff_mean']):+.2f} [{float(r['ci_low']):+.2f}, "
                     f"{float(r['ci_high']):+.2f}] | {_fmt(float(r['detectable_80']))} | "
                     f"{'yes' if r['decided'] else '**no**'} | "
                     f"{'–' if not np.isfinite(need) else int(need)} |")
    open_rows = rows[~rows["decided"]]
    lines += ["", "Every row is decided." if open_rows.empty else
              f"Not decided: {', '.join(method_name(str(x)) for x in open_rows['label'])} "
              f"(more seeds: `make figures-peers` with the seed options of their studies)."]
    return [*lines, ""]


def _section_anchor(inputs: PeerInputs) -> list[str]:
    anchor = anchor_test(inputs.study("main").runs)
    atomic_write_text(inputs.settings.out / "anchor.csv", anchor.to_csv(index=False))
    lines = ["## Sanity anchor: Optuna's RandomSampler vs asebench's random search", "",
             "Unpaired tests on the final test accuracies (the two use different random "
             "streams, so their seeds do not pair): Mann-Whitney U and two-sample "
             "Kolmogorov-Smirnov, two-sided.", "",
             "| Dataset | n (Optuna / asebench) | mean (Optuna / asebench) | Mann-Whitney p "
             "| KS p |", "|---|---|---|---|---|"]
    for _, r in anchor.iterrows():
        lines.append(f"| {dataset_name(str(r['dataset']))} | {r['n_optuna']} / "
                     f"{r['n_random']} | {r['mean_optuna']:.2f} / {r['mean_random']:.2f} | "
                     f"{r['mannwhitney_p']:.2f} | {r['ks_p']:.2f} |")
    return [*lines, ""]


def _section_anytime(inputs: PeerInputs) -> list[str]:
    report = inputs.settings
    out = report.out
    plain = report.plain()
    _, fast_files = _anytime([inputs.study("main")], out, "peers_anytime_fast")
    slow = [inputs.study(s.name) for s in plain if s.name != "main"]
    lines = ["## Anytime curves", "",
             f"![fast libraries]({os.path.relpath(fast_files[0], out)})", "",
             "Test accuracy of the incumbent (best reward so far) against simulated search "
             "seconds; mean over seeds, band = standard error. "
             f"{_counts(report.table(inputs, 'main'))}.", ""]
    if slow:
        first = [st for st in slow if st.path.name == SLOW_CURVES_REFERENCE] or slow[:1]
        ordered = first + [st for st in slow if st not in first]
        _, slow_files = _anytime(ordered, out, "peers_anytime_slow")
        slow_table = results_table([report.table(inputs, st.path.name) for st in ordered])
        lines += [f"![slow libraries]({os.path.relpath(slow_files[0], out)})", "",
                  "The slow libraries, same axes. ASE-NAS over the seeds of the "
                  f"`{ordered[0].path.name}` study. {_counts(slow_table)}.", ""]
    return lines


def _study_lines(inputs: PeerInputs, s: PeerStudy, heading: str, text: str) -> list[str]:
    """``## heading (n seeds per dataset)``, ``text`` and the study's Table I without the
    paper's columns."""
    study = inputs.study(s.name)
    return [f"## {heading} ({_ran(inputs.settings.table(inputs, s.name))} seeds per dataset)",
            "", text, "", _renamed(study_markdown(study, paper=False), study.labels), ""]


def _section_limited(inputs: PeerInputs) -> list[str]:
    return [line for s in inputs.settings.finished() if s.constraint is not None
            for line in _study_lines(
                inputs, s, f"Under `{s.constraint}`",
                f"{s.methods}; every method searches only the archs that meet the limit. "
                "The oracle is the best feasible arch; regret = oracle - answer. The paper "
                "reports no limited runs, so its columns are left out.")]


def _section_other_benchmarks(inputs: PeerInputs) -> list[str]:
    report = inputs.settings
    return [line for s in report.finished() if not s.nb201
            for line in _study_lines(
                inputs, s, str(report.table(inputs, s.name).attrs.get("benchmark_title",
                                                                      s.benchmark)),
                f"{s.methods}, {s.budget_queries} queries per run, paired seeds, every "
                "dataset of the benchmark. The paper reports no runs here, so its columns "
                "are left out.")]


def _section_cost(inputs: PeerInputs) -> list[str]:
    """What each study costs: its runs' wall times summed (each measured in its worker), and
    the cold time of the whole report on the workers the studies ran with."""
    rows, total, workers = [], 0.0, 1
    for s in inputs.settings.finished():
        study = inputs.study(s.name)
        runs = study.runs
        seconds = float(runs["wall_seconds"].sum())
        total += seconds
        execution = study.metadata.get("execution") or {}
        workers = max(workers, int(execution.get("workers") or 1))
        slowest = runs.groupby("label")["wall_seconds"].mean().sort_values(ascending=False)
        each = "; ".join(f"{method_name(label)} {value:.3g}" for label, value in slowest.items())
        rows.append(f"| `{s.name}` | {len(runs):,} | {seconds / 60:.1f} | {each} |")
    if not rows:
        return []
    return ["## What it costs", "",
            "Each run's wall time is measured in the worker that ran it; a study's runs "
            "summed, and the mean seconds per run of each method in it (slowest first). "
            f"A cold `make figures-peers` runs all of them: about {total / 3600 / workers:.1f} h "
            f"on {workers} worker(s) ({total / 3600:.1f} h of runs), plus loading and "
            "writing; a rerun after a change to the code that decides results recomputes "
            "every study, any other rerun reads them.", "",
            "| Study | Runs | Run time, summed (min) | Seconds per run |", "|---|---|---|---|",
            *rows, ""]


def _section_overhead(inputs: PeerInputs) -> list[str]:
    overhead = inputs.settings.out / "overhead.txt"
    if not overhead.exists():  # written by benchmarks/peers_overhead.py, kept beside the report
        return []
    return ["## Adapter overhead", "",
            "`benchmarks/peers_overhead.py`, per query (paper protocol, cifar10): time "
            "inside the library, the adapter and the backend, and the library driven "
            "directly in a bare loop on the same rewards.", "", "```",
            overhead.read_text().rstrip(), "```", ""]


def sections(studies: Sequence[PeerStudy]) -> tuple[PeerSection, ...]:
    """The report's sections in README order, each declaring the studies it reads."""
    plain = tuple(s.name for s in studies if s.constraint is None and s.nb201)
    limited = tuple(s.name for s in studies if s.constraint is not None)
    other = tuple(s.name for s in studies if not s.nb201)
    return (PeerSection("results", plain, _section_results),
            PeerSection("anchor", ("main",) if "main" in plain else (), _section_anchor),
            PeerSection("anytime", plain, _section_anytime),
            PeerSection("limited", limited, _section_limited),
            PeerSection("other benchmarks", other, _section_other_benchmarks),
            PeerSection("cost", tuple(s.name for s in studies), _section_cost),
            PeerSection("overhead", (), _section_overhead))


def write_report(root: Path, out: Path, studies: Sequence[PeerStudy]) -> Path:
    """``out/README.md`` and the figures from the finished studies under ``root``."""
    out.mkdir(parents=True, exist_ok=True)
    report = PeerReport(root, out, tuple(studies))
    runner = StudyRunner(root, None, False, lambda _: None, named_folders=True,
                         run_studies=False)
    lines: list[str] = []
    for section in sections(studies):
        lines += section.build(section.inputs(report, runner))
    return atomic_write_text(out / "README.md", "\n".join(lines) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run or resume the peer studies, then write the report."""
    parser = argparse.ArgumentParser(prog="python -m asebench.figures.peers_report",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=Path, default=Path("studies/peers"))
    parser.add_argument("--out", type=Path, default=Path("reports/peers"))
    parser.add_argument("--seeds", type=int, default=500, help="seeds of the fast libraries")
    parser.add_argument("--nevergrad-seeds", type=int, default=100)
    parser.add_argument("--tpe-seeds", type=int, default=100, help="Syne Tune TPE")
    parser.add_argument("--smac-seeds", type=int, default=20)
    parser.add_argument("--bore-seeds", type=int, default=20)
    parser.add_argument("--constrained-seeds", type=int, default=50)
    parser.add_argument("--bananas-seeds", type=int, default=50)
    parser.add_argument("--smac-cifar100-seeds", type=int, default=50)
    parser.add_argument("--bore-cifar100-seeds", type=int, default=160)
    parser.add_argument("--bananas-cifar100-seeds", type=int, default=150)
    parser.add_argument("--nbgraph-seeds", type=int, default=500, help="NAS-Bench-Graph")
    parser.add_argument("--only", default=None, help="comma-separated study names to run")
    parser.add_argument("--report-only", action="store_true",
                        help="write the report from the studies already there")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    for name in ("seeds", "nevergrad_seeds", "tpe_seeds", "smac_seeds", "bore_seeds",
                 "constrained_seeds", "bananas_seeds", "smac_cifar100_seeds",
                 "bore_cifar100_seeds", "bananas_cifar100_seeds", "nbgraph_seeds", "workers"):
        if getattr(args, name) < 1:
            print(f"error: --{name.replace('_', '-')} must be >= 1", file=sys.stderr)
            return 2
    studies = peer_studies(args.seeds, args.nevergrad_seeds, args.tpe_seeds, args.smac_seeds,
                           args.bore_seeds, args.constrained_seeds, args.bananas_seeds,
                           args.smac_cifar100_seeds, args.bore_cifar100_seeds,
                           args.bananas_cifar100_seeds, args.nbgraph_seeds)
    chosen = set(args.only.split(",")) if args.only else {s.name for s in studies}
    unknown = sorted(chosen - {s.name for s in studies})
    try:
        if unknown:
            raise AsebenchError(f"unknown peer study {', '.join(unknown)}; studies are "
                                f"{', '.join(s.name for s in studies)}")
        if not args.report_only:
            for study in studies:
                if study.name in chosen:
                    run_peer_study(study, args.studies, args.workers, not args.no_progress)
        print(write_report(args.studies, args.out, studies))
    except AsebenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
