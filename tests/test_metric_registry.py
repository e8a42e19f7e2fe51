"""The metric registry is the one list of metrics: everything else derives from it."""

from __future__ import annotations

import json
import pathlib

import pytest

import relsim
from relsim import metric_registry as reg
from relsim.cli import main
from relsim.report.docs import BEGIN, END, metric_table
from relsim.stopping import StoppingRule

ROOT = pathlib.Path(__file__).parent.parent
MODELS = sorted((ROOT / "models").glob("*.yaml"))


def test_every_declaration_is_well_formed():
    for m in reg.METRICS.values():
        assert m.unit in reg.UNITS and m.kind in reg.KINDS and m.applies in reg.FEATURES
        assert m.description and not m.description.endswith(".")
    with pytest.raises(ValueError, match="unit 'minutes' is not one of"):
        reg.Metric("x", "minutes", "replication", "d")


def test_the_docs_table_is_the_registry():
    text = (ROOT / "docs" / "model-format.md").read_text()
    between = text[text.index(BEGIN) + len(BEGIN):text.index(END)].strip()
    assert between == metric_table(), "run: python -m relsim.report.docs docs/model-format.md"
    for name, m in reg.METRICS.items():
        # relsim's own metrics; those plugins register (relsim.metric) are listed by `relsim metrics`
        assert (f"| `{name}` |" in between) == (m.compute is None)


@pytest.fixture(scope="module")
def rich_results() -> dict[str, relsim.Results]:
    """Every bundled model, a few short replications each."""
    out = {}
    for path in MODELS:
        model = relsim.load(path)
        out[path.stem] = (model, relsim.run(model, runs=3, seed=1, horizon=min(model.horizon, 30 * 86400)))
    return out


def test_summary_rows_are_registered_applicable_and_carry_units(rich_results):
    for stem, (model, res) in rich_results.items():
        s = res.summary()
        applicable = set(reg.applicable(model))
        assert set(s.index) <= applicable, stem
        assert list(s.index) == [n for n in reg.METRICS if n in s.index], f"{stem}: registry order"
        assert (s["unit"] == [reg.METRICS[n].unit for n in s.index]).all()
        for name in ("availability", "downtime_per_year", "outages_per_year", "mean_outage"):
            assert name in s.index


def test_metrics_that_cannot_apply_are_left_out():
    aa = relsim.load(ROOT / "models" / "aa-three-zones.yaml")
    s = relsim.run(aa, runs=3, seed=0, horizon=86400 * 30).summary()
    for name in ("failovers_per_year", "failed_failovers_per_year", "rto_mean", "writes_lost_per_year",
                 "request_success", "elections_per_year"):
        assert name not in s.index
    ap = relsim.load(ROOT / "models" / "ap-hot-two-zones.yaml")
    s = relsim.run(ap, runs=3, seed=0, horizon=86400 * 30).summary()
    assert "failovers_per_year" in s.index and "failed_failovers_per_year" in s.index


def test_elections_reach_summary_json_table_and_until():
    """A metric computed per replication reaches every output (it once did not)."""
    path = str(ROOT / "models" / "quorum-cluster.yaml")
    res = relsim.run(relsim.load(path), runs=5, seed=0)
    assert res.summary().loc["elections_per_year", "mean"] > 0
    assert StoppingRule.parse("elections_per_year rel<0.5").metric == "elections_per_year"


def test_cli_outputs_follow_the_registry(capsys):
    path = str(ROOT / "models" / "quorum-cluster.yaml")
    assert main(["run", path, "--runs", "5", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["metrics"]["elections_per_year"]["unit"] == "1/year"
    assert "failovers_per_year" not in doc["metrics"]
    assert main(["run", path, "--runs", "5"]) == 0
    assert "elections_per_year" in capsys.readouterr().out
    assert main(["run", path, "--runs", "5", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split(",")[:3] == ["model", "metric", "mean"]
    assert any(line.split(",")[1] == "elections_per_year" for line in lines[1:])
    assert main(["run", path, "--runs", "4", "--until", "elections_per_year rel<0.9", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stopping"]["metric"] == "elections_per_year"


def test_until_on_a_metric_that_does_not_apply_is_bad_input(capsys):
    path = str(ROOT / "models" / "aa-three-zones.yaml")
    assert main(["run", path, "--runs", "4", "--until", "failovers_per_year ci<1"]) == 2
    err = capsys.readouterr().err
    assert "does not apply to model 'aa-three-zones': it needs an active-passive service" in err


def test_stopping_accepts_exactly_the_registry():
    for name in reg.METRICS:
        assert StoppingRule.parse(f"{name} ci<1").metric == name
    with pytest.raises(ValueError, match="unknown metric 'nines'"):
        StoppingRule.parse("nines ci<1")


def test_exact_solver_metrics_come_from_the_registry():
    from relsim.analytic.exact import METRICS as EXACT

    assert EXACT == tuple(n for n, m in reg.METRICS.items() if m.exact)


def test_sweep_rows_only_for_applicable_metrics():
    table = relsim.sweep(str(ROOT / "models" / "aa-three-zones.yaml"), {"horizon": ["10d", "20d"]}, runs=2)
    assert "failovers_per_year" not in set(table["metric"])
    assert "availability" in set(table["metric"])


def test_relsim_metrics_lists_the_registry(capsys):
    assert main(["metrics", "--json"]) == 0
    listed = [m["name"] for m in json.loads(capsys.readouterr().out)]
    assert listed == list(reg.METRICS)
    assert main(["metrics", str(ROOT / "models" / "quorum-cluster.yaml")]) == 0
    out = capsys.readouterr().out
    assert "elections_per_year" in out and "failovers_per_year" not in out
