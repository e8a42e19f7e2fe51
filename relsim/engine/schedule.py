"""Timed events in a replication: the times a :class:`~relsim.model.timing.When` gives, and a process that acts at them.

Every "when" of a model file — a scheduled maintenance, a chaos
experiment, a release cadence, a preventive replacement, an inspection —
is a :class:`~relsim.model.timing.When` (``relsim/model/timing.py``).
Here it becomes the occurrence times of one replication:

- fixed specs (``at``, ``cron``, a fixed ``every``) give the same times in
  every replication, computed once per model and horizon;
- a random ``every`` draws the time between occurrences from its own stream
  ``key`` (e.g. ``"schedule/weekly-patch/every"``), so adding a timed event
  leaves every other element's history unchanged.

:func:`repeat` runs a callback at each occurrence as a SimPy process: one
event per occurrence, no polling.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from relsim.dists import Fixed
from relsim.model.timing import When, Windows

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["occurrences", "repeat", "wait_for_window"]


def occurrences(sim: Simulation, when: When, key: str) -> Iterator[float]:
    """Model times of ``when`` in this replication, in increasing order, before the horizon."""
    end = min(sim.horizon, when.until if when.until is not None else math.inf)
    if isinstance(when.every, Fixed):
        # one at a time: a short period over a long horizon would be billions of times in a list
        period = float(when.every.value)
        t = period if when.start is None else when.start
        k = 0
        while t < end and (when.count is None or k < when.count):
            yield t
            k += 1
            t = (period if when.start is None else when.start) + k * period
        return
    fixed = when.fixed_times(sim.horizon, sim.model.calendar)
    if fixed is not None:
        yield from fixed
        return
    draw = sim.streams.sampler(when.every, key)
    t = draw() if when.start is None else when.start
    n = 0
    while t < end and (when.count is None or n < when.count):
        yield t
        n += 1
        t += draw()


def repeat(sim: Simulation, when: When, key: str, action: Callable[[float], Any]) -> Any:
    """Start a process calling ``action(t)`` at each occurrence of ``when``; returns the process.

    ``action`` may return a SimPy generator (run to completion before the
    next occurrence is considered, so a maintenance that is still running
    when the next one is due makes it wait) or ``None``.
    """
    env = sim.env

    def run() -> Any:
        for t in occurrences(sim, when, key):
            if t > env.now:
                yield env.timeout(t - env.now)
            out = action(env.now)
            if out is not None:
                yield env.process(out)

    return env.process(run())


def wait_for_window(sim: Simulation, windows: Windows) -> Any:
    """A SimPy event firing at the next time inside ``windows`` (now if inside one)."""
    now = sim.env.now
    return sim.env.timeout(windows.next_open(now, sim.model.calendar) - now)
