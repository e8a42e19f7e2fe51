"""Planned work: taking an element out of service on purpose, and bringing it back.

One primitive for everything people do to a running system — scheduled
maintenance, chaos experiments, failover drills (the ``schedule:`` section,
:mod:`relsim.engine.scheduled`), preventive maintenance and inspections,
and the ``stop``/``fail`` actions of user behaviours
(:mod:`relsim.engine.behaviours`):

- :func:`take_down` holds an element down through a stand-in clock, a
  :class:`Hold` (as an overload does in ``engine/elements.py``): the
  element's own failure clocks pause meanwhile (docs/model-format.md §14.1),
  the services watching it react as to any failure, and an outage it
  starts names ``cause`` — with a cause kind in :data:`PLANNED_KINDS` the
  outage is *planned* (``Outage.planned``);
- :func:`bring_back` ends the hold: the element serves again, its clocks
  resume where they paused or, with ``renew=True``, restart with fresh
  draws (as good as new: a replacement or an overhaul);
- :func:`out_of_service` does both: down now, back after ``duration``.

A :class:`Hold` with a ``repair`` time instead asks a repair crew, which
brings the element back as good as new when it is done (the crew draws the
time from the hold, as from a failure spec).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relsim.engine.elements import Element
    from relsim.engine.simulation import Simulation

__all__ = ["PLANNED_KINDS", "Hold", "bring_back", "is_planned", "out_of_service", "take_down"]

#: Cause kinds of planned work: an outage whose root cause has one of these
#: kinds is planned (``Outage.planned``; metrics ``planned_downtime_per_year``
#: and ``unplanned_availability``).
PLANNED_KINDS = frozenset({"maintenance", "chaos", "drill", "preventive", "inspection"})


def is_planned(kind: str) -> bool:
    """Whether an outage whose root cause has kind ``kind`` is planned work."""
    return kind in PLANNED_KINDS


class _HoldSpec:
    """Stands in for a failure spec while planned work holds an element down."""

    silent = False  # health checks and heartbeats see the element gone
    destroys = None

    def __init__(self, kind: str):
        self.kind = kind


class Hold:
    """The 'clock' of an element held down on purpose (what ``Element.failing`` points to).

    Parameters
    ----------
    kind : str
        The cause kind (``maintenance``, ``chaos``, ``behaviour``, ``stopped``...).
    owner : object, optional
        Who holds it (a behaviour's handle, a schedule entry): only the owner
        may bring it back.
    repair : callable, optional
        Draws a repair time: a crew is asked at once and brings the element
        back as good as new (``draw("repair")`` is what the crew calls).
    """

    index = -1

    def __init__(self, kind: str, owner: Any = None, repair: Callable[[], float] | None = None):
        self.kind = kind
        self.owner = owner
        self.spec = _HoldSpec(kind)
        self.repair = repair

    def draw(self, role: str) -> float:
        if role != "repair" or self.repair is None:
            raise ValueError(f"no {role} time was given for this element")
        return self.repair()


def take_down(sim: Simulation, el: Element, hold: Hold, cause: tuple[str, int, str], count: bool = False,
              **fields: Any) -> bool:
    """Hold ``el`` down now through ``hold``; False (nothing done) if it is already down.

    ``cause`` is what an outage this starts names as its root cause
    ``(element, -1, kind)``. ``count=True`` counts it as a failure (of kind
    ``hold.kind``); otherwise the trace gets a ``stopped`` event with
    ``fields``.
    """
    if not el.up or el.failing is not None:
        return False
    el.failing = hold  # type: ignore[assignment]
    for clock in el.clocks:
        clock.pause()  # the element is down: its own clocks wait (docs/model-format.md §14.1)
    sim.cause = cause
    if count:
        sim.count_failure(el, hold)  # type: ignore[arg-type]
    else:
        sim.log("stopped", element=el.name, **fields)
    el._set_up(False)
    sim.cause = None
    if hold.repair is not None:
        sim.repairs.request(el)
    return True


def bring_back(sim: Simulation, el: Element, hold: Hold, renew: bool = False, **fields: Any) -> bool:
    """End ``hold`` on ``el``: it serves again; False if ``hold`` no longer holds it or a crew is at work.

    ``renew=True`` makes it as good as new: every failure clock restarts
    with a fresh draw, as after a repair; otherwise the clocks resume where
    they paused. Whatever coming back sets off (a re-admission, a failback)
    names the hold as its cause.
    """
    if el.failing is not hold:
        return False
    if hold.repair is not None:
        if el not in sim.repairs.queue:
            return False  # a crew is at work on it: it comes back when the repair ends
        sim.repairs.queue.remove(el)
    el.failing = None
    sim.log("restored", element=el.name, **fields)
    el._come_back(hold)  # type: ignore[arg-type]
    for clock in el.clocks:
        if renew:
            clock.pending = None
            clock.remaining = None
            clock.restart()
        elif not el.held:
            clock.resume()
    return True


def out_of_service(sim: Simulation, el: Element, duration: float, hold: Hold, cause: tuple[str, int, str],
                   renew: bool = False, then: Callable[[bool], None] | None = None, **fields: Any) -> bool:
    """Take ``el`` out of service now for ``duration`` seconds, then bring it back.

    Returns False (and does nothing) if it is already down. ``then(back)``
    is called at the end with whether it was brought back.
    """
    if not take_down(sim, el, hold, cause, **fields):
        return False

    def end(_ev: Any) -> None:
        back = bring_back(sim, el, hold, renew=renew, **fields)
        if then is not None:
            then(back)

    sim.env.timeout(duration).callbacks.append(end)
    return True
