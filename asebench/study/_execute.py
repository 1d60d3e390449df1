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
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa

from asebench.backends import Backend, EnumerableBackend, unwrap
from asebench.errors import AsebenchError
from asebench.records import Budget, Trace
from asebench.search import (
    BatchSearcher,
    JSONValue,
    Searcher,
    Transferable,
    TransferBatchSearcher,
)
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
    """What every run of a study shares: how to build its backend, and its budget.

    Attributes:
        backend: registered backend name (or ``module:factory``).
        backend_options: the factory's keyword options (the dataset aside).
        budget: what every run may spend.
        master_seed: root of all randomness.
        constraints: hardware constraints (canonical text) every run must meet.
    """

    backend: str
    backend_options: Mapping[str, object]
    budget: Budget
    master_seed: int
    constraints: tuple[str, ...] = ()


class ChunkResult(NamedTuple):
    """The result tables of one chunk (``runs`` one row per run, ``traces`` per query)."""

    key: str
    runs: pa.Table
    traces: pa.Table
    seconds: float


_BACKENDS: dict[str, Backend] = {}
_CONFIGURED = False


def configure_worker() -> None:
    """Once per process: one thread per worker."""
    global _CONFIGURED
    if _CONFIGURED:
        return
    _CONFIGURED = True
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def make_backend(context: RunContext, dataset: str) -> Backend:
    """The context's backend for ``dataset`` (restricted to its constraints), built once per
    process.

    Raises:
        AsebenchError: unknown backend or option, bad dataset, or bad constraints.
    """
    key = json.dumps([context.backend, dataset, context.backend_options, context.constraints],
                     sort_keys=True, default=str)
    backend = _BACKENDS.get(key)
    if backend is None:
        from asebench.backends import get_backend

        try:
            backend = get_backend(context.backend, dataset=dataset, **context.backend_options)
        except TypeError as exc:
            raise AsebenchError(f"bad options for backend {context.backend!r}: {exc}") from None
        if context.constraints:
            # every method then proposes only feasible archs (the one sub-space mechanism)
            from asebench.constraints import constrained_backend

            backend = constrained_backend(backend, context.constraints)[0]
        _BACKENDS[key] = backend
    return backend


def make_searcher(name: str, options: Mapping[str, object]) -> Searcher:
    """Build a searcher, turning a bad option into a one-line error."""
    from asebench import search

    try:
        return search.get(name, **options)
    except AsebenchError:
        raise
    except (TypeError, ValueError) as exc:
        raise AsebenchError(f"bad options for method {name!r}: {exc}") from None


Scalar = bool | int | float | str | None
"""What a runs-table cell holds."""


def encode_value(value: object) -> Scalar:
    """A scalar stays a scalar; anything else becomes a JSON string (archs as int lists)."""
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        item: Scalar = value.item()
        return item
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(_plain(value))


def _plain(value: object) -> object:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _run_traces(chunk: Chunk, searcher: Searcher, backend: Backend, budget: Budget,
                master_seed: int, states: Mapping[int, JSONValue] | None
                ) -> tuple[list[Trace], list[float]]:
    """Every run of ``chunk``, batched where the method declares it can; per-run wall time."""
    method = chunk.cell.method
    rngs = run_generators(master_seed, chunk.start, chunk.stop)
    tic = time.perf_counter()
    if method.transfer is not None:
        if states is None or not isinstance(searcher, Transferable):
            raise AsebenchError(f"{method.label}: no start states from its source runs")
        per_seed = [states[seed] for seed in range(chunk.start, chunk.stop)]
        if isinstance(searcher, TransferBatchSearcher):
            traces = searcher.run_batch_from(backend, budget, rngs, per_seed)
            return traces, _shared_wall(tic, len(traces))
        return _one_by_one([searcher.started_from(s) for s in per_seed], backend, budget, rngs)
    if isinstance(searcher, BatchSearcher):
        traces = list(searcher.run_batch(backend, budget, rngs))
        return traces, _shared_wall(tic, len(traces))
    return _one_by_one([searcher] * len(rngs), backend, budget, rngs)


def _shared_wall(tic: float, runs: int) -> list[float]:
    return [(time.perf_counter() - tic) / max(runs, 1)] * runs


