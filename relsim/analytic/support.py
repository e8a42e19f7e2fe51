"""Which models the exact solver can solve, and why not the others.

The solver builds a continuous-time Markov chain (CTMC), so every duration
that drives a state change must be exponential (memoryless), and every
service mode must be a function of the elements' current states alone. The
checks here list *every* reason a model is outside that class at once, each
naming the model-file path, the value and the rule, like model errors do.

What is accepted
----------------
* failure specs ``permanent`` (``every``, ``repair`` exponential; ``detect``
  absent, ``fixed(0)`` or exponential), ``transient`` (``every``, ``lasts``
  exponential) and ``intermittent`` (``every``, ``lasts``, ``down``, ``up``
  exponential: the episode end and the spells are competing exponential
  clocks, so the element's phase is Markovian);
* services ``active-active`` and ``quorum`` (any ``needs``), ``depends_on``,
  services nested as replicas;
* ``active-passive`` only where it equals ``active-active`` with ``needs: 1``:
  a hot standby (or a warm one with a zero start-up time), failover
  ``time: fixed(0)`` and ``success: 100%``, and replicas whose served
  fraction is 0 or 1 (components, or services that are all-or-nothing);
* domains (nested to any depth), shared FIFO repair crews or unlimited crews.

Anything else (non-exponential durations, failover that takes time or can
fail, cold standbys, partially-serving replicas of an active-passive service,
and any model field added to relsim after this solver) raises
:class:`Unsupported`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from relsim.dists import Exponential, Fixed
from relsim.errors import Unsupported
from relsim.model import Model
from relsim.model.errors import dotted
from relsim.model.schema import (
    Component,
    Domain,
    Failover,
    IntermittentFailure,
    ModelSpec,
    PermanentFailure,
    Service,
    TransientFailure,
)

__all__ = ["Unsupported", "check", "is_binary", "supports"]

#: Fields whose meaning the solver implements, per schema class. A field not
#: listed here (added to relsim later) must keep its default value, or the
#: model is refused: the solver cannot know what that field does.
_KNOWN: dict[type[BaseModel], set[str]] = {
    # ``probe`` only measures when outages are noticed; it changes no state. Nor do ``costs``
    # and a service's own ``objectives`` and ``tier`` (docs/maintenance-and-cost.md): they price
    # and judge what happens.
    ModelSpec: {"name", "description", "horizon", "repair_crews", "domains", "components",
                "services", "entry", "objectives", "probe", "costs"},
    Domain: {"kind", "description", "failures", "contains"},
    Component: {"in_", "spread", "count", "description", "failures"},
    Service: {"replicas", "mode", "needs", "depends_on", "standby", "startup", "failover",
              "description", "objectives", "tier"},
    Failover: {"time", "success"},
    PermanentFailure: {"kind", "every", "repair", "detect", "silent"},
    TransientFailure: {"kind", "every", "lasts", "silent"},
    IntermittentFailure: {"kind", "every", "lasts", "down", "up", "silent"},
}

_ROLES = {
    "permanent": ("every", "repair", "detect"),
    "transient": ("every", "lasts"),
    "intermittent": ("every", "lasts", "down", "up"),
}


def supports(model: Model) -> tuple[bool, str]:
    """Whether :func:`relsim.analytic.solve` accepts ``model``, and why not.

    Returns
    -------
    (bool, str)
        ``(True, "")`` or ``(False, reasons)`` with one reason per line. The
        state-space size is not checked here (it is known only once the
        chain is built).
    """
    reasons = check(model)
    return (not reasons, "\n".join(reasons))


def check(model: Model) -> list[str]:
    """Every reason ``model`` is outside the exact solver's class (empty if none)."""
    reasons: list[str] = []
    reasons += _unknown_fields(model.spec, ("",))
    for name, dom in model.domains.items():
        path = _domain_path(model, name)
        reasons += _unknown_fields(dom, path, skip={"contains"})
        reasons += _failures(dom.failures, path)
    for name, comp in model.spec.components.items():
        path = ("components", name)
        reasons += _unknown_fields(comp, path)
        reasons += _failures(comp.failures, path)
    for name, svc in model.services.items():
        reasons += _unknown_fields(svc, ("services", name))
        if svc.mode == "active-passive":
            reasons += _active_passive(model, name, svc)
    return reasons


