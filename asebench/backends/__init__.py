"""Backends answer queries: the tabular NB201 backend (and the live supernet backend)."""

from __future__ import annotations

from asebench._registry import Registry
from asebench.backends._budgeted import BudgetedEvaluator
from asebench.backends._eval_protocol import COST_SOURCES, EvalProtocol, get_protocol, protocols
from asebench.backends._live import LiveBackend, build_live_backend
from asebench.backends._protocol import Backend
from asebench.backends._restricted import RestrictedBackend, restrict_backend
from asebench.backends._tabular import TabularBackend

__all__ = [
    "Backend",
    "BudgetedEvaluator",
    "COST_SOURCES",
    "EvalProtocol",
    "LiveBackend",
    "RestrictedBackend",
    "TabularBackend",
    "backends",
    "build_live_backend",
    "get_backend",
    "get_protocol",
    "protocols",
    "restrict_backend",
]

backends: Registry[Backend] = Registry("backend")
backends.add("tabular", TabularBackend)
backends.add("live", build_live_backend)


def get_backend(name: str, **options: object) -> Backend:
    """Build a registered backend by name (``tabular``; ``live`` once registered)."""
    return backends.get(name, **options)
