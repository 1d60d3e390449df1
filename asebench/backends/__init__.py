"""Backends answer queries: the tabular NB201 backend and the live supernet backend, and any
backend a plugin registers (entry-point group ``asebench.backends``, or ``module:factory``).

A registered backend factory takes the dataset and keyword options:
``factory(dataset, **options) -> Backend``; it rejects unknown options in one line.
"""

from __future__ import annotations

from asebench._registry import Registry
from asebench.backends._budgeted import BudgetedEvaluator
from asebench.backends._describe import (
    ArchMetrics,
    BackendFactory,
    BackendInfo,
    DescribedBackend,
    EnumerableBackend,
    KeyedBackend,
    MetricInfo,
    describe,
)
from asebench.backends._eval_protocol import COST_SOURCES, EvalProtocol, get_protocol, protocols
from asebench.backends._live import (
    LIVE_ASE_DEFAULTS,
    LiveBackend,
    build_live_backend,
    live_datasets,
)
from asebench.backends._protocol import Backend
from asebench.backends._restricted import RestrictedBackend, restrict_backend, unwrap
from asebench.backends._tabular import TabularBackend, build_tabular_backend, tabular_datasets

__all__ = [
    "ArchMetrics",
    "Backend",
    "BackendFactory",
    "BackendInfo",
    "BudgetedEvaluator",
    "COST_SOURCES",
    "DescribedBackend",
    "EnumerableBackend",
    "EvalProtocol",
    "KeyedBackend",
    "LIVE_ASE_DEFAULTS",
    "LiveBackend",
    "MetricInfo",
    "RestrictedBackend",
    "TabularBackend",
    "backends",
    "build_live_backend",
    "build_tabular_backend",
    "default_datasets",
    "describe",
    "get_backend",
    "get_protocol",
    "protocols",
    "restrict_backend",
    "unwrap",
]

backends: Registry[Backend] = Registry("backend", group="asebench.backends", builds=Backend,
                                       arguments=("dataset",))
backends.add("tabular", BackendFactory(build_tabular_backend, tabular_datasets,
                                       uses_live_code=False))
backends.alias("nb201", "tabular")
backends.add("live", BackendFactory(build_live_backend, live_datasets))


def get_backend(name: str, /, **options: object) -> Backend:
    """Build a registered backend by name (``tabular``/``nb201``, ``live``, a plugin's, or
    ``package.module:factory``) with its options, e.g. ``dataset="cifar10"``."""
    return backends.get(name, **options)


def default_datasets(name: str, /, **options: object) -> tuple[str, ...] | None:
    """The datasets a study on backend ``name`` (with its options) runs when it names none;
    None for a backend whose factory names none (a plain function from a plugin)."""
    factory = backends.factory(name)
    return tuple(factory.default_datasets(**options)) if isinstance(factory, BackendFactory) \
        else None
