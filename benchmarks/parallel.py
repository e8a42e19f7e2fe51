"""Replications per second with 1 process, 2 processes and a 2-worker Dask LocalCluster.

Model: 50 components in 5 zones of one region (10 per zone), each with
permanent failures (MTTF 1 y, lognormal repair of 8 h) and short process
crashes (every 30 d, ~2 min); zones fail transiently about once a year for
about an hour; the region rarely. An active-active service needs 40 of the
50. One year per replication.

    python benchmarks/parallel.py [--runs 10000] [--skip-dask]

Every backend runs the same replications with the same seed, and the script
checks that they give identical results. Printed: runs/s of each, the
speed-up 2 processes / 1 process (target >= 1.7 on a machine with two free
cores) and Dask's start-up time (excluded from its runs/s). Figures go in the
README.
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd

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


def timed(model: relsim.Model, runs: int, seed: int, backend) -> tuple[float, relsim.Results]:
    start = time.perf_counter()
    res = relsim.run(model, runs=runs, seed=seed, backend=backend)
    return time.perf_counter() - start, res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    model = relsim.from_dict(MODEL)
    relsim.run(model, runs=5, seed=args.seed)  # warm caches and imports before timing
    print(f"model {model.name}: {len(model.components)} components, {args.runs} replications of 1 y, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")

    rows = []
    with open_backend("serial") as serial:
        t1, r1 = timed(model, args.runs, args.seed, serial)
    rows.append(("1 process", t1))
    with open_backend("processes", jobs=2) as pool:
        t2, r2 = timed(model, args.runs, args.seed, pool)
    rows.append(("2 processes", t2))
    same = [r2]
    if not args.skip_dask:
        start = time.perf_counter()
        with open_backend("dask", jobs=2) as cluster:
            startup = time.perf_counter() - start
            t3, r3 = timed(model, args.runs, args.seed, cluster)
        rows.append(("Dask LocalCluster, 2 workers", t3))
        same.append(r3)
    for other in same:
        pd.testing.assert_frame_equal(r1.runs, other.runs, check_exact=True)
        pd.testing.assert_frame_equal(r1.outages, other.outages, check_exact=True)

    events = int(r1.runs["events"].sum())
    print(f"{events / args.runs:.0f} events per replication; every backend gave identical results\n")
    for name, t in rows:
        print(f"{name:30s} {args.runs / t:8.1f} runs/s  ({t:.1f} s)")
    print(f"\nspeed-up 2 processes / 1 process: {t1 / t2:.2f}x (target >= 1.7)")
    if not args.skip_dask:
        print(f"speed-up Dask 2 workers / 1 process: {t1 / t3:.2f}x "
              f"(cluster start-up {startup:.1f} s, not included)")
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
