"""Where replications run: serially, in a local process pool, or on Dask.

A backend takes *chunks* (lists of replication indices), runs each with
:func:`run_chunk` somewhere, and yields the finished chunks in the order
they complete. Results do not depend on the backend, the number of workers
or the chunking, because replication *i* depends only on (model, seed, i)
(docs/architecture.md, "Randomness and reproducibility"); callers sort by
replication.

Backends are context managers; leaving one with an exception (Ctrl-C
included) cancels queued work and stops the workers at once instead of
waiting for every queued chunk, so an interrupted run never hangs.

Chunks are sized from a measured time per replication so that each task
does a worthwhile amount of work (at least ~50 ms, aiming at
:data:`TARGET_CHUNK_SECONDS`) while there are still several chunks per
worker to balance the load.
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from relsim.engine import simulate
from relsim.errors import BackendError, BehaviourError, TooManyEvents
from relsim.metrics import replication_metrics
from relsim.model import Model

__all__ = [
    "BACKENDS",
    "Backend",
    "BackendError",
    "DaskBackend",
    "ProcessBackend",
    "SerialBackend",
    "open_backend",
    "plan_chunks",
    "run_chunk",
    "use_backend",
]

BACKENDS = ("serial", "processes", "dask")

#: Seconds of simulation one task aims at: long enough to make scheduling
#: overhead negligible (a Dask task costs ~1 ms, a pool task less), short
#: enough for a responsive progress bar and cheap resumption.
TARGET_CHUNK_SECONDS = 0.25
#: Never less than this per task (docs/architecture.md, "Running many replications").
MIN_CHUNK_SECONDS = 0.05
#: Chunks per worker wanted for load balancing when the run is short.
CHUNKS_PER_WORKER = 4
#: Chunks queued or running per worker at any time.
IN_FLIGHT_PER_WORKER = 3

RunRecord = tuple[int, dict[str, Any], list[tuple[Any, ...]]]


def run_chunk(model: Model, seed: int, reps: Sequence[int], horizon: float | None,
              max_events: float | None = None, engine: str = "auto") -> list[RunRecord]:
    """Run replications ``reps``; returns ``(i, metrics, outages)`` per replication.

    ``max_events`` bounds the events of each replication (``relsim.TooManyEvents``);
    ``engine`` is :func:`relsim.engine.simulate`'s (the results are the same on each).
    """
    out = []
    for i in reps:
        try:
            res = simulate(model, seed, i, horizon, max_events=max_events, engine=engine)
        except (BehaviourError, TooManyEvents) as exc:
            exc.records = out  # what this chunk finished is not lost (relsim.run keeps it)
            raise
        metrics = replication_metrics(res, model.spec.objectives)
        if res.element_downtime is not None:  # asked for by importance measures
            metrics["element_downtime"] = res.element_downtime
        if res.incidents is not None:  # alerts and teams: Results.incidents() and .pages()
            metrics["incident_records"], metrics["page_records"] = res.incidents, res.pages
        out.append((i, metrics, res.outages))
    return out


def plan_chunks(indices: Sequence[int], workers: int, seconds_per_run: float) -> list[list[int]]:
    """Split ``indices`` into chunks of about :data:`TARGET_CHUNK_SECONDS` each.

    The size is the smaller of the time target and an even share giving
    :data:`CHUNKS_PER_WORKER` chunks per worker, but never below
    :data:`MIN_CHUNK_SECONDS` of work.
    """
    indices = list(indices)
    if not indices:
        return []
    per = max(seconds_per_run, 1e-6)
    by_time = math.ceil(TARGET_CHUNK_SECONDS / per)
    floor = math.ceil(MIN_CHUNK_SECONDS / per)
    balanced = math.ceil(len(indices) / (max(1, workers) * CHUNKS_PER_WORKER))
    size = max(1, floor, min(by_time, balanced)) if workers > 1 else max(1, by_time)
    return [indices[k : k + size] for k in range(0, len(indices), size)]


class Backend:
    """Base class: runs chunks and yields them as they finish."""

    name = "backend"
    workers = 1

    def run(self, model: Model, seed: int, horizon: float | None,
            chunks: Sequence[Sequence[int]], max_events: float | None = None,
            engine: str = "auto") -> Iterator[list[RunRecord]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release workers (normal end)."""

    def abort(self) -> None:
        """Drop queued work and stop workers now (after an error or Ctrl-C)."""
        self.close()

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class SerialBackend(Backend):
    """Run every chunk in this process (notebooks, debugging, ``--jobs 1``)."""

    name = "serial"

    def run(self, model: Model, seed: int, horizon: float | None,
            chunks: Sequence[Sequence[int]], max_events: float | None = None,
            engine: str = "auto") -> Iterator[list[RunRecord]]:
        for chunk in chunks:
            yield run_chunk(model, seed, chunk, horizon, max_events, engine)


