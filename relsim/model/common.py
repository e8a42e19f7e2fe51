"""Schema pieces shared by the service sections and the traffic sections.

:mod:`relsim.model.schema` (domains, components, services, ...) and
:mod:`relsim.model.traffic` (workload, load balancers, DNS) both build on
these: the field types that parse durations, rates and distributions, the
frozen base class, the failure specs and the overload cascade. Keeping them
here lets ``schema`` import ``traffic`` without ``traffic`` importing
``schema`` back.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from relsim.dists import Distribution, Empirical, Fixed, Lognormal, Normal, parse_dist
from relsim.model.limits import MAX_COUNT, MAX_DURATION, MAX_NUMBER, MAX_RATE, MAX_SIZE
from relsim.units import (
    format_duration_spec,
    parse_bandwidth,
    parse_duration,
    parse_fraction,
    parse_rate,
    parse_size,
)

__all__ = [
    "Bandwidth",
    "Count",
    "Delay",
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


def _within_duration(seconds: float, value: Any) -> float:
    if seconds > MAX_DURATION:
        raise ValueError(f"duration {value!r} is longer than {format_duration_spec(MAX_DURATION)} "
                         "(the limit on durations)")
    return seconds


def _duration(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like 10h, got {value!r}")
    return _within_duration(parse_duration(value), value)


def _dist(value: Any) -> Distribution:
    return bounded_dist(parse_dist(value), value)


def bounded_dist(dist: Distribution, value: Any = None) -> Distribution:
    """``dist`` if its parameters and what its sampler derives from them are finite and within the limits.

    A distribution whose parameters are representable may still overflow
    when the engine derives what it samples from (``lognormal(mean=1h,
    sd=1e300y)`` squares ``sd/mean``); refusing it here turns a run-time
    ``OverflowError`` into a message at ``relsim check``.
    """
    shown = value if isinstance(value, str) else repr(dist)
    params = {f.name: getattr(dist, f.name) for f in dataclasses.fields(dist)} if dataclasses.is_dataclass(dist) else {}
    for name, param in params.items():
        # Shapes are plain numbers; every other parameter is seconds.
        limit, spelled = (MAX_NUMBER, f"{MAX_NUMBER:g}") if name == "shape" else \
            (MAX_DURATION, f"{format_duration_spec(MAX_DURATION)} (the limit on durations)")
        for x in param if isinstance(param, tuple) else (param,):
            if isinstance(x, float) and abs(x) > limit:
                raise ValueError(f"{shown}: {name} is beyond {spelled}")
    # What the sampler derives from the parameters, computed as it will be
    # (Normal and Empirical are left out: their moments need numpy or scipy,
    # which loading a model does not import, and they cannot overflow here).
    probes = ("sigma", "mu") if isinstance(dist, Lognormal) else () if isinstance(dist, (Normal, Empirical)) \
        else ("mean",)
    try:
        derived = [float(getattr(dist, name)) for name in probes]
    except (ArithmeticError, ValueError):
        derived = [math.inf]
    if not all(math.isfinite(x) for x in derived):
        raise ValueError(f"{shown}: what it samples from is not a finite number of seconds; "
                         "use parameters within a few orders of magnitude of each other")
    return dist


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
    return _at_most(parse_size(value), MAX_SIZE, value, "data sizes")


def _bandwidth(value: Any) -> float:
    return _at_most(parse_bandwidth(value), MAX_SIZE, value, "bandwidths")


def _rate(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a rate like 100/s, got {value!r}")
    return _at_most(parse_rate(value), MAX_RATE, value, "rates (per second)")


# Rates and sizes are bounded (docs/model-format.md §15) so that a rate times
# a horizon, or a size summed over a year of writes, stays a finite float.
def _at_most(x: float, limit: float, value: Any, what: str) -> float:
    if not math.isfinite(x) or x > limit:
        raise ValueError(f"{value!r} is beyond {limit:g} (the limit on {what})")
    return x


def _bounded_numbers(value: Any) -> Any:
    """Refuse plain numbers beyond :data:`MAX_NUMBER` (pydantic refuses ``inf`` and ``nan``)."""
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else (value,)
    for x in items:
        if isinstance(x, float) and not abs(x) <= MAX_NUMBER:
            raise ValueError(f"{x!r} is beyond {MAX_NUMBER:g} in size (the limit on numbers)")
    return value


Duration = Annotated[float, BeforeValidator(_duration)]
Rate = Annotated[float, BeforeValidator(_rate)]
Size = Annotated[float, BeforeValidator(_size)]
Bandwidth = Annotated[float, BeforeValidator(_bandwidth)]
Dist = Annotated[Distribution, BeforeValidator(_dist)]
Fraction = Annotated[float, BeforeValidator(_fraction)]
Count = Annotated[int, BeforeValidator(_strict_int), Field(ge=1, le=MAX_COUNT)]
Names = Annotated[tuple[str, ...], BeforeValidator(_names)]
PositiveDuration = Annotated[float, BeforeValidator(_duration), Field(gt=0)]


def _positive_time(value: Distribution) -> Distribution:
    if value.mean <= 0:
        raise ValueError(f"{value!r} has a zero mean: time would stand still (the same event "
                         "would repeat forever at one instant)")
    return value


PositiveDist = Annotated[Distribution, BeforeValidator(_dist), AfterValidator(_positive_time)]


def _delay(value: Any) -> Distribution:
    if isinstance(value, Distribution):
        return value
    try:
        return Fixed(_duration(value))  # a plain duration: that fixed time
    except (TypeError, ValueError):
        return _dist(value)  # otherwise a distribution, with its own error message


#: A time something waits or lasts: a distribution (``exp(mean=5m)``), or a
#: plain duration (``2m``) meaning exactly that long (``fixed(2m)``).
Delay = Annotated[Distribution, BeforeValidator(_delay)]


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
    # No inf or nan anywhere, and no plain number beyond MAX_NUMBER: every
    # value the engine multiplies must stay finite (docs/model-format.md §15).
    # defer_build: a class's validator is built when first used, not at import;
    # a model file's validation builds what its top level reaches, once
    # (import relsim.model 0.43 -> 0.24 s).
    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, populate_by_name=True,
        allow_inf_nan=False, defer_build=True,
    )

    @field_validator("*", mode="after")
    @classmethod
    def _finite_numbers(cls, value: Any) -> Any:
        return _bounded_numbers(value)


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
    #: Reliability growth: after each failure of this mode a post-incident fix
    #: multiplies its rate by this factor (its up-times by 1/growth; docs/changes.md).
    growth: Annotated[float, BeforeValidator(_fraction), Field(gt=0.0)] | None = None

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
    #: Reliability growth: after each failure of this mode a post-incident fix
    #: multiplies its rate by this factor (its up-times by 1/growth; docs/changes.md).
    growth: Annotated[float, BeforeValidator(_fraction), Field(gt=0.0)] | None = None

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
