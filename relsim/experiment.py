"""Running many replications: seeding, batches, stopping rule and assembly of Results.

Replication *i* depends only on (model, seed, i) (docs/architecture.md,
"Randomness and reproducibility"), so any backend (:mod:`relsim.backends`)
and any number of workers gives identical results; rows are sorted by
replication. With ``out=`` finished chunks are written to
a results directory as they arrive (:mod:`relsim.store`) and a run can be
resumed; with ``until=`` it runs in batches until a metric is precise enough
(:mod:`relsim.stopping`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from relsim.backends import Backend, RunRecord, plan_chunks, run_chunk, use_backend
from relsim.errors import BehaviourError, Interrupted, TooManyEvents
from relsim.evidence import outage_duration_assumption
from relsim.metric_registry import applicable
from relsim.model import Model, load
from relsim.model.estimate import events_per_replication
from relsim.model.limits import DEFAULT_MAX_EVENTS, MAX_DURATION
from relsim.progress import Progress
from relsim.results import Results
from relsim.service_verdicts import objectives_of
from relsim.stopping import StoppingRule
from relsim.store import MemoryParts, ResultStore

__all__ = ["Interrupted", "assemble", "run", "run_replications"]

#: A run without a stopping rule is capped at this many replications by default.
DEFAULT_MAX_RUNS = 100_000
#: The pilot chunk, run in this process to time one replication, stops after this.
PILOT_SECONDS = 0.03
#: A run without ``out`` makes its records into tables every this many replications
#: (relsim.store.MemoryParts): memory grows with the tables, not with the records.
COMPACT_EVERY = 1000


class _Timing:
    """Seconds per replication, measured once by a pilot chunk and reused."""

    seconds_per_run: float | None = None


def _execute(model: Model, seed: int, horizon: float, indices: list[int],
             backend: Backend, timing: _Timing, max_events: float | None = None,
             engine: str = "auto") -> Iterator[list[RunRecord]]:
    """Yield finished chunks covering ``indices`` (a timed pilot chunk first)."""
    if not indices:
        return
    if engine == "batch":
        # The batch engine simulates whole blocks of replications (relsim/engine/batch.py):
        # one chunk per block, no pilot needed.
        from relsim.engine.batch import BLOCK

        blocks: dict[int, list[int]] = {}
        for i in indices:
            blocks.setdefault(i // BLOCK, []).append(i)
        yield from backend.run(model, seed, horizon, list(blocks.values()), max_events, engine)
        return
    if timing.seconds_per_run is None:
        if engine in ("auto", "lean"):
            from relsim.engine.lean import lean_plan

            lean_plan(model)  # built once per model (and worker): not part of a replication's time
        pilot_max = max(1, len(indices) // 20)
        start, pilot = time.perf_counter(), []
        while len(pilot) < pilot_max and (not pilot or time.perf_counter() - start < PILOT_SECONDS):
            try:
                pilot.extend(run_chunk(model, seed, [indices[len(pilot)]], horizon, max_events, engine))
            except (BehaviourError, TooManyEvents) as exc:
                exc.records = pilot + exc.records
                raise
        timing.seconds_per_run = (time.perf_counter() - start) / len(pilot)
        indices = indices[len(pilot):]
        yield pilot
    chunks = plan_chunks(indices, backend.workers, timing.seconds_per_run)
    yield from backend.run(model, seed, horizon, chunks, max_events, engine)


def run_replications(
    model: Model,
    indices: Iterable[int],
    seed: int,
    horizon: float | None = None,
    jobs: int = 1,
    backend: str | Backend | None = None,
    on_chunk: Callable[[list[RunRecord]], None] | None = None,
    engine: str = "auto",
) -> list[RunRecord]:
    """Run the given replication indices; returns ``(i, metrics, outages)`` sorted by i."""
    h = float(model.horizon if horizon is None else horizon)
    done: list[RunRecord] = []
    with use_backend(backend, jobs) as ex:
        for chunk in _execute(model, seed, h, list(indices), ex, _Timing(), engine=engine):
            done.extend(chunk)
            if on_chunk:
                on_chunk(chunk)
    done.sort(key=lambda item: item[0])
    return done


def run(
    model: Model | str | os.PathLike[str] | dict[str, Any],
    runs: int = 100,
    seed: int = 0,
    horizon: float | str | None = None,
    jobs: int = 1,
    backend: str | Backend | None = None,
    *,
    scheduler: str | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    until: str | StoppingRule | None = None,
    max_runs: int = DEFAULT_MAX_RUNS,
    progress: bool = False,
    max_events: int | None = DEFAULT_MAX_EVENTS,
    engine: str = "auto",
) -> Results:
    """Run independent replications of ``model``.

    Parameters
    ----------
    model : Model, path or dict
        What to simulate (paths and dicts are loaded with :func:`relsim.load`).
    runs : int
        Number of replications; with ``until``, the size of the first batch.
    seed : int
        Base seed; replication *i* uses streams derived from (seed, i).
    horizon : float or str, optional
        Simulated time per replication (seconds, or a duration like ``"10y"``);
        defaults to the model's ``horizon``.
    jobs : int
        Workers (results are identical for any value).
    backend : {"serial", "processes", "dask"} or an open backend, optional
        Defaults to ``processes`` when ``jobs > 1``. An object from
        :func:`relsim.backends.open_backend` is used and left open, so
        several runs can share one pool or cluster.
    scheduler : str, optional
        Address of an existing Dask scheduler (implies ``backend="dask"``).
    out : path, optional
        Results directory: finished chunks are written there as Parquet as
        they arrive (see :mod:`relsim.store`); read it with
        :meth:`Results.load`.
    resume : bool
        Continue the run in ``out``: replications already there are not run
        again. Raises :class:`relsim.store.StoreMismatch` (a ``ValueError``)
        if ``out`` holds another model, seed or horizon.
    until : str, optional
        Stopping rule such as ``"availability ci<1e-5"`` (half-width of the
        95 % CI) or ``"availability rel<0.01"`` (relative half-width); runs
        in batches until it is met or ``max_runs`` is reached.
        ``Results.stopping`` tells which.
    max_runs : int
        Upper bound on replications with ``until``.
    progress : bool
        Draw a progress bar on stderr.
    max_events : int or None
        Limit on the events of one replication (default
        :data:`relsim.model.limits.DEFAULT_MAX_EVENTS`): a run whose
        estimated events per replication
        (:func:`relsim.model.estimate.events_per_replication`) exceed it is
        refused before it starts, and a replication that passes it stops
        the run. ``None`` removes the limit (docs/experiments.md).

    Raises
    ------
    Interrupted
        On Ctrl-C; its ``partial`` holds the replications that finished
        (they are also on disk with ``out``).
    BehaviourError
        When a user-defined behaviour raises (docs/extending.md); its
        ``partial`` holds the replications that finished.
    TooManyEvents
        When a replication is estimated to take, or takes, more than
        ``max_events`` events; its ``partial`` holds the replications that
        finished.
    """
    from relsim import __version__
    from relsim.units import parse_duration

    if not isinstance(model, Model):
        model = load(model)
    for name, value in (("runs", runs), ("max_runs", max_runs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    if isinstance(horizon, str):
        horizon = parse_duration(horizon)
    if horizon is not None and horizon <= 0:
        raise ValueError(f"horizon must be > 0, got {horizon!r}")
    rule = StoppingRule.parse(until) if isinstance(until, str) else until
    if rule is not None and runs > max_runs:
        raise ValueError(f"runs (={runs}) must be <= max_runs (={max_runs})")
    if resume and out is None:
        raise ValueError("resume needs the results directory: pass out=")
    h = float(model.horizon if horizon is None else horizon)
    if h > MAX_DURATION:
        raise ValueError(f"horizon must be at most {MAX_DURATION:g} s (the limit on durations), got {horizon!r}")
    _check_engine(model, engine)
    if max_events is not None:
        if isinstance(max_events, bool) or not isinstance(max_events, int) or max_events < 1:
            raise ValueError(f"max_events must be a whole number >= 1 or None, got {max_events!r}")
        estimate = events_per_replication(model, h)
        if estimate > max_events:
            raise TooManyEvents(max_events, estimate=estimate)

    store = ResultStore.create(out, model, seed, h, runs, __version__, resume) if out is not None else None
    done: set[int] = store.done() if store else set()
    # Finished chunks as compact tables, on disk with ``out`` or in memory: memory grows
    # with the tables, not with per-replication records (relsim/store.py).
    parts: ResultStore | MemoryParts = store if store is not None else MemoryParts()

    pending: list[RunRecord] = []  # in memory: records not yet made into tables

    def flush() -> None:
        if pending:
            part = assemble(model, seed, h, pending, __version__)
            parts.write_results(part)
            pending.clear()

    def keep(records: list[RunRecord]) -> None:
        # Ctrl-C may land anywhere in here: a record is in ``pending`` until its
        # table is written, and in ``done`` before it leaves ``pending``, so
        # ``collect`` finds every finished replication (a flush it retries
        # writes the same chunk again, which replaces the half-written one).
        pending.extend(records)
        done.update(rec[0] for rec in records)
        if store is not None or len(pending) >= COMPACT_EVERY:  # on disk: each chunk as it finishes
            flush()

    def collect(wanted: Iterable[int]) -> Results:
        done.update(rec[0] for rec in pending)
        flush()
        wanted = sorted(set(wanted) & done)
        empty = assemble(model, seed, h, [], __version__)
        empty.runs, empty.outages = parts.frames(wanted)
        empty.incident_table, empty.page_table = parts.incident_frames(wanted)
        return empty

    target = runs
    stopping = None
    timing = _Timing()
    bar = Progress(progress, total=target, initial=len(done & set(range(target))))
    ex = use_backend(backend, jobs, scheduler)
    try:
        with ex, bar:
            while True:
                missing = [i for i in range(target) if i not in done]
                for chunk in _execute(model, seed, h, missing, ex, timing, max_events, engine):
                    keep(chunk)
                    bar.update(len(chunk))
                if rule is None:
                    break
                so_far = collect(range(target))
                measured = rule.measure(*so_far.tables(), seed)
                if rule.met(measured) or target >= max_runs:
                    stopping = rule.report(measured, target, max_runs)
                    break
                target = rule.next_runs(target, measured, max_runs)
                bar.set_total(target)
    except (BehaviourError, TooManyEvents) as exc:
        # A user-defined behaviour raised, or a replication passed
        # max_events: the run stops, and what finished before is kept on
        # the exception (and on disk with ``out``).
        if exc.records:
            keep(exc.records)
            exc.records = []
        exc.partial = collect(range(target))
        raise
    except KeyboardInterrupt as exc:
        # Keep what finished: the caller can still summarise it (and with
        # ``out`` it is on disk for --resume).
        raise Interrupted(collect(range(target)), target) from exc
    results = collect(range(target))
    results.stopping = stopping
    if store:
        store.finish(target, {"stopping": stopping} if stopping else None)
    return results


def _check_engine(model: Model, engine: str) -> None:
    """Refuse an unknown engine, or ``lean`` for a model the lean engine does not run, before any work."""
    from relsim.engine.simulation import ENGINES

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "lean":
        from relsim.engine.lean import lean_plan

        plan = lean_plan(model)
        if isinstance(plan, str):
            raise ValueError(f"the lean engine does not run model {model.name!r}: {plan}")
    if engine == "batch":
        from relsim.engine.batch import batch_refusal

        reason = batch_refusal(model)
        if reason is not None:
            raise ValueError(f"the batch engine does not run model {model.name!r}: {reason}")


def assemble(model: Model, seed: int, horizon: float,
             done: list[RunRecord], version: str) -> Results:
    """Build :class:`Results` from ``(i, metrics, outages)`` records."""
    objectives = objectives_of(model)  # the entry's and each service's own (relsim/service_verdicts.py)
    return Results.from_records(model.name, seed, horizon, done, objectives, version,
                                metrics=applicable(model),
                                assumptions={"outage_duration_s": outage_duration_assumption(model)})
