"""The schedule section: maintenance, chaos experiments, drills (docs/changes.md, "Scheduled events").

Exact event timelines and exact formulas (within 4 standard errors):

- a weekly maintenance of a single component costs exactly lasts per week;
- rolling maintenance of n replicas with needs < n and drain loses no
  request; without drain each target costs λ·(1/n)·E[min(D, lasts)]
  (the health-check formula, docs/traffic.md);
- a chaos experiment on one replica of a 1-of-2 service causes an outage
  only if the other replica is down or fails during it;
- a failover drill's promotion succeeds with success·decay^months.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm

import relsim
from relsim.attribution import downtime_by
from relsim.engine import OUTAGE_FIELDS, simulate
from relsim.engine.planned import PLANNED_KINDS
from relsim.errors import ModelError
from relsim.metrics import replication_metrics
from relsim.model import loads
from relsim.traffic_formulas import lb_failure_loss
from relsim.units import YEAR

HOUR, DAY, WEEK = 3600.0, 86400.0, 7 * 86400.0


def _outages(res):
    return [dict(zip(OUTAGE_FIELDS, o)) for o in res.outages]


WEEKLY = """
name: weekly
horizon: {horizon}
components:
  db: {{failures: []}}
services:
  app: {{mode: active-active, replicas: [db]}}
schedule:
  patch:
    kind: maintenance
    cron: "0 2 * * SUN"
    targets: db
    lasts: 1h
"""


def test_weekly_maintenance_of_a_single_component_costs_lasts_per_week_exactly():
    model = loads(WEEKLY.format(horizon="10w"))
    res = simulate(model, seed=1, replication=0, trace=True)
    outs = _outages(res)
    # Sundays 02:00 of a horizon starting Monday 00:00: day 6 + 7k
    assert [o["start_s"] for o in outs] == [6 * DAY + 2 * HOUR + k * WEEK for k in range(10)]
    assert all(o["duration_s"] == HOUR and o["planned"] and o["cause_kind"] == "maintenance"
               and o["cause_element"] == "db" for o in outs)
    row = replication_metrics(res)
    assert row["availability"] == pytest.approx(1 - HOUR / WEEK, rel=1e-12)
    assert row["unplanned_availability"] == 1.0
    assert row["planned_downtime_per_year"] == pytest.approx(YEAR / WEEK * HOUR, rel=1e-12)  # 52.14 h
    events = [e["event"] for e in res.trace]
    assert events.count("maintenance_start") == 10 and events.count("restored") == 10


def test_start_day_moves_the_cron_maintenance():
    model = loads(WEEKLY.format(horizon="2w") + "start_day: sunday\n")
    outs = _outages(simulate(model, seed=1, replication=0))
    assert [o["start_s"] for o in outs] == [2 * HOUR, 2 * HOUR + WEEK]


ROLLING = """
name: rolling
horizon: 4w
components:
  web: {{count: 3, failures: []}}
services:
  site: {{mode: active-active, replicas: [web], needs: 2}}
load_balancers:
  lb:
    service: site
    health_check: {{interval: 10s, unhealthy: 3, healthy: 2, timeout: 2s}}
workload: {{rate: 100/s, target: lb}}
schedule:
  roll:
    kind: maintenance
    every: 7d
    targets: site
    one_at_a_time: true
    pause: 5m
    lasts: {lasts}
    drain: {drain}
