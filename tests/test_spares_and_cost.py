"""Spare pools, crew travel and costs (docs/maintenance-and-cost.md).

Exact checks:

* a spare pool fed by a fleet of N units (Poisson demand while up) with
  one-for-one exponential restock is a birth-death chain in the number of
  spares on order; its stock-out probability, stock-outs per year and time
  waiting for spares (Little: mean backorders) are compared within 4 SE,
  and for large N the chain tends to Palm's theorem (Poisson on-order);
* expected cost per year = unit costs × rates for a simple model;
* deterministic timelines for a stock-out and for crew travel.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import relsim
from relsim.engine import simulate
from relsim.errors import ModelError

YEAR = 365 * 86400.0


def _ratio_mean_se(num: np.ndarray, den: np.ndarray) -> tuple[float, float]:
    """Ratio of totals with its delta-method standard error."""
    n = len(num)
    r = num.sum() / den.sum()
    resid = num - r * den
    se = math.sqrt(resid.var(ddof=1) / n) / den.mean()
    return float(r), float(se)


def _pool_chain(n: int, mtbf: float, stock: int, restock: float) -> dict[str, float]:
    """Birth-death chain of spares on order for N units, base stock S, exponential restock."""
    mu, nu = 1.0 / mtbf, 1.0 / restock
    kmax = n + stock
    lam = np.array([(n - max(0, k - stock)) * mu for k in range(kmax + 1)])
    logp = np.zeros(kmax + 1)
    for k in range(kmax):
        logp[k + 1] = logp[k] + math.log(lam[k]) - math.log((k + 1) * nu)
    p = np.exp(logp - logp.max())
    p /= p.sum()
    short = np.arange(kmax + 1) >= stock
    demand = float((p * lam).sum())
    return {
        "demand": demand,
        "stockout_fraction": float((p * lam)[short].sum() / demand),
        "stockouts": float((p * lam)[short].sum()),
        "backorders": float((p * np.maximum(0, np.arange(kmax + 1) - stock)).sum()),
    }


POOL = """
name: pool
horizon: 20y
components:
  unit: {{count: {n}, failures: [{{kind: permanent, every: exp(mean={mtbf}y), repair: fixed(0s)}}]}}
services:
  fleet: {{replicas: [unit], needs: 1}}
spares:
  board: {{for: unit, stock: {stock}, restock: exp(mean={restock}d)}}
"""


def test_chain_tends_to_palms_theorem():
    # Palm: with Poisson demand the spares on order are Poisson(λT); a demand finds none on the shelf
    # with probability P(on order >= S).
    chain = _pool_chain(100_000, 5000.0, 3, 0.1)
    assert chain["stockout_fraction"] == pytest.approx(stats.poisson.sf(2, 2.0), rel=1e-4)


def test_stockout_probability_matches_the_chain_and_palm():
    n, mtbf, stock, restock_d = 50, 2.5, 3, 36.5
    model = relsim.loads(POOL.format(n=n, mtbf=mtbf, stock=stock, restock=restock_d))
    res = relsim.run(model, runs=30, seed=11)
    runs = res.runs
    exact = _pool_chain(n, mtbf * YEAR, stock, restock_d * 86400.0)
    years = runs["horizon_s"].to_numpy() / YEAR
    stockouts = runs["spare_stockouts_per_year"].to_numpy() * years
    demands = runs["spare_demands_per_year"].to_numpy() * years
    frac, se = _ratio_mean_se(stockouts, demands)
    assert abs(frac - exact["stockout_fraction"]) < 4 * se
    summary = res.summary().loc["spare_stockout_fraction"]  # the metric is this ratio of totals
    assert summary["mean"] == pytest.approx(frac) and summary["se"] == pytest.approx(se, rel=1e-6)
    # Palm's Poisson value differs from the finite fleet's by less than the noise here
    assert abs(frac - stats.poisson.sf(stock - 1, exact["demand"] * restock_d * 86400.0)) < 4 * se + 0.01
    rate = runs["spare_stockouts_per_year"].to_numpy()
    assert abs(rate.mean() - exact["stockouts"] * YEAR) < 4 * rate.std(ddof=1) / math.sqrt(len(rate))
    # Little's law: time waiting for spares per unit time = mean number of backorders
    wait = runs["spare_wait_per_year"].to_numpy() / YEAR
    assert abs(wait.mean() - exact["backorders"]) < 4 * wait.std(ddof=1) / math.sqrt(len(wait))


TIMELINE = """
name: timeline
horizon: 40h
repair_crews: 1
domains:
  remote: {travel: fixed(3h)}
