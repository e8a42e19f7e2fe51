"""Golden signals of one replication as a time series (models with a ``workload``).

The four golden signals — traffic, errors, saturation, latency — binned
over the replication's time line. Nothing is sampled: in fluid mode the
request path records the pieces it integrates (between two events every
tallied rate is ``c0 + c1 (t − a)`` per request offered, see
:mod:`relsim.engine.traffic`; the engine hands them over through the
``on_piece`` hook of :func:`relsim.engine.simulate`), and each bin gets the exact integral of
those pieces over the bin. Summed over the bins, the requests offered,
failed and the attempts equal the replication's totals.

Columns, one row per bin of ``step`` seconds (the last bin may be shorter):

``t``
    start of the bin, seconds.
``traffic``
    requests offered per second (mean over the bin).
``errors``
    requests that failed per second.
``success``
    requests served / requests offered in the bin.
``attempts``
    attempts (first tries and retries) sent per second: the load retries make.
``saturation``
    time-weighted mean over the bin of the largest load / capacity of a
    load balancer with ``capacity`` (0 without capacities).
``latency``
    mean latency of the requests that succeeded in the bin, seconds: the
    mean service ``latency`` plus, for a request that succeeded at attempt
    k + 1, k timeouts and the mean of its k backoffs. NaN if none succeeded.
    (Percentiles are per replication: ``latency_p50/p95/p99``.)

References
----------
.. [1] B. Beyer et al. (eds.), *Site Reliability Engineering*, O'Reilly,
   2016, ch. 6 (the four golden signals).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from relsim.engine import simulate
from relsim.engine.clients import backoffs
from relsim.engine.traffic import Piece
from relsim.engine.workload import HOUR, RateProfile
from relsim.model import Model
from relsim.units import parse_duration

__all__ = ["SIGNAL_COLUMNS", "golden_signals"]

SIGNAL_COLUMNS = ("t", "traffic", "errors", "success", "attempts", "saturation", "latency")


def golden_signals(model: Model, seed: int = 0, replication: int = 0, step: float | str = "1m",
                   horizon: float | str | None = None) -> Any:
    """Golden signals of replication ``replication`` of a run with ``seed``, binned by ``step``.

    The replication is the same as inside :func:`relsim.run` with that seed
    (and :func:`relsim.trace`). Returns a pandas DataFrame with the columns
    of :data:`SIGNAL_COLUMNS`; ``.attrs["totals"]`` holds the replication's
    request tallies (``RunResult.requests``).
    """
    if model.spec.workload is None:
        raise ValueError("golden signals need a model with a 'workload' (the requests to follow)")
    if model.spec.workload.mode != "fluid":
        raise ValueError("golden signals are binned from the fluid integrals: use workload mode: fluid")
    width = parse_duration(step) if isinstance(step, str) else float(step)
    if not np.isfinite(width) or width <= 0:
        raise ValueError(f"step must be a positive duration, got {step!r}")
    h = parse_duration(horizon) if isinstance(horizon, str) else horizon
    pieces: list[Piece] = []
    res = simulate(model, seed, replication, h, on_piece=pieces.append)
    workload = model.spec.workload
    profile = RateProfile(workload.rate, workload.profile)
    frame = bin_pieces(pieces, profile, workload, res.horizon, width)
    frame.attrs["totals"] = dict(res.requests or {})
    return frame


def bin_pieces(pieces: list[Piece], profile: RateProfile, spec: Any, horizon: float, width: float) -> Any:
    """Exact integrals of the recorded ``pieces`` over bins of ``width`` (see the module doc).

    Parameters
    ----------
    pieces : list of Piece
        Every piece the request path integrated, in time order (``on_piece``).
    profile : RateProfile
        The offered rate λ(t).
    spec : relsim.model.traffic.Workload
        For the latency of each attempt.
    horizon, width : float
        The replication's length and the bin width, seconds.
    """
    import pandas as pd

    n_bins = int(np.ceil(horizon / width - 1e-9))
    edges = np.minimum(np.arange(n_bins + 1) * width, horizon)
    starts = np.array([p.start for p in pieces])
    ends = np.array([p.end for p in pieces])
    points = [edges, starts, ends]
    if not profile.flat:
        points.append(np.arange(0.0, horizon, HOUR))  # the rate is constant between these
    cuts = np.unique(np.concatenate(points))
    cuts = cuts[(cuts >= 0.0) & (cuts <= horizon)]
    x, y = cuts[:-1], cuts[1:]
    mid = (x + y) / 2.0
    piece = np.clip(np.searchsorted(starts, mid, side="right") - 1, 0, len(pieces) - 1)
    binno = np.clip(np.searchsorted(edges, mid, side="right") - 1, 0, n_bins - 1)
    if profile.flat:
        lam = np.full(len(x), profile.rate)
    else:
        hourly = np.asarray(profile.hourly)
        lam = hourly[np.minimum(23, ((mid % 86400.0) // HOUR).astype(int))]
    a = starts[piece]
    base = lam * (y - x)  # ∫ λ
    moment = lam * ((y - a) ** 2 - (x - a) ** 2) / 2.0  # ∫ λ (u − a)
    c0 = np.array([p.c0 for p in pieces])[piece]
    c1 = np.array([p.c1 for p in pieces])[piece]
    sat = np.array([p.saturation for p in pieces])[piece]
    tallies = c0 * base[:, None] + c1 * moment[:, None]

    def per_bin(values: np.ndarray) -> np.ndarray:
        return np.bincount(binno, weights=values, minlength=n_bins)

    bin_width = np.diff(edges)
    offered = per_bin(base)
    served = per_bin(tallies[:, 0])
    tried = per_bin(tallies[:, 1])
    by_attempt = np.column_stack([per_bin(tallies[:, 3 + k]) for k in range(c0.shape[1] - 3)])
    ok = by_attempt.sum(axis=1)
    extra = attempt_latency(spec, by_attempt.shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        latency = np.where(ok > 0, spec.latency.mean + (by_attempt @ extra) / np.where(ok > 0, ok, 1.0), np.nan)
        success = np.where(offered > 0, served / np.where(offered > 0, offered, 1.0), np.nan)
    return pd.DataFrame({
        "t": edges[:-1],
        "traffic": offered / bin_width,
        "errors": np.maximum(offered - served, 0.0) / bin_width,
        "success": success,
        "attempts": tried / bin_width,
        "saturation": per_bin(sat * (y - x)) / bin_width,
        "latency": latency,
    })


def attempt_latency(spec: Any, m: int) -> np.ndarray:
    """Mean time added to a request that succeeds at attempt k + 1: k timeouts and k backoffs."""
    clients = spec.clients
    retry = clients.retry
    out = np.zeros(m)
    for k in range(1, m):
        b = [min(retry.cap, retry.base * 2.0 ** (j - 1)) for j in range(1, k + 1)]
        if retry.jitter == "none":
            wait = sum(b)
        elif retry.jitter == "full":
            wait = sum(b) / 2.0
        elif retry.jitter == "equal":
            wait = 0.75 * sum(b)
        else:  # decorrelated: no closed form; a fixed large sample
            wait = float(backoffs(np.random.default_rng(0), 20_000, k, retry.base, retry.cap, "decorrelated").mean())
        out[k] = k * clients.timeout + wait
    return out
