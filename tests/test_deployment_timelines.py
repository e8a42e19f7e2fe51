"""Deployment timelines worked out by hand (relsim.engine.deployments).

The rollback trigger's error window: the steps of e(t) it keeps (a step at
the same time replaces the last, an unchanged rate adds none), the average
A(t) over the last window cut at each step, and the crossing time of the
threshold, walked across the window's breakpoints (a peak below the
threshold never crosses; a threshold of 0 is the smallest positive one).
Whole replications with fixed times: releases due while a bad one is live
are merged, a bad change still live at the horizon is counted up to it
(time, failed requests, corrupted writes), two streams overlapping on one
service count their union once and sum their tallies, and configuration
changes' tallies are kept apart. Each random draw (rollback, manual catch,
trigger delay, kill switch, crashes, restarts, drift phase, and the uniforms
deciding bad, flagged and gated) comes from its own stream
"deploy/<entry>/<what>" (Streams(seed, replication)); two entries share none.
"""

from __future__ import annotations

from typing import Any

import pytest
from shared_models import quorum_across_a_cut

from relsim.engine import simulate
from relsim.engine.deployments import ErrorWindow
from relsim.model import from_dict

LAM = 10.0  # requests per second
TALLIES = ("releases", "bad", "rollbacks", "gate_catches", "flag_kills", "merged", "corrupted")


def model(deployments: dict[str, dict[str, Any]], horizon: str = "3h", **extra: Any) -> Any:
    raw: dict[str, Any] = {
        "name": "deploy", "horizon": horizon, "components": {"web": {"count": 2, "failures": []}},
        "services": {"api": {"replicas": "web"}},
        "deployments": {name: {"services": "api", **d} for name, d in deployments.items()},
        "workload": {"rate": f"{LAM}/s"},
    }
    raw.update(extra)
    return from_dict(raw)


def tallies(**kw: float) -> dict[str, float]:
    return {key: kw.get(key, 0.0) for key in TALLIES}


def test_the_window_keeps_one_step_per_change_of_the_error_rate():
    w = ErrorWindow(100.0, 0.2)
    assert w.steps == []
    w.set(10.0, 0.5)
    w.set(10.0, 0.4)  # the same time: replaces the step
    assert w.steps == [(10.0, 0.4)]
    w.set(20.0, 0.4)  # the same rate: no new step
    assert w.steps == [(10.0, 0.4)]
    w.set(30.0, 0.1)
    assert w.steps == [(10.0, 0.4), (30.0, 0.1)]


@pytest.mark.parametrize("t, average", [
    (5.0, 0.0),  # before the first step: 0
    (30.0, 0.08),  # 0.4 · 20 / 100
    (50.0, 0.1),  # (0.4 · 20 + 0.1 · 20) / 100
    (70.0, 0.12),
    (110.0, 0.16),  # the whole first step in the window: (0.4 · 20 + 0.1 · 80) / 100
    (120.0, 0.13),  # from 20: (0.4 · 10 + 0.1 · 90) / 100
    (200.0, 0.1),  # the first step out of the window
])
def test_the_average_over_the_window_cuts_each_step(t, average):
    w = ErrorWindow(100.0, 0.2)
    w.set(10.0, 0.4)
    w.set(30.0, 0.1)
    assert w.average(t) == pytest.approx(average, abs=1e-15)


@pytest.mark.parametrize("threshold, crossing", [
    (0.2, None),  # A peaks at 0.16 (t = 110) and falls back: never
    (0.16, 110.0),  # reached exactly at the peak
    (0.12, 70.0),  # 30 + (0.12 − 0.08) · 80 / (0.16 − 0.08)
    (0.08, 30.0),  # already there
])
def test_the_crossing_walks_to_the_first_time_the_average_reaches_the_threshold(threshold, crossing):
    w = ErrorWindow(100.0, threshold)
    w.set(10.0, 0.4)
    w.set(30.0, 0.1)
    got = w.crossing(30.0)
    assert got == (None if crossing is None else pytest.approx(crossing))


def test_the_crossing_in_a_later_segment_of_the_average():
    # e = 0.1 from 0, 0.3 from 50, W = 100, θ = 0.25: A(100) = 0.2, A(150) = 0.3:
    # the crossing is 100 + (0.25 − 0.2) · 50 / 0.1 = 125
    w = ErrorWindow(100.0, 0.25)
    w.set(0.0, 0.1)
    w.set(50.0, 0.3)
    assert w.crossing(50.0) == pytest.approx(125.0)
    assert w.average(125.0) == pytest.approx(0.25)
    assert w.crossing(125.0) == 125.0


def test_a_threshold_of_zero_fires_at_the_first_failed_request():
    w = ErrorWindow(300.0, 0.0)
    assert w.threshold == 1e-12
    assert w.crossing(0.0) is None  # nothing failed yet
    w.set(60.0, 0.5)
    # A(t) = 0.5 (t − 60) / 300 reaches 1e-12 after 6e-10 s
    assert w.crossing(60.0) == pytest.approx(60.0 + 6e-10, abs=1e-15)
    assert w.crossing(60.0) > 60.0


# whole replications ------------------------------------------------------------------------

def test_releases_due_while_a_bad_one_is_live_are_merged_and_the_last_runs_to_the_horizon():
    # every 30 min from 30 min; the first (bad) is caught by hand 1 h later and rolled back in
    # 10 min (1800 → 6000 s): those due at 3600 and 5400 s are merged; the one due at 7200 s is
    # bad and still live at the 3 h horizon (its manual rollback due then): 4200 + 3600 s bad
    res = simulate(model({"rel": {"every": "fixed(30m)", "bad": "100%",
                                  "rollback": {"takes": "10m", "manual": "1h"}}}), 1, 0, trace=True)
    seq = [(e["t"], e["event"], e.get("n", e.get("due"))) for e in records(res)
           if e["event"] in ("release", "change_caught", "rolled_back", "release_merged")]
    assert [e for e in records(res) if e["event"] == "release_merged"] == [
        {"t": 6000.0, "event": "release_merged", "deployment": "rel", "due": due} for due in (3600.0, 5400.0)]
    assert seq == [(1800.0, "release", 1), (5400.0, "change_caught", 1), (6000.0, "rolled_back", 1),
                   (6000.0, "release_merged", 3600.0), (6000.0, "release_merged", 5400.0),
                   (7200.0, "release", 2)]
    assert res.changes == {"bad_time": 7800.0, "failed_requests": LAM * 7800.0,
                           **tallies(releases=2.0, bad=2.0, rollbacks=1.0, merged=2.0)}


