"""Live elements (domains, components, links...) and their failure clocks.

Semantics: docs/model-format.md.

An element is *up* when none of its failure specs holds it down, and
*effectively up* when it is up and its enclosing domain is effectively up.
Its served fraction ``s`` is 1 when effectively up, else 0; a change of ``s``
is pushed to the services listening to it (incremental evaluation: only the
path from the element to the entry service is re-evaluated).

Clock rules:

* every failure spec runs its own clock, only while the element is up: when
  one spec takes the element down, the others pause and keep their remaining
  time;
* a permanent failure ends with a repair, after which the element is as good
  as new: every clock restarts with a fresh draw;
* a transient failure or intermittent episode ends by itself; its own clock
  restarts and the paused ones resume. An intermittent episode is one failure
  mode: the other clocks stay paused through all its spells;
* a domain failure does not stop or damage what it contains (unreachable, not
  broken): their clocks keep running;
* an element *held* as a cold standby runs no clocks until released.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from relsim.engine.node import Node
from relsim.engine.streams import FIRST_ROLES, role_dists

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["Clock", "Element", "TimedElement", "add_element", "build_components", "build_domains"]


def _first_then(first: Callable[[], list[float]], rest: Callable[[], float]) -> Callable[[], float]:
    """A sampler giving the values ``first()`` returns (asked for at the first draw), then what ``rest`` gives."""
    pending: list[float] | None = None

    def draw() -> float:
        nonlocal pending
        if pending is None:
            pending = first()[::-1]
        return pending.pop() if pending else rest()

    return draw


class _FirstDraws:
    """A clock's first draws per role (``streams.first_draws``), fetched at its first draw.

    It holds no reference to the clock or the simulation, so the clock's
    samplers make no reference cycle through it.
    """

    __slots__ = ("streams", "key", "spec", "rows")

    def __init__(self, streams: Any, key: str, spec: Any):
        self.streams = streams
        self.key = key
        self.spec = spec
        self.rows: list[list[float] | None] | None = None

    def __call__(self, j: int) -> list[float]:
        """The replication's first draws of role ``FIRST_ROLES[j]`` (none if the spec has not that role)."""
        if self.rows is None:
            self.rows = self.streams.first_draws(self.key, role_dists(self.spec))
        return self.rows[j] or []


class Clock:
    """The clock of one failure spec of one element."""

    __slots__ = (
        "element", "spec", "index", "kind", "key", "sim", "rng", "every", "_lazy", "cause",
        "pending", "due", "remaining", "episode_end", "scale", "drawn", "_firsts",
    )

    def __init__(self, element: Element, spec: Any, index: int, sim: Simulation, key: str | None = None):
        self.element = element
        self.spec = spec
        self.index = index
        self.kind: str = spec.kind
        self.key = f"{element.name}/{index}" if key is None else key
        self.cause = (element.name, index, spec.kind)  # an outage's root cause, if this starts one
        self.sim = sim
        # One stream per (element, failure spec) (see relsim.engine.streams); each role
        # (every, repair, lasts, ...) draws blocks from it in its own buffer, after the
        # role's first FIRST_DRAWS draws, which come from the key's stream for a block
        # of replications (relsim.engine.streams.first_draws).
        self.rng = sim.streams.generator(self.key)
        self._firsts = _FirstDraws(sim.streams, self.key, spec)
        self.every = _first_then(partial(self._firsts, 0), sim.streams.sampler(spec.every, self.key, self.rng))
        self._lazy: dict[str, Callable[[], float]] = {}
        self.pending: Any = None
        self.due = 0.0
        self.remaining: float | None = None
        self.episode_end = 0.0
        self.scale = 1.0  # reliability growth: up-times are stretched by this (spec.growth)
        self.drawn = self.every

    def grow(self, factor: float) -> None:
        """A post-incident fix: this failure mode's rate is multiplied by ``factor`` from the next up-time on.

        ``every`` draws are divided by the product of the factors so far
        (a fixed factor per fix: docs/changes.md, "Reliability growth").
        """
        self.scale /= factor
        drawn, scale = self.drawn, self.scale
        self.every = lambda: drawn() * scale

    def draw(self, role: str) -> float:
        """A draw from the spec's ``role`` distribution (``repair``, ``lasts``...)."""
        sampler = self._lazy.get(role)
        if sampler is None:
            sampler = self.sim.streams.sampler(getattr(self.spec, role), self.key, self.rng)
            if role in FIRST_ROLES:
                sampler = _first_then(partial(self._firsts, FIRST_ROLES.index(role)), sampler)
            self._lazy[role] = sampler
        return sampler()

    # -- clock control -----------------------------------------------------
    def restart(self) -> None:
        """Start afresh: a new up-time draw."""
        self.remaining = self.every()
        if not self.element.held:
            self.resume()

    def pause(self) -> None:
        if self.pending is not None:
            self.remaining = self.due - self.sim.env.now
            self.pending = None

    def resume(self) -> None:
        if self.remaining is None:
            return
        delay = self.remaining
        self.remaining = None
        self.due = self.sim.env.now + delay
        ev = self.sim.env.timeout(delay)
        ev.callbacks.append(self._fire)
        self.pending = ev

    def _fire(self, ev: Any) -> None:
        if ev is not self.pending:
            return  # paused or restarted since this was scheduled
        self.pending = None
        self.element.fail(self)


