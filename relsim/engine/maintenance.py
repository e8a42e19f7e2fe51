"""Preventive maintenance and inspections of components (docs/maintenance-and-cost.md).

Both take a component out of service on purpose through the planned-work
primitive of :mod:`relsim.engine.planned` (the mechanism the ``schedule:``
section uses too), with cause kinds ``preventive`` and ``inspection``: an
outage they start is *planned* (``Outage.planned``).

**Preventive maintenance** (``maintenance``):

* age-based (``every`` fixed, the default): the component is maintained when
  it has been ``every`` since it was last renewed — by a repair (the
  :class:`~relsim.engine.spares.LogisticsShop` reports each finished repair)
  or by the maintenance itself. A component under repair when maintenance
  falls due is not maintained: its repair renews it and restarts the count;
  one down for another reason (a transient failure, an overload, held by
  planned work) is maintained as soon as it serves again. This is the classic age-replacement policy: with a failure time X
  of survival R, repair time r and maintenance time p, the long-run
  availability is the renewal-reward ratio

      A = ∫₀ᵀ R(t) dt / (∫₀ᵀ R(t) dt + r·F(T) + p·R(T)),

  which a maintenance age T can raise only for an increasing hazard
  (Weibull shape > 1);
* calendar-based (``at``, ``cron``, a random ``every``, or ``basis:
  calendar``): at the times of the schedule, if the component is up.

``lasts`` is the time out of service; ``renews: true`` restarts every
failure clock with fresh draws at the end (as good as new).

**Inspections** (``inspection``): a permanent failure marked ``silent`` of
an inspected component is *latent*: nobody requests a repair (the shop
holds it back) and the outage, if any, stays in its detection phase. At
each inspection time a present latent fault is found with probability
``finds`` (stream ``inspection/NAME/finds``) and its repair is requested at
once; an up component is tested, out of service for ``lasts``. For a silent
exponential failure of rate λ, inspections every τ that always find it and
instant repairs, the component is down a share

    PFD = 1 − (1 − e^(−λτ)) / (λτ)  ≈ λτ/2  (small λτ)

of the time, and a found fault was hidden for τ − 1/λ + τ·e^(−λτ)/(1 − e^(−λτ)) on average.

Tallies (``RunResult.upkeep``): ``maintained`` (components with
maintenance), ``preventive``; ``inspected`` (components), ``inspections``,
``faults_found``, ``exposure_found`` (seconds hidden, summed over found
faults), ``inspected_down`` (seconds the inspected components did not
serve, summed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from relsim.engine.planned import Hold, out_of_service
from relsim.engine.schedule import repeat
from relsim.engine.spares import upkeep_tallies

if TYPE_CHECKING:
    from relsim.engine.elements import Element
    from relsim.engine.simulation import Simulation

__all__ = ["Inspector", "Maintainer", "build_maintenance"]


class Maintainer:
    """Preventive maintenance of one component (see the module docstring)."""

    def __init__(self, sim: Simulation, el: Element, spec: Any):
        self.sim = sim
        self.el = el
        self.spec = spec
        self.lasts = sim.streams.sampler(spec.lasts, f"maintenance/{el.name}/lasts")
        self.tallies = upkeep_tallies(sim)
        self.pending: Any = None
        self.due = 0.0
        self.overdue = False  # due while down for a reason a repair will not renew (transient, held)
        self.cause = (el.name, -1, "preventive")
        if spec.age_based:
            self.age = float(spec.every.value)
            self.renewed()  # new at t = 0
            el.subscribe(self._changed)
        else:
            repeat(sim, spec, f"maintenance/{el.name}/every", lambda _t: self._maintain())

    def renewed(self) -> None:
        """The component is as good as new now: maintenance falls due ``every`` from now."""
        self.overdue = False
        ev = self.sim.env.timeout(self.age)
        ev.callbacks.append(self._due)
        self.pending = ev
        self.due = self.sim.env.now + self.age

    def opportunity(self) -> None:
        """A crew starts on a neighbour: maintain now if it would fall due within the window anyway."""
        window = self.spec.opportunistic
        if self.pending is None or self.sim.env.now < self.due - window:
            return
        el = self.el
        if not el.up or el.failing is not None:
            return
        self.pending = None  # the due maintenance is done now instead
        t = self.tallies
        t["opportunistic"] = t.get("opportunistic", 0.0) + 1.0
        self.sim.log("opportunistic_maintenance", element=el.name)
        self._maintain()

    def _due(self, ev: Any) -> None:
        if ev is not self.pending:
            return
        self.pending = None
        el = self.el
        failing = el.failing
        if (not el.up or failing is not None) and getattr(failing, "kind", None) != "permanent":
            self.overdue = True  # maintained as soon as it is back (a repair would renew it instead)
            return
        self._maintain()

    def _changed(self, _node: Any, _old: float, new: float) -> None:
        if self.overdue and new == 1.0:
            # After the recovery has finished restarting the clocks (same instant, next event).
            self.sim.env.timeout(0.0).callbacks.append(self._back)

    def _back(self, _ev: Any) -> None:
        el = self.el
        if self.overdue and el.s == 1.0 and el.up and el.failing is None:
            self.overdue = False
            self._maintain()

    def _maintain(self) -> None:
        el = self.el
        if not el.up or el.failing is not None:
            return  # down: its repair renews it (age-based: and restarts the count)
        hold = Hold("preventive", owner=self)
        t = self.tallies
        t["preventive"] = t.get("preventive", 0.0) + 1.0
        renews = self.spec.renews
        then: Callable[[bool], None] | None = None
        if self.spec.age_based:
            then = lambda _back: self.renewed()  # noqa: E731 - counted again from the end
        out_of_service(self.sim, el, self.lasts(), hold, self.cause, renew=renews, then=then, by="maintenance")


class Inspector:
    """Inspections (proof tests) of one component for latent silent faults."""

    def __init__(self, sim: Simulation, el: Element, spec: Any, shop: Any):
        self.sim = sim
        self.el = el
        self.spec = spec
        self.shop = shop
        self.lasts = sim.streams.sampler(spec.lasts, f"inspection/{el.name}/lasts")
        self.finds = sim.streams.uniform(f"inspection/{el.name}/finds")
        self.tallies = t = upkeep_tallies(sim)
        t["inspected"] = t.get("inspected", 0.0) + 1.0
        t.setdefault("inspected_down", 0.0)
        self.cause = (el.name, -1, "inspection")
        self.down_since: float | None = None if el.s == 1.0 else 0.0
        el.subscribe(self._changed)
        sim.at_end.append(self._close)
        repeat(sim, spec, f"inspection/{el.name}/every", lambda _t: self._inspect())

    def _changed(self, _node: Any, old: float, new: float) -> None:
        now = self.sim.env.now
        if new < 1.0 and self.down_since is None:
            self.down_since = now
        elif new >= 1.0 and self.down_since is not None:
            self.tallies["inspected_down"] += now - self.down_since
            self.down_since = None

    def _close(self) -> None:
        if self.down_since is not None:
            self.tallies["inspected_down"] += self.sim.horizon - self.down_since
            self.down_since = None

    def _inspect(self) -> None:
        sim, el, t = self.sim, self.el, self.tallies
        t["inspections"] = t.get("inspections", 0.0) + 1.0
        since = self.shop.latent.get(el.name)
        if since is not None:
            if self.finds() < self.spec.finds:
                t["faults_found"] = t.get("faults_found", 0.0) + 1.0
                t["exposure_found"] = t.get("exposure_found", 0.0) + (sim.env.now - since)
                sim.log("fault_found", element=el.name, hidden=sim.env.now - since)
                self.shop.reveal(el)
            else:
                sim.log("fault_missed", element=el.name)
            return
        if el.up and el.failing is None:
            duration = self.lasts()
            if duration > 0:
                out_of_service(sim, el, duration, Hold("inspection", owner=self), self.cause, by="inspection")


def build_maintenance(sim: Simulation) -> None:
    """Maintainers and inspectors of the components that have ``maintenance`` or ``inspection``."""
    model = sim.model
    specs = model.spec.components
    if not any(c.maintenance is not None or c.inspection is not None for c in specs.values()):
        return
    shop = sim.repairs  # a LogisticsShop (relsim.engine.spares.build_spares installs it for these keys)
    maintainers: dict[str, Maintainer] = {}
    for name, comp in model.components.items():
        spec = specs[comp.group or name]
        el = sim.nodes[name]
        if spec.maintenance is not None:
            upkeep_tallies(sim)["maintained"] = upkeep_tallies(sim).get("maintained", 0.0) + 1.0
            maintainers[name] = Maintainer(sim, el, spec.maintenance)
        if spec.inspection is not None:
            Inspector(sim, el, spec.inspection, shop)
    if (maintainers or shop.inspected) and sim.result.planned is None:
        sim.result.planned = {}  # their outages are planned work: planned_downtime_per_year applies
    if maintainers:
        shop.on_repaired.append(lambda el: maintainers[el.name].renewed() if el.name in maintainers
                                and maintainers[el.name].spec.age_based else None)
        _opportunities(sim, shop, maintainers)


def _opportunities(sim: Simulation, shop: Any, maintainers: dict[str, Maintainer]) -> None:
    """Opportunistic maintainers hear of repairs starting on their neighbours (same group or domain)."""
    model = sim.model
    eager = {n: m for n, m in maintainers.items() if m.spec.opportunistic is not None}
    if not eager:
        return
    comps = model.components
    neighbours: dict[str, list[Maintainer]] = {}
    for name, m in eager.items():
        me = comps[name]
        for other, c in comps.items():
            if other != name and ((me.group is not None and c.group == me.group)
                                  or (me.domain is not None and c.domain == me.domain)):
                neighbours.setdefault(other, []).append(m)

    def started(el: Element) -> None:
        for m in neighbours.get(el.name, ()):
            m.opportunity()

    shop.on_repair_started.append(started)
