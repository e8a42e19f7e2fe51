"""The lean engine: the SimPy engine's replications, bit for bit, without SimPy.

Most Monte Carlo batches run models made only of the classic parts —
components (and domains) failing permanently, transiently or
intermittently (latent faults and reliability growth included),
active-active and quorum services, FIFO repair crews. For those, the general engine's
machinery (a SimPy event per clock, an object per element and per clock
built anew for each replication, a chain of method calls per state change)
costs more than the model's own logic. This module runs such a model with
one heap of plain tuples and one loop, on a structure built once per model
and reset per replication.

It is a fast path, not another semantics: for every model it accepts it
returns the :class:`~relsim.engine.simulation.RunResult` the SimPy engine
returns for the same (seed, replication) — the same floats, outages,
causes and event count — because it

* takes its structure from a replication the SimPy engine built (elements
  in the order their clocks start, every listener in the order it
  subscribed), so nothing about the wiring is re-derived here;
* draws from the same keyed streams with the same samplers, in the same
  order, so every draw is the same;
* schedules events in the same order with the same tie-breaking (time,
  then order of scheduling), and evaluates services with the same float
  expressions, in the same depth-first order of propagation.

``tests/test_lean_engine.py`` checks the equality over every bundled model
it accepts and over randomly generated models. :func:`lean_plan` says why a
model is not accepted (``None`` if it is); such models run on SimPy.
"""

from __future__ import annotations

import heapq
import math
import threading
import weakref
from typing import Any

from relsim.engine.node import ALMOST_ONE
from relsim.engine.planned import PLANNED_KINDS
from relsim.engine.streams import FIRST_LANES, Streams, first_draws, plan_for
from relsim.errors import TooManyEvents
from relsim.model import Model

__all__ = ["LeanPlan", "lean_plan", "lean_refusal", "simulate_lean"]

# What a listener does with a change of the node it listens to.
_CHILD, _ACTIVE, _QUORUM, _DEP, _ENTRY = range(5)
# Scheduled actions.
_FIRE, _REPAIRED, _RECOVER, _FOUND, _SPELL = range(5)
#: Model sections the lean engine leaves to the SimPy engine when they are not empty.
_OTHER_SECTIONS = (
    "links", "probe", "workload", "load_balancers", "dns", "behaviours", "alerts", "noise", "teams",
    "observability", "severity", "incidents", "sessions", "operations", "latency", "sagas", "mesh",
    "deployments", "spares", "costs", "phases", "schedule",
)


def lean_refusal(model: Model) -> str | None:
    """Why the lean engine does not run ``model`` (None: it does)."""
    spec = model.spec
    if model.forcing is not None:
        return "conditioned elements (importance measures)"
    for section in _OTHER_SECTIONS:
        value = getattr(spec, section)
        if value:
            return f"the '{section}' section"
    for name, dom in model.domains.items():
        if dom.travel is not None:
            return f"domain {name!r} has crew travel"
    for name, comp in spec.components.items():
        if comp.maintenance is not None or comp.inspection is not None:
            return f"component {name!r} has maintenance or inspection"
    owners = [*(("domain", n, d.failures) for n, d in model.domains.items()),
              *(("component", n, c.failures) for n, c in spec.components.items())]
    for kind, name, failures in owners:
        for f in failures:
            if f.kind not in ("permanent", "transient", "intermittent"):
                return f"{kind} {name!r} has a failure of kind {f.kind!r}"
    from relsim.engine.kinds import SERVICE_MODES
    from relsim.engine.services import ActiveActive, Quorum

    for name, svc in spec.services.items():
        if SERVICE_MODES[svc.mode] not in (ActiveActive, Quorum):  # the modes it runs, by their classes
            return f"service {name!r} is {svc.mode}"
        if svc.overload is not None or svc.data is not None or svc.election is not None:
            return f"service {name!r} has overload, data or an election"
    return None


