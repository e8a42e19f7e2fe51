"""DNS names, their answers, and client caches drained exactly over the TTL.

A DNS name has records (load balancers or services), a ``ttl`` and a
routing ``policy``; the DNS provider answers for it (an element that can
fail). The *published answer* for a client population is a split of that
population over the records:

``failover``
    the first record (in the listed order) that the health check deems up;
``weighted``
    the up records, in proportion to ``weights``;
``latency`` (a global traffic manager)
    the first up record nearest the population: records placed in the
    population's ``near`` domain first, then the rest in listed order.

With no record up the answer is given as if all were up (DNS services do
not answer "nothing"). Without a ``health_check`` the answer never changes.

**Caches.** Each client caches an answer for ``T = ttl`` and re-resolves
when it expires; cache phases are spread uniformly over [0, T). A client
whose cache expires at phase φ holds the answer published at its last
refresh, so the share of clients holding answer *x* at time *t* is

    c_x(t) = (1/T) · |{u ∈ (t − T, t] : a(u) = x}|,

the average of the published answer over the last TTL. It is piecewise
linear: its slope is ``(a_x(t) − a_x(t − T)) / T``, which changes only when
the answer changes and one TTL later. So a change of answer costs two
events, and the stale share ``1 − (t − t₀)/T`` after a change at t₀ is
integrated exactly by :mod:`relsim.engine.traffic`, never sampled client by
client (docs/traffic.md).

**Provider failures.** While the provider is down no answer can change.
With ``serve_stale: true`` (RFC 8767) resolvers keep serving the last
answer; with ``false`` the published answer is "none": a client whose
cache expires gets no answer and its requests fail until its next refresh
one TTL later (negative caching).

References
----------
.. [1] P. Mockapetris, RFC 1035, 1987 (TTL); M. Andrews, RFC 2308, 1998
   (negative caching); D. Lawrence, W. Kumari, P. Sood, RFC 8767, 2020
   (serving stale data).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from relsim.engine.elements import add_element
from relsim.engine.healthcheck import HealthWatch
from relsim.engine.node import Node

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["ClientCache", "DnsName", "DnsProvider", "build_dns"]

Answer = dict[int, float]  # record index -> share of the population; {} is "no answer"


class ClientCache:
    """The caches of one client population for one name: c(t) = mean of a(u) over (t − T, t]."""

    def __init__(self, ttl: float, answer: Answer, sim: Simulation):
        self.ttl = ttl
        self.sim = sim
        self.cur: Answer = dict(answer)
        self.lag: Answer = dict(answer)
        self.frac: Answer = dict(answer)
        self.t_ref = 0.0
        self.in_flight = 0  # answers published less than one TTL ago
        self.on_change: Callable[[], None] = lambda: None

    def _advance(self) -> None:
        now = self.sim.env.now
        dt = now - self.t_ref
        if dt > 0.0 and self.cur != self.lag:
            for i in set(self.cur) | set(self.lag) | set(self.frac):
                slope = (self.cur.get(i, 0.0) - self.lag.get(i, 0.0)) / self.ttl
                self.frac[i] = self.frac.get(i, 0.0) + slope * dt
        self.t_ref = now

    def publish(self, answer: Answer) -> None:
        """The provider now answers ``answer`` to this population."""
        if answer == self.cur:
            return
        self._advance()
        self.cur = dict(answer)
        if self.ttl <= 0.0:
            self.lag = dict(answer)
            self.frac = dict(answer)
        else:
            self.in_flight += 1
            self.sim.after(self.ttl, lambda _ev, a=dict(answer): self._expired(a))

    def _expired(self, answer: Answer) -> None:
        # One TTL after ``answer`` was published, no cache holds what came before it.
        self._advance()
        self.lag = answer
        self.in_flight -= 1
        if self.in_flight == 0:
            self.frac = dict(self.cur)  # settled: exact, no float residue
        else:
            self.frac = {i: v for i, v in self.frac.items() if abs(v) > 1e-12}
        self.on_change()

    def mix(self) -> list[tuple[int, float, float]]:
        """(record, share of clients now, its slope per second)."""
        now = self.sim.env.now
        dt = now - self.t_ref
        out = []
        for i in set(self.cur) | set(self.lag) | set(self.frac):
            slope = 0.0 if self.ttl <= 0.0 else (self.cur.get(i, 0.0) - self.lag.get(i, 0.0)) / self.ttl
            share = self.frac.get(i, 0.0) + slope * dt
            if share > 1e-12 or slope != 0.0:
                out.append((i, share, slope))
        return out


class DnsProvider:
    """The DNS provider: an element; names publish through it."""

    def __init__(self, spec: Any, sim: Simulation):
        el = add_element(sim, "dns", "dns", spec.failures, spec.in_)
        self.element = el
        self.serve_stale = spec.serve_stale
        self.names: list[DnsName] = []
        el.subscribe(lambda *_a: self._changed())

    @property
    def up(self) -> bool:
        return self.element.s == 1.0

    def _changed(self) -> None:
        self.element.sim.log("dns_provider", up=self.up)
        for name in self.names:
            name.republish()


class DnsName(Node):
    """One DNS name: health of its records, answers per population, client caches.

    Its ``s`` stays 1: what the request path needs is :meth:`mix`, the shares
    of clients holding each answer. Listeners are told (``old == new``)
    whenever that mix or a record's state changes.
    """

    def __init__(self, name: str, spec: Any, sim: Simulation, provider: DnsProvider,
                 records: list[Any], populations: list[tuple[str, str | None]]):
        super().__init__(name)
        self.spec = spec
        self.sim = sim
        self.provider = provider
        self.records = records
        self.weights = [float(spec.weights.get(r.name, 1.0)) for r in records]
        self.place: frozenset[str] = frozenset()
        self.order: dict[str, list[int]] = {}
        for pop, near in populations:
            near_first = [i for i, r in enumerate(records) if near is not None and near in _place(r)]
            self.order[pop] = near_first + [i for i in range(len(records)) if i not in near_first]
        self.watches: list[HealthWatch | None] = [None] * len(records)
        if spec.health_check is not None:
            for i, r in enumerate(records):
                self.watches[i] = HealthWatch(r, spec.health_check, sim, f"dns/{name}/{r.name}",
                                              lambda _w: self.republish())
        for r in records:
            r.subscribe(self._record_changed)
        self.caches = {pop: ClientCache(spec.ttl, self.answer(pop), sim) for pop in self.order}
        for cache in self.caches.values():
            cache.on_change = self._notify
        provider.names.append(self)

    def start(self) -> None:
        return None

    def healthy(self, i: int) -> bool:
        w = self.watches[i]
        return w is None or w.healthy

    def answer(self, pop: str) -> Answer:
        """The answer the policy gives ``pop`` now (ignoring the provider's state)."""
        policy = self.spec.policy
        if policy == "weighted":
            up = [i for i in range(len(self.records)) if self.healthy(i) and self.weights[i] > 0]
            up = up or [i for i in range(len(self.records)) if self.weights[i] > 0]
            total = sum(self.weights[i] for i in up)
            return {i: self.weights[i] / total for i in up}
        order = self.order[pop] if policy == "latency" else range(len(self.records))
        pick = next((i for i in order if self.healthy(i)), next(iter(order)))
        return {pick: 1.0}

    def republish(self) -> None:
        """Health or the provider changed: publish new answers if the provider can."""
        provider = self.provider
        if not provider.up and provider.serve_stale:
            return  # answers are frozen while the provider is down
        changed = False
        for pop, cache in self.caches.items():
            answer = self.answer(pop) if provider.up else {}
            if answer != cache.cur:
                changed = True
                cache.publish(answer)
                self.sim.log("dns_answer", name=self.name, population=pop,
                             answer={self.records[i].name: round(v, 6) for i, v in answer.items()})
        if changed:
            self._notify()

    def _record_changed(self, _record: Any, _old: float, _new: float) -> None:
        self._notify()  # a record's share changed: the requests it gets do too

    def mix(self, pop: str) -> list[tuple[float, float, Any]]:
        """(share of ``pop``'s clients, its slope, record node) for the request path."""
        return [(share, slope, self.records[i]) for i, share, slope in self.caches[pop].mix()]


def _place(node: Any) -> frozenset[str]:
    """Domains a record target lives in: its own, or those of a service's replicas."""
    place = getattr(node, "place", frozenset())
    if place:
        return place
    out: frozenset[str] = frozenset()
    for r in getattr(node, "replicas", ()):
        out |= _place(r)
    return out


def build_dns(sim: Simulation) -> None:
    """The model's ``dns``: the provider element and the names, whose records are
    load balancers (built before) or services."""
    dns = sim.model.spec.dns
    if dns is None:
        return
    provider = DnsProvider(dns.provider, sim)
    workload = sim.model.spec.workload
    pops = [(p, body.near) for p, body in workload.populations.items()] or [("clients", None)]
    for name, body in dns.names.items():
        records = [sim.targets.get(r) or sim.service_nodes[r] for r in body.records]
        sim.targets[name] = DnsName(name, body, sim, provider, records, pops)
