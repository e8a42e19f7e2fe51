"""Exact timelines for the corners of active-passive failover (docs/model-format.md §14.5).

Complements tests/test_failover.py: the tallies of several active-passive
services add up, and the trace fields of each step. Times in hours unless
a name says s.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.units import HOUR

H = HOUR


def perm(every: str, repair: str) -> dict[str, Any]:
    return {"kind": "permanent", "every": f"fixed({every})", "repair": f"fixed({repair})"}


def trans(every: str, lasts: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})", **kw}


def run(m: relsim.Model) -> relsim.RunResult:
    return relsim.simulate(m, seed=0, replication=0, trace=True)


def pairs(n: int, p_fail: list[dict[str, Any]], b_fail: list[dict[str, Any]], horizon: str,
          **service: Any) -> relsim.Model:
    """``n`` identical active-passive pairs s1..sn (primary pK, standby bK) behind front (needs all)."""
    comps: dict[str, Any] = {}
    services: dict[str, Any] = {}
    for k in range(1, n + 1):
        comps[f"p{k}"] = {"failures": p_fail}
        comps[f"b{k}"] = {"failures": b_fail}
        services[f"s{k}"] = {"replicas": [f"p{k}", f"b{k}"], "mode": "active-passive", **service}
    services["front"] = {"replicas": list(services), "needs": n}
    return relsim.load({"name": "pairs", "horizon": horizon, "components": comps, "services": services,
                        "entry": "front"})


TALLIES = ("failovers", "failed_failovers", "false_failovers", "flaps", "suppressed", "false_suspicions",
           "split_brains", "split_brain_time")

SCENARIOS = {
    # p fails at 10 h (-> b, after 1 min), b at 10.1 h: the second failover
    # waits for min_interval, within the flap window (tests/test_failover.py)
    "flap": (([perm("10h", "3m")], [perm("10.1h", "5h")], "11h"),
             {"failover": {"time": "fixed(1m)", "min_interval": "30m"}}, ("failovers", "flaps")),
    # every beat lost: a false suspicion at 3 s, a false failover, a split
    # brain to the horizon
    "false": (([], [], "16s"), {"detection": {"heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}},
                                "failover": {"time": "fixed(10s)"}},
              ("false_suspicions", "false_failovers", "split_brains", "split_brain_time")),
    # the promotion always fails
    "failed": (([perm("10h", "5h")], [], "20h"), {"failover": {"time": "fixed(2m)", "success": "0%"}},
               ("failed_failovers",)),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_tallies_of_several_active_passive_services_add_up(scenario: str):
    (p_fail, b_fail, horizon), service, seen = SCENARIOS[scenario]
    one, two = (run(pairs(n, p_fail, b_fail, horizon, **service)) for n in (1, 2))
    assert all(getattr(one, name) > 0 for name in seen)
    for name in TALLIES:
        assert getattr(two, name) == pytest.approx(2 * getattr(one, name)), name
    assert len(two.detection_delays) == 2 * len(one.detection_delays)
    assert sorted(two.detection_delays) == pytest.approx(sorted(one.detection_delays * 2))


# -- the audit log ----------------------------------------------------------------------------
def pair(p_fail: list[dict[str, Any]], b_fail: list[dict[str, Any]], horizon: str, **service: Any) -> relsim.Model:
    return relsim.load({"name": "pair", "horizon": horizon,
                        "components": {"p": {"failures": p_fail}, "b": {"failures": b_fail}},
                        "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive", **service}}})


def audit(res: relsim.RunResult) -> list[tuple[float, dict[str, Any]]]:
    """The service's trace events (not its s steps): (t in hours, the event without t and service)."""
    return [(round(e["t"] / H, 9), {k: v for k, v in e.items() if k not in ("t", "service")})
            for e in res.trace or [] if e.get("service") == "s" and e["event"] != "service"]


def at(minutes: float) -> float:
    """10 h plus ``minutes``, in hours."""
    return round(10 + minutes / 60, 9)


FAILED_AT_10 = [
    (10.0, {"event": "primary_failed", "primary": "p", "silent": False}),
    (10.0, {"event": "suspected", "primary": "p", "by": "instant", "primary_state": "down"}),
    (10.0, {"event": "failover_decision", "trigger": "instant", "failed": "p", "primary_state": "down",
            "candidates": {"b": "ok"}, "outcome": "promote b"}),
]


def test_a_failed_promotion_hands_over_to_an_operator():
    # p fails for good at 10 h: b is promoted for 2 min, which fails
    # (success 0 %); the operator takes 30 min and promotes b.
    res = run(pair([perm("10h", "5h")], [], "20h",
                   failover={"time": "fixed(2m)", "success": "0%", "fallback": "manual", "manual": "fixed(30m)"}))
    assert audit(res) == FAILED_AT_10 + [
        (10.0, {"event": "failover_started", "candidate": "b", "duration": 120.0}),
        (at(2), {"event": "failover_failed", "candidate": "b", "reason": "promotion failed"}),
        (at(2), {"event": "manual_recovery_started", "duration": 1800.0}),
        (at(32), {"event": "failover_decision", "trigger": "manual", "failed": "p", "candidates": {"b": "ok"},
                  "outcome": "promote b"}),
        (at(32), {"event": "promoted", "primary": "b", "via": "failover"}),
    ]
    assert res.failovers == 1 and res.failed_failovers == 1


def test_a_failed_promotion_without_an_operator_waits_for_the_repair():
    res = run(pair([perm("10h", "5h")], [], "20h", failover={"time": "fixed(2m)", "success": "0%"}))
    assert audit(res) == FAILED_AT_10 + [
        (10.0, {"event": "failover_started", "candidate": "b", "duration": 120.0}),
        (at(2), {"event": "failover_failed", "candidate": "b", "reason": "promotion failed"}),
        (at(2), {"event": "waiting_for_restore"}),
        (15.0, {"event": "promoted", "primary": "p", "via": "restored"}),
    ]


def test_failback_is_a_decision_of_its_own():
    # p back at 15 h, healthy for failback_after (1 h): switched back at 16 h in 1 min.
    res = run(pair([perm("10h", "5h")], [], "20h",
                   failover={"time": "fixed(1m)", "failback": "auto", "failback_after": "1h"}))
    assert audit(res) == FAILED_AT_10 + [
        (10.0, {"event": "failover_started", "candidate": "b", "duration": 60.0}),
        (at(1), {"event": "promoted", "primary": "b", "via": "failover"}),
        (16.0, {"event": "failover_decision", "trigger": "failback", "failed": None, "candidates": {"p": "ok"},
                "outcome": "switch back to p"}),
        (round(16 + 1 / 60, 9), {"event": "promoted", "primary": "p", "via": "failback"}),
    ]


def test_a_repair_within_the_hold_cancels_the_decision():
    res = run(pair([trans("10h", "30s")], [], "11h", failover={"time": "fixed(2m)", "hold": "1m"}))
    assert audit(res) == [
        (10.0, {"event": "primary_failed", "primary": "p", "silent": False}),
        (10.0, {"event": "suspected", "primary": "p", "by": "instant", "primary_state": "down"}),
        (round(10 + 30 / H, 9), {"event": "failover_cancelled", "primary": "p", "phase": "decision",
                                 "reason": "primary recovered"}),
    ]
    assert res.detection_delays == [0.0]


def test_a_standby_not_yet_readmitted_leaves_no_candidate():
    # b is back at 9.9 h; readmit_after 30 min: not a candidate at 10 h. The
    # service waits for p's repair at 11 h.
    res = run(pair([perm("10h", "1h")], [trans("9h", "54m")], "12h",
                   failover={"time": "fixed(1m)", "readmit_after": "30m"}))
    assert audit(res) == FAILED_AT_10[:2] + [
        (10.0, {"event": "failover_decision", "trigger": "instant", "failed": "p", "primary_state": "down",
                "candidates": {"b": "not readmitted"}, "outcome": "no candidate"}),
        (10.0, {"event": "waiting_for_restore"}),
        (11.0, {"event": "promoted", "primary": "p", "via": "restored"}),
    ]
    assert res.failed_failovers == 1


