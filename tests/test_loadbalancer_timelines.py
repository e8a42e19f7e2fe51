"""Load-balancer timelines worked out by hand (relsim.engine.loadbalancer).

The health checks here probe continuously (``interval: 0s``) with one check
to decide and a 5 s timeout: a backend that fails leaves rotation exactly
5 s later and rejoins as soon as it is back. Every time below is fixed.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

import relsim
from relsim.engine.loadbalancer import removal_delay_mean
from relsim.units import HOUR

CHECK = {"interval": "0s", "unhealthy": 1, "healthy": 1, "timeout": "5s"}


def down(at: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({at})", "lasts": f"fixed({lasts})"}


def lb_model(backends: dict[str, list[dict[str, Any]]], lb: dict[str, Any] | None = None, rate: str = "30/s",
             workload: dict[str, Any] | None = None, **extra: Any) -> relsim.Model:
    return relsim.load({
        "name": "lb", "horizon": "20h",
        "components": {b: {"failures": f} for b, f in backends.items()},
        "services": {"web": {"replicas": list(backends)}},
        "load_balancers": {"lb": {"service": "web", "health_check": CHECK, **(lb or {})}},
        "workload": {"rate": rate, "target": "lb", **(workload or {})}, **extra})


def test_removal_delay_mean():
    # D = (unhealthy − 1 + U)·interval + timeout, U ~ Uniform(0, 1)
    assert removal_delay_mean(10.0, 3, 2.0) == 27.0
    assert removal_delay_mean(4.0, 1, 1.0) == 3.0
    assert removal_delay_mean(0.0, 2, 5.0) == 5.0


def test_the_trace_names_the_balancer_and_the_backend():
    res = relsim.simulate(lb_model({"web-1": [down("10h", "1h")], "web-2": [], "web-3": []}), 0, 0, trace=True)
    moves = [(e["t"], e["event"], e["lb"], e["backend"]) for e in res.trace if e["event"] in ("lb_out", "lb_in")]
    assert moves == [(10 * HOUR + 5, "lb_out", "lb", "web-1"), (11 * HOUR, "lb_in", "lb", "web-1")]
    assert res.requests["failed"] == pytest.approx(10 * 5, rel=1e-12)  # a third of 30/s for 5 s


def test_saturation_with_every_backend_down_and_with_no_load():
    # one backend, capacity 1/s, 0.5/s offered with an hourly profile that is 0 in
    # hour 10 (mean 23/24: 12/23 per second in the other hours). The backend is
    # down from 9.5 h to 11.5 h: no room while load arrives is saturation inf;
    # no room and no load (hour 10) is 0; otherwise load / (capacity · s).
    profile = [1.0] * 24
    profile[10] = 0.0
    m = lb_model({"web-1": [down("9.5h", "2h")]}, lb={"capacity": "1/s"}, rate="0.5/s",
                 workload={"profile": profile})
    pieces: list[Any] = []
    relsim.simulate(m, 0, 0, on_piece=pieces.append)
    by_span = {}
    for p in pieces:
        if p.start < 9.5 * HOUR or p.start >= 11.5 * HOUR:
            key = "up"
        elif 10 * HOUR <= p.start < 11 * HOUR:
            key = "no load"
        else:
            key = "down"
        by_span.setdefault(key, set()).add(p.saturation)
    assert by_span["down"] == {math.inf}
    assert by_span["no load"] == {0.0}
    (sat,) = by_span["up"]
    assert sat == pytest.approx(0.5 * 24 / 23, rel=1e-12)
