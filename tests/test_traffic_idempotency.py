"""Idempotency: duplicate executions of retried non-idempotent writes.

An attempt that reaches a live backend beyond what it can serve times out
after being processed; a retry then executes the write again. With
per-attempt success p, processed-but-late share r and m attempts, a request
executes E = A(p)(p + r) times on average and at least once with
probability 1 − (1 − p − r)^m, so it makes A(p)(p + r) − 1 + (1 − p − r)^m
duplicates (relsim.engine.clients.duplicates). The tests check that formula
against a direct Monte Carlo of the attempts and the simulator against it.
"""

from __future__ import annotations

import numpy as np
import pytest
from shared_models import tier

import relsim
from relsim.engine.clients import attempts, duplicates, success
from relsim.metrics import replication_metrics


@pytest.mark.parametrize("p,r,m", [(0.5, 0.3, 3), (0.8, 0.2, 4), (0.2, 0.1, 2), (0.6, 0.0, 3), (0.7, 0.3, 1)])
def test_duplicates_formula_matches_a_direct_count(p: float, r: float, m: int):
    rng = np.random.default_rng(3)
    n = 400_000
    u = rng.random((n, m))
    ok, late = u < p, (u >= p) & (u < p + r)
    # attempts stop after the first success
    first_ok = np.where(ok.any(axis=1), ok.argmax(axis=1), m)
    made = np.arange(m)[None, :] <= first_ok[:, None]
    executions = ((ok | late) & made).sum(axis=1)
    dups = np.maximum(executions - 1, 0)
    assert dups.mean() == pytest.approx(duplicates(p, r, m), abs=4 * dups.std() / np.sqrt(n) + 1e-12)


def test_overloaded_writes_are_duplicated_by_their_retries():
    # 2 backends of 12/s at 30/s: every failed attempt reached a live backend
    # too late (r = 1 − p), so each retry is a duplicate execution
    work = {"writes": "40%", "idempotent": "25%", "clients": {"retry": {"attempts": 3}}}
    res = relsim.simulate(tier(lb={"capacity": "12/s"}, workload=work), 0, 0)
    req = res.requests
    p = 1 - 0.2 ** (1 / 3)  # S(p) = 0.8
    assert success(p, 3) == pytest.approx(0.8)
    expected = req["offered"] * 0.4 * 0.75 * (attempts(p, 3) - 1)
    assert req["duplicates"] == pytest.approx(expected)
    assert req["duplicates"] == pytest.approx((req["attempts"] - req["offered"]) * 0.4 * 0.75)
    row = replication_metrics(res)
    assert row["duplicates_per_year"] == pytest.approx(expected * 365 * 24 / 20)


def test_mixed_failures_follow_the_attempt_mix():
    # web-1 silently down and never removed (lost attempts, l = 1/2); web-2
    # takes half the attempts with room for 12/s of them: the excess is late
    work = {"writes": "100%", "idempotent": False, "clients": {"retry": {"attempts": 3}}}
    m = tier(failing=[{"kind": "transient", "every": "fixed(1s)", "lasts": "fixed(30h)", "silent": True}],
             lb={"capacity": "12/s"}, workload=work)
    res = relsim.simulate(m, 0, 0)
    req = res.requests
    # web-2 serves 12 attempts/s: 12 requests/s succeed after web-1 fails at 1 s
    p = min(0.5, 12 / (30 * attempts_fixed_point()))
    assert success(p, 3) == pytest.approx(0.4)
    # (in the first second both serve 24/s: S(p1) = 0.8, every failure late)
    assert req["served"] == pytest.approx(24 + 12 * (res.horizon - 1), rel=1e-9)
    p1 = 1 - 0.2 ** (1 / 3)
    # late = 1/2 − p: the rest of web-2's half
    per_request = duplicates(p, 0.5 - p, 3)
    assert per_request > 0
    expected = 30 * (attempts(p1, 3) - 1) + 30 * (res.horizon - 1) * per_request
    assert req["duplicates"] == pytest.approx(expected, rel=1e-6)


def attempts_fixed_point() -> float:
    # p = min(1/2, 12 / (30 A(p))) on web-2's half
    lo, hi = 0.0, 0.5
    for _ in range(200):
        mid = (lo + hi) / 2
        if min(0.5, 12 / (30 * attempts(mid, 3))) > mid:
            lo = mid
        else:
            hi = mid
    return attempts(lo, 3)


def test_failed_backends_rate_limits_and_idempotent_writes_make_no_duplicates():
    retry = {"clients": {"retry": {"attempts": 3}}, "writes": "100%"}
    down = tier(failing=[{"kind": "transient", "every": "fixed(1s)", "lasts": "fixed(30h)", "silent": True}],
                workload={**retry, "idempotent": False})
    limited = tier(workload={**retry, "idempotent": False, "rate_limit": {"rate": "20/s"}})
    safe = tier(lb={"capacity": "12/s"}, workload=retry)  # idempotent by default
    for model in (down, limited, safe):
        res = relsim.simulate(model, 0, 0)
        assert res.requests["attempts"] > res.requests["offered"]
        assert res.requests["duplicates"] == 0.0
