"""Rare events: relative error of plain Monte Carlo and of failure biasing at equal wall time.

For each model, each method gets the same wall-time budget:

* ``relsim.run``: the discrete-event simulator, plain Monte Carlo over
  replications (unavailability = 1 - mean availability, SE over
  replications);
* plain regenerative simulation of the model's Markov chain (the rare-event
  code with ``bias=None``);
* balanced failure biasing (``relsim.analytic.rare_unavailability``).

Relative error is se / estimate. Where a plain method sees no outage at all
its measured relative error is undefined, so the script also prints the
relative error it *would* have had for the work it did, computed exactly
from the chain: for the regenerative method from the first two moments of
the cycle rewards (``plain_relative_error``), for the simulator from the
asymptotic variance of a time average, ``sigma^2 = 2 pi (f~ * g)`` with
``Q g = -f~`` and ``f~ = f - pi f`` (f the down indicator; Asmussen & Glynn,
*Stochastic Simulation*, 2007, ch. IV), so that ``RE = sqrt(sigma^2 / T) / U``
after ``T`` simulated seconds. The headline ratio is the relative-error
reduction at equal time: RE(plain) / RE(failure biasing), with the plain
method's exact RE for the work it did (the measured one agrees where the
plain run sees many outages, and is undefined where it sees none).

    python benchmarks/rare_events.py [--seconds 10] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

import relsim
from relsim.analytic import plain_relative_error, rare_unavailability, solve
from relsim.analytic.ctmc import build_chains
from relsim.units import YEAR

ROOT = Path(__file__).resolve().parent.parent

PAIR = {
    "name": "pair-1e4h-one-crew",
    "horizon": "10y",
    "repair_crews": 1,
    "components": {u: {"failures": [{"kind": "permanent", "every": "exp(mean=10000h)",
                                     "repair": "exp(mean=10h)"}]} for u in ("a", "b")},
    "services": {"pair": {"replicas": ["a", "b"]}},
}


def time_average_re(model: relsim.Model, simulated_seconds: float) -> float:
    """Relative error of the time-average unavailability after ``simulated_seconds`` (exact)."""
    chain, _ = build_chains(model)
    q = chain.generator.toarray()
    exact = solve(model)
    pi = exact._main.pi
    f = (~chain.up).astype(float)
    ft = f - pi @ f
    # Q g = -f~ with pi g = 0 (g is defined up to a constant; pi g = 0 fixes it)
    a = np.vstack([q, pi])
    g = np.linalg.lstsq(a, np.r_[-ft, 0.0], rcond=None)[0]
    sigma2 = 2.0 * float(pi @ (ft * g))
    return math.sqrt(sigma2 / simulated_seconds) / exact.unavailability


def simulator(model: relsim.Model, seconds: float, seed: int) -> dict:
    """relsim.run for about ``seconds``: batches of 40 replications of one horizon, pooled."""
    t = time.perf_counter()
    relsim.run(model, runs=40, seed=seed, horizon="100y")
    per_year = (time.perf_counter() - t) / 4000  # wall seconds per simulated year
    runs, years = 40, max(10.0, seconds / per_year / 40 / 5)  # about five batches
    down: list[float] = []
    outages = 0
    start = time.perf_counter()
    batch = 0
    while time.perf_counter() - start < seconds:
        res = relsim.run(model, runs=runs, seed=seed + 1 + batch, horizon=years * YEAR)
        down.extend(1.0 - res.runs["availability"].to_numpy())
        outages += int(res.runs["outages"].sum())
        batch += 1
    wall = time.perf_counter() - start
    x = np.asarray(down)
    mean, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))
    total = len(x) * years
    return {"wall": wall, "work": f"{total:,.0f} y simulated", "mean": mean,
            "re": se / mean if mean > 0 else math.inf, "outages": outages,
            "re_exact": time_average_re(model, total * YEAR)}


def regenerative(model: relsim.Model, seconds: float, seed: int, bias: float | None) -> dict:
    est = rare_unavailability(model, seconds=seconds, seed=seed, bias=bias)
    out = {"wall": est.seconds, "work": f"{est.cycles:,} cycles", "mean": est.mean,
           "re": est.relative_error, "outages": None, "re_exact": None}
    if bias is None:
        out["re_exact"] = plain_relative_error(model, est.cycles)
    return out


def show(x: float) -> str:
    return "no outage seen" if math.isinf(x) else f"{x:.3g}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="wall-time budget per method (default 10)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    models = [relsim.load(ROOT / "models" / "rare-event-cluster.yaml"), relsim.load(PAIR)]
    print(f"budget {args.seconds:g} s of wall time per method; RE = se / estimate\n")
    figures = []
    for model in models:
        exact = solve(model)
        print(f"{model.name}: exact unavailability {exact.unavailability:.4g} "
              f"({exact.outages_per_year:.3g} outages per year), chain of {exact.n_states} states")
        rows = {
            "relsim.run (plain MC)": simulator(model, args.seconds, args.seed),
            "plain regenerative": regenerative(model, args.seconds, args.seed, None),
            "failure biasing": regenerative(model, args.seconds, args.seed, 0.7),
        }
        is_re = rows["failure biasing"]["re"]
        print(f"  {'method':24s} {'wall s':>7s} {'work':>26s} {'estimate':>11s} {'RE':>15s} "
              f"{'RE (exact)':>11s} {'RE / RE(biasing)':>17s}")
        for name, r in rows.items():
            # The exact RE of the work done: with few outages the measured
            # one is itself too noisy to divide by (with none, undefined).
            ratio = (r["re_exact"] or r["re"]) / is_re
            extra = f" [{r['outages']} outages]" if r["outages"] is not None else ""
            print(f"  {name:24s} {r['wall']:7.2f} {r['work'] + extra:>26s} {r['mean']:11.4g} "
                  f"{show(r['re']):>15s} {show(r['re_exact']) if r['re_exact'] else '-':>11s} {ratio:17.3g}")
            if name != "failure biasing":
                figures.append((model.name, name, ratio, r["re"], r["re_exact"]))
        est = rows["failure biasing"]
        z = (est["mean"] - exact.unavailability) / (est["re"] * est["mean"])
        print(f"  failure biasing vs exact: |z| = {abs(z):.2f}\n")
    print("relative-error reduction at equal time, RE(plain) / RE(failure biasing),"
          " with the plain method's exact RE for the work it did (measured RE in brackets):")
    for name, method, ratio, measured, exact_re in figures:
        print(f"  {name}: {method}: {ratio:,.0f}x (RE {exact_re:.3g} [{show(measured)}])")


if __name__ == "__main__":
    main()