class LeanPlan:
    """A model's structure for the lean engine, taken once from a replication the SimPy engine built.

    ``refusal`` says why the built replication holds something the lean
    engine does not run (None: it runs it).
    """

    refusal: str | None = None

    def _refuse(self, reason: str) -> None:
        self.refusal = reason

    def __init__(self, model: Model):
        from relsim.engine.elements import Element
        from relsim.engine.services import ActiveActive, Quorum, ServiceNode
        from relsim.engine.simulation import Simulation

        sim = Simulation(model, 0, 0)
        try:
            if sim.traffic is not None or sim.targets or sim.at_end or sim.after_finish or sim._probe is not None:
                return self._refuse("a part the lean engine does not run")
            elements = sim.elements
            services = sim._start_order()
            if len(services) != len(sim.services):
                return self._refuse("a service outside the service graph")
            nodes = [*elements, *services]
            index = {id(n): i for i, n in enumerate(nodes)}
            for el in elements:
                if type(el) is not Element:
                    return self._refuse(f"element {el.name!r} of kind {type(el).__name__}")
            for svc in services:
                if type(svc) not in (ActiveActive, Quorum):
                    return self._refuse(f"service {svc.name!r} of kind {type(svc).__name__}")
                if getattr(svc, "overload", None) is not None or svc.data is not None:
                    return self._refuse(f"service {svc.name!r} has overload or data")
            kinds = {
                Element._parent_changed: _CHILD,
                ActiveActive.replica_changed: _ACTIVE,
                Quorum.replica_changed: _QUORUM,
                ServiceNode.dependency_changed: _DEP,
                Simulation._entry_changed: _ENTRY,
            }
            self.listeners: list[tuple[tuple[int, int], ...]] = []
            for node in nodes:
                out = []
                for fn in node.listeners:
                    target = getattr(fn, "__self__", None)
                    kind = kinds.get(getattr(fn, "__func__", None))
                    if kind is None or (kind == _ENTRY) != (target is sim):
                        return self._refuse(f"a listener of {node.name!r} the lean engine does not know")
                    if kind == _QUORUM and target.needs is None:
                        return self._refuse(f"quorum {target.name!r} without needs")
                    out.append((kind, -1 if kind == _ENTRY else index[id(target)]))
                self.listeners.append(tuple(out))
            self.n_elements = len(elements)
            self.names = [n.name for n in nodes]
            #: Per element: its clocks (global indices), in order.
            self.element_clocks: list[tuple[int, ...]] = []
            self.clock_element: list[int] = []
            self.clock_specs: list[Any] = []
            self.clock_keys: list[str] = []
            self.clock_causes: list[tuple[str, int, str]] = []
            for e, el in enumerate(elements):
                ids = []
                for clock in el.clocks:
                    ids.append(len(self.clock_specs))
                    self.clock_element.append(e)
                    self.clock_specs.append(clock.spec)
                    self.clock_keys.append(clock.key)
                    self.clock_causes.append(clock.cause)
                self.element_clocks.append(tuple(ids))
            self.clock_kind = [_KINDS[spec.kind] for spec in self.clock_specs]
            self.clock_detect = [getattr(spec, "detect", None) is not None for spec in self.clock_specs]
            self.clock_growth: list[float | None] = [getattr(spec, "growth", None) for spec in self.clock_specs]
            #: Per role (ROLES) and clock: the distribution drawn (None: not one of the clock's roles)
            #: and how to draw from it (see _how_to_draw).
            self.role_dist = [[_role_dist(spec, role) for spec in self.clock_specs] for role in range(len(ROLES))]
            self.role_how = [[_how_to_draw(d) if d is not None else None for d in dists]
                             for dists in self.role_dist]
            # Each clock's distribution per role, in the order of streams.FIRST_ROLES (the second
            # role is a permanent failure's repair and another kind's lasts, never both), and the
            # (seed, block, per role: first draws, last first) of the last block of replications.
            self._first_dists = [tuple(self.role_dist[role][c] for role in range(len(ROLES)))
                                 for c in range(len(self.clock_specs))]
            self._firsts: tuple[int, int, Any] = (-1, -1, None)
            # Services: replicas (node indices), dependencies, needs.
            self.service_replicas = [tuple(index[id(r)] for r in s.replicas) for s in services]
            self.service_deps = [tuple(index[id(d)] for d in s.deps) for s in services]
            self.service_needs = [s.needs for s in services]
            self.service_quorum = [type(s) is Quorum for s in services]
            self.entry = index[id(sim.entry)]
            self.crews = model.spec.repair_crews
            self.horizon = sim.horizon
            self.start = _start_state(self)
        finally:
            sim._dismantle()


    def first_buffers(self, seed: int, replication: int) -> list[Any]:
        """Per role (None if no clock has it), each clock's buffer of first draws (streams.first_draws).

        A buffer is a list to pop from the end: the role's draws, last first.
        """
        block, lane = divmod(replication, FIRST_LANES)
        got = self._firsts
        if got[0] != seed or got[1] != block:
            tables = first_draws(seed, block, self.clock_keys, self._first_dists)
            got = self._firsts = (seed, block, [(role, table[:, ::-1, :]) for role, table in tables.items()])
        bufs: list[Any] = [None] * len(ROLES)
        for role, table in got[2]:
            bufs[role] = table[:, :, lane].tolist()
        return bufs


