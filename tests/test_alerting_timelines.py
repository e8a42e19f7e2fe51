"""Alert rules as exact timelines (relsim/engine/alerting.py, docs/incidents.md).

Each test fixes every time (``fixed(...)`` failures and blips, noise of a
known size) and states the pages, resolutions and detection times worked
out by hand: signals and blips, the sliding means of burn-rate windows,
errors per second over a daily profile, learnt baselines and evaluation
ticks.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

import relsim
from relsim.engine import simulate
from relsim.engine.simulation import Simulation

H, M = 3600.0, 60.0
BURN = {"burn_rate": [{"rate": 14.4, "long": "1h", "short": "5m"}], "slo": "99.9%"}  # threshold 1.44%


def build(failure: dict[str, Any] | None = None, horizon: str = "30d", **extra: Any) -> relsim.Model:
    failures = [failure] if failure is not None else []
    return relsim.load({"name": "alerting", "horizon": horizon,
                        "components": {"app": {"failures": failures}, "spare": {"failures": []}},
                        "services": {"web": {"replicas": ["app"]}}, **extra})


def transient(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def pages(res: Any) -> list[float]:
    return [p.t_s for p in res.pages]


def resolved(res: Any) -> list[float]:
    return [e["t"] for e in res.trace if e["event"] == "alert_resolved"]


# -- noise: background and blips ---------------------------------------------------------
def test_blips_page_falsely_when_held_long_enough_and_are_traced():
    # a 10% blip every 10 h (start to start) lasting 4 min; the rule (above 5% for 3m) pages at
    # 3 min into each and resolves at its end; every blip is a trace line of the entry's signal
    model = build(None, horizon="25h", noise={"blips": {"every": "fixed(10h)", "lasts": "fixed(4m)", "size": "10%"}},
                  alerts={"noisy": {"above": "5%", "for": "3m"}})
    res = simulate(model, 1, 0, trace=True)
    assert pages(res) == [10 * H + 3 * M, 20 * H + 3 * M]
    assert all(p.kind == "false" for p in res.pages) and res.incidents == []
    assert resolved(res) == [10 * H + 4 * M, 20 * H + 4 * M]
    blips = [(e["t"], e["signal"], e["size"]) for e in res.trace if e["event"] == "noise_blip"]
    assert blips == [(10 * H, "(entry)", 0.1), (20 * H, "(entry)", 0.1)]


def test_overlapping_blips_add_up():
    # 3% blips every 10 h lasting 15 h: the signal is 3% from 10 h, 6% while two overlap
    # (20-25 h, 30-35 h, 40-45 h): 'above: 5%' pages at 20, 30 and 40 h and resolves at 25 and 35 h
    model = build(None, horizon="44h", noise={"blips": {"every": "fixed(10h)", "lasts": "fixed(15h)", "size": "3%"}},
                  alerts={"noisy": {"above": "5%"}})
    res = simulate(model, 1, 0, trace=True)
    assert pages(res) == [20 * H, 30 * H, 40 * H]
    assert resolved(res) == [25 * H, 35 * H]


def test_random_blips_come_from_the_signals_own_stream():
    # blips every exp(mean=6h) lasting exp(mean=30m), both drawn from the stream noise/(entry)
    # in turn: the first start, then at each start its length and the next start. 'above: 5%'
    # (held 0) pages when a blip starts with none under way and resolves when the last ends.
    model = build(None, horizon="10d", noise={"blips": {"every": "exponential(mean=6h)",
                                                         "lasts": "exponential(mean=30m)", "size": "10%"}},
                  alerts={"noisy": {"above": "5%"}})
    blips = model.spec.noise.blips
    streams = Simulation(model, 1, 0).streams
    rng = streams.generator("noise/(entry)")
    every = streams.sampler(blips.every, "noise/(entry)", rng)
    lasts = streams.sampler(blips.lasts, "noise/(entry)", rng)
    spells: list[list[float]] = []
    t = every()
    while t < 10 * 24 * H:
        end = t + lasts()
        if spells and t <= spells[-1][1]:
            spells[-1][1] = max(spells[-1][1], end)
        else:
            spells.append([t, end])
        t += every()
    res = simulate(model, 1, 0, trace=True)
    assert len(spells) > 20
    assert pages(res) == pytest.approx([s for s, _ in spells], rel=1e-12)
    assert resolved(res) == pytest.approx([e for _, e in spells if e < 10 * 24 * H], rel=1e-12)


def test_a_page_just_after_an_internal_failure_ended_is_real_and_a_blip_long_after_is_false():
    # 'inner' (behind an active-active front that hides it) is down 10:00-10:04 and 20:04-20:08;
    # the rule on it, held 3m and seen 2m late, pages at 10:05 and 20:09, after each failure
    # ended but within its look-back (for + delay = 5m): 'real'. A 60% blip at 15:00 (10 min)
    # pages at 15:05, 11 h after the last error of 'inner': 'false'. No incident: the front stays up.
    model = relsim.load({
        "name": "internal", "horizon": "25h",
        "components": {"a": {"failures": [transient("10h", "4m")]}, "c": {"failures": []}},
        "services": {"inner": {"replicas": ["a"]}, "other": {"replicas": ["c"]},
                     "front": {"replicas": ["inner", "other"], "mode": "active-active", "needs": 1}},
        "entry": "front",
        "noise": {"blips": {"every": "fixed(15h)", "lasts": "fixed(10m)", "size": "60%"}},
        "alerts": {"inner-down": {"above": "50%", "service": "inner", "for": "3m", "delay": "2m"}}})
    res = simulate(model, 1, 0)
    assert res.incidents == []
    assert [(p.t_s, p.kind) for p in res.pages] == [(10 * H + 5 * M, "real"), (15 * H + 5 * M, "false"),
                                                    (20 * H + 9 * M, "real")]


# -- burn-rate windows -----------------------------------------------------------------
def test_a_background_below_the_burn_threshold_shortens_the_crossing():
    # background 0.1 %, outage at 100 h: the signal steps from 0.001 to 1.001, so the 1h mean is
    # 0.001 + t/3600 and crosses 1.44 % at t = (0.0144 − 0.001) × 3600 = 48.24 s (the 5m mean
    # at 4.02 s). After the 30 min outage the 5m mean 0.001 + (300 − x)/300 falls back below
    # 1.44 % at x = 300 − 4.02 = 295.98 s after the end.
    model = build({"kind": "permanent", "every": "fixed(100h)", "repair": "fixed(30m)"}, horizon="110h",
                  noise={"background": "0.1%"}, alerts={"burn": BURN})
    res = simulate(model, 1, 0, trace=True)
    assert pages(res) == pytest.approx([100 * H + 48.24], rel=1e-12)
    assert res.pages[0].kind == "incident"
    assert resolved(res) == pytest.approx([100.5 * H + 295.98], rel=1e-12)


def test_a_background_above_the_burn_threshold_pages_at_the_start():
    # a 2 % background is above 1.44 % in both windows from time 0 (the signal held it before):
    # a false page at 0 + delay, and nothing resolves it; so is a static rule above 1 % (held 1m)
    model = build(None, horizon="10h", noise={"background": "2%"},
                  alerts={"burn": dict(BURN, delay="10s"), "static": {"above": "1%", "for": "1m"}})
    res = simulate(model, 1, 0, trace=True)
    assert [(p.t_s, p.alert, p.kind) for p in res.pages] == [(10.0, "burn", "false"), (60.0, "static", "false")]
    assert resolved(res) == []


def test_a_background_exactly_at_the_threshold_is_not_above_it():
    # slo 50 %, rate 1: threshold 0.5, and a 50 % background: the signal is 0.5, not above it;
    # neither the burn-rate rule nor 'above: 50%' pages before the outage at 10 h, and both
    # page at 10 h (the means rise above 0.5 at once); after the end at 10:30 the static rule
    # resolves at once, the burn-rate rule when the 5m mean is back to 0.5 (not above it), at 10:35
    model = build({"kind": "permanent", "every": "fixed(10h)", "repair": "fixed(30m)"}, horizon="12h",
                  noise={"background": "50%"},
                  alerts={"burn": {"burn_rate": [{"rate": 1, "long": "1h", "short": "5m"}], "slo": "50%"},
                          "static": {"above": "50%"}})
    res = simulate(model, 1, 0, trace=True)
    assert pages(res) == [10 * H, 10 * H]
    assert {p.alert for p in res.pages} == {"burn", "static"}
    assert [(e["t"], e["alert"]) for e in res.trace if e["event"] == "alert_resolved"] == [
        (10.5 * H, "static"), (10.5 * H + 5 * M, "burn")]


def test_an_outage_that_ends_before_the_long_window_crosses_does_not_page():
    # a 30 s outage: the 5m mean crosses 1.44 % after 4.32 s, the 1h mean would after 51.84 s;
    # the end at 30 s leaves the 1h mean at 30/3600 = 0.83 %: the crossing planned at 51.84 s
    # is void, and the pair never holds together
    model = build(transient("100h", "30s"), horizon="110h", alerts={"burn": BURN})
    res = simulate(model, 1, 0, trace=True)
    assert res.pages == [] and resolved(res) == []
    assert len(res.incidents) == 1


# -- errors per second over a daily profile ------------------------------------------------
def test_errors_per_second_follow_the_profile_from_the_first_hour():
    # 100 requests/s shaped by 24 factors rescaled to mean 1: 1.5 at 00:00 and 02:00, 0.5 in the
    # other hours (mean 14/24): 1% background errors are 2.57/s in those two hours, 0.86/s in the
    # others. 'errors_above: 1/s' held 5m pages at 00:05 and 02:05 and resolves at 01:00 and 03:00,
    # from the first day on.
    profile = [1.5, 0.5, 1.5] + [0.5] * 21
    model = build(None, horizon="2d", workload={"rate": "100/s", "profile": profile}, noise={"background": "1%"},
                  alerts={"count": {"errors_above": "1/s", "for": "5m"}})
    res = simulate(model, 1, 0, trace=True)
    day = 24 * H
    assert pages(res) == [5 * M, 2 * H + 5 * M, day + 5 * M, day + 2 * H + 5 * M]
    assert resolved(res) == [H, 3 * H, day + H, day + 3 * H]
    assert all(p.kind == "false" for p in res.pages)


def test_errors_per_second_exactly_at_the_threshold_are_not_above_it():
    # 100 requests/s (flat), 1% background: exactly 1 error/s, not above 'errors_above: 1/s';
    # the outage 10:00-10:30 pages at 10:00 and resolves at 10:30, when the count is 1/s again
    model = build({"kind": "permanent", "every": "fixed(10h)", "repair": "fixed(30m)"}, horizon="12h",
                  workload={"rate": "100/s"}, noise={"background": "1%"}, alerts={"count": {"errors_above": "1/s"}})
    res = simulate(model, 1, 0, trace=True)
    assert pages(res) == [10 * H] and resolved(res) == [10.5 * H]


# -- learnt baselines ----------------------------------------------------------------------
@pytest.mark.parametrize(("days", "floor", "expected"), [(1, 0, [47, 95, 143]), (2, 0, [47]), (1, 300, []),
                                                     (1, 50, [47, 95, 143])])
def test_a_baseline_keeps_only_its_last_days_and_its_floor(days: int, floor: float, expected: list[int]):
    # 100 requests/s, 1% background: 1 error/s; 101/s during an outage. Outages of 50 min end at
    # 48 h, 96 h and 144 h (23:10-24:00 every other day): the 23:00 hour learns 84.3/s on those
    # days and 1/s on the others. Baseline 3x: with one day kept, each outage follows a quiet
    # day (threshold 3/s) and is paged at 23:15; with two days kept, the 23:00 history holds an
    # outage day from the second outage on (threshold >= 3 x 42.7/s): only the first is paged;
    # a floor of 300/s is above any outage: none is; one of 50/s (errors per second, the
    # baseline's unit with a workload) is below them.
    rule = {"above_baseline": 3, "baseline_days": days, "baseline_floor": floor, "for": "5m"}
    model = build(transient("2830m", "50m"), horizon="150h", workload={"rate": "100/s"},
                  noise={"background": "1%"}, alerts={"learnt": rule})
    res = simulate(model, 1, 0)
    assert [x.start_s for x in res.incidents] == [47 * H + 10 * M, 95 * H + 10 * M, 143 * H + 10 * M]
    assert pages(res) == pytest.approx([h * H + 15 * M for h in expected])


@pytest.mark.parametrize(("every", "lasts", "multiple", "expected"), [
    # outage 00:30 to 00:30 the next day: hour 0 of day 0 learns (0.25 + 1.25)/2 = 0.75
    ("30m", "24h", 1.5, [24 * H + 5 * M]),   # threshold 1.125 < 1.25: paged at 24:05
    ("30m", "24h", 1.8, []),                  # threshold 1.35 > 1.25
    # outage from 01:00: hour 0 of day 0 learns 0.25 exactly
    ("1h", "24h", 4.995, [24 * H + 5 * M]),  # threshold 1.24875 < 1.25
    ("1h", "24h", 5.0, []),                   # threshold 1.25: the signal is not above it
    ("1h", "24h", 5.001, []),                 # threshold 1.25025
    # outage 01:00 to 02:00 on day 1: hour 1 of day 0 learns 0.25
    ("25h", "1h", 4.995, [25 * H + 5 * M]),
])
def test_a_baseline_learns_each_hour_exactly(every: str, lasts: str, multiple: float, expected: list[float]):
    # without a workload the baseline learns the error rate: 25 % background, 125 % during the
    # outage; one day kept. The page (held 5m) comes in the first hour of day 1 whose threshold,
    # multiple x what that hour learnt on day 0, is below 1.25.
    rule = {"above_baseline": multiple, "baseline_days": 1, "for": "5m"}
    model = build(transient(every, lasts), horizon="26h", noise={"background": "25%"}, alerts={"learnt": rule})
    assert pages(simulate(model, 1, 0)) == pytest.approx(expected, rel=1e-12)


def test_an_alert_that_fires_after_its_outage_ended_resolves_delay_after_the_end():
    # a 4 min outage at 10 h: a rule held 4m (seen 2m late) would fire at 10:06 if the condition
    # still held at 10:04, when it ended: an outage exactly 'for' long pages nobody. Held 3m, it
    # fires at 10:05, after the end, and resolves when the rule sees the end, at 10:06.
    model = build(transient("10h", "4m"), horizon="21h",
                  alerts={"down": {"above": "50%", "for": "4m", "delay": "2m"}})
    res = simulate(model, 1, 0, trace=True)
    assert pages(res) == [] and resolved(res) == []
    model = build(transient("10h", "4m"), horizon="15h",
                  alerts={"down": {"above": "50%", "for": "3m", "delay": "2m"}})
    res = simulate(model, 1, 0, trace=True)
    assert pages(res) == [10 * H + 5 * M] and resolved(res) == [10 * H + 6 * M]


def test_a_baseline_of_several_days_is_their_mean():
    # two days kept: hour 0 learns 25 % on days 0 and 1, a threshold of 2 x 25 % on day 2, when
    # an outage (125 %) from 48 h is paged at 48:05
    rule = {"above_baseline": 2, "baseline_days": 2, "for": "5m"}
    model = build(transient("48h", "1h"), horizon="50h", noise={"background": "25%"}, alerts={"learnt": rule})
    assert pages(simulate(model, 1, 0)) == [48 * H + 5 * M]


# -- evaluation ticks ----------------------------------------------------------------------
@pytest.mark.parametrize("interval", [60.0, 1.0])
def test_evaluation_ticks_at_the_replications_phase(interval: float):
    # ticks every I s at phase φ = I × the first uniform of the stream alerts/down. Outages
    # 10:00-10:30 and 20:30-21:00; seen 30 s late, held 2m: each pages at the first tick at or
    # after start + 2m30s and resolves at the first tick at or after its end + 30 s.
    model = build(transient("10h", "30m"), horizon="25h",
                  alerts={"down": {"above": "50%", "for": "2m", "delay": "30s", "interval": f"{interval:g}s"}})
    phase = interval * float(Simulation(model, 1, 0).streams.generator("alerts/down").random())
    assert 0.01 * interval < phase < 0.99 * interval  # (for this seed: the ticks are not on whole minutes)
    res = simulate(model, 1, 0, trace=True)

    def tick(t: float) -> float:
        return phase + math.ceil((t - phase) / interval) * interval

    starts, ends = [10 * H, 20.5 * H], [10.5 * H, 21 * H]
    assert pages(res) == pytest.approx([tick(s + 150.0) for s in starts], abs=1e-6)
    assert resolved(res) == pytest.approx([tick(e + 30.0) for e in ends], abs=1e-6)
    assert [x.detect_s for x in res.incidents] == pytest.approx([tick(s + 150.0) - s for s in starts], abs=1e-6)


@pytest.mark.parametrize(("down", "up", "delay"), [("5m", "20s", 30.0), ("10s", "15s", 30.0), ("40s", "25s", 90.0)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_gap_between_two_ticks_neither_resolves_nor_pages_again(down: str, up: str, delay: float, seed: int):
    # an intermittent failure from 100 h for 1 h, down and up by turns. Ticks every 60 s, the
    # signal seen 'delay' late, held 0: an evaluator that reads the condition at each tick T (at
    # T − delay) pages when it first reads it true and resolves when it first reads it false
    # while firing; a gap (or an outage) that no tick reads is not seen at all. The rule, event
    # by event, gives the same pages and resolutions as that tick-by-tick evaluator (outages
    # that end before their first tick, gaps seen by the tick that was to resolve the alert).
    flap = {"kind": "intermittent", "every": "fixed(100h)", "lasts": "fixed(1h)", "down": f"fixed({down})",
            "up": f"fixed({up})"}
    model = build(flap, horizon="102h",
                  alerts={"down": {"above": "50%", "interval": "1m", "delay": f"{delay:g}s"}})
    res = simulate(model, seed, 0, trace=True)
    spells = [(o.start_s, o.end_s) for o in res.outages]
    phase = 60.0 * float(Simulation(model, seed, 0).streams.generator("alerts/down").random())
    expected_pages, expected_resolved, firing = [], [], False
    for k in range(int((99 * H) // 60), int((102 * H) // 60)):
        t = phase + k * 60.0
        down_seen = any(s <= t - delay < e for s, e in spells)
        if down_seen and not firing:
            expected_pages.append(t)
        elif firing and not down_seen:
            expected_resolved.append(t)
        firing = down_seen
    assert 0 < len(expected_pages) < len(spells)  # some gaps are read by a tick, some not
    assert pages(res) == pytest.approx(expected_pages, abs=1e-6)
    assert resolved(res) == pytest.approx(expected_resolved, abs=1e-6)
    assert sum(x.pages for x in res.incidents) == len(expected_pages)


@pytest.mark.parametrize("lasts", ["10s", "40s"])
def test_a_short_outage_seen_by_the_resolving_tick_keeps_the_alert_firing(lasts: str):
    # web needs a, b and c (2/3 of its capacity while one is down): a is down 100:00-100:05,
    # b from 100:05:20 for 10 s or 40 s, c 100:05:40-100:05:50. The rule (above 20%,
    # held 1m, seen 30 s late, ticks every 60 s at phase φ in [50, 60) for this seed) fires at
    # the first tick after 100:01:30; the tick that was to resolve it, the first after 100:05:30,
    # reads the condition at 100:05:20 + (φ − 50) s, inside the second outage: the alert goes on
    # firing through it, though it is shorter than 'for', and resolves at the first tick after
    # its end + 30 s (c, which the resolving tick does not see, starts after b); neither b nor c
    # pages anybody.
    model = relsim.load({"name": "alerting", "horizon": "101h",
                         "components": {"a": {"failures": [{"kind": "permanent", "every": "fixed(100h)",
                                                            "repair": "fixed(5m)"}]},
                                        "b": {"failures": [transient("360320s", lasts)]},
                                        "c": {"failures": [transient("360340s", "10s")]}},
                         "services": {"web": {"replicas": ["a", "b", "c"], "needs": 3}},
                         "alerts": {"down": {"above": "20%", "for": "1m", "delay": "30s", "interval": "1m"}}})
    phase = 60.0 * float(Simulation(model, 2, 0).streams.generator("alerts/down").random())
    assert 50.0 <= phase < 60.0

    def tick(t: float) -> float:
        return phase + math.ceil((t - phase) / 60.0) * 60.0

    res = simulate(model, 2, 0, trace=True)
    end = 100 * H + 5 * M + 20 + float(lasts[:-1])
    assert [o.start_s for o in res.outages][:2] == [100 * H, 100 * H + 5 * M + 20]
    assert pages(res) == pytest.approx([tick(100 * H + 90)], abs=1e-6)
    assert resolved(res) == pytest.approx([tick(end + 30)], abs=1e-6)


# -- a request path overloaded from the start ----------------------------------------------------
def overloaded(alerts: dict[str, Any], horizon: str = "2h") -> relsim.Model:
    # 100 requests/s through a balancer of 40/s per backend (a and b, neither fails): 80 of 100
    # served from time 0, an error rate of 20 % (20 errors/s) from the start to the horizon
    return relsim.load({
        "name": "overloaded", "horizon": horizon,
        "components": {"a": {"failures": []}, "b": {"failures": []}},
        "services": {"api": {"replicas": ["a", "b"], "mode": "active-active", "needs": 1}},
        "load_balancers": {"lb": {"service": "api", "capacity": "40/s"}},
        "workload": {"rate": "100/s", "target": "lb"}, "alerts": alerts})


@pytest.mark.parametrize(("rule", "expected"), [
    ({"above": "10%"}, [0.0]),
    ({"above": "10%", "for": "5m"}, [5 * M]),
    ({"above": "10%", "for": "5m", "delay": "1m"}, [6 * M]),  # held 5 min in what it sees 1 min late
    ({"errors_above": "10/s", "for": "5m"}, [5 * M]),  # 100/s × 20 % = 20 errors/s
    ({"above": "25%"}, []),  # 20 % is not above 25 %
    ({"errors_above": "20/s"}, []),  # 20 errors/s are not above 20
])
def test_a_path_overloaded_from_the_start_is_seen_from_time_0(rule: dict[str, Any], expected: list[float]):
    # the signal is read once the workload has started, at time 0: the episode starts at 0 and
    # the page is due 'for' + 'delay' after it (it is the incident's, open from 0)
    res = simulate(overloaded({"errors": rule}), 1, 0, trace=True)
    assert pages(res) == expected
    assert [p.kind for p in res.pages] == ["incident"] * len(expected)
    assert resolved(res) == []


def test_a_burn_rate_on_a_path_overloaded_from_the_start_ramps_from_time_0():
    # 20 % from 0 against a threshold of 14.4 × 0.1 % = 1.44 %: before 0 the signal held 0 (the
    # overload is a change at 0, as a failure at 0 is), so the 5 min mean crosses at
    # 1.44 / 20 × 300 s = 21.6 s and the 1 h mean at 1.44 / 20 × 3600 s = 259.2 s, the page
    res = simulate(overloaded({"burn": BURN}), 1, 0)
    assert pages(res) == pytest.approx([259.2], rel=1e-9)
