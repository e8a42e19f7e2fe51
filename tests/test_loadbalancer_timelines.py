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


def out_then_in(res: Any) -> tuple[float, float]:
    """The times of a replication's only lb_out and the lb_in after it (checked to be just those two)."""
    moves = [(e["t"], e["event"]) for e in res.trace if e["event"] in ("lb_out", "lb_in")]
    assert [ev for _, ev in moves] == ["lb_out", "lb_in"]
    return moves[0][0], moves[1][0]


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


def test_capacity_with_retries_serves_and_duplicates_exactly():
    # one backend, capacity 0.25 attempts/s, 0.4 requests/s of non-idempotent
    # writes with 2 attempts each: an attempt succeeds with p = 0.25 / (0.4·A(p)),
    # A(p) = 2 − p, so p(2 − p) = 0.625, p = 1 − √0.375; every attempt reaches
    # the backend (served or late), so a request's duplicates are A(p)·1 − 1 = 1 − p;
    # it is served with 1 − (1 − p)² = p(2 − p) = 0.625.
    # The balancer is down 10-11 h: nothing served, late or duplicated then.
    m = lb_model({"web-1": []}, lb={"capacity": "0.25/s", "failures": [down("10h", "1h")]}, rate="0.4/s",
                 workload={"writes": 1.0, "idempotent": False, "clients": {"retry": {"attempts": 2}}})
    res = relsim.simulate(m, 0, 0)
    p = 1 - math.sqrt(0.375)
    up = 0.4 * 19 * HOUR
    assert res.requests["served"] == pytest.approx(up * 0.625, rel=1e-9)
    assert res.requests["duplicates"] == pytest.approx(up * (1 - p), rel=1e-9)
    assert res.requests["attempts"] == pytest.approx(up * (2 - p) + 0.4 * HOUR * 2, rel=1e-9)


def test_a_rotation_without_weight_serves_nothing():
    # weighted 1 : 0; web-1 down 10-11 h leaves rotation at 10 h + 5 s: web-2 alone
    # has no weight, so every request of that hour fails
    m = lb_model({"web-1": [down("10h", "1h")], "web-2": []},
                 lb={"algorithm": "weighted", "weights": {"web-1": 1, "web-2": 0}})
    res = relsim.simulate(m, 0, 0)
    assert res.requests["failed"] == pytest.approx(30 * HOUR, rel=1e-12)


def test_a_backend_failing_again_before_it_rejoins_stays_out():
    # two passed checks to rejoin (10-20 s after a return); web-1 is down
    # 10 h - 10 h + 60 s and again from 10 h + 61 s for an hour (its second clock
    # counts up-time: 36,001 s of it end at 10 h + 61 s): it leaves rotation
    # once, does not rejoin while down, and rejoins 10-20 s after 11 h + 61 s
    check = {"interval": "10s", "unhealthy": 1, "healthy": 2, "timeout": "5s"}
    m = lb_model({"web-1": [down("10h", "60s"), down("36001s", "1h")], "web-2": [], "web-3": []},
                 lb={"health_check": check})
    res = relsim.simulate(m, 0, 0, trace=True)
    t_out, t_in = out_then_in(res)
    assert 10 * HOUR + 5 <= t_out < 10 * HOUR + 15
    assert 11 * HOUR + 71 <= t_in < 11 * HOUR + 81
    assert res.requests["failed"] == pytest.approx(10 * (t_out - 10 * HOUR), rel=1e-12)


def test_backends_that_are_services():
    # web's backends are the services a (needs 2 of a1, a2) and b (b1). a1 down
    # 10-11 h halves a: a stays in rotation and half its share fails; b1 down
    # 15-16 h takes b out 5 s later
    m = relsim.load({
        "name": "nested", "horizon": "20h",
        "components": {"a1": {"failures": [down("10h", "1h")]}, "a2": {}, "b1": {"failures": [down("15h", "1h")]}},
        "services": {"a": {"replicas": ["a1", "a2"], "needs": 2}, "b": {"replicas": ["b1"]},
                     "web": {"replicas": ["a", "b"]}},
        "load_balancers": {"lb": {"service": "web", "health_check": CHECK}},
        "workload": {"rate": "30/s", "target": "lb"}})
    res = relsim.simulate(m, 0, 0, trace=True)
    moves = [(e["t"], e["event"], e["backend"]) for e in res.trace if e["event"] in ("lb_out", "lb_in")]
    assert moves == [(15 * HOUR + 5, "lb_out", "b"), (16 * HOUR, "lb_in", "b")]
    assert res.requests["failed"] == pytest.approx(15 * 0.5 * HOUR + 15 * 5, rel=1e-12)


