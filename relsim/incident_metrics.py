"""Metrics of alerting and incident response, per replication (docs/incidents.md).

From a replication's pages and incidents (:mod:`relsim.engine.response`):
counts per year (``pages_per_year``, ``false_pages_per_year``,
``unalerted_incidents_per_year``, ``incidents_sev1_per_year``...) and the
totals behind the ratio metrics (``alert_precision``, ``alert_recall``,
``alert_mttd``, ``mtta``, ``mttr``, and each per severity: ``mttr_sev1``...), which
:func:`relsim.metrics.summarise` turns into ratios of totals over all
replications (:data:`RATIOS`: numerator and denominator columns of
``Results.runs``). Also the DataFrames of ``Results.incidents()`` and
``Results.pages()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from relsim.engine.response import INCIDENT_FIELDS, PAGE_FIELDS
from relsim.model.incidents import SEVERITIES
from relsim.units import YEAR

__all__ = ["RATIOS", "RECORD_KEYS", "incident_frames", "incident_metrics"]

#: Ratio metric -> (numerator column, denominator column) of ``Results.runs``.
RATIOS: dict[str, tuple[str, str]] = {
    "alert_precision": ("pages_real", "pages"),
    "alert_recall": ("incidents_alerted", "incidents"),
    "alert_mttd": ("detect_time_s", "incidents_alerted"),
    "mtta": ("ack_time_s", "incidents_acked"),
    "mttr": ("resolve_time_s", "incidents"),
    "mttn": ("notify_time_s", "incidents_notified"),
    **{f"mttr_{sev}": (f"resolve_time_s_{sev}", f"incidents_{sev}") for sev in SEVERITIES},
    **{f"alert_mttd_{sev}": (f"detect_time_s_{sev}", f"incidents_alerted_{sev}") for sev in SEVERITIES},
    **{f"mtta_{sev}": (f"ack_time_s_{sev}", f"incidents_acked_{sev}") for sev in SEVERITIES},
}

#: Keys of a replication's record that carry its incidents and pages (not metrics).
RECORD_KEYS = ("incident_records", "page_records")


def incident_metrics(res: Any) -> dict[str, float]:
    """The row entries of one replication with alerts or teams (``RunResult.incidents``)."""
    per_year = YEAR / res.horizon
    pages = res.pages or []
    incidents = res.incidents or []
    false = sum(1 for p in pages if p.kind == "false")
    alerted = [x for x in incidents if x.alerted]
    acked = [x for x in incidents if not math.isnan(x.ack_s)]
    row: dict[str, float] = {
        "pages_per_year": len(pages) * per_year,
        "false_pages_per_year": false * per_year,
        "unalerted_incidents_per_year": (len(incidents) - len(alerted)) * per_year,
        "pages": float(len(pages)),
        "pages_real": float(len(pages) - false),
        "incidents": float(len(incidents)),
        "incidents_alerted": float(len(alerted)),
        "incidents_acked": float(len(acked)),
        "detect_time_s": float(sum(x.detect_s for x in alerted)),
        "ack_time_s": float(sum(x.ack_s for x in acked)),
        "resolve_time_s": float(sum(x.duration_s for x in incidents)),
        "incidents_notified": float(sum(1 for x in incidents if not math.isnan(x.notify_s))),
        "notify_time_s": float(sum(x.notify_s for x in incidents if not math.isnan(x.notify_s))),
    }
    for sev in SEVERITIES:
        mine = [x for x in incidents if x.severity == sev]
        row[f"incidents_{sev}_per_year"] = len(mine) * per_year
        row[f"incidents_{sev}"] = float(len(mine))
        row[f"resolve_time_s_{sev}"] = float(sum(x.duration_s for x in mine))
        seen = [x for x in mine if x.alerted]
        answered = [x for x in mine if not math.isnan(x.ack_s)]
        row[f"incidents_alerted_{sev}"] = float(len(seen))
        row[f"detect_time_s_{sev}"] = float(sum(x.detect_s for x in seen))
        row[f"incidents_acked_{sev}"] = float(len(answered))
        row[f"ack_time_s_{sev}"] = float(sum(x.ack_s for x in answered))
    return row


def incident_frames(model: str, seed: int, records: Sequence[tuple[int, dict[str, Any], Any]]) -> tuple[Any, Any]:
    """``(incidents, pages)`` DataFrames from replication records, or ``(None, None)`` without any."""
    if not any(RECORD_KEYS[0] in m for _, m, _ in records):
        return None, None
    import pandas as pd

    inc = [(model, seed, i, *x) for i, m, _ in records for x in m.get(RECORD_KEYS[0]) or ()]
    pages = [(model, seed, i, *p) for i, m, _ in records for p in m.get(RECORD_KEYS[1]) or ()]
    head = ["model", "seed", "replication"]
    return (pd.DataFrame(inc, columns=[*head, *INCIDENT_FIELDS]),
            pd.DataFrame(pages, columns=[*head, *PAGE_FIELDS]))
