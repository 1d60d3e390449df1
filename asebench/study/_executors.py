"""Where chunks run: in this process, a local process pool, or a dask.distributed cluster.

All three offer ``submit(fn, *args) -> future``, ``wait_first(futures) -> done`` and
``close()``; results stream back as chunks finish, whatever the order.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from asebench.errors import AsebenchError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["EXECUTORS", "Executor", "ChunkFuture", "default_workers", "make_executor"]

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

EXECUTORS = ("local", "dask")


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class ChunkFuture(Protocol[R_co]):
    """What every executor's ``submit`` returns: a ``concurrent.futures.Future`` or a
    ``distributed.Future``."""

    def done(self) -> bool: ...

    def result(self) -> R_co: ...


class Executor(Protocol):
    slots: int
    """How many chunks to keep in flight."""

    def submit(self, fn: Callable[..., R], *args: object) -> ChunkFuture[R]: ...

    def wait_first(self, futures: Iterable[ChunkFuture[R]]) -> set[ChunkFuture[R]]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Runs one chunk at a time in this process, only when a result is waited for."""

    slots = 1

    def __init__(self) -> None:
        self._queue: deque[tuple[cf.Future[object], Callable[..., object], tuple[object, ...]]] \
            = deque()

    def submit(self, fn: Callable[..., R], *args: object) -> ChunkFuture[R]:
        future: cf.Future[R] = cf.Future()
        self._queue.append((cast("cf.Future[object]", future), fn, args))
        return future

    def wait_first(self, futures: Iterable[ChunkFuture[R]]) -> set[ChunkFuture[R]]:
        done = {f for f in futures if f.done()}
        if done:
            return done
        future, fn, args = self._queue.popleft()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - re-raised by result()
            future.set_exception(exc)
        return {cast("ChunkFuture[R]", future)}

    def close(self) -> None:
        self._queue.clear()


def _init_worker() -> None:
    from asebench.study._execute import configure_worker

    configure_worker()


class PoolExecutor:
    """A local process pool (spawned workers, one thread each, the table loaded once)."""

    def __init__(self, workers: int) -> None:
        # two chunks per worker in flight: none idles, and the runner can still reorder
        self.slots = 2 * workers
        context = multiprocessing.get_context("spawn")
        self._pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                            initializer=_init_worker)

    def submit(self, fn: Callable[..., R], *args: object) -> ChunkFuture[R]:
        return self._pool.submit(fn, *args)

    def wait_first(self, futures: Iterable[ChunkFuture[R]]) -> set[ChunkFuture[R]]:
        pending = cast("list[cf.Future[R]]", list(futures))
        return set(cf.wait(pending, return_when=cf.FIRST_COMPLETED).done)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """A ``dask.distributed`` client: to ``scheduler`` if given, else a LocalCluster."""

    def __init__(self, workers: int, scheduler: str | None) -> None:
        from asebench._extras import require

        require("dask", "--executor dask")
        from distributed import Client, LocalCluster

        self._cluster: LocalCluster | None = None
        self._owns_client = True
        try:
            if scheduler:
                self._client = Client(scheduler, timeout="20s")
            else:
                self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                             processes=True, dashboard_address=None)
                self._client = Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            raise AsebenchError(f"cannot reach dask scheduler {scheduler}: {exc}") from None
        self._client.run(_init_worker)
        self.slots = self._slots()

    def _slots(self) -> int:
        threads = int(sum(self._client.nthreads().values()))
        return 2 * max(threads, 1)

    @classmethod
    def from_client(cls, client: Client) -> DaskExecutor:
        self = cls.__new__(cls)
        # the caller's client: used, never closed (the caller may run more studies on it)
        self._cluster, self._client, self._owns_client = None, client, False
        client.run(_init_worker)
        self.slots = self._slots()
        return self

    def submit(self, fn: Callable[..., R], *args: object) -> ChunkFuture[R]:
        return cast("ChunkFuture[R]", self._client.submit(fn, *args, pure=False))

    def wait_first(self, futures: Iterable[ChunkFuture[R]]) -> set[ChunkFuture[R]]:
        from distributed import wait

        done = wait(list(futures), return_when="FIRST_COMPLETED").done
        return cast("set[ChunkFuture[R]]", set(done))

    def close(self) -> None:
        """Close the client and cluster this executor created; a client passed to
        :meth:`from_client` stays open."""
        if self._owns_client:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str, workers: int | None,
                  scheduler: str | Client | None = None) -> Executor:
    """``local`` (serial when one worker) or ``dask`` (``scheduler``: address, Client or
    None for a LocalCluster)."""
    if kind not in EXECUTORS:
        raise AsebenchError(f"unknown executor {kind!r}; choose one of {', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise AsebenchError(f"workers must be >= 1, got {workers}")
    n = workers or default_workers()
    if kind == "dask":
        if scheduler is not None and not isinstance(scheduler, str):
            return DaskExecutor.from_client(scheduler)
        return DaskExecutor(n, scheduler)
    if scheduler is not None:
        raise AsebenchError("--scheduler needs --executor dask")
    return SerialExecutor() if n == 1 else PoolExecutor(n)