def _partitioned(**service: Any) -> relsim.RunResult:
    # p (za) and b (zb); the controller in zb loses p 10-11 h (link down).
    trans_link = trans("10h", "1h")
    return run(relsim.load({
        "name": "partition", "horizon": "12h",
        "domains": {"za": {"kind": "zone"}, "zb": {"kind": "zone"}},
        "links": {"za-zb": {"between": ["za", "zb"], "failures": [trans_link]}},
        "components": {"p": {"in": "za"}, "b": {"in": "zb"}},
        "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive", "failover": {"time": "fixed(1m)"},
                           "detection": {"heartbeat": {"period": "1s", "misses": 3}, "method": "beats",
                                         "controller": "zb"}, **service}}}))


def test_a_partition_splits_the_brain_until_the_link_heals():
    # The controller suspects p d seconds later (its last beats 2-3 s
    # before, the phase of the beats), promotes b 1 min after that; p serves
    # on its side until it hears of its demotion when the link heals at 11 h.
    res = _partitioned()
    (d,) = res.detection_delays
    assert 2.0 < d <= 3.0
    t1, t2 = round(10 + d / H, 9), round(10 + (d + 60) / H, 9)
    seen = {"event": "suspected", "primary": "p", "by": "heartbeat", "primary_state": "unreachable"}
    assert audit(res) == [
        (10.0, {"event": "primary_failed", "primary": "p", "silent": False}),
        (t1, seen),
        (t1, {"event": "failover_decision", "trigger": "heartbeat", "failed": "p", "primary_state": "unreachable",
              "candidates": {"b": "ok"}, "outcome": "promote b"}),
        (t1, {"event": "failover_started", "candidate": "b", "duration": 60.0}),
        (t2, {"event": "split_brain", "primaries": ["p"], "reason": "old primary still serving"}),
        (t2, {"event": "promoted", "primary": "b", "via": "failover"}),
        (11.0, {"event": "split_brain_end", "demoted": "p", "reason": "demoted once reachable"}),
    ]
    assert res.split_brain_time == pytest.approx(H - d - 60)
    assert (res.failovers, res.false_failovers, res.split_brains) == (1, 1, 1)


def test_with_fencing_the_decision_waits_for_the_lease():
    # p was last heard when the link failed (10 h): its 30 s lease expires at
    # 10 h 30 s, when the decision is taken; b serves 1 min later.
    res = _partitioned(fencing={"lease": "30s"})
    (d,) = res.detection_delays
    assert audit(res)[2:] == [
        (round(10 + 30 / H, 9), {"event": "failover_decision", "trigger": "heartbeat", "failed": "p",
                                 "primary_state": "unreachable", "candidates": {"b": "ok"}, "outcome": "promote b"}),
        (round(10 + 30 / H, 9), {"event": "failover_started", "candidate": "b", "duration": 60.0}),
        (round(10 + 90 / H, 9), {"event": "promoted", "primary": "b", "via": "failover"}),
    ]
    assert [o.duration_s for o in res.outages] == [pytest.approx(90.0)]
    assert res.split_brains == 0 and res.split_brain_time == 0.0


