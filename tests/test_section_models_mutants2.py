"""The per-section models of traffic, mesh, schedule, latency, phases, sagas and sessions, exactly.

Each test calls a section's check on a small raw dict (as a YAML file
parses) and compares the whole list of problems, path and message, or
loads a small model and compares the whole error text or the exact value
a default, a validator or an event estimate gives. They pin the behaviour
mutation testing of ``relsim/model/{traffic,mesh,schedule,placement,
phases,sagas,sessions,service_objectives}.py`` found unchecked.
"""

from __future__ import annotations

import pytest

import relsim
from relsim import ModelError
from relsim.model.application import suggest
from relsim.model.mesh import check_mesh, mesh_events
from relsim.model.phases import check_phases
from relsim.model.placement import Latency, LatencyPair, check_latency, round_trip
from relsim.model.sagas import check_sagas
from relsim.model.schedule import check_schedule, scheduled_events
from relsim.model.sessions import check_sessions

HOUR = 3600.0
BASE = {"components": {"a": {}, "b": {}}, "services": {"s": {"replicas": ["a", "b"]}}}


def _problems(raw):
    with pytest.raises(ModelError) as info:
        relsim.load(raw)
    return [str(p) for p in info.value.problems]


# --- traffic.py ---------------------------------------------------------------

@pytest.mark.parametrize("profile, message", [
    ([1] * 23, "profile needs 24 hourly multipliers, got 23"),
    ([1] * 25, "profile needs 24 hourly multipliers, got 25"),
    ([1] * 23 + [-0.5], "profile multipliers must be >= 0 and not all 0"),
    ([0] * 24, "profile multipliers must be >= 0 and not all 0"),
])
def test_a_bad_profile_is_refused_with_its_whole_message(profile, message):
    raw = {**BASE, "workload": {"rate": "1/s", "profile": profile}}
    assert _problems(raw) == [f"<dict> workload.profile: {message}"]


def test_a_profile_of_24_multipliers_with_zeros_is_kept_as_given():
    profile = [0] * 23 + [2]
    wl = relsim.load({**BASE, "workload": {"rate": "1/s", "profile": profile}}).spec.workload
    assert wl.profile == (0.0,) * 23 + (2.0,)
    # any positive sum will do, 1 or less too (the engine rescales the profile to mean 1)
    for small in ([0] * 23 + [1], [0] * 23 + [0.5], [0.01] * 24):
        wl = relsim.load({**BASE, "workload": {"rate": "1/s", "profile": small}}).spec.workload
        assert wl.profile == tuple(float(x) for x in small)
    assert relsim.load({**BASE, "workload": {"rate": "1/s"}}).spec.workload.profile is None


def test_populations_must_not_all_be_silent():
    raw = {**BASE, "workload": {"rate": "1/s", "populations": {"x": {"share": 0}, "y": {"share": 0}}}}
    assert _problems(raw) == [
        "<dict> workload.populations: populations' shares are all 0: at least one must send requests"]
    wl = relsim.load({**BASE, "workload": {"rate": "1/s", "populations": {"x": {"share": 0},
                                                                          "y": {"share": 0.25}}}}).spec.workload
    assert {k: p.share for k, p in wl.populations.items()} == {"x": 0.0, "y": 0.25}
    assert relsim.load({**BASE, "workload": {"rate": "1/s"}}).spec.workload.populations == {}


@pytest.mark.parametrize("given, share", [(True, 1.0), (False, 0.0), (0.25, 0.25), ("40%", 0.4)])
def test_idempotent_true_false_or_a_share(given, share):
    wl = relsim.load({**BASE, "workload": {"rate": "1/s", "writes": 0.5, "idempotent": given}}).spec.workload
    assert wl.idempotent == share
    assert type(wl.idempotent) is float


# --- mesh.py ------------------------------------------------------------------

