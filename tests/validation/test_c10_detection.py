"""C10: heartbeat failure detection, and the sampled method against beat-by-beat.

Exact figures (reference case C10; Chen, Toueg & Aguilera 2002; Feller vol. I
ch. XIII §7): heartbeats every P = 1 s, suspicion after k = 3 missing beats.

* detection delay after a crash at a uniform phase: Uniform((k-1)P, kP],
  mean (k - 1/2)P = 2.5 s (C10.1), sd P/sqrt(12) = 0.2886751346 s (C10.2);
* false suspicions with each beat lost with probability p: episodes start at
  (1-p)p^k per beat; E[# in N beats] = p^k + (N-k)(1-p)p^k;
  p = 0.01, N = 86400: E = 0.08553403 (C10.7), P(>=1) = 0.08197836984 (C10.8);
  p = 0.1, N = 1000: E = 0.001 + 997 * 0.9 * 0.001 = 0.8983,
  P(>=1) = 0.5938928382 (C10.10).

relsim's default (``method: sampled``) draws these from their exact
distributions; ``method: beats`` simulates every beat. Both are compared with
the exact values (|mean - exact| < 4 SE, SE from the replications), and with
each other (two-sample Kolmogorov-Smirnov on detection delays).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import relsim

C10_1_MEAN, C10_2_SD = 2.5, 0.2886751346
C10_7_MEAN, C10_8_P = 0.08553403, 0.08197836984
P01_N1000_MEAN, C10_10_P = 0.001 + 997 * 0.9 * 0.001, 0.5938928382


def watched(method: str, horizon: str, *, loss: str = "0%", crashes: bool = True,
            check: dict | None = None) -> relsim.Model:
    """A primary watched by a controller that never fails over (hold of a year).

    With ``crashes`` the primary fails transiently every ~2 min for 20 s (60 s
    with health checks, which take longer), so each crash yields one
    detection delay.
    """
    lasts = "fixed(60s)" if check else "fixed(20s)"
    failures = ([{"kind": "transient", "every": "exp(mean=2m)", "lasts": lasts}]
                if crashes else [])
    detection = ({"health_check": check} if check else
                 {"heartbeat": {"period": "1s", "misses": 3, "loss": loss}})
    return relsim.load({
        "name": f"c10-{method}", "horizon": horizon,
        "components": {"p": {"failures": failures}, "b": {}},
        "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive",
                           "detection": {**detection, "method": method},
                           "failover": {"hold": "1y"}}},
    })


def delays(model: relsim.Model, reps: int) -> np.ndarray:
    out: list[float] = []
    for i in range(reps):
        out.extend(relsim.simulate(model, seed=10, replication=i).detection_delays)
    return np.asarray(out)


def assert_close(mean: float, se: float, exact: float) -> None:
    assert se > 0 and se < 0.05 * abs(exact), (se, exact)  # a bound that can fail
    assert abs(mean - exact) < 4 * se, (mean, exact, se)


@pytest.fixture(scope="module")
def sampled_delays() -> np.ndarray:
    return delays(watched("sampled", "1d"), 3)


@pytest.fixture(scope="module")
def beat_delays() -> np.ndarray:
    return delays(watched("beats", "4h"), 3)


@pytest.mark.parametrize("which", ["sampled", "beats"])
def test_c10_1_2_detection_delay(which, sampled_delays, beat_delays):
    d = sampled_delays if which == "sampled" else beat_delays
    assert len(d) > 300
    assert d.min() > 2.0 - 1e-9 and d.max() <= 3.0 + 1e-9
    assert_close(d.mean(), d.std(ddof=1) / math.sqrt(len(d)), C10_1_MEAN)
    # variance of a uniform on an interval of width P: SE of s^2 from its
    # fourth central moment, mu4 = P^4/80
    var, mu4 = C10_2_SD**2, 1 / 80
    assert abs(d.var(ddof=1) - var) < 4 * math.sqrt((mu4 - var**2) / len(d))


def test_sampled_and_beat_by_beat_delays_have_one_distribution(sampled_delays, beat_delays):
    assert stats.ks_2samp(sampled_delays, beat_delays).pvalue > 1e-3


def test_health_check_delays_agree_between_methods():
    check = {"interval": "10s", "unhealthy": 3, "timeout": "2s"}
    a = delays(watched("sampled", "1d", check=check), 2)
    b = delays(watched("beats", "6h", check=check), 2)
    # Uniform[(u-1)I + T, uI + T] = [22, 32] s, mean 27 s
    assert a.min() >= 22 - 1e-9 and a.max() <= 32 + 1e-9
    assert b.min() >= 22 - 1e-9 and b.max() <= 32 + 1e-9
    assert_close(a.mean(), a.std(ddof=1) / math.sqrt(len(a)), 27.0)
    assert stats.ks_2samp(a, b).pvalue > 1e-3


def suspicion_counts(model: relsim.Model, reps: int) -> np.ndarray:
    res = relsim.run(model, runs=reps, seed=3)
    return res.runs["false_suspicions"].to_numpy()


@pytest.mark.parametrize(("method", "reps"), [
    ("sampled", 3000), pytest.param("beats", 1200, marks=pytest.mark.slow)])
def test_c10_10_false_suspicions_at_ten_percent_loss(method, reps):
    n = suspicion_counts(watched(method, "1000s", loss="10%", crashes=False), reps)
    assert_close(n.mean(), n.std(ddof=1) / math.sqrt(reps), P01_N1000_MEAN)
    hit = (n >= 1).astype(float)
    se = math.sqrt(C10_10_P * (1 - C10_10_P) / reps)
    assert abs(hit.mean() - C10_10_P) < 4 * se


@pytest.mark.slow
def test_c10_7_8_false_suspicions_over_a_day_at_one_percent_loss():
    reps = 8000
    n = suspicion_counts(watched("sampled", "86400s", loss="1%", crashes=False), reps)
    se_mean = n.std(ddof=1) / math.sqrt(reps)
    assert se_mean > 0 and abs(n.mean() - C10_7_MEAN) < 4 * se_mean
    se_p = math.sqrt(C10_8_P * (1 - C10_8_P) / reps)
    assert abs((n >= 1).mean() - C10_8_P) < 4 * se_p
