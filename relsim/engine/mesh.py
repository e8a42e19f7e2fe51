"""Fault injection by the service mesh: scheduled aborts and delays on a service's route.

Each entry of ``mesh.faults`` (:mod:`relsim.model.mesh`) runs at the
occurrences of its timing (:func:`relsim.engine.schedule.repeat`, stream
``mesh/NAME/every`` for a random ``every``) for ``lasts`` (to the horizon
without it). While it runs, the sidecars in front of ``service`` fail a
share ``f`` of the attempts sent to it: the aborted ones, and the delayed
ones when the delay reaches the clients' timeout. It acts as a dependency
of the service — a plain :class:`~relsim.engine.node.Node` with
``s = 1 − f`` added to its ``depends_on`` (and watched by its load
balancers) — so the service, the balancers and the request path multiply
it in like any dependency: in fluid workload mode every attempt that
reaches the service succeeds with ``s_service · (1 − f)``, the clients'
retries and circuit breaker react to it, and the request path integrates
the failed requests exactly (docs/traffic.md §4). Nothing is simulated per
request. An outage an injection starts names the fault, with cause kind
``fault-injection``.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from relsim.engine.node import Node
from relsim.engine.schedule import repeat

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["FaultInjection", "RoutedRequests", "build_mesh", "failed_share"]


def failed_share(abort: float, delay_share: float, delay: float, timeout: float) -> float:
    """Share of attempts an injection fails: aborted, or delayed to the clients' timeout or beyond."""
    delayed = delay_share if delay >= timeout else 0.0
    return abort + (1.0 - abort) * delayed


class FaultInjection:
    """One scheduled fault injection on a service's route (see the module docstring)."""

    def __init__(self, sim: Simulation, name: str, spec: Any):
        from relsim.engine.loadbalancer import LoadBalancerNode

        self.sim = sim
        self.name = name
        self.spec = spec
        svc = sim.service_nodes[spec.service]
        self.node = Node(f"{svc.name}@mesh/{name}")
        svc.deps.append(self.node)
        self.node.subscribe(svc.dependency_changed)
        for target in sim.targets.values():
            if isinstance(target, LoadBalancerNode) and target.service is svc:
                self.node.subscribe(target._changed)  # after the service: it reads service.dep_factor
        work = sim.model.spec.workload
        timeout = work.clients.timeout if work is not None else math.inf
        delay = spec.delay
        self.failed = failed_share(spec.abort, delay.share if delay else 0.0, delay.by if delay else 0.0, timeout)
        self.injections = 0
        self.time = 0.0
        self.since: float | None = None
        repeat(sim, spec, f"mesh/{name}/every", self._inject)

    def _set(self, s: float) -> None:
        sim = self.sim
        sim.begin_named_cause(self.name, "fault-injection")
        try:
            self.node._publish(s)
        finally:
            sim.end_cause()

    def _inject(self, now: float) -> Generator[Any, Any, None]:
        sim = self.sim
        self.injections += 1
        self.since = now
        lasts = self.spec.lasts if self.spec.lasts is not None else sim.horizon - now
        sim.log("fault_injected", fault=self.name, service=self.spec.service, failed=self.failed, lasts=lasts)
        self._set(1.0 - self.failed)
        yield sim.env.timeout(lasts)
        self._set(1.0)
        self.time += sim.env.now - now
        self.since = None
        sim.log("fault_removed", fault=self.name, service=self.spec.service)

    def finish(self, app: dict[str, float]) -> None:
        if self.since is not None:
            self.time += self.sim.horizon - self.since
            self.since = None
        app["mesh_injections"] = app.get("mesh_injections", 0.0) + self.injections
        app["mesh_fault_time"] = app.get("mesh_fault_time", 0.0) + self.time


class RoutedRequests:
    """Requests a mesh route sends to a subset of a load balancer's backends, integrated exactly.

    ``share`` of the workload's requests carry the route's header. With
    ``to: healthy`` they go to the backends serving right now (the sidecars
    eject a failed one at once): they succeed while any backend serves.
    With a list they are spread evenly over those backends, failed or not:
    they succeed with the subset's mean ``s``. Both also need the balancer
    itself up and the service's dependencies (a fault injection included).
    With ``attempts`` sidecar tries, each reaching a backend afresh, a
    request succeeds with ``1 − (1 − p)^attempts`` for the per-attempt
    success ``p``. The success ratio changes only at events, so served
    requests are ``∫ share · λ(t) · ok dt`` in closed form between them.
    """

    def __init__(self, sim: Simulation, name: str, spec: Any):
        from relsim.engine.workload import RateProfile

        self.sim = sim
        self.name = name
        self.spec = spec
        self.lb = sim.targets[spec.load_balancer]
        backends = self.lb.backends
        self.subset = None if spec.to == "healthy" else [b for b in backends if b.name in set(spec.to)]
        work = sim.model.spec.workload
        self.profile = RateProfile(work.rate, work.profile)
        self.ok = 1.0
        self.last = 0.0
        self.offered = self.served = 0.0
        self.up = len(backends)  # backends serving, counted in O(1) per change (every node starts up)
        for b in backends:
            b.subscribe(self._backend_changed)
        for node in {id(x): x for x in (*backends, self.lb.element, *self.lb.service.deps)}.values():
            node.subscribe(self.changed)

    def _backend_changed(self, _node: Any, old: float, new: float) -> None:
        if (old > 0.0) != (new > 0.0):
            self.up += 1 if new > 0.0 else -1

    def evaluate(self) -> float:
        lb = self.lb
        if lb.element.s < 1.0:
            return 0.0
        if self.subset is None:
            ok = 1.0 if self.up > 0 else 0.0
        else:
            ok = sum(min(1.0, b.s) for b in self.subset) / len(self.subset) if self.subset else 0.0
        p = ok * lb.service.dep_factor  # per attempt
        return 1.0 - (1.0 - p) ** self.spec.attempts

    def changed(self, *_args: Any) -> None:
        now = self.sim.env.now
        self._integrate(now)
        self.ok = self.evaluate()

    def _integrate(self, now: float) -> None:
        prof = self.profile
        offered = self.spec.share * (prof.cumulative(now) - prof.cumulative(self.last))
        self.last = now
        self.offered += offered
        self.served += offered * self.ok

    def finish(self, app: dict[str, float]) -> None:
        self._integrate(self.sim.horizon)
        app[f"route:{self.name}:offered"] = self.offered
        app[f"route:{self.name}:failed"] = self.offered - self.served
        app["routed_offered"] = app.get("routed_offered", 0.0) + self.offered
        app["routed_served"] = app.get("routed_served", 0.0) + self.served


def build_mesh(sim: Simulation) -> None:
    """The model's ``mesh``: fault injections and header-based routes (nothing without them)."""
    mesh = getattr(sim.model.spec, "mesh", None)
    if mesh is None or not (mesh.faults or mesh.routes):
        return
    faults = [FaultInjection(sim, name, spec) for name, spec in mesh.faults.items()]
    routes = [RoutedRequests(sim, name, spec) for name, spec in mesh.routes.items()]

    def finish() -> None:
        res = sim.result
        app = res.app if res.app is not None else {}
        res.app = app
        for fault in faults:
            fault.finish(app)
        for route in routes:
            route.finish(app)

    sim.at_end.append(finish)