def test_a_backend_rejoins_one_check_run_after_its_first_return():
    # five passed checks to rejoin (40-50 s after a return, every 10 s). Service a
    # (needs 2 of a1, a2) is down from 10 h: a1 is back at 11 h (a half up), a2 at
    # 11 h + 39 s: a rejoins 40-50 s after 11 h, the checks not restarted by a2
    check = {"interval": "10s", "unhealthy": 1, "healthy": 5, "timeout": "5s"}
    m = relsim.load({
        "name": "nested", "horizon": "20h",
        "components": {"a1": {"failures": [down("10h", "1h")]}, "a2": {"failures": [down("10h", "3639s")]},
                       "b1": {}},
        "services": {"a": {"replicas": ["a1", "a2"], "needs": 2}, "b": {"replicas": ["b1"]},
                     "web": {"replicas": ["a", "b"]}},
        "load_balancers": {"lb": {"service": "web", "health_check": check}},
        "workload": {"rate": "30/s", "target": "lb"}})
    res = relsim.simulate(m, 0, 0, trace=True)
    t_out, t_in = out_then_in(res)
    assert 10 * HOUR + 5 <= t_out < 10 * HOUR + 15
    assert 11 * HOUR + 40 <= t_in < 11 * HOUR + 50
    assert res.requests["failed"] == pytest.approx(15 * (t_out - 10 * HOUR), rel=1e-12)


def test_round_robin_ignores_weights():
    m = lb_model({"web-1": [down("10h", "1h")], "web-2": [], "web-3": []}, lb={"weights": {"web-1": 2}})
    res = relsim.simulate(m, 0, 0)
    assert res.requests["failed"] == pytest.approx(10 * 5, rel=1e-12)  # a third of 30/s for 5 s


def test_no_saturation_without_capacity():
    # a rate limit (never reached) makes the path load-dependent; the balancer has
    # no capacity, so its saturation stays 0
    m = lb_model({"web-1": [down("10h", "1h")], "web-2": []}, workload={"rate_limit": {"rate": "1000/s"}})
    pieces: list[Any] = []
    relsim.simulate(m, 0, 0, on_piece=pieces.append)
    assert len(pieces) > 2 and {p.saturation for p in pieces} == {0.0}


def test_the_overload_event_names_the_balancer():
    # capacity 1 attempt/s per backend, 4/s offered over two: utilisation 2 > 1.5
    m = lb_model({"web-1": [], "web-2": []}, rate="4/s",
                 lb={"capacity": "1/s", "overload": {"capacity": 1.5, "lasts": "fixed(10m)"}})
    res = relsim.simulate(m, 0, 0, trace=True)
    first = next(e for e in res.trace if e["event"] == "overload")
    assert first == {"t": 0.0, "event": "overload", "serving": 2, "lb": "lb"}


def test_dns_latency_routing_places_a_balancer_in_its_domain():
    # records app-us and lb (in eu): europe (near eu) is on lb, america on app-us;
    # us fails at 10 h for 5 h: only america moves (to lb), 5 s later
    m = relsim.load({
        "name": "gtm", "horizon": "20h",
        "domains": {"eu": {}, "us": {"failures": [down("10h", "5h")]}},
        "components": {"web-us": {"in": "us"}, "web-x": {}},
        "services": {"app-us": {"replicas": ["web-us"]}, "app-x": {"replicas": ["web-x"]}},
        "load_balancers": {"lb": {"service": "app-x", "in": "eu"}},
        "entry": "app-us",
        "dns": {"names": {"www": {"records": ["app-us", "lb"], "policy": "latency", "ttl": "60s",
                                  "health_check": CHECK}}},
        "workload": {"rate": "10/s", "target": "www",
                     "populations": {"europe": {"share": 0.75, "near": "eu"},
                                     "america": {"share": 0.25, "near": "us"}}}})
    res = relsim.simulate(m, 0, 0, trace=True)
    moves = [(e["t"], e["population"], e["answer"]) for e in res.trace if e["event"] == "dns_answer"]
    assert moves == [(10 * HOUR + 5, "america", {"lb": 1.0}), (15 * HOUR, "america", {"app-us": 1.0})]
    assert res.requests["failed"] == pytest.approx(2.5 * (5 + 30), rel=1e-12)


# -- rotation changes that leave the served share as it was ---------------------------
# The request path also reads a balancer's overflow (attempts processed beyond a
# backend's 1/needs share, too late: a retried non-idempotent write runs twice).
# Non-idempotent writes at 30/s with 2 attempts: per attempt success p and late
# share r give A(p)·(p + r) − 1 + (1 − p − r)² duplicates per request, A(p) = 2 − p.

WRITES = {"writes": 1.0, "idempotent": False, "clients": {"retry": {"attempts": 2}}}


def needs_model(backends: dict[str, list[dict[str, Any]]], needs: int) -> relsim.Model:
    return relsim.load({
        "name": "lb", "horizon": "20h",
        "components": {b: {"failures": f} for b, f in backends.items()},
        "services": {"web": {"replicas": list(backends), "needs": needs}},
        "load_balancers": {"lb": {"service": "web", "health_check": CHECK}},
        "workload": {"rate": "30/s", "target": "lb", **WRITES}})


