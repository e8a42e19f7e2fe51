"""Independent Markov-chain oracles for the richer models (docs/model-format.md §14).

relsim's exact solver (:mod:`relsim.analytic`) builds its chains from the
same model layer as the simulator, so a semantic error common to both would
go unseen when one is checked against the other. Here each chain is written
out by hand, state by state, from the semantics in docs/model-format.md
(numpy and scipy only: no relsim model layer, no relsim solver), and both the
solver and the simulator are checked against it:

* the solver's steady-state metrics and its expectations from new over a
  finite horizon agree with the hand-built chain to 1e-9 (relative);
* the simulator's means agree with the hand-built chain's expectations from
  new within 4 standard errors (a two-sided normal bound; with 4 metrics per
  model the chance that a correct simulator fails is about 2.5e-4 per test).

The four chains: a failure domain holding two components (the domain hides
them without stopping their clocks); three unlike components sharing one
FIFO repair crew (the queue order is part of the state); a latent fault
(``detect``) that holds its element down before the repair is requested,
with a shared crew; an intermittent failure whose episode pauses the
element's other clock, in series with a transient one. Rates are per hour.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pytest
from scipy.linalg import expm

import relsim
from relsim.analytic import solve
from relsim.units import HOUR, YEAR

YEAR_H = YEAR / HOUR


@dataclass
class HandChain:
    """A CTMC given state by state; ``failure`` marks transitions that are element failures."""

    states: list[Hashable]
    up: Callable[[Hashable], bool]
    rates: dict[tuple[int, int], float] = field(default_factory=dict)
    failures: dict[tuple[int, int], float] = field(default_factory=dict)

    def add(self, src: Hashable, dst: Hashable, rate: float, failure: bool = False) -> None:
        key = (self.states.index(src), self.states.index(dst))
        self.rates[key] = self.rates.get(key, 0.0) + rate
        if failure:
            self.failures[key] = self.failures.get(key, 0.0) + rate

    def matrices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(self.states)
        q, f = np.zeros((n, n)), np.zeros((n, n))
        for (i, j), r in self.rates.items():
            q[i, j] += r
        for (i, j), r in self.failures.items():
            f[i, j] += r
        np.fill_diagonal(q, -q.sum(axis=1))
        up = np.array([self.up(s) for s in self.states], dtype=float)
        return q, f, up

    def rewards(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per state: down indicator, rate of outage starts, rate of element failures (per hour)."""
        q, f, up = self.matrices()
        off = q - np.diag(np.diag(q))
        return 1 - up, up * (off @ (1 - up)), f.sum(axis=1)

    def steady(self) -> dict[str, float]:
        """Steady-state metrics: πQ = 0, Σπ = 1."""
        q, _, _ = self.matrices()
        n = len(self.states)
        a = np.vstack([q.T, np.ones(n)])
        b = np.zeros(n + 1)
        b[-1] = 1.0
        pi = np.linalg.lstsq(a, b, rcond=None)[0]
        assert np.allclose(pi @ q, 0, atol=1e-14) and pi.min() > -1e-15
        down, outage, failing = self.rewards()
        u, rate = float(pi @ down), float(pi @ outage)
        return {"availability": 1 - u, "outages_per_year": rate * YEAR_H,
                "failures_per_year": float(pi @ failing) * YEAR_H, "mean_outage": u / rate * HOUR,
                "downtime_per_year": u * YEAR}

    def from_new(self, horizon_h: float) -> dict[str, float]:
        """Expectations over [0, T] from the first state (all up): ∫ p(t) dt by Van Loan's block exponential."""
        q, _, _ = self.matrices()
        n = len(self.states)
        block = np.zeros((2 * n, 2 * n))
        block[:n, :n], block[:n, n:] = q, np.eye(n)
        occupancy = expm(block * horizon_h)[0, n:]  # ∫0^T P(X_t = j | X_0 = first) dt, hours
        down, outage, failing = self.rewards()
        d, o = float(occupancy @ down), float(occupancy @ outage)
        return {"availability": 1 - d / horizon_h, "outages_per_year": o / horizon_h * YEAR_H,
                "failures_per_year": float(occupancy @ failing) / horizon_h * YEAR_H,
                "mean_outage": d / o * HOUR}


def exp_(mean_h: float) -> str:
    return f"exp(mean={mean_h}h)"


def perm(every: float, repair: float, detect: float | None = None) -> dict:
    spec = {"kind": "permanent", "every": exp_(every), "repair": exp_(repair)}
    if detect is not None:
        spec["detect"] = exp_(detect)
    return spec


# --------------------------------------------------------------------------
# The four models and their chains, written out by hand


