"""One replication: build live elements from a Model and run them on SimPy.

``Simulation(model, seed, replication).run()`` returns a
:class:`RunResult`. The Model is never changed; the simulation owns the
SimPy environment, the random streams and all mutable state (description
apart from execution).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

import simpy

from relsim.engine.budget import run_to
from relsim.engine.elements import Clock, Element, TimedElement
from relsim.engine.kinds import SECTIONS
from relsim.engine.network import Network
from relsim.engine.node import Node
from relsim.engine.planned import PLANNED_KINDS
from relsim.engine.repair import RepairShop
from relsim.engine.services import ServiceNode
from relsim.engine.streams import Streams, plan_for
from relsim.engine.traffic import PieceObserver, Traffic
from relsim.model import Model

__all__ = ["ENGINES", "OUTAGE_FIELDS", "Outage", "RunResult", "Simulation", "simulate"]


class Outage(NamedTuple):
    """One outage of the entry service (or, with a workload, of the request path).

    An outage starts when the served share drops below 1 and ends when it is
    back to 1 (docs/model-format.md). A tuple, so a list of outages is a
    DataFrame as it stands (``pd.DataFrame(outages)``) and pickles cheaply
    between processes; :data:`OUTAGE_FIELDS` are its column names.

    Attributes
    ----------
    start_s, end_s, duration_s : float
        When it started and ended, seconds from the start of the replication.
    cause_element, cause_spec, cause_kind : str, int, str
        Its root cause: the element (or service) whose failure started it,
        the index of the failure spec in that element's ``failures`` (-1 for
        causes that are not a failure spec: overload, fencing, failback) and
        its kind.
    detection_s, decision_s, failover_s, restore_s : float
        The outage's time split by the phase of failover it was in (they
        add up to ``duration_s``); ``restore_s`` is time with no failover
        under way (waiting for a repair or a restore).
    detected_s : float
        Seconds from the start until a controller or the external probe
        noticed it; NaN if nobody did.
    needed_failover : bool
        Whether a failover process ran during the outage.
    writes_lost : int
        Writes lost (data loss charged to this outage).
    rpo_s : float
        The largest span of writes lost, seconds; NaN if no failover or
        restore decided on the data.
    censored : bool
        Still going at the horizon (``end_s`` is the horizon).
    planned : bool
        Planned work started it: its cause kind is maintenance, chaos, drill,
        preventive or inspection (:data:`relsim.engine.planned.PLANNED_KINDS`).
    """

    start_s: float
    end_s: float
    duration_s: float
    cause_element: str
    cause_spec: int
    cause_kind: str
    detection_s: float
    decision_s: float
    failover_s: float
    restore_s: float
    detected_s: float
    needed_failover: bool
    writes_lost: int
    rpo_s: float
    censored: bool
    planned: bool = False


OUTAGE_FIELDS: tuple[str, ...] = Outage._fields
#: Outage phases in order of precedence when several services are failing over.
PHASES = ("detection", "decision", "failover")


class _OpenOutage:
    """The outage under way: what :class:`Outage` will hold, still changing."""

    __slots__ = ("start", "cause", "phases", "detected", "needed", "writes_lost", "rpo")

    def __init__(self, start: float, cause: tuple[str, int, str], needed: bool):
        self.start = start
        self.cause = cause
        # seconds spent in each phase of PHASES and in "restore" (a literal: no call per outage)
        self.phases = {"detection": 0.0, "decision": 0.0, "failover": 0.0, "restore": 0.0}
        self.detected: float | None = None
        self.needed = needed
        self.writes_lost = 0
        self.rpo = math.nan

    def close(self, end: float, censored: bool) -> Outage:
        name, spec, kind = self.cause
        ph = self.phases
        detected = math.nan if self.detected is None else self.detected
        return Outage(self.start, end, end - self.start, name, spec, kind, ph["detection"], ph["decision"],
                      ph["failover"], ph["restore"], detected, self.needed, self.writes_lost, self.rpo,
                      censored, kind in PLANNED_KINDS)


@dataclass
class RunResult:
    """Raw tallies of one replication; :mod:`relsim.metrics` turns them into metrics."""

    replication: int
    seed: int
    horizon: float
    downtime: float = 0.0
    served_integral: float = 0.0
    failures: int = 0
    failures_by_kind: dict[str, int] = field(default_factory=dict)
    failovers: int = 0
    failed_failovers: int = 0
    false_failovers: int = 0
    flaps: int = 0
    suppressed: int = 0
    false_suspicions: int = 0
    split_brains: int = 0
    split_brain_time: float = 0.0
    elections: int = 0
    degraded_time: float = 0.0
    detection_delays: list[float] = field(default_factory=list)
    writes_lost: int = 0
    data_loss_events: int = 0
    conflicts: int = 0
    unrecoverable: int = 0
    restores: int = 0
    restore_times: list[float] = field(default_factory=list)
    write_latency: float = 0.0
    events: int = 0
    outages: list[Outage] = field(default_factory=list)
    trace: list[dict[str, Any]] | None = None
    #: Each element's own downtime in seconds, when the model asks for it
    #: (``Model.conditioned(element_downtime=True)``, for importance measures).
    element_downtime: dict[str, float] | None = None
    requests: dict[str, float] | None = None  # request tallies, with a workload
    #: Named tallies the model's behaviours added to (docs/extending.md); None without behaviours.
    tallies: dict[str, float] | None = None
    #: The kinds of the model's behaviours: their registered metrics apply (relsim.metric).
    behaviour_kinds: tuple[str, ...] = ()
    #: Incidents and pages (relsim/engine/response.py) with ``alerts:`` or ``teams:``; None otherwise.
    incidents: list[Any] | None = None
    pages: list[Any] | None = None
    #: Tallies of the application-semantics sections (sessions, consistency, sagas;
    #: docs/application.md); None without them.
    app: dict[str, float] | None = None
    #: Tallies of the ``deployments`` section (releases, bad ones, rollbacks, time a bad change
    #: was live, requests failed meanwhile; relsim/engine/deployments.py); None without it.
    changes: dict[str, float] | None = None
    #: Tallies of spares, crew travel, preventive maintenance, inspections and costs
    #: (relsim/engine/spares.py, relsim/engine/upkeep.py); None in a model without them.
    upkeep: dict[str, float] | None = None
    #: Tallies of planned work (scheduled maintenance, chaos experiments, drills, preventive
    #: maintenance; relsim/engine/planned.py); None in a model without planned work. Its
    #: presence makes a replication report planned_downtime_per_year and unplanned_availability.
    planned: dict[str, float] | None = None


def _noop(*_args: Any, **_kw: Any) -> None:
    return None


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while events run.

    The engine's per-event garbage (events, tuples) is freed by reference
    counting; the cyclic collector would instead traverse every live object
    of the model over and over, a cost that grows with the model's size
    (measured: 9.0 -> 6.7 us per event with 10,000 components).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _visit_services(node: Any, order: list[ServiceNode], seen: set[int]) -> None:
    """Append ``node`` to ``order`` after the services it needs (depth first)."""
    if id(node) in seen or not isinstance(node, ServiceNode):
        return
    seen.add(id(node))
    for child in (*node.replicas, *node.deps):
        _visit_services(child, order, seen)
    order.append(node)


class Simulation:
    """Live elements, services and repair crews of one replication.

    Parameters
    ----------
    model : Model
    seed, replication : int
        Which replication of which run (its random streams).
    horizon : float, optional
        Seconds to simulate; the model's horizon by default.
    trace : bool
        Record every event in ``result.trace``.
    on_piece : callable, optional
        With a ``workload`` in fluid mode: called with each integrated
        :class:`~relsim.engine.traffic.Piece` of the request path
        (see :mod:`relsim.engine.traffic`).
    max_events : int, optional
        Stop with :class:`relsim.TooManyEvents` after this many events
        (:mod:`relsim.engine.budget`); unbounded by default.
    """

    def __init__(
        self,
        model: Model,
        seed: int,
        replication: int,
        horizon: float | None = None,
        trace: bool = False,
        on_piece: PieceObserver | None = None,
        max_events: float | None = None,
    ):
        if on_piece is not None and model.spec.workload is None:
            raise ValueError("on_piece observes the request path: the model needs a 'workload'")
        self.model = model
        self.horizon = float(model.horizon if horizon is None else horizon)
        self.max_events = max_events
        self.env = simpy.Environment()
        self.streams = Streams(seed, replication, plan_for(model))
        self.result = RunResult(replication, int(seed), self.horizon)
        self.trace: list[dict[str, Any]] | None = [] if trace else None
        self.log: Callable[..., None] = self._log if trace else _noop
        self.repairs = RepairShop(self, model.spec.repair_crews)
        self.cause: tuple[str, int, str] | None = None
        self._phase_of: dict[int, str] = {}
        self._latent: set[str] = set()
        self._phase_count = dict.fromkeys(PHASES, 0)
        self._outage: _OpenOutage | None = None
        self._probe_delay = 0.0
        self._phase_mark = 0.0
        self._last_t = 0.0
        self.on_piece = on_piece
        # What the builders of relsim.engine.kinds.SECTIONS register:
        self.nodes: dict[str, Element] = {}  # elements by name
        self.elements: list[Element] = []  # in the order their clocks start
        self.service_nodes: dict[str, ServiceNode] = {}
        self.services: list[ServiceNode] = []
        self.targets: dict[str, Node] = {}  # load balancers and DNS names, by name
        self.traffic: Traffic | None = None
        #: Called at the horizon before the tallies are read (behaviours closing their accounts).
        self.at_end: list[Callable[[], None]] = []
        #: Called with the RunResult once every service has added its tallies (costs).
        self.after_finish: list[Callable[[RunResult], None]] = []
        self._build()

    # -- construction ------------------------------------------------------
    def _build(self) -> None:
        model = self.model
        links = {name: tuple(link.between) for name, link in model.spec.links.items()}
        self.network = Network(self, links, model.domain_parents)
        for _section, build in SECTIONS:
            build(self)
        if model.forcing is not None and model.forcing.element_downtime:
            for el in self.elements:  # same slots: only _set_up changes (it keeps own downtime)
                el.__class__ = TimedElement
        probe = model.spec.probe
        self._probe = None
        if probe is not None:
            rng_u = self.streams.uniform("probe")
            self._probe = lambda: (probe.unhealthy - 1 + rng_u()) * probe.interval + probe.timeout
        self.entry = self.service_nodes[model.entry]
        # Availability is the entry service's, or with a workload the request path's.
        self.path: Node = self.entry if self.traffic is None else self.traffic
        #: s below this is an outage: any s < 1 for the entry service; with a
        #: workload, request success below objectives.outage_below (between
        #: it and 1 the request path is only degraded; docs/model-format.md §14.6).
        self.down_below = 1.0 if self.traffic is None else model.spec.objectives.outage_below
        self.path.subscribe(self._entry_changed)

    def node(self, ref: tuple[str, str]) -> Node:
        """The live node a model reference ``(kind, name)`` names (a service or an element)."""
        kind, name = ref
        return self.service_nodes[name] if kind == "service" else self.nodes[name]

    def _start_order(self) -> list[ServiceNode]:
        order: list[ServiceNode] = []
        seen: set[int] = set()
        for node in self.services:
            _visit_services(node, order, seen)
        return order

    # -- helpers for elements and services ------------------------------------
    def after(self, delay: float, callback: Callable[[Any], None]) -> Any:
        """Call ``callback(event)`` after ``delay`` seconds; returns the event.

        An event scheduled while a failure (or its recovery) is being applied
        carries that root cause: whatever it does later — a health check
        taking a backend out or re-admitting it, a DNS answer or cache change,
        a failover step — is a consequence of that failure, and an outage it
        opens names it (docs/model-format.md §14.6).
        """
        ev = self.env.timeout(delay)
        cause = self.cause
        # A partial rather than a closure: one Python call fewer per event.
        ev.callbacks.append(callback if cause is None else partial(self._caused, cause, callback))
        return ev

    def _caused(self, cause: tuple[str, int, str], callback: Callable[[Any], None], ev: Any) -> None:
        self.cause = cause
        try:
            callback(ev)
        finally:
            self.cause = None

    def _log(self, event: str, **fields: Any) -> None:
        assert self.trace is not None
        self.trace.append({"t": self.env.now, "event": event, **fields})

    def begin_cause(self, element: Element, clock: Clock) -> None:
        self.cause = (element.name, clock.index, clock.kind)

    def end_cause(self) -> None:
        self.cause = None

    def count_failure(self, element: Element, clock: Clock) -> None:
        res = self.result
        res.failures += 1
        res.failures_by_kind[clock.kind] = res.failures_by_kind.get(clock.kind, 0) + 1
        self.log("failed", element=element.name, spec=clock.index, kind=clock.kind)

    def begin_named_cause(self, name: str, kind: str) -> None:
        """An outage starting now is caused by ``name`` in a way that is not a failure spec."""
        self.cause = (name, -1, kind)

    def set_phase(self, service: Any, phase: str | None) -> None:
        """``service``'s failover process moved to ``phase`` (None: it ended)."""
        if self._outage is not None:
            self._close_phase()
        old = self._phase_of.pop(id(service), None)
        if old is not None:
            self._phase_count[old] -= 1
        if phase is not None and phase in self._phase_count:
            self._phase_of[id(service)] = phase
            self._phase_count[phase] += 1
            if self._outage is not None:
                self._outage.needed = True

    def data_event(self, writes: int, rpo: float | None) -> None:
        """Data was lost (or a failover/restore lost none): charge it to the current outage."""
        out = self._outage
        if out is not None:
            out.writes_lost += writes
            if rpo is not None:
                out.rpo = rpo if math.isnan(out.rpo) else max(out.rpo, rpo)

    def destroy(self, domain: str, mode: str) -> None:
        """A failure that destroys data (``destroys: data|online``) hit ``domain``."""
        self.log("disaster", domain=domain, destroys=mode)
        for node in self.services:
            if node.data is not None:
                node.data.destroy(domain, mode)

    def latent(self, element: str, hidden: bool) -> None:
        """``element`` has a latent fault (``detect``) that has not been noticed yet."""
        out = self._outage
        if out is not None and out.cause[0] == element:
            self._close_phase()
            if not hidden:
                self.detected()
        if hidden:
            self._latent.add(element)
        else:
            self._latent.discard(element)

    def detected(self) -> None:
        """A controller noticed a failure: the current outage is detected."""
        out = self._outage
        if out is not None and out.detected is None:
            out.detected = self.env.now - out.start

    def _current_phase(self) -> str:
        if self._latent and self._outage is not None and self._outage.cause[0] in self._latent:
            return "detection"  # the outage's own root cause is still unnoticed
        for phase in PHASES:
            if self._phase_count[phase]:
                return phase
        return "restore"

    def _close_phase(self) -> None:
        now = self.env.now
        assert self._outage is not None
        self._outage.phases[self._current_phase()] += now - self._phase_mark
        self._phase_mark = now

    # -- the entry service -------------------------------------------------
    def _entry_changed(self, _node: Any, old: float, new: float) -> None:
        now = self.env.now
        dt = now - self._last_t
        self.result.served_integral += old * dt
        if 0.0 < old < 1.0:
            self.result.degraded_time += dt
        self._last_t = now
        below = self.down_below
        if old >= below and new < below:
            name, spec, kind = cause = self.cause or ("unknown", -1, "unknown")
            self._outage = _OpenOutage(now, cause, any(self._phase_count.values()))
            self._phase_mark = now
            if self._probe is not None:
                self._probe_delay = self._probe()
            self.log("outage_start", cause=name, spec=spec, kind=kind)
        elif old < below and new >= below:
            self._end_outage(now, censored=False)

    def _end_outage(self, now: float, censored: bool) -> None:
        out = self._outage
        assert out is not None
        self._close_phase()
        duration = now - out.start
        if self._probe is not None and self._probe_delay <= duration:
            seen = out.detected
            out.detected = self._probe_delay if seen is None else min(seen, self._probe_delay)
        if duration == 0.0 and not censored:
            # s dipped and came back within one instant (an instant failover,
            # or simultaneous events handled one after the other): no time
            # was lost, so this is not an outage.
            self._outage = None
            self.log("outage_end", duration=0.0)
            return
        self.result.downtime += duration
        self.result.outages.append(out.close(now, censored))
        self._outage = None
        if not censored:
            self.log("outage_end", duration=duration)

    def _dismantle(self) -> None:
        """Break the replication's reference cycles once its result is out (:func:`simulate`).

        Elements and the simulation, clocks and their pending events, nodes
        and their listeners refer to each other. Cut here, the replication's
        objects are freed by reference counting when :func:`simulate` returns
        instead of by the cyclic collector, which would first traverse them
        all (~1 ms per replication of 100 components). Cycles not cut here
        (processes waiting on events, data trackers) are still collected by it.
        The result does not refer to any of this; nothing is used afterwards.
        """
        for el in self.elements:
            for clock in el.clocks:
                clock.pending = None  # the event's callback refers back to the clock
            el.clocks = []
        for group in (self.elements, self.services, self.nodes.values(),
                      self.service_nodes.values(), self.targets.values()):
            for node in group:
                node.listeners = []
        # SimPy's Environment is itself a cycle (it binds its event classes to
        # itself): drop its pending events so the rest does not hang from it.
        self.env._queue.clear()
        self.__dict__.clear()

    # -- running -----------------------------------------------------------
    def run(self) -> RunResult:
        """Run to the horizon and return the replication's tallies."""
        forcing = self.model.forcing
        if forcing is not None:
            for name in forcing.never_fails:  # a perfect element: no failure clock
                self.nodes[name].clocks = []
        for el in self.elements:
            el.start()
        for node in self._start_order():
            node.start()
        if self.traffic is not None:
            self.traffic.start()
        if forcing is not None:
            # Held down after everything started, as a failure at t=0 would
            # be: services react (failover included) and an outage it causes
            # names the element, with kind "forced".
            for el in self.elements:
                if el.name in forcing.always_down:
                    el.force_down()
        run_to(self.env, self.horizon, self.max_events, self.result.replication, self.result.seed)
        for finish in self.at_end:
            finish()
        now = self.horizon
        res = self.result
        res.served_integral += self.path.s * (now - self._last_t)
        if 0.0 < self.path.s < 1.0:
            res.degraded_time += now - self._last_t
        if self._outage is not None:
            self._end_outage(now, censored=True)
        if self.traffic is not None:
            self.traffic.finish(res)
        for node in self.services:
            node.finish(res)  # each mode adds its own tallies
        for finish_result in self.after_finish:
            finish_result(res)
        # SimPy numbers every scheduled event with an itertools.count; reading
        # it once here costs nothing per event, unlike counting in callbacks.
        eid = getattr(self.env, "_eid", None)
        self.result.events = next(eid) if eid is not None else 0
        self.result.trace = self.trace
        if forcing is not None and forcing.element_downtime:
            self.result.element_downtime = {el.name: el.own_downtime(now) for el in self.elements}
        return self.result


