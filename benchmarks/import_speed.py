"""Speed and peak memory of ``asebench data import`` on a full-size NATS-tss archive directory.

The real ``NATS-tss-v1_0-3ffb9-simple`` directory is not redistributable, so this builds a
SYNTHETIC one of the same layout and scale with the official result classes
(``tests/import_fixtures.py``: 15,625 archs, both schedules with every epoch's train/eval
numbers, four datasets, two seeds) and imports it. The build is cached in ``--fixture``.

Reference, measured in the same run: the official API in fast mode (``nats_bench.create(dir,
'tss', fast_mode=True)``) asked the same numbers (``get_more_info`` per dataset, schedule and
seed, plus ``get_cost_info``) for the first ``--reference`` archs in one process; its time and
memory growth per arch are extrapolated to the whole benchmark.

    python benchmarks/import_speed.py [--archs 15625] [--workers 2] [--fixture DIR]

Goal: <= 300 s on 2 cores, < 2 GB peak memory (parent + workers).
"""

from __future__ import annotations

import argparse
import bz2
import io
import json
import os
import pickle
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import import_fixtures as fx

_COMPLETE = ".complete"


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _rss_tree_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants (Linux /proc), in MB."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(c) for c in handle.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total / 1024


class PeakMemory:
    """Samples the process tree's RSS every 0.1 s in a thread."""

    def __enter__(self) -> Self:
        self.peak = self.start = _rss_tree_mb(os.getpid())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, _rss_tree_mb(os.getpid()))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_tree_mb(os.getpid()))


def _piece(obj: object) -> bytes:
    """Pickle opcodes of ``obj`` without memo (fast mode), header and STOP stripped, so that
    pieces can be joined into one valid pickle."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=2)
    pickler.fast = True  # no memo: no references across pieces
    pickler.dump(obj)
    return buffer.getvalue()[2:-1]


def _dict(items: list[bytes]) -> bytes:
    return b"}(" + b"".join(items) + b"u"  # EMPTY_DICT MARK key value ... SETITEMS


def build_fixture(directory: Path, count: int) -> None:
    """The synthetic archive (skipped when a complete one of that size is already there).

    Every arch file decompresses to the pickle of ``{hp: ArchResults state}`` of
    ``tests/import_fixtures.py`` (all epochs, four datasets, two seeds). Only ``arch_index`` /
    ``arch_str`` differ between archs, so the big per-schedule results are compressed once and
    each file is written as a concatenation of bz2 streams (which ``bz2`` and the official
    ``pickle_load`` read as one), keeping the build to about a minute.
    """
    marker = directory / _COMPLETE
    if marker.is_file() and marker.read_text().strip() == str(count):
        return
    from nats_bench import pickle_save

    directory.mkdir(parents=True, exist_ok=True)
    archs = fx.meta_archs(count)
    pickle_save({"meta_archs": archs}, str(directory / "meta.pickle"))
    template = fx.arch_state(0, archs[0])
    big = {hp: bz2.compress(b"".join(_piece(k) + _piece(v) for k, v in state.items()
                                     if k not in ("arch_index", "arch_str")))
           for hp, state in template.items()}
    started = time.perf_counter()
    for index, arch_str in enumerate(archs):
        tail = _piece("arch_index") + _piece(index) + _piece("arch_str") + _piece(arch_str)
        head = b"\x80\x02}("  # PROTO 2, the {hp: state} dict
        streams = []
        for hp in template:
            streams += [bz2.compress(head + _piece(hp) + b"}("), big[hp]]
            head = tail + b"u"  # close this schedule's state dict
        streams.append(bz2.compress(head + b"u."))
        (directory / f"{index:06d}.pickle.pbz2").write_bytes(b"".join(streams))
        if index % 1000 == 0:
            print(f"\rbuilding synthetic archive: {index}/{count} "
                  f"({time.perf_counter() - started:.0f} s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    marker.write_text(str(count))


def reference(directory: Path, count: int) -> dict[str, float]:
    """The official fast-mode API reading the same numbers for ``count`` archs."""
    import nats_bench

    start_mb = _rss_tree_mb(os.getpid())
    api = nats_bench.create(str(directory), "tss", fast_mode=True, verbose=False)
    started, cpu_started = time.perf_counter(), time.process_time()
    for index in range(count):
        for hp in fx.EPOCHS:
            for dataset in fx.EVAL_SETS:
                api._prepare_info(index)
                for seed in api.arch2infos_dict[index][hp].get_dataset_seeds(dataset):
                    api.get_more_info(index, dataset, hp=hp, is_random=seed)
                api.get_cost_info(index, dataset, hp=hp)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    grown = _rss_tree_mb(os.getpid()) - start_mb
    return {"archs": count, "seconds_per_arch": seconds / count,
            "cpu_seconds_per_arch": cpu / count, "mb_per_arch": grown / count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=15_625)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reference", type=int, default=100,
                        help="archs the official API reference reads (0: skip)")
    parser.add_argument("--fixture", type=Path,
                        default=Path(tempfile.gettempdir()) / "asebench-import-bench")
    args = parser.parse_args()

    from asebench.tables.importers import import_official

    directory = args.fixture / f"{fx.ARCHIVE_NAME}-{args.archs}"
    build_fixture(directory, args.archs)
    files = list(directory.glob("*.pickle.pbz2"))
    source_mb = sum(p.stat().st_size for p in files) / 1e6

    cpu_before = _cpu_seconds()
    with tempfile.TemporaryDirectory() as tmp, PeakMemory() as memory:
        result = import_official(directory, Path(tmp) / "bench.npz", workers=args.workers)
        table_mb = result.path.stat().st_size / 1e6
    cpu = _cpu_seconds() - cpu_before
    # on a machine shared with other jobs the wall time overstates the cost; the CPU time of
    # the parent and the workers divided by the workers is the wall time on idle cores
    ours = {"archs": result.num_archs, "workers": args.workers, "seconds": result.seconds,
            "cpu_seconds": cpu, "idle_cores_seconds_estimate": cpu / args.workers,
            "load_average_1min": os.getloadavg()[0],
            "peak_rss_mb": memory.peak, "source_mb": source_mb, "table_mb": table_mb,
            "cpu_seconds_per_arch": cpu / result.num_archs}
    report: dict[str, object] = {"fixture": "synthetic (tests/import_fixtures.py)",
                                 "import": ours}
    if args.reference:
        ref = reference(directory, min(args.reference, args.archs))
        ref["extrapolated_cpu_seconds"] = ref["cpu_seconds_per_arch"] * args.archs
        ref["extrapolated_mb"] = ref["mb_per_arch"] * args.archs
        ref["cpu_ratio_official_over_import"] = (ref["cpu_seconds_per_arch"]
                                                 / ours["cpu_seconds_per_arch"])
        report["official_fast_mode_reference"] = ref
    report["goal_met_on_idle_cores"] = (ours["idle_cores_seconds_estimate"] <= 300
                                        and ours["peak_rss_mb"] < 2048)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
