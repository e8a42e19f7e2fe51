"""Exact timelines for relsim/engine/simulation.py: the outage records of the trace and the probe.

Times are fixed(...) and written in hours; the engine works in seconds.
"""

from __future__ import annotations

import math

import pytest

import relsim
from relsim.engine.simulation import Simulation
from relsim.units import HOUR


def _single(horizon: str = "24h", **extra: object) -> relsim.Model:
    comp = {"failures": [{"kind": "permanent", "every": "fixed(10h)", "repair": "fixed(1h)"}]}
    return relsim.load({"name": "timeline", "horizon": horizon, "components": {"a": comp},
                        "services": {"s": {"replicas": ["a"]}}, **extra})


def test_trace_outage_records_name_the_spec_and_kind_and_the_duration() -> None:
    # a fails at 10 h, back at 11 h; fails again at 21 h, back at 22 h
    res = relsim.simulate(_single(), seed=0, replication=0, engine="simpy", trace=True)
    assert res.trace is not None
    starts = [{k: v for k, v in r.items() if k != "event"} for r in res.trace if r["event"] == "outage_start"]
    ends = [{k: v for k, v in r.items() if k != "event"} for r in res.trace if r["event"] == "outage_end"]
    assert starts == [{"t": 10 * HOUR, "cause": "a", "spec": 0, "kind": "permanent"},
                      {"t": 21 * HOUR, "cause": "a", "spec": 0, "kind": "permanent"}]
    assert ends == [{"t": 11 * HOUR, "duration": 1 * HOUR}, {"t": 22 * HOUR, "duration": 1 * HOUR}]
    assert res.downtime == 2 * HOUR
    assert res.served_integral == 22 * HOUR


@pytest.mark.parametrize(("probe", "seed", "lo", "hi"), [
    # unhealthy after 1 failed check, checks every minute, no timeout:
    # the probe notices an outage u * 60 s after it starts, u in [0, 1)
    ({"interval": "1m", "unhealthy": 1, "timeout": "0s"}, 1, 0.0, 60.0),
    # unhealthy after 2 failed checks a minute apart, 30 s timeout: the probe
    # notices an outage (1 + u) * 60 + 30 s after it starts, u in [0, 1)
    ({"interval": "1m", "unhealthy": 2, "timeout": "30s"}, 2, 90.0, 150.0),
])
def test_the_probe_sees_an_outage_after_its_failed_checks_and_timeout(probe, seed, lo, hi) -> None:
    m = _single(probe=probe)
    for rep in range(5):
        res = relsim.simulate(m, seed=seed, replication=rep, engine="simpy")
        assert len(res.outages) == 2
        for out in res.outages:
            assert not math.isnan(out.detected_s)
            assert lo <= out.detected_s < hi
            assert out.duration_s == 1 * HOUR


def _pair(service: dict[str, object], **extra: object) -> relsim.Model:
    # a fails at 10 h and is repaired at 11 h; b never fails; horizon 12 h
    fail = {"failures": [{"kind": "permanent", "every": "fixed(10h)", "repair": "fixed(1h)"}]}
    return relsim.load({"name": "pair", "horizon": "12h", "components": {"a": fail, "b": {}},
                        "services": {"s": {"replicas": ["a", "b"], **service}}, **extra})


def _outage_records(res: relsim.RunResult) -> list[dict[str, object]]:
    assert res.trace is not None
    return [r for r in res.trace if r["event"] in ("outage_start", "outage_end")]


