"""The ``schedule:`` section in a replication: maintenance, chaos experiments and drills at their times.

Each entry of ``schedule:`` (relsim/model/schedule.py) runs as one SimPy
process (:func:`relsim.engine.schedule.repeat`): one event per occurrence,
no polling. What it does to elements goes through the planned-work
primitive (:mod:`relsim.engine.planned`), so every outage it starts names
the element with a planned cause kind (``chaos``, ``maintenance``,
``drill``) and ``Outage.planned`` is true. Every step is a trace event
(``relsim trace``): ``chaos_start``, ``chaos_skipped``,
``maintenance_start``, ``maintenance_batch``, ``drained``,
``switchover``, ``maintenance_end``, ``drill_start``, ``drill_end``...

Randomness: an entry draws from its own streams ``schedule/NAME/ROLE``
(``every``, ``for``, ``lasts``, ``switchover``), so adding an entry leaves
every other element's history unchanged. Semantics and formulas:
docs/changes.md.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from relsim.engine.elements import Element
from relsim.engine.failover import ActivePassive
from relsim.engine.loadbalancer import LoadBalancerNode
from relsim.engine.planned import Hold, bring_back, out_of_service, take_down
from relsim.engine.schedule import repeat, wait_for_window
from relsim.engine.services import ServiceNode

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["build_schedule"]

#: The tallies of ``RunResult.planned`` the schedule keeps.
TALLIES = ("maintenance", "chaos", "chaos_skipped", "drills", "drills_failed")


def _elements(sim: Simulation, name: str) -> list[Element]:
    """The elements a target name stands for: itself, a group's members or a service's replicas."""
    el = sim.nodes.get(name)
    if el is not None:
        return [el]
    node = sim.service_nodes.get(name)
    if node is not None:
        out: list[Element] = []
        for r in node.replicas:
            out.extend(_elements(sim, r.name) if isinstance(r, ServiceNode) else [r])
        return out
    return [sim.nodes[c.name] for c in sim.model.components.values() if c.group == name]


def _inside(el: Element, node: Any) -> bool:
    """Whether taking ``el`` down takes ``node`` down: it is ``node`` or a domain around it."""
    return node is el or (el.kind == "domain" and el.name in getattr(node, "place", ()))


class _Entry:
    def __init__(self, sim: Simulation, name: str, spec: Any):
        self.sim = sim
        self.name = name
        self.spec = spec
        self.tally = sim.result.planned
        assert self.tally is not None

    def draw(self, role: str) -> float:
        sampler = self.__dict__.get(f"_{role}")
        if sampler is None:
            dist = getattr(self.spec, "for_" if role == "for" else role)
            sampler = self.sim.streams.sampler(dist, f"schedule/{self.name}/{role}")
            self.__dict__[f"_{role}"] = sampler
        return float(sampler())

    def count(self, what: str) -> None:
        assert self.tally is not None
        self.tally[what] = self.tally.get(what, 0.0) + 1.0


class _Chaos(_Entry):
    """``kind: fail``: the target goes down for ``for``, as in a crash."""

    def __call__(self, _t: float) -> None:
        sim, spec = self.sim, self.spec
        el = sim.nodes[spec.fail]
        broken = [n for n in spec.steady_state if self._state(n) < 1.0]
        if broken or not el.up or el.failing is not None:
            reason = (f"steady state does not hold: {', '.join(broken)} not fully up" if broken
                      else f"{el.name} is already down")
            self.count("chaos_skipped")
            sim.log("chaos_skipped", schedule=self.name, element=el.name, reason=reason)
            return
        duration = self.draw("for")
        self.count("chaos")
        sim.log("chaos_start", schedule=self.name, element=el.name, duration=duration)
        out_of_service(sim, el, duration, Hold("chaos", owner=self), (el.name, -1, "chaos"),
                       then=lambda _back: sim.log("chaos_end", schedule=self.name, element=el.name),
                       by=self.name)

    def _state(self, name: str) -> float:
        sim = self.sim
        node = sim.service_nodes.get(name) or sim.nodes.get(name)
        return float(node.s) if node is not None else 1.0


class _Maintenance(_Entry):
    """``kind: maintenance``: targets out for ``lasts``, in batches, optionally drained."""

    def __call__(self, _t: float) -> Generator[Any, Any, None]:
        return self._run()

    def _run(self) -> Generator[Any, Any, None]:
        sim, spec = self.sim, self.spec
        env = sim.env
        targets: list[Element] = []
        for name in spec.targets:
            targets.extend(el for el in _elements(sim, name) if el not in targets)
        size = spec.batch_size or len(targets)
        batches = [targets[i:i + size] for i in range(0, len(targets), size)]
        self.count("maintenance")
        sim.log("maintenance_start", schedule=self.name, targets=[el.name for el in targets],
                batches=len(batches))
        for k, batch in enumerate(batches):
            if k > 0 and spec.pause > 0.0:
                yield env.timeout(spec.pause)
            if not spec.window.always:
                yield wait_for_window(sim, spec.window)
            yield from self._batch(k, batch)
        sim.log("maintenance_end", schedule=self.name)

    def _batch(self, k: int, batch: list[Element]) -> Generator[Any, Any, None]:
        sim, spec = self.sim, self.spec
        lasts = self.draw("lasts")
        sim.log("maintenance_batch", schedule=self.name, batch=k + 1, elements=[el.name for el in batch],
                lasts=lasts)
        drained: list[tuple[LoadBalancerNode, int]] = []
        if spec.drain:
            handovers = self._hand_over(batch)
            if handovers:
                yield sim.env.all_of(handovers)
            drained = self._drain(batch)
        holds: list[tuple[Element, Hold]] = []
        for el in batch:
            hold = Hold("maintenance", owner=self)
            if take_down(sim, el, hold, (el.name, -1, "maintenance"), by=self.name):
                holds.append((el, hold))
            else:
                sim.log("maintenance_skipped", schedule=self.name, element=el.name, reason="already down")
        yield sim.env.timeout(lasts)
        for el, hold in holds:
            bring_back(sim, el, hold, renew=spec.renew, by=self.name)
        for lb, i in drained:  # a drained backend that never went down rejoins after the health checks
            if not lb.in_rotation[i] and lb.pending[i] is None and lb.backends[i].s > 0.0:
                lb.pending[i] = sim.after(lb.in_delay(), lambda ev, lb=lb, i=i: lb._put_in(ev, i))
        # As rolling tools do, the batch is done when load balancers send to its targets again
        # (the health checks re-admitted them): the next batch must not drain the last ones in rotation.
        for lb, i in self._backends(batch):
            while not lb.in_rotation[i] and lb.pending[i] is not None:
                yield lb.pending[i]

    def _backends(self, batch: list[Element]) -> list[tuple[LoadBalancerNode, int]]:
        """The load balancers' backends that ``batch`` takes down."""
        return [(lb, i) for lb in self.sim.targets.values() if isinstance(lb, LoadBalancerNode)
                for i, backend in enumerate(lb.backends) if any(_inside(el, backend) for el in batch)]

    def _hand_over(self, batch: list[Element]) -> list[Any]:
        """Active-passive primaries in the batch hand over to a standby outside it first."""
        sim = self.sim
        leaving = {id(r) for node in sim.services for r in node.replicas
                   if any(_inside(el, r) for el in batch)}
        events = []
        for node in sim.services:
            if not isinstance(node, ActivePassive) or node.primary is None or id(node.primary) not in leaving:
                continue
            candidate = node.handover_candidate(leaving)
            cause = next(el for el in batch if _inside(el, node.primary))
            if candidate is None:
                sim.log("switchover_impossible", schedule=self.name, service=node.name,
                        primary=node.primary.name, reason="no healthy standby outside the batch")
                continue
            sim.cause = (cause.name, -1, "maintenance")
            events.append(node.switch_over(candidate, self.draw("switchover")))
            sim.cause = None
        return events

    def _drain(self, batch: list[Element]) -> list[tuple[LoadBalancerNode, int]]:
        """Load balancers stop sending to the backends the batch takes down."""
        sim = self.sim
        drained = []
        for target in sim.targets.values():
            if not isinstance(target, LoadBalancerNode):
                continue
            changed = None
            for i, backend in enumerate(target.backends):
                el = next((el for el in batch if _inside(el, backend)), None)
                if el is not None and target.in_rotation[i]:
                    target.in_rotation[i] = False
                    target.pending[i] = None
                    drained.append((target, i))
                    changed = el
                    sim.log("drained", lb=target.name, backend=backend.name, schedule=self.name)
            if changed is not None:
                sim.cause = (changed.name, -1, "maintenance")
                target._changed()
                sim.cause = None
        return drained