def test_a_false_suspicion_with_fencing_fences_the_live_primary():
    # Every beat is lost: suspected at 3 s while alive; p's lease (5 s from
    # its last beat at 0 s) expires at 5 s: fenced, then b is promoted in 10 s.
    res = run(pair([], [], "16s", detection={"heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}},
                   failover={"time": "fixed(10s)"}, fencing={"lease": "5s"}))
    s = 1 / H
    assert audit(res) == [
        (round(3 * s, 9), {"event": "suspected", "primary": "p", "by": "heartbeat", "primary_state": "alive"}),
        (round(5 * s, 9), {"event": "fenced", "primary": "p", "reason": "lease expired"}),
        (round(5 * s, 9), {"event": "failover_decision", "trigger": "heartbeat", "failed": "p", "primary_state": "alive",
                           "candidates": {"b": "ok"}, "outcome": "promote b"}),
        (round(5 * s, 9), {"event": "failover_started", "candidate": "b", "duration": 10.0}),
        (round(15 * s, 9), {"event": "promoted", "primary": "b", "via": "failover"}),
    ]
    assert (res.false_suspicions, res.false_failovers, res.detection_delays) == (1, 1, [])


# -- failback ----------------------------------------------------------------------------------
def _failback(p_blip: str, b_fail: list[dict[str, Any]] | None = None) -> relsim.RunResult:
    # p is down 10-15 h (b takes over in 1 min); a second failure mode of p,
    # 10.5 h of up-time, fires at 15.5 h for ``p_blip``. failback_after 1 h.
    return run(pair([trans("10h", "5h"), trans("10.5h", p_blip)], b_fail or [], "20h",
                    failover={"time": "fixed(1m)", "failback": "auto", "failback_after": "1h"}))


def failbacks(res: relsim.RunResult) -> list[float]:
    return [round(e["t"] / H, 9) for e in res.trace or [] if e["event"] == "promoted" and e["via"] == "failback"]


def test_failback_waits_until_the_preferred_replica_has_been_healthy_long_enough():
    # p is back at 15 h: a failback is due at 16 h, but p is down again
    # 15.5-15 h 40 min; healthy only since 15 h 40 min, it is switched back
    # at 16 h 40 min (+ 1 min).
    res = _failback("10m")
    assert failbacks(res) == [round(16 + 41 / 60, 9)]
    assert [(round(o.start_s / H, 9), o.cause_kind, o.failover_s) for o in res.outages] == \
        [(10.0, "transient", 60.0), (round(16 + 40 / 60, 9), "failback", 60.0)]


def test_failback_waits_for_the_preferred_replica_to_come_back():
    # p is down 15.5-16.5 h: still down when the failback was due; switched
    # back 1 h after its return, at 17.5 h (+ 1 min). No failback is tried
    # while it is down (no outage at 16 h).
    res = _failback("1h")
    assert failbacks(res) == [round(17.5 + 1 / 60, 9)]
    assert [(o.start_s / H, o.cause_kind) for o in res.outages] == [(10.0, "transient"), (17.5, "failback")]


def test_no_failback_once_the_preferred_replica_is_primary_again():
    # b fails at 15.5 h: p (healthy since 15 h) takes over by failover; the
    # failback due at 16 h has nothing to do.
    res = _failback("10m", [trans("15.5h", "1h")])
    assert failbacks(res) == []
    assert [round(o.start_s / H, 9) for o in res.outages] == [10.0, 15.5]


# -- lost beats --------------------------------------------------------------------------------
def test_a_demoted_primary_hears_of_it_at_the_end_of_the_loss_episode():
    # 60 % of the beats are lost: false suspicions promote the standby while
    # the primary serves (no fencing). The demoted primary hears of it after
    # a run of received beats: a whole number of 2 s periods, logged as demoted.
    res = run(pair([], [], "1h", detection={"heartbeat": {"period": "2s", "misses": 3, "loss": "60%"}},
                   failover={"time": "fixed(10s)"}))
    starts = [e["t"] for e in res.trace or [] if e["event"] == "split_brain"]
    ends = [(e["t"], e["reason"], e["demoted"]) for e in res.trace or [] if e["event"] == "split_brain_end"]
    assert len(starts) > 1 and len(ends) >= len(starts) - 1
    reasons = {reason for _, reason, _ in ends}
    assert "demoted" in reasons and reasons <= {"demoted", "superseded by a newer split brain", "promoted again"}
    assert all(demoted in ("p", "b") for _, _, demoted in ends)
    spans = [end - start for start, (end, reason, _) in zip(starts, ends) if reason == "demoted"]
    assert any(s > 0 for s in spans) and all(s / 2 == pytest.approx(round(s / 2)) for s in spans)
    spans = [end - start for start, (end, _, _) in zip(starts, ends)]
    assert res.split_brains == res.false_failovers == len(starts)
    assert res.split_brain_time == pytest.approx(sum(spans) + (res.horizon - starts[-1] if len(ends) < len(starts) else 0))


# -- planned handover (drained maintenance) ---------------------------------------------------
def _patched(switchover: str, targets: str = "p", p_fail: list[dict[str, Any]] | None = None,
             b_fail: list[dict[str, Any]] | None = None, replicas: tuple[str, ...] = ("p", "b")) -> relsim.RunResult:
    # One maintenance of ``targets`` at 1 d for 1 h, drained: the primary
    # hands over to a standby outside the batch first.
    comps: dict[str, Any] = {r: {} for r in replicas}
    comps["p"] = {"failures": p_fail or []}
    comps["b"] = {"failures": b_fail or []}
    return run(relsim.load({
        "name": "patch", "horizon": "2d", "components": comps,
        "services": {"s": {"replicas": list(replicas), "mode": "active-passive", "failover": {"time": "fixed(30s)"}}},
        "schedule": {"patch": {"kind": "maintenance", "every": "7d", "start": "1d", "targets": targets,
                               "lasts": "1h", "drain": True, "switchover": switchover}}}))


def test_a_drained_maintenance_switches_over_first():
    res = _patched("fixed(5s)")
    assert [(t, e) for t, e in audit(res) if e["event"] in ("switchover", "promoted")] == [
        (24.0, {"event": "switchover", "primary": "p", "candidate": "b", "duration": 5.0}),
        (round(24 + 5 / H, 9), {"event": "promoted", "primary": "b", "via": "switchover"}),
    ]
    assert [(o.start_s / H, o.duration_s) for o in res.outages] == [(24.0, 5.0)]


@pytest.mark.parametrize("seconds", [0.0, 0.5])
def test_a_switchover_of_no_time_is_immediate(seconds: float):
    # 0 s: b serves at once, s never drops; 0.5 s: a half-second outage.
    res = _patched(f"fixed({seconds}s)")
    assert [e["via"] for _, e in audit(res) if e["event"] == "promoted"] == ["switchover"]
    assert [o.duration_s for o in res.outages] == ([] if seconds == 0.0 else [0.5])
    assert [s for t, s in ((e["t"], e["s"]) for e in res.trace or [] if e["event"] == "service")] == \
        ([] if seconds == 0.0 else [0.0, 1.0])


def test_a_switchover_to_a_standby_that_fails_meanwhile_is_abandoned():
    # b fails 2 s into the 5 s switchover (for 1 min): the switchover is
    # abandoned and p, still primary, serves again; the maintenance then
    # takes p down for 1 h while b is back: a real failover of 30 s.
    res = _patched("fixed(5s)", b_fail=[trans("86402s", "1m")])
    assert [(round(t * H, 3), e) for t, e in audit(res)
            if e["event"] in ("switchover", "switchover_abandoned")] == [
        (86400.0, {"event": "switchover", "primary": "p", "candidate": "b", "duration": 5.0}),
        (86405.0, {"event": "switchover_abandoned", "candidate": "b"})]


@pytest.mark.parametrize("detection", [None, {"heartbeat": {"period": "1s", "misses": 3}}])
def test_a_primary_failing_during_an_abandoned_switchover_fails_over_then(detection: Any):
    # The 5 min switchover to b starts at 1 d; p fails 1 min into it (for
    # 2 h), b 2 min into it (for 10 min): the switchover is abandoned at
    # 1 d 5 min and p's failover, held off meanwhile, starts: no candidate,
    # the service waits for a restore and b, back at 1 d 12 min, serves.
    # (It used to stay down until p's repair at 1 d 2 h 1 min.)
    service = {"replicas": ["p", "b"], "mode": "active-passive", "failover": {"time": "fixed(30s)"}}
    if detection is not None:
        service["detection"] = detection
    res = run(relsim.load({
        "name": "patch", "horizon": "2d",
        "components": {"p": {"failures": [trans("86460s", "2h")]}, "b": {"failures": [trans("86520s", "10m")]}},
        "services": {"s": service},
        "schedule": {"patch": {"kind": "maintenance", "every": "7d", "start": "1d", "targets": "p",
                               "lasts": "1h", "drain": True, "switchover": "fixed(5m)"}}}))
    assert [(e["t"], e["event"], e.get("outcome"), e.get("trigger")) for e in res.trace or []
            if e["event"] in ("switchover_abandoned", "failover_decision", "promoted")] == [
        (86700.0, "switchover_abandoned", None, None),
        (86700.0, "failover_decision", "no candidate", "instant" if detection is None else "heartbeat"),
        (87120.0, "promoted", None, None)]
    assert [(o.start_s, o.end_s) for o in res.outages] == [(86400.0, 87120.0)]
    assert res.detection_delays == [240.0]


def test_no_switchover_when_every_standby_is_in_the_batch_or_down():
    # The batch takes both replicas (targets s); then, targets p with b down.
    both = _patched("fixed(5s)", targets="s")
    down = _patched("fixed(5s)", b_fail=[trans("23h", "2h")])
    for res in (both, down):
        assert [e["event"] for e in res.trace or [] if e["event"].startswith("switchover")] == ["switchover_impossible"]


# -- operators and failback under way ---------------------------------------------------------
def test_the_operator_promotes_the_first_healthy_replica():
    # p fails for good at 10 h; the promotion fails; c is down (9-11 h), so
    # the operator (30 min later) promotes b, listed after it.
    m = relsim.load({"name": "three", "horizon": "20h",
                     "components": {"p": {"failures": [perm("10h", "5h")]}, "c": {"failures": [trans("9h", "2h")]},
                                    "b": {}},
                     "services": {"s": {"replicas": ["p", "c", "b"], "mode": "active-passive",
                                        "failover": {"time": "fixed(2m)", "success": "0%", "fallback": "manual",
                                                     "manual": "fixed(30m)"}}}})
    res = run(m)
    assert [(t, e["primary"], e["via"]) for t, e in audit(res) if e["event"] == "promoted"] == [(at(32), "b", "failover")]


def test_with_no_healthy_replica_the_operator_waits_for_a_restore():
    # p fails for good at 10 h (repair 1 h), b at 9 h (repair 2 h): no
    # candidate, and none when the operator looks at 10.5 h; p's repair at
    # 11 h restores service.
    res = run(pair([perm("10h", "1h")], [perm("9h", "2h")], "12h",
                   failover={"time": "fixed(2m)", "fallback": "manual", "manual": "fixed(30m)"}))
    assert [(t, e["event"], e.get("outcome")) for t, e in audit(res) if e["event"] in ("failover_decision", "promoted")] == [
        (10.0, "failover_decision", "no candidate"),
        (10.5, "failover_decision", "no candidate: wait for a restore"),
        (11.0, "promoted", None)]
    assert [(o.start_s / H, o.end_s / H) for o in res.outages] == [(10.0, 11.0)]


def test_a_failback_to_a_replica_that_fails_meanwhile_leaves_the_standby_serving():
    # p is back at 15 h; the failback at 16 h takes 1 min, but p fails again
    # 30 s into it (its second failure mode, paused while p was down: 10 h
    # then 1 h 30 s of up-time): b serves on.
    res = run(pair([trans("10h", "5h"), trans("39630s", "10m")], [], "17h",
                   failover={"time": "fixed(1m)", "failback": "auto", "failback_after": "1h"}))
    assert [(round(o.start_s), round(o.end_s)) for o in res.outages] == [(36000, 36060), (57600, 57660)]
    assert [e["via"] for _, e in audit(res) if e["event"] == "promoted"] == ["failover"]


def test_a_primary_that_really_fails_before_its_lease_expires_is_not_fenced():
    # Every beat is lost; suspected at 3 s while alive; p really fails at 4 s
    # (before its 5 s lease expires): nothing to fence, b is promoted.
    res = run(pair([trans("4s", "1h")], [], "16s", detection={"heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}},
                   failover={"time": "fixed(10s)"}, fencing={"lease": "5s"}))
    assert [e["event"] for _, e in audit(res)].count("fenced") == 0
    assert [e["primary"] for _, e in audit(res) if e["event"] == "promoted"] == ["b"]


def test_a_false_suspicion_with_no_healthy_standby_is_abandoned():
    # Every beat is lost and b is down: p is suspected at 3 s and fenced at
    # 5 s (its lease), the decision finds no candidate: the failover is
    # abandoned and p, unfenced, carries on at once (a dip of no length).
    res = run(pair([], [trans("1s", "1h")], "10s", detection={"heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}},
                   failover={"time": "fixed(10s)"}, fencing={"lease": "5s"}))
    assert [(round(t * H, 6), e) for t, e in audit(res)][1:] == [
        (5.0, {"event": "fenced", "primary": "p", "reason": "lease expired"}),
        (5.0, {"event": "failover_decision", "trigger": "heartbeat", "failed": "p", "primary_state": "alive",
               "candidates": {"b": "down"}, "outcome": "no candidate"}),
        (5.0, {"event": "failover_abandoned", "primary": "p", "reason": "no healthy standby"}),
    ]
    assert res.outages == [] and res.failed_failovers == 1


def test_a_primary_back_before_the_operator_cancels_the_manual_recovery():
    # p is down 10 h-10 h 10 min; the promotion fails at 10 h 2 min and the
    # operator would take 30 min: p's return cancels that and it serves.
    res = run(pair([trans("10h", "10m")], [], "11h",
                   failover={"time": "fixed(2m)", "success": "0%", "fallback": "manual", "manual": "fixed(30m)"}))
    assert [(t, e) for t, e in audit(res) if e["event"] in ("failover_cancelled", "promoted")] == [
        (at(10), {"event": "failover_cancelled", "primary": "p", "phase": "manual", "reason": "primary recovered"})]
    assert [(o.start_s / H, round(o.end_s / H, 9)) for o in res.outages] == [(10.0, at(10))]


@pytest.mark.parametrize("standby", ["cold", "hot"])
def test_a_demoted_cold_primary_is_held_idle_again(standby: str):
    # Standby b (start-up 1 min). The link cuts the controller (zb) from p
    # 10-11 h: b is promoted, p serves on its side (split brain). When the
    # link heals p hears of its demotion and, an idle cold standby now, runs
    # no clock: its failure due after 12 h of up-time never comes. A hot
    # standby ages: it fails at 12 h.
    res = run(relsim.load({
        "name": "cold-split", "horizon": "20h",
        "domains": {"za": {"kind": "zone"}, "zb": {"kind": "zone"}},
        "links": {"ab": {"between": ["za", "zb"], "failures": [trans("10h", "1h")]}},
        "components": {"p": {"in": "za", "failures": [trans("12h", "1h")]}, "b": {"in": "zb"}},
        "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive", "standby": standby,
                           "startup": "fixed(1m)", "failover": {"time": "fixed(1m)"},
                           "detection": {"heartbeat": {"period": "1s", "misses": 3}, "method": "beats",
                                         "controller": "zb"}}}}))
    assert [e["reason"] for _, e in audit(res) if e["event"] == "split_brain_end"] == ["demoted once reachable"]
    failed = [e["t"] / H for e in res.trace or [] if e["event"] == "failed" and e["element"] == "p"]
    assert failed == ([] if standby == "cold" else [12.0])


@pytest.mark.parametrize(("b_fails_at", "flaps"), [("11h", 0), ("10.95h", 1)])
def test_a_promotion_exactly_flap_window_after_the_previous_is_no_flap(b_fails_at: str, flaps: int):
    # p is down 10-10.5 h: b takes over at 10 h 1 min. b fails at 11 h: p
    # takes over at 11 h 1 min, exactly flap_window (1 h) later: no flap;
    # 3 min earlier, a flap. success_decay restores success at each
    # successful failover (a near-certain promotion here).
    res = run(pair([trans("10h", "30m")], [trans(b_fails_at, "1h")], "12h",
                   failover={"time": "fixed(1m)", "success_decay": "99.9999%"}))
    assert (res.failovers, res.flaps) == (2, flaps)


def test_a_false_suspicion_whose_promotion_fails_is_abandoned():
    # Every beat is lost: p is suspected at 3 s while alive; the promotion
    # (10 s) fails: abandoned, p carries on (still suspected: no new decision).
    res = run(pair([], [], "30s", detection={"heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}},
                   failover={"time": "fixed(10s)", "success": "0%"}))
    abandoned = [(round(t * H, 6), e["reason"]) for t, e in audit(res) if e["event"] == "failover_abandoned"]
    assert abandoned == [(13.0, "promotion failed")]
    assert res.failed_failovers == 1 and res.outages == [] and res.flaps == 0


def test_every_failed_promotion_counts():
    # p fails for good at 10 h and, repaired at 11 h, again at 21 h: both
    # promotions fail (success 0 %).
    res = run(pair([perm("10h", "1h")], [], "22h", failover={"time": "fixed(2m)", "success": "0%"}))
    assert res.failed_failovers == 2 and res.failovers == 0


def test_a_demoted_primary_that_never_hears_stays_split_to_the_horizon():
    # Every beat is lost: b is promoted at 13 s while p serves on, and p
    # never hears of it. A standby changing (c, down from 14 s) ends nothing.
    m = relsim.load({"name": "never", "horizon": "15s",
                     "components": {"p": {}, "b": {}, "c": {"failures": [trans("14s", "1h")]}},
                     "services": {"s": {"replicas": ["p", "b", "c"], "mode": "active-passive",
                                        "detection": {"heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}},
                                        "failover": {"time": "fixed(10s)"}}}})
    res = run(m)
    assert [e["event"] for e in res.trace or [] if e["event"].startswith("split_brain")] == ["split_brain"]
    assert res.split_brain_time == pytest.approx(2.0)


def test_a_standby_behind_since_before_the_crash_loses_everything_since():
    # Async replication, lag 1 s. b is down 9.5-10.25 h, p crashes at 10 h;
    # after a hold of 1 h b (back, but behind since 9.5 h) is promoted: the
    # data lost spans from 9.5 h to the crash, 30 min (docs/data.md).
    res = run(pair([perm("10h", "5h")], [trans("9.5h", "45m")], "12h",
                   failover={"time": "fixed(1m)", "hold": "1h"}, data={"writes": "10/s", "lag": "fixed(1s)"}))
    (loss,) = [e for e in res.trace or [] if e["event"] == "data_loss"]
    assert (loss["cause"], loss["seconds"]) == ("failover", pytest.approx(1800.0))
    assert [e["primary"] for _, e in audit(res) if e["event"] == "promoted"] == ["b"]


def test_a_standby_whose_data_was_destroyed_is_no_candidate():
    # zb (b's zone) fails 9-11 h and destroys the data there; p fails for
    # good at 10 h: b's copy is gone, whatever its state: no candidate.
    m = relsim.load({"name": "no-data", "horizon": "20h",
                     "domains": {"za": {"kind": "zone"},
                                 "zb": {"kind": "zone", "failures": [{**trans("9h", "2h"), "destroys": "data"}]}},
                     "components": {"p": {"in": "za", "failures": [perm("10h", "5h")]}, "b": {"in": "zb"}},
                     "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive",
                                        "failover": {"time": "fixed(1m)"}, "data": {"writes": "10/s"}}}})
    res = run(m)
    decisions = [(t, e["candidates"], e["outcome"]) for t, e in audit(res) if e["event"] == "failover_decision"]
    assert decisions[:1] == [(10.0, {"b": "no data"}, "no candidate")]


def test_a_standby_healthy_since_the_start_is_readmitted():
    # readmit_after 30 min: b, healthy from the start, counts as re-admitted
    # when p fails at 10 h.
    res = run(pair([perm("10h", "1h")], [], "12h", failover={"time": "fixed(1m)", "readmit_after": "30m"}))
    decisions = [(t, e["candidates"]) for t, e in audit(res) if e["event"] == "failover_decision"]
    assert decisions == [(10.0, {"b": "ok"})]


def test_every_suspicion_that_ends_within_the_hold_is_suppressed():
    # 30 % of the beats lost, hold 2 h (longer than the horizon): every
    # suspicion ends (a beat heard) before any decision: suppressed.
    res = run(pair([], [], "1h", detection={"heartbeat": {"period": "1s", "misses": 3, "loss": "30%"}},
                   failover={"time": "fixed(10s)", "hold": "2h"}))
    suppressed = [e for _, e in audit(res) if e["event"] == "failover_suppressed"]
    assert len(suppressed) > 1 and res.suppressed == len(suppressed)
    assert all(e == {"event": "failover_suppressed", "primary": "p", "reason": "suspicion ended during hold"}
               for e in suppressed)


def test_services_as_active_passive_replicas_fail_over():
    # The primary is the service sa (component a, down for good at 10 h):
    # the standby service sb takes over after 1 min.
    res = run(relsim.load({"name": "ap-of-services", "horizon": "12h",
                           "components": {"a": {"failures": [perm("10h", "5h")]}, "b": {}},
                           "services": {"sa": {"replicas": ["a"]}, "sb": {"replicas": ["b"]},
                                        "s": {"replicas": ["sa", "sb"], "mode": "active-passive",
                                              "failover": {"time": "fixed(1m)"}}},
                           "entry": "s"}))
    assert [(o.start_s / H, o.duration_s) for o in res.outages] == [(10.0, 60.0)]
    assert [e["primary"] for _, e in audit(res) if e["event"] == "promoted"] == ["sb"]


# -- survivors of mutation testing: exact timelines ---------------------------------------------
def _zoned(links: dict[str, Any], comps: dict[str, Any], replicas: list[str], horizon: str,
           **service: Any) -> relsim.RunResult:
    """Components in zones za, zb, zc joined by ``links``; service s over ``replicas``."""
    return run(relsim.load({
        "name": "zoned", "horizon": horizon,
        "domains": {"za": {"kind": "zone"}, "zb": {"kind": "zone"}, "zc": {"kind": "zone"}},
        "links": links, "components": comps,
        "services": {"s": {"replicas": replicas, "mode": "active-passive", **service}}}))


BEATS = {"heartbeat": {"period": "1s", "misses": 3}, "method": "beats"}


def test_a_standby_changing_during_a_partition_split_brain_ends_nothing():
    # As in _partitioned, with a third replica c (zb) down 10.5 h for 1 min:
    # the split brain still ends when the link heals at 11 h, not before.
    res = _zoned({"za-zb": {"between": ["za", "zb"], "failures": [trans("10h", "1h")]}},
                 {"p": {"in": "za"}, "b": {"in": "zb"}, "c": {"in": "zb", "failures": [trans("10.5h", "1m")]}},
                 ["p", "b", "c"], "12h", failover={"time": "fixed(1m)"}, detection={**BEATS, "controller": "zb"})
    (d,) = res.detection_delays
    assert [(t, e["demoted"], e["reason"]) for t, e in audit(res) if e["event"] == "split_brain_end"] == [
        (11.0, "p", "demoted once reachable")]
    assert res.split_brain_time == pytest.approx(H - d - 60)


def test_a_second_partition_split_brain_ends_when_its_link_heals_too():
    # The controller (zc) loses p (za) 10-11 h: b is promoted, p serves on
    # its side until 11 h. Then it loses b (zb) 15-16 h: p is promoted, b
    # serves on its side until 16 h. Two split brains, each ended on healing.
    res = _zoned({"za-zc": {"between": ["za", "zc"], "failures": [trans("10h", "1h")]},
                  "zb-zc": {"between": ["zb", "zc"], "failures": [trans("15h", "1h")]}},
                 {"p": {"in": "za"}, "b": {"in": "zb"}}, ["p", "b"], "17h",
                 failover={"time": "fixed(1m)"}, detection={**BEATS, "controller": "zc"})
    d1, d2 = res.detection_delays
    assert [(t, e["demoted"], e["reason"]) for t, e in audit(res) if e["event"] == "split_brain_end"] == [
        (11.0, "p", "demoted once reachable"), (16.0, "b", "demoted once reachable")]
    assert (res.split_brains, res.false_failovers) == (2, 2)
    assert res.split_brain_time == pytest.approx(2 * (H - 60) - d1 - d2)


def test_a_partition_elsewhere_does_not_restart_the_healthy_time_of_the_preferred_replica():
    # As test_failback_is_a_decision_of_its_own, with a link between two
    # other zones down 15.5 h for 1 min: p, healthy since 15 h, is still
    # switched back at 16 h (+ 1 min).
    res = _zoned({"zb-zc": {"between": ["zb", "zc"], "failures": [trans("15.5h", "1m")]}},
                 {"p": {"in": "za", "failures": [trans("10h", "5h")]}, "b": {"in": "za"}}, ["p", "b"], "20h",
                 failover={"time": "fixed(1m)", "failback": "auto", "failback_after": "1h"})
    assert failbacks(res) == [round(16 + 1 / 60, 9)]


def test_a_partition_while_waiting_for_a_restore_promotes_nothing():
    # The promotion fails at 10 h 2 min; a link between other zones fails
    # at 10.5 h: p, still down, is not promoted; its repair at 11 h is.
    res = _zoned({"zb-zc": {"between": ["zb", "zc"], "failures": [trans("10.5h", "1m")]}},
                 {"p": {"in": "za", "failures": [perm("10h", "1h")]}, "b": {"in": "za"}}, ["p", "b"], "12h",
                 failover={"time": "fixed(2m)", "success": "0%"})
    assert [(t, e["primary"], e["via"]) for t, e in audit(res) if e["event"] == "promoted"] == [(11.0, "p", "restored")]
    assert [(o.start_s / H, o.end_s / H) for o in res.outages] == [(10.0, 11.0)]


def test_a_failed_promotion_with_fallback_repair_ignores_the_manual_time():
    # fallback: repair, though a manual time is given: no operator, the
    # service waits for p's repair at 15 h.
    res = run(pair([perm("10h", "5h")], [], "20h", failover={"time": "fixed(2m)", "success": "0%",
                                                               "fallback": "repair", "manual": "fixed(30m)"}))
    assert audit(res)[3:] == [
        (10.0, {"event": "failover_started", "candidate": "b", "duration": 120.0}),
        (at(2), {"event": "failover_failed", "candidate": "b", "reason": "promotion failed"}),
        (at(2), {"event": "waiting_for_restore"}),
        (15.0, {"event": "promoted", "primary": "p", "via": "restored"}),
    ]
    assert [(o.start_s / H, o.end_s / H) for o in res.outages] == [(10.0, 15.0)]


LOST = {"heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}}


def test_no_switchover_during_a_decision_on_a_false_suspicion():
    # Every beat is lost: p is suspected at 3 s, the hold (1 h) runs. A
    # drained maintenance of p at 10 s finds a failover under way: no
    # switchover; p goes down for 1 min (the decision goes on).
    res = run(relsim.load({
        "name": "patch", "horizon": "2m", "components": {"p": {}, "b": {}},
        "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive", "detection": LOST,
                           "failover": {"time": "fixed(30s)", "hold": "1h"}}},
        "schedule": {"patch": {"kind": "maintenance", "every": "7d", "start": "10s", "targets": "p",
                               "lasts": "1m", "drain": True, "switchover": "fixed(5s)"}}}))
    assert [e["event"] for e in res.trace or [] if e["event"].startswith("switchover")] == ["switchover_impossible"]
    assert [e for _, e in audit(res) if e["event"] == "promoted"] == []
    assert [(o.start_s, o.end_s) for o in res.outages] == [(10.0, 70.0)]


