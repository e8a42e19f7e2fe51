"""Consistency levels of the model's ``operations``: failed and stale requests, integrated exactly.

Each operation (:mod:`relsim.model.consistency`) offers ``share · λ(t)``
requests to a replicated store, ``service`` with ``n`` replicas. Between
events the replicas serving (``k`` of them) and whether the leader serves
are constant, so each operation's success and staleness ratios per request
are constant too, and relsim integrates

* served  ``= ∫ share · λ(t) · ok(k, leader) dt``,
* stale   ``= ∫ share · λ(t) · miss(k) · p_w dt`` (reads),

in closed form from one event to the next (the rate is piecewise constant
by the hour), as the request path does (docs/traffic.md §1). Nothing is
simulated per request.

``ok``: ``one`` needs k ≥ 1, ``quorum`` k ≥ ⌊n/2⌋ + 1, ``all`` k = n,
``leader`` the leader; ``bounded-staleness`` the leader, or else a replica
whose lag is within the bound (probability ``P(L ≤ b)``); all times the
share served by the service's dependencies.

Staleness. Writes to the service are acknowledged by ``W`` replicas (the
weakest write operation's level on it: 1 for ``one`` and ``leader``, the
quorum, or n; 1 without write operations); the others apply each write one
lag ``L`` (the service's ``data.lag``, drawn per read) after it. A read at
level R asks R of the k serving replicas at random and returns the newest
version: it can be stale only if none of them acknowledged the key's last
write, with probability ``miss = C(k − W, R) / C(k, R)`` (0 when
``R + W > k``: quorum intersection), and only if the key was written
within the lag. Keys are written as Poisson processes of rate
``ω = data.writes / data.keys`` each, so

    p_w = E[1 − e^{−ωL}] = ∫₀^∞ ω e^{−ωx} S_L(x) dx

(``ωℓ / (1 + ωℓ)`` for an exponential lag of mean ℓ). A stale read's
*staleness* — the age of the newest write it missed — is ``L − E`` with
``E`` the time from ``t − L`` to the first missed write; its percentiles
are drawn per replication from that exact mixture (4000 draws, the
stream ``operations/staleness``), weighted by each operation's stale
reads. ``leader`` reads are never stale; ``bounded-staleness`` reads ask
one replica at random and are stale only from a lagging one whose lag is
within the bound.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from relsim.dists import Distribution, Exponential, Fixed
from relsim.engine.workload import RateProfile
from relsim.model.consistency import required_replicas

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["Operations", "build_operations", "p_written_within_lag", "staleness_sample"]


def p_written_within_lag(lag: Distribution, omega: float, bound: float | None = None) -> float:
    """``E[(1 − e^{−ωL}) · 1{L ≤ bound}]``: the chance a lagging replica misses a key's last write.

    Closed forms for exponential and fixed lags without a bound; otherwise
    ``∫₀^b ω e^{−ωx} (S(x) − S(b)) dx`` by quadrature (b = ∞ without a bound).
    """
    if omega <= 0.0:
        return 0.0
    if bound is None and isinstance(lag, Exponential):
        x = omega * lag.mean
        return x / (1.0 + x)
    if isinstance(lag, Fixed):
        c = float(lag.value)
        return -math.expm1(-omega * c) if bound is None or c <= bound else 0.0
    from scipy import integrate

    tail = 0.0 if bound is None else float(lag.sf(bound))
    top = math.inf if bound is None else bound
    value, _err = integrate.quad(lambda x: omega * math.exp(-omega * x) * (float(lag.sf(x)) - tail),
                                 0.0, top, limit=200)
    return float(value)


def staleness_sample(rng: Any, lag: Distribution, omega: float, bound: float | None, n: int) -> Any:
    """``n`` draws of the staleness of a stale read (seconds), or None if no read can be stale.

    The lag of a stale read is size-biased by ``1 − e^{−ωL}`` (resampled from
    ``4n`` lag draws), the first missed write comes ``E`` after ``t − L``
    with ``E`` exponential(ω) truncated to ``[0, L]`` (inverse transform),
    and the staleness is ``L − E``.
    """
    import numpy as np

    if omega <= 0.0:
        return None
    lags = np.asarray(lag.sample(rng, 4 * n), dtype=float)
    if bound is not None:
        lags = lags[lags <= bound]
    weights = -np.expm1(-omega * lags)
    total = weights.sum()
    if lags.size == 0 or total <= 0.0:
        return None
    chosen = lags[rng.choice(lags.size, size=n, p=weights / total)]
    u = rng.random(n)
    first = -np.log1p(-u * -np.expm1(-omega * chosen)) / omega
    return chosen - first


class _Store:
    """A service read and written by operations: its replicas, leader, write level and lag."""

    def __init__(self, svc: Any, write_acks: int):
        self.svc = svc
        self.n = len(svc.replicas)
        self.k = self.n  # replicas serving, kept by replica_changed (every node starts up)
        self.w = write_acks
        data = svc.spec.data
        self.lag: Distribution = data.lag if data is not None else Fixed(0.0)
        self.omega = data.writes / data.keys if data is not None else 0.0

    def required(self, level: str) -> int:
        return required_replicas(level, self.n)

    def coordinator(self) -> Any:
        """Where a request is handled: the leader if it serves, else the first replica serving."""
        svc = self.svc
        leader = getattr(svc, "primary", None) if svc.single_primary else svc.replicas[0]
        if leader is not None and leader.s > 0.0:
            return leader
        return next((r for r in svc.replicas if r.s > 0.0), None)

    def replica_changed(self, _node: Any, old: float, new: float) -> None:
        """Count the replicas serving in O(1) per change."""
        if (old > 0.0) != (new > 0.0):
            self.k += 1 if new > 0.0 else -1

    def serving(self) -> tuple[int, bool]:
        """(replicas serving, whether the leader serves)."""
        svc = self.svc
        leader = svc.base > 0.0 if svc.single_primary else svc.replicas[0].s > 0.0
        return self.k, leader


class _Op:
    __slots__ = ("name", "spec", "store", "read", "p_w", "p_within", "offered", "served", "stale", "reads",
                 "ok", "stale_rate", "latency", "latency_sum")

    def __init__(self, name: str, spec: Any, store: _Store):
        self.name = name
        self.spec = spec
        self.store = store
        self.read = spec.type == "read"
        bound = spec.staleness if spec.consistency == "bounded-staleness" else None
        self.p_w = p_written_within_lag(store.lag, store.omega, bound) if self.read else 0.0
        self.p_within = float(store.lag.cdf(bound)) if bound is not None else 1.0
        self.offered = self.served = self.stale = self.reads = 0.0
        self.ok = 1.0
        self.stale_rate = 0.0
        self.latency = 0.0  # seconds per served request, from the placement
        self.latency_sum = 0.0

    def evaluate(self, placement: Any = None) -> None:
        """Success, stale reads and latency per request offered, in the store's current state."""
        store, level = self.store, self.spec.consistency
        k, leader = store.serving()
        if placement is not None:
            coord = store.coordinator()
            if coord is None:
                self.latency = 0.0
            else:
                need = store.required(level)  # 1 for leader and bounded-staleness
                serving = [r for r in store.svc.replicas if r.s > 0.0]
                self.latency = placement.client_rtt(coord) + placement.kth_fastest(coord, serving, need)
        if level == "leader":
            ok = 1.0 if leader else 0.0
        elif level == "bounded-staleness":
            ok = 1.0 if leader else (self.p_within if k >= 1 else 0.0)
        else:
            ok = 1.0 if k >= store.required(level) else 0.0
        ok *= store.svc.dep_factor
        self.ok = ok
        if not self.read or ok == 0.0 or self.p_w == 0.0 or level == "leader":
            self.stale_rate = 0.0
            return
        w = min(store.w, k)
        if level == "bounded-staleness":
            lagging = (k - (1 if leader else 0)) / k if k else 0.0
            # reads answered by a lagging replica within the bound (the others go to the leader)
            self.stale_rate = store.svc.dep_factor * lagging * self.p_w
            return
        r = store.required(level)
        miss = math.comb(k - w, r) / math.comb(k, r) if k - w >= r else 0.0
        self.stale_rate = ok * miss * self.p_w


