"""Alerting, on-call teams, observability and incident severity: the model-file sections.

The sections ``alerts:``, ``noise:``, ``teams:``, ``observability:`` and
``severity:`` (docs/incidents.md, docs/model-format.md). They describe
how the simulated organisation notices an outage (alert rules on the
signals of a service or of the request path, with measurement noise that
makes false pages), who is paged and how fast they answer (on-call teams
with business-hours and after-hours acknowledgement times and an
escalation to a secondary), how long finding the cause takes (diagnosis,
slower on elements without logs, metrics or tracing), the time to obtain
production access, and how bad each incident was (severity rules).

Pure data: the engine runs it in ``relsim/engine/alerting.py`` and
``relsim/engine/response.py``. A model without these sections runs exactly
as before.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from relsim.dists import Fixed
from relsim.model.common import (
    Count,
    Delay,
    Duration,
    Fraction,
    Names,
    PositiveDist,
    PositiveDuration,
    Rate,
    _Frozen,
)
from relsim.model.timing import WindowsField
from relsim.units import parse_fraction, parse_rate

__all__ = [
    "SEVERITIES",
    "AckTimes",
    "HumanError",
    "IncidentPolicy",
    "AlertRule",
    "Blips",
    "BurnWindow",
    "Noise",
    "ObservabilityFlags",
    "Observability",
    "SeverityRule",
    "Team",
    "check_incidents",
    "default_severity",
]

#: Severity levels, most severe first; an incident no rule matches is the last.
SEVERITIES = ("sev1", "sev2", "sev3")


class BurnWindow(_Frozen):
    """One pair of a multi-window burn-rate alert: both windows must burn faster than ``rate``."""

    rate: float = Field(gt=0, le=1e6)
    long: PositiveDuration
    short: PositiveDuration

    @model_validator(mode="after")
    def _short_not_longer(self) -> BurnWindow:
        if self.short > self.long:
            raise ValueError("short must not be longer than long (e.g. long: 1h, short: 5m)")
        return self


def _floor(value: Any) -> Any:
    """``2%`` (an error rate), ``0.5/s`` (errors per second) or a plain number."""
    if isinstance(value, str):
        return parse_fraction(value) if value.strip().endswith("%") else parse_rate(value)
    return value


class AlertRule(_Frozen):
    """An alert rule on the error rate of a service or of the request path.

    Exactly one of ``above`` (a static threshold on the error rate, held for
    ``for``), ``errors_above`` (a static threshold on errors per second, with
    a workload) and ``burn_rate`` (multi-window multi-burn-rate SLO alert) is
    given.
    """

    description: str = ""
    #: The service whose error rate (1 − s) is watched; the entry service
    #: (with a workload, the request path: 1 − request success) by default.
    service: str | None = None
    above: Fraction | None = None
    #: A static threshold on errors per second (the workload's rate x the error rate).
    errors_above: Rate | None = None
    #: A dynamic baseline: fire above this multiple of the signal's mean at the same hour of the
    #: day over the last ``baseline_days`` days (errors per second with a workload, else the error rate).
    above_baseline: float | None = Field(default=None, gt=1.0, le=1e6)
    baseline_days: Count = 7
    #: The threshold is never below this (in the baseline's unit), so a quiet hour does not page on one error.
    baseline_floor: Annotated[float, BeforeValidator(_floor)] = Field(default=0.0, ge=0.0, le=1e9)
    hold: Duration = Field(default=0.0, alias="for", ge=0)
    burn_rate: tuple[BurnWindow, ...] | None = None
    #: The objective the error budget comes from (objectives.availability by default).
    slo: Fraction | None = None
    #: Evaluation interval (0: evaluated continuously); the phase of its ticks is random per replication.
    interval: Duration = Field(default=0.0, ge=0)
    #: Ingestion delay: the rule sees the signal this much later.
    delay: Duration = Field(default=0.0, ge=0)
    #: The team paged (by default the team owning the incident's root cause).
    team: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> AlertRule:
        if sum(x is not None for x in (self.above, self.errors_above, self.above_baseline, self.burn_rate)) != 1:
            raise ValueError("give exactly one of 'above' (a threshold on the error rate), 'errors_above' (on "
                             "errors per second), 'above_baseline' (a multiple of the daily baseline) and "
                             "'burn_rate' (SLO burn-rate windows)")
        if self.burn_rate is not None and not self.burn_rate:
            raise ValueError("burn_rate needs at least one window pair {rate, long, short}")
        if self.slo is not None and not 0.0 < self.slo < 1.0:
            raise ValueError(f"slo must be between 0 and 1 (exclusive), got {self.slo}")
        return self

    @property
    def lookback(self) -> float:
        """How long after a signal's trouble this rule can still fire because of it."""
        longest = max((w.long for w in self.burn_rate), default=0.0) if self.burn_rate else 0.0
        return self.hold + self.delay + self.interval + longest


