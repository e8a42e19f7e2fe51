"""Incidents, pages and the on-call response chain as exact timelines (relsim/engine/response.py).

Each test fixes every time (``fixed(...)`` failures, acknowledgements,
diagnoses and access) and states the records of ``Results.incidents()`` and
``Results.pages()`` and the response's trace worked out by hand: who is
paged, escalation at its edges, engagement by a page or a ticket, a team's
queue, observability factors, severity and status-page times, merged and
censored incidents; random phases are checked against the draws of their
own streams (docs/incidents.md).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

import relsim
from relsim.engine import simulate
from relsim.engine.response import Incident, Page
from relsim.engine.simulation import Simulation
from relsim.engine.streams import role_dists
from relsim.model.common import PermanentFailure

H, M = 3600.0, 60.0
NAN = math.nan
STEPS = ("page", "escalation", "ack", "response_waiting", "engaged", "diagnosis_started", "diagnosed",
         "access_requested", "access_granted", "mitigation_started", "incident_open", "incident_reopened",
         "incident_closed")
# model time 0 is Monday 00:00: 100 h is Friday 04:00 (after hours), 33 h Tuesday 09:00 (business hours)
TEAM = {"owns": ["app"], "ack": {"business_hours": "5m", "after_hours": "5m"}, "diagnose": "10m",
        "access": "jit", "jit": "2m"}


def build(failure: dict[str, Any] | None = None, horizon: str = "150h", **extra: Any) -> relsim.Model:
    failures = [failure] if failure is not None else []
    return relsim.load({"name": "response", "horizon": horizon,
                        "components": {"app": {"failures": failures}, "spare": {"failures": []}},
                        "services": {"web": {"replicas": ["app"]}}, **extra})


def perm(every: str, repair: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "permanent", "every": f"fixed({every})", "repair": f"fixed({repair})", **kw}


def transient(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def steps(res: Any) -> list[tuple[Any, ...]]:
    """The response's trace lines as (t, event, the other fields in order)."""
    return [(e["t"], e["event"], *[v for k, v in e.items() if k not in ("t", "event")])
            for e in res.trace if e["event"] in STEPS]


def same(a: Any, b: Any) -> bool:
    """Records equal field by field, NaN equal to NaN."""
    return len(a) == len(b) and all(
        (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y))
        or (x == y and type(x) is type(y)) for x, y in zip(a, b))


# -- the whole record of one incident and its page -------------------------------------------
def test_a_paged_incident_acknowledged_diagnosed_and_mitigated_field_by_field():
    # app fails at 100 h (Friday 04:00); 'down' (above 50% for 5m, seen 30 s late) pages at
    # 100:05:30; ack 5m, diagnosis 10m, JIT access 2m, repair 30m: back at 100:52:30 (sev2: > 10m)
    model = build(perm("100h", "30m"), alerts={"down": {"above": "50%", "for": "5m", "delay": "30s"}},
                  teams={"ops": TEAM})
    res = simulate(model, 1, 0, trace=True)
    t0, page = 100 * H, 100 * H + 330.0
    (inc,) = res.incidents
    assert same(inc, Incident(0, t0, t0 + 3150.0, 3150.0, "app", "permanent", "sev2", False, True, 1, "down", "ops",
                              330.0, 300.0, False, 600.0, 120.0, 1800.0, "humans", 0.0, 0, NAN, NAN, 1))
    assert same(res.pages[0], Page(page, "down", 0, "incident", "ops", 300.0, False)) and len(res.pages) == 1
    ack, diag, access = page + 300.0, page + 900.0, page + 1020.0
    assert steps(res) == [
        (t0, "incident_open", 0, "app", "permanent"), (t0, "response_waiting", "app", "ops"),
        (page, "page", "down", 0, "incident", "ops"), (ack, "ack", "ops", "down", 0, "primary", 300.0),
        (ack, "engaged", "app", "ops", "page"), (ack, "diagnosis_started", "app", "ops", 1.0),
        (diag, "diagnosed", "app", "ops", 600.0), (diag, "access_requested", "app", "ops"),
        (access, "access_granted", "app", "ops"), (access, "mitigation_started", "app", "ops"),
        (t0 + 3150.0, "incident_closed", 0, 3150.0)]


def test_a_failure_nobody_is_paged_for_is_engaged_by_a_ticket_after_unpaged():
    # no alert rule: the team picks app up 1h after it failed (via a ticket), then 10m + 2m + 30m
    model = build(perm("100h", "30m"), teams={"ops": dict(TEAM, unpaged="1h")})
    res = simulate(model, 1, 0, trace=True)
    t0, eng = 100 * H, 101 * H
    (inc,) = res.incidents
    assert same(inc, Incident(0, t0, eng + 2520.0, H + 2520.0, "app", "permanent", "sev1", False, False, 0, "", "",
                              NAN, NAN, False, 600.0, 120.0, 1800.0, "humans", 0.0, 0, NAN, NAN, 1))
    assert res.pages == []
    assert steps(res) == [
        (t0, "incident_open", 0, "app", "permanent"), (t0, "response_waiting", "app", "ops"),
        (eng, "engaged", "app", "ops", "ticket"), (eng, "diagnosis_started", "app", "ops", 1.0),
        (eng + 600.0, "diagnosed", "app", "ops", 600.0), (eng + 600.0, "access_requested", "app", "ops"),
        (eng + 720.0, "access_granted", "app", "ops"), (eng + 720.0, "mitigation_started", "app", "ops"),
        (eng + 2520.0, "incident_closed", 0, H + 2520.0)]


def test_standing_access_mitigates_at_once_after_the_diagnosis():
    # access: standing: no access_requested/granted lines; mitigation starts when diagnosed, access_s 0
    model = build(perm("100h", "30m"), alerts={"down": {"above": "50%"}}, teams={"ops": dict(TEAM, access="standing")})
    res = simulate(model, 1, 0, trace=True)
    t0 = 100 * H
    (inc,) = res.incidents
    assert (inc.detect_s, inc.ack_s, inc.diagnose_s, inc.access_s, inc.mitigate_s) == (0.0, 300.0, 600.0, 0.0, 1800.0)
    assert inc.duration_s == 2700.0 and inc.resolved_by == "humans"
    assert [s[:2] for s in steps(res) if s[1] not in ("incident_open", "incident_closed")] == [
        (t0, "response_waiting"), (t0, "page"), (t0 + 300.0, "ack"), (t0 + 300.0, "engaged"),
        (t0 + 300.0, "diagnosis_started"), (t0 + 900.0, "diagnosed"), (t0 + 900.0, "mitigation_started")]


# -- acknowledgement and escalation ----------------------------------------------------------
FRI_0855 = "6295m"  # Friday 08:55 (4 x 24 h + 8 h 55 min): after hours; the escalation 10 min later is in them


