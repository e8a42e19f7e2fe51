"""Exact timelines of the schedule section (relsim/engine/scheduled.py; docs/changes.md, "Scheduled events").

Every entry runs once (``at:``) or at ``fixed`` times with ``fixed``
durations, so each trace event, outage and tally below is worked by hand:
drills (started, failed, skipped, in a window), chaos experiments (run,
skipped for the steady state or a target already down) and maintenance
(batches, pauses, targets named through services and groups, skipped
targets, drained load balancers, hand-overs). Times in minutes.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim

MIN, HOUR, DAY = 60.0, 3600.0, 86400.0


def run(spec: dict[str, Any]) -> relsim.RunResult:
    return relsim.simulate(relsim.load({"name": "s", "horizon": "4h", **spec}), 0, 0, trace=True)


def trace(res: relsim.RunResult, *kinds: str) -> list[dict[str, Any]]:
    """The events of ``kinds``, time in minutes, without the event name when only one kind is asked for."""
    out = []
    for e in res.trace or []:
        if e["event"] in kinds:
            e = {**e, "t": round(e["t"] / MIN, 9)}
            if len(kinds) == 1:
                del e["event"]
            out.append(e)
    return out


def outages(res: relsim.RunResult) -> list[tuple[float, float, str, int, str, bool]]:
    return [(o.start_s / MIN, o.end_s / MIN, o.cause_element, o.cause_spec, o.cause_kind, o.planned)
            for o in res.outages]


def trans(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def pair(success: float = 1.0, db: dict[str, Any] | None = None, **drill: Any) -> dict[str, Any]:
    """An active-passive pair (db-1 primary, failover 1 min) drilled at 2 h for 30 min."""
    return {"components": {"db": {"count": 2, **(db or {})}},
            "services": {"store": {"mode": "active-passive", "replicas": ["db"],
                                   "failover": {"time": "fixed(1m)", "success": success}}},
            "schedule": {"gd": {"kind": "drill", "service": "store", "at": "2h", "lasts": "30m", **drill}}}


# -- drills --------------------------------------------------------------------------------------


def test_a_drill_takes_the_primary_out_and_the_failover_runs():
    res = run(pair())
    assert trace(res, "drill_start") == [{"t": 120, "schedule": "gd", "service": "store", "primary": "db-1",
                                          "lasts": 1800.0, "success": 1.0}]
    assert trace(res, "stopped", "restored") == [{"t": 120, "event": "stopped", "element": "db-1", "by": "gd"},
                                                 {"t": 150, "event": "restored", "element": "db-1", "by": "gd"}]
    assert trace(res, "drill_end") == [{"t": 150, "schedule": "gd", "service": "store", "failed_over": True,
                                        "primary": "db-2"}]
    assert outages(res) == [(120, 121, "db-1", -1, "drill", True)]
    assert (res.planned["drills"], res.planned["drills_failed"]) == (1.0, 0.0)


def test_a_drill_whose_promotion_fails_counts_as_failed():
    # success 0: db-2 is never promoted; the service is down until db-1 is back at 150 min
    res = run(pair(success=0.0))
    assert trace(res, "drill_end") == [{"t": 150, "schedule": "gd", "service": "store", "failed_over": False,
                                        "primary": "db-1"}]
    assert (res.planned["drills"], res.planned["drills_failed"]) == (1.0, 1.0)
    assert outages(res) == [(120, 150, "db-1", -1, "drill", True)]


def test_a_drill_is_skipped_while_the_primary_is_down():
    # db-1 fails at 1 h for 3 h and the promotion fails (success 0): at 2 h no failover is under way,
    # but the primary is down
    res = run(pair(success=0.0, db={"failures": [trans("1h", "3h")]}))
    assert trace(res, "drill_skipped") == [{"t": 120, "schedule": "gd", "service": "store",
                                            "reason": "the primary is not a serving element or a failover is under way"}]
    assert trace(res, "drill_start", "stopped") == []
    assert res.planned["drills"] == 0.0


def test_a_drill_whose_failover_is_held_off_past_its_end_counts_as_failed():
    # the decision waits 1 h after the suspicion (hold): at the drill's end db-1 is still the
    # (held-down) primary, so nobody took over; its return cancels the failover
    res = run({**pair(), "services": {"store": {"mode": "active-passive", "replicas": ["db"],
                                                "failover": {"time": "fixed(1m)", "hold": "1h"}}}})
    assert trace(res, "drill_end") == [{"t": 150, "schedule": "gd", "service": "store", "failed_over": False,
                                        "primary": "db-1"}]
    assert (res.planned["drills"], res.planned["drills_failed"]) == (1.0, 1.0)
    assert outages(res) == [(120, 150, "db-1", -1, "drill", True)]


def test_a_drill_is_skipped_during_a_switchover():
    # a drained maintenance of db-1 at 2 h hands over to db-2 in 10 min; the drill due at 2 h 5 min
    # finds the switchover under way (the primary still serving): skipped
    spec = pair(at="125m")
    spec["schedule"]["patch"] = {"kind": "maintenance", "at": "2h", "targets": ["db-1"], "lasts": "30m",
                                 "drain": True, "switchover": "fixed(10m)"}
    res = run(spec)
    assert [e["t"] for e in trace(res, "drill_skipped")] == [125]
    assert trace(res, "drill_start") == [] and res.planned["drills"] == 0.0
    assert outages(res) == [(120, 130, "db-1", -1, "maintenance", True)]


def test_a_drill_waits_for_its_window():
    # due at 2 h on Monday; the window opens on Tuesday at 10:00
    res = run({**pair(window="Tue-Thu 10:00-16:00"), "horizon": "2d"})
    assert [e["t"] for e in trace(res, "drill_start")] == [(DAY + 10 * HOUR) / MIN]
    assert outages(res) == [((DAY + 10 * HOUR) / MIN, (DAY + 10 * HOUR) / MIN + 1, "db-1", -1, "drill", True)]


# -- chaos ---------------------------------------------------------------------------------------


def chaos(**entry: Any) -> dict[str, Any]:
    """s = a or b; t = c. Chaos fails a at 1 h and at 2 h (every 1 h, from 1 h) for 10 min."""
    return {"components": {"a": {}, "b": {}, "c": {"failures": [trans("110m", "20m")]}},
            "services": {"s": {"replicas": ["a", "b"]}, "t": {"replicas": ["c"]}}, "entry": "s",
            "horizon": "150m",
            "schedule": {"monkey": {"kind": "fail", "every": "fixed(1h)", "start": "1h", "fail": "a",
                                    "for": "10m", **entry}}}


def test_chaos_runs_and_ends_with_the_trace_naming_the_experiment():
    res = run({**chaos(), "components": {"a": {}, "b": {"failures": [trans("65m", "1h")]}, "c": {}}})
    # a is out 60-70 and 120-130 min; b fails at 65 min for an hour: s is down 65-70 min (cause: b)
    # and 120-125 min (cause: the chaos on a, b being down), up again when b is back at 125 min
    assert trace(res, "chaos_start", "chaos_end") == [
        {"t": 60, "event": "chaos_start", "schedule": "monkey", "element": "a", "duration": 600.0},
        {"t": 70, "event": "chaos_end", "schedule": "monkey", "element": "a"},
        {"t": 120, "event": "chaos_start", "schedule": "monkey", "element": "a", "duration": 600.0},
        {"t": 130, "event": "chaos_end", "schedule": "monkey", "element": "a"}]
    assert outages(res) == [(65, 70, "b", 0, "transient", False), (120, 125, "a", -1, "chaos", True)]
    assert res.planned["chaos"] == 2.0


def test_chaos_is_skipped_when_a_service_of_the_steady_state_is_not_fully_up():
    # t (c) is down 110-130 min: the experiment due at 2 h is skipped, the one at 1 h runs
    res = run(chaos(steady_state=["t", "c"]))
    assert trace(res, "chaos_skipped") == [{"t": 120, "schedule": "monkey", "element": "a",
                                            "reason": "steady state does not hold: t, c not fully up"}]
    assert [e["t"] for e in trace(res, "chaos_start")] == [60]
    assert (res.planned["chaos"], res.planned["chaos_skipped"]) == (1.0, 1.0)


def test_chaos_is_skipped_when_its_target_is_down_or_between_the_spells_of_an_episode():
    # a: an intermittent episode from 1 h for 1 h: down 60-70, up 70-90, down 90-100, up 100-120 min;
    # chaos at 65 min (a down) and 75 min (a up, but failing: an episode under way), at 125 min it runs
    res = run({"components": {"a": {"failures": [{"kind": "intermittent", "every": "fixed(1h)", "lasts": "fixed(1h)",
                                                   "down": "fixed(10m)", "up": "fixed(20m)"}]}},
               "services": {"s": {"replicas": ["a"]}}, "horizon": "150m",
               "schedule": {"monkey": {"kind": "fail", "at": ["65m", "75m", "125m"], "fail": "a", "for": "5m"}}})
    assert trace(res, "chaos_skipped") == [
        {"t": 65, "schedule": "monkey", "element": "a", "reason": "a is already down"},
        {"t": 75, "schedule": "monkey", "element": "a", "reason": "a is already down"}]
    assert [e["t"] for e in trace(res, "chaos_start")] == [125]
    assert (res.planned["chaos"], res.planned["chaos_skipped"]) == (1.0, 2.0)


# -- maintenance ---------------------------------------------------------------------------------


def test_maintenance_in_batches_with_a_pause_and_targets_through_services_and_groups():
    # targets: service api (replicas: service inner = x, and y) and group g (g-1, g-2): x, y, g-1, g-2
    # in batches of 3: [x, y, g-1] 60-90 min, a 1 s pause, [g-2] from 90 min + 1 s for 30 min
    res = run({"components": {"x": {}, "y": {}, "g": {"count": 2}, "z": {}},
               "services": {"inner": {"replicas": ["x"]}, "api": {"replicas": ["inner", "y"]},
                            "web": {"replicas": ["g", "z"]}},
               "entry": "web",
               "schedule": {"patch": {"kind": "maintenance", "at": "1h", "targets": ["api", "g"], "batch": 3,
                                      "pause": "1s", "lasts": "30m"}}})
    assert trace(res, "maintenance_start") == [{"t": 60, "schedule": "patch", "targets": ["x", "y", "g-1", "g-2"],
                                                "batches": 2}]
    end = round(90 + 1 / 60, 9)
    assert trace(res, "maintenance_batch") == [
        {"t": 60, "schedule": "patch", "batch": 1, "elements": ["x", "y", "g-1"], "lasts": 1800.0},
        {"t": end, "schedule": "patch", "batch": 2, "elements": ["g-2"], "lasts": 1800.0}]
    assert [(e["t"], e["event"], e["element"], e["by"]) for e in trace(res, "stopped", "restored")] == [
        (60, "stopped", "x", "patch"), (60, "stopped", "y", "patch"), (60, "stopped", "g-1", "patch"),
        (90, "restored", "x", "patch"), (90, "restored", "y", "patch"), (90, "restored", "g-1", "patch"),
        (end, "stopped", "g-2", "patch"), (end + 30, "restored", "g-2", "patch")]
    assert trace(res, "maintenance_end") == [{"t": end + 30, "schedule": "patch"}]
    assert res.planned["maintenance"] == 1.0
    assert res.outages == []  # web keeps z


def test_maintenance_skips_a_target_already_down_and_names_itself_as_the_cause():
    # s = a, u = b; b is down 30-70 min; maintenance of [a, b] at 1 h for 1 h: b is skipped,
    # a goes out 60-120 min
    res = run({"components": {"a": {}, "b": {"failures": [trans("30m", "40m")]}},
               "services": {"s": {"replicas": ["a"]}, "u": {"replicas": ["b"]}}, "entry": "s",
               "schedule": {"patch": {"kind": "maintenance", "at": "1h", "targets": ["a", "b"], "lasts": "1h"}}})
    assert trace(res, "maintenance_skipped") == [{"t": 60, "schedule": "patch", "element": "b",
                                                  "reason": "already down"}]
    assert outages(res) == [(60, 120, "a", -1, "maintenance", True)]


def test_drained_maintenance_takes_the_backend_out_of_rotation_first_and_names_itself():
    # web needs both backends (each serves at most 1/2 behind lb); draining web-1 at 1 h halves what
    # lb serves until web-1 is back at 90 min and rejoins (healthy after 0 s of checks)
    res = run({"components": {"web": {"count": 2}},
               "services": {"web": {"replicas": ["web"], "needs": 2}},
               "load_balancers": {"lb": {"service": "web", "health_check": {
                   "interval": "0s", "unhealthy": 1, "healthy": 1, "timeout": "5s"}}},
               "workload": {"rate": "10/s", "target": "lb"},
               "schedule": {"patch": {"kind": "maintenance", "at": "1h", "targets": ["web-1"], "lasts": "30m",
                                      "drain": True}}})
    assert trace(res, "drained") == [{"t": 60, "lb": "lb", "backend": "web-1", "schedule": "patch"}]
    assert outages(res) == [(60, 90, "web-1", -1, "maintenance", True)]
    assert res.requests["failed"] == pytest.approx(5 * 1800, rel=1e-12)


def test_a_primary_hands_over_only_to_a_standby_outside_the_batch():
    # one batch of db-1, db-2 and ob-1: store (db) has no standby outside it, store2 (ob) hands over
    # to ob-2 in 5 s before ob-1 goes
    res = run({"components": {"db": {"count": 2}, "ob": {"count": 2}},
               "services": {"store": {"mode": "active-passive", "replicas": ["db"],
                                      "failover": {"time": "fixed(30s)"}},
                            "store2": {"mode": "active-passive", "replicas": ["ob"],
                                       "failover": {"time": "fixed(30s)"}}},
               "entry": "store2",
               "schedule": {"patch": {"kind": "maintenance", "at": "1h", "targets": ["store", "ob-1"],
                                      "lasts": "30m", "drain": True, "switchover": "fixed(5s)"}}})
    assert trace(res, "switchover_impossible") == [{"t": 60, "schedule": "patch", "service": "store",
                                                    "primary": "db-1",
                                                    "reason": "no healthy standby outside the batch"}]
    assert outages(res) == [(60, 60 + 5 / 60, "ob-1", -1, "maintenance", True)]


def test_a_drained_backend_that_never_went_down_rejoins_after_the_checks():
    # web-1: an intermittent episode from 1 h, down 60-70 and 90-100 min. The maintenance at 75 min
    # drains it, finds it failing (between spells) and skips it; at 85 min, its time over, web-1
    # (up all along) rejoins the rotation after the health checks (healthy after 0 s).
    # web needs both (each serves at most 1/2): half the requests fail while web-1 is down or out
    res = run({"components": {"web-2": {}, "web-1": {"failures": [{
                   "kind": "intermittent", "every": "fixed(1h)", "lasts": "fixed(1h)",
                   "down": "fixed(10m)", "up": "fixed(20m)"}]}},
               "services": {"web": {"replicas": ["web-1", "web-2"], "needs": 2}},
               "load_balancers": {"lb": {"service": "web", "health_check": {
                   "interval": "0s", "unhealthy": 1, "healthy": 1, "timeout": "5s"}}},
               "workload": {"rate": "10/s", "target": "lb"}, "horizon": "110m",
               "schedule": {"patch": {"kind": "maintenance", "at": "75m", "targets": ["web-1"], "lasts": "10m",
                                      "drain": True}}})
    assert [(e["t"], e["event"]) for e in trace(res, "lb_out", "lb_in", "drained", "maintenance_skipped")] == [
        (round(60 + 5 / 60, 9), "lb_out"), (70, "lb_in"), (75, "drained"), (75, "maintenance_skipped"), (85, "lb_in"),
        (round(90 + 5 / 60, 9), "lb_out"), (100, "lb_in")]
    assert outages(res) == [(60, 70, "web-1", 0, "intermittent", False), (75, 85, "web-1", -1, "maintenance", True),
                            (90, 100, "web-1", 0, "intermittent", False)]
    assert res.requests["failed"] == pytest.approx(5 * (600 + 600 + 600), rel=1e-12)


def test_an_entry_draws_each_duration_from_its_stream_in_turn():
    # the sampler of `for` is made once and kept: four experiments, four different exp(10 min) draws
    # (one stream read on, not started afresh each time)
    res = run({"components": {"a": {}, "b": {}}, "services": {"s": {"replicas": ["a", "b"]}}, "horizon": "5h",
               "schedule": {"monkey": {"kind": "fail", "every": "fixed(1h)", "fail": "a", "for": "exp(mean=10m)"}}})
    durations = [e["duration"] for e in trace(res, "chaos_start")]
    assert len(durations) == 4 and len(set(durations)) == 4


def test_a_drained_backend_still_down_at_the_end_stays_out_until_it_serves():
    # web-1 sits in domain d, which fails at 70 min for 1 h; the drained maintenance of web-1 runs
    # 60-80 min: at 80 min web-1 is restored but still down with d, so it stays out of rotation and
    # the maintenance ends; it rejoins when d is back at 130 min
    res = run({"domains": {"d": {"failures": [trans("70m", "1h")]}},
               "components": {"web-1": {"in": "d"}, "web-2": {}},
               "services": {"web": {"replicas": ["web-1", "web-2"], "needs": 2}},
               "load_balancers": {"lb": {"service": "web", "health_check": {
                   "interval": "0s", "unhealthy": 1, "healthy": 1, "timeout": "5s"}}},
               "workload": {"rate": "10/s", "target": "lb"}, "horizon": "150m",
               "schedule": {"patch": {"kind": "maintenance", "at": "1h", "targets": ["web-1"], "lasts": "20m",
                                      "drain": True}}})
    assert [(e["t"], e["event"]) for e in trace(res, "drained", "lb_out", "lb_in", "maintenance_end")] == [
        (60, "drained"), (80, "maintenance_end"), (130, "lb_in")]
    assert res.requests["failed"] == pytest.approx(5 * 70 * 60, rel=1e-12)  # half of 10/s for 60-130 min
