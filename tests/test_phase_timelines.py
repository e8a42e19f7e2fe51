"""Exact timelines of mission phases (docs/maintenance-and-cost.md §6).

``fixed(...)`` up-times and repairs, so every failure, phase change and
per-phase tally is worked by hand. Times in days.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim

DAY = 86400.0


def trans(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def run(spec: dict[str, Any]) -> relsim.RunResult:
    return relsim.simulate(relsim.load(spec), seed=0, replication=0, trace=True)


def events(res: relsim.RunResult, kind: str, *fields: str) -> list[tuple[Any, ...]]:
    return [(round(e["t"] / DAY, 9), *(e.get(f) for f in fields)) for e in res.trace or [] if e["event"] == kind]


def test_phases_follow_in_order_and_split_time_and_downtime():
    # a 1 d, b 2 d, c 3 d from t = 0, repeating; horizon 13.5 d:
    # a [0,1] b [1,3] c [3,6] a [6,7] b [7,9] c [9,12] a [12,13] b [13,13.5]
    # x is down 5-8 d (c 1 d, a 1 d, b 1 d) and from 13 d to the horizon (b 0.5 d)
    res = run({"name": "abc", "horizon": "13.5d",
               "components": {"x": {"failures": [trans("5d", "3d")]}},
               "services": {"s": {"replicas": ["x"]}},
               "phases": [{"name": "a", "lasts": "1d"}, {"name": "b", "lasts": "2d"}, {"name": "c", "lasts": "3d"}]})
    assert events(res, "phase", "name") == [(0.0, "a"), (1.0, "b"), (3.0, "c"), (6.0, "a"), (7.0, "b"),
                                            (9.0, "c"), (12.0, "a"), (13.0, "b")]
    up = res.upkeep
    assert {k: v / DAY for k, v in up.items() if k.startswith("phase:")} == pytest.approx({
        "phase:a:time": 3.0, "phase:b:time": 4.5, "phase:c:time": 6.0,
        "phase:a:downtime": 1.0, "phase:b:downtime": 1.5, "phase:c:downtime": 1.0})


def test_phase_tallies_join_the_other_upkeep_tallies():
    # a service with a tier keeps its own downtime in the same dict: x is down 5-8 d
    res = run({"name": "tier", "horizon": "10d",
               "components": {"x": {"failures": [trans("5d", "3d")]}},
               "services": {"s": {"replicas": ["x"], "tier": 1}},
               "phases": [{"name": "a", "lasts": "6d"}, {"name": "b", "lasts": "6d"}]})
    up = res.upkeep
    assert up["service:s:downtime"] == pytest.approx(3 * DAY)
    assert (up["phase:a:time"], up["phase:b:time"]) == pytest.approx((6 * DAY, 4 * DAY))
    assert (up["phase:a:downtime"], up["phase:b:downtime"]) == pytest.approx((1 * DAY, 2 * DAY))


def test_a_clock_under_way_is_rescaled_when_the_rate_falls():
    # storm (x2) for 2 d, then calm: the first up-time of 10 d takes 5 d at twice the rate; 2 d of it
    # (4 d of work) pass in the storm, the remaining 6 d of work take 6 d in calm: failed at 8 d
    # (not 5 d); up at 9 d, then every 11 d
    res = run({"name": "calm", "horizon": "25d",
               "components": {"x": {"failures": [trans("10d", "1d")]}},
               "services": {"s": {"replicas": ["x"]}},
               "phases": [{"name": "storm", "lasts": "2d", "failure_rate": 2},
                          {"name": "calm", "lasts": "100d"}]})
    assert events(res, "failed", "element") == [(8.0, "x"), (19.0, "x")]


def test_a_paused_clock_keeps_its_remaining_work():
    # x has two transient modes: A every 10 d for 3 d, B every 12 d for 1 d; one failing pauses
    # the other's clock. Calm (x1) for 11 d, then storm (x2).
    # A fails at 10 d; B is paused with 2 d left. At 11 d the storm halves B's remaining time: 1 d.
    # At 13 d A is back (next up-time 10/2 = 5 d, due 18 d) and B resumes: fails at 14 d, A paused
    # with 4 d left. B back at 15 d (next up-time 12/2 = 6 d, due 21 d); A resumes: fails at 19 d,
    # B paused with 2 d left; A back at 22 d (due 27 d); B fails at 24 d, A paused with 3 d left;
    # B back at 25 d; A fails at 28 d.
    res = run({"name": "two", "horizon": "30d",
               "components": {"x": {"failures": [trans("10d", "3d"), trans("12d", "1d")]}},
               "services": {"s": {"replicas": ["x"]}},
               "phases": [{"name": "calm", "lasts": "11d"},
                          {"name": "storm", "lasts": "100d", "failure_rate": 2}]})
    assert events(res, "failed", "spec") == [(10.0, 0), (14.0, 1), (19.0, 0), (24.0, 1), (28.0, 0)]


def test_failure_rates_by_group_and_by_component():
    # failure_rate 2 for every element but the group g (x4: g-1, g-2) and the component c (x1)
    # in the first phase (20 d); every clock is fixed(8d): g's members fail at 2 d, d at 4 d, c at 8 d
    res = run({"name": "rates", "horizon": "10d",
               "components": {"g": {"count": 2, "failures": [trans("8d", "30d")]},
                              "c": {"failures": [trans("8d", "30d")]},
                              "d": {"failures": [trans("8d", "30d")]}},
               "services": {"s": {"replicas": ["g", "c", "d"], "needs": 1}},
               "phases": [{"name": "p", "lasts": "20d", "failure_rate": 2, "failure_rates": {"g": 4, "c": 1}},
                          {"name": "q", "lasts": "20d"}]})
    assert sorted(events(res, "failed", "element")) == [(2.0, "g-1"), (2.0, "g-2"), (4.0, "d"), (8.0, "c")]


def test_needs_of_the_first_phase_hold_from_the_start_and_a_rising_needs_names_the_phase():
    # web (v, w-1, w-2, active-active) needs 3 in p1 (2 d) and its own 1 in p2 (3 d); v is down 1-6 d.
    # p1 [0,2]: v down at 1 d -> s = 2/3; p2 [2,5]: s = 1; p1 again at 5 d: s = 2/3 (cause: the
    # phase) until v is back at 6 d. The first phase's needs are set before the services start:
    # no `needs` event at 0.
    res = run({"name": "needs", "horizon": "6.5d",
               "components": {"w": {"count": 2}, "v": {"failures": [trans("1d", "5d")]}},
               "services": {"web": {"replicas": ["v", "w-1", "w-2"]}},
               "phases": [{"name": "p1", "lasts": "2d", "needs": {"web": 3}}, {"name": "p2", "lasts": "3d"}]})
    assert events(res, "needs", "service", "needs", "by") == [(2.0, "web", 1, "p2"), (5.0, "web", 3, "p1")]
    assert [(round(e["t"] / DAY, 9), pytest.approx(e["s"])) for e in res.trace if e["event"] == "service"
            and e["service"] == "web"] == [(1.0, 2 / 3), (2.0, 1.0), (5.0, 2 / 3), (6.0, 1.0)]
    assert [(o.start_s / DAY, o.end_s / DAY, o.cause_element, o.cause_kind) for o in res.outages] == [
        (1.0, 2.0, "v", "transient"), (5.0, 6.0, "p1", "phase")]


def service_steps(res: relsim.RunResult, service: str) -> list[tuple[float, Any]]:
    return [(round(e["t"] / DAY, 9), pytest.approx(e["s"])) for e in res.trace or []
            if e["event"] == "service" and e["service"] == service]


def test_each_named_service_gets_its_phase_needs_or_its_own_back():
    # A (x, a-1, a-2) and B (y, b-1, b-2), needs 1 of their own; x and y down from 0.5 d on.
    # p1 (2 d) needs 3 of both, p2 (2 d) 3 of A only, p3 (2 d) none, then p1 again:
    # at 2 d only B changes, at 4 d only A, at 6 d both
    res = run({"name": "two", "horizon": "7d",
               "components": {"a": {"count": 3}, "b": {"count": 3},
                              "x": {"failures": [trans("0.5d", "100d")]}, "y": {"failures": [trans("0.5d", "100d")]}},
               "services": {"A": {"replicas": ["x", "a-1", "a-2"]}, "B": {"replicas": ["y", "b-1", "b-2"]}},
               "entry": "A",
               "phases": [{"name": "p1", "lasts": "2d", "needs": {"A": 3, "B": 3}},
                          {"name": "p2", "lasts": "2d", "needs": {"A": 3}},
                          {"name": "p3", "lasts": "2d"}]})
    assert sorted(events(res, "needs", "service", "needs", "by")) == [
        (2.0, "B", 1, "p2"), (4.0, "A", 1, "p3"), (6.0, "A", 3, "p1"), (6.0, "B", 3, "p1")]
    assert service_steps(res, "A") == [(0.5, 2 / 3), (4.0, 1.0), (6.0, 2 / 3)]
    assert service_steps(res, "B") == [(0.5, 2 / 3), (2.0, 1.0), (6.0, 2 / 3)]


def test_a_quorum_takes_its_phase_needs():
    # db: quorum of 3 (a majority: 2); v down 1-6 d; p1 (2 d) needs all 3, p2 (3 d) its own 2
    res = run({"name": "q", "horizon": "6.5d",
               "components": {"q": {"count": 2}, "v": {"failures": [trans("1d", "5d")]}},
               "services": {"db": {"replicas": ["v", "q-1", "q-2"], "mode": "quorum"}},
               "phases": [{"name": "p1", "lasts": "2d", "needs": {"db": 3}}, {"name": "p2", "lasts": "3d"}]})
    assert service_steps(res, "db") == [(1.0, 0.0), (2.0, 1.0), (5.0, 0.0), (6.0, 1.0)]
    assert [(o.start_s / DAY, o.end_s / DAY, o.cause_element, o.cause_kind) for o in res.outages] == [
        (1.0, 2.0, "v", "transient"), (5.0, 6.0, "p1", "phase")]


def lb_run(phased: str, horizon: str = "6h") -> relsim.RunResult:
    # web (v, w-1, w-2) behind lb, api (2 backends) behind front; v fails at 1 h for good.
    # p1 (2 h) needs all 3 of web, p2 (2 h) its own 1.
    return relsim.simulate(relsim.load({
        "name": "lb", "horizon": horizon,
        "components": {"v": {"failures": [trans("1h", "100h")]}, "w": {"count": 2}, "api": {"count": 2}},
        "services": {"web": {"replicas": ["v", "w"]}, "api": {"replicas": ["api"]}}, "entry": "web",
        "load_balancers": {"lb": {"service": "web", "health_check": {
            "interval": "0s", "unhealthy": 1, "healthy": 1, "timeout": "5s"}},
                           "front": {"service": "api"}},
        "workload": {"rate": "30/s", "target": phased},
        "phases": [{"name": "p1", "lasts": "2h", "needs": {"web": 3}}, {"name": "p2", "lasts": "2h"}]}), 0, 0)


def test_a_load_balancer_in_front_of_a_phased_service_splits_by_its_needs():
    # each backend serves at most 1/needs of the load. p1 [0,2 h]: v down at 1 h, out of rotation
    # 5 s later: 1/3 of 30/s fails for 5 s, then 2 backends of 1/2 each serve 1/3 each: 10/s fail
    # until 2 h; p2 [2,4 h]: needs 1, all served; p1 again [4,6 h]: 10/s fail
    res = lb_run("lb")
    assert res.requests["failed"] == pytest.approx(10 * (5 + 3595 + 2 * 3600), rel=1e-9)
    # a balancer in front of another service keeps its own split: api never fails
    assert lb_run("front").requests["failed"] == 0.0


def test_needs_change_beside_a_dns_name():
    # a DNS name is a target with no service behind it: the needs of east change (2 then its own 1)
    # while clients resolve www; nothing fails, so every request is served
    res = relsim.simulate(relsim.load({
        "name": "dns", "horizon": "3h",
        "components": {"e": {"count": 2}, "w": {}},
        "services": {"east": {"replicas": ["e"]}, "west": {"replicas": ["w"]}}, "entry": "east",
        "dns": {"names": {"www": {"records": ["east", "west"], "ttl": "60s"}}},
        "workload": {"rate": "10/s", "target": "www"},
        "phases": [{"name": "p1", "lasts": "1h", "needs": {"east": 2}}, {"name": "p2", "lasts": "1h"}]}),
        0, 0, trace=True)
    assert [(e["t"] / 3600.0, e["needs"]) for e in res.trace if e["event"] == "needs"] == [(1.0, 1), (2.0, 2)]
    assert res.requests["failed"] == 0.0
