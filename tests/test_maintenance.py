"""Preventive maintenance and inspections (docs/maintenance-and-cost.md).

Exact checks within 4 SE:

* age replacement of a Weibull unit: renewal-reward availability
  ∫₀ᵀR / (∫₀ᵀR + r·F(T) + p·R(T));
* periodic proof test of a silent exponential failure: PFD
  1 − (1 − e^(−λτ))/(λτ) (≈ λτ/2), the mean exposure of found faults, and
  with imperfect inspections the two-state chain over test intervals;

and hand-worked timelines for both.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

import relsim
from relsim.engine import simulate
from relsim.errors import ModelError

YEAR = 365 * 86400.0
DAY = 86400.0


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))


WEAROUT = """
name: wearout
horizon: 20y
components:
  pump:
    failures: [{{kind: permanent, every: weibull(shape={shape}, mean=1y), repair: fixed(10d)}}]
    {maintenance}
services:
  s: {{replicas: [pump]}}
"""


def _age_replacement(shape: float, age: float, repair: float, pm: float) -> float:
    eta = YEAR / math.gamma(1 + 1 / shape)

    def sf(x: float) -> float:
        return math.exp(-((x / eta) ** shape))

    up = integrate.quad(sf, 0, age)[0]
    return up / (up + repair * (1 - sf(age)) + pm * sf(age))


@pytest.mark.parametrize("shape", [3.0, 1.0])
def test_age_replacement_availability_is_the_renewal_reward_ratio(shape):
    text = WEAROUT.format(shape=shape, maintenance="maintenance: {every: 180d, lasts: 1d, renews: true}")
    runs = relsim.run(relsim.loads(text), runs=40, seed=2).runs
    mean, se = _mean_se(runs["availability"].to_numpy())
    exact = _age_replacement(shape, 180 * DAY, 10 * DAY, DAY)
    assert abs(mean - exact) < 4 * se
    # preventive maintenance per year: a renewal cycle ends in maintenance with probability R(T)
    assert runs["preventive_per_year"].mean() > 0


def test_preventive_maintenance_pays_off_only_for_wear_out():
    no_pm = 1 - 10 / 375  # MTBF / (MTBF + MTTR)
    assert _age_replacement(3.0, 180 * DAY, 10 * DAY, DAY) > no_pm  # wear-out: it pays
    assert _age_replacement(1.0, 180 * DAY, 10 * DAY, DAY) < no_pm  # exponential: it only costs


PROOF = """
name: proof
horizon: 20y
components:
  relay:
    failures: [{{kind: permanent, every: exp(mean=2y), repair: fixed(0s), silent: true}}]
    inspection: {{every: 90d, finds: {finds}}}
services:
  s: {{replicas: [relay]}}
