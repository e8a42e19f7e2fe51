"""Running SimPy to the horizon with a bound on the number of events.

A valid model can ask for more events than any computer can process
(``every: exp(mean=1ms)`` over a thousand years), and the records a
replication keeps — its outages, detection delays, restore times — grow with
its events. Stopping a replication after ``max_events`` events bounds both
its time and its memory by a number the user chooses
(docs/experiments.md, "Limits on events"); ``relsim run`` estimates the
events before it starts (:mod:`relsim.model.estimate`) so that this limit is
rarely what stops a run.

The loop is SimPy's own ``Environment.run(until=...)`` written out: events
before the horizon are processed in the order SimPy scheduled them, and the
clock ends at the horizon. The only addition per event is an integer
comparison, so an unbounded run costs what it did before.
"""

from __future__ import annotations

from typing import Any

from simpy.core import URGENT

from relsim.errors import TooManyEvents

__all__ = ["run_to"]


def run_to(env: Any, horizon: float, max_events: float | None, replication: int, seed: int) -> None:
    """Process the events of ``env`` before ``horizon``.

    Raises
    ------
    relsim.TooManyEvents
        When more than ``max_events`` events would be processed.
    """
    if max_events is None:
        env.run(until=horizon)
        return
    queue = env._queue  # SimPy's heap of (time, priority, id, event)
    # run(until=...) schedules an urgent stop event at the horizon: taking
    # its id keeps every id, and so the order and the event count, the same,
    # and urgent events at the horizon scheduled before it still run.
    stop_id = next(env._eid)
    step = env.step
    limit = int(max_events)
    n = 0
    while queue and (queue[0][0] < horizon
                     or (queue[0][0] == horizon and queue[0][1] == URGENT and queue[0][2] < stop_id)):
        if n >= limit:
            raise TooManyEvents(limit, replication=replication, seed=seed, time=float(env.now))
        step()
        n += 1
    env._now = horizon
    next(env._eid)  # run(until=...) takes one more id as it stops: the same count of ids
