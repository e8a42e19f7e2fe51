"""Exact timelines of the batch engine (relsim/engine/batch.py), and what it refuses.

The batch engine refuses fixed up-times (two events of a replication could
tie), but its block simulator runs them as well as any other when no two
events tie: here the structure is built for such models directly
(``_Structure``), every replication of a block follows the same timeline,
and each is compared field by field with the SimPy engine's replication and
with values worked out by hand (times in hours). The public path
(``simulate_batch``, ``batch_refusal``) is checked on continuous models:
each refusal reason, the block cache, and per-replication bookkeeping that
holds whatever the draws.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

import relsim
from relsim.engine.batch import BLOCK, _run_block, _Structure, batch_refusal, simulate_batch
from relsim.engine.lean import lean_plan
from relsim.engine.simulation import simulate
from relsim.errors import TooManyEvents

HOUR = 3600.0
ROWS = 3


def perm(every: str, repair: str) -> dict[str, Any]:
    return {"kind": "permanent", "every": f"fixed({every})", "repair": f"fixed({repair})"}


def trans(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def block(spec: dict[str, Any], n: int = ROWS, seed: int = 0, number: int = 0, horizon: float | None = None,
          max_events: float | None = None) -> list[relsim.RunResult]:
    model = relsim.load(spec)
    st = _Structure(model, lean_plan(model))
    return _run_block(model, st, seed, number, n, st.horizon if horizon is None else horizon, max_events)


def fields(res: relsim.RunResult) -> dict[str, Any]:
    return {"downtime": res.downtime, "served": res.served_integral, "degraded": res.degraded_time,
            "failures": res.failures, "by_kind": res.failures_by_kind,
            "outages": [tuple("NaN" if isinstance(v, float) and math.isnan(v) else v for v in o)
                        for o in res.outages]}


def same(spec: dict[str, Any]) -> relsim.RunResult:
    """The first replication of the block, after checking every one is the SimPy engine's replication."""
    rows = block(spec)
    slow = fields(simulate(relsim.load(spec), 0, 0, engine="simpy"))
    for r, res in enumerate(rows):
        assert res.replication == r and res.seed == 0
        got = fields(res)
        assert {k: got[k] for k in ("failures", "by_kind", "outages")} == \
            {k: slow[k] for k in ("failures", "by_kind", "outages")}
        for k in ("downtime", "served", "degraded"):
            assert got[k] == pytest.approx(slow[k], rel=1e-12, abs=1e-6), k
    return rows[0]


def spans(res: relsim.RunResult) -> list[tuple[float, float, str, int, str, bool]]:
    return [(o.start_s / HOUR, o.end_s / HOUR, o.cause_element, o.cause_spec, o.cause_kind, o.censored)
            for o in res.outages]


def hours(x: float) -> float:
    return x / HOUR


# -- timelines -----------------------------------------------------------------------------------

def test_one_unit_fails_and_is_repaired_without_a_crew_limit():
    # fails at 10 h and 23 h, repaired at 13 h and 26 h; horizon 30 h
    res = same({"name": "one", "horizon": "30h", "components": {"a": {"failures": [perm("10h", "3h")]}},
                "services": {"s": {"replicas": ["a"]}}})
    assert spans(res) == [(10, 13, "a", 0, "permanent", False), (23, 26, "a", 0, "permanent", False)]
    o = res.outages[0]
    assert (o.duration_s, o.restore_s, o.detection_s, o.planned, o.needed_failover) == (3 * HOUR, 3 * HOUR, 0.0,
                                                                                         False, False)
    assert (hours(res.downtime), hours(res.served_integral), res.degraded_time) == (6, 24, 0)
    assert (res.failures, res.failures_by_kind, res.events, res.horizon) == (2, {"permanent": 2}, 4, 30 * HOUR)


def test_an_outage_open_at_the_horizon_is_censored_there():
    # fails at 10 h and 23 h; the second repair (26 h) is past the horizon of 25 h
    res = same({"name": "cut", "horizon": "25h", "components": {"a": {"failures": [perm("10h", "3h")]}},
                "services": {"s": {"replicas": ["a"]}}})
    assert spans(res) == [(10, 13, "a", 0, "permanent", False), (23, 25, "a", 0, "permanent", True)]
    assert res.outages[1].duration_s == 2 * HOUR
    assert (hours(res.downtime), hours(res.served_integral), res.events) == (5, 20, 3)


