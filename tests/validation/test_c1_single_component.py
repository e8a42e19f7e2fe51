"""C1: one repairable component with exponential up and repair times.

Up times Exponential(mean MTTF = 1000 h), repairs Exponential(mean MTTR =
10 h), its own repair crew, up and new at t = 0. With lambda = 1/MTTF,
mu = 1/MTTR, s = lambda + mu (two-state CTMC; K. S. Trivedi, *Probability and
Statistics with Reliability, Queuing, and Computer Science Applications*,
2nd ed., Wiley 2002, ch. 8):

* A = MTTF / (MTTF + MTTR);  A(t) = mu/s + (lambda/s) exp(-s t);
* E[downtime in [0, T]] = lambda T / s - (lambda / s^2) (1 - exp(-s T));
* E[# failures in [0, T]] = lambda (T - E[downtime in [0, T]]);
* stationary failures per T = T / (MTTF + MTTR).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _compare import assert_close, mean_se

import relsim
from relsim.units import HOUR

MTTF, MTTR, T = 1000.0, 10.0, 8760.0
LAM, MU = 1 / MTTF, 1 / MTTR
S = LAM + MU

# Exact values of the reference table (ids C1.x).
C1_1 = 0.9900990099  # steady-state availability
C1_2 = 0.009900990099  # unavailability
C1_3 = 8.673365356  # E[# failures in [0, 8760 h]] from new
C1_4 = 8.673267327  # failures per 8760 h, stationary (8760 / 1010)
C1_5 = 86.63464366  # E[downtime in [0, 8760 h]] from new, hours
C1_6 = 86.73267327  # downtime per 8760 h, stationary, hours
C1_7 = 0.9909759073  # point availability A(24 h)

MODEL = {
    "name": "c1-single-component",
    "components": {
        "unit": {
            "failures": [
                {"kind": "permanent", "every": "exp(mean=1000h)", "repair": "exp(mean=10h)"}
            ]
        }
    },
    "services": {"system": {"replicas": ["unit"]}},
}


def test_table_matches_the_formulas() -> None:
    """Transcription check: the constants above follow from the formulas."""
    downtime = LAM * T / S - LAM / S**2 * (1 - math.exp(-S * T))
    assert C1_1 == pytest.approx(MTTF / (MTTF + MTTR), rel=1e-9)
    assert C1_2 == pytest.approx(MTTR / (MTTF + MTTR), rel=1e-9)
    assert C1_3 == pytest.approx(LAM * (T - downtime), rel=1e-9)
    assert C1_4 == pytest.approx(T / (MTTF + MTTR), rel=1e-9)
    assert C1_5 == pytest.approx(downtime, rel=1e-9)
    assert C1_6 == pytest.approx(T * MTTR / (MTTF + MTTR), rel=1e-9)
    assert C1_7 == pytest.approx(MU / S + LAM / S * math.exp(-S * 24), rel=1e-9)


@pytest.fixture(scope="module")
def model() -> relsim.Model:
    return relsim.load(MODEL)


@pytest.fixture(scope="module")
def stationary(model: relsim.Model) -> relsim.Results:
    # 40 x 2.5e6 h = 1e8 h, about 99 000 outages: ~0.5 % relative SE on 1 - A.
    return relsim.run(model, runs=40, seed=101, horizon=2.5e6 * HOUR, jobs=2)


@pytest.fixture(scope="module")
def from_new(model: relsim.Model) -> relsim.Results:
    # 20 000 independent years from new: ~0.3 % relative SE on the means.
    return relsim.run(model, runs=20_000, seed=102, horizon="8760h", jobs=2)


def test_c1_1_steady_state_availability(stationary: relsim.Results) -> None:
    mean, se = mean_se(stationary.runs["availability"])
    assert_close(mean, se, C1_1, scale=1 - C1_1, label="C1.1")


def test_c1_2_unavailability(stationary: relsim.Results) -> None:
    mean, se = mean_se(1.0 - stationary.runs["availability"])
    assert_close(mean, se, C1_2, label="C1.2")


def test_c1_3_failures_in_first_year_from_new(from_new: relsim.Results) -> None:
    mean, se = mean_se(from_new.runs["failures"])
    assert_close(mean, se, C1_3, label="C1.3")


def test_c1_4_failures_per_year_stationary(stationary: relsim.Results) -> None:
    mean, se = mean_se(stationary.runs["failures_per_year"])
    assert_close(mean, se, C1_4, label="C1.4")


def test_c1_5_downtime_in_first_year_from_new(from_new: relsim.Results) -> None:
    mean, se = mean_se(from_new.runs["downtime_s"] / HOUR)
    assert_close(mean, se, C1_5, label="C1.5")


def test_c1_6_downtime_per_year_stationary(stationary: relsim.Results) -> None:
    mean, se = mean_se(stationary.runs["downtime_per_year"] / HOUR)
    assert_close(mean, se, C1_6, label="C1.6")


@pytest.mark.slow
def test_c1_7_point_availability_at_24h(model: relsim.Model) -> None:
    """A(24 h): the fraction of 24 h replications that end with the unit up.

    The entry service is down at the horizon iff its last outage is cut by
    the horizon (``censored``). 1 - A(24 h) = 0.00902 against 0.00990 in
    steady state; with 2 * 10^5 replications the SE is 2.1e-4, so the test
    also tells the transient from the stationary value (4.1 SE apart).
    """
    runs = 200_000
    res = relsim.run(model, runs=runs, seed=107, horizon="24h", jobs=2)
    down_at_end = np.zeros(runs)
    censored = res.outages.loc[res.outages["censored"], "replication"].to_numpy()
    down_at_end[censored] = 1.0
    mean, se = mean_se(1.0 - down_at_end)
    assert_close(mean, se, C1_7, scale=1 - C1_7, max_rel_se=0.05, label="C1.7")