#: Which engine :func:`simulate` uses: "auto" (the lean engine for the models it
#: runs, SimPy for the rest), "simpy", "lean" (docs/architecture.md, "The lean engine"),
#: or "batch" (replications in lockstep with numpy, equal in distribution only:
#: relsim/engine/batch.py).
ENGINES = ("auto", "simpy", "lean", "batch")


def simulate(model: Model, seed: int, replication: int, horizon: float | None = None,
             trace: bool = False, on_piece: PieceObserver | None = None,
             max_events: float | None = None, engine: str = "auto") -> RunResult:
    """Run one replication of ``model`` (see :class:`Simulation`, ``on_piece`` included).

    With ``max_events``, a replication that passes that many events raises
    :class:`relsim.TooManyEvents` (:mod:`relsim.engine.budget`).

    ``engine="auto"`` runs the models :mod:`relsim.engine.lean` accepts on
    that engine, which returns the same result bit for bit, faster; a trace
    or an ``on_piece`` observer always runs on SimPy. ``"simpy"`` forces the
    general engine; ``"lean"`` raises ``ValueError`` for a model the lean
    engine does not run. ``"batch"`` (:mod:`relsim.engine.batch`) runs the
    replication's whole block of replications in lockstep and returns its
    result: equal in distribution to the others, not equal for a seed.
    """
    if horizon is not None and (not math.isfinite(horizon) or horizon <= 0):
        raise ValueError(f"horizon must be a positive duration, got {horizon!r}")
    if engine == "batch" and not trace and on_piece is None:
        from relsim.engine.batch import simulate_batch

        return simulate_batch(model, seed, replication, horizon, max_events)
    if engine != "simpy":
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
        from relsim.engine.lean import lean_plan, simulate_lean

        plan = lean_plan(model) if not trace and on_piece is None else "a trace or a piece observer"
        if not isinstance(plan, str):
            return simulate_lean(plan, model, seed, replication, horizon, max_events)
        if engine == "lean":
            raise ValueError(f"the lean engine does not run model {model.name!r}: {plan}")
    with _no_cyclic_gc():  # building 10,000 elements is allocation-heavy too
        sim = Simulation(model, seed, replication, horizon, trace, on_piece, max_events)
        try:
            return sim.run()
        finally:
            sim._dismantle()