"""


def test_rolling_maintenance_with_drain_loses_nothing_when_capacity_suffices():
    model = loads(ROLLING.format(lasts="30m", drain="true"))
    for rep in range(3):
        res = simulate(model, seed=2, replication=rep, trace=True)
        assert res.outages == []
        assert res.requests["failed"] == 0.0
        ev = [e for e in res.trace if e["event"] in ("drained", "stopped", "restored", "lb_in")]
        assert [e["event"] for e in ev[:4]] == ["drained", "stopped", "restored", "lb_in"]
        assert sum(e["event"] == "stopped" for e in res.trace) == 3 * 3  # 3 weeks x 3 replicas


@pytest.mark.parametrize("lasts", ["30m", "25s"])
def test_rolling_maintenance_without_drain_fails_the_health_check_formula(lasts):
    model = loads(ROLLING.format(lasts=lasts, drain="false"))
    L = 1800.0 if lasts == "30m" else 25.0  # 25 s: between a = 22 s and a + I = 32 s
    per_target = lb_failure_loss(100.0, 1 / 3, 10.0, 3, 2.0, L)
    failed = np.array([simulate(model, seed=3, replication=r).requests["failed"] for r in range(40)])
    expected = 3 * 3 * per_target  # 3 weeks, 3 targets each
    se = failed.std(ddof=1) / math.sqrt(len(failed))
    assert se > 0
    assert abs(failed.mean() - expected) <= 4 * se, (failed.mean(), expected, se)


def test_rolling_maintenance_of_an_active_passive_pair_hands_over_with_drain():
    text = """
name: ap
horizon: 2w
components:
  db: {count: 2, failures: []}
services:
  store: {mode: active-passive, replicas: [db], failover: {time: fixed(30s)}}
schedule:
  patch: {kind: maintenance, every: 7d, start: 1d, targets: store, one_at_a_time: true, pause: 10m,
          lasts: 1h, drain: DRAIN, switchover: fixed(5s)}
"""
    drained = simulate(loads(text.replace("DRAIN", "true")), seed=1, replication=0)
    assert [(o["duration_s"], o["planned"], o["needed_failover"]) for o in _outages(drained)] == \
        [(5.0, True, False)] * 4
    assert drained.failovers == 0
    undrained = simulate(loads(text.replace("DRAIN", "false")), seed=1, replication=0)
    # each batch takes the primary away (the first batch db-1, the second db-2, primary since
    # the first): an (instant-detection) failover of 30 s each, two a week
    assert [o["duration_s"] for o in _outages(undrained)] == [30.0] * 4
    assert undrained.failovers == 4
    assert all(o["planned"] and o["cause_kind"] == "maintenance" for o in _outages(undrained))


def test_window_delays_a_batch_to_the_next_window():
    text = """
name: windowed
horizon: 2w
components:
  a: {failures: []}
  b: {failures: []}
services:
  s: {mode: active-active, replicas: [a, b], needs: 2}
schedule:
  w: {kind: maintenance, at: 0s, targets: [a, b], one_at_a_time: true, lasts: 1h,
      window: "Tue-Thu 10:00-16:00"}
"""
    outs = _outages(simulate(loads(text), seed=1, replication=0))
    assert [o["start_s"] for o in outs] == [DAY + 10 * HOUR, DAY + 11 * HOUR]


CHAOS = """
name: chaos
horizon: 4y
components:
  a: {failures: []}
  b: {failures: [{kind: permanent, every: exp(mean=10d), repair: exp(mean=1d)}]}
services:
  s: {mode: active-active, replicas: [a, b]}
schedule:
  monkey: {kind: fail, every: 7d, fail: a, for: 10m}
