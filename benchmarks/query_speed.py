"""Query speed of the embedded NB201 table, beside a pandas reference measured in the same run.

Measures: table load time in-process and ``asebench query`` end to end; median single-query
latency through the public API (``TabularBackend.evaluate``), timed in blocks of 1,000 queries;
vectorised batch throughput; resident memory of the loaded table. Reference, measured in the
same run: the same reward/cost columns in a pandas DataFrame indexed by arch string, looked up
with ``.at`` (single query) and ``.loc[list of archs]`` (batch). The ``nats_bench`` package's
own query path is not the reference: its in-memory structure is built from per-arch result
objects of both schedules, which the embedded data cannot fill faithfully (no hp=12 validation
accuracy or times); ``benchmarks/import_speed.py`` compares against the official API in fast
mode on an official-format fixture instead.

Run: ``python benchmarks/query_speed.py [--queries 100000] [--json FILE]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import median_seconds, rss_mb  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    rss_before = rss_mb()
    from asebench.backends import TabularBackend
    from asebench.tables import load_table

    rss_imported = rss_mb()
    load_s = median_seconds(lambda: load_table(), repeats=15)
    table = load_table()
    rss_loaded = rss_mb()
    backend = TabularBackend("cifar10", "paper", table=table)
    index_build = median_seconds(lambda: dict(zip(map(tuple, table.arch_codes.tolist()),
                                                  range(table.num_archs))), repeats=5)

    cli = [sys.executable, "-m", "asebench", "query", "9930", "--dataset", "cifar100"]
    query_cli_s = median_seconds(
        lambda: subprocess.run(cli, check=True, capture_output=True), repeats=5)

    rng = np.random.default_rng(0)
    archs = [backend.space.from_index(int(i))
             for i in rng.integers(0, table.num_archs, size=1_000)]
    evaluate = backend.evaluate
    blocks = max(args.queries // len(archs), 100)
    block_us = []
    for _ in range(blocks):
        start = time.perf_counter()
        for arch in archs:
            evaluate(arch, rng)
        block_us.append((time.perf_counter() - start) / len(archs) * 1e6)
    single_us = statistics.median(block_us)

    indices = rng.integers(0, table.num_archs, size=args.batch)
    codes = table.arch_codes[indices]
    batch_idx_s = median_seconds(lambda: backend.evaluate_batch(indices), repeats=7)
    batch_arch_s = median_seconds(
        lambda: backend.evaluate_batch(backend.indices_of(codes)), repeats=7)

    # reference: the same columns in pandas
    import pandas as pd

    frame = pd.DataFrame({
        "arch": [backend.space.to_string(tuple(c)) for c in table.arch_codes.tolist()],
        "reward": table.column("cifar10", "vtao_test_acc_12_single"),
        "cost": table.column("cifar10", "cost_12ep_s"),
    }).set_index("arch")
    names = [backend.space.to_string(a) for a in archs]
    ref_blocks = []
    for _ in range(max(blocks // 20, 5)):
        start = time.perf_counter()
        for name in names:
            frame.at[name, "reward"], frame.at[name, "cost"]
        ref_blocks.append((time.perf_counter() - start) / len(names) * 1e6)
    ref_single_us = statistics.median(ref_blocks)
    ref_labels = frame.index.to_numpy()[indices[:100_000]]
    ref_batch_s = median_seconds(lambda: frame.loc[ref_labels, ["reward", "cost"]], repeats=3)
    ref_batch_rate = 100_000 / ref_batch_s

    result = {
        "load_ms": load_s * 1e3,
        "index_dict_build_ms": index_build * 1e3,
        "query_cli_ms": query_cli_s * 1e3,
        "single_query_median_us": single_us,
        "batch_by_index_archs_per_s": args.batch / batch_idx_s,
        "batch_by_arch_codes_archs_per_s": args.batch / batch_arch_s,
        "table_rss_mb": rss_loaded - rss_imported,
        "import_rss_mb": rss_imported - rss_before,
        "reference": "pandas DataFrame .at (single) / .loc[list] (batch)",
        "ref_single_query_median_us": ref_single_us,
        "ref_batch_archs_per_s": ref_batch_rate,
        "speedup_single": ref_single_us / single_us,
        "speedup_batch": (args.batch / batch_idx_s) / ref_batch_rate,
    }
    goals = {
        "load_ms": ("<=", 50), "query_cli_ms": ("<", 1000), "single_query_median_us": ("<=", 1.0),
        "batch_by_index_archs_per_s": (">=", 2e7), "table_rss_mb": ("<", 50),
    }
    for key, value in result.items():
        goal = goals.get(key)
        mark = ""
        if goal:
            op, limit = goal
            ok = {"<=": value <= limit, "<": value < limit, ">=": value >= limit}[op]
            mark = f"   goal {op} {limit:g}: {'met' if ok else 'MISSED'}"
        shown = f"{value:,.3f}" if isinstance(value, float) else value
        print(f"{key:<34} {shown}{mark}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
