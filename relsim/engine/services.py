"""Live services: served fraction from replicas and dependencies (DESIGN §3).

Each service keeps just enough state to update its served fraction ``s`` in
O(1) when one replica changes (counts, not rescans), then pushes the change
to its own listeners. ``depends_on`` multiplies ``s`` by each dependency's
``s`` (series structure).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from relsim.model.schema import Service

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["ActiveActive", "ActivePassive", "Quorum", "ServiceNode", "make_service"]

Listener = Callable[[Any, float, float], None]


class ServiceNode:
    """Common part of every service mode: dependencies and listeners."""

    def __init__(self, name: str, spec: Service, sim: Simulation):
        self.name = name
        self.spec = spec
        self.sim = sim
        self.replicas: list[Any] = []
        self.deps: list[Any] = []
        self.listeners: list[Listener] = []
        self.base = 1.0  # served fraction from the replicas alone
        self.dep_factor = 1.0
        self.s = 1.0

    def attach(self, replicas: list[Any], deps: list[Any]) -> None:
        self.replicas = replicas
        self.deps = deps
        for r in replicas:
            r.listeners.append(self.replica_changed)
        for d in deps:
            d.listeners.append(self.dependency_changed)

    def start(self) -> None:
        """Initial evaluation (every node starts all up)."""
        self.dep_factor = _product(d.s for d in self.deps)
        self.base = self.evaluate()
        self.s = self.base * self.dep_factor

    def evaluate(self) -> float:
        raise NotImplementedError

    def replica_changed(self, replica: Any, old: float, new: float) -> None:
        raise NotImplementedError

    def dependency_changed(self, _dep: Any, _old: float, _new: float) -> None:
        self.dep_factor = _product(d.s for d in self.deps)
        self._publish()

    def _publish(self) -> None:
        s = self.base * self.dep_factor
        if s == self.s:
            return
        old, self.s = self.s, s
        self.sim.log("service", service=self.name, s=s)
        for listener in self.listeners:
            listener(self, old, s)


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

    def replica_changed(self, replica: Any, old: float, new: float) -> None:
        if old == 1.0:
            self.n_up -= 1
        elif old > 0.0:
            del self.partial[id(replica)]
        if new == 1.0:
            self.n_up += 1
        elif new > 0.0:
            self.partial[id(replica)] = new
        self.base = self.evaluate()
        self._publish()


class ActiveActive(_Counting):
    """s = min(1, u / needs), u the sum of the replicas' served fractions."""

    def evaluate(self) -> float:
        u = self.n_up + (sum(self.partial.values()) if self.partial else 0.0)
        return min(1.0, u / self.needs)

    def __init__(self, name: str, spec: Service, sim: Simulation):
        super().__init__(name, spec, sim)
        self.needs = spec.needs or 1


class Quorum(_Counting):
    """s = 1 iff at least ``needs`` (default a majority) replicas are fully up."""

    def __init__(self, name: str, spec: Service, sim: Simulation):
        super().__init__(name, spec, sim)
        self.needs: int | None = spec.needs

    def attach(self, replicas: list[Any], deps: list[Any]) -> None:
        super().attach(replicas, deps)
        if self.needs is None:
            self.needs = len(replicas) // 2 + 1

    def evaluate(self) -> float:
        return 1.0 if self.n_up >= self.needs else 0.0


class ActivePassive(ServiceNode):
    """One primary serves; a standby is promoted after its failure.

    States: *serving* (``primary`` set, no failover pending), *failing over*
    (primary down, a promotion scheduled), *waiting* (no primary: the
    failover failed or no standby was up; the first replica restored serves
    at once). A primary that comes back while a failover is pending cancels
    it. There is no failback: a repaired former primary becomes a standby.
    Cold standbys run no failure clocks while idle; warm and cold standbys
    add a start-up time to the promotion.
    """

    def __init__(self, name: str, spec: Service, sim: Simulation):
        super().__init__(name, spec, sim)
        self.primary: Any = None
        self.pending: Any = None
        self._time = sim.streams.sampler(spec.failover.time, f"{name}/failover/time")
        self._startup = (
            sim.streams.sampler(spec.startup, f"{name}/failover/startup")
            if spec.startup is not None and spec.standby != "hot"
            else None
        )
        self._coin = sim.streams.uniform(f"{name}/failover/success")
        self.failovers = 0
        self.failed_failovers = 0

    def start(self) -> None:
        self.primary = self.replicas[0]
        if self.spec.standby == "cold":
            for r in self.replicas[1:]:
                _hold(r)
        super().start()

    def evaluate(self) -> float:
        return self.primary.s if self.primary is not None and self.pending is None else 0.0

    def replica_changed(self, replica: Any, old: float, new: float) -> None:
        if replica is self.primary:
            if new == 0.0 and self.pending is None:
                self._begin_failover()
            elif new > 0.0 and self.pending is not None:
                self.sim.log("failover_cancelled", service=self.name, primary=replica.name)
                self.pending = None
                self.sim.failover_phase(-1)
        elif self.primary is None and new > 0.0 and old == 0.0:
            self._promote(replica, "restored")
        self.base = self.evaluate()
        self._publish()

    def _standbys(self) -> list[Any]:
        return [r for r in self.replicas if r is not self.primary]

    def _begin_failover(self) -> None:
        if not any(r.s == 1.0 for r in self._standbys()):
            self.sim.log("failover_skipped", service=self.name, reason="no standby up")
            self.primary = None
            return
        delay = self._time()
        if self._startup is not None:
            delay += self._startup()
        self.sim.log("failover_started", service=self.name, failed=self.primary.name, duration=delay)
        self.pending = self.sim.after(delay, self._complete)
        self.sim.failover_phase(+1)

    def _complete(self, ev: Any) -> None:
        if ev is not self.pending:
            return
        self.pending = None
        self.sim.failover_phase(-1)
        self.failovers += 1
        candidates = [r for r in self._standbys() if r.s == 1.0]
        ok = self._coin() < self.spec.failover.success
        if ok and candidates:
            self._promote(candidates[0], "failover")
        else:
            self.failed_failovers += 1
            self.sim.log(
                "failover_failed", service=self.name,
                reason="promotion failed" if not ok else "no healthy standby",
            )
            self.primary = None
        self.base = self.evaluate()
        self._publish()

    def _promote(self, replica: Any, how: str) -> None:
        self.primary = replica
        if self.spec.standby == "cold":
            _release(replica)
            # Every other replica is now an idle standby, not only the old
            # primary: after a promotion of a restored replica (old is None)
            # the former primary is still down and would otherwise age once
            # repaired.
            for other in self.replicas:
                if other is not replica:
                    _hold(other)
        self.sim.log("promoted", service=self.name, primary=replica.name, via=how)


def _hold(node: Any) -> None:
    if hasattr(node, "hold"):
        node.hold()


def _release(node: Any) -> None:
    if hasattr(node, "release"):
        node.release()


def make_service(name: str, spec: Service, sim: Simulation) -> ServiceNode:
    cls = {"active-active": ActiveActive, "active-passive": ActivePassive, "quorum": Quorum}[spec.mode]
    return cls(name, spec, sim)
