"""Kill a running study with SIGKILL at random times, resume it, compare with an uninterrupted one.

For each of TRIALS kills: start ``asebench run`` (its own process group, so its workers die
too), wait until a random number of its chunks are stored (0 to all but one) plus a random
fraction of a chunk's time, SIGKILL the group, resume with
``--resume``, then check that the store equals the uninterrupted study row for row (runs
and traces; wall times aside) and that ``asebench verify`` finds nothing.

    python benchmarks/kill_resume.py                  # 10 kills
    python benchmarks/kill_resume.py --trials 3 --seed 1
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from asebench.analysis import load
from asebench.store import read_entries

ARGS = ["--methods", "random,ase,local", "--datasets", "cifar10,cifar100", "--seeds", "24",
        "--chunk-size", "2", "--workers", "2", "--no-progress"]


def _command(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "asebench", "run", *ARGS, "--out", str(out), *extra]


def _frames(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    study = load(path)
    runs = study.runs.drop(columns="wall_seconds").sort_values(["label", "dataset", "seed"])
    traces = study.traces.sort_values(["label", "dataset", "seed", "step"])
    return runs.reset_index(drop=True), traces.reset_index(drop=True)


def _equal(a: tuple[pd.DataFrame, pd.DataFrame], b: tuple[pd.DataFrame, pd.DataFrame]) -> bool:
    try:
        for left, right in zip(a, b):
            pd.testing.assert_frame_equal(left, right, check_exact=True)
    except AssertionError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory() as tmp:
        reference = Path(tmp) / "reference"
        tic = time.perf_counter()
        subprocess.run(_command(reference), check=True, capture_output=True)
        wall = time.perf_counter() - tic
        expected = _frames(reference)
        total = len(read_entries(reference)[0])
        print(f"reference: {total} chunks in {wall:.1f} s")
        failures = 0
        for trial in range(options.trials):
            out = Path(tmp) / f"cut{trial}"
            target = rng.randrange(total)
            process = subprocess.Popen(_command(out), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
            started = time.perf_counter()
            while process.poll() is None and (
                    not out.exists() or len(read_entries(out)[0]) < target):
                time.sleep(0.01)
            time.sleep(rng.uniform(0, wall / total))
            delay = time.perf_counter() - started
            finished_early = process.poll() is not None
            if not finished_early:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            done = len(read_entries(out)[0]) if out.exists() else 0
            resumed = subprocess.run(_command(out, "--resume"), capture_output=True, text=True)
            verify = subprocess.run([sys.executable, "-m", "asebench", "verify", str(out)],
                                    capture_output=True, text=True)
            same = resumed.returncode == 0 and _equal(expected, _frames(out))
            clean = verify.returncode == 0
            failures += not (same and clean)
            print(f"kill {trial + 1}: after {delay:5.1f} s, {done:3d}/{total} chunks stored"
                  f"{' (had finished)' if finished_early else ''}; resumed: "
                  f"{'equal' if same else 'DIFFERENT'}, verify "
                  f"{'clean' if clean else 'FAILED: ' + verify.stdout.strip()}")
        print(f"{options.trials - failures}/{options.trials} kills resumed to the "
              "uninterrupted store with a clean verify")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
