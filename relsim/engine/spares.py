"""Spare pools and crew travel: the logistics in front of a repair (docs/maintenance-and-cost.md).

A model with ``spares:`` pools or a domain with ``travel`` replaces the
replication's :class:`~relsim.engine.repair.RepairShop` by a
:class:`LogisticsShop`, which adds two steps to a permanent repair:

1. **A spare.** An element whose component takes spares from a pool needs
   one before a crew can start: it takes one from the shelf if the pool
   has stock, else it waits (a *stock-out*) for the next spare to arrive,
   first come first served. Every spare taken — at once or as a backorder —
   orders one replacement at that moment, which arrives after a
   ``restock`` draw (one-for-one replenishment, the (S − 1, S) base-stock
   policy): an arriving spare goes to the longest-waiting repair, or to the
   shelf. With Poisson demand the number of spares on order is then that
   of an M/G/∞ queue (Palm's theorem), Poisson with mean
   ``demand rate × mean restock``, and a demand finds the shelf empty with
   probability ``P(on order ≥ stock)``.
2. **Travel.** A crew assigned to an element inside a domain with
   ``travel`` (the innermost such domain) first travels for a draw of it,
   busy all the while, then repairs.

Draws: restock times on the stream ``spares/POOL/restock``, travel times on
``travel/DOMAIN``; models without these keys draw nothing new and keep the
plain :class:`RepairShop`, so their results are unchanged.

Tallies (``RunResult.upkeep``): ``spare_demands``, ``spare_stockouts``,
``spare_wait`` (seconds repairs waited for a spare), ``repairs``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from relsim.engine.elements import Clock
from relsim.engine.repair import RepairShop

if TYPE_CHECKING:
    from relsim.engine.elements import Element
    from relsim.engine.simulation import Simulation

__all__ = ["LogisticsShop", "SparePoolState", "build_spares", "upkeep_tallies"]


def upkeep_tallies(sim: Simulation) -> dict[str, float]:
    """The replication's ``RunResult.upkeep`` dict (created on first use)."""
    res = sim.result
    if res.upkeep is None:
        res.upkeep = {}
    return res.upkeep


class SparePoolState:
    """One spare pool in one replication: the shelf, the orders under way, the waiting repairs."""

    def __init__(self, sim: Simulation, name: str, spec: Any):
        self.sim = sim
        self.name = name
        self.stock = int(spec.stock)
        self.restock = sim.streams.sampler(spec.restock, f"spares/{name}/restock")
        self.waiting: deque[tuple[Element, float]] = deque()
        self.tallies = upkeep_tallies(sim)

    def take(self, element: Element, then: Callable[[Element], None]) -> None:
        """``element`` needs a spare; call ``then(element)`` once it has one."""
        sim = self.sim
        t = self.tallies
        t["spare_demands"] = t.get("spare_demands", 0.0) + 1.0
        sim.after(self.restock(), lambda _ev: self._arrive(then))  # one-for-one: reorder at once
        if self.stock > 0:
            self.stock -= 1
            sim.log("spare_taken", element=element.name, pool=self.name, left=self.stock)
            then(element)
        else:
            t["spare_stockouts"] = t.get("spare_stockouts", 0.0) + 1.0
            sim.log("spare_stockout", element=element.name, pool=self.name)
            self.waiting.append((element, sim.env.now))

    def _arrive(self, then: Callable[[Element], None]) -> None:
        sim = self.sim
        if self.waiting:
            element, since = self.waiting.popleft()
            t = self.tallies
            t["spare_wait"] = t.get("spare_wait", 0.0) + (sim.env.now - since)
            sim.log("spare_arrived", pool=self.name, element=element.name)
            then(element)
        else:
            self.stock += 1
            sim.log("spare_arrived", pool=self.name, left=self.stock)