@pytest.mark.parametrize(("secondary", "ack_s", "by"), [
    ({"business_hours": "1m", "after_hours": "20m"}, 11 * M, "secondary"),  # 09:05: business hours, 10m + 1m
    (None, 12 * M, "secondary"),  # no secondary_ack: the team's own times, 2m at 09:05
    ({"business_hours": "20m", "after_hours": "20m"}, 30 * M, "primary"),  # 10m + 20m = 30m: not earlier
])
def test_the_secondary_is_paged_after_escalate_after_by_the_hours_at_that_time(
        secondary: dict[str, str] | None, ack_s: float, by: str):
    # the primary, paged at Friday 08:55 (after hours), would take 30m; escalate_after 10m
    team = dict(TEAM, ack={"business_hours": "2m", "after_hours": "30m"}, escalate_after="10m")
    if secondary is not None:
        team["secondary_ack"] = secondary
    model = build(perm(FRI_0855, "30m"), alerts={"down": {"above": "50%"}}, teams={"ops": team})
    res = simulate(model, 1, 0, trace=True)
    t0 = 6295 * M
    (inc,) = res.incidents
    assert inc.ack_s == ack_s and inc.escalated is True
    assert same(res.pages[0], Page(t0, "down", 0, "incident", "ops", ack_s, True))
    assert [s for s in steps(res) if s[1] in ("escalation", "ack")] == [
        (t0 + 10 * M, "escalation", "ops", "down", 0), (t0 + ack_s, "ack", "ops", "down", 0, by, ack_s)]
    assert inc.duration_s == ack_s + (10 + 2 + 30) * M


def test_an_ack_exactly_at_escalate_after_escalates_nobody():
    # ack 10m, escalate_after 10m: not longer than it, so no secondary (Tuesday 09:00: business hours)
    team = dict(TEAM, ack={"business_hours": "10m", "after_hours": "1h"}, escalate_after="10m",
                secondary_ack={"business_hours": "1s", "after_hours": "1s"})
    model = build(perm("33h", "30m"), horizon="60h", alerts={"down": {"above": "50%"}}, teams={"ops": team})
    res = simulate(model, 1, 0, trace=True)
    (inc,) = res.incidents
    assert inc.ack_s == 10 * M and inc.escalated is False and res.pages[0].escalated is False
    assert [s for s in steps(res) if s[1] in ("escalation", "ack")] == [(33 * H + 600.0, "ack", "ops", "down", 0,
                                                                          "primary", 600.0)]


def test_business_and_after_hours_choose_the_ack_time_at_the_page():
    # the first failure at Tuesday 09:00 (business hours: ack 2m) is over 2m + 42m later; the second,
    # 33 h of up-time after that, at Wednesday 18:44 (after hours: 30m)
    team = dict(TEAM, ack={"business_hours": "2m", "after_hours": "30m"})
    model = build(perm("33h", "30m"), horizon="80h", alerts={"down": {"above": "50%"}}, teams={"ops": team})
    res = simulate(model, 1, 0)
    assert [(x.start_s, x.ack_s) for x in res.incidents] == [(33 * H, 2 * M), (66 * H + 44 * M, 30 * M)]


# -- who is paged ----------------------------------------------------------------------------
def test_the_rule_team_else_the_owner_of_the_cause_else_the_first_team_is_paged():
    # 'dev' (listed first) owns spare, 'ops' owns app; app fails at 100 h (after hours)
    dev = dict(TEAM, owns=["spare"], ack={"business_hours": "1m", "after_hours": "1m"})
    teams = {"dev": dev, "ops": TEAM}
    res = simulate(build(perm("100h", "30m"), alerts={"down": {"above": "50%"}}, teams=teams), 1, 0)
    assert same(res.pages[0], Page(100 * H, "down", 0, "incident", "ops", 300.0, False))
    assert res.incidents[0].team == "ops" and res.incidents[0].ack_s == 300.0
    # the rule's own team is paged; its acknowledgement engages app's owner at once (a page came)
    res = simulate(build(perm("100h", "30m"), alerts={"down": {"above": "50%", "team": "dev"}}, teams=teams), 1, 0,
                   trace=True)
    assert same(res.pages[0], Page(100 * H, "down", 0, "incident", "dev", 60.0, False))
    inc = res.incidents[0]
    assert (inc.team, inc.ack_s, inc.diagnose_s, inc.duration_s) == ("dev", 60.0, 600.0, (1 + 10 + 2 + 30) * M)
    assert [s for s in steps(res) if s[1] == "engaged"] == [(100 * H + 60.0, "engaged", "app", "ops", "page")]
    # nobody owns app: the first team
    teams = {"dev": dev, "ops": dict(TEAM, owns=[])}
    res = simulate(build(perm("100h", "30m"), alerts={"down": {"above": "50%"}}, teams=teams), 1, 0)
    assert same(res.pages[0], Page(100 * H, "down", 0, "incident", "dev", 60.0, False))
    assert res.incidents[0].duration_s == 30 * M and res.incidents[0].resolved_by == "automation"


def test_without_teams_a_page_pages_nobody():
    res = simulate(build(perm("100h", "30m"), alerts={"down": {"above": "50%", "for": "1m"}}), 1, 0)
    assert same(res.pages[0], Page(100 * H + M, "down", 0, "incident", "", NAN, False))
    assert same(res.incidents[0], Incident(0, 100 * H, 100.5 * H, 1800.0, "app", "permanent", "sev2", False, True, 1,
                                           "down", "", 60.0, NAN, False, NAN, NAN, NAN, "automation", 0.0, 0, NAN,
                                           NAN, 1))


def test_later_pages_of_an_incident_page_nobody_new():
    # two rules fire on the same incident, after 1m and 2m: both count, the first is its first
    # alert, and only its page is acknowledged (5m)
    model = build(perm("100h", "30m"), alerts={"fast": {"above": "50%", "for": "1m"},
                                               "slow": {"above": "50%", "for": "2m"}}, teams={"ops": TEAM})
    res = simulate(model, 1, 0, trace=True)
    t0 = 100 * H
    assert [tuple(p) for p in res.pages][0] == (t0 + M, "fast", 0, "incident", "ops", 300.0, False)
    assert same(res.pages[1], Page(t0 + 2 * M, "slow", 0, "incident", "ops", NAN, False))
    inc = res.incidents[0]
    assert (inc.pages, inc.first_alert, inc.detect_s, inc.ack_s) == (2, "fast", 60.0, 300.0)
    assert [s[:2] for s in steps(res) if s[1] in ("page", "ack")] == [(t0 + M, "page"), (t0 + 2 * M, "page"),
                                                                      (t0 + 360.0, "ack")]


def test_a_late_page_belongs_to_the_incident_that_just_ended():
    # a 4 min outage at 10 h; held 3m and seen 2m late, the rule fires at 10:05, after the end: the
    # page is the incident's (alerted, detect 5m), acknowledged 5m later, after the end
    model = build(transient("10h", "4m"), horizon="15h", alerts={"down": {"above": "50%", "for": "3m", "delay": "2m"}},
                  teams={"ops": TEAM})
    res = simulate(model, 1, 0, trace=True)
    assert same(res.pages[0], Page(10 * H + 5 * M, "down", 0, "incident", "ops", 300.0, False))
    assert same(res.incidents[0], Incident(0, 10 * H, 10 * H + 4 * M, 240.0, "app", "transient", "sev3", False, True,
                                           1, "down", "ops", 300.0, 300.0, False, NAN, NAN, NAN, "automation", 0.0, 0,
                                           NAN, NAN, 1))
    assert [s for s in steps(res) if s[1] == "ack"] == [(10 * H + 10 * M, "ack", "ops", "down", 0, "primary", 300.0)]


