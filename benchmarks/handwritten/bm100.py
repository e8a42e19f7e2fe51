"""Hand-written SimPy baseline: a 100-component system, 1000 hours from new.

The topology (relsim's ``benchmarks/models/bm100.yaml``, in the style of
the 100-component benchmark of CERN's AvailSim4): ten subsystems in series,
each ten identical units of which nine are needed; every unit fails
Exponential(MTTF 2000 h) and is repaired in Lognormal(mean 8 h, sd 4 h) by
one of four shared crews. One process per unit, a ``simpy.Resource`` for
the crews, Python's ``random``; bookkeeping: the system's downtime only.
Prints the mean availability of ``--runs`` replications.

    python benchmarks/handwritten/bm100.py --runs 2000
"""

from __future__ import annotations

import argparse
import math
import random

import simpy

HOUR = 3600.0
MTTF, REPAIR_MEAN, REPAIR_SD, HORIZON = 2000 * HOUR, 8 * HOUR, 4 * HOUR, 1000 * HOUR
SUBSYSTEMS, UNITS, NEEDS, CREWS = 10, 10, 9, 4
# lognormal parameters of the underlying normal, from the mean and sd
SIGMA = math.sqrt(math.log(1 + (REPAIR_SD / REPAIR_MEAN) ** 2))
MU = math.log(REPAIR_MEAN) - SIGMA**2 / 2


def replication(seed: int, i: int) -> float:
    """Downtime (seconds) of one replication."""
    env = simpy.Environment()
    rng = random.Random(seed * 1_000_003 + i)
    crews = simpy.Resource(env, capacity=CREWS)
    down = [0] * SUBSYSTEMS  # units down per subsystem
    state = {"failed": 0, "since": 0.0, "downtime": 0.0}  # subsystems below NEEDS

    def unit(sub: int):
        while True:
            yield env.timeout(rng.expovariate(1 / MTTF))
            down[sub] += 1
            if down[sub] == UNITS - NEEDS + 1:
                if state["failed"] == 0:
                    state["since"] = env.now
                state["failed"] += 1
            with crews.request() as req:
                yield req
                yield env.timeout(rng.lognormvariate(MU, SIGMA))
            if down[sub] == UNITS - NEEDS + 1:
                state["failed"] -= 1
                if state["failed"] == 0:
                    state["downtime"] += env.now - state["since"]
            down[sub] -= 1

    for sub in range(SUBSYSTEMS):
        for _ in range(UNITS):
            env.process(unit(sub))
    env.run(until=HORIZON)
    if state["failed"]:
        state["downtime"] += HORIZON - state["since"]
    return state["downtime"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    down = [replication(args.seed, i) for i in range(args.runs)]
    print(f"availability {1 - sum(down) / (args.runs * HORIZON):.6f} over {args.runs} replications")


if __name__ == "__main__":
    main()
