"""relsim.analytic: what the exact solver accepts, how it builds the chain, what it reports.

The reference cases themselves are in tests/validation/test_exact_solver.py;
here are the solver's own rules: every reason a model is refused, exact
lumping, the state table, transient values against closed forms, and the
``--exact`` command line.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.linalg import expm, null_space

import relsim
from relsim.analytic import Unsupported, compare, solve, supports
from relsim.analytic.ctmc import build_chains
from relsim.cli import main
from relsim.units import HOUR, YEAR


def unit(mttf: str = "1000h", mttr: str = "10h") -> list[dict]:
    return [{"kind": "permanent", "every": f"exp(mean={mttf})", "repair": f"exp(mean={mttr})"}]


def pair(**service: object) -> dict:
    return {"name": "pair", "components": {"a": {"failures": unit()}, "b": {"failures": unit()}},
            "services": {"s": {"replicas": ["a", "b"], **service}}}


# --------------------------------------------------------------------------
# what the solver refuses, and why


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["components"]["a"].update(failures=[{"kind": "permanent", "every": "weibull(shape=1.5, mean=1y)",
                                                        "repair": "exp(mean=1h)"}]),
     r"components\.a\.failures\[0\]\.every is Weibull\(shape=1\.5, mean=1y\): the exact solver needs "
     r"exponential distributions"),
    (lambda d: d["components"]["b"].update(failures=[{"kind": "transient", "every": "exp(mean=1y)",
                                                        "lasts": "lognormal(mean=1h, sd=1h)"}]),
     r"components\.b\.failures\[0\]\.lasts is Lognormal"),
    (lambda d: d["services"]["s"].update(mode="active-passive", failover={"time": "exp(mean=30s)"}),
     r"services\.s\.failover\.time is Exponential\(mean=30s\): the exact solver handles active-passive "
     r"only as instantaneous, always-successful failover to a hot standby"),
    (lambda d: d["services"]["s"].update(mode="active-passive", failover={"success": "98%"}),
     r"services\.s\.failover\.success is 0\.98"),
    (lambda d: d["services"]["s"].update(mode="active-passive", standby="cold", startup="fixed(1m)"),
     r"services\.s\.standby is cold: idle cold standbys do not age"),
    (lambda d: d["services"]["s"].update(mode="quorum", election="exp(mean=5s)"),
     r"services\.s\.election is set: the exact solver does not model 'election'"),
    (lambda d: d["components"]["a"]["failures"][0].update(destroys="data"),
     r"components\.a\.failures\[0\]\.destroys is set"),
])
def test_unsupported_models_name_the_field_and_the_rule(change, message) -> None:
    spec = pair()
    change(spec)
    model = relsim.load(spec)
    ok, why = supports(model)
    assert not ok and why
    with pytest.raises(Unsupported, match=message):
        solve(model)


def test_unsupported_is_a_value_error_listing_every_reason() -> None:
    spec = pair(mode="active-passive", failover={"time": "fixed(30s)", "success": "90%"})
    spec["components"]["a"]["failures"][0]["repair"] = "fixed(1h)"
    with pytest.raises(ValueError) as info:
        solve(relsim.load(spec))
    assert isinstance(info.value, Unsupported)
    assert len(info.value.reasons) == 3
    assert str(info.value).startswith("the exact solver cannot solve this model:\n  - ")


def test_partially_serving_primary_is_refused() -> None:
    spec = {
        "name": "ap-of-partial",
        "components": {"w": {"count": 4, "failures": unit()}, "v": {"count": 2, "failures": unit()}},
        "services": {"big": {"replicas": ["w"], "needs": 2}, "small": {"replicas": ["v"]},
                     "s": {"replicas": ["big", "small"], "mode": "active-passive"}},
    }
    with pytest.raises(Unsupported, match=r"services\.s\.replicas: service\(s\) big can serve partially"):
        solve(relsim.load(spec))


def test_a_chain_too_large_is_refused_before_it_is_built() -> None:
    # distinct MTTFs: no symmetry to lump
    spec = {"name": "big", "components": {f"c{i}": {"failures": unit(f"{1000 + i}h")} for i in range(30)},
            "services": {"s": {"replicas": [f"c{i}" for i in range(30)], "needs": 15}}}
    assert solve(relsim.load({**spec, "components": {"c": {"count": 30, "failures": unit()}},
                              "services": {"s": {"replicas": ["c"], "needs": 15}}})).n_states == 31
    with pytest.raises(Unsupported, match=r"about 1\.07e\+09 states, more than max_states=200,000"):
        solve(relsim.load(spec))
    spec["repair_crews"] = 2
    with pytest.raises(Unsupported, match=r"more than 1,000 states"):
        solve(relsim.load(spec), max_states=1000)


def test_supported_models_say_so() -> None:
    assert supports(relsim.load(pair())) == (True, "")
    instant = pair(mode="active-passive", standby="warm", startup="fixed(0s)",
                   failover={"time": "fixed(0s)", "success": "100%"})
    assert supports(relsim.load(instant)) == (True, "")


# --------------------------------------------------------------------------
# the chain


def test_instant_active_passive_equals_active_active() -> None:
    ap = solve(relsim.load(pair(mode="active-passive")))
    aa = solve(relsim.load(pair()))
    assert ap.metrics() == pytest.approx(aa.metrics(), rel=1e-12)


def test_lumping_is_exact() -> None:
    spec = {
        "name": "lump", "repair_crews": 2,
        "domains": {"z1": {"failures": [{"kind": "transient", "every": "exp(mean=500h)", "lasts": "exp(mean=2h)"}]},
                    "z2": {}},
        "components": {"w": {"count": 4, "spread": ["z1", "z2"], "failures": unit("300h", "6h")},
                       "x": {"count": 2, "failures": unit("800h", "3h")}},
        "services": {"w": {"replicas": ["w"], "needs": 2}, "s": {"replicas": ["x"], "depends_on": ["w"]}},
    }
    model = relsim.load(spec)
    lumped, full = solve(model), solve(model, lump=False)
    assert lumped.n_states < full.n_states
    assert lumped.metrics() == pytest.approx(full.metrics(), rel=1e-9)
    horizon = 200 * HOUR
    assert lumped.from_new(horizon) == pytest.approx(full.from_new(horizon), rel=1e-8)


def test_linear_solvers_agree_on_a_chain_with_queues() -> None:
    spec = {"name": "q", "repair_crews": 1,
            "components": {f"c{i}": {"failures": unit(f"{1000 * (i + 1)}h", f"{5 + i}h")} for i in range(5)},
            "services": {"s": {"replicas": [f"c{i}" for i in range(5)], "needs": 3}}}
    model = relsim.load(spec)
    lu, gs = solve(model, method="lu"), solve(model, method="gauss-seidel")
    assert lu.n_states == 326  # sum over k of 5!/(5-k)!: every queue order counts
    assert gs.metrics() == pytest.approx(lu.metrics(), rel=1e-9)
    assert gs.from_new(YEAR) == pytest.approx(lu.from_new(YEAR), rel=1e-9)


def test_state_table_shows_statuses_and_the_queue() -> None:
    table = solve(relsim.load({**pair(), "repair_crews": 1})).state_table()
    assert list(table.columns) == ["a", "b", "queue", "n_failed", "up", "served", "probability"]
    assert table["probability"].sum() == pytest.approx(1.0)
    both = table[table["n_failed"] == 2].iloc[0]
    assert {both["a"], both["b"]} == {"repair 0", "queued 0"}
    assert both["queue"] in ("a", "b") and not both["up"]


def test_elements_that_cannot_affect_the_entry_only_add_failures() -> None:
    base = relsim.load(pair())
    spec = pair()
    spec["components"]["spare"] = {"count": 3, "failures": unit("100h", "1h")}
    with_spares = relsim.load(spec)
    a, b = solve(base), solve(with_spares)
    assert b.n_states == a.n_states and b.availability == a.availability
    assert b.failures_per_year == pytest.approx(a.failures_per_year + 3 * YEAR / (101 * HOUR), rel=1e-12)
    # With a shared crew the spares compete for it and join the chain.
    shared = solve(relsim.load({**spec, "repair_crews": 1}))
    assert shared.n_states > a.n_states and shared.availability < a.availability


def test_a_domain_hides_components_that_keep_ageing() -> None:
    """One component in a domain, each alone exponential: independent, so A = a_dom * a_comp."""
    spec = {"name": "dom", "domains": {"z": {"failures": unit("200h", "5h")}},
            "components": {"c": {"in": "z", "failures": unit("1000h", "10h")},
                           "free": {"in": "z"}},
            "services": {"s": {"replicas": ["c", "free"], "needs": 2}}}
    ex = solve(relsim.load(spec))
    assert ex.availability == pytest.approx(200 / 205 * 1000 / 1010, rel=1e-12)
    # the component ages while the domain is down: its failures are those of
    # a lone unit, 1 per 1010 h, the domain's 1 per 205 h
    assert ex.failures_per_year == pytest.approx(YEAR / HOUR * (1 / 1010 + 1 / 205), rel=1e-12)


def test_intermittent_element_against_its_own_three_state_chain() -> None:
    lam, end, down, up = 1 / 400, 1 / 3, 1 / (10 / 60), 1 / 0.5  # per hour
    spec = {"name": "int", "components": {"c": {"failures": [
        {"kind": "intermittent", "every": "exp(mean=400h)", "lasts": "exp(mean=3h)",
         "down": "exp(mean=10m)", "up": "exp(mean=30m)"}]}},
        "services": {"s": {"replicas": ["c"]}}}
    ex = solve(relsim.load(spec))
    # states: up, spell-down, spell-up
    q = np.array([[-lam, lam, 0.0], [end, -(end + down), down], [end, up, -(end + up)]])
    pi = null_space(q.T)[:, 0]
    pi /= pi.sum()
    assert ex.unavailability == pytest.approx(pi[1], rel=1e-10)
    per_hour = pi[0] * lam + pi[2] * up  # each down spell counts as a failure
    assert ex.failures_per_year == pytest.approx(per_hour * YEAR / HOUR, rel=1e-10)
    assert ex.outages_per_year == pytest.approx(per_hour * YEAR / HOUR, rel=1e-10)
    t = 2.0
    p_t = expm(q * t)[0]
    assert ex.point_availability(t * HOUR) == pytest.approx(1 - p_t[1], rel=1e-10)


# --------------------------------------------------------------------------
# transient values


def test_point_availability_and_downtime_from_new_follow_the_closed_forms() -> None:
    ex = solve(relsim.load(pair() | {"components": {"u": {"failures": unit()}},
                                     "services": {"s": {"replicas": ["u"]}}}))
    lam, mu = 1e-3, 0.1
    s = lam + mu
    times = np.array([0.0, 1.0, 24.0, 100.0, 5000.0])
    expected = mu / s + lam / s * np.exp(-s * times)
    assert ex.point_availability(times * HOUR) == pytest.approx(expected, rel=1e-12)
    assert ex.point_availability(0.0) == 1.0
    for horizon in (0.5, 24.0, 1000.0, 8760.0, 1e6):
        new = ex.from_new(horizon * HOUR)
        downtime = lam * horizon / s - lam / s**2 * (1 - math.exp(-s * horizon))
        assert new["downtime_s"] / HOUR == pytest.approx(downtime, rel=1e-9)
        assert new["failures"] == pytest.approx(lam * (horizon - downtime), rel=1e-9)
        assert new["outages"] == pytest.approx(new["failures"], rel=1e-12)
        assert new["availability"] == pytest.approx(1 - downtime / horizon, rel=1e-12)
    with pytest.raises(ValueError, match="horizon must be a positive number"):
        ex.from_new(0.0)


def test_chain_generator_rows_sum_to_zero() -> None:
    main_chain, side = build_chains(relsim.load({**pair(), "repair_crews": 1}))
    q = main_chain.generator.toarray()
    assert np.allclose(q.sum(axis=1), 0.0) and side == []
    assert main_chain.describe(0) == {"a": "up", "b": "up"}


# --------------------------------------------------------------------------
# compare and the command line


def test_compare_puts_simulated_and_exact_side_by_side() -> None:
    model = relsim.load({**pair(), "horizon": "2y"})
    results = relsim.run(model, runs=20, seed=5)
    table = compare(results, model)
    assert list(table.columns) == ["mean", "se", "exact", "steady_state", "z"]
    assert "availability" in table.index and "mean_outage" in table.index
    # The exact column, checked against the closed form for two independent
    # units from new: each is down at t with q(t) = (1 - A)(1 - e^(-st)),
    # s = λ + μ, so E[downtime] = ∫ q(t)² dt over the horizon T.
    lam, mu, t = 1 / 1000.0, 1 / 10.0, 2 * YEAR / HOUR
    s, u = lam + mu, lam / (lam + mu)
    down = u**2 * (t - 2 * -math.expm1(-s * t) / s + -math.expm1(-2 * s * t) / (2 * s))
    assert table.loc["availability", "exact"] == pytest.approx(1 - down / t, rel=1e-12)
    # Every simulated mean lies within 4 standard errors of its exact value
    # (two-sided; a correct simulator fails this with probability ~6e-5 per metric).
    for metric, row in table.iterrows():
        assert row["se"] > 0 and abs(row["mean"] - row["exact"]) < 4 * row["se"], metric
        assert abs(row["z"]) < 4, metric


@pytest.fixture
def pair_file(tmp_path):
    path = tmp_path / "pair.yaml"
    path.write_text(
        "name: pair\nhorizon: 1y\nrepair_crews: 1\n"
        "components:\n"
        "  a: {failures: [{kind: permanent, every: exp(mean=1000h), repair: exp(mean=10h)}]}\n"
        "  b: {failures: [{kind: permanent, every: exp(mean=1000h), repair: exp(mean=10h)}]}\n"
        "services:\n  pair: {replicas: [a, b]}\n")
    return str(path)


def test_run_exact_adds_columns_and_a_note(pair_file, capsys) -> None:
    assert main(["run", pair_file, "--runs", "10", "--exact"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("metric"))
    assert header.split()[-2:] == ["exact", "|z|"]
    assert "exact: Markov chain of 3 states" in out and "steady state: availability 0.9998039600" in out


def test_run_exact_json_has_exact_values(pair_file, capsys) -> None:
    assert main(["run", pair_file, "--runs", "10", "--exact", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    avail = doc["metrics"]["availability"]
    assert set(avail) >= {"mean", "se", "exact", "z"}
    assert doc["exact"]["solved"] and doc["exact"]["n_states"] == 3
    assert doc["exact"]["steady_state"]["availability"] == pytest.approx(0.99980396, rel=1e-9)


def test_run_exact_on_an_unsupported_model_still_reports(tmp_path, capsys) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("name: w\nhorizon: 30d\ncomponents:\n"
                    "  a: {failures: [{kind: permanent, every: weibull(shape=2, mean=100h), repair: exp(mean=1h)}]}\n"
                    "services:\n  s: {replicas: [a]}\n")
    assert main(["run", str(path), "--runs", "5", "--exact"]) == 0
    out = capsys.readouterr().out
    assert "availability" in out
    assert "exact: not available, the exact solver cannot solve this model:" in out
    assert "components.a.failures[0].every is Weibull(shape=2, mean=100h)" in out
    assert main(["run", str(path), "--runs", "5", "--exact", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["exact"]["solved"] is False and len(doc["exact"]["reasons"]) == 1
    assert "exact" not in doc["metrics"]["availability"]


def test_documentation_examples_run(monkeypatch) -> None:
    """The Python blocks of docs/exact-and-rare-events.md run, in order, in one namespace."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)
    text = (root / "docs" / "exact-and-rare-events.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 2
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/exact-and-rare-events.md", "exec"), namespace)
    assert namespace["exact"].n_states == 3
    assert namespace["est"].relative_error < 0.05
