"""What keeping a system running costs, per replication (docs/maintenance-and-cost.md).

With a ``costs:`` section, :func:`build_upkeep` adds the replication's
costs, by category, to ``RunResult.upkeep`` once every service has added
its tallies (``Simulation.after_finish``). Each is the amount over the
whole horizon (the metrics scale it to a year):

============================  ==========================================================
``cost_components``           Σ per-year cost of each component (every member of a group) × years
``cost_crews``                per-crew cost × ``repair_crews`` × years
``cost_spares``               per-spare cost × the pools' stock levels × years
``cost_repairs``              per-repair cost × repairs started
``cost_failovers``            per-failover cost × successful promotions
``cost_downtime``             per-minute cost × minutes of outage of the entry service
``cost_service_downtime``     Σ per-minute cost of a service (by name, else tier) × its outage minutes
``cost_failed_requests``      per-request cost × failed requests (with a workload)
``cost_writes_lost``          per-write cost × acknowledged writes lost
``cost_maintenance``          per-task cost × preventive maintenance and inspections carried out
============================  ==========================================================

Costs are linear in the counts, so the expected cost per year is the unit
costs times the expected rates — the closed form the tests check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relsim.engine.maintenance import build_maintenance
from relsim.engine.service_watch import build_service_watch
from relsim.engine.spares import upkeep_tallies
from relsim.units import YEAR

if TYPE_CHECKING:
    from relsim.engine.simulation import RunResult, Simulation

__all__ = ["COST_CATEGORIES", "build_upkeep"]

#: Cost categories, in reporting order (``cost_<category>`` tallies, ``cost_<category>_per_year`` metrics).
COST_CATEGORIES = ("components", "crews", "spares", "repairs", "failovers", "downtime", "service_downtime",
                   "failed_requests", "writes_lost", "maintenance")


def _costs(sim: Simulation, costs: Any, res: RunResult) -> None:
    model = sim.model
    years = res.horizon / YEAR
    t = upkeep_tallies(sim)
    per_member = 0.0
    for name, unit in costs.components.items():
        per_member += unit * len(model.groups.get(name, (name,)))
    crews = model.spec.repair_crews or 0
    stock = sum(p.stock for p in model.spec.spares.values())
    failed = res.requests.get("failed", 0.0) if res.requests is not None else 0.0
    # Each service's own outage minutes at its price: by name, else by its tier.
    per_minute = {name: costs.service_downtime_minute.get(name, costs.tier_downtime_minute.get(svc.tier, 0.0))
                  for name, svc in model.spec.services.items()}
    service_down = sum(unit * t.get(f"service:{name}:downtime", 0.0) / 60.0
                       for name, unit in per_minute.items() if unit > 0)
    # Only the categories the model prices are reported (a zero-cost category says nothing).
    priced = {
        "components": per_member * years,
        "crews": costs.crew * crews * years,
        "spares": costs.spare * stock * years,
        "repairs": costs.repair * t.get("repairs", 0.0),
        "failovers": costs.failover * res.failovers,
        "downtime": costs.downtime_minute * res.downtime / 60.0,
        "service_downtime": service_down,
        "failed_requests": costs.failed_request * failed,
        "writes_lost": costs.write_lost * res.writes_lost,
        "maintenance": costs.maintenance * (t.get("preventive", 0.0) + t.get("inspections", 0.0)),
    }
    units = {"components": per_member, "crews": costs.crew * crews, "spares": costs.spare * stock,
             "repairs": costs.repair, "failovers": costs.failover, "downtime": costs.downtime_minute,
             "service_downtime": max(per_minute.values(), default=0.0),
             "failed_requests": costs.failed_request, "writes_lost": costs.write_lost,
             "maintenance": costs.maintenance}
    t["cost_priced"] = 1.0
    for cat in COST_CATEGORIES:
        if units[cat] > 0:
            t[f"cost_{cat}"] = priced[cat]


def build_upkeep(sim: Simulation) -> None:
    """Preventive maintenance and inspections, watches of services with their own objectives, and costs.

    Costs are added at the end of the replication, in a model with ``costs``.
    """
    build_maintenance(sim)
    build_service_watch(sim)  # services with their own objectives (engine/service_watch.py)
    costs = sim.model.spec.costs
    if costs is not None:
        upkeep_tallies(sim)
        sim.after_finish.append(lambda res: _costs(sim, costs, res))
