"""Health checks of a traffic target, with drawn delays instead of per-check events.

A checker probes its target every ``interval`` at a phase unrelated to the
target's failures. A check of a target that is down fails after
``timeout``; ``unhealthy`` failed checks in a row mark it down, ``healthy``
passed checks in a row mark it up again. So a failure is noticed after

    D = (unhealthy − 1 + U) · interval + timeout,     U ~ Uniform(0, 1),

and a recovery after ``(healthy − 1 + U) · interval``; an episode shorter
than that is never noticed (docs/traffic.md: the delay is drawn, the checks are
not simulated one by one). A target is *down* for a check when its served
share ``s`` is 0; a ``silent`` failure of an element passes shallow checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["HealthWatch"]


class HealthWatch:
    """What a health checker believes about one target: ``healthy`` or not.

    ``on_change(watch)`` is called when the belief changes.
    """

    def __init__(self, target: Any, check: Any, sim: Simulation, key: str,
                 on_change: Callable[[HealthWatch], None]):
        self.target = target
        self.check = check
        self.sim = sim
        self.on_change = on_change
        self.healthy = True
        self.pending: Any = None
        self._u = sim.streams.uniform(key)
        target.subscribe(self._target_changed)

    def _target_changed(self, _node: Any, old: float, new: float) -> None:
        check = self.check
        if new == 0.0 and old > 0.0:
            # a load balancer's own failure is its element's (a service has no failure of its own)
            failing = getattr(getattr(self.target, "element", self.target), "failing", None)
            silent = failing is not None and failing.spec.silent and not check.deep
            if self.healthy and not silent:
                delay = (check.unhealthy - 1 + self._u()) * check.interval + check.timeout
                self.pending = self.sim.after(delay, self._mark_down)
            elif not self.healthy:
                self.pending = None  # was about to be marked up: stays down
        elif old == 0.0 and new > 0.0:
            if self.healthy:
                self.pending = None  # back before the checks noticed
            else:
                delay = (check.healthy - 1 + self._u()) * check.interval
                self.pending = self.sim.after(delay, self._mark_up)

    def _mark_down(self, ev: Any) -> None:
        if ev is self.pending:
            self.pending = None
            self.healthy = False
            self.on_change(self)

    def _mark_up(self, ev: Any) -> None:
        if ev is self.pending:
            self.pending = None
            self.healthy = True
            self.on_change(self)
