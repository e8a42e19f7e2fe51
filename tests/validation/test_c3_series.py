"""C3: series system of three independent repairable components.

MTTF = 2000 / 3000 / 5000 h, MTTR = 4 / 8 / 2 h, all exponential, each with
its own repair crew; the system is up iff all three are up. Components keep
running, and can fail, while another one holds the system down: that is
relsim's semantics (an element's clocks stop only while the element itself
is down), so the comparison is with C3.1, not with the "paused" variant C3.5.

Formulas (series structure of independent units; K. S. Trivedi, *Probability
and Statistics with Reliability, Queuing, and Computer Science Applications*,
2nd ed., Wiley 2002; A. Birolini, *Reliability Engineering*, series
structures):

* A = prod A_i, A_i = MTTF_i / (MTTF_i + MTTR_i);
* outage rate = A * sum lambda_i (every failure from all-up is a system
  failure);
* mean outage duration = (1 - A) / outage rate.
"""

from __future__ import annotations

import math

import pytest
from _compare import assert_close, mean_se

import relsim
from relsim.units import HOUR

MTTF = (2000.0, 3000.0, 5000.0)
MTTR = (4.0, 8.0, 2.0)
T = 8760.0

C3_1 = 0.9949517454  # availability A1 A2 A3
C3_2 = 9.006303199  # system outages per 8760 h
C3_3 = 4.910195613  # mean system outage duration, hours
C3_4 = 44.22271046  # mean downtime per 8760 h, hours

MODEL = {
    "name": "c3-series",
    "components": {
        f"u{i + 1}": {
            "failures": [
                {"kind": "permanent", "every": f"exp(mean={f:g}h)", "repair": f"exp(mean={r:g}h)"}
            ]
        }
        for i, (f, r) in enumerate(zip(MTTF, MTTR))
    },
    # Series: u1 in series with (depends_on) u2 and u3, s = s1 * s2 * s3.
    "services": {"system": {"replicas": ["u1"], "depends_on": ["u2", "u3"]}},
}


def test_table_matches_the_formulas() -> None:
    a = math.prod(f / (f + r) for f, r in zip(MTTF, MTTR))
    rate = a * sum(1 / f for f in MTTF)
    assert C3_1 == pytest.approx(a, rel=1e-9)
    assert C3_2 == pytest.approx(rate * T, rel=1e-9)
    assert C3_3 == pytest.approx((1 - a) / rate, rel=1e-9)
    assert C3_4 == pytest.approx((1 - a) * T, rel=1e-9)


@pytest.fixture(scope="module")
def results() -> relsim.Results:
    # 40 x 2.5e6 h = 1e8 h, about 100 000 system outages (~2 600 per run).
    return relsim.run(relsim.load(MODEL), runs=40, seed=301, horizon=2.5e6 * HOUR, jobs=2)


def test_c3_1_availability(results: relsim.Results) -> None:
    mean, se = mean_se(results.runs["availability"])
    assert_close(mean, se, C3_1, scale=1 - C3_1, label="C3.1")


def test_c3_2_outages_per_year(results: relsim.Results) -> None:
    mean, se = mean_se(results.runs["outages_per_year"])
    assert_close(mean, se, C3_2, label="C3.2")


def test_c3_3_mean_outage_duration(results: relsim.Results) -> None:
    row = results.summary().loc["mean_outage"]  # ratio of totals, delta-method SE
    assert_close(row["mean"] / HOUR, row["se"] / HOUR, C3_3, label="C3.3")


def test_c3_4_downtime_per_year(results: relsim.Results) -> None:
    mean, se = mean_se(results.runs["downtime_per_year"] / HOUR)
    assert_close(mean, se, C3_4, label="C3.4")
