"""The driver: submits ready chunks to an executor, collects them as they finish, and tells
the listeners (the store, the progress bar, the scheduler's state capture)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from asebench.study._execute import ChunkResult, RunContext, execute_chunk
from asebench.study._executors import ChunkFuture, Executor
from asebench.study._plan import Chunk
from asebench.study._schedule import Scheduler

__all__ = ["ChunkListener", "drive"]


class ChunkListener(Protocol):
    """Told of every finished chunk, in the order the driver lists the listeners."""

    def chunk_done(self, chunk: Chunk, result: ChunkResult) -> None: ...


def drive(scheduler: Scheduler, executor: Executor, context: RunContext,
          listeners: Sequence[ChunkListener]) -> None:
    """Run every chunk the scheduler hands out, keeping ``executor.slots`` in flight."""
    running: dict[ChunkFuture[ChunkResult], Chunk] = {}
    while scheduler.waiting or running:
        while len(running) < executor.slots:
            item = scheduler.next_ready()
            if item is None:
                break
            chunk, states = item
            running[executor.submit(execute_chunk, context, chunk, states)] = chunk
        if not running:  # a chunk waits for a source that will never finish
            raise RuntimeError("study plan has a transfer chunk without its source")
        for future in executor.wait_first(running):
            chunk = running.pop(future)
            result = future.result()
            for listener in listeners:
                listener.chunk_done(chunk, result)
