"""Peak memory of a run as the number of replications grows, with and without ``--out``.

Each measurement runs in a fresh process (``relsim.run`` through the Python
API, serial backend) and reports that process's peak resident set size
(``resource.getrusage``). Three columns per size:

* ``--out``: results streamed to Parquet as chunks finish, nothing kept per
  replication while running; at the end the tables are read back column by
  column to return ``Results``;
* ``load only``: just ``Results.load`` of that directory in a fresh
  process, i.e. the cost of holding the final tables themselves;
* ``in memory``: no ``--out``; finished chunks kept as numpy columns
  (relsim/columns.py), the final tables made from them.

If ``--out`` tracks ``load only``, streaming itself is flat and what grows is
the final tables (a few hundred bytes per replication).

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


def child(runs: int, out: str | None, load_only: bool) -> None:
    import relsim

    start = time.perf_counter()
    if load_only:
        res = relsim.Results.load(out)
    else:
        res = relsim.run(relsim.from_dict(MODEL), runs=runs, seed=1, out=out)
    res.summary()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"runs": runs, "peak_mib": peak_kib / 1024, "seconds": time.perf_counter() - start,
                      "outages": len(res.outages)}))


def _child(args: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(runs: int) -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "results")
        streamed = _child(["--child", str(runs), "--out", out])
        loaded = _child(["--child", str(runs), "--out", out, "--load-only"])
    return {"out": streamed, "load": loaded, "memory": _child(["--child", str(runs)])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", default="1000,4000,16000")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.out, args.load_only)
        return
    sizes = [int(x) for x in args.runs.split(",")]
    print(f"{'replications':>12}  {'--out (MiB)':>12}  {'load only (MiB)':>15}  {'in memory (MiB)':>15}")
    rows = []
    for n in sizes:
        m = measure(n)
        rows.append((n, m))
        print(f"{n:>12}  {m['out']['peak_mib']:>12.1f}  {m['load']['peak_mib']:>15.1f}  {m['memory']['peak_mib']:>15.1f}")
    (n0, first), (n1, last) = rows[0], rows[-1]
    for key, name in (("out", "--out"), ("load", "load only"), ("memory", "in memory")):
        growth = last[key]["peak_mib"] - first[key]["peak_mib"]
        print(f"{name:>10}: {growth:+6.1f} MiB from {n0} to {n1} replications "
              f"({growth * 1024 / ((n1 - n0) / 1000):.0f} KiB per 1000 replications)")


if __name__ == "__main__":
    main()