MESH_RAW = {
    "components": {"g": {"count": 2}, "c": {}, "7": {}},
    "services": {"api": {"replicas": ["g", "c"]}, "db": {"replicas": "c"}, "8": {"replicas": ["7"]}},
    "load_balancers": {"lb": {"service": "api"}, "lb2": {"service": "db"}, "9": {"service": 8}},
    "workload": {"rate": "1/s"},
    "mesh": {
        "faults": {
            "f1": {"service": "apii", "abort": 0.1},
            "f2": {"service": "api"},
            "f3": 5,
            "f4": {"service": "api", "delay": {"share": 0.1, "by": "1s"}},
            "f5": {"abort": 0},
            "f6": {"service": 8, "abort": 0.5},
        },
        "routes": {
            "r0": 3,
            "r1": {"load_balancer": "lbb", "to": []},
            "r2": {"load_balancer": "lb", "to": []},
            "r3": {"load_balancer": "lb", "to": ["g-1", "g-3", "c", "x"]},
            "r4": {"load_balancer": "lb2", "to": ["zz"]},
            "r5": {"to": ["a"]},
            "r6": {"load_balancer": "lb", "to": "healthy"},
            "r7": {"load_balancer": 9, "to": [7, "g-1"]},
        },
    },
}


def test_check_mesh_lists_every_problem_of_faults_and_routes():
    assert check_mesh(MESH_RAW, suggest) == [
        (("mesh", "faults", "f1", "service"), "unknown service 'apii' (did you mean 'api'?)"),
        (("mesh", "faults", "f2"), "a fault injects nothing: give 'abort' (a share of attempts) or 'delay' "
                                   "({share, by})"),
        (("mesh", "routes", "r1", "load_balancer"), "unknown load balancer 'lbb' (did you mean 'lb'?)"),
        (("mesh", "routes", "r2", "to"), "lists no backend: name at least one, or route to 'healthy'"),
        # g-1 and g-2 are as close to g-3: the later in order wins the tie
        (("mesh", "routes", "r3", "to", 1), "'g-3' is not a backend of load balancer 'lb' (did you mean 'g-2'?)"),
        (("mesh", "routes", "r3", "to", 3), "'x' is not a backend of load balancer 'lb'"),
        (("mesh", "routes", "r7", "to", 1), "'g-1' is not a backend of load balancer '9'"),
    ]


def test_check_mesh_without_a_mesh_or_a_workload():
    assert check_mesh({**MESH_RAW, "mesh": [1]}, suggest) == []
    assert check_mesh({"mesh": {"routes": {}}, "load_balancers": {}}, suggest) == []
    raw = {k: v for k, v in MESH_RAW.items() if k != "workload"}
    found = check_mesh(raw, suggest)
    assert found[2] == (("mesh", "routes"),
                        "routes carry a share of the workload's requests: the model needs a 'workload'")
    assert len(found) == 8
    assert check_mesh({**MESH_RAW, "workload": "1/s"}, suggest)[2] == found[2]
    # neither services nor load balancers as mappings: every name is unknown
    assert check_mesh({"workload": {}, "services": [1], "load_balancers": [1],
                       "mesh": {"faults": {"f": {"service": "s", "abort": 0.1}},
                                "routes": {"r": {"load_balancer": "lb"}}}}, suggest) == [
        (("mesh", "faults", "f", "service"), "unknown service 's'"),
        (("mesh", "routes", "r", "load_balancer"), "unknown load balancer 'lb'"),
    ]


def test_a_fault_that_is_not_a_mapping_is_skipped_not_the_rest():
    raw = {"services": {"api": {}}, "mesh": {"faults": {"x": 5, "y": {"service": "apx", "abort": 0.1}}}}
    assert check_mesh(raw, suggest) == [(("mesh", "faults", "y", "service"),
                                         "unknown service 'apx' (did you mean 'api'?)")]


