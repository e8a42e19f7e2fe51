"""relsim against plainly hand-written SimPy scripts: in-process, then whole process.

Two workloads (the hand-written scripts are ``benchmarks/handwritten/``:
one SimPy process per component, a ``simpy.Resource`` for the crews,
Python's ``random``, downtime bookkeeping only):

* ``pair``: a 1-of-2 pair sharing one repair crew, exponential MTTF 1000 h /
  MTTR 10 h, 10 years (``models/pair-shared-crew.yaml``);
* ``bm100``: 100 components, ten 9-of-10 subsystems in series, four crews,
  1000 h from new (``benchmarks/models/bm100.yaml``).

**In-process** (this process, imports and model loading done before timing,
CPU time of the loop only):

* ``hand-written``: the script's ``replication(seed, i)``;
* ``relsim simulate``: ``relsim.simulate`` per replication, on the engine
  ``auto`` picks (the lean engine for these models: relsim/engine/lean.py);
* ``relsim simpy``: the same on the general SimPy engine (``engine="simpy"``),
  which returns the same results bit for bit;
* ``relsim run``: ``relsim.run(model, runs=N)``: every replication's
  metrics and outage records assembled into Results (no summary table);
* ``relsim batch run``: the same with ``engine="batch"`` (blocks of 1,024
  replications in lockstep with numpy; equal in distribution only).

**Whole process**: ``benchmarks/whole_process.py`` (each program run as a
fresh process: ``relsim run MODEL --runs N --jobs 1`` with its table of
95 % intervals, against ``python handwritten/SCRIPT --runs N``), CPU time and
peak memory, median of ``--rounds``. Skip it with ``--in-process``.

Ratios > 1 mean relsim is faster. The machine's load average is printed:
figures taken under load are not comparable with idle ones.

    python benchmarks/engine.py [--scale 1.0] [--rounds 3] [--in-process]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import whole_process  # noqa: E402  (benchmarks/whole_process.py)

import relsim  # noqa: E402

WORKLOADS = whole_process.WORKLOADS


def _script(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cpu(fn, n: int) -> float:
    t0 = time.process_time()
    fn(n)
    return time.process_time() - t0


def in_process(name: str, scale: float) -> None:
    model_path, script_path, runs = WORKLOADS[name]
    n = max(1, round(runs * scale))
    script = _script(script_path)
    model = relsim.load(model_path)
    relsim.run(model, runs=2, seed=1)  # imports pandas, the engine, the metrics; builds the lean plan

    def hand(n: int) -> None:
        for i in range(n):
            script.replication(1, i)

    def simulate(engine: str):
        def go(n: int) -> None:
            for i in range(n):
                relsim.simulate(model, 1, i, engine=engine)
        return go

    def run(n: int) -> None:
        relsim.run(model, runs=n, seed=1)

    def batch(n: int) -> None:
        relsim.run(model, runs=n, seed=1, engine="batch")

    times = {"hand-written": _cpu(hand, n), "relsim simulate": _cpu(simulate("auto"), n),
             "relsim simpy": _cpu(simulate("simpy"), n), "relsim run": _cpu(run, n),
             "relsim batch run": _cpu(batch, n)}
    base = times["hand-written"]
    for label, t in times.items():
        ratio = "" if label == "hand-written" else f"   {base / t:5.2f}"
        print(f"{name:8} {label:16} {t:7.2f} {1e3 * t / n:9.3f}{ratio}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the replications (0.1 for a quick look)")
    ap.add_argument("--rounds", type=int, default=3, help="whole-process rounds (median)")
    ap.add_argument("--in-process", action="store_true", help="skip the whole-process measurement")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print("in-process (CPU seconds, ms per replication, relsim speed / hand-written):")
    print(f"{'workload':8} {'program':16} {'CPU s':>7} {'ms/rep':>9}   ratio")
    for name in WORKLOADS:
        in_process(name, args.scale)
    if not args.in_process:
        print("\nwhole process:", flush=True)
        # From a fresh, small process: a child's peak memory (ru_maxrss) counts what it
        # inherited at fork, so this one, grown by the runs above, would inflate it.
        subprocess.run([sys.executable, str(HERE / "whole_process.py"), "--rounds", str(args.rounds),
                        "--scale", str(args.scale)], check=True)


if __name__ == "__main__":
    main()