components:
  a: {in: remote, failures: [{kind: permanent, every: fixed(10h), repair: fixed(1h)}]}
services:
  s: {replicas: [a]}
spares:
  part: {for: a, stock: 1, restock: fixed(20h)}
"""


def test_stockout_and_travel_timeline():
    res = simulate(relsim.loads(TIMELINE), seed=1, replication=0, trace=True)
    ev = [(e["t"] / 3600, e["event"]) for e in res.trace
          if e["event"] in ("failed", "spare_taken", "spare_stockout", "spare_arrived", "crew_travel",
                            "repair_started", "repaired")]
    # fails at 10 h, takes the only spare (reorders: back at 30 h), crew travels 3 h, repairs 1 h -> 14 h;
    # fails again at 24 h: pool empty, waits for the spare arriving at 30 h, travel to 33 h, repair to 34 h
    assert ev[:10] == [
        (10, "failed"), (10, "spare_taken"), (10, "crew_travel"), (13, "repair_started"), (14, "repaired"),
        (24, "failed"), (24, "spare_stockout"), (30, "spare_arrived"), (30, "crew_travel"),
        (33, "repair_started"),
    ]
    assert res.upkeep["spare_wait"] == pytest.approx(6 * 3600)
    assert res.outages[0].duration_s == pytest.approx(4 * 3600)
    assert res.outages[1].duration_s == pytest.approx(10 * 3600)


COSTED = """
name: costed
horizon: 5y
repair_crews: 3     # one per unit: no queue, so the rates have a closed form
components:
  web: {count: 3, failures: [{kind: permanent, every: exp(mean=1y), repair: exp(mean=10h)}]}
  db: {}
services:
  app: {replicas: [web], needs: 3, depends_on: [db]}
spares:
  disk: {for: web, stock: 2, restock: fixed(0s)}   # never empty
costs:
  currency: EUR
  components: {web: 1000, db: 5000}
  crew: 20000
  spare: 100
  repair: 300
  downtime_minute: 50
