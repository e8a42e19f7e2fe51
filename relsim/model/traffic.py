"""Schema of the traffic sections: ``workload``, ``load_balancers`` and ``dns``.

These describe the path a request takes (DNS name → load balancer →
service) and what clients do when a request fails. Like the rest of the
schema they are frozen, picklable data; the engine's traffic modules
(:mod:`relsim.engine.traffic` and friends) give them behaviour.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator

from relsim.dists import Fixed
from relsim.model.common import (
    Count,
    Dist,
    Duration,
    Failures,
    Fraction,
    Names,
    Overload,
    PositiveDuration,
    _Frozen,
    _rate,
)

__all__ = [
    "CircuitBreaker",
    "Clients",
    "ClientPopulation",
    "Dns",
    "DnsName",
    "DnsProvider",
    "LoadBalancer",
    "RateLimit",
    "Retry",
    "TrafficCheck",
    "Workload",
]


Rate = Annotated[float, BeforeValidator(_rate)]


def _idempotent(value: Any) -> Any:
    # true / false, or the share of writes that are idempotent
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    return value


Idempotent = Annotated[Fraction, BeforeValidator(_idempotent)]


class TrafficCheck(_Frozen):
    """A health check of a load balancer's backends or of a DNS record's target.

    The checker probes every ``interval`` at a phase unrelated to failures.
    A check of a failed target fails after ``timeout``; ``unhealthy`` failed
    checks in a row take the target out (of rotation, of the DNS answers),
    ``healthy`` passed checks in a row put it back. Shallow checks
    (``deep: false``) pass on ``silent`` failures, which then stay in.
    """

    interval: Duration = 10.0
    unhealthy: Count = 3
    healthy: Count = 2
    timeout: Duration = 2.0
    deep: bool = False


class Retry(_Frozen):
    """Client retries: up to ``attempts`` tries in all, with exponential backoff.

    The wait before retry *k* (k = 1, 2, ...) is ``min(cap, base * 2**(k-1))``
    shaped by ``jitter``: ``none`` (that value), ``full`` (uniform on
    [0, value]), ``equal`` (value/2 plus uniform on [0, value/2]) or
    ``decorrelated`` (uniform on [base, 3 * previous wait], capped).
    """

    attempts: Count = 3
    base: Duration = 0.1
    cap: Duration = 10.0
    jitter: Literal["none", "full", "equal", "decorrelated"] = "full"


class RateLimit(_Frozen):
    """A rate limiter at the edge admitting at most ``rate`` attempts per second.

    Attempts beyond it are rejected at once (HTTP 429): they fail (and may
    be retried) but put no load on the service. This is a token bucket's
    sustained rate; its burst allowance, a bounded one-off, is not modelled.
    """

    rate: Rate


class CircuitBreaker(_Frozen):
    """A circuit breaker in front of the clients' attempts.

    Closed, it counts attempts in tumbling windows of length ``window``
    (starting when it last closed); at the end of a window whose share of
    failed attempts exceeds ``threshold`` it *opens*: for ``open`` every
    request fails at once, without retries and without load on the
    backends. Then it is *half-open*: ``probes`` attempts go through; if all
    succeed it closes, otherwise it opens again.
    """

    threshold: Fraction = 0.5
    window: PositiveDuration = 10.0
    open: PositiveDuration = 30.0
    probes: Count = 1


class Clients(_Frozen):
    """What clients do per request: a ``timeout`` per failed attempt, retries, a breaker."""

    timeout: Duration = 1.0
    retry: Retry | None = None
    circuit_breaker: CircuitBreaker | None = None


class ClientPopulation(_Frozen):
    """A share of the workload's clients; ``near`` is the domain they are closest to."""

    share: Fraction
    near: str | None = None


