"""Exact timelines of failure detection (relsim/engine/detection.py, docs/model-format.md ``detection``).

Complements tests/test_detection_methods.py (which compares the two methods'
distributions): here every assertion is exact or a bound no draw can cross.

* ``sampled`` false suspicions start a whole number of beats (checks) after
  the controller last heard the primary, at least ``misses`` (``unhealthy``)
  of them, and end a whole number of beats later, at least ``healthy`` of
  them (1 for heartbeats).
* A detection delay is ``(misses - 1 + U) * period + latency`` (health check:
  ``(unhealthy - 1 + U) * interval + timeout``), U in [0, 1), less up to
  ``misses - 1`` lost beats when beats are lost.
* ``beats`` detects on the beat (check) grid, whose phase is drawn once: every
  failure at the same phase of the grid is detected after the same delay.

Suspicions never lead to a promotion here (``hold: 1h``) unless a test says
otherwise; a false suspicion ends with ``failover_suppressed``. Times in s.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import relsim
from relsim.engine.detection import beats_until_run


def trans(every: str, lasts: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})", **kw}


def pair(detection: dict[str, Any], failures: list[dict[str, Any]], horizon: str, hold: str = "1h") -> relsim.Model:
    return relsim.load({"name": "det", "horizon": horizon, "components": {"p": {"failures": failures}, "b": {}},
                        "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive",
                                           "failover": {"hold": hold}, "detection": detection}}})


def run(m: relsim.Model, seed: int = 0) -> relsim.RunResult:
    return relsim.simulate(m, seed=seed, replication=0, trace=True)


def events(res: relsim.RunResult, *kinds: str) -> list[tuple[float, str]]:
    return [(e["t"], e["event"]) for e in res.trace or [] if e.get("service") == "s" and e["event"] in kinds]


def suspicions(res: relsim.RunResult) -> list[tuple[float, float]]:
    """(start, end) of each false suspicion, from ``suspected`` to ``failover_suppressed``."""
    ev = events(res, "suspected", "failover_suppressed")
    starts = [t for t, k in ev if k == "suspected"]
    ends = [t for t, k in ev if k == "failover_suppressed"]
    assert [k for _, k in ev] == (["suspected", "failover_suppressed"] * len(starts))[:len(ev)]
    return list(zip(starts, ends))  # a suspicion still open at the horizon is left out


def whole(x: float, unit: float) -> int:
    """``x / unit``, which must be a whole number."""
    n = round(x / unit)
    assert x == pytest.approx(n * unit, abs=1e-9), (x, unit)
    return n


HB = {"heartbeat": {"period": "1s", "misses": 2, "loss": "30%"}}
HC = {"health_check": {"interval": "10s", "unhealthy": 2, "healthy": 3, "timeout": "2s", "loss": "30%"}}


# -- sampled: false suspicions --------------------------------------------------------------------
@pytest.mark.parametrize(("detection", "period", "k_down", "k_up", "by"), [
    (HB, 1.0, 2, 1, "heartbeat"), (HC, 10.0, 2, 3, "health_check")])
def test_sampled_false_suspicions_start_and_end_on_whole_beats(detection, period, k_down, k_up, by):
    res = run(pair(detection, [], "2h"))
    spans = suspicions(res)
    assert len(spans) in (res.false_suspicions, res.false_suspicions - 1) and len(spans) > 10
    assert {e["by"] for e in res.trace or [] if e["event"] == "suspected"} == {by}
    heard = 0.0  # watched at 0; heard again at the end of each suspicion
    gaps, lengths = [], []
    for start, end in spans:
        gaps.append(whole(start - heard, period))
        lengths.append(whole(end - start, period))
        heard = end
    assert min(gaps) >= k_down and min(lengths) >= k_up
    # with loss 30 %, some runs are the shortest possible
    assert min(gaps) == k_down and min(lengths) == k_up
    assert res.detection_delays == []


@pytest.mark.parametrize(("detection", "first"), [
    ({"heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}}, 3.0),
    ({"health_check": {"interval": "10s", "unhealthy": 2, "loss": "100%"}}, 20.0)])
def test_sampled_every_beat_lost_suspects_after_misses_periods_for_good(detection, first):
    res = run(pair(detection, [], "1h"))
    assert events(res, "suspected", "failover_suppressed") == [(first, "suspected")]
    assert res.false_suspicions == 1


def test_without_loss_there_is_no_false_suspicion():
    res = run(pair({"heartbeat": {"period": "1s", "misses": 1}}, [], "1h"))
    assert res.false_suspicions == 0 and events(res, "suspected") == []


@pytest.mark.parametrize("method", ["sampled", "beats"])
def test_every_beat_lost_and_a_failure_before_the_deadline_is_detected_at_the_deadline(method):
    # Every beat is lost: the controller, which heard the primary at 0, suspects
    # it at 3 s whatever happens meanwhile. The primary fails at 1 s: that
    # suspicion is a true one, 2 s after the failure.
    res = run(pair({"method": method, "heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}},
                   [trans("1s", "1h")], "5s", hold="0s"))
    assert events(res, "suspected") == [(3.0, "suspected")]
    assert res.detection_delays == pytest.approx([2.0])
    assert res.false_suspicions == 0
    (out,) = res.outages
    assert (out.start_s, out.detection_s, out.end_s) == pytest.approx((1.0, 2.0, 3.0))


# -- sampled: detection delays ------------------------------------------------------------------
FAILING = [trans("10m", "2m")]  # down 2 min every 12 min: 10 detections in 2 h


@pytest.mark.parametrize(("detection", "lo", "hi"), [
    ({"heartbeat": {"period": "1s", "misses": 3}}, 2.0, 3.0),
    ({"heartbeat": {"period": "1s", "misses": 3, "latency": "fixed(250ms)"}}, 2.25, 3.25),
    ({"heartbeat": {"period": "100ms", "misses": 1}}, 0.0, 0.1),
    # a varying latency: the latest arrival of the beats in flight, within its range
    ({"heartbeat": {"period": "1s", "misses": 3, "latency": "uniform(1s, 2.5s)"}}, 3.0, 5.5),
    ({"health_check": {"interval": "10s", "unhealthy": 3, "timeout": "2s"}}, 22.0, 32.0),
    ({"health_check": {"interval": "10s", "unhealthy": 1, "timeout": "500ms"}}, 0.5, 10.5),
    # lost beats just before the failure shorten the delay, by up to misses - 1 beats
    ({"heartbeat": {"period": "1s", "misses": 3, "loss": "60%", "latency": "fixed(250ms)"}}, 0.25, 3.25),
])
def test_sampled_detection_delays_stay_within_their_bounds(detection, lo, hi):
    res = run(pair(detection, FAILING, "2h"))
    delays = res.detection_delays
    assert len(delays) == 10
    assert all(lo <= d < hi for d in delays), delays
    assert len(set(delays)) == 10  # U is drawn at every failure
    assert [out.detected_s for out in res.outages] == pytest.approx(delays)


def test_sampled_lost_beats_before_the_failure_shorten_the_delay_below_its_lossless_bound():
    # 60 % loss, misses 3: the last one or two beats before the failure are
    # lost in 24 % + 36 % of failures; those delays are below (misses - 1) periods
    res = run(pair({"heartbeat": {"period": "1s", "misses": 3, "loss": "60%"}}, FAILING, "2h"))
    assert min(res.detection_delays) < 2.0


@pytest.mark.parametrize(("detection", "detected"), [
    ({"heartbeat": {"period": "1s", "misses": 3}}, False),  # the process keeps beating
    ({"health_check": {"interval": "10s", "unhealthy": 2}}, False),  # shallow: it answers
    ({"health_check": {"interval": "10s", "unhealthy": 2, "deep": True}}, True),
])
@pytest.mark.parametrize("method", ["sampled", "beats"])
def test_a_silent_failure_is_seen_only_by_deep_checks(detection, detected, method):
    res = run(pair({"method": method, **detection}, [trans("10m", "1h", silent=True)], "30m", hold="0s"))
    (out,) = res.outages
    assert out.start_s == 600.0
    if detected:  # and promoted b at once
        (d,) = res.detection_delays
        assert 12.0 <= d < 22.0  # (unhealthy - 1 + U) * interval + timeout (default 2 s)
        assert out.end_s == pytest.approx(600.0 + d)
    else:
        assert out.end_s == 1800.0 and out.censored
        assert res.detection_delays == [] and math.isnan(out.detected_s)
        assert events(res, "suspected") == []


# -- beats: every beat an event -------------------------------------------------------------------
def test_beats_health_checks_detect_on_the_check_grid():
    # Checks every 10 s at a phase drawn once; failures at 600 s and 1320 s, a
    # whole number of intervals apart: the same delay, (unhealthy - 1) intervals
    # plus the timeout plus the phase of the grid.
    res = run(pair({"method": "beats", "health_check": {"interval": "10s", "unhealthy": 3, "timeout": "2s"}},
                   FAILING, "30m"))
    d1, d2 = res.detection_delays
    assert d1 == pytest.approx(d2)
    assert 22.0 <= d1 < 32.0


def test_beats_heartbeats_detect_misses_periods_after_the_last_beat_received():
    res = run(pair({"method": "beats", "heartbeat": {"period": "1s", "misses": 3, "latency": "fixed(250ms)"}},
                   FAILING, "30m"))
    d1, d2 = res.detection_delays
    assert d1 == pytest.approx(d2)
    # the last beat before the failure was sent at most one period before it
    assert 2.25 < d1 <= 3.25


@pytest.mark.parametrize(("detection", "period", "k_up", "offset"), [
    # a beat heard ends the suspicion; the suspicion starts misses periods after a beat arrived
    ({"heartbeat": {"period": "1s", "misses": 2, "loss": "30%", "latency": "fixed(300ms)"}}, 1.0, 1, 0.0),
    # healthy passed checks end it; it starts a timeout after a check was sent
    (HC, 10.0, 3, 2.0)])
def test_beats_false_suspicions_last_whole_periods(detection, period, k_up, offset):
    res = run(pair({"method": "beats", **detection}, [], "1h"))
    spans = suspicions(res)
    assert len(spans) in (res.false_suspicions, res.false_suspicions - 1) and len(spans) > 5
    lengths = [whole(end - start + offset, period) for start, end in spans]
    assert min(lengths) == k_up
    # all on one grid: the same phase for every start
    phases = {round((start - spans[0][0]) % period, 6) % period for start, _ in spans}
    assert phases <= {0.0, round(period, 6)}


def test_beats_in_flight_at_the_start_arrive_as_they_would_have():
    # Latency 10 s, beats every 2 s, misses 2: the first beat sent after 0
    # arrives after 10 s, long after the 4 s deadline. Beats sent before 0
    # (every 2 s) are in flight and keep the controller hearing the primary:
    # no suspicion.
    res = run(pair({"method": "beats", "heartbeat": {"period": "2s", "misses": 2, "latency": "fixed(10s)"}},
                   [], "1h"))
    assert res.false_suspicions == 0 and events(res, "suspected") == []


def test_beats_heartbeats_after_a_failover_watch_the_new_primary():
    # p fails at 600 s and is promoted away from (b); b then fails at 1000 s
    # and is detected too, by the same detector watching the new primary.
    m = relsim.load({"name": "det", "horizon": "30m",
                     "components": {"p": {"failures": [trans("10m", "1h")]}, "b": {"failures": [trans("1000s", "1h")]},
                                    "c": {}},
                     "services": {"s": {"replicas": ["p", "b", "c"], "mode": "active-passive",
                                        "detection": {"method": "beats",
                                                      "heartbeat": {"period": "1s", "misses": 3}}}}})
    res = run(m)
    promoted = [(e["t"], e["primary"]) for e in res.trace or [] if e["event"] == "promoted"]
    assert [p for _, p in promoted] == ["b", "c"]
    assert len(res.detection_delays) == 2
    assert all(2.0 < d <= 3.0 for d in res.detection_delays)
    assert res.false_suspicions == 0


def test_sampled_false_suspicions_go_on_after_a_real_failure():
    # p is down 600-720 s (detected, not promoted): once it serves again the
    # controller hears it and lost beats raise false suspicions as before.
    res = run(pair(HB, [trans("10m", "2m")], "21m"))
    (d,) = res.detection_delays
    assert 0.0 <= d < 2.0
    late = [t for t, k in events(res, "suspected") if t > 720.0]
    assert late and res.false_suspicions >= len(late)
    assert min(late) - 720.0 >= 2.0  # misses beats after it was heard again


@pytest.mark.parametrize(("detection", "period", "k_down", "offset", "horizon"), [
    ({"heartbeat": {"period": "1s", "misses": 2, "loss": "30%", "latency": "fixed(300ms)"}}, 1.0, 2, 0.0, "1h"),
    (HC, 10.0, 2, 2.0, "8h")])
def test_beats_a_new_false_suspicion_needs_misses_beats_after_the_last_one_heard(detection, period, k_down, offset,
                                                                                 horizon):
    res = run(pair({"method": "beats", **detection}, [], horizon))
    spans = suspicions(res)
    gaps = [whole(nxt - end - offset, period) for (_, end), (nxt, _) in zip(spans, spans[1:])]
    assert min(gaps) == k_down


# -- distributions no bound pins down (four standard errors) ----------------------------------------
def within_4se(x: list[float], mean: float) -> None:
    a = np.asarray(x, float)
    se = a.std(ddof=1) / math.sqrt(a.size)
    assert abs(a.mean() - mean) < 4 * se, (a.mean(), mean, se)


@pytest.mark.parametrize(("k", "q"), [(3, 0.5), (1, 0.3), (4, 0.9)])
def test_beats_until_run_has_the_mean_of_a_success_run(k, q):
    # Feller XIII.7: trials until k events in a row, E = (1 - q^k) / ((1 - q) q^k)
    rng = np.random.default_rng(11)
    draws = [beats_until_run(rng, k, q) for _ in range(20_000)]
    assert min(draws) == k and all(float(d).is_integer() for d in draws)
    within_4se(draws, (1 - q**k) / ((1 - q) * q**k))


def test_beats_until_run_edges():
    rng = np.random.default_rng(0)
    assert beats_until_run(rng, 3, 0.0) == math.inf
    assert beats_until_run(rng, 3, 1.0) == 3.0


@pytest.mark.parametrize(("k", "q"), [
    (7, 0.01),  # q^k = 1e-14
    # q^k = 9.4e-13, just beyond 1e12 attempts: the lengths' law normalised by
    # 1 - q^k exactly (a factor 1 -+ 2e-12 on the mean would show)
    (6, 0.0099),
    (1, 1e-12)])  # q^k = 1e-12 exactly: the normal sum already (here 1 + N)
def test_beats_until_run_far_beyond_1e12_attempts_is_normal_with_the_attempts_moments(k, q):
    # N ~ exp(q^k) failed attempts of L + 1 trials each, L on 0..k-1 with
    # P(L = j) proportional to q^j (1 - q); the sum is normal with N times
    # their mean and variance.
    j = np.arange(k)
    pl = q**j * (1 - q)
    pl /= pl.sum()
    mean = float(pl @ (j + 1))
    var = float(pl @ (j + 1) ** 2) - mean**2
    for seed in range(5):
        rng, ref = np.random.default_rng(seed), np.random.default_rng(seed)
        n = ref.exponential(1.0 / q**k)
        expected = k + n * mean + math.sqrt(n * var) * ref.standard_normal()
        assert beats_until_run(rng, k, q) == pytest.approx(expected, rel=1e-13)


def _pair_failing(detection: dict[str, Any], horizon: str) -> relsim.Model:
    return pair(detection, [trans("2m", "10s")], horizon)  # a failure every 130 s


def test_sampled_lost_beats_before_the_failure_have_the_truncated_geometric_mean():
    # misses 3, loss 20 %: J lost beats just before the failure, P(J = j) ~ 0.2^j
    # on 0..2; delay = (2 - J + U) * period + latency
    res = run(_pair_failing({"heartbeat": {"period": "1s", "misses": 3, "loss": "20%", "latency": "fixed(250ms)"}},
                            "2.5d"))
    w = 0.2 ** np.arange(3)
    ej = float(w @ np.arange(3) / w.sum())
    assert len(res.detection_delays) > 1500
    within_4se(res.detection_delays, 2 - ej + 0.5 + 0.25)


@pytest.mark.parametrize(("period", "misses", "horizon", "floor"), [
    # beats sent up to 20 periods before the last one may arrive after it
    (0.1, 21, "2.5d", 1.5),
    # up to 2: max(L0, L1 - 1 s, L2 - 2 s), on average 1.0417 s
    (1.0, 3, "30d", 1.04)])
def test_sampled_varying_latency_waits_for_the_latest_beat_in_flight(period, misses, horizon, floor):
    # latency uniform(0, 2 s), which varies by (misses - 1) periods: the
    # deadline runs from the latest arrival, max over m of (L_m - m x period).
    res = run(_pair_failing({"heartbeat": {"period": f"{period}s", "misses": misses,
                                           "latency": "uniform(0s, 2s)"}}, horizon))
    t = np.linspace(0.0, 2.0, 200_001)
    cdf = np.prod([np.clip((t + period * m) / 2.0, 0.0, 1.0) for m in range(misses)], axis=0)
    latest = float(np.sum(1.0 - cdf[:-1]) * (t[1] - t[0]))  # E[max] = integral of (1 - F)
    assert latest > floor  # the last beat's own latency alone averages 1 s
    assert len(res.detection_delays) > 1500
    within_4se(res.detection_delays, (misses - 0.5) * period + latest)


def test_a_false_suspicion_with_fencing_counts_the_lease_from_the_last_beat_heard():
    # period 2 s, misses 3, every beat lost: suspected at 6 s while alive; the
    # controller last heard p misses x period = 6 s earlier, at 0 s, so its
    # 8 s lease expires at 8 s: fenced, then b is promoted in 10 s.
    m = relsim.load({"name": "det", "horizon": "20s", "components": {"p": {}, "b": {}},
                     "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive",
                                        "failover": {"time": "fixed(10s)"}, "fencing": {"lease": "8s"},
                                        "detection": {"heartbeat": {"period": "2s", "misses": 3, "loss": "100%"}}}}})
    res = run(m)
    assert [(t, k) for t, k in events(res, "suspected", "fenced", "failover_started", "promoted")] == [
        (6.0, "suspected"), (8.0, "fenced"), (8.0, "failover_started"), (18.0, "promoted")]


@pytest.mark.parametrize(("detection", "base", "period"), [
    ({"health_check": {"interval": "10s", "unhealthy": 3, "timeout": "2s"}}, 22.0, 10.0),
    ({"heartbeat": {"period": "2s", "misses": 3}}, 4.0, 2.0)])
def test_beats_the_grid_phase_is_uniform_over_a_whole_period(detection, base, period):
    # A failure at 600 s, a whole number of periods: the delay is base plus the
    # phase of the beat grid, drawn once per replication over [0, period).
    phases = []
    for seed in range(20):
        res = run(pair({"method": "beats", **detection}, [trans("10m", "1m")], "11m"), seed=seed)
        (d,) = res.detection_delays
        phases.append(d - base)
    assert all(0.0 <= x <= period for x in phases)
    assert max(phases) > period / 2 and min(phases) < period / 2


def test_beats_health_checks_count_failed_checks_from_the_start():
    # every check fails: the first suspicion needs unhealthy failed checks
    # after the start, the first at the grid's phase in [0, 10 s), each
    # failing after the 2 s timeout
    res = run(pair({"method": "beats", "health_check": {"interval": "10s", "unhealthy": 3, "timeout": "2s",
                                                        "loss": "100%"}}, [], "1m"))
    ((t, _),) = events(res, "suspected")
    assert 22.0 <= t < 32.0


def test_beats_in_flight_from_a_new_primary_arrive_as_they_would_have():
    # As at the start, after a failover: b has beaten every 2 s all along, its
    # beats take 10 s, so some are in flight when it is promoted and keep the
    # controller hearing it; p's failure at 600 s is detected after 12-14 s.
    res = run(pair({"method": "beats", "heartbeat": {"period": "2s", "misses": 2, "latency": "fixed(10s)"}},
                   [trans("10m", "1h")], "20m", hold="0s"))
    (d,) = res.detection_delays
    assert 12.0 < d <= 14.0
    assert [e["primary"] for e in res.trace or [] if e["event"] == "promoted"] == ["b"]
    assert res.false_suspicions == 0 and len(events(res, "suspected")) == 1


# Latency normal(10 s, 10 ms): unbounded above (ppf(1) = inf), so the beats in
# flight reach back to its 1 - 1e-12 quantile (10.07 s); every draw lies
# within 10 s +- 84 ms (the sampler's 53-bit uniforms), so beats sent every
# second arrive 1 s +- 0.17 s apart, never 2 s.
NORMAL_LATENCY = {"method": "beats", "heartbeat": {"period": "1s", "misses": 2, "latency": "normal(mean=10s, sd=10ms)"}}


def test_beats_in_flight_at_the_start_with_a_latency_without_upper_bound():
    # The first beat sent after 0 arrives after ~10 s, long after the 2 s
    # deadline; the beats sent before 0 and still in flight arrive meanwhile.
    res = run(pair(NORMAL_LATENCY, [], "1m"))
    assert res.false_suspicions == 0 and events(res, "suspected") == []


def test_beats_in_flight_from_a_new_primary_with_a_latency_without_upper_bound():
    # p fails at 600 s; its last beat, sent in the second before, arrives
    # 10 s +- 84 ms later and p is suspected 2 s after that: 11-12 s +- 84 ms
    # after its failure (hold 0: b promoted at once). b's beats, sent every second all along, are in flight: b is
    # never suspected.
    res = run(pair(NORMAL_LATENCY, [trans("10m", "1h")], "20m", hold="0s"))
    (d,) = res.detection_delays
    assert 11.0 - 0.085 < d <= 12.0 + 0.085
    assert [e["primary"] for e in res.trace or [] if e["event"] == "promoted"] == ["b"]
    assert res.false_suspicions == 0 and len(events(res, "suspected")) == 1


def test_beats_a_check_of_the_old_primary_failing_after_a_promotion_is_not_counted_against_the_new_one():
    # Checks every 10 s (unhealthy 1, timeout 2 s); p fails at 600 s: the
    # first check after it, at c in [600, 610), fails at c + 2, p is
    # suspected then and b promoted 9 s later, at c + 11. The check of p at
    # c + 10 fails at c + 12, after the promotion: it is about p, not b,
    # which is never suspected.
    m = relsim.load({"name": "det", "horizon": "15m", "components": {"p": {"failures": [trans("10m", "1h")]}, "b": {}},
                     "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive",
                                        "failover": {"hold": "0s", "time": "fixed(9s)"},
                                        "detection": {"method": "beats", "health_check": {
                                            "interval": "10s", "unhealthy": 1, "timeout": "2s"}}}}})
    res = run(m)
    (d,) = res.detection_delays
    assert 2.0 <= d < 12.0
    assert [(t, k) for t, k in events(res, "primary_failed", "suspected", "promoted")] == [
        (600.0, "primary_failed"), (pytest.approx(600.0 + d), "suspected"), (pytest.approx(609.0 + d), "promoted")]
    assert res.false_suspicions == 0 and res.failovers == 1


# -- the deadline far into a run -------------------------------------------------------------
# A silence of exactly ``misses`` periods is not a suspicion: the beat due at the
# deadline counts. Far into a run the beat grid and the deadline, rounded
# differently, part by more than 1e-9 periods (at t = 3e8 s, ~9.5 years, one unit
# in the last place is 6e-8 s): the detector must still treat them as one
# instant. Driven directly, with the run's clock started late, since a run of
# 3e8 s at 0.1 s beats would take minutes.

class _LateSim:
    """What BeatDetector uses of a Simulation, with the clock started at ``t0``."""

    def __init__(self, t0: float, lost: list[bool]):
        import itertools
        from types import SimpleNamespace

        import simpy

        self.env = simpy.Environment(initial_time=t0)
        coins = itertools.cycle([0.0 if x else 1.0 for x in lost])  # a coin below the loss is a lost beat
        self.streams = SimpleNamespace(uniform=lambda key: lambda: next(coins),
                                       generator=lambda key: np.random.default_rng(0),
                                       sampler=lambda dist, key: lambda: dist.mean)

    def after(self, delay: float, callback: Any) -> Any:
        ev = self.env.timeout(delay)
        ev.callbacks.append(callback)
        return ev


def _late_suspicions(t0: float, period: float, misses: int, latency: float, lost: list[bool], rounds: int) -> int:
    from types import SimpleNamespace

    from relsim.dists import Fixed
    from relsim.engine.detection import BeatDetector

    sim = _LateSim(t0, lost)
    suspicions: list[float] = []
    service = SimpleNamespace(name="s", primary=object(), answers=lambda silent: True,
                              suspect=lambda kind: suspicions.append(sim.env.now), unsuspect=lambda kind: None)
    beats = SimpleNamespace(period=period, misses=misses, loss=0.5, latency=Fixed(latency))
    detector = BeatDetector(service, SimpleNamespace(heartbeat=beats, health_check=None), sim)
    detector.next_beat += t0  # its phase counts from when it was built: 0 in a run, t0 here
    detector.watch()
    sim.env.run(until=t0 + rounds * len(lost) * period)
    return len(suspicions)


SETTINGS = [(0.1, 3, 0.05), (0.7, 2, 0.013), (1.5660389455323225, 5, 0.6563162487073053),
            (0.41694756064392846, 1, 0.3530189527186228), (3.2, 4, 3.1)]


@pytest.mark.parametrize("t0", [0.0, 3e8, 2.0**33, 3.1e10])
@pytest.mark.parametrize("period, misses, latency", SETTINGS)
def test_beats_a_silence_of_exactly_misses_periods_is_no_suspicion_however_late(t0, period, misses, latency):
    # misses - 1 beats lost, then one heard, over and over: each silence ends on its deadline.
    assert _late_suspicions(t0, period, misses, latency, [True] * (misses - 1) + [False], 200) == 0


@pytest.mark.parametrize("t0", [0.0, 3e8, 3.1e10])
@pytest.mark.parametrize("period, misses, latency", SETTINGS)
def test_beats_a_silence_of_one_beat_more_is_a_suspicion_however_late(t0, period, misses, latency):
    # misses beats lost, then one heard: every round is a suspicion (the slack is far below a
    # period); the last round's may fall after the end, depending on the grid's phase.
    assert _late_suspicions(t0, period, misses, latency, [True] * misses + [False], 50) in (49, 50)