def test_false_pages_are_each_acknowledged_by_the_first_team():
    # 10% blips every 10 h lasting 4m; 'noisy' (above 5% for 3m) pages at 3m into each: false
    # pages, no incident, each acknowledged by 'dev' (the first team; 'ops' owns app)
    dev = dict(TEAM, owns=["spare"], ack={"business_hours": "1m", "after_hours": "7m"})
    model = build(None, horizon="25h", noise={"blips": {"every": "fixed(10h)", "lasts": "fixed(4m)", "size": "10%"}},
                  alerts={"noisy": {"above": "5%", "for": "3m"}}, teams={"dev": dev, "ops": TEAM})
    res = simulate(model, 1, 0, trace=True)
    assert res.incidents == []
    # 10:03 Monday is business hours (1m), 20:03 is not (7m)
    assert [tuple(p) for p in res.pages] == [(10 * H + 3 * M, "noisy", -1, "false", "dev", 60.0, False),
                                             (20 * H + 3 * M, "noisy", -1, "false", "dev", 420.0, False)]
    assert [s for s in steps(res) if s[1] == "ack"] == [(10 * H + 4 * M, "ack", "dev", "noisy", -1, "primary", 60.0),
                                                        (20 * H + 10 * M, "ack", "dev", "noisy", -1, "primary", 420.0)]


# -- engagement, the team's people, diagnosis ---------------------------------------------------
def test_a_repair_requested_after_the_page_was_acknowledged_is_engaged_at_once():
    # a latent fault at 100 h (found after 1h): paged at once, acknowledged at 100:05; the repair
    # request at 101 h finds the incident acknowledged and is engaged by that page, not 'unpaged' later
    latent = perm("100h", "30m", detect="fixed(1h)")
    res = simulate(build(latent, alerts={"down": {"above": "50%"}}, teams={"ops": dict(TEAM, unpaged="10m")}), 1, 0,
                   trace=True)
    t = 101 * H
    (inc,) = res.incidents
    assert (inc.ack_s, inc.diagnose_s, inc.access_s, inc.mitigate_s, inc.duration_s) == (
        300.0, 600.0, 120.0, 1800.0, H + 2520.0)
    assert [s for s in steps(res) if s[1] in ("ack", "response_waiting", "engaged")] == [
        (100 * H + 300.0, "ack", "ops", "down", 0, "primary", 300.0), (t, "response_waiting", "app", "ops"),
        (t, "engaged", "app", "ops", "page")]


def test_a_team_of_one_diagnoses_in_the_order_the_failures_were_engaged():
    # a, b and c fail together at 100 h, d at 100:15, each engaged at once (unpaged 0s); one
    # person: a is diagnosed first (10m + 2m access), then b, c and d (first come, first served);
    # two people: a and b at once, c when the first of them has access, d when the other has
    comps = {n: {"failures": [perm("100h", "30m")]} for n in ("a", "b", "c")}
    comps["d"] = {"failures": [perm("6015m", "30m")]}
    raw = {"name": "four", "horizon": "150h", "components": comps,
           "services": {"web": {"replicas": ["a", "b", "c", "d"], "needs": 4}}}
    team = dict(TEAM, owns=["a", "b", "c", "d"], unpaged="0s")
    res = simulate(relsim.load(dict(raw, teams={"ops": team})), 1, 0, trace=True)
    starts = [(e["t"] - 100 * H, e["element"]) for e in res.trace if e["event"] == "diagnosis_started"]
    assert starts == [(0.0, "a"), (720.0, "b"), (1440.0, "c"), (2160.0, "d")]
    (inc,) = res.incidents
    assert (inc.cause_element, inc.diagnose_s, inc.access_s, inc.duration_s) == ("a", 600.0, 120.0, 2160.0 + 2520.0)
    res = simulate(relsim.load(dict(raw, teams={"ops": dict(team, size=2)})), 1, 0, trace=True)
    starts = [(e["t"] - 100 * H, e["element"]) for e in res.trace if e["event"] == "diagnosis_started"]
    assert starts == [(0.0, "a"), (0.0, "b"), (720.0, "c"), (900.0, "d")]


def test_observability_of_a_group_and_its_members_and_other_elements_down():
    # app is a group of two (app-1, app-2) owned as a group; app lacks tracing (x1.5), app-2 its
    # own logs (x2, its entry replacing the group's); both down together: each diagnosis also
    # takes 'correlated' (x1.25) longer; the incident (caused by app-1) ends with app-2's repair
    model = relsim.load({
        "name": "group", "horizon": "150h",
        "components": {"app": {"count": 2, "failures": [perm("100h", "30m")]}},
        "services": {"web": {"replicas": ["app"], "needs": 2}},
        "teams": {"ops": dict(TEAM, unpaged="0s", size=2)},
        "observability": {"elements": {"app": {"tracing": False}, "app-2": {"logs": False}}, "correlated": 1.25}})
    res = simulate(model, 1, 0, trace=True)
    factors = [(e["element"], e["factor"]) for e in res.trace if e["event"] == "diagnosis_started"]
    assert factors == [("app-1", 1.5 * 1.25), ("app-2", 2.0 * 1.25)]
    (inc,) = res.incidents
    assert (inc.cause_element, inc.diagnose_s, inc.access_s) == ("app-1", 600.0 * 1.875, 120.0)
    assert inc.duration_s == 1500.0 + 120.0 + 1800.0 and inc.mitigate_s == inc.duration_s - 1125.0 - 120.0


@pytest.mark.parametrize("correlated", [2.0, 1.25])
def test_correlated_failures_multiply_the_diagnosis(correlated: float):
    model = relsim.load({
        "name": "two", "horizon": "150h",
        "components": {"a": {"failures": [perm("100h", "30m")]}, "b": {"failures": [perm("100h", "30m")]}},
        "services": {"web": {"replicas": ["a", "b"], "needs": 2}},
        "teams": {"ops": dict(TEAM, owns=["a", "b"], unpaged="0s", size=2)},
        "observability": {"correlated": correlated}})
    res = simulate(model, 1, 0, trace=True)
    assert [e["factor"] for e in res.trace if e["event"] == "diagnosis_started"] == [correlated, correlated]


def test_an_element_alone_down_is_not_correlated_with_itself():
    model = build(perm("100h", "30m"), teams={"ops": dict(TEAM, unpaged="0s")}, observability={"correlated": 3})
    res = simulate(model, 1, 0, trace=True)
    assert [e["factor"] for e in res.trace if e["event"] == "diagnosis_started"] == [1.0]
    assert res.incidents[0].diagnose_s == 600.0


# -- severity and the status page ---------------------------------------------------------------
def two_step(horizon: str = "20h", **extra: Any) -> relsim.Model:
    # web needs both a and b (s = up/2): a down 10:00-10:30 (s = 0.5), b 10:10-10:15 (s = 0):
    # one incident of 30 min caused by a, 5 min of it below 10%, all of it below 60%
    return relsim.load({"name": "two-step", "horizon": horizon,
                        "components": {"a": {"failures": [transient("10h", "30m")]},
                                       "b": {"failures": [transient("610m", "5m")]}},
                        "services": {"web": {"replicas": ["a", "b"], "needs": 2}},
                        "alerts": {"down": {"above": "40%"}},
                        "teams": {"ops": dict(TEAM, owns=["a"], ack={"business_hours": "2m", "after_hours": "2m"})},
                        **extra})


