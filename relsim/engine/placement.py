"""Latency from placement: round trips between the places of live elements (docs/application.md §3).

With a ``latency`` section, :func:`build_latency` gives the replication a
:class:`Placement` that knows where every replica lives (its component's
domain) and the rtt between two of them (:func:`relsim.model.placement.round_trip`).
Three things read it:

* a single-primary service with ``data.replication: sync`` or
  ``semi-sync`` and no hand-set ``data.rtt``: each write waits for the
  ``acks``-th fastest standby that can acknowledge (1 under ``sync``), so
  the replication rtt is the ``acks``-th smallest rtt from the current
  primary to its standbys serving — re-read whenever the replication
  state changes, so a failover to another region changes it
  (``write_latency_added``);
* the request path (:mod:`relsim.engine.traffic`): each client
  population's round trip from its ``near`` domain to the nearest place
  the workload's target answers from (a load balancer's domain, a
  service's replicas, a DNS name's records) is added to its share of the
  latency draws (``latency_p50/p95/p99``);
* the ``operations`` (:mod:`relsim.engine.consistency`): a request reaches
  its coordinator — the leader if it serves, else the first replica
  serving — from the clients' populations (``near`` domains, by share),
  and waits for the R-th (W-th) fastest of the serving replicas, the
  coordinator itself answering at once (``read_latency_mean``,
  ``write_latency_mean``).

Nothing is drawn: the round trips are constants of the placement, and
which replicas serve changes only at events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relsim.model.placement import round_trip

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["Placement", "build_latency"]


class Placement:
    """Where the model's elements are and the round trips between them."""

    def __init__(self, sim: Simulation):
        model = sim.model
        self.model = model
        self.spec = model.spec.latency
        self.parents = model.domain_parents
        self.domain_of: dict[str, str | None] = {name: c.domain for name, c in model.components.items()}
        self._cache: dict[tuple[str | None, str | None], float] = {}
        pops = model.spec.workload.populations if model.spec.workload is not None else {}
        total = sum(p.share for p in pops.values())
        self.clients: list[tuple[float, str | None]] = [(p.share / total, p.near) for p in pops.values()] \
            if pops and total > 0 else []

    def where(self, node: Any) -> str | None:
        """The domain a replica lives in (None for one that is not a component)."""
        return self.domain_of.get(node.name)

    def rtt(self, a: str | None, b: str | None) -> float:
        """Round trip between domains ``a`` and ``b``, seconds."""
        key = (a, b)
        value = self._cache.get(key)
        if value is None:
            value = self._cache[key] = round_trip(self.spec, self.parents, a, b)
        return value

    def kth_fastest(self, origin: Any, others: list[Any], k: int) -> float:
        """The ``k``-th smallest rtt from ``origin`` to ``others`` (``origin`` itself counts as 0 if listed)."""
        if k <= 0:
            return 0.0
        home = self.where(origin)
        times = sorted(0.0 if o is origin else self.rtt(home, self.where(o)) for o in others)
        return times[k - 1] if len(times) >= k else times[-1] if times else 0.0

    def client_rtt(self, node: Any) -> float:
        """Mean round trip from the workload's populations to ``node`` (0 without populations)."""
        home = self.where(node)
        return sum(share * self.rtt(near, home) for share, near in self.clients if near is not None)

    def places(self, name: str, seen: frozenset[str] = frozenset()) -> list[str | None]:
        """The domains where the target ``name`` (a load balancer, DNS name or service) answers."""
        spec = self.model.spec
        if name in seen:
            return []
        seen = seen | {name}
        if name in spec.load_balancers:
            return [spec.load_balancers[name].in_]
        if spec.dns is not None and name in spec.dns.names:
            return [d for rec in spec.dns.names[name].records for d in self.places(rec, seen)]
        if name in spec.services:
            out: list[str | None] = []
            for kind, ref in self.model.replicas_of(name):
                out.extend(self.places(ref, seen) if kind == "service" else [self.domain_of.get(ref)])
            return out
        return [self.domain_of.get(name)]

    def request_path_rtt(self, target: str) -> list[tuple[float, float]]:
        """(share, round trip) per client population to the nearest place ``target`` answers from."""
        places = self.places(target)
        return [(share, min((self.rtt(near, d) for d in places), default=0.0) if near is not None else 0.0)
                for share, near in self.clients]

    def replication_rtt(self, svc: Any) -> float:
        """The rtt a synchronous write waits for: the ``acks``-th fastest standby serving."""
        primary = getattr(svc, "primary", None)
        if primary is None:
            return 0.0
        standbys = [r for r in svc.replicas if r is not primary and r.s > 0.0]
        if not standbys:
            return 0.0
        data = svc.spec.data
        k = data.acks if data.replication == "semi-sync" else 1
        return self.kth_fastest(primary, standbys, min(k, len(standbys)))


def build_latency(sim: Simulation) -> None:
    """The model's ``latency`` section as ``sim.placement`` (None without one).

    A synchronously replicated single-primary service whose ``data.rtt`` is
    not written in the file takes its rtt from the placement.
    """
    if getattr(sim.model.spec, "latency", None) is None:
        sim.placement = None
        return
    placement = sim.placement = Placement(sim)
    traffic = sim.traffic
    if traffic is not None and placement.clients:
        traffic.client_rtt = placement.request_path_rtt(sim.model.spec.workload.target or sim.model.entry)
    for node in sim.services:
        data = node.spec.data
        if (node.data is not None and node.single_primary and data.replication != "async"
                and "rtt" not in data.model_fields_set):
            node.data.rtt_source = lambda svc=node: placement.replication_rtt(svc)
