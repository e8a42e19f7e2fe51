"""Schema of preventive maintenance and inspections of a component.

``maintenance:`` takes a component out of service on purpose for ``lasts``
and (``renews: true``) makes it as good as new: every failure clock
restarts. When it happens is a :class:`~relsim.model.timing.When` (``every``,
``at`` or ``cron``), read one of two ways (``basis``):

* ``age`` (the default for ``every``): after ``every`` of age since the
  component was last renewed — by a repair or by the maintenance itself —
  the classic *age replacement* policy;
* ``calendar`` (the only reading of ``at`` and ``cron``): at the times the
  schedule gives, whatever happened in between (*block replacement*).

With ``opportunistic: 30d`` (age basis), a component whose maintenance would
fall due within 30 days is maintained at once when a crew starts repairing a
*neighbour* — a component of the same group or in the same domain — as
the crew is on site anyway.

``inspection:`` tests a component for **latent** faults: a permanent
failure marked ``silent`` on a component with an inspection is not noticed
by anyone (no repair is requested) until an inspection finds it — each
inspection finds a present fault with probability ``finds``. An inspection
of a healthy component takes it out of service for ``lasts`` (a proof
test). This is the classic proof-test model of protection systems.

The engine side is :mod:`relsim.engine.maintenance`; docs/maintenance-and-cost.md
gives the semantics and the exact formulas.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from relsim.dists import Fixed
from relsim.model.common import Delay, Duration, Fraction
from relsim.model.timing import When

__all__ = ["Inspection", "Maintenance", "check_maintenance", "upkeep_events"]

Path = tuple[Any, ...]


class Maintenance(When):
    """Preventive maintenance of a component (see the module docstring)."""

    lasts: Delay = Field(default_factory=lambda: Fixed(0.0))
    renews: bool = True
    basis: Literal["age", "calendar"] | None = None
    #: Opportunistic window: maintain early, when a neighbour's repair starts and the
    #: maintenance would fall due within this long anyway (age-based only).
    opportunistic: Duration | None = None

    @model_validator(mode="after")
    def _basis(self) -> Maintenance:
        if self.basis == "age" and not isinstance(self.every, Fixed):
            raise ValueError("basis: age needs a fixed 'every' (the age at which the component is renewed)")
        if self.opportunistic is not None and not self.age_based:
            raise ValueError("opportunistic maintenance needs the age basis (a fixed 'every')")
        return self

    @property
    def age_based(self) -> bool:
        """Whether the schedule counts age since the last renewal (else the calendar)."""
        return self.basis == "age" or (self.basis is None and isinstance(self.every, Fixed))


class Inspection(When):
    """Inspection (proof test) of a component for latent ``silent`` permanent faults."""

    lasts: Delay = Field(default_factory=lambda: Fixed(0.0))
    finds: Fraction = 1.0


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def check_maintenance(raw: dict[str, Any]) -> list[tuple[Path, str]]:
    """Problems of components' ``maintenance`` and ``inspection`` as ``(path, message)`` pairs."""
    found: list[tuple[Path, str]] = []
    for name, body in _mapping(raw.get("components")).items():
        body = _mapping(body)
        fails = body.get("failures") if isinstance(body.get("failures"), list) else []
        if "inspection" in body:
            silent = [i for i, f in enumerate(fails)
                      if _mapping(f).get("kind") == "permanent" and _mapping(f).get("silent") is True]
            if not silent:
                found.append((("components", name, "inspection"),
                              "an inspection finds latent faults: give the component a permanent failure "
                              "with silent: true"))
            for i in silent:
                if _mapping(fails[i]).get("detect") is not None:
                    found.append((("components", name, "failures", i, "detect"),
                                  "a silent permanent failure of an inspected component is found by the "
                                  "inspection; remove detect (or silent)"))
        if "maintenance" in body and not any(_mapping(f).get("kind") == "permanent" for f in fails) \
                and _mapping(body["maintenance"]).get("renews", True) is True and not fails:
            found.append((("components", name, "maintenance"),
                          "maintenance renews the component, but it has no failures to renew"))
    return found


def upkeep_events(model: Any, horizon: float) -> float:
    """About how many events maintenance, inspections and phase changes take (relsim.model.estimate).

    A handful per maintenance or inspection (the hold, the return, what the
    services do); a phase change touches every element's failure clocks.
    """
    total = 0.0
    for name, comp in model.spec.components.items():
        members = len(model.groups.get(name, (name,)))
        for when in (comp.maintenance, comp.inspection):
            if when is not None:
                total += 4.0 * members * when.expected_count(horizon, model.calendar)
    phases = getattr(model.spec, "phases", ())
    if phases:
        cycle = sum(p.lasts for p in phases)
        elements = len(model.components) + len(model.domains) + len(model.spec.links)
        total += horizon / cycle * len(phases) * (2.0 + elements)
    return total
