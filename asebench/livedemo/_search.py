"""The demo's search step: a study (:func:`asebench.study.run_study`) on the live backend under
a MAdds cap, every method on the same paired seeds and the same number of queries, read back
from the study store.

The cap is an ordinary constraint of the study (``madds_m<=CAP``): MAdds are analytic, so every
method proposes only sub-networks within the cap and an infeasible one is never scored (so
ASE-NAS's centers, all queried, are feasible too). The budget is a number of queries rather than
seconds, so that other processes on a shared machine cannot change what a run may do. The
backend reports on the exported test split (``test_data``), so a run's ``test_top1`` is
measured there, not on the validation split that gives the reward. ASE-NAS takes the live
backend's defaults (the paper's ImageNet settings), which the study runner fills in.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from asebench.records import Arch
from asebench.study import StudySpec
from asebench.tables import sha256_file

__all__ = ["read_searches", "run_searches", "search_spec"]


def search_spec(supernet: Path, data: Path, test_data: Path, cap: float,
                methods: Sequence[str], seeds: int, queries: int, master_seed: int,
                calibration: int) -> StudySpec:
    """The search comparison as a study on the live backend.

    Args:
        supernet: the trained checkpoint (its sha256 becomes part of the study, so a study
            folder of other weights is never resumed).
        data: the image folder it was trained on (its held-out split is the reward).
        test_data: the image folder the answers are reported on (one subfolder per class).
        cap: MAdds limit in millions (a constraint of the study, which keeps 6 significant
            digits of it).
        methods: registered method names.
        seeds: paired runs per method (run i of every method uses the same seed).
        queries: the query budget of every run.
        master_seed: the study's master seed.
        calibration: training images for BatchNorm recalibration (the seed picks them).
    """
    return StudySpec(
        methods=tuple(methods), datasets=(data.resolve().name,), seeds=seeds,
        budget_queries=queries, master_seed=master_seed, backend="live",
        backend_options={"supernet": str(supernet), "supernet_sha256": sha256_file(supernet),
                         "test_data": str(test_data), "device": "cpu",
                         "calibration": calibration, "seed": master_seed},
        data=str(data), constraints=(f"madds_m<={cap:g}",))


def run_searches(spec: StudySpec, folder: Path, workers: int = 1) -> Path:
    """Run ``spec`` into ``folder`` (in this process, or ``workers`` processes of one torch
    thread each), reusing the finished chunks a previous run of the same study and code left
    there; a folder holding another study (other weights, cap or settings) is replaced.

    Returns:
        The study folder.
    """
    from asebench.store import ParquetStore
    from asebench.study import resolve, run_study

    resolved = resolve(spec)
    if folder.exists() and not ParquetStore(folder).holds(resolved.config):
        shutil.rmtree(folder)
    # tiny networks: one torch thread per process (the runner's workers take one each)
    return run_study(resolved, folder, workers=workers, resume=True, progress=False,
                     rerun_stale=True)


def read_searches(folder: Path, cap: float, madds: Callable[[Arch], float],
                  parse: Callable[[str], Arch]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The study in ``folder`` as the report's tables.

    Args:
        folder: a finished study (checked by :func:`asebench.analysis.load`).
        cap: the MAdds cap (an answer is feasible within it).
        madds: MAdds (millions) of an arch.
        parse: an arch from its string.

    Returns:
        ``(runs, queried)``: one row per run (method, seed, answer, its validation reward,
        its test-split accuracy, MAdds, parameters, feasibility, queries used, seconds) and
        one row per query (method, seed, step, arch, validation reward, MAdds).
    """
    from asebench.analysis import load

    study = load(folder)
    stored = study.runs
    runs = pd.DataFrame({
        "method": stored["label"].astype(str), "seed": stored["seed"].astype(int),
        "arch": stored["arch"].astype(str), "valid_top1": stored["reward"].astype(float),
        "test_top1": stored["test_accuracy"].astype(float),
        "madds_m": stored["madds_m"].astype(float), "params_m": stored["params_m"].astype(float),
        "feasible": stored["madds_m"] <= cap, "queries": stored["queries"].astype(int),
        "seconds": stored["wall_seconds"].astype(float)})
    traces = study.traces
    archs = traces["arch"].astype(str)
    costs = {a: madds(parse(a)) for a in archs.unique()}
    queried = pd.DataFrame({
        "method": traces["label"].astype(str), "seed": traces["seed"].astype(int),
        "step": traces["step"].astype(int), "arch": archs,
        "valid_top1": traces["reward"].astype(float),
        "madds_m": archs.map(costs).astype(float)})
    order = {label: i for i, label in enumerate(study.labels)}
    queried = queried.sort_values(["method", "seed", "step"], key=lambda c: c.map(
        order) if c.name == "method" else c, kind="stable").reset_index(drop=True)
    return runs, queried
