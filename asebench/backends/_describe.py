"""What a backend tells the layers above it, so that they never need its name.

The study records a backend's :class:`BackendInfo` (benchmark, dataset, data identity, reward
and report columns); constraints ask which metrics it knows *before* a query; the oracle,
feasible sets and the compact trace store need a space the backend can list. Each of these is
an optional protocol beside :class:`~asebench.backends.Backend`, so a minimal backend (``space``,
``evaluate``, ``report``) still runs every method, and a richer one unlocks more:

* :class:`DescribedBackend` (``describe()``): the study metadata and the constraint metrics;
* :class:`EnumerableBackend`: a finite, listed space (a tabular benchmark): archs by row,
  per-row values of any report column or metric (feasible sets, the oracle, regret, traces
  stored as row indices);
* :class:`ArchMetrics`: metrics of one arch known before it is queried (analytic MAdds), for
  constraints on a space that cannot be listed;
* :class:`KeyedBackend`: a benchmark that names its archs by its own key (the hash its tables
  are keyed by), which ``asebench query`` accepts besides the space's string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from asebench.backends._protocol import Backend
from asebench.records import Arch

__all__ = [
    "ArchMetrics",
    "BackendFactory",
    "BackendInfo",
    "DescribedBackend",
    "EnumerableBackend",
    "KeyedBackend",
    "MetricInfo",
    "describe",
]


@dataclass(frozen=True)
class MetricInfo:
    """A metric a constraint may name.

    Attributes:
        name: as written in a constraint (``flops_m``, ``latency:pixel3``, ``madds_m``).
        unit: the unit its limits are given in (``MFLOPs``, ``ms``).
        known_before_query: computed or looked up without evaluating the arch, so an
            infeasible arch is refused before anything is charged. Only such metrics can
            constrain a search.
    """

    name: str
    unit: str = ""
    known_before_query: bool = True


@dataclass(frozen=True)
class BackendInfo:
    """A backend's identity and vocabulary.

    Attributes:
        benchmark: the benchmark's name (``nb201``, ``live``).
        dataset: the dataset this backend answers for.
        reward: what the reward is (the table column, or a short description).
        report_columns: the keys of ``report()``; tables use ``test_accuracy``.
        data: identity of the data behind it (``name``, ``path``, ``sha256``), recorded in
            the study so that a result names its table; None when there is no such file.
        metrics: the metrics a constraint may name.
        transfer_source: the dataset a ``NAME+`` method starts from by default (the
            benchmark's first dataset, CIFAR-10 on NB201), None when there is no such choice.
        method_defaults: options a method takes on this benchmark unless the user sets them
            (the paper's ImageNet settings of ASE-NAS on the live MobileNet space).
        protocol: the evaluation protocol's fields (recorded in the study), if any.
        budget_s: the default budget per run in (simulated) seconds; None: none, the user
            must give one.
    """

    benchmark: str
    dataset: str
    reward: str = "reward"
    report_columns: tuple[str, ...] = ("test_accuracy",)
    data: Mapping[str, str] | None = None
    metrics: tuple[MetricInfo, ...] = ()
    transfer_source: str | None = None
    method_defaults: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    protocol: Mapping[str, object] | None = None
    budget_s: float | None = None

    def metric(self, name: str) -> MetricInfo | None:
        """The metric called ``name``, or None."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        return None


@runtime_checkable
class DescribedBackend(Backend, Protocol):
    """A backend that describes itself (:class:`BackendInfo`)."""

    def describe(self) -> BackendInfo:
        ...


@runtime_checkable
class EnumerableBackend(Backend, Protocol):
    """A backend over a finite space it lists: row ``i`` is one arch, for every method."""

    @property
    def num_archs(self) -> int:
        """How many archs the space has."""
        ...

    def arch_codes(self) -> np.ndarray:
        """``(num_archs, L)`` int64: the arch of every row."""
        ...

    def indices_of(self, archs: np.ndarray) -> np.ndarray:
        """Rows of an ``(n, L)`` array of archs (int64)."""
        ...

    def arch_strings(self) -> Sequence[str]:
        """The native string of every row's arch."""
        ...

    def values(self, name: str) -> np.ndarray:
        """``(num_archs,)`` float64 of a report column or a metric (AsebenchError naming the
        valid names when unknown)."""
        ...


@runtime_checkable
class ArchMetrics(Backend, Protocol):
    """A backend that knows metrics of any arch before it is queried."""

    def arch_metrics(self, arch: Arch) -> Mapping[str, float]:
        """Every known-before-query metric of ``arch``."""
        ...


@runtime_checkable
class KeyedBackend(Backend, Protocol):
    """A backend whose benchmark has its own key for an arch (a table's hash)."""

    def arch_of_key(self, key: str) -> Arch:
        """An arch with that key (AsebenchError if there is none)."""
        ...

    def key_of(self, arch: Arch) -> str:
        """The benchmark's own key of ``arch``."""
        ...


class BackendFactory:
    """A registered backend factory that also names the datasets a study runs by default.

    Args:
        build: ``build(dataset, **options) -> Backend``.
        default_datasets: ``default_datasets(**options) -> datasets`` (the same options).
        uses_live_code: whether its backends run asebench's live-only parts (the supernet,
            the image datasets); False for a benchmark table, whose studies' code version
            then leaves those parts out (:func:`asebench.study.study_code_version`).
    """

    def __init__(self, build: Callable[..., Backend],
                 default_datasets: Callable[..., tuple[str, ...]], *,
                 uses_live_code: bool = True) -> None:
        self.build = build
        self._default_datasets = default_datasets
        self.uses_live_code = uses_live_code
        self.__module__ = build.__module__
        self.__doc__ = build.__doc__

    def __call__(self, *args: object, **options: object) -> Backend:
        return self.build(*args, **options)

    def default_datasets(self, **options: object) -> tuple[str, ...]:
        """The datasets of a study that names none."""
        return self._default_datasets(**options)


def describe(backend: Backend) -> BackendInfo:
    """``backend.describe()``, or a generic description of a backend that gives none."""
    if isinstance(backend, DescribedBackend):
        return backend.describe()
    return BackendInfo(benchmark=type(backend).__name__, dataset="")