class _OverloadSpec:
    """Stands in for a failure spec when a service overload fails an element."""

    kind = "overload"
    silent = False


class _OverloadClock:
    spec = _OverloadSpec()
    index = -1
    kind = "overload"


OVERLOAD: Any = _OverloadClock()


class Element(Node):
    """A domain, component, link, load balancer or DNS provider in one replication.

    Parameters
    ----------
    name : str
        The element's name in the model file.
    kind : str
        What it is (``domain``, ``component``, ``link``, ``load_balancer``,
        ``dns``), for traces and failure tallies.
    sim : Simulation
        The replication it lives in.
    """

    __slots__ = (
        "kind", "sim", "clocks", "children", "up", "parent_up",
        "failing", "held", "place", "down_since", "down_total",
    )

    def __init__(self, name: str, kind: str, sim: Simulation):
        super().__init__(name)
        self.kind = kind
        self.sim = sim
        self.clocks: list[Clock] = []
        self.children: list[Element] = []
        self.up = True
        self.parent_up = True
        self.failing: Clock | None = None
        self.held = False
        self.place: frozenset[str] = frozenset()  # enclosing domains, for reachability
        # Its own downtime (not counting enclosing domains), for importance measures.
        self.down_since = 0.0
        self.down_total = 0.0

    def add_failures(self, specs: tuple[Any, ...]) -> None:
        self.clocks = [Clock(self, spec, i, self.sim) for i, spec in enumerate(specs)]

    def contain(self, child: Element) -> None:
        """``child`` lives inside this domain: it is effectively up only while this is.

        The child listens to this domain ahead of every other listener, in
        the order children were placed: a domain's failure reaches what it
        contains before it reaches the services watching the domain itself.
        """
        self.children.append(child)
        self.listeners.insert(len(self.children) - 1, child._parent_changed)
        child.parent_up = self.s == 1.0

    def start(self) -> None:
        for clock in self.clocks:
            clock.restart()

    def own_downtime(self, now: float) -> float:
        """Seconds this element itself has been down so far (enclosing domains aside).

        Kept only by a :class:`TimedElement`.
        """
        return self.down_total + (0.0 if self.up else now - self.down_since)

    def force_down(self) -> None:
        """Hold this element down from now on, never repaired (importance measures).

        Its failure clocks are dropped, so it takes no repair crew and never
        comes back; the services see it fail like any failure, failover included.
        """
        for clock in self.clocks:
            clock.pending = None
        self.clocks = []
        self.sim.begin_named_cause(self.name, "forced")
        self._set_up(False)
        self.sim.end_cause()

    # -- state propagation -------------------------------------------------
    def _set_up(self, up: bool) -> None:
        self.up = up
        self._publish(1.0 if (up and self.parent_up) else 0.0)

    def _parent_changed(self, _parent: Element, _old: float, new: float) -> None:
        parent_up = new == 1.0
        self.parent_up = parent_up
        self._publish(1.0 if (self.up and parent_up) else 0.0)

    # -- failure life cycle ------------------------------------------------
    def fail(self, clock: Clock) -> None:
        """``clock`` has run out: the element fails in that spec's way."""
        sim = self.sim
        self.failing = clock
        if len(self.clocks) > 1:
            for other in self.clocks:
                if other is not clock:
                    other.pause()
        sim.cause = clock.cause
        spec = clock.spec
        kind = clock.kind
        if kind == "intermittent":
            clock.episode_end = sim.env.now + clock.draw("lasts")
            self._spell(down=True)
        else:
            sim.count_failure(self, clock)
            growth = getattr(spec, "growth", None)
            if growth is not None:
                clock.grow(growth)  # the fix after this incident applies to the next up-time
            if spec.destroys is not None:
                sim.destroy(self.name, spec.destroys)
            self._set_up(False)
            if kind == "transient":
                sim.after(clock.draw("lasts"), self._recover)
            elif spec.detect is not None:
                sim.latent(self.name, True)  # a latent fault: nobody knows yet
                sim.after(clock.draw("detect"), self._request_repair)
            else:
                self._request_repair(None)
        sim.cause = None

    def _request_repair(self, ev: Any) -> None:
        if ev is not None:
            self.sim.latent(self.name, False)  # the latent fault is found
        self.sim.repairs.request(self)

    def repaired(self) -> None:
        """A crew has finished: as good as new, every clock restarts."""
        failing = self.failing
        self.failing = None
        for clock in self.clocks:
            clock.pending = None
            clock.remaining = None
        self.sim.log("repaired", element=self.name)
        self._come_back(failing)
        for clock in self.clocks:
            clock.restart()

    def _come_back(self, failing: Clock | None) -> None:
        """Serve again; whatever this sets off (a re-admission, a DNS change) is that failure's aftermath."""
        sim = self.sim
        if failing is not None:
            sim.begin_cause(self, failing)
        self._set_up(True)
        sim.end_cause()  # the clocks restarted next start afresh

    def _recover(self, _ev: Any) -> None:
        clock = self.failing
        assert clock is not None
        self.failing = None
        self.sim.log("recovered", element=self.name, spec=clock.index)
        self._come_back(clock)
        clock.restart()
        if not self.held:
            for other in self.clocks:
                if other is not clock:
                    other.resume()

    def _spell(self, down: bool) -> None:
        clock = self.failing
        assert clock is not None
        sim = self.sim
        now = sim.env.now
        if now >= clock.episode_end:
            sim.log("episode_end", element=self.name, spec=clock.index)
            self._recover(None)
            return
        if down:
            sim.begin_cause(self, clock)
            sim.count_failure(self, clock)
            self._set_up(False)
            sim.end_cause()
        else:
            sim.log("spell_up", element=self.name, spec=clock.index)
            self._come_back(clock)
        length = clock.draw("down" if down else "up")
        end = min(now + length, clock.episode_end)
        sim.after(end - now, lambda _ev: self._spell(not down))

    # -- overload --------------------------------------------------------
    def overload_fail(self, duration: float) -> None:
        """Fail for ``duration`` because a service overloaded it (a cascade)."""
        if not self.up or self.failing is not None:
            return
        sim = self.sim
        self.failing = OVERLOAD
        for clock in self.clocks:
            clock.pause()
        sim.begin_cause(self, OVERLOAD)
        sim.count_failure(self, OVERLOAD)
        self._set_up(False)
        sim.end_cause()
        sim.after(duration, self._overload_end)

    def _overload_end(self, _ev: Any) -> None:
        self.failing = None
        self.sim.log("recovered", element=self.name, spec=-1)
        self._come_back(OVERLOAD)
        if not self.held:
            for clock in self.clocks:
                clock.resume()

    # -- cold standby ------------------------------------------------------
    def hold(self) -> None:
        """Stop the clocks of an idle cold standby."""
        if self.held:
            return
        self.held = True
        if self.failing is None:
            for clock in self.clocks:
                clock.pause()

    def release(self) -> None:
        """Resume the clocks of a cold standby taken into service."""
        if not self.held:
            return
        self.held = False
        if self.failing is None:
            for clock in self.clocks:
                clock.resume()


