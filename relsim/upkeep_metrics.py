"""Metrics of spares, crew logistics, preventive maintenance, inspections and costs (one replication).

The engine leaves its tallies in ``RunResult.upkeep``
(:mod:`relsim.engine.spares`, :mod:`relsim.engine.maintenance`,
:mod:`relsim.engine.upkeep`); this turns them into the per-replication
metrics declared in :mod:`relsim.metric_registry` (docs/maintenance-and-cost.md).
"""

from __future__ import annotations

import math
from typing import Any

from relsim.units import YEAR

__all__ = ["COST_CATEGORIES", "RATIOS", "upkeep_metrics"]

#: Ratio metrics (ratios of totals over replications, delta-method SE) -> (numerator, denominator)
#: columns of ``Results.runs``; relsim.metrics.summarise and relsim.compare read this table.
RATIOS: dict[str, tuple[str, str]] = {
    "spare_stockout_fraction": ("spare_stockouts", "spare_demands"),
    "fault_exposure_mean": ("exposure_found_s", "faults_found"),
}

#: Cost categories in reporting order (``cost_<category>_per_year``); the engine's
#: relsim.engine.upkeep.COST_CATEGORIES says the same (a test compares them).
COST_CATEGORIES = ("components", "crews", "spares", "repairs", "failovers", "downtime", "service_downtime",
                   "failed_requests", "writes_lost", "maintenance")


def upkeep_metrics(res: Any) -> dict[str, float]:
    """Metrics of ``res.upkeep`` (only those whose tallies the replication has)."""
    t = res.upkeep
    per_year = YEAR / res.horizon
    row: dict[str, float] = {}
    if "spare_stock" in t:
        demands = t.get("spare_demands", 0.0)
        stockouts = t.get("spare_stockouts", 0.0)
        row["spare_demands_per_year"] = demands * per_year
        row["spare_stockouts_per_year"] = stockouts * per_year
        row["spare_wait_per_year"] = t.get("spare_wait", 0.0) * per_year
        row["spare_demands"], row["spare_stockouts"] = demands, stockouts  # for the ratio (RATIOS)
    if "inspected" in t:
        row["faults_found"] = t.get("faults_found", 0.0)  # for the ratio (RATIOS)
        row["exposure_found_s"] = t.get("exposure_found", 0.0)
        row["pfd"] = t.get("inspected_down", 0.0) / (t["inspected"] * res.horizon)
        row["inspections_per_year"] = t.get("inspections", 0.0) * per_year
    if "maintained" in t:
        row["preventive_per_year"] = t.get("preventive", 0.0) * per_year
    for key, value in t.items():
        if key.startswith("phase:") and key.endswith(":downtime"):  # mission phases (engine/phases.py)
            spent = t.get(key[: -len("downtime")] + "time", 0.0)
            row[key[: -len("downtime")] + "availability"] = 1.0 - value / spent if spent > 0 else math.nan
        if key.startswith("service:"):  # services with their own objectives (relsim/engine/service_watch.py)
            row[key] = value
            if key.endswith(":downtime"):
                row[key[: -len("downtime")] + "availability"] = 1.0 - value / res.horizon
    if "cost_priced" in t:
        total = 0.0
        for cat in COST_CATEGORIES:
            if f"cost_{cat}" in t:  # the categories the model prices
                value = t[f"cost_{cat}"] * per_year
                row[f"cost_{cat}_per_year"] = value
                total += value
        row["cost_per_year"] = total
    return row
