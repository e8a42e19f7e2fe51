"""Exact timelines for the corners of the service modes (docs/model-format.md §14.4).

Each test works out by hand, from the semantics, what a service does when
its replicas, dependencies, links or data change with ``fixed(...)``
times: a quorum's default majority, the logged reasons of a lost quorum and
an election, a partition that leaves exactly ``needs`` members apart,
nested services that serve in part at the same time, a dependency that is
down while a replica changes, the tallies of several services added up at
the horizon, an overload cascade's trace and streams, and a service used as
the replica of an active-passive service (reachable from anywhere). Times in
hours unless said otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest
from shared_models import partial_thirds_halves_sixths

import relsim
from relsim.units import HOUR

ELECTION = 10.0  # seconds


def trans(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def run(raw: dict[str, Any]) -> relsim.RunResult:
    return relsim.simulate(relsim.load(raw), seed=0, replication=0, trace=True)


def logged(res: relsim.RunResult, service: str, *kinds: str) -> list[dict[str, Any]]:
    """Trace events of ``service`` of the given kinds, ``t`` in hours (rounded to 1e-9), without ``service``."""
    out = []
    for e in res.trace or []:
        if e["event"] in kinds and e.get("service") == service:
            row = {k: v for k, v in e.items() if k != "service"}
            row["t"] = round(row["t"] / HOUR, 9)
            out.append(row)
    return out


def steps(res: relsim.RunResult, service: str) -> list[tuple[float, float]]:
    """The service's s(t) steps: ``(t in hours, s)``."""
    return [(round(e["t"] / HOUR, 9), e["s"]) for e in res.trace or []
            if e["event"] == "service" and e["service"] == service]


def spans(res: relsim.RunResult) -> list[tuple[float, float]]:
    """The entry's outages as ``(start, end)`` in hours."""
    return [(round(o.start_s / HOUR, 9), round(o.end_s / HOUR, 9)) for o in res.outages]


def after_election(t: float) -> float:
    return round(t + ELECTION / HOUR, 9)


QUORUM_EVENTS = ("quorum_lost", "election_started", "leader_elected")


# -- quorums ---------------------------------------------------------------------
def _two_quorums() -> relsim.RunResult:
    """q3 (n1-n3, needs 2) depends on q5 (m1-m5, default needs: a majority of 5 is 3).

    q5: m3 down 2-3, m4 2.25-3.25, m5 2.5-3.5. q3: n2 down 1-2 and 3-4, n3
    from 3.5 on, n1 3.75-3.85. Every next failure falls after the horizon.
    """
    return run({
        "name": "quorums", "horizon": "4.5h",
        "components": {"n1": {"failures": [trans("3.75h", "0.1h")]}, "n2": {"failures": [trans("1h", "1h")]},
                       "n3": {"failures": [trans("3.5h", "10h")]},
                       "m1": {}, "m2": {}, "m3": {"failures": [trans("2h", "1h")]},
                       "m4": {"failures": [trans("2.25h", "1h")]}, "m5": {"failures": [trans("2.5h", "1h")]}},
        "services": {"q3": {"replicas": ["n1", "n2", "n3"], "mode": "quorum", "election": "fixed(10s)",
                            "depends_on": ["q5"]},
                     "q5": {"replicas": ["m1", "m2", "m3", "m4", "m5"], "mode": "quorum",
                            "election": "fixed(10s)"}},
        "entry": "q3"})


def test_a_quorum_of_five_needs_three_by_default():
    # 2.5 h: only m1 and m2 are up, 2 < 3: lost. 3 h: m3 is back, a majority
    # again, which elects m1 (the first listed of the group) in 10 s.
    res = _two_quorums()
    assert logged(res, "q5", *QUORUM_EVENTS) == [
        {"t": 2.5, "event": "quorum_lost", "up": 2, "needs": 3},
        {"t": 3.0, "event": "election_started", "duration": ELECTION},
        {"t": after_election(3.0), "event": "leader_elected", "leader": "m1"},
    ]
    assert steps(res, "q5") == [(2.5, 0.0), (after_election(3.0), 1.0)]


