"""Discrete mode: every request a process, checked against the fluid mode.

On the same replications (common random numbers: the failures and health
checks are the same draws in both modes) the fluid integrals and the
counted requests agree within the confidence interval; with fixed
timelines the counts scatter around the fluid value like a Poisson count.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import relsim
from relsim.units import HOUR

CHECK = {"interval": "10s", "unhealthy": 3, "healthy": 2, "timeout": "2s"}
RETRY = {"timeout": "1s", "retry": {"attempts": 3, "base": "100ms", "jitter": "full"}}


def tier(mode: str, rate: str = "3/s", **work: Any) -> relsim.Model:
    comps = {
        "web-1": {"failures": [{"kind": "transient", "every": "exp(mean=1h)", "lasts": "exp(mean=5m)"}]},
        "web-2": {"failures": [{"kind": "transient", "every": "exp(mean=2h)", "lasts": "exp(mean=5m)"}]},
    }
    return relsim.load({
        "name": "tier", "horizon": "6h", "components": comps,
        "services": {"web": {"replicas": list(comps)}},
        "load_balancers": {"lb": {"service": "web", "health_check": CHECK}},
        "workload": {"rate": rate, "target": "lb", "mode": mode, "latency": "fixed(50ms)",
                     "clients": RETRY, **work},
    })


def test_fluid_and_discrete_agree_within_the_ci():
    n = 20
    fluid = relsim.run(tier("fluid"), runs=n, seed=4).runs
    discrete = relsim.run(tier("discrete"), runs=n, seed=4).runs
    assert (fluid["availability"] == discrete["availability"]).all()  # same failures
    for metric in ("request_success", "attempts_per_request"):
        d = discrete[metric].to_numpy() - fluid[metric].to_numpy()
        half = 2.861 * d.std(ddof=1) / math.sqrt(n)  # 99 % t interval of the paired difference
        assert abs(d.mean()) <= half, metric
        # and the discrete mean lies in the fluid CI
        f = fluid[metric].to_numpy()
        assert abs(discrete[metric].mean() - f.mean()) <= 2.861 * f.std(ddof=1) / math.sqrt(n) + half
    assert fluid["request_success"].mean() < 0.999  # the scenario does lose requests


def test_dns_failover_counts_scatter_around_the_fluid_loss():
    def model(mode: str) -> relsim.Model:
        return relsim.load({
            "name": "dns", "horizon": "3h",
            "components": {"e": {"failures": [{"kind": "transient", "every": "fixed(1h)",
                                               "lasts": "fixed(1h)"}]}, "w": {}},
            "services": {"east": {"replicas": ["e"]}, "west": {"replicas": ["w"]}}, "entry": "east",
            "dns": {"names": {"www": {"records": ["east", "west"], "ttl": "60s", "health_check": CHECK}}},
            "workload": {"rate": "20/s", "target": "www", "mode": mode},
        })
    z = []
    for rep in range(8):
        fluid = relsim.simulate(model("fluid"), 0, rep)
        discrete = relsim.simulate(model("discrete"), 0, rep, trace=True)
        switch = [e["t"] for e in discrete.trace if e["event"] == "dns_answer"][0]
        expected = 20 * (switch - HOUR + 30.0)  # λ (D + T/2)
        assert fluid.requests["failed"] == pytest.approx(expected)
        z.append((discrete.requests["failed"] - expected) / math.sqrt(expected))
    assert np.abs(z).max() < 4.0
    assert abs(np.mean(z)) < 4.0 / math.sqrt(len(z))


def test_discrete_latency_percentiles():
    # web-1 silently down, never removed: half the first attempts fail;
    # a third of the served requests succeed at the second attempt
    work = {"latency": "fixed(50ms)",
            "clients": {"timeout": "1s", "retry": {"attempts": 2, "base": "100ms", "jitter": "none"}}}
    m = relsim.load({
        "name": "tier", "horizon": "2h",
        "components": {"web-1": {"failures": [{"kind": "transient", "every": "fixed(1s)",
                                               "lasts": "fixed(30h)", "silent": True}]}, "web-2": {}},
        "services": {"web": {"replicas": ["web-1", "web-2"]}},
        "load_balancers": {"lb": {"service": "web", "health_check": CHECK}},
        "workload": {"rate": "5/s", "target": "lb", "mode": "discrete", **work},
    })
    req = relsim.simulate(m, 0, 0).requests
    assert req["latency_p50"] == pytest.approx(0.05)
    assert req["latency_p95"] == pytest.approx(1.15)
    assert req["served"] / req["offered"] == pytest.approx(0.75, abs=0.01)
    assert req["attempts"] / req["offered"] == pytest.approx(1.5, abs=0.01)


def test_load_feedback_needs_fluid_mode():
    with pytest.raises(relsim.ModelError) as err:
        relsim.load({
            "name": "x", "horizon": "1h", "components": {"a": {}},
            "services": {"web": {"replicas": ["a"]}},
            "load_balancers": {"lb": {"service": "web", "capacity": "10/s"}},
            "workload": {"rate": "5/s", "target": "lb", "mode": "discrete", "rate_limit": {"rate": "4/s"},
                         "clients": {"circuit_breaker": {}}},
        })
    text = str(err.value)
    for key in ("rate_limit", "circuit_breaker", "capacity"):
        assert key in text
