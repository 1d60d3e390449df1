"""The plugin's method passes asebench's conformance kit, inherited, not copied."""

from __future__ import annotations

import pytest
from asebench_example_plugin import greedy

from asebench.backends import Backend, TabularBackend
from asebench.records import Budget
from asebench.testing import SearcherTestCase


class TestGreedy(SearcherTestCase):
    @pytest.fixture
    def searcher(self):
        return greedy(patience=5)


class TestGreedyOnNB201(SearcherTestCase):
    budgets = (Budget(seconds=5000.0), Budget(queries=30))

    @pytest.fixture
    def searcher(self):
        return greedy()

    @pytest.fixture
    def backend(self) -> Backend:
        return TabularBackend("cifar10")
