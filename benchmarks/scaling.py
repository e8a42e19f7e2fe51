"""Time per event as the model grows from 10 to 10,000 components.

Each model: N components spread round-robin over 3 zones, each with
permanent failures (Exponential MTTF 1000 h, MTTR 10 h, unlimited crews)
and zones with rare transient outages; one active-active service needing
half of them. Every size simulates the same 2-year horizon (so each
component goes through the same ~35 failure/repair cycles) and runs enough
replications for about the same number of events; each replication's
set-up (resetting the elements, seeding streams) is included in the time,
not what relsim builds once per model (the lean engine's plan, built by one
replication run before timing). relsim evaluates
services incrementally, so the cost of an event should not grow with N
(docs/architecture.md, "Performance rules"); the target is within 2x from
the smallest to the largest model.

    python benchmarks/scaling.py [--events 200000]
"""

from __future__ import annotations

import argparse
import time

import relsim

SIZES = (10, 100, 1000, 10_000)


def model(n: int, years: float) -> relsim.Model:
    return relsim.load({
        "name": f"scale-{n}",
        "horizon": f"{years:.6g}y",
        "domains": {z: {"kind": "zone", "failures": [
            {"kind": "transient", "every": "exp(mean=1y)", "lasts": "exp(mean=1h)"}]}
            for z in ("z1", "z2", "z3")},
        "components": {"node": {
            "count": n, "spread": ["z1", "z2", "z3"],
            "failures": [{"kind": "permanent", "every": "exp(mean=1000h)", "repair": "exp(mean=10h)"}],
        }},
        "services": {"svc": {"replicas": ["node"], "mode": "active-active", "needs": max(1, n // 2)}},
    })


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200_000, help="approximate events per size")
    args = ap.parse_args()
    years = 2.0
    events_per_component = 2 * years * 8760 / 1010  # a failure and a repair per cycle
    print(f"{'components':>10}{'runs':>6}{'events':>10}{'seconds':>9}{'us/event':>10}{'vs N=10':>9}")
    base = None
    for n in SIZES:
        runs = max(1, round(args.events / (n * events_per_component)))
        m = model(n, years)
        relsim.simulate(m, seed=1, replication=runs)  # builds what relsim keeps per model (the lean plan)
        t0 = time.perf_counter()
        events = sum(relsim.simulate(m, seed=1, replication=i).events for i in range(runs))
        dt = time.perf_counter() - t0
        per_event = dt / events * 1e6
        base = base or per_event
        print(f"{n:>10}{runs:>6}{events:>10}{dt:>9.2f}{per_event:>10.2f}{per_event / base:>9.2f}")
    print("target: time per event within 2x from 10 to 10,000 components")


if __name__ == "__main__":
    main()
