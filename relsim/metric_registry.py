"""The metric registry: every metric relsim reports, declared once.

Each :class:`Metric` says what a metric is called, its unit, how it is
summarised over replications, what it means, which part of a model makes it
apply and whether the exact solver knows it. Everything that lists metrics
is derived from this table: the summary (:func:`relsim.metrics.summarise`),
the text, JSON and CSV outputs (:mod:`relsim.report`), the stopping rule's
accepted names (``--until``), the exact cross-check, paired comparisons and
the metric tables of docs/model-format.md (a test regenerates them and
compares).

Adding a metric is one entry in :data:`METRICS` plus its computation: a
per-replication metric is a key of the row that
:func:`relsim.metrics.replication_metrics` (or
:func:`relsim.request_metrics.request_metrics`) returns; an outage metric
is a row that :func:`relsim.metrics.summarise` adds. See
docs/architecture.md ("Adding a metric").

This module imports nothing heavy: ``relsim check`` and ``--until`` parsing
use it without loading numpy or pandas.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["EVIDENCE", "FEATURES", "KINDS", "METRICS", "UNITS", "Metric", "applicable", "custom", "get", "metric",
           "names"]

#: Units a metric can have, with how the text outputs show them.
UNITS = {
    "fraction": "fraction of 1 (shown with 6 decimals)",
    "seconds": "seconds (shown in s, min, h or d)",
    "seconds/year": "seconds per 365 days (shown in s, min, h or d)",
    "1/year": "events per 365 days",
    "ratio": "dimensionless ratio",
    "minutes/year": "minutes per 365 days",
    "cost/year": "the model's currency (costs.currency) per 365 days",
}

#: How a metric is summarised over replications.
KINDS = {
    "replication": "one value per replication; mean, Student-t CI and percentiles over replications",
    "ratio": "ratio of totals over all replications; delta-method standard error",
    "pooled": "statistic of all events pooled over replications; bootstrap over replications",
}


#: What a metric's interval rests on (docs/model-format.md §16, relsim/evidence.py).
EVIDENCE = {
    "outages": "the outages seen: few outages give a bound under a stated outage-duration assumption",
    "count": "its own events (total count): few events give the exact Poisson interval",
    "episodes": "the replications where it was not zero",
    "replications": "the replications",
    "bernoulli": "the replications where it happened: exact Clopper-Pearson interval",
    "events": "the events pooled over replications",
    "quantile": "the events pooled over replications; enough must lie beyond the percentile",
    "maximum": "the largest event: a maximum has no confidence interval",
}


def _services(model: Any) -> Iterable[Any]:
    return model.spec.services.values()


def _workload(model: Any) -> Any:
    return model.spec.workload


def _partial(model: Any) -> bool:
    # s(t) strictly between 0 and 1 needs an active-active service with
    # needs > 1 somewhere, or request-weighted service (a workload).
    return _workload(model) is not None or any(
        s.mode == "active-active" and (s.needs or 1) > 1 for s in _services(model))


def _failover(model: Any) -> bool:
    # One replica has nothing to fail over to: no failovers, failed or not.
    return any(s.mode == "active-passive" and len(model.replicas_of(name)) >= 2
               for name, s in model.spec.services.items())


def _detection(model: Any) -> bool:
    elements = (*model.components.values(), *model.domains.values(), *model.spec.links.values())
    latent = any(getattr(f, "detect", None) is not None for e in elements for f in e.failures)
    return latent or model.spec.probe is not None or any(s.mode == "active-passive" for s in _services(model))


def _data(model: Any) -> list[Any]:
    return [s.data for s in _services(model) if s.data is not None]


def _error_budget(model: Any) -> bool:
    target = model.spec.objectives.availability
    return _workload(model) is not None and target is not None and target < 1.0


def _planned(model: Any) -> bool:
    # Planned work (relsim/engine/planned.py): the schedule section; preventive
    # maintenance and inspections add their own test here.
    return bool(getattr(model.spec, "schedule", None)) or any(
        getattr(c, "maintenance", None) is not None or getattr(c, "inspection", None) is not None
        for c in model.spec.components.values())


def _scheduled(model: Any, kind: str) -> bool:
    return any(e.kind == kind for e in (getattr(model.spec, "schedule", None) or {}).values())


#: When a metric applies, by the model sections it needs: name -> (test, wording).
FEATURES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "always": (lambda m: True, "every model"),
    "alerts": (lambda m: bool(getattr(m.spec, "alerts", None)), "an alerts section"),
    "teams": (lambda m: bool(getattr(m.spec, "teams", None)), "a teams section"),
    "incidents": (lambda m: bool(getattr(m.spec, "alerts", None) or getattr(m.spec, "teams", None)),
                  "an alerts or a teams section"),
    "notify": (lambda m: bool(getattr(m.spec, "teams", None)) and any(
        r.notify is not None for r in (getattr(m.spec, "severity", None) or {}).values()),
               "a teams section and a severity level with notify"),
    "partial": (_partial, "a service that can serve partially (active-active with needs > 1) or a workload"),
    "failover": (_failover, "an active-passive service with at least two replicas"),
    "detection": (_detection, "an active-passive service, a failure with detect, or a probe"),
    "election": (lambda m: any(s.mode == "quorum" and s.election is not None for s in _services(m)),
                 "a quorum service with election"),
    "data": (lambda m: bool(_data(m)), "a service with data"),
    "multi_primary": (lambda m: any(s.data is not None and s.mode == "active-active" for s in _services(m)),
                      "an active-active service with data"),
    "backups": (lambda m: any(d.backups or d.restore is not None for d in _data(m)),
                "data with backups or restore"),
    "workload": (lambda m: _workload(m) is not None, "a workload"),
    "duplicates": (lambda m: _workload(m) is not None and _workload(m).writes > 0
                   and _workload(m).idempotent < 1.0, "a workload with non-idempotent writes"),
    "breaker": (lambda m: _workload(m) is not None and _workload(m).clients.circuit_breaker is not None,
                "workload.clients.circuit_breaker"),
    "error_budget": (_error_budget, "a workload and objectives.availability"),
    "slo": (lambda m: m.spec.objectives.availability is not None,
            "objectives.availability (and a horizon of at least slo_window)"),
    "sessions": (lambda m: getattr(m.spec, "sessions", None) is not None, "a sessions section"),
    "deployments": (lambda m: bool(getattr(m.spec, "deployments", None)), "a deployments section"),
    "config_changes": (lambda m: any(d.change == "config" for d in getattr(m.spec, "deployments", {}).values()),
                       "a deployments entry with change: config"),
    "changes_workload": (lambda m: bool(getattr(m.spec, "deployments", None)) and _workload(m) is not None,
                         "a deployments section and a workload"),
    "change_corruption": (lambda m: any(d.effect.corrupts > 0 for d in getattr(m.spec, "deployments", {}).values()),
                          "a deployments entry with effect.corrupts"),
    "operations": (lambda m: bool(getattr(m.spec, "operations", None)), "an operations section"),
    "sagas": (lambda m: bool(getattr(m.spec, "sagas", None)), "a sagas section"),
    "two_phase": (lambda m: any(s.protocol == "2pc" for s in getattr(m.spec, "sagas", {}).values()),
                  "a saga with protocol: 2pc"),
    "mesh": (lambda m: getattr(m.spec, "mesh", None) is not None and bool(m.spec.mesh.faults),
             "mesh fault injections"),
    "mesh_routes": (lambda m: getattr(m.spec, "mesh", None) is not None and bool(m.spec.mesh.routes),
                    "mesh routes"),
    "placed_operations": (lambda m: bool(getattr(m.spec, "operations", None))
                          and getattr(m.spec, "latency", None) is not None, "operations and a latency section"),
    "stale_reads": (lambda m: any(o.type == "read" and o.consistency != "leader"
                                  and m.spec.services[o.service].data is not None
                                  for o in getattr(m.spec, "operations", {}).values()),
                    "operations reading at a level other than leader from a service with data"),
    "spares": (lambda m: bool(getattr(m.spec, "spares", None)), "spare pools (spares)"),
    "inspection": (lambda m: any(getattr(c, "inspection", None) is not None for c in m.spec.components.values()),
                   "a component with inspection"),
    "maintenance": (lambda m: any(getattr(c, "maintenance", None) is not None
                                  for c in m.spec.components.values()), "a component with maintenance"),
    "costs": (lambda m: getattr(m.spec, "costs", None) is not None, "a costs section"),
    "planned": (lambda m: _planned(m), "planned work: a schedule section, preventive maintenance or inspections"),
    "chaos": (lambda m: _scheduled(m, "fail"), "a chaos experiment (schedule entry of kind fail)"),
    "drills": (lambda m: _scheduled(m, "drill"), "a failover drill (schedule entry of kind drill)"),
}


@dataclass(frozen=True)
class Metric:
    """One reported metric.

    Attributes
    ----------
    name : str
        The name in summaries, JSON, CSV and ``--until``.
    unit : str
        A key of :data:`UNITS`.
    kind : str
        A key of :data:`KINDS`: how replications are summarised.
    description : str
        One line for the docs table and ``relsim metrics``.
    applies : str
        A key of :data:`FEATURES`: the model sections that make the metric
        meaningful. Metrics that do not apply are left out of the summary.
    exact : bool
        Whether :func:`relsim.analytic.solve` gives its exact value.
    core : bool
        One of the headline metrics every model reports.
    evidence : str
        A key of :data:`EVIDENCE`: what the interval rests on, which decides
        when it is established and which interval replaces it when it is
        not (:mod:`relsim.evidence`). Derived from ``kind`` and ``unit``
        unless given.
    """

    name: str
    unit: str
    kind: str
    description: str
    applies: str = "always"
    exact: bool = False
    core: bool = False
    evidence: str = ""
    #: A metric registered by a plugin (:func:`metric`): ``compute(tallies, horizon_s)``
    #: gives its value in one replication; None for relsim's own metrics.
    compute: Callable[[dict[str, float], float], float] | None = None
    #: The module that registered it ('' for relsim's own, which docs/model-format.md lists).
    source: str = ""

    def __post_init__(self) -> None:
        if not self.evidence:
            object.__setattr__(self, "evidence", _default_evidence(self))
        for field, value, table in (("unit", self.unit, UNITS), ("kind", self.kind, KINDS),
                                    ("applies", self.applies, FEATURES), ("evidence", self.evidence, EVIDENCE)):
            if value not in table:
                raise ValueError(f"metric {self.name}: {field} {value!r} is not one of {', '.join(table)}")

    @property
    def bounds(self) -> tuple[float, float]:
        """The natural range confidence intervals are clipped to."""
        return (0.0, 1.0) if self.unit == "fraction" else (0.0, math.inf)

    def applies_to(self, model: Any) -> bool:
        """Whether ``model`` has what this metric measures."""
        return bool(FEATURES[self.applies][0](model))


def _default_evidence(m: Metric) -> str:
    if m.kind == "ratio":
        return "events"
    if m.kind == "pooled":
        return "maximum" if m.name.endswith("_max") else "quantile"
    return {"1/year": "count", "seconds/year": "episodes"}.get(m.unit, "replications")


def _m(name: str, unit: str, kind: str, description: str, applies: str = "always", **flags: Any) -> Metric:
    return Metric(name, unit, kind, description, applies, **flags)


_R, _RATIO, _POOLED = "replication", "ratio", "pooled"
_PER_YEAR = "1/year"

_TABLE = (
    _m("availability", "fraction", _R,
       "fraction of the horizon during which the entry service was up (s = 1) — with a workload, the request "
       "path not down (request success at least objectives.outage_below): 1 − downtime / horizon",
       exact=True, core=True, evidence="outages"),
    _m("served_fraction", "fraction", _R,
       "time average of the entry service's s over the horizon (≥ availability: partial service counts "
       "partially); with a workload, the share of requests served (then it may be below availability: "
       "degraded time loses requests without being downtime)", exact=True, core=True,
       evidence="outages"),
    _m("downtime_per_year", "seconds/year", _R,
       "total outage time (with a workload, time with request success below objectives.outage_below)",
       exact=True, core=True,
       evidence="outages"),
    _m("outages_per_year", _PER_YEAR, _R, "number of outages (a censored one included)", exact=True, core=True,
       evidence="outages"),
    _m("failures_per_year", _PER_YEAR, _R,
       "element failures of every kind — domains, components and links, overload failures included — "
       "whether or not they caused an outage; each down spell of an intermittent episode counts as one",
       exact=True, core=True),
    _m("degraded_per_year", "seconds/year", _R,
       "time the entry service (with a workload, the request path) served partially (0 < s < 1); with a "
       "workload only the part below objectives.outage_below is also downtime", "partial"),
    _m("failovers_per_year", _PER_YEAR, _R,
       "successful promotions (by failover or manual recovery, false ones included) in all active-passive "
       "services; a restored replica taking over and a failback are not counted", "failover"),
    _m("false_failovers_per_year", _PER_YEAR, _R,
       "promotions made while the old primary was alive (false suspicion or partition)", "failover"),
    _m("failed_failovers_per_year", _PER_YEAR, _R,
       "failover decisions that found no candidate plus promotions that failed", "failover"),
    _m("flaps_per_year", _PER_YEAR, _R, "promotions less than flap_window after the previous one", "failover"),
    _m("suppressed_per_year", _PER_YEAR, _R, "false suspicions that ended within hold", "failover"),
    _m("false_suspicions_per_year", _PER_YEAR, _R, "suspicions of a primary that was in fact serving",
       "failover"),
    _m("split_brains_per_year", _PER_YEAR, _R, "times a demoted primary went on serving next to the new one",
       "failover"),
    _m("split_brain_per_year", "seconds/year", _R, "time with two primaries", "failover"),
    _m("elections_per_year", _PER_YEAR, _R,
       "leader elections of quorum services with election (each is also a short outage)", "election"),
    _m("request_success", "fraction", _R,
       "requests served / requests offered (with a workload the headline: the availability objective "
       "is judged on it)", "workload", evidence="episodes"),
    _m("requests_per_year", _PER_YEAR, _R, "requests offered", "workload", evidence="replications"),
    _m("requests_failed_per_year", _PER_YEAR, _R, "requests that failed after all their attempts", "workload",
       evidence="episodes"),
    _m("writes_failed_per_year", _PER_YEAR, _R, "write requests that failed", "workload", evidence="episodes"),
    _m("duplicates_per_year", _PER_YEAR, _R,
       "duplicate executions of non-idempotent writes: a retry after an attempt a backend processed "
       "but that timed out", "duplicates", evidence="episodes"),
    _m("attempts_per_request", "ratio", _R,
       "attempts (first tries and retries) per request: the load amplification of retries", "workload"),
    _m("latency_p50", "seconds", _R,
       "median latency of successful requests, failed attempts' timeouts and backoffs included", "workload"),
    _m("latency_p95", "seconds", _R, "95th percentile latency of successful requests", "workload"),
    _m("latency_p99", "seconds", _R, "99th percentile latency of successful requests", "workload"),
    _m("breaker_opens_per_year", _PER_YEAR, _R, "times the clients' circuit breaker opened (from closed)",
       "breaker"),
    _m("breaker_open_per_year", "seconds/year", _R, "time the circuit breaker was open or half-open", "breaker"),
    _m("error_budget_burn", "ratio", _R,
       "(1 − request_success) / (1 − objectives.availability): 1 spends exactly the error budget",
       "error_budget", evidence="episodes"),
    _m("writes_lost_per_year", _PER_YEAR, _R,
       "writes acknowledged and then lost: failovers, crashes, split brains, restores, lost updates", "data",
       evidence="episodes"),
    _m("data_loss_events_per_year", _PER_YEAR, _R, "events that lost at least one write", "data"),
    _m("p_data_loss", "fraction", _R,
       "1 if the replication lost any write, else 0: the mean is the probability of losing data within "
       "the horizon", "data", evidence="bernoulli"),
    _m("conflicts_per_year", _PER_YEAR, _R, "multi-primary keys written on both sides of a partition",
       "multi_primary", evidence="episodes"),
    _m("unrecoverable_per_year", _PER_YEAR, _R,
       "times no good copy was left (every replica corrupted, or every copy lost with no usable backup)",
       "data"),
    _m("restores_per_year", _PER_YEAR, _R, "restores from backup completed", "backups"),
    _m("write_latency_added", "seconds", _R,
       "time average of the latency replication adds to each write (rtt under sync and semi-sync while "
       "not degraded)", "data"),
    _m("sessions_started_per_year", _PER_YEAR, _R,
       "user sessions started (expected count: sessions.rate while sessions.service serves)", "sessions",
       evidence="replications"),
    _m("sessions_lost_per_year", _PER_YEAR, _R,
       "sessions still active when the replica (or shared store) holding them stopped serving: users "
       "logged out, carts lost (expected count per failure, docs/application.md §1)", "sessions",
       evidence="episodes"),
    _m("sessions_disrupted", "fraction", _R, "sessions lost / sessions started", "sessions",
       evidence="episodes"),
    _m("operation_success", "fraction", _R,
       "operations' requests served / offered: a request fails when its consistency level cannot be met "
       "with the replicas serving (docs/application.md §2)", "operations", evidence="episodes"),
    _m("operations_failed_per_year", _PER_YEAR, _R, "operations' requests whose consistency level could not "
       "be met", "operations", evidence="episodes"),
    _m("stale_reads_per_year", _PER_YEAR, _R,
       "reads that returned a value older than the key's last acknowledged write (expected count)",
       "stale_reads", evidence="episodes"),
    _m("stale_read_share", "fraction", _R, "stale reads / reads served", "stale_reads", evidence="episodes"),
    _m("staleness_p50", "seconds", _R, "median staleness of stale reads: age of the newest write they missed",
       "stale_reads"),
    _m("staleness_p95", "seconds", _R, "95th percentile staleness of stale reads", "stale_reads"),
    _m("staleness_p99", "seconds", _R, "99th percentile staleness of stale reads", "stale_reads"),
    _m("sagas_per_year", _PER_YEAR, _R, "sagas (and two-phase commits) started", "sagas",
       evidence="replications"),
    _m("saga_success", "fraction", _R, "sagas completed / started: every step succeeded (docs/application.md §4)",
       "sagas", evidence="episodes"),
    _m("sagas_compensated_per_year", _PER_YEAR, _R,
       "sagas that failed at a step and were undone by their compensations (a two-phase commit: aborted)",
       "sagas", evidence="episodes"),
    _m("sagas_stuck_per_year", _PER_YEAR, _R,
       "sagas left inconsistent: a step failed and a compensation failed too", "sagas", evidence="episodes"),
    _m("transactions_blocked_per_year", _PER_YEAR, _R,
       "two-phase commits prepared when a participant stopped serving: blocked, holding locks, until it is back",
       "two_phase", evidence="episodes"),
    _m("transaction_block_mean", "seconds", _R, "mean time a blocked two-phase commit waited", "two_phase"),
    _m("faults_injected_per_year", _PER_YEAR, _R, "mesh fault injections started (docs/application.md §5)",
       "mesh", evidence="replications"),
    _m("fault_injection_per_year", "seconds/year", _R, "time a mesh fault injection was running", "mesh",
       evidence="replications"),
    _m("routed_success", "fraction", _R,
       "requests of the mesh routes served / offered: header-routed to healthy backends or a subset "
       "(docs/application.md §5)", "mesh_routes", evidence="episodes"),
    _m("routed_failed_per_year", _PER_YEAR, _R, "requests of the mesh routes that failed", "mesh_routes",
       evidence="episodes"),
    _m("read_latency_mean", "seconds", _R,
       "mean latency of the operations' served reads from the placement: clients' round trip to the "
       "coordinator plus the R-th fastest replica's (docs/application.md §3)", "placed_operations"),
    _m("write_latency_mean", "seconds", _R,
       "mean latency of the operations' served writes: clients' round trip plus the W-th fastest "
       "acknowledgement", "placed_operations"),
    _m("planned_downtime_per_year", "seconds/year", _R,
       "downtime of the outages planned work started (cause kind maintenance, chaos, drill, preventive or "
       "inspection; docs/changes.md)", "planned"),
    _m("unplanned_availability", "fraction", _R,
       "availability counting only unplanned outages: 1 − (downtime − planned downtime) / horizon",
       "planned", evidence="outages"),
    _m("chaos_skipped_per_year", _PER_YEAR, _R,
       "chaos experiments not run because their steady_state did not hold (or their target was down)",
       "chaos", evidence="episodes"),
    _m("failed_drills_per_year", _PER_YEAR, _R,
       "failover drills after which no standby had taken over (the promotion failed or found no candidate)",
       "drills", evidence="episodes"),
    _m("pages_per_year", _PER_YEAR, _R, "pages sent by the alert rules (an alert that fires while it is still "
       "firing pages nobody)", "alerts"),
    _m("false_pages_per_year", _PER_YEAR, _R,
       "pages with no incident and no error of the watched node itself within the rule's look-back: noise only",
       "alerts", evidence="episodes"),
    _m("unalerted_incidents_per_year", _PER_YEAR, _R, "incidents no alert rule paged for", "alerts",
       evidence="episodes"),
    _m("incidents_sev1_per_year", _PER_YEAR, _R, "incidents of severity sev1 (severity rules, docs/incidents.md)",
       "incidents", evidence="episodes"),
    _m("incidents_sev2_per_year", _PER_YEAR, _R, "incidents of severity sev2", "incidents", evidence="episodes"),
    _m("incidents_sev3_per_year", _PER_YEAR, _R, "incidents of severity sev3 (no rule of sev1 or sev2 matched)",
       "incidents", evidence="episodes"),
    _m("spare_demands_per_year", _PER_YEAR, _R, "permanent repairs that needed a spare from a pool", "spares"),
    _m("spare_stockouts_per_year", _PER_YEAR, _R,
       "repairs that found their spare pool empty and waited for a restock", "spares"),
    _m("spare_stockout_fraction", "fraction", _RATIO,
       "spare stock-outs / spare demands over all replications: the probability that a repair finds its "
       "pool empty", "spares"),
    _m("spare_wait_per_year", "seconds/year", _R,
       "time repairs spent waiting for a spare (summed over repairs; / demands = mean wait per repair)",
       "spares"),
    _m("preventive_per_year", _PER_YEAR, _R, "preventive maintenance tasks carried out", "maintenance",
       evidence="replications"),
    _m("inspections_per_year", _PER_YEAR, _R, "inspections (proof tests) carried out", "inspection",
       evidence="replications"),
    _m("fault_exposure_mean", "seconds", _RATIO,
       "mean time a latent (silent) fault stayed hidden until an inspection found it (over the faults "
       "found in all replications)", "inspection"),
    _m("pfd", "fraction", _R,
       "probability of failure on demand: share of the time an inspected component was not serving "
       "(latent fault, repair or test), averaged over the inspected components", "inspection",
       evidence="episodes"),
    _m("cost_per_year", "cost/year", _R,
       "total cost: the sum of the cost_*_per_year categories below", "costs", evidence="replications"),
    _m("cost_components_per_year", "cost/year", _R, "components (replicas, standbys): costs.components",
       "costs", evidence="replications"),
    _m("cost_crews_per_year", "cost/year", _R, "repair crews: costs.crew × repair_crews", "costs",
       evidence="replications"),
    _m("cost_spares_per_year", "cost/year", _R, "spares held: costs.spare × the pools' stock", "costs",
       evidence="replications"),
    _m("cost_repairs_per_year", "cost/year", _R, "costs.repair × repairs started", "costs",
       evidence="replications"),
    _m("cost_failovers_per_year", "cost/year", _R, "costs.failover × promotions", "costs", evidence="episodes"),
    _m("cost_downtime_per_year", "cost/year", _R, "costs.downtime_minute × minutes of outage", "costs",
       evidence="outages"),
    _m("cost_service_downtime_per_year", "cost/year", _R,
       "each service's own minutes of outage × its price (costs.service_downtime_minute, else "
       "costs.tier_downtime_minute of its tier)", "costs", evidence="episodes"),
    _m("cost_failed_requests_per_year", "cost/year", _R, "costs.failed_request × failed requests", "costs",
       evidence="episodes"),
    _m("cost_writes_lost_per_year", "cost/year", _R, "costs.write_lost × writes lost", "costs",
       evidence="episodes"),
    _m("cost_maintenance_per_year", "cost/year", _R,
       "costs.maintenance × preventive maintenance tasks and inspections", "costs", evidence="replications"),
    _m("releases_per_year", _PER_YEAR, _R, "releases started (change: release)", "deployments"),
    _m("bad_releases_per_year", _PER_YEAR, _R,
       "bad releases (a draw of bad, lowered by review), whether a gate caught them or they served", "deployments"),
    _m("rollbacks_per_year", _PER_YEAR, _R,
       "rollbacks of releases and configuration changes, started by a trigger, a gate, a drift check or by "
       "hand (a feature flag's kill is not one)", "deployments"),
    _m("config_changes_per_year", _PER_YEAR, _R, "configuration changes made (change: config)", "config_changes"),
    _m("bad_config_changes_per_year", _PER_YEAR, _R, "bad configuration changes", "config_changes"),
    _m("bad_release_minutes_per_year", "minutes/year", _R,
       "minutes during which a bad release or configuration change served requests (first exposure to "
       "rollback done or flag off)", "deployments", evidence="episodes"),
    _m("requests_failed_by_changes_per_year", _PER_YEAR, _R,
       "requests that failed while a bad change was live or a release's restart held an instance out (exact "
       "integral of the request path; a failure overlapping it adds its own)", "changes_workload",
       evidence="episodes"),
    _m("writes_corrupted_by_changes_per_year", _PER_YEAR, _R,
       "writes a bad version corrupted (effect.corrupts x data.writes while it served; expected count)",
       "change_corruption", evidence="episodes"),
    _m("change_downtime_per_year", "seconds/year", _R,
       "downtime of the outages whose root cause is a change (cause kind deployment or config)", "deployments"),
    _m("slo_met", "fraction", _R,
       "fraction of the replication's whole SLO windows whose availability met the objective", "slo",
       evidence="outages"),
    _m("mean_outage", "seconds", _RATIO,
       "total downtime / number of outages over all replications (n = outages)", exact=True, core=True),
    _m("outage_p95", "seconds", _POOLED, "95th percentile of all outage durations pooled", core=True),
    _m("outage_max", "seconds", _POOLED, "the longest outage over all replications", core=True),
    _m("mttd", "seconds", _RATIO,
       "mean time from an outage's start to its detection (failover controller, a latent fault's detect, "
       "or a probe), over the detected outages", "detection"),
    _m("rto_mean", "seconds", _RATIO, "mean duration of the outages that needed a failover", "failover"),
    _m("rto_p50", "seconds", _POOLED, "median duration of the outages that needed a failover", "failover"),
    _m("rto_p95", "seconds", _POOLED, "95th percentile of those durations", "failover"),
    _m("rto_p99", "seconds", _POOLED, "99th percentile of those durations", "failover"),
    _m("rto_max", "seconds", _POOLED, "longest of those durations", "failover"),
    _m("rpo_mean", "seconds", _RATIO,
       "mean seconds of writes lost at the failovers, resumes and restores that ended outages "
       "(0 for a lossless one)", "data"),
    _m("rpo_p95", "seconds", _POOLED, "95th percentile of those seconds of writes lost", "data"),
    _m("rpo_max", "seconds", _POOLED, "largest seconds of writes lost at one failover or restore", "data"),
    _m("change_downtime_share", "fraction", _RATIO,
       "downtime caused by changes / all downtime, over all replications (n = outages caused by changes)",
       "deployments"),
    _m("restore_rto", "seconds", _RATIO, "mean time from the start of a restore to the service serving again",
       "backups"),
    _m("alert_precision", "fraction", _RATIO,
       "pages with a real failure behind them (not false pages) / all pages, over all replications", "alerts"),
    _m("alert_recall", "fraction", _RATIO, "incidents that got at least one page / incidents", "alerts"),
    _m("alert_mttd", "seconds", _RATIO, "mean time from an incident's start to its first page, over the "
       "incidents paged for", "alerts"),
    _m("mtta", "seconds", _RATIO, "mean time from an incident's first page to its acknowledgement (escalation "
       "included), over the incidents acknowledged", "teams"),
    _m("mttr", "seconds", _RATIO, "mean time to resolve: mean incident duration (start to end), over all "
       "incidents", "incidents"),
    _m("mttn", "seconds", _RATIO, "mean time from an incident's start to the status-page update for customers "
       "(severity rules with notify), over the incidents notified while they lasted", "notify"),
    _m("mttr_sev1", "seconds", _RATIO, "mean time to resolve the sev1 incidents", "incidents"),
    _m("mttr_sev2", "seconds", _RATIO, "mean time to resolve the sev2 incidents", "incidents"),
    _m("mttr_sev3", "seconds", _RATIO, "mean time to resolve the sev3 incidents", "incidents"),
    _m("alert_mttd_sev1", "seconds", _RATIO, "alert_mttd of the sev1 incidents", "alerts"),
    _m("alert_mttd_sev2", "seconds", _RATIO, "alert_mttd of the sev2 incidents", "alerts"),
    _m("alert_mttd_sev3", "seconds", _RATIO, "alert_mttd of the sev3 incidents", "alerts"),
    _m("mtta_sev1", "seconds", _RATIO, "mtta of the sev1 incidents", "teams"),
    _m("mtta_sev2", "seconds", _RATIO, "mtta of the sev2 incidents", "teams"),
    _m("mtta_sev3", "seconds", _RATIO, "mtta of the sev3 incidents", "teams"),
)

#: Every metric, in reporting order.
METRICS: dict[str, Metric] = {m.name: m for m in _TABLE}


def get(name: str) -> Metric:
    """The metric called ``name`` (``KeyError`` naming the known ones otherwise)."""
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}; known: {', '.join(METRICS)}") from None


def names(kind: str | None = None) -> tuple[str, ...]:
    """Metric names in reporting order, optionally only those summarised as ``kind``."""
    return tuple(n for n, m in METRICS.items() if kind is None or m.kind == kind)


def applicable(model: Any) -> tuple[str, ...]:
    """Names of the metrics that apply to ``model``, in reporting order."""
    return tuple(n for n, m in METRICS.items() if m.applies_to(model))


def _uses_behaviour(kind: str) -> Callable[[Any], bool]:
    def test(model: Any) -> bool:
        return any(b.kind == kind for b in getattr(model.spec, "behaviours", {}).values())

    return test


def metric(name: str, unit: str, description: str, behaviour: str, tally: str | None = None,
           per_year: bool = False, compute: Callable[[dict[str, float], float], float] | None = None,
           evidence: str = "") -> Metric:
    """Register a metric computed from a behaviour's tallies (docs/extending.md).

    Call it at import time of the module that registers the behaviour
    (next to :func:`relsim.behaviour`), so every process that runs the
    behaviour knows the metric too. From then on the metric is one of
    :data:`METRICS`: it appears in summaries, ``--json`` and ``--csv``,
    ``compare``, the review report, ``--until`` and ``relsim metrics``, for
    models that use the behaviour (``relsim metrics`` loads installed
    plugins; the tables of docs/model-format.md list relsim's own metrics
    only).

    Parameters
    ----------
    name : str
        The metric's name (a Python identifier, not one of relsim's).
    unit : str
        A key of :data:`UNITS` (``"1/year"``, ``"seconds"``, ``"fraction"``...).
    description : str
        One line.
    behaviour : str
        The behaviour kind whose tallies it reads; the metric applies to the
        models that use that kind.
    tally : str, optional
        The value is the replication's tally of this name
        (:meth:`relsim.Handle.tally`), 0 if nothing was added; with
        ``per_year`` it is scaled to a 365-day year, as relsim's ``*_per_year``
        metrics are.
    per_year : bool
        Scale ``tally`` by one year / horizon.
    compute : callable, optional
        Instead of ``tally``: ``compute(tallies, horizon_s) -> float``.
    evidence : str, optional
        A key of :data:`EVIDENCE` (what its interval rests on); derived from
        the unit by default (``count`` for ``1/year``: give ``episodes`` for
        amounts that are not counts of events).

    Returns
    -------
    Metric
        The registered entry (summarised per replication).

    Raises
    ------
    ValueError
        For a name taken by another metric, a bad unit or evidence, or not
        exactly one of ``tally`` and ``compute``.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"metric name must be an identifier such as 'messages_lost_per_year', got {name!r}")
    if (tally is None) == (compute is None):
        raise ValueError(f"metric {name}: give exactly one of tally= and compute=")
    if compute is None:
        year = 365 * 86400.0

        def compute(tallies: dict[str, float], horizon: float, _t: str = str(tally)) -> float:
            value = float(tallies.get(_t, 0.0))
            return value * year / horizon if per_year else value

    # The registering module: the caller's globals (one frame up) name it.
    source = str(sys._getframe(1).f_globals.get("__name__", "?"))
    applies = f"behaviour:{behaviour}"
    FEATURES.setdefault(applies, (_uses_behaviour(behaviour), f"a behaviour of kind {behaviour}"))
    entry = Metric(name, unit, "replication", description, applies, evidence=evidence, compute=compute,
                   source=source)
    old = METRICS.get(name)
    if old is not None and (old.compute is None or old.source != entry.source):
        raise ValueError(f"metric {name!r} is already registered by {old.source or 'relsim'}")
    METRICS[name] = entry
    return entry


def custom() -> tuple[Metric, ...]:
    """The metrics registered by plugins (:func:`metric`), in registration order."""
    return tuple(m for m in METRICS.values() if m.compute is not None)