def test_a_lost_quorum_is_logged_once_with_the_members_up_then():
    # n2's return at 2 h and failure at 3 h leave 2 of 3 up; n3 fails at
    # 3.5 h: 1 up, lost. n1 failing and coming back (3.75-3.85 h) leaves it
    # lost: nothing more is logged. n2 back at 4 h: 2 up, an election.
    res = _two_quorums()
    assert logged(res, "q3", *QUORUM_EVENTS) == [
        {"t": 3.5, "event": "quorum_lost", "up": 1, "needs": 2},
        {"t": 4.0, "event": "election_started", "duration": ELECTION},
        {"t": after_election(4.0), "event": "leader_elected", "leader": "n1"},
    ]


def test_a_quorum_serves_its_share_times_its_dependency():
    # q3 serves s(q3 replicas) x s(q5): down while q5 is (2.5 h to its
    # election), and while q3 itself has no quorum; its replica n2 fails at
    # 3 h while q5 is still electing (s = 1 x 0 stays 0).
    res = _two_quorums()
    assert steps(res, "q3") == [(2.5, 0.0), (after_election(3.0), 1.0), (3.5, 0.0), (after_election(4.0), 1.0)]
    assert spans(res) == [(2.5, after_election(3.0)), (3.5, after_election(4.0))]
    assert res.elections == 2  # one per service, added up


def test_a_partition_between_exactly_needs_members_loses_the_quorum():
    # p1 (za), p2 (zb), p3 (zc), needs 2. p3 is down 1-3 h; the link za~zb
    # is down 2-2.5 h: p1 and p2 are both up (2 = needs) but cannot reach
    # each other: no quorum. When the link is back they elect p1.
    res = run({
        "name": "qp", "horizon": "4h",
        "domains": {"za": {"kind": "zone"}, "zb": {"kind": "zone"}, "zc": {"kind": "zone"}},
        "links": {"ab": {"between": ["za", "zb"], "failures": [trans("2h", "0.5h")]}},
        "latency": {"within": "1ms"},  # the placement reads every service's spec
        "components": {"p1": {"in": "za"}, "p2": {"in": "zb"}, "p3": {"in": "zc", "failures": [trans("1h", "2h")]}},
        "services": {"q": {"replicas": ["p1", "p2", "p3"], "mode": "quorum", "election": "fixed(10s)"}}})
    assert logged(res, "q", *QUORUM_EVENTS) == [
        {"t": 2.0, "event": "quorum_lost", "up": 2, "needs": 2},
        {"t": 2.5, "event": "election_started", "duration": ELECTION},
        {"t": after_election(2.5), "event": "leader_elected", "leader": "p1"},
    ]
    assert spans(res) == [(2.0, after_election(2.5))]


def test_a_service_serves_the_product_of_all_its_dependencies():
    # app depends on d1 (down 1-2 h) and d2 (active-active, needs 2: half
    # while d2b is down 1.5-2.5 h): s = 1 x s(d1) x s(d2).
    res = run({
        "name": "deps", "horizon": "2.9h",
        "components": {"a": {}, "d1a": {"failures": [trans("1h", "1h")]},
                       "d2a": {}, "d2b": {"failures": [trans("1.5h", "1h")]}},
        "services": {"app": {"replicas": ["a"], "depends_on": ["d1", "d2"]},
                     "d1": {"replicas": ["d1a"]}, "d2": {"replicas": ["d2a", "d2b"], "needs": 2}},
        "entry": "app"})
    assert steps(res, "app") == [(1.0, 0.0), (2.0, 0.5), (2.5, 1.0)]


