"""C5: 2-of-3 quorum of independent repairable units.

Three identical active units, MTTF = 1000 h, MTTR = 10 h, exponential, one
crew each (no ``repair_crews``). The system is up iff at least 2 of the 3
are up: relsim's ``quorum`` mode with its default majority.

Formulas (k-out-of-n with independent units; Trivedi; R. E. Barlow & F.
Proschan, *Mathematical Theory of Reliability*, Wiley 1965): A = 3a^2 - 2a^3
with a = 1000/1010; equivalently the birth-death CTMC on the number failed
with failure rates 3 lambda, 2 lambda, lambda and repair rates mu, 2 mu, 3 mu.
Quorum losses happen at rate pi_1 * 2 lambda; mean loss duration
(pi_2 + pi_3) / (pi_1 * 2 lambda).

The state probabilities are checked through an active-active model of the
same units with ``needs: 3``: availability = pi_0, and the served fraction
min(1, u/3) averages to pi_0 + 2/3 pi_1 + 1/3 pi_2 (= a, the unit
availability).
"""

from __future__ import annotations

import numpy as np
import pytest
from _compare import assert_close, mean_se

import relsim
from relsim.units import HOUR

LAM, MU, T = 1 / 1000, 1 / 10, 8760.0

C5_1 = 0.9997078524  # availability
C5_2 = 0.5101421818  # quorum losses per 8760 h
C5_3 = 5.016666667  # mean quorum-loss duration, hours
PI = (0.9705901479, 0.02911770444, 2.9117704438e-04, 9.7059014793e-07)  # 0..3 failed

UNIT = [{"kind": "permanent", "every": "exp(mean=1000h)", "repair": "exp(mean=10h)"}]


def model(mode: str, needs: int | None = None) -> relsim.Model:
    service: dict = {"replicas": ["u1", "u2", "u3"], "mode": mode}
    if needs is not None:
        service["needs"] = needs
    return relsim.load({
        "name": f"c5-{mode}",
        "components": {name: {"failures": UNIT} for name in ("u1", "u2", "u3")},
        "services": {"system": service},
    })


def test_table_matches_the_formulas() -> None:
    a = 1000 / 1010
    q = np.array([
        [-3 * LAM, 3 * LAM, 0, 0],
        [MU, -(MU + 2 * LAM), 2 * LAM, 0],
        [0, 2 * MU, -(2 * MU + LAM), LAM],
        [0, 0, 3 * MU, -3 * MU],
    ])
    pi = np.linalg.lstsq(np.vstack([q.T, np.ones(4)]), np.r_[0, 0, 0, 0, 1.0], rcond=None)[0]
    assert PI == pytest.approx(pi, rel=1e-8)
    assert C5_1 == pytest.approx(3 * a**2 - 2 * a**3, rel=1e-9)
    assert C5_2 == pytest.approx(pi[1] * 2 * LAM * T, rel=1e-8)
    assert C5_3 == pytest.approx((pi[2] + pi[3]) / (pi[1] * 2 * LAM), rel=1e-8)


@pytest.fixture(scope="module")
def results() -> relsim.Results:
    # 40 x 1.5e7 h = 6e8 h, about 35 000 quorum losses: ~0.9 % relative SE on 1 - A.
    return relsim.run(model("quorum"), runs=40, seed=501, horizon=1.5e7 * HOUR, jobs=2)


@pytest.mark.slow
def test_c5_1_availability(results: relsim.Results) -> None:
    mean, se = mean_se(results.runs["availability"])
    assert_close(mean, se, C5_1, scale=1 - C5_1, label="C5.1")


@pytest.mark.slow
def test_c5_2_quorum_losses_per_year(results: relsim.Results) -> None:
    mean, se = mean_se(results.runs["outages_per_year"])
    assert_close(mean, se, C5_2, label="C5.2")


@pytest.mark.slow
def test_c5_3_mean_quorum_loss_duration(results: relsim.Results) -> None:
    row = results.summary().loc["mean_outage"]  # ratio of totals, delta-method SE
    assert_close(row["mean"] / HOUR, row["se"] / HOUR, C5_3, label="C5.3")


def test_c5_state_probabilities() -> None:
    res = relsim.run(model("active-active", needs=3), runs=40, seed=502, horizon=5e5 * HOUR, jobs=2)
    mean, se = mean_se(res.runs["availability"])
    assert_close(mean, se, PI[0], scale=1 - PI[0], label="C5 pi_0")
    served = PI[0] + 2 / 3 * PI[1] + 1 / 3 * PI[2]
    mean, se = mean_se(res.runs["served_fraction"])
    assert_close(mean, se, served, scale=1 - served, label="C5 pi_0 + 2/3 pi_1 + 1/3 pi_2")