def test_a_transient_failure_pauses_the_other_mode_and_a_repair_restarts_both():
    # b: permanent every 11 h (repair 5 h), transient every 4 h (lasting 1 h); the clocks run while b is up.
    # 4 transient (perm paused with 7 left), 5 back (perm due 12, trans 9); 9 transient (perm 3 left),
    # 10 back (perm 13, trans 14); 13 permanent (trans paused, 1 left), repaired 18: both restart (trans 22,
    # perm 29); 22 transient, 23 back; horizon 24 h
    res = same({"name": "modes", "horizon": "24h",
                "components": {"b": {"failures": [perm("11h", "5h"), trans("4h", "1h")]}},
                "services": {"s": {"replicas": ["b"]}}})
    assert spans(res) == [(4, 5, "b", 1, "transient", False), (9, 10, "b", 1, "transient", False),
                          (13, 18, "b", 0, "permanent", False), (22, 23, "b", 1, "transient", False)]
    assert (res.failures, res.failures_by_kind, res.events) == (4, {"permanent": 1, "transient": 3}, 8)
    assert (hours(res.downtime), hours(res.served_integral)) == (8, 16)


def test_a_transient_failure_resumes_the_other_clock_where_it_stopped():
    # the permanent clock (14 h) loses nothing to the transient spells: 3-4 h and 7-8 h
    # (every 3 h of up time), so it runs out after 14 h of up time, at 16 h; repaired at 17 h
    res = same({"name": "resume", "horizon": "19h",
                "components": {"b": {"failures": [perm("14h", "1h"), trans("3h", "1h")]}},
                "services": {"s": {"replicas": ["b"]}}})
    # 3-4, 7-8, 11-12, 15-16 transient; perm: 14 h of up time at 16 + 2 = 18? up time: 0-3, 4-7, 8-11, 12-15,
    # 16-18 -> 3+3+3+3+2 = 14 at 18 h; the transient clock then has 1 h left, paused; repaired at 19 h
    assert spans(res) == [(3, 4, "b", 1, "transient", False), (7, 8, "b", 1, "transient", False),
                          (11, 12, "b", 1, "transient", False), (15, 16, "b", 1, "transient", False),
                          (18, 19, "b", 0, "permanent", True)]


def test_one_crew_repairs_first_come_first_served():
    # a fails at 10 h (crew: 10-14), b at 11 h (waits), c at 12 h (waits); at 14 h the crew takes b (14-16),
    # then c (16-19). s needs 2 of 3: served 1, 1/2 (11-12), 0 (12-14), 1/2 (14-16), 1 from 16 h: 16.5 h.
    # Last come first served would bring c back at 17 h instead.
    res = same({"name": "crew", "horizon": "20h", "repair_crews": 1,
                "components": {"a": {"failures": [perm("10h", "4h")]}, "b": {"failures": [perm("11h", "2h")]},
                               "c": {"failures": [perm("12h", "3h")]}},
                "services": {"s": {"replicas": ["a", "b", "c"], "needs": 2}}})
    assert spans(res) == [(11, 16, "b", 0, "permanent", False)]
    assert (hours(res.downtime), hours(res.degraded_time), hours(res.served_integral)) == (5, 3, 16.5)
    assert (res.failures, res.events) == (3, 6)


def test_two_crews_and_a_crew_freed_with_no_one_waiting():
    # two crews: a (10-14) and b (11-13) at once; c waits from 12 h for the crew b frees at 13 h (13-16).
    # At 14 h a's crew finds no one waiting; d fails at 15 h and gets it at once (15-16.5).
    res = same({"name": "crews", "horizon": "17h", "repair_crews": 2,
                "components": {"a": {"failures": [perm("10h", "4h")]}, "b": {"failures": [perm("11h", "2h")]},
                               "c": {"failures": [perm("12h", "3h")]}, "d": {"failures": [perm("15h", "1.5h")]}},
                "services": {"s": {"replicas": ["a", "b", "c", "d"], "needs": 3}}})
    # up: 4 until 10, 3 (10-11), 2 (11-13), 2 (13-14: b back, c down), 3 (14-15), 2 (15-16), 3 (16-16.5), 4
    assert spans(res) == [(11, 14, "b", 0, "permanent", False), (15, 16, "d", 0, "permanent", False)]
    assert hours(res.degraded_time) == 4