"""


def test_proof_test_of_a_silent_exponential_failure():
    runs = relsim.run(relsim.loads(PROOF.format(finds="100%")), runs=40, seed=4).runs
    lam, tau = 1 / (2 * YEAR), 90 * DAY
    x = lam * tau
    exact = 1 - (1 - math.exp(-x)) / x
    assert exact == pytest.approx(x / 2, rel=0.1)  # the textbook approximation
    pfd, se = _mean_se(runs["pfd"].to_numpy())
    assert abs(pfd - exact) < 4 * se
    assert np.allclose(runs["pfd"], 1 - runs["availability"])  # the relay is the whole service
    # the mean exposure of found faults: a ratio of totals over replications (delta-method SE)
    model = relsim.loads(PROOF.format(finds="100%"))
    tallies = [simulate(model, seed=4, replication=i).upkeep for i in range(40)]
    hidden = np.array([t.get("exposure_found", 0.0) for t in tallies])
    found = np.array([t.get("faults_found", 0.0) for t in tallies])
    ratio = hidden.sum() / found.sum()
    se_r = math.sqrt(np.var(hidden - ratio * found, ddof=1) / len(found)) / found.mean()
    exact_exposure = tau - 1 / lam + tau * math.exp(-x) / (1 - math.exp(-x))
    assert abs(ratio - exact_exposure) < 4 * se_r
    assert exact_exposure == pytest.approx(tau / 2, rel=0.05)  # about half an interval for small λτ


def test_imperfect_inspections_follow_the_interval_chain():
    p = 0.6
    runs = relsim.run(relsim.loads(PROOF.format(finds=f"{p:.0%}")), runs=40, seed=6).runs
    lam, tau = 1 / (2 * YEAR), 90 * DAY
    f = 1 - math.exp(-lam * tau)
    # state at the start of an interval: U (as new) or D (latent fault not found yet)
    pi_u = 1 / (1 + f * (1 - p) / p)
    pi_d = 1 - pi_u
    exact = (pi_u * (tau - f / lam) + pi_d * tau) / tau
    pfd, se = _mean_se(runs["pfd"].to_numpy())
    assert abs(pfd - exact) < 4 * se


TIMELINE = """
name: t
horizon: 100d
components:
  a:
    failures: [{kind: permanent, every: fixed(35d), repair: fixed(1d), silent: true}]
    inspection: {every: 30d, lasts: 1h, finds: 100%}
  b:
    failures: [{kind: permanent, every: fixed(50d), repair: fixed(2d)}]
    maintenance: {every: 20d, lasts: 6h, renews: true}
services:
  s: {replicas: [a, b], needs: 1}
"""


def test_inspection_and_maintenance_timeline():
    res = simulate(relsim.loads(TIMELINE), seed=1, replication=0, trace=True)
    ev = [(round(e["t"] / 3600, 3), e["event"], e["element"]) for e in res.trace
          if e["event"] in ("failed", "fault_latent", "fault_found", "stopped", "restored", "repaired")]
    h = 24
    a = [e for e in ev if e[2] == "a"]
    # a is tested at 30 d (1 h out of service, its clock paused), fails silently at 35 d 1 h, is found by
    # the inspection at 60 d and repaired by 61 d; tested again at 90 d, it fails at 96 d 1 h, unfound
    assert a[:6] == [(30 * h, "stopped", "a"), (30 * h + 1, "restored", "a"), (35 * h + 1, "failed", "a"),
                     (35 * h + 1, "fault_latent", "a"), (60 * h, "fault_found", "a"), (61 * h, "repaired", "a")]
    assert a[6:] == [(90 * h, "stopped", "a"), (90 * h + 1, "restored", "a"), (96 * h + 1, "failed", "a"),
                     (96 * h + 1, "fault_latent", "a")]
    b = [e for e in ev if e[2] == "b"]
    # b is maintained every 20 d of age, 6 h each, renewed: it never reaches 50 d and never fails
    assert b[:4] == [(20 * h, "stopped", "b"), (20 * h + 6, "restored", "b"),
                     (40 * h + 6, "stopped", "b"), (40 * h + 12, "restored", "b")]
    assert not any(e[1] == "failed" for e in b)
    t = res.upkeep
    assert t["exposure_found"] == pytest.approx(60 * DAY - (35 * DAY + 3600))
    assert t["faults_found"] == 1 and t["inspections"] == 3
    # down: two 1 h tests, 35 d 1 h - 61 d and 96 d 1 h - 100 d
    assert t["inspected_down"] == pytest.approx(30 * DAY)
    # b's maintenance while a's latent fault or repair has a down: planned outages, named after b
    assert [(o.start_s / 3600, o.duration_s / 3600, o.cause_kind, o.planned) for o in res.outages] == [
        (40 * h + 6, 6, "preventive", True), (60 * h + 12, 6, "preventive", True)]


@pytest.mark.parametrize("snippet, where, message", [
    ("    inspection: {every: 30d}\n", "components.a.inspection", "silent: true"),
    ("    maintenance: {every: 30d, cron: '0 2 * * *'}\n", "components.a.maintenance", "exactly one of"),
    ("    maintenance: {every: exp(mean=30d), basis: age}\n", "components.a.maintenance", "fixed 'every'"),
    ("    inspection: {every: 30d, finds: 120%}\n", "components.a.inspection.finds", ""),
])
def test_bad_input_names_file_line_and_field(snippet, where, message):
    text = ("name: bad\ncomponents:\n  a:\n    failures: [{kind: permanent, every: 1y, repair: 1h}]\n" + snippet
            + "services:\n  s: {replicas: [a]}\n")
    with pytest.raises(ModelError, match=message or None) as info:
        relsim.loads(text, source="bad.yaml")
    assert "bad.yaml:5" in str(info.value) and where in str(info.value)


OPPORTUNISTIC = """
name: o
horizon: 250d
domains:
  site: {}
