"""The model-file schema: frozen, picklable descriptions with no randomness.

Each class here is one section of the model file (see docs/model-format.md).
Field aliases are the model-file keys (``in`` is a Python keyword). Unknown
keys are rejected. Durations are stored in seconds, distributions as
:class:`relsim.dists.Distribution` objects.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from relsim.dists import Distribution, Fixed, parse_dist
from relsim.units import (
    YEAR,
    parse_bandwidth,
    parse_duration,
    parse_fraction,
    parse_rate,
    parse_size,
)

__all__ = [
    "Component",
    "Domain",
    "Backup",
    "Corruption",
    "Data",
    "Detection",
    "Restore",
    "WriteAheadLog",
    "Failover",
    "Fencing",
    "HealthCheck",
    "Heartbeat",
    "Link",
    "Overload",
    "StateTransfer",
    "FailureSpec",
    "IntermittentFailure",
    "ModelSpec",
    "Objectives",
    "PermanentFailure",
    "Probe",
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
    every: PositiveDist
    repair: Dist
    detect: Dist | None = None
    silent: bool = False
    destroys: Literal["data", "online"] | None = None


class TransientFailure(_Frozen):
    """Fails after ``every``; down for ``lasts``; recovers by itself (no crew)."""

    kind: Literal["transient"]
    every: PositiveDist
    lasts: Dist
    silent: bool = False
    destroys: Literal["data", "online"] | None = None


class IntermittentFailure(_Frozen):
    """After ``every``, an episode of length ``lasts`` alternates ``down``/``up`` spells.

    The episode starts with a down spell and the element is up when it ends.
    """

    kind: Literal["intermittent"]
    every: PositiveDist
    lasts: Dist
    down: PositiveDist
    up: PositiveDist
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


class Heartbeat(_Frozen):
    """The primary sends a beat every ``period``; ``misses`` missing beats in a row raise suspicion.

    Each beat is lost with probability ``loss`` and arrives after ``latency``.
    Heartbeats come from the process itself, so they do not reveal ``silent``
    failures.
    """

    period: Duration = 1.0
    misses: Count = 3
    loss: Fraction = 0.0
    latency: Dist = Field(default_factory=lambda: Fixed(0.0))


class HealthCheck(_Frozen):
    """The controller checks the primary every ``interval``.

    A check of a failed target fails after ``timeout``; ``unhealthy`` failed
    checks in a row mark it unhealthy, ``healthy`` passed ones healthy again.
    A healthy target fails a check with probability ``loss`` (spurious
    failures). Shallow checks (``deep: false``) pass on ``silent`` failures;
    deep checks exercise the real work and see them.
    """

    interval: Duration = 10.0
    unhealthy: Count = 3
    healthy: Count = 2
    timeout: Duration = 2.0
    loss: Fraction = 0.0
    deep: bool = False


class Detection(_Frozen):
    """How a service's controller notices that its primary has failed.

    Give one of ``heartbeat`` or ``health_check``. ``method: sampled`` (the
    default) draws detection delays and false suspicions from their exact
    distributions; ``method: beats`` simulates every beat or check as an
    event (for short horizons, teaching, and to check the sampled method).
    ``controller`` is the domain the controller runs in: a failed link
    between it and the primary looks like a failure of the primary.
    """

    heartbeat: Heartbeat | None = None
    health_check: HealthCheck | None = None
    method: Literal["sampled", "beats"] = "sampled"
    controller: str | None = None


class StateTransfer(_Frozen):
    """State a standby must copy before it can serve: ``size`` at ``bandwidth``."""

    size: Size
    bandwidth: Bandwidth


class Failover(_Frozen):
    """Active-passive failover: decision rules, promotion and its fallback.

    After detection the failure must persist for ``hold`` (hysteresis), and
    failovers are at least ``min_interval`` apart (flap damping). A standby is
    a candidate only if it is up, reachable and has been healthy for
    ``readmit_after``. Promotion takes ``time`` and succeeds with ``success``;
    when it fails, ``fallback: manual`` restores service after ``manual``
    (an operator promotes a healthy standby), ``fallback: repair`` waits for
    a replica to be restored. ``failback: auto`` moves service back to the
    first-listed replica once it has been healthy for ``failback_after``.
    """

    time: Dist = Field(default_factory=lambda: Fixed(0.0))
    success: Fraction = 1.0
    fallback: Literal["repair", "manual"] = "repair"
    manual: Dist | None = None
    hold: Duration = 0.0
    min_interval: Duration = 0.0
    readmit_after: Duration = 0.0
    failback: Literal["none", "auto"] = "none"
    failback_after: Duration = 0.0
    flap_window: Duration = 3600.0


class Fencing(_Frozen):
    """Lease-based fencing: the primary serves only while it holds a ``lease``.

    A primary that cannot renew (crashed, partitioned, or its renewals lost)
    stops serving when the lease expires, and no standby is promoted before
    then: no split brain, at the price of the lease time added to the RTO.
    """

    lease: Duration


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


class WriteAheadLog(_Frozen):
    """Node durability: when the log reaches disk (``fsync``).

    ``every-write`` loses nothing at a crash; ``interval`` loses the writes
    since the last flush (every ``interval``); ``none`` leaves flushing to
    the operating system, which writes dirty pages back after ``flush``.
    """

    fsync: Literal["every-write", "interval", "none"] = "every-write"
    interval: Duration = 1.0
    flush: Duration = 30.0


class Corruption(_Frozen):
    """Silent data corruption of replicas, and what finds and repairs it."""

    every: Dist
    checksums: bool = True
    scrub: Duration | None = None
    read_repair: Rate | None = None
    repair: Dist = Field(default_factory=lambda: Fixed(3600.0))


class Backup(_Frozen):
    """A backup schedule: a copy every ``every`` taking ``takes``, kept ``retention``."""

    every: Duration
    takes: Duration = 0.0
    retention: Duration = 30 * 86400.0
    in_: str | None = Field(default=None, alias="in")
    offline: bool = False


class Restore(_Frozen):
    """Restoring from a backup: ``time`` to copy the data back, then ``activation``."""

    time: Dist
    activation: Dist = Field(default_factory=lambda: Fixed(0.0))


class Data(_Frozen):
    """Writes, replication and data protection of a service (see docs/data.md)."""

    writes: Rate
    profile: tuple[float, ...] | None = None
    replication: Literal["sync", "semi-sync", "async"] = "async"
    acks: Count = 1
    lag: Dist = Field(default_factory=lambda: Fixed(0.0))
    lag_model: Literal["shared", "per-write"] = "shared"
    rtt: Duration = 0.0
    on_sync_unavailable: Literal["block", "degrade"] = "degrade"
    max_lag: Duration | None = None
    wal: WriteAheadLog | None = None
    corruption: Corruption | None = None
    backups: tuple[Backup, ...] = ()
    restore: Restore | None = None
    allowed: Names | None = None
    conflicts: Literal["lww", "version-vectors"] = "lww"
    keys: float = Field(default=1e6, gt=0)


class Service(_Frozen):
    """A service built from replicas (components, groups or other services)."""

    replicas: Annotated[Names, Field(min_length=1)]
    mode: Literal["active-active", "active-passive", "quorum"] = "active-active"
    needs: Count | None = None
    depends_on: Names = ()
    standby: Literal["hot", "warm", "cold"] = "hot"
    startup: Dist | None = None
    failover: Failover = Field(default_factory=Failover)
    detection: Detection | None = None
    fencing: Fencing | None = None
    state: StateTransfer | None = None
    election: Dist | None = None
    overload: Overload | None = None
    data: Data | None = None
    description: str = ""


class Link(_Frozen):
    """The network between two domains; while it is down they cannot reach each other."""

    between: tuple[str, str]
    failures: Failures = ()
    description: str = ""


class Probe(_Frozen):
    """Synthetic probes of the entry service, end to end, every ``interval``.

    A probe sees every kind of outage (``silent`` failures included). An
    outage is detected when ``unhealthy`` probes in a row have failed (each
    failing after ``timeout``); the delay is the outage's ``detection_s``.
    """

    interval: Duration = 60.0
    unhealthy: Count = 2
    timeout: Duration = 10.0


class Objectives(_Frozen):
    """Targets the results are judged against."""

    availability: Fraction | None = None
    rto: Duration | None = None
    rpo: Duration | None = None
    slo_window: PositiveDuration = 30 * 86400.0


# The traffic sections build on the classes above (failure specs, durations).
from relsim.model.traffic import Dns, LoadBalancer, Workload  # noqa: E402


class ModelSpec(_Frozen):
    """The whole model file, as validated data."""

    name: str
    description: str = ""
    horizon: PositiveDuration = YEAR
    repair_crews: Count | None = None
    domains: dict[str, Domain] = Field(default_factory=dict)
    links: dict[str, Link] = Field(default_factory=dict)
    components: dict[str, Component] = Field(default_factory=dict)
    services: dict[str, Service] = Field(default_factory=dict)
    entry: str | None = None
    probe: Probe | None = None
    objectives: Objectives = Field(default_factory=Objectives)
    workload: Workload | None = None
    load_balancers: dict[str, LoadBalancer] = Field(default_factory=dict)
    dns: Dns | None = None