def test_crews_given_back_with_no_one_waiting_are_counted():
    # two crews: a (10-11) and b (10.5-12.5) take both; each comes back with no one waiting (11 h, 12.5 h);
    # c (13-16) and d (14-17) take both again, e waits from 14.5 h for c's crew (16-18).
    # s needs 4 of 5: 3 up 10.5-11 and 14-14.5, 2 up 14.5-16, 3 up 16-17.
    res = same({"name": "back", "horizon": "20h", "repair_crews": 2, "components": {
        "a": {"failures": [perm("10h", "1h")]}, "b": {"failures": [perm("10.5h", "2h")]},
        "c": {"failures": [perm("13h", "3h")]}, "d": {"failures": [perm("14h", "3h")]},
        "e": {"failures": [perm("14.5h", "2h")]}},
        "services": {"s": {"replicas": ["a", "b", "c", "d", "e"], "needs": 4}}})
    assert spans(res) == [(10.5, 11, "b", 0, "permanent", False), (14, 17, "d", 0, "permanent", False)]
    assert hours(res.degraded_time) == 3.5
    assert hours(res.served_integral) == 20 - 0.5 / 4 - 0.5 / 4 - 1.5 / 2 - 1 / 4
    assert (res.failures, res.events) == (5, 10)


def test_a_transient_failure_takes_no_crew():
    # one crew busy on a (10-15); b's transient failure (11-12) ends by itself; c fails at 13 h and waits
    # for the crew until 15 h (15-16); s needs 2: a's return at 15 h ends the outage
    res = same({"name": "nocrew", "horizon": "17h", "repair_crews": 1,
                "components": {"a": {"failures": [perm("10h", "5h")]}, "b": {"failures": [trans("11h", "1h")]},
                               "c": {"failures": [perm("13h", "1h")]}},
                "services": {"s": {"replicas": ["a", "b", "c"], "needs": 2}}})
    assert spans(res) == [(11, 12, "b", 0, "transient", False), (13, 15, "c", 0, "permanent", False)]
    assert (res.failures, res.failures_by_kind) == (3, {"permanent": 2, "transient": 1})


def test_elements_with_fewer_modes_than_others_overlap_their_transient_failures():
    # m has two modes, x and y one: x down 5-7, y 6-8, x 12-14, y 14-16 (m's clocks far away)
    res = same({"name": "pad", "horizon": "17h", "components": {
        "m": {"failures": [perm("100h", "1h"), trans("90h", "1h")]},
        "x": {"failures": [trans("5h", "2h")]}, "y": {"failures": [trans("6h", "2h")]}},
        "services": {"s": {"replicas": ["m", "x", "y"], "needs": 3}}})
    assert spans(res) == [(5, 8, "x", 0, "transient", False), (12, 16, "x", 0, "transient", False)]
    assert (res.failures, res.events) == (4, 8)


def test_an_outage_of_one_second_is_kept():
    res = same({"name": "second", "horizon": "25h", "components": {"a": {"failures": [perm("10h", "1s")]}},
                "services": {"s": {"replicas": ["a"]}}})
    assert [(o.start_s, o.duration_s) for o in res.outages] == [(36000.0, 1.0), (72001.0, 1.0)]
    assert res.downtime == 2.0


def test_a_single_dependency_in_a_tree():
    # s (a) depends on db (d): d down 4-5 h and 9-10 h takes s down
    res = same({"name": "dep", "horizon": "12h", "components": {
        "a": {"failures": [perm("7h", "0.5h")]}, "d": {"failures": [perm("4h", "1h")]}},
        "services": {"db": {"replicas": ["d"]}, "s": {"replicas": ["a"], "depends_on": ["db"]}}, "entry": "s"})
    assert spans(res) == [(4, 5, "d", 0, "permanent", False), (7, 7.5, "a", 0, "permanent", False),
                          (9, 10, "d", 0, "permanent", False)]


DOMAINS = {
    "name": "domains", "horizon": "20h",
    "domains": {"region": {"failures": [trans("13h", "0.5h")],
                           "contains": {"z": {"failures": [trans("5h", "1h")]}, "y": {}}}},
    "components": {"a": {"in": "z", "failures": [perm("7h", "2.5h")]}, "b": {"in": "y"}, "c": {}},
    "services": {"s": {"replicas": ["a", "b"], "needs": 2}, "t": {"replicas": ["s", "c"], "needs": 2}},
    "entry": "t",
}


def test_a_domain_hides_what_it_holds_without_stopping_its_clocks():
    # z down 5-6, 11-12, 17-18 (a's clock runs on); a fails at 7 h (7-9.5) and 16.5 h (repaired at 19 h);
    # the region (z and y inside) is down 13-13.5. t needs s and c; s needs a and b.
    res = same(DOMAINS)
    assert spans(res) == [(5, 6, "z", 0, "transient", False), (7, 9.5, "a", 0, "permanent", False),
                          (11, 12, "z", 0, "transient", False), (13, 13.5, "region", 0, "transient", False),
                          (16.5, 19, "a", 0, "permanent", False)]
    # s serves (a + b) / 2 and t (s + c) / 2: 3/4 while a is hidden or down, 1/2 while the region is down
    assert hours(res.degraded_time) == 1 + 2.5 + 1 + 0.5 + 2.5
    assert hours(res.served_integral) == 20 - (1 + 2.5 + 1 + 2.5) / 4 - 0.5 / 2
    assert (res.failures, res.failures_by_kind) == (6, {"permanent": 2, "transient": 4})