components:
  a: {in: site, failures: [{kind: permanent, every: fixed(100d), repair: fixed(1d)}]}
  b:
    in: site
    failures: [{kind: permanent, every: fixed(1000d), repair: fixed(1d)}]
    maintenance: {every: 120d, lasts: 6h, opportunistic: 30d}
services:
  s: {replicas: [a, b], needs: 1}
"""


def test_opportunistic_maintenance_while_a_neighbour_is_repaired():
    res = simulate(relsim.loads(OPPORTUNISTIC), seed=1, replication=0, trace=True)
    b = [(round(e["t"] / 3600, 3), e["event"]) for e in res.trace
         if e.get("element") == "b" and e["event"] in ("opportunistic_maintenance", "stopped", "restored")]
    h = 24
    # a's repair starts at 100 d; b is due at 120 d (within 30 d): maintained then, renewed at 100 d 6 h;
    # a's next repair starts at 201 d, b due at 220 d 6 h: maintained again at 201 d
    assert b == [(100 * h, "opportunistic_maintenance"), (100 * h, "stopped"), (100 * h + 6, "restored"),
                 (201 * h, "opportunistic_maintenance"), (201 * h, "stopped"), (201 * h + 6, "restored")]
    assert res.upkeep["opportunistic"] == 2 and res.upkeep["preventive"] == 2


def test_opportunistic_needs_the_age_basis():
    with pytest.raises(ModelError, match="needs the age basis"):
        relsim.loads(OPPORTUNISTIC.replace("every: 120d, lasts: 6h", "cron: '0 2 1 * *', lasts: 6h"))


def test_maintenance_due_during_a_transient_failure_waits_for_the_recovery():
    text = """
name: w
horizon: 60d
components:
  a:
    failures: [{kind: transient, every: fixed(19d), lasts: fixed(2d)}]
    maintenance: {every: 20d, lasts: 1d, renews: true}
services:
  s: {replicas: [a]}
"""
    res = simulate(relsim.loads(text), seed=1, replication=0, trace=True)
    ev = [(round(e["t"] / 86400, 3), e["event"]) for e in res.trace
          if e["event"] in ("failed", "recovered", "stopped", "restored")]
    # down 19-21 d (transient): maintenance due at 20 d waits, runs 21-22 d and renews (the transient
    # clock restarts: next at 22 + 19 = 41 d); due again at 42 d, during the transient 41-43 d: 43-44 d
    assert ev == [(19, "failed"), (21, "recovered"), (21, "stopped"), (22, "restored"),
                  (41, "failed"), (43, "recovered"), (43, "stopped"), (44, "restored")]


def test_the_event_estimate_counts_inspections_and_maintenance():
    from relsim.model.estimate import events_per_replication

    base = relsim.loads(PROOF.format(finds="100%"))
    busy = relsim.loads(PROOF.format(finds="100%").replace("every: 90d", "every: 1s"))
    assert events_per_replication(busy) > 1e8 > events_per_replication(base)  # relsim run refuses the busy one
