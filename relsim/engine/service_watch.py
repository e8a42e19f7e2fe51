"""Watching the services that carry their own ``objectives`` (docs/maintenance-and-cost.md §5).

The entry service's outages are observed by the simulation itself; a
service with ``objectives`` (or a ``tier``) is watched here, the same way:
its served share ``s`` leaving 1 opens one of *its* outages, returning to 1
closes it, an outage still open at the horizon is closed there. Tallies,
per service NAME, in ``RunResult.upkeep``:

``service:NAME:downtime``, ``service:NAME:outages``
    its own downtime (seconds) and number of outages;
``service:NAME:rto_judged``, ``service:NAME:rto_missed``, ``service:NAME:rto_worst``
    with an ``rto``: its outages, those longer than the target, the longest;
``service:NAME:rpo_judged``, ``service:NAME:rpo_missed``, ``service:NAME:rpo_worst``
    with an ``rpo`` and ``data``: its failovers, resumes and restores that
    decided on data (each data-loss record with a recovery point), those
    that lost more seconds of writes than the target, the most lost.

Nothing is drawn: results of the rest of the model are unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relsim.engine.spares import upkeep_tallies

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["ServiceWatch", "build_service_watch"]


class ServiceWatch:
    """Outages of one service with its own objectives."""

    def __init__(self, sim: Simulation, name: str, objectives: Any):
        self.sim = sim
        self.key = f"service:{name}:"
        self.rto = objectives.rto if objectives is not None else None
        self.rpo = objectives.rpo if objectives is not None else None
        self.t = upkeep_tallies(sim)
        for k in ("downtime", "outages"):
            self.t[self.key + k] = 0.0
        if self.rto is not None:
            for k in ("rto_judged", "rto_missed", "rto_worst"):
                self.t[self.key + k] = 0.0
        node = sim.service_nodes[name]
        self.since: float | None = None if node.s >= 1.0 else 0.0
        node.subscribe(self._changed)
        sim.at_end.append(self._close)
        data = getattr(node, "data", None)
        if self.rpo is not None and data is not None:
            for k in ("rpo_judged", "rpo_missed", "rpo_worst"):
                self.t[self.key + k] = 0.0
            record = data.record

            def watched(kind: str, writes: int, window: float, rpo: bool) -> None:
                if rpo:
                    self._judge("rpo", window, self.rpo)
                record(kind, writes, window, rpo)

            data.record = watched

    def _judge(self, what: str, value: float, target: float) -> None:
        t, k = self.t, self.key
        t[k + what + "_judged"] += 1.0
        if value > target:
            t[k + what + "_missed"] += 1.0
        t[k + what + "_worst"] = max(t[k + what + "_worst"], value)

    def _changed(self, _node: Any, old: float, new: float) -> None:
        now = self.sim.env.now
        if new < 1.0 and self.since is None:
            self.since = now
        elif new >= 1.0 and self.since is not None:
            self._end(now)

    def _end(self, now: float) -> None:
        assert self.since is not None
        duration = now - self.since
        self.since = None
        if duration <= 0.0:
            return  # a dip within one instant is not an outage (docs/model-format.md §14.6)
        self.t[self.key + "downtime"] += duration
        self.t[self.key + "outages"] += 1.0
        if self.rto is not None:
            self._judge("rto", duration, self.rto)

    def _close(self) -> None:
        if self.since is not None:
            self._end(self.sim.horizon)


def build_service_watch(sim: Simulation) -> None:
    """A :class:`ServiceWatch` for every service with ``objectives`` or a ``tier``, or priced per minute down."""
    costs = sim.model.spec.costs
    priced = set(costs.service_downtime_minute) if costs is not None else set()
    for name, spec in sim.model.spec.services.items():
        if spec.objectives is not None or spec.tier is not None or name in priced:
            ServiceWatch(sim, name, spec.objectives)