def test_a_quorum_a_shared_replica_and_a_dependency():
    # q: 2-of-3 quorum of n1, n2, n3; b serves both front and back (not a tree); top needs front and back
    # and depends on q.
    spec = {"name": "levels", "horizon": "30h", "components": {
        "n1": {"failures": [perm("5h", "4h")]}, "n2": {"failures": [perm("7h", "3.5h")]},
        "n3": {"failures": [perm("20h", "1.5h")]},
        "a": {"failures": [perm("12.9h", "2h")]}, "b": {"failures": [perm("16h", "1.25h")]},
        "c": {"failures": [perm("15.5h", "2.2h")]}},
        "services": {"q": {"replicas": ["n1", "n2", "n3"], "mode": "quorum"},
                     "front": {"replicas": ["a", "b"], "needs": 2}, "back": {"replicas": ["b", "c"]},
                     "top": {"replicas": ["front", "back"], "needs": 2, "depends_on": ["q"]}},
        "entry": "top"}
    res = same(spec)
    # n1 down 5-9, 14-18, 23-27; n2 7-10.5, 17.5-21, 28-; n3 20-21.5: the quorum is lost 7-9, 17.5-18, 20-21.
    # a down 12.9-14.9, 27.8-29.8 (front 1/2, top 3/4); c 15.5-17.7 (back still has b: top 1); b 16-17.25
    # (front 1/2 and back, which lost c, 0: top 1/4)
    assert spans(res) == [(7, 9, "n2", 0, "permanent", False), (12.9, 14.9, "a", 0, "permanent", False),
                          (16, 17.25, "b", 0, "permanent", False), (17.5, 18, "n2", 0, "permanent", False),
                          (20, 21, "n3", 0, "permanent", False), (27.8, 29.8, "a", 0, "permanent", False)]
    assert hours(res.degraded_time) == pytest.approx(2 + 1.25 + 2)
    assert hours(res.served_integral) == pytest.approx(30 - 3.5 - (2 + 2) / 4 - 1.25 * 3 / 4)
    assert batch_refusal(relsim.load({**spec, "components": {
        k: {"failures": [{**v["failures"][0], "every": "exp(mean=10h)"}]} for k, v in spec["components"].items()}
    })) is None


def test_a_tree_with_a_quorum_and_a_dependency_is_propagated_upwards():
    spec = {"name": "tree", "horizon": "30h", "components": {
        "n1": {"failures": [perm("5h", "4h")]}, "n2": {"failures": [perm("7h", "3.5h")]},
        "n3": {"failures": [perm("20h", "1.5h")]}, "d": {"failures": [perm("11h", "0.75h")]},
        "w1": {"failures": [perm("3.1h", "1h")]}, "w2": {"failures": [perm("8.3h", "2h")]}},
        "services": {"q": {"replicas": ["n1", "n2", "n3"], "mode": "quorum"},
                     "db": {"replicas": ["d"]},
                     "web": {"replicas": ["w1", "w2"], "needs": 2, "depends_on": ["q", "db"]},
                     "top": {"replicas": ["web"]}},
        "entry": "top"}
    res = same(spec)
    # web serves (w1 + w2) / 2 times q times db. w1 down 3.1-4.1, 7.2-8.2, 11.3-12.3, ... every 4.1 h;
    # w2 8.3-10.3, 18.6-20.6, 28.9-; d 11-11.75, 22.75-23.5; the quorum is lost 7-9, 17.5-18, 20-21
    assert spans(res) == [
        (3.1, 4.1, "w1", 0, "permanent", False), (7, 10.3, "n2", 0, "permanent", False),
        (11, 12.3, "d", 0, "permanent", False), (15.4, 16.4, "w1", 0, "permanent", False),
        (17.5, 18, "n2", 0, "permanent", False), (18.6, 21, "w2", 0, "permanent", False),
        (22.75, 23.5, "d", 0, "permanent", False), (23.6, 24.6, "w1", 0, "permanent", False),
        (27.7, 28.7, "w1", 0, "permanent", False), (28.9, 30, "w2", 0, "permanent", True)]
    # half served 3.1-4.1, 9-10.3, 11.75-12.3, 15.4-16.4, 18.6-19.5, 23.6-24.6, 27.7-28.7, 28.9-30
    half = 1 + 1.3 + 0.55 + 1 + 0.9 + 1 + 1 + 1.1
    assert hours(res.degraded_time) == pytest.approx(half)
    assert hours(res.served_integral) == pytest.approx(30 - half / 2 - 2 - 0.75 - 0.5 - 1.5 - 0.75)