"""


def test_chaos_on_one_replica_of_a_pair_causes_an_outage_only_if_the_other_is_down():
    model = loads(CHAOS)
    lam, mu, tau = 1 / (10 * DAY), 1 / DAY, 600.0
    times = [7 * DAY * k for k in range(1, int(model.horizon // (7 * DAY)) + 1) if 7 * DAY * k < model.horizon]
    # b is a two-state Markov chain started up: P(down at t) = q (1 − exp(−(λ+μ)t))
    q = lam / (lam + mu)
    p = [q * (1 - math.exp(-(lam + mu) * t)) for t in times]
    expected = sum(pd + (1 - pd) * (1 - math.exp(-lam * tau)) for pd in p)
    counts = []
    for rep in range(30):
        res = simulate(model, seed=4, replication=rep)
        outs = _outages(res)
        counts.append(len(outs))
        for o in outs:  # a never fails by itself: every outage is in a chaos window
            k = o["start_s"] / (7 * DAY)
            assert o["start_s"] - 7 * DAY * math.floor(k + 1e-9) < tau + 1e-6
    counts = np.array(counts, dtype=float)
    se = counts.std(ddof=1) / math.sqrt(len(counts))
    assert abs(counts.mean() - expected) <= 4 * se, (counts.mean(), expected, se)


def test_chaos_steady_state_skips_and_counts():
    text = CHAOS.replace("for: 10m}", "for: 10m, steady_state: [b]}")
    res = simulate(loads(text), seed=4, replication=0, trace=True)
    skipped = [e for e in res.trace if e["event"] == "chaos_skipped"]
    ran = [e for e in res.trace if e["event"] == "chaos_start"]
    assert skipped and ran and res.planned["chaos_skipped"] == len(skipped) and res.planned["chaos"] == len(ran)
    # b was up at every experiment that ran: an outage needs b to fail within the 10 minutes
    row = replication_metrics(res)
    assert row["chaos_skipped_per_year"] == pytest.approx(len(skipped) * YEAR / res.horizon)


DRILL = """
name: drill
horizon: 10y
components:
  db: {count: 2, failures: []}
services:
  store:
    mode: active-passive
    replicas: [db]
    failover: {time: fixed(1m), success: 0.98, success_decay: 0.9}
schedule:
  game-day: {kind: drill, service: store, every: 3M, lasts: 30m}