# -- nested services serving in part ---------------------------------------------------
def test_two_nested_services_serving_in_part_at_once():
    # e and f are active-active with needs 2 (s = up / 2); e1 is down 1.5-3 h,
    # f1 2-4 h: both serve half during 2-3 h. front (active-active, needs 2)
    # serves (s_e + s_f) / 2; the quorum qn counts only fully-up members
    # (e, f, g; needs 2): e's half at 1.5 h leaves f and g (f leads, no
    # election), f's half at 2 h leaves 1 of 3: lost; e back at 3 h: e leads.
    res = run({
        "name": "halves", "horizon": "4.25h",
        "components": {"e1": {"failures": [trans("1.5h", "1.5h")]}, "e2": {},
                       "f1": {"failures": [trans("2h", "2h")]}, "f2": {}, "g": {}},
        "services": {"e": {"replicas": ["e1", "e2"], "needs": 2}, "f": {"replicas": ["f1", "f2"], "needs": 2},
                     "front": {"replicas": ["e", "f"], "needs": 2},
                     "qn": {"replicas": ["e", "f", "g"], "mode": "quorum"}},
        "entry": "front"})
    assert steps(res, "front") == [(1.5, 0.75), (2.0, 0.5), (3.0, 0.75), (4.0, 1.0)]
    assert steps(res, "qn") == [(2.0, 0.0), (3.0, 1.0)]
    assert logged(res, "qn", *QUORUM_EVENTS) == [{"t": 2.0, "event": "quorum_lost", "up": 1, "needs": 2}]


# -- data: tallies of several services --------------------------------------------------
def test_conflicts_of_a_partition_open_at_the_horizon_count_for_every_service():
    # The link is down from 5 h past the 10 h horizon: both sides of s1 and
    # of s2 take writes for 5 h, reconciled at the horizon. 18 000 writes per
    # side over 1000 keys: nearly every key conflicts, a Poisson count of
    # mean 1000 (1 - 2e-8) (last writer wins: one update lost per key).
    res = run({
        "name": "open-split", "horizon": "10h",
        "domains": {"za": {"kind": "zone"}, "zb": {"kind": "zone"}},
        "links": {"ab": {"between": ["za", "zb"], "failures": [trans("5h", "10h")]}},
        "components": {"a1": {"in": "za"}, "b1": {"in": "zb"}, "a2": {"in": "za"}, "b2": {"in": "zb"}},
        "services": {s: {"replicas": [f"a{i}", f"b{i}"], "data": {"writes": "2/s", "keys": 1000}}
                     for i, s in ((1, "s1"), (2, "s2"))}
        | {"front": {"replicas": ["s1", "s2"], "needs": 2}},
        "entry": "front"})
    conflicts = [logged(res, s, "conflicts") for s in ("s1", "s2")]
    losses = [logged(res, s, "data_loss") for s in ("s1", "s2")]
    for (c,), (loss,) in zip(conflicts, losses):
        assert c["t"] == 10.0 and abs(c["keys"] - 1000) < 4 * 1000**0.5 and c["lost_updates"] == c["keys"]
        assert (loss["cause"], loss["writes"], loss["seconds"]) == ("conflict", c["keys"], 5 * HOUR)
    assert res.conflicts == sum(c["keys"] for (c,) in conflicts)
    assert res.writes_lost == res.conflicts
    assert res.data_loss_events == 2
    assert res.outages == []


def test_restores_and_rebuilds_of_several_services_add_up():
    # dc is down 5-6 h and destroys the data of all four services. At 6 h
    # their replicas are back with no data: s1 and s2 restore from a backup
    # (outside dc) for 1 h, s3 and s4 have none and rebuild empty for 30 min.
    with_backup = {"writes": "1/s", "backups": [{"every": "1h"}], "restore": {"time": "fixed(1h)"}}
    without = {"writes": "1/s", "rebuild": "fixed(30m)"}
    res = run({
        "name": "disaster", "horizon": "10h",
        "domains": {"dc": {"kind": "datacenter", "failures": [{**trans("5h", "1h"), "destroys": "data"}]}},
        "components": {f"{x}{i}": {"in": "dc"} for x in "abcd" for i in (1, 2)},
        "services": {f"s{k}": {"replicas": [f"{x}1", f"{x}2"], "data": with_backup if k <= 2 else without}
                     for k, x in enumerate("abcd", start=1)}
        | {"front": {"replicas": ["s1", "s2", "s3", "s4"], "needs": 4}},
        "entry": "front"})
    assert res.restores == 2 and res.restore_times == [HOUR, HOUR]
    assert res.unrecoverable == 2
    for s in ("s1", "s2"):
        assert steps(res, s) == [(5.0, 0.0), (7.0, 1.0)]
    for s in ("s3", "s4"):
        assert steps(res, s) == [(5.0, 0.0), (6.5, 1.0)]
    assert steps(res, "front") == [(5.0, 0.75), (5.0, 0.5), (5.0, 0.25), (5.0, 0.0), (6.5, 0.25), (6.5, 0.5),
                                   (7.0, 0.75), (7.0, 1.0)]


