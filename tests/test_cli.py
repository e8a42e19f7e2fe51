"""The relsim command line: run, check, trace; bad input exits 2 with no traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from shared_models import PAIR
from subprocesses import sigint_as_from_a_terminal

from relsim.cli import main


@pytest.fixture
def pair(tmp_path):
    path = tmp_path / "pair.yaml"
    path.write_text(PAIR)
    return str(path)


@pytest.fixture
def bad(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nhorizon: 10\nservices:\n  s: {replicas: [nope]}\n")
    return str(path)


def test_run_prints_a_table(pair, capsys):
    assert main(["run", pair, "--runs", "20", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "availability" in out and "95% CI" in out and "objective availability" in out


def test_run_json_follows_the_design_document(pair, capsys):
    assert main(["run", pair, "--runs", "10", "--seed", "3", "--horizon", "2y", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["model"] == "pair" and doc["runs"] == 10 and doc["seed"] == 3
    assert doc["horizon_s"] == pytest.approx(2 * 365 * 86400)
    a = doc["metrics"]["availability"]
    assert set(a) >= {"mean", "se", "ci95", "p05", "p50", "p95"}
    assert a["ci95"][0] <= a["mean"] <= a["ci95"][1]
    for name in ("served_fraction", "downtime_per_year", "outages_per_year", "mean_outage",
                 "outage_p95", "outage_max", "failures_per_year"):
        assert name in doc["metrics"]


def test_same_seed_same_json_for_any_jobs(pair, capsys):
    main(["run", pair, "--runs", "12", "--seed", "5", "--json"])
    one = capsys.readouterr().out
    main(["run", pair, "--runs", "12", "--seed", "5", "--json", "--jobs", "2"])
    two = capsys.readouterr().out
    assert one == two


def test_check_ok_and_bad(pair, bad, capsys):
    assert main(["check", pair]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["check", bad]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2 horizon:" in err
    assert f"{bad}:4 services.s.replicas[0]: unknown replica 'nope'" in err
    assert "2 problems found" in err


def test_trace_prints_json_lines(pair, capsys):
    assert main(["trace", pair, "--seed", "1", "--replication", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    events = [json.loads(line) for line in lines]
    assert events and all("t" in e and "event" in e for e in events)
    assert any(e["event"] == "failed" for e in events)
    times = [e["t"] for e in events]
    assert times == sorted(times)


@pytest.mark.parametrize(
    "args",
    [["run", "{bad}"], ["run", "{pair}", "--runs", "0"], ["run", "{pair}", "--horizon", "10"],
     ["run", "{pair}", "--seed", "x"], ["trace", "{pair}", "--replication", "-1"], ["run", "/nonexistent.yaml"]],
)
def test_bad_input_exits_2_without_traceback(args, pair, bad):
    argv = [a.format(pair=pair, bad=bad) for a in args]
    proc = subprocess.run([sys.executable, "-m", "relsim", *argv], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip()


def test_ctrl_c_keeps_the_finished_replications(pair, tmp_path):
    import signal
    import time

    out_dir = tmp_path / "results"
    proc = subprocess.Popen([sys.executable, "-m", "relsim", "run", pair, "--runs", "100000", "--json",
                             "--out", str(out_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=sigint_as_from_a_terminal)
    # Interrupt once a chunk has finished (a fixed sleep failed on a loaded machine,
    # where importing took longer than the sleep); the bound only detects a hang.
    deadline = time.monotonic() + 120
    while len(list(out_dir.rglob("*.parquet"))) < 2:  # the first chunk is surely counted by then
        assert time.monotonic() < deadline and proc.poll() is None, "no replication finished"
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted after" in err
    doc = json.loads(out)
    assert 0 < doc["runs"] < 100000
