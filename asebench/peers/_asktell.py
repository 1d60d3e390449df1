"""One adapter that turns any ask/tell optimizer into an asebench :class:`Searcher`.

A library module describes its optimizer as a :class:`PeerLibrary`: how to check options
against the library's own constructor, and how to :meth:`~PeerLibrary.start` a session on a
grid of categorical positions with an integer seed. :class:`AskTellSearcher` does the rest,
identically for every library:

* each position of the space becomes one categorical parameter over the space's
  ``allowed_choices(p)`` (so a restricted space is searched only over its allowed choices);
* the library's seed is drawn from the run's generator (same generator, same trace, in any
  process: no library state may depend on Python's per-process string hashing);
* every option value is checked before the run starts (:mod:`asebench.peers._values`), and
  whatever the library itself refuses while it is built or asked for its first proposal
  (which a study meets in its dry run, before it writes anything) is one line naming the
  options;
* ``preset=informed`` adds the settings the library's documentation advises for a known
  number of evaluations, that number computed from the backend (:mod:`asebench.peers._preset`);
* every proposal the space contains goes through the run's
  :class:`~asebench.backends.BudgetedEvaluator` (a repeated arch is charged again, as random
  search's are) and its reward is told back; a proposal the space does not contain (it fails
  a hardware limit, ``space.feasible``) is never queried: it is handed to the session's
  :meth:`~AskTellSession.reject`, which does what that library expects (see each library's
  module);
* the answer is the best reward queried.
"""

from __future__ import annotations

import functools
import importlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from types import ModuleType
from typing import Protocol

import numpy as np

from asebench.backends import Backend, BudgetedEvaluator
from asebench.errors import AsebenchError, BudgetExhausted
from asebench.peers._preset import PRESETS, RunFacts, run_facts
from asebench.records import Arch, Budget, Trace

__all__ = ["AskTellSearcher", "AskTellSession", "LibraryStopped", "Grid", "PeerLibrary", "Timings",
           "import_library", "library_version", "make_factory", "split_selector",
           "MAX_REJECTIONS"]

Grid = tuple[tuple[int, ...], ...]
"""The allowed choice codes of each position (``space.allowed_choices(p)`` for every p)."""

MAX_REJECTIONS = 10_000
"""Consecutive proposals outside the space after which a run stops with an error (a library
that cannot find the feasible region would otherwise never end)."""


class LibraryStopped(Exception):
    """Raised by a session's ``ask`` when the library has nothing more to propose (SMAC on a
    small space it has exhausted): the run ends there, within its budget."""


class AskTellSession(Protocol):
    """One optimizer run: propose, learn from the reward, or learn that a proposal is out."""

    def ask(self) -> tuple[Arch, object]:
        """The next proposal as choice codes, and the library's handle for it (raises
        :class:`LibraryStopped` when the library has no more)."""
        ...

    def tell(self, handle: object, reward: float) -> None:
        """The reward of the proposal ``handle`` (larger is better)."""
        ...

    def reject(self, handle: object) -> None:
        """The proposal ``handle`` is outside the space and was not queried."""
        ...


class PeerLibrary(Protocol):
    """What a library module tells the adapter."""

    @property
    def name(self) -> str:
        """The registered method name (``optuna``)."""
        ...

    @property
    def module(self) -> str:
        """The module to import (``optuna``)."""
        ...

    @property
    def distribution(self) -> str:
        """The distribution whose version the trace records (``optuna``)."""
        ...

    @property
    def selector(self) -> str:
        """The option that picks the algorithm (``sampler``)."""
        ...

    @property
    def default(self) -> str:
        """The library's own default algorithm."""
        ...

    @property
    def algorithms(self) -> tuple[str, ...]:
        """The algorithm names the selector accepts (for messages); empty: any the library
        knows (checked by :meth:`check`)."""
        ...

    def display_name(self, algorithm: str) -> str:
        """Human name of ``algorithm`` (``Optuna TPE``)."""
        ...

    def cost_hint(self, algorithm: str) -> float:
        """Wall cost of one run relative to random search."""
        ...

    @property
    def informed_default(self) -> str:
        """The algorithm of ``preset=informed`` when the selector is not given."""
        ...

    @property
    def informed_algorithms(self) -> tuple[str, ...]:
        """The algorithms ``preset=informed`` is defined for (empty: every one)."""
        ...

    def informed(self, algorithm: str, facts: RunFacts) -> dict[str, object]:
        """The options ``preset=informed`` sets for ``algorithm`` (the method's own options
        override them)."""
        ...

    def check(self, lib: ModuleType, algorithm: str, options: Mapping[str, object]) -> None:
        """Raise a one-line AsebenchError unless ``options`` are names and values the
        library's documentation allows (what needs the space is checked in ``start``)."""
        ...

    def start(self, lib: ModuleType, algorithm: str, options: Mapping[str, object],
              grid: Grid, seed: int, feasible: Callable[[Arch], bool] | None
              ) -> AskTellSession:
        """A new session on ``grid`` seeded with ``seed``. ``feasible`` is the space's
        membership test when the space has a rule beyond its grid (a hardware limit), for
        libraries that reject proposals themselves; None when every grid point is in."""
        ...


