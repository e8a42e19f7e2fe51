"""Rare-event estimation: unbiased against the exact solver, and far better than plain Monte Carlo.

Each estimate is compared with the exact unavailability of the same chain
through its own standard error (|est - exact| < 4 SE), on models with
unavailability from 1e-6 to 1e-9 (MTTF 1e4 h, MTTR 10 h). Plain
regenerative simulation with the same number of cycles is judged by its
exact relative error (:func:`plain_relative_error`), which does not depend
on a lucky seed, and that formula is itself checked against a measured plain
run on a less rare model.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import relsim
from relsim.analytic import Unsupported, plain_relative_error, rare_unavailability, solve
from relsim.cli import main


def unit(mttf: str = "10000h", mttr: str = "10h") -> list[dict]:
    return [{"kind": "permanent", "every": f"exp(mean={mttf})", "repair": f"exp(mean={mttr})"}]


CASES = {
    # name: (model, order of the exact unavailability)
    "1-of-2": ({"components": {"u": {"count": 2, "failures": unit()}},
                "services": {"s": {"replicas": ["u"]}}}, 1e-6),
    "1-of-3": ({"components": {"u": {"count": 3, "failures": unit()}},
                "services": {"s": {"replicas": ["u"]}}}, 1e-9),
    "1-of-3, one crew": ({"repair_crews": 1, "components": {"u": {"count": 3, "failures": unit()}},
                          "services": {"s": {"replicas": ["u"]}}}, 6e-9),
    "2-of-4, one crew": ({"repair_crews": 1, "components": {"u": {"count": 4, "failures": unit()}},
                          "services": {"s": {"replicas": ["u"], "needs": 2}}}, 2.4e-8),
    "mixed with a zone": ({
        "repair_crews": 1,
        "domains": {"z": {"failures": [{"kind": "transient", "every": "exp(mean=5000h)", "lasts": "exp(mean=1h)"}]}},
        "components": {"a": {"in": "z", "failures": unit()}, "b": {"failures": unit("20000h", "5h")},
                       "c": {"failures": unit("5000h", "20h") + [
                           {"kind": "transient", "every": "exp(mean=2000h)", "lasts": "exp(mean=1h)"}]}},
        "services": {"s": {"replicas": ["a", "b", "c"]}}}, 2e-8),
}


def load(name: str) -> relsim.Model:
    return relsim.load({"name": name, **CASES[name][0]})


@pytest.mark.parametrize("name", list(CASES))
def test_estimate_is_unbiased(name: str) -> None:
    model = load(name)
    exact = solve(model)
    assert exact.unavailability == pytest.approx(CASES[name][1], rel=0.5)
    est = rare_unavailability(model, cycles=20_000, seed=3)
    assert est.relative_error < 0.05
    assert abs(est.mean - exact.unavailability) < 4 * est.se
    assert est.ci[0] < est.mean < est.ci[1]
    assert abs(est.outages_per_year - exact.outages_per_year) < 4 * est.outages_per_year_se
    assert est.n_states == exact.n_states


@pytest.mark.parametrize("bias", [0.5, 0.8])
def test_any_bias_is_unbiased(bias: float) -> None:
    model = load("2-of-4, one crew")
    exact = solve(model).unavailability
    est = rare_unavailability(model, cycles=20_000, seed=17, bias=bias)
    assert abs(est.mean - exact) < 4 * est.se and est.bias == bias


def test_plain_monte_carlo_at_equal_effort_is_far_worse() -> None:
    model = load("1-of-3, one crew")
    cycles = 20_000
    est = rare_unavailability(model, cycles=cycles, seed=4)
    plain = rare_unavailability(model, cycles=cycles, seed=4, bias=None)
    # Plain simulation almost never reaches the down state in 20 000 cycles.
    assert plain.mean == 0.0 or plain.relative_error > 1.0
    assert plain_relative_error(model, cycles) > 100 * est.relative_error


def test_plain_relative_error_formula_matches_a_plain_run() -> None:
    """On a pair that is down 1e-4 of the time, plain simulation sees enough to measure."""
    model = relsim.load({"name": "pair", "components": {"u": {"count": 2, "failures": unit("1000h")}},
                         "services": {"s": {"replicas": ["u"]}}})
    exact = solve(model).unavailability
    plain = rare_unavailability(model, cycles=200_000, seed=8, bias=None)
    assert abs(plain.mean - exact) < 4 * plain.se
    assert plain.relative_error == pytest.approx(plain_relative_error(model, 200_000), rel=0.25)


def test_reproducible_and_generator_accepted() -> None:
    model = load("1-of-2")
    a = rare_unavailability(model, cycles=5_000, seed=9)
    b = rare_unavailability(model, cycles=5_000, seed=np.random.default_rng(9))
    assert (a.mean, a.se, a.outages_per_year) == (b.mean, b.se, b.outages_per_year)
    c = rare_unavailability(model, cycles=5_000, seed=10)
    assert c.mean != a.mean


def test_time_budget_runs_whole_batches() -> None:
    est = rare_unavailability(load("1-of-2"), seconds=0.05, batch=2_000, seed=1)
    assert est.cycles % 2_000 == 0 and est.cycles >= 2_000 and est.seconds >= 0.05


def test_bad_arguments_and_models() -> None:
    model = load("1-of-2")
    with pytest.raises(ValueError, match="bias must be strictly between 0 and 1"):
        rare_unavailability(model, bias=1.0)
    with pytest.raises(ValueError, match="cycles must be a whole number >= 2"):
        rare_unavailability(model, cycles=1)
    lognormal = relsim.load({"name": "ln", "components": {"u": {"failures": [
        {"kind": "permanent", "every": "exp(mean=1y)", "repair": "lognormal(mean=1h, sd=1h)"}]}},
        "services": {"s": {"replicas": ["u"]}}})
    with pytest.raises(Unsupported, match=r"repair is Lognormal"):
        rare_unavailability(lognormal)


def test_rare_command(tmp_path, capsys) -> None:
    path = tmp_path / "triple.yaml"
    path.write_text("name: triple\ncomponents:\n"
                    "  u: {count: 3, failures: [{kind: permanent, every: exp(mean=10000h), repair: exp(mean=10h)}]}\n"
                    "services:\n  s: {replicas: [u]}\n")
    assert main(["rare", str(path), "--cycles", "20000", "--seed", "2", "--exact"]) == 0
    out = capsys.readouterr().out
    assert "unavailability" in out and "relative error" in out and "|z| =" in out
    assert main(["rare", str(path), "--cycles", "20000", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["unavailability"]["mean"] == pytest.approx(9.97e-10, rel=0.1)
    assert main(["rare", str(path), "--bias", "1.5"]) == 2
    weibull = tmp_path / "w.yaml"
    weibull.write_text("name: w\ncomponents:\n"
                       "  u: {failures: [{kind: transient, every: weibull(shape=2, mean=1y), lasts: exp(mean=1h)}]}\n"
                       "services:\n  s: {replicas: [u]}\n")
    assert main(["rare", str(weibull)]) == 2
    assert "every is Weibull" in capsys.readouterr().err


@pytest.mark.slow
def test_confidence_intervals_cover_the_exact_value() -> None:
    """Over 40 seeds the 95 % intervals cover the exact value about 95 % of the time."""
    model = load("mixed with a zone")
    exact = solve(model).unavailability
    z = []
    for seed in range(40):
        est = rare_unavailability(model, cycles=5_000, seed=seed)
        z.append((est.mean - exact) / est.se)
    z = np.asarray(z)
    covered = np.mean(np.abs(z) < 1.96)
    assert covered >= 0.8
    assert abs(z.mean()) < 4 / np.sqrt(len(z))