@pytest.mark.parametrize(("severity", "level", "notify_m"), [
    # 5m below 10% >= 4m, known at 10:15 − (5m − 4m) = 10:14 (the ack + 1m is 10:03)
    ({"sev1": {"success_below": "10%", "for": "4m", "notify": "1m"}}, "sev1", 14.0),
    ({"sev1": {"success_below": "10%", "for": "5m", "notify": "1m"}}, "sev1", 15.0),  # held exactly 5m
    # 5m < 6m: not sev1; 30m below 60% >= 20m, known at 10:30 − 10m = 10:20
    ({"sev1": {"success_below": "10%", "for": "6m", "notify": "1m"},
      "sev2": {"success_below": "60%", "for": "20m", "notify": "1m"}}, "sev2", 20.0),
    ({"sev1": {"success_below": "10%", "notify": "1m"}}, "sev1", 10.0),  # for 0: known when s falls to 0 at 10:10
    ({"sev1": {"success_below": "60%", "notify": "1m"}}, "sev1", 3.0),  # known at the start: ack 2m + 1m
    ({"sev1": {"success_below": "60%", "notify": "30m"}}, "sev1", NAN),  # 2m + 30m: after the end
    ({"sev2": {"success_below": "60%", "for": "40m", "notify": "1m"}}, "sev3", NAN),  # 30m < 40m
    ({"sev1": {"longer_than": "29m", "notify": "0s"}}, "sev1", 29.0),
    ({"sev1": {"longer_than": "30m", "notify": "0s"}, "sev2": {"longer_than": "29m"}}, "sev2", NAN),  # not longer
])
def test_success_below_held_for_sets_the_severity_and_when_customers_are_told(
        severity: dict[str, Any], level: str, notify_m: float):
    res = simulate(two_step(severity=severity), 1, 0)
    (inc,) = res.incidents
    assert (inc.start_s, inc.duration_s, inc.cause_element, inc.min_success, inc.ack_s) == (
        10 * H, 30 * M, "a", 0.0, 2 * M)
    assert inc.severity == level
    assert same((inc.notify_s,), (notify_m * M,))


def test_default_severity_by_length():
    # sev1 longer than 1h (or writes lost), sev2 longer than 10m: exactly 10m is sev3, exactly 1h sev2
    for lasts, level in (("10m", "sev3"), ("601s", "sev2"), ("1h", "sev2"), ("3601s", "sev1")):
        res = simulate(build(transient("10h", lasts), horizon="15h", alerts={"down": {"above": "50%"}}), 1, 0)
        assert [x.severity for x in res.incidents] == [level], lasts


def test_the_time_below_a_level_runs_to_the_horizon_for_a_censored_incident():
    # cut at 10:25: 25m below 60% >= 20m: sev2, known at 10:20; without the last stretch (10:15-10:25)
    # only 15m would count
    sev = {"sev1": {"longer_than": "2h"}, "sev2": {"success_below": "60%", "for": "20m", "notify": "1m"}}
    res = simulate(two_step(horizon="625m", severity=sev), 1, 0)
    (inc,) = res.incidents
    assert (inc.censored, inc.end_s, inc.severity, inc.notify_s) == (True, 10 * H + 25 * M, "sev2", 20 * M)
    assert inc.min_success == 0.0


def test_a_censored_incident_is_resolved_by_automation_even_after_access():
    # app fails at 140 h with a 30 h repair; paged at once, access at 140:17; the horizon (150 h) cuts it
    model = build(perm("140h", "30h"), alerts={"down": {"above": "50%"}}, teams={"ops": TEAM})
    res = simulate(model, 1, 0)
    assert same(res.incidents[0], Incident(0, 140 * H, 150 * H, 10 * H, "app", "permanent", "sev1", True, True, 1,
                                           "down", "ops", 0.0, 300.0, False, 600.0, 120.0, NAN, "automation", 0.0,
                                           0, NAN, NAN, 1))


# -- which outages are incidents ---------------------------------------------------------------
def test_a_path_down_from_the_start_is_an_incident_from_time_0():
    # 100 requests/s through a balancer of 40/s per backend: 80 of 100 served from the start, below
    # the 99% of outage_below: the outage (cause lb, kind load) runs from 0 to the horizon, and so
    # does its incident, censored; the rule's page at 10 h (a fails: 40 of 100 served) is the incident's
    model = relsim.load({
        "name": "overloaded", "horizon": "20h",
        "components": {"a": {"failures": [perm("10h", "30m")]}, "b": {"failures": []}},
        "services": {"api": {"replicas": ["a", "b"], "mode": "active-active", "needs": 1}},
        "load_balancers": {"lb": {"service": "api", "capacity": "40/s"}},
        "workload": {"rate": "100/s", "target": "lb"}, "alerts": {"down": {"above": "50%"}}})
    res = simulate(model, 1, 0, trace=True)
    (out,) = res.outages
    assert (out.start_s, out.end_s, out.cause_element, out.cause_kind, out.censored) == (0.0, 20 * H, "lb", "load", True)
    (inc,) = res.incidents
    assert (inc.start_s, inc.end_s, inc.cause_element, inc.cause_kind, inc.censored) == (0.0, 20 * H, "lb", "load", True)
    assert (inc.min_success, inc.alerted, inc.detect_s) == (pytest.approx(0.4), True, 10 * H)
    assert [(p.t_s, p.incident, p.kind) for p in res.pages] == [(10 * H, 0, "incident")]
    assert [s for s in steps(res) if s[1] == "incident_open"] == [(0.0, "incident_open", 0, "lb", "load")]
    # its time below 90% runs from 0: held 12h, it is known at 12 h (the ack came at 10:05)
    raw = dict(model.raw, teams={"ops": dict(TEAM, owns=["a"])},
               severity={"sev2": {"success_below": "90%", "for": "12h", "notify": "0s"}})
    (inc,) = simulate(relsim.load(raw), 1, 0).incidents
    assert (inc.severity, inc.ack_s, inc.notify_s) == ("sev2", 300.0, 12 * H)


def test_with_a_workload_only_success_below_outage_below_is_an_incident():
    # the two-step timeline at 10 requests/s: success 50% for 25 min and 0 for 5 min; below the
    # default 99% the whole 30 min are one incident (7,500 + 3,000 requests failed); below 40% only
    # b's 5 min are, caused by b (3,000)
    model = two_step(workload={"rate": "10/s"})
    (inc,) = simulate(model, 1, 0).incidents
    assert (inc.start_s, inc.duration_s, inc.cause_element, inc.min_success) == (10 * H, 30 * M, "a", 0.0)
    assert inc.requests_failed == pytest.approx(10500.0, rel=1e-12)
    for below in ("40%", "50%"):  # 50% served is not below 50%
        model = two_step(workload={"rate": "10/s"}, objectives={"outage_below": below})
        (inc,) = simulate(model, 1, 0).incidents
        assert (inc.start_s, inc.duration_s, inc.cause_element, inc.min_success) == (10 * H + 10 * M, 5 * M, "b", 0.0)
        assert inc.requests_failed == pytest.approx(3000.0, rel=1e-12)
    # without a workload outage_below does not apply: any s below 1 is down
    (inc,) = simulate(two_step(objectives={"outage_below": "40%"}), 1, 0).incidents
    assert (inc.start_s, inc.duration_s, inc.cause_element) == (10 * H, 30 * M, "a")


def flap(**extra: Any) -> relsim.Model:
    # an intermittent episode at 100 h: down 5m, up 10m, four times (100:00, :15, :30, :45)
    spells = {"kind": "intermittent", "every": "fixed(100h)", "lasts": "fixed(1h)", "down": "fixed(5m)",
              "up": "fixed(10m)"}
    return build(spells, alerts={"down": {"above": "50%"}}, workload={"rate": "10/s"}, teams={"ops": TEAM}, **extra)


