"""Stopping rule: run until a metric's CI is narrow enough, deterministically."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from scipy import stats
from shared_models import PAIR

import relsim
from relsim.cli import main
from relsim.stopping import StoppingRule


@pytest.fixture(scope="module")
def pair():
    return relsim.loads(PAIR)


@pytest.mark.parametrize("text, metric, kind, target", [
    ("availability ci<1e-5", "availability", "ci", 1e-5),
    ("availability rel<0.01", "availability", "rel", 0.01),
    ("  downtime_per_year ci <= 1m ", "downtime_per_year", "ci", 60.0),
    ("outages_per_year rel<5%", "outages_per_year", "rel", 0.05),
    ("mean_outage ci<1h", "mean_outage", "ci", 3600.0),
])
def test_parse(text, metric, kind, target):
    rule = StoppingRule.parse(text)
    assert (rule.metric, rule.kind) == (metric, kind)
    assert rule.target == pytest.approx(target)


@pytest.mark.parametrize("text, message", [
    ("availability", "expected 'METRIC ci<TARGET'"),
    ("availabilty ci<1e-5", "unknown metric 'availabilty'"),
    ("availability ci<0", "must be > 0"),
    ("availability ci<lots", "not a number or a duration"),
])
def test_parse_errors_name_the_problem(text, message):
    with pytest.raises(ValueError, match=message):
        StoppingRule.parse(text)


def test_stops_when_met_and_equals_a_fixed_run_of_the_same_size(pair):
    res = relsim.run(pair, runs=50, seed=2, until="availability ci<5e-5", max_runs=20000)
    st = res.stopping
    n = len(res.runs)
    assert st["met"] and st["runs"] == n and 50 < n < 20000
    assert st["half_width"] < 5e-5
    # the half-width reached, recomputed from the replications: t(0.975, n-1) x SE
    values = res.runs["availability"].to_numpy()
    assert st["half_width"] == pytest.approx(stats.t.ppf(0.975, n - 1) * stats.sem(values), rel=1e-9)
    fixed = relsim.run(pair, runs=n, seed=2)
    pd.testing.assert_frame_equal(res.runs, fixed.runs, check_exact=True)
    pd.testing.assert_frame_equal(res.outages, fixed.outages, check_exact=True)
    # Same batch ends for any number of workers.
    assert len(relsim.run(pair, runs=50, seed=2, until="availability ci<5e-5", max_runs=20000, jobs=2).runs) == n


def test_bounded_by_max_runs_and_says_not_met(pair):
    res = relsim.run(pair, runs=20, seed=1, until="availability ci<1e-9", max_runs=120)
    assert len(res.runs) == 120
    assert res.stopping["met"] is False and res.stopping["max_runs"] == 120


def test_no_variation_is_never_precise_enough():
    quiet = relsim.loads(PAIR.replace("every: exp(mean=1000h)", "every: exp(mean=100000y)"))
    res = relsim.run(quiet, runs=10, seed=0, until="availability ci<1e-3", max_runs=80)
    assert res.stopping["met"] is False and len(res.runs) == 80


def test_cli_until_reports_in_table_and_json(pair, tmp_path, capsys):
    path = tmp_path / "pair.yaml"
    path.write_text(PAIR)
    assert main(["run", str(path), "--runs", "40", "--until", "availability rel<1e-4", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["stopping"]["met"] is True and doc["runs"] == doc["stopping"]["runs"]
    assert main(["run", str(path), "--runs", "20", "--until", "availability ci<1e-9", "--max-runs", "60"]) == 0
    out = capsys.readouterr().out
    assert "stopping rule availability ci<1e-09: NOT met within --max-runs 60 after 60 replications" in out
    assert main(["run", str(path), "--until", "availability ci<"]) == 2
    assert "--until" in capsys.readouterr().err
    assert main(["run", str(path), "--max-runs", "10"]) == 2