def test_an_element_with_no_failures_and_a_model_with_no_clocks():
    res = same({"name": "idle", "horizon": "5h", "components": {"a": {}, "b": {}},
                "services": {"s": {"replicas": ["a", "b"], "needs": 2}}})
    assert (res.downtime, hours(res.served_integral), res.events, res.outages) == (0.0, 5, 0, [])


def test_the_event_limit_names_the_replication_and_the_time_reached():
    # events at 10, 13, 23, 26 h: a limit of 3 is passed at 26 h, after 23 h was reached
    spec = {"name": "limit", "horizon": "30h", "components": {"a": {"failures": [perm("10h", "3h")]}},
            "services": {"s": {"replicas": ["a"]}}}
    assert block(spec, max_events=4)[0].events == 4
    with pytest.raises(TooManyEvents) as caught:
        block(spec, seed=7, number=2, max_events=3)
    err = caught.value
    assert (err.limit, err.replication, err.seed, err.time) == (3, 2 * BLOCK, 7, 23 * HOUR)


def test_a_shorter_horizon_given_to_the_block():
    res = block({"name": "h", "horizon": "30h", "components": {"a": {"failures": [perm("10h", "3h")]}},
                 "services": {"s": {"replicas": ["a"]}}}, horizon=12 * HOUR)[1]
    assert (spans(res), res.horizon, res.replication) == ([(10, 12, "a", 0, "permanent", True)], 12 * HOUR, 1)


# -- the public path, on continuous models --------------------------------------------------------

def unit(every: str = "uniform(5h, 15h)", repair: str = "fixed(2h)") -> dict[str, Any]:
    return {"failures": [{"kind": "permanent", "every": every, "repair": repair}]}


def model_of(components: dict[str, Any], **more: Any) -> relsim.Model:
    return relsim.load({"name": "m", "horizon": "100h", "components": components,
                        "services": {"s": {"replicas": list(components)}}, **more})


def test_each_replication_keeps_its_own_books():
    # one unit, up-times uniform(5 h, 15 h), repairs of 2 h: whatever the draws, each row's outages are
    # its failures, 2 h each but a last one censored, and its tallies add up
    model = model_of({"a": unit()})
    rows = simulate_batch(model, 5, 0), *[simulate_batch(model, 5, r) for r in range(1, 40)]
    starts = set()
    for r, res in enumerate(rows):
        assert (res.replication, res.seed, res.horizon) == (r, 5, 100 * HOUR)
        durations = [o.duration_s for o in res.outages]
        assert len(durations) == res.failures == res.failures_by_kind["permanent"]
        assert [o.duration_s for o in res.outages if not o.censored] == pytest.approx(
            [2 * HOUR] * (len(durations) - res.outages[-1].censored), abs=1e-6)
        assert not any(o.censored for o in res.outages[:-1]) and 0 < durations[-1] <= 2 * HOUR + 1e-6
        assert res.downtime == pytest.approx(sum(durations))
        assert res.served_integral == pytest.approx(100 * HOUR - res.downtime)
        assert res.events == 2 * res.failures - res.outages[-1].censored
        first = res.outages[0]
        assert 5 * HOUR < first.start_s < 15 * HOUR and first.cause_element == "a"
        for x, y in zip(res.outages, res.outages[1:]):
            assert 5 * HOUR < y.start_s - x.end_s < 15 * HOUR
        starts.add(first.start_s)
    assert len(starts) == len(rows)  # the rows draw apart


def test_repairs_and_transient_up_times_drawn_from_continuous_laws():
    # a: repairs uniform(1 h, 3 h); b: transient, up uniform(20 h, 30 h), down 1-2 h (each alone)
    repaired = model_of({"a": unit(repair="uniform(1h, 3h)")})
    flaky = model_of({"b": {"failures": [{"kind": "transient", "every": "uniform(20h, 30h)",
                                          "lasts": "uniform(1h, 2h)"}]}})
    lengths, gaps = [], []
    for r in range(30):
        lengths += [o.duration_s / HOUR for o in simulate_batch(repaired, 8, r).outages if not o.censored]
        res = simulate_batch(flaky, 8, r)
        assert res.failures_by_kind == {"transient": res.failures} and res.failures >= 3
        gaps += [(y.start_s - x.end_s) / HOUR for x, y in zip(res.outages, res.outages[1:])]
    assert len(lengths) > 30 and 1 <= min(lengths) and max(lengths) <= 3 and len(set(lengths)) == len(lengths)
    assert len(gaps) > 30 and 20 <= min(gaps) and max(gaps) <= 30 and len(set(gaps)) == len(gaps)


