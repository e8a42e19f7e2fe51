"""Live services: served fraction from replicas and dependencies (docs/model-format.md).

Each service keeps just enough state to update its served fraction ``s`` in
O(1) when one replica changes (counts, not rescans), then pushes the change
to its own listeners. ``depends_on`` multiplies ``s`` by each dependency's
``s`` (series structure).

Which class runs which ``mode`` is the table
:data:`relsim.engine.kinds.SERVICE_MODES`; a class says what its mode means
for data replication through :attr:`ServiceNode.single_primary` and
:attr:`ServiceNode.multi_primary`, so no other module compares mode names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from relsim.engine.node import ALMOST_ONE, Node
from relsim.engine.overload import OverloadWatch
from relsim.model.schema import Service

if TYPE_CHECKING:
    from relsim.engine.simulation import RunResult, Simulation

__all__ = ["MAX_PLACES", "ActiveActive", "Quorum", "ServiceNode", "build_services", "make_service"]

#: A quorum of more than 12 up members searches sets of the places they are in, up to this
#: many places (4,095 sets); beyond, a greedy grouping that may miss the largest group.
MAX_PLACES = 12


class ServiceNode(Node):
    """Common part of every service mode: replicas, dependencies, data protection.

    ``s = base · dep_factor · data_factor``: the replicas' served share (the
    mode's rule), times the product of the dependencies' shares, times 0
    while writes are blocked or the data must be restored.
    """

    #: One replica takes the writes and the others copy it (synchronous
    #: replication waits for standbys).
    single_primary: ClassVar[bool] = False
    #: Every replica takes writes: a partition lets the sides diverge (conflicts).
    multi_primary: ClassVar[bool] = False

    def __init__(self, name: str, spec: Service, sim: Simulation):
        super().__init__(name)
        self.spec = spec
        self.sim = sim
        self.replicas: list[Any] = []
        self.deps: list[Any] = []
        self.place: frozenset[str] = frozenset()  # a service spans domains: reachable from anywhere
        self.base = 1.0  # served fraction from the replicas alone
        self.dep_factor = 1.0
        self.data_factor = 1.0  # 0 while writes are blocked or the data must be restored
        self.data: Any = None
        if sim.trace is not None:
            # first listener: the trace shows the change before its consequences
            self.subscribe(lambda node, _old, new: sim.log("service", service=node.name, s=new))

    def attach(self, replicas: list[Any], deps: list[Any]) -> None:
        self.replicas = replicas
        self.deps = deps
        for r in replicas:
            r.subscribe(self.replica_changed)
        for d in deps:
            d.subscribe(self.dependency_changed)

    def start(self) -> None:
        """Initial evaluation (every node starts all up)."""
        self.dep_factor = _product(d.s for d in self.deps)
        self.base = self.evaluate()
        self.s = self.base * self.dep_factor
        if self.data is not None:
            self.data.start()

    def evaluate(self) -> float:
        raise NotImplementedError

    def replica_changed(self, replica: Any, old: float, new: float) -> None:
        raise NotImplementedError

    def dependency_changed(self, _dep: Any, _old: float, _new: float) -> None:
        self.dep_factor = _product(d.s for d in self.deps)
        self._serve()

    def data_changed(self) -> None:
        """The data protection state changed (writes blocked, data lost or restored)."""
        self.data_factor = self.data.write_factor() if self.data is not None else 1.0
        self._serve()

    def _serve(self) -> None:
        """Publish the served share from its three factors.

        The replica handlers of the modes inline this (one call less per event).
        """
        self._publish(self.base * self.dep_factor * self.data_factor)

    def finish(self, result: RunResult) -> None:
        """Close open tallies at the horizon and add this service's to ``result``."""
        data = self.data
        if data is None:
            return
        if data.partition_since is not None:
            data._reconcile(self.sim.horizon - data.partition_since)
        result.writes_lost += data.writes_lost
        result.data_loss_events += data.loss_events
        result.conflicts += data.conflicts
        result.unrecoverable += data.unrecoverable
        result.restores += data.restores
        result.restore_times.extend(data.restore_times)
        if self is self.sim.entry:
            result.write_latency = data.finish()


def _product(values: Any) -> float:
    out = 1.0
    for v in values:
        out *= v
    return out