def _start_state(plan: LeanPlan) -> tuple[list[float], list[int], list[dict[int, float]], list[float], list[float]]:
    """Every node's state at time 0, the same in every replication: (s, n_up, partial, dep_factor, base).

    Elements start up; services are worked out children first, as the
    SimPy engine's ``start`` does: each one's replicas up, partial shares,
    product of dependencies and own share.
    """
    n_el = plan.n_elements
    needs, quorum, deps = plan.service_needs, plan.service_quorum, plan.service_deps
    s = [1.0] * len(plan.names)
    n_up: list[int] = []
    partial: list[dict[int, float]] = []
    dep_factor: list[float] = []
    base: list[float] = []
    for k in range(len(needs)):
        reps = plan.service_replicas[k]
        n_up.append(sum(1 for r in reps if s[r] == 1.0))
        partial.append({r: s[r] for r in reps if 0.0 < s[r] < 1.0})
        f = 1.0
        for d in deps[k]:
            f *= s[d]
        dep_factor.append(f)
        if quorum[k]:
            b = 1.0 if n_up[k] >= needs[k] else 0.0
        else:
            p = partial[k]
            u = n_up[k] + (sum(p.values()) if p else 0.0)
            b = u / needs[k]
            b = 1.0 if b >= ALMOST_ONE else b
        base.append(b)
        s[n_el + k] = b * f
    return s, n_up, partial, dep_factor, base


#: The draws of a failure clock, each from its own buffer of the clock's stream: the up-time,
#: the repair (permanent) or the episode's or outage's length (intermittent, transient), the
#: delay until a latent fault is found, and an intermittent episode's down and up spells.
ROLES = ("every", "second", "detect", "down", "up")
_EVERY, _SECOND, _DETECT, _DOWN, _UP = range(len(ROLES))
_KINDS = {"permanent": 0, "transient": 1, "intermittent": 2}
_PERMANENT, _TRANSIENT, _INTERMITTENT = range(3)


def _role_dist(spec: Any, role: int) -> Any:
    """The distribution of one role of a failure spec (None if the spec has no such draw)."""
    if role == _EVERY:
        return spec.every
    if role == _SECOND:
        return spec.repair if spec.kind == "permanent" else spec.lasts
    if role == _DETECT:
        return getattr(spec, "detect", None)
    return getattr(spec, ROLES[role], None) if spec.kind == "intermittent" else None