def test_probe_keeps_the_controllers_earlier_detection() -> None:
    # heartbeats every second, 3 misses: the controller suspects a within
    # (2 s, 3 s] of its failure at 10 h; the promotion of b then takes a fixed
    # 5 min, so the outage lasts detection + 300 s. The probe (2 failed checks
    # a minute apart, 30 s each) would only see it after (1 + U) * 60 + 30 in
    # [90 s, 150 s): detected_s is the controller's delay, the earlier one.
    m = _pair({"mode": "active-passive", "failover": {"time": "fixed(5m)"},
               "detection": {"heartbeat": {"period": "1s", "misses": 3}}},
              probe={"interval": "1m", "unhealthy": 2, "timeout": "30s"})
    for rep in range(3):
        res = relsim.simulate(m, seed=0, replication=rep, engine="simpy")
        assert len(res.outages) == 1
        out = res.outages[0]
        assert 2.0 < out.detected_s <= 3.0
        assert math.isclose(out.detected_s, out.duration_s - 300.0, abs_tol=1e-6)


def test_a_zero_length_dip_is_traced_but_is_no_outage() -> None:
    # an instant failover (no detection section, promotion fixed(0)): s drops
    # to 0 when a fails at 10 h and is back at 1 the same instant
    res = relsim.simulate(_pair({"mode": "active-passive"}), seed=0, replication=0, engine="simpy", trace=True)
    assert _outage_records(res) == [
        {"t": 10 * HOUR, "event": "outage_start", "cause": "a", "spec": 0, "kind": "permanent"},
        {"t": 10 * HOUR, "event": "outage_end", "duration": 0.0},
    ]
    assert res.outages == []
    assert res.downtime == 0.0
    assert res.served_integral == 12 * HOUR


def test_request_success_exactly_at_outage_below_is_degraded_not_down() -> None:
    # needs 2 of 2: with a down from 10 h to 11 h the path serves 0.5, exactly
    # outage_below: degraded for that hour, never an outage
    m = _pair({"needs": 2}, workload={"rate": "10/s"}, objectives={"outage_below": "50%"})
    res = relsim.simulate(m, seed=0, replication=0, engine="simpy", trace=True)
    assert _outage_records(res) == []
    assert res.outages == []
    assert res.downtime == 0.0
    assert res.degraded_time == 1 * HOUR
    assert res.served_integral == 10 * HOUR + 0.5 * HOUR + 1 * HOUR


def _front_and_back(front_data: dict[str, object] | None = None,
                    back_data: dict[str, object] | None = None) -> relsim.Model:
    # front (the entry) needs back; the primaries a1 and b1 both fail at 10 h
    # (repaired at 11 h); no detection section, so both failovers start at
    # once: front promotes a2 in a fixed 5 min, back promotes b2 in 10 min
    fail = {"failures": [{"kind": "permanent", "every": "fixed(10h)", "repair": "fixed(1h)"}]}
    front: dict[str, object] = {"replicas": ["a1", "a2"], "mode": "active-passive",
                                "failover": {"time": "fixed(5m)"}, "depends_on": ["back"]}
    back: dict[str, object] = {"replicas": ["b1", "b2"], "mode": "active-passive",
                               "failover": {"time": "fixed(10m)"}}
    if front_data is not None:
        front["data"] = front_data
    if back_data is not None:
        back["data"] = back_data
    return relsim.load({"name": "front-back", "horizon": "12h", "entry": "front",
                        "components": {"a1": fail, "a2": {}, "b1": fail, "b2": {}},
                        "services": {"front": front, "back": back}})


def test_two_failovers_under_way_keep_the_outage_in_the_failover_phase() -> None:
    # the outage lasts from 10 h until back's promotion at 10 h 10 min; front's
    # failover ends at 10 h 5 min, back's is still under way: all 600 s are
    # failover time, none restore
    res = relsim.simulate(_front_and_back(), seed=0, replication=0, engine="simpy")
    assert len(res.outages) == 1
    out = res.outages[0]
    assert (out.start_s, out.end_s, out.cause_element) == (10 * HOUR, 10 * HOUR + 600.0, "a1")
    assert (out.detection_s, out.decision_s, out.failover_s, out.restore_s) == (0.0, 0.0, 600.0, 0.0)
    assert out.needed_failover is True
    assert res.failovers == 2


