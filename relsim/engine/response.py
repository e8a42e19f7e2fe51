"""Incidents, pages and the human response chain of one replication (docs/incidents.md).

Built from the ``alerts:``, ``noise:``, ``teams:``, ``observability:``,
``severity:`` and ``incidents:`` sections by :func:`build_incidents` (its
lines of ``SECTIONS``); a model without ``alerts`` and ``teams`` builds
nothing here and runs exactly as before.

* **Incidents** follow the request path (or the entry service) exactly as
  outages do: one opens when it goes down and closes when it is back, with
  the root cause of the failure being applied (with
  ``incidents.merge_within``, an outage of the same root cause soon after
  reopens the last one). Severity rules read the incident's length, how
  long request success stayed below a level and the writes lost; a level
  with ``notify`` times the status-page update.
* **Pages** come from the alert rules (:mod:`relsim.engine.alerting`). A page
  while an incident is open (or shortly after, within the rule's look-back:
  a late page) belongs to it; otherwise it is a page on a real failure
  without an outage, or a **false page** if the watched node itself had no
  errors in the look-back (noise only).
* **The response chain**: the first page of an incident goes to a team (the
  rule's ``team``, else the owner of the root cause, else the first team).
  The on-call engineer acknowledges after a draw from the team's
  ``business_hours`` or ``after_hours`` time (by the model's calendar at the
  page); past ``escalate_after`` the secondary is paged too and the first of
  the two acknowledges. A failure of an element a team owns needs that
  team before its repair: the repair request waits until the team is
  *engaged* — by the acknowledgement of a page for the incident the element
  caused, or after the team's ``unpaged`` time (a ticket) if no page came
  first — then for a free person (``size``), the diagnosis (``diagnose`` ×
  the element's observability factor: missing signals, logs past their
  retention, other elements down) and, with ``access: jit``, the time to
  obtain access; then the repair crews take over as before (the only hook:
  this wraps ``sim.repairs.request``). Standing access instead adds human
  errors to what the team owns. Transient failures, failovers and every
  automated mechanism act without anyone.

Every step is a line of the trace: ``page``, ``escalation``, ``ack``,
``engaged``, ``diagnosis_started``, ``diagnosed``, ``access_requested``,
``access_granted``, ``mitigation_started``, ``incident_open``,
``incident_reopened``, ``incident_closed`` (and ``noise_blip``,
``alert_resolved`` from the rules).
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING, Any, NamedTuple

from relsim.engine.alerting import Rule, Signal, _at
from relsim.engine.elements import Clock
from relsim.model.common import PermanentFailure
from relsim.model.incidents import SEVERITIES, default_severity
from relsim.model.timing import MONDAY

if TYPE_CHECKING:
    from relsim.engine.elements import Element
    from relsim.engine.simulation import Simulation

__all__ = ["INCIDENT_FIELDS", "PAGE_FIELDS", "Incident", "Page", "build_incidents"]


class Page(NamedTuple):
    """One page sent by an alert rule.

    ``kind`` is ``incident`` (it belongs to an incident), ``real`` (the
    watched node had errors but the request path was not down) or ``false``
    (noise only). ``ack_s``: seconds from the page to its acknowledgement
    (NaN if no team was paged or the horizon came first).
    """

    t_s: float
    alert: str
    incident: int
    kind: str
    team: str
    ack_s: float
    escalated: bool


class Incident(NamedTuple):
    """One incident: an outage of the request path (or entry service) and the response to it.

    Phases (seconds, NaN where they did not happen before the end of the
    incident or the horizon): ``detect_s`` start to first page, ``ack_s``
    page to acknowledgement, ``diagnose_s`` engagement of the root cause's
    team to the end of its diagnosis (waiting for a free person included),
    ``access_s`` to access granted, ``mitigate_s`` from then to the end.
    ``resolved_by`` is ``humans`` when the repair the team started ended it,
    else ``automation``. ``requests_failed``: requests that failed while it
    lasted (with a workload; NaN otherwise); ``outages``: how many outages it
    groups (``incidents.merge_within``). ``notify_s``: start to the
    status-page update (severity rules with ``notify``), NaN if none came
    while it lasted.
    """

    incident: int
    start_s: float
    end_s: float
    duration_s: float
    cause_element: str
    cause_kind: str
    severity: str
    censored: bool
    alerted: bool
    pages: int
    first_alert: str
    team: str
    detect_s: float
    ack_s: float
    escalated: bool
    diagnose_s: float
    access_s: float
    mitigate_s: float
    resolved_by: str
    min_success: float
    writes_lost: int
    requests_failed: float
    notify_s: float
    outages: int


INCIDENT_FIELDS: tuple[str, ...] = Incident._fields
PAGE_FIELDS: tuple[str, ...] = Page._fields
_NAN = math.nan


class _Live:
    __slots__ = ("id", "start", "cause", "end", "page_t", "first_alert", "team", "ack_t", "escalated", "pages",
                 "min_s", "below", "response", "writes_lost", "censored", "failed0", "requests_failed",
                 "reached", "outages", "opened", "previous_end")

    def __init__(self, ident: int, start: float, cause: tuple[str, int, str], s: float, levels: list[float]):
        self.id = ident
        self.start = start
        self.cause = cause
        self.end = math.inf
        self.page_t: float | None = None
        self.first_alert = ""
        self.team = ""
        self.ack_t: float | None = None
        self.escalated = False
        self.pages = 0
        self.min_s = s
        self.below = dict.fromkeys(levels, 0.0)
        self.response: _Response | None = None
        self.writes_lost = 0
        self.censored = False
        self.failed0 = _NAN
        self.requests_failed = 0.0
        self.reached: dict[str, float] = {}  # severity -> when its success_below criterion was met
        self.outages = 1  # the outages it groups (incidents.merge_within)
        self.opened = start  # when its current outage started
        self.previous_end = math.nan


class _Response:
    __slots__ = ("element", "team", "failed_at", "engaged_at", "diag_done", "access_done")

    def __init__(self, element: Element, team: _Team, now: float):
        self.element = element
        self.team = team
        self.failed_at = now  # when it failed (a latent fault is found later, when the repair is requested)
        self.engaged_at: float | None = None
        self.diag_done: float | None = None
        self.access_done: float | None = None


class _Team:
    """A team's draws (one stream per role: ``team/NAME/ack``...) and its free people."""

    def __init__(self, sim: Simulation, name: str, spec: Any):
        self.name = name
        self.spec = spec
        self.busy = 0
        self.queue: deque[_Response] = deque()
        streams = sim.streams

        def sampler(dist: Any, role: str) -> Any:
            key = f"team/{name}/{role}"
            return streams.sampler(dist, key, streams.generator(key))

        self.ack = {True: sampler(spec.ack.business_hours, "ack"), False: sampler(spec.ack.after_hours, "ack/after")}
        second = spec.secondary_ack or spec.ack
        self.second = {True: sampler(second.business_hours, "secondary"),
                       False: sampler(second.after_hours, "secondary/after")}
        self.diagnose = sampler(spec.diagnose, "diagnose")
        self.jit = sampler(spec.jit, "jit")
        self.unpaged = sampler(spec.unpaged, "unpaged")


