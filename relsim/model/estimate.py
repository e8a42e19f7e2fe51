"""How many events one replication of a model will take, estimated before it runs.

The engine is event-driven (docs/architecture.md, "The event loop and its
invariants"): a replication costs what its events cost, and their number is
set by the failure rates, the horizon and the number of elements, not by the
size of the file. ``horizon: 1000y`` with ``every: exp(mean=1ms)`` is a
valid model of 3·10¹³ events — days of computing and gigabytes of outage
records. :func:`events_per_replication` estimates the number from the means
alone, so that ``relsim check`` can print it and ``relsim run`` can refuse
to start a run that would take hours (``--max-events`` overrides; see
docs/experiments.md).

The estimate is a renewal-reward argument (Ross, *Stochastic Processes*,
2nd ed., §3.6): a failure spec whose cycle — up time, then the time down —
has mean length ``c`` repeats about ``T / c`` times over a horizon ``T``
(exactly, in the long run, by the elementary renewal theorem), and each
cycle schedules a fixed handful of events (the failure, the repair or
recovery, the detection of a latent fault, the alternating spells of an
intermittent episode). Each element transition then moves the services
above it (a failover, a health-check mark, an outage opening and closing),
which :data:`EVENTS_PER_TRANSITION` accounts for on average. Explicit
fine-grained modes add their own events: every beat of ``method: beats``,
every request of ``workload.mode: discrete``. It is an order-of-magnitude
figure, not a prediction: on the bundled models it is within a factor of
two of the events they really take, except where an ``overload`` cascade
turns into a retry storm, whose length depends on the dynamics and which
can take a hundred times more (``models/retry-storm.yaml``), and except
the events of user-defined behaviours (docs/extending.md), which it does
not know; the limit enforced while a replication runs (``max_events``)
catches those.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel

from relsim.dists import Distribution, Normal
from relsim.model.deployments import deployment_events
from relsim.model.incidents import alerting_events
from relsim.model.maintenance import upkeep_events
from relsim.model.mesh import mesh_events
from relsim.model.schedule import scheduled_events

__all__ = ["EVENTS_PER_TRANSITION", "events_per_replication"]

#: Scheduled events per element transition (a failure or a recovery),
#: counting what the services above it do in reaction; measured on the
#: bundled models, whose ratio of events to transitions lies between 1 and 4.
EVENTS_PER_TRANSITION = 2.0


def _mean(dist: Distribution | None) -> float:
    """Mean in seconds, without loading scipy (a Normal's mean is at least ``mu``)."""
    if dist is None:
        return 0.0
    if isinstance(dist, Normal):
        return max(dist.mu, 0.8 * dist.sigma)
    return float(dist.mean)


def _cycle(spec: Any) -> tuple[float, float]:
    """``(events per cycle, mean cycle length)`` of one failure spec."""
    up = _mean(spec.every)
    if spec.kind == "permanent":
        events = 2.0 + (spec.detect is not None)
        return events, up + _mean(spec.detect) + _mean(spec.repair)
    lasts = _mean(spec.lasts)
    if spec.kind == "intermittent":
        spell = _mean(spec.down) + _mean(spec.up)
        return 2.0 + (2.0 * lasts / spell if spell > 0 else 0.0), up + lasts
    return 2.0, up + lasts


def _transitions(obj: Any, horizon: float, copies: float) -> float:
    """Element transitions per replication in ``obj`` and everything it contains."""
    total = 0.0
    if isinstance(obj, BaseModel):
        count = getattr(obj, "count", None)
        if isinstance(count, int) and not isinstance(count, bool) and "failures" in type(obj).model_fields:
            copies *= count  # a component group: every member runs the clocks
        failures = getattr(obj, "failures", None)
        if isinstance(failures, tuple):
            for spec in failures:
                events, cycle = _cycle(spec)
                total += copies * events * horizon / cycle if cycle > 0 else math.inf
        for name in type(obj).model_fields:
            if name != "failures":
                total += _transitions(getattr(obj, name), horizon, copies)
    elif isinstance(obj, dict):
        total += sum(_transitions(v, horizon, copies) for v in obj.values())
    elif isinstance(obj, (tuple, list)):
        total += sum(_transitions(v, horizon, copies) for v in obj)
    return total


def _fine_grained(model: Any, horizon: float) -> float:
    """Events of the modes that simulate every beat or every request."""
    total = 0.0
    for name, service in model.spec.services.items():
        detection = service.detection
        if detection is not None and detection.method == "beats":
            probe = detection.heartbeat or detection.health_check
            period = getattr(probe, "period", None) or getattr(probe, "interval", None) or 0.0
            replicas = len(model.replicas_of(name))
            total += replicas * horizon / period if period > 0 else math.inf
    total += scheduled_events(model, horizon)  # maintenance, chaos, drills (relsim/model/schedule.py)
    total += deployment_events(model, horizon)  # releases and config changes (relsim/model/deployments.py)
    total += mesh_events(model, horizon)  # fault injections (relsim/model/mesh.py)
    total += upkeep_events(model, horizon)  # maintenance, inspections, phases (relsim/model/maintenance.py)
    total += alerting_events(model, horizon)  # noise blips, burn-rate windows (relsim/model/incidents.py)
    workload = model.spec.workload
    if workload is not None and workload.mode == "discrete":
        attempts = getattr(getattr(workload.clients, "retry", None), "attempts", 1) or 1
        total += 2.0 * workload.rate * horizon * attempts
    return total


def events_per_replication(model: Any, horizon: float | None = None) -> float:
    """Estimated events one replication of ``model`` schedules over ``horizon``.

    Parameters
    ----------
    model : relsim.Model
    horizon : float, optional
        Seconds; the model's ``horizon`` by default.

    Returns
    -------
    float
        An order-of-magnitude estimate (``inf`` if a cycle has zero mean
        length); see the module docstring for how it is made.
    """
    h = float(model.horizon if horizon is None else horizon)
    sections = {name: getattr(model.spec, name) for name in type(model.spec).model_fields
                if name not in ("objectives", "workload")}
    transitions = _transitions(sections, h, 1.0)
    return EVENTS_PER_TRANSITION * transitions + _fine_grained(model, h)
