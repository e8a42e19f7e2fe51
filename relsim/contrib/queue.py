"""``consumer-queue``: a queue that fills while its consumer is down (docs/extending.md, example 3).

Producers put ``rate`` messages per second on a queue of ``capacity``
messages; the ``consumer`` (a service or an element) takes up to ``drain``
messages per second times its served share ``s``. As a fluid model [1]_ the
backlog ``q`` moves at ``rate - drain·s`` between two changes of the
consumer's state, clipped to ``[0, capacity]``; what arrives while the
queue is full is lost. For an outage of length ``D`` that starts with an
empty queue this gives the formula the tests check::

    lost = max(0, rate·D - capacity)

and afterwards the backlog drains in ``min(rate·D, capacity) / (drain -
rate)``. The backlog is integrated exactly between events, so the mean
extra delay of a message is ``∫q dt / (rate·T)`` (Little's law).

Tallies: ``messages``, ``messages_lost``, ``backlog_integral`` (message-
seconds), ``queue_full_time`` (s); metrics ``messages_lost_per_year``,
``queue_full_per_year`` and ``queue_delay_mean``.

References
----------
.. [1] D. Anick, D. Mitra, M. M. Sondhi, "Stochastic theory of a
   data-handling system with multiple sources", Bell System Technical
   Journal 61(8), 1982 (fluid queues).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from pydantic import Field, model_validator

from relsim.behaviours import Params, Rate, behaviour
from relsim.metric_registry import metric

__all__ = ["ConsumerQueue", "consumer_queue", "fluid_step"]


class ConsumerQueue(Params):
    """Parameters of ``consumer-queue`` (see the module docstring)."""

    consumer: str
    rate: Rate
    drain: Rate
    capacity: float = Field(gt=0)

    @model_validator(mode="after")
    def _drains(self) -> ConsumerQueue:
        if not self.drain > self.rate:
            raise ValueError(f"drain (={self.drain:g}/s) must exceed rate (={self.rate:g}/s), "
                             "or the queue never empties")
        return self


def fluid_step(q: float, net: float, dt: float, capacity: float) -> tuple[float, float, float, float]:
    """Advance the backlog ``q`` by ``dt`` seconds at net inflow ``net`` (messages/s).

    Returns the new backlog, the messages lost (arriving while full), the
    integral of the backlog over the step (message-seconds) and the time
    spent full.
    """
    if dt <= 0.0:
        return q, 0.0, 0.0, 0.0
    if net > 0.0:
        to_full = (capacity - q) / net
        if dt <= to_full:
            end = q + net * dt
            return end, 0.0, (q + end) / 2 * dt, 0.0
        return capacity, net * (dt - to_full), (q + capacity) / 2 * to_full + capacity * (dt - to_full), dt - to_full
    if net < 0.0:
        to_empty = q / -net
        if dt <= to_empty:
            end = q + net * dt
            return end, 0.0, (q + end) / 2 * dt, 0.0
        return 0.0, 0.0, q / 2 * to_empty, 0.0
    return q, 0.0, q * dt, dt if q >= capacity else 0.0


@behaviour("consumer-queue", params=ConsumerQueue, refs=("consumer",))
def consumer_queue(h: Any, p: ConsumerQueue) -> Generator[Any, Any, None]:
    """A queue that fills while its consumer is down, drains after, and overflows."""
    # the backlog, when it was last brought up to date, and the net inflow since then
    state = {"q": 0.0, "t": 0.0, "net": p.rate - p.drain * h.state(p.consumer)}

    def advance() -> None:
        now = h.now
        q, lost, area, full = fluid_step(state["q"], state["net"], now - state["t"], p.capacity)
        h.tally("messages", p.rate * (now - state["t"]))
        if lost:
            h.tally("messages_lost", lost)
            h.emit("messages_lost", lost=lost)
        h.tally("backlog_integral", area)
        h.tally("queue_full_time", full)
        state.update(q=q, t=now, net=p.rate - p.drain * h.state(p.consumer))

    h.at_end(advance)  # close the account at the horizon
    while True:
        yield h.changed(p.consumer)
        advance()


metric("messages_lost_per_year", "1/year", "messages that arrived while the consumer queue was full",
       "consumer-queue", tally="messages_lost", per_year=True, evidence="episodes")
metric("queue_full_per_year", "seconds/year", "time the consumer queue was full", "consumer-queue",
       tally="queue_full_time", per_year=True)
metric("queue_delay_mean", "seconds", "mean wait a message spent in the consumer queue backlog (Little's law)",
       "consumer-queue",
       compute=lambda t, _h: t.get("backlog_integral", 0.0) / t["messages"] if t.get("messages") else 0.0)