def test_a_lease_of_an_ended_suspicion_fences_nothing():
    # Every beat is lost; lease 10 s. p is suspected at 3 s (its lease,
    # from 0 s, would expire at 10 s); a maintenance takes p down 5-6 s: its
    # return cancels the decision. Suspected again at 9 s, last heard at
    # 6 s: fenced at 16 s, not by the old lease at 10 s; b serves at 26 s.
    res = run(relsim.load({
        "name": "lease", "horizon": "30s", "components": {"p": {}, "b": {}},
        "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive", "detection": LOST,
                           "failover": {"time": "fixed(10s)"}, "fencing": {"lease": "10s"}}},
        "schedule": {"blip": {"kind": "maintenance", "every": "7d", "start": "5s", "targets": "p", "lasts": "1s"}}}))
    assert [(e["t"], e["event"]) for e in res.trace or []
            if e["event"] in ("suspected", "fenced", "failover_cancelled", "promoted")] == [
        (3.0, "suspected"), (6.0, "failover_cancelled"), (9.0, "suspected"), (16.0, "fenced"), (26.0, "promoted"),
        (29.0, "suspected")]  # b, the new primary, is suspected 3 s after it serves
    assert [(o.start_s, o.end_s, o.cause_kind) for o in res.outages] == [(5.0, 6.0, "maintenance"),
                                                                         (16.0, 26.0, "fencing")]