def _how_to_draw(dist: Any) -> tuple[int, Any]:
    """How the lean engine draws from ``dist`` as :meth:`Streams.sampler` would.

    ``(_CONSTANT, value)`` for a fixed value (no stream used);
    ``(_DEFERRED, dist.sample)`` and ``(_BLOCKS, dist.sample)`` for the
    library's own buffered sampler (blocks of :data:`BLOCK` drawn with
    ``sample``, handed out in order), the first for the families whose
    ``sample`` draws value after value from the stream (see
    :data:`SEQUENTIAL`); ``(_OWN, None)`` for a distribution with a sampler
    of its own (a user-registered family), which is then called as it is.
    """
    from relsim.dists import Distribution, Fixed

    if isinstance(dist, Fixed):
        return _CONSTANT, float(dist.value)
    if type(dist).sampler is Distribution.sampler:
        # (a point-mass lognormal or normal draws nothing: sample() is np.full, which needs a size)
        point = getattr(dist, "sd", None) == 0 or getattr(dist, "sigma", None) == 0
        return (_DEFERRED if type(dist).__name__ in SEQUENTIAL and not point else _BLOCKS), dist.sample
    return _OWN, None


_CONSTANT, _BLOCKS, _DEFERRED, _OWN = range(4)
#: The block size of relsim.dists.Distribution.sampler.
BLOCK = 64
#: Families whose ``sample(rng, n)`` is ``n`` draws one after the other from
#: the stream, so that ``sample(rng, None)`` (one draw, a scalar) then
#: ``sample(rng, 63)`` give the block ``sample(rng, 64)`` gives
#: (tests/test_lean_engine.py checks it). The
#: lean engine draws the first value of such a block alone and the other 63
#: only when the stream is next used: most clocks of a replication draw one
#: up-time and never fail. (Empirical is not one: numpy's bounded integers
#: keep half-used 32-bit words within one call.)
SEQUENTIAL = frozenset({"Exponential", "Weibull", "Lognormal", "Gamma", "Normal", "Uniform"})


_PLANS: dict[int, LeanPlan | str] = {}
_LOCK = threading.Lock()


def lean_plan(model: Model) -> LeanPlan | str:
    """The model's :class:`LeanPlan`, or the reason it has none (kept while the model lives)."""
    got = _PLANS.get(id(model))
    if got is not None:
        return got
    reason = lean_refusal(model)
    if reason is None:
        plan = LeanPlan(model)
        got = plan if plan.refusal is None else plan.refusal
    else:
        got = reason
    with _LOCK:
        try:
            weakref.finalize(model, _PLANS.pop, id(model), None)
        except TypeError:
            return got
        _PLANS[id(model)] = got
    return got


