"""What the store checks cost, as a fraction of ``make run``'s study in the same invocation.

Runs the study ``make run`` runs (the default methods on the three datasets; SEEDS paired
seeds), then times, on its store, every piece of work the checks add to such a run:

* write: hashing each shard and trace file and writing its manifest entry (done once per
  chunk while the study runs), re-done here on the stored files;
* read check: the cheap check (sizes and sha256 of every file) that ``--resume`` runs at the
  start and ``asebench.analysis.load`` runs for the table at the end (twice per ``make run``).

Prints each time and their sum over the study's wall time (the goal: at most 2%).

    python benchmarks/store_overhead.py               # 500 seeds, as make run
    python benchmarks/store_overhead.py --seeds 100   # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from _timing import median_seconds

from asebench._atomic import atomic_write_text
from asebench.store import check_store, file_sha256, read_entries
from asebench.study import StudySpec, run_study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=500)
    parser.add_argument("--workers", type=int, default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "study"
        tic = time.perf_counter()
        run_study(StudySpec(seeds=options.seeds), out, workers=options.workers, progress=False)
        wall = time.perf_counter() - tic
        entries = read_entries(out)[0]
        files = [out / f for e in entries.values() for f in (e.runs.file, e.traces.file)]
        size_mb = sum(os.path.getsize(f) for f in files) / 1e6
        scratch = Path(tmp) / "entries"

        def write_side() -> None:
            for entry in entries.values():
                for record in (entry.runs, entry.traces):
                    file_sha256(out / record.file)
                atomic_write_text(scratch / f"{entry.key}.json", entry.to_json())

        config = json.loads((out / "metadata.json").read_text())["study"]
        write = median_seconds(write_side, 3)
        check = median_seconds(lambda: check_store(out, config), 3)
    total = write + 2 * check
    runs = sum(e.runs.rows for e in entries.values())
    print(f"study: {options.seeds} seeds, {runs} runs in {len(entries)} chunks, {size_mb:.1f} "
          f"MB stored ({1e6 * size_mb / runs:,.0f} bytes per run), {wall:.2f} s wall")
    print(f"write side (hash + manifest entry per chunk): {write * 1e3:.1f} ms")
    print(f"read check (sizes + sha256 of every file):    {check * 1e3:.1f} ms (x2 per make run)")
    print(f"store checks / study wall time: {100 * total / wall:.2f}% (goal <= 2%)")


if __name__ == "__main__":
    main()
