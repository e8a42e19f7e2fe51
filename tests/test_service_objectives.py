"""Objectives per service and criticality tiers (docs/maintenance-and-cost.md §5)."""

from __future__ import annotations

import math

import pytest

import relsim
from relsim.engine import simulate
from relsim.errors import ModelError
from relsim.report.text import objectives_lines

MODEL = """
name: tiers
horizon: 10y
components:
  db: {failures: [{kind: permanent, every: exp(mean=60d), repair: exp(mean=12h)}]}
  web: {failures: [{kind: permanent, every: exp(mean=30d), repair: exp(mean=2h)}]}
services:
  store:
    replicas: [db]
    tier: 1
    objectives: {availability: 99.9%, rto: 4h}
  front:
    replicas: [web]
    depends_on: [store]
    tier: 2
    objectives: {availability: 98%}
entry: front
"""


def test_each_service_is_judged_on_its_own_availability():
    res = relsim.run(relsim.loads(MODEL), runs=30, seed=8)
    runs = res.runs
    a_db = 60 * 24 / (60 * 24 + 12)  # MTBF / (MTBF + MTTR) of the store's only replica
    x = runs["service:store:availability"].to_numpy()
    assert abs(x.mean() - a_db) < 4 * x.std(ddof=1) / math.sqrt(len(x))
    # the front service is down when web or the store is: its outages are the entry's outages
    assert (runs["service:front:availability"] - runs["availability"]).abs().max() < 1e-12
    verdicts = res.objectives_met()["services"]
    assert verdicts["store"]["tier"] == 1 and verdicts["front"]["tier"] == 2
    # 0.99174 is well below 99.9 %; 98 % is well below the front's ~0.989
    assert verdicts["store"]["availability"]["verdict"] == "not met"
    assert verdicts["front"]["availability"]["verdict"] == "met"
    rto = verdicts["store"]["rto"]
    assert rto["incidents"] == int(runs["service:store:outages"].sum())
    # repairs are exp(mean=12h): P(longer than 4 h) = e^(-1/3), so some outage missed it
    assert rto["verdict"] == "not met" and rto["worst"] > 4 * 3600
    lines = objectives_lines(res)
    assert lines[0].startswith("service store (tier 1): availability >= 0.999: NOT met")
    assert any(line.startswith("service front (tier 2)") for line in lines)


def test_service_outages_timeline():
    text = MODEL.replace("exp(mean=60d), repair: exp(mean=12h)", "fixed(10d), repair: fixed(5h)")
    res = simulate(relsim.loads(text.replace("horizon: 10y", "horizon: 25d")), seed=1, replication=0)
    t = res.upkeep
    # the store is down 10 d - 10 d 5 h and 20 d 5 h - 20 d 10 h: two outages of 5 h, both over the 4 h RTO
    assert t["service:store:outages"] == 2 and t["service:store:downtime"] == pytest.approx(10 * 3600)
    assert t["service:store:rto_missed"] == 2 and t["service:store:rto_worst"] == pytest.approx(5 * 3600)


def test_a_bad_tier_names_file_line_and_field():
    with pytest.raises(ModelError, match="less than or equal to 9") as info:
        relsim.loads(MODEL.replace("tier: 2", "tier: 12"), source="t.yaml")
    assert "t.yaml:15 services.front.tier" in str(info.value)


def test_models_without_service_objectives_have_no_service_verdicts():
    res = relsim.run(relsim.loads(MODEL.replace("    tier: 1\n", "").replace("    tier: 2\n", "")
                                  .replace("    objectives: {availability: 99.9%, rto: 4h}\n", "")
                                  .replace("    objectives: {availability: 98%}\n", "")), runs=2, seed=1)
    assert "services" not in res.objectives_met()
    assert not any(c.startswith("service:") for c in res.runs.columns)


def test_downtime_priced_per_service_and_per_tier():
    text = MODEL + "costs:\n  service_downtime_minute: {front: 7}\n  tier_downtime_minute: {1: 3, 2: 100}\n"
    runs = relsim.run(relsim.loads(text), runs=5, seed=3).runs
    # front is priced by name (7, not its tier's 100); store by its tier (3)
    expected = (7 * runs["service:front:downtime"] + 3 * runs["service:store:downtime"]) / 60
    per_year = expected * 365 * 86400.0 / runs["horizon_s"]
    assert (runs["cost_service_downtime_per_year"] - per_year).abs().max() < 1e-6
    assert (runs["cost_per_year"] - runs["cost_service_downtime_per_year"]).abs().max() < 1e-9


@pytest.mark.parametrize("snippet, where, message", [
    ("costs:\n  service_downtime_minute: {frnt: 7}\n", "costs.service_downtime_minute.frnt", "unknown service"),
    ("costs:\n  tier_downtime_minute: {3: 7}\n", "costs.tier_downtime_minute[3]", "no service has tier 3"),
])
def test_bad_service_prices(snippet, where, message):
    with pytest.raises(ModelError, match=message) as info:
        relsim.loads(MODEL + snippet, source="c.yaml")
    assert "c.yaml:" in str(info.value) and where in str(info.value)


def test_service_verdicts_survive_a_results_directory(tmp_path):
    model = relsim.loads(MODEL)
    res = relsim.run(model, runs=4, seed=2, out=tmp_path / "r")
    again = relsim.Results.load(tmp_path / "r")
    assert again.objectives_met()["services"] == res.objectives_met()["services"]


def test_the_review_report_lists_each_services_verdicts():
    from relsim.report.review import _objectives

    res = relsim.run(relsim.loads(MODEL), runs=10, seed=8)
    table = _objectives(res)
    targets = [row[0].text for row in table.rows]
    assert targets[:3] == ["service store (tier 1): availability ≥ 99.9 %", "service store (tier 1): RTO ≤ 4 h",
                           "service front (tier 2): availability ≥ 98 %"]
    assert table.rows[0][2].text == "not met"
