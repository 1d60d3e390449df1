"""Shared fixtures: the real embedded table, loaded once per test session."""

from __future__ import annotations

import pytest

from asebench.tables import NB201Table, default_table


@pytest.fixture(scope="session")
def table() -> NB201Table:
    return default_table()
