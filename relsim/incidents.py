"""Post-incident reports of one simulated replication (``relsim incidents``, docs/incidents.md).

:func:`post_incident_reports` re-runs one replication with its trace (the
same replication as inside :func:`relsim.run`) and gathers, for every
incident, what a blameless post-mortem holds: the timeline (the audit trail
of the trace), the impact, the contributing factors (root cause, what
delayed detection, what delayed mitigation) and the action items the model
suggests, each with the time it would have saved in this incident. The
documents are plain data; :mod:`relsim.report.incidents` renders them as
Markdown or HTML.
"""

from __future__ import annotations

import math
from typing import Any

from relsim.engine import simulate
from relsim.model import Model

__all__ = ["AUDIT_EVENTS", "post_incident_reports"]

#: Trace events that make an incident's timeline (the audit trail of the simulated organisation).
AUDIT_EVENTS = frozenset({
    "failed", "recovered", "repaired", "incident_open", "incident_closed", "outage_start", "outage_end", "page",
    "escalation", "ack", "engaged", "diagnosis_started", "diagnosed", "access_requested", "access_granted",
    "mitigation_started", "repair_requested", "repair_started", "alert_resolved", "promoted", "failover_started",
    "detected", "response_waiting",
})

#: A static rule held this long is what an action item proposes where no alert paged.
SUGGESTED_HOLD = 60.0


def post_incident_reports(model: Model, seed: int = 0, replication: int = 0,
                          horizon: float | None = None) -> dict[str, Any]:
    """The post-incident documents of replication ``replication`` of a run with ``seed``.

    Returns ``{"model", "seed", "replication", "horizon_s", "incidents": [...]}``;
    each incident is a dict with ``record`` (the fields of
    :class:`relsim.engine.response.Incident`), ``timeline`` (trace events),
    ``factors`` and ``actions`` (dicts with a ``kind`` and numbers in seconds).

    Raises
    ------
    ValueError
        If the model has neither ``alerts:`` nor ``teams:`` (it has no incidents).
    """
    spec = model.spec
    if not spec.alerts and not spec.teams:
        raise ValueError("incident reports need an 'alerts:' or a 'teams:' section (docs/incidents.md)")
    res = simulate(model, seed, replication, horizon, trace=True)
    trace = res.trace or []
    docs = [_document(model, inc, trace) for inc in res.incidents or []]
    return {"model": model.name, "seed": seed, "replication": replication, "horizon_s": res.horizon,
            "pages": len(res.pages or []), "false_pages": sum(1 for p in res.pages or [] if p.kind == "false"),
            "incidents": docs}


def _document(model: Model, inc: Any, trace: list[dict[str, Any]]) -> dict[str, Any]:
    record = inc._asdict()
    cause = inc.cause_element
    start = inc.start_s
    # the incident's story runs until it ended and its root cause was repaired (if that came later)
    until = inc.end_s
    for ev in trace:
        if ev["t"] >= start and ev["event"] == "repaired" and ev.get("element") == cause:
            until = max(until, ev["t"])
            break
    timeline = [ev for ev in trace if start <= ev["t"] <= until and ev["event"] in AUDIT_EVENTS
                and (ev.get("incident", inc.incident) == inc.incident)]
    factors = _factors(model, inc, timeline)
    return {"record": record, "timeline": timeline, "factors": factors, "actions": _actions(model, inc, factors)}


def _factors(model: Model, inc: Any, timeline: list[dict[str, Any]]) -> dict[str, Any]:
    spec = model.spec
    out: dict[str, Any] = {"cause": inc.cause_element, "cause_kind": inc.cause_kind}
    rule = spec.alerts.get(inc.first_alert) if inc.alerted else None
    out["detection"] = {
        "alerted": inc.alerted, "detect_s": inc.detect_s, "alert": inc.first_alert,
        "hold_s": rule.hold if rule else math.nan, "delay_s": rule.delay if rule else math.nan,
        "interval_s": rule.interval if rule else math.nan,
        "burn_rate": bool(rule is not None and rule.burn_rate),
    }
    page = next((ev for ev in timeline if ev["event"] == "page"), None)
    team = spec.teams.get(inc.team) if inc.team else None
    after_hours = None
    if page is not None and team is not None:
        after_hours = not team.hours.is_open(page["t"], model.calendar)
    engaged = next((ev for ev in timeline if ev["event"] == "engaged" and ev.get("element") == inc.cause_element),
                   None)
    obs = spec.observability
    missing: list[str] = []
    factor = 1.0
    if obs is not None:
        group = model.components[inc.cause_element].group if inc.cause_element in model.components else None
        missing = [k for k, v in obs.flags(inc.cause_element, group).items() if not v]
        factor = obs.factor(inc.cause_element, group)
    out["response"] = {
        "team": inc.team, "ack_s": inc.ack_s, "escalated": inc.escalated, "after_hours": after_hours,
        "engaged_via": engaged.get("via") if engaged else None,
        "waited_s": engaged["t"] - inc.start_s if engaged else math.nan,
        "diagnose_s": inc.diagnose_s, "missing_observability": missing, "observability_factor": factor,
        "access_s": inc.access_s, "jit": bool(team is not None and team.access == "jit"),
        "mitigate_s": inc.mitigate_s, "resolved_by": inc.resolved_by,
    }
    return out


def _actions(model: Model, inc: Any, factors: dict[str, Any]) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    det, resp = factors["detection"], factors["response"]
    if not det["alerted"]:
        noticed = resp["waited_s"] if not math.isnan(resp["waited_s"]) else inc.duration_s
        if noticed > SUGGESTED_HOLD:
            actions.append({"kind": "add_alert", "hold_s": SUGGESTED_HOLD, "saves_s": noticed - SUGGESTED_HOLD})
    else:
        slack = det["hold_s"] - SUGGESTED_HOLD if not det["burn_rate"] else math.nan
        if not math.isnan(slack) and slack > 0:
            actions.append({"kind": "shorter_hold", "alert": det["alert"], "hold_s": SUGGESTED_HOLD,
                            "saves_s": slack})
        if det["delay_s"] > 0:
            actions.append({"kind": "ingestion_delay", "alert": det["alert"], "saves_s": det["delay_s"]})
    if resp["escalated"]:
        actions.append({"kind": "escalation", "team": resp["team"], "ack_s": resp["ack_s"]})
    factor = resp["observability_factor"]
    if factor > 1.0 and not math.isnan(resp["diagnose_s"]):
        actions.append({"kind": "observability", "element": factors["cause"], "missing": resp["missing_observability"],
                        "saves_s": resp["diagnose_s"] * (1.0 - 1.0 / factor)})
    if resp["jit"] and not math.isnan(resp["access_s"]) and resp["access_s"] > 0:
        actions.append({"kind": "access", "team": resp["team"], "saves_s": resp["access_s"]})
    return actions