class Operations:
    """Offered, served and stale requests of every operation (see the module docstring)."""

    def __init__(self, sim: Simulation, specs: dict[str, Any]):
        self.sim = sim
        work = sim.model.spec.workload
        self.profile = RateProfile(work.rate, work.profile)
        stores: dict[str, _Store] = {}
        for name in dict.fromkeys(op.service for op in specs.values()):
            svc = sim.service_nodes[name]
            n = len(svc.replicas)
            acks = [required_replicas(op.consistency, n)
                    for op in specs.values() if op.service == name and op.type == "write"]
            stores[name] = _Store(svc, min(acks) if acks else 1)
        self.ops = [_Op(name, spec, stores[spec.service]) for name, spec in specs.items()]
        self.placement = getattr(sim, "placement", None)
        self.last = 0.0
        self.ready = False
        for store in stores.values():
            for node in store.svc.replicas:
                node.subscribe(store.replica_changed)
            for node in {id(x): x for x in (*store.svc.replicas, store.svc)}.values():
                node.subscribe(self.changed)
        sim.after(0.0, self._start)
        sim.at_end.append(self.finish)

    def _start(self, _ev: Any) -> None:
        self.ready = True
        for store in {id(op.store): op.store for op in self.ops}.values():
            store.k = sum(1 for r in store.svc.replicas if r.s > 0.0)  # after anything forced down
        for op in self.ops:
            op.evaluate(self.placement)

    def _integrate(self, now: float) -> None:
        prof = self.profile
        base = prof.cumulative(now) - prof.cumulative(self.last)
        self.last = now
        if base <= 0.0:
            return
        for op in self.ops:
            offered = op.spec.share * base
            op.offered += offered
            op.served += offered * op.ok
            op.latency_sum += offered * op.ok * op.latency
            if op.read:
                op.reads += offered * op.ok
                op.stale += offered * op.stale_rate

    def changed(self, *_args: Any) -> None:
        """A replica or the service changed: close the stretch, re-evaluate every operation."""
        if not self.ready:
            return
        self._integrate(self.sim.env.now)
        for op in self.ops:
            op.evaluate(self.placement)

    def finish(self) -> None:
        """Close the last stretch and store the tallies (and staleness percentiles) in the result."""
        import numpy as np

        self._integrate(self.sim.horizon)
        res = self.sim.result
        app = res.app if res.app is not None else {}
        res.app = app
        app["operations_offered"] = sum(op.offered for op in self.ops)
        app["operations_served"] = sum(op.served for op in self.ops)
        app["reads_served"] = sum(op.reads for op in self.ops)
        app["stale_reads"] = sum(op.stale for op in self.ops)
        if self.placement is not None:
            for kind, read in (("read", True), ("write", False)):
                ops = [op for op in self.ops if op.read == read]
                served = sum(op.served for op in ops)
                if served > 0.0:
                    app[f"{kind}_latency_mean"] = sum(op.latency_sum for op in ops) / served
        for op in self.ops:
            app[f"operation:{op.name}:offered"] = op.offered
            app[f"operation:{op.name}:failed"] = op.offered - op.served
            if op.read:
                app[f"operation:{op.name}:stale"] = op.stale
        total = app["stale_reads"]
        if total <= 0.0:
            return
        rng = self.sim.streams.generator("operations/staleness")
        draws = []
        n = 4000
        for op in self.ops:
            if op.stale <= 0.0:
                continue
            bound = op.spec.staleness if op.spec.consistency == "bounded-staleness" else None
            sample = staleness_sample(rng, op.store.lag, op.store.omega, bound, n)
            if sample is not None:
                draws.append(sample[: max(1, round(n * op.stale / total))])
        if draws:
            p50, p95, p99 = np.percentile(np.concatenate(draws), [50, 95, 99])
            app.update(staleness_p50=float(p50), staleness_p95=float(p95), staleness_p99=float(p99))


def build_operations(sim: Simulation) -> None:
    """The model's ``operations`` (nothing without them)."""
    specs = getattr(sim.model.spec, "operations", None)
    if specs:
        sim.operations = Operations(sim, specs)
