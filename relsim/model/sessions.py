"""Schema of the ``sessions`` section: user sessions and where they are kept.

Users start sessions (a login, a cart) at ``rate`` per second; each lasts a
``length`` draw. A session is pinned to the replica of ``service`` that
served its start. What a failover does to it depends on the ``store``:

* ``local`` — kept in the replica's memory: lost when that replica stops
  serving (it fails, its domain fails, it is cut off, or an active-passive
  service moves its primary elsewhere);
* ``replicated`` — copied to the other replicas with a lag: at such a
  failure only the sessions started less than one lag draw ago are lost;
* ``shared`` — kept in a separate ``shared_store`` service: a replica's
  failure loses none, the store going down loses every active session.

The engine (:mod:`relsim.engine.sessions`) counts them exactly between
events; docs/application.md §1 gives the semantics and the formulas.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from relsim.model.common import Dist, PositiveDist, Rate, _Frozen

__all__ = ["Sessions", "check_sessions"]

Path = tuple[Any, ...]


class Sessions(_Frozen):
    """User sessions held by the replicas of ``service`` (docs/application.md §1)."""

    rate: Rate
    length: PositiveDist
    service: str
    store: Literal["local", "replicated", "shared"] = "local"
    lag: Dist | None = None
    shared_store: str | None = None
    description: str = Field(default="")


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def check_sessions(raw: dict[str, Any], suggest: Any) -> list[tuple[Path, str]]:
    """Cross-reference problems of ``raw['sessions']`` as ``(path, message)`` pairs."""
    body = raw.get("sessions")
    if not isinstance(body, dict):
        return []
    found: list[tuple[Path, str]] = []
    services = _mapping(raw.get("services"))
    known = [str(s) for s in services]
    on = body.get("service")
    if on is not None and str(on) not in services:
        found.append((("sessions", "service"), f"unknown service '{on}'{suggest(on, known)}"))
    store = body.get("store", "local")
    shared = body.get("shared_store")
    # lag and shared_store may be given with any store (only theirs reads them), so
    # that one model can be swept over `--set sessions.store=local,replicated,shared`
    if shared is not None and str(shared) not in services:
        found.append((("sessions", "shared_store"), f"unknown service '{shared}'{suggest(shared, known)}"))
    elif shared is not None and on is not None and str(shared) == str(on):
        found.append((("sessions", "shared_store"),
                      f"the shared store must be another service than the sessions' service ('{on}')"))
    if store == "shared":
        if shared is None:
            found.append((("sessions", "store"),
                          "store: shared needs 'shared_store' (the service that keeps the sessions)"))
    if store == "replicated" and body.get("lag") is None and on is not None and str(on) in services:
        data = _mapping(services[str(on)]).get("data")
        if not isinstance(data, dict) or data.get("lag") is None:
            found.append((("sessions", "lag"),
                          f"store: replicated needs 'lag' (or a data.lag on service '{on}' to take it from)"))
    return found