def test_a_corrupting_version_live_at_the_horizon_is_counted_up_to_it():
    # 10 % of 5 writes/s from 1 h to the 3 h horizon (the manual rollback would come at 11 h)
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "effect": {"corrupts": "10%"},
                                  "rollback": {"takes": "10m", "manual": "10h"}}},
                         services={"api": {"replicas": "web", "data": {"writes": "5/s"}}}), 1, 0)
    assert res.changes == {"bad_time": 7200.0, "failed_requests": 0.0,
                           **tallies(releases=1.0, bad=1.0, corrupted=0.1 * 5 * 7200.0)}


def test_two_streams_overlapping_count_their_union_once_and_sum_their_tallies():
    # a: bad 3600 → 7800 s, b: bad 5400 → 9600 s (each caught 1 h in, 10 min to roll back);
    # each fails every request: 6000 s of failures, one outage caused by a
    rollback = {"takes": "10m", "manual": "1h"}
    res = simulate(model({"a": {"at": "1h", "bad": "100%", "rollback": rollback},
                          "b": {"at": "90m", "bad": "100%", "rollback": rollback}}), 1, 0)
    assert res.changes == {"bad_time": 6000.0, "failed_requests": LAM * 6000.0,
                           **tallies(releases=2.0, bad=2.0, rollbacks=2.0)}
    assert res.requests["failed"] == LAM * 6000.0
    assert [(o.start_s, o.duration_s, o.cause_element) for o in res.outages] == [(3600.0, 6000.0, "a")]


def test_configuration_changes_keep_their_own_tallies():
    # a bad config change at 1 h found by the drift check (a uniform phase of the hour), rolled
    # back in 1 min; a good release at 2 h
    res = simulate(model({"cfg": {"at": "1h", "bad": "100%", "change": "config", "drift": "1h",
                                  "rollback": {"takes": "1m"}},
                          "rel": {"at": "2h", "bad": "0%", "rollback": {"takes": "1m"}}}), 1, 0, trace=True)
    (caught,) = [e for e in res.trace if e["event"] == "change_caught"]
    assert caught["by"] == "drift" and 3600.0 < caught["t"] < 7200.0
    bad = caught["t"] + 60.0 - 3600.0
    assert res.changes == {"bad_time": pytest.approx(bad), "failed_requests": pytest.approx(LAM * bad),
                           **{"config_" + k: v for k, v in tallies(releases=1.0, bad=1.0, rollbacks=1.0).items()},
                           **tallies(releases=1.0)}


def trace(res: Any, *names: str) -> list[tuple[Any, ...]]:
    return [(e["t"], e["event"], e.get("stage", e.get("before", e.get("by"))), e.get("passed"))
            for e in res.trace if e["event"] in names]


EVENTS = ("rollout", "gate", "rolled_out", "change_caught", "rollback", "rolled_back", "canary_pulled")


def test_a_good_canary_passes_a_gate_after_each_bake_and_is_promoted():
    # steps 10 % and 50 %, each baking 10 min, then a 1 min gate: promoted at 3600 + 2 · 660 s
    res = simulate(model({"rel": {"at": "1h", "bad": "0%", "strategy": "canary", "steps": ["10%", "50%"],
                                  "bake": "10m", "gate": {"catches": "100%", "takes": "1m"}}},
                         components={"web": {"count": 4, "failures": []}}), 1, 0, trace=True)
    assert trace(res, *EVENTS) == [
        (3600.0, "rollout", "canary 0.1", None), (4260.0, "gate", "step 2", True),
        (4260.0, "rollout", "canary 0.5", None), (4920.0, "gate", "full", True),
        (4920.0, "rollout", "promoted", None), (4920.0, "rolled_out", None, None)]
    assert res.changes == {"bad_time": 0.0, "failed_requests": 0.0, **tallies(releases=1.0)}


def test_a_gate_before_the_second_batch_rolls_the_first_back():
    # four instances one at a time, 10 min apart; the gate (1 min) before batch 2 catches the bad
    # version at 4260 s; the rollback takes 5 min: a quarter of the requests fail for 960 s
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "strategy": "rolling", "batch": 1, "pause": "10m",
                                  "gate": {"catches": "100%", "takes": "1m"}, "rollback": {"takes": "5m"}}},
                         components={"web": {"count": 4, "failures": []}}), 1, 0, trace=True)
    assert trace(res, *EVENTS) == [
        (3600.0, "rollout", "batch 1/4", None), (4260.0, "gate", "batch 2", False),
        (4260.0, "change_caught", "gate", None), (4260.0, "rollback", "gate", None),
        (4560.0, "rolled_back", None, None)]
    assert res.changes == {"bad_time": 960.0, "failed_requests": pytest.approx(LAM * 0.25 * 960.0),
                           **tallies(releases=1.0, bad=1.0, rollbacks=1.0, gate_catches=1.0)}


