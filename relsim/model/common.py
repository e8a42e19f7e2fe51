"""Schema pieces shared by the service sections and the traffic sections.

:mod:`relsim.model.schema` (domains, components, services, ...) and
:mod:`relsim.model.traffic` (workload, load balancers, DNS) both build on
these: the field types that parse durations, rates and distributions, the
frozen base class, the failure specs and the overload cascade. Keeping them
here lets ``schema`` import ``traffic`` without ``traffic`` importing
``schema`` back.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from relsim.dists import Distribution, parse_dist
from relsim.units import (
    parse_bandwidth,
    parse_duration,
    parse_fraction,
    parse_rate,
    parse_size,
)

__all__ = [
    "Bandwidth",
    "Count",
    "Dist",
    "Duration",
    "FailureSpec",
    "Failures",
    "Fraction",
    "IntermittentFailure",
    "Names",
    "Overload",
    "PermanentFailure",
    "PositiveDist",
    "PositiveDuration",
    "Rate",
    "Size",
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


def _size(value: Any) -> float:
    return parse_size(value)


def _bandwidth(value: Any) -> float:
    return parse_bandwidth(value)


def _rate(value: Any) -> float:
    return parse_rate(value)


Duration = Annotated[float, BeforeValidator(_duration)]
Rate = Annotated[float, BeforeValidator(_rate)]
Size = Annotated[float, BeforeValidator(_size)]
Bandwidth = Annotated[float, BeforeValidator(_bandwidth)]
Dist = Annotated[Distribution, BeforeValidator(_dist)]
Fraction = Annotated[float, BeforeValidator(_fraction)]
Count = Annotated[int, BeforeValidator(_strict_int), Field(ge=1)]
Names = Annotated[tuple[str, ...], BeforeValidator(_names)]
PositiveDuration = Annotated[float, BeforeValidator(_duration), Field(gt=0)]


def _positive_time(value: Distribution) -> Distribution:
    if value.mean <= 0:
        raise ValueError(f"{value!r} has a zero mean: time would stand still (the same event "
                         "would repeat forever at one instant)")
    return value


PositiveDist = Annotated[Distribution, BeforeValidator(_dist), AfterValidator(_positive_time)]


def _cycle_moves(*parts: tuple[str, Distribution | None]) -> None:
    """Refuse a cycle whose total length is always zero.

    A failure cycle (``every`` then ``repair``, ``detect`` or ``lasts``)
    repeats forever at one instant only if every part of it is zero with
    probability one, i.e. if the sum of their means is zero (durations are
    never negative). A zero up-time alone is fine: the element is broken from
    the start and waits for its repair (docs/model-format.md §14.1).
    """
    given = [(k, d) for k, d in parts if d is not None]
    if sum(d.mean for _, d in given) <= 0:
        keys = " + ".join(f"{k} {d!r}" for k, d in given)
        raise ValueError(f"the cycle {keys} has zero length: time would stand still "
                         "(the same event would repeat forever at one instant)")


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
    destroys: Literal["data", "online"] | None = None

    @model_validator(mode="after")
    def _moves(self) -> PermanentFailure:
        _cycle_moves(("every", self.every), ("detect", self.detect), ("repair", self.repair))
        return self


class TransientFailure(_Frozen):
    """Fails after ``every``; down for ``lasts``; recovers by itself (no crew)."""

    kind: Literal["transient"]
    every: Dist
    lasts: Dist
    silent: bool = False
    destroys: Literal["data", "online"] | None = None

    @model_validator(mode="after")
    def _moves(self) -> TransientFailure:
        _cycle_moves(("every", self.every), ("lasts", self.lasts))
        return self


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

    @model_validator(mode="after")
    def _moves(self) -> IntermittentFailure:
        _cycle_moves(("every", self.every), ("lasts", self.lasts))
        if self.lasts.mean > 0:
            _cycle_moves(("down", self.down), ("up", self.up))
        return self


FailureSpec = Annotated[
    PermanentFailure | TransientFailure | IntermittentFailure,
    Field(discriminator="kind"),
]
Failures = tuple[FailureSpec, ...]


class Overload(_Frozen):
    """Overload cascade of an active-active service.

    With u of n replicas serving, each carries n/u of its normal load. When
    that exceeds ``capacity`` for ``after``, each serving replica fails with
    probability ``probability`` for ``lasts`` (a transient overload failure).
    """

    capacity: float = Field(gt=0)
    after: Duration = 0.0
    probability: Fraction = 1.0
    lasts: Dist
