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
at any rate costs what its events cost (docs/traffic.md).

For the outage bookkeeping of :class:`~relsim.engine.simulation.Simulation`
this object stands in for the entry service: it is a
:class:`~relsim.engine.node.Node`, *up* (``s == 1``) exactly when every
request succeeds.

**Observing the pieces.** Whoever needs the time series rather than the
totals (:func:`relsim.golden_signals.golden_signals`) passes ``on_piece`` to
:func:`~relsim.engine.simulation.simulate`: it is called with every
:class:`Piece` as it is integrated, in time order, the last one closed at the
horizon. The pieces tile ``[0, horizon]``; integrating them reproduces the
replication's request tallies exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from relsim.engine.clients import attempts, backoffs, duplicates, solve_attempt_success, success
from relsim.engine.node import Node
from relsim.engine.workload import RateProfile

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["Piece", "PieceObserver", "Traffic", "build_traffic"]

#: Below this distance from 0 or 1 a success share is exactly 0 or 1 (float noise
#: from adding and removing linear terms must not create or hide outages).
SNAP = 1e-12
#: A success share this close to objectives.outage_below is at it (a crossing
#: time computed in floating point lands within this of the threshold).
_AT_THRESHOLD = 1e-9


class Piece(NamedTuple):
    """One stretch between two events over which every tallied rate is linear.

    Per request offered at time ``u`` in ``[start, end)`` the tallied rate
    ``i`` is ``c0[i] + c1[i] · (u − start)`` (indices as in :class:`Traffic`:
    0 success, 1 attempts, 2 duplicate executions, 3 + k success at attempt
    k + 1).
    """

    start: float
    end: float
    c0: tuple[float, ...]
    c1: tuple[float, ...]
    saturation: float  # the largest load / capacity of a balancer with ``capacity``


#: Called with each :class:`Piece` as the request path integrates it.
PieceObserver = Callable[[Piece], None]


def snap(x: float) -> float:
    if abs(x) < SNAP:
        return 0.0
    if abs(1.0 - x) < SNAP:
        return 1.0
    return x


