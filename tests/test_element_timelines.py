"""Exact timelines of elements held down or timed for importance measures, and of clock corners.

docs/importance.md: an element held down (``Model.conditioned(always_down=...)``)
fails at time 0, takes no repair crew and never comes back; its failure
clocks never fire. ``Model.conditioned(element_downtime=True)`` reports each
element's own downtime, enclosing domains aside. The clock rules are those
of docs/model-format.md §14.1. Times in hours.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.units import HOUR


def trans(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def perm(every: str, repair: str) -> dict[str, Any]:
    return {"kind": "permanent", "every": f"fixed({every})", "repair": f"fixed({repair})"}


def run(m: relsim.Model) -> relsim.RunResult:
    return relsim.simulate(m, seed=0, replication=0, trace=True)


def steps(res: relsim.RunResult, service: str) -> list[tuple[float, float]]:
    return [(round(e["t"] / HOUR, 9), e["s"]) for e in res.trace or []
            if e["event"] == "service" and e["service"] == service]


def events(res: relsim.RunResult, *kinds: str) -> list[tuple[float, str, Any]]:
    return [(round(e["t"] / HOUR, 9), e["event"], e.get("element")) for e in res.trace or [] if e["event"] in kinds]


def _pair() -> relsim.Model:
    # s needs both a and b (s = up / 2). a fails for good every 1 h (repair
    # 1 h); b is down 2-3 h (its next failure is after the horizon).
    return relsim.load({"name": "pair", "horizon": "4h",
                        "components": {"a": {"failures": [perm("1h", "1h")]}, "b": {"failures": [trans("2h", "3h")]}},
                        "services": {"s": {"replicas": ["a", "b"], "needs": 2}}})


def test_an_element_held_down_never_fails_again_nor_comes_back():
    res = run(_pair().conditioned(always_down=["a"]))
    # a is down from 0 to the horizon: its clock (due at 1 h) never fires,
    # it takes no crew; only b fails.
    assert steps(res, "s") == [(0.0, 0.5), (2.0, 0.0)]
    assert events(res, "failed", "repaired", "recovered") == [(2.0, "failed", "b")]
    assert res.failures == 1 and res.failures_by_kind == {"transient": 1}
    (out,) = res.outages
    assert (out.start_s, out.end_s, out.censored) == (0.0, 4 * HOUR, True)
    assert (out.cause_element, out.cause_kind) == ("a", "forced")


def test_an_element_held_down_counts_its_whole_horizon_as_its_own_downtime():
    res = run(_pair().conditioned(always_down=["a"], element_downtime=True))
    assert res.element_downtime == {"a": 4 * HOUR, "b": 2 * HOUR}


def test_own_downtime_leaves_out_the_enclosing_domain():
    # z is down 4-4.5 h. a (in z) is down 2-3, 5-6 and from 8 h to the
    # 8.4 h horizon; b (in z) 4.25-4.75 h, partly while z is down too; c is
    # never down itself. Their own downtime: 2.4 h, 0.5 h, 0.
    m = relsim.load({"name": "own", "horizon": "8.4h",
                     "domains": {"z": {"kind": "zone", "failures": [trans("4h", "0.5h")]}},
                     "components": {"a": {"in": "z", "failures": [trans("2h", "1h")]},
                                    "b": {"in": "z", "failures": [trans("4.25h", "0.5h")]}, "c": {"in": "z"}},
                     "services": {"s": {"replicas": ["a", "b", "c"]}}})
    res = run(m.conditioned(element_downtime=True))
    assert res.element_downtime == pytest.approx({"z": 0.5 * HOUR, "a": 2.4 * HOUR, "b": 0.5 * HOUR, "c": 0.0},
                                                 abs=1e-6)
    assert run(m).element_downtime is None  # kept only when asked for


def test_an_element_held_down_as_a_cold_primary_fails_over():
    # a (primary) is held down from 0: the cold standby b is promoted after
    # its start-up and the failover time (10 + 5 min); a, no longer
    # primary, is held idle like any cold standby.
    m = relsim.load({"name": "cold", "horizon": "1h", "components": {"a": {"failures": [perm("2h", "1h")]}, "b": {}},
                     "services": {"s": {"replicas": ["a", "b"], "mode": "active-passive", "standby": "cold",
                                        "startup": "fixed(10m)", "failover": {"time": "fixed(5m)"}}}})
    res = run(m.conditioned(always_down=["a"]))
    (out,) = res.outages
    assert (out.start_s, out.end_s, out.cause_element, out.cause_kind) == (0.0, 15 * 60.0, "a", "forced")
    assert res.failovers == 1


def test_an_intermittent_episode_logs_its_spells_under_its_spec_index():
    # Spec 1 of a: episodes from 2 h lasting 1 h, down 10 min, up 20 min;
    # the second up spell is cut at the episode's end (3 h). Spec 0 is a
    # transient failure 10 h in, after the horizon.
    m = relsim.load({"name": "spells", "horizon": "4h",
                     "components": {"a": {"failures": [trans("10h", "1h"), {
                         "kind": "intermittent", "every": "fixed(2h)", "lasts": "fixed(1h)",
                         "down": "fixed(10m)", "up": "fixed(20m)"}]}},
                     "services": {"s": {"replicas": ["a"]}}})
    res = run(m)
    got = [(round(e["t"] / 60.0, 6), e["event"], e["element"], e["spec"]) for e in res.trace or []
           if e["event"] in ("failed", "spell_up", "episode_end", "recovered")]
    assert got == [(120.0, "failed", "a", 1), (130.0, "spell_up", "a", 1), (150.0, "failed", "a", 1),
                   (160.0, "spell_up", "a", 1), (180.0, "episode_end", "a", 1), (180.0, "recovered", "a", 1)]


def test_reliability_growth_stretches_each_next_up_time():
    # docs/changes.md, "Reliability growth": every fixed(10h), lasts 1 h,
    # growth 0.5: failures at 10, 10 + 1 + 20 = 31 and 31 + 1 + 40 = 72 h.
    m = relsim.load({"name": "growth", "horizon": "100h",
                     "components": {"a": {"failures": [{**trans("10h", "1h"), "growth": 0.5}]}},
                     "services": {"s": {"replicas": ["a"]}}})
    assert [t for t, kind, _ in events(run(m), "failed")] == [10.0, 31.0, 72.0]


def _overload(extra: dict[str, Any]) -> relsim.RunResult:
    """r1-r3 and r4 behind an overload watch (capacity 1.3, after 1 min, lasts 10 min); r4 is down from 1 h on."""
    comps: dict[str, Any] = {"r1": {}, "r2": {}, "r3": {}, "r4": {"failures": [trans("1h", "100h")]}}
    for name, failures in extra.items():
        comps[name] = {"failures": failures}
    return run(relsim.load({
        "name": "cascade", "horizon": "2h", "components": comps,
        "services": {"web": {"replicas": ["r1", "r2", "r3", "r4"], "needs": 1,
                             "overload": {"capacity": 1.3, "after": "1m", "lasts": "fixed(10m)"}}}}))


def test_an_overload_pauses_a_victim_s_clock_which_resumes_after():
    # From 1 h three replicas carry 4/3 > 1.3: 1 min later all three fail for
    # 10 min, come back together, and the cascade repeats every 11 min
    # (overloads at 61, 72, 83, 94, 105 min). r1's own clock (64.5 min) runs
    # only while it is up: 61 min, then 1 min in each cycle: it fails at 104.5 min.
    res = _overload({"r1": [trans("64.5m", "100h")]})
    overloads = [round(e["t"] / 60.0, 6) for e in res.trace or [] if e["event"] == "overload"]
    assert overloads[:5] == [61.0, 72.0, 83.0, 94.0, 105.0]
    own = [round(e["t"] / 60.0, 6) for e in res.trace or []
           if e["event"] == "failed" and e["element"] == "r1" and e["kind"] == "transient"]
    assert own == [104.5]


def test_an_overload_spares_a_replica_between_the_spells_of_an_episode():
    # r3 is in an intermittent episode from 30 min to 2 h 30 min (down 30 s,
    # shorter than the overload's 1 min, then up 2 h): serving during the
    # overload at 61 min, but its episode owns it, so only r1 and r2 fail;
    # r3's spells go on as scheduled.
    res = _overload({"r3": [{"kind": "intermittent", "every": "fixed(30m)", "lasts": "fixed(2h)",
                             "down": "fixed(30s)", "up": "fixed(2h)"}]})
    first = [e for e in res.trace or [] if e["event"] == "overload"][0]
    assert (round(first["t"] / 60.0, 6), first["serving"]) == (61.0, 3)
    hit = [(round(e["t"] / 60.0, 6), e["element"]) for e in res.trace or []
           if e["event"] == "failed" and e["kind"] == "overload"]
    assert hit[:2] == [(61.0, "r1"), (61.0, "r2")] and all(name != "r3" for _, name in hit)


def test_maintenance_of_a_domain_hands_over_the_primary_it_contains():
    # Zone za (holding the primary p) is maintained once, at 1 d for 1 h,
    # with drain: p hands over to b (in zb) first, a planned 5 s outage,
    # no failover (docs/changes.md, "Scheduled events").
    m = relsim.load({"name": "zone-patch", "horizon": "2d",
                     "domains": {"za": {"kind": "zone"}, "zb": {"kind": "zone"}},
                     "components": {"p": {"in": "za"}, "b": {"in": "zb"}},
                     "services": {"store": {"mode": "active-passive", "replicas": ["p", "b"],
                                            "failover": {"time": "fixed(30s)"}}},
                     "schedule": {"patch": {"kind": "maintenance", "every": "7d", "start": "1d", "targets": "za",
                                            "lasts": "1h", "drain": True, "switchover": "fixed(5s)"}}})
    res = run(m)
    assert [(o.start_s / HOUR, o.duration_s, o.planned, o.needed_failover) for o in res.outages] == \
        [(24.0, 5.0, True, False)]
    assert res.failovers == 0
    assert [(e["event"], e["primary"], e["candidate"]) for e in res.trace or [] if e["event"] == "switchover"] == \
        [("switchover", "p", "b")]


B2_RETURNS_AT_5H = {
    "transient": trans("1h", "4h"),
    "intermittent": {"kind": "intermittent", "every": "fixed(1h)", "lasts": "fixed(10h)", "down": "fixed(4h)",
                     "up": "fixed(1h)"},
    # its episode ends during a down spell: the return is the episode's end
    "episode end": {"kind": "intermittent", "every": "fixed(1h)", "lasts": "fixed(4h)", "down": "fixed(10h)",
                    "up": "fixed(1h)"},
}


def _quorum_across_a_cut(b1: dict[str, Any], b2: dict[str, Any], cut_at: str,
                         **extra: Any) -> relsim.RunResult:
    """A quorum (needs 2, 10 s elections) of a0, a1 (zone a) and b0, b1, b2 (zone b); a~b cut from ``cut_at``."""
    raw: dict[str, Any] = {
        "name": "return", "horizon": "5.5h",
        "domains": {"a": {"kind": "zone"}, "b": {"kind": "zone"}},
        "links": {"ab": {"between": ["a", "b"], "failures": [trans(cut_at, "10h")]}},
        "components": {"a0": {"in": "a"}, "a1": {"in": "a"}, "b0": {"in": "b"},
                       "b1": {"in": "b", "failures": [b1]}, "b2": {"in": "b", "failures": [b2]}},
        "services": {"q": {"replicas": ["a0", "a1", "b0", "b1", "b2"], "mode": "quorum", "needs": 2,
                           "election": "fixed(10s)"}},
        "entry": "q"}
    for key, value in extra.items():
        raw[key] = {**raw.get(key, {}), **value} if isinstance(value, dict) else value
    return run(relsim.load(raw))


@pytest.mark.parametrize("kind", list(B2_RETURNS_AT_5H))
def test_an_outage_opened_by_a_return_names_the_failure_it_ends(kind: str):
    # b1 is down 1-4 h, b2 1-5 h (a recovery or an up spell ends it); a~b is
    # cut from 2 h. a0 leads {a0, a1}. When b1 returns, {b0, b1} ties and
    # the leader's group stays; when b2 returns at 5 h, {b0, b1, b2} is the
    # largest: a0 is no longer in it, an election of 10 s. That outage is
    # opened by b2's return: it names b2's failure (§14.6).
    res = _quorum_across_a_cut(trans("1h", "3h"), B2_RETURNS_AT_5H[kind], "2h")
    (out,) = res.outages
    assert (out.start_s, out.duration_s) == (5 * HOUR, pytest.approx(10.0))
    assert (out.cause_element, out.cause_spec, out.cause_kind) == ("b2", 0, B2_RETURNS_AT_5H[kind]["kind"])


def test_an_outage_opened_by_a_queued_repair_names_the_failure_it_ends():
    # One crew. x (another service's) fails for good at 2.9 h and takes the
    # crew until 4.5 h; b2 fails for good at 3 h and waits: its 30 min repair
    # starts when x's ends.
    # b1 is down 3-4 h; a~b is cut from 3.5 h. As above, b2's return at 5 h
    # makes {b0, b1, b2} the largest group: an election, named b2's failure.
    res = _quorum_across_a_cut(trans("3h", "1h"), perm("3h", "30m"), "3.5h", repair_crews=1,
                               components={"x": {"failures": [perm("2.9h", "1.6h")]}},
                               services={"other": {"replicas": ["x"]}})
    (out,) = res.outages
    assert (out.start_s, out.duration_s) == (5 * HOUR, pytest.approx(10.0))
    assert (out.cause_element, out.cause_spec, out.cause_kind) == ("b2", 0, "permanent")


@pytest.mark.parametrize(("offline", "restores"), [(False, 1), (True, 0)])
def test_a_data_disaster_destroys_offline_backups_inside_it_too(offline: bool, restores: int):
    # eu (p, b and the backups) fails at 10 h with destroys: data (not
    # online): offline copies inside it are lost as well. Backups in us
    # (online) survive and restore; none survives in eu.
    m = relsim.load({
        "name": "disaster", "horizon": "20h",
        "domains": {"eu": {"kind": "region", "failures": [{**perm("10h", "2h"), "destroys": "data"}]},
                    "us": {"kind": "region"}},
        "components": {"p": {"in": "eu"}, "b": {"in": "eu"}},
        "services": {"db": {"replicas": ["p", "b"], "mode": "active-passive", "failover": {"time": "fixed(1m)"},
                            "data": {"writes": "100/s", "restore": {"time": "fixed(1h)"},
                                     "backups": [{"every": "4h", "in": "eu" if offline else "us",
                                                  "offline": offline}]}}}})
    res = run(m)
    assert (res.restores, res.unrecoverable) == (restores, 1 - restores)


def test_a_load_peak_after_an_unrelated_failure_names_the_load_balancer():
    # x (outside the request path) fails for good at 6.5 h. At 7 h the rate
    # rises to 150/s, above the 120/s the two web servers take: an outage
    # caused by load, not by x (§14.6).
    m = relsim.load({
        "name": "peak", "horizon": "1d", "components": {"web": {"count": 2}, "x": {"failures": [perm("6.5h", "20h")]}},
        "services": {"app": {"replicas": ["web"], "needs": 1}, "batch": {"replicas": ["x"]}},
        "load_balancers": {"lb": {"service": "app", "capacity": "60/s"}}, "entry": "app",
        "workload": {"rate": "100/s", "target": "lb", "profile": [0.5] * 7 + [1.5] * 10 + [0.5] * 7}})
    res = run(m)
    assert [(o.start_s / HOUR, o.cause_element, o.cause_spec, o.cause_kind) for o in res.outages] == \
        [(7.0, "lb", -1, "load")]


def test_an_outage_opened_by_a_return_from_overload_names_the_overload():
    # b2 serves two services: the quorum q (as above: a0 leads {a0, a1})
    # and web, an active-active service with an overload watch. b1 is down
    # 1 h-4 h 55 min; a~b is cut from 2 h. w3 fails at 4 h 49 min: 1 min
    # later web's other three replicas (b2 among them) fail for 10 min. b1's
    # return at 4 h 55 min makes {b0, b1} tie; b2's return at 5 h makes
    # {b0, b1, b2} the largest: an election that b2's overload failure set
    # off (cause_spec -1, kind overload).
    res = _quorum_across_a_cut(trans("1h", "235m"), trans("100h", "1h"), "2h", components={
        "w1": {}, "w2": {}, "w3": {"failures": [trans("289m", "10h")]}}, services={
        "web": {"replicas": ["b2", "w1", "w2", "w3"], "needs": 1,
                "overload": {"capacity": 1.3, "after": "1m", "lasts": "fixed(10m)"}}})
    (out,) = res.outages
    assert (out.start_s, out.duration_s) == (5 * HOUR, pytest.approx(10.0))
    assert (out.cause_element, out.cause_spec, out.cause_kind) == ("b2", -1, "overload")


def test_a_domain_failure_reaches_what_it_contains_in_the_order_it_was_placed():
    # a, b and c (in that order) are in zone z, down 1-2 h; each is the
    # only replica of its own service. Both the failure and the return
    # reach a, then b, then c: their services change in that order
    # (docs/model-format.md §14.1).
    m = relsim.load({"name": "order", "horizon": "3h",
                     "domains": {"z": {"kind": "zone", "failures": [trans("1h", "1h")]}},
                     "components": {"a": {"in": "z"}, "b": {"in": "z"}, "c": {"in": "z"}},
                     "services": {"sa": {"replicas": ["a"]}, "sb": {"replicas": ["b"]}, "sc": {"replicas": ["c"]},
                                  "all": {"replicas": ["sa", "sb", "sc"], "needs": 1}},
                     "entry": "all"})
    res = run(m)
    got = [(t, name) for name in ("sa", "sb", "sc") for t, _ in steps(res, name)]
    order = [(round(e["t"] / HOUR, 9), e["service"]) for e in res.trace or []
             if e["event"] == "service" and e["service"] != "all"]
    assert sorted(got) == [(1.0, "sa"), (1.0, "sb"), (1.0, "sc"), (2.0, "sa"), (2.0, "sb"), (2.0, "sc")]
    assert order == [(1.0, "sa"), (1.0, "sb"), (1.0, "sc"), (2.0, "sa"), (2.0, "sb"), (2.0, "sc")]


def test_an_overload_hits_replicas_back_from_a_repair_or_a_recovery_and_logs_their_return():
    # Six replicas, needs 1, capacity 1.3: one down (6/5 = 1.2) is carried,
    # two (6/4 = 1.5) are an overload. r1 is down for good 30-35 min
    # (repaired), r2 transiently 40-45 min, each alone; r5 and r6 fail at
    # 60 min: 1 min later the four serving replicas, r1 and r2 among them,
    # fail for 10 min and come back at 71 min (spec -1 in the trace).
    res = run(relsim.load({
        "name": "back", "horizon": "71.5m",
        "components": {"r1": {"failures": [perm("30m", "5m")]}, "r2": {"failures": [trans("40m", "5m")]},
                       "r3": {}, "r4": {}, "r5": {"failures": [trans("60m", "1h")]},
                       "r6": {"failures": [trans("60m", "1h")]}},
        "services": {"web": {"replicas": ["r1", "r2", "r3", "r4", "r5", "r6"], "needs": 1,
                             "overload": {"capacity": 1.3, "after": "1m", "lasts": "fixed(10m)"}}}}))
    got = [(round(e["t"] / 60.0, 6), e["event"], e["element"], e.get("spec"), e.get("kind")) for e in res.trace or []
           if e["event"] in ("failed", "repaired", "recovered")]
    assert got == [
        (30.0, "failed", "r1", 0, "permanent"), (35.0, "repaired", "r1", None, None),
        (40.0, "failed", "r2", 0, "transient"), (45.0, "recovered", "r2", 0, None),
        (60.0, "failed", "r5", 0, "transient"), (60.0, "failed", "r6", 0, "transient"),
        (61.0, "failed", "r1", -1, "overload"), (61.0, "failed", "r2", -1, "overload"),
        (61.0, "failed", "r3", -1, "overload"), (61.0, "failed", "r4", -1, "overload"),
        (71.0, "recovered", "r1", -1, None), (71.0, "recovered", "r2", -1, None),
        (71.0, "recovered", "r3", -1, None), (71.0, "recovered", "r4", -1, None)]


def test_a_cold_standby_overloaded_as_an_active_active_replica_keeps_its_clock_stopped():
    # x is db's cold standby (held from 0 on: its 20 min up-time does not
    # run) and one of web's four replicas (capacity 1.3). w3 is down
    # 60-71 min: at 61 min x, w1 and w2 are overloaded for 10 min. p, db's
    # primary, fails at 65 min: x is down, no candidate, db waits for a
    # restore. At 71 min w3 and then x come back (4/4: no new overload);
    # x is promoted at once (restored) and its clock starts only then: it
    # fails at 71 + 20 = 91 min, with p still down.
    res = run(relsim.load({
        "name": "cold-overload", "horizon": "95m",
        "components": {"p": {"failures": [trans("65m", "100h")]}, "x": {"failures": [trans("20m", "1h")]},
                       "w1": {}, "w2": {}, "w3": {"failures": [trans("60m", "11m")]}},
        "services": {"db": {"replicas": ["p", "x"], "mode": "active-passive", "standby": "cold",
                            "startup": "fixed(1m)", "failover": {"time": "fixed(1m)"}},
                     "web": {"replicas": ["x", "w1", "w2", "w3"], "needs": 1,
                             "overload": {"capacity": 1.3, "after": "1m", "lasts": "fixed(10m)"}}},
        "entry": "db"}))
    x = [(round(e["t"] / 60.0, 6), e["event"], e.get("spec")) for e in res.trace or []
         if e["event"] in ("failed", "recovered") and e["element"] == "x"]
    assert x == [(61.0, "failed", -1), (71.0, "recovered", -1), (91.0, "failed", 0)]
    assert [(round(e["t"] / 60.0, 6), e["primary"], e["via"]) for e in res.trace or []
            if e["event"] == "promoted"] == [(71.0, "x", "restored")]
    assert [(o.start_s / 60.0, o.end_s / 60.0, o.cause_element, o.censored) for o in res.outages] == \
        [(65.0, 71.0, "p", False), (91.0, 95.0, "x", True)]


def test_a_rate_change_while_an_element_is_down_waits_for_its_next_up_time():
    # x is down 1-2 h (transient); the rate doubles at 1.5 h, while its
    # clock has run out: nothing to rescale. Its next up-time of 1 h takes
    # 30 min at twice the rate: failures at 1, 2.5 and 4 h.
    m = relsim.load({"name": "down-phase", "horizon": "5h",
                     "components": {"x": {"failures": [trans("1h", "1h")]}}, "services": {"s": {"replicas": ["x"]}},
                     "phases": [{"name": "calm", "lasts": "1.5h"},
                                {"name": "storm", "lasts": "10h", "failure_rate": 2}]})
    assert [t for t, _, _ in events(run(m), "failed")] == [1.0, 2.5, 4.0]


def test_a_cold_standby_repaired_while_idle_keeps_its_clock_stopped_through_a_rate_change():
    # a (primary) fails for good at 1 h; b is promoted at 1 h 2 min and a,
    # repaired at 1.5 h, stands by idle: its clock does not run, not even
    # when the rate doubles at 2 h. Only one failure in 6 h.
    m = relsim.load({"name": "idle-phase", "horizon": "6h",
                     "components": {"a": {"failures": [perm("1h", "30m")]}, "b": {}},
                     "services": {"db": {"replicas": ["a", "b"], "mode": "active-passive", "standby": "cold",
                                         "startup": "fixed(1m)", "failover": {"time": "fixed(1m)"}}},
                     "phases": [{"name": "calm", "lasts": "2h"},
                                {"name": "storm", "lasts": "10h", "failure_rate": 2}]})
    res = run(m)
    assert [(round(e["t"] / 60.0, 6), e["event"], e.get("element", e.get("primary"))) for e in res.trace or []
            if e["event"] in ("failed", "repaired", "promoted")] == [
        (60.0, "failed", "a"), (62.0, "promoted", "b"), (90.0, "repaired", "a")]
    assert [(o.start_s / HOUR, o.duration_s) for o in res.outages] == [(1.0, 120.0)]
