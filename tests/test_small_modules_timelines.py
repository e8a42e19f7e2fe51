"""Exact timelines and values of the engine's small modules.

``relsim/engine/upkeep.py`` (costs), ``service_watch.py`` (services with
their own objectives), ``placement.py`` (round trips from placement),
``healthcheck.py`` (health checks of DNS records), ``network.py`` (links),
``schedule.py`` (timed occurrences), ``clients.py`` (retries and backoff),
``overload.py`` (overload cascades), ``node.py``, ``workload.py`` and
``budget.py`` (the event limit). Every distribution is ``fixed`` or the
value is a closed form, so each number below is worked by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import relsim
from relsim.units import HOUR, YEAR

MIN = 60.0


def perm(every: str, repair: str, **more: Any) -> dict[str, Any]:
    return {"kind": "permanent", "every": f"fixed({every})", "repair": f"fixed({repair})", **more}


def trans(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def run(raw: dict[str, Any], **kw: Any) -> relsim.RunResult:
    return relsim.simulate(relsim.load(raw), 0, 0, **kw)


def events(res: relsim.RunResult, *kinds: str) -> list[dict[str, Any]]:
    return [e for e in res.trace or [] if e["event"] in kinds]


# -- costs (engine/upkeep.py) ----------------------------------------------------------------------

LONG = perm("1000h", "1h")  # a failure for maintenance to renew: not before the horizon
SILENT = perm("1000h", "1h", silent=True)  # a latent fault an inspection could find: not before the horizon

COSTED: dict[str, Any] = {
    "name": "costed", "horizon": "25h", "repair_crews": 2,
    "components": {
        "a": {"failures": [perm("5h", "1h")]},  # down 5-6, 11-12, 17-18, 23-24 h: 4 repairs, 4 h
        "m": {"failures": [LONG], "maintenance": {"every": "10h", "lasts": "1h"}},  # out 10-11, 21-22 h
        "x": {"failures": [SILENT], "inspection": {"every": "10h", "lasts": "1h"}},  # out 10-11, 20-21 h
        "db-1": {"failures": [perm("3h", "1h")]},  # fails at 3, 7, 11, 15, 19, 23 h: 6 repairs
        "db-2": {},
    },
    "services": {
        "s": {"replicas": ["a"]},
        "t": {"replicas": ["m"], "tier": 2},  # priced by name (0.5), not by its tier (100)
        "u": {"replicas": ["x"], "objectives": {"rto": "30m"}},  # watched, priced neither way
        "db": {"replicas": ["db-1", "db-2"], "mode": "active-passive", "failover": {"time": "fixed(30s)"},
               "data": {"writes": "10/s", "lag": "fixed(2s)"}, "objectives": {"rto": "1h"}},
    },
    "entry": "s",
    "spares": {"disk": {"for": "a", "stock": 2, "restock": "fixed(0s)"}},
    "workload": {"rate": "10/s", "target": "s"},
    "costs": {"components": {"a": 10, "m": 20}, "crew": 3, "spare": 7, "repair": 0.5, "failover": 11,
              "downtime_minute": 0.25, "service_downtime_minute": {"t": 0.5}, "tier_downtime_minute": {2: 100},
              "failed_request": 0.001, "write_lost": 2, "maintenance": 0.75},
}


def test_every_cost_category_is_its_unit_cost_times_its_count():
    res = run(COSTED)
    t = res.upkeep
    years = 25 * HOUR / YEAR
    assert t["repairs"] == 10 and t["preventive"] == 2 and t["inspections"] == 2
    assert res.failovers == 1 and res.writes_lost > 0  # db-1 fails at 3 h, db-2 promoted; never back
    assert res.downtime == 4 * HOUR and res.requests["failed"] == 10 * 4 * HOUR
    # the failover took 30 s, under db's rto of 1 h; db has data but no rpo: nothing judged on data
    assert t["service:db:rto_judged"] == 1 and t["service:db:rto_missed"] == 0
    assert not any(k.startswith("service:db:rpo") for k in t)
    assert t["service:t:downtime"] == 2 * HOUR and t["service:u:downtime"] == 2 * HOUR
    costs = {k: v for k, v in t.items() if k.startswith("cost_")}
    assert costs == pytest.approx({
        "cost_priced": 1.0,
        "cost_components": (10 + 20) * years,
        "cost_crews": 3 * 2 * years,
        "cost_spares": 7 * 2 * years,
        "cost_repairs": 0.5 * 10,
        "cost_failovers": 11.0,
        "cost_downtime": 0.25 * 4 * 60,
        "cost_service_downtime": 0.5 * 2 * 60,  # t only: u has neither a price nor a priced tier
        "cost_failed_requests": 0.001 * 10 * 4 * HOUR,
        "cost_writes_lost": 2.0 * res.writes_lost,
        "cost_maintenance": 0.75 * (2 + 2),
    }, rel=1e-12)


def test_costs_of_counts_that_never_happened_are_zero():
    # no workload, no permanent failure, no maintenance: the priced categories cost 0 and are still reported
    res = run({"name": "quiet", "horizon": "10h", "components": {"a": {}}, "services": {"s": {"replicas": ["a"]}},
               "costs": {"repair": 0.5, "failed_request": 3, "maintenance": 0.5}})
    assert res.upkeep == {"cost_priced": 1.0, "cost_repairs": 0.0, "cost_failed_requests": 0.0,
                          "cost_maintenance": 0.0}


# -- services with their own objectives (engine/service_watch.py) ----------------------------------

def rpo_model(rpo: str, rto: str) -> relsim.Model:
    """db-1 fails at 3 h and 7 h, db-2 at 5 h: three failovers of 30 s, each losing the 2 s lag."""
    return relsim.load({
        "name": "rpo", "horizon": "10h",
        "components": {"db-1": {"failures": [perm("3h", "1h")]}, "db-2": {"failures": [perm("5h", "1h")]},
                       "w": {}},
        "services": {"db": {"replicas": ["db-1", "db-2"], "mode": "active-passive",
                            "failover": {"time": "fixed(30s)"}, "data": {"writes": "10/s", "lag": "fixed(2s)"},
                            "objectives": {"rpo": rpo, "rto": rto}},
                     "web": {"replicas": ["w"], "tier": 1}},
        "entry": "db"})


@pytest.mark.parametrize(("rpo", "rto", "rpo_missed", "rto_missed"), [
    ("1.5s", "29s", 3.0, 3.0), ("2s", "30s", 0.0, 0.0)])
def test_each_failover_is_judged_against_the_services_rpo_and_rto(rpo, rto, rpo_missed, rto_missed):
    res = relsim.simulate(rpo_model(rpo, rto), 0, 0)
    assert res.upkeep == {
        "service:db:downtime": 90.0, "service:db:outages": 3.0,
        "service:db:rto_judged": 3.0, "service:db:rto_missed": rto_missed, "service:db:rto_worst": 30.0,
        "service:db:rpo_judged": 3.0, "service:db:rpo_missed": rpo_missed, "service:db:rpo_worst": 2.0,
        "service:web:downtime": 0.0, "service:web:outages": 0.0}
    assert res.writes_lost > 0  # the data-loss records still reach the replication's own tally


def test_a_service_down_from_the_start_has_one_outage_from_zero_to_the_horizon():
    res = relsim.simulate(rpo_model("2s", "1h").conditioned(always_down=["w"]), 0, 0)
    assert res.upkeep["service:web:downtime"] == 10 * HOUR and res.upkeep["service:web:outages"] == 1.0


# -- round trips from placement (engine/placement.py) ----------------------------------------------

PLACED: dict[str, Any] = {
    "name": "placed", "horizon": "10h",
    "domains": {"eu": {"contains": {"eu-a": {}, "eu-b": {}}}, "us": {"contains": {"us-a": {}}}},
    "latency": {"within": "1ms", "default": "150ms", "pairs": [{"between": ["eu", "us"], "rtt": "80ms"},
                                           {"between": ["eu-a", "eu-b"], "rtt": "2ms"}]},
}


def simulation(raw: dict[str, Any]) -> Any:
    from relsim.engine.simulation import Simulation

    return Simulation(relsim.load(raw), 0, 0)


def test_the_request_path_rtt_reaches_through_a_dns_name_a_balancer_and_a_service_of_services():
    # www answers from lb (eu-a) and web, whose replicas are web-eb (eu-b) and the service inner (web-us,
    # us-a). Shares 0.4 : 0.2 : 0.2 rescaled to 1/2, 1/4, 1/4; clients near us-a and eu-b each find a
    # place in their own domain (1 ms); clients near nowhere add no round trip (not the 150 ms default).
    sim = simulation({
        **PLACED,
        "components": {"web-us": {"in": "us-a"}, "web-eb": {"in": "eu-b"}},
        "services": {"inner": {"replicas": ["web-us"]}, "web": {"replicas": ["web-eb", "inner"]}},
        "load_balancers": {"lb": {"service": "web", "in": "eu-a"}},
        "dns": {"names": {"www": {"records": ["lb", "web"]}}}, "entry": "inner",  # the target is not the entry
        "workload": {"rate": "10/s", "target": "www",
                     "populations": {"us": {"share": 0.4, "near": "us-a"}, "eu": {"share": 0.2, "near": "eu-b"},
                                     "any": {"share": 0.2}}}})
    placement = sim.placement
    assert placement.places("www") == ["eu-a", "eu-b", "us-a"]
    assert placement.places("inner") == ["us-a"]
    assert placement.clients == [(0.5, "us-a"), (0.25, "eu-b"), (0.25, None)]
    assert sim.traffic.client_rtt == [(0.5, 0.001), (0.25, 0.001), (0.25, 0.0)]


def test_operations_without_a_latency_section_have_no_latency():
    from shared_models import active_passive_store

    app = relsim.simulate(active_passive_store({"get": {"service": "db", "share": 1.0}}), 0, 0).app
    assert app["operations_offered"] == 10 * 3 * HOUR
    assert "read_latency_mean" not in app and "write_latency_mean" not in app


def test_kth_fastest_counts_the_origin_as_zero_and_falls_back_to_the_slowest():
    sim = simulation({**PLACED, "components": {"a": {"in": "eu-a"}, "b": {"in": "eu-b"}, "c": {"in": "us-a"},
                                                "d": {"in": "eu-a"}},
                      "services": {"s": {"replicas": ["a", "b", "c", "d"]}}})
    p = sim.placement
    a, b, c, d = (sim.nodes[n] for n in "abcd")
    assert p.kth_fastest(a, [b, c, d], 0) == 0.0
    assert p.kth_fastest(a, [], 0) == 0.0
    assert [p.kth_fastest(a, [c, b, d], k) for k in (1, 2, 3)] == [0.001, 0.002, 0.080]
    assert p.kth_fastest(a, [a, c], 1) == 0.0  # the origin itself answers at once
    assert p.kth_fastest(a, [c, b, d], 5) == 0.080  # fewer than k: the slowest
    assert p.kth_fastest(a, [d, b], 3) == 0.002
    assert p.kth_fastest(a, [], 2) == 0.0


def sync_store(**data: Any) -> dict[str, Any]:
    """db-1 (eu-a) the primary; db-2 (eu-b, 2 ms) down 2-3, 5-6 and 8-9 h; db-3 (us-a, 80 ms)."""
    return {**PLACED,
            "components": {"db-1": {"in": "eu-a"},
                           "db-2": {"in": "eu-b", "failures": [trans("2h", "1h")]},
                           "db-3": {"in": "us-a"}},
            "services": {"db": {"replicas": ["db-1", "db-2", "db-3"], "mode": "active-passive",
                                "data": {"writes": "10/s", **data}}}}


@pytest.mark.parametrize("acks", [{}, {"acks": 2}])
def test_sync_replication_waits_for_the_fastest_standby_serving(acks):
    # 7 h on db-2 (2 ms), 3 h on db-3 (80 ms) while db-2 is down; acks are for semi-sync only
    res = run(sync_store(replication="sync", **acks))
    assert res.write_latency == pytest.approx((7 * 0.002 + 3 * 0.080) / 10, rel=1e-12)


def test_writes_blocked_with_no_standby_serving_add_no_latency():
    # db-1 and db-2 only, on_sync_unavailable: block: while db-2 is down (3 h of 10) writes are
    # blocked, not degraded, and there is no standby to wait for: 2 ms for 7 h, nothing for 3 h
    raw = sync_store(replication="sync", on_sync_unavailable="block")
    raw["services"]["db"]["replicas"] = ["db-1", "db-2"]
    del raw["components"]["db-3"]
    res = run(raw, trace=True)
    assert [e["t"] / HOUR for e in events(res, "writes_blocked")] == [2.0, 5.0, 8.0]
    assert res.write_latency == pytest.approx(7 * 0.002 / 10, rel=1e-12)


def test_no_primary_waiting_for_a_restore_adds_no_latency():
    # db-2 (the standby) down 4-7 h, db-1 (the primary) down 5-6 h: no candidate, the service waits
    # for db-1's restore with no primary; a partition from 5.25 h to 5.5 h makes the replication
    # re-read its rtt meanwhile. Latency is 2 ms while both serve (7 h of 10) and 0 otherwise:
    # degraded without a standby, the failed primary with no standby serving, no primary at all
    raw = sync_store(replication="sync")
    raw["services"]["db"]["replicas"] = ["db-1", "db-2"]
    del raw["components"]["db-3"]
    raw["components"]["db-2"]["failures"] = [trans("4h", "3h")]
    raw["components"]["db-1"]["failures"] = [trans("5h", "1h")]
    raw["links"] = {"l": {"between": ["eu", "us"], "failures": [trans("5.25h", "0.25h")]}}
    res = run(raw, trace=True)
    assert [e["t"] / HOUR for e in events(res, "waiting_for_restore", "partition", "promoted")] == [5.0, 5.25, 6.0]
    assert res.write_latency == pytest.approx(7 * 0.002 / 10, rel=1e-12)


# -- links (engine/network.py) ---------------------------------------------------------------------

def test_a_link_partitions_and_heals_in_the_trace():
    res = run({"name": "cut", "horizon": "4h",
               "domains": {"a": {"kind": "zone"}, "b": {"kind": "zone"}},
               "links": {"ab": {"between": ["a", "b"], "failures": [trans("2h", "1h")]}},
               "components": {"x": {"in": "a"}, "y": {"in": "b"}},
               "services": {"s": {"replicas": ["x", "y"]}}}, trace=True)
    assert [{k: v for k, v in e.items()} for e in events(res, "partition", "partition_healed")] == [
        {"t": 2 * HOUR, "event": "partition", "link": "ab", "between": ["a", "b"]},
        {"t": 3 * HOUR, "event": "partition_healed", "link": "ab"}]


# -- health checks of DNS records (engine/healthcheck.py) ------------------------------------------

def two_records(fails: dict[str, list[dict[str, Any]]], check: dict[str, Any],
                zone: list[dict[str, Any]] | None = None) -> relsim.Model:
    """www answers east (e1 and e2, both in zone z, both needed) while its checks pass, else west."""
    return relsim.load({
        "name": "hc", "horizon": "20h",
        "domains": {"z": {"failures": zone or []}},
        "components": {"e1": {"in": "z", "failures": fails.get("e1", [])},
                       "e2": {"in": "z", "failures": fails.get("e2", [])}, "w": {}},
        "services": {"east": {"replicas": ["e1", "e2"], "needs": 2}, "west": {"replicas": ["w"]}}, "entry": "east",
        "dns": {"names": {"www": {"records": ["east", "west"], "ttl": "60s", "health_check": check}}},
        "workload": {"rate": "10/s", "target": "www"}})


def answers(res: relsim.RunResult) -> list[tuple[float, dict[str, float]]]:
    return [(e["t"] - 10 * HOUR, e["answer"]) for e in events(res, "dns_answer")]


CHECK0 = {"interval": "0s", "unhealthy": 1, "healthy": 1, "timeout": "5s"}
CHECK10 = {"interval": "10s", "unhealthy": 1, "healthy": 5, "timeout": "5s"}  # out after 5-15 s, in after 40-50 s


def test_a_record_serving_half_passes_its_checks():
    # e1 is down 10-11 h: east serves half, is never down for a check, and keeps every answer
    res = relsim.simulate(two_records({"e1": [trans("10h", "1h")]}, CHECK0), 0, 0, trace=True)
    assert answers(res) == [] and res.requests["failed"] == pytest.approx(10 * HOUR / 2, rel=1e-12)  # half of 10/s for 1 h


def test_a_record_failing_again_before_it_is_marked_up_stays_out():
    # east is down 10-11 h (both replicas), back at 11 h, and down again with its zone 5 s later,
    # before five passed checks (40-50 s) mark it up; it stays out until the zone is back at 16 h 5 s
    res = relsim.simulate(two_records({"e1": [trans("10h", "1h")], "e2": [trans("10h", "1h")]}, CHECK10,
                                      zone=[trans("39605s", "5h")]), 0, 0, trace=True)
    (t_out, out), (t_in, back) = answers(res)
    assert out == {"west": 1.0} and back == {"east": 1.0}
    assert 5 <= t_out < 15 and 6 * HOUR + 5 + 40 <= t_in < 6 * HOUR + 5 + 50


def test_a_record_coming_back_in_two_steps_is_marked_up_from_the_first():
    # both replicas fail at 10 h; e1 is back at 11 h (east serves half: up for a check), e2 30 s later:
    # east is marked up 40-50 s after 11 h, not 40-50 s after 11 h 30 s
    res = relsim.simulate(two_records({"e1": [trans("10h", "1h")], "e2": [trans("10h", "1h")]}, CHECK10,
                                      zone=[]).with_overrides(
        {"components.e2.failures[0].lasts": "fixed(3630s)"}), 0, 0, trace=True)
    (t_out, out), (t_in, back) = answers(res)
    assert out == {"west": 1.0} and back == {"east": 1.0}
    assert HOUR + 40 <= t_in < HOUR + 50


@pytest.mark.parametrize(("deep", "answers_seen", "failed"), [
    (False, [], 10 * HOUR),
    (True, [(5.0, {"west": 1.0}), (HOUR, {"lb": 1.0})], 10 * (5 + 30)),
])
def test_a_silent_failure_of_a_balancer_record_passes_shallow_checks(deep, answers_seen, failed):
    # lb fails silently 10-11 h: a shallow check still passes, so every answer keeps lb and its
    # clients fail for the whole hour; a deep check takes it out after 5 s (then the 60 s TTL drains)
    res = run({"name": "hc", "horizon": "20h", "components": {"e": {}, "w": {}},
               "services": {"east": {"replicas": ["e"]}, "west": {"replicas": ["w"]}}, "entry": "east",
               "load_balancers": {"lb": {"service": "east", "failures": [{**trans("10h", "1h"), "silent": True}]}},
               "dns": {"names": {"www": {"records": ["lb", "west"], "ttl": "60s",
                                         "health_check": {**CHECK0, "deep": deep}}}},
               "workload": {"rate": "10/s", "target": "www"}}, trace=True)
    assert answers(res) == answers_seen
    assert res.requests["failed"] == pytest.approx(failed, rel=1e-12)


# -- timed occurrences (engine/schedule.py) --------------------------------------------------------

def occurrences(when: dict[str, Any], horizon: str = "4h") -> list[float]:
    from relsim.engine.schedule import occurrences as occ
    from relsim.model.timing import When

    sim = simulation({"name": "t", "horizon": horizon, "components": {"a": {}},
                      "services": {"s": {"replicas": ["a"]}}})
    return [t / HOUR for t in occ(sim, When.model_validate(when), "test/every")]


@pytest.mark.parametrize(("when", "times"), [
    ({"every": "fixed(1h)"}, [1, 2, 3]),
    ({"every": "fixed(1h)", "start": "30m"}, [0.5, 1.5, 2.5, 3.5]),
    ({"every": "fixed(1h)", "start": "30m", "until": "2.5h"}, [0.5, 1.5]),  # until is excluded
    ({"every": "fixed(1h)", "until": "2.5h"}, [1, 2]),
    ({"every": "fixed(1h)", "start": "30m", "count": 3}, [0.5, 1.5, 2.5]),
    # a random every that is a point mass: one draw after another, from the start
    ({"every": "normal(mean=1h, sd=0h)"}, [1, 2, 3]),
    ({"every": "normal(mean=1h, sd=0h)", "start": "30m"}, [0.5, 1.5, 2.5, 3.5]),
    ({"every": "normal(mean=1h, sd=0h)", "start": "30m", "count": 2}, [0.5, 1.5]),
    ({"every": "normal(mean=1h, sd=0h)", "start": "30m", "count": 100}, [0.5, 1.5, 2.5, 3.5]),
    ({"every": "normal(mean=1h, sd=0h)", "start": "30m", "until": "2.5h", "count": 100}, [0.5, 1.5]),
    ({"every": "normal(mean=1h, sd=0h)", "start": "4h", "count": 100}, []),
])
def test_occurrences_before_the_horizon_or_until_and_at_most_count(when, times):
    assert occurrences(when) == times


def test_a_random_every_starts_at_start_and_draws_from_there():
    times = occurrences({"every": "exp(mean=1h)", "start": "1h", "count": 3}, horizon="1000h")
    assert times[0] == 1 and len(times) == 3 and times[0] < times[1] < times[2]


# -- retries and backoff (engine/clients.py) -------------------------------------------------------

def test_the_attempt_success_is_the_share_served_when_retries_do_not_overload():
    from relsim.engine.clients import solve_attempt_success

    def served(load: float) -> float:
        return 1.0 if load <= 100.0 else 100.0 / load

    assert solve_attempt_success(served, 50.0, 3) == 1.0  # exactly: no bisection
    assert solve_attempt_success(served, 0.0, 3) == 1.0
    assert solve_attempt_success(lambda load: 0.5 / (1.0 + load), 0.0, 3) == 0.5  # served(0) at no load
    # over capacity with 2 attempts: p = 100 / (200 (2 − p)), p (2 − p) = 1/2, p = 1 − √½
    assert solve_attempt_success(served, 200.0, 2) == pytest.approx(1 - 0.5 ** 0.5, abs=1e-12)


def test_backoffs_without_retries_and_with_decorrelated_jitter():
    from relsim.engine.clients import backoffs

    assert backoffs(np.random.default_rng(0), 3, 0, 2.0, 100.0, "decorrelated").tolist() == [0.0, 0.0, 0.0]
    # decorrelated: U(base, 3 · previous), the first previous being base; capped at cap
    got = backoffs(np.random.default_rng(7), 5, 2, 2.0, 100.0, "decorrelated")
    rng = np.random.default_rng(7)
    first = rng.uniform(2.0, 6.0, 5)
    second = np.minimum(100.0, rng.uniform(2.0, 3.0 * first))
    assert got.tolist() == (first + second).tolist()
    capped = backoffs(np.random.default_rng(7), 5, 2, 2.0, 5.0, "decorrelated")
    rng = np.random.default_rng(7)
    first = np.minimum(5.0, rng.uniform(2.0, 6.0, 5))
    second = np.minimum(5.0, rng.uniform(2.0, 3.0 * first))
    assert capped.tolist() == (first + second).tolist()


# -- services with their own objectives: dips, steps and zero-length outages -----------------------

def test_an_outage_through_a_partial_step_is_one_outage_from_its_first_step():
    # needs 2 of r1, r2: r1 down 1-3 h and from 4 h, r2 down 2-3 h and from 4 h. s: 1 → 0.5 (1 h) → 0 (2 h)
    # → 1 (3 h) → 0 (4 h) to the horizon: outages of 2 h (over the 90 min rto) and 1 h (closed at 5 h)
    res = run({"name": "aa", "horizon": "5h",
               "components": {"r1": {"failures": [trans("1h", "2h")]}, "r2": {"failures": [trans("2h", "1h")]}},
               "services": {"s": {"replicas": ["r1", "r2"], "needs": 2, "objectives": {"rto": "90m"}}}})
    assert res.upkeep == {"service:s:downtime": 3 * HOUR, "service:s:outages": 2.0, "service:s:rto_judged": 2.0,
                          "service:s:rto_missed": 1.0, "service:s:rto_worst": 2 * HOUR}


@pytest.mark.parametrize(("time", "outages"), [("0s", 0.0), ("0.5s", 1.0)])
def test_a_dip_within_one_instant_is_no_outage_of_the_service(time, outages):
    res = run({"name": "ap", "horizon": "5h", "components": {"a": {"failures": [perm("2h", "1h")]}, "b": {}},
               "services": {"s": {"replicas": ["a", "b"], "mode": "active-passive",
                                  "failover": {"time": f"fixed({time})"}, "objectives": {"rto": "1m"}}}})
    d = outages * 0.5
    assert res.upkeep == {"service:s:downtime": d, "service:s:outages": outages, "service:s:rto_judged": outages,
                          "service:s:rto_missed": 0.0, "service:s:rto_worst": d}


# -- what listeners of a DNS name are told (engine/node.py) ---------------------------------------

class _Named(relsim.behaviours.Params):
    name: str


@relsim.behaviour("test-dns-watch", params=_Named)
def _dns_watch(h: Any, p: _Named) -> Any:
    """Tallies the times at which ``p.name`` tells its listeners of a change."""
    while True:
        yield h.changed(p.name)
        h.tally(f"at {h.now / HOUR:g} h", 1.0)


def test_a_behaviour_hears_a_dns_names_record_answer_and_cache_changes():
    # east fails at 10 h for 1 h; with interval 0 s the answer moves to west 5 s later, and each
    # change of answer drains the 60 s caches: the name tells its listeners at each of those instants
    res = run({"name": "dw", "horizon": "20h", "components": {"e": {"failures": [trans("10h", "1h")]}, "w": {}},
               "services": {"east": {"replicas": ["e"]}, "west": {"replicas": ["w"]}}, "entry": "east",
               "dns": {"names": {"www": {"records": ["east", "west"], "ttl": "60s", "health_check": CHECK0}}},
               "workload": {"rate": "10/s", "target": "www"},
               "behaviours": {"watch": {"kind": "test-dns-watch", "name": "www"}}})
    assert res.tallies == {f"at {t / HOUR:g} h": 1.0 for t in (36000.0, 36005.0, 36065.0, 39600.0, 39660.0)}


# -- the request rate (engine/workload.py) ---------------------------------------------------------

def test_a_rate_profile_integrates_exactly_across_hours_and_days():
    from relsim.engine.workload import DAY, RateProfile

    # profile 1 for hours 0-11 and 3 for 12-23 (mean 2), rate 2/s: λ = 1/s, then 3/s
    p = RateProfile(2.0, [1.0] * 12 + [3.0] * 12)
    assert p.hourly == [1.0] * 12 + [3.0] * 12 and p.peak() == 3.0
    assert (p.at(12.5 * HOUR), p.at(DAY + 11 * HOUR)) == (3.0, 1.0)
    assert p.cumulative(DAY + 12.5 * HOUR) == 172_800.0 + 43_200.0 + 5_400.0
    assert p.base_and_moment(5.0, 5.0) == (0.0, 0.0) and p.base_and_moment(6.0, 5.0) == (0.0, 0.0)
    # [11.5 h, 12.5 h]: ∫λ = 1800 + 3·1800; ∫λ(u − a) = 1800²/2 + 3 (3600² − 1800²)/2
    assert p.base_and_moment(11.5 * HOUR, 12.5 * HOUR) == (7_200.0, 16_200_000.0)
    # [23.5 h, 24.5 h], across midnight: 3·1800 + 1800; 3·1800²/2 + (3600² − 1800²)/2
    assert p.base_and_moment(23.5 * HOUR, 24.5 * HOUR) == (7_200.0, 9_720_000.0)
    # over two hour boundaries: [11.5 h, 13.5 h], b − a = 7200 s
    assert p.base_and_moment(11.5 * HOUR, 13.5 * HOUR) == (1_800.0 + 3 * 5_400.0,
                                                            1_620_000.0 + 3 * (7_200.0 ** 2 - 1_800.0 ** 2) / 2)
    assert p.integrate(11.5 * HOUR, 12.5 * HOUR, 0.5, 1e-4) == pytest.approx(0.5 * 7_200 + 1_620.0, rel=1e-15)
    assert p.integrate(11.5 * HOUR, 12.5 * HOUR, 0.5, 0.0) == 3_600.0
    assert p.integrate(23.5 * HOUR, 24.5 * HOUR, 0.0, 1.0) == 9_720_000.0
    assert p.integrate(5.0, 5.0, 1.0, 1.0) == 0.0 and p.integrate(6.0, 5.0, 1.0, 1.0) == 0.0
    flat = RateProfile(2.0)
    assert flat.at(12.5 * HOUR) == 2.0 and flat.peak() == 2.0 and flat.cumulative(100.0) == 200.0
    assert flat.base_and_moment(10.0, 110.0) == (200.0, 10_000.0)
    assert flat.integrate(10.0, 110.0, 0.5, 0.01) == 100.0 + 100.0
    # a flat rate integrates as rate · t, not through the hours of the day (which round differently)
    t = 14_446_779.93020973
    assert RateProfile(0.7).cumulative(t) == 0.7 * t


# -- overload cascades (engine/overload.py) --------------------------------------------------------

def overloads(res: relsim.RunResult) -> list[tuple[float, int]]:
    return [(round(e["t"] / HOUR, 6), e["serving"]) for e in events(res, "overload")]


@pytest.mark.parametrize(("capacity", "first"), [(2.0, []), (1.9, [(round(1 + 1 / 60, 6), 1)])])
def test_a_load_exactly_at_capacity_does_not_overload(capacity, first):
    # r2 is down 1-2 h: r1 carries 2 × its normal load
    res = run({"name": "o", "horizon": "3h", "components": {"r1": {}, "r2": {"failures": [trans("1h", "1h")]}},
               "services": {"s": {"replicas": ["r1", "r2"],
                                  "overload": {"capacity": capacity, "after": "1m", "lasts": "fixed(10m)"}}}},
              trace=True)
    assert overloads(res)[:1] == first


def test_an_overload_that_leaves_the_load_above_capacity_starts_the_timer_again():
    # c2 fails at 1 h: 4 replicas, 3 serving, load 4/3 > 1.3. After 1 min c0 and c1 fall over; the
    # replica that is a service (inner) has no overload failure and keeps serving alone, at load 4:
    # the timer starts again and fires 1 min later with nobody to fail; c0 and c1 are back at
    # 1 h 11 min, and the cycle repeats every 11 min
    res = run({"name": "o", "horizon": "2h",
               "components": {"c0": {}, "c1": {}, "c2": {"failures": [trans("1h", "5h")]}, "i0": {}},
               "services": {"inner": {"replicas": ["i0"]},
                            "web": {"replicas": ["c0", "c1", "c2", "inner"],
                                    "overload": {"capacity": 1.3, "after": "1m", "lasts": "fixed(10m)"}}},
               "entry": "web"}, trace=True)
    starts = [1 + k * 11 / 60 for k in range(6)]
    assert overloads(res) == [x for t in starts for x in ((round(t + 1 / 60, 6), 2), (round(t + 2 / 60, 6), 0))]


# -- the event limit (engine/budget.py) ------------------------------------------------------------

BUDGETED: dict[str, Any] = {
    # a fails at 3 h and is repaired at 4 h, and so on; b's transient failure is due exactly at the horizon
    "name": "budget", "horizon": "10h",
    "components": {"a": {"failures": [perm("3h", "1h")]}, "b": {"failures": [trans("10h", "1h")]}},
    "services": {"s": {"replicas": ["a", "b"], "needs": 2}},
}


def test_a_limit_never_reached_changes_nothing_and_events_at_the_horizon_do_not_run():
    model = relsim.load(BUDGETED)
    free = relsim.simulate(model, 0, 0, engine="simpy", trace=True)
    bounded = relsim.simulate(model, 0, 0, engine="simpy", trace=True, max_events=10**9)
    assert [(o.start_s / HOUR, o.end_s / HOUR) for o in free.outages] == [(3, 4), (7, 8)]
    assert (bounded.events, bounded.outages, bounded.trace) == (free.events, free.outages, free.trace)
    assert not [e for e in free.trace if e["t"] >= 10 * HOUR]


def test_the_simpy_engine_stops_at_the_limit_with_the_time_of_the_event_past_it():
    # the events before the horizon: a's failures and repairs at 3, 4, 7 and 8 h
    model = relsim.load(BUDGETED)
    with pytest.raises(relsim.TooManyEvents, match=r"replication 0 \(seed 0\) passed the limit of 0 events at t=0 s"):
        relsim.simulate(model, 0, 0, engine="simpy", max_events=0.5)
    with pytest.raises(relsim.TooManyEvents, match=r"passed the limit of 3 events at t=25200 s"):
        relsim.simulate(model, 0, 0, engine="simpy", max_events=3.9)
    times = []
    for limit in range(4):
        with pytest.raises(relsim.TooManyEvents) as info:
            relsim.simulate(model, 3, 2, engine="simpy", max_events=limit)
        assert (info.value.limit, info.value.replication, info.value.seed) == (limit, 2, 3)
        times.append(info.value.time / HOUR)
    assert times == [0, 3, 4, 7]
    free = relsim.simulate(model, 0, 0, engine="simpy")
    res = relsim.simulate(model, 0, 0, engine="simpy", max_events=4)
    assert (res.events, res.outages) == (free.events, free.outages)


def test_a_window_is_read_on_the_models_calendar():
    # model time 0 is Tuesday 00:00: a drill due at 2 h waits for Tuesday 10:00, 10 h (on a calendar
    # starting on Monday it would wait until 34 h)
    res = run({"name": "w", "horizon": "2d", "start_day": 1, "components": {"db": {"count": 2}},
               "services": {"store": {"mode": "active-passive", "replicas": ["db"],
                                      "failover": {"time": "fixed(1m)"}}},
               "schedule": {"gd": {"kind": "drill", "service": "store", "at": "2h", "lasts": "30m",
                                   "window": "Tue-Thu 10:00-16:00"}}}, trace=True)
    assert [e["t"] / HOUR for e in events(res, "drill_start")] == [10.0]


def test_watching_a_services_rpo_leaves_its_data_loss_records_unchanged():
    watched = relsim.simulate(rpo_model("1.5s", "1h"), 0, 0, trace=True)
    plain = relsim.simulate(rpo_model("1.5s", "1h").with_overrides({"services.db.objectives": None}), 0, 0,
                            trace=True)
    assert plain.upkeep is None or not any(k.startswith("service:db") for k in plain.upkeep)
    assert watched.outages == plain.outages and watched.writes_lost == plain.writes_lost > 0
    assert [o.rpo_s for o in watched.outages] == [2.0, 2.0, 2.0]
    assert events(watched, "data_loss") == events(plain, "data_loss")
    assert [(e["cause"], e["seconds"]) for e in events(watched, "data_loss")] == [("failover", 2.0)] * 3


def test_a_link_between_regions_cuts_the_zones_inside_them():
    # the same quorum across a cut, its members one level deeper (zones inside the linked regions):
    # the link still separates them, and the outages are those of the flat model
    from shared_models import quorum_across_a_cut

    flat = quorum_across_a_cut({"in": "b"})
    raw = {**flat.raw, "domains": {"a": {"contains": {"a-z": {}}}, "b": {"contains": {"b-z": {}}}},
           "components": {name: {**body, "in": f"{body['in']}-z"} for name, body in flat.raw["components"].items()}}
    nested = relsim.simulate(relsim.load(raw), 0, 0)
    uncut = relsim.simulate(relsim.load({**raw, "links": {}}), 0, 0)
    plain = relsim.simulate(flat, 0, 0)
    assert nested.outages == plain.outages and nested.outages != uncut.outages


def test_a_service_priced_by_name_alone_is_watched_for_its_downtime():
    # b has neither objectives nor a tier: its price per minute alone makes its outages counted
    res = run({"name": "p", "horizon": "10h", "components": {"a": {}, "x": {"failures": [trans("2h", "30m")]}},
               "services": {"s": {"replicas": ["a"]}, "b": {"replicas": ["x"]}}, "entry": "s",
               "costs": {"service_downtime_minute": {"b": 2}}})
    # x is down 2-2.5, 4.5-5, 7-7.5 and 9.5-10 h: 2 h of b's own downtime
    assert res.upkeep == {"service:b:downtime": 2 * HOUR, "service:b:outages": 4.0, "cost_priced": 1.0,
                          "cost_service_downtime": 2 * 120.0}
