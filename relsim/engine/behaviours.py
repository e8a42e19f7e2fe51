"""User-defined behaviours in a replication: the handle they get and the section's builder.

A behaviour (docs/extending.md) is a SimPy generator function registered
under a kind (:mod:`relsim.behaviours`). For each entry of the model's
``behaviours:`` section, :func:`build_behaviours` validates its parameters
with the behaviour's pydantic model and starts ``run(handle, params)`` as a
SimPy process at time 0, after every element's clocks have started.

The :class:`Handle` is the behaviour's whole view of the replication:

* the SimPy environment (``env``, ``now``, ``timeout``) and ``changed``,
  an event that fires at the next change of the named elements' or
  services' states, so that a behaviour reacts to events instead of
  polling;
* its own random stream ``rng`` (and ``sample``), keyed by the
  behaviour's name like every other stream (docs/architecture.md,
  "Randomness and reproducibility"): adding a behaviour leaves every other
  element's draws unchanged, and variants compared with one seed share it
  (common random numbers);
* read access: ``state`` (the served share ``s`` of an element, service,
  load balancer or DNS name), ``is_up``, ``replicas``;
* a small set of actions: ``fail`` (a failure, counted as one, optionally
  repaired by a crew), ``stop`` (taken out of service on purpose, not a
  failure), ``restore``, ``repair`` (a crew repair of what it holds down),
  ``set_weight`` (a load balancer's weight of a backend), ``set_needs`` (a
  service's capacity: the replicas it needs), ``emit`` (a trace event) and
  ``tally`` (add to a named tally, from which registered metrics are
  computed, see :func:`relsim.metric`).

An outage that an action starts names the behaviour as its cause, with
cause kind ``behaviour``. An exception raised by the behaviour's code (or
by a wrong action, such as an unknown name) stops the replication with a
:class:`relsim.BehaviourError` that names the behaviour, the simulated time
and the replication.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import numpy as np
from simpy.events import Event

from relsim.dists import Distribution, parse_dist
from relsim.engine.elements import Element
from relsim.engine.loadbalancer import LoadBalancerNode
from relsim.engine.node import Node
from relsim.engine.planned import Hold, bring_back, take_down
from relsim.engine.services import ActiveActive, Quorum
from relsim.errors import BehaviourError
from relsim.model import behaviour_registry as registry

if TYPE_CHECKING:
    import simpy

    from relsim.engine.simulation import Simulation

__all__ = ["Handle", "build_behaviours"]


class _Held(Hold):
    """The stand-in clock of an element a behaviour holds down (relsim.engine.planned.Hold)."""

    def __init__(self, handle: Handle, kind: str, repair: Callable[[], float] | None):
        super().__init__(kind, owner=handle, repair=repair)
        self.handle = handle


class Handle:
    """What a behaviour sees of its replication and what it may do (see the module docstring).

    Parameters
    ----------
    sim : Simulation
        The replication.
    name, kind : str
        The behaviour's name in the model file and its registered kind.

    Attributes
    ----------
    env : simpy.Environment
        The replication's environment (``yield env.timeout(...)``, events, processes).
    rng : numpy.random.Generator
        The behaviour's own stream, keyed ``behaviour/NAME``.
    name, kind : str
        As given.
    """

    def __init__(self, sim: Simulation, name: str, kind: str):
        self._sim = sim
        self.name = name
        self.kind = kind
        self.env: simpy.Environment = sim.env
        self.rng: np.random.Generator = sim.streams.generator(f"behaviour/{name}")
        self._samplers: dict[Distribution, Callable[[], float]] = {}
        self._waiting: dict[int, list[tuple[Any, str]]] = {}
        self._watched: set[int] = set()
        self._tallies = sim.result.tallies if sim.result.tallies is not None else {}
        self._cause = (name, -1, "behaviour")

    # -- time and randomness ---------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated seconds since the start of the replication."""
        return float(self.env.now)

    def timeout(self, delay: float) -> Any:
        """An event ``delay`` seconds from now (``yield h.timeout(60)``)."""
        return self.env.timeout(delay)

    def sample(self, dist: Distribution | str) -> float:
        """One draw (seconds) of ``dist`` (a distribution or its model-file form) on this behaviour's stream."""
        d = dist if isinstance(dist, Distribution) else parse_dist(dist)
        sampler = self._samplers.get(d)
        if sampler is None:
            sampler = self._sim.streams.sampler(d, f"behaviour/{self.name}", self.rng)
            self._samplers[d] = sampler
        return sampler()

    # -- reading states ----------------------------------------------------------
    def _node(self, name: str) -> Node:
        sim = self._sim
        found = sim.service_nodes.get(name) or sim.targets.get(name) or sim.nodes.get(name)
        if found is None:
            if name == "workload" and sim.traffic is not None:
                return sim.traffic
            # a load balancer is both an element and a target: name it once
            known = dict.fromkeys([*sim.nodes, *sim.service_nodes, *sim.targets])
            raise ValueError(f"unknown element, service or load balancer {name!r} "
                             f"(the model has: {', '.join(known)})")
        return found

    def _element(self, name: str) -> Element:
        el = self._sim.nodes.get(name)
        if el is None:
            raise ValueError(f"{name!r} is not an element (domain, component, link, load balancer) "
                             f"of the model: {', '.join(self._sim.nodes)}")
        return el

    def state(self, name: str) -> float:
        """The served share ``s`` of ``name``: 1 up, 0 down, in between degraded.

        An element is up when it and every enclosing domain are up; a
        service as its mode says; a load balancer or DNS name serves the
        share of requests it gets served; ``workload`` is the request path.
        """
        return float(self._node(name).s)

    def is_up(self, name: str) -> bool:
        """Whether ``name`` serves fully (``state(name) == 1``)."""
        return self._node(name).s == 1.0

    @property
    def elements(self) -> tuple[str, ...]:
        """Every element of the model (domains, components, links, load balancers, DNS), by name."""
        return tuple(self._sim.nodes)

    @property
    def services(self) -> tuple[str, ...]:
        """Every service of the model, by name."""
        return tuple(self._sim.service_nodes)

    def replicas(self, service: str) -> tuple[str, ...]:
        """The names of ``service``'s replicas (components or services), in model order."""
        node = self._sim.service_nodes.get(service)
        if node is None:
            raise ValueError(f"unknown service {service!r}: {', '.join(self._sim.service_nodes)}")
        return tuple(r.name for r in node.replicas)

    def needs(self, service: str) -> int:
        """How many replicas ``service`` needs to serve fully (its capacity, see :meth:`set_needs`)."""
        node = self._sim.service_nodes.get(service)
        if node is None:
            raise ValueError(f"unknown service {service!r}: {', '.join(self._sim.service_nodes)}")
        return int(getattr(node, "needs", None) or 1)

    @property
    def horizon(self) -> float:
        """Simulated seconds in this replication: the behaviour's process stops there."""
        return self._sim.horizon

    def at_end(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` at the horizon, before tallies are read (to close open accounts)."""
        self._sim.at_end.append(callback)

    def process(self, generator: Generator[Any, Any, Any]) -> Any:
        """Start ``generator`` as another SimPy process of this behaviour; returns the process (an event).

        Errors in it are reported as the behaviour's, like those of its main
        generator (``h.env.process`` would let them escape unnamed).
        """
        if not inspect.isgenerator(generator):
            raise TypeError(f"process() takes a generator, got {type(generator).__name__}")
        return self.env.process(_guarded(self, generator))

    def changed(self, *names: str) -> Any:
        """An event that fires at the next change of the state of any of ``names``.

        Its value is the name that changed. Use it to react to failures
        without polling: ``name = yield h.changed("web-1", "web-2")``.
        """
        if not names:
            raise ValueError("changed() needs at least one name")
        ev = self.env.event()
        for name in names:
            node = self._node(name)
            key = id(node)
            if key not in self._watched:
                self._watched.add(key)
                node.subscribe(lambda n, _old, _new, key=key: self._fire(key, n))
            waiting = self._waiting.get(key)
            if waiting is None:
                self._waiting[key] = [(ev, name)]
            else:
                # drop waits another name already ended, so a node that never changes
                # does not pile them up over a replication
                waiting[:] = [w for w in waiting if not w[0].triggered]
                waiting.append((ev, name))
        return ev

    def _fire(self, key: int, node: Node) -> None:
        waiting = self._waiting.pop(key, None)
        for ev, name in waiting or ():
            if not ev.triggered:
                ev.succeed(name)

    # -- actions -------------------------------------------------------------------
    def _take_down(self, name: str, kind: str, repair: Distribution | str | None, count: bool) -> bool:
        el = self._element(name)
        sampler = None if repair is None else (lambda d=repair: self.sample(d))
        return take_down(self._sim, el, _Held(self, kind, sampler), self._cause, count=count, by=self.name)

    def fail(self, name: str, repair: Distribution | str | None = None) -> bool:
        """Fail element ``name`` now; it counts as a failure (kind ``behaviour``).

        With ``repair`` (a distribution), a repair crew is requested at once
        and the element comes back as good as new after the drawn time
        (queueing for a crew like any repair); without it the element stays
        down until :meth:`restore` or :meth:`repair`. Returns False (and
        does nothing) if the element is already down.
        """
        return self._take_down(name, "behaviour", repair, count=True)

    def stop(self, name: str) -> bool:
        """Take element ``name`` out of service on purpose (a restart, a scale-in).

        Not counted as a failure; the element stays down until
        :meth:`restore`. Its own failure clocks pause meanwhile. Returns False
        (and does nothing) if it is already down.
        """
        return self._take_down(name, "stopped", None, count=False)

    def _held(self, name: str) -> tuple[Element, _Held] | None:
        el = self._element(name)
        held = el.failing
        if isinstance(held, _Held) and held.handle is self:
            return el, held
        return None

    def holds(self, name: str) -> bool:
        """Whether this behaviour holds element ``name`` down (it failed or stopped it)."""
        return self._held(name) is not None

    def restore(self, name: str, renew: bool = False) -> bool:
        """Bring back element ``name`` that this behaviour failed or stopped.

        ``renew=True`` makes it as good as new (every failure clock restarts
        with a fresh draw, as after a repair: a restart clears an ageing
        fault); otherwise its clocks resume where they paused. Returns False
        if this behaviour does not hold it down or a crew is repairing it.
        """
        got = self._held(name)
        if got is None:
            return False
        el, held = got
        return bring_back(self._sim, el, held, renew=renew, by=self.name)

    def repair(self, name: str, takes: Distribution | str) -> bool:
        """Ask a repair crew to repair element ``name``, which this behaviour holds down.

        The repair takes a draw of ``takes`` once a crew is free; the element
        then comes back as good as new. Returns False if this behaviour does
        not hold it down or a repair is already under way.
        """
        got = self._held(name)
        if got is None or got[1].repair is not None:
            return False
        el, held = got
        held.repair = lambda d=takes: self.sample(d)
        self._sim.repairs.request(el)
        return True

    def set_weight(self, lb: str, backend: str, weight: float) -> None:
        """Set load balancer ``lb``'s weight of ``backend`` (a weight of 0 takes it out of the split)."""
        node = self._sim.targets.get(lb)
        if not isinstance(node, LoadBalancerNode):
            raise ValueError(f"unknown load balancer {lb!r}")
        names = [b.name for b in node.backends]
        if backend not in names:
            raise ValueError(f"{backend!r} is not a backend of {lb!r}: {', '.join(names)}")
        weight = float(weight)
        if not weight >= 0.0:
            raise ValueError(f"weight must be >= 0, got {weight!r}")
        node.weights[names.index(backend)] = weight
        self._sim.log("weight", lb=lb, backend=backend, weight=weight, by=self.name)
        self._sim.cause = self._cause
        node._changed()
        self._sim.cause = None

    def set_needs(self, service: str, needs: int) -> None:
        """Set how many replicas ``service`` needs to serve fully: its capacity.

        For an active-active service ``s = min(1, up / needs)``; for a quorum
        service the quorum size. Load balancers in front of it split load by
        the new value.
        """
        node = self._sim.service_nodes.get(service)
        if not isinstance(node, (ActiveActive, Quorum)):
            raise ValueError(f"set_needs applies to active-active and quorum services, not {service!r}")
        needs = int(needs)
        if not 1 <= needs <= len(node.replicas):
            raise ValueError(f"needs must be between 1 and {len(node.replicas)}, got {needs}")
        node.needs = needs
        self._sim.log("needs", service=service, needs=needs, by=self.name)
        self._sim.cause = self._cause
        for target in self._sim.targets.values():
            if isinstance(target, LoadBalancerNode) and target.service is node:
                target.cap = 1.0 / needs
                target._changed()
        if isinstance(node, Quorum):
            node._react()
        else:
            node.base = node.evaluate()
            node._serve()
        self._sim.cause = None

    def emit(self, event: str, **fields: Any) -> None:
        """Add an event to the trace (``relsim trace``), tagged with this behaviour's name."""
        self._sim.log(event, behaviour=self.name, **fields)

    def tally(self, name: str, amount: float = 1.0) -> None:
        """Add ``amount`` to the replication's tally ``name`` (registered metrics read tallies)."""
        self._tallies[name] = self._tallies.get(name, 0.0) + float(amount)


def _where(exc: BaseException) -> str:
    """``file:line`` of the innermost frame of the user's code in the traceback."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/relsim/engine/" not in f.filename]
    return f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""


def _failed(handle: Handle, exc: BaseException, where: str = "") -> BehaviourError:
    sim = handle._sim
    return BehaviourError(handle.name, handle.kind, float(sim.env.now), sim.streams.replication,
                          sim.streams.seed, f"{type(exc).__name__}: {exc}{where or _where(exc)}")


def _guarded(handle: Handle, gen: Generator[Any, Any, Any]) -> Generator[Any, Any, None]:
    """Drive the behaviour's generator, turning whatever goes wrong into a :class:`BehaviourError`.

    The generator is stepped by hand rather than with ``yield from`` so that
    a value that is not a SimPy event is reported at the behaviour's own
    ``yield`` (SimPy itself would fail inside its event loop, naming no one).
    """
    send: Any = None
    throw: BaseException | None = None
    while True:
        try:
            ev = gen.send(send) if throw is None else gen.throw(throw)
        except StopIteration:
            return
        except BehaviourError:
            raise
        except Exception as exc:
            raise _failed(handle, exc) from exc
        throw = None
        if not isinstance(ev, Event):
            frame = gen.gi_frame
            where = f" at {frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else ""
            raise _failed(handle, TypeError(f"a behaviour yields SimPy events (h.timeout(...), h.changed(...), "
                                            f"h.env.any_of(...)), not {ev!r}"), where)
        try:
            send = yield ev
        except Exception as exc:  # an event it waited on failed: the behaviour may handle it
            send, throw = None, exc


def _process(handle: Handle, run: Callable[..., Any], params: Any) -> Generator[Any, Any, None]:
    try:
        gen = run(handle, params)
    except Exception as exc:
        raise _failed(handle, exc) from exc
    if gen is None:
        return  # a plain function that only set things up (or did nothing)
    if not inspect.isgenerator(gen):
        raise _failed(handle, TypeError(f"a behaviour is a generator function (with yield), "
                                        f"its function returned {type(gen).__name__}"))
    yield from _guarded(handle, gen)


def build_behaviours(sim: Simulation) -> None:
    """The model's ``behaviours``: one SimPy process per entry, started at time 0."""
    specs = sim.model.spec.behaviours
    if not specs:
        return
    sim.result.tallies = {}
    sim.result.behaviour_kinds = tuple(sorted({spec.kind for spec in specs.values()}))
    for name, spec in specs.items():
        try:
            entry = registry.get(spec.kind, spec.module)
        except Exception as exc:  # its module cannot be imported in this process
            raise BehaviourError(name, spec.kind, 0.0, sim.streams.replication, sim.streams.seed,
                                 f"its module {spec.module or spec.kind!r} could not be loaded: "
                                 f"{type(exc).__name__}: {exc}") from exc
        if entry is None:
            raise BehaviourError(name, spec.kind, 0.0, sim.streams.replication, sim.streams.seed,
                                 f"behaviour kind {spec.kind!r} is not registered in this process: define it in "
                                 "an importable module or declare an entry point (docs/extending.md)")
        params = entry.params.model_validate(spec.params) if entry.params is not None else None
        handle = Handle(sim, name, spec.kind)
        sim.env.process(_process(handle, entry.run, params))