class Response:
    """Incidents, pages and teams of one replication."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        spec = sim.model.spec
        self.calendar = getattr(sim.model, "calendar", MONDAY)
        self.path = sim.traffic if sim.traffic is not None else sim.service_nodes[sim.model.entry]
        self.down_below = 1.0 if sim.traffic is None else spec.objectives.outage_below
        self.severity = dict(spec.severity) if spec.severity is not None else default_severity()
        self.merge_within = spec.incidents.merge_within if spec.incidents is not None else 0.0
        self.levels = sorted({r.success_below for r in self.severity.values() if r.success_below is not None})
        self.observability = spec.observability
        self.groups = {name: c.group for name, c in sim.model.components.items()}
        self.teams = {name: _Team(sim, name, t) for name, t in spec.teams.items()}
        self.owner: dict[str, _Team] = {}
        groups = sim.model.groups
        for name, team in self.teams.items():
            for ref in spec.teams[name].owns:
                for member in groups.get(ref, (ref,)):
                    self.owner[member] = team
        self.down_at: dict[str, float] = {}  # owned elements down by their own failure, since when
        if self.observability is not None and self.observability.log_retention is not None:
            for member in self.owner:
                sim.nodes[member].subscribe(self._element_changed)
        for team in self.teams.values():
            if team.spec.human_error is not None and team.spec.access == "standing":
                for member, owner in self.owner.items():
                    if owner is team:
                        _add_human_error(sim, sim.nodes[member], team.spec.human_error)
        self.incidents: list[_Live] = []
        self.open: _Live | None = None
        self.last_t = 0.0
        self.pages: list[list[Any]] = []
        self.pending: dict[str, _Response] = {}
        self.path.subscribe(self._path_changed)
        signals: dict[str | None, Signal] = {}
        self.rules: list[Rule] = []
        for name, rule in spec.alerts.items():
            svc = rule.service
            if svc not in signals:
                node = self.path if svc is None else sim.service_nodes[svc]
                signals[svc] = Signal(sim, "(entry)" if svc is None else svc, node, spec.noise)
            slo = rule.slo if rule.slo is not None else spec.objectives.availability
            self.rules.append(Rule(sim, name, rule, signals[svc], slo, self._fire))
        if self.owner:
            self._repair = sim.repairs.request
            sim.repairs.request = self._request  # type: ignore[method-assign]
        sim.at_end.append(self._finish)

    # -- incidents -------------------------------------------------------------
    def _path_changed(self, _node: Any, old: float, new: float) -> None:
        now = self.sim.env.now
        live = self.open
        if live is not None:
            dt = now - self.last_t
            for level in self.levels:
                if old < level:
                    live.below[level] += dt
            for sev, rule in self.severity.items():
                level = rule.success_below
                if level is None or sev in live.reached:
                    continue
                spent = live.below[level]
                if old < level and spent >= rule.hold and spent > 0.0:
                    live.reached[sev] = now - (spent - rule.hold)
                elif new < level and rule.hold == 0.0:
                    live.reached[sev] = now
            live.min_s = min(live.min_s, new)
        self.last_t = now
        below = self.down_below
        if old >= below and new < below:
            self._open(now, new)
        elif old < below and new >= below and live is not None:
            self._close(live, now)

    def _open(self, now: float, s: float) -> None:
        cause = self.sim.cause or ("unknown", -1, "unknown")
        last = self.incidents[-1] if self.incidents else None
        if (last is not None and self.merge_within > 0.0 and last.cause[0] == cause[0]
                and not last.censored and now - last.end < self.merge_within):
            # the same root cause again soon after: the incident it ended goes on
            last.outages += 1
            last.previous_end, last.end = last.end, math.inf
            last.opened = now
            last.failed0 = self._failed()
            last.min_s = min(last.min_s, s)
            self.open = last
            self.sim.log("incident_reopened", incident=last.id, cause=cause[0], kind=cause[2])
            return
        live = _Live(len(self.incidents), now, cause, s, self.levels)
        live.failed0 = self._failed()
        for sev, rule in self.severity.items():
            if rule.success_below is not None and rule.hold == 0.0 and s < rule.success_below:
                live.reached[sev] = now
        self.incidents.append(live)
        self.open = live
        pending = self.pending.get(cause[0])
        if pending is not None:
            live.response = pending
        self.sim.log("incident_open", incident=live.id, cause=cause[0], kind=cause[2])

    def _close(self, live: _Live, now: float, censored: bool = False) -> None:
        outage = getattr(self.sim, "_outage", None)
        if outage is not None:
            live.writes_lost += int(outage.writes_lost)
        live.end = now
        live.censored = censored
        live.requests_failed += self._failed() - live.failed0
        self.open = None
        if now == live.opened and not censored and live.outages > 1:  # a dip of no length joined it
            live.outages -= 1
            live.end = live.previous_end
            return
        if now == live.start and not censored:  # a dip of no length is no outage, nor an incident
            self.incidents.pop()
            for page in self.pages:
                if page[2] == live.id:
                    page[2], page[3] = -1, "real"
            return
        self.sim.log("incident_closed", incident=live.id, duration=now - live.start)

    def _failed(self) -> float:
        """Requests failed so far (NaN without a workload); the path has integrated up to now when it publishes."""
        traffic = self.sim.traffic
        return _NAN if traffic is None else traffic.offered - traffic.tally[0]

    # -- pages -------------------------------------------------------------------
    def _fire(self, rule: Rule, t: float) -> None:
        live = self.open
        if live is None and self.incidents and self.incidents[-1].end >= t - rule.lookback:
            live = self.incidents[-1]  # a late page: it fired on that incident's errors
        team: _Team | None = None
        if rule.spec.team is not None:
            team = self.teams[rule.spec.team]
        if live is not None:
            kind = "incident"
            live.pages += 1
            if live.page_t is None:
                live.page_t = t
                live.first_alert = rule.name
            if team is None:
                team = self.owner.get(live.cause[0])
        else:
            kind = "real" if rule.signal.real_recent(t, rule.lookback) else "false"
        if team is None and self.teams:
            team = next(iter(self.teams.values()))
        page = [t, rule.name, -1 if live is None else live.id, kind, team.name if team else "", _NAN, False]
        self.pages.append(page)
        self.sim.log("page", alert=rule.name, incident=page[2], page_kind=kind, team=page[4])
        if team is None or (live is not None and live.team):
            return  # nobody to page, or the incident's team is already on it
        if live is not None:
            live.team = team.name
        self._ack_chain(team, t, page, live)

    def _ack_chain(self, team: _Team, t: float, page: list[Any], live: _Live | None) -> None:
        hours = team.spec.hours
        a = team.ack[hours.is_open(t, self.calendar)]()
        esc = team.spec.escalate_after
        by = "primary"
        if esc is not None and a > esc:
            second = team.second[hours.is_open(t + esc, self.calendar)]()
            page[6] = True
            if live is not None:
                live.escalated = True
            _at(self.sim, esc, lambda _ev: self.sim.log("escalation", team=team.name, alert=page[1],
                                                         incident=page[2]))
            if esc + second < a:
                a, by = esc + second, "secondary"

        def acked(_ev: Any) -> None:
            page[5] = a
            self.sim.log("ack", team=team.name, alert=page[1], incident=page[2], by=by, after=a)
            if live is not None:
                live.ack_t = self.sim.env.now
                response = self.pending.get(live.cause[0])
                if response is not None:
                    live.response = response
                    self._engage(response, "page")

        _at(self.sim, a, acked)

    # -- repairs that need a team ------------------------------------------------
    def _element_changed(self, element: Any, _old: float, new: float) -> None:
        if new == 0.0 and not element.up:
            self.down_at[element.name] = self.sim.env.now
        else:
            self.down_at.pop(element.name, None)

    def _request(self, element: Element) -> None:
        team = self.owner.get(element.name)
        if team is None:
            self._repair(element)
            return
        now = self.sim.env.now
        response = _Response(element, team, self.down_at.get(element.name, now))
        self.pending[element.name] = response
        self.sim.log("response_waiting", element=element.name, team=team.name)
        live = self.open
        if live is not None and live.cause[0] == element.name:
            live.response = response
            if live.ack_t is not None:
                self._engage(response, "page")
                return
        _at(self.sim, team.unpaged(), lambda _ev: self._engage(response, "ticket"))

    def _engage(self, response: _Response, via: str) -> None:
        if response.engaged_at is not None:
            return
        name = response.element.name
        response.engaged_at = self.sim.env.now
        if self.pending.get(name) is response:
            del self.pending[name]
        team = response.team
        self.sim.log("engaged", element=name, team=team.name, via=via)
        if team.busy < team.spec.size:
            self._diagnose(response)
        else:
            team.queue.append(response)

    def _diagnose(self, response: _Response) -> None:
        team = response.team
        team.busy += 1
        name = response.element.name
        factor = 1.0
        obs = self.observability
        if obs is not None:
            now = self.sim.env.now
            others = sum(1 for el in self.sim.elements if not el.up and el is not response.element) \
                if obs.correlated != 1.0 else 0
            factor = obs.factor(name, self.groups.get(name), now - response.failed_at, others)
        duration = team.diagnose() * factor
        self.sim.log("diagnosis_started", element=name, team=team.name, factor=factor)

        def diagnosed(_ev: Any) -> None:
            response.diag_done = self.sim.env.now
            self.sim.log("diagnosed", element=name, team=team.name, duration=duration)
            if team.spec.access == "jit":
                wait = team.jit()
                self.sim.log("access_requested", element=name, team=team.name)
                _at(self.sim, wait, lambda _ev: self._mitigate(response, granted=True))
            else:
                self._mitigate(response, granted=False)

        _at(self.sim, duration, diagnosed)

    def _mitigate(self, response: _Response, granted: bool) -> None:
        team = response.team
        name = response.element.name
        response.access_done = self.sim.env.now
        if granted:
            self.sim.log("access_granted", element=name, team=team.name)
        team.busy -= 1
        if team.queue:
            self._diagnose(team.queue.popleft())
        self.sim.log("mitigation_started", element=name, team=team.name)
        self._repair(response.element)

    # -- at the horizon ----------------------------------------------------------
    def _finish(self) -> None:
        now = self.sim.horizon
        live = self.open
        if live is not None:
            self._path_changed(self.path, self.path.s, self.path.s)  # close the time below each level
            if self.sim.traffic is not None:
                self.sim.traffic._integrate(now)  # the requests of the last piece (finish() adds nothing more)
            self._close(live, now, censored=True)
        res = self.sim.result
        res.incidents = [self._record(x) for x in self.incidents]
        res.pages = [Page(*p) for p in self.pages]

    def _record(self, x: _Live) -> Incident:
        def since(a: float | None, b: float | None) -> float:
            return _NAN if a is None or b is None or b > x.end else b - a

        r = x.response
        engaged = r.engaged_at if r is not None else None
        diag = r.diag_done if r is not None else None
        access = r.access_done if r is not None else None
        humans = access is not None and access <= x.end and not x.censored
        duration = x.end - x.start
        severity = self._severity(x, duration)
        return Incident(
            x.id, x.start, x.end, duration, x.cause[0], x.cause[2], severity, x.censored,
            x.page_t is not None, x.pages, x.first_alert, x.team,
            _NAN if x.page_t is None else x.page_t - x.start,
            _NAN if x.page_t is None or x.ack_t is None else x.ack_t - x.page_t,
            x.escalated, since(engaged, diag), since(diag, access),
            x.end - access if humans and access is not None else _NAN,
            "humans" if humans else "automation", x.min_s, x.writes_lost, x.requests_failed,
            self._notified(x, severity), x.outages)

    def _notified(self, x: _Live, severity: str) -> float:
        """Seconds from the start to the status-page update, NaN if none came while the incident lasted.

        The update comes ``notify`` after the acknowledgement, but not before
        the incident is known to be of its severity: its ``longer_than`` has
        passed, its ``success_below`` has held ``for``, or (known at the end)
        it lost writes.
        """
        rule = self.severity.get(severity)
        if rule is None or rule.notify is None or x.ack_t is None:
            return _NAN
        known = [x.reached.get(severity, math.inf)]
        if rule.longer_than is not None and x.end - x.start > rule.longer_than:
            known.append(x.start + rule.longer_than)
        if rule.writes_lost and x.writes_lost > 0:
            known.append(x.end)
        when = max(x.ack_t + rule.notify, min(known))
        return when - x.start if when <= x.end else _NAN

    def _severity(self, x: _Live, duration: float) -> str:
        for level in SEVERITIES[:-1]:
            rule = self.severity.get(level)
            if rule is None:
                continue
            if rule.longer_than is not None and duration > rule.longer_than:
                return level
            if rule.writes_lost and x.writes_lost > 0:
                return level
            if rule.success_below is not None:
                spent = x.below.get(rule.success_below, 0.0)
                if spent >= rule.hold and (spent > 0.0 or x.min_s < rule.success_below):
                    return level
        return SEVERITIES[-1]


def _add_human_error(sim: Simulation, element: Element, spec: Any) -> None:
    """A failure clock of kind ``human_error`` on its own stream ``ELEMENT/human-error``.

    Standing access lets people change production directly; each owned
    element fails permanently from a mistake after ``every`` of up-time, and
    is repaired (undone) in ``repair`` once its team is on it. Like every
    clock, it pauses while another failure holds the element down.
    """
    failure = PermanentFailure(kind="permanent", every=spec.every, repair=spec.repair)
    clock = Clock(element, failure, len(element.clocks), sim, key=f"{element.name}/human-error")
    clock.kind = "human_error"
    clock.cause = (element.name, clock.index, "human_error")
    element.clocks.append(clock)


def build_incidents(sim: Simulation) -> None:
    """The incident sections of the model (nothing without alerts or teams)."""
    spec = sim.model.spec
    if (not spec.alerts and not spec.teams) or getattr(sim, "response", None) is not None:
        return
    sim.response = Response(sim)  # type: ignore[attr-defined]