def test_the_block_is_simulated_once_and_each_call_gets_its_own_copy():
    model = model_of({"a": unit(), "b": unit("exp(mean=20h)")})
    first = simulate_batch(model, 1, BLOCK + 7)
    assert (first.replication, first.seed) == (BLOCK + 7, 1)
    whole = _run_block(model, _Structure(model, lean_plan(model)), 1, 1, BLOCK, 100 * HOUR, None)
    assert fields(first) == fields(whole[7])
    first.downtime = -1.0
    first.outages = []
    again = simulate_batch(model, 1, BLOCK + 7)
    assert fields(again) == fields(whole[7])
    assert simulate_batch(model, 1, 7).downtime != again.downtime or simulate_batch(model, 1, 7).outages != \
        again.outages
    short = simulate_batch(model, 1, BLOCK + 7, horizon=10 * HOUR)
    assert short.horizon == 10 * HOUR and all(o.end_s <= 10 * HOUR for o in short.outages)
    assert simulate_batch(model, 1, BLOCK + 7).horizon == 100 * HOUR
    other = simulate_batch(model, 2, BLOCK + 7)
    assert fields(other) != fields(again)
    with pytest.raises(TooManyEvents):
        simulate_batch(model, 1, BLOCK + 7, max_events=2)


def test_a_copy_of_the_model_is_simulated_anew():
    model = model_of({"a": unit()})
    one = simulate_batch(model, 3, 0)
    twin = model_of({"a": unit()})
    assert fields(simulate_batch(twin, 3, 0)) == fields(one)


@pytest.mark.parametrize("failure, reason", [
    ({"kind": "permanent", "every": "fixed(10h)", "repair": "exp(mean=1h)"}, "not continuous (fixed(10h))"),
    ({"kind": "permanent", "every": "empirical([1h, 2h, 3h])", "repair": "fixed(1h)"}, "not continuous"),
    ({"kind": "transient", "every": "fixed(10h)", "lasts": "exp(mean=1h)"}, "not continuous"),
    ({"kind": "intermittent", "every": "exp(mean=10h)", "lasts": "exp(mean=1h)", "down": "exp(mean=1m)",
      "up": "exp(mean=5m)"}, "an intermittent failure, a latent fault (detect) or reliability growth"),
    ({"kind": "permanent", "every": "exp(mean=10h)", "repair": "fixed(1h)", "detect": "exp(mean=1h)"},
     "an intermittent failure"),
    ({"kind": "permanent", "every": "exp(mean=10h)", "repair": "fixed(1h)", "growth": 0.5},
     "an intermittent failure"),
])
def test_each_refusal_reason(failure: dict[str, Any], reason: str):
    model = model_of({"ok": unit(), "a": {"failures": [failure]}})
    assert reason in batch_refusal(model)
    with pytest.raises(ValueError, match="the batch engine does not run model 'm': an"):
        simulate_batch(model, 0, 0)
    assert batch_refusal(model_of({"ok": unit(), "a": unit()})) is None


def test_a_domain_with_a_fixed_up_time_is_refused_too():
    model = model_of({"a": {"in": "z", **unit()}}, domains={"z": {"failures": [trans("10h", "1h")]}})
    assert "not continuous" in batch_refusal(model)


def test_the_lean_engines_refusal_is_passed_on():
    model = model_of({"a": unit()}, probe={"interval": "1m"})
    assert batch_refusal(model) == "the 'probe' section"
    with pytest.raises(ValueError, match="does not run model 'm': the 'probe' section"):
        simulate_batch(model, 0, 0)


def test_the_refusal_is_kept_with_the_plan():
    model = model_of({"a": {"failures": [{"kind": "permanent", "every": "fixed(1h)", "repair": "fixed(1h)"}]}})
    first = batch_refusal(model)
    assert first is not None and batch_refusal(model) == first
    ok = model_of({"a": unit()})
    assert batch_refusal(ok) is None and batch_refusal(ok) is None
    assert np.isfinite(simulate_batch(ok, 0, 0).downtime)


# -- replications that differ within a block -----------------------------------------------------

