"""Worker side: run one chunk of a study and turn its traces into result tables.

Everything here runs in a worker process (or a dask worker): the benchmark table and the
backends are built once per process and reused by every chunk it runs.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa

from asebench.backends import Backend, TabularBackend, get_backend, get_protocol
from asebench.errors import AsebenchError
from asebench.records import Budget, Trace
from asebench.study._plan import Chunk
from asebench.study._seeding import run_generators

__all__ = [
    "ChunkResult",
    "RunContext",
    "configure_worker",
    "encode_value",
    "execute_chunk",
    "make_backend",
    "make_searcher",
]


@dataclass(frozen=True)
class RunContext:
    """What every run of a study shares: how to build its backend, and its budget."""

    backend: str
    protocol: str
    budget_s: float
    master_seed: int
    data: str | None = None
    protocol_options: Mapping[str, Any] = field(default_factory=dict)
    backend_options: Mapping[str, Any] = field(default_factory=dict)
    constraints: tuple[str, ...] = ()


class ChunkResult(NamedTuple):
    """The result tables of one chunk (``runs`` one row per run, ``traces`` per query)."""

    key: str
    runs: pa.Table
    traces: pa.Table
    seconds: float


_BACKENDS: dict[tuple[Any, ...], Backend] = {}
_ARCH_STRINGS: dict[int, list[str]] = {}
_CONFIGURED = False


def configure_worker(data: str | None = None) -> None:
    """Once per process: one thread per worker, the table loaded up front."""
    global _CONFIGURED
    if _CONFIGURED:
        return
    _CONFIGURED = True
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    from asebench.tables import default_table

    default_table(data)


def make_backend(context: RunContext, dataset: str) -> Backend:
    """The context's backend for ``dataset``, built once per process."""
    key = (context.backend, dataset, context.protocol, context.data,
           tuple(sorted(context.protocol_options.items())),
           tuple(sorted((k, repr(v)) for k, v in context.backend_options.items())),
           context.constraints)
    backend = _BACKENDS.get(key)
    if backend is None:
        if context.backend == "tabular":
            from asebench.tables import default_table

            protocol = get_protocol(context.protocol, **context.protocol_options)
            _check_tabular_options(context.backend_options)
            backend = TabularBackend(dataset, protocol=protocol,
                                     table=default_table(context.data),
                                     **context.backend_options)
        else:
            backend = get_backend(context.backend, dataset=dataset, **context.backend_options)
        if context.constraints:
            # every method then proposes only feasible archs (the one sub-space mechanism)
            from asebench.constraints import constrained_backend

            backend = constrained_backend(backend, context.constraints)[0]
        _BACKENDS[key] = backend
    return backend


