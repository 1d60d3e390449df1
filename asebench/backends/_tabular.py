"""The tabular backend: answers NB201 queries from a benchmark table in well under 1 us."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from asebench.backends._describe import BackendInfo, MetricInfo
from asebench.backends._eval_protocol import EvalProtocol, get_protocol
from asebench.errors import AsebenchError
from asebench.records import Arch, Evaluation
from asebench.spaces import NB201Space
from asebench.tables import NB201Table, default_table
from asebench.tables._metrics import metric_names, metric_unit, metric_values

__all__ = ["TabularBackend", "build_tabular_backend", "tabular_datasets"]

_COST_DATASET = "cifar10"
_TRANSFER_SOURCE = "cifar10"  # the paper's ASE-NAS+ starts from CIFAR-10 centers
_REPORT_COLUMNS = ("test_accuracy", "valid_accuracy", "params_m", "flops_m")
_ARCH_STRINGS: dict[int, list[str]] = {}  # per table (by id): every row's arch string


class TabularBackend:
    """NB201 backend over a :class:`NB201Table` and an :class:`EvalProtocol`.

    Args:
        dataset: ``cifar10``, ``cifar100`` or ``ImageNet16-120``.
        protocol: an :class:`EvalProtocol` or a registered name (default ``paper``).
        table: the table (default: the embedded one, or ``$ASEBENCH_DATA``).
        metrics: extra columns to attach to every :class:`Evaluation` (e.g. ``flops_m`` for a
            constraint); empty by default, which keeps queries fastest.
    """

    def __init__(self, dataset: str, protocol: EvalProtocol | str = "paper",
                 table: NB201Table | None = None, metrics: Sequence[str] = ()) -> None:
        self.table = table if table is not None else default_table()
        self.dataset = self.table.check_dataset(dataset)
        self.protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
        self._space = NB201Space(order=self.table.arch_codes)
        self.reward_column = self._pick_reward_column()
        reward = self.table.column(dataset, self.reward_column)
        cost_dataset = _COST_DATASET if self.protocol.cost_source == "cifar10" else dataset
        cost = self.table.column(cost_dataset, self.protocol.cost_column)
        self._report = self.table.column(dataset, self.protocol.report_column)
        self._index = self.table.index_of
        self._cost: list[float] = cost.astype(np.float64).tolist()
        self._metric_matrix: tuple[tuple[str, ...], np.ndarray] | None = None
        self._per_seed = reward.ndim == 2
        if self._per_seed:
            # seeds are stored left-aligned, so slot < count is always a real value
            self._seed_counts = np.sum(~np.isnan(reward), axis=1)
            self._seed_values = [
                tuple(v for v in row if v == v) for row in reward.astype(np.float64).tolist()]
            self._reward: list[float] = []
        else:
            self._reward = reward.astype(np.float64).tolist()
        self._metric_columns = {
            name: self.table.column(dataset, name).astype(np.float64).tolist() for name in metrics}
        self.reward_array = reward
        self.cost_array = cost
        # Deterministic rewards: every answer is known up front, so a query is one dict lookup.
        self._answers: dict[Arch, Evaluation] | None = None
        if not self._per_seed:
            self._answers = {
                arch: self._answer(i, self._reward[i]) for arch, i in self._index.items()}

    def _answer(self, i: int, reward: float) -> Evaluation:
        if self._metric_columns:
            metrics = {name: col[i] for name, col in self._metric_columns.items()}
            return Evaluation(reward, self._cost[i], metrics)
        return Evaluation(reward, self._cost[i])

    def _pick_reward_column(self) -> str:
        for name in self.protocol.reward_columns:
            if self.table.has_column(self.dataset, name):
                return name
        raise AsebenchError(
            f"table {self.table.meta.name!r} has none of the reward columns "
            f"{', '.join(self.protocol.reward_columns)} of protocol {self.protocol.name!r}")

    @property
    def space(self) -> NB201Space:
        return self._space

    @property
    def name(self) -> str:
        return f"tabular:{self.dataset}:{self.protocol.name}"

    def evaluate(self, arch: Arch, rng: np.random.Generator) -> Evaluation:
        """Reward and cost of ``arch``; per-seed rewards draw one stored seed with ``rng``."""
        try:
            if self._answers is not None:
                return self._answers[arch]
            i = self._index[arch]
        except (KeyError, TypeError):
            raise AsebenchError(f"not an NB201 arch: {arch!r}") from None
        values = self._seed_values[i]
        return self._answer(i, values[int(rng.integers(len(values)))])

    def report(self, arch: Arch) -> Mapping[str, float]:
        """Final metrics of ``arch``: the protocol's report column as ``test_accuracy`` plus
        the arch's stored means."""
        i = self.index(arch)
        table, dataset = self.table, self.dataset
        return {
            "test_accuracy": float(self._report[i]),
            "valid_accuracy": float(table.column(dataset, "valid_acc_200_mean")[i]),
            "params_m": float(table.column(dataset, "params_m")[i]),
            "flops_m": float(table.column(dataset, "flops_m")[i]),
        }

    # -- self-description (DescribedBackend, EnumerableBackend, ArchMetrics) -------------
    def describe(self) -> BackendInfo:
        """NB201 on this dataset: the reward column used, the table's identity, and the
        FLOPs, parameter and latency metrics a constraint may name."""
        table = self.table
        return BackendInfo(
            benchmark="nb201", dataset=self.dataset, reward=self.reward_column,
            report_columns=_REPORT_COLUMNS,
            data={"name": table.meta.name, "path": str(Path(table.path).resolve()),
                  "sha256": table.sha256},
            metrics=tuple(MetricInfo(name, metric_unit(name)) for name in metric_names(table)),
            transfer_source=_TRANSFER_SOURCE, protocol=dataclasses.asdict(self.protocol),
            budget_s=self.protocol.budget_s)

    @property
    def num_archs(self) -> int:
        return self.table.num_archs

    def arch_codes(self) -> np.ndarray:
        codes: np.ndarray = self.table.arch_codes
        return codes

    def arch_strings(self) -> Sequence[str]:
        key = id(self.table)
        if key not in _ARCH_STRINGS:
            _ARCH_STRINGS[key] = [self._space.to_string(tuple(c))
                                  for c in self.table.arch_codes.tolist()]
        return _ARCH_STRINGS[key]

    def values(self, name: str) -> np.ndarray:
        """Per-row ``name``: a report column (``test_accuracy`` is the protocol's reported
        column), a constraint metric, or any single-valued column of the table."""
        table, dataset = self.table, self.dataset
        column = {"test_accuracy": self.protocol.report_column,
                  "valid_accuracy": "valid_acc_200_mean"}.get(name, name)
        if name in metric_names(table):
            return metric_values(table, dataset, name)
        if table.has_column(dataset, column) and table.column(dataset, column).ndim == 1:
            return np.asarray(table.column(dataset, column), dtype=np.float64)
        raise AsebenchError(
            f"unknown value {name!r} of the nb201 table; use one of "
            f"{', '.join(_REPORT_COLUMNS + metric_names(table))}")

    def arch_metrics(self, arch: Arch) -> Mapping[str, float]:
        i = self.index(arch)
        if self._metric_matrix is None:  # built on first use: most studies never ask
            names = metric_names(self.table)
            self._metric_matrix = (names, np.stack(
                [metric_values(self.table, self.dataset, name) for name in names], axis=1))
        names, matrix = self._metric_matrix
        return dict(zip(names, matrix[i].tolist()))

    def index(self, arch: Arch) -> int:
        """NB201 index of ``arch`` (AsebenchError if it is not one)."""
        try:
            return self._index[tuple(arch)]
        except (KeyError, TypeError):
            raise AsebenchError(f"not an NB201 arch: {arch!r}") from None

    def evaluate_batch(self, indices: np.ndarray,
                       rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised query by NB201 index: ``(rewards, costs)`` as the table's float32 arrays.

        Per-seed rewards draw one available seed per arch with ``rng`` (required then).
        """
        indices = np.asarray(indices)
        reward = self.reward_array
        if self._per_seed:
            if rng is None:
                raise AsebenchError("per-seed reward columns need an rng for batch queries")
            counts = self._seed_counts[indices]
            slots = (rng.random(indices.shape) * counts).astype(np.int64)
            rewards = reward[indices, slots]
        else:
            rewards = reward[indices]
        return rewards, self.cost_array[indices]

    def indices_of(self, archs: np.ndarray) -> np.ndarray:
        """NB201 indices of an ``(n, 6)`` array of op codes."""
        codes = np.asarray(archs, dtype=np.int64) @ (5 ** np.arange(5, -1, -1))
        indices: np.ndarray = self.table.index_by_code[codes]
        return indices


_OPTIONS = ("protocol", "protocol_options", "data", "metrics")


def build_tabular_backend(dataset: str, **options: Any) -> TabularBackend:
    """The registered ``tabular`` factory: NB201 on ``dataset``.

    Options: ``protocol`` (name, default ``paper``), ``protocol_options`` (field changes),
    ``data`` (a table file; default the embedded one or ``$ASEBENCH_DATA``), ``metrics``
    (extra columns attached to every evaluation).

    Raises:
        AsebenchError: an unknown option, protocol, dataset or table file.
    """
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise AsebenchError(f"unknown tabular backend option(s) {', '.join(unknown)}; "
                            f"use {', '.join(_OPTIONS)}")
    protocol = get_protocol(str(options.get("protocol", "paper")),
                            **dict(options.get("protocol_options") or {}))
    data = options.get("data")
    return TabularBackend(dataset, protocol=protocol,
                          table=default_table(None if data is None else str(data)),
                          metrics=tuple(options.get("metrics") or ()))


def tabular_datasets(**options: Any) -> tuple[str, ...]:
    """Every dataset of the table (default: the embedded one's three)."""
    data = options.get("data")
    return tuple(default_table(None if data is None else str(data)).datasets)
