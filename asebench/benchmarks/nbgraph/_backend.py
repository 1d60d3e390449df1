"""The NAS-Bench-Graph backend: answers a query from the embedded table in a dict lookup.

Reward: the package's ``valid_perf`` (validation accuracy, mean of three seeds); report: its
``perf`` (test accuracy) as ``test_accuracy``; both in percent, as on NB201, so that methods
tuned there see rewards on the same scale.
Each query costs one unit: the light tables hold no training time, so the budget counts
architecture evaluations (``budget_s = 100``: 100 queries per run unless a study says
otherwise). ``params_m`` and ``latency`` (ms) are known before a query and may constrain a
search.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from asebench.backends import BackendFactory, BackendInfo, MetricInfo
from asebench.benchmarks.nbgraph._canonical import GNN_OPS
from asebench.benchmarks.nbgraph._space import SIZES, code_index, dataset_space
from asebench.benchmarks.nbgraph._table import NBGraphTable, load_nbgraph
from asebench.errors import AsebenchError
from asebench.records import Arch, Evaluation
from asebench.spaces import SubSpace

__all__ = ["ASE_DEFAULTS", "BUDGET_QUERIES", "NBGraphBackend", "factory", "build_nbgraph_backend",
           "nbgraph_datasets"]

BENCHMARK = "nas-bench-graph"
BUDGET_QUERIES = 100
"""Architecture evaluations per run (the paper's benchmarking protocol; see the docs)."""
QUERY_COST = 1.0
TRANSFER_SOURCE = "cora"  # the package's first dataset: ase+ starts from its final centers
ASE_DEFAULTS: Mapping[str, Mapping[str, object]] = {"ase": {"K": 4, "M": 3}}
"""ASE-NAS on this space: K = 4 as on NB201; M = 3 of L = 7 positions, chosen among 1..4 by
the mean final validation reward on a separate seed range (master seed 1, seeds 0-99), never
on the study's seeds (see the docs)."""
_REPORT_COLUMNS = ("test_accuracy", "valid_accuracy", "params_m", "latency")
# name -> (table column, scale): accuracies in percent, the package's own fields as stored
_VALUES = {"test_accuracy": ("perf", 100.0), "valid_accuracy": ("valid_perf", 100.0),
           "perf": ("perf", 1.0), "valid_perf": ("valid_perf", 1.0),
           "params_m": ("params_m", 1.0), "latency": ("latency_s", 1000.0),
           "latency_s": ("latency_s", 1.0)}
_METRICS = (MetricInfo("params_m", "M params"), MetricInfo("latency", "ms"))


@lru_cache(maxsize=1)
def _all_codes() -> np.ndarray:
    codes = np.array(list(itertools.product(*(range(n) for n in SIZES))), dtype=np.int64)
    codes.setflags(write=False)
    return codes


@lru_cache(maxsize=1)
def _all_archs() -> tuple[Arch, ...]:
    return tuple(itertools.product(*(range(n) for n in SIZES)))


class NBGraphBackend:
    """NAS-Bench-Graph on one dataset.

    Args:
        dataset: one of the table's nine datasets.
        table: the table (default: the embedded one).
    """

    def __init__(self, dataset: str, table: NBGraphTable | None = None) -> None:
        self.table = table if table is not None else load_nbgraph()
        self.dataset = self.table.check_dataset(dataset)
        self._space = dataset_space(self.table.ops(dataset))
        codes = _all_codes()
        table_rows = self.table.rows_of(dataset, self.table.key_of_code)
        listed = table_rows >= 0
        # row i of the listed space: the i-th valid combination in code order
        self._codes = codes[listed]
        self._codes.setflags(write=False)
        self._table_row = table_rows[listed]
        self._row_of_index = np.full(len(codes), -1, dtype=np.int64)
        self._row_of_index[np.flatnonzero(listed)] = np.arange(int(listed.sum()))
        self._keys = self.table.keys[dataset]
        self._columns = self.table.columns[dataset]
        reward = (100.0 * self._columns["valid_perf"]).tolist()
        evaluations = [Evaluation(r, QUERY_COST) for r in reward]
        archs = _all_archs()
        self._answers: dict[Arch, Evaluation] = {
            archs[i]: evaluations[row]
            for i, row in zip(np.flatnonzero(listed).tolist(), self._table_row.tolist())}
        self._strings: list[str] | None = None

    # -- Backend -----------------------------------------------------------------------
    @property
    def space(self) -> SubSpace:
        return self._space

    @property
    def name(self) -> str:
        return f"{BENCHMARK}:{self.dataset}"

    def evaluate(self, arch: Arch, rng: np.random.Generator) -> Evaluation:
        """``valid_perf`` (%) of ``arch`` at one unit of cost (the table is deterministic)."""
        try:
            return self._answers[arch]
        except (KeyError, TypeError):
            raise AsebenchError(self._not_an_arch(arch)) from None

    def _not_an_arch(self, arch: object) -> str:
        parent = self._space.parent
        if isinstance(arch, tuple) and parent.contains(arch):
            return (f"{parent.to_string(arch)} is not a NAS-Bench-Graph arch of "
                    f"{self.dataset}: " + ("all four operations are skip"
                                           if not self._space.feasible(arch)  # type: ignore[misc]
                                           else "operations outside " +
                                           ", ".join(self.table.ops(self.dataset))))
        return f"not a NAS-Bench-Graph arch: {arch!r}"

    def row(self, arch: Arch) -> int:
        """Row of ``arch`` in the listed space (AsebenchError if it is none)."""
        if arch not in self._answers:
            raise AsebenchError(self._not_an_arch(arch))
        return int(self._row_of_index[int(code_index(np.asarray([arch]))[0])])

    def report(self, arch: Arch) -> Mapping[str, float]:
        """``perf`` as ``test_accuracy`` and ``valid_perf`` as ``valid_accuracy`` (both %),
        parameters (M) and latency (ms)."""
        i = int(self._table_row[self.row(tuple(arch))])
        out = {}
        for name in _REPORT_COLUMNS:
            column, scale = _VALUES[name]
            out[name] = scale * float(self._columns[column][i])
        return out

    # -- DescribedBackend ----------------------------------------------------------------
    def describe(self) -> BackendInfo:
        table = self.table
        return BackendInfo(
            benchmark=BENCHMARK, dataset=self.dataset, reward="valid_perf (%)",
            report_columns=_REPORT_COLUMNS,
            data={"name": str(table.meta.get("name", "nas-bench-graph")),
                  "path": str(table.path), "sha256": table.sha256},
            metrics=_METRICS, transfer_source=TRANSFER_SOURCE, method_defaults=ASE_DEFAULTS,
            protocol={"name": "nbgraph", "title": "NAS-Bench-Graph",
                      "reward_column": "valid_perf", "report_column": "perf",
                      "cost_source": "one unit per query", "query_cost": QUERY_COST,
                      "budget_queries": BUDGET_QUERIES,
                      "source": str(table.meta.get("source", ""))},
            budget_s=BUDGET_QUERIES * QUERY_COST)

    # -- EnumerableBackend ---------------------------------------------------------------
    @property
    def num_archs(self) -> int:
        """Valid position combinations (157,440; proteins 14,976); several share a hash."""
        return len(self._codes)

    @property
    def num_unique(self) -> int:
        """Distinct architectures (the package's hashes): 26,206; proteins 2,021."""
        return len(self._keys)

    def arch_codes(self) -> np.ndarray:
        return self._codes

    def indices_of(self, archs: np.ndarray) -> np.ndarray:
        codes = np.asarray(archs, dtype=np.int64).reshape(-1, len(SIZES))
        if codes.size and ((codes < 0).any() or (codes >= np.array(SIZES)).any()):
            raise AsebenchError("arch codes outside the NAS-Bench-Graph positions' ranges")
        rows: np.ndarray = self._row_of_index[code_index(codes)]
        if (rows < 0).any():
            bad = tuple(int(c) for c in codes[int(np.argmax(rows < 0))])
            raise AsebenchError(self._not_an_arch(bad))
        return rows

    def arch_strings(self) -> Sequence[str]:
        if self._strings is None:
            to_string = self._space.to_string
            self._strings = [to_string(tuple(c)) for c in self._codes.tolist()]
        return self._strings

    def values(self, name: str) -> np.ndarray:
        """Per-row ``name``: a report column, a metric, or a table column."""
        if name not in _VALUES:
            raise AsebenchError(f"unknown value {name!r} of NAS-Bench-Graph; use one of "
                                f"{', '.join(sorted(_VALUES))}")
        column, scale = _VALUES[name]
        values: np.ndarray = scale * self._columns[column][self._table_row]
        return values

    # -- ArchMetrics ---------------------------------------------------------------------
    def arch_metrics(self, arch: Arch) -> Mapping[str, float]:
        report = self.report(arch)
        return {"params_m": report["params_m"], "latency": report["latency"]}

    # -- KeyedBackend ---------------------------------------------------------------------
    def key_of(self, arch: Arch) -> str:
        """The package's ``valid_hash`` of ``arch``."""
        return str(int(self._keys[int(self._table_row[self.row(tuple(arch))])]))

    def keys_of_rows(self) -> np.ndarray:
        """The package hash of every row of the listed space."""
        keys: np.ndarray = self._keys[self._table_row]
        return keys

    def arch_of_key(self, key: str) -> Arch:
        """The first combination (in code order) whose hash is ``key``."""
        try:
            value = int(key)
        except ValueError:
            raise AsebenchError(f"not a NAS-Bench-Graph hash: {key!r}") from None
        found = np.flatnonzero(self._keys[self._table_row] == value)
        if not found.size:
            raise AsebenchError(f"hash {value} is not stored for {self.dataset}")
        return tuple(int(c) for c in self._codes[int(found[0])])


_OPTIONS = ("data",)


def build_nbgraph_backend(dataset: str, **options: Any) -> NBGraphBackend:
    """The registered ``nas-bench-graph`` factory. Option: ``data`` (a table file; default
    the embedded ``data/nbgraph.npz``). Built once per process, dataset and table."""
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise AsebenchError(f"unknown nas-bench-graph backend option(s) {', '.join(unknown)}; "
                            f"use {', '.join(_OPTIONS)}")
    data = options.get("data")
    return _cached_backend(dataset, load_nbgraph(None if data is None else str(data)))


@lru_cache(maxsize=16)
def _cached_backend(dataset: str, table: NBGraphTable) -> NBGraphBackend:
    return NBGraphBackend(dataset, table)


def nbgraph_datasets(**options: Any) -> tuple[str, ...]:
    """Every dataset of the table, the package's order (cora first)."""
    data = options.get("data")
    return load_nbgraph(None if data is None else str(data)).datasets


factory = BackendFactory(build_nbgraph_backend, nbgraph_datasets, uses_live_code=False)
"""The entry point of group ``asebench.backends`` (name ``nas-bench-graph``)."""

assert len(GNN_OPS) == SIZES[-1]
