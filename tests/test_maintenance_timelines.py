"""Exact timelines of preventive maintenance and inspections (relsim/engine/maintenance.py; docs/maintenance-and-cost.md).

Every distribution fixed (but for the stream test): the trace, the causes
and the tallies of both; age-based maintenance restarted by a repair, held
back by an episode between its down spells and by an enclosing domain that
fails at the instant the component returns; calendar maintenance skipping a
failing component; opportunistic maintenance of group and domain
neighbours, at the edge of its window and not outside it; inspections that
take no time, half a second, or miss. Times in hours.
"""

from __future__ import annotations

from typing import Any

import behaviour_plugins  # noqa: F401  (registers the script behaviour)
import pytest
from shared_models import quorum_across_a_cut

import relsim
from relsim.units import HOUR


def run(raw: dict[str, Any], **kw: Any) -> relsim.RunResult:
    return relsim.simulate(relsim.load(raw), seed=1, replication=0, trace=True, **kw)


def perm(every: str, repair: str, **more: Any) -> dict[str, Any]:
    return {"kind": "permanent", "every": f"fixed({every})", "repair": f"fixed({repair})", **more}


def spells(every: str, lasts: str, down: str, up: str) -> dict[str, Any]:
    return {"kind": "intermittent", "every": f"fixed({every})", "lasts": f"fixed({lasts})",
            "down": f"fixed({down})", "up": f"fixed({up})"}


def moves(res: relsim.RunResult, *kinds: str) -> list[tuple[float, str, Any]]:
    kinds = kinds or ("stopped", "restored")
    return [(e["t"] / HOUR, e["event"], e.get("element")) for e in res.trace or [] if e["event"] in kinds]


SILENT = perm("1000h", "1h", silent=True)  # a latent fault an inspection could find: not before the horizon
LONG = perm("1000h", "1h")  # a failure for maintenance to renew: not before the horizon


def test_preventive_maintenance_s_trace_causes_and_tallies():
    # a and b are maintained every 10 h of age for 1 h: 10-11 h and 21-22 h.
    res = run({"name": "pm", "horizon": "25h",
               "components": {"a": {"failures": [LONG], "maintenance": {"every": "10h", "lasts": "1h"}},
                              "b": {"failures": [LONG], "maintenance": {"every": "10h", "lasts": "1h"}}},
               "services": {"s": {"replicas": ["a"]}, "t": {"replicas": ["b"]}}, "entry": "s"})
    assert [{**e, "t": e["t"] / HOUR} for e in res.trace if e["event"] in ("stopped", "restored")
            and e["element"] == "a"] == [
        {"t": t, "event": ev, "element": "a", "by": "maintenance"}
        for t, ev in ((10, "stopped"), (11, "restored"), (21, "stopped"), (22, "restored"))]
    assert [(o.start_s / HOUR, o.end_s / HOUR, o.cause_element, o.cause_spec, o.cause_kind, o.planned)
            for o in res.outages] == [(10, 11, "a", -1, "preventive", True), (21, 22, "a", -1, "preventive", True)]
    assert res.upkeep == {"maintained": 2.0, "preventive": 4.0}
    assert res.planned == {}  # planned work: planned_downtime_per_year applies


def test_inspections_trace_causes_and_tallies():
    # x and y are tested every 10 h for 1 h (neither has a latent fault): out 10-11 h and 20-21 h.
    insp = {"every": "10h", "lasts": "1h"}
    res = run({"name": "proof", "horizon": "25h",
               "components": {"x": {"failures": [SILENT], "inspection": insp},
                              "y": {"failures": [SILENT], "inspection": insp}},
               "services": {"s": {"replicas": ["x"]}, "t": {"replicas": ["y"]}}, "entry": "s"})
    assert [{**e, "t": e["t"] / HOUR} for e in res.trace if e["event"] in ("stopped", "restored")
            and e["element"] == "x"] == [
        {"t": t, "event": ev, "element": "x", "by": "inspection"}
        for t, ev in ((10, "stopped"), (11, "restored"), (20, "stopped"), (21, "restored"))]
    assert [(o.start_s / HOUR, o.end_s / HOUR, o.cause_element, o.cause_spec, o.cause_kind, o.planned)
            for o in res.outages] == [(10, 11, "x", -1, "inspection", True), (20, 21, "x", -1, "inspection", True)]
    assert res.upkeep == {"inspected": 2.0, "inspected_down": 4 * HOUR, "inspections": 4.0}
    assert res.planned == {}


def test_an_inspection_takes_its_lasts_even_half_a_second_and_none_by_default():
    res = run({"name": "short", "horizon": "15h",
               "components": {"x": {"failures": [SILENT], "inspection": {"every": "10h", "lasts": "0.5s"}},
                              "y": {"failures": [SILENT], "inspection": {"every": "10h"}}},
               "services": {"s": {"replicas": ["x", "y"], "needs": 2}}})
    assert [(e["t"], e["event"], e["element"]) for e in res.trace if e["event"] in ("stopped", "restored")] == [
        (10 * HOUR, "stopped", "x"), (10 * HOUR + 0.5, "restored", "x")]
    assert [(o.start_s, o.duration_s) for o in res.outages] == [(10 * HOUR, 0.5)]
    assert res.upkeep["inspected_down"] == 0.5 and res.upkeep["inspections"] == 2.0


