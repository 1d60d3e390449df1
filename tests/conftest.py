"""Shared fixtures: the real embedded table, loaded once per test session."""

from __future__ import annotations

import pytest

from asebench.tables import NB201Table, default_table


@pytest.fixture(scope="session")
def table() -> NB201Table:
    return default_table()


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread for a test module: tiny convolutions only gain contention from more."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