def test_data_lost_by_two_failovers_in_one_outage_adds_up() -> None:
    # front's promotion at 10 h 5 min loses its 5 s of lag, back's at
    # 10 h 10 min its 2 s: the outage is charged both counts, and the larger
    # span as its rpo although the smaller came last
    m = _front_and_back({"writes": "10/s", "lag": "fixed(5s)"}, {"writes": "10/s", "lag": "fixed(2s)"})
    res = relsim.simulate(m, seed=0, replication=0, engine="simpy", trace=True)
    assert res.trace is not None
    losses = [(r["t"], r["service"], r["seconds"], r["writes"]) for r in res.trace if r["event"] == "data_loss"]
    assert [loss[:3] for loss in losses] == [(10 * HOUR + 300.0, "front", 5.0), (10 * HOUR + 600.0, "back", 2.0)]
    assert all(loss[3] > 0 for loss in losses)
    assert len(res.outages) == 1
    out = res.outages[0]
    assert out.writes_lost == losses[0][3] + losses[1][3] == res.writes_lost
    assert out.rpo_s == 5.0


def test_an_outage_is_in_detection_only_while_its_own_cause_is_latent() -> None:
    # x fails at 1 h with a latent fault found 5 h later (6 h), repaired at 7 h,
    # and fails again at 8 h (found at 13 h, past the horizon); y fails at 2 h,
    # 5 h and 8 h, each time for 1 h. The outages caused by y while x's fault
    # is hidden wait for y's repair (restore); the one x causes at 8 h (y
    # down since that instant) is undetected throughout
    m = relsim.load({"name": "latent", "horizon": "10h", "components": {
        "x": {"failures": [{"kind": "permanent", "every": "fixed(1h)", "repair": "fixed(1h)",
                            "detect": "fixed(5h)"}]},
        "y": {"failures": [{"kind": "permanent", "every": "fixed(2h)", "repair": "fixed(1h)"}]}},
        "services": {"s": {"replicas": ["x", "y"]}}})
    res = relsim.simulate(m, seed=0, replication=0, engine="simpy")
    assert [(o.start_s / HOUR, o.end_s / HOUR, o.cause_element, o.detection_s, o.restore_s)
            for o in res.outages] == [(2.0, 3.0, "y", 0.0, 1 * HOUR), (5.0, 6.0, "y", 0.0, 1 * HOUR),
                                      (8.0, 9.0, "x", 1 * HOUR, 0.0)]


def test_a_failure_that_destroys_data_is_traced_as_a_disaster() -> None:
    m = relsim.load({"name": "disaster", "horizon": "12h", "components": {
        "a": {"failures": [{"kind": "permanent", "every": "fixed(10h)", "repair": "fixed(1h)",
                            "destroys": "data"}]}, "b": {}},
        "services": {"s": {"replicas": ["a", "b"], "mode": "active-passive",
                           "data": {"writes": "10/s", "lag": "fixed(2s)"}}}})
    res = relsim.simulate(m, seed=0, replication=0, engine="simpy", trace=True)
    assert res.trace is not None
    assert [r for r in res.trace if r["event"] == "disaster"] == [
        {"t": 10 * HOUR, "event": "disaster", "domain": "a", "destroys": "data"}]
    assert [(r["service"], r["replicas"], r["mode"]) for r in res.trace if r["event"] == "data_destroyed"] == [
        ("s", ["a"], "data")]


def test_an_element_that_never_fails_runs_no_failure_clock() -> None:
    # a alone would fail at 10 h and 21 h; held up, the day has no event of it
    res = relsim.simulate(_single().conditioned(never_fails=["a"]), seed=0, replication=0,
                          engine="simpy", trace=True)
    assert res.trace == []
    assert (res.failures, res.downtime, res.outages) == (0, 0.0, [])
    assert res.served_integral == 24 * HOUR


