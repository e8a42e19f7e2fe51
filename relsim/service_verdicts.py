"""Verdicts of the objectives of each service that has its own (docs/maintenance-and-cost.md §5).

The engine watches every service with ``objectives`` or a ``tier``
(:mod:`relsim.engine.service_watch`); each replication's row holds
``service:NAME:availability``, ``service:NAME:outages`` and the RTO/RPO
tallies. The verdicts follow the entry service's rules
(docs/model-format.md §12): availability met when the whole 95 % interval
over replications is at or above the target (not established with fewer
than :data:`relsim.evidence.MIN_EVENTS` outages of the service, unless the
interval already decides); RTO and RPO not met as soon as one judged
outage (or recovery) exceeded the target, met when every one of at least
``MIN_EVENTS`` met it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from relsim.columns import as_columns, length
from relsim.evidence import MIN_EVENTS
from relsim.intervals import t_quantile

__all__ = ["objectives_of", "service_verdicts"]


def objectives_of(model: Any) -> dict[str, Any]:
    """What ``Results.objectives`` holds for ``model``: the entry's targets and each service's own.

    The top-level ``objectives`` (without ``slo_window`` and unset keys) and,
    for the services with their own ``objectives`` or a ``tier``,
    ``"services": {name: {"availability", "rto", "rpo", "tier"}}``.
    """
    objectives = {k: v for k, v in model.spec.objectives.model_dump().items()
                  if v is not None and k != "slo_window"}
    services = {name: {**(svc.objectives.model_dump() if svc.objectives is not None else {}), "tier": svc.tier}
                for name, svc in model.spec.services.items() if svc.objectives is not None or svc.tier is not None}
    if services:  # each service's own objectives and tier (docs/maintenance-and-cost.md §5)
        objectives["services"] = services
    return objectives


def _availability(runs: Any, name: str) -> dict[str, Any]:
    col = f"service:{name}:availability"
    x = np.asarray(runs[col], dtype=float) if col in runs else np.empty(0)
    n = len(x)
    events = int(np.sum(runs[f"service:{name}:outages"])) if f"service:{name}:outages" in runs else 0
    mean = float(x.mean()) if n else math.nan
    se = float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    half = t_quantile(n, 0.95) * se if n > 1 else math.nan  # stats.t.ppf(0.975, n - 1), without importing scipy.stats
    lo, hi = (max(mean - half, 0.0), min(mean + half, 1.0)) if n > 1 else (math.nan, math.nan)
    established = events >= MIN_EVENTS
    note = "" if established else (f"not established: {events} outage{'s' * (events != 1)} of the service in "
                                   f"{n} replications (fewer than {MIN_EVENTS})")
    if not established and events == 0:
        lo, hi = math.nan, math.nan  # no outage seen: the interval says nothing
    return {"mean": mean, "se": se, "ci_low": lo, "ci_high": hi, "events": events, "established": established,
            "note": note}


def _per_outage(runs: Any, name: str, what: str, target: float) -> dict[str, Any] | None:
    key = f"service:{name}:{what}_"
    if key + "judged" not in runs:
        return None
    n = int(np.sum(runs[key + "judged"]))
    missed = int(np.sum(runs[key + "missed"]))
    worst = float(np.max(np.asarray(runs[key + "worst"], dtype=float))) if n else math.nan
    if missed:
        verdict, reason = "not met", f"{missed} of {n} exceeded it"
    elif n >= MIN_EVENTS:
        verdict, reason = "met", f"all {n} met it"
    else:
        verdict = "not established"
        reason = f"only {n} to judge (fewer than {MIN_EVENTS}); run more or longer replications"
    return {"target": target, "incidents": n, "met_fraction": (1 - missed / n) if n else None,
            "worst": None if math.isnan(worst) else worst, "verdict": verdict, "reason": reason,
            "met": verdict == "met"}


def service_verdicts(runs: Any, services: dict[str, Any], horizon: float,
                     availability_verdict: Callable[[Any, float, int, float], tuple[str, str]]
                     ) -> dict[str, dict[str, Any]]:
    """``{service: {"tier": t, "availability": {...}, "rto": {...}, "rpo": {...}}}``, verdicts as the entry's.

    ``services`` maps each watched service to its targets and tier (what
    :func:`relsim.experiment.assemble` stores in ``Results.objectives``);
    ``runs`` is the per-replication table (columns or a DataFrame).
    """
    runs = as_columns(runs)
    out: dict[str, dict[str, Any]] = {}
    for name, spec in services.items():
        entry: dict[str, Any] = {"tier": spec.get("tier")}
        target = spec.get("availability")
        if target is not None:
            row = _availability(runs, name)
            verdict, reason = availability_verdict(row, target, length(runs), horizon)
            entry["availability"] = {
                "target": target, "mean": None if math.isnan(row["mean"]) else row["mean"],
                "ci95": [None if math.isnan(v) else v for v in (row["ci_low"], row["ci_high"])],
                "outages": row["events"], "verdict": verdict, "reason": reason, "met": verdict == "met"}
        for what in ("rto", "rpo"):
            if spec.get(what) is not None:
                judged = _per_outage(runs, name, what, spec[what])
                if judged is not None:
                    entry[what] = judged
        out[name] = entry
    return out