def import_library(library: PeerLibrary) -> ModuleType:
    """The library's module, or a one-line AsebenchError naming the extra to install."""
    try:
        return importlib.import_module(library.module)
    except ImportError as exc:
        raise AsebenchError(
            f"method {library.name!r} needs {library.distribution} ({exc}); install it with "
            f"pip install 'asebench[{library.name}]'") from None


def library_version(library: PeerLibrary) -> str:
    """The installed version of the library's distribution (``unknown`` if not found)."""
    return _version(library.distribution)


@functools.cache
def _version(distribution: str) -> str:
    # read once per process: the metadata lookup costs about as much as 5 TPE queries
    try:
        return importlib_metadata.version(distribution)
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


_CHECKED: set[tuple[str, str, str]] = set()
"""(library, algorithm, options) already checked in this process (the signature inspection is
paid once, not on every run)."""


def _check_once(library: PeerLibrary, lib: ModuleType, algorithm: str,
                options: Mapping[str, object]) -> None:
    key = (library.name, algorithm, repr(sorted(options.items())))
    if key not in _CHECKED:
        library.check(lib, algorithm, options)
        _CHECKED.add(key)


@dataclass
class Timings:
    """Wall seconds of one run, split by who spent them (``run_timed``)."""

    library_s: float = 0.0
    backend_s: float = 0.0
    total_s: float = 0.0
    queries: int = 0

    @property
    def adapter_s(self) -> float:
        """What is neither the library's nor the backend's: the adapter's own work."""
        return max(0.0, self.total_s - self.library_s - self.backend_s)


@dataclass(frozen=True)
class AskTellSearcher:
    """A library's ask/tell optimizer searching the space through the budgeted evaluator.

    Trace.info: ``library`` (distribution), ``library_version``, ``algorithm``, ``preset``,
    ``rejected`` (proposals outside the space, never queried), ``stopped_by`` (``budget``, or
    ``library`` when it had nothing more to propose); with ``preset=informed`` also
    ``expected_queries`` (the number the library was told).

    Args:
        library: the library description (one per module of :mod:`asebench.peers`).
        algorithm: the selector's value (``tpe``).
        options: passed by name to the library's constructor.
        preset: ``default`` (the library's own defaults) or ``informed`` (the settings its
            documentation advises for a known number of evaluations; ``options`` override
            them).
    """

    library: PeerLibrary
    algorithm: str
    options: Mapping[str, object] = field(default_factory=dict)
    preset: str = "default"

    @property
    def name(self) -> str:
        return self.library.name

    @property
    def display_name(self) -> str:
        return self.library.display_name(self.algorithm)

    @property
    def cost_hint(self) -> float:
        return self.library.cost_hint(self.algorithm)

    def run(self, backend: Backend, budget: Budget, rng: np.random.Generator) -> Trace:
        return self._run(backend, budget, rng, None)

    def run_timed(self, backend: Backend, budget: Budget,
                  rng: np.random.Generator) -> tuple[Trace, Timings]:
        """``run`` that also measures where the wall time went (the overhead benchmark)."""
        timings = Timings()
        start = time.perf_counter()
        trace = self._run(backend, budget, rng, timings)
        timings.total_s = time.perf_counter() - start
        timings.queries = len(trace)
        return trace, timings

    def _run(self, backend: Backend, budget: Budget, rng: np.random.Generator,
             timings: Timings | None) -> Trace:
        lib = import_library(self.library)
        options: Mapping[str, object] = self.options
        info: dict[str, object] = {"preset": self.preset}
        if self.preset == "informed":
            facts = run_facts(backend, budget)
            options = {**self.library.informed(self.algorithm, facts), **self.options}
            info["expected_queries"] = facts.expected_queries
        _check_once(self.library, lib, self.algorithm, options)
        space = backend.space
        grid: Grid = tuple(tuple(int(c) for c in space.allowed_choices(p))
                           for p in range(space.num_positions))
        seed = int(rng.integers(2**31 - 1))
        evaluator = BudgetedEvaluator(backend, budget, rng)
        contains = space.contains
        clock = time.perf_counter
        t_start = clock()
        # set-up: building the optimizer and its first proposal, where a library refuses
        # what it refuses (a study's dry run meets it before anything is written)
        try:
            session = self.library.start(lib, self.algorithm, options, grid, seed,
                                         contains if space.feasible is not None else None)
            first: tuple[Arch, object] | None = session.ask()
        except LibraryStopped:
            first = None
        except (AsebenchError, BudgetExhausted):
            raise
        except Exception as exc:  # the library's own refusal, whatever its type
            raise self._refused(options, exc) from None
        if timings is not None:  # building the optimizer is the library's own time
            timings.library_s += clock() - t_start
        rejected = 0
        streak = 0
        stopped_by = "budget"
        try:
            if first is None:
                raise LibraryStopped
            while True:
                if first is not None:
                    (arch, handle), first = first, None
                elif timings is None:
                    arch, handle = session.ask()
                else:
                    t0 = clock()
                    arch, handle = session.ask()
                    timings.library_s += clock() - t0
                if not contains(arch):
                    rejected += 1
                    streak += 1
                    if streak > MAX_REJECTIONS:
                        raise AsebenchError(
                            f"{self.library.name}: {MAX_REJECTIONS} proposals in a row "
                            "outside the space; the library cannot find its feasible region")
                    session.reject(handle)
                    continue
                streak = 0
                if timings is None:
                    reward = evaluator.evaluate(arch).reward
                    session.tell(handle, reward)
                else:
                    t0 = clock()
                    reward = evaluator.evaluate(arch).reward
                    t1 = clock()
                    session.tell(handle, reward)
                    timings.backend_s += t1 - t0
                    timings.library_s += clock() - t1
        except BudgetExhausted:
            pass
        except LibraryStopped:
            stopped_by = "library"
        return evaluator.trace(info={
            "library": self.library.distribution,
            "library_version": library_version(self.library),
            "algorithm": self.algorithm,
            **info,
            "rejected": rejected,
            "stopped_by": stopped_by,
        })

    def _refused(self, options: Mapping[str, object], exc: Exception) -> AsebenchError:
        text = " ".join(str(exc).split()) or "no message"
        given = ", ".join(f"{k}={v!r}" for k, v in sorted(options.items())) or "no options"
        return AsebenchError(f"{self.library.name}: {self.display_name} refused its set-up "
                             f"({given}): {type(exc).__name__}: {text}")


