"""relsim against hand-written SimPy scripts, whole process: CPU time and peak memory.

Two workloads, each run as a fresh process, alternately, ``--rounds``
times (the median of each is reported):

* ``pair``: a 1-of-2 pair sharing one repair crew, exponential MTTF 1000 h /
  MTTR 10 h, 10 years x 5,000 replications (``models/pair-shared-crew.yaml``;
  ``benchmarks/handwritten/pair.py``);
* ``bm100``: 100 components, ten 9-of-10 subsystems in series, four crews,
  1000 h from new x 2,000 replications (``benchmarks/models/bm100.yaml``;
  ``benchmarks/handwritten/bm100.py``).

The hand-written scripts are what a competent user writes plainly: one
SimPy process per component, a ``simpy.Resource`` for the crews, Python's
``random``. relsim runs as a user runs it: ``relsim run MODEL --runs N
--jobs 1`` (its table with 95 % intervals included; the default engine,
which for both models is the lean engine, bit-identical to the SimPy
engine), and again with ``--engine batch`` (replications in lockstep,
equal in distribution). CPU time is user +
system of the child process; peak memory is its maximum resident set size
(``os.wait4``). A third line per workload is the interpreter importing only
numpy and simpy, the floor both pay. Ratios > 1 mean relsim is faster.

    python benchmarks/whole_process.py [--rounds 3] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKLOADS = {
    "pair": (ROOT / "models" / "pair-shared-crew.yaml", HERE / "handwritten" / "pair.py", 5000),
    "bm100": (HERE / "models" / "bm100.yaml", HERE / "handwritten" / "bm100.py", 2000),
}


def measure(cmd: list[str]) -> tuple[float, float]:
    """(CPU seconds, peak MiB) of ``cmd`` run to completion as a child process."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()}")
    proc.returncode = 0
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the replications (e.g. 0.1 for a quick look)")
    ap.add_argument("--only", choices=sorted(WORKLOADS), help="one workload only")
    args = ap.parse_args()
    py = sys.executable
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"{'workload':8} {'program':13} {'CPU s':>7} {'peak MiB':>9}   relsim speed / hand-written")
    for name, (model, script, runs) in WORKLOADS.items():
        if args.only and name != args.only:
            continue
        n = max(1, round(runs * args.scale))
        cmds = {
            "import only": [py, "-c", "import numpy, simpy"],
            "hand-written": [py, str(script), "--runs", str(n)],
            "relsim": [py, "-m", "relsim", "run", str(model), "--runs", str(n), "--jobs", "1"],
            "relsim batch": [py, "-m", "relsim", "run", str(model), "--runs", str(n), "--jobs", "1",
                             "--engine", "batch"],
        }
        got: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
        for _ in range(args.rounds):
            for label, cmd in cmds.items():
                got[label].append(measure(cmd))
        med = {k: (statistics.median(c for c, _ in v), statistics.median(m for _, m in v)) for k, v in got.items()}
        for label, (cpu, mem) in med.items():
            extra = ""
            if label.startswith("relsim"):
                ratios = [hw[0] / rs[0] for hw, rs in zip(got["hand-written"], got[label])]
                extra = f"   {statistics.median(ratios):.2f} (rounds: {', '.join(f'{r:.2f}' for r in ratios)})"
            print(f"{name:8} {label:13} {cpu:7.2f} {mem:9.0f}{extra}")
        print(f"{name:8} relsim peak memory / (hand-written peak): {med['relsim'][1] / med['hand-written'][1]:.2f}x; "
              f"runs: {n}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
