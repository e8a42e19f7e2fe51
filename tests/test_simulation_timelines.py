"""Exact timelines for relsim/engine/simulation.py: the outage records of the trace and the probe.

Times are fixed(...) and written in hours; the engine works in seconds.
"""

from __future__ import annotations

import math

import relsim
from relsim.units import HOUR


def _single(horizon: str = "24h", **extra: object) -> relsim.Model:
    comp = {"failures": [{"kind": "permanent", "every": "fixed(10h)", "repair": "fixed(1h)"}]}
    return relsim.load({"name": "timeline", "horizon": horizon, "components": {"a": comp},
                        "services": {"s": {"replicas": ["a"]}}, **extra})


def test_trace_outage_records_name_the_spec_and_kind_and_the_duration() -> None:
    # a fails at 10 h, back at 11 h; fails again at 21 h, back at 22 h
    res = relsim.simulate(_single(), seed=0, replication=0, trace=True)
    assert res.trace is not None
    starts = [{k: v for k, v in r.items() if k != "event"} for r in res.trace if r["event"] == "outage_start"]
    ends = [{k: v for k, v in r.items() if k != "event"} for r in res.trace if r["event"] == "outage_end"]
    assert starts == [{"t": 10 * HOUR, "cause": "a", "spec": 0, "kind": "permanent"},
                      {"t": 21 * HOUR, "cause": "a", "spec": 0, "kind": "permanent"}]
    assert ends == [{"t": 11 * HOUR, "duration": 1 * HOUR}, {"t": 22 * HOUR, "duration": 1 * HOUR}]
    assert res.downtime == 2 * HOUR
    assert res.served_integral == 22 * HOUR


def test_probe_detects_every_outage_within_one_interval() -> None:
    # unhealthy after 1 failed check, checks every minute, no timeout:
    # the probe notices an outage u * 60 s after it starts, u in [0, 1)
    m = _single(probe={"interval": "1m", "unhealthy": 1, "timeout": "0s"})
    for rep in range(5):
        res = relsim.simulate(m, seed=1, replication=rep, engine="simpy")
        assert len(res.outages) == 2
        for out in res.outages:
            assert not math.isnan(out.detected_s)
            assert 0.0 <= out.detected_s < 60.0
            assert out.duration_s == 1 * HOUR
