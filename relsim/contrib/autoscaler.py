"""``autoscaler``: start idle instances when utilisation is high (docs/extending.md, example 2).

The ``service`` is active-active: its replicas are the instance pool, and
it serves fully while at least ``needs`` of them are up (``s = min(1,
up/needs)``). The first ``running`` replicas run from the start; the others
are idle (stopped, so their failure clocks do not run). Utilisation is
``needs / up``, the load each running instance carries relative to its
capacity.

* When utilisation exceeds ``high`` (an instance failed), one idle instance
  is launched: it serves after a draw of ``startup``; with probability
  ``launch_failure`` the launch fails instead (the autoscaler's own failure
  mode: a bad image, an exhausted quota), and it tries again ``retry``
  later. One launch at a time.
* When utilisation drops below ``low`` with more than ``running`` instances
  up (the failed one was repaired), the last instance up in replica order
  is stopped again (scale in).

It reacts to state changes (``h.changed``), never polls. Tallies:
``launches``, ``launch_failures``, ``scale_ins`` and
``extra_instance_time`` (seconds that instances it launched ran, until it
stopped them: what the autoscaler costs); metrics ``launches_per_year``,
``launch_failures_per_year`` and ``extra_instance_per_year``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from pydantic import model_validator

from relsim.behaviours import Count, Delay, Duration, Fraction, Params, behaviour
from relsim.metric_registry import metric

__all__ = ["Autoscaler", "autoscaler"]


class Autoscaler(Params):
    """Parameters of ``autoscaler`` (see the module docstring)."""

    service: str
    running: Count
    startup: Delay
    high: Fraction = 0.9
    low: Fraction = 0.7
    launch_failure: Fraction = 0.0
    retry: Duration = 300.0

    @model_validator(mode="after")
    def _band(self) -> Autoscaler:
        if not self.low < self.high:
            raise ValueError(f"low (={self.low:g}) must be below high (={self.high:g})")
        return self


@behaviour("autoscaler", params=Autoscaler, refs=("service",))
def autoscaler(h: Any, p: Autoscaler) -> Generator[Any, Any, None]:
    """Launch idle instances of an active-active service when utilisation is high."""
    pool = h.replicas(p.service)
    if p.running > len(pool):
        raise ValueError(f"running (={p.running}) is more than the {len(pool)} replicas of {p.service!r}")
    for name in pool[p.running:]:
        h.stop(name)  # idle capacity: not running, not failing
    launching: Any = None
    started: dict[str, float] = {}  # instances it launched that run now, and since when

    def extra_time(name: str) -> None:
        since = started.pop(name, None)
        if since is not None:
            h.tally("extra_instance_time", h.now - since)

    def launch(name: str) -> Generator[Any, Any, None]:
        yield h.timeout(h.sample(p.startup))
        if h.rng.random() < p.launch_failure:
            h.tally("launch_failures")
            h.emit("launch_failed", instance=name)
            yield h.timeout(p.retry)
        else:
            h.tally("launches")
            h.restore(name)
            started[name] = h.now

    h.at_end(lambda: [extra_time(n) for n in list(started)])

    while True:
        up = [n for n in pool if h.is_up(n)]
        utilisation = h.needs(p.service) / len(up) if up else float("inf")
        if launching is not None and launching.triggered:
            launching = None
        if utilisation > p.high and launching is None:
            idle = [n for n in pool if not h.is_up(n) and h.holds(n)]
            if idle:
                launching = h.process(launch(idle[0]))
        elif utilisation < p.low and len(up) > p.running and launching is None and h.stop(up[-1]):
            h.tally("scale_ins")
            extra_time(up[-1])  # the cost side: time beyond the instances that run normally
            continue
        events = [h.changed(*pool)] + ([launching] if launching is not None else [])
        yield h.env.any_of(events)


metric("launches_per_year", "1/year", "instances the autoscaler started", "autoscaler",
       tally="launches", per_year=True)
metric("launch_failures_per_year", "1/year", "autoscaler launches that failed (its own failure mode)",
       "autoscaler", tally="launch_failures", per_year=True)
metric("extra_instance_per_year", "seconds/year",
       "time instances started by the autoscaler ran before it stopped them again (its cost)", "autoscaler",
       tally="extra_instance_time", per_year=True)
