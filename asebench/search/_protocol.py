"""The Searcher protocol, and the optional protocols a method declares to the study.

Every method implements :class:`Searcher` (``name`` and ``run``). What else the study may do
with a method is declared by the method itself, through the optional protocols below, and
never guessed from its name, its constructor or its dataclass fields:

* :class:`BatchSearcher`: runs many seeds at once (``run_batch``);
* :class:`WarmStartable`: starts from known ``(arch, reward)`` pairs without re-querying them
  (space-evolution methods hand the inner method what earlier phases found);
* :class:`Transferable`: starts from the final state of another run (ASE-NAS+ starts from the
  final subspace centers of an ASE-NAS run on another dataset);
* :class:`TransferBatchSearcher`: both of the last two at once, one state per seed;
* :class:`Described`: a display name and a cost hint (read with :func:`display_name_of` and
  :func:`cost_hint_of`; defaults: the registered name, and 1.0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from asebench.backends import Backend
from asebench.records import Arch, Budget, Trace

__all__ = [
    "BatchSearcher",
    "Described",
    "JSONValue",
    "Searcher",
    "TransferBatchSearcher",
    "Transferable",
    "WarmStartable",
    "cost_hint_of",
    "display_name_of",
]

JSONValue = None | bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"]
"""What a transfer state is made of: it is stored in the study's runs as JSON."""


@runtime_checkable
class Searcher(Protocol):
    """A search method.

    ``run`` queries the backend ONLY through :class:`asebench.backends.BudgetedEvaluator` and
    stops on :class:`asebench.errors.BudgetExhausted`, so every method respects a budget the
    same way. The same ``rng`` state gives the same trace.
    """

    @property
    def name(self) -> str:
        """The method's registered name (a class constant in the implementations)."""
        ...

    def run(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> Trace:
        """Search ``backend`` within ``budget``; return the trace of every query and the
        answer."""
        ...


@runtime_checkable
class BatchSearcher(Searcher, Protocol):
    """A searcher that can run many independent seeds at once (optional entry point).

    ``run_batch(backend, budget, rngs)[i]`` equals ``run(backend, budget, rngs[i])`` in
    distribution (and, for the methods here, in its arch sequence): a seed's result does not
    depend on which other seeds share its batch.
    """

    def run_batch(self, backend: Backend, budget: Budget,
                  rngs: Sequence[np.random.Generator]) -> list[Trace]:
        ...


@runtime_checkable
class WarmStartable(Searcher, Protocol):
    """A searcher that can start from known ``(arch, reward)`` pairs (best first).

    The pairs were already paid for by the caller: they are not queried nor charged again.
    """

    def warm_started(self, known: Sequence[tuple[Arch, float]]) -> Searcher:
        """A copy of this searcher that starts from ``known`` (or itself, when ``known``
        does not fit, e.g. fewer pairs than the method needs)."""
        ...


@runtime_checkable
class Transferable(Searcher, Protocol):
    """A searcher that can start from the final state of another run of the same method.

    A study runs ``NAME+`` (e.g. ``ase+``) by running ``NAME`` on the transfer source dataset
    first and starting run i on every other dataset from :meth:`transfer_state` of run i there.
    """

    def transfer_state(self, trace: Trace) -> JSONValue:
        """What a later run may start from, taken from this method's ``trace`` (JSON)."""
        ...

    def started_from(self, state: JSONValue) -> Searcher:
        """A copy of this searcher that starts from ``state`` (a one-line AsebenchError if
        the state does not fit its options)."""
        ...


@runtime_checkable
class TransferBatchSearcher(Transferable, Protocol):
    """A transferable searcher that batches seeds with one start state per seed."""

    def run_batch_from(self, backend: Backend, budget: Budget,
                       rngs: Sequence[np.random.Generator],
                       states: Sequence[JSONValue]) -> list[Trace]:
        """``run_batch`` with seed i started from ``states[i]``."""
        ...


@runtime_checkable
class Described(Protocol):
    """A method that names itself for tables and figures and hints at its cost."""

    @property
    def display_name(self) -> str:
        """Human name (``ASE-NAS``, ``Regularised evolution``)."""
        ...

    @property
    def cost_hint(self) -> float:
        """Wall cost of one run relative to random search (the study starts expensive
        chunks first); any positive number."""
        ...


def display_name_of(searcher: Searcher) -> str:
    """The human name a method declares, else its registered name."""
    return searcher.display_name if isinstance(searcher, Described) else searcher.name


def cost_hint_of(searcher: Searcher) -> float:
    """The relative cost a method declares, else 1.0."""
    return float(searcher.cost_hint) if isinstance(searcher, Described) else 1.0
