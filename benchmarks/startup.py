"""Start-up cost of relsim: wall time and peak memory of short commands.

Every measurement is a fresh process, so nothing is imported beforehand.
The commands take turns in rounds (other programs' load hits them alike);
the table gives the median wall time over the rounds, the peak resident set
size (``os.wait4``'s ``ru_maxrss`` of that process) and both as ratios to the
baseline ``python -c "import simpy, numpy"`` — the least any SimPy
simulation in Python pays. Targets:
``import relsim`` under 0.5 s and 80 MB; ``relsim --version`` and
``relsim check`` under 0.5 s.

    python benchmarks/startup.py [--rounds 7] [--json] [--strict]

``--strict`` exits with status 1 when a target is missed. The ``tiny run``
row (two replications of a small model) shows what full use costs: the
engine, pandas and scipy load there, as they should.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = "models/web-three-zones.yaml"
PY = sys.executable


def _relsim_command() -> str:
    """The ``relsim`` console script of this interpreter's environment."""
    beside = Path(PY).parent / "relsim"
    found = str(beside) if beside.exists() else shutil.which("relsim")
    if found is None:
        sys.exit("no 'relsim' command found: install relsim (pip install -e .) first")
    return found


@dataclass(frozen=True)
class Case:
    """One command to time, with its targets (``None``: no target)."""

    label: str
    argv: tuple[str, ...]
    max_s: float | None = None
    max_mb: float | None = None


def cases() -> list[Case]:
    relsim = _relsim_command()
    tiny_run = f"import relsim; relsim.run({MODEL!r}, runs=2, seed=1).summary()"
    return [
        Case("import simpy, numpy (baseline)", (PY, "-c", "import simpy, numpy")),
        Case("import relsim", (PY, "-c", "import relsim"), 0.5, 80.0),
        Case("relsim --version", (relsim, "--version"), 0.5),
        Case("python -m relsim --version", (PY, "-m", "relsim", "--version"), 0.5),
        Case(f"relsim check {MODEL}", (relsim, "check", MODEL), 0.5),
        Case(f"python -m relsim check {MODEL}", (PY, "-m", "relsim", "check", MODEL), 0.5),
        Case("relsim.load(model)", (PY, "-c", f"import relsim; relsim.load({MODEL!r})")),
        Case("relsim.run(model, runs=2)", (PY, "-c", tiny_run)),
        Case(f"relsim run {MODEL} --runs 2", (relsim, "run", MODEL, "--runs", "2")),
    ]


def measure(argv: tuple[str, ...]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB of one run of ``argv`` (which must succeed)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # wait4 gives this child's own resource usage (getrusage(RUSAGE_CHILDREN)
    # would give the largest of all children so far).
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {err.strip()}")
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    kib = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return wall, kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="runs of each command (>= 5 advised)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()

    todo = cases()
    for case in todo:  # one unrecorded run each: bytecode and page cache warm
        measure(case.argv)
    walls: dict[str, list[float]] = {c.label: [] for c in todo}
    peaks: dict[str, list[float]] = {c.label: [] for c in todo}
    for _ in range(args.rounds):
        for case in todo:
            wall, mb = measure(case.argv)
            walls[case.label].append(wall)
            peaks[case.label].append(mb)

    base = todo[0].label
    base_s = statistics.median(walls[base])
    base_mb = max(peaks[base])
    rows = []
    for case in todo:
        s = statistics.median(walls[case.label])
        mb = max(peaks[case.label])
        ok = (case.max_s is None or s < case.max_s) and (case.max_mb is None or mb < case.max_mb)
        target = " and ".join(t for t in (
            f"< {case.max_s:g} s" if case.max_s is not None else "",
            f"< {case.max_mb:g} MB" if case.max_mb is not None else "") if t)
        rows.append({
            "command": case.label, "median_s": s, "min_s": min(walls[case.label]),
            "peak_mb": mb, "time_vs_baseline": s / base_s, "memory_vs_baseline": mb / base_mb,
            "target": target, "pass": ok if target else None,
        })

    if args.json:
        print(json.dumps({"rounds": args.rounds, "cpus": os.cpu_count(),
                          "load_average": os.getloadavg(), "rows": rows}, indent=2))
    else:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"{args.rounds} rounds, {os.cpu_count()} CPUs, load average {load}")
        width = max(len(r["command"]) for r in rows)
        print(f"{'command':<{width}}  median s   min s  peak MB  x time  x mem  target")
        for r in rows:
            verdict = "" if r["pass"] is None else ("pass" if r["pass"] else "FAIL")
            print(f"{r['command']:<{width}}  {r['median_s']:8.3f} {r['min_s']:7.3f} "
                  f"{r['peak_mb']:8.1f} {r['time_vs_baseline']:7.2f} {r['memory_vs_baseline']:6.2f}"
                  f"  {r['target']} {verdict}".rstrip())
    if args.strict and any(r["pass"] is False for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