def test_merge_within_joins_outages_less_than_it_apart():
    # 10 min apart: merge_within 10m keeps four incidents; 11m joins them into one from 100:00 to
    # 100:50 (sev2), paged four times, acknowledged once; 3,000 requests failed in each outage
    res = simulate(flap(incidents={"merge_within": "10m"}), 1, 0, trace=True)
    assert [(x.start_s - 100 * H, x.outages, x.pages) for x in res.incidents] == [
        (0.0, 1, 1), (900.0, 1, 1), (1800.0, 1, 1), (2700.0, 1, 1)]
    assert [x.requests_failed for x in res.incidents] == pytest.approx([3000.0] * 4, rel=1e-12)
    res = simulate(flap(incidents={"merge_within": "11m"}), 1, 0, trace=True)
    t0 = 100 * H
    assert same(res.incidents[0], Incident(0, t0, t0 + 50 * M, 50 * M, "app", "intermittent", "sev2", False, True, 4,
                                           "down", "ops", 0.0, 300.0, False, NAN, NAN, NAN, "automation", 0.0, 0,
                                           res.incidents[0].requests_failed, NAN, 4))
    assert len(res.incidents) == 1 and res.incidents[0].requests_failed == pytest.approx(12000.0, rel=1e-12)
    assert [(p.t_s - t0, p.incident, p.ack_s) for p in res.pages][:2] == [(0.0, 0, 300.0), (900.0, 0, p_nan())]
    assert [s for s in steps(res) if s[1].startswith("incident")] == [
        (t0, "incident_open", 0, "app", "intermittent"), (t0 + 5 * M, "incident_closed", 0, 5 * M),
        (t0 + 15 * M, "incident_reopened", 0, "app", "intermittent"), (t0 + 20 * M, "incident_closed", 0, 20 * M),
        (t0 + 30 * M, "incident_reopened", 0, "app", "intermittent"), (t0 + 35 * M, "incident_closed", 0, 35 * M),
        (t0 + 45 * M, "incident_reopened", 0, "app", "intermittent"), (t0 + 50 * M, "incident_closed", 0, 50 * M)]


def p_nan() -> Any:
    return pytest.approx(NAN, nan_ok=True)


def test_merge_within_joins_only_outages_of_the_same_cause():
    # a down 10:00-10:30, b 10:40-10:45 (web needs both): 10 min apart but another cause
    model = relsim.load({"name": "two", "horizon": "20h",
                         "components": {"a": {"failures": [transient("10h", "30m")]},
                                        "b": {"failures": [transient("640m", "5m")]}},
                         "services": {"web": {"replicas": ["a", "b"], "needs": 2}},
                         "alerts": {"down": {"above": "40%"}}, "incidents": {"merge_within": "1h"}})
    res = simulate(model, 1, 0)
    assert [(x.cause_element, x.start_s, x.duration_s, x.outages) for x in res.incidents] == [
        ("a", 10 * H, 30 * M, 1), ("b", 10 * H + 40 * M, 5 * M, 1)]


def test_an_outage_of_no_length_is_no_incident_and_its_page_is_real():
    # an instant failover (time 0): web is down and back within one instant; the page fired then
    # belongs to no incident and the watched node did have errors: 'real'
    model = relsim.load({"name": "instant", "horizon": "20h",
                         "components": {"p": {"failures": [perm("10h", "30m")]}, "b": {"failures": []}},
                         "services": {"web": {"replicas": ["p", "b"], "mode": "active-passive",
                                              "failover": {"time": "fixed(0s)"}}},
                         "alerts": {"down": {"above": "50%"}}, "teams": {"ops": dict(TEAM, owns=["b"])}})
    res = simulate(model, 1, 0, trace=True)
    assert res.incidents == [] and res.outages == []
    assert same(res.pages[0], Page(10 * H, "down", -1, "real", "ops", 300.0, False)) and len(res.pages) == 1


def test_writes_lost_make_a_short_incident_sev1_known_at_its_end():
    # p fails at 10 h; the standby, 2 s behind, is promoted after 1m: the incident lasts 60 s and
    # loses the outage's writes (sev1 by default as by this rule, told at the end). ops owns p and
    # is engaged by the page's ack at 10 s, but p's diagnosis ends after the incident: no phase
    # of it counts, and automation resolved it
    model = relsim.load({"name": "db", "horizon": "20h",
                         "components": {"p": {"failures": [perm("10h", "1h")]}, "b": {"failures": []}},
                         "services": {"db": {"replicas": ["p", "b"], "mode": "active-passive",
                                             "failover": {"time": "fixed(1m)"},
                                             "data": {"writes": "100/s", "lag": "fixed(2s)"}}},
                         "alerts": {"down": {"above": "50%"}},
                         "teams": {"ops": dict(TEAM, owns=["p"], ack={"business_hours": "10s", "after_hours": "10s"})},
                         "severity": {"sev1": {"writes_lost": True, "notify": "0s"}}})
    res = simulate(model, 1, 0, trace=True)
    (out,) = res.outages
    assert out.writes_lost > 0
    assert same(res.incidents[0], Incident(0, 10 * H, 10 * H + 60.0, 60.0, "p", "permanent", "sev1", False, True, 1,
                                           "down", "ops", 0.0, 10.0, False, NAN, NAN, NAN, "automation", 0.0,
                                           out.writes_lost, NAN, 60.0, 1))
    assert [s for s in steps(res) if s[1] in ("engaged", "diagnosed")] == [
        (10 * H + 10.0, "engaged", "p", "ops", "page"), (10 * H + 610.0, "diagnosed", "p", "ops", 600.0)]
    default = relsim.load(dict(model.raw, severity=None))
    assert [x.severity for x in simulate(default, 1, 0).incidents] == ["sev1"]


# -- random phases: each role on its team's own stream -------------------------------------------------
FAST = dict(TEAM, ack={"business_hours": "exponential(mean=3m)", "after_hours": "exponential(mean=20m)"},
            escalate_after="1s", secondary_ack={"business_hours": "exponential(mean=4m)",
                                                "after_hours": "exponential(mean=10m)"},
            diagnose="lognormal(mean=10m, sd=5m)", jit="exponential(mean=3m)", unpaged="exponential(mean=1h)")
# the primary is slow, the secondary paged after 1 s acknowledges first, and the unpaged ticket
# engages the owner before that: every draw shows in the record
SLOW = dict(FAST, ack={"business_hours": "exponential(mean=10h)", "after_hours": "exponential(mean=12h)"},
            secondary_ack={"business_hours": "exponential(mean=4m)", "after_hours": "exponential(mean=5m)"},
            unpaged="exponential(mean=30s)")


