"""Results written incrementally to Parquet; a killed run resumes to the exact same results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from shared_models import PAIR

import relsim
from relsim.cli import main
from relsim.store import ResultStore, StoreMismatch


@pytest.fixture
def pair_file(tmp_path):
    path = tmp_path / "pair.yaml"
    path.write_text(PAIR)
    return path


def assert_same(a: relsim.Results, b: relsim.Results) -> None:
    pd.testing.assert_frame_equal(a.runs, b.runs, check_exact=True)
    pd.testing.assert_frame_equal(a.outages, b.outages, check_exact=True)


def runs_parts(out) -> list[str]:
    parts = out / "parts"
    return sorted(p for p in os.listdir(parts) if p.endswith(".runs.parquet")) if parts.exists() else []


def test_out_writes_parts_and_a_manifest_and_loads_back(pair_file, tmp_path):
    out = tmp_path / "res"
    res = relsim.run(pair_file, runs=50, seed=3, out=out)
    assert_same(res, relsim.run(pair_file, runs=50, seed=3))
    assert_same(res, relsim.Results.load(out))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["runs"] == 50 and manifest["seed"] == 3
    assert manifest["model"] == "pair" and len(manifest["model_hash"]) == 64
    # Each part is an ordinary Parquet slice of Results.runs with provenance.
    first = pd.read_parquet(out / "parts" / runs_parts(out)[0])
    assert {"model", "seed", "replication", "horizon_s", "availability"} <= set(first.columns)


def test_resume_after_sigkill_equals_an_uninterrupted_run(pair_file, tmp_path):
    out = tmp_path / "res"
    cmd = [sys.executable, "-m", "relsim", "run", str(pair_file), "--runs", "400", "--seed", "9",
           "--horizon", "25y", "--out", str(out), "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(runs_parts(out)) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    store = ResultStore.open(out)
    done = store.done()
    assert 0 < len(done) < 400 and not store.manifest["complete"]

    # Resuming does not redo finished replications ...
    before = {p: os.stat(out / "parts" / p).st_mtime_ns for p in runs_parts(out)}
    resumed = relsim.run(pair_file, runs=400, seed=9, horizon="25y", out=out, resume=True, jobs=2)
    assert all(os.stat(out / "parts" / p).st_mtime_ns == t for p, t in before.items())
    # ... and gives exactly the uninterrupted run, in memory and on disk.
    straight = relsim.run(pair_file, runs=400, seed=9, horizon="25y", jobs=2)
    assert_same(resumed, straight)
    assert_same(relsim.Results.load(out), straight)
    assert ResultStore.open(out).manifest["complete"] is True


def test_resume_refuses_another_experiment(pair_file, tmp_path, capsys):
    out = tmp_path / "res"
    relsim.run(pair_file, runs=5, seed=1, out=out)
    with pytest.raises(StoreMismatch, match="different seed"):
        relsim.run(pair_file, runs=5, seed=2, out=out, resume=True)
    with pytest.raises(StoreMismatch, match="different horizon"):
        relsim.run(pair_file, runs=5, seed=1, horizon="2y", out=out, resume=True)
    other = relsim.loads(PAIR).with_overrides({"components.b.failures[0].repair": "exp(mean=1h)"})
    with pytest.raises(StoreMismatch, match="different model"):
        relsim.run(other, runs=5, seed=1, out=out, resume=True)
    with pytest.raises(StoreMismatch, match="already holds results"):
        relsim.run(pair_file, runs=5, seed=1, out=out)
    # The command line says the same and exits 2, without a traceback.
    assert main(["run", str(pair_file), "--runs", "5", "--seed", "4", "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "cannot resume" in err and "different seed" in err and "Traceback" not in err
    assert main(["run", str(pair_file), "--resume"]) == 2
    assert "--resume needs --out" in capsys.readouterr().err


def test_resume_extends_a_finished_run(pair_file, tmp_path):
    out = tmp_path / "res"
    relsim.run(pair_file, runs=20, seed=5, out=out)
    more = relsim.run(pair_file, runs=45, seed=5, out=out, resume=True)
    assert_same(more, relsim.run(pair_file, runs=45, seed=5))


def test_leftovers_of_a_killed_write_are_ignored_and_cleaned(pair_file, tmp_path):
    out = tmp_path / "res"
    relsim.run(pair_file, runs=10, seed=2, out=out)
    parts = out / "parts"
    runs_file = parts / runs_parts(out)[-1]
    runs_file.unlink()  # as if killed between the two renames of the last chunk
    (parts / ".00000099-00000099.runs.parquet.abc.tmp").write_bytes(b"partial")
    store = ResultStore.open(out)
    assert len(store.done()) < 10
    res = relsim.run(pair_file, runs=10, seed=2, out=out, resume=True)
    assert_same(res, relsim.run(pair_file, runs=10, seed=2))
    assert not [p for p in os.listdir(parts) if p.endswith(".tmp")]
