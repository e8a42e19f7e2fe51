"""Schema of the ``mesh`` section: fault injection by the service mesh's sidecars, on schedule.

```yaml
mesh:
  faults:
    payments-503:
      service: payments          # the route: attempts sent to this service
      abort: 10%                 # share of attempts the sidecar fails at once
      delay: {share: 5%, by: 3s} # share of attempts held back; beyond the clients' timeout they fail
      every: 7d                  # when: at, every or cron (relsim/model/timing.py)
      start: 2d
      lasts: 30m                 # how long each injection runs (default: to the horizon)
```

An injection is a chaos experiment on the request path: while it runs the
service serves a share ``1 − f`` of the attempts sent to it, with ``f =
abort + (1 − abort) · delay.share`` when the delay reaches the workload's
``clients.timeout`` (``abort`` alone otherwise). The clients' retries and
circuit breaker react to it as to any failure (docs/application.md §5).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from relsim.model.common import Count, Duration, Fraction, PositiveDuration, _Frozen
from relsim.model.timing import When

__all__ = ["FaultDelay", "Mesh", "MeshFault", "MeshRoute", "check_mesh", "mesh_events"]

Path = tuple[Any, ...]


class FaultDelay(_Frozen):
    """Hold back ``share`` of the attempts by ``by`` seconds."""

    share: Fraction
    by: Duration


class MeshFault(When):
    """Abort or delay a share of the attempts sent to ``service`` while the injection runs."""

    service: str
    abort: Fraction = 0.0
    delay: FaultDelay | None = None
    lasts: PositiveDuration | None = None
    description: str = ""


class MeshRoute(_Frozen):
    """Header-based routing: ``share`` of the workload's requests go through ``load_balancer`` to ``to`` only.

    ``to: healthy`` (the default) sends them to the backends serving right
    now (the sidecars eject a failed one at once, without waiting for the
    balancer's health checks); a list of backends pins them to that subset
    (a canary, a diagnostic pool), spread evenly over it. The route's
    sidecars make up to ``attempts`` tries per request, each to a backend
    chosen afresh.
    """

    share: Fraction
    load_balancer: str
    to: Literal["healthy"] | tuple[str, ...] = "healthy"
    attempts: Count = 1
    description: str = ""


class Mesh(_Frozen):
    """The service mesh: its scheduled fault injections and header-based routes."""

    faults: dict[str, MeshFault] = Field(default_factory=dict)
    routes: dict[str, MeshRoute] = Field(default_factory=dict)


def mesh_events(model: Any, horizon: float) -> float:
    """About how many events the mesh's fault injections take over ``horizon`` (for the run estimate).

    Occurrences times a handful of events each (the injection, its end, what
    the service and the request path do). A cron is counted on a short
    stretch first: one firing every minute over years is millions of times.
    """
    mesh = getattr(model.spec, "mesh", None)
    workload = getattr(model.spec, "workload", None)
    clients = getattr(workload, "clients", None)
    breaker = getattr(clients, "circuit_breaker", None)
    total = 0.0
    for spec in (mesh.faults.values() if mesh is not None else ()):
        n = spec.expected_count(horizon, model.calendar)
        each = 6.0
        if breaker is not None:
            # While a fault fails requests, the clients' breaker may cycle open -> probe ->
            # open again every `open` seconds: three events a cycle.
            lasts = spec.lasts if spec.lasts is not None else horizon
            each += 3.0 * min(lasts, horizon) / float(breaker.open)
        total += each * n
    return total


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def check_mesh(raw: dict[str, Any], suggest: Any) -> list[tuple[Path, str]]:
    """Problems of ``raw['mesh']``: known services, an injection that does something."""
    mesh = raw.get("mesh")
    if not isinstance(mesh, dict):
        return []
    found: list[tuple[Path, str]] = []
    services = _mapping(raw.get("services"))
    known = [str(s) for s in services]
    for name, body in _mapping(mesh.get("faults")).items():
        if not isinstance(body, dict):
            continue
        where = ("mesh", "faults", name)
        svc = body.get("service")
        if svc is not None and str(svc) not in services:
            found.append(((*where, "service"), f"unknown service '{svc}'{suggest(svc, known)}"))
        if body.get("abort") is None and body.get("delay") is None:
            found.append((where, "a fault injects nothing: give 'abort' (a share of attempts) or 'delay' "
                                 "({share, by})"))
    lbs = _mapping(raw.get("load_balancers"))
    routes = _mapping(mesh.get("routes"))
    if routes and not isinstance(raw.get("workload"), dict):
        found.append((("mesh", "routes"), "routes carry a share of the workload's requests: the model needs a "
                                          "'workload'"))
    for name, body in routes.items():
        if not isinstance(body, dict):
            continue
        where = ("mesh", "routes", name)
        lb = body.get("load_balancer")
        if lb is not None and str(lb) not in lbs:
            found.append(((*where, "load_balancer"), f"unknown load balancer '{lb}'{suggest(lb, list(map(str, lbs)))}"))
            continue
        to = body.get("to")
        if isinstance(to, list) and not to:
            found.append(((*where, "to"), "lists no backend: name at least one, or route to 'healthy'"))
            continue
        if isinstance(to, list) and lb is not None:
            svc = _mapping(lbs[str(lb)]).get("service")
            backends = _members(raw, svc)
            for i, b in enumerate(to):
                if backends is not None and str(b) not in backends:
                    found.append(((*where, "to", i), f"'{b}' is not a backend of load balancer '{lb}'"
                                                     f"{suggest(b, backends)}"))
    return found


def _members(raw: dict[str, Any], service: Any) -> list[str] | None:
    """The replica names of ``service`` after group expansion (None if unknown)."""
    from relsim.model.checks import group_members

    svc = _mapping(_mapping(raw.get("services")).get(str(service)))
    reps = svc.get("replicas")
    if not isinstance(reps, list):
        return None
    comps = _mapping(raw.get("components"))
    out: list[str] = []
    for r in reps:
        if str(r) in comps:
            out.extend(group_members(str(r), comps[str(r)]))
        else:
            out.append(str(r))
    return out
