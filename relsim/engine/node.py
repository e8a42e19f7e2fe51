"""The one base of everything in a replication that has a state others watch.

Domains, components, links, services, load balancers, DNS names and the
request path all expose ``s``, the share of what is sent to them that they
serve (1 up, 0 down, in between degraded; see docs/model-format.md), and
push every change of ``s`` to their listeners. That push is the engine's
incremental evaluation: a failure re-evaluates only the nodes on the path
from the failed element to the entry service, never the whole model. This
module holds that push once, so every kind of node publishes the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["ALMOST_ONE", "Listener", "Node"]

#: A sum of served shares at least this is 1: partial shares that add up to 1 in
#: exact arithmetic (1/3 + 1/2 + 1/6) can add up to 0.9999999999999999 in
#: floating point, which must not be an outage.
ALMOST_ONE = 1.0 - 1e-12

#: Called as ``listener(node, old, new)`` after ``node.s`` changed from ``old`` to ``new``.
Listener = Callable[[Any, float, float], None]


class Node:
    """Something with a served share ``s`` and listeners told of its changes.

    Parameters
    ----------
    name : str
        The name in the model file (``workload`` for the request path).

    Notes
    -----
    ``s`` starts at 1: every node starts up. A subclass computes its new
    share however its kind requires and hands it to :meth:`_publish`, which
    is the only place where listeners are called with a change of state.
    Listeners run in the order they subscribed; the engine relies on that
    order (a domain tells what it contains before anyone else), so it is
    part of the contract. This is the hot path of the engine: no extra
    indirection here.
    """

    __slots__ = ("name", "s", "listeners")

    def __init__(self, name: str):
        self.name = name
        self.s = 1.0
        self.listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(self, old, new)`` after every change of ``s``."""
        self.listeners.append(listener)

    def _publish(self, s: float) -> None:
        """Set the served share to ``s``; if it changed, tell every listener."""
        old = self.s
        if s == old:
            return
        self.s = s
        for listener in self.listeners:
            listener(self, old, s)

    def _notify(self) -> None:
        """Tell every listener that something they read changed while ``s`` did not.

        For nodes whose listeners read more than ``s`` (a DNS name's cache
        shares): the listener gets ``old == new == s``.
        """
        s = self.s
        for listener in self.listeners:
            listener(self, s, s)