def test_a_silent_failure_during_a_partition_goes_unnoticed():
    # p hangs (silent) at 10 h for 10 min while the link from its zone
    # (and the controller's) to zc, where nothing runs, is down (9-11 h):
    # beats still come, nothing is detected, the outage lasts the whole
    # 10 min; b is never promoted.
    res = _zoned({"za-zc": {"between": ["za", "zc"], "failures": [trans("9h", "2h")]}},
                 {"p": {"in": "za", "failures": [trans("10h", "10m", silent=True)]}, "b": {"in": "za"}},
                 ["p", "b"], "12h", failover={"time": "fixed(1m)"},
                 detection={"heartbeat": {"period": "1s", "misses": 3}, "controller": "za"})
    assert audit(res) == [(10.0, {"event": "primary_failed", "primary": "p", "silent": True}),
                          (at(10), {"event": "failover_cancelled", "primary": "p", "phase": "detection",
                                    "reason": "primary recovered"})]
    assert [(o.start_s / H, round(o.end_s / H, 9)) for o in res.outages] == [(10.0, at(10))]


def test_an_unreachable_standby_is_no_candidate():
    # The controller (zc) cannot reach b (zb) 9-11 h; p (za) fails for good
    # at 10 h: b is "unreachable", no candidate; b is promoted when the link
    # heals at 11 h.
    res = _zoned({"zb-zc": {"between": ["zb", "zc"], "failures": [trans("9h", "2h")]}},
                 {"p": {"in": "za", "failures": [perm("10h", "5h")]}, "b": {"in": "zb"}}, ["p", "b"], "12h",
                 failover={"time": "fixed(1m)"}, detection={"heartbeat": {"period": "1s", "misses": 3},
                                                            "controller": "zc"})
    decisions = [(e["candidates"], e["outcome"]) for _, e in audit(res) if e["event"] == "failover_decision"]
    assert decisions == [({"b": "unreachable"}, "no candidate")]
    assert [(t, e["primary"], e["via"]) for t, e in audit(res) if e["event"] == "promoted"] == [(11.0, "b", "restored")]


