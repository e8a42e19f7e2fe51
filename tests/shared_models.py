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
