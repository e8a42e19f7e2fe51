"""Workload and request-weighted availability (fluid mode), on exact timelines.

With ``fixed(...)`` failures every replication is deterministic, so the
requests offered and failed are stated exactly: rate × seconds, hour by
hour when a daily profile shapes the rate.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.engine.workload import RateProfile
from relsim.units import HOUR

PROFILE = [1.0] * 12 + [3.0] * 12  # mean 2: hours 0-11 at rate/2, 12-23 at 1.5 rate


def single(horizon: str, workload: dict[str, Any] | None, **extra: Any) -> relsim.Model:
    spec: dict[str, Any] = {
        "name": "one", "horizon": horizon,
        "components": {"a": {"failures": [
            {"kind": "transient", "every": "fixed(10h)", "lasts": "fixed(1h)"}]}},
        "services": {"s": {"replicas": ["a"]}}, **extra,
    }
    if workload is not None:
        spec["workload"] = workload
    return relsim.load(spec)


def test_flat_rate_counts_failed_requests_exactly():
    # a is down 10-11 h (and again from 21 h); the horizon is 21 h
    res = relsim.simulate(single("21h", {"rate": "10/s"}), seed=0, replication=0)
    assert res.requests["offered"] == pytest.approx(10 * 21 * HOUR)
    assert res.requests["failed"] == pytest.approx(10 * 1 * HOUR)
    assert res.downtime == pytest.approx(HOUR)


def test_profile_weights_requests_by_hour():
    # down 10-11 h (rate 5/s) and 21-22 h (rate 15/s); horizon 24 h
    res = relsim.simulate(single("24h", {"rate": "10/s", "profile": PROFILE}), 0, 0)
    assert res.requests["offered"] == pytest.approx(10 * 24 * HOUR)
    assert res.requests["failed"] == pytest.approx((5 + 15) * HOUR)


def test_request_metrics_and_error_budget():
    m = single("21h", {"rate": "10/s", "writes": "10%"}, objectives={"availability": "99%"})
    row = relsim.run(m, runs=1).runs.iloc[0]
    assert row["request_success"] == pytest.approx(20 / 21)
    assert row["served_fraction"] == pytest.approx(20 / 21)
    assert row["error_budget_burn"] == pytest.approx((1 / 21) / 0.01)
    per_year = 365 * 24 / 21
    assert row["requests_failed_per_year"] == pytest.approx(10 * HOUR * per_year)
    assert row["writes_failed_per_year"] == pytest.approx(HOUR * per_year)


def test_request_weighting_differs_from_time_with_a_profile():
    # the outages fall at hours 10 (low) and 21 (high): requests lost 20/s·h of 240/s·h
    row = relsim.run(single("24h", {"rate": "10/s", "profile": PROFILE}), runs=1).runs.iloc[0]
    assert row["availability"] == pytest.approx(22 / 24)
    assert row["request_success"] == pytest.approx(1 - 20 / 240)


def test_without_workload_nothing_changes():
    res = relsim.simulate(single("21h", None), 0, 0)
    assert res.requests is None
    row = relsim.run(single("21h", None), runs=1).runs.iloc[0]
    assert "request_success" not in row
    assert row["served_fraction"] == pytest.approx(20 / 21)


@pytest.mark.parametrize("a,b", [(0.0, 10.0), (1000.0, 90000.0), (3599.0, 3601.0), (5 * 86400.0, 5.5 * 86400.0)])
@pytest.mark.parametrize("slope", [0.0, 1e-4, -2e-5])
def test_rate_integral_matches_quadrature(a: float, b: float, slope: float):
    prof = RateProfile(7.0, [float(h % 5 + 1) for h in range(24)])
    n = 200_000
    step = (b - a) / n
    total = sum(prof.at(a + (i + 0.5) * step) * (0.3 + slope * (i + 0.5) * step) for i in range(n)) * step
    assert prof.integrate(a, b, 0.3, slope) == pytest.approx(total, rel=1e-3)


def test_profile_keeps_the_mean_rate():
    prof = RateProfile(10.0, PROFILE)
    assert prof.cumulative(86400.0) == pytest.approx(10 * 86400)
    assert prof.cumulative(3 * 86400.0 + 12 * HOUR) == pytest.approx(30 * 86400 + 5 * 12 * HOUR)


@pytest.mark.parametrize("workload,message", [
    ({"rate": "10/s", "target": "nope"}, r"workload.target: unknown target 'nope'"),
    ({"rate": "10/s", "profile": [1, 2]}, r"profile needs 24 hourly multipliers, got 2"),
    ({"rate": "10"}, r"workload.rate"),
    ({"rate": "10/s", "populations": {"eu": {"share": 1, "near": "mars"}}},
     r"workload.populations.eu.near: unknown domain 'mars'"),
    # every share 0 would leave no client to send a request (a division by 0 at the start)
    ({"rate": "10/s", "populations": {"eu": {"share": 0}, "us": {"share": "0%"}}},
     r"workload.populations: populations' shares are all 0"),
])
def test_bad_workloads_are_reported(workload: dict[str, Any], message: str):
    with pytest.raises(relsim.ModelError, match=message):
        single("1d", workload)
