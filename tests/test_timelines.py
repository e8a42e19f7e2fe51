"""Exact event timelines with ``fixed(...)`` distributions (docs/model-format.md §14).

Every duration here is fixed, so a replication is deterministic and each
test states the exact times at which things happen, worked out by hand from
the semantics: failure kinds, clocks that pause while their element is down
and restart after a repair, domains that make what they contain
unreachable without stopping its clocks, FIFO repair crews, the served
fraction of each service mode, active-passive failover, outage root causes
and phases, and the censoring of an outage cut by the horizon.

Times are written in hours; the engine works in seconds.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import relsim
from relsim.engine import OUTAGE_FIELDS
from relsim.units import HOUR

# --------------------------------------------------------------------------
# Model building and reading results


def perm(every: str, repair: str, detect: str | None = None) -> dict[str, Any]:
    spec = {"kind": "permanent", "every": f"fixed({every})", "repair": f"fixed({repair})"}
    if detect is not None:
        spec["detect"] = f"fixed({detect})"
    return spec


def trans(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def inter(every: str, lasts: str, down: str, up: str) -> dict[str, Any]:
    return {"kind": "intermittent", "every": f"fixed({every})", "lasts": f"fixed({lasts})",
            "down": f"fixed({down})", "up": f"fixed({up})"}


def comp(*failures: dict[str, Any], where: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"failures": list(failures)}
    if where is not None:
        body["in"] = where
    return body


def model(components: dict[str, Any], services: dict[str, Any], horizon: str,
          **extra: Any) -> relsim.Model:
    return relsim.load({"name": "timeline", "horizon": horizon, "components": components,
                        "services": services, **extra})


def single(*failures: dict[str, Any], horizon: str) -> relsim.Model:
    return model({"a": comp(*failures)}, {"s": {"replicas": ["a"]}}, horizon)


def simulate(m: relsim.Model) -> relsim.RunResult:
    """The replication with its trace (SimPy engine); where the lean engine runs the model, it must agree."""
    res = relsim.simulate(m, seed=0, replication=0, trace=True)
    from relsim.engine.lean import lean_plan

    if not isinstance(lean_plan(m), str):
        lean = relsim.simulate(m, seed=0, replication=0, engine="lean")
        assert repr(dataclasses.replace(res, trace=None)) == repr(lean)  # repr: NaN fields compare equal
    return res


#: Outage phase fields; their sum is the outage duration.
PHASES = tuple(f for f in ("detection_s", "decision_s", "failover_s", "restore_s") if f in OUTAGE_FIELDS)


def outages(res: relsim.RunResult) -> list[dict[str, Any]]:
    """Outages as dicts, times in hours."""
    out = []
    for row in res.outages:
        d = dict(zip(OUTAGE_FIELDS, row))
        for key in ("start_s", "end_s", "duration_s", *PHASES):
            d[key] /= HOUR
        out.append(d)
    return out


def spans(res: relsim.RunResult) -> list[tuple[float, float]]:
    return [(o["start_s"], o["end_s"]) for o in outages(res)]


def causes(res: relsim.RunResult) -> list[tuple[str, str]]:
    return [(o["cause_element"], o["cause_kind"]) for o in outages(res)]


def events(res: relsim.RunResult, *kinds: str) -> list[tuple[float, str, str]]:
    """``(t in hours, event, element or service)`` for the given event kinds (all if none)."""
    assert res.trace is not None
    return [
        (round(e["t"] / HOUR, 9), e["event"], e.get("element", e.get("service", e.get("cause", ""))))
        for e in res.trace
        if not kinds or e["event"] in kinds
    ]


def failures(res: relsim.RunResult) -> list[tuple[float, str, int]]:
    assert res.trace is not None
    return [(round(e["t"] / HOUR, 9), e["element"], e["spec"]) for e in res.trace if e["event"] == "failed"]


def served(res: relsim.RunResult) -> list[tuple[float, float]]:
    """The entry service's s(t) steps: ``(t in hours, s)``."""
    assert res.trace is not None
    return [(round(e["t"] / HOUR, 9), e["s"]) for e in res.trace if e["event"] == "service"]


