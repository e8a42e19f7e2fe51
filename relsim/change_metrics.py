"""Metrics of the ``deployments`` section of one replication (docs/changes.md, "Deployments").

The engine (:mod:`relsim.engine.deployments`) leaves its tallies in
``RunResult.changes``; the outages a bad change started carry cause kind
``deployment`` or ``config`` (:data:`relsim.model.deployments.CHANGE_KINDS`).
This turns them into the per-replication metrics declared in
:mod:`relsim.metric_registry`:

``releases_per_year``, ``bad_releases_per_year``, ``rollbacks_per_year``
    releases started, bad ones among them (caught by a gate or not),
    rollbacks (by a trigger, a gate, a drift check or by hand), per 365 days;
``config_changes_per_year``, ``bad_config_changes_per_year``
    the same for configuration changes (``change: config``);
``bad_release_minutes_per_year``
    minutes during which a bad release or configuration change served
    requests (from its first exposure until it was rolled back or its flag
    was off), per 365 days;
``requests_failed_by_changes_per_year``
    requests that failed while a bad change was live or a release's restart
    held an instance out (exact integrals of the request path; requests
    another failure fails at the same time count too);
``writes_corrupted_by_changes_per_year``
    writes a bad version corrupted (``effect.corrupts``; expected count);
``change_downtime_per_year``
    downtime of the outages whose root cause is a change;
``change_downtime_share``
    that downtime over all downtime (a ratio of totals, in
    :func:`relsim.metrics.summarise`).
"""

from __future__ import annotations

from typing import Any

from relsim.model.deployments import CHANGE_KINDS
from relsim.units import YEAR

__all__ = ["change_metrics", "change_share_columns"]


def change_metrics(res: Any) -> dict[str, float]:
    """Metrics of ``res.changes`` and of the change-caused outages of ``res``."""
    c = res.changes
    per_year = YEAR / res.horizon
    caused = [o for o in res.outages if o.cause_kind in CHANGE_KINDS]
    down = float(sum(o.duration_s for o in caused))
    row = {
        "releases_per_year": c.get("releases", 0.0) * per_year,
        "bad_releases_per_year": c.get("bad", 0.0) * per_year,
        "rollbacks_per_year": (c.get("rollbacks", 0.0) + c.get("config_rollbacks", 0.0)) * per_year,
        "config_changes_per_year": c.get("config_releases", 0.0) * per_year,
        "bad_config_changes_per_year": c.get("config_bad", 0.0) * per_year,
        "bad_release_minutes_per_year": c.get("bad_time", 0.0) / 60.0 * per_year,
        "change_downtime_per_year": down * per_year,
        "writes_corrupted_by_changes_per_year": (c.get("corrupted", 0.0) + c.get("config_corrupted", 0.0))
        * per_year,
        "change_downtime_s": down,
        "change_outages": len(caused),
    }
    if res.requests is not None:
        row["requests_failed_by_changes_per_year"] = c.get("failed_requests", 0.0) * per_year
    return row


def change_share_columns() -> tuple[str, str, str]:
    """(numerator, denominator, events) columns of ``Results.runs`` for ``change_downtime_share``."""
    return ("change_downtime_s", "downtime_s", "change_outages")