def test_a_route_to_a_service_of_unknown_replicas_names_no_backend():
    raw = {"workload": {}, "components": [1], "services": {"api": {"replicas": ["w", "c"]}, "x": 4},
           "load_balancers": {"lb": {"service": "api"}, "lbx": {"service": "x"}, "lbn": 5},
           "mesh": {"routes": {"r": {"load_balancer": "lb", "to": ["w", "v"]},
                               "s": {"load_balancer": "lbx", "to": ["w"]},
                               "t": {"load_balancer": "lbn", "to": ["w"]}}}}
    assert check_mesh(raw, suggest) == [(("mesh", "routes", "r", "to", 1), "'v' is not a backend of load balancer 'lb'")]


def _mesh_model(faults, breaker=True, horizon="10h"):
    clients = {"circuit_breaker": {"open": "1m"}} if breaker else {}
    return relsim.load({**BASE, "horizon": horizon, "workload": {"rate": "1/s", "clients": clients},
                        "mesh": {"faults": faults}})


def test_mesh_events_count_six_per_injection_and_three_per_breaker_cycle():
    faults = {"a": {"service": "s", "abort": 0.5, "at": ["1h", "2h"], "lasts": "10m"},
              "b": {"service": "s", "abort": 0.5, "at": "3h"},
              "c": {"service": "s", "abort": 0.5, "at": "4h", "lasts": "20h"}}
    horizon = 10 * HOUR
    # a: 2 * (6 + 3 * 600 / 60); b lasts to the horizon and c beyond it: 6 + 3 * 36000 / 60 each
    assert mesh_events(_mesh_model(faults), horizon) == 2 * 36 + 2 * 1806
    assert mesh_events(_mesh_model(faults), horizon / 2) == 2 * 36 + 2 * (6 + 3 * 18000 / 60)
    assert mesh_events(_mesh_model(faults, breaker=False), horizon) == 6 * 4
    no_workload = relsim.load({**BASE, "horizon": "10h", "mesh": {"faults": faults}})
    assert mesh_events(no_workload, horizon) == 6 * 4
    assert mesh_events(relsim.load({**BASE, "horizon": "10h"}), horizon) == 0.0


@pytest.mark.parametrize("day, events", [("monday", 6.0), ("tuesday", 0.0)])
def test_event_estimates_count_a_cron_on_the_models_calendar(day, events):
    # 12:00 on Mondays, over one day starting on `day`
    model = relsim.load({**BASE, "horizon": "1d", "start_day": day,
                         "mesh": {"faults": {"f": {"service": "s", "abort": 0.5, "cron": "0 12 * * 1",
                                                   "lasts": "1m"}}},
                         "schedule": {"c": {"kind": "fail", "fail": "a", "for": "fixed(1m)",
                                            "cron": "0 12 * * 1"}}})
    assert mesh_events(model, 86400.0) == events
    assert scheduled_events(model, 86400.0) == events


# --- schedule.py --------------------------------------------------------------

SCHEDULE_RAW = {
    "domains": {"eu": {}},
    "components": {"g": {"count": 2}, "c": {}, "d": {}},
    "links": {"wan": {}},
    "load_balancers": {"lb": {"service": "api"}},
    "services": {"api": {"replicas": ["g", "c"]}, "ap": {"mode": "active-passive", "replicas": ["c", "d"]},
                 "ap2": {"mode": "active-passive", "replicas": ["c", "d"]}, "bad": 3},
    "schedule": {
        "x": 3,
        "f1": {"kind": "fail", "fail": "g-1", "steady_state": ["api", "eu", "wan", "lb", "g-2", "apj", 7, "g"]},
        "f2": {"kind": "fail", "fail": "g", "steady_state": "ap3"},
        "f3": {"kind": "fail", "fail": "wna", "steady_state": 5},
        "f4": {"kind": "fail", "fail": 7},
        "f5": {"kind": "fail", "fail": "lb", "steady_state": "c"},
        "m1": {"kind": "maintenance", "targets": ["g", "g-1", "api", "eu", "lb", "wan", "gg", 3]},
        "m2": {"kind": "maintenance", "targets": "ax"},
        "m3": {"kind": "maintenance", "targets": 4},
        "m4": {"kind": "maintenance", "targets": "g"},
        "d1": {"kind": "drill", "service": "api"},
        "d2": {"kind": "drill", "service": "ap"},
        "d3": {"kind": "drill", "service": 5},
        "o": {"kind": "other", "fail": "zz", "targets": ["zz"], "service": "zz"},
    },
}


