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
from typing import Any, Protocol

from asebench.errors import AsebenchError

__all__ = ["EXECUTORS", "Executor", "default_workers", "make_executor"]

EXECUTORS = ("local", "dask")


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Executor(Protocol):
    slots: int
    """How many chunks to keep in flight."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any: ...

    def wait_first(self, futures: Iterable[Any]) -> set[Any]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Runs one chunk at a time in this process, only when a result is waited for."""

    slots = 1

    def __init__(self) -> None:
        self._queue: deque[tuple[cf.Future[Any], Callable[..., Any], tuple[Any, ...]]] = deque()

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        future: cf.Future[Any] = cf.Future()
        self._queue.append((future, fn, args))
        return future

    def wait_first(self, futures: Iterable[Any]) -> set[Any]:
        done = {f for f in futures if f.done()}
        if done:
            return done
        future, fn, args = self._queue.popleft()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - re-raised by result()
            future.set_exception(exc)
        return {future}

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

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        return self._pool.submit(fn, *args)

    def wait_first(self, futures: Iterable[Any]) -> set[Any]:
        return set(cf.wait(list(futures), return_when=cf.FIRST_COMPLETED).done)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """A ``dask.distributed`` client: to ``scheduler`` if given, else a LocalCluster."""

    def __init__(self, workers: int, scheduler: str | None) -> None:
        from asebench._extras import require

        require("dask", "--executor dask")
        from distributed import Client, LocalCluster

        self._cluster = None
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
    def from_client(cls, client: Any) -> DaskExecutor:
        self = cls.__new__(cls)
        # the caller's client: used, never closed (the caller may run more studies on it)
        self._cluster, self._client, self._owns_client = None, client, False
        client.run(_init_worker)
        self.slots = self._slots()
        return self

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._client.submit(fn, *args, pure=False)

    def wait_first(self, futures: Iterable[Any]) -> set[Any]:
        from distributed import wait

        return set(wait(list(futures), return_when="FIRST_COMPLETED").done)

    def close(self) -> None:
        """Close the client and cluster this executor created; a client passed to
        :meth:`from_client` stays open."""
        if self._owns_client:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str, workers: int | None, scheduler: Any = None) -> Executor:
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
