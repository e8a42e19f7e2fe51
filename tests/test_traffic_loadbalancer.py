"""Load balancers: exact timelines and the expected loss of a health-check schedule.

A failed backend keeps its share of requests until ``unhealthy`` checks
in a row have failed; the removal delay ``D = (unhealthy − 1 + U)·interval +
timeout`` is drawn, so timelines read D from the trace and state everything
else exactly; the statistical test checks E[loss] against
:func:`relsim.traffic_formulas.lb_failure_loss` within 4 standard errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import relsim
from relsim.traffic_formulas import expected_min_delay, lb_failure_loss
from relsim.units import HOUR

CHECK = {"interval": "10s", "unhealthy": 3, "healthy": 2, "timeout": "2s"}


def trans(every: str, lasts: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})", **kw}


def lb_model(horizon: str = "20h", failing: list[dict[str, Any]] | None = None, lb: dict[str, Any] | None = None,
             needs: int | None = None, n: int = 3, **extra: Any) -> relsim.Model:
    comps: dict[str, Any] = {f"web-{i}": {} for i in range(1, n + 1)}
    comps["web-1"] = {"failures": failing if failing is not None else [trans("10h", "1h")]}
    svc: dict[str, Any] = {"replicas": list(comps)}
    if needs is not None:
        svc["needs"] = needs
    body = {"service": "web", "health_check": CHECK, **(lb or {})}
    return relsim.load({"name": "lb", "horizon": horizon, "components": comps, "services": {"web": svc},
                        "load_balancers": {"lb": body}, "workload": {"rate": "30/s", "target": "lb"},
                        **extra})


def events(res: Any, *names: str) -> list[dict[str, Any]]:
    return [e for e in res.trace if e["event"] in names]


def test_failed_backend_keeps_its_share_until_removed():
    res = relsim.simulate(lb_model(), 0, 0, trace=True)
    (out,) = [e for e in events(res, "lb_out") if e["backend"] == "web-1"]
    d = out["t"] - 10 * HOUR
    assert 22.0 <= d <= 32.0  # (3-1)·10 s + 2 s .. 3·10 s + 2 s
    assert res.requests["failed"] == pytest.approx(10 * d)  # 30/s over 3 backends
    # the request path is down (not every request succeeds) exactly until the removal
    (o,) = res.outages
    assert o[0] == 10 * HOUR and o[1] == pytest.approx(out["t"])
    (back,) = events(res, "lb_in")
    assert 11 * HOUR + 10.0 <= back["t"] <= 11 * HOUR + 20.0  # (2-1+U)·10 s after recovery


def test_failure_shorter_than_the_checks_is_never_removed():
    res = relsim.simulate(lb_model(failing=[trans("10h", "15s")]), 0, 0, trace=True)
    assert not events(res, "lb_out", "lb_in")
    assert res.requests["failed"] == pytest.approx(10 * 15)


def test_weighted_shares():
    res = relsim.simulate(lb_model(lb={"algorithm": "weighted", "weights": {"web-1": 2}}), 0, 0, trace=True)
    d = events(res, "lb_out")[0]["t"] - 10 * HOUR
    assert res.requests["failed"] == pytest.approx(15 * d)  # web-1 gets 2/4 of 30/s


def test_capacity_follows_needs():
    # needs 3: the two survivors carry 1/3 of the load each before and after
    # the removal, and until the restored backend rejoins the rotation
    res = relsim.simulate(lb_model(needs=3), 0, 0, trace=True)
    back = events(res, "lb_in")[0]["t"]
    assert res.requests["failed"] == pytest.approx(10 * (back - 10 * HOUR))
    assert res.downtime == pytest.approx(back - 10 * HOUR)


def test_load_balancer_failure_fails_every_request():
    res = relsim.simulate(lb_model(failing=[], lb={"failures": [trans("5h", "30m")]}), 0, 0)
    # down 5-5.5 h, 10.5-11 h, 16-16.5 h
    assert res.requests["failed"] == pytest.approx(30 * 3 * 1800)
    assert [o[3] for o in res.outages] == ["lb"] * 3


def test_load_balancer_in_a_failing_domain():
    m = lb_model(failing=[], lb={"in": "zone"},
                 domains={"zone": {"failures": [trans("8h", "1h")]}})
    res = relsim.simulate(m, 0, 0)
    assert res.requests["failed"] == pytest.approx(30 * 2 * HOUR)  # 8-9 h, 17-18 h


@pytest.mark.parametrize("deep,removed", [(False, False), (True, True)])
def test_silent_failures_pass_shallow_checks(deep: bool, removed: bool):
    m = lb_model(failing=[trans("10h", "1h", silent=True)], lb={"health_check": {**CHECK, "deep": deep}})
    res = relsim.simulate(m, 0, 0, trace=True)
    assert bool(events(res, "lb_out")) is removed
    if not removed:
        assert res.requests["failed"] == pytest.approx(10 * HOUR)


def test_all_out_of_rotation_fails_open():
    # every backend fails together for 1 h: all leave rotation; when they come
    # back the balancer sends to all of them at once (fail open)
    m = lb_model(failing=[trans("10h", "1h")], n=1)
    res = relsim.simulate(m, 0, 0)
    assert res.requests["failed"] == pytest.approx(30 * HOUR)


@pytest.mark.parametrize("lasts", ["1h", "27s", "12s"])
def test_expected_loss_matches_the_health_check_formula(lasts: str):
    # web-1 fails at 1 h, 2 h+L, ... within 12 h; each failure costs λ·(1/3)·E[min(D, L)]
    m = lb_model(horizon="12h", failing=[trans("1h", lasts)])
    L = relsim.parse_duration(lasts)
    n_fail = int(12 * HOUR // (HOUR + L))
    expected = n_fail * lb_failure_loss(30.0, 1 / 3, 10.0, 3, 2.0, L)
    failed = np.array([relsim.simulate(m, 7, i).requests["failed"] for i in range(300)])
    se = failed.std(ddof=1) / np.sqrt(len(failed))
    assert abs(failed.mean() - expected) < 4 * se + 1e-9 * expected
    assert expected_min_delay(10.0, 3, 2.0, L) <= min(L, 32.0)


@pytest.mark.parametrize("body,message", [
    ({"service": "nope"}, r"load_balancers.lb.service: unknown service 'nope'"),
    ({"service": "web", "in": "mars"}, r"load_balancers.lb.in: unknown domain 'mars'"),
    ({"service": "web", "algorithm": "weighted"}, r"algorithm: weighted needs 'weights'"),
    ({"service": "web", "algorithm": "random"}, r"load_balancers.lb.algorithm"),
])
def test_bad_load_balancers_are_reported(body: dict[str, Any], message: str):
    with pytest.raises(relsim.ModelError, match=message):
        relsim.load({"name": "x", "components": {"a": {}}, "services": {"web": {"replicas": ["a"]}},
                     "load_balancers": {"lb": body}, "workload": {"rate": "1/s", "target": "lb"}})


def test_load_balancer_fronts_active_active_only():
    with pytest.raises(relsim.ModelError, match=r"fronts an active-active service; 'db' is active-passive"):
        relsim.load({"name": "x", "components": {"a": {}, "b": {}},
                     "services": {"db": {"replicas": ["a", "b"], "mode": "active-passive"}},
                     "load_balancers": {"lb": {"service": "db"}}, "workload": {"rate": "1/s"}})
