"""Repair crews: failed elements queue FIFO, one element per crew (DESIGN §3).

With a limited number of crews the queue is a :class:`simpy.Resource`; with
unlimited crews (``repair_crews`` omitted) every repair starts at once.
Repair durations are drawn when the repair starts and do not depend on the
wait.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import simpy

if TYPE_CHECKING:
    from relsim.engine.elements import Element
    from relsim.engine.simulation import Simulation

__all__ = ["RepairShop"]


class RepairShop:
    """Assigns crews to failed elements and completes their repairs."""

    def __init__(self, sim: Simulation, crews: int | None):
        self.sim = sim
        self.crews = None if crews is None else simpy.Resource(sim.env, capacity=crews)

    def request(self, element: Element) -> None:
        """``element`` needs a repair (it is down from a permanent failure)."""
        self.sim.log("repair_requested", element=element.name)
        if self.crews is None:
            self._start(element, None)
            return
        req = self.crews.request()
        req.callbacks.append(lambda ev: self._start(element, ev))

    def _start(self, element: Element, req: Any) -> None:
        clock = element.failing
        assert clock is not None
        duration = clock.draw("repair")
        self.sim.log("repair_started", element=element.name, duration=duration)
        self.sim.after(duration, lambda _ev: self._finish(element, req))

    def _finish(self, element: Element, req: Any) -> None:
        if req is not None:
            self.crews.release(req)
        element.repaired()
