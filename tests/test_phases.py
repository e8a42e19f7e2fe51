"""Mission phases (docs/maintenance-and-cost.md §6): needs and failure rates per phase.

Exact checks within 4 SE: phase-dependent k-of-n (component states do not
depend on the phase, so availability is the phase-weighted binomial), and a
stressed unit's availability from the periodic solution of its two-state
chain with piecewise-constant failure rate.
"""

from __future__ import annotations

import math

import pytest
from scipy import stats

import relsim
from relsim.engine import simulate
from relsim.errors import ModelError

DAY = 86400.0


def _mean_se(x) -> tuple[float, float]:
    x = x.to_numpy()
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))


KOFN = """
name: kofn
horizon: 3y
components:
  web: {count: 6, failures: [{kind: permanent, every: exp(mean=10d), repair: exp(mean=2d)}]}
services:
  web: {replicas: [web], needs: 3}
phases:
  - {name: normal, lasts: 20d}
  - {name: peak, lasts: 10d, needs: {web: 5}}
"""


def test_phase_dependent_k_of_n():
    runs = relsim.run(relsim.loads(KOFN), runs=30, seed=1).runs
    a = 10 / 12
    exact = (20 / 30) * stats.binom.sf(2, 6, a) + (10 / 30) * stats.binom.sf(4, 6, a)
    mean, se = _mean_se(runs["availability"])
    assert abs(mean - exact) < 4 * se


STRESS = """
name: stress
horizon: 20y
components:
  unit: {failures: [{kind: permanent, every: exp(mean=20d), repair: exp(mean=5d)}]}
services:
  s: {replicas: [unit]}
phases:
  - {name: calm, lasts: 40d}
  - {name: storm, lasts: 20d, failure_rate: 4}
"""


def _periodic_availability(phases: list[tuple[float, float]], mu: float) -> float:
    """Time-average P(up) of a two-state chain whose failure rate is lam over each phase (t, lam), repeating."""

    def through(p0: float, t: float, lam: float) -> tuple[float, float]:
        r = lam + mu
        inf = mu / r
        p1 = inf + (p0 - inf) * math.exp(-r * t)
        integral = inf * t + (p0 - inf) * (1 - math.exp(-r * t)) / r
        return p1, integral

    p = 1.0
    for _ in range(200):  # the cycle map is a contraction: iterate to its fixed point
        for t, lam in phases:
            p, _ = through(p, t, lam)
    total, length = 0.0, 0.0
    for t, lam in phases:
        p, integral = through(p, t, lam)
        total += integral
        length += t
    return total / length


def test_a_stressed_phase_multiplies_the_failure_rate():
    runs = relsim.run(relsim.loads(STRESS), runs=30, seed=2).runs
    lam, mu = 1 / (20 * DAY), 1 / (5 * DAY)
    exact = _periodic_availability([(40 * DAY, lam), (20 * DAY, 4 * lam)], mu)
    mean, se = _mean_se(runs["availability"])
    assert abs(mean - exact) < 4 * se
    calm = _periodic_availability([(60 * DAY, lam)], mu)
    assert exact < calm - 0.05  # the storm matters: the test can fail


def test_remaining_up_time_is_rescaled_at_a_phase_change():
    text = """
name: t
horizon: 30d
components:
  a: {failures: [{kind: transient, every: fixed(10d), lasts: fixed(1d)}]}
services:
  s: {replicas: [a]}
phases:
  - {name: calm, lasts: 4d}
  - {name: storm, lasts: 100d, failure_rate: 2}
"""
    res = simulate(relsim.loads(text), seed=1, replication=0, trace=True)
    fails = [e["t"] / DAY for e in res.trace if e["event"] == "failed"]
    # 4 d of the first 10 d used in calm; the remaining 6 d of work take 3 d at twice the rate -> 7 d;
    # then up 1 d later (8 d), the next 10 d take 5 d -> 13 d, 19 d, 25 d
    assert fails == pytest.approx([7, 13, 19, 25])


@pytest.mark.parametrize("snippet, where, message", [
    ("  - {name: p, lasts: 1d, needs: {webb: 2}}", "phases[0].needs.webb", "unknown service 'webb'"),
    ("  - {name: p, lasts: 1d, needs: {web: 9}}", "phases[0].needs.web", r"must be <= number of replicas \(6\)"),
    ("  - {name: p, lasts: 1d, failure_rates: {wbe: 2}}", "phases[0].failure_rates.wbe", "unknown element"),
    ("  - {name: p, lasts: 0d}", "phases[0].lasts", "greater than 0"),
])
def test_bad_phases_name_file_line_and_field(snippet, where, message):
    text = KOFN.split("phases:")[0] + "phases:\n" + snippet + "\n"
    with pytest.raises(ModelError, match=message) as info:
        relsim.loads(text, source="p.yaml")
    assert "p.yaml:9" in str(info.value) and where in str(info.value)


def test_availability_per_phase():
    runs = relsim.run(relsim.loads(KOFN), runs=30, seed=1).runs
    a = 10 / 12
    for name, k in (("normal", 3), ("peak", 5)):
        exact = stats.binom.sf(k - 1, 6, a)
        mean, se = _mean_se(runs[f"phase:{name}:availability"])
        assert abs(mean - exact) < 4 * se, name
    # the phases' outage time adds up to the whole downtime: over 1095 d, 36 cycles of 30 d and 15 d of
    # normal trade, so 735 d normal and 360 d peak
    whole = 1 - runs["availability"]
    parts = (735 * (1 - runs["phase:normal:availability"]) + 360 * (1 - runs["phase:peak:availability"])) / 1095
    assert (whole - parts).abs().max() < 1e-12