# -- overload --------------------------------------------------------------------------------
def _overloaded(capacity: float, lasts: str = "fixed(10m)", names: tuple[str, ...] = ("web",),
                horizon: str = "11h") -> relsim.RunResult:
    comps: dict[str, Any] = {}
    services: dict[str, Any] = {}
    for name in names:
        reps = [f"{name}-{i}" for i in range(4)]
        comps.update({r: {} for r in reps[:3]})
        comps[reps[3]] = {"failures": [trans("10h", "5h")]}
        services[name] = {"replicas": reps, "needs": 1,
                          "overload": {"capacity": capacity, "after": "1m", "probability": "100%", "lasts": lasts}}
    entry = names[0]
    if len(names) > 1:
        services["front"] = {"replicas": list(names), "needs": len(names)}
        entry = "front"
    return run({"name": "overload", "horizon": horizon, "components": comps, "services": services, "entry": entry})


def test_an_overload_names_its_service_and_the_replicas_it_finds_serving():
    # web-3 fails at 10 h: the other three carry 4/3 > 1.3 of their load for
    # 1 min, then all three fail for 10 min.
    res = _overloaded(1.3)
    (first, *_rest) = logged(res, "web", "overload")
    assert first == {"t": round(10 + 60 / HOUR, 9), "event": "overload", "serving": 3}


def test_each_service_draws_its_own_overload_durations():
    # Two identical services: their overload failures last exp(mean=10m)
    # draws from each service's own stream, so their first victims' returns differ.
    res = _overloaded(1.3, lasts="exp(mean=10m)", names=("web", "api"), horizon="10.2h")

    def returns(prefix: str) -> list[float]:
        return [e["t"] for e in res.trace or [] if e["event"] == "recovered" and e["spec"] == -1
                and e["element"].startswith(prefix)]

    web, api = returns("web-"), returns("api-")
    assert web and api and web != api


def test_with_no_replica_serving_the_overload_timer_stops():
    # capacity 0.5: the normal load 1 already overloads, so both replicas
    # fail for 10 min after the first hour. Once neither serves there is no
    # load: the timer stops, and starts again when the first is back
    # (1 h 10 min), so the next overload is at 2 h 10 min, not 2 h.
    res = run({"name": "tiny", "horizon": "3h", "components": {"r1": {}, "r2": {}},
               "services": {"s": {"replicas": ["r1", "r2"], "needs": 1,
                                  "overload": {"capacity": 0.5, "after": "1h", "lasts": "fixed(10m)"}}}})
    assert [e["t"] for e in logged(res, "s", "overload")] == [1.0, round(2 + 1 / 6, 9)]


# -- a service as an active-passive replica ---------------------------------------------
def test_a_service_replica_is_reachable_from_a_cut_off_controller():
    # The controller (zc) loses its link to za 1-2 h; the primary is the
    # service sa, whose replica a is in za. A service spans domains: the
    # controller still reaches it (only components and domains have a
    # place), so nothing fails over.
    res = run({
        "name": "ap-of-services", "horizon": "3h",
        "domains": {"za": {"kind": "zone"}, "zb": {"kind": "zone"}, "zc": {"kind": "zone"}},
        "links": {"ca": {"between": ["zc", "za"], "failures": [trans("1h", "1h")]}},
        "components": {"a": {"in": "za"}, "b": {"in": "zb"}},
        "services": {"sa": {"replicas": ["a"]}, "sb": {"replicas": ["b"]},
                     "ap": {"replicas": ["sa", "sb"], "mode": "active-passive", "failover": {"time": "fixed(1m)"},
                            "detection": {"heartbeat": {"period": "1s"}, "controller": "zc"}}},
        "entry": "ap"})
    assert [e["event"] for e in res.trace or []].count("partition") == 1
    assert res.outages == [] and res.failovers == 0
    assert steps(res, "ap") == []