def test_check_schedule_lists_every_unknown_name_with_its_kind():
    assert check_schedule(SCHEDULE_RAW) == [
        (("schedule", "f1", "steady_state", 5), "unknown element or service 'apj' (did you mean 'ap'?)"),
        # a group is not an element: its members are
        (("schedule", "f1", "steady_state", 7), "unknown element or service 'g'"),
        (("schedule", "f2", "fail"), "unknown element 'g': fail names a domain, component, link or load balancer"),
        (("schedule", "f2", "steady_state"), "unknown element or service 'ap3' (did you mean 'ap'?)"),
        (("schedule", "f3", "fail"), "unknown element 'wna': fail names a domain, component, link or load "
                                     "balancer (did you mean 'wan'?)"),
        (("schedule", "m1", "targets", 6), "unknown target 'gg': targets are elements or services (their "
                                           "replicas)"),
        (("schedule", "m2", "targets"), "unknown target 'ax': targets are elements or services (their replicas)"),
        (("schedule", "d1", "service"), "'api' is not an active-passive service: a drill exercises a failover "
                                        "(did you mean 'ap'?)"),
    ]


def test_check_schedule_without_sections():
    assert check_schedule({"schedule": [1]}) == []
    assert check_schedule({"schedule": {"f": {"kind": "fail", "fail": "a", "steady_state": ["s"]},
                                        "m": {"kind": "maintenance", "targets": ["t"]},
                                        "d": {"kind": "drill", "service": "s"}},
                           "components": [1], "services": [1], "domains": [1]}) == [
        (("schedule", "f", "fail"), "unknown element 'a': fail names a domain, component, link or load balancer"),
        (("schedule", "f", "steady_state", 0), "unknown element or service 's'"),
        (("schedule", "m", "targets", 0), "unknown target 't': targets are elements or services (their replicas)"),
        (("schedule", "d", "service"), "'s' is not an active-passive service: a drill exercises a failover"),
    ]
    # a suggestion from services too; a service not a mapping is not active-passive
    assert check_schedule({"services": {"web": {}, "ap": 3, "ap2": {"mode": "active-active"}},
                           "schedule": {"f": {"kind": "fail", "fail": "a", "steady_state": "wbe"},
                                        "d": {"kind": "drill", "service": "ap"}}})[1:] == [
        (("schedule", "f", "steady_state"), "unknown element or service 'wbe' (did you mean 'web'?)"),
        (("schedule", "d", "service"), "'ap' is not an active-passive service: a drill exercises a failover"),
    ]


def test_a_group_is_refused_as_chaos_target_even_when_a_member_shares_a_prefix():
    raw = {"components": {"db": {"count": 1}, "dbx": {}}, "services": {"s": {"replicas": ["db"]}},
           "schedule": {"m": {"kind": "maintenance", "targets": ["db", "db-1", "dbx", "db-2"]}}}
    assert check_schedule(raw) == [
        (("schedule", "m", "targets", 3), "unknown target 'db-2': targets are elements or services (their "
                                          "replicas) (did you mean 'db-1'?)")]


def test_a_component_named_none_does_not_hide_the_groups():
    raw = {"components": {"None": {}, "g": {"count": 2}}, "services": {"s": {"replicas": ["g"]}},
           "schedule": {"m": {"kind": "maintenance", "targets": ["g", "None", "g-2", "h"]}}}
    assert check_schedule(raw) == [
        (("schedule", "m", "targets", 3), "unknown target 'h': targets are elements or services (their replicas)")]