class _Drill(_Entry):
    """``kind: drill``: the primary of an active-passive service is taken out; the failover runs."""

    def __call__(self, _t: float) -> Generator[Any, Any, None]:
        return self._run()

    def _run(self) -> Generator[Any, Any, None]:
        sim, spec = self.sim, self.spec
        if not spec.window.always:
            yield wait_for_window(sim, spec.window)
        node = sim.service_nodes[spec.service]
        assert isinstance(node, ActivePassive)
        primary = node.primary
        if not isinstance(primary, Element) or node.process is not None or node.primary_down:
            sim.log("drill_skipped", schedule=self.name, service=node.name,
                    reason="the primary is not a serving element or a failover is under way")
            return
        lasts = self.draw("lasts")
        self.count("drills")
        sim.log("drill_start", schedule=self.name, service=node.name, primary=primary.name, lasts=lasts,
                success=node.success())
        hold = Hold("drill", owner=self)
        if not take_down(sim, primary, hold, (primary.name, -1, "drill"), by=self.name):
            return
        yield sim.env.timeout(lasts)
        took_over = node.primary is not None and node.primary is not primary and not node.primary_down
        if not took_over:
            self.count("drills_failed")
        bring_back(sim, primary, hold, by=self.name)
        node.exercise()
        sim.log("drill_end", schedule=self.name, service=node.name, failed_over=took_over,
                primary=node.primary.name if node.primary is not None else None)


_KINDS = {"fail": _Chaos, "maintenance": _Maintenance, "drill": _Drill}


def build_schedule(sim: Simulation) -> None:
    """The model's ``schedule``: one process per entry, acting at each occurrence of its ``when``."""
    specs = getattr(sim.model.spec, "schedule", None)
    if not specs:
        return
    if sim.result.planned is None:
        sim.result.planned = {}
    for name in TALLIES:
        sim.result.planned.setdefault(name, 0.0)
    for name, spec in specs.items():
        entry = _KINDS[spec.kind](sim, name, spec)
        repeat(sim, spec, f"schedule/{name}/every", entry)