def _domain_path(model: Model, name: str) -> tuple[str, ...]:
    chain = [name]
    parent = model.domain_parents.get(name)
    while parent is not None:
        chain.append(parent)
        parent = model.domain_parents.get(parent)
    path: list[str] = ["domains"]
    for i, d in enumerate(reversed(chain)):
        path += [d] if i == 0 else ["contains", d]
    return tuple(path)


def _where(path: tuple[Any, ...]) -> str:
    return dotted(tuple(p for p in path if p != ""))


def _unknown_fields(obj: BaseModel, path: tuple[Any, ...], skip: set[str] | None = None) -> list[str]:
    known = _KNOWN.get(type(obj))
    if known is None:
        return [f"{_where(path)} is a {type(obj).__name__}, which the exact solver does not model"]
    out = []
    for fname, field in type(obj).model_fields.items():
        if fname in known or (skip and fname in skip):
            continue
        default = field.get_default(call_default_factory=True)
        value = getattr(obj, fname)
        if value != default and value not in (None, (), {}, [], False):
            key = field.alias or fname
            out.append(f"{_where((*path, key))} is set: the exact solver does not model '{key}'")
    # Nested sections with their own classes (failover, failure specs) are
    # checked where they are used.
    return out


def _failures(failures: tuple[Any, ...], path: tuple[Any, ...]) -> list[str]:
    out: list[str] = []
    for i, spec in enumerate(failures):
        fpath = (*path, "failures", i)
        out += _unknown_fields(spec, fpath)
        for role in _ROLES.get(spec.kind, ()):
            dist = getattr(spec, role, None)
            if dist is None:
                continue
            if role == "detect" and isinstance(dist, Fixed) and dist.value == 0.0:
                continue  # an immediate request: the same as no detect
            if not isinstance(dist, Exponential):
                out.append(f"{_where((*fpath, role))} is {dist!r}: the exact solver needs "
                           "exponential distributions")
    return out


def is_binary(model: Model, service: str) -> bool:
    """Whether ``service``'s served fraction can only be 0 or 1.

    Components are all-or-nothing; an ``active-active`` service is when it
    needs one replica and its replicas are; a ``quorum`` is by definition;
    ``depends_on`` multiplies by the dependencies' fractions, so they must be
    all-or-nothing too.
    """
    svc = model.services[service]

    def node_binary(ref: tuple[str, str]) -> bool:
        kind, name = ref
        return kind == "component" or is_binary(model, name)

    if svc.mode == "active-active":
        base = (svc.needs or 1) == 1 and all(node_binary(r) for r in model.replicas_of(service))
    elif svc.mode == "active-passive":
        base = all(node_binary(r) for r in model.replicas_of(service))
    else:
        base = True
    return base and all(node_binary(d) for d in model.dependencies_of(service))


def _active_passive(model: Model, name: str, svc: Service) -> list[str]:
    """Active-passive is solvable where it equals active-active with needs 1."""
    path = ("services", name)
    out = _unknown_fields(svc.failover, (*path, "failover"))
    rule = ("the exact solver handles active-passive only as instantaneous, always-successful "
            "failover to a hot standby (then it equals active-active with needs 1)")
    if svc.standby == "cold":
        out.append(f"{_where((*path, 'standby'))} is cold: idle cold standbys do not age, "
                   "so the chain would need the primary's identity; " + rule)
    elif svc.standby == "warm" and not (isinstance(svc.startup, Fixed) and svc.startup.value == 0.0):
        out.append(f"{_where((*path, 'startup'))} is {svc.startup!r}: {rule}")
    time = svc.failover.time
    if not (isinstance(time, Fixed) and time.value == 0.0):
        out.append(f"{_where((*path, 'failover', 'time'))} is {time!r}: {rule}")
    if svc.failover.success != 1.0:
        out.append(f"{_where((*path, 'failover', 'success'))} is {svc.failover.success:.6g}: {rule}")
    partial = [n for k, n in model.replicas_of(name) if k == "service" and not is_binary(model, n)]
    if partial:
        out.append(f"{_where((*path, 'replicas'))}: service(s) {', '.join(partial)} can serve "
                   "partially, and a partially-serving primary is not failed over, so "
                   "active-passive differs from active-active there")
    return out