# -- quorum groups across zones --------------------------------------------------------
def _zoned_quorum(members: list[tuple[str, int]], cuts: dict[str, tuple[str, str, str]],
                  horizon: str = "3h", failures: dict[str, Any] | None = None) -> relsim.RunResult:
    """A quorum (default majority, 10 s elections) of members listed zone by zone.

    ``members``: (zone, count) in listing order; zone z holds z0, z1, ... .
    ``cuts``: link name -> (zone, zone, when), down from ``when`` past the horizon.
    """
    comps = {f"{z}{i}": {"in": z} for z, n in members for i in range(n)}
    for name, body in (failures or {}).items():
        comps[name]["failures"] = [body]
    return run({
        "name": "zoned", "horizon": horizon,
        "domains": {z: {"kind": "zone"} for z, _ in members},
        "links": {name: {"between": [a, b], "failures": [trans(when, "100h")]} for name, (a, b, when) in cuts.items()},
        "components": comps,
        "services": {"q": {"replicas": list(comps), "mode": "quorum", "election": "fixed(10s)"}}})


def elected(res: relsim.RunResult) -> list[tuple[float, str]]:
    return [(e["t"], e["leader"]) for e in logged(res, "q", "leader_elected")]


def test_twelve_members_search_every_group_for_the_largest():
    # Zones a (2), b (2), c (4), d (4): 12 members, a majority is 7. At 2 h
    # b~d is cut: a, c, d (10) still reach each other and hold the leader
    # a0. At 2.25 h a~c is cut too: the groups that reach each other are
    # a+b (4), b+c (6), c+d (8) and d+a (6); only c+d is a quorum. a0 is not
    # in it: an election, won by c+d's first listed member, c0.
    res = _zoned_quorum([("a", 2), ("b", 2), ("c", 4), ("d", 4)], {"bd": ("b", "d", "2h"), "ac": ("a", "c", "2.25h")})
    assert logged(res, "q", "quorum_lost") == []
    assert elected(res) == [(after_election(2.25), "c0")]
    assert spans(res) == [(2.25, after_election(2.25))]


def test_a_majority_across_two_zones_keeps_a_leader_that_came_back():
    # Zones a (5), b (4), c (4): 13 members, a majority is 7. The leader a0
    # is down 1-1.5 h: a1 (the first listed member up) is elected. At 2 h
    # a~c is cut: a and b (9) reach each other and hold the leader a1 (a0,
    # back since 1.5 h, is listed before it in its zone): nothing changes.
    res = _zoned_quorum([("a", 5), ("b", 4), ("c", 4)], {"ac": ("a", "c", "2h")}, horizon="2.4h",
                        failures={"a0": trans("1h", "0.5h")})
    assert elected(res) == [(after_election(1.0), "a1")]
    assert spans(res) == [(1.0, after_election(1.0))]


def test_a_leader_cut_off_with_a_smaller_group_loses_the_lead():
    # Zones c (3), a (6), b (4), listed in that order: 13 members, a
    # majority is 7; c0 leads. At 2 h a~c is cut: a+b (10) and b+c (7) are
    # both quorums; the largest, a+b, does not hold c0: an election, won by
    # a0 (a+b's first listed member).
    res = _zoned_quorum([("c", 3), ("a", 6), ("b", 4)], {"ac": ("a", "c", "2h")})
    assert elected(res) == [(after_election(2.0), "a0")]
    assert spans(res) == [(2.0, after_election(2.0))]