@pytest.mark.parametrize(("at", "suffix"), [("100h", "/after"), ("33h", "")])  # Friday 04:00, Tuesday 09:00
@pytest.mark.parametrize(("team", "first"), [(FAST, "primary"), (SLOW, "ticket")])
def test_each_response_draw_comes_from_its_teams_stream(at: str, suffix: str, team: dict[str, Any], first: str):
    model = build(perm(at, "30m"), horizon="60h" if at == "33h" else "150h", alerts={"down": {"above": "50%"}},
                  teams={"ops": team})
    streams = Simulation(model, 1, 0).streams

    def draw(role: str, dist: Any) -> float:
        key = f"team/ops/{role}"
        return streams.sampler(dist, key, streams.generator(key))()

    spec = model.spec.teams["ops"]
    hours = suffix == ""
    primary = draw("ack" + suffix, spec.ack.business_hours if hours else spec.ack.after_hours)
    second = draw("secondary" + suffix, spec.secondary_ack.business_hours if hours else spec.secondary_ack.after_hours)
    unpaged = draw("unpaged", spec.unpaged)
    diagnose, jit = draw("diagnose", spec.diagnose), draw("jit", spec.jit)
    ack = min(primary, 1.0 + second)
    # the draws of this seed do what the team is for, so each of them shows in the record
    assert (primary < 1.0 + second and ack < unpaged) if first == "primary" else (unpaged < 1.0 + second < primary)
    res = simulate(model, 1, 0, trace=True)
    (inc,) = res.incidents
    assert (inc.ack_s, inc.escalated) == (pytest.approx(ack, rel=1e-12), primary > 1.0)
    assert inc.diagnose_s == pytest.approx(diagnose, rel=1e-12) and inc.access_s == pytest.approx(jit, rel=1e-12)
    assert inc.duration_s == pytest.approx(min(ack, unpaged) + diagnose + jit + 30 * M, rel=1e-12)
    (engaged,) = [s for s in steps(res) if s[1] == "engaged"]
    assert engaged[-1] == ("page" if ack < unpaged else "ticket")
    assert [s[-2] for s in steps(res) if s[1] == "ack"] == ["primary" if primary < 1.0 + second else "secondary"]


def test_human_errors_come_from_their_own_stream():
    # the first human error of app (every exponential(mean=50h) of up-time) is the first draw of
    # the stream 'app/human-error', not of app's first failure mode's 'app/0'
    team = dict(TEAM, access="standing", human_error={"every": "exponential(mean=50h)", "repair": "20m"})
    model = build(None, horizon="1000h", alerts={"down": {"above": "50%"}}, teams={"ops": team})
    streams = Simulation(model, 1, 0).streams
    mistake = model.spec.teams["ops"].human_error
    failure = PermanentFailure(kind="permanent", every=mistake.every, repair=mistake.repair)
    first = streams.first_draws("app/human-error", role_dists(failure))[0][0]
    res = simulate(model, 1, 0)
    assert res.incidents[0].start_s == pytest.approx(first, rel=1e-12)
    assert first != pytest.approx(streams.first_draws("app/0", role_dists(failure))[0][0], rel=1e-6)
    assert (res.incidents[0].cause_element, res.incidents[0].cause_kind) == ("app", "human_error")
    # the failure mode after app's own (none): index 0, in the outage and the trace
    assert res.outages[0].cause_spec == 0 and type(res.outages[0].cause_spec) is int


def test_a_page_engages_only_the_root_cause_and_other_failures_wait_for_a_ticket():
    # a fails at 100 h (the incident's cause), b a minute later (web needs both; two people):
    # the page's ack at 100:05 engages a; b, not the cause, is engaged by a ticket 1h after it
    # failed. The incident ends with b's repair at 101:01 + 42m; its phases are a's
    comps = {"a": {"failures": [perm("100h", "30m")]}, "b": {"failures": [perm("6001m", "30m")]}}
    model = relsim.load({"name": "two", "horizon": "150h", "components": comps,
                         "services": {"web": {"replicas": ["a", "b"], "needs": 2}},
                         "alerts": {"down": {"above": "40%"}},
                         "teams": {"ops": dict(TEAM, owns=["a", "b"], size=2, unpaged="1h")}})
    res = simulate(model, 1, 0, trace=True)
    t0 = 100 * H
    assert [(s[0] - t0, s[2], s[4]) for s in steps(res) if s[1] == "engaged"] == [(300.0, "a", "page"),
                                                                                (3660.0, "b", "ticket")]
    (inc,) = res.incidents
    assert (inc.cause_element, inc.ack_s, inc.diagnose_s, inc.access_s) == ("a", 300.0, 600.0, 120.0)
    assert (inc.duration_s, inc.mitigate_s, inc.resolved_by) == (3660.0 + 2520.0, 3660.0 + 2520.0 - 1020.0, "humans")


def test_a_burn_rate_rule_takes_the_availability_objective_as_its_slo():
    # objectives.availability 99.9%, 14.4x over 1h/5m: the 1h mean crosses 1.44% 51.84 s in
    model = build(perm("100h", "30m"), objectives={"availability": "99.9%"},
                  alerts={"burn": {"burn_rate": [{"rate": 14.4, "long": "1h", "short": "5m"}]}})
    res = simulate(model, 1, 0)
    assert [p.t_s - 100 * H for p in res.pages] == pytest.approx([51.84], rel=1e-9)


def test_rules_on_one_signal_share_its_blips():
    # two rules on the entry service and one on 'web' by name: one series of blips per signal
    model = build(None, horizon="25h", noise={"blips": {"every": "fixed(10h)", "lasts": "fixed(4m)", "size": "10%"}},
                  alerts={"a": {"above": "5%"}, "b": {"above": "5%", "for": "1m"},
                          "c": {"above": "5%", "service": "web", "for": "2m"}})
    res = simulate(model, 1, 0, trace=True)
    blips = [(e["t"], e["signal"]) for e in res.trace if e["event"] == "noise_blip"]
    assert sorted(blips) == [(10 * H, "(entry)"), (10 * H, "web"), (20 * H, "(entry)"), (20 * H, "web")]
    assert [(p.t_s, p.alert, p.kind) for p in res.pages] == [
        (10 * H, "a", "false"), (10 * H + M, "b", "false"), (10 * H + 2 * M, "c", "false"),
        (20 * H, "a", "false"), (20 * H + M, "b", "false"), (20 * H + 2 * M, "c", "false")]


@pytest.mark.parametrize(("found", "factor"), [("7d", 1.0), ("604801s", 2.0)])
def test_logs_are_gone_for_a_fault_older_than_log_retention(found: str, factor: float):
    # a latent fault at 100 h found 7 days later: its age at the diagnosis is 7 days, not more than
    # log_retention (7d): logs kept; a second later they are gone (x2)
    latent = perm("100h", "30m", detect=f"fixed({found})")
    model = build(latent, horizon="400h", teams={"ops": dict(TEAM, unpaged="0s")}, observability={"log_retention": "7d"})
    res = simulate(model, 1, 0, trace=True)
    assert [e["factor"] for e in res.trace if e["event"] == "diagnosis_started"] == [factor]
    assert res.incidents[0].diagnose_s == 600.0 * factor


def test_business_hours_are_read_in_the_models_calendar():
    # model time 0 on a Saturday: 33 h is Sunday 09:00, after hours (30m), where it would be
    # Tuesday 09:00 (2m) from a Monday; the secondary, paged at Sunday 09:10, takes 25m (1m on a
    # Tuesday): 10m + 25m is not earlier than the primary's 30m
    team = dict(TEAM, ack={"business_hours": "2m", "after_hours": "30m"}, escalate_after="10m",
                secondary_ack={"business_hours": "1m", "after_hours": "25m"})
    for day, ack in (("monday", 2 * M), ("saturday", 30 * M)):
        model = build(perm("33h", "30m"), horizon="60h", start_day=day, alerts={"down": {"above": "50%"}},
                      teams={"ops": team})
        assert simulate(model, 1, 0).incidents[0].ack_s == ack, day


def test_only_the_elements_of_a_team_with_standing_access_make_human_errors():
    # ops (standing, human errors every 50 h) owns app; dev (standing, none) owns spare, listed first
    team = dict(TEAM, access="standing", human_error={"every": "fixed(50h)", "repair": "20m"})
    dev = dict(TEAM, owns=["spare"], access="standing")
    res = simulate(build(None, horizon="120h", alerts={"down": {"above": "50%"}},
                         teams={"dev": dev, "ops": team}), 1, 0, trace=True)
    assert [(x.cause_element, x.cause_kind, x.start_s) for x in res.incidents] == [
        ("app", "human_error", 50 * H), ("app", "human_error", 100 * H + 35 * M)]
    assert {e["element"] for e in res.trace if e["event"] == "failed"} == {"app"}


