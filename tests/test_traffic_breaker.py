"""Circuit breakers: exact timelines of the fluid state machine.

Closed, the breaker looks at the failed share of attempts at the end of
each tumbling window (of length ``window``, from its last close); above
``threshold`` it opens for ``open`` (requests fail at once: no attempts,
no retries, no load); then ``probes`` attempts at light load decide
whether it closes or opens again.
"""

from __future__ import annotations

from typing import Any

import pytest
from shared_models import CHECK, tier

import relsim
from relsim.units import HOUR


def trans(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}



CB = {"threshold": "30%", "window": "10s", "open": "30s", "probes": 1}


def events(res: Any, prefix: str = "breaker") -> list[tuple[float, str]]:
    return [(e["t"], e["event"]) for e in res.trace if e["event"].startswith(prefix)]


def test_breaker_opens_at_the_window_end_and_closes_after_removal():
    # web-1 fails at 10 h (a window boundary): half the attempts fail in
    # [10 h, 10 h + 10 s], the breaker opens for 30 s; by then the health
    # check has removed web-1 (D ≤ 32 s), so the probe succeeds.
    m = tier(failing=[trans("10h", "1h")], workload={"clients": {"circuit_breaker": CB}})
    res = relsim.simulate(m, 0, 0, trace=True)
    t0 = 10 * HOUR
    assert events(res) == [(t0 + 10, "breaker_open"), (t0 + 40, "breaker_close")]
    assert res.requests["failed"] == pytest.approx(30 * 0.5 * 10 + 30 * 30)
    assert res.requests["breaker_opens"] == 1
    assert res.requests["breaker_open_time"] == pytest.approx(30.0)


def test_open_breaker_fails_fast_without_attempts_and_reopens_while_down():
    # the balancer itself is down for 5 min: the breaker opens after one
    # window, every probe fails until the repair, the first probe after it closes
    m = tier(lb={"failures": [trans("10h", "5m")]},
             workload={"clients": {"circuit_breaker": CB, "retry": {"attempts": 3}}})
    res = relsim.simulate(m, 0, 0, trace=True)
    t0 = 10 * HOUR
    expected = [(t0 + 10, "breaker_open")] + [(t0 + 10 + 30 * k, "breaker_reopen") for k in range(1, 10)]
    assert events(res) == [*expected, (t0 + 310, "breaker_close")]
    req = res.requests
    assert req["failed"] == pytest.approx(30 * 310)
    # 3 attempts per request during the first window, none while open
    assert req["attempts"] == pytest.approx(req["offered"] - 30 * 310 + 3 * 30 * 10)
    assert req["breaker_open_time"] == pytest.approx(300.0)


def test_half_open_probes_close_with_the_probe_success_probability():
    # web-1 fails silently at 1 s and is never removed: half the attempts fail
    # whenever the breaker is closed, each probe succeeds with probability 1/2
    m = tier(failing=[{**trans("1s", "30h"), "silent": True}],
             workload={"clients": {"circuit_breaker": CB}})
    res = relsim.simulate(m, 0, 0, trace=True)
    ev = [name for _, name in events(res)]
    closes, reopens = ev.count("breaker_close"), ev.count("breaker_reopen")
    assert closes + reopens > 1000
    assert closes / (closes + reopens) == pytest.approx(0.5, abs=0.05)
    # open: every request fails; closed: half of them
    open_time = res.requests["breaker_open_time"]
    assert res.requests["failed"] == pytest.approx(30 * open_time + 15 * (res.horizon - 1 - open_time))
    # a close is followed by exactly one window of traffic, then it opens again
    assert ev.count("breaker_open") == closes + 1


def test_breaker_prevents_the_retry_storm():
    # as in test_traffic_clients: 5 backends of 45/s carry 200/s until one
    # fails; retries push the other 4 into overload, which crashes them
    free = relsim.simulate(relsim.load(storm_dict(None)), 0, 0, trace=True)
    cb = relsim.load(storm_dict(breaker={"threshold": "5%", "window": "10s", "open": "30s"}))
    guarded = relsim.simulate(cb, 0, 0, trace=True)
    assert any(e["event"] == "overload" for e in free.trace)
    assert not any(e["event"] == "overload" for e in guarded.trace)
    assert guarded.requests["breaker_opens"] > 0
    ok_free = free.requests["served"] / free.requests["offered"]
    ok_guarded = guarded.requests["served"] / guarded.requests["offered"]
    assert ok_guarded > ok_free + 0.3
    # load on the backends: fewer attempts per request than the storm's
    assert guarded.requests["attempts"] < free.requests["attempts"]


def storm_dict(breaker: dict[str, Any] | None) -> dict[str, Any]:
    clients: dict[str, Any] = {"retry": {"attempts": 3}}
    if breaker is not None:
        clients["circuit_breaker"] = breaker
    return {
        "name": "storm", "horizon": "8h",
        "components": {"web": {"count": 4, "failures": []}, "bad": {"failures": [trans("2h", "4h")]}},
        "services": {"web": {"replicas": ["web", "bad"]}},
        "load_balancers": {"lb": {"service": "web", "capacity": "45/s",
                                  "health_check": CHECK,
                                  "overload": {"capacity": 1.0, "after": "30s", "lasts": "fixed(10m)"}}},
        "workload": {"target": "lb", "rate": "200/s",
                     "clients": clients},
    }


def test_breaker_keys_are_checked():
    with pytest.raises(relsim.ModelError, match="treshold"):
        tier(workload={"clients": {"circuit_breaker": {"treshold": "10%"}}})


def test_window_ends_inside_a_dns_drain_keep_the_integral_exact():
    # a breaker that never opens (threshold 100 %) still looks at every window
    # end while requests fail, cutting the linear drain of the DNS caches
    # into pieces: the failover still fails exactly λ (D + T/2)
    def two_sites(clients: dict[str, Any]) -> relsim.Model:
        return relsim.load({
            "name": "dns", "horizon": "20h",
            "components": {"e": {"failures": [trans("10h", "5h")]}, "w": {}},
            "services": {"east": {"replicas": ["e"]}, "west": {"replicas": ["w"]}}, "entry": "east",
            "dns": {"names": {"www": {"records": ["east", "west"], "ttl": "60s", "health_check": CHECK}}},
            "workload": {"rate": "10/s", "target": "www", "clients": clients},
        })

    res = relsim.simulate(two_sites({"circuit_breaker": {"threshold": "100%", "window": "7s"}}), 0, 0,
                          trace=True)
    switch = [e["t"] for e in res.trace if e["event"] == "dns_answer"][0]
    assert not events(res)
    assert res.requests["failed"] == pytest.approx(10 * (switch - 10 * HOUR + 30.0), rel=1e-12)