"""


def test_drill_success_decays_per_month_since_the_last_exercise():
    model = loads(DRILL.replace("3M", f"{YEAR / 4}s"))
    drills = failed = 0
    for rep in range(20):
        res = simulate(model, seed=5, replication=rep)
        drills += res.planned["drills"]
        failed += res.planned["drills_failed"]
    p = 1 - 0.98 * 0.9 ** 3  # three months since the last drill
    se = math.sqrt(p * (1 - p) / drills)
    assert drills == 20 * 39
    assert abs(failed / drills - p) <= 4 * se, (failed / drills, p, se)


def test_drill_trace_and_planned_outage():
    model = loads(DRILL.replace("3M", "30d").replace("0.98", "1.0"))
    res = simulate(model, seed=5, replication=0, horizon=31 * DAY, trace=True)
    start = next(e for e in res.trace if e["event"] == "drill_start")
    assert start["t"] == 30 * DAY and start["success"] == pytest.approx(0.9 ** (30 * DAY / (YEAR / 12)))
    end = next(e for e in res.trace if e["event"] == "drill_end")
    assert end["t"] == 30 * DAY + 1800 and end["failed_over"] and end["primary"] == "db-2"
    (o,) = _outages(res)
    assert o["planned"] and o["cause_kind"] == "drill" and o["duration_s"] == 60.0 and o["needed_failover"]


def test_planned_counts_false_judges_the_objective_on_unplanned_availability():
    text = WEEKLY.format(horizon="4w") + "objectives: {availability: 0.999, planned_counts: false}\n"
    out = relsim.run(loads(text), runs=3, seed=1).objectives_met()
    assert out["availability"]["measure"] == "unplanned_availability"
    counted = relsim.run(loads(WEEKLY.format(horizon="4w") + "objectives: {availability: 0.999}\n"),
                         runs=3, seed=1).objectives_met()
    assert counted["availability"]["measure"] == "availability" and counted["availability"]["verdict"] == "not met"
    # slo_met over 7-day windows: each holds one hour of maintenance (99.4 %, below 99.9 %)
    slo = "objectives: {availability: 0.999, slo_window: 7d, planned_counts: PC}\n"
    for pc, met in (("false", 1.0), ("true", 0.0)):
        res = simulate(loads(WEEKLY.format(horizon="4w") + slo.replace("PC", pc)), seed=1, replication=0)
        assert replication_metrics(res, loads(WEEKLY.format(horizon="4w") + slo.replace("PC", pc))
                                   .spec.objectives)["slo_met"] == met


def test_models_without_schedule_report_no_planned_metrics():
    model = loads("name: x\ncomponents: {a: {failures: []}}\nservices: {s: {mode: active-active, replicas: [a]}}\n")
    res = simulate(model, seed=1, replication=0)
    assert res.planned is None
    assert "unplanned_availability" not in replication_metrics(res)


def test_planned_kinds():
    assert {"maintenance", "chaos", "drill", "preventive", "inspection"} == set(PLANNED_KINDS)


@pytest.mark.parametrize("entry, message", [
    ("{kind: fail, every: 7d, fail: nope, for: 10m}", "unknown element 'nope'"),
    ("{kind: maintenance, every: 7d, targets: [a, zz], lasts: 1h}", "unknown target 'zz'"),
    ("{kind: drill, every: 7d, service: s}", "not an active-passive service"),
    ("{kind: maintenance, every: 7d, at: 1d, targets: a, lasts: 1h}", "exactly one of at, every or cron"),
    ("{kind: reboot, every: 7d}", "kind"),
    ("{kind: maintenance, every: 7d, targets: a, lasts: 1h, window: 'Mon 25:00-26:00'}", "time of day"),
    ("{kind: maintenance, every: 7d, targets: a, lasts: 1h, batch: 2, one_at_a_time: true}", "one_at_a_time"),
])
def test_bad_schedule_entries_are_reported_with_their_line(entry, message):
    text = ("name: x\ncomponents: {a: {failures: []}}\nservices: {s: {mode: active-active, replicas: [a]}}\n"
            f"schedule:\n  e: {entry}\n")
    with pytest.raises(ModelError, match=message) as info:
        loads(text, source="m.yaml")
    assert "m.yaml:5" in str(info.value)


def test_short_periods_over_long_horizons_are_estimated_not_listed():
    from relsim.model.estimate import events_per_replication

    text = ("name: x\nhorizon: 100y\ncomponents: {a: {failures: []}}\n"
            "services: {s: {mode: active-active, replicas: [a]}}\n"
            "schedule:\n  e: {kind: fail, every: 1s, fail: a, for: 1s}\n"
            "  c: {kind: fail, cron: '* * * * *', fail: a, for: 1s}\n")
    model = loads(text)
    # 3.15e9 occurrences of the first, 5.3e7 of the second: counted, not listed
    assert 1e10 < events_per_replication(model) < 1e11


def test_fixed_every_occurrences_are_those_of_the_spec():
    from relsim.engine.schedule import occurrences
    from relsim.engine.simulation import Simulation

    model = loads(WEEKLY.format(horizon="5w").replace('cron: "0 2 * * SUN"', "every: 7d\n    start: 1h\n    count: 3"))
    sim = Simulation(model, 1, 0)
    when = model.spec.schedule["patch"]
    assert list(occurrences(sim, when, "k")) == list(when.fixed_times(model.horizon)) == \
        [HOUR, HOUR + WEEK, HOUR + 2 * WEEK]


def test_chaos_on_a_domain_takes_down_what_it_contains():
    text = """
name: dom
horizon: 10d
domains:
  zone: {kind: zone}
components:
  a: {in: zone, failures: []}
services:
  s: {mode: active-active, replicas: [a]}
schedule:
  zone-out: {kind: fail, at: [1d, 2d], fail: zone, for: fixed(1h)}
"""
    res = simulate(loads(text), seed=1, replication=0, trace=True)
    assert [(o["start_s"], o["duration_s"], o["cause_element"], o["cause_kind"], o["planned"])
            for o in _outages(res)] == [(DAY, HOUR, "zone", "chaos", True), (2 * DAY, HOUR, "zone", "chaos", True)]
    assert res.failures == 0  # an experiment is not a failure
    assert [e["event"] for e in res.trace if e["event"].startswith("chaos")] == ["chaos_start", "chaos_end"] * 2


def test_reliability_growth_stretches_each_next_up_time_exactly():
    text = """
name: growth
horizon: 200d
components:
  a: {failures: [{kind: transient, every: fixed(10d), lasts: fixed(1h), growth: 0.5}]}
