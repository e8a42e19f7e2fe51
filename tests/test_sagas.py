"""Sagas and two-phase commits (docs/application.md §4): closed forms and exact timelines.

With no failure a saga's outcome probabilities are products of the steps'
and compensations' success; with services down on a ``fixed(...)``
timeline every count is stated by hand; with random failures the
completion share is the time average of the product of the services' up
probabilities, checked within 4 standard errors.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from scipy import integrate

import relsim
from relsim.engine.sagas import saga_outcomes

HOUR = 3600.0


def test_saga_outcomes_closed_form():
    p, c = [0.99, 0.98, 0.97], [1.0, 0.9, 0.8]
    done, undone, stuck = saga_outcomes(p, c)
    assert done == pytest.approx(0.99 * 0.98 * 0.97)
    # fails at 1: nothing to undo; at 2: undo step 1 (1.0); at 3: undo 2 and 1 (0.9 x 1.0)
    assert undone == pytest.approx(0.01 + 0.99 * 0.02 * 1.0 + 0.99 * 0.98 * 0.03 * 0.9)
    assert stuck == pytest.approx(0.99 * 0.98 * 0.03 * 0.1)
    assert done + undone + stuck == pytest.approx(1.0)
    assert saga_outcomes(p, c, two_phase=True) == pytest.approx((done, 1 - done, 0.0))


def shop(**sagas: Any) -> relsim.Model:
    return relsim.load({
        "name": "shop", "horizon": "10h",
        "components": {"inv-1": {}, "ship-1": {},
                       "pay-1": {"failures": [{"kind": "transient", "every": "fixed(2h)", "lasts": "fixed(1h)"}]}},
        "services": {"inventory": {"replicas": ["inv-1"]}, "payments": {"replicas": ["pay-1"]},
                     "shipping": {"replicas": ["ship-1"]}},
        "entry": "inventory",
        "sagas": sagas,
    })


def test_saga_timeline_with_a_participant_down():
    # payments is down 2-3 h, 5-6 h, 8-9 h: 7 h up, 3 h down, 1 saga/s
    res = relsim.simulate(shop(order={"rate": "1/s", "steps": [
        {"service": "inventory", "success": 0.99},
        {"service": "payments", "success": 0.98, "compensation": {"success": 0.9}},
        {"service": "shipping", "success": 0.97},
    ]}), 0, 0)
    app = res.app
    up, down = 7 * HOUR, 3 * HOUR
    assert app["sagas_started"] == pytest.approx(10 * HOUR)
    assert app["sagas_completed"] == pytest.approx(up * 0.99 * 0.98 * 0.97)
    # while payments is down every saga that reserved stock is undone (the reservation's undo succeeds)
    assert app["sagas_stuck"] == pytest.approx(up * 0.99 * 0.98 * 0.03 * 0.1)
    assert app["sagas_compensated"] == pytest.approx(10 * HOUR - app["sagas_completed"] - app["sagas_stuck"])
    assert app["sagas_compensated"] == pytest.approx(down + up * (1 - 0.99 * 0.98 * 0.97 - 0.99 * 0.98 * 0.003))


def test_a_compensation_on_a_service_that_is_down_leaves_the_saga_stuck():
    # the stock reservation is released through `payments` (a compensation on another
    # service); a saga whose shipping step fails while payments is down cannot be undone
    res = relsim.simulate(shop(order={"rate": "1/s", "steps": [
        {"service": "inventory", "compensation": {"service": "payments"}},
        {"service": "shipping", "success": 0.9},
    ]}), 0, 0)
    app = res.app
    # shipping fails 10 % of the time; undoing the reservation needs payments: 3 h of 10 stuck
    assert app["sagas_stuck"] == pytest.approx(3 * HOUR * 0.1)
    assert app["sagas_compensated"] == pytest.approx(7 * HOUR * 0.1)


def test_two_phase_commit_aborts_cleanly_and_blocks_prepared_transactions():
    res = relsim.simulate(shop(order={"rate": "2/s", "protocol": "2pc", "prepared": "500ms", "steps": [
        {"service": "inventory"}, {"service": "payments"}]}), 0, 0, trace=True)
    app = res.app
    assert app["sagas_completed"] == pytest.approx(2 * 7 * HOUR)
    assert app["sagas_compensated"] == pytest.approx(2 * 3 * HOUR)  # aborted while payments is down
    assert app["sagas_stuck"] == 0.0
    # at each of the three failures 2/s x 0.5 s = 1 transaction is prepared; each waits 1 h
    assert app["transactions_blocked"] == pytest.approx(3.0)
    assert app["transaction_blocked_time"] == pytest.approx(3 * HOUR)
    blocked = [e["t"] for e in res.trace if e["event"] == "transactions_blocked"]
    assert blocked == [2 * HOUR, 5 * HOUR, 8 * HOUR]
    row = relsim.run(shop(order={"rate": "2/s", "protocol": "2pc", "prepared": "500ms", "steps": [
        {"service": "inventory"}, {"service": "payments"}]}), runs=1).runs.iloc[0]
    assert row["transaction_block_mean"] == pytest.approx(HOUR)


def _avg_product(m: float, r: float, h: float, k: int) -> float:
    a, kappa = m / (m + r), 1 / m + 1 / r
    return integrate.quad(lambda t: (a + (1 - a) * math.exp(-kappa * t)) ** k, 0, h, limit=400)[0] / h


def test_saga_completion_from_step_availabilities():
    # three independent services, each up exp(4 d) / down exp(8 h): E[completion] =
    # success product x time average of p(t)^3
    spec = {
        "name": "random", "horizon": "60d",
        "components": {n: {"failures": [{"kind": "transient", "every": "exp(mean=4d)", "lasts": "exp(mean=8h)"}]}
                       for n in ("a", "b", "c")},
        "services": {"sa": {"replicas": ["a"]}, "sb": {"replicas": ["b"]}, "sc": {"replicas": ["c"]}},
        "entry": "sa",
        "sagas": {"s": {"rate": "1/s", "steps": [{"service": "sa", "success": 0.99},
                                                 {"service": "sb"}, {"service": "sc", "success": 0.95}]}},
    }
    runs = relsim.run(relsim.load(spec), runs=120, seed=2).runs
    exact = 0.99 * 0.95 * _avg_product(4 * 86400.0, 8 * HOUR, 60 * 86400.0, 3)
    got = runs["saga_success"]
    se = got.std(ddof=1) / math.sqrt(len(got))
    assert abs(got.mean() - exact) < 4 * se
    assert se < 0.1 * (1 - exact)


@pytest.mark.parametrize(("saga", "message"), [
    ({"rate": "1/s", "steps": [{"service": "invetory"}]}, r"sagas\.s\.steps\[0\]\.service: unknown service"),
    ({"rate": "1/s", "steps": [{"service": "inventory", "compensation": {"service": "pay"}}]},
     r"sagas\.s\.steps\[0\]\.compensation\.service: unknown service 'pay'"),
    ({"rate": "1/s", "prepared": "soon", "steps": [{"service": "inventory"}]}, r"sagas\.s\.prepared"),
    ({"rate": "1/s", "protocol": "3pc", "steps": [{"service": "inventory"}]}, r"sagas\.s\.protocol"),
    ({"rate": "1/s", "steps": []}, r"sagas\.s\.steps"),
    ({"rate": "1/s", "steps": [{"service": "inventory", "success": 1.5}]}, r"sagas\.s\.steps\[0\]\.success"),
])
def test_bad_sagas_are_reported_with_file_line_and_field(tmp_path, saga, message):
    import yaml

    text = ("name: bad\ncomponents: {i: {}}\nservices:\n  inventory: {replicas: [i]}\n"
            + yaml.safe_dump({"sagas": {"s": saga}}, default_flow_style=False))
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(relsim.ModelError, match=message) as info:
        relsim.load(path)
    assert all(p.line is not None and p.line >= 5 for p in info.value.problems)