def test_one_at_a_time_contradicting_batch_is_refused():
    entry = {"kind": "maintenance", "targets": ["a", "b"], "lasts": "fixed(1h)", "at": "5h"}
    raw = {**BASE, "schedule": {"m": {**entry, "one_at_a_time": True, "batch": 2}}}
    assert _problems(raw) == ["<dict> schedule.m.maintenance: one_at_a_time means batch: 1; it contradicts batch: 2"]

    def size(**extra):
        return relsim.load({**BASE, "schedule": {"m": {**entry, **extra}}}).spec.schedule["m"].batch_size

    assert size(one_at_a_time=True, batch=1) == 1
    assert size(one_at_a_time=True) == 1
    assert size(batch=2) == 2
    assert size(batch=2, one_at_a_time=False) == 2
    assert size() is None


def test_scheduled_events_six_per_target_per_occurrence():
    raw = {"components": {"a": {}, "b": {}},
           "services": {"s": {"replicas": ["a", "b"], "mode": "active-passive"}},
           "horizon": "10h",
           "schedule": {"m": {"kind": "maintenance", "targets": ["a", "b"], "lasts": "fixed(1m)",
                              "at": ["1h", "2h", "20h"]},
                        "f": {"kind": "fail", "fail": "a", "for": "fixed(1m)", "at": ["1h", "3h", "5h"]},
                        "d": {"kind": "drill", "service": "s", "at": "4h"}}}
    model = relsim.load(raw)
    assert scheduled_events(model, 10 * HOUR) == 2 * 6 * 2 + 3 * 6 + 1 * 6
    assert scheduled_events(model, 2.5 * HOUR) == 2 * 6 * 2 + 1 * 6
    assert scheduled_events(relsim.load({**BASE, "horizon": "10h"}), 10 * HOUR) == 0.0


# --- placement.py -------------------------------------------------------------

PARENTS = {"eu": None, "eu-a": "eu", "eu-b": "eu", "us": None, "us-a": "us", "loop": "loop2", "loop2": "loop"}


def test_round_trip_within_pairs_by_depth_and_default():
    lat = Latency(within="0.5s", default="9s", pairs=(LatencyPair(between=("eu", "us"), rtt="80s"),
                                                      LatencyPair(between=("eu-a", "eu-b"), rtt="2s"),
                                                      LatencyPair(between=("us-a", "eu"), rtt="70s"),
                                                      LatencyPair(between=("eu-a", "us-a"), rtt="60s")))
    assert round_trip(lat, PARENTS, "eu-a", "eu-a") == 0.5
    assert round_trip(lat, PARENTS, None, None) == 0.5
    assert round_trip(lat, PARENTS, "eu-b", "eu-a") == 2.0      # depth 0, given the other way round
    assert round_trip(lat, PARENTS, "eu-a", "us-a") == 60.0     # depth 0 beats (us-a, eu) at depth 1
    assert round_trip(lat, PARENTS, "eu-b", "us-a") == 70.0     # depth 1 beats (eu, us) at depth 2
    assert round_trip(lat, PARENTS, "us", "eu-b") == 80.0
    assert round_trip(lat, PARENTS, "eu", "eu-a") == 9.0        # no pair: the default
    assert round_trip(lat, PARENTS, "loop", "us") == 9.0        # a cycle of parents ends
    assert round_trip(lat, PARENTS, None, "us") == 9.0


def test_round_trip_ties_keep_the_first_pair():
    lat = Latency(pairs=(LatencyPair(between=("eu-a", "us"), rtt="1s"), LatencyPair(between=("eu", "us-a"), rtt="2s")))
    assert round_trip(lat, PARENTS, "eu-a", "us-a") == 1.0
    assert round_trip(Latency(), PARENTS, "eu-a", "us-a") == 0.0
    # a deeper pair listed later never wins, whatever the rtts
    lat = Latency(pairs=(LatencyPair(between=("eu-a", "us-a"), rtt="5s"), LatencyPair(between=("eu", "us"), rtt="7s")))
    assert round_trip(lat, PARENTS, "eu-a", "us-a") == 5.0


