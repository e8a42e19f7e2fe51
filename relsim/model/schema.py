"""The model-file schema: frozen, picklable descriptions with no randomness.

Each class here is one section of the model file (see docs/model-format.md).
Field aliases are the model-file keys (``in`` is a Python keyword). Unknown
keys are rejected. Durations are stored in seconds, distributions as
:class:`relsim.dists.Distribution` objects.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from relsim.dists import Fixed
from relsim.model.behaviours import BehaviourSpec
from relsim.model.common import (
    Bandwidth,
    Count,
    Delay,
    Dist,
    Duration,
    Failures,
    FailureSpec,
    Fraction,
    IntermittentFailure,
    Names,
    Overload,
    PermanentFailure,
    PositiveDuration,
    Rate,
    Size,
    TransientFailure,
    _Frozen,
)
from relsim.model.consistency import Operation
from relsim.model.deployments import Deployment
from relsim.model.incidents import (
    AlertRule,
    IncidentPolicy,
    Noise,
    Observability,
    SeverityRule,
    Team,
)
from relsim.model.logistics import Costs, SparePool
from relsim.model.maintenance import Inspection, Maintenance
from relsim.model.mesh import Mesh
from relsim.model.phases import Phase
from relsim.model.placement import Latency
from relsim.model.sagas import Saga
from relsim.model.schedule import ScheduleEntry
from relsim.model.service_objectives import ServiceObjectives, Tier
from relsim.model.sessions import Sessions
from relsim.model.timing import StartDay, TimeOfDay
from relsim.model.traffic import Dns, LoadBalancer, Workload
from relsim.units import YEAR

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


class Domain(_Frozen):
    """A failure domain (region, zone, rack, ...); ``contains`` nests sub-domains."""

    kind: str = "domain"
    description: str = ""
    failures: Failures = ()
    contains: dict[str, Domain] = Field(default_factory=dict)
    #: Crew travel (logistic) delay to reach an element inside (relsim/model/logistics.py).
    travel: Delay | None = None


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
    #: Preventive maintenance and inspections for latent faults (relsim/model/maintenance.py).
    maintenance: Maintenance | None = None
    inspection: Inspection | None = None


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

    @model_validator(mode="after")
    def _sampled_is_exact(self) -> Detection:
        """Refuse a heartbeat whose latency the sampled method cannot treat exactly.

        The sampled method is exact for a fixed latency (every arrival is the
        send time shifted by the same amount, so a beat is missed only when it
        is lost), and for a varying latency when no beat is lost and the
        latency varies by at most ``(misses - 1) * period``: then some beat
        arrives in every window of ``misses`` periods, so there are no false
        suspicions, and the detection delay is drawn with the latest arrival
        of the beats still in flight. Any other varying latency makes late
        beats count as misses in a way that depends on the latencies of
        neighbouring beats, which only ``method: beats`` simulates
        (docs/model-format.md, ``detection``).
        """
        hb = self.heartbeat
        if self.method != "sampled" or hb is None or isinstance(hb.latency, Fixed):
            return self
        reach = (hb.misses - 1) * hb.period
        if hb.loss > 0.0:
            why = f"loss {hb.loss:.6g} > 0"
        else:
            spread = float(hb.latency.ppf(1.0)) - float(hb.latency.ppf(0.0))
            if spread <= reach:
                return self
            why = f"it varies by {spread:g} s > (misses - 1) * period = {reach:g} s"
        raise ValueError(
            f"heartbeat latency {hb.latency!r} varies and {why}: late beats count as misses, "
            "which method: sampled cannot draw exactly (it needs a fixed latency, or loss 0 and "
            "a latency that varies by at most (misses - 1) * period); "
            "use method: beats, or a fixed latency")


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
    #: Process decay: ``success`` is multiplied by this factor per month (365/12 days)
    #: since the last drill or successful failover (docs/changes.md); None: no decay.
    success_decay: Annotated[Fraction, Field(gt=0.0)] | None = None


class Fencing(_Frozen):
    """Lease-based fencing: the primary serves only while it holds a ``lease``.

    A primary that cannot renew (crashed, partitioned, or its renewals lost)
    stops serving when the lease expires, and no standby is promoted before
    then: no split brain, at the price of the lease time added to the RTO.
    """

    lease: Duration


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
    #: Down time to start again with an empty data set once the data is lost
    #: for good (no copy and no usable backup): docs/data.md.
    rebuild: Dist = Field(default_factory=lambda: Fixed(3600.0))
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
    #: This service's own objectives and criticality tier (relsim/model/service_objectives.py).
    objectives: ServiceObjectives | None = None
    tier: Tier | None = None


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
    #: With a workload, the request path is down (an outage) while the share
    #: of requests that succeed is below this; between it and 1 it is only
    #: degraded (docs/model-format.md §14.6). Without a workload the entry
    #: service is down whenever s < 1, as before.
    outage_below: Annotated[Fraction, Field(gt=0.0)] = 0.99
    #: Whether planned downtime (maintenance, chaos, drills) counts against the
    #: availability objective; None (the default) means it does. With false the
    #: objective is judged on unplanned_availability (docs/changes.md).
    planned_counts: bool | None = None


class ModelSpec(_Frozen):
    """The whole model file, as validated data."""

    name: str
    description: str = ""
    horizon: PositiveDuration = YEAR
    #: The wall-clock week model time 0 falls in: cron schedules, change
    #: windows and on-call rotas read the calendar (relsim/model/timing.py).
    start_day: StartDay = 0
    start_time: TimeOfDay = 0.0
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
    behaviours: dict[str, BehaviourSpec] = Field(default_factory=dict)
    #: Alerting and incident response (relsim/model/incidents.py, docs/incidents.md).
    alerts: dict[str, AlertRule] = Field(default_factory=dict)
    noise: Noise | None = None
    teams: dict[str, Team] = Field(default_factory=dict)
    observability: Observability | None = None
    severity: dict[Literal["sev1", "sev2"], SeverityRule] | None = None
    incidents: IncidentPolicy | None = None
    sessions: Sessions | None = None  # user sessions at failover (relsim/model/sessions.py)
    operations: dict[str, Operation] = Field(default_factory=dict)  # consistency levels (model/consistency.py)
    latency: Latency | None = None  # round trips between domains (relsim/model/placement.py)
    sagas: dict[str, Saga] = Field(default_factory=dict)  # business transactions (relsim/model/sagas.py)
    mesh: Mesh | None = None  # service-mesh fault injection (relsim/model/mesh.py)
    #: Releases and configuration changes (relsim/model/deployments.py, docs/changes.md).
    deployments: dict[str, Deployment] = Field(default_factory=dict)
    #: Spare pools and costs (relsim/model/logistics.py, docs/maintenance-and-cost.md).
    spares: dict[str, SparePool] = Field(default_factory=dict)
    costs: Costs | None = None
    #: Mission phases: stress and needs per phase of the horizon (relsim/model/phases.py).
    phases: tuple[Phase, ...] = ()
    #: Timed maintenance, chaos experiments and failover drills (relsim/model/schedule.py, docs/changes.md).
    schedule: dict[str, ScheduleEntry] = Field(default_factory=dict)
