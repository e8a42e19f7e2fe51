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
from subprocesses import sigint_as_from_a_terminal

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
                            stderr=subprocess.PIPE, text=True, preexec_fn=sigint_as_from_a_terminal)
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


# -- Ctrl-C while a finished chunk is being kept ---------------------------------------------
# The subprocess tests above cannot choose where the signal lands; these raise
# KeyboardInterrupt at the exact points where keeping a chunk can be cut short
# (CI once saw a summary of nothing: the signal came between a chunk's outages
# file and its runs file).

def _ctrl_c_once(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, after: bool,
                 when: object = None) -> None:
    """Make ``owner.name`` raise KeyboardInterrupt once, before or after doing its work."""
    original = getattr(owner, name)
    fired = []

    def interrupted(*args: object, **kwargs: object) -> object:
        if fired or (when is not None and not when(*args)):  # type: ignore[operator]
            return original(*args, **kwargs)
        fired.append(True)
        if not after:
            raise KeyboardInterrupt
        original(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(owner, name, interrupted)


def _same_as_uninterrupted(partial: object, model: object) -> None:
    import relsim

    whole = relsim.run(model, runs=6, seed=3)
    reps = list(partial.runs["replication"])  # type: ignore[attr-defined]
    assert reps == sorted(set(reps)) and reps  # each finished replication once
    want = whole.runs[whole.runs["replication"].isin(reps)].reset_index(drop=True)
    got = partial.runs.reset_index(drop=True)  # type: ignore[attr-defined]
    assert list(got["availability"]) == list(want["availability"])
    want_out = whole.outages[whole.outages["replication"].isin(reps)].reset_index(drop=True)
    assert len(partial.outages) == len(want_out)  # type: ignore[attr-defined]
    assert list(partial.outages["start_s"]) == list(want_out["start_s"])  # type: ignore[attr-defined]


@pytest.mark.parametrize("after", [False, True], ids=["before-the-write", "after-the-write"])
def test_ctrl_c_while_a_chunk_is_kept_in_memory_keeps_it_once(monkeypatch: pytest.MonkeyPatch,
                                                               after: bool) -> None:
    from shared_models import PAIR

    import relsim
    import relsim.experiment
    from relsim.store import MemoryParts

    model = relsim.loads(PAIR)
    monkeypatch.setattr(relsim.experiment, "COMPACT_EVERY", 1)  # each chunk made a table as it finishes
    _ctrl_c_once(monkeypatch, MemoryParts, "write_results", after)
    with pytest.raises(relsim.Interrupted) as info:
        relsim.run(model, runs=6, seed=3, jobs=1)
    _same_as_uninterrupted(info.value.partial, model)


def test_ctrl_c_between_a_chunks_files_keeps_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from shared_models import PAIR

    import relsim
    import relsim.store

    model = relsim.loads(PAIR)
    # The chunk's outages file is in place, its runs file (which marks it finished) not yet.
    _ctrl_c_once(monkeypatch, relsim.store, "_write_atomic", after=False,
                 when=lambda path, write: str(path).endswith(".runs.parquet"))
    out = tmp_path / "results"
    with pytest.raises(relsim.Interrupted) as info:
        relsim.run(model, runs=6, seed=3, jobs=1, out=out)
    _same_as_uninterrupted(info.value.partial, model)
    resumed = relsim.run(model, runs=6, seed=3, out=out, resume=True)
    whole = relsim.run(model, runs=6, seed=3)
    assert list(resumed.runs["availability"]) == list(whole.runs["availability"])
    assert list(resumed.outages["start_s"]) == list(whole.outages["start_s"])