class _Counting(ServiceNode):
    """Keeps the number of fully-up replicas and the partial ones' sum."""

    def start(self) -> None:
        self.n_up = sum(1 for r in self.replicas if r.s == 1.0)
        self.partial = {id(r): r.s for r in self.replicas if 0.0 < r.s < 1.0}
        super().start()

    def _count(self, replica: Any, old: float, new: float) -> None:
        if old == 1.0:
            self.n_up -= 1
        elif old > 0.0:
            del self.partial[id(replica)]
        if new == 1.0:
            self.n_up += 1
        elif new > 0.0:
            self.partial[id(replica)] = new

    def replica_changed(self, replica: Any, old: float, new: float) -> None:
        # _count and _serve inlined: this runs on every replica event (the hot path)
        if old == 1.0:
            self.n_up -= 1
        elif old > 0.0:
            del self.partial[id(replica)]
        if new == 1.0:
            self.n_up += 1
        elif new > 0.0:
            self.partial[id(replica)] = new
        self.base = self.evaluate()
        self._publish(self.base * self.dep_factor * self.data_factor)


class ActiveActive(_Counting):
    """s = min(1, u / needs), u the sum of the replicas' served fractions.

    With ``overload``: while the survivors carry more than ``capacity`` times
    their normal load (n/u) for ``after``, each fails for ``lasts`` with
    ``probability`` (a cascade).
    """

    multi_primary = True

    def __init__(self, name: str, spec: Service, sim: Simulation):
        super().__init__(name, spec, sim)
        self.needs = spec.needs or 1
        self.overload = (OverloadWatch(spec.overload, sim, name, lambda: self.replicas, service=name)
                         if spec.overload is not None else None)

    def replica_changed(self, replica: Any, old: float, new: float) -> None:
        if self.data is not None:
            self.data.replicas_changed()
            self.data_factor = self.data.write_factor()
        _Counting.replica_changed(self, replica, old, new)

    def evaluate(self) -> float:
        u = self.n_up + (sum(self.partial.values()) if self.partial else 0.0)
        if self.overload is not None:
            # each survivor carries n/u of its normal load
            self.overload.update(len(self.replicas) / u if u > 0.0 else 0.0)
        b = u / self.needs
        return 1.0 if b >= ALMOST_ONE else b


