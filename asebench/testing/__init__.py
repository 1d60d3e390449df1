"""Reusable conformance checks and small fakes for tests of backends and searchers."""

from __future__ import annotations

from asebench.testing._backend_contract import check_backend

__all__ = ["check_backend"]
