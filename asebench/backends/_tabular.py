"""The tabular backend: answers NB201 queries from a benchmark table in well under 1 us."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from asebench.backends._eval_protocol import EvalProtocol, get_protocol
from asebench.errors import AsebenchError
from asebench.records import Arch, Evaluation
from asebench.spaces import NB201Space
from asebench.tables import NB201Table, default_table

__all__ = ["TabularBackend"]

_COST_DATASET = "cifar10"


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