services:
  s: {mode: active-active, replicas: [a]}
"""
    outs = _outages(simulate(loads(text), seed=1, replication=0))
    # up-times 10 d, 20 d, 40 d, 80 d (each fix halves the rate), an hour down between them
    starts, t = [], 0.0
    for k in range(4):
        t += 10 * DAY * 2 ** k
        starts.append(t)
        t += HOUR
    assert [o["start_s"] for o in outs] == starts


def test_reliability_growth_expected_failures_match_the_pure_birth_process():
    """Exponential up-times with rate λ·g^k after k fixes: the failure count is a pure birth process
    (repairs of 1 s are negligible within the bound: their total is under a minute)."""
    text = """
name: growth
horizon: 1y
components:
  a: {failures: [{kind: permanent, every: exp(mean=30d), repair: fixed(1s), growth: 0.7}]}
services:
  s: {mode: active-active, replicas: [a]}
"""
    model = loads(text)
    lam, g, H = 1 / (30 * DAY), 0.7, float(model.horizon)
    # the pure birth chain N(t), truncated where further failures within H are negligible
    n = 40
    Q = np.zeros((n, n))
    for k in range(n - 1):
        Q[k, k], Q[k, k + 1] = -lam * g ** k, lam * g ** k
    p = expm(Q * H)[0]
    expected = float(np.arange(n) @ p)
    counts = np.array([simulate(model, seed=6, replication=r).failures for r in range(300)], dtype=float)
    se = counts.std(ddof=1) / math.sqrt(len(counts))
    assert abs(counts.mean() - expected) <= 4 * se, (counts.mean(), expected, se)


def test_attribution_names_the_planned_kinds():
    # a fails too (every 20 d, down ~1 d): about 3.4 outages a year of the two failures overlapping,
    # ~68 in the run (52 with this seed), so none at all has a chance of about e^-68
    results = relsim.run(loads(CHAOS.replace("horizon: 4y", "horizon: 1y").replace(
        "schedule:\n", "schedule:\n  patch: {kind: maintenance, every: 30d, targets: [a, b], lasts: 10m}\n").replace(
        "a: {failures: []}", "a: {failures: [{kind: permanent, every: exp(mean=20d), repair: exp(mean=1d)}]}")),
        runs=20, seed=1)
    kinds = downtime_by(results, by="kind")
    assert {"maintenance", "chaos", "permanent"} <= set(kinds["cause"])
    split = downtime_by(results, by="planned").set_index("cause")
    planned = results.outages.loc[results.outages["planned"], "duration_s"].sum()
    assert set(split.index) == {"planned", "unplanned"}
    per_year = YEAR / results.horizon
    assert split.loc["planned", "downtime_per_year"] == pytest.approx(planned * per_year / len(results.runs))
    assert results.summary().loc["planned_downtime_per_year", "mean"] == \
        pytest.approx(split.loc["planned", "downtime_per_year"])


@pytest.mark.parametrize("renew, fails_at", [(False, 10 * DAY + HOUR), (True, 7 * DAY + HOUR + 10 * DAY)])
def test_maintenance_pauses_the_clocks_or_renews_them(renew, fails_at):
    text = f"""
name: renew
horizon: 12w
components:
  a: {{failures: [{{kind: transient, every: fixed(10d), lasts: fixed(1m)}}]}}
services:
  s: {{mode: active-active, replicas: [a]}}
schedule:
  overhaul: {{kind: maintenance, at: 7d, targets: a, lasts: 1h, renew: {str(renew).lower()}}}