class Traffic(Node):
    """Offered and served requests of one replication (fluid mode).

    Parameters
    ----------
    sim : Simulation
    spec : relsim.model.traffic.Workload
    target : Node
        Where clients send requests (a service, load balancer or DNS name node).
    on_piece : callable, optional
        Called with every integrated :class:`Piece` (see the module docstring).

    Between events every tallied rate is linear in time, ``c0 + c1 (t − t0)``
    per request offered: index 0 the success ratio r(t), 1 the attempts per
    request, 2 the duplicate executions per request (if it were a
    non-idempotent write), 3 + k the share succeeding at attempt k + 1 (for
    latency).
    """

    def __init__(self, sim: Simulation, spec: Any, target: Any, on_piece: PieceObserver | None = None):
        super().__init__("workload")
        self.sim = sim
        self.spec = spec
        self.target = target
        self.profile = RateProfile(spec.rate, spec.profile)
        pops = spec.populations or {}
        total = sum(p.share for p in pops.values())
        self.populations: list[tuple[str, float]] = (
            [(name, p.share / total) for name, p in pops.items()] if pops else [("clients", 1.0)]
        )
        retry = spec.clients.retry
        self.m = retry.attempts if retry is not None else 1
        self.limit = spec.rate_limit.rate if spec.rate_limit is not None else None
        self.place: frozenset[str] = frozenset()
        n = 3 + self.m
        self.t0 = 0.0
        self.c0 = [1.0, 1.0, 0.0] + [1.0] + [0.0] * (self.m - 1)
        self.c1 = [0.0] * n
        self.offered = 0.0
        self.tally = [0.0] * n
        self.success_time = 0.0  # ∫ r dt
        self.degraded = 0.0  # time with 0 < r < 1
        self.saturation = 0.0
        self.on_piece = on_piece
        # Request success below this is an outage, between it and 1 a
        # degradation (objectives.outage_below); a linear piece that crosses
        # it gets an event at the crossing (_watch_threshold).
        self.down_below = sim.model.spec.objectives.outage_below
        self.cross_ev: Any = None
        self.discrete: Any = None  # DiscreteRequests in discrete mode
        #: (share, round trip) per client population, set by relsim.engine.placement with a latency section
        self.client_rtt: list[tuple[float, float]] | None = None
        self.nodes: list[Any] = []  # load balancers and DNS names, started before evaluating
        self.loaded = False  # capacity limits or a rate limit: load feeds back on success
        # circuit breaker (see _breaker_watch): closed, open or (instantly) half-open
        self.breaker = spec.clients.circuit_breaker
        self.b_open = False
        self.b_origin = 0.0  # windows tumble from the last close (0 at first)
        self.b_tick: Any = None
        self.b_snap = (0.0, 0.0)  # cumulative (attempts, failed attempts) at the window start
        self.b_opens = 0
        self.b_open_since = 0.0
        self.b_open_time = 0.0
        if self.breaker is not None:
            self._probe = sim.streams.uniform("workload/breaker")
        target.subscribe(self.changed)

    @property
    def r0(self) -> float:
        return self.c0[0]

    @property
    def slope(self) -> float:
        return self.c1[0]

    # -- evaluation ------------------------------------------------------
    def start(self) -> None:
        """Evaluate the path once every node has started (the simulation reads ``s``)."""
        for node in self.nodes:
            node.start()
        self.loaded = self.limit is not None or any(
            getattr(node, "capacity", None) is not None for node in self.nodes)
        if self.loaded and not self.profile.flat:
            self.sim.after(3600.0, self._hour)
        self.c0, self.c1 = self.evaluate()
        self._breaker_watch(0.0)
        # More requests from time 0 than the path serves: a change at time 0
        # that every listener hears (the simulation opens its outage, incident
        # response its incident, alert signals read it), caused by load at
        # the busiest load balancer, as an hourly step is (docs/model-format.md §14.6).
        sim = self.sim
        sim.begin_named_cause(self._busiest(), "load")
        self._publish(self._shown())
        sim.end_cause()
        self._watch_threshold()
        if self.spec.mode == "discrete":
            from relsim.engine.discrete import DiscreteRequests

            self.discrete = DiscreteRequests(self)
            self.discrete.start()

    def _hour(self, _ev: Any) -> None:
        # with load-dependent success the rate's hourly steps are events too
        sim = self.sim
        sim.after(3600.0, self._hour)
        now = sim.env.now
        self._integrate(now)
        self.c0, self.c1 = self.evaluate()
        # No failure is being applied: an outage the new rate opens is caused
        # by load, at the most utilised load balancer (or the workload's own
        # rate limit) — docs/model-format.md §14.6.
        sim.begin_named_cause(self._busiest(), "load")
        self._breaker_watch(now)
        self._show()
        sim.end_cause()

    def _busiest(self) -> str:
        """The load balancer with the highest utilisation, else the request path itself."""
        best, name = 0.0, self.name
        for node in self.nodes:
            u = getattr(node, "utilisation", 0.0)
            if u > best:
                best, name = u, node.name
        return name

    def _routes(self) -> list[tuple[float, float, Any]]:
        """(share of requests now, its slope, leaf node) over populations and caches."""
        target = self.target
        mix = getattr(target, "mix", None)
        if mix is None:
            return [(1.0, 0.0, target)]
        out = []
        for pop, share in self.populations:
            for frac, dfrac, node in mix(pop):
                out.append((share * frac, share * dfrac, node))
        return out

    def _attempt_success(self, routes: list[tuple[float, float, Any]]
                         ) -> tuple[dict[int, float], dict[int, float]]:
        """Per-attempt success of each leaf node (with load feedback when ``loaded``), and
        the share of attempts processed by a backend that nevertheless time out."""
        leaves = {id(node): node for _, _, node in routes}
        if not self.loaded:
            p = {k: float(node.s) for k, node in leaves.items()}
            return p, self._processed(leaves, p, dict.fromkeys(leaves, 0.0), 1.0)
        lam = self.profile.at(self.sim.env.now)
        rate = dict.fromkeys(leaves, 0.0)
        for w, _, node in routes:
            rate[id(node)] += lam * w
        m = self.m

        def solve(alpha: float) -> dict[int, float]:
            out = {}
            for k, node in leaves.items():
                curve = getattr(node, "served_curve", None)
                served = curve() if curve is not None else None
                if served is None:
                    out[k] = alpha * float(node.s)
                else:
                    out[k] = solve_attempt_success(lambda x, f=served: alpha * f(alpha * x), rate[k], m)
            return out

        alpha = 1.0
        p = solve(alpha)
        if self.limit is not None:
            for _ in range(200):
                total = sum(rate[k] * attempts(p[k], m) for k in leaves)
                new = min(1.0, self.limit / total) if total > 0 else 1.0
                if abs(new - alpha) < 1e-12:
                    break
                alpha = new
                p = solve(alpha)
        sat = 0.0
        for k, node in leaves.items():
            observe = getattr(node, "observe", None)
            if observe is not None:
                observe(alpha * rate[k] * attempts(p[k], m))
                sat = max(sat, node.utilisation)
        self.saturation = sat
        return p, self._processed(leaves, p, rate, alpha)

    def _processed(self, leaves: dict[int, Any], p: dict[int, float], rate: dict[int, float],
                   alpha: float) -> dict[int, float]:
        # attempts admitted (alpha) that reach a live backend beyond what it serves
        out = {}
        for k, node in leaves.items():
            curve = getattr(node, "overflow_curve", None)
            out[k] = alpha * curve()(alpha * rate[k] * attempts(p[k], self.m)) if curve is not None else 0.0
        return out

    def evaluate(self) -> tuple[list[float], list[float]]:
        """Coefficients (now, slope) of every tallied rate per request offered."""
        m = self.m
        routes = self._routes()
        if self.b_open:
            # requests fail at once: no attempt, no retry, no load on the backends
            for _, _, node in routes:
                observe = getattr(node, "observe", None)
                if observe is not None:
                    observe(0.0)
            self.saturation = 0.0
            return [0.0] * (3 + m), [0.0] * (3 + m)
        p, late = self._attempt_success(routes)
        c0 = [0.0] * (3 + m)
        c1 = [0.0] * (3 + m)
        for w, dw, node in routes:
            q = p[id(node)]
            values = [success(q, m), attempts(q, m), duplicates(q, late[id(node)], m)]
            values += [(1.0 - q) ** k * q for k in range(m)]
            for i, v in enumerate(values):
                c0[i] += w * v
                c1[i] += dw * v
        c0[0] = snap(c0[0])
        return c0, c1

    def changed(self, *_args: Any) -> None:
        """Something on the path changed: close the current piece, start a new one."""
        now = self.sim.env.now
        self._integrate(now)
        self.c0, self.c1 = self.evaluate()
        self._breaker_watch(now)
        self._show()

    # -- circuit breaker ---------------------------------------------------
    # Closed, the breaker counts attempts and failed attempts (attempts minus
    # requests served: a served request has exactly one successful attempt)
    # in tumbling windows of length W that start when it last closed (t = 0
    # at first). It looks at the end of each window: if the failed share of
    # the window's attempts exceeds the threshold, it opens. The counts are
    # the exact integrals of the tallies. Windows in which nothing can fail
    # need no look: a window boundary is an event only while the failure rate
    # is non-zero, and a window that started before that (with no failures)
    # has the requests offered as its attempts so far.
    def _failing(self) -> bool:
        c0, c1 = self.c0, self.c1
        return c0[1] - c0[0] > SNAP or c1[0] != 0.0 or c1[1] != 0.0

    def _cumulative(self) -> tuple[float, float]:
        return self.tally[1], self.tally[1] - self.tally[0]

    def _breaker_watch(self, now: float) -> None:
        if self.breaker is None or self.b_open or self.b_tick is not None or not self._failing():
            return
        w = self.breaker.window
        start = self.b_origin + math.floor((now - self.b_origin) / w + 1e-9) * w
        att, failed = self._cumulative()
        self.b_snap = (att - (self.profile.cumulative(now) - self.profile.cumulative(start)), failed)
        self.b_tick = self.sim.after(max(0.0, start + w - now), self._breaker_tick)

    def _breaker_tick(self, ev: Any) -> None:
        if ev is not self.b_tick:
            return
        self.b_tick = None
        now = self.sim.env.now
        self._integrate(now)
        att, failed = self._cumulative()
        d_att, d_failed = att - self.b_snap[0], failed - self.b_snap[1]
        if d_att > 0.0 and d_failed > self.breaker.threshold * d_att + 1e-9 * d_att:
            self.b_opens += 1
            self.sim.log("breaker_open", failed=d_failed / d_att)
            self._open(now)
            return
        self._breaker_watch(now)

    def _open(self, now: float) -> None:
        if not self.b_open:
            self.b_open_since = now
        self.b_open = True
        self.sim.after(self.breaker.open, self._half_open)
        self.c0, self.c1 = self.evaluate()
        self._show()

    def _half_open(self, _ev: Any) -> None:
        # probes are few: they see the path at light load; all must succeed
        now = self.sim.env.now
        self._integrate(now)
        p = sum(w * float(node.s) for w, _, node in self._routes())
        if self._probe() < min(1.0, max(0.0, p)) ** self.breaker.probes:
            self.b_open = False
            self.b_origin = now
            self.b_open_time += now - self.b_open_since
            self.sim.log("breaker_close")
            self.changed()
        else:
            self.sim.log("breaker_reopen")
            self._open(now)

    def _integrate(self, now: float) -> None:
        a = self.t0
        if now > a:
            c0, c1 = self.c0, self.c1
            base, moment = self.profile.base_and_moment(a, now)
            self.offered += base
            tally = self.tally
            for i in range(len(tally)):
                if c0[i] or c1[i]:
                    tally[i] += c0[i] * base + c1[i] * moment
            r0, slope = c0[0], c1[0]
            dt = now - a
            self.success_time += (r0 + slope * dt / 2.0) * dt
            if slope != 0.0 or 0.0 < r0 < 1.0:
                self.degraded += dt
            if self.on_piece is not None:
                self.on_piece(Piece(a, now, tuple(c0), tuple(c1), self.saturation))
            if any(c1):
                # a piece may be closed without re-evaluating (a breaker's window
                # end): carry the linear rates on to ``now``
                self.c0 = [x + d * dt for x, d in zip(c0, c1, strict=True)]
        self.t0 = now

    def _shown(self) -> float:
        # Up iff every request succeeds now and keeps succeeding: a share
        # that is 1 but falling is already degraded. A share at the outage
        # threshold is shown on the side it is heading to, so that the
        # crossing event (and a piece starting there) opens or closes the
        # outage exactly there.
        r0, slope = self.c0[0], self.c1[0]
        if r0 == 1.0 and slope >= 0.0:
            return 1.0
        below = self.down_below
        if below < 1.0 and abs(r0 - below) <= _AT_THRESHOLD:
            return below if slope >= 0.0 else math.nextafter(below, 0.0)
        return min(r0, math.nextafter(1.0, 0.0))

    def _show(self) -> None:
        """Publish the current success share and watch it cross the outage threshold."""
        self._publish(self._shown())
        self._watch_threshold()

    def _watch_threshold(self) -> None:
        """Schedule an event where the current linear piece crosses ``down_below``.

        Between events the success share is ``r0 + slope·(t − t0)`` (DNS
        caches draining); where it crosses the outage threshold the path
        goes down or comes back, at ``t0 + (down_below − r0) / slope``.
        """
        self.cross_ev = None
        below = self.down_below
        r0, slope = self.c0[0], self.c1[0]
        if below >= 1.0 or slope == 0.0 or abs(r0 - below) <= _AT_THRESHOLD:
            return
        wait = (below - r0) / slope
        if wait > 0.0:
            self.cross_ev = self.sim.after(wait, self._crossed)

    def _crossed(self, ev: Any) -> None:
        if ev is not self.cross_ev:
            return  # the piece it was computed for has ended
        self._integrate(self.sim.env.now)  # carries the linear rates on to now
        self._show()

    # -- end of the replication ---------------------------------------------
    def finish(self, result: Any) -> None:
        """Close the last piece and store the tallies in ``result``."""
        self._integrate(self.sim.horizon)
        served = self.tally[0]
        failed = max(0.0, self.offered - served)
        result.served_integral = self.success_time
        result.degraded_time = self.degraded
        result.requests = {
            "offered": self.offered,
            "served": served,
            "failed": failed,
            "writes_failed": failed * self.spec.writes,
            "attempts": self.tally[1],
            "by_attempt": list(self.tally[3:]),
            "duplicates": self.tally[2] * self.spec.writes * (1.0 - self.spec.idempotent),
        }
        if self.breaker is not None:
            open_time = self.b_open_time + (self.sim.horizon - self.b_open_since if self.b_open else 0.0)
            result.requests["breaker_opens"] = float(self.b_opens)
            result.requests["breaker_open_time"] = open_time
        lat = latency_percentiles(self.spec, self.tally[3:], self.sim.streams.generator("workload/latency"),
                                  client_rtt=self.client_rtt)
        if lat is not None:
            result.requests.update(lat)
        if self.discrete is not None:
            self.discrete.finish(result)