def test_check_latency_lists_unknown_domains_self_pairs_and_repeats():
    raw = {"latency": {"pairs": [
        {"between": ["eu", "us"]},
        {"between": ["euu", 3]},
        {"between": ["eu", "eu"]},
        {"between": ["us", "eu"]},
        {"between": ["eu"]},
        {"between": "eu"},
        5,
        {"between": ["us", "eu"]},
        {"between": ["eu", "us", "as"]},
    ]}}
    assert check_latency(raw, ["eu", "us"], suggest) == [
        (("latency", "pairs", 1, "between", 0), "unknown domain 'euu' (did you mean 'eu'?)"),
        (("latency", "pairs", 1, "between", 1), "unknown domain '3'"),
        (("latency", "pairs", 2, "between"), "a pair joins two different domains; 'eu' twice is 'within'"),
        (("latency", "pairs", 3, "between"), "the pair us~eu is already given at pairs[0]"),
        (("latency", "pairs", 7, "between"), "the pair us~eu is already given at pairs[0]"),
    ]
    assert check_latency({"latency": [1]}, ["eu"], suggest) == []
    assert check_latency({"latency": {"pairs": {"between": ["eu", "x"]}}}, ["eu"], suggest) == []


def test_latency_defaults_through_loading():
    lat = relsim.load({**BASE, "latency": {}}).spec.latency
    assert (lat.within, lat.default, lat.pairs, lat.description) == (0.0, 0.0, (), "")


# --- phases.py ----------------------------------------------------------------

PHASES_RAW = {
    "domains": {"eu": {"contains": {"eu-a": {}}}},
    "components": {"g": {"count": 2}, "c": {}, "d": {}},
    "links": {"wan": {}},
    "services": {"api": {"replicas": ["g", "c"]}, "one": {"replicas": "c"}, "tri": {"replicas": ["c", "d", "x"]},
                 "ap": {"mode": "active-passive", "replicas": ["c", "d"]},
                 "q": {"mode": "quorum", "replicas": ["g"]}, "none": {}},
    "phases": [
        {"name": "a", "lasts": "1d",
         "failure_rates": {"g": 2, "g-1": 2, "eu-a": 2, "eu": 2, "wan": 2, "cc": 2, "c": 2},
         "needs": {"api": 3, "one": 2, "ap": 1, "apx": 1, "q": 2, "tri": 3, "none": 0}},
        {"name": "a", "lasts": "1d", "needs": {"zz": 1, "api": 4, "q": 3, "tri": 4, "none": 1, "one": True}},
        5,
        {"lasts": "1d"},
        {"lasts": "1d", "failure_rates": [1], "needs": [1]},
        {"name": "b", "lasts": "1d", "needs": {"api": 2.5, "one": 1}},
        {"name": "b", "lasts": "1d"},
    ],
}


