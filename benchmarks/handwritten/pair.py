"""Hand-written SimPy baseline: a 1-of-2 pair sharing one repair crew.

What a competent SimPy user writes plainly for this model: one process per
unit, a ``simpy.Resource`` for the crew, Python's ``random`` for the draws,
downtime bookkeeping only. Exponential MTTF 1000 h, MTTR 10 h, 10-year
horizon. Prints the mean availability of ``--runs`` replications.

    python benchmarks/handwritten/pair.py --runs 5000
"""

from __future__ import annotations

import argparse
import random

import simpy

HOUR = 3600.0
MTTF, MTTR, HORIZON = 1000 * HOUR, 10 * HOUR, 10 * 365 * 24 * HOUR


def replication(seed: int, i: int) -> float:
    """Downtime (seconds) of one replication."""
    env = simpy.Environment()
    rng = random.Random(seed * 1_000_003 + i)
    crew = simpy.Resource(env, capacity=1)
    state = {"down": 0, "since": 0.0, "downtime": 0.0}

    def unit():
        while True:
            yield env.timeout(rng.expovariate(1 / MTTF))
            state["down"] += 1
            if state["down"] == 2:
                state["since"] = env.now
            with crew.request() as req:
                yield req
                yield env.timeout(rng.expovariate(1 / MTTR))
            if state["down"] == 2:
                state["downtime"] += env.now - state["since"]
            state["down"] -= 1

    env.process(unit())
    env.process(unit())
    env.run(until=HORIZON)
    if state["down"] == 2:
        state["downtime"] += HORIZON - state["since"]
    return state["downtime"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    down = [replication(args.seed, i) for i in range(args.runs)]
    print(f"availability {1 - sum(down) / (args.runs * HORIZON):.6f} over {args.runs} replications")


if __name__ == "__main__":
    main()
