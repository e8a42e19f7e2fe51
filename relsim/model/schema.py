"""The model-file schema: frozen, picklable descriptions with no randomness.

Each class here is one section of the model file (see docs/model-format.md).
Field aliases are the model-file keys (``in`` is a Python keyword). Unknown
keys are rejected. Durations are stored in seconds, distributions as
:class:`relsim.dists.Distribution` objects.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from relsim.dists import Distribution, Fixed, parse_dist
from relsim.units import YEAR, parse_duration, parse_fraction

__all__ = [
    "Component",
    "Domain",
    "Failover",
    "FailureSpec",
    "IntermittentFailure",
    "ModelSpec",
    "Objectives",
    "PermanentFailure",
    "Service",
    "TransientFailure",
]


def _duration(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like 10h, got {value!r}")
    return parse_duration(value)


def _dist(value: Any) -> Distribution:
    return parse_dist(value)


def _fraction(value: Any) -> float:
    return parse_fraction(value)


def _strict_int(value: Any) -> Any:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"expected a whole number, got {value!r}")
    return value


def _names(value: Any) -> Any:
    # A single name is accepted where a list of names is expected.
    return [value] if isinstance(value, str) else value


Duration = Annotated[float, BeforeValidator(_duration)]
Dist = Annotated[Distribution, BeforeValidator(_dist)]
Fraction = Annotated[float, BeforeValidator(_fraction)]
Count = Annotated[int, BeforeValidator(_strict_int), Field(ge=1)]
Names = Annotated[tuple[str, ...], BeforeValidator(_names)]


class _Frozen(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, populate_by_name=True
    )


class PermanentFailure(_Frozen):
    """Fails after ``every`` of up-time; down until a crew finishes ``repair``.

    ``detect`` is the latency before the repair is requested (a latent fault).
    After repair the element is as good as new: all its clocks restart.
    """

    kind: Literal["permanent"]
    every: Dist
    repair: Dist
    detect: Dist | None = None
    silent: bool = False


class TransientFailure(_Frozen):
    """Fails after ``every``; down for ``lasts``; recovers by itself (no crew)."""

    kind: Literal["transient"]
    every: Dist
    lasts: Dist
    silent: bool = False


class IntermittentFailure(_Frozen):
    """After ``every``, an episode of length ``lasts`` alternates ``down``/``up`` spells.

    The episode starts with a down spell and the element is up when it ends.
    """

    kind: Literal["intermittent"]
    every: Dist
    lasts: Dist
    down: Dist
    up: Dist
    silent: bool = False


FailureSpec = Annotated[
    PermanentFailure | TransientFailure | IntermittentFailure,
    Field(discriminator="kind"),
]
Failures = tuple[FailureSpec, ...]


class Domain(_Frozen):
    """A failure domain (region, zone, rack, ...); ``contains`` nests sub-domains."""

    kind: str = "domain"
    description: str = ""
    failures: Failures = ()
    contains: dict[str, Domain] = Field(default_factory=dict)


class Component(_Frozen):
    """A component, or with ``count`` a group expanding to ``NAME-1`` .. ``NAME-N``.

    ``in`` places every member in one domain; ``spread`` places members
    round-robin over several domains.
    """

    in_: str | None = Field(default=None, alias="in")
    spread: Names | None = None
    count: Count | None = None
    description: str = ""
    failures: Failures = ()


class Failover(_Frozen):
    """Basic active-passive failover: promotion takes ``time``, succeeds with ``success``."""

    time: Dist = Field(default_factory=lambda: Fixed(0.0))
    success: Fraction = 1.0


class Service(_Frozen):
    """A service built from replicas (components, groups or other services)."""

    replicas: Names
    mode: Literal["active-active", "active-passive", "quorum"] = "active-active"
    needs: Count | None = None
    depends_on: Names = ()
    standby: Literal["hot", "warm", "cold"] = "hot"
    startup: Dist | None = None
    failover: Failover = Field(default_factory=Failover)
    description: str = ""


class Objectives(_Frozen):
    """Targets the results are judged against."""

    availability: Fraction | None = None
    rto: Duration | None = None
    rpo: Duration | None = None
    slo_window: Duration = 30 * 86400.0


class ModelSpec(_Frozen):
    """The whole model file, as validated data."""

    name: str
    description: str = ""
    horizon: Duration = YEAR
    repair_crews: Count | None = None
    domains: dict[str, Domain] = Field(default_factory=dict)
    components: dict[str, Component] = Field(default_factory=dict)
    services: dict[str, Service] = Field(default_factory=dict)
    entry: str | None = None
    objectives: Objectives = Field(default_factory=Objectives)
