"""Schema of the ``sagas`` section: multi-step business transactions across services.

A saga runs its ``steps`` in order, each on a service; when a step fails
after earlier ones succeeded, the earlier ones are undone by their
``compensation`` in reverse order, and a compensation that fails leaves the
saga *stuck* (inconsistent until someone repairs it by hand). With
``protocol: 2pc`` the same steps are the participants of a two-phase
commit instead: it commits only if every participant votes yes, never needs
compensating, but transactions prepared when a participant fails stay
*blocked* (holding their locks) until it is back.

The engine (:mod:`relsim.engine.sagas`) integrates the outcomes exactly
between events; docs/application.md §4 gives the formulas.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from relsim.model.common import Duration, Fraction, Rate, _Frozen

__all__ = ["Compensation", "Saga", "SagaStep", "check_sagas"]

Path = tuple[Any, ...]


class Compensation(_Frozen):
    """How a step is undone: on ``service`` (default: the step's), succeeding with ``success`` when it serves."""

    service: str | None = None
    success: Fraction = 1.0


class SagaStep(_Frozen):
    """One step: a call to ``service`` that succeeds with ``success`` while the service serves."""

    name: str | None = None
    service: str
    success: Fraction = 1.0
    compensation: Compensation = Field(default_factory=Compensation)


class Saga(_Frozen):
    """A business transaction started at ``rate`` per second (docs/application.md §4)."""

    rate: Rate
    steps: Annotated[tuple[SagaStep, ...], Field(min_length=1)]
    protocol: Literal["saga", "2pc"] = "saga"
    prepared: Duration = 0.0
    description: str = ""


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def check_sagas(raw: dict[str, Any], suggest: Any) -> list[tuple[Path, str]]:
    """Cross-reference problems of ``raw['sagas']`` as ``(path, message)`` pairs."""
    sagas = raw.get("sagas")
    if not isinstance(sagas, dict):
        return []
    found: list[tuple[Path, str]] = []
    services = _mapping(raw.get("services"))
    known = [str(s) for s in services]
    for name, body in sagas.items():
        if not isinstance(body, dict):
            continue
        steps = body.get("steps")
        # prepared (read by 2pc) and compensation (read by saga) may both be given, so that
        # one model can be swept over `--set sagas.NAME.protocol=saga,2pc`
        for i, step in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(step, dict):
                continue
            where = ("sagas", name, "steps", i)
            svc = step.get("service")
            if svc is not None and str(svc) not in services:
                found.append(((*where, "service"), f"unknown service '{svc}'{suggest(svc, known)}"))
            comp = step.get("compensation")
            if isinstance(comp, dict):
                csvc = comp.get("service")
                if csvc is not None and str(csvc) not in services:
                    found.append(((*where, "compensation", "service"),
                                  f"unknown service '{csvc}'{suggest(csvc, known)}"))
    return found
