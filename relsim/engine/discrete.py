"""Discrete mode: every request is a process (short horizons, teaching).

With ``workload.mode: discrete`` the requests of a replication are
simulated one by one instead of integrated (:mod:`relsim.engine.traffic`
still tracks the request path's state for outages and availability):

* requests arrive as a Poisson process of rate λ(t) (thinning under a
  daily profile);
* each comes from a client population drawn by share and holds the DNS
  answer of a client drawn uniformly from that population — the share of
  clients holding each answer is exactly the fluid cache share c_x(t), as
  cache phases are spread uniformly; a client without an answer (the
  provider down without ``serve_stale``) fails at once;
* each attempt through a load balancer goes to a backend drawn by the
  shares of the backends in rotation *at that moment* and succeeds if that
  backend serves it (up, within its ``1/needs`` share, dependencies up); a
  service target serves an attempt with its share ``s``;
* a failed attempt costs ``clients.timeout``; the retry is sent after that
  and the backoff (drawn with the chosen jitter), so it sees the state of
  that later moment — the one thing the fluid mode approximates;
* the latency of a served request is its timeouts, backoffs and one
  ``latency`` draw, and the percentiles are those of the served requests.

Requests still retrying at the horizon are left out. Capacities, rate
limits and circuit breakers (load feedback) are fluid-only: the model
check rejects them in discrete mode.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from relsim.engine.traffic import Traffic

__all__ = ["DiscreteRequests"]


class DiscreteRequests:
    """The requests of one replication, one SimPy process each."""

    def __init__(self, traffic: Traffic):
        self.traffic = traffic
        self.sim = traffic.sim
        self.spec = traffic.spec
        streams = self.sim.streams
        self.u = streams.uniform("workload/discrete", block=4096)
        self.latency = streams.sampler(self.spec.latency, "workload/discrete/latency")
        self.offered = 0
        self.inflight = 0
        self.served = 0
        self.attempts = 0
        self.by_attempt = [0] * traffic.m
        self.latencies: list[float] = []
        retry = self.spec.clients.retry
        self.retry = retry

    def start(self) -> None:
        self.sim.env.process(self._arrivals())

    def _arrivals(self) -> Generator[Any, None, None]:
        env, u, profile = self.sim.env, self.u, self.traffic.profile
        peak = profile.peak()
        horizon = self.sim.horizon
        while True:
            gap = -math.log(1.0 - u()) / peak
            if env.now + gap >= horizon:
                return
            yield env.timeout(gap)
            if not profile.flat and u() * peak >= profile.at(env.now):
                continue
            env.process(self._request())

    def _leaf(self) -> Any:
        """The record (or target) the requesting client holds; None: no answer."""
        traffic = self.traffic
        target = traffic.target
        mix = getattr(target, "mix", None)
        if mix is None:
            return target
        pops = traffic.populations
        u = self.u()
        pop = pops[-1][0]
        for name, share in pops:
            if u < share:
                pop = name
                break
            u -= share
        u = self.u()
        for frac, _, node in mix(pop):
            if u < frac:
                return node
            u -= frac
        return None

    def _attempt(self, leaf: Any) -> bool:
        backends = getattr(leaf, "backends", None)
        if backends is None:
            return self.u() < float(leaf.s)
        if leaf.element.s < 1.0:
            return False
        rot = leaf._rotation()
        weights = [leaf.weights[i] for i in rot]
        total = sum(weights)
        if total <= 0.0:
            return False
        x = self.u() * total
        k = len(rot) - 1
        for j, wj in enumerate(weights):
            if x < wj:
                k = j
                break
            x -= wj
        share = weights[k] / total
        s = float(backends[rot[k]].s)
        # the backend serves min(share · s, 1/needs) of the load: this attempt with that ratio
        ok = min(share * s, leaf.cap) / share
        return self.u() < ok * leaf.service.dep_factor

    def _request(self) -> Generator[Any, None, None]:
        self.offered += 1
        self.inflight += 1
        yield from self._attempts()
        self.inflight -= 1

    def _attempts(self) -> Generator[Any, None, None]:
        leaf = self._leaf()
        if leaf is None:
            return
        clients, u = self.spec.clients, self.u
        m = self.traffic.m
        waited = 0.0
        prev = self.retry.base if self.retry is not None else 0.0
        for k in range(m):
            self.attempts += 1
            if self._attempt(leaf):
                self.served += 1
                self.by_attempt[k] += 1
                self.latencies.append(waited + self.latency())
                return
            if k == m - 1:
                return
            retry = self.retry
            b = min(retry.cap, retry.base * 2.0 ** k)
            if retry.jitter == "none":
                wait = b
            elif retry.jitter == "full":
                wait = u() * b
            elif retry.jitter == "equal":
                wait = b / 2.0 + u() * b / 2.0
            else:
                hi = max(retry.base, 3.0 * prev)
                wait = min(retry.cap, retry.base + u() * (hi - retry.base))
                prev = wait
            waited += clients.timeout + wait
            yield self.sim.env.timeout(clients.timeout + wait)

    def finish(self, result: Any) -> None:
        """Replace the fluid request tallies in ``result`` with the counted ones."""
        offered = self.offered - self.inflight  # still retrying at the horizon: left out
        failed = offered - self.served
        req = result.requests
        req.update({
            "offered": float(offered),
            "served": float(self.served),
            "failed": float(failed),
            "writes_failed": failed * self.spec.writes,
            "attempts": float(self.attempts),
            "by_attempt": [float(x) for x in self.by_attempt],
            "duplicates": 0.0,  # no capacity in discrete mode: no attempt is processed late
        })
        for key in ("latency_p50", "latency_p95", "latency_p99"):
            req.pop(key, None)
        if self.latencies:
            p50, p95, p99 = np.percentile(self.latencies, [50, 95, 99])
            req.update({"latency_p50": float(p50), "latency_p95": float(p95), "latency_p99": float(p99)})
