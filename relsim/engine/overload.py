"""Overload cascades: serving replicas that stay overloaded fall over.

Shared by active-active services (load = n/u of normal per survivor) and
load balancers (load = offered attempts over the backends' capacity). While
the load stays above ``capacity`` for ``after``, each serving replica fails
for a ``lasts`` draw with ``probability``; replicas coming back one at a time
can keep the cascade going.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["OverloadWatch"]


class OverloadWatch:
    """The overload timer and the victims' draws of one service or load balancer."""

    def __init__(self, spec: Any, sim: Simulation, name: str, replicas: Callable[[], list[Any]],
                 **log: Any):
        self.spec = spec
        self.sim = sim
        self.replicas = replicas
        self.log = log
        self.pending: Any = None
        self._lasts = sim.streams.sampler(spec.lasts, f"{name}/overload/lasts")
        self._coin = sim.streams.uniform(f"{name}/overload/coin")

    def update(self, load: float) -> None:
        """The load (multiples of normal) changed: start or stop the overload timer."""
        if load > self.spec.capacity:
            if self.pending is None:
                self.pending = self.sim.after(self.spec.after, self._overloaded)
        else:
            self.pending = None

    def _overloaded(self, ev: Any) -> None:
        if ev is not self.pending:
            return
        self.pending = None
        victims = [r for r in self.replicas() if r.s == 1.0 and hasattr(r, "overload_fail")]
        self.sim.log("overload", serving=len(victims), **self.log)
        for r in victims:
            if self._coin() < self.spec.probability:
                r.overload_fail(self._lasts())
