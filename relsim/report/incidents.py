"""Post-incident reports as Markdown or HTML (``relsim incidents``, docs/incidents.md).

Turns the documents of :func:`relsim.incidents.post_incident_reports` into
the structured template of a blameless post-mortem: summary, impact,
timeline, contributing factors and action items, rendered by the jinja2
templates ``templates/incidents.md.j2`` and ``templates/incidents.html.j2``.
"""

from __future__ import annotations

import math
from typing import Any

from relsim.report.formatting import format_clock
from relsim.units import format_duration

__all__ = ["incident_view", "render_incidents"]

_SKIP = {"t", "event", "at"}


def _d(seconds: float) -> str:
    return "-" if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)) else format_duration(seconds)


def _when(t: float, calendar: Any) -> str:
    label = f" ({calendar.label(t)})" if calendar is not None else ""
    return f"{format_clock(t)}{label}"


def _details(ev: dict[str, Any]) -> str:
    parts = []
    for k, v in ev.items():
        if k in _SKIP:
            continue
        if isinstance(v, float):
            v = _d(v) if k in ("after", "duration") else f"{v:.4g}"
        parts.append(f"{k}={v}")
    return ", ".join(parts)


def _factor_lines(f: dict[str, Any]) -> list[str]:
    det, resp = f["detection"], f["response"]
    lines = [f"Root cause: a {f['cause_kind']} failure of {f['cause']}."]
    if det["alerted"]:
        how = "burn-rate windows" if det["burn_rate"] else f"held for {_d(det['hold_s'])}"
        every = f"evaluated every {_d(det['interval_s'])}" if det["interval_s"] > 0 else "evaluated continuously"
        lines.append(f"Detection: alert '{det['alert']}' paged {_d(det['detect_s'])} after the start "
                     f"({how}, ingestion delay {_d(det['delay_s'])}, {every}).")
    else:
        lines.append("Detection: no alert rule paged for this incident.")
    if resp["team"]:
        when = {True: "after hours", False: "in business hours", None: ""}[resp["after_hours"]]
        esc = ", after escalation to the secondary" if resp["escalated"] else ""
        lines.append(f"Acknowledgement: team {resp['team']} acknowledged {_d(resp['ack_s'])} after the page"
                     f"{' (' + when + ')' if when else ''}{esc}.")
    if resp["engaged_via"] == "ticket":
        lines.append(f"Engagement: nobody was paged; the team picked the failure up from a ticket "
                     f"{_d(resp['waited_s'])} after the start.")
    if not math.isnan(resp["diagnose_s"]):
        missing = ", ".join(resp["missing_observability"])
        extra = f" (without {missing}: ×{resp['observability_factor']:.3g})" if missing else ""
        lines.append(f"Diagnosis took {_d(resp['diagnose_s'])}{extra}.")
    if resp["jit"] and not math.isnan(resp["access_s"]):
        lines.append(f"Just-in-time production access took {_d(resp['access_s'])}.")
    if resp["resolved_by"] == "humans":
        lines.append(f"Mitigation (the repair) took {_d(resp['mitigate_s'])} after access.")
    else:
        lines.append("Service came back without waiting for the team (automation, a failover or a "
                     "transient failure ending).")
    return lines


def _action_lines(actions: list[dict[str, Any]]) -> list[str]:
    out = []
    for a in actions:
        kind = a["kind"]
        if kind == "add_alert":
            out.append(f"Add an alert on the error rate held {_d(a['hold_s'])}: it would have cut the time to "
                       f"notice this incident by {_d(a['saves_s'])}.")
        elif kind == "shorter_hold":
            out.append(f"Alert '{a['alert']}' held {_d(a['hold_s'])} instead would have cut detection by "
                       f"{_d(a['saves_s'])} (check its false pages with relsim run).")
        elif kind == "ingestion_delay":
            out.append(f"The ingestion delay of '{a['alert']}' cost {_d(a['saves_s'])} of detection.")
        elif kind == "escalation":
            out.append(f"The primary on-call of {a['team']} did not answer before escalation: review the rota "
                       f"(acknowledgement took {_d(a['ack_s'])}).")
        elif kind == "observability":
            out.append(f"Give {a['element']} {', '.join(a['missing'])}: diagnosis would have been "
                       f"{_d(a['saves_s'])} shorter.")
        elif kind == "access":
            out.append(f"Just-in-time access cost {a['team']} {_d(a['saves_s'])}: pre-approved break-glass "
                       "access would save it (standing access adds a risk of human error).")
    return out


def incident_view(doc: dict[str, Any], calendar: Any = None) -> dict[str, Any]:
    """What the templates show: strings only, one entry per incident."""
    incidents = []
    for item in doc["incidents"]:
        r = item["record"]
        summary = [
            ("Severity", r["severity"]), ("Root cause", f"{r['cause_element']} ({r['cause_kind']})"),
            ("Start", _when(r["start_s"], calendar)), ("End", _when(r["end_s"], calendar)
                                                        + (" (cut by the horizon)" if r["censored"] else "")),
            ("Duration (time to resolve)", _d(r["duration_s"])), ("Team", r["team"] or "-"),
            ("Pages", str(r["pages"])), ("Customers notified", "-" if math.isnan(r["notify_s"]) else
                                          f"{_d(r['notify_s'])} after the start"),
            ("Resolved by", r["resolved_by"]),
        ]
        phases = [("Detect", _d(r["detect_s"])), ("Acknowledge", _d(r["ack_s"])), ("Diagnose", _d(r["diagnose_s"])),
                  ("Access", _d(r["access_s"])), ("Mitigate", _d(r["mitigate_s"]))]
        impact = [f"Lowest request success (or served share) during the incident: {r['min_success']:.4g}.",
                  f"Writes lost: {r['writes_lost']}."]
        if not math.isnan(r["requests_failed"]):
            impact.append(f"Requests failed while it lasted: {r['requests_failed']:.6g}.")
        timeline = [(_when(ev["t"], calendar), ev["event"], _details(ev)) for ev in item["timeline"]]
        incidents.append({"number": r["incident"] + 1, "title": f"{r['severity'].upper()}: {r['cause_element']} "
                                                                   f"{r['cause_kind']} failure",
                          "summary": summary, "phases": phases, "impact": impact, "timeline": timeline,
                          "factors": _factor_lines(item["factors"]), "actions": _action_lines(item["actions"])})
    return {"model": doc["model"], "seed": doc["seed"], "replication": doc["replication"],
            "horizon": _d(doc["horizon_s"]), "pages": doc["pages"], "false_pages": doc["false_pages"],
            "incidents": incidents}


def render_incidents(doc: dict[str, Any], fmt: str = "md", calendar: Any = None) -> str:
    """The post-incident reports as Markdown (``md``) or one HTML page (``html``)."""
    from relsim.report.html import _environment

    if fmt not in ("md", "html"):
        raise ValueError(f"format must be md or html, got {fmt!r}")
    view = incident_view(doc, calendar)
    cell = (lambda s: str(s).replace("|", "\\|").replace("\n", " ")) if fmt == "md" else str
    return _environment(fmt == "html").get_template(f"incidents.{fmt}.j2").render(view=view, cell=cell)