"""
    outs = _outages(simulate(loads(text), seed=1, replication=0))
    # the maintenance at 7 d, then the first failure: 3 d of the clock were left when it paused
    assert [(o["start_s"], o["cause_kind"]) for o in outs[:2]] == [(7 * DAY, "maintenance"), (fails_at, "transient")]


@pytest.mark.parametrize("extra", [
    "services: oops\n",
    "schedule:\n  e: {kind: fail, every: 7d, fail: a, for: 1m, steady_state: 3}\n",
    "schedule:\n  e: {kind: maintenance, every: 7d, targets: {a: 1}, lasts: 1m}\n",
    "schedule: [1, 2]\n",
    "schedule:\n  e: 5\n",
])
def test_malformed_schedules_are_problems_not_crashes(extra):
    base = "name: x\ncomponents: {a: {failures: []}}\n"
    text = base + ("services: {s: {mode: active-active, replicas: [a]}}\n" if "services" not in extra else "")
    text += extra
    if "schedule" not in extra:
        text += "schedule:\n  e: {kind: drill, every: 7d, service: s}\n"
    with pytest.raises(ModelError):
        loads(text, source="m.yaml")


def test_a_real_failover_meets_the_decayed_success():
    text = """
name: decay
horizon: 201d
components:
  db-1: {failures: [{kind: permanent, every: fixed(200d), repair: fixed(1h)}]}
  db-2: {failures: []}
services:
  store:
    mode: active-passive
    replicas: [db-1, db-2]
    failover: {time: fixed(1m), success: 0.98, success_decay: 0.9}
"""
    model = loads(text)
    failed = np.array([simulate(model, seed=7, replication=r).failed_failovers for r in range(400)], dtype=float)
    p = 1 - 0.98 * 0.9 ** (200 * DAY / (YEAR / 12))  # 6.6 months since t = 0: 0.49
    se = math.sqrt(p * (1 - p) / len(failed))
    assert abs(failed.mean() - p) <= 4 * se, (failed.mean(), p, se)


def test_a_schedule_leaves_other_elements_failure_histories_unchanged():
    base = """
name: crn
horizon: 1y
components:
  a: {failures: [{kind: permanent, every: exp(mean=20d), repair: exp(mean=5h)}]}
  b: {failures: [{kind: transient, every: exp(mean=9d), lasts: exp(mean=1h)}]}
  c: {failures: []}
services:
  s: {mode: active-active, replicas: [a, b, c], needs: 2}
"""
    chaos = base + "schedule:\n  monkey: {kind: fail, every: exp(mean=5d), fail: c, for: exp(mean=20m)}\n"

    def history(text):
        res = simulate(loads(text), seed=8, replication=3, trace=True)
        return [(e["t"], e["element"]) for e in res.trace if e["event"] == "failed" and e["element"] != "c"]

    plain = history(base)
    assert plain and history(chaos) == plain  # only c's own stream and the schedule's are new
    beyond = base + "schedule:\n  later: {kind: maintenance, at: 2y, targets: [a], lasts: 1h}\n"
    r0, r1 = simulate(loads(base), seed=8, replication=3), simulate(loads(beyond), seed=8, replication=3)
    assert r0.outages == r1.outages and r0.downtime == r1.downtime


def test_drained_maintenance_of_a_database_pair_loses_rate_times_switchover_requests():
    text = """
name: shop
horizon: 15d
components:
  web: {count: 2, failures: []}
  db: {count: 2, failures: []}
services:
  site: {mode: active-active, replicas: [web], depends_on: [store]}
  store: {mode: active-passive, replicas: [db], failover: {time: fixed(1m)}}
load_balancers:
  lb: {service: site, health_check: {interval: 10s, unhealthy: 3, healthy: 2, timeout: 2s}}
workload: {rate: 10/s, target: lb}
schedule:
  patch: {kind: maintenance, every: 7d, targets: [web, store], one_at_a_time: true, lasts: 20m,
          drain: true, switchover: fixed(30s)}
"""
    res = simulate(loads(text), seed=1, replication=0)
    # at 7 d and 14 d: two web servers drained (nothing lost: the second waits until the first is
    # back in rotation), two database switchovers of 30 s
    assert res.requests["failed"] == pytest.approx(2 * 2 * 10 * 30.0, rel=1e-9)
    assert [o["duration_s"] for o in _outages(res)] == [30.0] * 4
