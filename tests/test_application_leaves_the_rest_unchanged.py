"""Adding the application-semantics sections changes nothing else a replication reports.

Sessions, operations, sagas and mesh routes only observe the services
(they draw from their own named streams, if at all), so a model with them
must give exactly the same failures, outages, data losses and request
counts as without them, replication by replication (docs/application.md);
only the count of SimPy events grows by the one start event of each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import relsim

ROOT = Path(__file__).resolve().parent.parent


def observers(service: str) -> dict[str, Any]:
    """A sessions, an operations and a sagas section on ``service``."""
    return {
        "sessions": {"rate": "2/s", "length": "exp(mean=20m)", "service": service, "store": "replicated",
                     "lag": "exp(mean=1s)"},
        "operations": {"r": {"service": service, "share": 0.5, "consistency": "quorum"},
                       "w": {"service": service, "share": 0.5, "type": "write", "consistency": "all"}},
        "sagas": {"s": {"rate": "1/s", "steps": [{"service": service, "success": 0.99}]}},
    }


@pytest.mark.parametrize(("name", "service"), [("db-two-zones-async", "orders-db"),
                                               ("web-tier-retries", "web")])
def test_observing_sections_leave_every_other_result_unchanged(name, service):
    base = relsim.load(ROOT / "models" / f"{name}.yaml")
    raw = dict(base.raw)
    extra = observers(service)
    if raw.get("workload") is None:
        raw["workload"] = {"rate": "10/s"}
        base = relsim.load(raw)
    if raw.get("load_balancers"):
        extra["mesh"] = {"routes": {"diag": {"share": 0.01, "load_balancer": next(iter(raw["load_balancers"]))}}}
    variant = relsim.load({**raw, **extra})
    a = relsim.run(base, runs=6, seed=3, horizon="90d").runs
    b = relsim.run(variant, runs=6, seed=3, horizon="90d").runs
    assert "sessions_lost_per_year" in b and "operation_success" in b and "saga_success" in b
    for column in a.columns:
        if column == "events":  # each observing section schedules its start at t = 0
            assert ((b[column] - a[column]) == 3).all()
            continue
        assert a[column].equals(b[column]), column
    ra = relsim.run(base, runs=6, seed=3, horizon="90d").outages
    rb = relsim.run(variant, runs=6, seed=3, horizon="90d").outages
    assert ra.equals(rb)