class TimedElement(Element):
    """An element that keeps its own downtime, for importance measures.

    A replication asked for elements' own downtime
    (``Model.conditioned(element_downtime=True)``) turns its elements into
    this class before they start; every other replication keeps
    :meth:`Element._set_up`, the hot path of failures and repairs, free of
    the bookkeeping (it costs about 4 % per event on a pair of units).
    """

    __slots__ = ()

    def _set_up(self, up: bool) -> None:
        if up != self.up:  # a failure or a recovery
            if up:
                self.down_total += self.sim.env.now - self.down_since
            else:
                self.down_since = self.sim.env.now
        Element._set_up(self, up)


# -- building elements from the model ------------------------------------------
def add_element(sim: Simulation, name: str, kind: str, failures: tuple[Any, ...],
                domain: str | None) -> Element:
    """Create element ``name`` inside ``domain`` (None: outside every domain), register it.

    Every kind of element goes through here, so all are registered the same
    way: in ``sim.nodes`` by name and in ``sim.elements`` (their clocks start
    in that order).
    """
    el = Element(name, kind, sim)
    el.add_failures(failures)
    if domain is not None:
        sim.nodes[domain].contain(el)
    el.place = sim.network.chain(domain)
    sim.nodes[name] = el
    sim.elements.append(el)
    return el


def build_domains(sim: Simulation) -> None:
    """The model's ``domains``: failure domains, nested by ``in``."""
    model = sim.model
    for name, dom in model.domains.items():
        el = add_element(sim, name, "domain", dom.failures, None)
        el.place = sim.network.chain(name)  # a domain is inside itself
    # parents may be listed after their children: link once all exist
    for name, parent in model.domain_parents.items():
        if parent is not None:
            sim.nodes[parent].contain(sim.nodes[name])


def build_components(sim: Simulation) -> None:
    """The model's ``components`` (expanded: one element per group member)."""
    for name, comp in sim.model.components.items():
        add_element(sim, name, "component", comp.failures, comp.domain)