def test_a_rolling_release_whose_first_batch_crashes_is_rolled_back_by_the_share_down():
    # batch 1 of 2 updates web-1 and web-2 at 1 h; both crash 10 min later: 2 of 4 instances
    # down, the average over 1 min reaches 25 % after 30 s (4230 s), the rollback (5 min) brings
    # them back; the second batch, due at 5400 s, never comes
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "strategy": "rolling", "batch": 2, "pause": "30m",
                                  "effect": {"crashes": "10m"},
                                  "rollback": {"takes": "5m", "trigger": {"threshold": "25%", "window": "1m"}}}},
                         components={"web": {"count": 4, "failures": []}}), 1, 0, trace=True)
    seq = [(e["t"], e["event"], e.get("element", e.get("stage", e.get("error_rate")))) for e in res.trace
           if e["event"] in ("rollout", "failed", "rollback_alert", "restored", "rolled_back")]
    assert seq == [(3600.0, "rollout", "batch 1/2"), (4200.0, "failed", "web-1"), (4200.0, "failed", "web-2"),
                   (4230.0, "rollback_alert", 0.25), (4530.0, "restored", "web-1"),
                   (4530.0, "restored", "web-2"), (4530.0, "rolled_back", None)]
    assert [e for e in records(res) if e["event"] == "restored"] == [
        {"t": 4530.0, "event": "restored", "element": f"web-{i}", "deployment": "rel"} for i in (1, 2)]
    assert res.changes == {"bad_time": 930.0, "failed_requests": 0.0,  # two instances left serve all
                           **tallies(releases=1.0, bad=1.0, rollbacks=1.0)}


def records(res: Any) -> list[dict[str, Any]]:
    """Every trace record a deployment writes (element records included), in order."""
    return [e for e in res.trace if "deployment" in e]