def approx_h(values: Any) -> Any:
    """``values`` with every number compared to 1e-9 (nested lists and tuples too)."""
    if isinstance(values, (list, tuple)):
        return type(values)(approx_h(v) for v in values)
    if isinstance(values, (int, float)) and not isinstance(values, bool):
        return pytest.approx(values, abs=1e-9)
    return values


def check_totals(res: relsim.RunResult, downtime_h: float, served_h: float) -> None:
    """Downtime and the integral of s(t), in hours, and the metrics derived from them."""
    from relsim.metrics import replication_metrics

    assert res.downtime / HOUR == pytest.approx(downtime_h, abs=1e-9)
    assert res.served_integral / HOUR == pytest.approx(served_h, abs=1e-9)
    h = res.horizon / HOUR
    row = replication_metrics(res)
    assert row["availability"] == pytest.approx(1 - downtime_h / h, abs=1e-12)
    assert row["served_fraction"] == pytest.approx(served_h / h, abs=1e-12)
    assert sum(o["duration_s"] for o in outages(res)) == pytest.approx(downtime_h, abs=1e-9)
    for o in outages(res):
        assert sum(o[p] for p in PHASES) == pytest.approx(o["duration_s"], abs=1e-9)


# --------------------------------------------------------------------------
# Failure kinds


def test_permanent_failure_exact_event_sequence() -> None:
    res = simulate(single(perm("10h", "2h"), horizon="30h"))
    assert events(res) == [
        (10.0, "failed", "a"),
        (10.0, "service", "s"),
        (10.0, "outage_start", "a"),
        (10.0, "repair_requested", "a"),
        (10.0, "repair_started", "a"),
        (12.0, "repaired", "a"),
        (12.0, "service", "s"),
        (12.0, "outage_end", ""),
        (22.0, "failed", "a"),  # clocks restart at the repair: 12 h + 10 h
        (22.0, "service", "s"),
        (22.0, "outage_start", "a"),
        (22.0, "repair_requested", "a"),
        (22.0, "repair_started", "a"),
        (24.0, "repaired", "a"),
        (24.0, "service", "s"),
        (24.0, "outage_end", ""),
    ]
    assert spans(res) == approx_h([(10, 12), (22, 24)])
    assert causes(res) == [("a", "permanent")] * 2
    assert [o["restore_s"] for o in outages(res)] == approx_h([2, 2])
    assert [o["failover_s"] for o in outages(res)] == approx_h([0, 0])
    assert res.failures == 2
    check_totals(res, downtime_h=4, served_h=26)


def test_permanent_failure_with_detection_latency() -> None:
    """``detect``: the repair is requested only after the latency; down = detect + repair."""
    res = simulate(single(perm("10h", "2h", detect="1h"), horizon="30h"))
    assert events(res, "failed", "repair_requested", "repair_started", "repaired") == [
        (10.0, "failed", "a"),
        (11.0, "repair_requested", "a"),
        (11.0, "repair_started", "a"),
        (13.0, "repaired", "a"),
        (23.0, "failed", "a"),
        (24.0, "repair_requested", "a"),
        (24.0, "repair_started", "a"),
        (26.0, "repaired", "a"),
    ]
    assert spans(res) == approx_h([(10, 13), (23, 26)])
    check_totals(res, downtime_h=6, served_h=24)


def test_transient_failure_recovers_by_itself() -> None:
    res = simulate(single(trans("10h", "30m"), horizon="25h"))
    assert events(res) == [
        (10.0, "failed", "a"),
        (10.0, "service", "s"),
        (10.0, "outage_start", "a"),
        (10.5, "recovered", "a"),
        (10.5, "service", "s"),
        (10.5, "outage_end", ""),
        (20.5, "failed", "a"),  # its clock restarts when it comes back
        (20.5, "service", "s"),
        (20.5, "outage_start", "a"),
        (21.0, "recovered", "a"),
        (21.0, "service", "s"),
        (21.0, "outage_end", ""),
    ]
    assert causes(res) == [("a", "transient")] * 2
    check_totals(res, downtime_h=1, served_h=24)


