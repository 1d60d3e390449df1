"""Wall time of the default Table-I study (6 labels x 3 datasets x SEEDS paired seeds).

Runs the study once per worker count (default 1 and 2), prints wall time, runs/s and the
speed-up against the first worker count measured in the same invocation, checks that every
run gives the same results, and prints the machine load so shared-machine noise is visible.

    python benchmarks/study_speed.py                 # full study, 1 and 2 workers
    python benchmarks/study_speed.py --seeds 50      # quicker
    python benchmarks/study_speed.py --workers 2     # only the 2-worker wall time
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from asebench.study import StudySpec, plan_chunks, resolve_spec, run_study


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=500)
    parser.add_argument("--workers", default="1,2",
                        help="comma-separated worker counts (first one is the reference)")
    parser.add_argument("--methods", default=None, help="comma-separated labels (default: all)")
    parser.add_argument("--executor", default="local", choices=("local", "dask"))
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the studies under this folder (default: a temp folder)")
    parser.add_argument("--json", dest="json_out", type=Path, default=None)
    args = parser.parse_args()
    spec = StudySpec(seeds=args.seeds) if args.methods is None else StudySpec(
        methods=tuple(args.methods.split(",")), seeds=args.seeds)
    total = sum(len(c) for c in plan_chunks(resolve_spec(spec)))
    workers = [int(w) for w in args.workers.split(",")]
    root = args.keep or Path(tempfile.mkdtemp(prefix="asebench-study-speed-"))
    print(f"study: {total} runs ({len(spec.method_specs)} labels x {len(spec.datasets)} "
          f"datasets x {spec.seeds} seeds, ase+ has no cifar10 row); cpus={os.cpu_count()}")
    results, reference_runs = [], None
    for n in workers:
        out = root / f"workers{n}"
        load_before = _load()
        tic = time.perf_counter()
        run_study(spec, out, workers=n, executor=args.executor, progress=False)
        wall = time.perf_counter() - tic
        runs = pd.read_parquet(out / "runs").drop(columns="wall_seconds")
        same = None
        if reference_runs is None:
            reference_runs = runs
        else:
            same = bool(runs.equals(reference_runs))
        per_label = (pd.read_parquet(out / "runs").groupby("label")["wall_seconds"].sum()
                     .round(1).to_dict())
        row = {"workers": n, "wall_s": round(wall, 2), "runs_per_s": round(total / wall, 1),
               "load_before": load_before, "load_after": _load(),
               "identical_to_first": same, "cpu_s_by_label": per_label}
        results.append(row)
        print(json.dumps(row))
    base = results[0]["wall_s"]
    for row in results[1:]:
        print(f"speed-up {results[0]['workers']} -> {row['workers']} workers: "
              f"{base / row['wall_s']:.2f}x")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2))
    print(f"studies in {root}")


if __name__ == "__main__":
    main()
