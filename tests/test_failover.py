"""Exact timelines of every failover path, with ``fixed(...)`` distributions.

Covers: detection phases, hysteresis, promotion success and failure with
both fallbacks, repairs cancelling a pending failover, flapping primaries
held back by ``hold``, ``min_interval`` and re-admission, split brain from a
partition or a false suspicion with and without fencing, failback, state
transfer, quorum elections and partitions, overload cascades, probes, and
the ``failover_decision`` audit log. Times in hours unless a name says s.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.engine import OUTAGE_FIELDS
from relsim.units import HOUR

H = HOUR


def perm(every: str, repair: str) -> dict[str, Any]:
    return {"kind": "permanent", "every": f"fixed({every})", "repair": f"fixed({repair})"}


def trans(every: str, lasts: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})", **kw}


def pair(p_fail: list[dict[str, Any]], b_fail: list[dict[str, Any]] | None = None, horizon: str = "20h",
         *, domains: dict[str, Any] | None = None, links: dict[str, Any] | None = None,
         p_in: str | None = None, b_in: str | None = None, **service: Any) -> relsim.Model:
    comps: dict[str, Any] = {"p": {"failures": p_fail}, "b": {"failures": b_fail or []}}
    if p_in:
        comps["p"]["in"] = p_in
    if b_in:
        comps["b"]["in"] = b_in
    raw: dict[str, Any] = {
        "name": "failover", "horizon": horizon, "components": comps,
        "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive", **service}},
    }
    if domains:
        raw["domains"] = domains
    if links:
        raw["links"] = links
    return relsim.load(raw)


def run(m: relsim.Model) -> relsim.RunResult:
    return relsim.simulate(m, seed=0, replication=0, trace=True)


def outages(res: relsim.RunResult) -> list[dict[str, Any]]:
    return [dict(zip(OUTAGE_FIELDS, row)) for row in res.outages]


def events(res: relsim.RunResult, *names: str) -> list[dict[str, Any]]:
    assert res.trace is not None
    return [e for e in res.trace if e["event"] in names]


def hours(*xs: float) -> Any:
    return pytest.approx([x * H for x in xs], abs=1e-6)


def test_successful_failover_after_hold_and_promotion():
    res = run(pair([perm("10h", "5h")], failover={"time": "fixed(2m)", "hold": "1m"}))
    (out,) = outages(res)
    assert (out["start_s"], out["end_s"]) == pytest.approx((10 * H, 10 * H + 180))
    assert (out["detection_s"], out["decision_s"], out["failover_s"], out["restore_s"]) == \
        pytest.approx((0, 60, 120, 0))
    assert out["needed_failover"] and out["cause_element"] == "p"
    assert res.failovers == 1 and res.false_failovers == 0 and res.split_brains == 0
    (decision,) = events(res, "failover_decision")
    assert decision["t"] == pytest.approx(10 * H + 60)
    assert decision["candidates"] == {"b": "ok"} and decision["outcome"] == "promote b"
    assert decision["primary_state"] == "down" and decision["trigger"] == "instant"


def test_failed_promotion_then_manual_recovery():
    res = run(pair([perm("10h", "5h")], failover={"time": "fixed(2m)", "success": "0%",
                                                 "fallback": "manual", "manual": "fixed(30m)"}))
    (out,) = outages(res)
    assert out["duration_s"] == pytest.approx(32 * 60)
    assert (out["failover_s"], out["restore_s"]) == pytest.approx((120, 1800))
    assert res.failed_failovers == 1
    assert [e["event"] for e in events(res, "failover_failed", "manual_recovery_started", "promoted")] == \
        ["failover_failed", "manual_recovery_started", "promoted"]
    assert events(res, "failover_decision")[-1]["trigger"] == "manual"


def test_failed_promotion_then_waiting_for_the_repair():
    res = run(pair([perm("10h", "5h")], failover={"time": "fixed(2m)", "success": "0%"}))
    (out,) = outages(res)
    assert (out["start_s"], out["end_s"]) == hours(10, 15)
    assert (out["failover_s"], out["restore_s"]) == pytest.approx((120, 5 * H - 120))
    (promoted,) = events(res, "promoted")
    assert promoted["primary"] == "p" and promoted["via"] == "restored"


def test_a_standby_that_fails_during_promotion_is_not_promoted():
    res = run(pair([perm("10h", "5h")], [trans("10.01h", "1h")], failover={"time": "fixed(2m)"}))
    (failed,) = events(res, "failover_failed")
    assert "b failed during promotion" in failed["reason"]
    (out,) = outages(res)
    # waiting for a restore: b, back at 11.01 h, serves at once (p is repaired at 15 h)
    assert out["end_s"] == pytest.approx(11.01 * H)
    assert events(res, "promoted")[0]["via"] == "restored"


def test_repair_during_decision_cancels_the_failover():
    res = run(pair([trans("10h", "30s")], failover={"time": "fixed(2m)", "hold": "1m"}))
    (out,) = outages(res)
    assert out["duration_s"] == pytest.approx(30)
    assert out["decision_s"] == pytest.approx(30)
    assert res.failovers == 0
    (cancel,) = events(res, "failover_cancelled")
    assert cancel["phase"] == "decision" and cancel["reason"] == "primary recovered"


def _flapping(hold: str) -> relsim.RunResult:
    flap = {"kind": "intermittent", "every": "fixed(10h)", "lasts": "fixed(5m)",
            "down": "fixed(10s)", "up": "fixed(20s)"}
    return run(pair([flap], failover={"time": "fixed(5s)", "hold": hold}, horizon="11h"))


def test_hold_keeps_a_flapping_primary_from_failing_over():
    calm = _flapping("30s")
    assert calm.failovers == 0
    assert len(calm.outages) == 10  # every 10 s down spell of the 5 min episode
    assert sum(o[2] for o in calm.outages) == pytest.approx(100)
    jumpy = _flapping("0s")
    assert jumpy.failovers == 1  # after the switch, the flapping node is the standby
    assert sum(o[2] for o in jumpy.outages) == pytest.approx(5)


def test_min_interval_damps_back_to_back_failovers():
    # p fails at 10 h (-> b), b fails at 10.1 h: the second failover must wait
    # until 10 h + 30 min even though p was repaired at 10.05 h.
    m = pair([perm("10h", "3m")], [perm("10.1h", "5h")], horizon="11h",
             failover={"time": "fixed(1m)", "min_interval": "30m"})
    res = run(m)
    first, second = outages(res)
    assert first["duration_s"] == pytest.approx(60)
    assert second["start_s"] == pytest.approx(10.1 * H)
    # the second failover may start 30 min after the first one completed
    assert second["end_s"] == pytest.approx(10 * H + 60 + 30 * 60 + 60)
    assert res.failovers == 2 and res.flaps == 1


def test_readmission_delay_blocks_a_freshly_recovered_standby():
    # b recovers at 9.9 h; with readmit_after 30 min it is no candidate at 10 h.
    m = pair([perm("10h", "1h")], [trans("9h", "54m")], failover={"time": "fixed(1m)", "readmit_after": "30m"})
    res = run(m)
    (decision,) = events(res, "failover_decision")
    assert decision["candidates"] == {"b": "not readmitted"} and decision["outcome"] == "no candidate"
    (out,) = outages(res)
    assert out["end_s"] == pytest.approx(11 * H)  # waits for p's repair


ZONES = {"za": {"kind": "zone"}, "zb": {"kind": "zone"}}
LINK = {"za-zb": {"between": ["za", "zb"], "failures": [trans("10h", "1h")]}}


def _partitioned(**service: Any) -> relsim.RunResult:
    m = relsim.load({
            "name": "partition", "horizon": "20h", "domains": ZONES, "links": LINK,
            "components": {"p": {"in": "za", "failures": []}, "b": {"in": "zb", "failures": []}},
            "services": {"s": {"replicas": ["p", "b"], "mode": "active-passive",
                               "detection": {"heartbeat": {"period": "1s", "misses": 3}, "method": "beats",
                                             "controller": "zb"}, **service}},
        })
    return run(m)


def test_partition_without_fencing_splits_the_brain():
    res = _partitioned(failover={"time": "fixed(1m)"})
    (out,) = outages(res)
    assert out["cause_element"] == "za-zb"
    # the controller in zb stops hearing p: suspicion 2-3 s later, then promotion
    assert 10 * H + 62 <= out["end_s"] <= 10 * H + 63 + 1e-9
    assert out["detection_s"] == pytest.approx(out["detected_s"])
    assert res.false_failovers == 1 and res.split_brains == 1
    # p keeps serving on its side until the link heals at 11 h
    assert res.split_brain_time == pytest.approx(11 * H - out["end_s"])
    assert events(res, "split_brain_end")[0]["t"] == pytest.approx(11 * H)


def test_partition_with_fencing_waits_for_the_lease_and_never_splits():
    res = _partitioned(failover={"time": "fixed(1m)"}, fencing={"lease": "30s"})
    (out,) = outages(res)
    # promotion may start only once p's lease has expired, 30 s after the partition
    assert out["end_s"] == pytest.approx(10 * H + 30 + 60)
    assert res.split_brains == 0 and res.split_brain_time == 0.0
    assert res.false_failovers == 1


def _false_suspicion(**service: Any) -> relsim.RunResult:
    # Every beat is lost: the sampled detector suspects the healthy primary
    # after exactly misses x period = 3 s, and never hears it again.
    m = pair([], [], "16s", detection={"heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}},
             failover={"time": "fixed(10s)"}, **service)
    return run(m)


def test_false_suspicion_without_fencing_is_a_split_brain_not_an_outage():
    res = _false_suspicion()
    assert res.outages == []
    assert res.false_suspicions == 1 and res.false_failovers == 1
    assert res.split_brain_time == pytest.approx(16 - 13)
    (decision,) = events(res, "failover_decision")
    assert decision["t"] == pytest.approx(3) and decision["primary_state"] == "alive"


def test_false_suspicion_with_fencing_costs_an_outage_not_a_split_brain():
    res = _false_suspicion(fencing={"lease": "5s"})
    (out,) = outages(res)
    # p heard last at 0 s; its lease expires at 5 s and it stops serving;
    # promotion starts then and takes 10 s.
    assert (out["start_s"], out["end_s"]) == pytest.approx((5, 15))
    assert (out["cause_element"], out["cause_kind"]) == ("s", "fencing")
    assert res.split_brains == 0 and res.false_failovers == 1


def test_suspicion_shorter_than_hold_is_suppressed():
    # Beats mode, every beat lost for 100 % then... use hold longer than the horizon:
    m = pair([], [], "1h", detection={"heartbeat": {"period": "1s", "misses": 3, "loss": "30%"}},
             failover={"time": "fixed(10s)", "hold": "2h"})
    res = run(m)
    assert res.false_suspicions > 0
    assert res.suppressed >= res.false_suspicions - 1  # the last one may still be open at the horizon
    assert res.failovers == 0 and res.outages == []


def test_failback_switches_back_with_a_planned_outage():
    m = pair([perm("10h", "5h")], [], "20h", failover={"time": "fixed(1m)", "failback": "auto",
                                                       "failback_after": "1h"})
    res = run(m)
    first, second = outages(res)
    assert (first["start_s"], first["end_s"]) == pytest.approx((10 * H, 10 * H + 60))
    assert (second["start_s"], second["end_s"]) == pytest.approx((16 * H, 16 * H + 60))
    assert (second["cause_element"], second["cause_kind"]) == ("s", "failback")
    assert [e["via"] for e in events(res, "promoted")] == ["failover", "failback"]


def test_cold_standby_state_transfer_adds_to_promotion():
    m = pair([perm("10h", "5h")], [], "20h", standby="cold", startup="fixed(1m)",
             state={"size": "50GB", "bandwidth": "1Gb/s"}, failover={"time": "fixed(1m)"})
    (out,) = outages(run(m))
    assert out["duration_s"] == pytest.approx(60 + 60 + 400)  # 50 GB at 125 MB/s = 400 s


def test_silent_failure_escapes_shallow_checks_but_not_deep_ones():
    silent = trans("10h", "1h", silent=True)
    for deep, expected in ((False, 1 * H), (True, None)):
        m = pair([silent], [], "20h", failover={"time": "fixed(1m)"},
                 detection={"health_check": {"interval": "10s", "unhealthy": 3, "timeout": "2s", "deep": deep}})
        res = run(m)
        (out,) = outages(res)
        if expected is not None:
            assert out["duration_s"] == pytest.approx(expected)  # never detected: no failover
            assert out["detection_s"] == pytest.approx(expected) and res.failovers == 0
        else:
            # detected after 2-3 checks + timeout, then a 1 min promotion
            assert 20 + 2 + 60 <= out["duration_s"] <= 30 + 2 + 60 + 1e-9
            assert res.failovers == 1


def test_probe_detects_outages_for_mttd():
    m = relsim.load({
        "name": "probe", "horizon": "20h",
        "components": {"a": {"failures": [trans("10h", "1h")]}},
        "services": {"s": {"replicas": ["a"]}},
        "probe": {"interval": "1m", "unhealthy": 2, "timeout": "10s"},
    })
    (out,) = outages(run(m))
    assert 60 + 10 <= out["detected_s"] <= 120 + 10


def quorum(election: str | None, links: dict[str, Any] | None = None) -> relsim.Model:
    raw: dict[str, Any] = {
        "name": "q", "horizon": "20h",
        "domains": {z: {"kind": "zone"} for z in ("za", "zb", "zc")},
        "components": {"n1": {"in": "za", "failures": [trans("10h", "1h")]},
                       "n2": {"in": "zb"}, "n3": {"in": "zc"}},
        "services": {"q": {"replicas": ["n1", "n2", "n3"], "mode": "quorum"}},
    }
    if election:
        raw["services"]["q"]["election"] = election
    if links:
        raw["links"] = links
    return relsim.load(raw)


def test_losing_the_leader_costs_an_election():
    res = run(quorum("fixed(10s)"))
    (out,) = outages(res)
    assert (out["start_s"], out["duration_s"]) == pytest.approx((10 * H, 10))
    assert res.elections == 1
    assert events(res, "leader_elected")[0]["leader"] == "n2"
    assert outages(run(quorum(None))) == []  # no election time: the majority serves on


def test_partition_isolating_one_member_keeps_the_majority():
    links = {"ab": {"between": ["za", "zb"], "failures": [trans("5h", "1h")]},
             "ac": {"between": ["za", "zc"], "failures": [trans("5h", "1h")]}}
    res = run(quorum("fixed(10s)", links))
    # 5 h: n1, the leader, is cut off: n2 and n3 keep a quorum but elect a new
    # leader. 10 h: n1 fails, but it no longer leads: no outage. 17 h: the
    # same partition again; the leader n2 stays in the majority: no election.
    starts = [o["start_s"] for o in outages(res)]
    assert starts == pytest.approx([5 * H])
    assert res.elections == 1


def _cascade(capacity: float) -> relsim.RunResult:
    return run(relsim.load({
        "name": "cascade", "horizon": "20h",
        "components": {"w": {"count": 3, "failures": []}, "x": {"failures": [perm("10h", "5h")]}},
        "services": {"web": {"replicas": ["w", "x"], "needs": 1,
                             "overload": {"capacity": capacity, "after": "1m", "probability": "100%",
                                          "lasts": "fixed(10m)"}}},
    }))


def test_overload_cascade_takes_down_the_survivors():
    # Losing x leaves 3 of 4 replicas carrying 4/3 of their load > 1.3: after
    # 1 min all three fail for 10 min; they come back one at a time, so the
    # first to return carries everything and the cascade repeats - even after
    # x's repair at 15 h (a metastable failure: only shedding load ends it).
    res = _cascade(1.3)
    first = outages(res)[0]
    assert (first["start_s"], first["duration_s"]) == pytest.approx((10 * H + 60, 600))
    assert first["cause_kind"] == "overload"
    assert res.failures_by_kind["overload"] >= 3 * 20
    assert res.downtime > 5 * H
    assert any(o["start_s"] > 15 * H for o in outages(res))


def test_enough_headroom_means_no_cascade():
    res = _cascade(1.4)  # 4/3 < 1.4
    assert res.outages == [] and "overload" not in res.failures_by_kind


def test_a_latent_fault_is_detection_time_until_it_is_found():
    m = relsim.load({
        "name": "latent", "horizon": "20h",
        "components": {"a": {"failures": [{"kind": "permanent", "every": "fixed(10h)",
                                           "repair": "fixed(1h)", "detect": "fixed(30m)"}]}},
        "services": {"s": {"replicas": ["a"]}},
    })
    (out,) = outages(run(m))
    assert (out["start_s"], out["end_s"]) == pytest.approx((10 * H, 11.5 * H))
    assert (out["detection_s"], out["restore_s"], out["detected_s"]) == pytest.approx((1800, 3600, 1800))
    assert not out["needed_failover"]