def test_intermittent_episode_spells() -> None:
    """Episode of 5 h: down 1 h, up 1.5 h, down 1 h, up to the end; the clock restarts at its end."""
    res = simulate(single(inter("10h", "5h", "1h", "1.5h"), horizon="30h"))
    assert spans(res) == approx_h([(10, 11), (12.5, 13.5), (25, 26), (27.5, 28.5)])
    assert causes(res) == [("a", "intermittent")] * 4
    # The element is up when the episode ends (the second one ends at the horizon).
    assert events(res, "episode_end", "recovered") == [(15.0, "episode_end", "a"), (15.0, "recovered", "a")]
    assert served(res) == [(10.0, 0.0), (11.0, 1.0), (12.5, 0.0), (13.5, 1.0),
                           (25.0, 0.0), (26.0, 1.0), (27.5, 0.0), (28.5, 1.0)]
    assert res.failures == 4  # every down spell is a failure
    check_totals(res, downtime_h=4, served_h=26)


def test_intermittent_spell_truncated_at_episode_end() -> None:
    """Down 3 h, up 1 h in a 5 h episode: the second down spell is cut at the episode end."""
    res = simulate(single(inter("10h", "5h", "3h", "1h"), horizon="31h"))
    # Episode 1: [10, 15] -> down [10, 13], up [13, 14], down [14, 15] (cut from 17).
    # Episode 2 starts 10 h after the first ends: [25, 30] -> down [25, 28], up, down [29, 30].
    assert spans(res) == approx_h([(10, 13), (14, 15), (25, 28), (29, 30)])
    assert served(res) == [
        (10.0, 0.0), (13.0, 1.0), (14.0, 0.0), (15.0, 1.0),
        (25.0, 0.0), (28.0, 1.0), (29.0, 0.0), (30.0, 1.0),
    ]
    assert events(res, "episode_end") == [(15.0, "episode_end", "a"), (30.0, "episode_end", "a")]
    check_totals(res, downtime_h=8, served_h=23)


# --------------------------------------------------------------------------
# Clocks


def test_other_clocks_pause_and_keep_their_remaining_time() -> None:
    """Spec 0: transient every 10 h for 2 h; spec 1: transient every 16 h for 1 h.

    While one spec holds the element down the other's clock is paused with
    its remaining time kept: spec 1 has 6 h left at 10 h and fails at
    12 + 6 = 18 h (not at 16 h, and not at 12 + 16 = 28 h).
    """
    res = simulate(single(trans("10h", "2h"), trans("16h", "1h"), horizon="30h"))
    assert failures(res) == [
        (10.0, "a", 0),
        (18.0, "a", 1),  # spec 0 then has 22 - 18 = 4 h left
        (23.0, "a", 0),  # 19 + 4
    ]
    assert spans(res) == approx_h([(10, 12), (18, 19), (23, 25)])
    assert [o["cause_spec"] for o in outages(res)] == [0, 1, 0]
    check_totals(res, downtime_h=5, served_h=25)


def test_intermittent_episode_pauses_other_clocks_through_its_up_spells() -> None:
    """An episode is one failure mode: other clocks stay paused for all of it.

    Spec 0: episodes every 10 h of 5 h (down 1 h, up 1 h); spec 1: transient
    every 12 h for 1 h. At 10 h spec 1 has 2 h left; it must not use the up
    spells (11-12 h, 13-14 h) and fails only at 15 + 2 = 17 h.
    """
    res = simulate(single(inter("10h", "5h", "1h", "1h"), trans("12h", "1h"), horizon="20h"))
    assert failures(res) == [(10.0, "a", 0), (12.0, "a", 0), (14.0, "a", 0), (17.0, "a", 1)]
    assert spans(res) == approx_h([(10, 11), (12, 13), (14, 15), (17, 18)])
    check_totals(res, downtime_h=4, served_h=16)


def test_repair_restarts_every_clock() -> None:
    """Spec 0: permanent every 10 h, repair 2 h; spec 1: transient every 8 h for 1 h.

    8 h: spec 1 fails (spec 0 paused with 2 h left); 9 h: back, spec 0 due
    at 11 h, spec 1 at 17 h. 11 h: spec 0 fails (spec 1 paused, 6 h left).
    13 h: repaired, as good as new: spec 1 restarts with a full 8 h (due at
    21 h, not 19 h) and spec 0 with 10 h (23 h, paused at 21 h for 1 h: 24 h).
    """
    res = simulate(single(perm("10h", "2h"), trans("8h", "1h"), horizon="33h"))
    assert failures(res) == [(8.0, "a", 1), (11.0, "a", 0), (21.0, "a", 1), (24.0, "a", 0)]
    assert spans(res) == approx_h([(8, 9), (11, 13), (21, 22), (24, 26)])
    check_totals(res, downtime_h=6, served_h=27)