def approx_records(expected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Floats compared to 1e-14 relative (a crossing time is computed), the rest exactly."""
    return [{k: pytest.approx(v, rel=1e-14, abs=1e-15) if isinstance(v, float) else v for k, v in e.items()}
            for e in expected]


def test_the_trace_of_a_release_rolled_back_by_the_trigger_field_by_field():
    # f = 100 %, threshold 1 % over 5 min: crossed after 3 s; the rollback starts 1 min later
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "rollback": {
        "takes": "5m", "trigger": {"threshold": "1%", "window": "5m", "delay": "1m"}}}}), 1, 0, trace=True)
    d = {"deployment": "rel", "n": 1}
    assert records(res) == approx_records([
        {"t": 3600.0, "event": "release", "strategy": "all-at-once", "flagged": False, **d, "bad": True},
        {"t": 3600.0, "event": "rollout", **d, "stage": "all"},
        {"t": 3600.0, "event": "rolled_out", **d},
        {"t": 3603.0, "event": "rollback_alert", **d, "error_rate": 0.01},
        {"t": 3663.0, "event": "change_caught", **d, "by": "trigger"},
        {"t": 3663.0, "event": "rollback", **d, "by": "trigger", "takes": 300.0, "switch_back": False},
        {"t": 3963.0, "event": "rolled_back", **d}])


def test_the_trace_of_a_flag_killed_at_once_field_by_field():
    # threshold 0: the trigger fires as soon as a request fails (after 1.5e-9 s); the kill
    # switch takes 2 min: 20 % of the requests fail for 120 s
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "flag": {"share": "100%", "exposure": "20%",
                                                                      "kill": "2m"},
                                  "rollback": {"takes": "10m", "trigger": {"threshold": 0, "window": "5m"}}}}),
                   1, 0, trace=True)
    d = {"deployment": "rel", "n": 1}
    t = 3600.0 + 1e-12 * 300.0 / 0.2
    assert records(res) == approx_records([
        {"t": 3600.0, "event": "release", "strategy": "all-at-once", "flagged": True, **d, "bad": True},
        {"t": 3600.0, "event": "rollout", **d, "stage": "all"},
        {"t": 3600.0, "event": "rolled_out", **d},
        {"t": 3600.0, "event": "flag_on", **d, "exposure": 0.2},
        {"t": t, "event": "rollback_alert", **d, "error_rate": 1e-12},
        {"t": t, "event": "change_caught", **d, "by": "trigger"},
        {"t": t, "event": "flag_kill", **d, "takes": 120.0},
        {"t": t + 120.0, "event": "flag_off", **d}])
    assert res.changes == pytest.approx({"bad_time": 120.0, "failed_requests": LAM * 0.2 * 120.0,
                                         **tallies(releases=1.0, bad=1.0, flag_kills=1.0)})


def test_a_restart_counts_only_its_own_failed_requests():
    # a good release restarting both instances (both needed) for 30 s at 1 h: λ · 30 failed; the
    # failure of web at 2 h (10 min) is not the release's
    res = simulate(model({"rel": {"at": "1h", "restart": "30s"}},
                         components={"web": {"count": 2, "failures": [
                             {"kind": "transient", "every": "fixed(2h)", "lasts": "fixed(10m)"}]}},
                         services={"api": {"replicas": "web", "needs": 2}}), 1, 0, trace=True)
    d = {"deployment": "rel"}
    assert records(res) == [
        {"t": 3600.0, "event": "release", "strategy": "all-at-once", "flagged": False, **d, "n": 1, "bad": False},
        {"t": 3600.0, "event": "rollout", **d, "n": 1, "stage": "all"},
        {"t": 3600.0, "event": "stopped", "element": "web-1", **d},
        {"t": 3600.0, "event": "stopped", "element": "web-2", **d},
        {"t": 3600.0, "event": "rolled_out", **d, "n": 1},
        {"t": 3630.0, "event": "restored", "element": "web-1", **d},
        {"t": 3630.0, "event": "restored", "element": "web-2", **d}]
    assert res.changes == {"bad_time": 0.0, "failed_requests": LAM * 30.0, **tallies(releases=1.0)}
    assert res.requests["failed"] == pytest.approx(LAM * (30.0 + 600.0))


def test_the_trace_of_a_blue_green_release_switched_back_by_hand():
    # traffic moves 30 s after the release; caught by hand 10 min after it first served; the old
    # environment is kept (no keep): the switch back takes the same 30 s
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "strategy": "blue-green", "switch": "30s",
                                  "rollback": {"takes": "20m", "manual": "10m"}}}), 1, 0, trace=True)
    d = {"deployment": "rel", "n": 1}
    assert records(res) == [
        {"t": 3600.0, "event": "release", "strategy": "blue-green", "flagged": False, **d, "bad": True},
        {"t": 3630.0, "event": "switch", **d},
        {"t": 3630.0, "event": "rollout", **d, "stage": "all"},
        {"t": 3630.0, "event": "rolled_out", **d},
        {"t": 4230.0, "event": "change_caught", **d, "by": "manual"},
        {"t": 4230.0, "event": "rollback", **d, "by": "manual", "takes": 30.0, "switch_back": True},
        {"t": 4260.0, "event": "rolled_back", **d}]
    assert res.changes == {"bad_time": 630.0, "failed_requests": LAM * 630.0,
                           **tallies(releases=1.0, bad=1.0, rollbacks=1.0)}


def test_each_rollback_and_each_flag_kill_is_counted():
    # two streams releasing every hour (3600 and 7200 s before the 3 h horizon), every release bad:
    # rel caught by hand after 10 min and rolled back in 10 min (1200 s each, every request
    # failing); flag behind a flag at 10 %, caught after 5 min, killed at once (inside rel's spells)
    res = simulate(model({"rel": {"every": "fixed(1h)", "bad": "100%", "rollback": {"takes": "10m", "manual": "10m"}},
                          "flag": {"every": "fixed(1h)", "bad": "100%",
                                   "flag": {"share": "100%", "exposure": "10%", "kill": "0s"},
                                   "rollback": {"takes": "10m", "manual": "5m"}}}), 1, 0)
    assert res.changes == {"bad_time": 2400.0, "failed_requests": LAM * 2400.0,
                           **tallies(releases=4.0, bad=4.0, rollbacks=2.0, flag_kills=2.0)}


def test_the_trace_of_a_canary_pulled_when_its_bake_ends_during_the_rollback():
    # 10 % canary baking 20 min: the 1 % threshold over 10 min is crossed after 60 s; the rollback
    # takes 30 min (to 5460 s) but the bake ends at 4800 s: the canary leaves rotation then
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "strategy": "canary", "share": "10%", "bake": "20m",
                                  "rollback": {"takes": "30m", "trigger": {"threshold": "1%", "window": "10m"}}}}),
                   1, 0, trace=True)
    d = {"deployment": "rel", "n": 1}
    assert records(res) == approx_records([
        {"t": 3600.0, "event": "release", "strategy": "canary", "flagged": False, **d, "bad": True},
        {"t": 3600.0, "event": "rollout", **d, "stage": "canary 0.1"},
        {"t": 3660.0, "event": "rollback_alert", **d, "error_rate": 0.01},
        {"t": 3660.0, "event": "change_caught", **d, "by": "trigger"},
        {"t": 3660.0, "event": "rollback", **d, "by": "trigger", "takes": 1800.0, "switch_back": False},
        {"t": 4800.0, "event": "canary_pulled", **d},
        {"t": 5460.0, "event": "rolled_back", **d}])
    assert res.changes == pytest.approx({"bad_time": 1860.0, "failed_requests": LAM * 0.1 * 1200.0,
                                         **tallies(releases=1.0, bad=1.0, rollbacks=1.0)})


def test_the_trace_of_a_release_waiting_for_its_window_and_caught_by_the_gate_before_deploy():
    # due at 01:00 of day 0 (a weekday), outside the 02:00-03:00 window: waits to 2 h; the gate (10 min)
    # catches it before any instance serves it: nothing to roll back. A good config change at 2 h.
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "window": "Mon-Fri 02:00-03:00",
                                  "gate": {"catches": "100%", "takes": "10m"}},
                          "cfg": {"at": "2h", "bad": "0%", "change": "config", "rollback": {"takes": "1m"}}},
                         horizon="4h"), 1, 0, trace=True)
    rel, cfg = {"deployment": "rel", "n": 1}, {"deployment": "cfg", "n": 1}
    assert records(res) == [
        {"t": 3600.0, "event": "release_waits", "deployment": "rel", "until": 7200.0},
        {"t": 7200.0, "event": "config_change", **cfg, "bad": False},
        {"t": 7200.0, "event": "rollout", **cfg, "stage": "all"},
        {"t": 7200.0, "event": "rolled_out", **cfg},
        {"t": 7200.0, "event": "release", "strategy": "all-at-once", "flagged": False, **rel, "bad": True},
        {"t": 7800.0, "event": "gate", **rel, "before": "deploy", "passed": False},
        {"t": 7800.0, "event": "change_caught", **rel, "by": "gate"}]
    assert res.changes == {"bad_time": 0.0, "failed_requests": 0.0,
                           **tallies(releases=1.0, bad=1.0, gate_catches=1.0),
                           **{"config_" + k: v for k, v in tallies(releases=1.0).items()}}


def test_a_bad_release_behind_a_load_balancer_fails_the_requests_through_it():
    # the version's node reaches the balancer too: λ · (3 s + 60 s + 300 s) failed through it
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "rollback": {
        "takes": "5m", "trigger": {"threshold": "1%", "window": "5m", "delay": "1m"}}}},
        load_balancers={"lb": {"service": "api"}}, workload={"rate": f"{LAM}/s", "target": "lb"}), 1, 0)
    assert res.changes == {"bad_time": 363.0, "failed_requests": pytest.approx(LAM * 363.0),
                           **tallies(releases=1.0, bad=1.0, rollbacks=1.0)}
    assert res.requests["failed"] == pytest.approx(LAM * 363.0)


def test_a_release_due_exactly_when_the_rollback_ends_is_not_merged():
    # every hour; caught by hand 50 min in, rolled back in 10 min: the rollback ends at 7200 s,
    # when the next release is due; that one is still live at the 3 h horizon
    res = simulate(model({"rel": {"every": "fixed(1h)", "bad": "100%",
                                  "rollback": {"takes": "10m", "manual": "50m"}}}), 1, 0, trace=True)
    assert [(e["t"], e["event"]) for e in res.trace if e["event"] in ("release", "release_merged", "rolled_back")] \
        == [(3600.0, "release"), (7200.0, "rolled_back"), (7200.0, "release")]
    assert res.changes == {"bad_time": 7200.0, "failed_requests": LAM * 7200.0,
                           **tallies(releases=2.0, bad=2.0, rollbacks=2.0)}


def test_a_blue_green_switch_under_a_second():
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "strategy": "blue-green", "switch": "500ms",
                                  "rollback": {"takes": "20m", "manual": "10m"}}}), 1, 0, trace=True)
    assert [(e["t"], e["event"]) for e in records(res)] == [
        (3600.0, "release"), (3600.5, "switch"), (3600.5, "rollout"), (3600.5, "rolled_out"),
        (4200.5, "change_caught"), (4200.5, "rollback"), (4201.0, "rolled_back")]
    assert res.changes["bad_time"] == 600.5


def test_the_average_over_three_steps():
    w = ErrorWindow(100.0, 0.5)
    w.set(0.0, 0.3)
    w.set(20.0, 0.1)
    w.set(50.0, 0.2)
    assert w.average(60.0) == pytest.approx((0.3 * 20 + 0.1 * 30 + 0.2 * 10) / 100)
    assert w.average(130.0) == pytest.approx((0.1 * 20 + 0.2 * 80) / 100)


def test_a_good_rolling_release_ends_with_its_last_batch():
    # two instances one at a time, 10 min apart: rolled out when the second batch starts
    res = simulate(model({"rel": {"at": "1h", "bad": "0%", "strategy": "rolling", "batch": 1, "pause": "10m"}}),
                   1, 0, trace=True)
    assert [(e["t"], e["event"], e.get("stage")) for e in records(res)] == [
        (3600.0, "release", None), (3600.0, "rollout", "batch 1/2"), (4200.0, "rollout", "batch 2/2"),
        (4200.0, "rolled_out", None)]


def test_the_manual_rollback_due_during_a_triggered_rollback_does_nothing():
    # the trigger starts a 2 h rollback at 3663 s; the manual one, due at 7200 s, finds it under way
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "rollback": {
        "takes": "2h", "manual": "1h", "trigger": {"threshold": "1%", "window": "5m", "delay": "1m"}}}},
        horizon="4h"), 1, 0, trace=True)
    assert [(e["t"], e["event"], e.get("by")) for e in records(res) if e["event"] != "release"] == [
        (3600.0, "rollout", None), (3600.0, "rolled_out", None), (3603.0, "rollback_alert", None),
        (3663.0, "change_caught", "trigger"), (3663.0, "rollback", "trigger"), (10863.0, "rolled_back", None)]
    assert res.changes["bad_time"] == 7263.0


def test_each_gate_catch_is_counted():
    res = simulate(model({"rel": {"every": "fixed(1h)", "bad": "100%", "gate": {"catches": "100%", "takes": "1m"}}}),
                   1, 0)
    assert res.changes == {"bad_time": 0.0, "failed_requests": 0.0, **tallies(releases=2.0, bad=2.0, gate_catches=2.0)}


def test_pauses_and_kill_switches_under_a_second_are_waited():
    rolling = simulate(model({"rel": {"at": "1h", "bad": "0%", "strategy": "rolling", "batch": 1, "pause": "500ms"}}),
                       1, 0, trace=True)
    assert [(e["t"], e["event"]) for e in records(rolling)][-2:] == [(3600.5, "rollout"), (3600.5, "rolled_out")]
    flag = simulate(model({"rel": {"at": "1h", "bad": "100%", "flag": {"share": "100%", "exposure": "20%",
                                                                       "kill": "500ms"},
                                   "rollback": {"takes": "10m", "manual": "1m"}}}), 1, 0, trace=True)
    assert [(e["t"], e["event"]) for e in records(flag)][-2:] == [(3660.0, "flag_kill"), (3660.5, "flag_off")]


def test_blue_green_caught_exactly_when_keep_ends_needs_a_full_rollback():
    # switched at 3630 s, old environment kept 10 min: caught by hand at 4230 s, when it is gone
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "strategy": "blue-green", "switch": "30s", "keep": "10m",
                                  "rollback": {"takes": "20m", "manual": "10m"}}}), 1, 0, trace=True)
    (rb,) = [e for e in records(res) if e["event"] == "rollback"]
    assert (rb["t"], rb["takes"], rb["switch_back"]) == (4230.0, 1200.0, False)


def test_a_corrupting_canary_promoted_step_by_step_sums_each_steps_writes():
    # 10 % of 5 writes/s corrupted on the share updated: 10 % for 600 s, 50 % for 600 s, then
    # everyone from 4800 s until the manual rollback ends at 7800 s: 0.5 · (60 + 300 + 3000)
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "strategy": "canary", "steps": ["10%", "50%"],
                                  "bake": "10m", "effect": {"corrupts": "10%"},
                                  "rollback": {"takes": "10m", "manual": "1h"}}},
                         services={"api": {"replicas": "web", "data": {"writes": "5/s"}}}), 1, 0, trace=True)
    assert [(e["t"], e.get("stage")) for e in records(res) if e["event"] == "rollout"] == [
        (3600.0, "canary 0.1"), (4200.0, "canary 0.5"), (4800.0, "promoted")]
    assert res.changes == pytest.approx({"bad_time": 4200.0, "failed_requests": 0.0,
                                         **tallies(releases=1.0, bad=1.0, rollbacks=1.0,
                                                   corrupted=0.5 * (60.0 + 300.0 + 3000.0))})


def test_a_rolling_release_of_five_instances_in_batches_of_two_takes_three_batches():
    # ceil(5 / 2) = 3 batches, 10 min apart: the last one updates the fifth instance alone
    res = simulate(model({"rel": {"at": "1h", "bad": "0%", "strategy": "rolling", "batch": 2, "pause": "10m"}},
                         components={"web": {"count": 5, "failures": []}}), 1, 0, trace=True)
    assert [(e["t"], e["event"], e.get("stage")) for e in records(res)] == [
        (3600.0, "release", None), (3600.0, "rollout", "batch 1/3"), (4200.0, "rollout", "batch 2/3"),
        (4800.0, "rollout", "batch 3/3"), (4800.0, "rolled_out", None)]


# each random draw on its own stream ---------------------------------------------------------
# A deployment entry draws on the streams "deploy/<name>/<what>": the draws of a replication are
# those of Streams(seed, replication) on that key, and two entries never share a stream.

def stream_draws(key: str, law: str, n: int = 1, seed: int = 1, replication: int = 0) -> list[float]:
    from relsim.dists import parse_dist
    from relsim.engine.streams import Streams

    sample = Streams(seed, replication).sampler(parse_dist(law), key)
    return [sample() for _ in range(n)]


def stream_uniforms(key: str, n: int, seed: int = 1, replication: int = 0) -> list[float]:
    from relsim.engine.streams import Streams

    draw = Streams(seed, replication).uniform(key)
    return [draw() for _ in range(n)]


def test_two_entries_draw_their_rollbacks_on_streams_of_their_own():
    # a and b, the same laws, both bad at 1 h: each is caught by hand after its own draw of
    # manual and rolled back in its own draw of takes
    rollback = {"takes": "exp(mean=10m)", "manual": "exp(mean=20m)"}
    res = simulate(model({"a": {"at": "1h", "bad": "100%", "rollback": rollback},
                          "b": {"at": "1h", "bad": "100%", "rollback": rollback}}, horizon="1d"), 1, 0, trace=True)
    got = {}
    for name in ("a", "b"):
        (manual,) = stream_draws(f"deploy/{name}/manual", "exp(mean=20m)")
        (takes,) = stream_draws(f"deploy/{name}/rollback", "exp(mean=10m)")
        got[name] = (manual, takes)
        caught = 3600.0 + manual
        assert [(e["t"], e["event"], e.get("takes")) for e in records(res)
                if e["deployment"] == name and e["event"] in ("change_caught", "rollback", "rolled_back")] == [
            (caught, "change_caught", None), (caught, "rollback", takes), (caught + takes, "rolled_back", None)]
    assert got["a"][0] != got["b"][0] and got["a"][1] != got["b"][1]  # one stream each, not shared


def test_the_trigger_delay_the_kill_switch_and_the_drift_check_draw_on_their_streams():
    (delay,) = stream_draws("deploy/rel/trigger", "exp(mean=1m)")
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "rollback": {
        "takes": "5m", "trigger": {"threshold": "1%", "window": "5m", "delay": "exp(mean=1m)"}}}}), 1, 0, trace=True)
    (caught,) = [e for e in records(res) if e["event"] == "change_caught"]
    assert (caught["t"], caught["by"]) == (pytest.approx(3603.0 + delay, rel=1e-14), "trigger")

    (kill,) = stream_draws("deploy/rel/kill", "exp(mean=2m)")
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "flag": {"share": "100%", "exposure": "20%",
                                                                      "kill": "exp(mean=2m)"},
                                  "rollback": {"takes": "10m", "manual": "1m"}}}), 1, 0, trace=True)
    assert [(e["t"], e["event"], e.get("takes")) for e in records(res)][-2:] == [
        (3660.0, "flag_kill", kill), (3660.0 + kill, "flag_off", None)]

    # a bad configuration change at 1 h is found by the drift check a uniform share u of the
    # hour later (u on "deploy/cfg/drift"), rolled back in 1 min
    (u,) = stream_uniforms("deploy/cfg/drift", 1)
    res = simulate(model({"cfg": {"at": "1h", "bad": "100%", "change": "config", "drift": "1h",
                                  "rollback": {"takes": "1m"}}}), 1, 0, trace=True)
    (caught,) = [e for e in records(res) if e["event"] == "change_caught"]
    assert (caught["t"], caught["by"]) == (3600.0 + u * 3600.0, "drift")
    assert res.changes["bad_time"] == pytest.approx(u * 3600.0 + 60.0, rel=1e-12)


def test_crashes_and_restarts_draw_one_delay_per_instance_in_replica_order():
    c1, c2 = stream_draws("deploy/rel/crashes", "exp(mean=10m)", 2)
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "effect": {"crashes": "exp(mean=10m)"},
                                  "rollback": {"takes": "5m", "manual": "2h"}}}), 1, 0, trace=True)
    assert sorted((e["t"], e["element"]) for e in res.trace if e["event"] == "failed") == sorted(
        [(3600.0 + c1, "web-1"), (3600.0 + c2, "web-2")])

    r1, r2 = stream_draws("deploy/rel/restart", "exp(mean=30s)", 2)
    res = simulate(model({"rel": {"at": "1h", "restart": "exp(mean=30s)"}}), 1, 0, trace=True)
    assert sorted((e["t"], e["element"]) for e in records(res) if e["event"] == "restored") == sorted(
        [(3600.0 + r1, "web-1"), (3600.0 + r2, "web-2")])


def test_which_releases_are_bad_flagged_or_caught_by_the_gate_follows_their_uniform_streams():
    # 20 releases 10 min apart, each rolled back (if bad) within 2 min: no release merged
    n, every = 20, {"every": "fixed(10m)", "rollback": {"takes": "1m", "manual": "1m"}}
    horizon = f"{10 * n + 5}m"

    def releases(res: Any) -> list[dict[str, Any]]:
        return [e for e in records(res) if e["event"] == "release"]

    res = simulate(model({"rel": {**every, "bad": "50%"}}, horizon=horizon), 1, 0, trace=True)
    assert [e["bad"] for e in releases(res)] == [u < 0.5 for u in stream_uniforms("deploy/rel/bad", n)]

    res = simulate(model({"rel": {**every, "bad": "0%", "flag": {"share": "50%"}}}, horizon=horizon), 1, 0, trace=True)
    assert [e["flagged"] for e in releases(res)] == [u < 0.5 for u in stream_uniforms("deploy/rel/flag", n)]

    res = simulate(model({"rel": {**every, "bad": "100%", "gate": {"catches": "50%"}}}, horizon=horizon),
                   1, 0, trace=True)
    assert [e["passed"] for e in records(res) if e["event"] == "gate"] == [
        u >= 0.5 for u in stream_uniforms("deploy/rel/gate", n)]


def test_a_canary_whose_bake_ends_exactly_with_its_rollback_is_not_pulled_first():
    # 10 % canary baking 20 min (to 4800 s), caught by hand after 1 min, rolled back in 19 min:
    # the rollback ends when the bake would; the canary leaves with the rollback, no pull before
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "strategy": "canary", "share": "10%", "bake": "20m",
                                  "rollback": {"takes": "19m", "manual": "1m"}}}), 1, 0, trace=True)
    assert [(e["t"], e["event"]) for e in records(res)] == [
        (3600.0, "release"), (3600.0, "rollout"), (3660.0, "change_caught"), (3660.0, "rollback"),
        (4800.0, "rolled_back")]
    assert res.changes == pytest.approx({"bad_time": 1200.0, "failed_requests": LAM * 0.1 * 1200.0,
                                         **tallies(releases=1.0, bad=1.0, rollbacks=1.0)})


def test_a_bad_release_that_restarts_its_instances_is_bad_until_rolled_back():
    # both instances restart for 30 s at 1 h (api serves nothing meanwhile); the version is bad
    # from 1 h until the manual rollback (10 min) ends 5 min later: the restarts closing does not
    # close the bad change's account
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "restart": "30s",
                                  "rollback": {"takes": "5m", "manual": "10m"}}}), 1, 0, trace=True)
    assert [(e["t"], e["event"]) for e in records(res)] == [
        (3600.0, "release"), (3600.0, "rollout"), (3600.0, "stopped"), (3600.0, "stopped"), (3600.0, "rolled_out"),
        (3630.0, "restored"), (3630.0, "restored"), (4200.0, "change_caught"), (4200.0, "rollback"),
        (4500.0, "rolled_back")]
    assert res.changes == {"bad_time": 900.0, "failed_requests": LAM * 900.0,
                           **tallies(releases=1.0, bad=1.0, rollbacks=1.0)}


def test_one_alert_per_release_however_many_batches_follow_it():
    # batch 1 of 2 at 1 h: half the requests fail, the 1 % average over 5 min is reached after
    # 6 s; the trigger acts 10 min later. Batch 2 (1 min later) fails them all: no second alert.
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "strategy": "rolling", "batch": 2, "pause": "1m",
                                  "rollback": {"takes": "5m", "trigger": {"threshold": "1%", "window": "5m",
                                                                          "delay": "10m"}}}},
                         components={"web": {"count": 4, "failures": []}}), 1, 0, trace=True)
    got = [(e["t"], e["event"], e.get("stage", e.get("by"))) for e in records(res)]
    assert [(pytest.approx(t, rel=1e-14), *rest) for t, *rest in got] == [
        (3600.0, "release", None), (3600.0, "rollout", "batch 1/2"), (3606.0, "rollback_alert", None),
        (3660.0, "rollout", "batch 2/2"), (3660.0, "rolled_out", None), (4206.0, "change_caught", "trigger"),
        (4206.0, "rollback", "trigger"), (4506.0, "rolled_back", None)]


def test_the_crossing_is_now_when_the_average_is_at_the_threshold_and_stays_there():
    # e = 0.5 for 50 s then 0: A(50) = 0.25 exactly, flat to 100 s, then falling
    w = ErrorWindow(100.0, 0.25)
    w.set(0.0, 0.5)
    w.set(50.0, 0.0)
    assert w.average(50.0) == 0.25 and w.average(100.0) == 0.25
    assert w.crossing(50.0) == 50.0


def test_outages_of_a_bad_change_name_the_entry_as_their_cause():
    for change, kind in (("release", "deployment"), ("config", "config")):
        res = simulate(model({"rel": {"at": "1h", "bad": "100%", "change": change,
                                      "rollback": {"takes": "5m", "manual": "10m"}}}), 1, 0)
        assert [(o.start_s, o.duration_s, o.cause_element, o.cause_spec, o.cause_kind, o.planned)
                for o in res.outages] == [(3600.0, 900.0, "rel", -1, kind, False)]


def test_a_return_from_a_release_s_restart_names_the_release_as_the_cause_of_what_it_sets_off():
    # the quorum of tests/shared_models.py's quorum_across_a_cut (needs 2, 10 s elections; a~b cut
    # from 2 h, b1 down 1-4 h), b2 also the one replica of `side`: the release on side at 1 h
    # restarts b2 for 4 h. When b2 returns at 5 h, {b0, b1, b2} is the largest group: a 10 s
    # election that b2's restart set off, of kind deployment (not planned work)
    res = simulate(quorum_across_a_cut({"in": "b"}, services={"side": {"replicas": ["b2"]}},
                                       deployments={"rel": {"services": "side", "at": "1h",
                                                            "restart": "fixed(4h)"}}), 0, 0)
    assert [(o.start_s, o.duration_s, o.cause_element, o.cause_spec, o.cause_kind, o.planned)
            for o in res.outages] == [(18000.0, pytest.approx(10.0), "b2", -1, "deployment", False)]


def test_a_release_on_a_service_with_data_and_one_without_corrupting_nothing():
    # api (no data) needs store (5 writes/s); the bad release fails every request on both for
    # 10 min + 5 min and corrupts no write
    res = simulate(model({"rel": {"services": ["api", "store"], "at": "1h", "bad": "100%",
                                  "rollback": {"takes": "5m", "manual": "10m"}}},
                         components={"web": {"count": 2, "failures": []}, "db": {"failures": []}},
                         services={"api": {"replicas": "web", "depends_on": ["store"]},
                                   "store": {"replicas": ["db"], "data": {"writes": "5/s"}}}), 1, 0)
    assert res.changes == {"bad_time": 900.0, "failed_requests": LAM * 900.0,
                           **tallies(releases=1.0, bad=1.0, rollbacks=1.0)}


def test_a_bad_release_reaches_the_requests_sent_to_a_dns_name():
    # clients reach api through the DNS name www: the version's node reaches api alone
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "rollback": {"takes": "5m", "manual": "10m"}}},
                         dns={"names": {"www": {"records": ["api"], "ttl": "60s"}}},
                         workload={"rate": f"{LAM}/s", "target": "www"}), 1, 0)
    assert res.changes == {"bad_time": 900.0, "failed_requests": pytest.approx(LAM * 900.0),
                           **tallies(releases=1.0, bad=1.0, rollbacks=1.0)}


def test_change_windows_read_the_model_s_calendar():
    # time 0 is Monday 01:00: the release due at 1 h (02:00) is inside 02:00-03:00 at once
    res = simulate(model({"rel": {"at": "1h", "bad": "0%", "window": "Mon-Fri 02:00-03:00"}},
                         start_time="01:00"), 1, 0, trace=True)
    assert [(e["t"], e["event"]) for e in records(res)][:1] == [(3600.0, "release")]
    # time 0 is Monday 00:30: due at 01:30, it waits until 02:00 (model time 5400 s)
    res = simulate(model({"rel": {"at": "1h", "bad": "0%", "window": "Mon-Fri 02:00-03:00"}},
                         start_time="00:30"), 1, 0, trace=True)
    assert [(e["t"], e["event"], e.get("until")) for e in records(res)][:2] == [
        (3600.0, "release_waits", 5400.0), (5400.0, "release", None)]


def test_a_rolling_batch_past_the_last_instance_updates_the_whole_service_once():
    # five instances in batches of two, 10 min apart: 2/5, 4/5, then all (not 6/5) of the traffic
    # on the bad version, which corrupts 10 % of 5 writes/s, until the manual rollback ends at 7200 s
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "strategy": "rolling", "batch": 2, "pause": "10m",
                                  "effect": {"corrupts": "10%"}, "rollback": {"takes": "10m", "manual": "50m"}}},
                         components={"web": {"count": 5, "failures": []}},
                         services={"api": {"replicas": "web", "data": {"writes": "5/s"}}}), 1, 0)
    assert res.changes == pytest.approx({"bad_time": 3600.0, "failed_requests": 0.0,
                                         **tallies(releases=1.0, bad=1.0, rollbacks=1.0,
                                                   corrupted=0.5 * (0.4 * 600 + 0.8 * 600 + 1.0 * 2400))},
                                        rel=1e-12)


def test_a_canary_caught_by_the_gate_is_rolled_back_not_promoted():
    # 10 % canary baking 10 min; the gate (1 min) catches it at 4260 s; the rollback takes 5 min
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "strategy": "canary", "share": "10%", "bake": "10m",
                                  "gate": {"catches": "100%", "takes": "1m"}, "rollback": {"takes": "5m"}}},
                         components={"web": {"count": 4, "failures": []}}), 1, 0, trace=True)
    assert trace(res, *EVENTS) == [
        (3600.0, "rollout", "canary 0.1", None), (4260.0, "gate", "full", False),
        (4260.0, "change_caught", "gate", None), (4260.0, "rollback", "gate", None),
        (4260.0, "canary_pulled", None, None), (4560.0, "rolled_back", None, None)]
    assert res.changes == pytest.approx({"bad_time": 960.0, "failed_requests": LAM * 0.1 * 660.0,
                                         **tallies(releases=1.0, bad=1.0, rollbacks=1.0, gate_catches=1.0)})


def test_a_change_caught_by_hand_while_the_gate_runs_is_not_gated():
    # the canary bakes 10 min, then the gate takes 10 min; caught by hand at 4500 s, in the
    # middle of the gate: the gate gives no verdict and catches nothing
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "strategy": "canary", "share": "10%", "bake": "10m",
                                  "gate": {"catches": "100%", "takes": "10m"},
                                  "rollback": {"takes": "5m", "manual": "15m"}}},
                         components={"web": {"count": 4, "failures": []}}), 1, 0, trace=True)
    assert trace(res, *EVENTS) == [
        (3600.0, "rollout", "canary 0.1", None), (4500.0, "change_caught", "manual", None),
        (4500.0, "rollback", "manual", None), (4500.0, "canary_pulled", None, None),
        (4800.0, "rolled_back", None, None)]
    assert res.changes["gate_catches"] == 0.0


def test_no_alert_after_the_change_was_caught_by_hand():
    # the 50 % average over 10 min would be reached at 3900 s; the change is caught by hand at
    # 3660 s and rolled back until 4260 s: no alert meanwhile
    res = simulate(model({"rel": {"at": "1h", "bad": "100%", "rollback": {
        "takes": "10m", "manual": "1m", "trigger": {"threshold": "50%", "window": "10m"}}}}), 1, 0, trace=True)
    assert [(e["t"], e["event"]) for e in records(res)] == [
        (3600.0, "release"), (3600.0, "rollout"), (3600.0, "rolled_out"), (3660.0, "change_caught"),
        (3660.0, "rollback"), (4260.0, "rolled_back")]