class Blips(_Frozen):
    """Short bursts of errors that are not outages: a Poisson background of measurement noise."""

    every: PositiveDist
    lasts: PositiveDist
    size: Fraction


class Noise(_Frozen):
    """What alert rules see besides the real failures (every watched signal gets its own)."""

    #: A constant background error rate added to every watched signal.
    background: Fraction = 0.0
    blips: Blips | None = None


class AckTimes(_Frozen):
    """Time from a page to its acknowledgement, inside and outside business hours."""

    business_hours: Delay
    after_hours: Delay


class HumanError(_Frozen):
    """Mistakes made with standing production access: a permanent failure of each owned element."""

    every: PositiveDist
    repair: Delay


class Team(_Frozen):
    """An on-call team: who is paged, how fast they answer, what they own."""

    description: str = ""
    #: People who can work at once (each failure being diagnosed takes one until access is granted).
    size: Count = 1
    #: Elements (or component groups) this team repairs; their repairs wait for the team.
    owns: Names = ()
    #: Business hours in the model's calendar (model time 0 is Monday 00:00 by default).
    hours: WindowsField
    ack: AckTimes
    #: After this long without an acknowledgement the secondary is paged.
    escalate_after: PositiveDuration | None = None
    #: The secondary's acknowledgement times (the team's own by default).
    secondary_ack: AckTimes | None = None
    #: Time to find the cause with full observability (logs, metrics, tracing).
    diagnose: Delay = Fixed(0.0)
    #: ``jit``: production access is requested after diagnosis (taking ``jit``); ``standing``: none needed.
    access: Literal["jit", "standing"] = "standing"
    jit: Delay = Fixed(0.0)
    #: Time until a failure nobody was paged for is picked up (a ticket, a dashboard, a customer).
    unpaged: Delay = Fixed(3600.0)
    #: Human errors made with standing access, a failure mode of every owned element (kind
    #: human_error); ignored with ``access: jit``, so one file can sweep ``access`` over both.
    human_error: HumanError | None = None

    def model_post_init(self, _ctx: Any) -> None:
        if not self.hours:
            object.__setattr__(self, "hours", type(self.hours)("Mon-Fri 09:00-17:00"))


class ObservabilityFlags(_Frozen):
    """What an element emits; a missing one slows down diagnosis."""

    logs: bool | None = None
    metrics: bool | None = None
    tracing: bool | None = None