@pytest.mark.parametrize(("standby", "state"), [("hot", "not readmitted"), ("cold", "ok")])
def test_only_a_warm_or_hot_standby_back_for_less_than_its_state_transfer_is_not_readmitted(standby: str, state: str):
    # b's zone fails at 9 h 54 min for 1 min; the state takes 20 min to copy
    # (12 GB at 10 MB/s). When p fails at 10 h, a hot b, back for 5 min,
    # has not caught up; a cold b copies the state during its promotion
    # instead, so it is a candidate.
    res = run(relsim.load({
        "name": "transfer", "horizon": "12h",
        "domains": {"za": {"kind": "zone"}, "zb": {"kind": "zone", "failures": [trans("9.9h", "1m")]}},
        "components": {"p": {"in": "za", "failures": [perm("10h", "1h")]}, "b": {"in": "zb"}},
        "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive", "standby": standby,
                           "startup": "fixed(1m)", "state": {"size": "12GB", "bandwidth": "10MB/s"}, "failover": {"time": "fixed(1m)"}}}}))
    decisions = [(t, e["candidates"]) for t, e in audit(res) if e["event"] == "failover_decision"]
    assert decisions == [(10.0, {"b": state})]


def test_a_failback_falls_due_during_a_failover_and_waits():
    # p is down 10-15 h (b takes over after the 2 min hold and 1 min); b
    # fails at 15.99 h: the failback due at 16 h finds a decision under way
    # and does nothing; the decision (hold 2 min) promotes p by failover.
    res = run(pair([trans("10h", "5h")], [trans("15.99h", "1h")], "17h",
                   failover={"time": "fixed(1m)", "hold": "2m", "failback": "auto", "failback_after": "1h"}))
    t = round((15.99 * H + 180) / H, 9)
    assert [(t, e["primary"], e["via"]) for t, e in audit(res) if e["event"] == "promoted"] == [
        (at(3), "b", "failover"), (t, "p", "failover")]
    assert res.failovers == 2


def test_three_failovers_within_the_flap_window_are_two_flaps():
    # p, b and c fail for good at 10, 10.5 and 11 h: b, c then d take over
    # 1 min later each, 30 min apart: the second and third are flaps.
    m = relsim.load({"name": "flaps", "horizon": "12h",
                     "components": {"p": {"failures": [perm("10h", "5h")]}, "b": {"failures": [perm("10.5h", "5h")]},
                                    "c": {"failures": [perm("11h", "5h")]}, "d": {}},
                     "services": {"s": {"replicas": ["p", "b", "c", "d"], "mode": "active-passive",
                                        "failover": {"time": "fixed(1m)"}}}})
    res = run(m)
    assert [(t, e["primary"]) for t, e in audit(res) if e["event"] == "promoted"] == [
        (at(1), "b"), (at(31), "c"), (at(61), "d")]
    assert (res.failovers, res.flaps) == (3, 2)


def test_the_crashed_primary_restored_after_the_operator_found_no_one_resumes_from_its_disk():
    # As test_with_no_healthy_replica_the_operator_waits_for_a_restore, with
    # asynchronous replication: p, back at 11 h, serves from its own disk
    # (no WAL: nothing lost); b, back at 12 h, is no new primary.
    res = run(pair([perm("10h", "1h")], [perm("9h", "3h")], "12.5h",
                   failover={"time": "fixed(2m)", "fallback": "manual", "manual": "fixed(30m)"},
                   data={"writes": "10/s", "lag": "fixed(1s)"}))
    assert [(t, e["primary"], e["via"]) for t, e in audit(res) if e["event"] == "promoted"] == [(11.0, "p", "restored")]
    assert [e for e in res.trace or [] if e["event"] == "data_loss"] == []


