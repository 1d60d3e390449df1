"""Search methods behind one :class:`Searcher` protocol, registered by name.

>>> from asebench.search import get
>>> searcher = get("ase", K=4, M=4)
>>> trace = searcher.run(backend, Budget(seconds=25_000), np.random.default_rng(0))

Methods: ``ase`` (ASE-NAS; ASE-NAS+ with ``initial_centers``; ablations as options),
``random``, ``reinforce``, ``evolution``, ``local``, ``random-in-subspace``, ``bananas``
(BANANAS, a neural-predictor Bayesian optimisation baseline); the
search-space-evolution methods ``nse`` (search-then-refill) and ``autospace`` (evolve the
space, then search in it), which run any of the others inside sub-spaces.
"""

from __future__ import annotations

from asebench.search._ase import ASESearch
from asebench.search._autospace import AutoSpace
from asebench.search._bananas import Bananas
from asebench.search._baselines import LocalSearch, RegularizedEvolution, Reinforce
from asebench.search._catalog import MethodEntry, method_catalog, method_entry
from asebench.search._methods import get, method_display_name, methods, split_label
from asebench.search._nse import NSE
from asebench.search._options import options_factory
from asebench.search._protocol import (
    BatchSearcher,
    Described,
    JSONValue,
    Searcher,
    Transferable,
    TransferBatchSearcher,
    WarmStartable,
    cost_hint_of,
    display_name_of,
)
from asebench.search._random import RandomSearch
from asebench.search._subspace_random import RandomInSubspace

__all__ = [
    "ASESearch",
    "AutoSpace",
    "Bananas",
    "BatchSearcher",
    "Described",
    "JSONValue",
    "LocalSearch",
    "MethodEntry",
    "NSE",
    "RandomInSubspace",
    "RandomSearch",
    "RegularizedEvolution",
    "Reinforce",
    "Searcher",
    "TransferBatchSearcher",
    "Transferable",
    "WarmStartable",
    "cost_hint_of",
    "display_name_of",
    "get",
    "method_catalog",
    "method_display_name",
    "method_entry",
    "methods",
    "split_label",
]

for _cls in (ASESearch, RandomSearch, Reinforce, RegularizedEvolution, LocalSearch,
             RandomInSubspace, NSE, AutoSpace, Bananas):
    methods.add(_cls.name, options_factory(_cls))