def latency_percentiles(spec: Any, by_attempt: list[float], rng: Any, n: int = 4000,
                        client_rtt: list[tuple[float, float]] | None = None) -> dict[str, float] | None:
    """p50/p95/p99 latency of successful requests, retries and backoff included.

    ``by_attempt[k]`` is the number of requests that succeeded at attempt
    k + 1; a sample of ``n`` requests is drawn from that mixture: k failed
    attempts of ``clients.timeout``, the backoffs before the k retries and
    one service ``latency`` draw. ``client_rtt`` — ``(share, rtt)`` per client
    population, from a ``latency`` section (:mod:`relsim.engine.placement`) —
    adds each population's round trip to its share of the draws (in fixed
    blocks: the draws are independent, so no extra randomness is needed).
    """
    import numpy as np

    weights = np.asarray(by_attempt, dtype=float)
    total = weights.sum()
    if total <= 0.0:
        return None
    clients = spec.clients
    k = rng.choice(len(weights), size=n, p=weights / total)
    lat = spec.latency.sample(rng, n) + k * clients.timeout
    retry = clients.retry
    if retry is not None and len(weights) > 1:
        for j in range(1, len(weights)):
            mask = k == j
            if mask.any():
                lat[mask] += backoffs(rng, int(mask.sum()), j, retry.base, retry.cap, retry.jitter)
    if client_rtt:
        start = 0
        for i, (share, rtt) in enumerate(client_rtt):
            stop = n if i == len(client_rtt) - 1 else min(n, start + round(share * n))
            lat[start:stop] += rtt
            start = stop
    p50, p95, p99 = np.percentile(lat, [50, 95, 99])
    return {"latency_p50": float(p50), "latency_p95": float(p95), "latency_p99": float(p99)}


def build_traffic(sim: Simulation) -> None:
    """The request path of the model's ``workload``, as ``sim.traffic`` (None without one).

    Its target is a load balancer or DNS name (``sim.targets``, built
    before) or a service; the workload's ``target`` defaults to the entry
    service. ``sim.on_piece`` observes its pieces.
    """
    spec = sim.model.spec.workload
    if spec is None:
        sim.traffic = None
        return
    name = spec.target or sim.model.entry
    target = sim.targets.get(name) or sim.service_nodes[name]
    traffic = Traffic(sim, spec, target, sim.on_piece)
    traffic.nodes = list(sim.targets.values())
    sim.traffic = traffic
