"""Mission phases in a replication (docs/maintenance-and-cost.md §6).

The phases of ``phases:`` follow each other from t = 0, each for its
``lasts``, repeating until the horizon. At the start of a phase:

* every element's failure clocks run at the phase's rate multiplier f
  (``failure_rate``, or the element's entry in ``failure_rates``): a new
  up-time is drawn from ``every`` and divided by f; a clock under way (or
  paused) keeps its remaining *work*: its remaining time is multiplied by
  f_old / f_new. With exponential up-times this is exactly a failure rate
  of f·λ in the phase;
* services named in ``needs`` need that many replicas (as a behaviour's
  ``set_needs``), and a service some other phase names gets its own
  ``needs`` back: an outage this starts names the phase (cause kind
  ``phase``).

Each replication also keeps, per phase NAME, ``phase:NAME:time`` and
``phase:NAME:downtime`` (the entry service's outage time in it), which
become the ``phase:NAME:availability`` column of ``Results.runs``.

Nothing is drawn here: a model without ``phases`` is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relsim.engine.elements import Element
    from relsim.engine.simulation import Simulation

__all__ = ["PhaseClock", "build_phases"]


class PhaseClock:
    """Applies each phase's failure-rate multipliers and needs in turn."""

    def __init__(self, sim: Simulation, phases: tuple[Any, ...]):
        self.sim = sim
        self.phases = phases
        model = sim.model
        self.members = {g: ms for g, ms in model.groups.items()}
        self.factor: dict[str, float] = {}
        self.index = 0
        # Services some phase sets needs for: a phase that does not name one gives it its own needs back.
        named = {svc for phase in phases for svc in phase.needs}
        self.base_needs = {svc: sim.service_nodes[svc].needs for svc in named}  # type: ignore[attr-defined]
        self._set_factors(phases[0])
        for el in sim.elements:
            for clock in el.clocks:
                clock.every = self._scaled(clock.every, el.name)
        self._set_needs(phases[0], at_start=True)
        sim.log("phase", name=phases[0].name)
        self._next(phases[0].lasts)
        sim.after_finish.append(self._per_phase)

    def _per_phase(self, res: Any) -> None:
        """Time and outage time of the entry service (or request path) in each phase, summed over its spells."""
        tallies = res.upkeep if res.upkeep is not None else {}
        res.upkeep = tallies
        windows: list[tuple[float, float, str]] = []
        t, i = 0.0, 0
        while t < res.horizon:
            phase = self.phases[i % len(self.phases)]
            windows.append((t, min(t + phase.lasts, res.horizon), phase.name))
            t += phase.lasts
            i += 1
        for phase in self.phases:
            tallies.setdefault(f"phase:{phase.name}:time", 0.0)
            tallies.setdefault(f"phase:{phase.name}:downtime", 0.0)
        for start, end, name in windows:
            tallies[f"phase:{name}:time"] += end - start
        k = 0
        for out in sorted(res.outages, key=lambda o: o.start_s):
            while k < len(windows) and windows[k][1] <= out.start_s:
                k += 1
            j = k
            while j < len(windows) and windows[j][0] < out.end_s:
                lo, hi = max(out.start_s, windows[j][0]), min(out.end_s, windows[j][1])
                if hi > lo:
                    tallies[f"phase:{windows[j][2]}:downtime"] += hi - lo
                j += 1

    def _scaled(self, draw: Callable[[], float], name: str) -> Callable[[], float]:
        return lambda: draw() / self.factor[name]

    def _set_factors(self, phase: Any) -> None:
        own: dict[str, float] = {}
        for ref, f in phase.failure_rates.items():
            for name in self.members.get(ref, (ref,)):
                own[name] = f
        for el in self.sim.elements:
            self.factor[el.name] = own.get(el.name, phase.failure_rate)

    def _set_needs(self, phase: Any, at_start: bool) -> None:
        sim = self.sim
        for svc, base in self.base_needs.items():
            needs = phase.needs.get(svc, base)
            node: Any = sim.service_nodes[svc]
            if needs == node.needs:
                continue
            node.needs = needs
            for target in sim.targets.values():
                if getattr(target, "service", None) is node and hasattr(target, "cap"):
                    target.cap = 1.0 / needs
                    if not at_start:
                        target._changed()
            if at_start:
                continue  # the services start after this, from their needs
            sim.log("needs", service=svc, needs=needs, by=phase.name)
            sim.begin_named_cause(phase.name, "phase")
            if hasattr(node, "_react"):
                node._react()  # a quorum
            else:
                node.base = node.evaluate()
                node._serve()
            sim.end_cause()

    def _next(self, after: float) -> None:
        ev = self.sim.env.timeout(after)
        ev.callbacks.append(self._change)

    def _change(self, _ev: Any) -> None:
        sim = self.sim
        self.index = (self.index + 1) % len(self.phases)
        phase = self.phases[self.index]
        old = dict(self.factor)
        self._set_factors(phase)
        sim.log("phase", name=phase.name)
        for el in sim.elements:
            ratio = old[el.name] / self.factor[el.name]
            if ratio != 1.0:
                self._rescale(el, ratio)
        self._set_needs(phase, at_start=False)
        self._next(phase.lasts)

    @staticmethod
    def _rescale(el: Element, ratio: float) -> None:
        for clock in el.clocks:
            if clock.pending is not None:
                clock.pause()
                assert clock.remaining is not None
                clock.remaining *= ratio
                clock.resume()
            elif clock.remaining is not None:
                clock.remaining *= ratio


def build_phases(sim: Simulation) -> None:
    """The model's ``phases`` (none: nothing changes)."""
    phases = sim.model.spec.phases
    if phases:
        PhaseClock(sim, phases)
