"""Replications per second with 1 process, 2 processes and a 2-worker Dask LocalCluster.

Model: 50 components in 5 zones of one region (10 per zone), each with
permanent failures (MTTF 1 y, lognormal repair of 8 h) and short process
crashes (every 30 d, ~2 min); zones fail transiently about once a year for
about an hour; the region rarely. An active-active service needs 40 of the
50. One year per replication.

    python benchmarks/parallel.py [--runs 10000] [--rounds 5] [--skip-dask]

Every backend runs the same replications with the same seeds, taking turns
in rounds (so that other programs' load hits them alike), and the script
checks that they give identical results. Printed: runs/s of each, the CPU
cores it actually obtained (CPU seconds of this process and its workers per
wall second), the speed-up 2 processes / 1 process (target >= 1.7 on a
machine with two free cores) and Dask's start-up time (excluded from its
runs/s). Figures go in the README.
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd
import psutil

import relsim
from relsim.backends import open_backend

ZONES = [f"zone-{k}" for k in range(1, 6)]

MODEL = {
    "name": "fifty-in-five-zones",
    "horizon": "1y",
    "domains": {
        "region": {
            "kind": "region",
            "failures": [{"kind": "permanent", "every": "exp(mean=10y)", "repair": "lognormal(mean=4h, sd=3h)"}],
            "contains": {
                z: {"kind": "zone", "failures": [
                    {"kind": "transient", "every": "exp(mean=1y)", "lasts": "lognormal(mean=1h, sd=1h)"}]}
                for z in ZONES
            },
        }
    },
    "components": {
        "node": {
            "count": 50,
            "spread": ZONES,
            "failures": [
                {"kind": "permanent", "every": "exp(mean=1y)", "repair": "lognormal(mean=8h, sd=4h)"},
                {"kind": "transient", "every": "exp(mean=30d)", "lasts": "lognormal(mean=2m, sd=1m)"},
            ],
        }
    },
    "services": {"app": {"replicas": ["node"], "mode": "active-active", "needs": 40}},
}


def cpu_seconds() -> float:
    """CPU time of this process and its live descendants (pool and Dask workers)."""
    me = psutil.Process()
    procs = [me, *me.children(recursive=True)]
    total = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000, help="replications per backend")
    ap.add_argument("--rounds", type=int, default=5,
                    help="backends take turns in this many rounds, so that load from other "
                         "programs affects them alike")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    model = relsim.from_dict(MODEL)
    relsim.run(model, runs=5, seed=args.seed)  # warm caches and imports before timing
    print(f"model {model.name}: {len(model.components)} components, {args.runs} replications of 1 y "
          f"per backend in {args.rounds} rounds, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} at start")

    names = ["1 process", "2 processes"] + ([] if args.skip_dask else ["Dask LocalCluster, 2 workers"])
    wall = dict.fromkeys(names, 0.0)
    cpu = dict.fromkeys(names, 0.0)
    startup = 0.0
    backends = {"1 process": open_backend("serial"), "2 processes": open_backend("processes", jobs=2)}
    if not args.skip_dask:
        start = time.perf_counter()
        backends["Dask LocalCluster, 2 workers"] = open_backend("dask", jobs=2)
        startup = time.perf_counter() - start
    per_round = [args.runs // args.rounds + (r < args.runs % args.rounds) for r in range(args.rounds)]
    events = 0
    try:
        for r, n in enumerate(per_round):
            results = {}
            for name in names:
                c0, t0 = cpu_seconds(), time.perf_counter()
                results[name] = relsim.run(model, runs=n, seed=args.seed + r, backend=backends[name])
                wall[name] += time.perf_counter() - t0
                cpu[name] += cpu_seconds() - c0
            first = results[names[0]]
            events += int(first.runs["events"].sum())
            for name in names[1:]:
                pd.testing.assert_frame_equal(first.runs, results[name].runs, check_exact=True)
                pd.testing.assert_frame_equal(first.outages, results[name].outages, check_exact=True)
    finally:
        for b in backends.values():
            b.close()

    print(f"{events / args.runs:.0f} events per replication; every backend gave identical results\n")
    print(f"{'':30s} {'runs/s':>8} {'wall s':>8} {'cores used':>10}")
    for name in names:
        print(f"{name:30s} {args.runs / wall[name]:8.1f} {wall[name]:8.1f} {cpu[name] / wall[name]:10.2f}")
    t1 = wall["1 process"]
    print(f"\nspeed-up 2 processes / 1 process: {t1 / wall['2 processes']:.2f}x (target >= 1.7)")
    if not args.skip_dask:
        print(f"speed-up Dask 2 workers / 1 process: {t1 / wall[names[2]]:.2f}x "
              f"(cluster start-up {startup:.1f} s, not included)")
    print(f"load average at end {os.getloadavg()[0]:.2f} ('cores used' under 2 for a parallel backend "
          "means other programs held the CPUs)")


if __name__ == "__main__":
    main()
