"""Clients: retries, backoff and jitter, capacity, edge rate limiting, retry storms.

The fluid formulas (relsim.engine.clients): with per-attempt success p and
m attempts, success 1 − (1 − p)^m and attempts (1 − (1 − p)^m)/p per
request; under a capacity C or a rate limit ρ the attempt load feeds back
on p. Exact timelines with fixed failures; the one drawn quantity (the
health-check delay) is read from the trace.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import relsim
from relsim.engine.clients import attempts, backoffs, solve_attempt_success, success
from relsim.units import HOUR

CHECK = {"interval": "10s", "unhealthy": 3, "healthy": 2, "timeout": "2s"}


def trans(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def tier(n: int = 2, failing: list[dict[str, Any]] | None = None, lb: dict[str, Any] | None = None,
         workload: dict[str, Any] | None = None, horizon: str = "20h") -> relsim.Model:
    comps: dict[str, Any] = {f"web-{i}": {} for i in range(1, n + 1)}
    comps["web-1"] = {"failures": failing or []}
    return relsim.load({
        "name": "tier", "horizon": horizon, "components": comps,
        "services": {"web": {"replicas": list(comps)}},
        "load_balancers": {"lb": {"service": "web", "health_check": CHECK, **(lb or {})}},
        "workload": {"rate": "30/s", "target": "lb", **(workload or {})},
    })


def test_formulas():
    assert success(0.5, 3) == pytest.approx(7 / 8)
    assert attempts(0.5, 3) == pytest.approx(1 + 0.5 + 0.25)
    assert attempts(0.0, 3) == 3.0
    # served(load) = min(1, 180/load) at 200/s with 3 attempts: served attempts = 180
    p = solve_attempt_success(lambda x: min(1.0, 180.0 / x) if x > 0 else 1.0, 200.0, 3)
    assert 200 * attempts(p, 3) * p == pytest.approx(180.0)


def test_retries_hide_a_backend_until_it_is_removed():
    m = tier(failing=[trans("10h", "1h")], workload={"clients": {"retry": {"attempts": 3}}})
    res = relsim.simulate(m, 0, 0, trace=True)
    d = [e for e in res.trace if e["event"] == "lb_out"][0]["t"] - 10 * HOUR
    # half the attempts reach the failed backend for D: 1/8 of requests fail all 3
    assert res.requests["failed"] == pytest.approx(30 * d / 8)
    extra = res.requests["attempts"] - res.requests["offered"]
    assert extra == pytest.approx(30 * d * (attempts(0.5, 3) - 1))


@pytest.mark.parametrize("tries", [1, 3])
def test_rate_limit_serves_exactly_its_rate(tries: int):
    # 30/s offered, 24/s admitted: retried rejections do not get more through
    m = tier(workload={"rate_limit": {"rate": "24/s"}, "clients": {"retry": {"attempts": tries}}})
    res = relsim.simulate(m, 0, 0)
    assert res.requests["served"] / res.requests["offered"] == pytest.approx(0.8)


@pytest.mark.parametrize("tries", [1, 3])
def test_capacity_limits_success_and_retries_amplify_load(tries: int):
    m = tier(lb={"capacity": "12/s"}, workload={"clients": {"retry": {"attempts": tries}}})
    res = relsim.simulate(m, 0, 0)
    req = res.requests
    assert req["served"] / req["offered"] == pytest.approx(24 / 30)
    p = 1 - (1 - 0.8) ** (1 / tries)  # S(p) = 0.8
    assert req["attempts"] / req["offered"] == pytest.approx(attempts(p, tries))


def storm(rate_limit: str | None) -> relsim.Model:
    work: dict[str, Any] = {"rate": "200/s", "clients": {"retry": {"attempts": 3}}}
    if rate_limit:
        work["rate_limit"] = {"rate": rate_limit}
    comps = {"web": {"count": 4, "failures": []}, "bad": {"failures": [trans("2h", "4h")]}}
    return relsim.load({
        "name": "storm", "horizon": "8h", "components": comps,
        "services": {"web": {"replicas": ["web", "bad"]}},
        "load_balancers": {"lb": {"service": "web", "capacity": "45/s", "health_check": CHECK,
                                  "overload": {"capacity": 1.0, "after": "30s", "lasts": "fixed(10m)"}}},
        "workload": {"target": "lb", **work},
    })


def test_retry_storm_cascades_and_rate_limiting_prevents_it():
    # 5 backends of 45/s carry 200/s; when one fails, 4 carry 180/s: retries
    # push the load above capacity and the overload takes the rest down, again
    # and again. An edge limit of 175/s keeps the load below capacity.
    free = relsim.simulate(storm(None), 0, 0, trace=True)
    limited = relsim.simulate(storm("175/s"), 0, 0, trace=True)
    assert any(e["event"] == "overload" for e in free.trace)
    assert not any(e["event"] == "overload" for e in limited.trace)
    ok_free = free.requests["served"] / free.requests["offered"]
    ok_limited = limited.requests["served"] / limited.requests["offered"]
    assert ok_limited == pytest.approx(175 / 200, abs=0.01)  # only the limit costs anything
    assert ok_free < 0.5  # the storm keeps the tier down (a metastable failure)


def test_latency_percentiles_include_timeouts_and_backoff():
    work = {"latency": "fixed(50ms)", "clients": {"timeout": "1s", "retry": {"attempts": 2, "base": "100ms",
                                                                           "jitter": "none"}}}
    res = relsim.simulate(tier(workload=work), 0, 0)
    assert res.requests["latency_p99"] == pytest.approx(0.05)
    # web-1 hard down and never removed (a silent failure): half the first attempts fail
    m = tier(failing=[{**trans("1s", "30h"), "silent": True}], workload=work)
    res = relsim.simulate(m, 0, 0)
    assert res.requests["latency_p50"] == pytest.approx(0.05)
    assert res.requests["latency_p95"] == pytest.approx(0.05 + 1.0 + 0.1)


@pytest.mark.parametrize("jitter,mean", [("none", 0.4), ("full", 0.2), ("equal", 0.3)])
def test_backoff_jitter_means(jitter: str, mean: float):
    # two retries: waits of 0.1 and 0.2 before jitter
    rng = np.random.default_rng(1)
    total = backoffs(rng, 200_000, 2, 0.1, 10.0, jitter)
    assert total.mean() == pytest.approx(mean * 0.75, rel=0.01)


def test_decorrelated_jitter_stays_within_base_and_cap():
    rng = np.random.default_rng(2)
    total = backoffs(rng, 10_000, 5, 0.1, 0.5, "decorrelated")
    assert (total >= 5 * 0.1).all() and (total <= 5 * 0.5).all()
