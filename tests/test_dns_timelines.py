"""DNS timelines worked out by hand (relsim.engine.dns).

The health checks here probe continuously (``interval: 0s``) with one check
to decide and a 5 s timeout: a record that goes down leaves the answers
exactly 5 s later and comes back at once. Every time below is then fixed,
and the requests lost follow from the caches' drain over the TTL T: after an
answer changes at t₀ the share of clients still holding the old one is
1 − (t − t₀)/T.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.units import HOUR

CHECK = {"interval": "0s", "unhealthy": 1, "healthy": 1, "timeout": "5s"}
T0 = 10 * HOUR


def down(at: float, lasts: str = "5h") -> dict[str, Any]:
    """A transient failure at ``at`` seconds (once within the horizons below)."""
    return {"kind": "transient", "every": f"fixed({at}s)", "lasts": f"fixed({lasts})"}


def sites(records: dict[str, list[dict[str, Any]]], name: dict[str, Any] | None = None, ttl: str = "60s",
          **extra: Any) -> relsim.Model:
    """One service of one component per record; ``records`` maps a record to its failures."""
    body = {"records": list(records), "ttl": ttl, "health_check": CHECK, **(name or {})}
    return relsim.load({
        "name": "dns", "horizon": "20h",
        "components": {f"{r}-vm": {"failures": f} for r, f in records.items()},
        "services": {r: {"replicas": [f"{r}-vm"]} for r in records}, "entry": next(iter(records)),
        "dns": {"names": {"www": body}, **extra.pop("dns", {})},
        "workload": {"rate": "10/s", "target": "www", **extra.pop("workload", {})}, **extra})


def answers(res: Any) -> list[tuple[float, str, dict[str, float]]]:
    return [(e["t"], e["population"], e["answer"]) for e in res.trace if e["event"] == "dns_answer"]


def run(model: relsim.Model) -> Any:
    return relsim.simulate(model, 0, 0, trace=True)


def test_the_trace_names_the_dns_name_of_each_answer():
    res = run(sites({"east": [down(T0)], "west": []}))
    names = [e["name"] for e in res.trace if e["event"] == "dns_answer"]
    assert names == ["www", "www"]
    assert answers(res) == [(T0 + 5, "clients", {"west": 1.0}), (T0 + 5 * HOUR, "clients", {"east": 1.0})]
    assert res.requests["failed"] == pytest.approx(10 * (5 + 30), rel=1e-12)


def test_two_answer_changes_half_a_second_apart():
    # east fails at 10 h, west half a second later: the answer moves to west at
    # t1 = 10 h + 5 s and to south at t1 + 0.5 s, while the caches still drain
    # off east. Clients on east or west fail: 5 s before t1, 0.5 s (east and
    # west) from t1, then 1 − v/60 from t1 + 0.5 (all but south) until the
    # west share 0.5/60 drains over [t1 + 60, t1 + 60.5):
    # 5 + 0.5 + (59.5 − 59.5²/120) + 0.5²/120 = 35.5 s = 5.5 s + T/2.
    res = run(sites({"east": [down(T0)], "west": [down(T0 + 0.5)], "south": []}))
    assert answers(res) == [(T0 + 5, "clients", {"west": 1.0}), (T0 + 5.5, "clients", {"south": 1.0}),
                            (T0 + 5 * HOUR, "clients", {"east": 1.0})]
    assert res.requests["failed"] == pytest.approx(10 * 35.5, rel=1e-12)
    (o,) = res.outages
    # success = the south share (v/60 from t1 + 0.5) reaches 99 % at t1 + 0.5 + 59.4
    assert o.start_s == T0 and o.end_s == pytest.approx(T0 + 5.5 + 0.99 * 60, rel=1e-12)


def test_an_answer_change_half_a_second_into_a_drain_to_an_up_record():
    # weighted 1:1:1; south is down from 9 h to 10 h + 5.5 s, so the answer is
    # {east, west} at 10 h. east fails at 10 h: the answer moves to {west} at
    # t1 = 10 h + 5 s and to {west, south} at t1 + 0.5 s (south back). Only the
    # clients on east fail: half of them for 5 s, then 0.5·(1 − u/60) over the
    # TTL from t1 (south's return does not touch east's drain):
    # 2.5 + (30 − 15) = 17.5 s. South's own failures (9 h and 19 h + 5.5 s)
    # fail the third of the clients on it for 5 s + T/2 each: 2·35/3 s.
    res = run(sites({"east": [down(T0)], "west": [], "south": [down(T0 - HOUR, "3605.5s")]},
                    name={"policy": "weighted", "weights": {"east": 1, "west": 1, "south": 1}}))
    assert answers(res)[1:4] == [(T0 + 5, "clients", {"west": 1.0}),
                                 (T0 + 5.5, "clients", {"south": 0.5, "west": 0.5}),
                                 (T0 + 5 * HOUR, "clients", {"east": 0.333333, "south": 0.333333,
                                                             "west": 0.333333})]
    assert res.requests["failed"] == pytest.approx(10 * (17.5 + 2 * 35 / 3), rel=1e-12)


def test_a_one_second_ttl_drains_over_that_second():
    res = run(sites({"east": [down(T0)], "west": []}, ttl="1s"))
    assert answers(res)[0] == (T0 + 5, "clients", {"west": 1.0})
    assert res.requests["failed"] == pytest.approx(10 * (5 + 0.5), rel=1e-12)
    assert res.degraded_time == pytest.approx(1.0, rel=1e-12)


def test_the_rate_changes_on_the_hour_while_caches_drain():
    # hourly profile 1 except 2 in hour 10 (mean 25/24): 9.6/s, then 19.2/s from 10 h.
    # A rate limit (never reached) makes the hour an event at which the path reads
    # the caches' shares mid-drain. east fails at 10 h − 35 s, the answer moves at
    # 10 h − 30 s; the drain is half done on the hour:
    # 9.6·(5 + ∫₀³⁰(1 − u/60)du) + 19.2·∫₃₀⁶⁰(1 − u/60)du = 9.6·27.5 + 19.2·7.5 = 408
    profile = [1.0] * 24
    profile[10] = 2.0
    res = run(sites({"east": [down(T0 - 35)], "west": []},
                    workload={"profile": profile, "rate_limit": {"rate": "1000/s"}}))
    assert answers(res)[0] == (T0 - 30, "clients", {"west": 1.0})
    assert res.requests["failed"] == pytest.approx(408.0, rel=1e-12)


def test_weights_split_clients_and_the_trace_rounds_to_six_digits():
    # west weighs 2, east by default 1: a third of the clients on east fail
    # from 10 h until the caches drained off it (5 s + T/2)
    res = run(sites({"east": [down(T0)], "west": []}, name={"policy": "weighted", "weights": {"west": 2}}))
    assert answers(res) == [(T0 + 5, "clients", {"west": 1.0}),
                            (T0 + 5 * HOUR, "clients", {"east": 0.333333, "west": 0.666667})]
    assert res.requests["failed"] == pytest.approx(10 * (5 + 30) / 3, rel=1e-12)


def test_a_zero_weight_record_gets_no_clients_even_when_the_others_are_down():
    # east down at 10 h, west at 11 h (both for 5 h); south weighs 0: with east and
    # west out of the answers they are given as if all were up (with a weight)
    res = run(sites({"east": [down(T0)], "west": [down(T0 + HOUR)], "south": []},
                    name={"policy": "weighted", "weights": {"east": 1, "west": 1, "south": 0}}))
    assert answers(res) == [
        (T0 + 5, "clients", {"west": 1.0}),
        (T0 + HOUR + 5, "clients", {"east": 0.5, "west": 0.5}),
        (T0 + 5 * HOUR, "clients", {"east": 1.0}),      # east back, west still out
        (T0 + 6 * HOUR, "clients", {"east": 0.5, "west": 0.5}),
    ]
    # half on east fail for 5 s + T/2 at 10 h, everyone from 11 h to 15 h, then
    # the half still on west while it drains off over T: 0.5·35 + 4 h + 0.5·T/2
    assert res.requests["failed"] == pytest.approx(10 * (0.5 * 35 + 4 * HOUR + 15), rel=1e-12)


def test_failover_with_every_record_down_answers_the_first():
    res = run(sites({"east": [down(T0)], "west": [down(T0 + HOUR, "1h")]}))
    assert answers(res) == [(T0 + 5, "clients", {"west": 1.0}), (T0 + HOUR + 5, "clients", {"east": 1.0}),
                            (T0 + 2 * HOUR, "clients", {"west": 1.0}), (T0 + 5 * HOUR, "clients", {"east": 1.0})]


def latency_model(policy: str, **extra: Any) -> relsim.Model:
    # app-both has a replica in eu and one in ap; lb (in no domain) fronts app-lb
    return relsim.load({
        "name": "gtm", "horizon": "20h",
        "domains": {"eu": {}, "us": {"failures": [down(T0)]}, "ap": {}},
        "components": {"web-us": {"in": "us"}, "web-eu": {"in": "eu"}, "web-ap": {"in": "ap"}, "web-x": {}},
        "services": {"app-us": {"replicas": ["web-us"]}, "app-both": {"replicas": ["web-eu", "web-ap"]},
                     "app-lb": {"replicas": ["web-x"]}},
        "load_balancers": {"lb": {"service": "app-lb"}},
        "entry": "app-us",
        "dns": {"names": {"www": {"records": ["app-us", "app-both", "lb"], "policy": policy, "ttl": "60s",
                                  "health_check": CHECK}}},
        "workload": {"rate": "10/s", "target": "www",
                     "populations": {"europe": {"share": 0.75, "near": "eu"},
                                     "america": {"share": 0.25, "near": "us"}}},
        **extra})


def test_latency_routing_places_a_service_in_every_domain_of_its_replicas():
    # app-both is near europe (its first replica is in eu): only america is on
    # app-us when us fails, and moves to app-both
    res = run(latency_model("latency"))
    assert answers(res) == [(T0 + 5, "america", {"app-both": 1.0}), (T0 + 5 * HOUR, "america", {"app-us": 1.0})]
    assert res.requests["failed"] == pytest.approx(2.5 * (5 + 30), rel=1e-12)


def test_failover_policy_ignores_where_populations_are():
    # the same model with policy failover: everyone starts on app-us (listed first)
    res = run(latency_model("failover"))
    assert [(t, p) for t, p, _ in answers(res)] == [(T0 + 5, "europe"), (T0 + 5, "america"),
                                                    (T0 + 5 * HOUR, "europe"), (T0 + 5 * HOUR, "america")]
    assert res.requests["failed"] == pytest.approx(10 * (5 + 30), rel=1e-12)


def test_a_provider_in_a_failed_domain_is_down():
    # no record fails; the provider is in core, down 10 min: without serve_stale
    # the requests fail λ·(dur − T/2) + λ·T/2 = λ·dur
    res = run(sites({"east": [], "west": []}, domains={"core": {"failures": [down(T0, "10m")]}},
                    dns={"provider": {"in": "core", "serve_stale": False}}))
    assert [(e["t"], e["up"]) for e in res.trace if e["event"] == "dns_provider"] == [(T0, False),
                                                                                       (T0 + 600, True)]
    assert res.requests["failed"] == pytest.approx(10 * 600.0, rel=1e-12)
