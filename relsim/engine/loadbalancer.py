"""Load balancers: rotation, health checks and the share of requests that fail.

A load balancer is an element (it lives in a domain and has failure specs)
in front of an active-active service; its backends are the service's
replicas. It splits the requests it receives over the backends *in
rotation*:

``round-robin`` and ``least-loaded``
    equal shares (in fluid mode a least-loaded balancer over equal backends
    spreads load evenly too; the pathology of least-connections sending
    *more* to a backend that fails fast is not modelled);
``weighted``
    shares proportional to ``weights`` (default weight 1).

A backend that fails stays in rotation until the health check notices:
its share of requests fails meanwhile. With checks every ``interval`` at a
phase unrelated to the failure, ``unhealthy`` failed checks in a row, each
failing after ``timeout``, the backend leaves rotation after

    D = (unhealthy − 1 + U) · interval + timeout,   U ~ Uniform(0, 1)

(no per-check events: the delay is drawn, docs/traffic.md). A backend that comes
back before that was never removed. A restored backend rejoins after
``(healthy − 1 + U) · interval``. A ``silent`` failure passes shallow
checks and is never removed. If no backend is in rotation the balancer
fails open (sends to all), as common balancers do.

Capacity follows the service's ``needs``: each backend can carry
``1/needs`` of the offered load, so with shares ``w_b`` the served share is
``Σ_{b in rotation} min(w_b · s_b, 1/needs)`` times the service's
dependencies; with every backend in rotation and healthy this is the
service's own ``min(1, u/needs)``.

References
----------
.. [1] B. Beyer et al. (eds.), *Site Reliability Engineering*, O'Reilly, 2016,
   ch. 19-20 (load balancing at the front end and in the data centre).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from relsim.engine.elements import add_element
from relsim.engine.node import Node
from relsim.engine.overload import OverloadWatch

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["LoadBalancerNode", "build_load_balancers", "removal_delay_mean"]


def removal_delay_mean(interval: float, unhealthy: int, timeout: float) -> float:
    """E[D]: mean time from a backend failure to its removal from rotation."""
    return (unhealthy - 0.5) * interval + timeout


class LoadBalancerNode(Node):
    """A live load balancer of one replication (see the module docstring).

    Two nodes: the balancer's own :class:`~relsim.engine.elements.Element`
    (it fails like any element, registered under ``name`` in ``sim.nodes``)
    and this node, whose ``s`` is the share of requests it gets served.
    """

    def __init__(self, name: str, spec: Any, sim: Simulation, service: Any):
        super().__init__(name)
        self.spec = spec
        self.sim = sim
        self.service = service
        el = add_element(sim, name, "load_balancer", spec.failures, spec.in_)
        self.element = el
        self.place = el.place
        self.backends: list[Any] = list(service.replicas)
        weighted = spec.algorithm == "weighted"
        self.weights = [float(spec.weights.get(b.name, 1.0)) if weighted else 1.0 for b in self.backends]
        self.in_rotation = [True] * len(self.backends)
        self.pending: list[Any] = [None] * len(self.backends)
        self.cap = 1.0 / float(getattr(service, "needs", 1) or 1)
        hc = spec.health_check
        self._u = sim.streams.uniform(f"{name}/health_check")
        self.out_delay = lambda: (hc.unhealthy - 1 + self._u()) * hc.interval + hc.timeout
        self.in_delay = lambda: (hc.healthy - 1 + self._u()) * hc.interval
        self.capacity: float | None = spec.capacity
        self.overload = (OverloadWatch(spec.overload, sim, name, lambda: self.backends, lb=name)
                         if spec.overload is not None else None)
        self.utilisation = 0.0
        self.removals = 0
        self._key: Any = None  # what the request path last read besides s (see _changed)
        el.subscribe(self._changed)
        for i, b in enumerate(self.backends):
            b.subscribe(lambda node, old, new, i=i: self._backend_changed(i, old, new))
        for d in service.deps:
            d.subscribe(self._changed)

    def start(self) -> None:
        shares = self._shares()
        self._key = self._path_key(shares)
        self.s = self._served_curve(shares)(0.0)

    def evaluate(self) -> float:
        """Share of the requests reaching this balancer that succeed (light load)."""
        return self.served(0.0)

    def _rotation(self) -> list[int]:
        return [i for i, r in enumerate(self.in_rotation) if r] or list(range(len(self.backends)))

    def served(self, load: float) -> float:
        """Share of attempts served when ``load`` attempts per second arrive.

        Each backend serves at most ``1/needs`` of the load and, with
        ``capacity``, at most ``capacity`` attempts per second.
        """
        return self.served_curve()(load)

    def _shares(self) -> list[float]:
        """Each backend in rotation: its share of the traffic times its served fraction.

        Empty while the balancer itself is down or no backend has weight.
        """
        if self.element.s < 1.0:
            return []
        rot = self._rotation()
        total = sum(self.weights[i] for i in rot)
        if total <= 0.0:
            return []
        return [self.weights[i] / total * self.backends[i].s for i in rot]

    def served_curve(self) -> Callable[[float], float]:
        """``served`` for the current state, precomputed for many loads (fixed points)."""
        return self._served_curve(self._shares())

    def _served_curve(self, shares: list[float]) -> Callable[[float], float]:
        if not shares:
            return lambda _load: 0.0
        factor = self.service.dep_factor
        cap, capacity = self.cap, self.capacity

        def curve(load: float) -> float:
            c = cap if capacity is None or load <= 0.0 else min(cap, capacity / load)
            served = 0.0
            for x in shares:
                served += x if x < c else c
            return min(1.0, served) * factor

        return curve

    def overflow_curve(self) -> Callable[[float], float]:
        """Share of attempts that reach a live backend in rotation beyond what it can
        serve (its ``1/needs`` share or ``capacity``), as a function of the load:
        they are processed too slowly and time out (the client cannot tell
        whether they took effect)."""
        shares = self._shares()
        if not shares:
            return lambda _load: 0.0
        cap, capacity = self.cap, self.capacity

        def curve(load: float) -> float:
            c = cap if capacity is None or load <= 0.0 else min(cap, capacity / load)
            return sum(x - c for x in shares if x > c)

        return curve

    def _path_key(self, shares: list[float]) -> Any:
        """What the request path reads besides ``s``, for the given shares.

        Without ``capacity`` the served share is ``s`` at every load and the
        overflow one number; with it both curves depend on every positive share.
        """
        if self.capacity is None:
            c = self.cap
            return sum(x - c for x in shares if x > c)
        return tuple(x for x in shares if x > 0.0)

    # -- events ----------------------------------------------------------
    def _changed(self, *_args: Any) -> None:
        """Publish the new served share; if it did not change but the overflow
        (or, with ``capacity``, the served curve) did, tell the listeners anyway.

        A backend leaving or rejoining rotation can leave the light-load share
        as it was (two backends with ``needs: 2``: one alone serves half, as two
        with one down do) while the late, duplicated attempts change, or, with
        ``capacity``, while the room of the backends in rotation changes.
        """
        shares = self._shares()
        s = self._served_curve(shares)(0.0)
        key, self._key = self._key, self._path_key(shares)
        if s != self.s:
            self._publish(s)
        elif self._key != key:
            self._notify()

    def _backend_changed(self, i: int, old: float, new: float) -> None:
        backend = self.backends[i]
        sim = self.sim
        if new == 0.0 and old > 0.0:
            failing = getattr(backend, "failing", None)
            silent = failing is not None and failing.spec.silent and not self.spec.health_check.deep
            if self.in_rotation[i] and not silent:
                delay = self.out_delay()
                self.pending[i] = sim.after(delay, lambda ev, i=i: self._take_out(ev, i))
            elif not self.in_rotation[i]:
                self.pending[i] = None  # was on its way back: stays out
        elif old == 0.0 and new > 0.0:
            if self.in_rotation[i]:
                self.pending[i] = None  # back before the checks noticed
            else:
                delay = self.in_delay()
                self.pending[i] = sim.after(delay, lambda ev, i=i: self._put_in(ev, i))
        self._changed()

    def _take_out(self, ev: Any, i: int) -> None:
        if ev is not self.pending[i]:
            return
        self.pending[i] = None
        self.in_rotation[i] = False
        self.removals += 1
        self.sim.log("lb_out", lb=self.name, backend=self.backends[i].name)
        self._changed()

    def _put_in(self, ev: Any, i: int) -> None:
        if ev is not self.pending[i]:
            return
        self.pending[i] = None
        self.in_rotation[i] = True
        self.sim.log("lb_in", lb=self.name, backend=self.backends[i].name)
        self._changed()

    # -- load ------------------------------------------------------------
    def observe(self, load: float) -> None:
        """The request path sends ``load`` attempts per second here (for saturation and overload)."""
        if self.capacity is None:
            return
        healthy = [i for i in self._rotation() if self.backends[i].s > 0.0]
        room = self.capacity * sum(self.backends[i].s for i in healthy)
        self.utilisation = load / room if room > 0.0 else (float("inf") if load > 0.0 else 0.0)
        if self.overload is not None:
            self.overload.update(self.utilisation)


def build_load_balancers(sim: Simulation) -> None:
    """The model's ``load_balancers``: request-path targets in front of their services."""
    for name, spec in sim.model.spec.load_balancers.items():
        sim.targets[name] = LoadBalancerNode(name, spec, sim, sim.service_nodes[spec.service])