class _FirstThen:
    """The model's fixed up-time, but for the first draw: each replication's own first up-time."""

    def __init__(self, base: Any, first: list[float]):
        self.base, self.first, self.calls = base, np.array(first) * HOUR, 0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        self.calls += 1
        if self.calls == 1:
            assert size == len(self.first)
            return self.first.copy()
        return self.base.sample(rng, size)


def scripted(spec: dict[str, Any], first: dict[str, list[float]], number: int = 0,
             max_events: float | None = None) -> list[relsim.RunResult]:
    """A block whose replications start the named elements' (only) clocks at their own times (hours)."""
    model = relsim.load(spec)
    plan = lean_plan(model)
    st = _Structure(model, plan)
    n = len(next(iter(first.values())))
    groups = []
    for dist, mask in st.every_groups:
        (clock,) = np.flatnonzero(mask)
        name = plan.names[plan.clock_element[clock]]
        groups.append((_FirstThen(dist, first[name]) if name in first else _FirstThen(dist, [dist.mean / HOUR] * n),
                       mask))
    st.every_groups = groups
    return _run_block(model, st, 0, number, n, st.horizon, max_events)


def each_as_if_alone(spec: dict[str, Any], first: dict[str, list[float]]) -> list[relsim.RunResult]:
    """Every replication of the block is the block of that replication alone, and they differ."""
    rows = scripted(spec, first)
    for r, res in enumerate(rows):
        alone = scripted(spec, {k: [v[r]] for k, v in first.items()})[0]
        assert fields(res) == fields(alone), r
        assert res.events == alone.events
    assert len({str(fields(res)) for res in rows}) == len(rows)
    return rows


LEVELS = {"name": "levels", "horizon": "30h", "components": {
    "n1": {"failures": [perm("5h", "4h")]}, "n2": {"failures": [perm("7h", "3.5h")]},
    "n3": {"failures": [perm("20h", "1.5h")]},
    "a": {"failures": [perm("12.9h", "2h")]}, "b": {"failures": [perm("16h", "1.25h")]},
    "c": {"failures": [perm("17.4h", "2h")]}},
    "services": {"q": {"replicas": ["n1", "n2", "n3"], "mode": "quorum"},
                 "front": {"replicas": ["a", "b"], "needs": 2}, "back": {"replicas": ["b", "c"]},
                 "top": {"replicas": ["front", "back"], "needs": 2, "depends_on": ["q"]}},
    "entry": "top"}

TREE = {"name": "tree", "horizon": "30h", "components": {
    "n1": {"failures": [perm("5h", "4h")]}, "n2": {"failures": [perm("7h", "3.5h")]},
    "n3": {"failures": [perm("20h", "1.5h")]}, "d": {"failures": [perm("11h", "0.75h")]},
    "w1": {"failures": [perm("3.1h", "1h")]}, "w2": {"failures": [perm("8.3h", "2h")]}},
    "services": {"q": {"replicas": ["n1", "n2", "n3"], "mode": "quorum"},
                 "db": {"replicas": ["d"]},
                 "web": {"replicas": ["w1", "w2"], "needs": 2, "depends_on": ["q", "db"]},
                 "top": {"replicas": ["web"]}},
    "entry": "top"}


def test_replications_of_a_non_tree_model_with_a_dependency_do_not_mix():
    # row 0 loses the quorum first (n1 then n2), row 1 loses front (a), row 2 loses b (front and back)
    each_as_if_alone(LEVELS, {"n1": [1.0, 6.0, 6.1], "n2": [1.5, 7.3, 7.4], "a": [12.9, 0.5, 12.8],
                              "b": [16.0, 16.1, 0.7]})


def test_replications_of_a_tree_at_different_depths_do_not_mix():
    # in the same steps, one row changes a quorum member (three levels under the entry), another a web
    # replica (two levels), another db's element
    each_as_if_alone(TREE, {"n1": [1.0, 5.0, 4.9], "n2": [1.5, 7.0, 6.9], "w1": [3.1, 1.0, 3.2],
                            "d": [11.0, 10.9, 1.0]})


def test_replications_with_domains_modes_and_crews_do_not_mix():
    spec = {**DOMAINS, "repair_crews": 1,
            "components": {"a": {"in": "z", "failures": [perm("7h", "2.5h")]}, "b": {"in": "y"},
                           "c": {"failures": [perm("9h", "3h")]}, "e": {"failures": [trans("6.5h", "0.5h")]}},
            "services": {"s": {"replicas": ["a", "b"], "needs": 2}, "t": {"replicas": ["s", "c", "e"], "needs": 2}}}
    each_as_if_alone(spec, {"a": [7.0, 1.0, 3.3], "c": [9.0, 1.5, 3.2], "z": [5.0, 8.0, 3.1],
                            "e": [6.5, 2.0, 0.4], "region": [13.0, 2.5, 9.5]})