def test_check_phases_lists_every_problem_in_order():
    assert check_phases(PHASES_RAW) == [
        (("phases", 0, "failure_rates", "cc"), "unknown element 'cc' (did you mean 'c'?)"),
        (("phases", 0, "needs", "one"), "needs (=2) must be <= number of replicas (1)"),
        (("phases", 0, "needs", "ap"), "needs applies to active-active and quorum services, not active-passive"),
        (("phases", 0, "needs", "apx"), "unknown service 'apx' (did you mean 'ap'?)"),
        (("phases", 1, "name"), "phase name 'a' is used twice"),
        (("phases", 1, "needs", "zz"), "unknown service 'zz'"),
        (("phases", 1, "needs", "api"), "needs (=4) must be <= number of replicas (3)"),
        (("phases", 1, "needs", "q"), "needs (=3) must be <= number of replicas (2)"),
        (("phases", 1, "needs", "tri"), "needs (=4) must be <= number of replicas (3)"),
        (("phases", 1, "needs", "none"), "needs (=1) must be <= number of replicas (0)"),
        (("phases", 6, "name"), "phase name 'b' is used twice"),
    ]
    assert check_phases({"phases": {"a": 1}}) == []
    assert check_phases({"phases": [{"name": "a", "failure_rates": {"x": 2}, "needs": {"s": 1}}],
                         "components": [1], "services": [1], "links": [1]}) == [
        (("phases", 0, "failure_rates", "x"), "unknown element 'x'"),
        (("phases", 0, "needs", "s"), "unknown service 's'"),
    ]


def test_phase_defaults_through_loading():
    raw = {**BASE, "phases": [{"name": "p", "lasts": "1d"}]}
    (phase,) = relsim.load(raw).spec.phases
    assert (phase.name, phase.lasts, phase.failure_rate, phase.failure_rates, phase.needs, phase.description) == (
        "p", 86400.0, 1.0, {}, {}, "")


# --- sagas.py -----------------------------------------------------------------

SERVICES = {"api": {"replicas": ["a"]}, "db": {"replicas": ["b"], "data": {"lag": "1s"}},
            "web": {"replicas": ["a"], "data": {"replication": "async"}}, "redis": {}, "7": {}}


def test_check_sagas_names_unknown_services_of_steps_and_compensations():
    raw = {"services": SERVICES,
           "sagas": {"x": 3,
                     "o": {"steps": [5, {"service": "apx", "compensation": {"service": "dbb"}},
                                     {"service": "api", "compensation": {"success": 0.5}},
                                     {"compensation": "nope"}, {"service": 7, "compensation": {"service": 7}}]},
                     "p": {"steps": "nope"}}}
    assert check_sagas(raw, suggest) == [
        (("sagas", "o", "steps", 1, "service"), "unknown service 'apx' (did you mean 'api'?)"),
        (("sagas", "o", "steps", 1, "compensation", "service"), "unknown service 'dbb' (did you mean 'db'?)"),
    ]
    assert check_sagas({"sagas": [1]}, suggest) == []
    assert check_sagas({"services": [1], "sagas": {"o": {"steps": [{"service": "api"}]}}}, suggest) == [
        (("sagas", "o", "steps", 0, "service"), "unknown service 'api'")]
    # services not a mapping (a string, or none given) know no name
    for services in ({"services": "api"}, {}):
        assert check_sagas({**services, "sagas": {"o": {"steps": [{"service": "a"}]}}}, suggest) == [
            (("sagas", "o", "steps", 0, "service"), "unknown service 'a'")]
    assert check_sagas({"services": SERVICES, "sagas": {"o": {"rate": "1/s"}, "p": {"steps": {"a": {}}}}},
                       suggest) == []


def test_saga_defaults_through_loading():
    raw = {**BASE, "sagas": {"order": {"rate": "1/s", "steps": [{"service": "s"}]}}}
    saga = relsim.load(raw).spec.sagas["order"]
    (step,) = saga.steps
    assert (saga.protocol, saga.prepared, saga.description) == ("saga", 0.0, "")
    assert (step.name, step.service, step.success, step.compensation.service, step.compensation.success) == (
        None, "s", 1.0, None, 1.0)
    assert _problems({**BASE, "sagas": {"order": {"rate": "1/s", "steps": []}}})[0].startswith(
        "<dict> sagas.order.steps: ")


# --- sessions.py --------------------------------------------------------------

