"""What a newcomer reads: plurals, horizons as written, units on every column, readable times."""

from __future__ import annotations

import json
import pathlib

import pytest

from relsim.cli import main
from relsim.report.formatting import format_clock, format_horizon, plural

ROOT = pathlib.Path(__file__).parent.parent


def test_plurals_and_horizons():
    assert (plural(1, "service"), plural(3, "service"), plural(0, "domain")) == ("1 service", "3 services",
                                                                                 "0 domains")
    assert [format_horizon(x) for x in (86400, 365 * 86400, 3650 * 86400, 1000 * 3600, 90)] == \
        ["1 d", "1 y", "10 y", "1000 h", "90 s"]
    assert format_horizon(12345.6) == "3.43 h"
    assert format_clock(2677291.275) == "30d 23:41:31.275"


def test_check_speaks_plainly(tmp_path, capsys):
    assert main(["check", str(ROOT / "models" / "single-host.yaml"), str(ROOT / "models" / "pair-shared-crew.yaml")]) == 0
    out = capsys.readouterr().out
    assert "1 domain, 1 component, 1 service," in out and "horizon 1 y" in out and "horizon 10 y" in out
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text("name: quiet\ncomponents: {a: {}}\nservices: {s: {replicas: [a]}}\n")
    assert main(["check", str(quiet)]) == 0
    assert "nothing in this model can fail" in capsys.readouterr().err


def test_trace_lines_carry_a_readable_time(capsys):
    assert main(["trace", str(ROOT / "models" / "single-host.yaml"), "--horizon", "300d"]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert list(first)[:2] == ["t", "at"] and first["at"] == format_clock(first["t"])


@pytest.mark.parametrize(("model", "saturation"), [("retry-storm.yaml", True), ("web-tier-retries.yaml", False)])
def test_signals_table_has_units_and_no_empty_columns(model, saturation, capsys):
    assert main(["signals", str(ROOT / "models" / model), "--horizon", "20d", "--step", "1h"]) == 0
    lines = capsys.readouterr().out.splitlines()
    if lines[1] == "no bin has errors":
        pytest.skip("no errors in this replication")
    header = lines[1]
    assert "bin start" in header and "traffic (req/s)" in header and "errors (req/s)" in header
    assert ("saturation" in header) is saturation
