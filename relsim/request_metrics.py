"""Request-level metrics of one replication (models with a ``workload``).

With a workload, users experience requests, not component states: the
served fraction becomes the share of offered requests that succeeded, and
the error budget is spent by failed requests.

``request_success``
    requests served / requests offered (the request success ratio).
``served_fraction``
    the same number: it is request-weighted once traffic exists (docs/model-format.md §16).
``requests_per_year``, ``requests_failed_per_year``, ``writes_failed_per_year``
    offered requests, failed requests, failed writes per 365 days.
``attempts_per_request``
    attempts (first tries and retries, rejected ones included; a request failed
    fast by an open circuit breaker makes none) per request:
    the load amplification of retries.
``latency_p50``, ``latency_p95``, ``latency_p99``
    latency of successful requests, seconds, including failed attempts'
    timeouts and the backoffs before retries.
``duplicates_per_year``
    duplicate executions of non-idempotent writes per 365 days: a retry
    after an attempt that a backend processed but that timed out
    (:func:`relsim.engine.clients.duplicates`).
``breaker_opens_per_year``, ``breaker_open_per_year``
    times the clients' circuit breaker opened (from closed), and seconds it
    spent open or half-open, per 365 days (with a ``circuit_breaker``).
``error_budget_burn``
    (1 − request_success) / (1 − objectives.availability): 1 spends exactly
    the budget the availability objective allows, 2 spends it twice over.

References
----------
.. [1] B. Beyer, C. Jones, J. Petoff, N. R. Murphy (eds.), *Site Reliability
   Engineering*, O'Reilly, 2016, ch. 3 (error budgets) and ch. 6 (the four
   golden signals).
"""

from __future__ import annotations

import math
from typing import Any

from relsim.units import YEAR

__all__ = ["request_metrics"]

def request_metrics(res: Any, objectives: Any = None) -> dict[str, float]:
    """Request metrics of one replication (``res.requests`` holds the tallies)."""
    req = res.requests
    per_year = YEAR / res.horizon
    offered = req["offered"]
    success = req["served"] / offered if offered > 0 else math.nan
    row = {
        "served_fraction": success,
        "request_success": success,
        "requests_per_year": offered * per_year,
        "requests_failed_per_year": req["failed"] * per_year,
        "writes_failed_per_year": req["writes_failed"] * per_year,
        "duplicates_per_year": req.get("duplicates", 0.0) * per_year,
        "attempts_per_request": req.get("attempts", offered) / offered if offered > 0 else math.nan,
        "requests_offered": offered,
        "requests_failed": req["failed"],
    }
    for q in ("latency_p50", "latency_p95", "latency_p99"):
        if q in req:
            row[q] = req[q]
    if "breaker_opens" in req:
        row["breaker_opens_per_year"] = req["breaker_opens"] * per_year
        row["breaker_open_per_year"] = req["breaker_open_time"] * per_year
    target = getattr(objectives, "availability", None) if objectives is not None else None
    if target is not None and target < 1.0:
        row["error_budget_burn"] = (1.0 - success) / (1.0 - target)
    return row
