"""Exact timelines of sagas and two-phase commits (docs/application.md §4).

``payments`` (pay-1) is down 2-3 h, 5-6 h and 8-9 h (``fixed`` times); every
count below is worked by hand from the closed forms of relsim.engine.sagas.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.engine.sagas import saga_outcomes

HOUR = 3600.0


def shop(horizon: str = "10h", pay: list[str] | None = None, needs: int = 1, **extra: Any) -> relsim.Model:
    return relsim.load({
        "name": "shop", "horizon": horizon,
        "components": {"inv-1": {}, "pay-2": {},
                       "pay-1": {"failures": [{"kind": "transient", "every": "fixed(2h)", "lasts": "fixed(1h)"}]}},
        "services": {"inventory": {"replicas": ["inv-1"]},
                     "payments": {"replicas": pay or ["pay-1"], "needs": needs}},
        "entry": "inventory", **extra})


def test_saga_outcomes_with_two_stuck_points_and_one_compensation_per_step():
    # p = 1/2 each; c = 0.9, 0.8, 1: fails at 1 (1/2, nothing to undo), at 2 (1/4: undone with 0.9),
    # at 3 (1/8: undone with 0.9 x 0.8 = 0.72)
    done, undone, stuck = saga_outcomes([0.5, 0.5, 0.5], [0.9, 0.8, 1.0])
    assert (done, undone, stuck) == pytest.approx((0.125, 0.5 + 0.25 * 0.9 + 0.125 * 0.72,
                                                   0.25 * 0.1 + 0.125 * 0.28), rel=1e-12)
    with pytest.raises(ValueError):
        saga_outcomes([0.9, 0.9], [1.0])


def tx(rate: str = "1/s", prepared: str = "1s") -> dict[str, Any]:
    return {"rate": rate, "protocol": "2pc", "prepared": prepared,
            "steps": [{"service": "inventory"}, {"service": "payments", "success": 0.9}]}


def test_two_sagas_keep_their_own_counts_and_add_up_and_a_block_open_at_the_horizon_ends_there():
    # horizon 8.5 h: payments up 6 h (0-2, 3-5, 6-8 h), down 2.5 h (2-3, 5-6 h and 8-8.5 h)
    res = relsim.simulate(shop("8.5h", sagas={
        "order": {"rate": "2/s", "prepared": "1s",
                  "steps": [{"service": "inventory", "success": 0.5}, {"service": "payments"}]},
        "pay": tx(), "pay2": tx(rate="2/s", prepared="500ms")}), 0, 0, trace=True)
    app = res.app
    up, down = 6 * HOUR, 2.5 * HOUR
    order = {"started": 2 * 8.5 * HOUR, "completed": 2 * up * 0.5, "compensated": 2 * (up * 0.5 + down),
             "stuck": 0.0}
    pay = {"started": 8.5 * HOUR, "completed": up * 0.9, "compensated": up * 0.1 + down, "stuck": 0.0}
    for key in order:
        assert app[f"saga:order:{key}"] == pytest.approx(order[key], rel=1e-12), key
        assert app[f"saga:pay:{key}"] == pytest.approx(pay[key], rel=1e-12), key
        assert app[f"saga:pay2:{key}"] == pytest.approx(2 * pay[key], rel=1e-12), key
        assert app[f"sagas_{key}"] == pytest.approx(order[key] + 3 * pay[key], rel=1e-12), key
    # only the 2pcs block: at each failure 1/s x 1 s x 0.9 (and 2/s x 0.5 s x 0.9) prepared
    # transactions; the last block, from 8 h, is closed at the horizon (0.5 h)
    assert app["transactions_blocked"] == pytest.approx(2 * 3 * 0.9, rel=1e-12)
    assert app["transaction_blocked_time"] == pytest.approx(2 * 0.9 * (1 + 1 + 0.5) * HOUR, rel=1e-12)
    blocks = [(e["event"], e["t"] / HOUR, e["participant"], round(e["transactions"], 12))
              for e in res.trace if e["event"].startswith("transactions_") and e["saga"] == "pay"]
    assert blocks == [
        ("transactions_blocked", 2.0, "payments", 0.9), ("transactions_unblocked", 3.0, "payments", 0.9),
        ("transactions_blocked", 5.0, "payments", 0.9), ("transactions_unblocked", 6.0, "payments", 0.9),
        ("transactions_blocked", 8.0, "payments", 0.9)]
    assert sum(e["event"] == "transactions_blocked" and e["saga"] == "pay2" for e in res.trace) == 3


def test_a_saga_protocol_keeps_no_blocking_tallies():
    res = relsim.simulate(shop(sagas={"order": {"rate": "1/s", "prepared": "1s",
                                                "steps": [{"service": "payments"}]}}), 0, 0, trace=True)
    app = res.app
    assert "transactions_blocked" not in app and "transaction_blocked_time" not in app
    assert not any(e["event"].startswith("transactions_") for e in res.trace)
    assert app["sagas_completed"] == pytest.approx(7 * HOUR)


def test_a_participant_serving_part_of_its_requests_does_not_block():
    # payments needs both pay-1 and pay-2: s = 1/2 while pay-1 is down (3 h of 10);
    # a transaction commits with 0.9 x s, and nothing is blocked (the participant still serves)
    app = relsim.simulate(shop(pay=["pay-1", "pay-2"], needs=2, sagas={"pay": tx()}), 0, 0).app
    assert app["sagas_completed"] == pytest.approx(0.9 * (7 + 3 * 0.5) * HOUR, rel=1e-12)
    assert app["sagas_compensated"] == pytest.approx(10 * HOUR - app["sagas_completed"], rel=1e-12)
    assert (app["transactions_blocked"], app["transaction_blocked_time"]) == (0.0, 0.0)


def test_the_daily_profile_shapes_starts_and_blocked_transactions():
    # profile 1 every hour but hour 2 (25): mean 2, so the 2/s rate is 1/s, and 25/s in hour 2,
    # which payments spends down (2-3 h): all 25 x 3600 started then abort
    profile = [1.0] * 24
    profile[2] = 25.0
    app = relsim.simulate(shop(workload={"rate": "1/s", "profile": profile},
                               sagas={"pay": tx(rate="2/s", prepared="500ms")}), 0, 0).app
    assert app["sagas_started"] == pytest.approx((9 * 1 + 25) * HOUR, rel=1e-12)
    assert app["sagas_completed"] == pytest.approx(0.9 * 7 * HOUR, rel=1e-12)
    # prepared at the failures: 25/s x 0.5 s x 0.9 at 2 h, 1/s x 0.5 s x 0.9 at 5 h and 8 h; each waits 1 h
    assert app["transactions_blocked"] == pytest.approx(0.45 * 27, rel=1e-12)
    assert app["transaction_blocked_time"] == pytest.approx(0.45 * 27 * HOUR, rel=1e-12)


def test_saga_tallies_join_the_operations_tallies():
    app = relsim.simulate(shop(workload={"rate": "1/s"}, sagas={"pay": tx()},
                               operations={"read": {"service": "payments", "share": 1.0}}), 0, 0).app
    assert app["sagas_started"] == pytest.approx(10 * HOUR)
    assert "operations_offered" in app


def test_a_participant_down_from_the_start_blocks_nothing():
    # payments held down for the whole run: no transaction was ever prepared on it, none blocked
    app = relsim.simulate(shop(sagas={"pay": tx()}).conditioned(always_down=["pay-1"]), 0, 0).app
    assert (app["sagas_started"], app["sagas_completed"]) == (10 * HOUR, 0.0)
    assert (app["transactions_blocked"], app["transaction_blocked_time"]) == (0.0, 0.0)


def test_a_participant_failing_while_another_is_down_blocks_nothing():
    # steps payments then inventory (both success 1); inventory (inv-1) is down 2.5-5.5 h, payments
    # 2-3 h and 5-6 h; horizon 7.5 h. At 2 h 1/s x 1 s prepared transactions block on payments until
    # 3 h; inventory failing at 2.5 h and payments at 5 h find no transaction committing (Π p = 0)
    m = relsim.load({
        "name": "two", "horizon": "7.5h",
        "components": {"inv-1": {"failures": [{"kind": "transient", "every": "fixed(2.5h)", "lasts": "fixed(3h)"}]},
                       "pay-1": {"failures": [{"kind": "transient", "every": "fixed(2h)", "lasts": "fixed(1h)"}]}},
        "services": {"inventory": {"replicas": ["inv-1"]}, "payments": {"replicas": ["pay-1"]}},
        "entry": "inventory",
        "sagas": {"pay": {"rate": "1/s", "protocol": "2pc", "prepared": "1s",
                          "steps": [{"service": "payments"}, {"service": "inventory"}]}}})
    res = relsim.simulate(m, 0, 0, trace=True)
    app = res.app
    assert app["sagas_completed"] == pytest.approx(3.5 * HOUR, rel=1e-12)  # 0-2 h and 6-7.5 h
    assert (app["transactions_blocked"], app["transaction_blocked_time"]) == pytest.approx((1.0, HOUR))
    assert [(e["event"], e["t"] / HOUR, e["participant"]) for e in res.trace if e["event"].startswith("transactions_")
            ] == [("transactions_blocked", 2.0, "payments"), ("transactions_unblocked", 3.0, "payments")]


def test_a_two_phase_commit_never_gets_stuck_even_with_compensations_given():
    # payments (needs pay-1 and pay-2) serves 1/2 while pay-1 is down (3 h of 10); its compensation
    # would succeed 1/2 of that: a saga would get stuck, a 2pc aborts cleanly
    app = relsim.simulate(shop(pay=["pay-1", "pay-2"], needs=2, sagas={"pay": {
        "rate": "1/s", "protocol": "2pc",
        "steps": [{"service": "payments", "compensation": {"success": 0.5}},
                  {"service": "inventory", "success": 0.9}]}}), 0, 0).app
    assert app["sagas_completed"] == pytest.approx(0.9 * (7 + 3 * 0.5) * HOUR, rel=1e-12)
    assert app["sagas_stuck"] == 0.0
    assert app["sagas_compensated"] == pytest.approx(10 * HOUR - app["sagas_completed"], rel=1e-12)


def test_fewer_than_one_saga_between_events_is_counted():
    # 1e-4 sagas per second: 0.72 between the events 2 h apart, 3.6 over the 10 h
    app = relsim.simulate(shop(sagas={"order": {"rate": "0.0001/s", "steps": [{"service": "payments"}]}}), 0, 0).app
    assert app["sagas_started"] == pytest.approx(3.6, rel=1e-12)
    assert app["sagas_completed"] == pytest.approx(0.0001 * 7 * HOUR, rel=1e-12)
