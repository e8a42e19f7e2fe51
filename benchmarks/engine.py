"""relsim against a hand-written SimPy script of the same model, in one run.

Model: a 1-of-2 active-active pair sharing one repair crew; each unit
Exponential(MTTF 1000 h), Exponential(MTTR 10 h); 10-year horizon. The
hand-written script is what a competent SimPy user would write for exactly
this model (two processes and a Resource), with no outage bookkeeping beyond
downtime. Both run the same number of replications in the same process.

    python benchmarks/engine.py [--runs 1000]

Prints runs/s and events/s of each and the ratio relsim / hand-written
(target >= 0.5, aim 1.0). Figures go in the README.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import simpy

import relsim
from relsim.units import HOUR, YEAR

MTTF, MTTR, HORIZON = 1000 * HOUR, 10 * HOUR, 10 * YEAR

MODEL = {
    "name": "pair-shared-crew",
    "horizon": "10y",
    "repair_crews": 1,
    "components": {
        u: {"failures": [{"kind": "permanent", "every": "exp(mean=1000h)", "repair": "exp(mean=10h)"}]}
        for u in ("a", "b")
    },
    "services": {"pair": {"replicas": ["a", "b"], "mode": "active-active"}},
}


def handwritten(seed: int, replication: int) -> tuple[float, int]:
    """One replication, plain SimPy. Returns (downtime seconds, events)."""
    env = simpy.Environment()
    rng = np.random.default_rng([seed, replication])
    crew = simpy.Resource(env, capacity=1)
    state = {"down": 0, "since": 0.0, "downtime": 0.0}

    def unit():
        while True:
            yield env.timeout(rng.exponential(MTTF))
            state["down"] += 1
            if state["down"] == 2:
                state["since"] = env.now
            with crew.request() as req:
                yield req
                yield env.timeout(rng.exponential(MTTR))
            if state["down"] == 2:
                state["downtime"] += env.now - state["since"]
            state["down"] -= 1

    env.process(unit())
    env.process(unit())
    env.run(until=HORIZON)
    if state["down"] == 2:
        state["downtime"] += HORIZON - state["since"]
    return state["downtime"], next(env._eid)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    model = relsim.load(MODEL)
    # `import relsim` is lazy: the first run imports pandas, the engine and the
    # metrics (about 1 s). Do it before timing, so the figure measures runs.
    relsim.run(model, runs=1, seed=args.seed)

    t0 = time.perf_counter()
    hw_events = 0
    hw_down = 0.0
    for i in range(args.runs):
        d, ev = handwritten(args.seed, i)
        hw_events += ev
        hw_down += d
    t_hw = time.perf_counter() - t0

    t0 = time.perf_counter()
    results = relsim.run(model, runs=args.runs, seed=args.seed)
    t_rs = time.perf_counter() - t0
    rs_events = int(results.runs["events"].sum())

    print(f"model: 1-of-2 pair, shared crew, MTTF 1000 h, MTTR 10 h, 10 y, {args.runs} replications")
    print(f"{'':14}{'seconds':>9}{'runs/s':>10}{'events/s':>12}{'availability':>14}")
    print(f"{'hand-written':14}{t_hw:9.2f}{args.runs / t_hw:10.1f}{hw_events / t_hw:12.0f}"
          f"{1 - hw_down / (args.runs * HORIZON):14.6f}")
    print(f"{'relsim':14}{t_rs:9.2f}{args.runs / t_rs:10.1f}{rs_events / t_rs:12.0f}"
          f"{results['availability']:14.6f}")
    print(f"ratio relsim / hand-written (runs/s): {t_hw / t_rs:.2f}   (target >= 0.5, aim 1.0)")
    print("exact availability (CTMC): 0.999803960")


if __name__ == "__main__":
    main()
