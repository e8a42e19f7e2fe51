"""Repair crews: failed elements queue FIFO, one element per crew (docs/model-format.md).

The crews are a counter and a FIFO queue rather than a ``simpy.Resource``:
the discipline is the same, but a Resource schedules two extra events per
repair (the request and the release) for what is bookkeeping at one instant,
which made repairs the most expensive events of a replication. With
unlimited crews (``repair_crews`` omitted) every repair starts at once.
Repair durations are drawn when the repair starts and do not depend on the
wait.
"""

from __future__ import annotations

from collections import deque
from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relsim.engine.elements import Element
    from relsim.engine.simulation import Simulation

__all__ = ["RepairShop"]


class RepairShop:
    """Assigns crews to failed elements and completes their repairs."""

    def __init__(self, sim: Simulation, crews: int | None):
        self.sim = sim
        self.free = crews  # None: unlimited
        self.queue: deque[Element] = deque()

    def request(self, element: Element) -> None:
        """``element`` needs a repair (it is down from a permanent failure)."""
        self.sim.log("repair_requested", element=element.name)
        self.assign(element)

    def assign(self, element: Element) -> None:
        """Give ``element`` a free crew now, or queue it first come first served."""
        if self.free is None:
            self._start(element)
        elif self.free > 0:
            self.free -= 1
            self._start(element)
        else:
            self.queue.append(element)

    def _start(self, element: Element) -> None:
        clock = element.failing
        assert clock is not None
        duration = clock.draw("repair")
        self.sim.log("repair_started", element=element.name, duration=duration)
        self.sim.after(duration, partial(self._finish, element))

    def _finish(self, element: Element, _ev: Any = None) -> None:
        element.repaired()
        if self.free is not None:
            if self.queue:
                self._start(self.queue.popleft())  # the crew moves on at once
            else:
                self.free += 1
