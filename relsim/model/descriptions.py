"""One-line descriptions of every model-file key, for the JSON Schema.

The wording follows the key tables of docs/model-format.md (and docs/traffic.md,
docs/data.md for the traffic and data keys). :mod:`relsim.model.jsonschema`
attaches them to the exported schema, which editors show on hover and in
completion lists; ``tests/test_schema.py`` checks that every key of every
section has one, so a new key cannot be added without it.

Keyed by schema class name, then by the key as written in a model file.
"""

from __future__ import annotations

__all__ = ["DESCRIPTIONS"]

_FAILURE_COMMON = {
    "kind": "The kind of failure: permanent (repaired by a crew), transient (recovers by itself) "
            "or intermittent (an episode of down and up spells).",
    "every": "Up-time before the failure: a distribution, counted while the element is up "
             "(e.g. exp(mean=1y), weibull(shape=1.2, mean=1.5y)).",
    "silent": "A gray failure: heartbeats and shallow health checks do not see it; deep checks, "
              "probes and requests do.",
    "destroys": "A disaster: the failure also wipes the data stored in the element (data), or all "
                "but offline backups (online: ransomware).",
}

_SCHEDULED = {  # when a schedule entry happens (relsim/model/timing.py, docs/model-format.md §14.8)
    "at": "At these model times: one duration (30d) or a list ([30d, 90d]).",
    "every": "Every this long (7d), the first one period in or at start; or a distribution of the time "
             "between occurrences (exp(mean=7d)).",
    "cron": "By the calendar: a five-field cron expression in model time ('0 2 * * SUN': Sundays 02:00).",
    "start": "The first occurrence of every, or the earliest of cron.",
    "until": "No occurrence at or after this model time.",
    "count": "At most this many occurrences.",
    "description": "Free text.",
}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "ModelSpec": {
        "name": "The model's name, shown in results and provenance columns (default: the file name "
                "without .yaml).",
        "description": "Free text.",
        "horizon": "Simulated time of one replication (a duration such as 1y or 10y).",
        "start_day": ("The day of the week model time 0 falls on (monday ... sunday; default monday): "
                      "cron schedules, change windows and on-call rotas read this calendar."),
        "start_time": "The time of day of model time 0, HH:MM (default 00:00).",
        "repair_crews": "Crews shared by all permanent-failure repairs (default: unlimited).",
        "domains": "The failure-domain tree (regions, zones, racks...): name -> domain.",
        "links": "The network between domains; a failed link partitions them: name -> link.",
        "components": "Components and component groups: name -> component.",
        "services": "Services built from replicas (components, groups or other services): "
                    "name -> service. At least one is required.",
        "entry": "The service whose availability is reported (default: the one top-level service).",
        "probe": "Synthetic probes of the entry service, for detection times.",
        "objectives": "Availability, RTO and RPO targets and the SLO window the results are judged against.",
        "workload": "Requests offered to the system; makes availability that of the request path "
                    "(docs/traffic.md).",
        "load_balancers": "Load balancers in front of active-active services: name -> load balancer. "
                          "Each is an element that can fail.",
        "dns": "The DNS provider and the names clients resolve.",
        "deployments": "Releases and configuration changes to services: cadence, strategy, bad versions, "
                       "gates, rollback, feature flags (docs/changes.md): name -> deployment.",
        "behaviours": "Mechanisms written in Python and registered under a kind name (a cron restart, "
                      "an autoscaler, a queue): name -> behaviour (docs/extending.md).",
        "schedule": "Timed maintenance, chaos experiments and failover drills: name -> entry "
                    "(docs/changes.md).",
        "sessions": "User sessions pinned to a service's replicas and what failovers do to them "
                    "(store: local, replicated or shared; docs/application.md §1).",
        "operations": "Shares of the workload's requests that read or write a replicated service at a "
                      "consistency level (one, quorum, all, leader, bounded-staleness; docs/application.md §2).",
        "latency": "Round trips between domains, from which replication rtt, quorum latency and clients' "
                   "round trips are derived (docs/application.md §3).",
        "sagas": "Multi-step business transactions across services, with compensations (or as two-phase "
                 "commits): completed, compensated, stuck, blocked (docs/application.md §4).",
        "mesh": "The service mesh: scheduled fault injections (abort or delay a share of a service's "
                "attempts) and header-based routes (docs/application.md §5).",
    },
    "BehaviourSpec": {
        "kind": "A registered behaviour kind (relsim ships cron-restart, autoscaler and consumer-queue); "
                "the other keys are its parameters.",
        "description": "Free text.",
    },
    "Domain": {
        "kind": "A label (region, zone, rack...); it does not change the semantics.",
        "description": "Free text.",
        "failures": "How this domain itself fails: a list of failure specs. A domain failure makes "
                    "everything inside it unreachable, not broken.",
        "contains": "Sub-domains: name -> domain.",
    },
    "Component": {
        "in": "The domain the component (or every member of a group) is placed in.",
        "spread": "Groups only: place members round-robin over these domains.",
        "count": "Makes this entry a group of count members, named NAME-1 .. NAME-N.",
        "description": "Free text.",
        "failures": "How the component (each member) fails: a list of failure specs.",
    },
    "PermanentFailure": {
        **_FAILURE_COMMON,
        "repair": "Repair time once a crew has started (a distribution).",
        "detect": "Latency before the repair is requested: a latent fault (default: requested at once).",
        "growth": "Reliability growth: after each failure of this mode a post-incident fix multiplies its "
                  "rate by this factor (e.g. 0.8).",
    },
    "TransientFailure": {
        **_FAILURE_COMMON,
        "lasts": "How long the failure lasts before the element recovers by itself (a distribution).",
        "growth": "Reliability growth: after each failure of this mode a post-incident fix multiplies its "
                  "rate by this factor (e.g. 0.8).",
    },
    "IntermittentFailure": {
        **{k: v for k, v in _FAILURE_COMMON.items() if k != "destroys"},
        "lasts": "How long an episode lasts (a distribution).",
        "down": "Length of each down spell in an episode (a distribution).",
        "up": "Length of each up spell in an episode (a distribution).",
    },
    "Link": {
        "between": "The two domains the link joins (they must differ).",
        "failures": "How the link fails: a list of failure specs (permanent ones use the repair crews).",
        "description": "Free text.",
    },
    "Service": {
        "replicas": "The replicas: components, groups (all members) or services; a name or a list.",
        "mode": "How replicas combine: active-active (k of n serve), active-passive (one primary, "
                "failover to a standby) or quorum (a majority that reach each other).",
        "needs": "Replicas needed: active-active default 1, quorum default a majority.",
        "depends_on": "Services (or components) this service is in series with.",
        "standby": "Active-passive: how ready the standbys are (hot, warm or cold).",
        "startup": "Active-passive: start-up time of a warm or cold standby (required for warm and cold).",
        "failover": "Active-passive: decision rules, promotion, fallback and failback.",
        "detection": "Active-passive: how the controller notices a failed primary (default: at once).",
        "fencing": "Active-passive: a lease that stops a primary the controller cannot hear.",
        "state": "Active-passive: state a standby must copy before serving.",
        "election": "Quorum: leader-election time (default: leadership changes are instant).",
        "overload": "Active-active: overload cascade of the surviving replicas.",
        "data": "Writes, replication and data protection (docs/data.md).",
        "description": "Free text.",
    },
    "ScheduledFail": {
        **_SCHEDULED,
        "kind": "fail: a chaos experiment (fault injection).",
        "fail": "The element, domain or link that fails, as in a crash.",
        "for": "How long it stays down (a duration or a distribution).",
        "steady_state": "Run only if these elements or services serve fully (and the target is up); "
                        "otherwise skipped and counted (chaos_skipped_per_year).",
    },
    "ScheduledMaintenance": {
        **_SCHEDULED,
        "kind": "maintenance: take targets out of service on purpose.",
        "targets": "Elements, component groups (their members) or services (their replicas).",
        "lasts": "How long each batch stays out (one draw per batch).",
        "batch": "Targets per batch, in the order listed (default: all at once).",
        "one_at_a_time": "Rolling maintenance one target at a time (batch: 1).",
        "pause": "Wait between the end of a batch and the start of the next.",
        "window": "Weekly windows ('Mon-Fri 10:00-16:00') a batch may start in (default: any time).",
        "drain": "Graceful: an active-passive primary hands over first (switchover) and load balancers "
                 "stop sending to a target before it goes.",
        "switchover": "The planned handover of a drained primary: the service serves nothing meanwhile "
                      "(default fixed(0s)).",
        "renew": "The targets come back as good as new (every failure clock restarts).",
    },
    "ScheduledDrill": {
        **_SCHEDULED,
        "kind": "drill: exercise a service's failover (a DR test).",
        "service": "The active-passive service whose primary is taken out; the failover runs as for a "
                   "real failure and its decayed success is restored.",
        "lasts": "How long the primary stays out (default 30m).",
        "window": "Weekly windows ('Tue-Thu 10:00-16:00') a drill may start in (default: any time).",
    },
    "Deployment": {
        **_SCHEDULED,
        "every": "Release cadence: every this long (1d), or a distribution of the time between releases "
                 "(exp(mean=1d)); the first one period in or at start.",
        "services": "The service, or the group of services, the changes go to (their replicas are the "
                    "instances).",
        "change": "release (a new version, rolled out by strategy) or config (a configuration change: "
                  "everywhere at once, cause kind config, found by drift checks too).",
        "strategy": "all-at-once, rolling (batch, pause), canary (share or steps, bake) or blue-green "
                    "(switch, keep).",
        "window": "Change windows ('Mon-Fri 10:00-16:00'): a change due outside them waits for the next "
                  "to open (default: any time).",
        "batch": "Rolling: instances updated per batch (default 1).",
        "pause": "Rolling: time from one batch to the next (a gate runs after it).",
        "share": "Canary: the share of traffic on the canary (one step).",
        "steps": "Canary: growing shares of traffic, each baked for bake, then 100% (default [5%]).",
        "bake": "Canary: how long each step serves before promotion (default 30m).",
        "restart": "All-at-once and rolling: each updated instance is out of service this long while it "
                   "restarts (good releases too).",
        "switch": "Blue-green: time for traffic to move to the new environment, and back on a rollback "
                  "(default 0s).",
        "keep": "Blue-green: how long the old environment is kept; a rollback after that is a full "
                "rollback (default: until the next release).",
        "bad": "Probability that a change is bad (default 0).",
        "review": "Peer review lowering the bad probability.",
        "effect": "What a bad version does (default: fails 100% of the requests on updated instances).",
        "gate": "Synthetic checks before each promotion that may catch a bad release.",
        "rollback": "How a bad change is rolled back: its time, the automated trigger, the manual rollback.",
        "flag": "Feature flags: a share of releases ships behind a flag, killed instead of rolled back.",
        "drift": "Config changes: interval of the drift checks that find a bad configuration (at a uniform "
                 "phase).",
    },
    "Effect": {
        "fails": "Share of the requests reaching updated instances that a bad version fails (default 100%, "
                 "0 when only crashes or corrupts is given).",
        "crashes": "Instead: each updated instance crashes this long after its update and stays down "
                   "until the rollback.",
        "corrupts": "Share of the writes reaching updated instances that a bad version corrupts, silently "
                    "(the service needs data; default 0).",
    },
    "Rollback": {
        "takes": "Time a rollback takes, from its start to the old version serving everywhere (default 5m).",
        "manual": "Time from a bad change's first exposure until someone starts a rollback by hand, if "
                  "nothing else did (default 4h).",
        "trigger": "Automated rollback on the error rate over a window.",
    },
    "Trigger": {
        "threshold": "Start a rollback when the share of requests the change fails, averaged over window, "
                     "reaches this (default 1%).",
        "window": "The averaging window of the error rate (default 5m).",
        "delay": "Evaluation delay: from the threshold being reached to the rollback starting (default 0s).",
    },
    "Gate": {
        "catches": "Probability that the gate's synthetic checks catch a bad release.",
        "takes": "How long the checks take before each promotion (default 0s).",
    },
    "Flag": {
        "share": "Share of releases that ship behind a feature flag.",
        "exposure": "Share of requests the flag exposes to the new code once it is turned on (default 100%).",
        "kill": "Time to turn the flag off once the release is found bad (default 1m).",
    },
    "Review": {
        "factor": "A reviewed change is bad with factor x bad.",
        "share": "Share of changes that are reviewed (default 100%).",
    },
    "Failover": {
        "time": "Promotion time: from the decision to the standby serving (default fixed(0)).",
        "success": "Probability that a promotion works (default 100%).",
        "fallback": "After a failed promotion or with no candidate: repair waits until a replica is "
                    "restored; manual lets an operator promote a healthy standby after a manual draw.",
        "manual": "Time an operator takes to restore service (required with fallback: manual).",
        "hold": "Hysteresis: after the primary is suspected the decision waits this long; a primary "
                "back within the hold cancels the failover.",
        "min_interval": "Flap damping: a decision waits until at least this long after the previous promotion.",
        "readmit_after": "A standby is a candidate only once it has been up and reachable this long.",
        "failback": "auto: once the first-listed replica has been healthy for failback_after, "
                    "service is switched back to it.",
        "failback_after": "How long the first-listed replica must be healthy before an automatic failback.",
        "flap_window": "A promotion less than this long after the previous one counts as a flap.",
        "success_decay": "Process decay: success is multiplied by this per month since the last drill or "
                         "successful failover (docs/changes.md).",
    },
    "Detection": {
        "heartbeat": "The primary sends beats to the controller.",
        "health_check": "The controller checks the primary.",
        "method": "sampled draws detection delays and false suspicions from their exact "
                  "distributions; beats simulates every beat or check as an event (short horizons).",
        "controller": "The domain the controller runs in; a failed link between it and the primary "
                      "looks like a failure of the primary.",
    },
    "Heartbeat": {
        "period": "Time between beats.",
        "misses": "A suspicion is raised when no beat has arrived for misses x period.",
        "loss": "Probability that a beat is lost (independently).",
        "latency": "Network delay of each beat; a beat arriving after the deadline counts as missed.",
    },
    "HealthCheck": {
        "interval": "Time between checks.",
        "unhealthy": "Failed checks in a row that mark the primary failed.",
        "healthy": "Passed checks in a row that end a (false) suspicion.",
        "timeout": "A check of a failed target fails after this.",
        "loss": "Probability that a check of a healthy target fails anyway.",
        "deep": "Deep checks exercise the real work and see silent failures; shallow ones do not.",
    },
    "Fencing": {
        "lease": "The primary serves only while it holds a lease of this length.",
    },
    "StateTransfer": {
        "size": "How much state a standby must copy (a data size such as 50GB).",
        "bandwidth": "How fast it copies (a bandwidth such as 1Gb/s).",
    },
    "Overload": {
        "capacity": "The load a replica survives, in multiples of its normal load (a number > 0).",
        "after": "How long the overload must last before replicas fail.",
        "probability": "Probability that each serving replica fails then.",
        "lasts": "How long an overloaded replica stays down (a distribution).",
    },
    "Data": {
        "writes": "Writes per second (a rate such as 100/s, at profile factor 1).",
        "profile": "24 hourly factors (00:00 .. 23:00) multiplying writes.",
        "replication": "When a write is acknowledged: after a standby has it (sync), after acks "
                       "standbys have it (semi-sync), or at once (async).",
        "acks": "Standby acknowledgements for semi-sync.",
        "lag": "Replication lag of the standbys (a distribution).",
        "lag_model": "shared: the replica trails by one lag; per-write: each write has its own lag.",
        "rtt": "Round trip primary <-> standby, added to every write under sync and semi-sync.",
        "on_sync_unavailable": "With no standby to acknowledge: block stops writes, degrade carries on "
                               "asynchronously.",
        "max_lag": "At a failover, a standby missing more than this many seconds of writes is too stale.",
        "wal": "Node durability: when the write-ahead log reaches disk.",
        "corruption": "Silent corruption of replicas and what finds and repairs it.",
        "backups": "Backup schedules.",
        "restore": "Restoring from a backup (required with backups).",
        "allowed": "Data sovereignty: replicas and backups must live inside these domains.",
        "conflicts": "Multi-primary conflict resolution: lww (last writer wins) or version-vectors.",
        "keys": "Size of the key space, for the chance that both sides of a partition write the same key.",
        "rebuild": "When the data is lost for good (no good copy, no usable backup): the service is "
                   "down this long while it starts again empty (a distribution).",
    },
    "WriteAheadLog": {
        "fsync": "every-write loses nothing at a crash; interval loses writes since the last flush; "
                 "none leaves flushing to the operating system.",
        "interval": "Flush interval with fsync: interval.",
        "flush": "When the operating system writes dirty pages back, with fsync: none.",
    },
    "Corruption": {
        "every": "Time between silent corruptions, per replica (a distribution).",
        "checksums": "Replication does not spread corrupted data.",
        "scrub": "Anti-entropy scrub interval.",
        "read_repair": "Rate at which reads hit corrupted data (and repair it).",
        "repair": "Time to re-copy from a good replica (a distribution).",
    },
    "Backup": {
        "every": "Time between backups.",
        "takes": "How long a backup takes.",
        "retention": "How long a copy is kept.",
        "in": "The domain where copies live (default: outside every modelled domain).",
        "offline": "Air-gapped copies survive destroys: online.",
    },
    "Restore": {
        "time": "Time to copy the data back (a distribution).",
        "activation": "Time to activate the restored data (a distribution).",
    },
    "Probe": {
        "interval": "Time between probes.",
        "unhealthy": "Failed probes in a row that detect an outage.",
        "timeout": "A probe of a down service fails after this.",
    },
    "Objectives": {
        "availability": "Target availability of the entry service (a fraction such as 99.95%); with a "
                        "workload, the target of request_success.",
        "rto": "Recovery-time objective: the longest acceptable outage among those that needed a "
               "failover or restore.",
        "rpo": "Recovery-point objective: the most data (in seconds of writes) a failover or restore may lose.",
        "slo_window": "Length of the windows of the slo_met metric.",
        "outage_below": "With a workload: the request path is down (an outage) while the share of requests "
                        "that succeed is below this, and only degraded between this and 1 (default 99%).",
        "planned_counts": "Whether planned downtime (maintenance, chaos, drills) counts against the "
                          "availability objective (default true); false judges it on unplanned_availability.",
    },
    "Operation": {
        "service": "The replicated service the operation reads or writes; its replicas are the copies.",
        "share": "The share of the workload's requests that are this operation.",
        "type": "read or write.",
        "consistency": "How many replicas must answer or acknowledge: one, quorum, all (any replicas), "
                       "leader (the primary, or the first replica), or bounded-staleness (reads).",
        "staleness": "With consistency: bounded-staleness, the largest lag a replica answering a read may have.",
        "description": "Free text.",
    },
    "Latency": {
        "within": "Round trip between two elements in the same domain (default 0).",
        "default": "Round trip between domains that no pair covers (default 0).",
        "pairs": "Round trips between domains: a list of {between: [domain, domain], rtt: duration}; the most "
                 "specific pair enclosing both places applies.",
        "description": "Free text.",
    },
    "LatencyPair": {
        "between": "The two domains (anything inside either).",
        "rtt": "The round trip between them (e.g. 2ms, 80ms).",
    },
    "Saga": {
        "rate": "Sagas started per second (shaped by the workload's daily profile, if any).",
        "steps": "The steps in order, each a call to a service.",
        "protocol": "saga (undo failed sagas by compensations) or 2pc (a two-phase commit: atomic, but "
                    "prepared transactions block while a participant is down).",
        "prepared": "With protocol: 2pc, how long a participant stays prepared before the commit.",
        "description": "Free text.",
    },
    "SagaStep": {
        "name": "A label for the step.",
        "service": "The service the step runs on.",
        "success": "The step's own success probability while its service serves (default 1).",
        "compensation": "How the step is undone when a later step fails: {service, success}.",
    },
    "Compensation": {
        "service": "The service running the compensation (default: the step's).",
        "success": "Its success probability while that service serves (default 1).",
    },
    "Mesh": {
        "faults": "Scheduled fault injections: name -> fault.",
        "routes": "Header-based routes: name -> route (a share of requests sent to healthy backends or a subset).",
    },
    "MeshRoute": {
        "share": "Share of the workload's requests carrying the route's header.",
        "load_balancer": "The load balancer whose backends the route chooses from.",
        "to": "healthy (the backends serving right now) or a list of backends (a canary or diagnostic pool).",
        "attempts": "Tries the route's sidecars make per request, each to a backend chosen afresh (default 1).",
        "description": "Free text.",
    },
    "MeshFault": {
        **_SCHEDULED,
        "service": "The route: attempts sent to this service.",
        "abort": "Share of the attempts the sidecars fail at once while the injection runs.",
        "delay": "{share, by}: share of the attempts held back by this long; they fail when it reaches the "
                 "clients' timeout.",
        "lasts": "How long each injection runs (default: to the horizon).",
    },
    "FaultDelay": {
        "share": "Share of the attempts delayed.",
        "by": "How long they are held back.",
    },
    "Sessions": {
        "rate": "Sessions started per second (a login, a new cart); shaped by the workload's daily profile.",
        "length": "How long a session lasts: a distribution with a mean > 0 (e.g. exp(mean=20m)).",
        "service": "The service whose replicas hold the sessions.",
        "store": "Where session state lives: local (lost with the replica or primary holding it), "
                 "replicated (only sessions younger than the lag are lost) or shared (in shared_store).",
        "lag": "With store: replicated, how far the copies trail (one draw per failure; default the "
               "service's data.lag).",
        "shared_store": "With store: shared, the service that keeps the sessions; it stopping loses them all.",
        "description": "Free text.",
    },
    "Workload": {
        "rate": "Mean requests per second (a rate such as 200/s).",
        "profile": "24 hourly multipliers of the rate over the day, rescaled to mean 1.",
        "writes": "Share of requests that are writes.",
        "idempotent": "Share of the writes that can be retried safely (true, false or a fraction).",
        "target": "Where clients send requests: a DNS name, a load balancer or a service "
                  "(default: the entry service).",
        "populations": "Client populations: name -> population (share and near domain).",
        "latency": "Service latency of a successful attempt (a distribution).",
        "clients": "Client behaviour: timeout, retries and circuit breaker.",
        "rate_limit": "An edge limiter admitting at most rate attempts per second.",
        "mode": "fluid integrates requests exactly between events; discrete simulates every request.",
    },
    "ClientPopulation": {
        "share": "Fraction of the requests (shares are rescaled to sum to 1).",
        "near": "A domain: latency routing sends this population to records in it first.",
    },
    "Clients": {
        "timeout": "What a failed attempt costs the client.",
        "retry": "Retries with exponential backoff.",
        "circuit_breaker": "A client-side circuit breaker.",
    },
    "Retry": {
        "attempts": "Tries in all, the first included.",
        "base": "Base of the exponential backoff.",
        "cap": "Largest backoff.",
        "jitter": "How the backoff is randomised: none, full, equal or decorrelated.",
    },
    "CircuitBreaker": {
        "threshold": "Failed share of attempts in a window that opens the breaker.",
        "window": "Length of the tumbling window, from the last close.",
        "open": "Time spent failing fast (no attempts, no retries, no load) once open.",
        "probes": "Attempts that must all succeed for the breaker to close.",
    },
    "RateLimit": {
        "rate": "Attempts admitted per second; the rest fail at once.",
    },
    "LoadBalancer": {
        "service": "The active-active service it fronts; its replicas are the backends.",
        "in": "The domain it runs in.",
        "algorithm": "How requests are split over the backends in rotation.",
        "weights": "Shares per backend with algorithm: weighted (default 1 each).",
        "health_check": "When backends leave and rejoin rotation.",
        "capacity": "Attempts per second one backend serves.",
        "overload": "Backends crash when utilisation exceeds capacity for after.",
        "failures": "The balancer's own failures: a list of failure specs.",
        "description": "Free text.",
    },
    "TrafficCheck": {
        "interval": "Time between checks.",
        "unhealthy": "Failed checks in a row that take a target out.",
        "healthy": "Passed checks in a row that put it back.",
        "timeout": "How long a failed check takes.",
        "deep": "Deep checks see silent failures; shallow ones do not.",
    },
    "Dns": {
        "provider": "The DNS provider, the element named dns (default: never fails).",
        "names": "Names clients resolve: name -> DNS name.",
    },
    "DnsProvider": {
        "in": "The domain the provider runs in.",
        "failures": "The provider's failures: a list of failure specs.",
        "serve_stale": "While the provider is down resolvers keep the last answer (true), or a client "
                       "whose cache expires gets no answer (false).",
    },
    "DnsName": {
        "records": "What the name can answer: load balancers or services.",
        "ttl": "How long clients cache an answer.",
        "policy": "failover: the first healthy record; weighted: by weights; latency: per population, "
                  "the nearest healthy record.",
        "weights": "Shares per record with policy: weighted (default 1 each).",
        "health_check": "Checks of each record (default: none, answers never change).",
    },
}


