"""Wall time of a NAS-Bench-Graph study: 9 datasets x the six Table-I labels x SEEDS seeds.

Target: at most 5 minutes on 2 cores for 500 seeds. On a shared machine the wall time says
little alone, so the same invocation also times a reference workload (the NB201 Table-I study
with REFERENCE_SEEDS seeds, same workers) and prints the ratio, plus the load average before
and after each part.

    python benchmarks/nbgraph_study.py                          # 500 seeds, 2 workers
    python benchmarks/nbgraph_study.py --seeds 100 --reference-seeds 50
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from asebench.study import DEFAULT_LABELS, StudySpec, plan_chunks, resolve_spec, run_study


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


def _timed(spec: StudySpec, out: Path, workers: int) -> dict[str, object]:
    total = sum(len(c) for c in plan_chunks(resolve_spec(spec)))
    before = _load()
    tic = time.perf_counter()
    run_study(spec, out, workers=workers, progress=False)
    wall = time.perf_counter() - tic
    return {"runs": total, "wall_s": round(wall, 2), "runs_per_s": round(total / wall, 1),
            "load_before": before, "load_after": _load()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=500)
    parser.add_argument("--reference-seeds", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the studies under this folder (default: a temp folder)")
    parser.add_argument("--json", dest="json_out", type=Path, default=None)
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="asebench-nbgraph-speed-"))
    spec = StudySpec(methods=DEFAULT_LABELS, seeds=args.seeds, backend="nas-bench-graph",
                     datasets=("cora", "citeseer", "pubmed", "cs", "physics", "photo",
                               "computers", "arxiv", "proteins"))
    print(f"cpus={os.cpu_count()} workers={args.workers}")
    nbgraph = _timed(spec, root / "nbgraph", args.workers)
    print(json.dumps({"study": "nas-bench-graph 9 datasets x 6 labels", "seeds": args.seeds,
                      **nbgraph}))
    reference = _timed(StudySpec(seeds=args.reference_seeds), root / "nb201", args.workers)
    print(json.dumps({"study": "reference: nb201 Table I (3 datasets x 6 labels)",
                      "seeds": args.reference_seeds, **reference}))
    ratio = float(nbgraph["wall_s"]) / float(reference["wall_s"])  # type: ignore[arg-type]
    verdict = "within" if float(nbgraph["wall_s"]) <= 300 else "over"  # type: ignore[arg-type]
    print(f"nas-bench-graph / reference wall time: {ratio:.2f}x; "
          f"{nbgraph['wall_s']} s is {verdict} the 300 s target")
    if args.json_out:
        args.json_out.write_text(json.dumps({"nbgraph": nbgraph, "reference": reference,
                                             "ratio": ratio}, indent=2))
    print(f"studies in {root}")


if __name__ == "__main__":
    main()