def test_inspections_find_or_miss_a_latent_fault():
    # x and y fail silently at 10 h; inspections every 30 h: x's always find (hidden 20 h, repaired
    # 30-31 h; x fails again at 41 h, found at 60 h, hidden 19 h), y's never do (missed at 30 h and 60 h).
    fault = perm("10h", "1h", silent=True)
    res = run({"name": "find", "horizon": "65h",
               "components": {"x": {"failures": [fault], "inspection": {"every": "30h", "finds": "100%"}},
                              "y": {"failures": [fault], "inspection": {"every": "30h", "finds": "0%"}}},
               "services": {"s": {"replicas": ["x", "y"], "needs": 1}}})
    assert [{**e, "t": e["t"] / HOUR} for e in res.trace if e["event"] in ("fault_found", "fault_missed")] == [
        {"t": 30, "event": "fault_found", "element": "x", "hidden": 20 * HOUR},
        {"t": 30, "event": "fault_missed", "element": "y"},
        {"t": 60, "event": "fault_found", "element": "x", "hidden": 19 * HOUR},
        {"t": 60, "event": "fault_missed", "element": "y"}]
    assert res.upkeep["faults_found"] == 2.0 and res.upkeep["exposure_found"] == 39 * HOUR


@pytest.mark.parametrize("kind", ["preventive", "inspection"])
def test_an_outage_opened_by_a_return_from_upkeep_names_it(kind: str):
    # A quorum (needs 2, 10 s elections) of a0, a1 (zone a) and b0, b1, b2 (zone b); a~b is cut
    # from 2 h. b1 is down 1-4 h; b2 is maintained or tested 1-5 h. a0 leads {a0, a1}; when b2
    # returns at 5 h, {b0, b1, b2} is the largest: an election of 10 s, which b2's upkeep set off.
    b2: dict[str, Any] = {"in": "b", "failures": [SILENT]}
    b2["maintenance" if kind == "preventive" else "inspection"] = {"every": "1h", "lasts": "4h"}
    res = relsim.simulate(quorum_across_a_cut(b2), seed=0, replication=0)
    (out,) = res.outages
    assert (out.start_s, out.duration_s) == (5 * HOUR, pytest.approx(10.0))
    assert (out.cause_element, out.cause_spec, out.cause_kind, out.planned) == ("b2", -1, kind, True)


def test_a_repair_restarts_the_age_count():
    # a fails for good at 5 h (repair 1 h): as good as new at 6 h, it is due at 16 h, not at 10 h;
    # its clock restarts at 6 h and it fails again at 11 h, before that.
    res = run({"name": "age", "horizon": "11.5h",
               "components": {"a": {"failures": [perm("5h", "1h")],
                                    "maintenance": {"every": "10h", "lasts": "1h", "renews": True}}},
               "services": {"s": {"replicas": ["a"]}}})
    assert moves(res, "failed", "repaired", "stopped", "restored") == [
        (5, "failed", "a"), (6, "repaired", "a"), (11, "failed", "a")]


def test_maintenance_due_between_the_down_spells_of_an_episode_waits_for_its_end():
    # b's episode runs 8-12 h: down 8-9, up 9-11, down 11-12. Maintenance due at 10 h finds it up
    # but failing: it waits for the episode's end (12-13 h). a's repair starts at 9.5 h, within
    # b's 5 h window, but b is failing then: no opportunistic maintenance.
    res = run({"name": "episode", "horizon": "14h",
               "domains": {"site": {}},
               "components": {"a": {"in": "site", "failures": [perm("9.5h", "10h")]},
                              "b": {"in": "site", "failures": [spells("8h", "4h", "1h", "2h")],
                                    "maintenance": {"every": "10h", "lasts": "1h", "opportunistic": "5h"}}},
               "services": {"s": {"replicas": ["a", "b"], "needs": 1}}})
    assert moves(res) == [(12, "stopped", "b"), (13, "restored", "b")]
    assert "opportunistic" not in res.upkeep and res.upkeep["preventive"] == 1.0


def test_maintenance_overdue_waits_for_the_enclosing_domain_too():
    # a (in d) is down 10-20 h (transient); due at 15 h, it is overdue. At 20 h a recovers and, at
    # the same instant, d fails (until 24 h): a does not serve, so it is maintained 24 h-25 h.
    res = run({"name": "domain", "horizon": "26h",
               "domains": {"d": {"failures": [{"kind": "transient", "every": "fixed(8h)", "lasts": "fixed(4h)"}]}},
               "components": {"a": {"in": "d",
                                    "failures": [{"kind": "transient", "every": "fixed(10h)", "lasts": "fixed(10h)"}],
                                    "maintenance": {"every": "15h", "lasts": "1h"}}},
               "services": {"s": {"replicas": ["a"]}}})
    assert [(e["t"], e["event"]) for e in res.trace if e["event"] in ("stopped", "restored")] == [
        (24 * HOUR, "stopped"), (25 * HOUR, "restored")]


