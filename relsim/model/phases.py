"""Schema of mission phases: the horizon split into phases with their own stress and needs.

``phases:`` is a list; the phases follow each other in order, each lasting
``lasts``, and the list repeats until the horizon (a yearly pattern: make
them add up to 365 d). In a phase,

* ``failure_rate`` multiplies the failure rate of every element (domains,
  components, links): their failure clocks run that much faster — a
  remaining up-time is rescaled when the phase changes, a new one is drawn
  and divided by it; ``failure_rates`` gives other multipliers to named
  components, groups, domains or links;
* ``needs`` sets how many replicas an active-active or quorum service needs
  (a peak season needs 5 instead of 3).

The engine side is :mod:`relsim.engine.phases`; docs/maintenance-and-cost.md
§6 gives the semantics and the exact phase-dependent k-of-n formula.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import Field

from relsim.model.checks import domain_tree, group_members
from relsim.model.common import Count, PositiveDuration, _Frozen

__all__ = ["Phase", "check_phases"]

Path = tuple[Any, ...]
Multiplier = Annotated[float, Field(gt=0, le=1e6)]


class Phase(_Frozen):
    """One mission phase (see the module docstring)."""

    name: str
    lasts: PositiveDuration
    failure_rate: Multiplier = 1.0
    failure_rates: dict[str, Multiplier] = Field(default_factory=dict)
    needs: dict[str, Count] = Field(default_factory=dict)
    description: str = ""


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _suggest(name: Any, known: list[str]) -> str:
    close = difflib.get_close_matches(str(name), known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_phases(raw: dict[str, Any]) -> list[tuple[Path, str]]:
    """Problems of ``phases`` as ``(path, message)`` pairs."""
    phases = raw.get("phases")
    if not isinstance(phases, list):
        return []
    suggest, members = _suggest, group_members
    domains = [d for d, _, _ in domain_tree(raw.get("domains"))]
    found: list[tuple[Path, str]] = []
    comps = _mapping(raw.get("components"))
    services = _mapping(raw.get("services"))
    elements = [str(c) for c in comps] + [m for c, b in comps.items() for m in members(str(c), b)] + domains \
        + [str(link) for link in _mapping(raw.get("links"))]
    seen: set[str] = set()
    for i, phase in enumerate(phases):
        phase = _mapping(phase)
        name = phase.get("name")
        if name is not None and str(name) in seen:
            found.append((("phases", i, "name"), f"phase name '{name}' is used twice"))
        if name is not None:  # a phase without a name (the schema reports it) claims none
            seen.add(str(name))
        for el in _mapping(phase.get("failure_rates")):
            if str(el) not in elements:
                found.append((("phases", i, "failure_rates", el),
                              f"unknown element '{el}'{suggest(el, elements)}"))
        for svc, n in _mapping(phase.get("needs")).items():
            body = services.get(str(svc))
            if not isinstance(body, dict):
                if str(svc) in services:
                    continue  # a service that is not a mapping: the schema reports it
                found.append((("phases", i, "needs", svc), f"unknown service '{svc}'{suggest(svc, list(services))}"))
                continue
            mode = body.get("mode", "active-active")
            if mode == "active-passive":
                found.append((("phases", i, "needs", svc),
                              "needs applies to active-active and quorum services, not active-passive"))
                continue
            reps = body.get("replicas")
            reps = [reps] if isinstance(reps, str) else reps if isinstance(reps, list) else []
            count = sum(len(members(str(r), comps[str(r)])) if str(r) in comps else 1 for r in reps)
            if isinstance(n, int) and not isinstance(n, bool) and n > count:
                found.append((("phases", i, "needs", svc),
                              f"needs (={n}) must be <= number of replicas ({count})"))
    return found
