"""Wall time of a constrained study, and of an unconstrained one before/after constraints.

1. The constrained study: the Table I methods x 3 datasets x 4 limits (``METRIC<=pP`` for
   each percentile P, one study per limit) x SEEDS paired seeds. Every answer and every
   queried arch is re-checked here against the feasible mask (independently of the store's
   own check): % runs feasible, infeasible queries charged.
2. The unconstrained study with the same methods and seeds on this tree, and on a baseline
   revision (default: the commit before constraints landed) unpacked with ``git archive`` into
   a temp folder and run in a subprocess on the same interpreter, in the same invocation:
   their ratio says whether the unconstrained path got slower. Other changes between the two
   revisions (searchers, ...) are in that ratio too; per-method CPU seconds are printed so
   they can be told apart.

    python benchmarks/constrained_speed.py                    # 100 seeds, 2 workers
    python benchmarks/constrained_speed.py --seeds 10         # quicker; extrapolate x10
    python benchmarks/constrained_speed.py --baseline-rev none
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from asebench.constraints import feasible_set
from asebench.spaces import NB201Space
from asebench.study import DEFAULT_LABELS, StudySpec, plan_chunks, resolve_spec, run_study
from asebench.tables import default_table

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BASELINE = "942ac59^"
"""The commit before the first constraints commit."""

_CHILD = """
import json, sys, time
from asebench.study import StudySpec, run_study
import pandas as pd
methods, seeds, workers, out = json.loads(sys.argv[1])
spec = StudySpec(methods=tuple(methods), seeds=seeds)
tic = time.perf_counter()
run_study(spec, out, workers=workers, progress=False)
wall = time.perf_counter() - tic
cpu = pd.read_parquet(out + "/runs").groupby("label")["wall_seconds"].sum().round(1).to_dict()
print(json.dumps({"wall_s": wall, "cpu_s_by_label": cpu}))
"""


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


def _cpu_by_label(out: Path) -> dict[str, float]:
    runs = pd.read_parquet(out / "runs")
    return runs.groupby("label")["wall_seconds"].sum().round(1).to_dict()


def _check(out: Path, expression: str) -> tuple[int, int, int, int]:
    """(runs, feasible answers, queries, infeasible queries) of one constrained study."""
    table = default_table()
    space = NB201Space()
    index = {space.to_string(tuple(c)): i for i, c in enumerate(table.arch_codes.tolist())}
    runs = pd.read_parquet(out / "runs", columns=["dataset", "arch"])
    traces = pd.read_parquet(out / "traces", columns=["dataset", "arch_index"])
    feasible_runs = bad_queries = 0
    for dataset, rows in runs.groupby("dataset"):
        mask = feasible_set(table, str(dataset), [expression]).mask
        feasible_runs += int(mask[[index[a] for a in rows["arch"]]].sum())
    for dataset, rows in traces.groupby("dataset", observed=True):
        mask = feasible_set(table, str(dataset), [expression]).mask
        bad_queries += int((~mask[rows["arch_index"].to_numpy(np.int64)]).sum())
    return len(runs), feasible_runs, len(traces), bad_queries


def _baseline(rev: str, methods: list[str], seeds: int, workers: int, root: Path) -> dict:
    source = root / "baseline-src"
    source.mkdir()
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=REPO, check=True,
                             capture_output=True).stdout
    tar_path = root / "baseline.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(source, filter="data")
    env = dict(os.environ, PYTHONPATH=str(source))
    env.pop("ASEBENCH_DATA", None)
    done = subprocess.run([sys.executable, "-c", _CHILD,
                           json.dumps([methods, seeds, workers, str(root / "baseline-study")])],
                          cwd=source, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--metric", default="flops_m",
                        help="limited metric (flops_m, params_m, latency:DEVICE, ...)")
    parser.add_argument("--percentiles", default="10,25,50,75")
    parser.add_argument("--methods", default=",".join(DEFAULT_LABELS))
    parser.add_argument("--baseline-rev", default=DEFAULT_BASELINE,
                        help="revision for the unconstrained 'before' timing ('none': skip)")
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--json", dest="json_out", type=Path, default=None)
    args = parser.parse_args()
    methods = args.methods.split(",")
    root = args.keep or Path(tempfile.mkdtemp(prefix="asebench-constrained-speed-"))
    root.mkdir(parents=True, exist_ok=True)
    result: dict[str, object] = {"seeds": args.seeds, "workers": args.workers,
                                 "methods": methods, "cpus": os.cpu_count()}
    print(f"cpus={os.cpu_count()} workers={args.workers} seeds={args.seeds} "
          f"methods={','.join(methods)}; studies under {root}")

    # 1. constrained: one study per limit
    totals = {"runs": 0, "feasible_runs": 0, "queries": 0, "infeasible_queries": 0}
    walls = {}
    load_before = _load()
    for p in args.percentiles.split(","):
        expression = f"{args.metric}<=p{p}"
        spec = StudySpec(methods=tuple(methods), seeds=args.seeds, constraints=(expression,))
        out = root / f"constrained-p{p}"
        tic = time.perf_counter()
        run_study(spec, out, workers=args.workers, progress=False)
        walls[expression] = round(time.perf_counter() - tic, 2)
        for key, value in zip(totals, _check(out, expression)):
            totals[key] += value
        print(json.dumps({"limit": expression, "wall_s": walls[expression],
                          "runs": sum(len(c) for c in plan_chunks(resolve_spec(spec))),
                          "cpu_s_by_label": _cpu_by_label(out)}))
    constrained = sum(walls.values())
    result["constrained"] = {
        "wall_s": round(constrained, 2), "per_limit_wall_s": walls, **totals,
        "feasible_pct": round(100 * totals["feasible_runs"] / max(totals["runs"], 1), 3),
        "load_before": load_before, "load_after": _load()}
    print(f"constrained study: {totals['runs']} runs in {constrained:.1f} s; "
          f"{totals['feasible_runs']}/{totals['runs']} answers feasible; "
          f"{totals['infeasible_queries']} infeasible of {totals['queries']} queries charged")

    # 2. unconstrained, this tree, then the baseline revision
    spec = StudySpec(methods=tuple(methods), seeds=args.seeds)
    tic = time.perf_counter()
    run_study(spec, root / "unconstrained", workers=args.workers, progress=False)
    now = time.perf_counter() - tic
    result["unconstrained_now"] = {"wall_s": round(now, 2),
                                   "cpu_s_by_label": _cpu_by_label(root / "unconstrained")}
    print(json.dumps({"unconstrained_now": result["unconstrained_now"]}))
    if args.baseline_rev != "none":
        before = _baseline(args.baseline_rev, methods, args.seeds, args.workers, root)
        result["unconstrained_before"] = {"rev": args.baseline_rev, **before}
        result["unconstrained_ratio_now_over_before"] = round(now / before["wall_s"], 3)
        print(json.dumps({"unconstrained_before": result["unconstrained_before"]}))
        print(f"unconstrained study: {now:.1f} s now vs {before['wall_s']:.1f} s at "
              f"{args.baseline_rev} (ratio {now / before['wall_s']:.2f})")
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