# --------------------------------------------------------------------------
# Domains


def test_zone_failure_makes_its_component_effectively_down() -> None:
    """The component's own clock keeps running through the zone outage.

    Zone: transient every 10 h for 3 h. Component: transient every 11.5 h
    for 2 h. The component fails at 11.5 h although the zone has been down
    since 10 h (its clock was not paused), so the outage lasts to 13.5 h.
    """
    m = model({"c": comp(trans("11.5h", "2h"), where="z")}, {"s": {"replicas": ["c"]}}, "30h",
              domains={"z": {"kind": "zone", "failures": [trans("10h", "3h")]}})
    res = simulate(m)
    assert failures(res) == [(10.0, "z", 0), (11.5, "c", 0), (23.0, "z", 0), (25.0, "c", 0)]
    assert spans(res) == approx_h([(10, 13.5), (23, 27)])
    assert causes(res) == [("z", "transient")] * 2
    check_totals(res, downtime_h=7.5, served_h=22.5)


def test_nested_domains_region_zone_component() -> None:
    """Region (every 7 h for 1 h) contains zone (every 10 h for 2 h) contains the component.

    A region outage takes down the zone's contents without pausing the
    zone's clock: the zone still fails at 10 h (not 11 h).
    """
    m = model({"c": comp(where="z")}, {"s": {"replicas": ["c"]}}, "20h",
              domains={"eu": {"kind": "region", "failures": [trans("7h", "1h")],
                              "contains": {"z": {"kind": "zone", "failures": [trans("10h", "2h")]}}}})
    res = simulate(m)
    assert spans(res) == approx_h([(7, 8), (10, 12), (15, 16)])
    assert causes(res) == [("eu", "transient"), ("z", "transient"), ("eu", "transient")]
    check_totals(res, downtime_h=4, served_h=16)


def test_domain_outage_of_one_replica_of_two() -> None:
    """Active-active over two zones: a zone outage alone is not an outage."""
    m = model(
        {"c1": comp(where="za"), "c2": comp(trans("5h", "2h"), where="zb")},
        {"s": {"replicas": ["c1", "c2"]}}, "10h",
        domains={"za": {"failures": [trans("4h", "2h")]}, "zb": {}},
    )
    res = simulate(m)
    # za down [4, 6]; c2 down [5, 7]: the service is down while both are, [5, 6].
    assert spans(res) == approx_h([(5, 6)])
    assert causes(res) == [("c2", "transient")]
    check_totals(res, downtime_h=1, served_h=9)


# --------------------------------------------------------------------------
# Repair crews


def test_one_crew_repairs_in_fifo_order() -> None:
    """One crew: a fails at 1 h, b at 2 h, repairs take 5 h: b waits, 6 h to 11 h."""
    m = model({"a": comp(perm("1h", "5h")), "b": comp(perm("2h", "5h"))},
              {"s": {"replicas": ["a", "b"]}}, "12h", repair_crews=1)
    res = simulate(m)
    assert events(res, "failed", "repair_requested", "repair_started", "repaired") == [
        (1.0, "failed", "a"),
        (1.0, "repair_requested", "a"),
        (1.0, "repair_started", "a"),
        (2.0, "failed", "b"),
        (2.0, "repair_requested", "b"),  # the crew is busy: b queues
        (6.0, "repaired", "a"),
        (6.0, "repair_started", "b"),
        (7.0, "failed", "a"),  # 1 h after its repair; queues behind b
        (7.0, "repair_requested", "a"),
        (11.0, "repaired", "b"),
        (11.0, "repair_started", "a"),
    ]
    assert spans(res) == approx_h([(2, 6), (7, 11)])
    assert causes(res) == [("b", "permanent"), ("a", "permanent")]
    check_totals(res, downtime_h=8, served_h=4)


