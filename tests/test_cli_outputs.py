"""The same output flags on every command that prints results, and the CLI's package layout."""

from __future__ import annotations

import io
import json
import pathlib
import re

import pandas as pd
import pytest
from shared_models import PAIR

from relsim.backends import BACKENDS
from relsim.cli import main
from relsim.cli.common import BACKENDS as CLI_BACKENDS

ROOT = pathlib.Path(__file__).parent.parent


@pytest.fixture
def pair(tmp_path):
    path = tmp_path / "pair.yaml"
    path.write_text(PAIR)
    return str(path)


def test_the_parser_offers_the_library_backends():
    assert CLI_BACKENDS == BACKENDS


def test_run_csv_is_the_summary(pair, capsys):
    assert main(["run", pair, "--runs", "5", "--csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(table.columns[:3]) == ["model", "metric", "mean"]
    assert {"unit", "seed", "runs", "horizon_s"} <= set(table.columns)
    assert table.set_index("metric").loc["availability", "unit"] == "fraction"
    assert (table["runs"] == 5).all()


@pytest.mark.parametrize("extra", [["--json", "--csv"], ["--csv", "--attribution"], ["--csv", "--exact"]])
def test_conflicting_output_options_are_bad_input(pair, extra, capsys):
    with pytest.raises(SystemExit) as stop:
        assert main(["run", pair, "--runs", "2", *extra]) == 2
        raise SystemExit(2)
    assert stop.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_compare_csv_is_the_paired_differences(pair, tmp_path, capsys):
    other = tmp_path / "pair-3.yaml"
    other.write_text(PAIR.replace("name: pair", "name: pair-slow-repair").replace("repair: exp(mean=10h)",
                                                                                  "repair: exp(mean=20h)"))
    assert main(["compare", pair, str(other), "--runs", "4", "--csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(table["variant"]) == {"pair-slow-repair"}
    assert "availability" in set(table["metric"])
    assert table.set_index("metric").loc["downtime_per_year", "mean"] > 0


def test_signals_json(capsys):
    path = str(ROOT / "models" / "web-tier-retries.yaml")
    assert main(["signals", path, "--horizon", "2d", "--step", "1h", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["bins"]) == 48
    # traffic is requests per second in each one-hour bin
    assert doc["totals"]["offered"] == pytest.approx(sum(b["traffic"] * 3600 for b in doc["bins"]), rel=1e-9)


def test_cli_modules_print_and_library_modules_do_not():
    """Presentation returns text; only relsim/cli writes to standard output."""
    for path in (ROOT / "relsim").rglob("*.py"):
        if "cli" in path.relative_to(ROOT / "relsim").parts:
            continue
        text = path.read_text().replace("# noqa: T201", "")
        assert "sys.stdout.write" not in text and not re.search(r"(?<![\w.])print\(", text), path


def test_examples_list_and_copy(tmp_path, capsys):
    from relsim import examples

    assert main(["examples", "list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]]
    assert listed == examples.names()
    dest = tmp_path / "mine"
    assert main(["examples", "copy", str(dest), "web-three-zones"]) == 0
    assert (dest / "web-three-zones.yaml").read_text() == (ROOT / "models" / "web-three-zones.yaml").read_text()
    capsys.readouterr()
    assert main(["examples", "copy", str(dest), "web-three-zones"]) == 2
    assert "add --overwrite" in capsys.readouterr().err
    assert main(["examples", "copy", str(dest), "web-three-zones", "--overwrite"]) == 0
    assert main(["examples", "copy", str(dest), "web-3-zones"]) == 2
    assert "no example model 'web-3-zones'" in capsys.readouterr().err
    assert main(["run", str(dest / "web-three-zones.yaml"), "--runs", "2", "--horizon", "10d"]) == 0