def _one_by_one(searchers: Sequence[Searcher], backend: Backend, budget: Budget,
                rngs: Sequence[np.random.Generator]) -> tuple[list[Trace], list[float]]:
    traces, walls = [], []
    for searcher, rng in zip(searchers, rngs):
        tic = time.perf_counter()
        traces.append(searcher.run(backend, budget, rng))
        walls.append(time.perf_counter() - tic)
    return traces, walls


class _Reporter:
    """Arch keys and report metrics of the answers and queries, vectorised over a backend that
    lists its space (:class:`~asebench.backends.EnumerableBackend`): its queries are stored
    as row indices, the others' as arch strings."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._cache: dict[tuple[int, ...], Mapping[str, float]] = {}
        self.listed: EnumerableBackend | None = (
            backend if isinstance(backend, EnumerableBackend) else None)
        if self.listed is not None:
            self.test = self.listed.values("test_accuracy")
            self.strings = self.listed.arch_strings()

    def report(self, arch: tuple[int, ...]) -> Mapping[str, float]:
        if arch not in self._cache:
            self._cache[arch] = dict(self.backend.report(arch))
        return self._cache[arch]

    def trace_columns(self, trace: Trace) -> tuple[np.ndarray, np.ndarray | list[str]]:
        """Per query: test accuracy and the row index (listed space) or arch string."""
        if self.listed is not None:
            archs = np.asarray(trace.archs, dtype=np.int64).reshape(
                -1, self.backend.space.num_positions)
            indices = self.listed.indices_of(archs)
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
                  states: Mapping[int, JSONValue] | None = None) -> ChunkResult:
    """Run every run of ``chunk`` and build its ``runs`` and ``traces`` tables.

    Args:
        context: backend, budget and master seed of the study.
        chunk: which method, dataset and seeds.
        states: for a transfer method, ``{seed: start state}`` from its source runs.
    """
    configure_worker()
    tic = time.perf_counter()
    cell, method = chunk.cell, chunk.cell.method
    backend = make_backend(context, cell.dataset)
    searcher = make_searcher(method.name, method.options)
    traces, walls = _run_traces(chunk, searcher, backend, context.budget, context.master_seed,
                                states)
    transferable = searcher if isinstance(searcher, Transferable) else None
    reporter = _Reporter(unwrap(backend))
    space = backend.space
    rows: list[dict[str, object]] = []
    columns: dict[str, list[np.ndarray]] = {k: [] for k in (
        "seed", "step", "reward", "cost_s", "elapsed_s", "test_accuracy",
        "incumbent_reward", "incumbent_test_accuracy")}
    arch_keys: list[np.ndarray | list[str]] = []
    for seed, trace, wall in zip(range(chunk.start, chunk.stop), traces, walls):
        report = reporter.report(tuple(trace.answer))
        row: dict[str, object] = {
            "method": method.name, "label": method.label, "dataset": cell.dataset,
            "seed": seed, "arch": space.to_string(tuple(trace.answer)),
            "reward": float(trace.answer_reward)}
        row.update({k: float(v) for k, v in report.items()})
        row.update({"queries": len(trace), "sim_seconds": float(np.sum(trace.costs)),
                    "wall_seconds": wall, "transfer_source": cell.source})
        row.update({f"opt_{k}": encode_value(v) for k, v in sorted(method.options.items())})
        row.update({f"info_{k}": encode_value(v) for k, v in sorted(trace.info.items())})
        if transferable is not None:
            row["transfer_state"] = json.dumps(transferable.transfer_state(trace))
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
                  arch_keys: list[np.ndarray | list[str]], reporter: _Reporter,
                  n: int) -> pa.Table:
    def repeat(value: str) -> pa.Array[Any]:
        return pa.DictionaryArray.from_arrays(np.zeros(n, dtype=np.int32), pa.array([value]))

    data: dict[str, pa.Array[Any]] = {"label": repeat(label), "method": repeat(method),
                                 "dataset": repeat(dataset)}
    flat = {k: np.concatenate(v) if v else np.zeros(0) for k, v in columns.items()}
    data["seed"] = pa.array(flat["seed"].astype(np.int64))
    data["step"] = pa.array(flat["step"].astype(np.int64))
    if reporter.listed is not None:
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