def test_unlimited_crews_repair_at_once() -> None:
    """The same failures without repair_crews: a down [1, 6] then [7, 12], b down [2, 7] then [9, 14]."""
    m = model({"a": comp(perm("1h", "5h")), "b": comp(perm("2h", "5h"))},
              {"s": {"replicas": ["a", "b"]}}, "11h")
    res = simulate(m)
    assert events(res, "repair_started") == [(1.0, "repair_started", "a"), (2.0, "repair_started", "b"),
                                             (7.0, "repair_started", "a"), (9.0, "repair_started", "b")]
    assert spans(res) == approx_h([(2, 6), (9, 11)])
    assert [o["censored"] for o in outages(res)] == [False, True]
    check_totals(res, downtime_h=6, served_h=5)


# --------------------------------------------------------------------------
# Service modes

# c1 down [2, 6] then [8, 12]; c2 down [3, 7]; c3 down [5, 9]; horizon 9.5 h.
THREE = {"c1": comp(trans("2h", "4h")), "c2": comp(trans("3h", "4h")), "c3": comp(trans("5h", "4h"))}


def test_active_active_needs_gives_partial_service() -> None:
    """s = min(1, u/2) with needs 2 of 3."""
    res = simulate(model(THREE, {"s": {"replicas": ["c1", "c2", "c3"], "needs": 2}}, "9.5h"))
    assert served(res) == [(3.0, 0.5), (5.0, 0.0), (6.0, 0.5), (7.0, 1.0), (8.0, 0.5), (9.0, 1.0)]
    assert spans(res) == approx_h([(3, 7), (8, 9)])
    assert causes(res) == [("c2", "transient"), ("c1", "transient")]
    # integral of s: 3 + 0.5*2 + 0 + 0.5 + 1 + 0.5 + 0.5 = 6.5 h
    check_totals(res, downtime_h=5, served_h=6.5)


def test_quorum_majority() -> None:
    """Quorum of 3 (majority 2): s = 1 iff at least two are up, else 0."""
    res = simulate(model(THREE, {"s": {"replicas": ["c1", "c2", "c3"], "mode": "quorum"}}, "9.5h"))
    assert served(res) == [(3.0, 0.0), (7.0, 1.0), (8.0, 0.0), (9.0, 1.0)]
    check_totals(res, downtime_h=5, served_h=4.5)


def test_quorum_with_explicit_needs() -> None:
    res = simulate(model(THREE, {"s": {"replicas": ["c1", "c2", "c3"], "mode": "quorum", "needs": 1}},
                         "9.5h"))
    assert spans(res) == approx_h([(5, 6)])
    check_totals(res, downtime_h=1, served_h=8.5)


def test_depends_on_multiplies_served_fractions() -> None:
    """web = 2 of 2 web replicas (needs 2) times db = 2 of 2 db replicas.

    w1 down [2, 4], d1 down [3, 5]: s_web = 1, .5, .25, .5, 1.
    """
    m = model(
        {"w1": comp(trans("2h", "2h")), "w2": comp(), "d1": comp(trans("3h", "2h")), "d2": comp()},
        {"web": {"replicas": ["w1", "w2"], "needs": 2, "depends_on": ["db"]},
         "db": {"replicas": ["d1", "d2"], "needs": 2}},
        "5.5h", entry="web",
    )
    res = simulate(m)
    web = [(round(e["t"] / HOUR, 9), e["s"]) for e in res.trace or [] if e.get("service") == "web"]
    assert web == [(2.0, 0.5), (3.0, 0.25), (4.0, 0.5), (5.0, 1.0)]
    assert spans(res) == approx_h([(2, 5)])
    assert causes(res) == [("w1", "transient")]
    check_totals(res, downtime_h=3, served_h=2 + 0.5 + 0.25 + 0.5 + 0.5)


# --------------------------------------------------------------------------
# Active-passive


def ap(p: dict[str, Any], b: dict[str, Any], horizon: str, **service: Any) -> relsim.Model:
    return model({"p": p, "b": b}, {"s": {"replicas": ["p", "b"], "mode": "active-passive", **service}},
                 horizon)