class Observability(_Frozen):
    """Observability of each element and how much each missing signal slows diagnosis."""

    default: ObservabilityFlags = Field(default_factory=lambda: ObservabilityFlags(logs=True, metrics=True,
                                                                                   tracing=True))
    elements: dict[str, ObservabilityFlags] = Field(default_factory=dict)
    #: Diagnosis time is multiplied by each factor whose signal is missing.
    slower_without: dict[Literal["logs", "metrics", "tracing"], Annotated[float, Field(gt=0, le=1000)]] = Field(
        default_factory=lambda: {"logs": 2.0, "metrics": 2.0, "tracing": 1.5})
    #: Logs older than this are gone: a fault older than it is diagnosed as without logs.
    log_retention: PositiveDuration | None = None
    #: Diagnosis factor when other elements are down at the same time (a multi-component outage).
    correlated: float = Field(default=1.0, gt=0, le=1000)

    def flags(self, element: str, group: str | None = None) -> dict[str, bool]:
        """The flags of ``element`` (a member of a component ``group`` inherits the group's)."""
        own = self.elements.get(element)
        if own is None and group is not None:
            own = self.elements.get(group)
        out = {}
        for key in ("logs", "metrics", "tracing"):
            value = getattr(own, key) if own is not None else None
            out[key] = bool(getattr(self.default, key) if value is None else value)
        return out

    def factor(self, element: str, group: str | None = None, age: float = 0.0, others_down: int = 0) -> float:
        """How many times longer than with full observability a diagnosis of ``element`` takes.

        ``age``: seconds since the fault (past ``log_retention`` its logs are
        gone); ``others_down``: other elements down at the same time.
        """
        f = 1.0
        flags = self.flags(element, group)
        if self.log_retention is not None and age > self.log_retention:
            flags["logs"] = False
        for key, present in flags.items():
            if not present:
                f *= self.slower_without.get(key, 1.0)
        return f * (self.correlated if others_down > 0 else 1.0)


class SeverityRule(_Frozen):
    """An incident has this severity if any of the given criteria holds."""

    longer_than: Duration | None = None
    #: The request success (or served share) was below this for at least ``for``.
    success_below: Fraction | None = None
    hold: Duration = Field(default=0.0, alias="for", ge=0)
    writes_lost: bool = False
    #: Customers are told (a status-page update) this long after the acknowledgement, once the
    #: incident is known to be of this severity; None: no notification.
    notify: Duration | None = Field(default=None, ge=0)


class IncidentPolicy(_Frozen):
    """How outages group into incidents."""

    #: An outage of the same root-cause element starting less than this after the
    #: previous incident ended joins it (a flapping failure is one incident); 0: never.
    merge_within: Duration = Field(default=0.0, ge=0)


def default_severity() -> dict[str, SeverityRule]:
    """sev1: down more than 1 h or writes lost; sev2: down more than 10 min; sev3: the rest."""
    return {"sev1": SeverityRule(longer_than="1h", writes_lost=True), "sev2": SeverityRule(longer_than="10m")}


def _names_of(raw: dict[str, Any], section: str) -> list[str]:
    body = raw.get(section)
    return [str(k) for k in body] if isinstance(body, dict) else []