def _check_tabular_options(options: Mapping[str, Any]) -> None:
    import inspect

    known = set(inspect.signature(TabularBackend).parameters) - {"dataset", "protocol", "table"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise AsebenchError(f"unknown tabular backend option(s) {', '.join(unknown)}; "
                            f"use {', '.join(sorted(known))}")


def make_searcher(name: str, options: Mapping[str, Any]) -> Any:
    """Build a searcher, turning a bad option into a one-line error."""
    from asebench import search

    try:
        return search.get(name, **options)
    except AsebenchError:
        raise
    except (TypeError, ValueError) as exc:
        raise AsebenchError(f"bad options for method {name!r}: {exc}") from None


def encode_value(value: Any) -> Any:
    """A scalar stays a scalar; anything else becomes a JSON string (archs as int lists)."""
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(_plain(value))


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _accepts(function: Any, name: str) -> bool:
    """Whether ``function`` takes keyword ``name`` (a batch entry point with per-seed
    initial centers lets ASE-NAS+ batch its seeds too)."""
    if function is None:
        return False
    import inspect

    try:
        return name in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def _run_traces(chunk: Chunk, backend: Backend, budget: Budget, master_seed: int,
                centers: Mapping[int, Sequence[Sequence[int]]] | None
                ) -> tuple[list[Trace], list[float]]:
    method = chunk.cell.method
    rngs = run_generators(master_seed, chunk.start, chunk.stop)
    if method.transfer is not None:
        if centers is None:
            raise AsebenchError(f"{method.label}: missing source centers")
        per_seed = [[tuple(c) for c in centers[seed]] for seed in range(chunk.start, chunk.stop)]
        searcher = make_searcher(method.name, method.options)
        if _accepts(getattr(searcher, "run_batch", None), "initial_centers"):
            tic = time.perf_counter()
            traces = list(searcher.run_batch(backend, budget, rngs, initial_centers=per_seed))
            wall = (time.perf_counter() - tic) / max(len(traces), 1)
            return traces, [wall] * len(traces)
        traces, walls = [], []
        for seed, rng in zip(range(chunk.start, chunk.stop), rngs):
            searcher = make_searcher(method.name, {
                **method.options, "initial_centers": [tuple(c) for c in centers[seed]]})
            tic = time.perf_counter()
            traces.append(searcher.run(backend, budget, rng))
            walls.append(time.perf_counter() - tic)
        return traces, walls
    searcher = make_searcher(method.name, method.options)
    if hasattr(searcher, "run_batch"):
        tic = time.perf_counter()
        traces = list(searcher.run_batch(backend, budget, rngs))
        wall = (time.perf_counter() - tic) / max(len(traces), 1)
        return traces, [wall] * len(traces)
    traces, walls = [], []
    for rng in rngs:
        tic = time.perf_counter()
        traces.append(searcher.run(backend, budget, rng))
        walls.append(time.perf_counter() - tic)
    return traces, walls


class _Reporter:
    """Arch strings, indices and report metrics: vectorised for the tabular backend."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._table_backend = backend if isinstance(backend, TabularBackend) else None
        self.tabular = self._table_backend is not None
        self._cache: dict[tuple[int, ...], Mapping[str, float]] = {}
        if self._table_backend is not None:
            b = self._table_backend
            self.test = b.table.column(b.dataset, b.protocol.report_column).astype(np.float64)
            key = id(b.table)
            if key not in _ARCH_STRINGS:
                _ARCH_STRINGS[key] = [b.space.to_string(tuple(c))
                                      for c in b.table.arch_codes.tolist()]
            self.strings = _ARCH_STRINGS[key]

    def report(self, arch: tuple[int, ...]) -> Mapping[str, float]:
        if arch not in self._cache:
            self._cache[arch] = dict(self.backend.report(arch))
        return self._cache[arch]

    def trace_columns(self, trace: Trace) -> tuple[np.ndarray, np.ndarray | list[str]]:
        """Per query: test accuracy and (tabular) NB201 index or (other) arch string."""
        if self._table_backend is not None:
            archs = np.asarray(trace.archs, dtype=np.int64).reshape(-1, 6)
            indices = self._table_backend.indices_of(archs)
            return self.test[indices], indices
        strings = [self.backend.space.to_string(a) for a in trace.archs]
        tests = np.array([self.report(tuple(a))["test_accuracy"] for a in trace.archs],
                         dtype=np.float64)
        return tests, strings


def _incumbent_positions(rewards: np.ndarray) -> np.ndarray:
    """Index of the best reward so far at each step (first one on ties, as Trace does)."""
    if rewards.size == 0:
        return np.zeros(0, dtype=np.int64)
    previous = np.concatenate([[-np.inf], np.maximum.accumulate(rewards)[:-1]])
    new_best = rewards > previous
    return np.maximum.accumulate(np.where(new_best, np.arange(rewards.size), 0))


def execute_chunk(context: RunContext, chunk: Chunk,
                  centers: Mapping[int, Sequence[Sequence[int]]] | None = None) -> ChunkResult:
    """Run every run of ``chunk`` and build its ``runs`` and ``traces`` tables.

    Args:
        context: backend, protocol, budget and master seed of the study.
        chunk: which method, dataset and seeds.
        centers: for a transfer method, ``{seed: initial centers}`` from its source runs.
    """
    configure_worker(context.data)
    tic = time.perf_counter()
    cell, method = chunk.cell, chunk.cell.method
    backend = make_backend(context, cell.dataset)
    budget = Budget(seconds=context.budget_s)
    traces, walls = _run_traces(chunk, backend, budget, context.master_seed, centers)
    reporter = _Reporter(getattr(backend, "backend", backend) if context.constraints
                         else backend)
    space = backend.space
    rows: list[dict[str, Any]] = []
    columns: dict[str, list[np.ndarray]] = {k: [] for k in (
        "seed", "step", "reward", "cost_s", "elapsed_s", "test_accuracy",
        "incumbent_reward", "incumbent_test_accuracy")}
    arch_keys: list[np.ndarray | list[str]] = []
    for seed, trace, wall in zip(range(chunk.start, chunk.stop), traces, walls):
        report = reporter.report(tuple(trace.answer))
        row: dict[str, Any] = {
            "method": method.name, "label": method.label, "dataset": cell.dataset,
            "seed": seed, "arch": space.to_string(tuple(trace.answer)),
            "reward": float(trace.answer_reward)}
        row.update({k: float(v) for k, v in report.items()})
        row.update({"queries": len(trace), "sim_seconds": float(np.sum(trace.costs)),
                    "wall_seconds": wall, "transfer_source": cell.source})
        row.update({f"opt_{k}": encode_value(v) for k, v in sorted(method.options.items())})
        row.update({f"info_{k}": encode_value(v) for k, v in sorted(trace.info.items())})
        rows.append(row)
        rewards = np.asarray(trace.rewards, dtype=np.float64)
        costs = np.asarray(trace.costs, dtype=np.float64)
        tests, keys = reporter.trace_columns(trace)
        best = _incumbent_positions(rewards)
        n = rewards.size
        columns["seed"].append(np.full(n, seed, dtype=np.int64))
        columns["step"].append(np.arange(n, dtype=np.int64))
        columns["reward"].append(rewards)
        columns["cost_s"].append(costs)
        columns["elapsed_s"].append(np.cumsum(costs))
        columns["test_accuracy"].append(tests)
        columns["incumbent_reward"].append(rewards[best])
        columns["incumbent_test_accuracy"].append(tests[best])
        arch_keys.append(keys)
    n_total = sum(len(a) for a in columns["seed"])
    traces_table = _traces_table(method.name, method.label, cell.dataset, columns,
                                 arch_keys, reporter, n_total)
    runs_table = pa.Table.from_pylist(rows)
    return ChunkResult(chunk.key, runs_table, traces_table, time.perf_counter() - tic)


def _traces_table(method: str, label: str, dataset: str, columns: dict[str, list[np.ndarray]],
                  arch_keys: list[Any], reporter: _Reporter, n: int) -> pa.Table:
    def repeat(value: str) -> pa.Array[Any]:
        return pa.DictionaryArray.from_arrays(np.zeros(n, dtype=np.int32), pa.array([value]))

    data: dict[str, pa.Array[Any]] = {"label": repeat(label), "method": repeat(method),
                                 "dataset": repeat(dataset)}
    flat = {k: np.concatenate(v) if v else np.zeros(0) for k, v in columns.items()}
    data["seed"] = pa.array(flat["seed"].astype(np.int64))
    data["step"] = pa.array(flat["step"].astype(np.int64))
    if reporter.tabular:
        indices = np.concatenate(arch_keys) if arch_keys else np.zeros(0, dtype=np.int64)
        unique, codes = np.unique(indices, return_inverse=True)
        dictionary = [reporter.strings[i] for i in unique.tolist()]
        data["arch"] = pa.DictionaryArray.from_arrays(codes.astype(np.int32),
                                                      pa.array(dictionary, pa.string()))
        data["arch_index"] = pa.array(indices.astype(np.int64))
    else:
        strings = [s for keys in arch_keys for s in keys]
        data["arch"] = pa.array(strings).dictionary_encode()
    for name in ("reward", "cost_s", "elapsed_s", "test_accuracy", "incumbent_reward",
                 "incumbent_test_accuracy"):
        data[name] = pa.array(flat[name].astype(np.float64))
    return pa.table(data)
