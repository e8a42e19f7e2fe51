"""Peak memory of a run as the number of replications grows, with and without ``--out``.

Each measurement runs in a fresh process (``relsim run`` through the Python
API, serial backend) and reports that process's peak resident set size
(``resource.getrusage``). With ``out=`` finished chunks go to Parquet files
and are not kept in memory; only the final tables (a few dozen bytes per
replication and per outage) are read back, so the peak should stay nearly
flat while the in-memory run keeps every replication's raw record.

    python benchmarks/memory.py [--runs 1000,4000,16000]

Model: the web tier of six instances over three zones (``needs: 4``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODEL = {
    "name": "web-three-zones",
    "horizon": "1y",
    "domains": {"region": {
        "kind": "region",
        "failures": [{"kind": "permanent", "every": "exp(mean=10y)", "repair": "lognormal(mean=4h, sd=3h)"}],
        "contains": {z: {"kind": "zone", "failures": [
            {"kind": "transient", "every": "exp(mean=1y)", "lasts": "lognormal(mean=1h, sd=1h)"}]}
            for z in ("zone-a", "zone-b", "zone-c")},
    }},
    "components": {"web": {
        "count": 6, "spread": ["zone-a", "zone-b", "zone-c"],
        "failures": [
            {"kind": "permanent", "every": "exp(mean=1y)", "repair": "lognormal(mean=8m, sd=3m)"},
            {"kind": "transient", "every": "exp(mean=30d)", "lasts": "lognormal(mean=1m, sd=30s)"},
        ]}},
    "services": {"web": {"replicas": ["web"], "mode": "active-active", "needs": 4}},
}


def child(runs: int, out: str | None) -> None:
    import relsim

    start = time.perf_counter()
    res = relsim.run(relsim.from_dict(MODEL), runs=runs, seed=1, out=out)
    res.summary()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"runs": runs, "peak_mib": peak_kib / 1024, "seconds": time.perf_counter() - start,
                      "outages": len(res.outages)}))


def measure(runs: int, streamed: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, __file__, "--child", str(runs)]
        if streamed:
            cmd += ["--out", str(Path(tmp) / "results")]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", default="1000,4000,16000")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.out)
        return
    sizes = [int(x) for x in args.runs.split(",")]
    base = measure(1, streamed=True)["peak_mib"]
    print(f"peak RSS of a 1-replication run (interpreter + libraries): {base:.0f} MiB\n")
    print(f"{'replications':>12}  {'--out (MiB)':>12}  {'in memory (MiB)':>16}  {'runs/s --out':>12}")
    rows = []
    for n in sizes:
        s, m = measure(n, streamed=True), measure(n, streamed=False)
        rows.append((n, s, m))
        print(f"{n:>12}  {s['peak_mib']:>12.1f}  {m['peak_mib']:>16.1f}  {n / s['seconds']:>12.0f}")
    first, last = rows[0], rows[-1]
    growth = last[1]["peak_mib"] - first[1]["peak_mib"]
    per_k = growth / ((last[0] - first[0]) / 1000)
    print(f"\n--out: +{growth:.1f} MiB from {first[0]} to {last[0]} replications "
          f"({per_k * 1024:.0f} KiB per 1000 replications)")
    mem = last[2]["peak_mib"] - first[2]["peak_mib"]
    print(f"in memory: +{mem:.1f} MiB over the same range")


if __name__ == "__main__":
    main()