def _ignore_sigint() -> None:
    # Ctrl-C goes to the whole process group; only the parent should act on
    # it (by cancelling), not every worker with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessBackend(Backend):
    """A stdlib process pool of ``jobs`` workers on this machine."""

    name = "processes"

    def __init__(self, jobs: int):
        self.workers = jobs
        self._pool = ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_sigint)
        self._pending: set[Future[Any]] = set()

    def run(self, model: Model, seed: int, horizon: float | None,
            chunks: Sequence[Sequence[int]], max_events: float | None = None,
            engine: str = "auto") -> Iterator[list[RunRecord]]:
        # A bounded number of chunks in flight: waiting stays cheap for any
        # number of chunks, finished results are not held, and Ctrl-C has
        # little to cancel.
        todo = iter(chunks)
        self._pending = set()

        def fill() -> None:
            while len(self._pending) < IN_FLIGHT_PER_WORKER * self.workers:
                chunk = next(todo, None)
                if chunk is None:
                    return
                self._pending.add(self._pool.submit(run_chunk, model, seed, list(chunk), horizon,
                                                     max_events, engine))

        fill()
        while self._pending:
            finished, self._pending = wait(self._pending, return_when=FIRST_COMPLETED)
            fill()  # before handing results out, so workers never wait on the caller
            for fut in finished:
                yield fut.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def abort(self) -> None:
        # Running chunks cannot be cancelled; stop their processes instead
        # of waiting for them (the pool keeps them in a private mapping).
        # Queued chunks are not cancelled either: once its workers are gone
        # the pool marks every pending future broken, and on Python 3.11
        # marking one already cancelled raised in the pool's thread, which
        # printed a traceback after the "interrupted" message.
        processes = list(getattr(self._pool, "_processes", {}).values())
        writer = getattr(getattr(self._pool, "_result_queue", None), "_writer", None)  # see below
        self._pool.shutdown(wait=False)
        for proc in processes:
            if proc.is_alive():
                proc.terminate()
        for proc in processes:
            proc.join(timeout=5)
        # A worker stopped while sending a result (a chunk's records fill the
        # pipe, so it is often blocked mid-message) leaves the pool's manager
        # thread waiting for the rest of that message, and the interpreter
        # waits for that thread at exit: a run interrupted with Ctrl-C then
        # never ended. With every worker gone, this process holds the only
        # write end of the result pipe; closing it ends the wait (EOF) and the
        # thread treats the pool as broken and exits.
        if writer is not None and not any(proc.is_alive() for proc in processes):
            writer.close()


