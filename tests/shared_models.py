"""Small models used by several test modules."""

from __future__ import annotations

import textwrap
from typing import Any

import relsim

#: The 1-of-2 pair with one shared crew (reference case C4b) over one year.
PAIR = textwrap.dedent("""\
    name: pair
    horizon: 1y
    repair_crews: 1
    components:
      a: {failures: [{kind: permanent, every: exp(mean=1000h), repair: exp(mean=10h)}]}
      b: {failures: [{kind: permanent, every: exp(mean=1000h), repair: exp(mean=10h)}]}
    services:
      pair: {replicas: [a, b], mode: active-active}
    objectives: {availability: 99.9%}
    """)


#: A health check that removes a failed backend after 2-3 checks.
CHECK = {"interval": "10s", "unhealthy": 3, "healthy": 2, "timeout": "2s"}


def tier(failing: list[dict[str, Any]] | None = None, lb: dict[str, Any] | None = None,
         workload: dict[str, Any] | None = None) -> relsim.Model:
    """Two backends behind a load balancer, 30 requests/s, 20 h."""
    return relsim.load({
        "name": "tier", "horizon": "20h",
        "components": {"web-1": {"failures": failing or []}, "web-2": {}},
        "services": {"web": {"replicas": ["web-1", "web-2"]}},
        "load_balancers": {"lb": {"service": "web", "health_check": CHECK, **(lb or {})}},
        "workload": {"rate": "30/s", "target": "lb", **(workload or {})},
    })


def active_passive_store(ops: dict[str, Any], failures: bool = True, **extra: Any) -> relsim.Model:
    """Three replicas of a replicated store with application operations ``ops``.

    db-1 (the primary) fails at 1 h and is repaired at 2 h (``failures=False``:
    never); db-2 is promoted 30 s later. ``extra``: more top-level sections.
    """
    spec: dict[str, Any] = {
        "name": "ap", "horizon": "3h",
        "components": {"db-1": {"failures": [{"kind": "permanent", "every": "fixed(1h)", "repair": "fixed(1h)"}]
                                if failures else []},
                       "db-2": {}, "db-3": {}},
        "services": {"db": {"replicas": ["db-1", "db-2", "db-3"], "mode": "active-passive",
                            "failover": {"time": "fixed(30s)"},
                            "data": {"writes": "10/s", "keys": 100, "lag": "fixed(2s)"}}},
        "workload": {"rate": "10/s"},
        "operations": ops,
    }
    spec.update(extra)
    return relsim.load(spec)


def quorum_across_a_cut(b2: dict[str, Any], services: dict[str, Any] | None = None,
                        **extra: Any) -> relsim.Model:
    """A quorum (needs 2, 10 s elections) of a0, a1 (zone a) and b0, b1, b2 (zone b).

    a~b is cut from 2 h; b1 is down 1-4 h; ``b2`` is b2's component spec.
    ``services``: more services beside the quorum ``q``; ``extra``: more
    top-level sections (a schedule, deployments).
    """
    return relsim.load({
        "name": "return", "horizon": "5.5h",
        "domains": {"a": {"kind": "zone"}, "b": {"kind": "zone"}},
        "links": {"ab": {"between": ["a", "b"],
                         "failures": [{"kind": "transient", "every": "fixed(2h)", "lasts": "fixed(10h)"}]}},
        "components": {"a0": {"in": "a"}, "a1": {"in": "a"}, "b0": {"in": "b"},
                       "b1": {"in": "b", "failures": [{"kind": "transient", "every": "fixed(1h)",
                                                       "lasts": "fixed(3h)"}]},
                       "b2": b2},
        "services": {"q": {"replicas": ["a0", "a1", "b0", "b1", "b2"], "mode": "quorum", "needs": 2,
                           "election": "fixed(10s)"}, **(services or {})},
        "entry": "q", **extra})


def partial_thirds_halves_sixths() -> dict[str, Any]:
    """A service needing 1 of three nested services left at 1/3, 1/2 and 1/6 from 1 h, 2 h and 3 h.

    1/3 + 1/2 + 1/6 is 1, but 0.9999999999999999 when the floats are added in
    that order (the order in which the three became partial).
    """
    comps: dict[str, Any] = {}
    for prefix, n, down, when in (("a", 3, 2, "1h"), ("b", 2, 1, "2h"), ("c", 6, 5, "3h")):
        fails = [{"kind": "transient", "every": f"fixed({when})", "lasts": "fixed(100h)"}]
        for i in range(n):
            comps[f"{prefix}{i}"] = {"failures": fails if i < down else []}
    return {"name": "sixths", "horizon": "5h", "components": comps,
            "services": {"sa": {"replicas": ["a0", "a1", "a2"], "needs": 3},
                         "sb": {"replicas": ["b0", "b1"], "needs": 2},
                         "sc": {"replicas": [f"c{i}" for i in range(6)], "needs": 6},
                         "top": {"replicas": ["sa", "sb", "sc"], "needs": 1}},
            "entry": "top"}