def test_a_removal_that_keeps_the_served_share_duplicates_from_the_removal():
    # needs 2 of web-1, web-2 (each carries half the load). web-1 down 10-11 h:
    # 10 h to 10 h + 5 s: shares (0, 1/2), p = 1/2, nothing late: 1.5·0.5 − 1 + 0.25 = 0;
    # from 10 h + 5 s web-2 gets everything and serves half: p = 1/2 still, r = 1/2:
    # 1.5·1 − 1 + 0 = 0.5 duplicates per request for the 3595 s until 11 h
    res = relsim.simulate(needs_model({"web-1": [down("10h", "1h")], "web-2": []}, 2), 0, 0, trace=True)
    assert [(e["t"], e["event"]) for e in res.trace if e["event"] in ("lb_out", "lb_in")] == [
        (10 * HOUR + 5, "lb_out"), (11 * HOUR, "lb_in")]
    assert res.requests["duplicates"] == pytest.approx(30 * 3595 * 0.5, rel=1e-12)
    # success 1 − (1/2)² = 3/4 for the hour, attempts 1.5 per request
    assert res.requests["served"] == pytest.approx(30 * 19 * HOUR + 30 * HOUR * 0.75, rel=1e-12)
    assert res.requests["attempts"] == pytest.approx(30 * 19 * HOUR + 30 * HOUR * 1.5, rel=1e-12)


def test_two_removals_at_the_same_instant_are_both_seen():
    # needs 3 of four backends (1/3 each at most); web-1 and web-2 down 10-11 h,
    # both leave rotation at 10 h + 5 s. After web-1: shares (0, 1/3, 1/3), served
    # 2/3, none late; after web-2: (1/2, 1/2), served 2/3 still, late 2 (1/2 − 1/3) = 1/3:
    # p = 2/3, r = 1/3: (4/3)·1 − 1 + 0 = 1/3 duplicates per request until 11 h
    # (before 10 h + 5 s: p = 1/2, r = 0: none)
    res = relsim.simulate(needs_model({"web-1": [down("10h", "1h")], "web-2": [down("10h", "1h")],
                                       "web-3": [], "web-4": []}, 3), 0, 0, trace=True)
    moves = [(e["t"], e["event"], e["backend"]) for e in res.trace if e["event"] in ("lb_out", "lb_in")]
    assert moves == [(10 * HOUR + 5, "lb_out", "web-1"), (10 * HOUR + 5, "lb_out", "web-2"),
                     (11 * HOUR, "lb_in", "web-1"), (11 * HOUR, "lb_in", "web-2")]
    assert res.requests["duplicates"] == pytest.approx(30 * 3595 / 3, rel=1e-12)
    # success 3/4 for 5 s, then 1 − (1/3)² = 8/9
    assert res.requests["served"] == pytest.approx(30 * 19 * HOUR + 30 * 5 * 0.75 + 30 * 3595 * 8 / 9,
                                                   rel=1e-12)


def test_a_rejoin_that_changes_nothing_the_path_reads_starts_no_piece():
    # needs 1 of web-1, web-2: web-1 down 10-11 h halves the served share, its
    # removal at 10 h + 5 s restores it (web-2 carries everything, none late);
    # its rejoin at 11 h changes neither the served share nor the late share:
    # one piece per change of the path (0, 10 h, 10 h + 5 s), none at 11 h
    pieces: list[Any] = []
    m = lb_model({"web-1": [down("10h", "1h")], "web-2": []}, workload=WRITES)
    res = relsim.simulate(m, 0, 0, on_piece=pieces.append)
    assert [p.start for p in pieces] == [0.0, 10 * HOUR, 10 * HOUR + 5]
    assert res.requests["duplicates"] == 0.0


def test_a_rejoin_that_keeps_the_light_load_share_restores_the_capacity_at_once():
    # three backends of 10 attempts/s each (needs 1), 25/s offered: each takes 1/3,
    # and serves at most 10/25 = 0.4 of the load. web-1 down 10-11 h:
    # 10 h to 10 h + 5 s: (0, 1/3, 1/3), 2/3 served; then (1/2, 1/2), 0.4 + 0.4 = 0.8;
    # at 11 h web-1 rejoins: (1/3, 1/3, 1/3), all served again, though the
    # light-load share (1) is the same as with two backends
    m = lb_model({"web-1": [down("10h", "1h")], "web-2": [], "web-3": []}, lb={"capacity": "10/s"}, rate="25/s")
    pieces: list[Any] = []
    res = relsim.simulate(m, 0, 0, on_piece=pieces.append)
    assert [p.start for p in pieces] == [0.0, 10 * HOUR, 10 * HOUR + 5, 11 * HOUR]
    assert [p.c0[0] for p in pieces] == pytest.approx([1.0, 2 / 3, 0.8, 1.0], rel=1e-12)
    assert res.requests["failed"] == pytest.approx(25 * 5 / 3 + 25 * 3595 * 0.2, rel=1e-12)
