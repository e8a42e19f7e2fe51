"""The exact solver against the reference cases.

This file encodes every reference case that has a Markov chain (C1,
C3.1-C3.4, C4a, C4b, C5, state probabilities included) and requires the
solver to reproduce the published values to 1e-9 relative: those tables
have ten significant digits. C3.5 (components paused while the system is
down) is not relsim's semantics; C8 and C10 are not Markov models of
availability.

The richer models it used to hold -- nested domains whose failures hide
components that keep ageing, one FIFO repair crew shared by domains and
components, latent faults (``detect``), quorum and series services,
intermittent failures, instantaneous active-passive failover and
partially-serving nested services -- checked the simulator against relsim's
solver alone, which shares the model layer with the simulator. They are now
in tests/validation/test_combined_oracles.py, where their Markov chains are
enumerated in the test from the semantics, without relsim's model layer or
solver, and both the solver (1e-9) and the simulator (4 SE) are checked
against them; tests/test_markov_oracles.py does the same state by state for
each ingredient on its own.
"""

from __future__ import annotations

import pytest

import relsim
from relsim.analytic import solve
from relsim.units import HOUR

T = 8760.0  # hours: the reference cases' year

# --------------------------------------------------------------------------
# The reference cases (values copied from the reference table)


def unit(mttf: float, mttr: float) -> list[dict]:
    return [{"kind": "permanent", "every": f"exp(mean={mttf}h)", "repair": f"exp(mean={mttr}h)"}]


def c1() -> relsim.Model:
    return relsim.load({"name": "c1", "components": {"unit": {"failures": unit(1000, 10)}},
                        "services": {"system": {"replicas": ["unit"]}}})


def c3() -> relsim.Model:
    return relsim.load({
        "name": "c3",
        "components": {"a": {"failures": unit(2000, 4)}, "b": {"failures": unit(3000, 8)},
                       "c": {"failures": unit(5000, 2)}},
        "services": {"system": {"replicas": ["a", "b", "c"], "needs": 3}},
    })


def c4(case: str) -> relsim.Model:
    spec: dict = {"name": f"c4{case}", "components": {"u1": {"failures": unit(1000, 10)},
                                                        "u2": {"failures": unit(1000, 10)}},
                  "services": {"system": {"replicas": ["u1", "u2"]}}}
    if case == "b":
        spec["repair_crews"] = 1
    return relsim.load(spec)


def c5() -> relsim.Model:
    return relsim.load({"name": "c5", "components": {"u": {"count": 3, "failures": unit(1000, 10)}},
                        "services": {"system": {"replicas": ["u"], "mode": "quorum"}}})


def by_failed(result: relsim.analytic.ExactResult) -> list[float]:
    return list(result.state_table().groupby("n_failed")["probability"].sum())


REL = 1e-9


def test_c1_single_component() -> None:
    ex = solve(c1())
    new = ex.from_new(T * HOUR)
    assert ex.availability == pytest.approx(0.9900990099, rel=REL)  # C1.1
    assert ex.unavailability == pytest.approx(0.009900990099, rel=REL)  # C1.2
    assert new["failures"] == pytest.approx(8.673365356, rel=REL)  # C1.3
    assert ex.failures_per_year == pytest.approx(8.673267327, rel=REL)  # C1.4
    assert new["downtime_s"] / HOUR == pytest.approx(86.63464366, rel=REL)  # C1.5
    assert ex.downtime_per_year / HOUR == pytest.approx(86.73267327, rel=REL)  # C1.6
    assert ex.point_availability(24 * HOUR) == pytest.approx(0.9909759073, rel=REL)  # C1.7


def test_c3_series() -> None:
    ex = solve(c3())
    assert ex.availability == pytest.approx(0.9949517454, rel=REL)  # C3.1
    assert ex.outages_per_year == pytest.approx(9.006303199, rel=REL)  # C3.2
    assert ex.mean_outage / HOUR == pytest.approx(4.910195613, rel=REL)  # C3.3
    assert ex.downtime_per_year / HOUR == pytest.approx(44.22271046, rel=REL)  # C3.4


@pytest.mark.parametrize(("case", "a", "rate", "duration", "probs"), [
    ("a", 0.9999019704, 0.1717478679, 5.0, [0.9802960494, 0.01960592099, 9.8029604941e-05]),
    ("b", 0.99980396, 0.1717310331, 10.0, [0.9801999608, 0.01960399922, 1.9603999216e-04]),
])
def test_c4_parallel(case: str, a: float, rate: float, duration: float, probs: list[float]) -> None:
    ex = solve(c4(case))
    assert ex.availability == pytest.approx(a, rel=REL)  # C4x.1
    assert ex.outages_per_year == pytest.approx(rate, rel=REL)  # C4x.2
    assert ex.mean_outage / HOUR == pytest.approx(duration, rel=REL)  # C4x.3
    assert by_failed(ex) == pytest.approx(probs, rel=REL)


def test_c5_quorum() -> None:
    ex = solve(c5())
    assert ex.availability == pytest.approx(0.9997078524, rel=REL)  # C5.1
    assert ex.outages_per_year == pytest.approx(0.5101421818, rel=REL)  # C5.2
    assert ex.mean_outage / HOUR == pytest.approx(5.016666667, rel=REL)  # C5.3
    assert by_failed(ex) == pytest.approx(
        [0.9705901479, 0.02911770444, 2.9117704438e-04, 9.7059014793e-07], rel=REL)


@pytest.mark.parametrize("method", ["lu", "gauss-seidel"])
def test_both_linear_solvers_reproduce_c4b(method: str) -> None:
    ex = solve(c4("b"), method=method)
    assert ex.availability == pytest.approx(0.99980396, rel=REL)
    assert ex.from_new(T * HOUR)["downtime_s"] > 0


@pytest.mark.parametrize(("n", "crews"), [(3, None), (3, 1), (4, 1), (5, 2)])
@pytest.mark.parametrize("method", ["lu", "gauss-seidel"])
def test_tiny_unavailabilities_keep_their_relative_accuracy(n: int, crews: int | None, method: str) -> None:
    """1-of-n with MTTF 1e5 h, MTTR 10 h: unavailability down to 1e-20, birth-death closed form."""
    spec: dict = {"name": "k", "components": {"u": {"count": n, "failures": unit(1e5, 10)}},
                  "services": {"s": {"replicas": ["u"]}}}
    if crews:
        spec["repair_crews"] = crews
    lam, mu, c = 1e-5, 0.1, crews or n
    weights = [1.0]
    for k in range(n):
        weights.append(weights[-1] * (n - k) * lam / (min(k + 1, c) * mu))
    exact = weights[-1] / sum(weights)
    for lump in (True, False):
        got = solve(relsim.load(spec), lump=lump, method=method).unavailability
        assert got == pytest.approx(exact, rel=1e-9), (lump, got, exact)