def test_calendar_maintenance_skips_a_failing_component():
    # a is maintained at 10 h and 20 h (calendar, 1 h, not renewing: its clock pauses 10-11 h);
    # its episode 16-26 h (down 16-17, up 17-25) has it up but failing at 20 h: skipped, not counted.
    res = run({"name": "calendar", "horizon": "23h",
               "components": {"a": {"failures": [spells("15h", "10h", "1h", "8h")],
                                    "maintenance": {"at": ["10h", "20h"], "lasts": "1h", "renews": False}}},
               "services": {"s": {"replicas": ["a"]}}})
    assert moves(res) == [(10, "stopped", "a"), (11, "restored", "a")]
    assert res.upkeep["preventive"] == 1.0


def test_opportunistic_maintenance_of_neighbours_within_the_window_only():
    # b (in site) is due at 100 h with a 30 h window. a1 (in site) is repaired from 40 h: too early.
    # a2 (in site) from 70 h, the window's first instant: b is maintained then (70-71 h).
    res = run({"name": "window", "horizon": "75h",
               "domains": {"site": {}},
               "components": {"a1": {"in": "site", "failures": [perm("40h", "100h")]},
                              "a2": {"in": "site", "failures": [perm("70h", "100h")]},
                              "b": {"in": "site", "failures": [LONG], "maintenance": {"every": "100h", "lasts": "1h",
                                                                  "opportunistic": "30h"}}},
               "services": {"s": {"replicas": ["a1", "a2", "b"], "needs": 1}}})
    assert moves(res, "opportunistic_maintenance", "stopped", "restored") == [
        (70, "opportunistic_maintenance", "b"), (70, "stopped", "b"), (71, "restored", "b")]


def test_a_repair_outside_the_domain_and_group_is_no_opportunity():
    # b (in site, in no group) is due at 100 h with a 30 h window; x, in neither site nor a group, is
    # repaired from 80 h: not b's neighbour. b is maintained when due (100-101 h).
    res = run({"name": "stranger", "horizon": "102h",
               "domains": {"site": {}},
               "components": {"x": {"failures": [perm("80h", "100h")]},
                              "b": {"in": "site", "failures": [LONG], "maintenance": {"every": "100h", "lasts": "1h",
                                                                                       "opportunistic": "30h"}}},
               "services": {"s": {"replicas": ["x", "b"], "needs": 1}}})
    assert moves(res, "opportunistic_maintenance", "stopped", "restored") == [
        (100, "stopped", "b"), (101, "restored", "b")]


def test_opportunistic_maintenance_of_a_group_sibling():
    # g-1 and g-2 are due at 100 h (window 30 h); a behaviour fails g-2 at 80 h with a repair: the
    # crew starting on it is g-1's opportunity (80-81 h).
    res = run({"name": "group", "horizon": "85h",
               "components": {"g": {"count": 2, "failures": [LONG], "maintenance": {"every": "100h", "lasts": "1h",
                                                                "opportunistic": "30h"}}},
               "services": {"s": {"replicas": ["g"], "needs": 1}},
               "behaviours": {"ops": {"kind": "script",
                                      "steps": [{"at": "80h", "do": "fail", "name": "g-2", "repair": "fixed(2h)"}]}}})
    assert moves(res, "opportunistic_maintenance", "stopped", "restored") == [
        (80, "opportunistic_maintenance", "g-1"), (80, "stopped", "g-1"), (81, "restored", "g-1")]


def test_each_component_s_upkeep_has_its_own_streams():
    # Calendar maintenance at random times and random inspection lengths draw from streams keyed by
    # the component (maintenance/NAME/every, .../lasts, inspection/NAME/...): two components with
    # the same laws draw independently (equal draws have probability 0).
    upkeep = {"failures": [LONG], "maintenance": {"every": "exp(mean=10h)", "lasts": "exp(mean=1h)"}}
    insp = {"failures": [SILENT], "inspection": {"every": "exp(mean=10h)", "lasts": "exp(mean=1h)"}}
    res = run({"name": "streams", "horizon": "100h",
               "components": {"a": dict(upkeep), "b": dict(upkeep), "x": dict(insp), "y": dict(insp)},
               "services": {"s": {"replicas": ["a", "b", "x", "y"], "needs": 1}}})
    first: dict[str, tuple[float, float]] = {}
    for e in res.trace:
        if e["event"] in ("stopped", "restored"):
            start = first.get(e["element"], (e["t"], None))[0]
            if e["element"] not in first or (e["event"] == "restored" and first[e["element"]][1] is None):
                first[e["element"]] = (start, e["t"] - start if e["event"] == "restored" else None)
    assert set(first) == {"a", "b", "x", "y"}
    for one, other in (("a", "b"), ("x", "y")):
        assert first[one][0] != first[other][0] and first[one][1] != first[other][1]
