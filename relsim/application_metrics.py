"""Metrics of the application-semantics sections of one replication (docs/application.md).

The engine leaves its tallies in ``RunResult.app``; this turns them into
the per-replication metrics declared in :mod:`relsim.metric_registry`:

``sessions_started_per_year``, ``sessions_lost_per_year``
    expected sessions started, and lost at failures of the replicas (or
    the shared store) holding them, per 365 days.
``sessions_disrupted``
    sessions lost / sessions started.
``operation_success``, ``operations_failed_per_year``
    the operations' requests served / offered, and those failed because
    their consistency level could not be met.
``stale_reads_per_year``, ``stale_read_share``, ``staleness_p50/p95/p99``
    reads that returned an old value, their share of reads served, and the
    percentiles of their staleness.
``sagas_per_year``, ``saga_success``, ``sagas_compensated_per_year``, ``sagas_stuck_per_year``
    sagas started, the share completed, and those undone or left
    inconsistent; ``transactions_blocked_per_year`` and
    ``transaction_block_mean`` for two-phase commits.
``faults_injected_per_year``, ``fault_injection_per_year``
    mesh fault injections started, and the time they ran.
``routed_success``, ``routed_failed_per_year``
    the requests of header-based mesh routes served / offered, and failed.
``read_latency_mean``, ``write_latency_mean``
    with a ``latency`` section: the served reads' and writes' mean latency
    from the placement.
"""

from __future__ import annotations

import math
from typing import Any

from relsim.units import YEAR

__all__ = ["application_metrics"]


def application_metrics(res: Any) -> dict[str, float]:
    """Metrics of ``res.app`` (only those whose tallies the replication has)."""
    app = res.app
    per_year = YEAR / res.horizon
    row: dict[str, float] = {}
    if "sessions_started" in app:
        started, lost = app["sessions_started"], app["sessions_lost"]
        row["sessions_started_per_year"] = started * per_year
        row["sessions_lost_per_year"] = lost * per_year
        row["sessions_disrupted"] = lost / started if started > 0 else math.nan
    if "operations_offered" in app:
        offered, served = app["operations_offered"], app["operations_served"]
        row["operation_success"] = served / offered if offered > 0 else math.nan
        row["operations_failed_per_year"] = (offered - served) * per_year
        row["stale_reads_per_year"] = app["stale_reads"] * per_year
        reads = app["reads_served"]
        row["stale_read_share"] = app["stale_reads"] / reads if reads > 0 else math.nan
        for q in ("staleness_p50", "staleness_p95", "staleness_p99", "read_latency_mean", "write_latency_mean"):
            if q in app:
                row[q] = app[q]
        for key, value in app.items():  # per operation: raw columns of Results.runs
            if key.startswith("operation:"):
                row[key] = value
    if "sagas_started" in app:
        started = app["sagas_started"]
        row["sagas_per_year"] = started * per_year
        row["saga_success"] = app["sagas_completed"] / started if started > 0 else math.nan
        row["sagas_compensated_per_year"] = app["sagas_compensated"] * per_year
        row["sagas_stuck_per_year"] = app["sagas_stuck"] * per_year
        if "transactions_blocked" in app:
            blocked = app["transactions_blocked"]
            row["transactions_blocked_per_year"] = blocked * per_year
            row["transaction_block_mean"] = app["transaction_blocked_time"] / blocked if blocked > 0 else math.nan
        for key, value in app.items():
            if key.startswith("saga:"):
                row[key] = value
    if "routed_offered" in app:
        offered = app["routed_offered"]
        row["routed_success"] = app["routed_served"] / offered if offered > 0 else math.nan
        row["routed_failed_per_year"] = (offered - app["routed_served"]) * per_year
        for key, value in app.items():
            if key.startswith("route:"):
                row[key] = value
    if "mesh_injections" in app:
        row["faults_injected_per_year"] = app["mesh_injections"] * per_year
        row["fault_injection_per_year"] = app["mesh_fault_time"] * per_year
    return row