@pytest.mark.parametrize("sessions, found", [
    ({"service": "apx", "store": "shared"}, [
        (("sessions", "service"), "unknown service 'apx' (did you mean 'api'?)"),
        (("sessions", "store"), "store: shared needs 'shared_store' (the service that keeps the sessions)")]),
    ({"service": "api", "shared_store": "api", "store": "shared"}, [
        (("sessions", "shared_store"), "the shared store must be another service than the sessions' service "
                                       "('api')")]),
    ({"service": 7, "shared_store": "7"}, [
        (("sessions", "shared_store"), "the shared store must be another service than the sessions' service "
                                       "('7')")]),
    ({"service": "api", "shared_store": "rediss"}, [
        (("sessions", "shared_store"), "unknown service 'rediss' (did you mean 'redis'?)")]),
    ({"shared_store": "redis", "store": "shared"}, []),
    ({"service": "api", "store": "replicated"}, [
        (("sessions", "lag"), "store: replicated needs 'lag' (or a data.lag on service 'api' to take it from)")]),
    ({"service": "web", "store": "replicated"}, [
        (("sessions", "lag"), "store: replicated needs 'lag' (or a data.lag on service 'web' to take it from)")]),
    ({"service": 7, "store": "replicated"}, [
        (("sessions", "lag"), "store: replicated needs 'lag' (or a data.lag on service '7' to take it from)")]),
    ({"service": "db", "store": "replicated"}, []),
    ({"service": "apx", "store": "replicated"}, [
        (("sessions", "service"), "unknown service 'apx' (did you mean 'api'?)")]),
    ({"store": "replicated", "shared_store": "redis"}, []),
    ({"service": "api", "store": "replicated", "lag": "1s"}, []),
    ({"service": "api"}, []),
    ({"service": "api", "store": "local", "shared_store": "redis"}, []),
])
def test_check_sessions(sessions, found):
    assert check_sessions({"services": SERVICES, "sessions": sessions}, suggest) == found


def test_check_sessions_without_sections():
    assert check_sessions({"services": SERVICES, "sessions": [1]}, suggest) == []
    assert check_sessions({"services": [1], "sessions": {"service": "api", "store": "replicated"}}, suggest) == [
        (("sessions", "service"), "unknown service 'api'")]
    assert check_sessions({"services": {"api": 3}, "sessions": {"service": "api", "store": "replicated"}},
                          suggest) == [
        (("sessions", "lag"), "store: replicated needs 'lag' (or a data.lag on service 'api' to take it from)")]


def test_session_defaults_through_loading():
    raw = {**BASE, "sessions": {"rate": "1/s", "length": "exp(mean=1h)", "service": "s"}}
    sess = relsim.load(raw).spec.sessions
    assert (sess.store, sess.lag, sess.shared_store, sess.description) == ("local", None, None, "")


# --- service_objectives.py ----------------------------------------------------

def test_service_objective_defaults_and_tier_bounds():
    raw = {**BASE, "services": {"s": {"replicas": ["a", "b"], "objectives": {}}}}
    obj = relsim.load(raw).spec.services["s"].objectives
    assert (obj.availability, obj.rto, obj.rpo) == (None, None, None)


def test_a_service_that_is_not_a_mapping_is_reported_once_by_the_schema_not_as_unknown():
    raw = {"components": {"a": {}}, "services": {"s": {"replicas": ["a"]}, "bad": 3},
           "phases": [{"name": "p", "lasts": "1d", "needs": {"bad": 1}}]}
    assert _problems(raw) == [
        "<dict> services.bad: input should be a valid dictionary or instance of Service, got 3"]
    raw["phases"][0]["needs"]["s"] = 2
    assert check_phases(raw) == [(("phases", 0, "needs", "s"), "needs (=2) must be <= number of replicas (1)")]


def test_a_phase_without_a_name_does_not_claim_the_name_none():
    assert check_phases({"phases": [{"lasts": "1d"}, {"name": "None", "lasts": "1d"}]}) == []
    assert check_phases({"phases": [{"name": "None"}, {"name": None}, {"name": "None"}]}) == [
        (("phases", 2, "name"), "phase name 'None' is used twice")]
