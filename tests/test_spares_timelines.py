"""Exact timelines of spare pools, crew travel and latent faults (relsim/engine/spares.py; docs/maintenance-and-cost.md).

Every distribution fixed (but for the stream test): the spares taken, the
stock-outs and the arrivals with their trace fields and tallies, travel
from the innermost domain that has one (for components, domains and links,
a link from its first end), a silent permanent failure of a component that
is not inspected repaired at once, and an inspection's find ending the
outage's detection phase. Times in hours.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.units import HOUR


def run(raw: dict[str, Any]) -> relsim.RunResult:
    return relsim.simulate(relsim.load(raw), seed=1, replication=0, trace=True)


def perm(every: str, repair: str, **more: Any) -> dict[str, Any]:
    return {"kind": "permanent", "every": f"fixed({every})", "repair": f"fixed({repair})", **more}


def test_a_pool_s_takes_stockouts_and_arrivals_first_come_first_served():
    # One spare, restock 20 h. a fails every 10 h of up-time (repair 2 h), b every 14 h (1 h):
    # 10 h a takes the spare (reorder: 30 h); 14 h b finds none (reorder: 34 h); 22 h a finds none
    # (reorder: 42 h); 30 h the spare goes to b, waiting since 14 h (repaired 31 h, fails 45 h);
    # 34 h to a, waiting since 22 h (repaired 36 h); 42 h to the shelf; 45 h b takes it.
    res = run({"name": "pool", "horizon": "45.5h",
               "components": {"a": {"failures": [perm("10h", "2h")]}, "b": {"failures": [perm("14h", "1h")]}},
               "services": {"s": {"replicas": ["a", "b"], "needs": 1}},
               "spares": {"part": {"for": ["a", "b"], "stock": 1, "restock": "fixed(20h)"}}})
    spare = [{**e, "t": e["t"] / HOUR} for e in res.trace if e["event"].startswith("spare_")]
    assert spare == [
        {"t": 10, "event": "spare_taken", "element": "a", "pool": "part", "left": 0},
        {"t": 14, "event": "spare_stockout", "element": "b", "pool": "part"},
        {"t": 22, "event": "spare_stockout", "element": "a", "pool": "part"},
        {"t": 30, "event": "spare_arrived", "pool": "part", "element": "b"},
        {"t": 34, "event": "spare_arrived", "pool": "part", "element": "a"},
        {"t": 42, "event": "spare_arrived", "pool": "part", "left": 1},
        {"t": 45, "event": "spare_taken", "element": "b", "pool": "part", "left": 0}]
    assert [(e["t"] / HOUR, e["element"]) for e in res.trace if e["event"] == "repaired"] == [
        (12, "a"), (31, "b"), (36, "a")]
    assert [{**e, "t": e["t"] / HOUR} for e in res.trace if e["event"] == "repair_requested"] == [
        {"t": t, "event": "repair_requested", "element": el} for t, el in ((10, "a"), (14, "b"), (22, "a"), (45, "b"))]
    assert res.upkeep == {"spare_stock": 1.0, "spare_demands": 4.0, "spare_stockouts": 2.0,
                          "spare_wait": (16 + 12) * HOUR, "repairs": 4.0}


def test_crews_travel_from_the_innermost_domain_that_has_travel():
    # region (travel 3 h) holds zone (no travel) and far (travel 5 h). c in zone travels 3 h
    # (region's), d in far 5 h; the domain far itself 5 h; the link far~zone is repaired from
    # far (its first end), the link zone~far from zone: 5 h and 3 h; e, outside, not at all.
    fail = [perm("10h", "1h")]
    res = run({
        "name": "travel", "horizon": "20h",
        "domains": {"region": {"travel": "fixed(3h)", "contains": {
            "zone": {}, "far": {"travel": "fixed(5h)", "failures": [perm("12h", "1h")]}}}},
        "links": {"fz": {"between": ["far", "zone"], "failures": [perm("11h", "1h")]},
                  "zf": {"between": ["zone", "far"], "failures": [perm("11h", "1h")]}},
        "components": {"c": {"in": "zone", "failures": fail}, "d": {"in": "far", "failures": fail},
                       "e": {"failures": fail}},
        "services": {"s": {"replicas": ["c", "d", "e"], "needs": 1}}})
    travel = sorted((e["t"] / HOUR, e["element"], e["duration"] / HOUR) for e in res.trace
                    if e["event"] == "crew_travel")
    assert travel == [(10, "c", 3), (10, "d", 5), (11, "fz", 5), (11, "zf", 3), (12, "far", 5)]
    started = sorted((e["t"] / HOUR, e["element"]) for e in res.trace if e["event"] == "repair_started")
    assert started == [(10, "e"), (13, "c"), (14, "zf"), (15, "d"), (16, "fz"), (17, "far")]
    assert res.upkeep == {"repairs": 6.0}


def test_each_domain_s_travel_has_its_own_stream():
    # Travel draws come from the stream travel/DOMAIN: two domains with the same law draw
    # independently (equal first draws have probability 0).
    res = run({
        "name": "streams", "horizon": "20h",
        "domains": {"x": {"travel": "exp(mean=1h)"}, "y": {"travel": "exp(mean=1h)"}},
        "components": {"a": {"in": "x", "failures": [perm("10h", "1h")]},
                       "b": {"in": "y", "failures": [perm("10h", "1h")]}},
        "services": {"s": {"replicas": ["a", "b"], "needs": 1}}})
    (da,) = [e["duration"] for e in res.trace if e["event"] == "crew_travel" and e["element"] == "a"]
    (db,) = [e["duration"] for e in res.trace if e["event"] == "crew_travel" and e["element"] == "b"]
    assert da > 0 and db > 0 and da != db


def test_a_silent_permanent_failure_without_inspections_is_repaired_at_once():
    # a's shop is the logistics shop (a has a pool), but a is not inspected: its silent failure at
    # 10 h is no latent fault; the crew starts at once (repaired at 11 h).
    res = run({"name": "silent", "horizon": "15h",
               "components": {"a": {"failures": [perm("10h", "1h", silent=True)]}},
               "services": {"s": {"replicas": ["a"]}},
               "spares": {"part": {"for": "a", "stock": 1, "restock": "fixed(1h)"}}})
    assert [(o.start_s / HOUR, o.end_s / HOUR) for o in res.outages] == [(10, 11)]
    assert not [e for e in res.trace if e["event"] == "fault_latent"]


def test_an_inspection_s_find_ends_the_detection_phase():
    # relay fails silently at 10 h; the inspection at 30 h finds it (hidden 20 h) and the crew
    # repairs it in 1 h: an outage of 21 h, 20 h of it in detection, detected 20 h in.
    res = run({"name": "found", "horizon": "35h",
               "components": {"relay": {"failures": [perm("10h", "1h", silent=True)],
                                        "inspection": {"every": "30h", "finds": "100%"}}},
               "services": {"s": {"replicas": ["relay"]}}})
    (out,) = res.outages
    assert (out.start_s / HOUR, out.end_s / HOUR) == (10, 31)
    assert out.detection_s == pytest.approx(20 * HOUR) and out.detected_s == pytest.approx(20 * HOUR)
    assert res.upkeep["exposure_found"] == 20 * HOUR and res.upkeep["faults_found"] == 1.0


def test_the_logistics_shop_keeps_the_number_of_crews():
    # One crew. a fails at 10 h (repair 2 h), b at 11 h (1 h): both take a spare at once, but b's
    # repair waits for the crew: 12-13 h.
    res = run({"name": "crews", "horizon": "15h", "repair_crews": 1,
               "components": {"a": {"failures": [perm("10h", "2h")]}, "b": {"failures": [perm("11h", "1h")]}},
               "services": {"s": {"replicas": ["a", "b"], "needs": 1}},
               "spares": {"part": {"for": ["a", "b"], "stock": 2, "restock": "fixed(1h)"}}})
    assert [(e["t"] / HOUR, e["event"], e["element"]) for e in res.trace
            if e["event"] in ("spare_taken", "repair_started", "repaired")] == [
        (10, "spare_taken", "a"), (10, "repair_started", "a"), (11, "spare_taken", "b"), (12, "repaired", "a"),
        (12, "repair_started", "b"), (13, "repaired", "b")]


def test_only_the_silent_failure_of_an_inspected_component_is_latent():
    # relay is inspected every 30 h for its silent failure (due at 100 h); its other, loud, failure
    # at 10 h is repaired at once (10-11 h).
    res = run({"name": "loud", "horizon": "20h",
               "components": {"relay": {"failures": [perm("100h", "1h", silent=True), perm("10h", "1h")],
                                        "inspection": {"every": "30h"}}},
               "services": {"s": {"replicas": ["relay"]}}})
    assert [(o.start_s / HOUR, o.end_s / HOUR, o.cause_spec) for o in res.outages] == [(10, 11, 1)]
    assert not [e for e in res.trace if e["event"] == "fault_latent"]