def test_the_event_limit_names_the_replication_that_passed_it():
    # row 2 fails at 2, 15, 28 h (repaired at 5, 18): its fifth event, at 28 h, passes a limit of 4
    spec = {"name": "limit", "horizon": "30h", "components": {"a": {"failures": [perm("10h", "3h")]}},
            "services": {"s": {"replicas": ["a"]}}}
    assert [r.events for r in scripted(spec, {"a": [25.0, 15.0, 2.0]})] == [2, 3, 5]
    with pytest.raises(TooManyEvents) as caught:
        scripted(spec, {"a": [25.0, 15.0, 2.0]}, number=3, max_events=4)
    assert (caught.value.replication, caught.value.time) == (3 * BLOCK + 2, 18 * HOUR)


def test_a_new_thread_starts_with_no_block_kept():
    import threading

    model = model_of({"a": unit()})
    here = simulate_batch(model, 4, 2)
    got: list[Any] = []
    worker = threading.Thread(target=lambda: got.append(simulate_batch(model, 4, 2)))
    worker.start()
    worker.join()
    assert len(got) == 1 and fields(got[0]) == fields(here)


# A continuous-looking family with no spread (variance 0), and one with a variance of exactly 1 s^2.
@relsim.distribution("batch_point", params={"at": "positive_duration"}, example="batch_point(at=1h)")
@dataclasses.dataclass(frozen=True, repr=False)
class _Point(relsim.Distribution):
    at: float

    @property
    def mean(self) -> float:
        return self.at

    @property
    def var(self) -> float:
        return 0.0

    def _cdf(self, x):
        return (np.asarray(x) >= self.at).astype(float)

    def _ppf(self, q):
        return np.full_like(np.asarray(q, dtype=float), self.at)

    def sample(self, rng, size):
        return np.full(size, self.at)

    def spec(self) -> str:
        return f"batch_point(at={self.at}s)"


@relsim.distribution("batch_unit_spread", params={"centre": "positive_duration"},
                     example="batch_unit_spread(centre=1h)")
@dataclasses.dataclass(frozen=True, repr=False)
class _UnitSpread(relsim.Distribution):
    centre: float

    @property
    def mean(self) -> float:
        return self.centre

    @property
    def var(self) -> float:
        return 1.0  # uniform over mean +- sqrt(3) s

    def _cdf(self, x):
        return np.clip((np.asarray(x) - self.centre + 3**0.5) / (2 * 3**0.5), 0.0, 1.0)

    def _ppf(self, q):
        return self.centre - 3**0.5 + 2 * 3**0.5 * np.asarray(q)

    def sample(self, rng, size):
        return self.centre + 3**0.5 * (2 * rng.random(size) - 1)

    def spec(self) -> str:
        return f"batch_unit_spread(centre={self.centre}s)"


def test_an_up_time_without_spread_is_refused_whatever_its_family():
    point = model_of({"a": unit("batch_point(at=10h)")})
    assert batch_refusal(point) == "an up-time that is not continuous (batch_point(at=36000.0s)): events could tie"
    assert batch_refusal(model_of({"a": unit("batch_unit_spread(centre=10h)")})) is None


def test_a_block_kept_for_a_model_that_is_gone_is_not_reused():
    # a freed model's id can be given to a new one: the kept block then has the new model's key but a
    # dead reference, and must be simulated again
    import gc
    import weakref

    import relsim.engine.batch as batch

    model = model_of({"a": unit()})
    gone = model_of({"a": unit(repair="fixed(5h)")})
    stale = simulate_batch(gone, 0, 0)
    key, _, results = batch._CACHE.block
    batch._CACHE.block = ((id(model), *key[1:]), weakref.ref(gone), results)
    del gone
    gc.collect()
    assert batch._CACHE.block[1]() is None
    got = simulate_batch(model, 0, 0)
    fresh = _run_block(model, _Structure(model, lean_plan(model)), 0, 0, BLOCK, 100 * HOUR, None)[0]
    assert fields(got) == fields(fresh) != fields(stale)


def test_partial_shares_adding_up_to_one_serve_fully():
    # 1/3 + 1/2 + 1/6 is 0.9999999999999999 in floating point: 1 (relsim.engine.node.ALMOST_ONE)
    from shared_models import partial_thirds_halves_sixths

    res = same(partial_thirds_halves_sixths())
    assert res.outages == [] and res.downtime == 0.0