class DaskBackend(Backend):
    """dask.distributed: a LocalCluster of ``jobs`` processes, or an existing scheduler.

    With ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``) the run
    uses that cluster, whose workers need relsim installed; otherwise a
    LocalCluster of ``jobs`` single-threaded worker processes is started on
    the loopback interface with its dashboard off, and closed afterwards.
    """

    name = "dask"

    def __init__(self, jobs: int = 2, scheduler: str | None = None, connect_timeout: float = 10.0):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # dask is an optional extra
            raise BackendError(
                "the dask backend needs the 'dask' extra: pip install 'relsim[dask]'"
            ) from exc
        self._cluster = None
        try:
            if scheduler:
                self._client = Client(scheduler, timeout=connect_timeout, set_as_default=False)
            else:
                self._cluster = LocalCluster(
                    n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                    dashboard_address=None, silence_logs=logging.ERROR,
                )
                self._client = Client(self._cluster, set_as_default=False)
        except (OSError, TimeoutError, ValueError, RuntimeError) as exc:
            where = f"at {scheduler}" if scheduler else "locally"
            raise BackendError(f"cannot start a Dask client {where}: {exc}") from exc
        #: The scheduler's address (pass it as ``scheduler=`` to share the cluster).
        self.address: str = self._client.scheduler.address
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))
        self._pending: set[Any] = set()

    def run(self, model: Model, seed: int, horizon: float | None,
            chunks: Sequence[Sequence[int]], max_events: float | None = None,
            engine: str = "auto") -> Iterator[list[RunRecord]]:
        from dask.distributed import as_completed

        if not chunks:
            return
        # Ship the model once to every worker rather than with each task.
        shared = self._client.scatter(model, broadcast=True, hash=False)
        todo = iter(chunks)

        def submit() -> Any:
            chunk = next(todo, None)
            if chunk is None:
                return None
            fut = self._client.submit(run_chunk, shared, seed, list(chunk), horizon, max_events, engine,
                                      pure=False)
            self._pending.add(fut)
            return fut

        self._pending = set()
        first = [f for f in (submit() for _ in range(IN_FLIGHT_PER_WORKER * self.workers)) if f is not None]
        queue = as_completed(first, loop=self._client.loop)
        try:
            for fut in queue:
                self._pending.discard(fut)
                nxt = submit()
                if nxt is not None:
                    queue.add(nxt)
                chunk = fut.result()
                fut.release()
                yield chunk
        finally:
            self._pending = set()
            # After an abort the client may already be closed; nothing to release then.
            with contextlib.suppress(Exception):
                shared.release()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def abort(self) -> None:
        try:
            if self._pending:
                self._client.cancel(list(self._pending))
        finally:
            self.close()


def open_backend(name: str | None = None, jobs: int = 1, scheduler: str | None = None) -> Backend:
    """The backend called ``name`` (default: ``processes`` if ``jobs > 1``, else ``serial``).

    A ``scheduler`` address implies ``dask``. Use it as a context manager.
    """
    if scheduler and name in (None, "dask"):
        name = "dask"
    elif scheduler:
        raise ValueError(f"a scheduler address needs the dask backend, not {name!r}")
    name = name or ("processes" if jobs > 1 else "serial")
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {name!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a whole number >= 1, got {jobs!r}")
    if name == "serial":
        return SerialBackend()
    if name == "processes":
        return ProcessBackend(jobs) if jobs > 1 else SerialBackend()
    return DaskBackend(jobs, scheduler)


class _Borrowed(Backend):
    """A caller's open backend: used, never closed here."""

    def __init__(self, inner: Backend):
        self.inner, self.name, self.workers = inner, inner.name, inner.workers

    def run(self, model: Model, seed: int, horizon: float | None,
            chunks: Sequence[Sequence[int]], max_events: float | None = None,
            engine: str = "auto") -> Iterator[list[RunRecord]]:
        return self.inner.run(model, seed, horizon, chunks, max_events, engine)

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


def use_backend(backend: str | Backend | None = None, jobs: int = 1,
                scheduler: str | None = None) -> Backend:
    """A backend to use in a ``with`` block: ``backend`` itself if it is open (it
    stays open afterwards, so several runs can share one pool or cluster), else
    a new one from :func:`open_backend` that the block closes."""
    if isinstance(backend, Backend):
        return _Borrowed(backend)
    return open_backend(backend, jobs, scheduler)