def test_a_demoted_primary_hears_of_it_at_the_end_of_its_own_loss_episode():
    # 60 % of the beats lost, min_interval 1 h: one false failover in the
    # hour (the next one is damped). Its split brain ends when the demoted
    # primary hears of it, a whole number of 2 s periods later.
    res = run(pair([], [], "1h", detection={"heartbeat": {"period": "2s", "misses": 3, "loss": "60%"}},
                   failover={"time": "fixed(10s)", "min_interval": "1h"}))
    (start,) = [e["t"] for e in res.trace or [] if e["event"] == "split_brain"]
    ((end, reason),) = [(e["t"], e["reason"]) for e in res.trace or [] if e["event"] == "split_brain_end"]
    assert reason == "demoted" and end > start and (end - start) / 2 == pytest.approx(round((end - start) / 2))
    assert (res.false_failovers, res.split_brains, res.split_brain_time) == (1, 1, pytest.approx(end - start))


def test_a_single_replica_has_no_standby_and_no_failed_failover():
    # An active-passive service of p alone: its failure at 10 h finds no
    # standby (not a failed failover); it waits for p's repair at 11 h.
    res = run(relsim.load({"name": "alone", "horizon": "12h", "components": {"p": {"failures": [perm("10h", "1h")]}},
                           "services": {"s": {"replicas": ["p"], "mode": "active-passive",
                                              "failover": {"time": "fixed(1m)"}}}}))
    assert audit(res) == FAILED_AT_10[:2] + [
        (10.0, {"event": "failover_decision", "trigger": "instant", "failed": "p", "primary_state": "down",
                "candidates": {}, "outcome": "no standby"}),
        (10.0, {"event": "waiting_for_restore"}),
        (11.0, {"event": "promoted", "primary": "p", "via": "restored"}),
    ]
    assert (res.failovers, res.failed_failovers) == (0, 0)


def test_a_failback_overdue_when_a_decision_is_cancelled_starts_at_once():
    # As test_a_failback_falls_due_during_a_failover_and_waits, but b is
    # back 1 min after its failure (16 h 24 s), within the hold: the decision
    # is cancelled and the failback, overdue since 16 h, starts at once;
    # p serves again 1 min later.
    res = run(pair([trans("10h", "5h")], [trans("15.99h", "1m")], "17h",
                   failover={"time": "fixed(1m)", "hold": "2m", "failback": "auto", "failback_after": "1h"}))
    back = 15.99 * H + 60
    assert [(e["t"], e["event"]) for e in res.trace or [] if e.get("service") == "s" and e["event"] in (
        "failover_cancelled", "failover_decision", "promoted") and e["t"] > 15 * H] == [
        (back, "failover_cancelled"), (back, "failover_decision"), (back + 60, "promoted")]
    assert failbacks(res) == [round((back + 60) / H, 9)]


def test_heartbeats_of_the_process_hide_its_silent_failure():
    # p hangs (silent) at 10 h for 10 min; the controller counts beats
    # (method beats), which the hung process still sends: nothing is
    # detected, the outage lasts the whole 10 min.
    res = run(pair([trans("10h", "10m", silent=True)], [], "12h", failover={"time": "fixed(1m)"},
                   detection={"heartbeat": {"period": "1s", "misses": 3}, "method": "beats"}))
    assert [e["event"] for _, e in audit(res)] == ["primary_failed", "failover_cancelled"]
    assert [(o.start_s / H, round(o.end_s / H, 9)) for o in res.outages] == [(10.0, at(10))]


def test_a_primary_failing_during_a_switchover_leaves_it_to_finish():
    # p fails 1 min into the 5 min switchover to b (healthy): no failover
    # starts meanwhile; b is primary by switchover at 1 d 5 min.
    res = _patched("fixed(5m)", p_fail=[trans("86460s", "2h")])
    assert [(e["t"], e["event"], e.get("via")) for e in res.trace or []
            if e["event"] in ("suspected", "failover_decision", "promoted")] == [(86700.0, "promoted", "switchover")]
    assert [(o.start_s, o.end_s) for o in res.outages] == [(86400.0, 86700.0)]
    assert res.failovers == 0


def test_a_lease_shorter_than_the_detection_window_fences_at_the_suspicion():
    # Every beat is lost: suspected at 3 s; the lease (2 s from the last
    # beat at 0 s) has already expired: fenced at 3 s, b serves at 13 s.
    res = run(pair([], [], "14s", detection=LOST, failover={"time": "fixed(10s)"}, fencing={"lease": "2s"}))
    assert [(e["t"], e["event"]) for e in res.trace or [] if e["event"] in ("suspected", "fenced", "promoted")] == [
        (3.0, "suspected"), (3.0, "fenced"), (13.0, "promoted")]
    assert [(o.start_s, o.end_s, o.cause_kind) for o in res.outages] == [(3.0, 13.0, "fencing")]


def test_every_decision_without_a_candidate_counts_as_a_failed_failover():
    # p fails at 10 h (repair 1 h) and 21 h; b is down 9-11.5 h and from
    # 20.5 h: two decisions without a candidate.
    res = run(pair([perm("10h", "1h")], [perm("9h", "2.5h")], "22.5h", failover={"time": "fixed(1m)"}))
    assert [(t, e["outcome"]) for t, e in audit(res) if e["event"] == "failover_decision"] == [
        (10.0, "no candidate"), (21.0, "no candidate")]
    assert (res.failovers, res.failed_failovers) == (0, 2)


def test_a_false_suspicion_of_a_single_replica_is_abandoned_for_want_of_a_standby():
    # p alone, every beat lost: suspected at 3 s, no standby: abandoned.
    res = run(relsim.load({"name": "alone", "horizon": "5s", "components": {"p": {}},
                           "services": {"s": {"replicas": ["p"], "mode": "active-passive", "detection": LOST,
                                              "failover": {"time": "fixed(1m)"}}}}))
    assert [(e["t"], e["event"], e.get("reason")) for e in res.trace or []
            if e["event"] in ("failover_decision", "failover_abandoned")] == [
        (3.0, "failover_decision", None), (3.0, "failover_abandoned", "no standby")]
    assert (res.false_suspicions, res.failed_failovers, res.outages) == (1, 0, [])


def test_a_standby_failing_during_an_abandoned_failback_fails_over_then():
    # As test_a_failback_to_a_replica_that_fails_meanwhile_leaves_the_standby_serving,
    # and b, the primary, fails 20 s into the failback (for 1 h): the
    # failback is abandoned at 16 h 1 min, b's failover, held off meanwhile,
    # starts: no candidate (p is down until 16 h 10 min 30 s), p is then
    # restored. (It used to stay down until b's return at 17 h 20 s.)
    res = run(pair([trans("10h", "5h"), trans("39630s", "10m")], [trans("57620s", "1h")], "18h",
                   failover={"time": "fixed(1m)", "failback": "auto", "failback_after": "1h"}))
    assert [(round(o.start_s), round(o.end_s)) for o in res.outages] == [(36000, 36060), (57600, 58230)]
    assert [(e["t"], e["event"], e.get("outcome") or e.get("via")) for e in res.trace or []
            if e.get("service") == "s" and e["event"] in ("failover_decision", "promoted") and e["t"] > 16 * H] == [
        (57660.0, "failover_decision", "no candidate"), (58230.0, "promoted", "restored")]


def test_the_phases_of_two_services_failing_over_at_once_are_kept_apart():
    # p1 fails at 10 h, p2 30 s later; each standby serves 1 min after: the
    # front (needs both) is down 10 h - 10 h 1 min 30 s, all of it in a
    # failover phase (s2's last 30 s included, after s1's ended).
    res = run(relsim.load({
        "name": "two", "horizon": "11h",
        "components": {"p1": {"failures": [perm("10h", "5h")]}, "b1": {},
                       "p2": {"failures": [perm("36030s", "5h")]}, "b2": {}},
        "services": {"s1": {"replicas": ["p1", "b1"], "mode": "active-passive", "failover": {"time": "fixed(1m)"}},
                     "s2": {"replicas": ["p2", "b2"], "mode": "active-passive", "failover": {"time": "fixed(1m)"}},
                     "front": {"replicas": ["s1", "s2"], "needs": 2}},
        "entry": "front"}))
    assert [(o.start_s, o.end_s, o.failover_s, o.detection_s + o.decision_s + o.restore_s) for o in res.outages] == [
        (36000.0, 36090.0, 90.0, 0.0)]


