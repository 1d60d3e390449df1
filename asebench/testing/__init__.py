"""The conformance kit: subclassable pytest classes for methods, backends and spaces, the
plain check functions they are built on, and small fakes for tests.

>>> from asebench.testing import SearcherTestCase
>>> class TestMyMethod(SearcherTestCase):
...     @pytest.fixture
...     def searcher(self):
...         return MyMethod()

Importing this package needs pytest (the ``test`` extra).
"""

from __future__ import annotations

from asebench.testing._backend_contract import check_backend
from asebench.testing._cases import BackendTestCase, SearcherTestCase, SpaceTestCase
from asebench.testing._fakes import FunctionBackend
from asebench.testing._require import ConformanceError, require, same_trace
from asebench.testing._searcher_contract import check_searcher

__all__ = [
    "BackendTestCase",
    "ConformanceError",
    "FunctionBackend",
    "SearcherTestCase",
    "SpaceTestCase",
    "check_backend",
    "check_searcher",
    "require",
    "same_trace",
]