def split_selector(library: PeerLibrary, options: Mapping[str, object],
                   default: str | None = None) -> tuple[str, dict[str, object]]:
    """``(algorithm, other options)`` from a factory's options (selector defaulted to
    ``default``, else the library's own)."""
    rest = dict(options)
    algorithm = rest.pop(library.selector, library.default if default is None else default)
    if not isinstance(algorithm, str):
        raise AsebenchError(f"{library.name}: option {library.selector} must be a name, "
                            f"got {algorithm!r}")
    if library.algorithms and algorithm not in library.algorithms:
        raise AsebenchError(
            f"{library.name}: option {library.selector} must be one of "
            f"{', '.join(library.algorithms)}, got {algorithm!r}")
    return algorithm, rest


def make_factory(library: PeerLibrary, summary: str) -> Callable[..., AskTellSearcher]:
    """The registered factory of ``library``: ``factory(**options) -> AskTellSearcher``.

    ``preset`` (``default`` or ``informed``) is the adapter's own option. The options' names
    and values are checked at once when the library is installed (the informed preset's own
    values, which depend on the backend, when the run starts); when it is not, building
    succeeds (so ``asebench methods`` lists it) and the first run fails with the one-line
    error naming the extra, which a study meets while it checks its methods, before it
    writes anything.
    """

    def factory(**options: object) -> AskTellSearcher:
        rest = dict(options)
        preset = rest.pop("preset", "default")
        if preset not in PRESETS:
            raise AsebenchError(f"{library.name}: option preset must be one of "
                                f"{', '.join(PRESETS)}, got {preset!r}")
        informed = preset == "informed"
        algorithm, rest = split_selector(library, rest,
                                         library.informed_default if informed else None)
        if informed and library.informed_algorithms and (
                algorithm not in library.informed_algorithms):
            raise AsebenchError(
                f"{library.name}: preset=informed is defined for {library.selector}="
                f"{'|'.join(library.informed_algorithms)} only (its documentation advises "
                f"nothing for {algorithm!r})")
        try:
            lib = importlib.import_module(library.module)
        except ImportError:
            lib = None
        if lib is not None:
            library.check(lib, algorithm, rest)
        return AskTellSearcher(library, algorithm, rest, str(preset))

    factory.__doc__ = summary
    factory.__module__ = __name__.rpartition(".")[0]
    factory.options = {library.selector: library.default,  # type: ignore[attr-defined]
                       "preset": "default"}
    return factory