@pytest.mark.parametrize(("hold", "known_m"), [("2m", 12), ("7m", 22)])
def test_time_below_a_level_in_two_stretches_is_known_once_held(hold: str, known_m: int):
    # web needs a, b and c (s = up/3): a down 10:00-10:30, b 10:10-10:15, c 10:20-10:25: s = 1/3
    # (below 50%) in two stretches of 5 min. Held 2m: known at 10:12 and not moved by the second
    # stretch; held 7m: known 2 min into the second, at 10:22. The ack comes at 10:02
    comps = {"a": {"failures": [transient("10h", "30m")]}, "b": {"failures": [transient("610m", "5m")]},
             "c": {"failures": [transient("620m", "5m")]}}
    model = relsim.load({"name": "three", "horizon": "20h", "components": comps,
                         "services": {"web": {"replicas": ["a", "b", "c"], "needs": 3}},
                         "alerts": {"down": {"above": "30%"}},
                         "teams": {"ops": dict(TEAM, owns=["a"], ack={"business_hours": "2m", "after_hours": "2m"})},
                         "severity": {"sev1": {"success_below": "50%", "for": hold, "notify": "0s"}}})
    (inc,) = simulate(model, 1, 0).incidents
    assert (inc.duration_s, inc.severity, inc.notify_s) == (30 * M, "sev1", known_m * M)
    assert inc.min_success == pytest.approx(1 / 3)


def test_a_transient_outage_after_a_repaired_one_has_no_human_phases():
    # app: a transient failure every 50 h of up-time (10 min) and a permanent one every 100 h
    # (paused while the transient holds it down), engaged by a ticket at once (10m + 2m + 30m);
    # the repair renews app: the next transient comes 50 h after it, with no human phases
    model = relsim.load({"name": "two-modes", "horizon": "190h",
                         "components": {"app": {"failures": [perm("100h", "30m"), transient("50h", "10m")]}},
                         "services": {"web": {"replicas": ["app"]}},
                         "teams": {"ops": dict(TEAM, unpaged="0s")}})
    res = simulate(model, 1, 0)
    assert [(x.start_s, x.cause_kind, x.duration_s, x.resolved_by) for x in res.incidents] == [
        (50 * H, "transient", 10 * M, "automation"), (100 * H + 10 * M, "transient", 10 * M, "automation"),
        (100 * H + 20 * M, "permanent", 42 * M, "humans"), (151 * H + 2 * M, "transient", 10 * M, "automation")]
    assert [x.diagnose_s for x in res.incidents][2] == 600.0
    later = res.incidents[3]
    assert same((later.diagnose_s, later.access_s, later.mitigate_s), (NAN, NAN, NAN))


def test_an_access_granted_with_a_repair_of_no_length_resolves_it_by_humans():
    model = build(perm("100h", "0s"), alerts={"down": {"above": "50%"}}, teams={"ops": TEAM})
    (inc,) = simulate(model, 1, 0).incidents
    assert (inc.duration_s, inc.access_s, inc.mitigate_s, inc.resolved_by) == (17 * M, 120.0, 0.0, "humans")


def test_without_an_incidents_section_outages_are_never_merged():
    # down 5 min, up half a second, four times: four incidents
    spells = {"kind": "intermittent", "every": "fixed(100h)", "lasts": "fixed(1h)", "down": "fixed(5m)",
              "up": "fixed(500ms)"}
    res = simulate(build(spells, horizon="101h", alerts={"down": {"above": "50%"}}), 1, 0)
    assert len(res.incidents) > 4 and all(x.outages == 1 for x in res.incidents)
    assert res.incidents[1].start_s == 100 * H + 300.5
    # merge_within 1s joins them
    res = simulate(build(spells, horizon="101h", alerts={"down": {"above": "50%"}}, incidents={"merge_within": "1s"}),
                   1, 0)
    assert len(res.incidents) == 1 and res.incidents[0].outages > 4


def test_customers_are_told_only_after_an_acknowledgement():
    # no team: nobody acknowledges, so no status-page update however long the incident
    model = build(transient("10h", "30m"), horizon="15h", alerts={"down": {"above": "50%"}},
                  severity={"sev1": {"longer_than": "1m", "notify": "0s"}})
    (inc,) = simulate(model, 1, 0).incidents
    assert inc.severity == "sev1" and math.isnan(inc.notify_s) and math.isnan(inc.ack_s)


@pytest.mark.parametrize(("at", "phases"), [("149h", (NAN, NAN, NAN)),  # still diagnosing at the horizon
                                            ("8930m", (600.0, NAN, NAN))])  # waiting for access at it
def test_phases_under_way_at_the_horizon_are_nan(at: str, phases: tuple[float, ...]):
    # app fails at 149 h (or 148:50), engaged by a ticket at once; the diagnosis takes 1h (or 10m)
    # and access 2h (with 'at' 148:50: diagnosed at 149:00, waiting for access at 150 h)
    team = dict(TEAM, unpaged="0s", diagnose="1h" if at == "149h" else "10m", jit="2h")
    (inc,) = simulate(build(perm(at, "30m"), teams={"ops": team}), 1, 0).incidents
    assert inc.censored and inc.resolved_by == "automation"
    assert same((inc.diagnose_s, inc.access_s, inc.mitigate_s), phases)


def four_step(severity: dict[str, Any], ack: str = "2m") -> relsim.Model:
    # web needs a, b, c and d (s = up/4): a down 10:00-10:30, b 10:05-10:25, c 10:10-10:15:
    # s = 3/4, 1/2 from 10:05, 1/4 from 10:10, 1/2 from 10:15, 3/4 from 10:25, 1 at 10:30
    comps = {"a": {"failures": [transient("10h", "30m")]}, "b": {"failures": [transient("605m", "20m")]},
             "c": {"failures": [transient("610m", "5m")]}, "d": {"failures": []}}
    return relsim.load({"name": "four", "horizon": "20h", "components": comps,
                        "services": {"web": {"replicas": ["a", "b", "c", "d"], "needs": 4}},
                        "alerts": {"down": {"above": "20%"}},
                        "teams": {"ops": dict(TEAM, owns=["a"], ack={"business_hours": ack, "after_hours": ack})},
                        "severity": severity})


@pytest.mark.parametrize(("rule", "ack", "level", "notify_s"), [
    ({"success_below": "50%"}, "2m", "sev1", 600.0),  # exactly 1/2 is not below it: known at 10:10
    ({"success_below": "75%"}, "2m", "sev1", 300.0),  # 3/4 at the start is not below 75%: at 10:05
    ({"success_below": "50%", "for": "10m"}, "2m", "sev3", NAN),  # 5 min below 1/2, 15 at exactly 1/2
    ({"success_below": "80%", "for": "1s"}, "0s", "sev1", 1.0),  # below from the start: held at 10:00:01
    ({"success_below": "60%", "for": "1s"}, "0s", "sev1", 301.0),  # below from 10:05: held at 10:05:01
    ({"success_below": "20%"}, "2m", "sev3", NAN),  # never below 20%
    ({"success_below": "25%"}, "2m", "sev3", NAN),  # 1/4 exactly, never below
])
def test_success_below_at_its_edges(rule: dict[str, str], ack: str, level: str, notify_s: float):
    (inc,) = simulate(four_step({"sev1": dict(rule, notify="0s")}, ack), 1, 0).incidents
    assert (inc.duration_s, inc.min_success) == (30 * M, 0.25)
    assert inc.severity == level and same((inc.notify_s,), (notify_s,))