def test_failover_and_no_failback() -> None:
    """p fails at 10 h, b serves from 10.5 h; repaired p becomes the standby.

    b fails at 20 h: failover to p at 20.5 h. p fails again at 25 h (repaired
    at 15 h + 10 h): b (repaired at 23 h) takes over at 25.5 h.
    """
    res = simulate(ap(comp(perm("10h", "5h")), comp(perm("20h", "3h")), "30h",
                      failover={"time": "fixed(30m)"}))
    assert events(res, "failover_started", "promoted", "repaired") == [
        (10.0, "failover_started", "s"),
        (10.5, "promoted", "s"),
        (15.0, "repaired", "p"),  # no failback: b stays primary
        (20.0, "failover_started", "s"),
        (20.5, "promoted", "s"),
        (23.0, "repaired", "b"),
        (25.0, "failover_started", "s"),
        (25.5, "promoted", "s"),
    ]
    assert [e["primary"] for e in res.trace or [] if e["event"] == "promoted"] == ["b", "p", "b"]
    assert spans(res) == approx_h([(10, 10.5), (20, 20.5), (25, 25.5)])
    assert causes(res) == [("p", "permanent"), ("b", "permanent"), ("p", "permanent")]
    assert [o["failover_s"] for o in outages(res)] == approx_h([0.5] * 3)
    assert [o["restore_s"] for o in outages(res)] == approx_h([0.0] * 3)
    check_totals(res, downtime_h=1.5, served_h=28.5)


def test_failed_failover_waits_for_a_restored_replica() -> None:
    """success: 0%: the promotion fails after 30 min; the repaired p serves at once (15 h)."""
    res = simulate(ap(comp(perm("10h", "5h")), comp(), "20h",
                      failover={"time": "fixed(30m)", "success": "0%"}))
    assert events(res, "failover_started", "failover_failed", "promoted") == [
        (10.0, "failover_started", "s"),
        (10.5, "failover_failed", "s"),
        (15.0, "promoted", "s"),
    ]
    (out,) = outages(res)
    assert (out["start_s"], out["end_s"]) == approx_h((10, 15))
    assert out["failover_s"] == pytest.approx(0.5)
    assert out["restore_s"] == pytest.approx(4.5)
    check_totals(res, downtime_h=5, served_h=15)


def test_no_standby_up_waits_and_a_restored_standby_serves() -> None:
    """b is down [9, 12] when p fails at 10 h: no failover; b serves when it comes back."""
    res = simulate(ap(comp(perm("10h", "5h")), comp(trans("9h", "3h")), "14h",
                      failover={"time": "fixed(30m)"}))
    assert events(res, "failover_started", "promoted") == [(12.0, "promoted", "s")]
    assert [e.get("via") for e in res.trace or [] if e["event"] == "promoted"] == ["restored"]
    (out,) = outages(res)
    assert (out["start_s"], out["end_s"]) == approx_h((10, 12))
    assert (out["failover_s"], out["restore_s"]) == approx_h((0, 2))
    check_totals(res, downtime_h=2, served_h=12)


def test_repair_during_pending_failover_cancels_it() -> None:
    """Failover takes 3 h, p's repair 1 h: p serves again at 11 h, no promotion."""
    res = simulate(ap(comp(perm("10h", "1h")), comp(), "20h", failover={"time": "fixed(3h)"}))
    assert events(res, "failover_started", "failover_cancelled", "promoted", "repaired") == [
        (10.0, "failover_started", "s"),
        (11.0, "repaired", "p"),
        (11.0, "failover_cancelled", "s"),
    ]
    (out,) = outages(res)
    assert (out["start_s"], out["end_s"]) == approx_h((10, 11))
    assert (out["failover_s"], out["restore_s"]) == approx_h((1, 0))
    check_totals(res, downtime_h=1, served_h=19)


def test_cold_standby_does_not_age_while_idle() -> None:
    """Cold b (fails 4 h into service) only ages while it serves.

    10 h: p fails; promotion takes 15 min + 15 min start-up: b serves from
    10.5 h and fails at 14.5 h. p, repaired at 15 h, serves at once. b is
    repaired at 19.5 h and idles as a cold standby again: it must not fail at
    23.5 h. 25 h: p fails; b takes over at 25.5 h and would fail at 29.5 h.
    """
    res = simulate(ap(comp(perm("10h", "5h")), comp(perm("4h", "5h")), "29h",
                      standby="cold", startup="fixed(15m)", failover={"time": "fixed(15m)"}))
    assert failures(res) == [(10.0, "p", 0), (14.5, "b", 0), (25.0, "p", 0)]
    assert spans(res) == approx_h([(10, 10.5), (14.5, 15), (25, 25.5)])
    assert causes(res) == [("p", "permanent"), ("b", "permanent"), ("p", "permanent")]
    assert [o["failover_s"] for o in outages(res)] == approx_h([0.5, 0, 0.5])
    assert [o["restore_s"] for o in outages(res)] == approx_h([0, 0.5, 0])
    check_totals(res, downtime_h=1.5, served_h=27.5)


