"""Paired comparisons with common random numbers beat independent runs."""

from __future__ import annotations

import json
import math
import textwrap

import pytest

import relsim
from relsim.cli import main

# A load balancer with long repairs in series with an app server: most of the
# downtime variance comes from the load balancer, which both variants share.
SERIES = textwrap.dedent("""\
    name: series
    horizon: 1y
    components:
      lb: {failures: [{kind: permanent, every: exp(mean=2000h), repair: exp(mean=24h)}]}
      app: {failures: [{kind: permanent, every: exp(mean=500h), repair: exp(mean=2h)}]}
    services:
      s: {replicas: [lb, app], mode: active-active, needs: 2}
    """)
SLOWER_APP = SERIES.replace("name: series", "name: slower-app").replace("exp(mean=2h)", "exp(mean=4h)")


@pytest.fixture
def files(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(SERIES)
    b.write_text(SLOWER_APP)
    return str(a), str(b)


def test_paired_interval_is_much_narrower_than_independent_runs(files):
    runs = 150
    comp = relsim.compare(list(files), runs=runs, seed=1)
    assert comp.labels == ["series", "slower-app"] and comp.baseline == "series"
    d = comp.differences().set_index("metric").loc["availability"]
    paired_half = (d["ci_high"] - d["ci_low"]) / 2
    # Unpaired: A with seed 1 and B with seed 2, SE = sqrt(se_a² + se_b²).
    se_a = relsim.run(files[0], runs=runs, seed=1).summary().loc["availability", "se"]
    se_b = relsim.run(files[1], runs=runs, seed=2).summary().loc["availability", "se"]
    unpaired_half = 1.976 * math.sqrt(se_a**2 + se_b**2)
    assert paired_half < 0.5 * unpaired_half
    # Doubling the app's repair time costs availability, and the paired CI is sure of it.
    assert d["mean"] < 0 and d["significant"]
    # The paired difference is exactly the difference of the means.
    side = comp.side_by_side()
    assert d["mean"] == pytest.approx(side.loc["availability", "slower-app"] - side.loc["availability", "series"])


def test_labels_mapping_and_repeated_names(files):
    base = relsim.load(files[0])
    comp = relsim.compare({"now": base, "faster-lb": base.with_overrides(
        {"components.lb.failures[0].repair": "exp(mean=12h)"})}, runs=20, seed=3)
    assert comp.labels == ["now", "faster-lb"]
    same_name = relsim.compare([files[0], files[0]], runs=5, seed=0)
    assert len(set(same_name.labels)) == 2
    # Identical variants differ by exactly zero in every replication.
    assert (same_name.differences()["mean"] == 0).all()
    assert set(comp.metrics()["variant"]) == {"now", "faster-lb"}


def test_cli_compare_table_and_json(files, capsys):
    assert main(["compare", *files, "--runs", "30", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "slower-app − series (paired" in out and "availability" in out and "significant" in out
    assert main(["compare", *files, "--runs", "30", "--seed", "2", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["baseline"] == "series" and doc["runs"] == 30 and doc["seed"] == 2
    diff = doc["differences"]["slower-app"]["availability"]
    assert diff["ci95"][0] <= diff["mean"] <= diff["ci95"][1]
    assert set(doc["variants"]) == {"series", "slower-app"}
