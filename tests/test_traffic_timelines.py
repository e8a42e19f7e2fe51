"""Request-path timelines worked out by hand (relsim.engine.traffic).

Every time below is fixed: a rate limit or a load balancer's capacity that
the offered rate exceeds from the start or from an hour of the daily
profile on, failures at fixed times, health checks that decide at once,
DNS caches draining over a TTL. The circuit breaker's windows, opens and
closes, the cause of an outage opened by load, the pieces the request path
is integrated in (linear while caches drain, cut where success crosses the
outage threshold), the success share the outage bookkeeping sees, and the
tallies of the replication (served, attempts by attempt, duplicates,
latency) then follow exactly.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import relsim
from relsim.engine import OUTAGE_FIELDS
from relsim.engine.simulation import Simulation
from relsim.units import HOUR

#: 0.5 for 6 h, 1.5 for 12 h, 0.5 for 6 h (mean 1: the rate is 50/s or 150/s for 100/s)
PEAK = [0.5] * 6 + [1.5] * 12 + [0.5] * 6


def breaker(threshold: str = "30%", probes: int = 1) -> dict[str, Any]:
    return {"threshold": threshold, "window": "10s", "open": "30s", "probes": probes}


def one_service(workload: dict[str, Any], horizon: str = "100s", components: dict[str, Any] | None = None,
                **extra: Any) -> relsim.Model:
    """One service of one component (never failing) taking ``workload`` directly."""
    return relsim.load({
        "name": "one", "horizon": horizon, "components": components or {"vm": {}},
        "services": {"app": {"replicas": ["vm"]}}, "workload": workload, **extra})


def capped(workload: dict[str, Any], capacity: str = "60/s", horizon: str = "1d") -> relsim.Model:
    """Two backends behind a load balancer of ``capacity`` per backend, 100/s under PEAK."""
    return relsim.load({
        "name": "cap", "horizon": horizon, "components": {"web": {"count": 2}},
        "services": {"app": {"replicas": ["web"], "needs": 1}},
        "load_balancers": {"lb": {"service": "app", "capacity": capacity}},
        "workload": {"rate": "100/s", "target": "lb", "profile": PEAK, **workload}})


def breaker_events(res: Any) -> list[tuple[float, str, float | None]]:
    return [(e["t"], e["event"], e.get("failed")) for e in res.trace if e["event"].startswith("breaker")]


def causes(res: Any) -> list[tuple[float, float, str, int, str]]:
    out = []
    for row in res.outages:
        d = dict(zip(OUTAGE_FIELDS, row, strict=True))
        out.append((d["start_s"], d["end_s"], d["cause_element"], d["cause_spec"], d["cause_kind"]))
    return out


def pieces(model: relsim.Model) -> tuple[Any, list[Any]]:
    got: list[Any] = []
    res = relsim.simulate(model, 0, 0, on_piece=got.append)
    return res, got


# -- the circuit breaker ---------------------------------------------------------
def test_a_breaker_failing_from_the_start_opens_at_each_window_end():
    # 30/s against a rate limit of 15/s: half the attempts are rejected from
    # t = 0, so the first window [0, 10 s] fails 0.5 > 30 %: open at 10 s,
    # probes at light load succeed at 40 s, the next window [40, 50] opens it
    # again, and so on: opens at 10, 50, 90, closes at 40, 80 (100 s horizon)
    m = one_service({"rate": "30/s", "rate_limit": {"rate": "15/s"}, "clients": {"circuit_breaker": breaker()}})
    res = relsim.simulate(m, 0, 0, trace=True)
    assert breaker_events(res) == [(10.0, "breaker_open", 0.5), (40.0, "breaker_close", None),
                                   (50.0, "breaker_open", 0.5), (80.0, "breaker_close", None),
                                   (90.0, "breaker_open", 0.5)]
    req = res.requests
    assert req["breaker_opens"] == 3.0
    assert req["breaker_open_time"] == 30.0 + 30.0 + 10.0
    # three closed windows of 300 requests, half served; every request fails while open
    assert req["offered"] == 3000.0
    assert req["served"] == pytest.approx(3 * 150.0, rel=1e-12)
    assert req["attempts"] == pytest.approx(3 * 300.0, rel=1e-12)
    assert req["failed"] == pytest.approx(3000.0 - 450.0, rel=1e-12)
    # ∫ r dt: a half in each of three closed windows of 10 s
    assert res.served_integral == pytest.approx(15.0, rel=1e-12)


def test_a_breaker_counts_windows_of_less_than_one_attempt():
    # 1e-5 requests/s: a window of 10 s holds 1e-4 attempts, half rejected by
    # the rate limit; 0.5 > 45 % opens the breaker at 10 s all the same
    m = one_service({"rate": "0.00001/s", "rate_limit": {"rate": "0.000005/s"}, "latency": "fixed(20ms)",
                     "clients": {"circuit_breaker": breaker("45%")}}, horizon="20s")
    res = relsim.simulate(m, 0, 0, trace=True)
    assert breaker_events(res) == [(10.0, "breaker_open", pytest.approx(0.5, rel=1e-9))]
    assert res.requests["breaker_opens"] == 1.0
    assert res.requests["breaker_open_time"] == 10.0
    # 5e-5 requests served: their latency is still reported
    assert res.requests["latency_p50"] == pytest.approx(0.02)


def test_half_open_needs_every_probe_to_succeed():
    # web-1 fails silently at 1 s and is never taken out: half of the attempts
    # fail while the breaker is closed, and all of 2 probes succeed with
    # probability 1/2 · 1/2 = 1/4 (a sum of independent half-open draws)
    m = relsim.load({
        "name": "tier", "horizon": "20h",
        "components": {"web-1": {"failures": [{"kind": "transient", "every": "fixed(1s)", "lasts": "fixed(30h)",
                                               "silent": True}]}, "web-2": {}},
        "services": {"web": {"replicas": ["web-1", "web-2"]}},
        "load_balancers": {"lb": {"service": "web"}},
        "workload": {"rate": "30/s", "target": "lb", "clients": {"circuit_breaker": breaker(probes=2)}}})
    res = relsim.simulate(m, 0, 0, trace=True)
    ev = [name for _, name, _ in breaker_events(res)]
    closes, reopens = ev.count("breaker_close"), ev.count("breaker_reopen")
    n = closes + reopens
    assert n > 500
    se = math.sqrt(0.25 * 0.75 / n)
    assert abs(closes / n - 0.25) < 4 * se


# -- load on the hour --------------------------------------------------------------
def test_the_hour_the_rate_passes_capacity_opens_an_outage_caused_by_load():
    # 150/s from 6 h to 18 h against 2 × 60/s: an outage caused by the load
    # balancer, from exactly 6 h to exactly 18 h
    res = relsim.simulate(capped({}), 0, 0)
    assert causes(res) == [(6 * HOUR, 18 * HOUR, "lb", -1, "load")]
    # each backend serves 60/s of its 75/s
    assert res.requests["failed"] == pytest.approx(12 * HOUR * 30.0, rel=1e-12)


def test_a_path_overloaded_from_time_0_tells_its_listeners_at_time_0():
    # a flat 150/s against 2 × 60/s from the start: 120/150 = 80 % served. The
    # path publishes that change when the workload starts, caused by the load
    # at the balancer, so whoever listens to it (the outage bookkeeping,
    # incidents, alert signals) hears it at time 0 as it hears a failure.
    model = relsim.load({
        "name": "cap0", "horizon": "1h", "components": {"web": {"count": 2}},
        "services": {"app": {"replicas": ["web"], "needs": 1}},
        "load_balancers": {"lb": {"service": "app", "capacity": "60/s"}},
        "workload": {"rate": "150/s", "target": "lb"}})
    sim = Simulation(model, 0, 0)
    heard: list[tuple[float, float, float, Any]] = []
    sim.traffic.subscribe(lambda _n, old, new: heard.append((sim.env.now, old, new, sim.cause)))
    res = sim.run()
    assert heard == [(0.0, 1.0, pytest.approx(0.8, rel=1e-12), ("lb", -1, "load"))]
    assert causes(res) == [(0.0, HOUR, "lb", -1, "load")]
    assert res.requests["failed"] == pytest.approx(HOUR * 30.0, rel=1e-12)


def test_a_rate_limit_on_the_hour_names_the_busiest_balancer_even_below_capacity():
    # the rate limit (120/s) rejects 30/s from 6 h on; the balancer's
    # utilisation is 120 / 2000 < 1, it still is the busiest
    res = relsim.simulate(capped({"rate_limit": {"rate": "120/s"}}, capacity="1000/s"), 0, 0)
    assert causes(res) == [(6 * HOUR, 18 * HOUR, "lb", -1, "load")]


def test_a_rate_limit_on_the_hour_without_a_balancer_names_the_workload():
    # the target is a DNS name (no utilisation): the request path itself is the cause
    m = relsim.load({
        "name": "dns", "horizon": "1d", "components": {"vm": {}},
        "services": {"app": {"replicas": ["vm"]}},
        "dns": {"names": {"www": {"records": ["app"], "ttl": "60s"}}},
        "workload": {"rate": "100/s", "target": "www", "profile": PEAK, "rate_limit": {"rate": "120/s"}}})
    res = relsim.simulate(m, 0, 0)
    assert causes(res) == [(6 * HOUR, 18 * HOUR, "workload", -1, "load")]


def test_a_breaker_watches_from_the_hour_the_load_starts_failing():
    # 20 % of the attempts fail from 6 h (120 of 150/s served): the first
    # window after it, [6 h, 6 h + 10 s], opens the breaker (threshold 10 %)
    res = relsim.simulate(capped({"clients": {"circuit_breaker": breaker("10%")}}, horizon="6.02h"), 0, 0,
                          trace=True)
    # the probes see the path at light load and close it; the next window opens it again
    t = 6 * HOUR
    assert breaker_events(res) == [(t + 10, "breaker_open", pytest.approx(0.2, rel=1e-9)),
                                   (t + 40, "breaker_close", None),
                                   (t + 50, "breaker_open", pytest.approx(0.2, rel=1e-9))]


# -- pieces ------------------------------------------------------------------------
def test_a_profile_without_load_feedback_adds_no_hourly_pieces():
    # no capacity, no rate limit: the hours of the profile need no event, and a
    # replication with nothing failing is one piece
    res, got = pieces(one_service({"rate": "10/s", "profile": PEAK}, horizon="1d"))
    assert [(p.start, p.end) for p in got] == [(0.0, 24 * HOUR)]
    assert got[0].c0[:2] == (1.0, 1.0)


def test_client_shares_that_do_not_sum_to_one_in_floating_point_are_still_all_served():
    # 1/6 + 2/6 + 3/6 sums to 1 − 2⁻⁵³ in floating point: snapped to 1, no degradation
    m = relsim.load({
        "name": "dns", "horizon": "1h", "components": {"vm": {}},
        "services": {"app": {"replicas": ["vm"]}},
        "dns": {"names": {"www": {"records": ["app"], "ttl": "60s"}}},
        "workload": {"rate": "10/s", "target": "www",
                     "populations": {"a": {"share": 0.1}, "b": {"share": 0.2}, "c": {"share": 0.3}}}})
    res, got = pieces(m)
    assert [(p.start, p.end, p.c0[0]) for p in got] == [(0.0, HOUR, 1.0)]
    assert res.degraded_time == 0.0
    assert res.downtime == 0.0
    assert res.outages == []


# -- discrete mode -----------------------------------------------------------------
def test_discrete_mode_counts_whole_requests():
    # 0.123/s over 100 s: 12.3 requests in fluid mode, a whole number in discrete mode
    m = one_service({"rate": "0.123/s", "mode": "discrete"})
    req = relsim.simulate(m, 0, 0).requests
    assert req["offered"] == round(req["offered"])
    assert req["served"] == req["offered"]


def test_pieces_of_a_breaker_cycle_carry_no_saturation_while_open():
    # the rate-limited service of the first test: pieces split at each open and
    # close; open, every rate is 0 and the path carries no load
    m = one_service({"rate": "30/s", "rate_limit": {"rate": "15/s"}, "clients": {"circuit_breaker": breaker()}})
    _, got = pieces(m)
    assert [(p.start, p.end) for p in got] == [(0.0, 10.0), (10.0, 40.0), (40.0, 50.0), (50.0, 80.0),
                                               (80.0, 90.0), (90.0, 100.0)]
    closed, opened = got[0::2], got[1::2]
    assert all(p.c0[:3] == (0.5, 1.0, 0.0) and p.saturation == 0.0 for p in closed)
    assert all(p.c0 == (0.0,) * 4 and p.saturation == 0.0 for p in opened)


def test_a_breaker_with_nothing_failing_adds_no_pieces():
    # windows in which nothing fails need no look: one piece over the hour
    res, got = pieces(one_service({"rate": "30/s", "clients": {"circuit_breaker": breaker()}}, horizon="1h"))
    assert [(p.start, p.end) for p in got] == [(0.0, HOUR)]
    assert res.requests["breaker_opens"] == 0.0
    assert res.requests["failed"] == 0.0
    assert res.served_integral == HOUR


CHECK = {"interval": "0s", "unhealthy": 1, "healthy": 1, "timeout": "5s"}


def two_backends(web1: list[dict[str, Any]], workload: dict[str, Any], needs: int = 1) -> relsim.Model:
    """web-1 and web-2 behind a balancer whose checks take a failed backend out 5 s later, 30/s."""
    return relsim.load({
        "name": "tier", "horizon": "20h", "components": {"web-1": {"failures": web1}, "web-2": {}},
        "services": {"web": {"replicas": ["web-1", "web-2"], "needs": needs}},
        "load_balancers": {"lb": {"service": "web", "health_check": CHECK}},
        "workload": {"rate": "30/s", "target": "lb", **workload}})


def down(at: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({at})", "lasts": f"fixed({lasts})"}


def test_a_breaker_window_counts_failures_from_its_start_across_changes():
    # web-1 fails 2 s into the window [10 h, 10 h + 10 s] and leaves rotation
    # at 10 h + 7 s: 15/s fail for 5 s, 75 of the window's 300 attempts (25 % > 20 %)
    res = relsim.simulate(two_backends([down("36002s", "1h")], {"clients": {"circuit_breaker": breaker("20%")}}),
                          0, 0, trace=True)
    t = 10 * HOUR
    assert breaker_events(res) == [(t + 10, "breaker_open", pytest.approx(0.25, rel=1e-9)),
                                   (t + 40, "breaker_close", None)]
    assert res.requests["failed"] == pytest.approx(75.0 + 30 * 30, rel=1e-12)


def test_duplicates_of_attempts_beyond_a_backends_share():
    # weights 2, 1, 1 and needs 2: each backend serves at most half of the
    # load. web-3 fails at 10 h: a quarter of the attempts fail (never
    # executed); it leaves rotation at 10 h + 5 s, and web-1 then gets 2/3 of
    # the attempts, serves 1/2 and processes the other 1/6 too late until
    # web-3 rejoins at 11 h. With 2 attempts, p = 5/6 and late = 1/6:
    # A = (1 − 1/36)/(5/6) = 7/6 and duplicates per request
    # A·(p + late) − (1 − (1 − p − late)²) = 1/6 (0 in the first 5 s: A·p = S there)
    m = relsim.load({
        "name": "tier", "horizon": "20h",
        "components": {"web-1": {}, "web-2": {}, "web-3": {"failures": [down("10h", "1h")]}},
        "services": {"web": {"replicas": ["web-1", "web-2", "web-3"], "needs": 2}},
        "load_balancers": {"lb": {"service": "web", "health_check": CHECK, "algorithm": "weighted",
                                  "weights": {"web-1": 2, "web-2": 1, "web-3": 1}}},
        "workload": {"rate": "30/s", "target": "lb", "writes": 1.0, "idempotent": False,
                     "clients": {"retry": {"attempts": 2, "jitter": "none"}}}})
    req = relsim.simulate(m, 0, 0).requests
    assert req["duplicates"] == pytest.approx(30 * 3595 / 6, rel=1e-12)
    # S = 1 − 1/16 in the first 5 s, then 1 − 1/36
    assert req["failed"] == pytest.approx(30 * 5 / 16 + 30 * 3595 / 36, rel=1e-12)
    # served at the first attempt: p; at the second: (1 − p)·p
    first = 30 * (19 * HOUR + 5 * 3 / 4 + 3595 * 5 / 6)
    assert req["by_attempt"] == [pytest.approx(first, rel=1e-12),
                                 pytest.approx(30 * (5 * 3 / 16 + 3595 * 5 / 36), rel=1e-12)]


def test_attempts_to_a_failed_service_are_never_executed_twice():
    # a service target has no balancer: an attempt fails (never executed) or is served
    m = one_service({"rate": "30/s", "writes": 1.0, "idempotent": False,
                     "clients": {"retry": {"attempts": 3, "jitter": "none"}}},
                    components={"vm": {"failures": [down("60s", "20s")]}})
    req = relsim.simulate(m, 0, 0).requests
    assert req["duplicates"] == 0.0
    assert req["failed"] == pytest.approx(30 * 20, rel=1e-12)
    assert req["attempts"] == pytest.approx(30 * 80 + 3 * 30 * 20, rel=1e-12)


def test_populations_of_one_record_add_up_their_load():
    # two populations of a DNS name with one record, a balancer of 2 × 60/s:
    # together they send it 150/s, of which 120/s are served
    m = relsim.load({
        "name": "dns", "horizon": "1h", "components": {"web": {"count": 2}},
        "services": {"app": {"replicas": ["web"], "needs": 1}},
        "load_balancers": {"lb": {"service": "app", "capacity": "60/s"}},
        "dns": {"names": {"www": {"records": ["lb"], "ttl": "60s"}}},
        "workload": {"rate": "150/s", "target": "www",
                     "populations": {"a": {"share": 0.5}, "b": {"share": 0.5}}}})
    req = relsim.simulate(m, 0, 0).requests
    assert req["failed"] == pytest.approx(30 * HOUR, rel=1e-12)


def test_a_rate_limit_through_an_hour_without_requests():
    # the first hour of the profile offers nothing: no attempts, no limit, no outage
    m = one_service({"rate": "10/s", "profile": [0.0] + [1.0] * 23, "rate_limit": {"rate": "100/s"}},
                    horizon="2h")
    res = relsim.simulate(m, 0, 0)
    assert res.outages == []
    assert res.downtime == 0.0
    assert res.served_integral == 2 * HOUR
    assert res.requests["offered"] == pytest.approx(HOUR * 10 * 24 / 23, rel=1e-12)
    assert res.requests["failed"] == 0.0


def test_a_rate_limit_below_one_attempt_per_second():
    # 0.5/s against a limit of 0.25/s: half the attempts are rejected
    res = relsim.simulate(one_service({"rate": "0.5/s", "rate_limit": {"rate": "0.25/s"}}), 0, 0)
    assert res.requests["failed"] == pytest.approx(25.0, rel=1e-12)
    assert res.served_integral == pytest.approx(50.0, rel=1e-12)


def test_a_dns_drain_is_one_linear_piece_cut_where_it_crosses_the_outage_threshold():
    # east fails at 10 h and leaves the answer 5 s later; the caches drain to
    # west over the 60 s TTL: r(t) = (t − t₁)/60 from t₁ = 10 h + 5 s, crossing
    # the 99 % outage threshold at t₁ + 59.4 s. East is back at 15 h: the
    # answer returns to it and the caches drain between two records that serve.
    m = relsim.load({
        "name": "dns", "horizon": "20h",
        "components": {"east-vm": {"failures": [down("10h", "5h")]}, "west-vm": {}},
        "services": {"east": {"replicas": ["east-vm"]}, "west": {"replicas": ["west-vm"]}}, "entry": "east",
        "dns": {"names": {"www": {"records": ["east", "west"], "ttl": "60s", "health_check": CHECK}}},
        "workload": {"rate": "10/s", "target": "www"}})
    res, got = pieces(m)
    t0, t1 = 10 * HOUR, 10 * HOUR + 5
    assert [(p.start, p.end) for p in got] == [
        (0.0, t0), (t0, t1), (t1, pytest.approx(t1 + 59.4, abs=1e-9)), (pytest.approx(t1 + 59.4, abs=1e-9), t1 + 60),
        (t1 + 60, 15 * HOUR), (15 * HOUR, 15 * HOUR + 60), (15 * HOUR + 60, 20 * HOUR)]
    slopes = [p.c1[0] for p in got]
    assert slopes == [0.0, 0.0, 1 / 60, 1 / 60, 0.0, 0.0, 0.0]
    assert got[3].c0[0] == pytest.approx(0.99, abs=1e-12)
    # ∫ r dt loses the 5 s down and half the drain
    assert res.served_integral == pytest.approx(20 * HOUR - 5 - 30, rel=1e-12)
    assert res.degraded_time == pytest.approx(60.0, rel=1e-12)
    assert res.requests["failed"] == pytest.approx(10 * (5 + 30), rel=1e-12)
    assert causes(res) == [(t0, pytest.approx(t1 + 59.4, abs=1e-9), "east-vm", 0, "transient")]
    assert res.downtime == pytest.approx(64.4, abs=1e-9)


def test_a_breaker_watches_clients_draining_onto_a_dead_record_from_no_answer():
    # The provider is down 10-11 h without serving stale answers: the caches
    # drain to no answer over 60 s (no attempts, so nothing the breaker
    # counts fails). vm is down 10.5-12.5 h. At 11 h the provider answers
    # again, and clients move onto the dead record: none holds it yet (every
    # rate is 0 at 11 h) but the failed attempts grow from there, so the
    # breaker looks at 11 h + 10 s (all 25/3 attempts failed) and opens;
    # probes fail until vm is back, the first after 12.5 h closes it.
    m = relsim.load({
        "name": "dns", "horizon": "13h", "components": {"vm": {"failures": [down("10.5h", "2h")]}},
        "services": {"app": {"replicas": ["vm"]}},
        "dns": {"provider": {"failures": [down("10h", "1h")], "serve_stale": False},
                "names": {"www": {"records": ["app"], "ttl": "60s"}}},
        "workload": {"rate": "10/s", "target": "www", "clients": {"circuit_breaker": breaker("50%")}}})
    res = relsim.simulate(m, 0, 0, trace=True)
    t = 11 * HOUR
    reopens = [(t + 10 + 30 * k, "breaker_reopen", None) for k in range(1, 180)]
    assert breaker_events(res) == [(t + 10, "breaker_open", 1.0), *reopens, (t + 10 + 30 * 180, "breaker_close", None)]
    req = res.requests
    assert req["breaker_open_time"] == 30 * 180
    # served: 10 h, half the 60 s drain to no answer, and from the close to 13 h
    assert req["served"] == pytest.approx(10 * (10 * HOUR + 30 + (13 * HOUR - (t + 10 + 30 * 180))), rel=1e-12)
    # attempts: those served, and ∫₀¹⁰ 10·u/60 du = 25/3 in the first window from 11 h
    assert req["attempts"] == pytest.approx(req["served"] + 25 / 3, rel=1e-12)


def test_a_window_ending_as_the_caches_finish_draining_is_followed_by_one_more():
    # East fails at 10 h 0 m 35 s and leaves the answer 5 s later; the caches
    # drain to west until 10 h 1 m 40 s, exactly the end of a 100 s window of
    # the breaker (8 % of its attempts failed: it stays closed). The window
    # ends before the drain does at that instant: success is back at 1 but
    # still rising, so the breaker looks once more, at 10 h 3 m 20 s.
    m = relsim.load({
        "name": "dns", "horizon": "11h",
        "components": {"east-vm": {"failures": [down("36035s", "5h")]}, "west-vm": {}},
        "services": {"east": {"replicas": ["east-vm"]}, "west": {"replicas": ["west-vm"]}}, "entry": "east",
        "dns": {"names": {"www": {"records": ["east", "west"], "ttl": "60s", "health_check": CHECK}}},
        "workload": {"rate": "10/s", "target": "www",
                     "clients": {"circuit_breaker": {"threshold": "50%", "window": "100s", "open": "30s"}}}})
    res, got = pieces(m)
    ends = [p.end for p in got]
    assert ends == [36035.0, 36040.0, pytest.approx(36099.4, abs=1e-9), 36100.0, 36200.0, 11 * HOUR]
    assert res.requests["breaker_opens"] == 0.0
    assert res.requests["failed"] == pytest.approx(10 * (5 + 30), rel=1e-12)


# -- the success share shown to the outage bookkeeping --------------------------------
def test_success_a_billionth_below_one_is_an_outage_at_outage_below_100():
    # 30 attempts at p = 1/2 succeed but for 2⁻³⁰ ≈ 9.3e-10: below 100 %,
    # an outage, from web-1's failure until the balancer takes it out
    m = relsim.load({
        "name": "tier", "horizon": "20h", "components": {"web-1": {"failures": [down("10h", "1h")]}, "web-2": {}},
        "services": {"web": {"replicas": ["web-1", "web-2"]}},
        "load_balancers": {"lb": {"service": "web", "health_check": CHECK}},
        "objectives": {"outage_below": "100%"},
        "workload": {"rate": "30/s", "target": "lb", "clients": {"retry": {"attempts": 30, "jitter": "none"}}}})
    res = relsim.simulate(m, 0, 0)
    assert causes(res) == [(10 * HOUR, 10 * HOUR + 5, "web-1", 0, "transient")]
    assert res.requests["failed"] == pytest.approx(30 * 5 * 2.0 ** -30, rel=1e-9)


def test_success_that_starts_falling_from_one_is_an_outage_at_outage_below_100():
    # the provider is down 10-11 h without serving stale answers: success
    # falls from 1 at 10 h (the caches drain to no answer over 60 s), an
    # outage from that instant, until the caches hold the answer again at 11 h + 60 s
    m = relsim.load({
        "name": "dns", "horizon": "13h", "components": {"vm": {}}, "services": {"app": {"replicas": ["vm"]}},
        "objectives": {"outage_below": "100%"},
        "dns": {"provider": {"failures": [down("10h", "1h")], "serve_stale": False},
                "names": {"www": {"records": ["app"], "ttl": "60s"}}},
        "workload": {"rate": "10/s", "target": "www"}})
    res = relsim.simulate(m, 0, 0)
    assert causes(res) == [(10 * HOUR, 11 * HOUR + 60, "dns", 0, "transient")]
    assert res.degraded_time == pytest.approx(120.0, rel=1e-12)
    assert res.requests["failed"] == pytest.approx(10 * (30 + (HOUR - 60) + 30), rel=1e-12)


def test_a_burn_rate_alert_on_the_request_path_pages_each_outage_alike():
    # vm is down 10 min every 70 min; 100 % of requests fail then. The burn
    # rate over the last hour passes 14.4 × 0.1 % after 51.84 s of each
    # outage (the hour before it has no failed request)
    m = relsim.load({
        "name": "alerts", "horizon": "5h", "components": {"vm": {"failures": [down("1h", "10m")]}},
        "services": {"app": {"replicas": ["vm"]}}, "workload": {"rate": "100/s"},
        "alerts": {"burn": {"burn_rate": [{"rate": 14.4, "long": "1h", "short": "5m"}], "slo": "99.9%"}}})
    res = relsim.simulate(m, 0, 0, trace=True)
    starts = [HOUR + k * 70 * 60 for k in range(4)]
    assert [p.t_s for p in res.pages] == [pytest.approx(t + 51.84, abs=1e-6) for t in starts]


def test_a_breaker_window_with_failures_in_its_last_half_second():
    # web-1 fails at 10 h + 9.5 s: 15/s fail for the last 0.5 s of the window
    # [10 h, 10 h + 10 s], 7.5 of 300 attempts (2.5 % > 1 %): open at its end
    res = relsim.simulate(two_backends([down("36009.5s", "1h")], {"clients": {"circuit_breaker": breaker("1%")}}),
                          0, 0, trace=True)
    t = 10 * HOUR
    assert breaker_events(res)[0] == (t + 10, "breaker_open", pytest.approx(0.025, rel=1e-9))


# -- latency -----------------------------------------------------------------------
def test_latency_of_requests_served_at_the_second_attempt():
    # 30/s against a rate limit of 15/s with 2 attempts: the share p admitted
    # solves 30·A(p)·p = 15, A(p) = 2 − p, so p = 1 − 1/√2; of the requests
    # served, a share (1 − p)/(2 − p) ≈ 41 % at the second attempt, after a
    # 2 s timeout and a backoff of 0.1 s: p50 is the 10 ms of the first
    # attempt, p95 and p99 that plus 2.1 s
    m = one_service({"rate": "30/s", "rate_limit": {"rate": "15/s"}, "latency": "fixed(10ms)",
                     "clients": {"timeout": "2s", "retry": {"attempts": 2, "base": "100ms", "jitter": "none"}}})
    req = relsim.simulate(m, 0, 0).requests
    p = 1 - 1 / math.sqrt(2)
    assert req["by_attempt"] == [pytest.approx(3000 * p, rel=1e-9), pytest.approx(3000 * (1 - p) * p, rel=1e-9)]
    assert req["latency_p50"] == pytest.approx(0.01, rel=1e-12)
    assert req["latency_p95"] == pytest.approx(2.11, rel=1e-12)
    assert req["latency_p99"] == pytest.approx(2.11, rel=1e-12)


def test_latency_percentiles_draw_the_mixture_backoffs_and_round_trips_in_order():
    # the sample, drawn again here step by step from the same generator: the
    # attempt of each of the 4000 requests, the service latency, the backoffs
    # of those served at the second and third attempts, then each client
    # population's round trip added to its block of draws (1333, 1333, 1334)
    from relsim.dists import parse_dist
    from relsim.engine.clients import backoffs
    from relsim.engine.traffic import latency_percentiles

    retry = SimpleNamespace(base=0.1, cap=10.0, jitter="full")
    spec = SimpleNamespace(latency=parse_dist("exp(mean=100ms)"), clients=SimpleNamespace(timeout=2.0, retry=retry))
    by_attempt = [60.0, 30.0, 10.0]
    rtt = [(1 / 3, 10.0), (1 / 3, 0.0), (1 / 3, 20.0)]
    got = latency_percentiles(spec, by_attempt, np.random.default_rng(7), client_rtt=rtt)
    rng = np.random.default_rng(7)
    k = rng.choice(3, size=4000, p=[0.6, 0.3, 0.1])
    lat = spec.latency.sample(rng, 4000) + 2.0 * k
    for j in (1, 2):
        lat[k == j] += backoffs(rng, int((k == j).sum()), j, 0.1, 10.0, "full")
    lat[:1333] += 10.0
    lat[2666:] += 20.0
    p50, p95, p99 = np.percentile(lat, [50, 95, 99])
    assert got == {"latency_p50": p50, "latency_p95": p95, "latency_p99": p99}
    # the middle of the sample is in the first block (10 s and more), p95 and p99 in the last
    assert 10.0 < p50 < 20.0 < p95 < p99


def test_an_open_breaker_puts_no_load_on_the_balancer():
    # a balancer of 1/s whose backend fails when kept above 90 % of it; 0.5/s
    # offered, half rejected by the rate limit (a utilisation of 25 %): the
    # breaker opens at 10 s and the balancer carries nothing while it is open,
    # so the probes succeed and nothing is overloaded
    m = relsim.load({
        "name": "ov", "horizon": "100s", "components": {"web": {}}, "services": {"app": {"replicas": ["web"]}},
        "load_balancers": {"lb": {"service": "app", "capacity": "1/s",
                                  "overload": {"capacity": 0.9, "lasts": "fixed(1h)"}}},
        "workload": {"rate": "0.5/s", "target": "lb", "rate_limit": {"rate": "0.25/s"},
                     "clients": {"circuit_breaker": breaker()}}})
    res = relsim.simulate(m, 0, 0, trace=True)
    assert breaker_events(res) == [(10.0, "breaker_open", 0.5), (40.0, "breaker_close", None),
                                   (50.0, "breaker_open", 0.5), (80.0, "breaker_close", None),
                                   (90.0, "breaker_open", 0.5)]
    assert [e for e in res.trace if e["event"] == "overload"] == []
    assert res.failures == 0
