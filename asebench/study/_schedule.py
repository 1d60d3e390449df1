"""Which chunk runs next: those that unlock others first, then the costly ones, and a transfer
chunk only once the chunk it starts from has finished."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection

from asebench.search import JSONValue
from asebench.store import states_from_runs
from asebench.study._execute import ChunkResult
from asebench.study._plan import Chunk, Plan
from asebench.study._spec import MethodSpec

__all__ = ["Scheduler"]

States = dict[int, JSONValue]


class Scheduler:
    """Hands out the chunks of a plan that are ready, with their start states.

    Args:
        plan: the study's chunks and transfer sources.
        done: keys of the chunks already stored (not run again).
        cost_of: the declared relative cost of one run of a method.
        stored_states: ``(key, label) -> {seed: state}`` of a stored source chunk.
    """

    def __init__(self, plan: Plan, done: Collection[str], cost_of: Callable[[MethodSpec], float],
                 stored_states: Callable[[str, str], States]) -> None:
        self._plan = plan
        self._cost_of = cost_of
        self._order = {c.key: i for i, c in enumerate(plan.chunks)}
        self.todo = [c for c in plan.chunks if c.key not in done]
        by_key = {c.key: c for c in plan.chunks}
        self._states: dict[str, States] = {}
        for key in sorted({plan.source_of[c.key] for c in self.todo if c.key in plan.source_of}
                          & set(done)):
            self._states[key] = stored_states(key, by_key[key].cell.label)
        self._waiting = {c.key: c for c in self.todo
                         if c.key in plan.source_of and plan.source_of[c.key] not in done}
        self._ready: list[tuple[tuple[int, float], int, Chunk]] = []
        for chunk in self.todo:
            if chunk.key not in self._waiting:
                self._make_ready(chunk)

    def _priority(self, chunk: Chunk) -> tuple[int, float]:
        """Chunks that unlock others first, then transfer chunks, then the rest; the costly
        ones (by the method's declared cost hint) first within each, so cheap chunks fill
        the tail."""
        cost = self._cost_of(chunk.cell.method)
        if chunk.key in self._plan.sources:
            return (0, -cost)
        if chunk.cell.source is not None:
            return (1, -cost)
        return (2, -cost)

    def _make_ready(self, chunk: Chunk) -> None:
        heapq.heappush(self._ready, (self._priority(chunk), self._order[chunk.key], chunk))

    def next_ready(self) -> tuple[Chunk, States | None] | None:
        """The next chunk to run and its start states (None: nothing is ready now)."""
        if not self._ready:
            return None
        chunk = heapq.heappop(self._ready)[2]
        source = self._plan.source_of.get(chunk.key)
        return chunk, (self._states[source] if source is not None else None)

    @property
    def waiting(self) -> int:
        """Chunks ready or waiting for their source."""
        return len(self._ready) + len(self._waiting)

    def chunk_done(self, chunk: Chunk, result: ChunkResult) -> None:
        """Capture a finished source chunk's final states and release its dependants."""
        dependants = [c for c in self._waiting.values()
                      if self._plan.source_of[c.key] == chunk.key]
        if not dependants:
            return
        self._states[chunk.key] = states_from_runs(result.runs, chunk.cell.label)
        for dependant in dependants:
            del self._waiting[dependant.key]
            self._make_ready(dependant)
