"""Reusable conformance checks and small fakes for tests of backends and searchers."""

from __future__ import annotations

from asebench.testing._backend_contract import check_backend
from asebench.testing._fakes import FunctionBackend
from asebench.testing._searcher_contract import check_searcher

__all__ = ["FunctionBackend", "check_searcher", "check_backend"]