def _merge(extra: dict[str, dict[str, str]]) -> None:
    for section, keys in extra.items():
        DESCRIPTIONS.setdefault(section, {}).update(keys)


def _incidents() -> None:
    # alerts, teams, noise, observability, severity (docs/incidents.md)
    from relsim.model.incidents import DESCRIPTIONS as INCIDENTS

    _merge(INCIDENTS)


_incidents()

# Maintenance, logistics, cost and objectives per service (relsim/model/logistics.py,
# relsim/model/maintenance.py, relsim/model/service_objectives.py, docs/maintenance-and-cost.md).
DESCRIPTIONS["ModelSpec"].update({
    "spares": "Spare pools: the permanent repairs of the components in each pool's 'for' take a spare; "
              "a repair waits when the pool is empty.",
    "costs": "Unit costs: per component, crew and spare per year; per repair, failover, minute of "
             "downtime, failed request, write lost and maintenance task (cost_per_year).",
})
DESCRIPTIONS["Domain"]["travel"] = ("Crew travel (logistic) delay to reach an element inside this domain; "
                                    "the crew is busy meanwhile (the innermost domain with travel applies).")
DESCRIPTIONS["Component"].update({
    "maintenance": "Preventive maintenance: out of service for lasts and (renews) as good as new, by age "
                   "since the last renewal (every) or by the calendar (at, cron, basis: calendar).",
    "inspection": "Inspections (proof tests) that find its silent permanent faults with probability finds; "
                  "a healthy component is out of service for lasts.",
})
DESCRIPTIONS["Service"].update({
    "objectives": "This service's own objectives (availability, rto, rpo), judged in every run.",
    "tier": "Criticality tier, 1 (most critical) to 9: the report groups the verdicts by tier.",
})
DESCRIPTIONS["SparePool"] = {
    "for": "The components or groups whose permanent repairs take a spare from this pool.",
    "stock": "Spares on the shelf at the start (the base stock).",
    "restock": "Time for an ordered replacement to arrive; one is ordered for each spare taken.",
    "description": "Free text.",
}
DESCRIPTIONS["Costs"] = {
    "currency": "The currency's name, for reading the costs (e.g. EUR).",
    "components": "Per year, per member: a component or group name mapped to its yearly cost.",
    "crew": "Per repair crew per year (needs repair_crews).",
    "spare": "Per spare held in stock per year (the pools' stock).",
    "repair": "Per repair started.",
    "failover": "Per successful promotion.",
    "downtime_minute": "Per minute of outage of the entry service.",
    "service_downtime_minute": "Per minute of a service's own outage: service name mapped to the price.",
    "tier_downtime_minute": "Per minute of outage of each service of a tier: tier (1-9) mapped to the price "
                            "(service_downtime_minute takes precedence).",
    "failed_request": "Per failed request (with a workload).",
    "write_lost": "Per acknowledged write lost.",
    "maintenance": "Per preventive maintenance task or inspection carried out.",
}
DESCRIPTIONS["Maintenance"] = {
    **_SCHEDULED,
    "every": "Age-based: maintain when this long has passed since the last renewal (repair or maintenance); "
             "with basis: calendar or a distribution, the time between maintenance by the calendar.",
    "lasts": "Time out of service (a distribution or a duration).",
    "renews": "Whether the maintenance makes the component as good as new (every failure clock restarts).",
    "basis": "age (since the last renewal; the default for a fixed every) or calendar (the schedule's times).",
    "opportunistic": "Age basis: maintain at once when a crew starts repairing a neighbour (same group or "
                     "domain) and maintenance would fall due within this long anyway.",
}
DESCRIPTIONS["Inspection"] = {
    **_SCHEDULED,
    "lasts": "Time a healthy component is out of service for the test.",
    "finds": "Probability that an inspection finds a latent (silent) fault present.",
}
DESCRIPTIONS["ServiceObjectives"] = {
    "availability": "Target availability of this service (time with s = 1).",
    "rto": "Longest acceptable outage of this service.",
    "rpo": "Most data (seconds of writes) a failover or restore of this service may lose.",
}

# Mission phases (relsim/model/phases.py, docs/maintenance-and-cost.md §6).
DESCRIPTIONS["ModelSpec"]["phases"] = ("Mission phases, in order and repeating until the horizon: each with its "
                                       "own failure-rate multipliers and service needs.")
DESCRIPTIONS["Phase"] = {
    "name": "The phase's name (shown in the trace and as the cause of an outage its needs start).",
    "lasts": "How long the phase lasts; the list of phases repeats until the horizon.",
    "failure_rate": "Multiplier of every element's failure rate during the phase (2: clocks run twice as fast).",
    "failure_rates": "Multipliers for named components, groups, domains or links, instead of failure_rate.",
    "needs": "Service name mapped to the replicas it needs during the phase (active-active and quorum).",
    "description": "Free text.",
}
