"""Running many replications: seeding, backends and assembly of Results.

Replication *i* depends only on (model, seed, i) (DESIGN §5), so any backend
and any number of workers gives identical results; rows are sorted by
replication.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pandas as pd

from relsim.engine import OUTAGE_FIELDS, simulate
from relsim.metrics import replication_metrics
from relsim.model import Model, load
from relsim.results import Results

__all__ = ["Interrupted", "run", "run_replications"]

BACKENDS = ("serial", "processes")


RunRecord = tuple[int, dict[str, Any], list[tuple[Any, ...]]]


def _chunk(model: Model, seed: int, reps: list[int], horizon: float | None) -> list[RunRecord]:
    out = []
    for i in reps:
        res = simulate(model, seed, i, horizon)
        out.append((i, replication_metrics(res, model.spec.objectives), res.outages))
    return out


def _chunks(indices: list[int], jobs: int) -> list[list[int]]:
    # Several chunks per worker balance the load; each still runs many
    # replications so task overhead stays small against simulation time.
    n = max(1, min(len(indices), jobs * 4))
    size = math.ceil(len(indices) / n)
    return [indices[k : k + size] for k in range(0, len(indices), size)]


def run_replications(
    model: Model,
    indices: Iterable[int],
    seed: int,
    horizon: float | None = None,
    jobs: int = 1,
    backend: str | None = None,
    on_chunk: Callable[[list[RunRecord]], None] | None = None,
) -> list[RunRecord]:
    """Run the given replication indices; returns ``(i, metrics, outages)`` sorted by i."""
    indices = list(indices)
    backend = backend or ("processes" if jobs > 1 else "serial")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    done: list[RunRecord] = []
    if backend == "serial" or jobs <= 1 or len(indices) <= 1:
        for i in indices:
            chunk = _chunk(model, seed, [i], horizon)
            done.extend(chunk)
            if on_chunk:
                on_chunk(chunk)
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(_chunk, model, seed, part, horizon) for part in _chunks(indices, jobs)]
            for fut in futures:
                chunk = fut.result()
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
    backend: str | None = None,
) -> Results:
    """Run ``runs`` independent replications of ``model``.

    Parameters
    ----------
    model : Model, path or dict
        What to simulate (paths and dicts are loaded with :func:`relsim.load`).
    runs : int
        Number of replications.
    seed : int
        Base seed; replication *i* uses streams derived from (seed, i).
    horizon : float or str, optional
        Simulated time per replication (seconds, or a duration like ``"10y"``);
        defaults to the model's ``horizon``.
    jobs : int
        Worker processes (results are identical for any value).
    backend : {"serial", "processes"}, optional
        Defaults to ``processes`` when ``jobs > 1``.
    """
    from relsim import __version__
    from relsim.units import parse_duration

    if not isinstance(model, Model):
        model = load(model)
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise ValueError(f"runs must be a whole number >= 1, got {runs!r}")
    if isinstance(horizon, str):
        horizon = parse_duration(horizon)
    if horizon is not None and horizon <= 0:
        raise ValueError(f"horizon must be > 0, got {horizon!r}")
    h = float(model.horizon if horizon is None else horizon)
    finished: list[RunRecord] = []
    try:
        run_replications(model, range(runs), seed, h, jobs, backend, on_chunk=finished.extend)
    except KeyboardInterrupt as exc:
        # Keep what was finished: the caller can still summarise it.
        finished.sort(key=lambda item: item[0])
        raise Interrupted(assemble(model, seed, h, finished, __version__), runs) from exc
    finished.sort(key=lambda item: item[0])
    return assemble(model, seed, h, finished, __version__)


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C; ``partial`` holds the replications that finished."""

    def __init__(self, partial: Results, requested: int):
        super().__init__(f"interrupted after {len(partial.runs)} of {requested} replications")
        self.partial = partial
        self.requested = requested


def assemble(model: Model, seed: int, horizon: float,
             done: list[RunRecord], version: str) -> Results:
    """Build :class:`Results` from ``(i, metrics, outages)`` records."""
    rows = [{"model": model.name, "seed": seed, "replication": i, "horizon_s": horizon, **m}
            for i, m, _ in done]
    runs = pd.DataFrame(rows)
    outage_rows = [(model.name, seed, i, *o) for i, _, outs in done for o in outs]
    outages = pd.DataFrame(outage_rows, columns=["model", "seed", "replication", *OUTAGE_FIELDS])
    objectives = {k: v for k, v in model.spec.objectives.model_dump().items()
                  if v is not None and k != "slo_window"}
    return Results(model.name, seed, horizon, runs, outages, objectives, version)

