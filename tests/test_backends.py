"""Backends give identical results to the serial run; Ctrl-C never hangs a pool."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from shared_models import PAIR
from subprocesses import sigint_as_from_a_terminal

import relsim
from relsim.backends import BackendError, DaskBackend, open_backend, plan_chunks, use_backend
from relsim.experiment import run_replications


@pytest.fixture(scope="module")
def pair():
    return relsim.loads(PAIR)


def assert_same(a: relsim.Results, b: relsim.Results) -> None:
    pd.testing.assert_frame_equal(a.runs, b.runs, check_exact=True)
    pd.testing.assert_frame_equal(a.outages, b.outages, check_exact=True)


def test_chunks_cover_every_index_once_and_do_enough_work():
    idx = list(range(1000))
    for workers, per_run in [(1, 0.001), (2, 0.001), (2, 1.0), (8, 0.0001), (2, 1e-9)]:
        chunks = plan_chunks(idx, workers, per_run)
        assert [i for c in chunks for i in c] == idx
        if workers > 1:
            # Each task holds >= 50 ms of work unless the whole run is shorter.
            assert all(len(c) * per_run >= 0.05 or len(c) == len(idx) or c is chunks[-1] for c in chunks)
            # ... and there are several per worker when there is enough work.
            if len(idx) * per_run > 4 * workers * 0.25:
                assert len(chunks) >= 2 * workers


def test_process_pool_equals_serial(pair):
    assert_same(relsim.run(pair, runs=40, seed=7), relsim.run(pair, runs=40, seed=7, jobs=2))


def test_an_open_backend_can_be_shared_and_stays_open(pair):
    with open_backend("processes", jobs=2) as pool:
        one = relsim.run(pair, runs=20, seed=1, backend=pool)
        two = relsim.run(pair, runs=20, seed=2, backend=pool)
        with use_backend(pool) as same:
            assert same.workers == 2
    assert_same(one, relsim.run(pair, runs=20, seed=1))
    assert_same(two, relsim.run(pair, runs=20, seed=2))


def test_run_replications_keeps_its_contract(pair):
    seen = []
    recs = run_replications(pair, [5, 3, 9], seed=2, on_chunk=seen.extend)
    assert [r[0] for r in recs] == [3, 5, 9]
    assert sorted(r[0] for r in seen) == [3, 5, 9]


def test_bad_backend_arguments():
    with pytest.raises(ValueError, match="backend must be one of"):
        open_backend("threads")
    with pytest.raises(ValueError, match="needs the dask backend"):
        open_backend("processes", jobs=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="jobs must be"):
        open_backend("processes", jobs=0)


def test_dask_local_cluster_equals_serial(pair):
    """A 2-worker LocalCluster on loopback gives exactly the serial results."""
    pytest.importorskip("dask.distributed")
    serial = relsim.run(pair, runs=60, seed=11)
    with open_backend("dask", jobs=2) as cluster:
        assert cluster.workers == 2
        on_dask = relsim.run(pair, runs=60, seed=11, backend=cluster)
        # Many small chunks, finishing in any order, still give the same rows.
        chunks = [list(range(k, min(k + 7, 60))) for k in range(0, 60, 7)]
        records = sorted((r for c in cluster.run(pair, 11, pair.horizon, chunks) for r in c),
                         key=lambda r: r[0])
        # An existing cluster reached by its scheduler address (--scheduler).
        assert cluster.address.startswith("tcp://127.0.0.1:")
        by_address = relsim.run(pair, runs=60, seed=11, scheduler=cluster.address)
    assert_same(serial, on_dask)
    assert_same(serial, by_address)
    assert [r[0] for r in records] == list(range(60))
    assert records[13][1] == serial.runs.drop(columns=["model", "seed", "replication", "horizon_s"]).iloc[13].to_dict()


def test_unreachable_scheduler_is_a_clear_error():
    pytest.importorskip("dask.distributed")
    with pytest.raises(BackendError, match="cannot start a Dask client at tcp://127.0.0.1:9"):
        DaskBackend(scheduler="tcp://127.0.0.1:9", connect_timeout=0.5)


SLOW = PAIR.replace("horizon: 1y", "horizon: 200y")


def test_ctrl_c_stops_a_process_pool_promptly(tmp_path):
    path = tmp_path / "slow.yaml"
    path.write_text(SLOW)
    out = tmp_path / "res"
    proc = subprocess.Popen([sys.executable, "-m", "relsim", "run", str(path), "--runs", "5000",
                             "--jobs", "2", "--json", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=sigint_as_from_a_terminal)
    try:
        # The pilot chunk is written before the pool gets work: wait for it.
        deadline = time.monotonic() + 60
        while not list(out.glob("parts/*.runs.parquet")) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        start = time.monotonic()
        out_text, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert time.monotonic() - start < 10
    assert proc.returncode == 130
    assert "interrupted after" in err and "add --resume" in err and "Traceback" not in err
    assert json.loads(out_text)["runs"] >= 1
