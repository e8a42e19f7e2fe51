"""Alerting and incident response (docs/incidents.md): exact timelines and formulas within 4 SE.

Deterministic timelines use ``fixed(...)`` distributions and state the
times worked out by hand; statistical checks compare with closed forms
using the standard error (``|mean − exact| <= 4 se``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import relsim
from relsim.engine import simulate

H, M = 3600.0, 60.0
YEAR = 365 * 86400.0


def build(failure: dict[str, Any] | None = None, horizon: str = "30d", **extra: Any) -> relsim.Model:
    failures = [failure] if failure is not None else []
    return relsim.load({"name": "incidents", "horizon": horizon,
                        "components": {"app": {"failures": failures}, "spare": {"failures": []}},
                        "services": {"web": {"replicas": ["app"]}}, **extra})


def perm(every: str, repair: str) -> dict[str, Any]:
    return {"kind": "permanent", "every": every, "repair": repair}


TEAM = {"owns": ["app"], "ack": {"business_hours": "5m", "after_hours": "5m"}, "diagnose": "10m",
        "access": "jit", "jit": "2m"}


def events(res: Any, name: str) -> list[dict[str, Any]]:
    return [e for e in res.trace if e["event"] == name]


# -- exact timelines -----------------------------------------------------------------
def test_static_alert_on_a_step_outage_pages_after_for_plus_delay_and_mttr_adds_the_phases():
    # app fails at 100 h; the rule (error rate > 50% for 5m, seen 30 s late, evaluated
    # continuously) pages at 100 h + 5m30s; ack 5m, diagnosis 10m, JIT access 2m, repair 30m.
    model = build(perm("fixed(100h)", "fixed(30m)"), horizon="150h",
                  alerts={"down": {"above": "50%", "for": "5m", "delay": "30s"}}, teams={"ops": TEAM})
    res = simulate(model, 1, 0, trace=True)
    (inc,) = res.incidents
    page = 100 * H + 5.5 * M
    assert events(res, "page")[0]["t"] == pytest.approx(page)
    assert inc.detect_s == pytest.approx(5.5 * M)
    assert inc.ack_s == pytest.approx(5 * M)
    assert inc.diagnose_s == pytest.approx(10 * M)
    assert inc.access_s == pytest.approx(2 * M)
    assert inc.mitigate_s == pytest.approx(30 * M)
    assert inc.duration_s == pytest.approx((5.5 + 5 + 10 + 2 + 30) * M)
    assert inc.resolved_by == "humans" and inc.severity == "sev2" and inc.alerted
    assert events(res, "repair_started")[0]["t"] == pytest.approx(page + 17 * M)
    order = [e["event"] for e in res.trace if e["event"] in (
        "page", "ack", "engaged", "diagnosis_started", "diagnosed", "access_requested", "access_granted",
        "mitigation_started")]
    assert order == ["page", "ack", "engaged", "diagnosis_started", "diagnosed", "access_requested",
                     "access_granted", "mitigation_started"]


def test_without_teams_an_alert_only_measures_detection_and_repairs_are_unchanged():
    plain = build(perm("fixed(100h)", "fixed(30m)"), horizon="150h")
    alerted = build(perm("fixed(100h)", "fixed(30m)"), horizon="150h",
                    alerts={"down": {"above": "50%", "for": "5m"}})
    a, b = simulate(plain, 1, 0), simulate(alerted, 1, 0)
    assert a.outages == b.outages and a.incidents is None
    assert b.incidents[0].detect_s == pytest.approx(5 * M) and math.isnan(b.incidents[0].ack_s)


def test_a_short_outage_does_not_page_a_rule_that_needs_it_held_longer():
    model = build({"kind": "transient", "every": "fixed(10h)", "lasts": "fixed(4m)"}, horizon="25h",
                  alerts={"down": {"above": "50%", "for": "5m"}})
    res = simulate(model, 1, 0)
    assert len(res.incidents) == 2 and res.pages == []
    assert not any(x.alerted for x in res.incidents)


def test_a_transient_outage_still_pages_if_the_ingestion_delay_outlasts_the_gap():
    # held 4m > for 3m: fires at 10h + 3m + 2m (delay), after the outage ended at 10h4m: a late page
    model = build({"kind": "transient", "every": "fixed(10h)", "lasts": "fixed(4m)"}, horizon="15h",
                  alerts={"down": {"above": "50%", "for": "3m", "delay": "2m"}})
    res = simulate(model, 1, 0)
    (page,) = res.pages
    assert page.t_s == pytest.approx(10 * H + 5 * M) and page.kind == "incident"
    assert res.incidents[0].detect_s == pytest.approx(5 * M)


def test_burn_rate_alert_fires_when_the_long_window_mean_crosses_rate_times_budget():
    # slo 99.9%, 14.4x: threshold 1.44% of errors. A step to 100% errors at 100h: the 1h
    # mean crosses it after 0.0144 h = 51.84 s, the 5m mean after 4.32 s; both: 51.84 s, + 10 s delay.
    model = build(perm("fixed(100h)", "fixed(30m)"), horizon="110h",
                  alerts={"burn": {"burn_rate": [{"rate": 14.4, "long": "1h", "short": "5m"}],
                                   "slo": "99.9%", "delay": "10s"}})
    res = simulate(model, 1, 0)
    assert res.incidents[0].detect_s == pytest.approx(0.0144 * H + 10.0, rel=1e-9)
    assert len(res.pages) == 1


def test_burn_rate_slow_window_pair_and_resolution():
    # 6x over 6h and 30m: threshold 0.6%; the 6h mean crosses after 0.036 h = 129.6 s.
    model = build(perm("fixed(100h)", "fixed(30m)"), horizon="110h",
                  alerts={"burn": {"burn_rate": [{"rate": 6, "long": "6h", "short": "30m"}], "slo": "99.9%"}})
    res = simulate(model, 1, 0, trace=True)
    assert res.incidents[0].detect_s == pytest.approx(129.6, rel=1e-9)
    # after the 30m outage the 30m mean falls below 0.6% when the outage leaves it almost entirely:
    # at end + 30m − 0.006 × 30m = end + 29.82 min
    (resolved,) = events(res, "alert_resolved")
    assert resolved["t"] == pytest.approx(100 * H + 30 * M + 30 * M - 0.006 * 30 * M, rel=1e-9)


def test_escalation_to_the_secondary_after_the_timeout():
    # model time 0 is Monday 00:00; 100h is Friday 04:00 (after hours): the primary would take
    # 30m, escalation after 10m, the secondary acknowledges 5m later: ack at 15m.
    team = dict(TEAM, ack={"business_hours": "2m", "after_hours": "30m"}, escalate_after="10m",
                secondary_ack={"business_hours": "5m", "after_hours": "5m"})
    model = build(perm("fixed(100h)", "fixed(30m)"), horizon="150h",
                  alerts={"down": {"above": "50%"}}, teams={"ops": team})
    res = simulate(model, 1, 0, trace=True)
    inc = res.incidents[0]
    assert inc.ack_s == pytest.approx(15 * M) and inc.escalated
    assert events(res, "escalation")[0]["t"] == pytest.approx(100 * H + 10 * M)
    assert events(res, "ack")[0]["by"] == "secondary"


def test_business_hours_at_the_page_choose_the_ack_time():
    # 34h is Tuesday 10:00 (business hours): 2m
    team = dict(TEAM, ack={"business_hours": "2m", "after_hours": "30m"})
    model = build(perm("fixed(34h)", "fixed(30m)"), horizon="40h",
                  alerts={"down": {"above": "50%"}}, teams={"ops": team})
    assert simulate(model, 1, 0).incidents[0].ack_s == pytest.approx(2 * M)


def test_missing_observability_multiplies_the_diagnosis():
    model = build(perm("fixed(100h)", "fixed(30m)"), horizon="150h",
                  alerts={"down": {"above": "50%"}}, teams={"ops": TEAM},
                  observability={"elements": {"app": {"tracing": False, "logs": False}}})
    inc = simulate(model, 1, 0).incidents[0]
    assert inc.diagnose_s == pytest.approx(10 * M * 1.5 * 2.0)


def test_a_failure_nobody_is_paged_for_waits_for_the_unpaged_time():
    # no alert rule: the team picks the failure up after 'unpaged' (1h), then diagnoses and gets access
    model = build(perm("fixed(100h)", "fixed(30m)"), horizon="150h", teams={"ops": dict(TEAM, unpaged="1h")})
    res = simulate(model, 1, 0)
    inc = res.incidents[0]
    assert not inc.alerted and inc.duration_s == pytest.approx((60 + 10 + 2 + 30) * M)


def test_team_size_queues_diagnoses():
    # two owned elements fail at once (a domain would not do: they fail by their own clocks);
    # one person: the second diagnosis waits for the first to be done (10m + 2m access).
    model = relsim.load({
        "name": "two", "horizon": "150h",
        "components": {"a": {"failures": [perm("fixed(100h)", "fixed(30m)")]},
                       "b": {"failures": [perm("fixed(100h)", "fixed(30m)")]}},
        "services": {"web": {"replicas": ["a", "b"], "needs": 2}},
        "teams": {"ops": dict(TEAM, owns=["a", "b"], unpaged="0s")}})
    res = simulate(model, 1, 0, trace=True)
    starts = [e["t"] for e in events(res, "repair_started")]
    assert starts == pytest.approx([100 * H + 12 * M, 100 * H + 24 * M])


def test_severity_rules():
    sev = {"sev1": {"longer_than": "45m"}, "sev2": {"longer_than": "20m"}}
    model = build({"kind": "transient", "every": "fixed(10h)", "lasts": "fixed(30m)"}, horizon="25h",
                  alerts={"down": {"above": "50%"}}, severity=sev)
    assert [x.severity for x in simulate(model, 1, 0).incidents] == ["sev2", "sev2"]
    model = build({"kind": "transient", "every": "fixed(10h)", "lasts": "fixed(10m)"}, horizon="25h",
                  alerts={"down": {"above": "50%"}}, severity=sev)
    assert [x.severity for x in simulate(model, 1, 0).incidents] == ["sev3", "sev3"]


# -- formulas within 4 SE ------------------------------------------------------------
def test_evaluation_interval_adds_a_uniform_delay():
    # ticks every 1m at a random phase: detection = for + delay + U(0, 1m); mean 5m + 30s + 30s
    model = build(perm("exponential(mean=100h)", "fixed(30m)"), horizon="1y",
                  alerts={"down": {"above": "50%", "for": "5m", "delay": "30s", "interval": "1m"}})
    res = relsim.run(model, runs=20, seed=3)
    inc = res.incidents()
    assert inc["detect_s"].between(5.5 * M - 1e-6, 6.5 * M + 1e-6).all()
    row = res.summary().loc["alert_mttd"]
    assert abs(row["mean"] - 6 * M) <= 4 * row["se"]


def test_false_pages_of_a_poisson_background():
    # blips every exp(mean=6h) lasting exp(mean=2m): a rule held 3m pages on a blip with
    # probability exp(-3/2); the background of false pages is a Poisson process of rate
    # (1/6h) exp(-1.5) (overlapping blips, 0.5 % of them, are neglected).
    model = build(None, horizon="1y", noise={"blips": {"every": "exponential(mean=6h)",
                                                       "lasts": "exponential(mean=2m)", "size": "10%"}},
                  alerts={"noisy": {"above": "5%", "for": "3m"}})
    res = relsim.run(model, runs=20, seed=5)
    row = res.summary().loc["false_pages_per_year"]
    exact = YEAR / (6 * H) * math.exp(-1.5)
    assert abs(row["mean"] - exact) <= 4 * row["se"]
    assert res.summary().loc["alert_precision", "mean"] == 0.0
    assert (res.pages()["kind"] == "false").all()


def test_business_hours_mixture_of_ack_times():
    # failures at exponential times are uniform over the week: a page falls in business
    # hours (Mon-Fri 09:00-17:00) with probability 40/168; mtta = 2m p + 20m (1 − p).
    team = dict(TEAM, ack={"business_hours": "2m", "after_hours": "20m"}, diagnose="0s", access="standing")
    model = build(perm("exponential(mean=30h)", "fixed(10m)"), horizon="1y",
                  alerts={"down": {"above": "50%"}}, teams={"ops": team})
    res = relsim.run(model, runs=20, seed=7)
    p = 40 / 168
    row = res.summary().loc["mtta"]
    assert abs(row["mean"] - (2 * M * p + 20 * M * (1 - p))) <= 4 * row["se"]
    # and MTTR = ack + repair, the same mixture shifted by the repair
    mttr = res.summary().loc["mttr"]
    assert abs(mttr["mean"] - (2 * M * p + 20 * M * (1 - p) + 10 * M)) <= 4 * mttr["se"]


# -- what stays the same, and bad input ----------------------------------------------
def test_alerts_do_not_change_the_replication_without_teams():
    base = relsim.load("models/web-three-zones.yaml")
    raw = dict(base.raw, alerts={"any": {"above": "0%", "for": "1m"}},
               noise={"blips": {"every": "exponential(mean=1d)", "lasts": "exponential(mean=1m)", "size": "1%"}})
    a = relsim.run(base, runs=5, seed=1, horizon="30d")
    b = relsim.run(relsim.load(raw), runs=5, seed=1, horizon="30d")
    assert np.array_equal(a.runs["downtime_per_year"], b.runs["downtime_per_year"])
    assert np.array_equal(a.runs["failures_per_year"], b.runs["failures_per_year"])


@pytest.mark.parametrize(("extra", "message"), [
    ({"alerts": {"x": {"above": "1%", "burn_rate": [{"rate": 2, "long": "1h", "short": "5m"}], "slo": "99%"}}},
     "exactly one of"),
    ({"alerts": {"x": {"above": "1%", "service": "wbe"}}}, "unknown service 'wbe'"),
    ({"alerts": {"x": {"above": "1%", "team": "nobody"}}}, "unknown team 'nobody'"),
    ({"alerts": {"x": {"burn_rate": [{"rate": 2, "long": "1h", "short": "5m"}]}}}, "needs an slo"),
    ({"teams": {"ops": dict(TEAM, owns=["ap"])}}, "unknown element 'ap'"),
    ({"teams": {"ops": TEAM, "dev": TEAM}}, "already owned by team 'ops'"),
    ({"alerts": {"x": {"burn_rate": [{"rate": 2, "long": "5m", "short": "1h"}], "slo": "99%"}}},
     "short must not be longer"),
])
def test_bad_input_names_the_field(extra: dict[str, Any], message: str):
    text = "name: bad\ncomponents:\n  app: {failures: []}\nservices:\n  web: {replicas: [app]}\n"
    import yaml

    text += yaml.safe_dump(extra, sort_keys=False)
    with pytest.raises(relsim.ModelError, match=message) as info:
        relsim.loads(text, source="bad.yaml")
    assert "bad.yaml:" in str(info.value)


# -- post-incident reports and the audit trail ----------------------------------------
def _write(tmp_path: Any, model: relsim.Model) -> str:
    import yaml

    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(model.raw, sort_keys=False))
    return str(path)


def test_relsim_incidents_writes_a_post_incident_report(tmp_path: Any, capsys: Any):
    from relsim.cli import main

    team = dict(TEAM, ack={"business_hours": "2m", "after_hours": "30m"}, escalate_after="10m")
    model = build(perm("fixed(100h)", "fixed(30m)"), horizon="150h",
                  alerts={"down": {"above": "50%", "for": "5m"}}, teams={"ops": team},
                  observability={"elements": {"app": {"tracing": False}}})
    path = _write(tmp_path, model)
    assert main(["incidents", path, "--seed", "1"]) == 0
    text = capsys.readouterr().out
    # 5m detect + 15m ack (escalated) + 15m diagnosis + 2m access + 30m repair = 67m > 1h: sev1
    assert "## Incident 1: SEV1: app permanent failure" in text
    assert "| escalation |" in text and "| access_granted |" in text
    # 10m diagnosis without tracing takes 15m: 5m of it is the action item
    assert "Give app tracing: diagnosis would have been 5 min shorter." in text
    assert "would have cut detection by 4 min" in text
    out = tmp_path / "r.html"
    assert main(["incidents", path, "--format", "html", "--out", str(out)]) == 0
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<h2>Incident 1: SEV1" in html


def test_relsim_incidents_refuses_a_model_without_alerts_or_teams(capsys: Any):
    from relsim.cli import main

    assert main(["incidents", "models/single-host.yaml"]) == 2
    assert "need an 'alerts:' or a 'teams:' section" in capsys.readouterr().err


def test_every_response_step_is_a_json_line_of_relsim_trace(tmp_path: Any, capsys: Any):
    import json

    from relsim.cli import main

    model = build(perm("fixed(100h)", "fixed(30m)"), horizon="150h",
                  alerts={"down": {"above": "50%"}}, teams={"ops": dict(TEAM, escalate_after="1m")})
    assert main(["trace", _write(tmp_path, model)]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    names = [x["event"] for x in lines]
    for step in ("page", "escalation", "ack", "engaged", "diagnosis_started", "diagnosed", "access_requested",
                 "access_granted", "mitigation_started", "incident_open", "incident_closed"):
        assert step in names, step
    assert all(x["team"] == "ops" for x in lines if x["event"] in ("page", "ack", "engaged", "diagnosed"))


def test_a_page_on_an_internal_failure_the_redundancy_hid_is_real_not_false():
    # 'inner' fails at 100 h behind a redundant front (active-active, needs 1 of 2): the rule on
    # 'inner' pages after 1m while the entry stays up: kind 'real', not an incident nor a false page.
    model = relsim.load({
        "name": "internal", "horizon": "150h",
        "components": {"a": {"failures": [perm("fixed(100h)", "fixed(30m)")]}, "b": {"failures": []},
                       "c": {"failures": []}},
        "services": {"inner": {"replicas": ["a"]}, "other": {"replicas": ["c"]},
                     "front": {"replicas": ["inner", "other"], "mode": "active-active", "needs": 1}},
        "entry": "front",
        "alerts": {"inner-down": {"above": "50%", "service": "inner", "for": "1m"}}})
    res = simulate(model, 1, 0)
    assert res.incidents == []
    (page,) = res.pages
    assert page.kind == "real" and page.t_s == pytest.approx(100 * H + M)
    summary = relsim.run(model, runs=2, seed=1).summary()
    assert summary.loc["false_pages_per_year", "mean"] == 0.0
    assert summary.loc["alert_precision", "mean"] == 1.0


def test_per_severity_means_split_the_overall_ones():
    sev = {"sev1": {"longer_than": "45m"}, "sev2": {"longer_than": "20m"}}
    team = dict(TEAM, ack={"business_hours": "2m", "after_hours": "20m"}, diagnose="0s", access="standing")
    model = build(perm("exponential(mean=50h)", "fixed(10m)"), horizon="1y",
                  alerts={"down": {"above": "50%", "for": "1m"}}, teams={"ops": team}, severity=sev)
    res = relsim.run(model, runs=4, seed=2)
    s, inc = res.summary(), res.incidents()
    # business-hours incidents last 1 + 2 + 10 = 13 min (sev3), after hours 1 + 20 + 10 = 31 min (sev2)
    assert set(inc["severity"]) == {"sev2", "sev3"}
    assert s.loc["mttr_sev3", "mean"] == pytest.approx(13 * M) and s.loc["mttr_sev2", "mean"] == pytest.approx(31 * M)
    assert s.loc["mtta_sev3", "mean"] == pytest.approx(2 * M) and s.loc["mtta_sev2", "mean"] == pytest.approx(20 * M)
    assert s.loc["alert_mttd_sev2", "mean"] == pytest.approx(M)
    n = len(inc)
    assert s.loc["mttr", "mean"] == pytest.approx(inc["duration_s"].sum() / n)


def test_requests_failed_during_an_incident_with_a_workload():
    # 10 requests/s, no retries: the outage at 10 h (30 min) fails 18,000 requests; the next,
    # at 20.5 h (the clock runs while up), is cut by the horizon 15 min in: 9,000.
    model = build({"kind": "transient", "every": "fixed(10h)", "lasts": "fixed(30m)"}, horizon="1245m",
                  alerts={"down": {"above": "50%"}}, workload={"rate": "10/s"})
    res = simulate(model, 1, 0)
    assert [x.requests_failed for x in res.incidents] == pytest.approx([18000.0, 9000.0])
    assert res.incidents[-1].censored
    assert sum(x.requests_failed for x in res.incidents) == pytest.approx(res.requests["failed"])


def test_standing_access_adds_human_errors_to_what_the_team_owns():
    # standing access: no JIT wait, but a human error every 50 h of up-time of 'app', undone in 20m
    # once acknowledged (5m) and diagnosed (10m): incidents of 35 min at 50 h and 100h35m.
    team = dict(TEAM, access="standing", human_error={"every": "fixed(50h)", "repair": "20m"})
    model = build(None, horizon="120h", alerts={"down": {"above": "50%"}}, teams={"ops": team})
    res = simulate(model, 1, 0)
    assert [x.cause_kind for x in res.incidents] == ["human_error", "human_error"]
    assert [x.start_s for x in res.incidents] == pytest.approx([50 * H, 100 * H + 35 * M])
    assert [x.duration_s for x in res.incidents] == pytest.approx([35 * M, 35 * M])
    assert res.failures_by_kind == {"human_error": 2}
    # with just-in-time access the same team makes none (the key is ignored: one file sweeps access)
    jit = build(None, horizon="120h", alerts={"down": {"above": "50%"}}, teams={"ops": dict(team, access="jit")})
    assert simulate(jit, 1, 0).incidents == []


def test_status_page_update_once_acknowledged_and_known_to_be_severe():
    # 30 min outages; paged at once, acknowledged after 2m. sev1 (longer than 20m) notifies
    # customers 5m after the ack but not before the incident is 20m old: at 20m. A sev2
    # rule on request success below 50% (held 0) is known at once: notified at 2m + 5m.
    team = dict(TEAM, ack={"business_hours": "2m", "after_hours": "2m"})
    model = build({"kind": "transient", "every": "fixed(10h)", "lasts": "fixed(30m)"}, horizon="25h",
                  alerts={"down": {"above": "50%"}}, teams={"ops": team},
                  severity={"sev1": {"longer_than": "20m", "notify": "5m"}})
    res = simulate(model, 1, 0)
    assert [x.notify_s for x in res.incidents] == pytest.approx([20 * M, 20 * M])
    assert relsim.run(model, runs=2, seed=1)["mttn"] == pytest.approx(20 * M)
    model = build({"kind": "transient", "every": "fixed(10h)", "lasts": "fixed(30m)"}, horizon="25h",
                  alerts={"down": {"above": "50%"}}, teams={"ops": team}, workload={"rate": "10/s"},
                  severity={"sev1": {"longer_than": "2h"}, "sev2": {"success_below": "50%", "notify": "5m"}})
    res = simulate(model, 1, 0)
    assert [x.severity for x in res.incidents] == ["sev2", "sev2"]
    assert [x.notify_s for x in res.incidents] == pytest.approx([7 * M, 7 * M])


def test_log_retention_and_correlated_failures_slow_the_diagnosis():
    # a latent fault found 10 days after it happened, logs kept 7 days: diagnosed as without logs (x2)
    latent = {"kind": "permanent", "every": "fixed(100h)", "repair": "fixed(30m)", "detect": "fixed(10d)"}
    model = build(latent, horizon="400h", teams={"ops": dict(TEAM, unpaged="0s")},
                  observability={"log_retention": "7d"})
    assert simulate(model, 1, 0).incidents[0].diagnose_s == pytest.approx(20 * M)
    model = build(latent, horizon="400h", teams={"ops": dict(TEAM, unpaged="0s")},
                  observability={"log_retention": "11d"})
    assert simulate(model, 1, 0).incidents[0].diagnose_s == pytest.approx(10 * M)
    # two elements down together: each diagnosis takes 'correlated' times longer
    model = relsim.load({
        "name": "two", "horizon": "150h",
        "components": {"a": {"failures": [perm("fixed(100h)", "fixed(30m)")]},
                       "b": {"failures": [perm("fixed(100h)", "fixed(30m)")]}},
        "services": {"web": {"replicas": ["a", "b"], "needs": 2}},
        "teams": {"ops": dict(TEAM, owns=["a", "b"], unpaged="0s", size=2)},
        "observability": {"correlated": 1.5}})
    res = simulate(model, 1, 0, trace=True)
    assert [e["factor"] for e in events(res, "diagnosis_started")] == [1.5, 1.5]


def test_mttr_is_the_sum_of_the_mean_phases_with_random_durations():
    # detection for 2m + delay 30s; ack exp(mean 4m) (every hour alike); diagnosis lognormal
    # mean 12m; JIT exp(mean 3m); repair exp(mean 25m): MTTR = 2.5 + 4 + 12 + 3 + 25 = 46.5 min.
    team = dict(TEAM, ack={"business_hours": "exponential(mean=4m)", "after_hours": "exponential(mean=4m)"},
                diagnose="lognormal(mean=12m, sd=6m)", jit="exponential(mean=3m)")
    model = build(perm("exponential(mean=200h)", "exponential(mean=25m)"), horizon="1y",
                  alerts={"down": {"above": "50%", "for": "2m", "delay": "30s"}}, teams={"ops": team})
    s = relsim.run(model, runs=30, seed=11).summary()
    for name, exact in (("mttr", 46.5 * M), ("mtta", 4 * M), ("alert_mttd", 2.5 * M)):
        row = s.loc[name]
        assert abs(row["mean"] - exact) <= 4 * row["se"] + 1e-9, (name, row["mean"], row["se"])


def test_a_threshold_on_errors_per_second_pages_at_peak_hours_on_background_errors():
    # 100 requests/s, half the rate from 00:00 to 12:00 and 1.5x from 12:00 to 24:00; a
    # background of 1% errors is 0.5 errors/s at night, 1.5/s by day: 'errors_above: 1/s' held
    # 5m pages every day at 12:05 (and resolves at midnight); the same on the error rate never does.
    profile = [0.5] * 12 + [1.5] * 12
    model = build(None, horizon="10d", workload={"rate": "100/s", "profile": profile},
                  noise={"background": "1%"},
                  alerts={"count": {"errors_above": "1/s", "for": "5m"}, "rate": {"above": "1.2%", "for": "5m"}})
    res = simulate(model, 1, 0)
    assert [p.t_s for p in res.pages] == pytest.approx([d * 86400 + 12 * H + 5 * M for d in range(10)])
    assert {p.alert for p in res.pages} == {"count"} and all(p.kind == "false" for p in res.pages)
    with pytest.raises(relsim.ModelError, match="errors_above counts errors per second"):
        build(None, alerts={"count": {"errors_above": "1/s"}})


def test_a_dynamic_baseline_learns_each_hour_of_the_day_outages_included():
    # 100 requests/s, 1% background: 1 error/s. Baseline: 3x the same hour's mean over the last day.
    rule = {"above_baseline": 3, "baseline_days": 1, "for": "5m"}
    extra = {"workload": {"rate": "100/s"}, "noise": {"background": "1%"}, "alerts": {"learnt": rule}}
    # a 30 min outage at 29 h (day 1, 05:00): the baseline of 05:00 is 1/s, 100/s is above 3/s: paged at 29h05
    model = build({"kind": "transient", "every": "fixed(29h)", "lasts": "fixed(30m)"}, horizon="40h", **extra)
    res = simulate(model, 1, 0)
    assert [p.t_s for p in res.pages] == pytest.approx([29 * H + 5 * M])
    # outages every day at 23:30: the first has no baseline yet (no page), and each day's 23:00 hour
    # learns the last outage (mean 0.5 x 1 + 0.5 x 100 = 50.5/s, threshold 151.5/s): never paged
    model = build({"kind": "transient", "every": "fixed(23.5h)", "lasts": "fixed(30m)"}, horizon="4d", **extra)
    res = simulate(model, 1, 0)
    assert len(res.incidents) == 4 and res.pages == []


def test_a_flapping_failure_is_one_incident_with_merge_within():
    # an intermittent episode of 1h: down 5m, up 10m: outages at 0, 15, 30 and 45 min after 100 h
    flap = {"kind": "intermittent", "every": "fixed(100h)", "lasts": "fixed(1h)", "down": "fixed(5m)",
            "up": "fixed(10m)"}
    alone = simulate(build(flap, horizon="150h", alerts={"down": {"above": "50%"}}), 1, 0)
    assert len(alone.incidents) == 4 and len(alone.outages) == 4
    merged = simulate(build(flap, horizon="150h", alerts={"down": {"above": "50%"}},
                            incidents={"merge_within": "15m"}), 1, 0)
    (inc,) = merged.incidents
    assert inc.outages == 4 and inc.start_s == pytest.approx(100 * H)
    assert inc.duration_s == pytest.approx(50 * M) and inc.pages == 4


def test_compare_gives_paired_differences_of_the_incident_ratios():
    # the same failures and pages (common random numbers); only the diagnosis doubles without
    # tracing (factor 2): every incident lasts exactly 10 min longer, so mttr differs by 600 s.
    base = build(perm("exponential(mean=100h)", "fixed(30m)"), horizon="90d",
                 alerts={"down": {"above": "50%"}}, teams={"ops": TEAM},
                 observability={"slower_without": {"tracing": 2.0}})
    slower = base.with_overrides({"observability.default.tracing": False})
    diff = relsim.compare({"tracing": base, "none": slower}, runs=5, seed=1).differences().set_index("metric")
    assert diff.loc["mttr", "mean"] == pytest.approx(600.0)
    assert diff.loc["mttr", "significant"]


def test_run_out_keeps_incidents_and_pages(tmp_path: Any):
    model = build(perm("exponential(mean=50h)", "fixed(30m)"), horizon="30d",
                  alerts={"down": {"above": "50%", "for": "1m"}}, teams={"ops": TEAM})
    kept = relsim.run(model, runs=4, seed=2, out=tmp_path / "out")
    fresh = relsim.run(model, runs=4, seed=2)
    loaded = relsim.Results.load(tmp_path / "out")
    assert len(fresh.incidents()) > 0
    assert kept.incidents().equals(fresh.incidents()) and loaded.incidents().equals(fresh.incidents())
    assert loaded.pages().equals(fresh.pages())