def test_degraded_time_counts_the_stretch_still_degraded_at_the_horizon() -> None:
    # needs 2 of 2, no workload: a is down 4-5 h and again from 9 h (back at
    # 10 h, past the 9.5 h horizon); the entry serves 0.5 meanwhile, degraded
    # (and down) for 1 h + 0.5 h, the second outage censored at the horizon
    fail = {"failures": [{"kind": "permanent", "every": "fixed(4h)", "repair": "fixed(1h)"}]}
    m = relsim.load({"name": "degraded", "horizon": "9.5h", "components": {"a": fail, "b": {}},
                     "services": {"s": {"replicas": ["a", "b"], "needs": 2}}})
    res = relsim.simulate(m, seed=0, replication=0, engine="simpy")
    assert [(o.start_s / HOUR, o.end_s / HOUR, o.censored) for o in res.outages] == [
        (4.0, 5.0, False), (9.0, 9.5, True)]
    assert res.degraded_time == res.downtime == 1.5 * HOUR
    assert res.served_integral == 8 * HOUR + 0.5 * 1.5 * HOUR


def test_services_start_once_each_after_the_services_they_need() -> None:
    # front needs back and mid, mid needs back: back is reached three times
    # (from front, from mid, from the list) and starts once, first
    m = relsim.load({"name": "order", "horizon": "1h", "entry": "front",
                     "components": {"a": {}, "b": {}, "c": {}},
                     "services": {"front": {"replicas": ["a"], "depends_on": ["back", "mid"]},
                                  "mid": {"replicas": ["b"], "depends_on": ["back"]},
                                  "back": {"replicas": ["c"]}}})
    sim = Simulation(m, 0, 0)
    assert [s.name for s in sim.services] == ["front", "mid", "back"]
    assert [s.name for s in sim._start_order()] == ["back", "mid", "front"]


@pytest.mark.parametrize("horizon", [0.0, -1.0, math.inf, math.nan])
def test_simulate_refuses_a_horizon_that_is_not_a_positive_duration(horizon: float) -> None:
    with pytest.raises(ValueError, match=r"^horizon must be a positive duration, got "):
        # an event limit: a horizon let through would stop there, not run forever
        relsim.simulate(_single(), seed=0, replication=0, horizon=horizon, engine="simpy", max_events=100)


@pytest.mark.parametrize("engine", ["simpy", "lean"])
def test_simulate_takes_a_horizon_of_one_second(engine: str) -> None:
    res = relsim.simulate(_single(), seed=0, replication=0, horizon=1.0, engine=engine)
    assert (res.horizon, res.failures, res.downtime, res.served_integral) == (1.0, 0, 0.0, 1.0)


def test_the_batch_engine_is_asked_unless_a_trace_or_an_observer_is() -> None:
    # fixed up-times could tie: the batch engine refuses the model, while a
    # trace or a piece observer always runs it on SimPy
    with pytest.raises(ValueError, match=r"^the batch engine does not run model 'timeline': "):
        relsim.simulate(_single(), seed=0, replication=0, engine="batch")
    res = relsim.simulate(_single(), seed=0, replication=0, engine="batch", trace=True)
    assert res.trace is not None and res.downtime == 2 * HOUR


def _exponential_pair() -> relsim.Model:
    # continuous laws: the lean and the batch engine both run it
    fail = {"failures": [{"kind": "permanent", "every": "exp(mean=100h)", "repair": "exp(mean=10h)"}]}
    return relsim.load({"name": "exp-pair", "horizon": "2000h", "components": {"a": fail, "b": fail},
                        "services": {"s": {"replicas": ["a", "b"], "needs": 2}}})


def test_engine_batch_runs_the_replication_asked_on_the_batch_engine() -> None:
    from relsim.engine.batch import simulate_batch

    m = _exponential_pair()
    res = relsim.simulate(m, seed=3, replication=5, horizon=1000 * HOUR, engine="batch")
    direct = simulate_batch(m, 3, 5, 1000 * HOUR, None)
    assert (res.replication, res.seed, res.horizon) == (5, 3, 1000 * HOUR)
    assert (res.downtime, res.failures, res.events) == (direct.downtime, direct.failures, direct.events)
    assert res.failures > 0
    other = relsim.simulate(m, seed=3, replication=6, horizon=1000 * HOUR, engine="batch")
    assert other.replication == 6 and other.downtime != res.downtime
    with pytest.raises(relsim.TooManyEvents):
        relsim.simulate(m, seed=3, replication=5, engine="batch", max_events=1)


