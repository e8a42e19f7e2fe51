"""Partial outages: with a workload the request path is down only below objectives.outage_below.

Exact timelines with fixed() distributions (docs/model-format.md §12 and
§14.6, docs/traffic.md): one web server of six crashes for an hour at 10 h.
The service needs all six for its full load (s = up/6), so an attempt succeeds with
probability 5/6 while it is down, and a request with up to ``m`` attempts
succeeds with probability 1 − (1/6)^m.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.examples import path
from relsim.metrics import replication_metrics
from relsim.units import YEAR

HOUR = 3600.0
H = 20 * HOUR  # the horizon: the next crash would come at 21 h


def six_web(crashed: int = 1, attempts: int | None = None, **objectives: Any) -> relsim.Model:
    crash = [{"kind": "transient", "every": "fixed(10h)", "lasts": "fixed(1h)"}]
    clients = {"retry": {"attempts": attempts, "jitter": "none"}} if attempts else {}
    return relsim.load({
        "name": "six", "horizon": "20h",
        "components": {f"web-{i}": {"failures": crash if i <= crashed else []} for i in range(1, 7)},
        "services": {"app": {"replicas": [f"web-{i}" for i in range(1, 7)], "needs": 6}},
        "workload": {"rate": "100/s", "target": "app", "clients": clients},
        "objectives": objectives,
    })


def test_the_default_threshold_is_99_percent():
    assert six_web().spec.objectives.outage_below == 0.99


def test_one_of_six_with_retries_is_degraded_not_down():
    # three attempts: 1 − (1/6)³ = 99.54 % of requests succeed, above 99 %
    res = relsim.simulate(six_web(attempts=3, outage_below="99%"), 0, 0)
    assert res.outages == [] and res.downtime == 0.0
    assert res.degraded_time == pytest.approx(HOUR)
    row = replication_metrics(res)
    assert row["downtime_per_year"] == 0.0 and row["availability"] == 1.0
    assert row["degraded_per_year"] == pytest.approx(HOUR * YEAR / H)
    lost = (1 / 6) ** 3 * HOUR / H
    assert row["request_success"] == pytest.approx(1.0 - lost)


def test_one_of_six_below_the_threshold_is_an_outage():
    # a single attempt: 5/6 of requests succeed, below 99 %
    res = relsim.simulate(six_web(), 0, 0)
    (o,) = res.outages
    assert o.start_s == pytest.approx(10 * HOUR) and o.duration_s == pytest.approx(HOUR)
    assert o.cause_element == "web-1"
    assert res.degraded_time == pytest.approx(HOUR)
    row = replication_metrics(res)
    assert row["request_success"] == pytest.approx(1.0 - HOUR / 6 / H)


@pytest.mark.parametrize(("below", "down"), [("80%", False), ("5/6", False), ("85%", True), ("100%", True)])
def test_the_threshold_decides(below: str, down: bool):
    if below == "5/6":
        below = 5 / 6  # exactly at the threshold: not below it
    res = relsim.simulate(six_web(outage_below=below), 0, 0)
    assert (len(res.outages) == 1) is down
    assert res.degraded_time == pytest.approx(HOUR)


def test_two_of_six_with_retries_drop_below_99_percent():
    # both crash at 10 h: 1 − (1/3)³ = 96.3 % succeed
    res = relsim.simulate(six_web(crashed=2, attempts=3), 0, 0)
    (o,) = res.outages
    assert o.duration_s == pytest.approx(HOUR)


def test_without_a_workload_any_partial_service_is_down():
    raw = six_web().raw
    del raw["workload"]
    res = relsim.simulate(relsim.load(raw), 0, 0)
    assert [o.duration_s for o in res.outages] == [pytest.approx(HOUR)]


def test_the_availability_objective_is_judged_on_requests():
    # degraded, never down: time-based availability is 1, requests tell the truth
    m = six_web(attempts=3, availability="99.999%")
    results = relsim.run(m, runs=10, seed=0)
    verdict = results.objectives_met()["availability"]
    assert verdict["measure"] == "request_success"
    assert verdict["mean"] == pytest.approx(1.0 - (1 / 6) ** 3 * HOUR / H)
    assert verdict["verdict"] == "not met"


@pytest.mark.parametrize("bad", ["0%", "0", "1.5", "-1%"])
def test_outage_below_must_be_above_zero_and_at_most_one(bad: str):
    with pytest.raises(relsim.ModelError, match=r"objectives\.outage_below"):
        six_web(outage_below=bad)


def _time_below(pieces: list[Any], below: float) -> float:
    """Time with r(t) < below, integrated piece by piece (r is linear on each)."""
    total = 0.0
    for p in pieces:
        r0, slope, dt = p.c0[0], p.c1[0], p.end - p.start
        if slope == 0.0:
            total += dt if r0 < below else 0.0
            continue
        cross = min(max((below - r0) / slope, 0.0), dt)
        total += cross if slope > 0.0 else dt - cross
    return total


@pytest.mark.parametrize("below", [0.5, 0.75, 0.99, 1.0])
def test_downtime_is_the_time_request_success_is_below_the_threshold(below: float):
    # multi-region DNS for 200 days: steps and linear DNS drains across the threshold
    model = relsim.load(path("multi-region-dns")).with_overrides(
        {"objectives.outage_below": below, "horizon": "200d"})
    pieces: list[Any] = []
    res = relsim.simulate(model, 0, 0, on_piece=pieces.append)
    assert any(p.c1[0] != 0.0 for p in pieces)
    assert res.downtime == pytest.approx(_time_below(pieces, below), rel=1e-9, abs=1e-6)
    assert sum(o.duration_s for o in res.outages) == pytest.approx(res.downtime)


@pytest.mark.parametrize(("below", "down"), [("99%", True), ("80%", False)])
def test_the_structure_function_uses_the_same_threshold(below: str, down: bool):
    from relsim.structure import Structure

    sf = Structure(six_web(outage_below=below))
    assert sf.served(frozenset({"web-1"})) == pytest.approx(5 / 6)
    assert sf.down(frozenset({"web-1"})) is down
    assert sf.down(frozenset({"web-1", "web-2"}))  # 4/6 is below both