class Quorum(_Counting):
    """s = 1 iff at least ``needs`` (default a majority) replicas are up and reach each other.

    With ``election``, losing the leader (or regaining a quorum) costs an
    election time during which the service does not serve.
    """

    def __init__(self, name: str, spec: Service, sim: Simulation):
        super().__init__(name, spec, sim)
        self.needs: int | None = spec.needs
        self.leader: Any = None
        self.electing: Any = None
        self._election = (sim.streams.sampler(spec.election, f"{name}/election")
                          if spec.election is not None else None)
        self.elections = 0

    def attach(self, replicas: list[Any], deps: list[Any]) -> None:
        super().attach(replicas, deps)
        if self.needs is None:
            self.needs = len(replicas) // 2 + 1

    def start(self) -> None:
        super().start()
        group = self._group()
        self.leader = group[0] if group else None
        self.base = self.evaluate()
        self.s = self.base * self.dep_factor
        if self.sim.network.ends:
            self.sim.network.watchers.append(self._network_changed)

    def _group(self) -> list[Any]:
        """The largest set of fully-up replicas that all reach each other, if it is a quorum.

        Among equally large sets, one holding the current leader is preferred
        (no needless election). Reachability need not be transitive, so this
        searches the sets of up members, largest first, up to 12 of them, and
        beyond that the sets of the places they are in (:meth:`_largest_by_place`).
        """
        up = [r for r in self.replicas if r.s == 1.0]
        net = self.sim.network
        if net.down and len(up) >= self.needs:
            up = self._largest_clique(up, net)
        return up if len(up) >= self.needs else []

    def _largest_clique(self, up: list[Any], net: Any) -> list[Any]:
        from itertools import combinations

        if len(up) > 12:  # beyond this, search sets of places rather than of members
            return self._largest_by_place(up, net)
        for size in range(len(up), self.needs - 1, -1):
            best = None
            for combo in combinations(up, size):
                if all(net.reachable(a.place, b.place) for a, b in combinations(combo, 2)):
                    if self.leader in combo:
                        return list(combo)
                    best = best or list(combo)
            if best:
                return best
        return []

    def _largest_by_place(self, up: list[Any], net: Any) -> list[Any]:
        """The largest group beyond 12 up members, searched over the places they are in.

        Members in one place (the same chain of domains) reach the same
        others, so a largest group is a union of whole places: the search
        runs over sets of places (at most :data:`MAX_PLACES`), and gives what
        the search over members gives: the largest group, the leader's among
        equally large ones, else the one whose members come first in the list.
        """
        by_place: dict[Any, list[int]] = {}
        for k, r in enumerate(up):
            by_place.setdefault(r.place, []).append(k)
        places = list(by_place)
        if len(places) > MAX_PLACES or not all(net.reachable(p, p) for p in places):
            return self._greedy(up, net)
        n = len(places)
        reach = [0] * n  # bit j of reach[i]: places i and j reach each other
        for i in range(n):
            for j in range(i + 1, n):
                if net.reachable(places[i], places[j]):
                    reach[i] |= 1 << j
                    reach[j] |= 1 << i
        best: tuple[int, bool, list[int]] | None = None
        for mask in range(1, 1 << n):
            if any(mask >> i & 1 and mask & ~reach[i] & ~(1 << i) for i in range(n)):
                continue  # two of its places cannot reach each other
            members = sorted(k for i in range(n) if mask >> i & 1 for k in by_place[places[i]])
            key = (len(members), any(up[k] is self.leader for k in members))
            if best is None or key > best[:2] or (key == best[:2] and members < best[2]):
                best = (*key, members)
        assert best is not None
        return [up[k] for k in best[2]]

    def _greedy(self, up: list[Any], net: Any) -> list[Any]:
        """A large group of members that reach each other, grown from one member of each place.

        For members spread over more than :data:`MAX_PLACES` places: it keeps
        the cost bounded but may miss the largest group. Seeded from one
        member alone, a member cut off in a minority would hide the majority.
        """
        best: list[Any] = []
        seeds: set[Any] = set()
        for seed in up:
            if seed.place in seeds:
                continue
            seeds.add(seed.place)
            places, group = {seed.place}, [seed]
            for r in up:
                if r is not seed and (r.place in places
                                      or all(net.reachable(p, r.place) for p in places)):
                    places.add(r.place)
                    group.append(r)
            if len(group) > len(best) or (len(group) == len(best) and self.leader in group):
                best = group
        return best

    def evaluate(self) -> float:
        if self.electing is not None or self.leader is None:
            return 0.0
        return 1.0 if self.n_up >= self.needs else 0.0

    def replica_changed(self, replica: Any, old: float, new: float) -> None:
        self._count(replica, old, new)
        self._react()

    def _network_changed(self) -> None:
        self._react()

    def _react(self) -> None:
        group = self._group() if (self.n_up >= self.needs) else []
        if not group:
            if self.leader is not None or self.electing is not None:
                self.sim.log("quorum_lost", service=self.name, up=self.n_up, needs=self.needs)
            self.leader = None
            self.electing = None
        elif self.electing is None and (self.leader is None or self.leader not in group):
            if self._election is None:
                self.leader = group[0]
            else:
                self.leader = None
                delay = self._election()
                self.sim.log("election_started", service=self.name, duration=delay)
                self.electing = self.sim.after(delay, self._elected)
        self.base = self.evaluate()
        self._publish(self.base * self.dep_factor * self.data_factor)  # _serve, inlined (hot path)

    def _elected(self, ev: Any) -> None:
        if ev is not self.electing:
            return
        self.electing = None
        self.elections += 1
        group = self._group()
        self.leader = group[0] if group else None
        if self.leader is not None:
            self.sim.log("leader_elected", service=self.name, leader=self.leader.name)
        self._react()

    def finish(self, result: RunResult) -> None:
        result.elections += self.elections
        super().finish(result)


def make_service(name: str, spec: Service, sim: Simulation) -> ServiceNode:
    """The live service for ``spec``: the class its ``mode`` names in the kinds table."""
    from relsim.engine.kinds import SERVICE_MODES  # the table imports every mode's module

    node = SERVICE_MODES[spec.mode](name, spec, sim)
    if spec.data is not None and node.data is None:
        from relsim.engine.replication import DataProtection

        node.data = DataProtection(node, spec.data, sim)  # multi-primary writes
    return node


def build_services(sim: Simulation) -> None:
    """The model's ``services``: all created first, then wired to replicas and dependencies
    (a service may depend on one listed after it)."""
    model = sim.model
    for name, spec in model.services.items():
        node = make_service(name, spec, sim)
        sim.service_nodes[name] = node
        sim.services.append(node)
    for node in sim.services:
        node.attach([sim.node(r) for r in model.replicas_of(node.name)],
                    [sim.node(d) for d in model.dependencies_of(node.name)])
