"""Metrics of the application-semantics sections of one replication (docs/application.md).

The engine leaves its tallies in ``RunResult.app``; this turns them into
the per-replication metrics declared in :mod:`relsim.metric_registry`:

``sessions_started_per_year``, ``sessions_lost_per_year``
    expected sessions started, and lost at failures of the replicas (or
    the shared store) holding them, per 365 days.
``sessions_disrupted``
    sessions lost / sessions started.
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
    return row