class LogisticsShop(RepairShop):
    """A :class:`RepairShop` whose repairs first wait for a spare and whose crews travel."""

    def __init__(self, sim: Simulation, crews: int | None, pools: dict[str, SparePoolState],
                 travel: dict[str, Callable[[], float]]):
        super().__init__(sim, crews)
        self.pools = pools  # element name -> its pool
        self.travel = travel  # element name -> its travel sampler
        self.tallies = upkeep_tallies(sim)
        #: Inspected components (relsim.engine.maintenance): their silent permanent faults stay latent.
        self.inspected: set[str] = set()
        self.latent: dict[str, float] = {}  # element name -> when its latent fault began
        #: Called with each element a crew has just repaired (age-based maintenance restarts its count).
        self.on_repaired: list[Callable[[Element], None]] = []
        #: Called with each element a crew starts on (opportunistic maintenance of its neighbours).
        self.on_repair_started: list[Callable[[Element], None]] = []

    def request(self, element: Element) -> None:
        failing = element.failing
        if element.name in self.inspected and isinstance(failing, Clock) and failing.spec.silent:
            # A latent fault: nobody asks for a repair until an inspection finds it.
            self.latent[element.name] = self.sim.env.now
            self.sim.latent(element.name, True)
            self.sim.log("fault_latent", element=element.name)
            return
        self._request(element)

    def reveal(self, element: Element) -> None:
        """An inspection found ``element``'s latent fault: its repair is requested now."""
        del self.latent[element.name]
        self.sim.latent(element.name, False)
        self._request(element)

    def _finish(self, element: Element, _ev: Any = None) -> None:
        super()._finish(element)
        for hook in self.on_repaired:
            hook(element)

    def _request(self, element: Element) -> None:
        pool = self.pools.get(element.name)
        # Only a failure spec's permanent failure consumes a spare (not a behaviour's hold).
        if pool is not None and isinstance(element.failing, Clock):
            self.sim.log("repair_requested", element=element.name)
            pool.take(element, self.assign)  # a crew once the spare is there (the request is logged)
        else:
            super().request(element)

    def _start(self, element: Element) -> None:
        t = self.tallies
        t["repairs"] = t.get("repairs", 0.0) + 1.0
        for hook in self.on_repair_started:
            hook(element)
        travel = self.travel.get(element.name)
        if travel is None:
            super()._start(element)
            return
        delay = travel()
        self.sim.log("crew_travel", element=element.name, duration=delay)
        self.sim.after(delay, lambda _ev: RepairShop._start(self, element))


def _travel_of(sim: Simulation) -> dict[str, Callable[[], float]]:
    """Each element inside a domain with ``travel`` -> the sampler of the innermost one."""
    model = sim.model
    domains = model.domains
    parents = model.domain_parents
    samplers: dict[str, Callable[[], float]] = {}

    def innermost(domain: str | None) -> str | None:
        while domain is not None:
            if domains[domain].travel is not None:
                return domain
            domain = parents.get(domain)
        return None

    def sampler(domain: str) -> Callable[[], float]:
        if domain not in samplers:
            samplers[domain] = sim.streams.sampler(domains[domain].travel, f"travel/{domain}")
        return samplers[domain]

    out: dict[str, Callable[[], float]] = {}
    for name, comp in model.components.items():
        where = innermost(comp.domain)
        if where is not None:
            out[name] = sampler(where)
    for name in domains:
        where = innermost(name)
        if where is not None:
            out[name] = sampler(where)
    for name, link in model.spec.links.items():
        # A link is repaired from its first end.
        where = innermost(link.between[0])
        if where is not None:
            out[name] = sampler(where)
    return out


def build_spares(sim: Simulation) -> None:
    """Install the :class:`LogisticsShop` when the model has spare pools or crew travel."""
    model = sim.model
    has_travel = any(d.travel is not None for d in model.domains.values())
    upkept = any(c.maintenance is not None or c.inspection is not None for c in model.spec.components.values())
    if not model.spec.spares and not has_travel and model.spec.costs is None and not upkept:
        return  # the plain RepairShop: nothing drawn, results unchanged
    pools: dict[str, SparePoolState] = {}
    for name, spec in model.spec.spares.items():
        state = SparePoolState(sim, name, spec)
        for ref in spec.for_:
            for member in model.groups.get(ref, (ref,)):
                pools[member] = state
    shop = LogisticsShop(sim, model.spec.repair_crews, pools, _travel_of(sim) if has_travel else {})
    sim.repairs = shop
    for name, comp in model.components.items():
        if model.spec.components[comp.group or name].inspection is not None:
            shop.inspected.add(name)
    if model.spec.spares:
        upkeep_tallies(sim)["spare_stock"] = float(sum(s.stock for s in model.spec.spares.values()))
