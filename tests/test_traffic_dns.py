"""DNS: answers, health checks, client caches drained over the TTL, the provider.

Clients cache for the TTL T with uniformly spread phases, so after the
answer changes at t₀ the share still on the old answer is 1 − (t − t₀)/T.
A failover with detection delay D therefore fails λ·(D + T/2) requests
(the outage itself lasts D + T). D is drawn from the health-check
schedule; the timelines read it from the trace, the statistical test
checks E[λ(D + T/2)] = :func:`relsim.traffic_formulas.dns_failover_loss`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import relsim
from relsim.traffic_formulas import dns_failover_loss
from relsim.units import HOUR

CHECK = {"interval": "10s", "unhealthy": 3, "healthy": 2, "timeout": "2s"}


def trans(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def two_sites(ttl: str = "60s", lasts: str = "5h", horizon: str = "20h", name: dict[str, Any] | None = None,
              **extra: Any) -> relsim.Model:
    body = {"records": ["east", "west"], "ttl": ttl, "health_check": CHECK, **(name or {})}
    spec = {"name": "dns", "horizon": horizon,
            "components": {"e": {"failures": [trans("10h", lasts)] if lasts else []}, "w": {}},
            "services": {"east": {"replicas": ["e"]}, "west": {"replicas": ["w"]}}, "entry": "east",
            "dns": {"names": {"www": body}, **extra.pop("dns", {})},
            "workload": {"rate": "10/s", "target": "www", **extra.pop("workload", {})}, **extra}
    return relsim.load(spec)


def answers(res: Any) -> list[tuple[float, dict[str, float]]]:
    return [(e["t"], e["answer"]) for e in res.trace if e["event"] == "dns_answer"]


def test_failover_fails_detection_plus_half_a_ttl():
    res = relsim.simulate(two_sites(), 0, 0, trace=True)
    (t_switch, a1), (t_back, a2) = answers(res)
    assert a1 == {"west": 1.0} and a2 == {"east": 1.0}
    d = t_switch - 10 * HOUR
    assert 22.0 <= d <= 32.0
    assert res.requests["failed"] == pytest.approx(10 * (d + 30.0))
    (o,) = res.outages
    # After the switch the caches on east expire evenly over the TTL: the
    # success share rises linearly from 0 to 1 over 60 s and the outage ends
    # where it reaches objectives.outage_below (99 % by default) ...
    assert o[2] == pytest.approx(d + 0.99 * 60.0)
    assert res.degraded_time == pytest.approx(60.0)  # ... and partly served (0 < s < 1) over the TTL
    assert 15 * HOUR + 10.0 <= t_back <= 15 * HOUR + 20.0  # failback: both up, nothing lost


@pytest.mark.parametrize("below", [0.5, 1.0])
def test_the_outage_ends_where_the_draining_share_crosses_outage_below(below: float):
    res = relsim.simulate(two_sites(objectives={"outage_below": below}), 0, 0, trace=True)
    d = answers(res)[0][0] - 10 * HOUR
    (o,) = res.outages
    assert o[2] == pytest.approx(d + below * 60.0)
    assert res.requests["failed"] == pytest.approx(10 * (d + 30.0))  # what requests lose does not change


def test_zero_ttl_switches_everyone_at_once():
    res = relsim.simulate(two_sites(ttl="0s"), 0, 0, trace=True)
    d = answers(res)[0][0] - 10 * HOUR
    assert res.requests["failed"] == pytest.approx(10 * d)


def test_primary_back_while_caches_drain():
    # e is down 40 s: the answer moves to west at D, e is back at 40 s, the
    # stale caches (still on east) succeed again from then on
    res = relsim.simulate(two_sites(lasts="40s"), 0, 0, trace=True)
    t_switch = answers(res)[0][0]
    d = t_switch - 10 * HOUR
    x = 40.0 - d  # time from the switch to e's return
    stale = x - x * x / 120.0  # ∫₀ˣ (1 − t/60) dt
    assert res.requests["failed"] == pytest.approx(10 * (d + stale))


def test_weighted_records_split_clients():
    res = relsim.simulate(two_sites(name={"policy": "weighted", "weights": {"east": 1, "west": 1}}), 0, 0,
                          trace=True)
    t_switch, a = answers(res)[0]
    assert a == {"west": 1.0}
    d = t_switch - 10 * HOUR
    assert res.requests["failed"] == pytest.approx(5 * (d + 30.0))


def test_latency_routing_by_population():
    spec = {
        "name": "gtm", "horizon": "20h",
        "domains": {"eu": {"failures": [trans("10h", "2h")]}, "us": {}},
        "components": {"web-eu": {"in": "eu"}, "web-us": {"in": "us"}},
        "services": {"app-eu": {"replicas": ["web-eu"]}, "app-us": {"replicas": ["web-us"]}},
        "entry": "app-eu",
        "dns": {"names": {"www": {"records": ["app-eu", "app-us"], "policy": "latency", "ttl": "60s",
                                  "health_check": CHECK}}},
        "workload": {"rate": "10/s", "target": "www",
                     "populations": {"europe": {"share": 0.75, "near": "eu"},
                                     "america": {"share": 0.25, "near": "us"}}},
    }
    res = relsim.simulate(relsim.load(spec), 0, 0, trace=True)
    events = [(e["t"], e["population"], e["answer"]) for e in res.trace if e["event"] == "dns_answer"]
    assert [(p, a) for _, p, a in events] == [("europe", {"app-us": 1.0}), ("europe", {"app-eu": 1.0})]
    d = events[0][0] - 10 * HOUR
    assert res.requests["failed"] == pytest.approx(7.5 * (d + 30.0))


def test_provider_down_delays_the_failover_with_serve_stale():
    # the provider is down 9.99 h - 10.5 h: the answer cannot change until 10.5 h
    m = two_sites(dns={"provider": {"failures": [trans("35964s", "1836s")]}})
    res = relsim.simulate(m, 0, 0, trace=True)
    t_switch = answers(res)[0][0]
    assert t_switch == pytest.approx(10.5 * HOUR)
    assert res.requests["failed"] == pytest.approx(10 * (0.5 * HOUR + 30.0))


def test_provider_down_without_serve_stale_starves_expiring_caches():
    # no record fails; the provider is down 10 min: clients whose cache expires
    # get no answer, then refresh one TTL later: λ·(dur − T/2) + λ·T/2 = λ·dur
    m = two_sites(lasts="", dns={"provider": {"serve_stale": False, "failures": [trans("10h", "10m")]}})
    res = relsim.simulate(m, 0, 0)
    assert res.requests["failed"] == pytest.approx(10 * 600.0)
    (o,) = res.outages
    # success falls linearly as caches expire (below 99 % after 0.01·60 s)
    # and rises linearly over the TTL after the provider is back (above 99 %
    # after 0.99·60 s): crossing events at both ends
    assert o[3] == "dns" and o[0] == pytest.approx(10 * HOUR + 0.6)
    assert o[2] == pytest.approx(600.0 + 0.98 * 60.0)


@pytest.mark.parametrize("ttl", ["0s", "60s", "5m"])
def test_expected_failover_loss_matches_the_formula(ttl: str):
    m = two_sites(ttl=ttl, horizon="12h")
    T = relsim.parse_duration(ttl)
    expected = dns_failover_loss(10.0, T, 10.0, 3, 2.0)  # one failover at 10 h
    failed = np.array([relsim.simulate(m, 3, i).requests["failed"] for i in range(300)])
    se = failed.std(ddof=1) / np.sqrt(len(failed))
    assert abs(failed.mean() - expected) < 4 * se


@pytest.mark.parametrize("dns,message", [
    ({"names": {"www": {"records": ["east", "nope"]}}}, r"dns.names.www.records\[1\]: unknown record target 'nope'"),
    ({"names": {"www": {"records": ["east"], "policy": "weighted"}}}, r"policy: weighted needs 'weights'"),
    ({"names": {"www": {"records": ["east"], "weights": {"west": 1}}}}, r"'west' is not one of the records"),
    ({"names": {"east": {"records": ["east"]}}}, r"dns.names.east: name 'east' is already used"),
    ({"names": {"www": {"records": ["east"], "policy": "random"}}}, r"dns.names.www.policy"),
])
def test_bad_dns_sections_are_reported(dns: dict[str, Any], message: str):
    with pytest.raises(relsim.ModelError, match=message):
        relsim.load({"name": "x", "components": {"e": {}, "w": {}},
                     "services": {"east": {"replicas": ["e"]}, "west": {"replicas": ["w"]}},
                     "entry": "east", "dns": dns, "workload": {"rate": "1/s", "target": "www"}})
