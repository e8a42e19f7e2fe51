"""Schema of maintenance, logistics and cost: spare pools, crew travel, costs.

* ``spares:`` (top level) — pools of spare parts, one per component type:
  each pool names the components or groups whose permanent repairs take a
  spare from it (``for``), its ``stock`` and the ``restock`` time of one
  replacement ordered when a spare is taken (one-for-one replenishment,
  the (S − 1, S) base-stock policy). A repair waits for a spare when the
  pool is empty.
* ``travel:`` on a domain — the crew's travel or logistic delay to reach an
  element inside it (a remote site); the crew is busy meanwhile. The
  innermost enclosing domain that gives ``travel`` applies.
* ``costs:`` (top level) — what reliability costs: per year per component
  (replica, standby), per crew, per spare held; per repair, per failover,
  per minute of downtime, per failed request, per write lost.

The engine side is :mod:`relsim.engine.spares` and :mod:`relsim.engine.upkeep`;
docs/maintenance-and-cost.md gives the semantics and the exact formulas.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import Field

from relsim.model.common import Delay, Names, _Frozen

__all__ = ["Costs", "SparePool", "check_logistics"]

Path = tuple[Any, ...]

Money = Annotated[float, Field(ge=0)]


class SparePool(_Frozen):
    """A pool of spares for the permanent repairs of the components in ``for``."""

    for_: Annotated[Names, Field(alias="for", min_length=1)]
    stock: Annotated[int, Field(ge=0, le=1_000_000)]
    restock: Delay
    description: str = ""


class Costs(_Frozen):
    """Unit costs; ``cost_per_year`` and its split are derived from them (docs/maintenance-and-cost.md)."""

    currency: str = ""
    #: Per year, per member: a component or a group (each member costs this).
    components: dict[str, Money] = Field(default_factory=dict)
    crew: Money = 0.0  # per crew per year (needs repair_crews)
    spare: Money = 0.0  # per spare held in stock per year (the pools' stock levels)
    repair: Money = 0.0  # per repair started (permanent failures, and what maintenance renews)
    failover: Money = 0.0  # per successful promotion
    downtime_minute: Money = 0.0  # per minute of outage of the entry service
    #: Per minute of a service's own outage, by service name, and by criticality tier
    #: (every service with that tier; docs/maintenance-and-cost.md §4).
    service_downtime_minute: dict[str, Money] = Field(default_factory=dict)
    tier_downtime_minute: dict[Annotated[int, Field(ge=1, le=9)], Money] = Field(default_factory=dict)
    failed_request: Money = 0.0  # per request that failed (with a workload)
    write_lost: Money = 0.0  # per acknowledged write lost
    maintenance: Money = 0.0  # per preventive maintenance or inspection carried out


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _suggest(name: Any, known: list[str]) -> str:
    close = difflib.get_close_matches(str(name), known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_logistics(raw: dict[str, Any], suggest: Any = _suggest) -> list[tuple[Path, str]]:
    """Cross-reference problems of ``spares`` and ``costs`` as ``(path, message)`` pairs."""
    found: list[tuple[Path, str]] = []
    comps = _mapping(raw.get("components"))
    known = [str(c) for c in comps]
    owner: dict[str, str] = {}
    for pool, body in _mapping(raw.get("spares")).items():
        names = _mapping(body).get("for")
        names = [names] if isinstance(names, str) else names if isinstance(names, list) else []
        for i, name in enumerate(names):
            path = ("spares", pool, "for", i) if isinstance(_mapping(body).get("for"), list) else \
                ("spares", pool, "for")
            if str(name) not in comps:
                found.append((path, f"unknown component or group '{name}'{suggest(name, known)}"))
            elif str(name) in owner:
                found.append((path, f"'{name}' already takes its spares from pool '{owner[str(name)]}'"))
            else:
                owner[str(name)] = str(pool)
                fails = _mapping(comps[str(name)]).get("failures")
                if isinstance(fails, list) and not any(_mapping(f).get("kind") == "permanent" for f in fails):
                    found.append((path, f"'{name}' has no permanent failure: it never needs a spare"))
    costs = _mapping(raw.get("costs"))
    for name in _mapping(costs.get("components")):
        if str(name) not in comps:
            found.append((("costs", "components", name),
                          f"unknown component or group '{name}'{suggest(name, known)}"))
    services = _mapping(raw.get("services"))
    for name in _mapping(costs.get("service_downtime_minute")):
        if str(name) not in services:
            found.append((("costs", "service_downtime_minute", name),
                          f"unknown service '{name}'{suggest(name, [str(s) for s in services])}"))
    tiers = {_mapping(s).get("tier") for s in services.values()}
    for tier in _mapping(costs.get("tier_downtime_minute")):
        if isinstance(tier, int) and tier not in tiers:
            found.append((("costs", "tier_downtime_minute", tier), f"no service has tier {tier}"))
    if costs.get("crew") and raw.get("repair_crews") is None:
        found.append((("costs", "crew"),
                      "a cost per crew needs 'repair_crews' (with unlimited crews there is nothing to count)"))
    return found