def domain_model() -> tuple[dict, HandChain]:
    """Zone z (permanent) holding a and b (permanent); unlimited crews; the service needs a or b.

    A zone failure hides a and b but does not stop their clocks or their
    repairs, so the three elements flip independently: 8 states (z, a, b),
    1 = up. The service is up when z is up and a or b is.
    """
    z_f, z_r, c_f, c_r = 2000.0, 20.0, 300.0, 10.0
    spec = {"domains": {"z": {"failures": [perm(z_f, z_r)]}},
            "components": {"a": {"in": "z", "failures": [perm(c_f, c_r)]},
                           "b": {"in": "z", "failures": [perm(c_f, c_r)]}},
            "services": {"s": {"replicas": ["a", "b"], "needs": 1}}}
    states = sorted(itertools.product((1, 0), repeat=3), reverse=True)  # (1, 1, 1) first
    chain = HandChain(states, up=lambda s: bool(s[0] and (s[1] or s[2])))
    rates = [(1 / z_f, 1 / z_r), (1 / c_f, 1 / c_r), (1 / c_f, 1 / c_r)]
    for s in states:
        for k, (fail, repair) in enumerate(rates):
            t = tuple(1 - v if i == k else v for i, v in enumerate(s))
            if s[k]:
                chain.add(s, t, fail, failure=True)
            else:
                chain.add(s, t, repair)
    return spec, chain


def crew_model() -> tuple[dict, HandChain]:
    """Three unlike components, one repair crew, FIFO; the service needs 2 of 3.

    The state is the queue of failed components in order of failure, the
    head in repair: 1 + 3 + 6 + 6 = 16 states. An up component x fails at
    λx and joins the back; the head is repaired at μ(head). Served
    last-in-first-out the rates out of the two- and three-deep states would
    differ, because the components' repair rates differ.
    """
    fail = {"a": 400.0, "b": 600.0, "c": 800.0}
    repair = {"a": 10.0, "b": 20.0, "c": 5.0}
    spec = {"repair_crews": 1,
            "components": {x: {"failures": [perm(fail[x], repair[x])]} for x in fail},
            "services": {"s": {"replicas": list(fail), "needs": 2}}}
    states: list[tuple[str, ...]] = [()]
    for k in (1, 2, 3):
        states += list(itertools.permutations("abc", k))
    chain = HandChain(states, up=lambda q: len(q) <= 1)
    for q in states:
        for x in "abc":
            if x not in q:
                chain.add(q, (*q, x), 1 / fail[x], failure=True)
        if q:
            chain.add(q, q[1:], 1 / repair[q[0]])
    return spec, chain


def latent_model() -> tuple[dict, HandChain]:
    """a has a latent fault (detect), b does not; one crew; the service needs a or b.

    a is U (up), L (failed, not yet detected: down, no repair requested) or
    R (queued or in repair); b is U or R. With both waiting the crew order
    matters: 7 states, ``(a, b)`` plus the head of the queue when both are R.
    """
    a_f, a_d, a_r, b_f, b_r = 500.0, 2.0, 10.0, 700.0, 5.0
    spec = {"repair_crews": 1,
            "components": {"a": {"failures": [perm(a_f, a_r, detect=a_d)]},
                           "b": {"failures": [perm(b_f, b_r)]}},
            "services": {"s": {"replicas": ["a", "b"], "needs": 1}}}
    uu, lu, ru, ur, lr, rr_a, rr_b = ("U", "U"), ("L", "U"), ("R", "U"), ("U", "R"), ("L", "R"), \
        ("R", "R", "a"), ("R", "R", "b")
    chain = HandChain([uu, lu, ru, ur, lr, rr_a, rr_b], up=lambda s: s[0] == "U" or s[1] == "U")
    la, da, ma, lb, mb = 1 / a_f, 1 / a_d, 1 / a_r, 1 / b_f, 1 / b_r
    chain.add(uu, lu, la, failure=True)
    chain.add(uu, ur, lb, failure=True)
    chain.add(lu, ru, da)                 # detected: a requests the free crew
    chain.add(lu, lr, lb, failure=True)
    chain.add(ru, uu, ma)
    chain.add(ru, rr_a, lb, failure=True)  # b waits behind a
    chain.add(ur, uu, mb)
    chain.add(ur, lr, la, failure=True)
    chain.add(lr, rr_b, da)               # a detected while b holds the crew: a waits
    chain.add(lr, lu, mb)
    chain.add(rr_a, ur, ma)               # the crew moves on to b
    chain.add(rr_b, ru, mb)               # the crew moves on to a
    return spec, chain


