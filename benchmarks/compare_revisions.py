"""Each benchmark against a previous revision of asebench, in the same run.

The previous revision is checked out into a temporary git worktree; every benchmark command
then runs alternately against it and against this checkout (``PYTHONPATH`` picks the package),
``--rounds`` times each, and the ratio of the median wall times is printed (new / old, so
1.05 is 5% slower). Alternating keeps a shared, noisy machine's load about equal for both.

    python benchmarks/compare_revisions.py --revision c29187c
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name -> command (run from a temporary folder; {root} is the revision's checkout)
COMMANDS: dict[str, list[str]] = {
    "query_speed": ["{root}/benchmarks/query_speed.py", "--queries", "50000",
                    "--batch", "200000"],
    "search_speed": ["{root}/benchmarks/search_speed.py", "--seeds", "4", "--batch", "50"],
    "study_speed": ["{root}/benchmarks/study_speed.py", "--seeds", "100", "--workers", "1"],
    "constrained_speed": ["{root}/benchmarks/constrained_speed.py", "--seeds", "10",
                          "--workers", "1", "--percentiles", "25"],
}


def _run(root: Path, command: list[str], workdir: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(root), "MPLBACKEND": "Agg"}
    argv = [sys.executable, *(part.format(root=root) for part in command)]
    tic = time.perf_counter()
    subprocess.run(argv, cwd=workdir, env=env, check=True, capture_output=True, timeout=1800)
    return time.perf_counter() - tic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revision", required=True, help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default=None, help="comma-separated benchmark names")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(COMMANDS)
    results = {}
    with tempfile.TemporaryDirectory(prefix="asebench-rev-") as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old),
                        args.revision], check=True, capture_output=True)
        try:
            for name in names:
                times: dict[str, list[float]] = {"old": [], "new": []}
                for _ in range(args.rounds):
                    for label, root in (("old", old), ("new", ROOT)):
                        with tempfile.TemporaryDirectory() as work:
                            times[label].append(_run(root, COMMANDS[name], Path(work)))
                old_s, new_s = (statistics.median(times[k]) for k in ("old", "new"))
                results[name] = {"old_s": old_s, "new_s": new_s, "ratio": new_s / old_s}
                print(f"{name:>18}: old {old_s:7.2f} s  new {new_s:7.2f} s  "
                      f"new/old {new_s / old_s:5.3f}", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                           check=False, capture_output=True)
    if args.json is not None:
        args.json.write_text(json.dumps({"revision": args.revision, **results}, indent=2))


if __name__ == "__main__":
    main()