def test_a_hold_shorter_than_a_second_is_known_within_the_stretch():
    # b down for 800 ms at 10:10 (s = 0); below 10% held 500 ms: known at 10:10:00.5
    model = relsim.load({"name": "short", "horizon": "20h",
                         "components": {"a": {"failures": [transient("10h", "30m")]},
                                        "b": {"failures": [transient("610m", "800ms")]}},
                         "services": {"web": {"replicas": ["a", "b"], "needs": 2}},
                         "alerts": {"down": {"above": "40%"}},
                         "teams": {"ops": dict(TEAM, owns=["a"], ack={"business_hours": "2m", "after_hours": "2m"})},
                         "severity": {"sev1": {"success_below": "10%", "for": "500ms", "notify": "0s"}}})
    (inc,) = simulate(model, 1, 0).incidents
    assert inc.severity == "sev1" and inc.notify_s == pytest.approx(600.5, rel=1e-12)


@pytest.mark.parametrize("flapping", [True, False])
def test_a_dip_of_no_length_joining_an_incident_changes_nothing_but_its_pages(flapping: bool):
    # p flaps at 10:00 (down 5m, up 5m, down 5m: two outages, merged), or is down 10:00-10:15 once,
    # while its standby b is down (9:00-10:35); at 10:55 p fails for good and b takes over at once:
    # an outage of no length of the same cause 40 min after the incident ended. It reopens the
    # incident and closes it at once: the same outages and end; only its page is the incident's
    first = {"kind": "intermittent", "every": "fixed(10h)", "lasts": "fixed(15m)", "down": "fixed(5m)",
             "up": "fixed(5m)"} if flapping else transient("10h", "15m")
    model = relsim.load({"name": "dip", "horizon": "12h",
                         "components": {"p": {"failures": [first, perm("640m", "30m")]},
                                        "b": {"failures": [perm("9h", "95m")]}},
                         "services": {"web": {"replicas": ["p", "b"], "mode": "active-passive",
                                              "failover": {"time": "fixed(0s)"}}},
                         "alerts": {"down": {"above": "50%"}}, "incidents": {"merge_within": "1h"}})
    res = simulate(model, 1, 0, trace=True)
    (inc,) = res.incidents
    outages = 2 if flapping else 1
    assert (inc.start_s, inc.end_s, inc.duration_s, inc.outages, inc.pages) == (
        10 * H, 10.25 * H, 15 * M, outages, outages + 1)
    pages = [10 * H, 10 * H + 10 * M, 10 * H + 55 * M] if flapping else [10 * H, 10 * H + 55 * M]
    assert [(p.t_s, p.incident, p.kind) for p in res.pages] == [(t, 0, "incident") for t in pages]
    lines = [(10 * H, "incident_open"), (10 * H + 5 * M, "incident_closed"), (10 * H + 10 * M, "incident_reopened"),
             (10 * H + 15 * M, "incident_closed"), (10 * H + 55 * M, "incident_reopened")]
    assert [s[:2] for s in steps(res) if s[1].startswith("incident")] == (
        lines if flapping else [lines[0], lines[3], lines[4]])


def test_a_repair_requested_before_its_outage_starts_is_the_incidents():
    # the DNS provider (owned by ops) fails at 10 h; clients keep their cached answers (TTL 10m):
    # the request path falls below 99% 6 s later, an incident caused by dns whose response was
    # requested before it opened; the ticket (1h) engages ops: diagnosed at 11:10, access 11:12,
    # repaired 11:42, and the path is back above 99% 594 s later (99% of the TTL)
    model = relsim.load({"name": "dns-provider", "horizon": "20h",
                         "components": {"app": {"failures": []}}, "services": {"web": {"replicas": ["app"]}},
                         "dns": {"names": {"www": {"records": ["web"], "ttl": "10m"}},
                                 "provider": {"failures": [perm("10h", "30m")], "serve_stale": False}},
                         "workload": {"rate": "10/s", "target": "www"},
                         "teams": {"ops": dict(TEAM, owns=["dns"], unpaged="1h")}})
    res = simulate(model, 1, 0, trace=True)
    (inc,) = res.incidents
    assert (inc.start_s, inc.cause_element) == (pytest.approx(10 * H + 6.0, rel=1e-12), "dns")
    assert (inc.diagnose_s, inc.access_s, inc.resolved_by) == (600.0, 120.0, "humans")
    assert inc.end_s == pytest.approx(11.7 * H + 594.0, rel=1e-12)
    assert inc.mitigate_s == pytest.approx(inc.end_s - (11 * H + 12 * M), rel=1e-12)
    assert [s[:3] for s in steps(res) if s[1] in ("response_waiting", "incident_open")] == [
        (10 * H, "response_waiting", "dns"), (pytest.approx(10 * H + 6.0, rel=1e-12), "incident_open", 0)]


def test_a_merged_incident_loses_the_writes_of_each_of_its_outages():
    # p crashes for 30 s twice, 5 min apart (back before the 1m failover each time), and loses the
    # writes its WAL had not synced each time; the incident joining both loses both
    flap = {"kind": "intermittent", "every": "fixed(10h)", "lasts": "fixed(6m)", "down": "fixed(30s)",
            "up": "fixed(5m)"}
    model = relsim.load({"name": "db", "horizon": "20h",
                         "components": {"p": {"failures": [flap]}, "b": {"failures": []}},
                         "services": {"db": {"replicas": ["p", "b"], "mode": "active-passive",
                                             "failover": {"time": "fixed(1m)"},
                                             "data": {"writes": "100/s", "lag": "fixed(1s)",
                                                      "wal": {"fsync": "interval", "interval": "10s"}}}},
                         "alerts": {"down": {"above": "50%"}}, "incidents": {"merge_within": "10m"}})
    res = simulate(model, 1, 0)
    first, second = res.outages
    assert first.writes_lost > 0 and second.writes_lost > 0
    (inc,) = res.incidents
    assert (inc.outages, inc.writes_lost, inc.severity) == (2, first.writes_lost + second.writes_lost, "sev1")


def test_a_single_lost_write_is_a_lost_write():
    # a 1-minute failover losing writes of the last second (Poisson, mean 1 at 1 write/s): on the
    # first seed whose outage loses exactly one, the incident is sev1 by writes lost, told at its end
    raw = {"name": "db", "horizon": "20h",
           "components": {"p": {"failures": [perm("10h", "1h")]}, "b": {"failures": []}},
           "services": {"db": {"replicas": ["p", "b"], "mode": "active-passive", "failover": {"time": "fixed(1m)"},
                               "data": {"writes": "1/s", "lag": "fixed(1s)"}}},
           "alerts": {"down": {"above": "50%"}},
           "teams": {"ops": dict(TEAM, owns=["b"], ack={"business_hours": "10s", "after_hours": "10s"})},
           "severity": {"sev1": {"writes_lost": True, "notify": "0s"}, "sev2": {"longer_than": "10m"}}}
    model = relsim.load(raw)
    seed = next(s for s in range(1, 100) if simulate(model, s, 0).outages[0].writes_lost == 1)
    (inc,) = simulate(model, seed, 0).incidents
    assert (inc.writes_lost, inc.severity, inc.notify_s) == (1, "sev1", 60.0)