def intermittent_model() -> tuple[dict, HandChain]:
    """a: intermittent episodes and a permanent failure; b: transient; the service needs both.

    a is N (normal: both clocks run), D / P (an episode's down / up spell:
    the permanent clock is paused through the whole episode), or R (in
    repair: the episode clock is paused). An episode starts down; each down
    spell is a failure; the episode ends at rate 1/lasts from either spell,
    with a up. b is U or T (transient). 8 states; the service is up when a
    is N or P and b is U.
    """
    every, lasts, down, up, p_f, p_r, t_f, t_l = 100.0, 5.0, 1 / 6, 0.5, 1000.0, 8.0, 200.0, 1.0
    spec = {"components": {
        "a": {"failures": [{"kind": "intermittent", "every": exp_(every), "lasts": exp_(lasts),
                            "down": exp_(down), "up": exp_(up)}, perm(p_f, p_r)]},
        "b": {"failures": [{"kind": "transient", "every": exp_(t_f), "lasts": exp_(t_l)}]}},
        "services": {"s": {"replicas": ["a", "b"], "needs": 2}}}
    states = [(x, y) for x in "NDPR" for y in "UT"]
    chain = HandChain(states, up=lambda s: s[0] in "NP" and s[1] == "U")
    for x, y in states:
        def to(nx: str, ny: str = y) -> tuple[str, str]:
            return (nx, ny)
        if x == "N":
            chain.add((x, y), to("D"), 1 / every, failure=True)
            chain.add((x, y), to("R"), 1 / p_f, failure=True)
        elif x == "D":
            chain.add((x, y), to("P"), 1 / down)
            chain.add((x, y), to("N"), 1 / lasts)
        elif x == "P":
            chain.add((x, y), to("D"), 1 / up, failure=True)
            chain.add((x, y), to("N"), 1 / lasts)
        else:
            chain.add((x, y), to("N"), 1 / p_r)
        if y == "U":
            chain.add((x, y), (x, "T"), 1 / t_f, failure=True)
        else:
            chain.add((x, y), (x, "U"), 1 / t_l)
    return spec, chain


MODELS = {"domain": domain_model, "shared-crew": crew_model, "latent-fault": latent_model,
          "intermittent": intermittent_model}
CHECKED = ("availability", "outages_per_year", "failures_per_year", "mean_outage")


def load(name: str, horizon: str = "1y") -> tuple[relsim.Model, HandChain]:
    spec, chain = MODELS[name]()
    return relsim.load({"name": name, "horizon": horizon, **spec}), chain


def close(values: Iterable[tuple[str, float, float]], rel: float) -> None:
    for metric, got, want in values:
        assert got == pytest.approx(want, rel=rel), metric


@pytest.mark.parametrize("name", list(MODELS))
def test_solver_matches_the_hand_built_chain(name: str) -> None:
    model, chain = load(name)
    exact = solve(model, lump=False)
    oracle = chain.steady()
    close(((m, getattr(exact, m), oracle[m]) for m in (*CHECKED, "downtime_per_year")), rel=1e-9)
    assert exact.unavailability == pytest.approx(1 - oracle["availability"], rel=1e-9)
    # ... and from new over a finite horizon (what a replication estimates)
    got, want = exact.from_new(100 * HOUR), chain.from_new(100.0)
    close(((m, got[m], want[m]) for m in CHECKED), rel=1e-9)


@pytest.mark.parametrize("name", list(MODELS))
def test_lumped_solver_matches_the_hand_built_chain(name: str) -> None:
    _, chain = load(name)
    exact = solve(load(name)[0])
    close(((m, getattr(exact, m), chain.steady()[m]) for m in CHECKED), rel=1e-9)


def test_the_crew_queue_order_matters_in_the_oracle() -> None:
    # The crew chain served last-in-first-out gives another availability,
    # so the agreement above would catch a LIFO crew in the solver.
    spec, fifo = crew_model()
    lifo = HandChain(fifo.states, fifo.up)
    fail = {"a": 400.0, "b": 600.0, "c": 800.0}
    repair = {"a": 10.0, "b": 20.0, "c": 5.0}
    for q in fifo.states:
        for x in "abc":
            if x not in q:
                # newest first: the newcomer waits at the front, behind the one in repair
                lifo.add(q, (q[0], x, *q[1:]) if q else (x,), 1 / fail[x], failure=True)
        if q:
            lifo.add(q, q[1:], 1 / repair[q[0]])
    u_lifo, u_fifo = (1 - c.steady()["availability"] for c in (lifo, fifo))
    assert abs(u_lifo / u_fifo - 1) > 1e-5  # four orders of magnitude above the 1e-9 tolerance


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MODELS))
def test_simulator_matches_the_hand_built_chain(name: str) -> None:
    model, chain = load(name, "1y")
    want = chain.from_new(YEAR_H)
    table = relsim.run(model, runs=50, seed=41).summary()
    for metric in CHECKED:
        row = table.loc[metric]
        assert row["established"], metric
        assert abs(row["mean"] - want[metric]) < 4 * row["se"], (metric, row["mean"], want[metric], row["se"])