def simulate_lean(plan: LeanPlan, model: Model, seed: int, replication: int, horizon: float | None = None,
                  max_events: float | None = None) -> Any:
    """One replication on the lean engine: what :func:`relsim.engine.simulation.simulate` returns."""
    from relsim.engine.simulation import Outage, RunResult

    h = float(plan.horizon if horizon is None else horizon)
    res = RunResult(replication, int(seed), h)
    streams = Streams(seed, replication, plan_for(model))
    n_el = plan.n_elements
    listeners = plan.listeners
    names = plan.names
    # elements
    up = [True] * n_el
    parent_up = [True] * n_el
    failing = [-1] * n_el  # the clock holding the element down
    element_clocks = plan.element_clocks
    # clocks
    n_clocks = len(plan.clock_specs)
    causes = plan.clock_causes
    clock_kind = plan.clock_kind
    clock_detect = plan.clock_detect
    clock_growth = plan.clock_growth
    clock_element = plan.clock_element
    pending = [0] * n_clocks  # the token of the clock's scheduled firing; 0: none
    due = [0.0] * n_clocks
    remaining: list[float | None] = [None] * n_clocks
    scale = [1.0] * n_clocks  # reliability growth: up-times are multiplied by this once grown
    grown = [False] * n_clocks
    episode_end = [0.0] * n_clocks  # of an intermittent episode under way
    rngs: list[Any] = [None] * n_clocks  # each clock's own stream, made when a role has used its first draws
    clock_keys = plan.clock_keys
    generator = streams.generator
    role_how = plan.role_how
    # per role some clock has, each clock's buffer of draws (None until its first block)
    bufs = plan.first_buffers(streams.seed, replication)  # the first draws of each role, then none
    every_buf, second_buf = bufs[_EVERY], bufs[_SECOND]
    # A block of which only the first value was drawn: (role, sample) of the role owing the
    # other BLOCK - 1, drawn before anything else draws from the clock's stream.
    owed: list[Any] = [None] * n_clocks
    own: dict[tuple[int, int], Any] = {}  # samplers of user-registered families, made at first draw

    def draw(c: int, role: int) -> float:
        """The next draw of one role of clock ``c``, its role's buffer being empty."""
        how, arg = role_how[role][c]
        if how == _CONSTANT:
            return arg
        rng = rngs[c]
        if rng is None:
            rng = rngs[c] = generator(clock_keys[c])
        debt = owed[c]
        if debt is not None:  # the rest of a block: drawn now, before the stream is used again
            owed[c] = None
            buf = debt[1](rng, BLOCK - 1)[::-1].tolist()
            bufs[debt[0]][c] = buf
            if debt[0] == role:
                return buf.pop()
        if how == _DEFERRED:
            owed[c] = (role, arg)
            return float(arg(rng, None))  # size None: one draw, as a scalar
        if how == _BLOCKS:
            buf = arg(rng, BLOCK)[::-1].tolist()
            bufs[role][c] = buf
            return buf.pop()
        sampler = own.get((c, role))
        if sampler is None:
            sampler = own[(c, role)] = plan.role_dist[role][c].sampler(rng)
        return sampler()

    def up_time(c: int) -> float:
        """Clock ``c``'s next up-time (stretched by reliability growth once it has grown)."""
        buf = every_buf[c]
        r = buf.pop() if buf else draw(c, _EVERY)
        return r * scale[c] if grown[c] else r

    # services (node index n_el + k)
    s0, n_up0, partial0, dep_factor0, base0 = plan.start
    s = s0[:]
    n_up = n_up0[:]
    partial = [dict(p) for p in partial0]
    base = base0[:]
    dep_factor = dep_factor0[:]
    needs = plan.service_needs
    deps = plan.service_deps
    # queue
    heap: list[tuple[float, int, int, int, int]] = []
    push = heapq.heappush
    pop = heapq.heappop
    eid = 0
    now = 0.0
    cause: tuple[str, int, str] | None = None
    # the entry service and the outage under way
    entry = plan.entry
    last_t = 0.0
    outage_start = -1.0  # < 0: no outage under way
    outage_cause: tuple[str, int, str] = ("unknown", -1, "unknown")
    detection = 0.0  # seconds of the outage while its root cause was a latent fault nobody knew of
    restoring = 0.0  # the rest
    phase_mark = 0.0
    detected: float | None = None
    latent: set[str] = set()  # elements with a latent fault not found yet
    outages = res.outages
    served = 0.0
    degraded = 0.0
    downtime = 0.0
    free = plan.crews
    queue: list[int] = []  # elements waiting for a crew, first come first served
    qhead = 0
    failures = 0
    by_kind: dict[str, int] = {}

    def close_phase() -> None:
        """Charge the time since the last mark to the outage's detection or restore phase."""
        nonlocal detection, restoring, phase_mark
        if latent and outage_cause[0] in latent:
            detection += now - phase_mark
        else:
            restoring += now - phase_mark
        phase_mark = now

    def end_outage(censored: bool) -> None:
        nonlocal downtime, outage_start
        close_phase()
        duration = now - outage_start
        if duration != 0.0 or censored:
            downtime += duration
            name, spec, kind = outage_cause
            outages.append(Outage(outage_start, now, duration, name, spec, kind, detection, 0.0, 0.0,
                                  restoring, math.nan if detected is None else detected, False, 0, math.nan,
                                  censored, kind in PLANNED_KINDS))
        outage_start = -1.0

    def publish(node: int, new: float) -> None:
        nonlocal served, degraded, last_t, outage_start, outage_cause, detection, restoring, phase_mark, detected
        old = s[node]
        if new == old:
            return
        s[node] = new
        for kind, t in listeners[node]:
            if kind == _ACTIVE or kind == _QUORUM:  # a replica changed: counts, then the mode's rule
                k = t - n_el
                if old == 1.0:
                    n_up[k] -= 1
                elif old > 0.0:
                    del partial[k][node]
                if new == 1.0:
                    n_up[k] += 1
                elif new > 0.0:
                    partial[k][node] = new
                if kind == _QUORUM:
                    b = 1.0 if n_up[k] >= needs[k] else 0.0
                else:
                    p = partial[k]
                    u = n_up[k] + (sum(p.values()) if p else 0.0)
                    b = u / needs[k]
                    b = 1.0 if b >= ALMOST_ONE else b
                base[k] = b
                publish(t, b * dep_factor[k] * 1.0)
            elif kind == _CHILD:
                pu = new == 1.0
                parent_up[t] = pu
                publish(t, 1.0 if (up[t] and pu) else 0.0)
            elif kind == _DEP:
                k = t - n_el
                f = 1.0
                for d in deps[k]:
                    f *= s[d]
                dep_factor[k] = f
                publish(t, base[k] * f * 1.0)
            else:  # the entry service
                dt = now - last_t
                served += old * dt
                if 0.0 < old < 1.0:
                    degraded += dt
                last_t = now
                if old >= 1.0 and new < 1.0:
                    outage_start = now
                    outage_cause = cause or ("unknown", -1, "unknown")
                    detection = restoring = 0.0
                    phase_mark = now
                    detected = None
                elif old < 1.0 and new >= 1.0:
                    end_outage(False)

    # -- start: clocks in element order, then services children first -----------
    for c in range(n_clocks):
        r = every_buf[c].pop()  # up_time(c): the first draw, never grown
        # resume(): due = now + delay; SimPy schedules at now + delay
        due[c] = r
        eid += 1
        pending[c] = eid
        push(heap, (0.0 + r, eid, _FIRE, c, eid))
    if s[entry] < 1.0:  # the entry does not serve from the start: the SimPy engine's
        # _entry_changed(path, 1.0, s), the entry's own bookkeeping only, at time 0
        outage_start = 0.0
        outage_cause = (names[entry], -1, "load")

    limit = math.inf if max_events is None else int(max_events)
    processed = 0

    def request_repair(e: int) -> None:
        nonlocal free
        if free is None or free > 0:
            if free is not None:
                free -= 1
            start_repair(e)
        else:
            queue.append(e)

    def start_repair(e: int) -> None:
        nonlocal eid
        c = failing[e]
        buf = second_buf[c]
        r = buf.pop() if buf else draw(c, _SECOND)
        eid += 1
        push(heap, (now + r, eid, _REPAIRED, e, 0))

    def recover(e: int) -> None:
        """A transient failure or an intermittent episode ends: back up, clocks resume.

        No cause is set: a return never lowers a served share here (every mode
        the lean engine runs is monotone in its replicas), so it opens no outage.
        """
        nonlocal eid
        c = failing[e]
        failing[e] = -1
        up[e] = True
        publish(e, 1.0 if parent_up[e] else 0.0)
        r = up_time(c)
        due[c] = now + r
        eid += 1
        pending[c] = eid
        push(heap, (now + r, eid, _FIRE, c, eid))
        for o in element_clocks[e]:
            rem = remaining[o]
            if o != c and rem is not None:
                remaining[o] = None
                due[o] = now + rem
                eid += 1
                pending[o] = eid
                push(heap, (now + rem, eid, _FIRE, o, eid))

    def spell(e: int, c: int, down: bool) -> None:
        """An intermittent episode's next spell (down or up), or its end."""
        nonlocal cause, eid, failures
        if now >= episode_end[c]:
            recover(e)
            return
        cause = causes[c]
        if down:
            failures += 1
            by_kind["intermittent"] = by_kind.get("intermittent", 0) + 1
            up[e] = False
            publish(e, 0.0)
        else:
            up[e] = True
            publish(e, 1.0 if parent_up[e] else 0.0)
        cause = None
        role = _DOWN if down else _UP
        buf = bufs[role][c]
        length = buf.pop() if buf else draw(c, role)
        end = min(now + length, episode_end[c])
        eid += 1
        push(heap, (now + (end - now), eid, _SPELL, e, 0 if down else 1))

    while heap and heap[0][0] < h:
        if processed >= limit:
            raise TooManyEvents(int(limit), replication=replication, seed=int(seed), time=float(now))
        t_ev, _id, action, arg, token = pop(heap)
        processed += 1
        now = t_ev
        if action == _FIRE:
            c = arg
            if pending[c] != token:
                continue  # paused or restarted since it was scheduled
            pending[c] = 0
            e = clock_element[c]
            failing[e] = c
            clocks = element_clocks[e]
            if len(clocks) > 1:
                for o in clocks:
                    if o != c and pending[o]:
                        remaining[o] = due[o] - now
                        pending[o] = 0
            cause = causes[c]
            kind = clock_kind[c]
            if kind == _INTERMITTENT:
                buf = second_buf[c]
                episode_end[c] = now + (buf.pop() if buf else draw(c, _SECOND))
                spell(e, c, True)
                cause = None
                continue
            failures += 1
            by_kind[cause[2]] = by_kind.get(cause[2], 0) + 1
            growth = clock_growth[c]
            if growth is not None:  # the fix after this incident applies from the next up-time
                scale[c] /= growth
                grown[c] = True
            up[e] = False
            publish(e, 0.0)
            if kind == _TRANSIENT:
                buf = second_buf[c]
                r = buf.pop() if buf else draw(c, _SECOND)
                eid += 1
                push(heap, (now + r, eid, _RECOVER, e, 0))
            elif clock_detect[c]:  # a latent fault: nobody knows until it is found
                name = names[e]
                if outage_start >= 0.0 and outage_cause[0] == name:
                    close_phase()
                latent.add(name)
                buf = bufs[_DETECT][c]
                r = buf.pop() if buf else draw(c, _DETECT)
                eid += 1
                push(heap, (now + r, eid, _FOUND, e, 0))
            else:
                request_repair(e)
            cause = None
        elif action == _REPAIRED:
            e = arg
            c = failing[e]
            failing[e] = -1
            clocks = element_clocks[e]
            for o in clocks:
                pending[o] = 0
                remaining[o] = None
            up[e] = True
            publish(e, 1.0 if parent_up[e] else 0.0)  # a return opens no outage: no cause
            for o in clocks:
                r = up_time(o)
                due[o] = now + r
                eid += 1
                pending[o] = eid
                push(heap, (now + r, eid, _FIRE, o, eid))
            if free is not None:
                if qhead < len(queue):
                    nxt = queue[qhead]
                    qhead += 1
                    start_repair(nxt)
                else:
                    free += 1
        elif action == _RECOVER:  # a transient failure ends
            recover(arg)
        elif action == _SPELL:
            spell(arg, failing[arg], token == 1)
        else:  # _FOUND: a latent fault is found; its repair is asked for
            e = arg
            name = names[e]
            if outage_start >= 0.0 and outage_cause[0] == name:
                close_phase()
                if detected is None:
                    detected = now - outage_start
            latent.discard(name)
            request_repair(e)

    # -- the horizon ---------------------------------------------------------
    now = h
    path_s = s[entry]
    served += path_s * (now - last_t)
    if 0.0 < path_s < 1.0:
        degraded += now - last_t
    if outage_start >= 0.0:
        end_outage(True)
    res.downtime = downtime
    res.served_integral = served
    res.degraded_time = degraded
    res.failures = failures
    res.failures_by_kind = by_kind
    res.events = eid + 2
    return res