def test_an_active_passive_service_is_down_while_a_dependency_is():
    # s (p, b) depends on dep (component d, down 5 h for 10 min): s is down
    # then, with no failover (its primary is fine), and stays down when its
    # standby b fails meanwhile (5 h 5 min, for 1 min).
    res = run(relsim.load({"name": "dep", "horizon": "6h",
                           "components": {"p": {}, "b": {"failures": [trans("305m", "1m")]},
                                          "d": {"failures": [trans("5h", "10m")]}},
                           "services": {"dep": {"replicas": ["d"]},
                                        "s": {"replicas": ["p", "b"], "mode": "active-passive",
                                              "failover": {"time": "fixed(1m)"}, "depends_on": ["dep"]}},
                           "entry": "s"}))
    assert [(o.start_s / H, round(o.end_s / H, 9)) for o in res.outages] == [(5.0, round(5 + 10 / 60, 9))]
    assert audit(res) == [] and res.failovers == 0


def test_a_service_primary_back_within_the_hold_loses_no_unflushed_writes():
    # The primary is the service sa (component a, down 10 h for 10 min),
    # with asynchronous replication and a WAL flushed every second; sa is
    # back within the hold (1 h): a service has no disk of its own that
    # crashed, so nothing is lost (a component would lose its unflushed writes).
    res = run(relsim.load({"name": "ap-of-services-data", "horizon": "12h",
                           "components": {"a": {"failures": [trans("10h", "10m")]}, "b": {}},
                           "services": {"sa": {"replicas": ["a"]}, "sb": {"replicas": ["b"]},
                                        "s": {"replicas": ["sa", "sb"], "mode": "active-passive",
                                              "failover": {"time": "fixed(1m)", "hold": "1h"},
                                              "data": {"writes": "1000/s", "lag": "fixed(1s)",
                                                       "wal": {"fsync": "interval", "interval": "1s"}}}},
                           "entry": "s"}))
    assert [e["event"] for _, e in audit(res)] == ["primary_failed", "suspected", "failover_cancelled"]
    assert [e for e in res.trace or [] if e["event"] == "data_loss"] == []
    assert [(o.start_s / H, o.duration_s, o.writes_lost) for o in res.outages] == [(10.0, 600.0, 0)]


def test_a_standby_healthy_since_the_start_is_readmitted_however_long_readmit_after():
    # readmit_after 6 h, p fails at 4 h: b, healthy from the start, counts
    # as re-admitted already.
    res = run(pair([perm("4h", "1h")], [], "6h", failover={"time": "fixed(1m)", "readmit_after": "6h"}))
    assert [(t, e["candidates"]) for t, e in audit(res) if e["event"] == "failover_decision"] == [(4.0, {"b": "ok"})]


def test_the_suppressions_of_several_services_add_up():
    # Two pairs, 30 % of the beats lost, hold 2 h: every suspicion of
    # either is suppressed; the result counts those of both.
    res = run(pairs(2, [], [], "1h", detection={"heartbeat": {"period": "1s", "misses": 3, "loss": "30%"}},
                    failover={"time": "fixed(10s)", "hold": "2h"}))
    per = [sum(1 for e in res.trace or [] if e["event"] == "failover_suppressed" and e["service"] == s)
           for s in ("s1", "s2")]
    assert min(per) > 0 and res.suppressed == sum(per)


@pytest.mark.parametrize(("standby", "duration"), [("hot", 60.0), ("warm", 360.0)])
def test_only_a_standby_that_is_not_hot_starts_up_during_its_promotion(standby: str, duration: float):
    # startup 5 min, failover.time 1 min: a hot standby already runs.
    res = run(pair([perm("10h", "5h")], [], "11h", standby=standby, startup="fixed(5m)",
                   failover={"time": "fixed(1m)"}))
    assert [e["duration"] for _, e in audit(res) if e["event"] == "failover_started"] == [duration]
    assert [o.duration_s for o in res.outages] == [duration]


def test_a_primary_failing_just_before_an_abandoned_switchover_ends_is_in_detection_then():
    # As test_a_primary_failing_during_an_abandoned_switchover_fails_over_then
    # with heartbeats, but p fails 1 s before the switchover ends: the
    # controller suspects it d (2-3 s) after its failure; from the end of
    # the switchover until then the outage is in its detection phase.
    res = run(relsim.load({
        "name": "patch", "horizon": "2d",
        "components": {"p": {"failures": [trans("86699s", "2h")]}, "b": {"failures": [trans("86520s", "10m")]}},
        "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive", "failover": {"time": "fixed(30s)"},
                           "detection": {"heartbeat": {"period": "1s", "misses": 3}}}},
        "schedule": {"patch": {"kind": "maintenance", "every": "7d", "start": "1d", "targets": "p",
                               "lasts": "1h", "drain": True, "switchover": "fixed(5m)"}}}))
    (d,) = res.detection_delays
    assert 2.0 <= d <= 3.0
    assert [(e["t"], e["event"]) for e in res.trace or [] if e["event"] in ("suspected", "promoted")] == [
        (pytest.approx(86699.0 + d), "suspected"), (87120.0, "promoted")]
    assert [(o.start_s, o.end_s, o.detection_s) for o in res.outages] == [(86400.0, 87120.0, pytest.approx(d - 1.0))]


def test_process_decay_counts_from_the_start_of_the_run():
    # success 50 %, halved per month of no drill or failover, counted from
    # t = 0: 50 % at the start, exactly 25 % one month (YEAR / 12) later.
    from relsim.engine.failover import MONTH
    from relsim.engine.simulation import Simulation

    m = pair([], [], f"{MONTH:g}s", failover={"success": "50%", "success_decay": "50%"})
    sim = Simulation(m, 0, 0)
    s = sim.service_nodes["s"]
    assert s.success() == 0.5
    sim.run()
    assert sim.env.now == MONTH
    assert s.success() == 0.25


def test_a_beat_heard_while_the_primary_is_still_down_does_not_end_the_failover():
    # p (za) hangs (silent) 10-11 h: its process still beats, nothing is
    # suspected. The link from za to the controller (zc) is down 10 h 10 min
    # to 10 h 20 min: the beats stop and p is suspected d (2-3 s) after the
    # link failed. When the link heals p's beats are heard again, but p is
    # still down: the decision (hold 30 min) goes on and b is promoted.
    res = _zoned({"za-zc": {"between": ["za", "zc"], "failures": [trans("36600s", "10m")]}},
                 {"p": {"in": "za", "failures": [trans("10h", "1h", silent=True)]}, "b": {"in": "zc"}},
                 ["p", "b"], "12h", failover={"time": "fixed(1m)", "hold": "30m"},
                 detection={**BEATS, "controller": "zc"})
    (d,) = res.detection_delays
    assert 602.0 < d <= 603.0
    t1 = 36000.0 + d
    assert [(round(t * H, 6), e["event"]) for t, e in audit(res)] == [
        (36000.0, "primary_failed"), (pytest.approx(t1), "suspected"), (pytest.approx(t1 + 1800), "failover_decision"),
        (pytest.approx(t1 + 1800), "failover_started"), (pytest.approx(t1 + 1860), "promoted")]
    assert res.suppressed == 0 and res.false_suspicions == 0
    assert [(o.start_s, o.end_s) for o in res.outages] == [(36000.0, pytest.approx(t1 + 1860))]
