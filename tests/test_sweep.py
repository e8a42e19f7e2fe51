"""Sweeps over dotted-path grids, one-at-a-time sensitivity and downtime attribution."""

from __future__ import annotations

import io
import json
import textwrap

import pandas as pd
import pytest

import relsim
from relsim.cli import main
from relsim.cli.variants import split_values

SERIES = textwrap.dedent("""\
    name: series
    horizon: 1y
    repair_crews: 1
    domains:
      zone: {kind: zone, failures: [{kind: transient, every: exp(mean=1y), lasts: exp(mean=2h)}]}
    components:
      lb: {in: zone, failures: [{kind: permanent, every: exp(mean=2000h), repair: exp(mean=24h)}]}
      app: {in: zone, failures: [{kind: permanent, every: exp(mean=500h), repair: exp(mean=2h)},
                                 {kind: transient, every: exp(mean=30d), lasts: exp(mean=5m)}]}
    services:
      s: {replicas: [lb, app], mode: active-active, needs: 2}
    """)


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "series.yaml"
    p.write_text(SERIES)
    return str(p)


def test_sweep_is_a_tidy_grid_with_common_random_numbers(path):
    grid = {"components.app.failures[0].repair": ["exp(mean=1h)", "exp(mean=4h)"], "repair_crews": [1, 2]}
    table = relsim.sweep(path, grid, runs=20, seed=4, metrics=["availability", "outages_per_year"])
    assert len(table) == 4 * 2
    assert list(table.columns[:3]) == ["point", "components.app.failures[0].repair", "repair_crews"]
    assert {"metric", "mean", "se", "ci_low", "ci_high", "n", "model", "seed", "runs"} <= set(table.columns)
    # Point 0 is exactly a plain run of that override with the same seed.
    m = relsim.load(path).with_overrides({"components.app.failures[0].repair": "exp(mean=1h)", "repair_crews": 1})
    direct = relsim.run(m, runs=20, seed=4).summary().loc["availability", "mean"]
    row = table[(table["point"] == 0) & (table["metric"] == "availability")]
    assert row["mean"].item() == direct
    # Longer repairs, lower availability, in every replication-paired sense.
    avail = table[table["metric"] == "availability"].set_index("point")["mean"]
    assert avail[2] < avail[0] and avail[3] < avail[1]


def test_sweep_rejects_bad_grids(path):
    with pytest.raises(ValueError, match="non-empty list"):
        relsim.sweep(path, {"repair_crews": 2})
    with pytest.raises(relsim.ModelError):
        relsim.sweep(path, {"services.s.needs": [5]}, runs=2)


def test_split_values_respects_brackets():
    assert split_values("1,2, lognormal(mean=1h, sd=2h),[a, b]") == ["1", "2", "lognormal(mean=1h, sd=2h)", "[a, b]"]


def test_cli_sweep_table_csv_json(path, capsys):
    args = ["sweep", path, "--set", "components.app.failures[0].repair=exp(mean=1h),lognormal(mean=4h, sd=1h)",
            "--set", "repair_crews=1,2", "--runs", "10", "--metric", "availability"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "lognormal(mean=4h, sd=1h)" in out and "95% CI" in out
    assert main([*args, "--csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(table) == 4 and table["repair_crews"].tolist() == [1, 2, 1, 2]
    assert main([*args, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4 and rows[0]["metric"] == "availability"
    assert main(["sweep", path, "--set", "repair_crews"]) == 2
    assert main(["sweep", path, "--set", "repair_crews=1", "--metric", "nope", "--runs", "2"]) == 2
    assert "unknown metric" in capsys.readouterr().err


def test_sensitivity_ranks_parameters_by_swing(path):
    ranges = {
        "components.lb.failures[0].repair": ("exp(mean=6h)", "exp(mean=48h)"),   # large effect
        "components.app.failures[1].lasts": ("exp(mean=1m)", "exp(mean=10m)"),   # small effect
        "repair_crews": (1, 2),                                                   # ~none
    }
    table = relsim.sensitivity(path, ranges, metric="availability", runs=60, seed=3)
    assert table["parameter"].tolist()[0] == "components.lb.failures[0].repair"
    assert table["swing"].is_monotonic_decreasing
    top = table.iloc[0]
    assert top["difference"] == pytest.approx(top["at_high"] - top["at_low"])
    assert top["difference_ci_high"] < 0  # paired CI: longer repairs certainly hurt
    base = relsim.run(path, runs=60, seed=3).summary().loc["availability", "mean"]
    assert (table["baseline"] == base).all()


def test_cli_sensitivity(path, capsys):
    assert main(["sensitivity", path, "--vary", "components.lb.failures[0].repair=exp(mean=6h),exp(mean=48h)",
                 "--vary", "repair_crews=1,2", "--runs", "20"]) == 0
    out = capsys.readouterr().out
    assert "availability of the base model" in out
    assert out.index("components.lb") < out.index("repair_crews  ")
    assert main(["sensitivity", path, "--vary", "repair_crews=1,2,3"]) == 2
    assert "exactly 2 values" in capsys.readouterr().err


def test_attribution_splits_all_downtime_by_cause(path):
    res = relsim.run(path, runs=80, seed=5)
    table = relsim.attribution(res)
    assert table["downtime_per_year"].sum() == pytest.approx(res.summary().loc["downtime_per_year", "mean"])
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["downtime_per_year"].is_monotonic_decreasing
    causes = set(zip(table["cause_element"], table["cause_spec"], table["cause_kind"]))
    assert ("lb", 0, "permanent") in causes and ("zone", 0, "transient") in causes
    lb = table.set_index(["cause_element", "cause_spec"]).loc[("lb", 0)]
    assert lb["downtime_per_year_ci_low"] <= lb["downtime_per_year"] <= lb["downtime_per_year_ci_high"]
    counted = res.outages.groupby(["cause_element", "cause_spec"]).size()
    assert lb["outages"] == counted[("lb", 0)]
    assert lb["outages_per_year"] == pytest.approx(counted[("lb", 0)] / 80)


def test_cli_run_attribution(path, capsys):
    assert main(["run", path, "--runs", "30", "--attribution"]) == 0
    out = capsys.readouterr().out
    assert "downtime by cause" in out and "#0 permanent" in out
    assert main(["run", path, "--runs", "30", "--attribution", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert abs(sum(r["share"] for r in doc["attribution"]) - 1) < 1e-9
