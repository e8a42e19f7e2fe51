"""Ctrl-C (SIGINT) stops a run promptly and keeps the replications that finished.

Each test starts ``relsim`` in a subprocess, waits until it is running and
sends SIGINT. The bounds on waiting are generous and only detect a hang:
they are not timings (docs/architecture.md, "Tests").
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a subprocess is POSIX")

HANG = 60.0  # seconds: far beyond "about a second"; reaching it means the run ignored Ctrl-C

STARTER = ("import sys\nfrom relsim.cli import main\nprint('ready', file=sys.stderr, flush=True)\n"
           "sys.exit(main(sys.argv[1:]))\n")


def _model(tmp_path: Path, horizon: str) -> Path:
    path = tmp_path / "fast.yaml"
    path.write_text(yaml.safe_dump({
        "name": "fast", "horizon": horizon,
        "components": {"vm": {"failures": [{"kind": "transient", "every": "exp(mean=1ms)",
                                             "lasts": "fixed(5m)"}]}},
        "services": {"app": {"replicas": ["vm"]}},
    }))
    return path


def _start(args: list[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", STARTER, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    assert proc.stderr.readline().strip() == "ready"
    return proc


def _interrupt(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the run ignored Ctrl-C")
    return out, err


def test_ctrl_c_inside_one_long_replication(tmp_path: Path) -> None:
    # One replication of ~4e8 events: it would run for hours.
    proc = _start(["run", str(_model(tmp_path, "1000y")), "--runs", "1", "--max-events", "10000000000"])
    time.sleep(3.0)  # inside the replication (or still importing: Ctrl-C must work there too)
    out, err = _interrupt(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err


def test_ctrl_c_keeps_finished_replications(tmp_path: Path) -> None:
    out_dir = tmp_path / "results"
    proc = _start(["run", str(_model(tmp_path, "2d")), "--runs", "100000", "--out", str(out_dir)])
    deadline = time.monotonic() + HANG
    while not list(out_dir.rglob("*.parquet")):  # a chunk has finished and been written
        assert time.monotonic() < deadline and proc.poll() is None, "no replication finished"
        time.sleep(0.1)
    out, err = _interrupt(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "add --resume" in err
    assert "model 'fast'" in out and "availability" in out  # the summary of what finished