def test_hot_standby_ages_while_idle() -> None:
    """The same model with a hot standby: b fails at 4 h while idle (no outage)."""
    res = simulate(ap(comp(perm("10h", "5h")), comp(perm("4h", "5h")), "12h",
                      failover={"time": "fixed(30m)"}))
    assert failures(res)[:2] == [(4.0, "b", 0), (10.0, "p", 0)]
    # b: down [4, 9], up again at 9 h and due at 13 h: the failover at 10 h succeeds.
    assert spans(res) == approx_h([(10, 10.5)])


def test_warm_standby_startup_adds_to_failover_time() -> None:
    res = simulate(ap(comp(perm("10h", "5h")), comp(), "20h",
                      standby="warm", startup="fixed(1h)", failover={"time": "fixed(30m)"}))
    (out,) = outages(res)
    assert (out["start_s"], out["end_s"]) == approx_h((10, 11.5))
    assert (out["failover_s"], out["restore_s"]) == approx_h((1.5, 0))
    check_totals(res, downtime_h=1.5, served_h=18.5)


def test_instant_failover_is_not_an_outage() -> None:
    """With the default failover time (0 s) the service is never down for any time.

    s drops to 0 and back within one instant; an outage is an interval of
    time, so none is recorded (availability 1, no outages).
    """
    res = simulate(ap(comp(perm("10h", "5h")), comp(), "30h"))
    assert events(res, "promoted") == [(10.0, "promoted", "s")]
    assert outages(res) == []
    check_totals(res, downtime_h=0, served_h=30)
    runs = relsim.run(ap(comp(perm("10h", "5h")), comp(), "30h"), runs=2, seed=0).runs
    assert runs["outages_per_year"].tolist() == [0.0, 0.0]


def test_failover_after_zone_outage_of_the_primary() -> None:
    """The primary's zone fails: the outage's root cause is the zone."""
    m = model({"p": comp(where="za"), "b": comp(where="zb")},
              {"s": {"replicas": ["p", "b"], "mode": "active-passive",
                     "failover": {"time": "fixed(10m)"}}},
              "10h", domains={"za": {"failures": [trans("5h", "1h")]}, "zb": {}})
    res = simulate(m)
    (out,) = outages(res)
    assert (out["start_s"], out["end_s"]) == approx_h((5, 5 + 1 / 6))
    assert (out["cause_element"], out["cause_kind"]) == ("za", "transient")


# --------------------------------------------------------------------------
# Horizon


def test_outage_cut_by_the_horizon_is_censored() -> None:
    res = simulate(single(perm("10h", "5h"), horizon="12h"))
    (out,) = outages(res)
    assert (out["start_s"], out["end_s"], out["duration_s"]) == approx_h((10, 12, 2))
    assert out["censored"] is True
    assert events(res, "outage_end") == []
    check_totals(res, downtime_h=2, served_h=10)


def test_results_of_run_match_the_timeline() -> None:
    """relsim.run over fixed durations: every replication is the same timeline."""
    res = relsim.run(single(perm("10h", "2h"), horizon="30h"), runs=3, seed=5)
    assert res.runs["availability"].tolist() == approx_h([26 / 30] * 3)
    assert res.runs["served_fraction"].tolist() == approx_h([26 / 30] * 3)
    assert res.runs["outages"].tolist() == [2, 2, 2]
    assert res.outages["duration_s"].tolist() == approx_h([2 * HOUR] * 6)
    assert res.summary().loc["mean_outage", "mean"] == pytest.approx(2 * HOUR)


def test_trace_function_returns_the_same_events() -> None:
    m = single(trans("10h", "30m"), horizon="25h")
    assert relsim.trace(m, seed=3, replication=7) == simulate(m).trace
