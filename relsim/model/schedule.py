"""Schema of the ``schedule:`` section: timed maintenance, chaos experiments and failover drills.

Each entry is named and says *when* (a :class:`~relsim.model.timing.When`:
``at``, ``every`` or ``cron``, with ``start``, ``until``, ``count``) and
*what* (``kind``):

* ``fail`` — a chaos experiment (fault injection): element, domain or link
  ``fail`` goes down for ``for``, as a crash would (health checks and
  failover react); with ``steady_state`` only if every element or service
  listed there is fully up, else it is skipped and counted;
* ``maintenance`` — ``targets`` (elements, or a service: its replicas) are
  taken out of service for ``lasts``, all at once or rolling in batches of
  ``batch`` (``one_at_a_time`` is ``batch: 1``) with ``pause`` between
  batches, each batch starting only inside ``window``; ``drain: true`` is a
  graceful one: an active-passive primary first hands over to a standby
  (``switchover`` seconds without service, instead of a failover after
  detection) and load balancers stop sending to a target before it goes;
  ``renew: true`` brings the targets back as good as new;
* ``drill`` — a failover drill (a DR test): the primary of active-passive
  ``service`` is taken out for ``lasts`` and the failover runs as for a real
  failure; it restores a decayed ``failover.success`` (``success_decay``).

Every outage these start is *planned* (cause kind ``chaos``, ``maintenance``
or ``drill``). The engine side is :mod:`relsim.engine.scheduled`;
docs/changes.md gives the semantics and the exact formulas.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from relsim.dists import Fixed
from relsim.model.checks import group_members
from relsim.model.common import Count, Delay, Duration, Names
from relsim.model.timing import When, WindowsField

__all__ = ["ScheduledDrill", "ScheduledFail", "ScheduledMaintenance", "ScheduleEntry", "check_schedule",
           "scheduled_events"]

Path = tuple[Any, ...]


class _Timed(When):
    description: str = ""


class ScheduledFail(_Timed):
    """A chaos experiment: ``fail`` goes down for ``for`` at each occurrence."""

    kind: Literal["fail"]
    fail: str
    for_: Annotated[Delay, Field(alias="for")]
    steady_state: Names = ()


class ScheduledMaintenance(_Timed):
    """Scheduled maintenance of ``targets``, all at once or rolling (see the module docstring)."""

    kind: Literal["maintenance"]
    targets: Annotated[Names, Field(min_length=1)]
    lasts: Delay
    batch: Count | None = None
    one_at_a_time: bool = False
    pause: Duration = 0.0
    window: WindowsField
    drain: bool = False
    switchover: Delay = Field(default_factory=lambda: Fixed(0.0))
    renew: bool = False

    @model_validator(mode="after")
    def _one_batch_size(self) -> ScheduledMaintenance:
        if self.one_at_a_time and self.batch is not None and self.batch != 1:
            raise ValueError(f"one_at_a_time means batch: 1; it contradicts batch: {self.batch}")
        return self

    @property
    def batch_size(self) -> int | None:
        """Targets per batch (None: all at once)."""
        return 1 if self.one_at_a_time else self.batch


class ScheduledDrill(_Timed):
    """A failover drill of active-passive ``service``: its primary is out for ``lasts``."""

    kind: Literal["drill"]
    service: str
    lasts: Delay = Field(default_factory=lambda: Fixed(1800.0))
    window: WindowsField


#: One entry of ``schedule:``, told apart by its ``kind``.
ScheduleEntry = Annotated[ScheduledFail | ScheduledMaintenance | ScheduledDrill, Field(discriminator="kind")]


def scheduled_events(model: Any, horizon: float) -> float:
    """About how many events the ``schedule`` of ``model`` takes over ``horizon`` (for the estimate).

    Occurrences times the events each schedules: a handful per target taken
    down and brought back (the hold, the return, what the services do).
    """
    total = 0.0
    for spec in (getattr(model.spec, "schedule", None) or {}).values():
        n = spec.expected_count(horizon, model.calendar)
        targets = len(spec.targets) if isinstance(spec, ScheduledMaintenance) else 1
        total += n * 6.0 * targets
    return total


def _close(name: str, known: list[str]) -> str:
    import difflib  # noqa: PLC0415

    near = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {near[0]!r}?)" if near else ""


def _listed(value: Any) -> list[tuple[tuple[int, ...], str]]:
    """The names in a name-or-list value, with their index (none for a single name); the schema
    reports values of other types."""
    if isinstance(value, str):
        return [((), value)]
    if isinstance(value, list):
        return [((i,), v) for i, v in enumerate(value) if isinstance(v, str)]
    return []


def check_schedule(raw: dict[str, Any]) -> list[tuple[Path, str]]:
    """Cross-references of ``schedule:``: the names it uses exist and fit the kind.

    Returns ``(path, message)`` pairs, as the other checks do.
    """
    sched = raw.get("schedule")
    if not isinstance(sched, dict):
        return []

    def names(section: str) -> list[str]:
        value = raw.get(section)
        return [str(k) for k in value] if isinstance(value, dict) else []

    comps = raw.get("components") if isinstance(raw.get("components"), dict) else {}
    members = [m for name, body in comps.items() for m in group_members(str(name), body)]
    groups = [str(n) for n in comps if str(n) not in members]
    elements = [*names("domains"), *members, *names("links"), *names("load_balancers")]
    services = names("services")
    svcs = raw.get("services") if isinstance(raw.get("services"), dict) else {}
    active_passive = [str(n) for n, s in svcs.items() if isinstance(s, dict) and s.get("mode") == "active-passive"]
    out: list[tuple[Path, str]] = []
    for entry, spec in sched.items():
        if not isinstance(spec, dict):
            continue
        kind = spec.get("kind")
        if kind == "fail":
            target = spec.get("fail")
            if isinstance(target, str) and target not in elements:
                out.append((("schedule", entry, "fail"), f"unknown element {target!r}: fail names a domain, "
                            f"component, link or load balancer{_close(target, elements)}"))
            for where, name in _listed(spec.get("steady_state")):
                if name not in elements and name not in services:
                    out.append((("schedule", entry, "steady_state", *where),
                                f"unknown element or service {name!r}{_close(name, elements + services)}"))
        elif kind == "maintenance":
            for where, name in _listed(spec.get("targets")):
                if name not in elements + groups + services:
                    out.append((("schedule", entry, "targets", *where),
                                f"unknown target {name!r}: targets are elements or services (their replicas)"
                                f"{_close(name, elements + services)}"))
        elif kind == "drill":
            service = spec.get("service")
            if isinstance(service, str) and service not in active_passive:
                out.append((("schedule", entry, "service"),
                            f"{service!r} is not an active-passive service: a drill exercises a failover"
                            f"{_close(service, active_passive)}"))
    return out