def test_engine_names_and_the_lean_engines_refusal() -> None:
    with pytest.raises(ValueError, match=r"^engine must be one of auto, simpy, lean, batch, got 'fast'$"):
        relsim.simulate(_single(), seed=0, replication=0, engine="fast")
    with pytest.raises(ValueError, match=r"^the lean engine does not run model 'pair': "):
        relsim.simulate(_pair({"mode": "active-passive"}), seed=0, replication=0, engine="lean")
    # the lean engine runs _single, but neither a trace nor a piece observer
    with pytest.raises(ValueError, match=r"^the lean engine does not run model 'timeline': a trace or a piece observer$"):
        relsim.simulate(_single(), seed=0, replication=0, engine="lean", trace=True)
    assert relsim.simulate(_single(), seed=0, replication=0, engine="lean").downtime == 2 * HOUR


@pytest.mark.parametrize("engine", ["simpy", "lean", "auto"])
def test_the_event_limit_names_the_replication_and_the_time_it_was_passed(engine: str) -> None:
    # a fails at 10 h and 21 h and is back at 11 h and 22 h: four events
    # before the horizon; a limit of 3 is passed at the third, at 21 h
    with pytest.raises(relsim.TooManyEvents) as err:
        relsim.simulate(_single(), seed=4, replication=7, engine=engine, max_events=3)
    assert (err.value.limit, err.value.replication, err.value.seed, err.value.time) == (3, 7, 4, 21 * HOUR)
    res = relsim.simulate(_single(), seed=4, replication=7, engine=engine, max_events=4)
    assert (res.replication, res.seed, res.downtime) == (7, 4, 2 * HOUR)


def test_the_repair_crews_of_the_model_are_the_simulations() -> None:
    # needs 2 of 2, a and b both fail at 10 h for 1 h of repair each; one crew
    # repairs a by 11 h, then b by 12 h; they fail again 10 h after their
    # repairs, at 21 h and 22 h, each repaired within the hour
    comp = {"failures": [{"kind": "permanent", "every": "fixed(10h)", "repair": "fixed(1h)"}]}
    m = relsim.load({"name": "crews", "horizon": "24h", "repair_crews": 1, "components": {"a": comp, "b": comp},
                     "services": {"s": {"replicas": ["a", "b"], "needs": 2}}})
    res = relsim.simulate(m, seed=0, replication=0, engine="simpy")
    assert [(o.start_s / HOUR, o.end_s / HOUR, o.cause_element) for o in res.outages] == [
        (10.0, 12.0, "a"), (21.0, 23.0, "a")]


def test_a_piece_observer_needs_a_workload() -> None:
    with pytest.raises(ValueError, match=r"^on_piece observes the request path: the model needs a 'workload'$"):
        relsim.simulate(_single(), seed=0, replication=0, on_piece=lambda piece: None)


def test_without_a_workload_any_dip_of_the_entry_is_an_outage() -> None:
    # outage_below applies to request success only: without a workload the
    # entry serving 0.5 (a down 10-11 h, needs 2 of 2) is an outage
    res = relsim.simulate(_pair({"needs": 2}, objectives={"outage_below": "50%"}), seed=0, replication=0,
                          engine="simpy")
    assert [(o.start_s / HOUR, o.end_s / HOUR, o.cause_element) for o in res.outages] == [(10.0, 11.0, "a")]
    assert res.downtime == res.degraded_time == 1 * HOUR


def test_a_simulation_built_directly_keeps_no_trace_and_runs_the_models_horizon() -> None:
    res = Simulation(_single(), 5, 2).run()
    assert res.trace is None
    assert (res.replication, res.seed, res.horizon, res.downtime) == (2, 5, 24 * HOUR, 2 * HOUR)