def test_among_equal_groups_the_first_listed_member_leads():
    # Zones c (4), a (5), b (4), listed in that order; c0 leads. At 2 h c
    # is cut off from a and b: a+b (9) is the quorum and elects its first
    # listed member a0 (b0 leads no group: a0 is listed before it).
    res = _zoned_quorum([("c", 4), ("a", 5), ("b", 4)], {"ac": ("a", "c", "2h"), "bc": ("b", "c", "2h")})
    assert elected(res) == [(after_election(2.0), "a0")]
    assert spans(res) == [(2.0, after_election(2.0))]


def test_beyond_twelve_members_the_largest_group_is_found_where_growing_one_misses_it():
    # Zones c (1), d (3), a (5), b (6), listed in that order: 15 members, a
    # majority is 8; c0 leads. At 2 h a~c, b~d and c~d are cut: the groups
    # that reach each other are a+b (11), a+d (8), b+c (7) and the single
    # zones. The largest, a+b, does not hold c0: an election, won by a0 (a+b's
    # first listed member). Growing a group from one member of each zone, in
    # list order, finds a+d (8) at best and would elect d0.
    res = _zoned_quorum([("c", 1), ("d", 3), ("a", 5), ("b", 6)],
                        {"ac": ("a", "c", "2h"), "bd": ("b", "d", "2h"), "cd": ("c", "d", "2h")})
    assert elected(res) == [(after_election(2.0), "a0")]
    assert spans(res) == [(2.0, after_election(2.0))]


def test_thirteen_members_in_thirteen_places_are_grouped_greedily():
    # One member per zone, listed c, d, e, a, f, g, h, b, i, j, k, l, m: 13
    # members, a majority is 7; c0 leads. At 2 h every b~d, b~e link, then
    # c~d and c~e, are cut (a, f, g, h still reach everyone: a+b+c, 11,
    # holds c0 after each cut). At 2.25 h a, f, g and h are cut from c, one
    # after the other: from the second cut on the largest group (a+f+g+h+b,
    # 10, at the end) does not hold c0. Beyond 12 members in more than 12
    # places the search is greedy (docs/model-format.md, quorum): grown from
    # c0 it finds a group that holds the leader and is a quorum (c+b, 7, at
    # the end), so c0 keeps leading and nothing is lost, where the exact
    # search would elect a0.
    zones = [("c", 1), ("d", 1), ("e", 1), ("a", 1), ("f", 1), ("g", 1), ("h", 1),
             ("b", 1), ("i", 1), ("j", 1), ("k", 1), ("l", 1), ("m", 1)]
    cuts = {f"{x}{y}": (x, y, "2h") for x in "bijklm" for y in "de"}
    cuts |= {"cd": ("c", "d", "2h"), "ce": ("c", "e", "2h")}
    for x in "afgh":
        cuts[f"{x}c"] = (x, "c", "2.25h")
    res = _zoned_quorum(zones, cuts)
    assert logged(res, "q", "quorum_lost") == []
    assert elected(res) == []
    assert spans(res) == []


def test_members_in_more_places_than_the_search_covers_are_grouped_greedily(monkeypatch):
    # With the place search limited to 3 places, the same cut is grouped greedily: d+a (8).
    from relsim.engine import services

    monkeypatch.setattr(services, "MAX_PLACES", 3)
    res = _zoned_quorum([("c", 1), ("d", 3), ("a", 5), ("b", 6)],
                        {"ac": ("a", "c", "2h"), "bd": ("b", "d", "2h"), "cd": ("c", "d", "2h")})
    assert elected(res) == [(after_election(2.0), "d0")]


# -- partial shares that add up to exactly 1 ---------------------------------------------
@pytest.mark.parametrize("engine", ["simpy", "lean"])
def test_partial_shares_adding_up_to_one_serve_fully(engine: str):
    res = relsim.simulate(relsim.load(partial_thirds_halves_sixths()), seed=0, replication=0, engine=engine)
    assert res.outages == [] and res.downtime == 0.0