def check_incidents(raw: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """Cross-references of the incident sections as ``(path, message)`` pairs."""
    from relsim.model.checks import _suggest, group_members

    found: list[tuple[tuple[Any, ...], str]] = []
    services = _names_of(raw, "services")
    teams = _names_of(raw, "teams")
    elements: list[str] = []
    for section in ("components",):
        body = raw.get(section)
        if isinstance(body, dict):
            for name, comp in body.items():
                elements.append(str(name))
                elements.extend(group_members(str(name), comp))
    elements += _names_of(raw, "domains") + _names_of(raw, "links")
    lbs = raw.get("load_balancers")
    elements += [str(k) for k in lbs] if isinstance(lbs, dict) else []
    if isinstance(raw.get("dns"), dict):
        elements.append("dns")  # the DNS provider, an element of its own
    alerts = raw.get("alerts")
    if isinstance(alerts, dict):
        for name, rule in alerts.items():
            if not isinstance(rule, dict):
                continue
            svc = rule.get("service")
            if isinstance(svc, str) and svc not in services:
                found.append((("alerts", name, "service"), f"unknown service '{svc}'{_suggest(svc, services)}"))
            team = rule.get("team")
            if isinstance(team, str) and team not in teams:
                found.append((("alerts", name, "team"), f"unknown team '{team}'{_suggest(team, teams)}"))
            if rule.get("errors_above") is not None and raw.get("workload") is None:
                found.append((("alerts", name, "errors_above"), "errors_above counts errors per second of the "
                              "requests: the model needs a workload"))
            if rule.get("burn_rate") is not None and rule.get("slo") is None:
                objectives = raw.get("objectives")
                if not (isinstance(objectives, dict) and objectives.get("availability") is not None):
                    found.append((("alerts", name, "slo"), "a burn-rate alert needs an slo (or "
                                  "objectives.availability) to know the error budget"))
    owner: dict[str, str] = {}
    body = raw.get("teams")
    if isinstance(body, dict):
        for tname, team in body.items():
            if not isinstance(team, dict):
                continue
            owns = team.get("owns", [])
            owns = [owns] if isinstance(owns, str) else owns if isinstance(owns, list) else []
            for i, el in enumerate(owns):
                if not isinstance(el, str):
                    continue
                if el not in elements:
                    found.append((("teams", tname, "owns", i), f"unknown element '{el}'{_suggest(el, elements)}"))
                elif el in owner:
                    found.append((("teams", tname, "owns", i), f"'{el}' is already owned by team '{owner[el]}'"))
                else:
                    owner[el] = str(tname)
    obs = raw.get("observability")
    if isinstance(obs, dict) and isinstance(obs.get("elements"), dict):
        for el in obs["elements"]:
            if el not in elements:
                found.append((("observability", "elements", el), f"unknown element '{el}'{_suggest(str(el), elements)}"))
    return found


#: One-line descriptions of the keys above, for the JSON Schema (relsim/model/descriptions.py).
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "ModelSpec": {
        "alerts": "Alert rules on the error rate of a service or the request path: name -> rule "
                  "(docs/incidents.md).",
        "noise": "What alert rules see besides real failures: a background error rate and Poisson blips.",
        "teams": "On-call teams: who is paged, how fast they acknowledge, which elements' repairs wait for them.",
        "observability": "Logs, metrics and tracing of each element, and how much a missing one slows diagnosis.",
        "severity": "Severity rules: sev1 and sev2 criteria (an incident no rule matches is sev3).",
        "incidents": "How outages group into incidents: merge_within.",
    },
    "IncidentPolicy": {
        "merge_within": "An outage of the same root-cause element starting less than this after the previous "
                        "incident ended joins it (default 0: never).",
    },
    "AlertRule": {
        "description": "Free text.",
        "service": "The service whose error rate (1 - s) is watched (default: the entry service, or with a "
                   "workload the request path).",
        "above": "Static threshold: fire when the error rate is above this (a fraction such as 1%) ...",
        "errors_above": "... or when errors per second (the workload's rate at that hour x the error rate) "
                        "are above this rate (e.g. 5/s; needs a workload) ...",
        "for": "... continuously for this long (default 0).",
        "burn_rate": "Multi-window burn-rate alert: a list of {rate, long, short}; fires when the mean error "
                     "rate over both windows of a pair exceeds rate x (1 - slo).",
        "above_baseline": "... or when the signal is above this multiple of its mean at the same hour of the "
                          "day over the last baseline_days days (errors per second with a workload, else the "
                          "error rate) ...",
        "baseline_days": "Days the baseline averages over (default 7); none learnt yet: no page.",
        "baseline_floor": "The baseline threshold is never below this, in the baseline's unit (default 0).",
        "slo": "The objective whose error budget burn_rate counts (default objectives.availability).",
        "interval": "Evaluation interval (default 0: continuously); ticks at a random phase per replication.",
        "delay": "Ingestion delay: the rule sees the signal this much later (default 0).",
        "team": "The team paged (default: the team owning the incident's root cause, else the first team).",
    },
    "BurnWindow": {
        "rate": "Burn rate: the multiple of the error budget's even spending rate (e.g. 14.4).",
        "long": "The long window (e.g. 1h).",
        "short": "The short window (e.g. 5m), at most the long one.",
    },
    "Noise": {
        "background": "A constant error rate added to every watched signal (default 0).",
        "blips": "Short bursts of errors that are not outages: {every, lasts, size}.",
    },
    "Blips": {
        "every": "Time between blips (a distribution; exponential for a Poisson background).",
        "lasts": "Length of a blip (a distribution).",
        "size": "Error rate a blip adds (a fraction such as 5%).",
    },
    "AckTimes": {
        "business_hours": "Time from a page to its acknowledgement in business hours (a duration or distribution).",
        "after_hours": "The same outside business hours.",
    },
    "Team": {
        "description": "Free text.",
        "size": "People who can work at once: each failure being diagnosed takes one until access is granted.",
        "owns": "Elements or component groups whose repairs wait for this team.",
        "hours": "Business hours, e.g. 'Mon-Fri 09:00-17:00' (the default), in the model's calendar.",
        "ack": "Acknowledgement times: {business_hours, after_hours}.",
        "escalate_after": "Page the secondary when nobody acknowledged after this long (default: never).",
        "secondary_ack": "The secondary's acknowledgement times (default: the team's own).",
        "diagnose": "Time to find the cause with full observability (default 0).",
        "access": "jit: production access is requested after diagnosis; standing: no wait (default).",
        "jit": "Time to obtain just-in-time access (default 0).",
        "unpaged": "Time until a failure nobody was paged for is picked up (default 1h).",
        "human_error": "Human errors made with standing access: {every, repair}, a permanent failure of "
                       "each owned element (kind human_error); ignored with access: jit.",
    },
    "HumanError": {
        "every": "Up-time of an owned element between human errors (a distribution).",
        "repair": "Time to undo one (a duration or distribution), once the team is on it.",
    },
    "ObservabilityFlags": {
        "logs": "The element has logs (default: observability.default).",
        "metrics": "The element has metrics.",
        "tracing": "The element has distributed tracing.",
    },
    "Observability": {
        "default": "Flags of every element not listed (default: all true).",
        "elements": "Flags per element or component group.",
        "slower_without": "Diagnosis time factor per missing signal (default logs 2, metrics 2, tracing 1.5).",
        "log_retention": "Logs are kept this long: a fault older than this at diagnosis is diagnosed as "
                         "without logs (default: forever).",
        "correlated": "Diagnosis factor when other elements are down at the same time (default 1).",
    },
    "SeverityRule": {
        "longer_than": "The incident lasted longer than this.",
        "success_below": "Request success (or the served share) was below this ...",
        "for": "... for at least this long in total during the incident (default 0).",
        "writes_lost": "The incident lost writes.",
        "notify": "Status-page update this long after the acknowledgement, once the incident is known to be "
                  "of this severity (default: none).",
    },
}


def alerting_events(model: Any, horizon: float) -> float:
    """About how many events the alert rules and noise take over ``horizon`` (for the run estimate).

    Each blip changes its signal twice; each change of a signal watched by a
    burn-rate window schedules the change leaving the window and a crossing;
    rules on errors per second and baselines add an event per hour.
    """
    spec = model.spec
    if not spec.alerts:
        return 0.0
    blips = spec.noise.blips if spec.noise is not None else None
    per_signal = 2.0 * horizon / max(float(blips.every.mean), 1e-9) if blips is not None else 0.0
    total = 0.0
    for service in {rule.service for rule in spec.alerts.values()}:
        windows = sum(2 * len(r.burn_rate or ()) for r in spec.alerts.values() if r.service == service)
        total += per_signal * (1.0 + 2.0 * windows)
    hourly = sum(1 for r in spec.alerts.values() if r.errors_above is not None or r.above_baseline is not None)
    return total + hourly * horizon / 3600.0