class Workload(_Frozen):
    """Requests offered to the system (request-weighted metrics: docs/traffic.md).

    ``rate`` is the mean request rate; ``profile`` (24 hourly multipliers)
    shapes it over the day, rescaled to mean 1. ``target`` is where clients
    send requests: a DNS name, a load balancer or a service (default: the
    entry service). ``writes`` is the share of requests that are writes;
    ``idempotent`` (``true``, ``false`` or a share) how many of them can be
    retried safely: a retry of any other write whose earlier attempt was
    processed by a backend but timed out executes it twice (a duplicate).
    ``mode``: ``fluid`` integrates requests exactly between events;
    ``discrete`` simulates each request as a process (short horizons).
    """

    rate: Rate
    profile: tuple[float, ...] | None = None
    writes: Fraction = 0.0
    idempotent: Idempotent = 1.0
    target: str | None = None
    populations: dict[str, ClientPopulation] = Field(default_factory=dict)
    latency: Dist = Field(default_factory=lambda: Fixed(0.0))
    clients: Clients = Field(default_factory=Clients)
    rate_limit: RateLimit | None = None
    mode: Literal["fluid", "discrete"] = "fluid"

    @field_validator("profile")
    @classmethod
    def _profile(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is None:
            return None
        if len(value) != 24:
            raise ValueError(f"profile needs 24 hourly multipliers, got {len(value)}")
        if min(value) < 0 or sum(value) <= 0:
            raise ValueError("profile multipliers must be >= 0 and not all 0")
        return value

    @field_validator("populations")
    @classmethod
    def _populations(cls, value: dict[str, ClientPopulation]) -> dict[str, ClientPopulation]:
        if value and sum(p.share for p in value.values()) <= 0:
            raise ValueError("populations' shares are all 0: at least one must send requests")
        return value


class LoadBalancer(_Frozen):
    """A load balancer in front of an active-active ``service``.

    It is an element (``in`` a domain, with ``failures``). Its backends are
    the service's replicas; it sends each its share of the traffic
    (``algorithm``) until health checks take it out of rotation. A backend
    that has failed but is still in rotation gets its share, which fails.
    Each backend carries at most ``1/needs`` of the load (the service's
    ``needs``) and, with ``capacity``, at most that many attempts per
    second; ``overload`` (as for services, with ``capacity`` read as a
    utilisation) fails backends kept above it.
    """

    service: str
    in_: str | None = Field(default=None, alias="in")
    algorithm: Literal["round-robin", "weighted", "least-loaded"] = "round-robin"
    weights: dict[str, float] = Field(default_factory=dict)
    health_check: TrafficCheck = Field(default_factory=TrafficCheck)
    capacity: Rate | None = None
    overload: Overload | None = None
    failures: Failures = ()
    description: str = ""


class DnsName(_Frozen):
    """A DNS name: its ``records`` (load balancers or services), ``ttl`` and ``policy``.

    ``failover`` answers with the first healthy record in the listed order;
    ``weighted`` splits clients by ``weights`` over the healthy records;
    ``latency`` (a global traffic manager) answers each client population
    with the healthy record nearest to it. Without ``health_check`` the
    answers never change.
    """

    records: Names
    ttl: Duration = 60.0
    policy: Literal["failover", "weighted", "latency"] = "failover"
    weights: dict[str, float] = Field(default_factory=dict)
    health_check: TrafficCheck | None = None


class DnsProvider(_Frozen):
    """The DNS provider, an element that can fail (``in`` a domain, ``failures``).

    While it is down, answers cannot change; with ``serve_stale: true``
    resolvers keep serving the last answer, with ``false`` a client whose
    cache expires gets no answer and fails until its next refresh.
    """

    in_: str | None = Field(default=None, alias="in")
    failures: Failures = ()
    serve_stale: bool = True


class Dns(_Frozen):
    """The DNS section: the ``provider`` and the ``names`` it serves."""

    provider: DnsProvider = Field(default_factory=DnsProvider)
    names: dict[str, DnsName] = Field(default_factory=dict)
