"""Links between domains and who can reach whom (network partitions).

A link joins two domains; while it is down, nothing inside one can reach
anything inside the other. Elements with no link between their domains
always reach each other. Links fail like any element (they carry failure
specs and use the repair crews), and a change of a link re-evaluates the
services that depend on reachability (active-passive controllers, quorums).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relsim.engine.elements import Element, add_element

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["Network", "build_links"]


class Network:
    """Reachability between elements given the links that are down."""

    def __init__(self, sim: Simulation, links: dict[str, tuple[str, str]], parents: dict[str, str | None]):
        self.sim = sim
        self.ends = links
        self.down: set[str] = set()
        self.watchers: list[Any] = []
        self._parents = parents
        self._chains: dict[str, frozenset[str]] = {}

    def chain(self, domain: str | None) -> frozenset[str]:
        """A domain and every domain enclosing it."""
        if domain is None:
            return frozenset()
        out = self._chains.get(domain)
        if out is None:
            names = []
            d: str | None = domain
            while d is not None:
                names.append(d)
                d = self._parents.get(d)
            out = self._chains[domain] = frozenset(names)
        return out

    def reachable(self, a: frozenset[str], b: frozenset[str]) -> bool:
        """Whether places with domain chains ``a`` and ``b`` can talk."""
        for name in self.down:
            x, y = self.ends[name]
            if (x in a and y in b) or (y in a and x in b):
                return False
        return True

    def link_changed(self, link: Element, old: float, new: float) -> None:
        if new == 0.0:
            self.down.add(link.name)
            self.sim.log("partition", link=link.name, between=list(self.ends[link.name]))
        else:
            self.down.discard(link.name)
            self.sim.log("partition_healed", link=link.name)
        for watcher in self.watchers:
            watcher()


def build_links(sim: Simulation) -> None:
    """The model's ``links``: elements outside every domain whose state the network watches."""
    for name, link in sim.model.spec.links.items():
        add_element(sim, name, "link", link.failures, None).subscribe(sim.network.link_changed)