"""


def test_expected_cost_is_unit_costs_times_rates():
    res = relsim.run(relsim.loads(COSTED), runs=40, seed=5)
    runs = res.runs
    fixed = 3 * 1000 + 5000 + 3 * 20000 + 2 * 100
    assert np.allclose(runs["cost_components_per_year"], 3 * 1000 + 5000)
    assert np.allclose(runs["cost_components_per_year"] + runs["cost_crews_per_year"]
                       + runs["cost_spares_per_year"], fixed)
    # each unit alternates 1 y (mean) up and 10 h (mean) in repair: 8760/8770 repairs a year,
    # and the series service of three is up with probability (8760/8770)^3
    a = 8760 / 8770
    checks = {
        "cost_repairs_per_year": 300 * 3 * a,
        "cost_downtime_per_year": 50 * (1 - a**3) * 365 * 24 * 60,
    }
    for name, exact in checks.items():
        x = runs[name].to_numpy()
        assert abs(x.mean() - exact) < 4 * x.std(ddof=1) / math.sqrt(len(x)), name
    assert np.allclose(runs["cost_downtime_per_year"], 50 * runs["downtime_per_year"] / 60)
    assert "cost_failovers_per_year" not in runs  # not priced: not reported
    parts = sum(runs[f"cost_{c}_per_year"] for c in ("components", "crews", "spares", "repairs", "downtime"))
    assert np.allclose(runs["cost_per_year"], parts)
    total = runs["cost_per_year"].to_numpy()
    exact_total = fixed + sum(checks.values())
    assert abs(total.mean() - exact_total) < 4 * total.std(ddof=1) / math.sqrt(len(total))


def test_cost_categories_agree_between_engine_and_metrics():
    from relsim.engine.upkeep import COST_CATEGORIES as ENGINE
    from relsim.upkeep_metrics import COST_CATEGORIES as METRICS

    assert ENGINE == METRICS


@pytest.mark.parametrize("snippet, where, message", [
    ("spares: {p: {for: wbe, stock: 1, restock: 1d}}", "spares.p.for", "unknown component or group 'wbe'"),
    ("spares: {p: {for: web, stock: -1, restock: 1d}}", "spares.p.stock", "greater than or equal to 0"),
    ("costs: {crew: 10}", "costs.crew", "needs 'repair_crews'"),
    ("costs: {components: {nope: 3}}", "costs.components.nope", "unknown component"),
    ("domains: {z: {travel: banana}}", "domains.z.travel", "cannot parse distribution"),
])
def test_bad_input_names_file_line_and_field(snippet, where, message):
    text = ("name: bad\ncomponents:\n  web: {count: 2, failures: [{kind: permanent, every: 1y, "
            "repair: 1h}]}\nservices:\n  s: {replicas: [web]}\n" + snippet + "\n")
    with pytest.raises(ModelError, match=message) as info:
        relsim.loads(text, source="bad.yaml")
    text_of = str(info.value)
    assert "bad.yaml:6" in text_of and where in text_of


def test_models_without_the_keys_draw_nothing_new():
    from relsim.engine.repair import RepairShop
    from relsim.engine.simulation import Simulation

    sim = Simulation(relsim.loads("name: x\ncomponents: {a: {}}\nservices: {s: {replicas: [a]}}\n"), 1, 0)
    assert type(sim.repairs) is RepairShop
    assert sim.result.upkeep is None


def test_cost_per_added_nine_across_variants():
    from relsim.cost import cost_per_nine, nines, sweep_cost_per_nine
    from relsim.report.text import comparison_tables

    more = relsim.load("models/cost-of-a-nine.yaml")  # 3 replicas, needs 2
    base = more.with_overrides({"components.web.count": 2})
    comp = relsim.compare([base, more], runs=20, seed=3)
    row = cost_per_nine(comp).iloc[0]
    a0 = comp.results[comp.baseline].runs
    a1 = comp.results[comp.labels[1]].runs
    dc = (a1["cost_per_year"] - a0["cost_per_year"]).mean()
    dn = nines(a1["availability"].mean()) - nines(a0["availability"].mean())
    assert row["cost_difference"] == pytest.approx(dc)
    assert row["nines_added"] == pytest.approx(dn)
    assert row["cost_per_nine"] == pytest.approx(dc / dn)
    assert row["ci_low"] < row["cost_per_nine"] < row["ci_high"]
    # a third replica costs 6000 a year and its repairs, but saves most of the downtime of a pair
    assert row["nines_added"] > 1 and row["cost_difference"] < 0
    assert "per added nine" in comparison_tables(comp)
    table = relsim.sweep(base, {"components.web.count": [2, 3]}, runs=20, seed=3,
                         metrics=["availability", "cost_per_year"])
    per = sweep_cost_per_nine(table)
    assert per["cost_per_nine"].iloc[1] == pytest.approx(row["cost_per_nine"])
    assert nines(0.999) == pytest.approx(3)


def test_palms_theorem_holds_for_a_fixed_restock_time():
    # Palm: the spares on order are Poisson(λT) whatever the restock distribution. A fleet of 500
    # units makes the demand Poisson to within the units waiting for a spare (a relative change of
    # the rate about 1e-3, far below the noise here).
    n, mtbf_y, stock, restock_d = 500, 25.0, 3, 36.5
    text = POOL.format(n=n, mtbf=mtbf_y, stock=stock, restock=restock_d).replace(
        f"exp(mean={restock_d}d)", f"fixed({restock_d}d)").replace("horizon: 20y", "horizon: 10y")
    runs = relsim.run(relsim.loads(text), runs=16, seed=12).runs
    years = runs["horizon_s"].to_numpy() / YEAR
    frac, se = _ratio_mean_se(runs["spare_stockouts_per_year"].to_numpy() * years,
                              runs["spare_demands_per_year"].to_numpy() * years)
    lam_t = n / mtbf_y * restock_d / 365
    assert abs(frac - stats.poisson.sf(stock - 1, lam_t)) < 4 * se


def test_costs_and_service_objectives_leave_the_exact_solver_its_model():
    from relsim.analytic import supports

    text = ("name: e\ncomponents:\n  a: {failures: [{kind: permanent, every: exp(mean=1y), repair: exp(mean=1d)}]}\n"
            "services:\n  s: {replicas: [a], tier: 1, objectives: {availability: 99%}}\n"
            "costs: {components: {a: 100}, downtime_minute: 1}\n")
    assert supports(relsim.loads(text)) == (True, "")
    ok, why = supports(relsim.loads(text + "spares: {p: {for: a, stock: 1, restock: 1d}}\n"))
    assert not ok and "spares" in why


def test_compare_json_carries_the_cost_per_added_nine(capsys):
    import json

    from relsim.cli import main

    path = "models/cost-of-a-nine.yaml"
    assert main(["compare", path, path, "--runs", "3", "--horizon", "30d", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (row,) = doc["cost_per_nine"].values()  # the one variant against the baseline
    assert row["cost_difference"] == 0.0 and row["cost_per_nine"] is None  # a model against itself: no nine
