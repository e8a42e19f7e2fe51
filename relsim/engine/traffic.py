"""The request path of one replication, integrated exactly between events (fluid mode).

Clients offer requests at rate λ(t) (:class:`~relsim.engine.workload.RateProfile`)
to the workload's *target*: a service, a load balancer
(:mod:`relsim.engine.loadbalancer`) or a DNS name (:mod:`relsim.engine.dns`).
Each node on the path exposes ``s``, the share of attempts sent to it that
succeed (piecewise constant: it changes only at events), and pushes changes
to its ``listeners``. A DNS name also tells, per client population, which
share of clients hold which cached answer; that share moves linearly while
caches drain, so the request success ratio r(t) is piecewise linear and

* requests offered  ``∫ λ(t) dt``,
* requests served   ``∫ λ(t) r(t) dt``

are integrated in closed form from one event to the next. A year of traffic
at any rate costs what its events cost (DESIGN §7).

For the outage bookkeeping of :class:`~relsim.engine.simulation.Simulation`
this object stands in for the entry service: it has ``s`` and ``listeners``,
and it is *up* (``s == 1``) exactly when every request succeeds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from relsim.engine.workload import RateProfile

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["Traffic", "build_traffic"]

#: Below this distance from 0 or 1 a success share is exactly 0 or 1 (float noise
#: from adding and removing linear terms must not create or hide outages).
SNAP = 1e-12


def snap(x: float) -> float:
    if abs(x) < SNAP:
        return 0.0
    if abs(1.0 - x) < SNAP:
        return 1.0
    return x


class Traffic:
    """Offered and served requests of one replication (fluid mode).

    Parameters
    ----------
    sim : Simulation
    spec : relsim.model.traffic.Workload
    target : node
        Where clients send requests (a service, load balancer or DNS name node).
    """

    def __init__(self, sim: Simulation, spec: Any, target: Any):
        self.sim = sim
        self.spec = spec
        self.name = "workload"
        self.target = target
        self.profile = RateProfile(spec.rate, spec.profile)
        pops = spec.populations or {}
        total = sum(p.share for p in pops.values())
        self.populations: list[tuple[str, float]] = (
            [(name, p.share / total) for name, p in pops.items()] if pops else [("clients", 1.0)]
        )
        self.listeners: list[Callable[[Any, float, float], None]] = []
        self.s = 1.0
        self.place: frozenset[str] = frozenset()
        # state of the current piece: r(t) = r0 + slope (t - t0)
        self.t0 = 0.0
        self.r0 = 1.0
        self.slope = 0.0
        # tallies
        self.offered = 0.0
        self.served = 0.0
        self.success_time = 0.0  # ∫ r dt
        self.degraded = 0.0  # time with 0 < r < 1
        self.pieces: list[Any] | None = None  # golden-signal recorder hook
        self.nodes: list[Any] = []  # load balancers and DNS names, started before evaluating
        target.listeners.append(self.changed)

    # -- evaluation ------------------------------------------------------
    def start(self) -> None:
        """Evaluate the path once every node has started (the simulation reads ``s``)."""
        for node in self.nodes:
            node.start()
        self.r0, self.slope = self.evaluate()
        self.s = self._shown()

    def attempt_success(self, node: Any) -> float:
        """Share of requests succeeding when every attempt goes to ``node``."""
        return float(node.s)

    def evaluate(self) -> tuple[float, float]:
        """(r, dr/dt) now, from the target's state."""
        r0 = slope = 0.0
        target = self.target
        mix = getattr(target, "mix", None)
        for pop, share in self.populations:
            if mix is None:
                r0 += share * self.attempt_success(target)
                continue
            for frac, dfrac, node in mix(pop):
                q = self.attempt_success(node)
                r0 += share * frac * q
                slope += share * dfrac * q
        return snap(r0), slope

    def changed(self, *_args: Any) -> None:
        """Something on the path changed: close the current piece, start a new one."""
        now = self.sim.env.now
        self._integrate(now)
        self.r0, self.slope = self.evaluate()
        self._publish()

    def _integrate(self, now: float) -> None:
        a = self.t0
        if now > a:
            r0, slope = self.r0, self.slope
            offered = self.profile.integrate(a, now, 1.0, 0.0)
            served = self.profile.integrate(a, now, r0, slope) if r0 or slope else 0.0
            self.offered += offered
            self.served += served
            dt = now - a
            self.success_time += (r0 + slope * dt / 2.0) * dt
            if slope != 0.0 or 0.0 < r0 < 1.0:
                self.degraded += dt
            if self.pieces is not None:
                self.pieces.append((a, now, offered, served, r0, slope))
        self.t0 = now

    def _shown(self) -> float:
        # Up iff every request succeeds now and keeps succeeding: a share
        # that is 1 but falling is already an outage.
        r0, slope = self.r0, self.slope
        return 1.0 if (r0 == 1.0 and slope >= 0.0) else min(r0, math.nextafter(1.0, 0.0))

    def _publish(self) -> None:
        s = self._shown()
        if s == self.s:
            return
        old, self.s = self.s, s
        for listener in self.listeners:
            listener(self, old, s)

    # -- end of the replication ---------------------------------------------
    def finish(self, result: Any) -> None:
        """Close the last piece and store the tallies in ``result``."""
        self._integrate(self.sim.horizon)
        writes = self.spec.writes
        failed = max(0.0, self.offered - self.served)
        result.served_integral = self.success_time
        result.degraded_time = self.degraded
        result.requests = {
            "offered": self.offered,
            "served": self.served,
            "failed": failed,
            "writes_failed": failed * writes,
        }


def build_traffic(sim: Simulation) -> Traffic:
    """The request path of ``sim.model`` (which has a ``workload``)."""
    from relsim.engine.loadbalancer import LoadBalancerNode

    model = sim.model.spec
    nodes: dict[str, Any] = {}
    for name, lb in model.load_balancers.items():
        nodes[name] = LoadBalancerNode(name, lb, sim, sim.service_nodes[lb.service])
    spec = model.workload
    if model.dns is not None:
        from relsim.engine.dns import DnsName, DnsProvider

        provider = DnsProvider(model.dns.provider, sim)
        pops = [(p, body.near) for p, body in spec.populations.items()] or [("clients", None)]
        for name, body in model.dns.names.items():
            records = [nodes.get(r) or sim.service_nodes[r] for r in body.records]
            nodes[name] = DnsName(name, body, sim, provider, records, pops)
    name = spec.target or sim.model.entry
    target = nodes.get(name) or sim.service_nodes[name]
    traffic = Traffic(sim, spec, target)
    traffic.nodes = list(nodes.values())
    return traffic
