"""Deployments: releases, bad versions, gates, rollback, flags, config changes (docs/changes.md).

Two layers: hand-worked timelines with fixed durations (the requests a bad
release fails are then a number, checked to float precision, and the trace
shows every release, gate, rollback and flag flip), and statistical checks
of the expected-value formulas of docs/changes.md with random durations and
cadences, within 4 standard errors of a ratio of totals over replications.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import relsim
from relsim.attribution import downtime_by
from relsim.engine import simulate
from relsim.engine.deployments import ErrorWindow
from relsim.errors import ModelError
from relsim.model import from_dict

LAM = 10.0  # requests per second


def _model(deploy: dict | None, *, horizon: str = "3d", replicas: int = 4, extra: dict | None = None,
           workload: bool = True) -> relsim.Model:
    raw = {
        "name": "deploy-test",
        "horizon": horizon,
        "components": {"web": {"count": replicas, "failures": []}},
        "services": {"api": {"replicas": "web"}},
    }
    if deploy is not None:
        raw["deployments"] = {"rel": {"services": "api", **deploy}}
    if workload:
        raw["workload"] = {"rate": f"{LAM}/s"}
    raw.update(extra or {})
    return from_dict(raw)


def _one(deploy: dict, **kw) -> relsim.RunResult:
    """One bad release at t = 1 h, traced."""
    res = simulate(_model({"at": "1h", "bad": "100%", **deploy}, **kw), 1, 0, trace=True)
    return res


def _events(res, *names):
    return [e for e in res.trace if e["event"] in names]


# -- hand-worked timelines --------------------------------------------------------
def test_all_at_once_fails_lambda_times_detection_plus_rollback():
    # f = 100 %, threshold 1 % over 5 min: the window average reaches 1 % after 3 s;
    # the alert acts 60 s later; the rollback takes 300 s: D + R = 363 s.
    res = _one({"rollback": {"takes": "5m", "trigger": {"threshold": "1%", "window": "5m", "delay": "1m"}}})
    assert res.changes["failed_requests"] == pytest.approx(LAM * 363.0, rel=1e-9)
    assert res.requests["failed"] == pytest.approx(LAM * 363.0, rel=1e-9)
    assert res.changes["bad_time"] == pytest.approx(363.0)
    (out,) = res.outages
    assert (out.cause_element, out.cause_kind, out.duration_s) == ("rel", "deployment", pytest.approx(363.0))
    seq = [(e["event"], e["t"] - 3600.0) for e in _events(res, "release", "rollout", "rollback_alert",
                                                                "change_caught", "rollback", "rolled_back")]
    assert seq == [("release", 0.0), ("rollout", 0.0), ("rollback_alert", pytest.approx(3.0)),
                   ("change_caught", pytest.approx(63.0)), ("rollback", pytest.approx(63.0)),
                   ("rolled_back", pytest.approx(363.0))]


def test_a_partial_failure_is_detected_later_and_fails_its_share():
    # f = 20 %: the 1 % threshold over 5 min is reached after 15 s; loss λ·f·(15 + 60 + 300)
    res = _one({"effect": {"fails": "20%"},
                "rollback": {"takes": "5m", "trigger": {"threshold": "1%", "window": "5m", "delay": "1m"}}})
    assert res.changes["failed_requests"] == pytest.approx(LAM * 0.2 * 375.0, rel=1e-9)
    assert res.outages[0].duration_s == pytest.approx(375.0)  # 80 % success is below outage_below (99 %)


def test_manual_rollback_when_nothing_triggers():
    # the error rate (0.5 %) never reaches the 1 % threshold: someone rolls back by hand after 2 h
    res = _one({"effect": {"fails": "0.5%"},
                "rollback": {"takes": "10m", "manual": "2h", "trigger": {"threshold": "1%", "window": "5m"}}})
    assert res.changes["failed_requests"] == pytest.approx(LAM * 0.005 * (7200 + 600), rel=1e-9)
    assert [e["by"] for e in _events(res, "rollback")] == ["manual"]
    # degraded but never below 99 %: no outage
    assert res.outages == []


@pytest.mark.parametrize(("rollback", "exposure"), [("5m", 60 + 300.0), ("30m", 1200.0)])
def test_canary_fails_lambda_s_min_bake_detection_plus_rollback(rollback, exposure):
    # share 10 %, bake 20 min, f = 100 %: e = 10 %; threshold 5 % over 10 min is reached
    # after 5 min... with threshold 1 % after 60 s. D = 60 s < B. Exposure min(B, D + R).
    res = _one({"strategy": "canary", "share": "10%", "bake": "20m",
                "rollback": {"takes": rollback, "trigger": {"threshold": "1%", "window": "10m"}}})
    assert res.changes["failed_requests"] == pytest.approx(LAM * 0.1 * exposure, rel=1e-9)
    pulled = _events(res, "canary_pulled")
    assert len(pulled) == (1 if exposure == 1200.0 else 0)
    assert not [e for e in _events(res, "rollout") if e["stage"] == "promoted"]


@pytest.mark.parametrize("takes", [300.0, 600.0])
def test_a_canary_step_the_trigger_misses_is_promoted_to_the_next(takes):
    # steps 10 % then 50 %, bake 10 min each, f = 4 %, threshold 1 % over 10 min: e = 0.4 %
    # (never enough), then 2 % from 10 min: A(t) = 0.4 % + 1.6 %·(t − 600)/600 → 1 % at 825 s.
    # The rollback (R) ends at 825 + R; the second bake ends at 1200 s, where a canary whose
    # rollback is still under way is pulled: exposure at 50 % until min(1200, 825 + R).
    res = _one({"strategy": "canary", "steps": ["10%", "50%"], "bake": "10m", "effect": {"fails": "4%"},
                "rollback": {"takes": f"{takes}s", "trigger": {"threshold": "1%", "window": "10m"}}})
    t_alert = 600 + 0.006 / (0.016 / 600)
    (alert,) = _events(res, "rollback_alert")
    assert alert["t"] - 3600 == pytest.approx(t_alert)
    expected = LAM * 0.04 * (0.1 * 600 + 0.5 * (min(1200.0, t_alert + takes) - 600))
    assert res.changes["failed_requests"] == pytest.approx(expected, rel=1e-9)
    assert len(_events(res, "canary_pulled")) == (1 if t_alert + takes > 1200 else 0)
    assert [e["stage"] for e in _events(res, "rollout")] == ["canary 0.1", "canary 0.5"]


def _rolling_oracle(n, pause, f, theta, window, delay, takes):
    """Independent check of a rolling release: x = k/n from (k−1)·pause; the window average found by
    bisection on a fine grid; failed requests per unit λ = ∫ f·x until alert + delay + takes, the
    rollout stopping at alert + delay."""
    stop = [math.inf]

    def x(t):
        t = np.minimum(t, stop[0])
        return np.minimum(n, np.floor(t / pause) + 1) / n

    def avg(t):
        grid = np.linspace(max(0.0, t - window), t, 20001)
        return np.trapezoid(f * x(grid), grid) / window

    lo, hi = 0.0, 50 * window
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if avg(mid) >= theta else (mid, hi)
    end = hi + delay + takes
    stop[0] = hi + delay
    grid = np.linspace(0, end, 2000001)
    return np.trapezoid(f * x(grid), grid), hi


def test_rolling_in_batches_matches_an_independent_integral():
    # 4 instances one at a time every 10 min, f = 20 %, threshold 8 % over 10 min:
    # the alert comes during the second batch (at 16 min); the rollout stops there.
    res = _one({"strategy": "rolling", "batch": 1, "pause": "10m", "effect": {"fails": "20%"},
                "rollback": {"takes": "5m", "trigger": {"threshold": "8%", "window": "10m", "delay": "30s"}}})
    per_lam, t_alert = _rolling_oracle(4, 600.0, 0.2, 0.08, 600.0, 30.0, 300.0)
    (alert,) = _events(res, "rollback_alert")
    assert alert["t"] - 3600 == pytest.approx(t_alert, abs=0.05)
    assert res.changes["failed_requests"] == pytest.approx(LAM * per_lam, rel=1e-4)
    stages = [e["stage"] for e in _events(res, "rollout")]
    assert stages == ["batch 1/4", "batch 2/4"]


def test_blue_green_rolls_back_by_switching_back():
    # traffic moves 30 s after the release; the switch back takes the same 30 s, not the 20 min rollback
    res = _one({"strategy": "blue-green", "switch": "30s", "keep": "1h",
                "rollback": {"takes": "20m", "trigger": {"threshold": "1%", "window": "5m", "delay": "1m"}}})
    assert res.changes["failed_requests"] == pytest.approx(LAM * (3 + 60 + 30), rel=1e-9)
    (rb,) = _events(res, "rollback")
    assert rb["switch_back"] is True and rb["takes"] == 30.0
    assert _events(res, "switch")[0]["t"] == pytest.approx(3630.0)


def test_blue_green_after_keep_needs_a_full_rollback():
    # nothing triggers; the manual rollback comes after 2 h, when the old environment is gone (keep 1 h)
    res = _one({"strategy": "blue-green", "switch": "30s", "keep": "1h",
                "rollback": {"takes": "20m", "manual": "2h"}})
    assert res.changes["failed_requests"] == pytest.approx(LAM * (7200 + 1200), rel=1e-9)
    assert _events(res, "rollback")[0]["switch_back"] is False


def test_feature_flag_kill_fails_lambda_s_flag_k():
    # behind a flag exposed to 20 % of requests, a threshold of 0 and no delay: detection is
    # immediate, so the loss is λ · s_flag · K with the kill switch taking K = 2 min
    res = _one({"flag": {"share": "100%", "exposure": "20%", "kill": "2m"},
                "rollback": {"takes": "10m", "trigger": {"threshold": 0, "window": "5m"}}})
    assert res.changes["failed_requests"] == pytest.approx(LAM * 0.2 * 120.0, rel=1e-9)
    names = [e["event"] for e in res.trace if e["event"].startswith("flag")]
    assert names == ["flag_on", "flag_kill", "flag_off"]
    assert res.changes["rollbacks"] == 0 and res.changes["flag_kills"] == 1


def test_a_gate_that_catches_before_deploy_leaves_nothing_to_roll_back():
    res = _one({"gate": {"catches": "100%", "takes": "10m"}})
    assert res.changes["failed_requests"] == 0.0 and res.changes["bad"] == 1
    (gate,) = _events(res, "gate")
    assert gate["passed"] is False and gate["t"] == pytest.approx(3600 + 600)
    assert not _events(res, "rollback") and res.outages == []


def test_crashing_instances_go_down_and_come_back_with_the_rollback():
    # two instances, both needed (needs 2): each crash halves the service; the trigger sees the
    # share of instances down; the rollback brings them back
    res = simulate(_model({"at": "1h", "bad": "100%", "effect": {"crashes": "10m"},
                           "rollback": {"takes": "5m", "trigger": {"threshold": "50%", "window": "1m"}}},
                          replicas=2, extra={"services": {"api": {"replicas": "web", "needs": 2}}},
                          workload=False), 1, 0, trace=True)
    fails = [e for e in res.trace if e["event"] == "failed"]
    assert [(e["element"], e["kind"], e["t"]) for e in fails] == [("web-1", "deployment", 4200.0),
                                                                   ("web-2", "deployment", 4200.0)]
    # both down at 70 min: the average of 100 % reaches 50 % after 30 s, rollback 5 min
    (out,) = res.outages
    assert out.duration_s == pytest.approx(330.0) and out.cause_kind == "deployment"
    assert len([e for e in res.trace if e["event"] == "restored"]) == 2


def test_change_windows_hold_releases_until_they_open():
    # daily at 02:00 (cron); changes only Mon-Fri 10:00-16:00: each waits to 10:00, weekends are merged
    res = simulate(_model({"cron": "0 2 * * *", "window": "Mon-Fri 10:00-16:00"}, horizon="14d"), 1, 0,
                   trace=True)
    starts = [e["t"] for e in _events(res, "release")]
    assert starts and all((t % 86400) == 36000 and (t // 86400) % 7 < 5 for t in starts)
    assert len(starts) == 10


def test_configuration_changes_are_found_by_the_drift_check():
    res = _one({"change": "config", "drift": "1h", "rollback": {"takes": "1m"}})
    (caught,) = _events(res, "change_caught")
    assert caught["by"] == "drift" and 0 < caught["t"] - 3600 < 3600
    assert res.outages[0].cause_kind == "config"
    assert _events(res, "config_change")


def test_error_window_crossing_is_exact():
    w = ErrorWindow(600.0, 0.1)
    w.set(0.0, 0.05)
    assert w.crossing(0.0) is None  # 5 % never reaches 10 %
    w.set(300.0, 0.2)
    # A(t) = (0.05·300 + 0.2·(t − 300)) / 600 for 300 ≤ t ≤ 600 → 0.1 at t = 525
    assert w.crossing(300.0) == pytest.approx(525.0)
    assert w.average(525.0) == pytest.approx(0.1)


def test_good_releases_leave_the_replication_unchanged():
    # a deployments section whose releases are never bad: same failures, outages and requests
    extra = {"components": {"web": {"count": 4, "failures": [
        {"kind": "transient", "every": "exp(mean=6h)", "lasts": "exp(mean=20m)"}]}},
        "services": {"api": {"replicas": "web", "needs": 4}}}
    with_d = simulate(_model({"every": "exp(mean=3h)", "strategy": "rolling", "pause": "5m"},
                             extra=extra), 3, 2)
    without = simulate(_model(None, extra=extra), 3, 2)
    assert with_d.outages == without.outages and with_d.requests == without.requests
    assert with_d.changes["releases"] > 5 and with_d.changes["failed_requests"] == 0.0


# -- expected values, statistically -------------------------------------------------
def _per_bad_release(model, runs=40, seed=7):
    """Failed requests per bad release that served: ratio of totals with its delta-method SE."""
    res = relsim.run(model, runs=runs, seed=seed)
    runs_ = res.runs
    num = runs_["requests_failed_by_changes_per_year"].to_numpy()
    den = (runs_["bad_releases_per_year"].to_numpy())
    r = num.sum() / den.sum()
    se = math.sqrt(np.var(num - r * den, ddof=1) / len(num)) / den.mean()
    return r, se, res


def test_random_detection_and_rollback_match_lambda_d_plus_r():
    # E[failed] = λ · (θW/f + E[delay] + E[takes]) = 10 · (30 + 120 + 300)
    model = _model({"every": "exp(mean=12h)", "bad": "50%",
                    "rollback": {"takes": "exp(mean=5m)",
                                 "trigger": {"threshold": "5%", "window": "10m", "delay": "exp(mean=2m)"}}},
                   horizon="30d")
    r, se, _ = _per_bad_release(model)
    assert abs(r - LAM * 450.0) <= 4 * se, (r, se)


def test_gates_and_review_thin_the_bad_releases_that_serve():
    # review halves the bad probability of the 80 % reviewed: 40 % · (1 − 0.8·0.5) = 24 %;
    # a gate catching 75 % lets a quarter through, each failing λ·(D + R) = 10·(3 + 300)
    model = _model({"every": "6h", "bad": "40%", "review": {"factor": "50%", "share": "80%"},
                    "gate": {"catches": "75%"}, "rollback": {"takes": "5m",
                                                             "trigger": {"threshold": "1%", "window": "5m"}}},
                   horizon="60d")
    res = relsim.run(model, runs=30, seed=3)
    runs_ = res.runs
    releases = runs_["releases_per_year"].to_numpy()
    bad = runs_["bad_releases_per_year"].to_numpy()
    p = bad.sum() / releases.sum()
    n_releases = releases.sum() * 60 / 365
    assert abs(p - 0.24) <= 4 * math.sqrt(0.24 * 0.76 / n_releases)
    failed = runs_["requests_failed_by_changes_per_year"].to_numpy()
    r = failed.sum() / bad.sum()
    se = math.sqrt(np.var(failed - r * bad, ddof=1) / len(bad)) / bad.mean()
    assert abs(r - 0.25 * LAM * 303.0) <= 4 * se, (r, se)


def test_drift_check_finds_a_bad_config_after_half_an_interval_on_average():
    # no trigger: E[failed] = λ · (drift/2 + R) = 10 · (1800 + 60)
    model = _model({"change": "config", "every": "exp(mean=1d)", "bad": "30%", "drift": "1h",
                    "rollback": {"takes": "1m"}}, horizon="60d")
    res = relsim.run(model, runs=30, seed=5)
    runs_ = res.runs
    num = runs_["requests_failed_by_changes_per_year"].to_numpy()
    den = runs_["bad_config_changes_per_year"].to_numpy()
    r = num.sum() / den.sum()
    se = math.sqrt(np.var(num - r * den, ddof=1) / len(num)) / den.mean()
    assert abs(r - LAM * 1860.0) <= 4 * se, (r, se)
    s = res.summary()
    assert s.loc["change_downtime_share", "mean"] == pytest.approx(1.0)


# -- the model file --------------------------------------------------------------
@pytest.mark.parametrize(("deploy", "message"), [
    ({"services": "apx"}, "unknown service 'apx'"),
    ({"strategy": "canary", "batch": 2}, "batch applies to strategy: rolling"),
    ({"change": "config", "strategy": "rolling"}, "strategy must be all-at-once"),
    ({"drift": "1h"}, "drift applies to change: config"),
    ({"strategy": "canary", "steps": ["50%", "10%"]}, "must grow"),
    ({"strategy": "canary", "share": "10%", "steps": ["5%"]}, "share .* or steps, not both"),
    ({"effect": {"fails": "10%", "crashes": "5m"}}, "one of fails or crashes"),
])
def test_bad_deployments_are_reported(deploy, message):
    with pytest.raises(ModelError, match=message):
        _model({"every": "1d", **deploy})


def test_attribution_names_changes_as_causes():
    model = _model({"every": "exp(mean=1d)", "bad": "50%",
                    "rollback": {"takes": "5m", "trigger": {"threshold": "1%", "window": "5m"}}},
                   extra={"components": {"web": {"count": 4, "failures": [
                       {"kind": "transient", "every": "exp(mean=5d)", "lasts": "exp(mean=30m)"}]}},
                       "services": {"api": {"replicas": "web", "needs": 4}}}, horizon="30d")
    res = relsim.run(model, runs=10, seed=2)
    by_kind = downtime_by(res, by="kind").set_index("cause")
    assert {"deployment", "transient"} <= set(by_kind.index)
    s = res.summary()
    share = s.loc["change_downtime_share", "mean"]
    assert share == pytest.approx(by_kind.loc["deployment", "share"])
    assert s.loc["change_downtime_per_year", "mean"] == pytest.approx(by_kind.loc["deployment", "downtime_per_year"])
    assert s.loc["change_downtime_share", "events"] == (res.outages["cause_kind"] == "deployment").sum()


def test_a_discrete_workload_counts_the_requests_a_bad_release_fails():
    # 10/s for 363 s of full failure: a Poisson count with mean 3630
    model = _model({"at": "1h", "bad": "100%",
                    "rollback": {"takes": "5m", "trigger": {"threshold": "1%", "window": "5m", "delay": "1m"}}},
                   horizon="2h", extra={"workload": {"rate": f"{LAM}/s", "mode": "discrete"}})
    res = simulate(model, 4, 0)
    assert abs(res.changes["failed_requests"] - 3630) <= 4 * math.sqrt(3630)
    assert res.changes["failed_requests"] == res.requests["failed"]


def test_a_version_that_corrupts_writes_is_silent_and_counted_exactly():
    # corrupts 10 % of 5 writes/s; nothing fails, nothing triggers: the manual rollback after 1 h,
    # then 5 min: 0.1 · 5 · 3900 = 1950 writes
    res = simulate(_model({"at": "1h", "bad": "100%", "effect": {"corrupts": "10%"},
                           "rollback": {"takes": "5m", "manual": "1h",
                                        "trigger": {"threshold": "1%", "window": "5m"}}},
                          extra={"services": {"api": {"replicas": "web", "data": {"writes": "5/s"}}}}), 1, 0)
    assert res.changes["corrupted"] == pytest.approx(1950.0)
    assert res.outages == [] and res.requests["failed"] == 0.0
    assert res.changes["bad_time"] == pytest.approx(3900.0)
    with pytest.raises(ModelError, match="needs data"):
        _model({"every": "1d", "effect": {"corrupts": "1%"}})


def test_an_all_at_once_restart_takes_the_service_down_even_for_a_good_release():
    res = simulate(_model({"at": "1h", "restart": "30s"}), 1, 0, trace=True)
    (out,) = res.outages
    assert (out.start_s, out.duration_s, out.cause_kind) == (3600.0, 30.0, "deployment")
    assert res.changes["failed_requests"] == pytest.approx(LAM * 30.0)
    assert res.changes["bad_time"] == 0.0 and res.changes["bad"] == 0
    assert len([e for e in res.trace if e["event"] == "stopped"]) == 4


def test_a_rolling_restart_costs_each_batch_its_share():
    # four instances, all needed: one out for 30 s serves 3/4; four batches a minute apart
    res = simulate(_model({"at": "1h", "strategy": "rolling", "batch": 1, "pause": "1m", "restart": "30s"},
                          extra={"services": {"api": {"replicas": "web", "needs": 4}}}), 1, 0)
    assert [o.start_s - 3600 for o in res.outages] == [0.0, 60.0, 120.0, 180.0]
    assert res.changes["failed_requests"] == pytest.approx(LAM * 0.25 * 30.0 * 4)
    assert res.requests["failed"] == pytest.approx(LAM * 0.25 * 30.0 * 4)


@pytest.mark.parametrize(("deploy", "kw"), [
    ({"rollback": {"takes": "5m", "trigger": {"threshold": "1%", "window": "5m", "delay": "1m"}}},
     {"rollback": 300, "threshold": 0.01, "window": 300, "delay": 60}),
    ({"effect": {"fails": "0.5%"}, "rollback": {"takes": "10m", "manual": "2h",
                                                 "trigger": {"threshold": "1%", "window": "5m"}}},
     {"fails": 0.005, "rollback": 600, "manual": 7200, "threshold": 0.01, "window": 300}),
    ({"strategy": "canary", "share": "10%", "bake": "20m",
      "rollback": {"takes": "30m", "trigger": {"threshold": "1%", "window": "10m"}}},
     {"strategy": "canary", "share": 0.1, "bake": 1200, "rollback": 1800, "threshold": 0.01, "window": 600}),
    ({"strategy": "blue-green", "switch": "30s", "keep": "1h",
      "rollback": {"takes": "20m", "trigger": {"threshold": "1%", "window": "5m", "delay": "1m"}}},
     {"strategy": "blue-green", "switch": 30, "keep": 3600, "rollback": 1200, "threshold": 0.01, "window": 300,
      "delay": 60}),
    ({"strategy": "blue-green", "switch": "30s", "keep": "1h", "rollback": {"takes": "20m", "manual": "2h"}},
     {"strategy": "blue-green", "switch": 30, "keep": 3600, "rollback": 1200, "manual": 7200, "threshold": None}),
    ({"flag": {"share": "100%", "exposure": "20%", "kill": "2m"}, "effect": {"fails": "50%"},
      "rollback": {"trigger": {"threshold": "2%", "window": "5m", "delay": "10s"}}},
     {"strategy": "flag", "exposure": 0.2, "kill": 120, "fails": 0.5, "threshold": 0.02, "window": 300,
      "delay": 10}),
])
def test_the_public_formulas_give_what_the_simulator_does(deploy, kw):
    res = _one(deploy)
    assert res.changes["failed_requests"] == pytest.approx(relsim.bad_release_loss(LAM, **kw), rel=1e-9)


def test_the_formulas_refuse_what_they_cannot_say():
    assert relsim.trigger_delay(0.005, 0.01, 300) == math.inf
    assert relsim.trigger_delay(0.5, 0.0, 300, 7.0) == 7.0
    with pytest.raises(ValueError, match="promoted"):
        relsim.bad_release_loss(10, "canary", share=0.01, bake=60)  # D = 300 s > B = 60 s: promoted
    with pytest.raises(ValueError, match="strategy"):
        relsim.bad_release_loss(10, "rolling")


@pytest.mark.parametrize("case", ["canary", "blue-green", "flag"])
def test_random_durations_match_the_formulas_within_4_se(case):
    # canary 10 %, bake 10 min, f = 100 %: D = 1 % · 5 min / 10 % = 30 s, R ~ exp(mean 10 min):
    #   E[failed] = λ · s · (D + E[min(B − D, R)]) = λ · 0.1 · (30 + 600 · (1 − e^(−570/600)))
    # blue-green: D = 3 s + E[delay] (exp, mean 1 min), switch back 45 s: λ · (3 + 60 + 45)
    # flag at 25 %: D = 1 % · 5 min / 25 % = 12 s, K ~ exp(mean 2 min): λ · 0.25 · (12 + 120)
    trigger = {"threshold": "1%", "window": "5m"}
    deploy, expected = {
        "canary": ({"strategy": "canary", "share": "10%", "bake": "10m",
                    "rollback": {"takes": "exp(mean=10m)", "trigger": trigger}},
                   LAM * 0.1 * (30 + 600 * (1 - math.exp(-570 / 600)))),
        "blue-green": ({"strategy": "blue-green", "switch": "45s",
                        "rollback": {"takes": "1h", "trigger": {**trigger, "delay": "exp(mean=1m)"}}},
                       LAM * (3 + 60 + 45)),
        "flag": ({"flag": {"share": "100%", "exposure": "25%", "kill": "exp(mean=2m)"},
                  "rollback": {"trigger": trigger}}, LAM * 0.25 * (12 + 120)),
    }[case]
    model = _model({"every": "exp(mean=8h)", "bad": "50%", **deploy}, horizon="20d")
    r, se, _ = _per_bad_release(model, runs=30, seed=11)
    assert abs(r - expected) <= 4 * se, (r, expected, se)


def test_the_example_comparison_shows_its_point():
    # models/deploy-canary-vs-bluegreen.yaml vs deploy-bluegreen.yaml: per bad release the canary fails
    # λ·f·s·(D + R) = 100 · 0.6 · 0.05 · 770 = 2310 requests, blue-green λ·f·(D + S) = 100 · 0.6 · 182.5
    from pathlib import Path

    models = Path(__file__).resolve().parent.parent / "models"
    cmp = relsim.compare([models / "deploy-canary-vs-bluegreen.yaml", models / "deploy-bluegreen.yaml"],
                         runs=10, seed=1, horizon="120d")
    diff = cmp.differences().set_index("metric")
    row = diff.loc["requests_failed_by_changes_per_year"]
    assert row["ci_low"] > 0  # blue-green fails more requests, significantly
    for name, per_bad in (("deploy-canary", 2310.0), ("deploy-bluegreen", 10950.0)):
        runs = cmp.results[name].runs
        got = runs["requests_failed_by_changes_per_year"].sum() / runs["bad_releases_per_year"].sum()
        # a web server crashing while a bad release is live adds its own failed requests (rarely)
        assert per_bad * (1 - 1e-9) <= got <= per_bad * 1.02
