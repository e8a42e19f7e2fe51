"""The model layer's checks, exactly: which model is refused, with which path and text.

Each test calls a check of ``relsim/model`` on a small raw dict (as a YAML
file parses) and compares the whole list of problems it reports, path and
message, or loads a small file and compares the printed problems (file, line
and field). They pin the behaviour mutation testing found unchecked.
"""

from __future__ import annotations

import math

import pytest

import relsim
from relsim import ModelError
from relsim.model.checks import check_references, domain_tree, group_members
from relsim.model.limits import MAX_ELEMENTS, MAX_GROUP

ACTIVE_PASSIVE_ONLY = ("standby", "failover", "startup", "detection", "fencing", "state")


# --- checks.py -------------------------------------------------------------

def test_domain_tree_is_flattened_depth_first_with_parents_and_paths():
    tree = {"r": {"contains": {"z1": {"contains": {"k": None}}, "z2": 3}}, "s": {}}
    assert domain_tree(tree) == [
        ("r", None, ("domains", "r")),
        ("z1", "r", ("domains", "r", "contains", "z1")),
        ("k", "z1", ("domains", "r", "contains", "z1", "contains", "k")),
        ("z2", "r", ("domains", "r", "contains", "z2")),
        ("s", None, ("domains", "s")),
    ]
    assert domain_tree([1]) == []
    assert domain_tree(None) == []


def test_group_members_are_numbered_from_one_up_to_the_limit():
    assert group_members("web", {"count": 3}) == ["web-1", "web-2", "web-3"]
    assert group_members("web", {"count": 1}) == ["web-1"]
    assert group_members("web", {}) == ["web"]
    assert group_members("web", "not a mapping") == ["web"]
    for bad in (0, -1, True, 2.0, "3", MAX_GROUP + 1):
        assert group_members("web", {"count": bad}) == [], bad
    members = group_members("g", {"count": MAX_GROUP})
    assert len(members) == MAX_GROUP
    assert members[-1] == f"g-{MAX_GROUP}"


def test_one_namespace_for_domains_components_members_and_groups():
    raw = {
        "domains": {"z": {"contains": {"r": {}}}},
        "components": {"z": {}, "g": {"count": 2}, "g-1": {}, "r": {}, "h": {"count": 1}, "h-1": {}},
        "services": {"s": {"replicas": ["g"]}},
    }
    assert check_references(raw) == [
        (("components", "z"), "name 'z' is already used at domains.z"),
        (("components", "g-1"), "name 'g-1' is already used at components.g"),
        (("components", "r"), "name 'r' is already used at domains.z.contains.r"),
        (("components", "h-1"), "name 'h-1' is already used at components.h"),
    ]


def test_a_group_name_is_claimed_beside_its_members():
    raw = {"components": {"g": {"count": 2}},
           "links": {"g": {"between": []}, "g-2": {}},
           "services": {"s": {"replicas": ["g"]}}}
    assert check_references(raw) == [
        (("links", "g"), "name 'g' is already used at components.g"),
        (("links", "g-2"), "name 'g-2' is already used at components.g"),
    ]


def test_counts_above_the_group_limit_are_refused_and_expand_to_nothing():
    raw = {"components": {"a": {"count": MAX_GROUP + 1}, "b": {"count": MAX_GROUP},
                          "c": {"count": 1_000_001}, "d": {"count": True}},
           "services": {"s": {"replicas": ["b"], "needs": MAX_GROUP}}}
    assert check_references(raw) == [
        (("components", "a", "count"), "count 10001 is more than 10,000 (the limit on group members)"),
    ]
    raw["components"]["e"] = {"count": 1_000_000}  # MAX_COUNT, the largest count the schema takes
    assert check_references(raw)[-1] == (
        ("components", "e", "count"), "count 1000000 is more than 10,000 (the limit on group members)")
    del raw["components"]["e"]
    raw["services"]["s"]["needs"] = MAX_GROUP + 1
    assert check_references(raw) == [
        (("components", "a", "count"), "count 10001 is more than 10,000 (the limit on group members)"),
        (("services", "s", "needs"), "needs (=10001) must be <= number of replicas (10000)"),
    ]


def test_the_element_limit_counts_domains_and_members_and_stops_at_the_first_group_past_it(monkeypatch):
    import relsim.model.checks as checks

    assert checks.MAX_ELEMENTS == MAX_ELEMENTS == 100_000
    monkeypatch.setattr(checks, "MAX_ELEMENTS", 10)  # the same rule, on a smaller model
    comps = {"g": {"count": 4}, "h": {"count": 3}, "a": {}}
    raw = {"domains": {"z": {"contains": {"y": {}}}}, "components": comps, "services": {"s": {"replicas": ["g"]}}}
    assert check_references(raw) == []  # 2 domains + 4 + 3 + 1 members: exactly 10 elements
    comps["b"] = {}
    comps["c"] = {}
    comps["g-1"] = {}
    assert check_references(raw) == [
        (("components", "b"), "the model has more than 10 domains and components (the limit on elements)"),
    ]


def test_placement_of_components():
    raw = {"domains": {"east": {}, "west": {}},
           "components": {"a": {"in": "eastt", "spread": "west"}, "b": {"spread": ["east", "wset"], "count": 2},
                          "c": {"in": "east"}, "d": "x", "e": {"in": "qqq"}, "f": {"spread": "nope", "count": 2}},
           "services": {"s": {"replicas": ["b", "c"]}}}
    assert check_references(raw) == [
        (("components", "a", "spread"), "give either 'in' or 'spread', not both"),
        (("components", "a", "in"), "unknown domain 'eastt' (did you mean 'east'?)"),
        (("components", "a", "spread"), "'spread' needs 'count' (a group)"),
        (("components", "b", "spread", 1), "unknown domain 'wset' (did you mean 'west'?)"),
        (("components", "e", "in"), "unknown domain 'qqq'"),
        (("components", "f", "spread", 0), "unknown domain 'nope'"),
    ]


def test_replicas_dependencies_and_needs():
    raw = {"components": {"a": {}, "g": {"count": 3}},
           "services": {
               "top": {"replicas": "mid", "depends_on": ["dbb", "top"], "needs": 2},
               "mid": {"replicas": ["g", "a", "g-2", "mid"], "needs": 6, "depends_on": ["g"]},
               "db": {"replicas": ["a"], "depends_on": "nope"},
               "x": 5}}
    assert check_references(raw) == [
        (("services", "top", "depends_on", 0), "unknown dependency 'dbb' (did you mean 'db'?)"),
        (("services", "top", "depends_on", 1), "service 'top' cannot use itself"),
        (("services", "top", "needs"), "needs (=2) must be <= number of replicas (1)"),
        (("services", "mid", "replicas", 3), "service 'mid' cannot use itself"),
        (("services", "mid", "needs"), "needs (=6) must be <= number of replicas (5)"),
        (("services", "db", "depends_on"), "unknown dependency 'nope'"),
        (("entry",), "no 'entry' given and the top-level service is ambiguous (db, top); name one"),
    ]
    raw["services"]["mid"]["needs"] = 5  # g-1..g-3, a, g-2: dependencies count for nothing
    raw["services"]["top"]["needs"] = 1
    raw["services"]["db"] = {"replicas": "a", "needs": True}
    raw["entry"] = "top"
    assert check_references(raw) == [
        (("services", "top", "depends_on", 0), "unknown dependency 'dbb' (did you mean 'db'?)"),
        (("services", "top", "depends_on", 1), "service 'top' cannot use itself"),
        (("services", "mid", "replicas", 3), "service 'mid' cannot use itself"),
    ]


def test_unknown_names_are_matched_against_groups_members_and_services_and_every_service_is_checked():
    raw = {"components": {"web": {"count": 2}, "a": {}},
           "services": {"x": 5, "s": {"replicas": ["webb", "web-3", "a"], "depends_on": ["tt"]},
                        "t": {"replicas": {"a": 1}, "depends_on": ["qqq"]}, "top": {"depends_on": ["s", "t"]}}}
    assert check_references(raw) == [
        (("services", "s", "replicas", 0), "unknown replica 'webb' (did you mean 'web'?)"),
        (("services", "s", "replicas", 1), "unknown replica 'web-3' (did you mean 'web-2'?)"),
        (("services", "s", "depends_on", 0), "unknown dependency 'tt' (did you mean 't'?)"),
        (("services", "t", "depends_on", 0), "unknown dependency 'qqq'"),
    ]


def test_a_service_may_use_a_component_or_group_of_its_own_name_and_needs_no_more_than_it_has():
    raw = {"components": {"web": {"count": 2}, "db-1": {}},
           "services": {"web": {"replicas": ["web"], "needs": 3}, "db-1": {"replicas": ["db-1"]},
                        "top": {"depends_on": ["web", "db-1"]}}}
    assert check_references(raw) == [
        (("services", "web", "needs"), "needs (=3) must be <= number of replicas (2)"),
    ]
    raw["services"]["web"]["needs"] = 2
    assert check_references(raw) == []
    # a member of a group, used by a service of that member's name
    raw = {"components": {"g": {"count": 2}}, "services": {"g-1": {"replicas": ["g-1"], "needs": 1}}}
    assert check_references(raw) == []
    # a non-list replicas or a service without replicas: no count, so no needs check
    raw = {"components": {"a": {}}, "services": {"s": {"replicas": {"a": 1}, "needs": 4},
                                                  "t": {"needs": 2, "depends_on": ["s"]}}}
    assert check_references(raw) == []


def test_mode_rules():
    raw = {"domains": {"z": {}}, "components": {"a": {}, "b": {}}, "services": {
        "aa": {"replicas": ["a"], "election": {}, "standby": "hot", "failover": {}, "startup": "1s",
               "detection": {"heartbeat": {}, "health_check": {}, "controller": "zz"}, "fencing": 1, "state": 1},
        "ap": {"replicas": ["a", "b"], "mode": "active-passive", "overload": {}, "needs": 1, "standby": "cold",
               "detection": {"method": "beats", "heartbeat": {"period": "0s"}},
               "failover": {"fallback": "manual"}},
        "q": {"replicas": ["a", "b"], "mode": "quorum", "election": {}, "overload": {},
              "detection": {"method": "beats", "health_check": {"interval": 0}}},
        "top": {"depends_on": ["aa", "ap", "q"]},
    }}
    assert check_references(raw) == [
        (("services", "aa", "election"), "'election' applies only to mode: quorum"),
        (("services", "aa", "detection"), "give exactly one of 'heartbeat' or 'health_check'"),
        (("services", "aa", "detection", "controller"), "unknown domain 'zz' (did you mean 'z'?)"),
        *[(("services", "aa", key), f"'{key}' applies only to mode: active-passive") for key in ACTIVE_PASSIVE_ONLY],
        (("services", "ap", "overload"), "'overload' applies only to mode: active-active"),
        (("services", "ap", "detection", "heartbeat", "period"),
         "period must be > 0 with method: beats: time would stand still (every beat at the same instant)"),
        (("services", "ap", "failover", "fallback"),
         "fallback: manual needs 'manual' (the time an operator takes to restore service)"),
        (("services", "ap", "needs"), "'needs' does not apply to active-passive (one primary serves)"),
        (("services", "ap", "standby"), "standby: cold needs 'startup' (start-up time of a standby)"),
        (("services", "q", "overload"), "'overload' applies only to mode: active-active"),
        (("services", "q", "detection", "health_check", "interval"),
         "interval must be > 0 with method: beats: time would stand still (every beat at the same instant)"),
        (("services", "q", "detection"), "'detection' applies only to mode: active-passive"),
    ]


def test_mode_rules_accept_what_they_should():
    raw = {"domains": {"z": {}}, "components": {"a": {}, "b": {}}, "services": {
        "ap": {"replicas": ["a", "b"], "mode": "active-passive", "standby": "warm", "startup": "fixed(1m)",
               "detection": {"health_check": {"interval": "10s"}, "controller": "z", "method": "beats"},
               "failover": {"fallback": "manual", "manual": "fixed(1h)"}},
        "hb": {"replicas": ["a", "b"], "mode": "active-passive", "standby": "hot",
               "detection": {"method": "beats", "heartbeat": {"period": "1s"}, "health_check": {"interval": "0s"}}},
        "hb0": {"replicas": ["a", "b"], "mode": "active-passive",
                "detection": {"method": "beats", "heartbeat": {"period": "0s"}, "health_check": {"interval": 0}}},
        "bad": {"replicas": ["a", "b"], "mode": "active-passive",
                "detection": {"method": "beats", "heartbeat": {"period": "soon"}}},
        "bad0": {"replicas": ["a", "b"], "mode": "active-passive",
                 "detection": {"method": "beats", "heartbeat": {"period": "soon"}, "health_check": {"interval": "0s"}}},
        "sampled": {"replicas": ["a", "b"], "mode": "active-passive",
                    "detection": {"method": "sampled", "heartbeat": {"period": "0s"}}},
        "other": {"replicas": ["a"], "mode": "primary-backup", "standby": "cold"},
        "q": {"replicas": ["a", "b"], "mode": "quorum", "election": {}},
        "top": {"depends_on": ["ap", "hb", "hb0", "bad", "bad0", "sampled", "other", "q"], "overload": {}},
    }}
    # hb: both probes given, the heartbeat's period non-zero, the health check's interval zero;
    # hb0: both zero, only the first reported
    assert check_references(raw) == [
        (("services", "hb", "detection"), "give exactly one of 'heartbeat' or 'health_check'"),
        (("services", "hb", "detection", "health_check", "interval"),
         "interval must be > 0 with method: beats: time would stand still (every beat at the same instant)"),
        (("services", "hb0", "detection"), "give exactly one of 'heartbeat' or 'health_check'"),
        (("services", "hb0", "detection", "heartbeat", "period"),
         "period must be > 0 with method: beats: time would stand still (every beat at the same instant)"),
        # a period the schema refuses is skipped, and the health check still checked
        (("services", "bad0", "detection"), "give exactly one of 'heartbeat' or 'health_check'"),
        (("services", "bad0", "detection", "health_check", "interval"),
         "interval must be > 0 with method: beats: time would stand still (every beat at the same instant)"),
    ]


def test_data_rules():
    raw = {"domains": {"z": {}, "y": {}}, "components": {"a": {"in": "z"}, "b": {"in": "z"}}, "services": {
        "aa": {"replicas": ["a"], "data": {"replication": "sync", "profile": [1, -1],
                                           "backups": [{"in": "yy"}, 3], "allowed": "q"}},
        "ap": {"replicas": ["a", "b"], "mode": "active-passive",
               "data": {"replication": "sync", "backups": [], "profile": [1] * 24, "allowed": ["z"]}},
        "q": {"replicas": ["a", "b"], "mode": "quorum",
              "data": {"replication": "semi-sync", "profile": [0.5] * 23 + ["x"], "backups": [{"in": "z"}],
                       "allowed": 7}},
        "semi": {"replicas": ["a"], "data": {"replication": "semi-sync", "profile": [0] * 25, "restore": "1h",
                                             "backups": [{"in": "z"}]}},
        "asyn": {"replicas": ["a"], "data": {"replication": "async", "profile": "flat", "backups": {"in": "q"},
                                             "allowed": ["z", "yy"]}},
        "top": {"depends_on": ["aa", "ap", "q", "semi", "asyn"]},
    }}
    assert check_references(raw) == [
        (("services", "aa", "data", "replication"),
         "sync and semi-sync replication need one primary (mode: active-passive)"),
        (("services", "aa", "data", "profile"), "profile has 24 hourly factors, got 2"),
        (("services", "aa", "data", "profile"), "profile factors must be numbers >= 0"),
        (("services", "aa", "data", "backups", 0, "in"), "unknown domain 'yy' (did you mean 'y'?)"),
        (("services", "aa", "data", "restore"), "backups need 'restore' (how long a restore takes)"),
        (("services", "aa", "data", "allowed", 0), "unknown domain 'q'"),
        (("services", "q", "data"),
         "'data' applies to active-passive (replication) and active-active (multi-primary) services"),
        (("services", "q", "data", "profile"), "profile factors must be numbers >= 0"),
        (("services", "q", "data", "restore"), "backups need 'restore' (how long a restore takes)"),
        (("services", "semi", "data", "replication"),
         "sync and semi-sync replication need one primary (mode: active-passive)"),
        (("services", "semi", "data", "profile"), "profile has 24 hourly factors, got 25"),
        (("services", "asyn", "data", "allowed", 1), "unknown domain 'yy' (did you mean 'y'?)"),
        (("services", "aa", "replicas", 0),
         "data sovereignty: replica 'a' lives in 'z', outside the allowed domains (q)"),
        (("services", "aa", "data", "backups", 0, "in"),
         "data sovereignty: backups in 'yy' are outside the allowed domains (q)"),
        (("services", "q", "replicas", 0), "data sovereignty: replica 'a' lives in 'z', outside the allowed domains (7)"),
        (("services", "q", "replicas", 1), "data sovereignty: replica 'b' lives in 'z', outside the allowed domains (7)"),
        (("services", "q", "data", "backups", 0, "in"),
         "data sovereignty: backups in 'z' are outside the allowed domains (7)"),
    ]


def test_links():
    raw = {"domains": {"x": {}, "y": {}}, "components": {"a": {}}, "services": {"s": {"replicas": ["a"]}},
           "links": {"l1": {"between": ["x", "yy"]}, "l2": {"between": ["x", "x"]}, "a": {"between": ["x", "y", "x"]},
                     "l3": 5, "l4": {"between": ["y", "x"]}, "l5": {"between": "x"}}}
    assert check_references(raw) == [
        (("links", "l1", "between", 1), "unknown domain 'yy' (did you mean 'y'?)"),
        (("links", "l2", "between"), "a link joins two different domains"),
        (("links", "a"), "name 'a' is already used at components.a"),
    ]


def test_entry_and_services():
    one = {"components": {"a": {}}, "services": {"svc": {"replicas": ["a"]}}}
    assert check_references({**one, "entry": "svx"}) == [(("entry",), "unknown service 'svx' (did you mean 'svc'?)")]
    assert check_references({**one, "entry": "qqqq"}) == [(("entry",), "unknown service 'qqqq'")]
    assert check_references({**one, "entry": "svc"}) == []
    assert check_references(one) == []
    assert check_references({"components": {"a": {}}}) == [
        (("services",), "a model needs at least one service (the entry)")]
    assert check_references({"components": {"a": {}}, "services": [1], "entry": "x"}) == [
        (("entry",), "unknown service 'x'"),
        (("services",), "a model needs at least one service (the entry)")]
    two = {"components": {"a": {}}, "services": {"s1": {"replicas": ["a"]}, "s2": {"replicas": ["a"]}}}
    assert check_references(two) == [
        (("entry",), "no 'entry' given and the top-level service is ambiguous (s1, s2); name one")]
    assert check_references({**two, "entry": "s2"}) == []


def test_the_first_cycle_is_named_from_where_it_is_met():
    raw = {"components": {"a": {}}, "services": {
        "t": {"depends_on": ["u"]}, "u": {"replicas": ["a"], "depends_on": ["v"]}, "v": {"replicas": ["u"]}}}
    assert check_references(raw) == [(("services", "u"), "services form a cycle: u -> v -> u")]


def test_data_sovereignty():
    raw = {"domains": {"eu": {"contains": {"fr": {"contains": {"paris": {}}}, "de": {}}}, "us": {}},
           "components": {"a": {"in": "paris"}, "g": {"count": 3, "spread": ["de", "us"]}, "b": {"in": "us"},
                          "h": {"count": 2, "in": "fr"}, "n": {}},
           "services": {"s": {"replicas": ["a", "g", "b", "h", "zz", "n"],
                              "data": {"allowed": "eu", "backups": [{"in": "us"}, {"in": "de"}, {}, 4],
                                       "restore": "1h"}},
                        "t": {"replicas": "b", "data": {"allowed": ["us", "eu"]}, "depends_on": ["s", "u"]},
                        "u": {"replicas": "b", "data": {"allowed": ["de"]}},
                        "v": 1}}
    assert check_references(raw) == [
        (("services", "s", "replicas", 4), "unknown replica 'zz'"),
        (("services", "s", "replicas", 1),
         "data sovereignty: replica 'g' lives in 'us', outside the allowed domains (eu)"),
        (("services", "s", "replicas", 2),
         "data sovereignty: replica 'b' lives in 'us', outside the allowed domains (eu)"),
        (("services", "s", "replicas", 5),
         "data sovereignty: replica 'n' is in no domain, outside the allowed domains (eu)"),
        (("services", "s", "data", "backups", 0, "in"),
         "data sovereignty: backups in 'us' are outside the allowed domains (eu)"),
        (("services", "u", "replicas", 0),
         "data sovereignty: replica 'b' lives in 'us', outside the allowed domains (de)"),
    ]



def test_data_sovereignty_of_members_single_spreads_and_several_allowed_domains():
    raw = {"domains": {"eu": {"contains": {"fr": {}}}, "us": {}, "asia": {}, "None": {}},
           "components": {"x": "not a mapping", "g": {"count": 2, "spread": "us"}, "one": {"count": 1, "in": "us"},
                          "h": {"count": 3, "spread": ["fr", "asia"]}, "bb": {"in": "us"}, "n": {},
                          "k": {"count": 2, "in": "us"}},
           "services": {"plain": {"replicas": ["bb"]},
                        "s": {"replicas": ["g"], "data": {"allowed": ["us"]}},
                        "t": {"replicas": ["one", "h-2", "h-3", "g", "k-2"],
                              "data": {"allowed": ["eu", "asia"], "backups": [{"in": "fr"}, {"in": "us"}],
                                       "restore": "1h"}},
                        "u": {"replicas": "bb", "data": {"allowed": ["asia", "eu", "None"]}},
                        "v": {"replicas": ["n"], "data": {"allowed": "None"}},
                        "top": {"depends_on": ["plain", "s", "t", "u", "v"]}}}
    assert check_references(raw) == [
        (("services", "t", "replicas", 0),
         "data sovereignty: replica 'one' lives in 'us', outside the allowed domains (asia, eu)"),
        # a group: each member's domain
        (("services", "t", "replicas", 3),
         "data sovereignty: replica 'g' lives in 'us', outside the allowed domains (asia, eu)"),
        (("services", "t", "replicas", 3),
         "data sovereignty: replica 'g' lives in 'us', outside the allowed domains (asia, eu)"),
        (("services", "t", "replicas", 4),
         "data sovereignty: replica 'k-2' lives in 'us', outside the allowed domains (asia, eu)"),
        (("services", "t", "data", "backups", 1, "in"),
         "data sovereignty: backups in 'us' are outside the allowed domains (asia, eu)"),
        (("services", "u", "replicas", 0),
         "data sovereignty: replica 'bb' lives in 'us', outside the allowed domains (None, asia, eu)"),
        (("services", "v", "replicas", 0),
         "data sovereignty: replica 'n' is in no domain, outside the allowed domains (None)"),
    ]

    # a spread the schema refuses (not a domain or a list) places nothing
    raw = {"domains": {"eu": {}}, "components": {"p": {"count": 2, "spread": 5}},
           "services": {"s": {"replicas": ["p"], "data": {"allowed": ["eu"]}}}}
    assert check_references(raw) == 2 * [
        (("services", "s", "replicas", 0), "data sovereignty: replica 'p' is in no domain, outside the allowed "
                                           "domains (eu)")]


# --- traffic_checks.py ------------------------------------------------------

def test_load_balancers_and_dns_names():
    raw = {"services": {"web": {}, "db": {"mode": "active-passive"}, "q": 3},
           "load_balancers": {"lb": {"service": "wbe", "in": "zz", "algorithm": "weighted"},
                              "z": {"service": "db", "in": "z", "algorithm": "weighted", "weights": {"a": 1}},
                              "lq": {"service": "q", "in": "qqqq"}, "l2": 4, "lw": {"algorithm": "weighted", "weights": {}},
                              "lr": {"service": "web", "algorithm": "round-robin"}},
           "dns": {"names": {"web": {}, "api": {"records": "lbb", "policy": "weighted"},
                             "www": {"records": ["lb", "web", "nope"], "weights": {"lb": 1, "other": 2}}, "x": 1,
                             "lb": {"records": [], "policy": "failover"}, "s": {"records": "lb", "weights": {"lb": 1}}},
                   "provider": {"in": "zone"}}}
    from relsim.model.traffic_checks import check_traffic

    assert check_traffic(raw, ["z", "zone2"], ["z", "a", "dns"]) == [
        (("load_balancers", "lb", "service"), "unknown service 'wbe' (did you mean 'web'?)"),
        (("load_balancers", "lb", "in"), "unknown domain 'zz' (did you mean 'z'?)"),
        (("load_balancers", "lb", "weights"), "algorithm: weighted needs 'weights' (backend → weight)"),
        (("load_balancers", "z"), "name 'z' is already used by a domain, component or link"),
        (("load_balancers", "z", "service"), "a load balancer fronts an active-active service; 'db' is active-passive"),
        (("load_balancers", "lq", "in"), "unknown domain 'qqqq'"),
        (("load_balancers", "lw", "weights"), "algorithm: weighted needs 'weights' (backend → weight)"),
        (("dns", "names", "web"), "name 'web' is already used by a load balancer or service"),
        (("dns", "names", "api", "records", 0), "unknown record target 'lbb' (a load balancer or service) "
                                                 "(did you mean 'lb'?)"),
        (("dns", "names", "api", "weights"), "policy: weighted needs 'weights' (record → weight)"),
        (("dns", "names", "www", "records", 2), "unknown record target 'nope' (a load balancer or service)"),
        (("dns", "names", "www", "weights", "other"), "'other' is not one of the records"),
        (("dns", "names", "lb"), "name 'lb' is already used by a load balancer or service"),
        (("dns",), "the DNS provider is the element 'dns'; that name is already used"),
        (("dns", "provider", "in"), "unknown domain 'zone' (did you mean 'zone2'?)"),
        (("workload",), "load_balancers and dns need a 'workload' (the requests they route)"),
    ]


def test_the_workload_section():
    from relsim.model.traffic_checks import check_traffic

    raw = {"services": {"web": {}},
           "load_balancers": {"lb": {"service": "web", "capacity": 5, "overload": {}}, "lc": {"service": "web"}, "ld": 3},
           "dns": {"names": {"api": {"records": ["lb"]}}},
           "workload": {"target": "apj", "mode": "discrete", "rate_limit": {}, "clients": {"circuit_breaker": {}},
                        "populations": {"eu": {"near": "euu"}, "us": {"near": "us"}, "x": 3, "y": {},
                                        "as": {"near": "asia"}}}}
    assert check_traffic(raw, ["eu", "us"], []) == [
        (("workload", "target"), "unknown target 'apj' (a DNS name, load balancer or service) (did you mean 'api'?)"),
        (("workload", "rate_limit"), "a rate limit needs mode: fluid (load feedback)"),
        (("workload", "clients", "circuit_breaker"), "a circuit breaker needs mode: fluid"),
        (("load_balancers", "lb", "capacity"), "'capacity' needs workload mode: fluid (load feedback)"),
        (("load_balancers", "lb", "overload"), "'overload' needs workload mode: fluid (load feedback)"),
        (("workload", "populations", "eu", "near"), "unknown domain 'euu' (did you mean 'eu'?)"),
        (("workload", "populations", "as", "near"), "unknown domain 'asia'"),
    ]
    for target in ("api", "lb", "web", None):
        raw["workload"] = {"target": target, "mode": "fluid", "rate_limit": {}, "clients": {"circuit_breaker": {}}}
        assert check_traffic(raw, [], []) == []
    raw["workload"] = {"target": "qqqq"}
    assert check_traffic(raw, [], []) == [
        (("workload", "target"), "unknown target 'qqqq' (a DNS name, load balancer or service)")]
    raw["workload"] = {"mode": "discrete", "clients": 3, "rate_limit": None}
    assert check_traffic(raw, [], []) == [
        (("load_balancers", "lb", "capacity"), "'capacity' needs workload mode: fluid (load feedback)"),
        (("load_balancers", "lb", "overload"), "'overload' needs workload mode: fluid (load feedback)"),
    ]
    assert check_traffic({"workload": 3, "services": {}}, [], []) == []
    assert check_traffic({"workload": 3, "dns": {"names": {"a": {}}}}, [], []) == [
        (("workload",), "load_balancers and dns need a 'workload' (the requests they route)")]
    assert check_traffic({"load_balancers": {"l": {}}}, [], []) == [
        (("workload",), "load_balancers and dns need a 'workload' (the requests they route)")]
    assert check_traffic({"dns": {}, "workload": {}}, [], ["dns"]) == [
        (("dns",), "the DNS provider is the element 'dns'; that name is already used")]
    assert check_traffic({"dns": None}, [], ["dns"]) == []
    assert check_traffic({"dns": {"provider": {"in": "z"}}, "workload": {}}, ["z"], []) == []
    assert check_traffic({"dns": {"provider": {"in": "asiaa"}}, "workload": {}}, ["asia"], []) == [
        (("dns", "provider", "in"), "unknown domain 'asiaa' (did you mean 'asia'?)")]
    # weights without records: every weighted name is not one of them
    assert check_traffic({"dns": {"names": {"api": {"weights": {"lb": 1}}}}, "workload": {}}, [], []) == [
        (("dns", "names", "api", "weights", "lb"), "'lb' is not one of the records")]


# --- request_path.py --------------------------------------------------------

PATH_MODEL = {
    "domains": {"z": {}},
    "components": {"a": {"count": 2}, "b": {}, "c": {}},
    "services": {"web": {"replicas": ["a"], "depends_on": ["db"]}, "db": {"replicas": ["b"], "depends_on": ["cache"]},
                 "cache": {"replicas": ["c"]}, "admin": {"replicas": ["c"], "depends_on": ["web"]}},
    "load_balancers": {"lb": {"service": "web"}},
    "dns": {"names": {"api": {"records": ["lb", "lb2"]}}},
    "workload": {"rate": "10/s", "target": "api"},
}
NO_FAILURES = ("nothing in this model can fail (no element has failures): "
               "every availability figure will be exactly 1")


def _path_model(**changes):
    raw = {**PATH_MODEL, "load_balancers": {"lb": {"service": "web"}, "lb2": {"service": "web"}}}
    raw.update(changes)
    return relsim.load({k: v for k, v in raw.items() if v is not None})


def test_the_request_path_through_a_dns_name_balancers_and_dependencies():
    from relsim.model.request_path import entry_warning, measured, model_warnings, reached_services

    m = _path_model()
    assert measured(m) == "request path of the workload to 'api'"
    assert reached_services(m) == {"web", "db", "cache"}
    assert entry_warning(m) is None
    assert model_warnings(m) == [NO_FAILURES]
    off = _path_model(entry="admin")
    assert reached_services(off) == {"web", "db", "cache"}
    assert entry_warning(off) == (
        "entry 'admin' is not on the request path of the workload (target 'api'): relsim measures the "
        "request path, so entry only chooses whose write latency is reported")
    on = _path_model(entry="db")
    assert entry_warning(on) == (
        "entry 'db' does not choose what is measured: with a workload relsim measures the request path from "
        "workload.target 'api' (entry only chooses whose write latency is reported)")
    assert model_warnings(on) == [entry_warning(on), NO_FAILURES]
    same = _path_model(entry="web", workload={"rate": "10/s", "target": "web"})
    assert measured(same) == "request path of the workload to 'web'"
    assert entry_warning(same) is None
    assert reached_services(same) == {"web", "db", "cache"}
    # a service replicated by services reaches them; no target means the entry
    nested = relsim.load({"components": {"c": {}}, "services": {
        "top": {"replicas": ["mid"]}, "mid": {"replicas": ["c"]}, "side": {"replicas": ["c"], "depends_on": ["top"]}},
        "entry": "mid", "workload": {"rate": "1/s"}})
    assert measured(nested) == "request path of the workload to 'mid'"
    assert reached_services(nested) == {"mid"}
    assert entry_warning(nested) is None


def test_a_name_met_again_does_not_end_the_search():
    from relsim.model.request_path import reached_services

    m = relsim.load({"components": {"a": {}, "c": {}},
                     "services": {"web": {"replicas": ["a"]}, "other": {"replicas": ["c"]}},
                     "load_balancers": {"lb": {"service": "web"}},
                     "dns": {"names": {"api": {"records": ["other", "lb", "web"]}}},
                     "workload": {"rate": "1/s", "target": "api"}, "entry": "web"})
    # web is reached directly, then again through lb, before other
    assert reached_services(m) == {"web", "other"}


def test_without_a_workload_the_entry_service_is_measured():
    from relsim.model.request_path import entry_warning, measured, reached_services

    m = _path_model(entry="admin", workload=None, dns=None, load_balancers=None)
    assert measured(m) == "entry service 'admin'"
    assert reached_services(m) == set()
    assert entry_warning(m) is None
    assert measured(_path_model(workload=None, dns=None, load_balancers=None)) == "entry service 'admin'"


FAIL = [{"kind": "transient", "every": "exp(mean=30d)", "lasts": "fixed(5m)"}]


@pytest.mark.parametrize("where", ["nothing", "component", "domain", "link", "load_balancer", "dns", "corruption",
                                   "schedule"])
def test_anything_that_can_fail_silences_the_warning(where):
    from relsim.model.request_path import model_warnings, nothing_fails

    raw = {"domains": {"z": {}, "y": {}}, "components": {"a": {"in": "z"}, "b": {"in": "y"}},
           "links": {"l": {"between": ["z", "y"]}},
           "services": {"web": {"replicas": ["a", "b"], "mode": "active-passive",
                                "data": {"writes": "1/s"}}},
           "load_balancers": {"lb": {"service": "svc"}},
           "dns": {"names": {"api": {"records": ["lb"]}}, "provider": {}},
           "workload": {"rate": "1/s", "target": "api"}}
    raw["services"]["svc"] = {"replicas": ["a"], "depends_on": ["web"]}
    if where == "component":
        raw["components"]["b"]["failures"] = FAIL
    elif where == "domain":
        raw["domains"]["y"]["failures"] = FAIL
    elif where == "link":
        raw["links"]["l"]["failures"] = FAIL
    elif where == "load_balancer":
        raw["load_balancers"]["lb"]["failures"] = FAIL
    elif where == "dns":
        raw["dns"]["provider"]["failures"] = FAIL
    elif where == "corruption":
        raw["services"]["web"]["data"]["corruption"] = {"every": "exp(mean=30d)", "repair": "fixed(1h)"}
    elif where == "schedule":
        raw["schedule"] = {"chaos": {"kind": "fail", "every": "7d", "fail": "a", "for": "15m"}}
    model = relsim.load(raw)
    assert nothing_fails(model) is (where in ("nothing", "schedule"))
    assert model_warnings(model) == ([NO_FAILURES] if where == "nothing" else [])


# --- errors.py and cycles.py -----------------------------------------------

def test_paths_and_problems_print_on_one_line():
    from relsim.model.errors import Problem, dotted

    assert dotted(("services", "db", "replicas", 1)) == "services.db.replicas[1]"
    assert dotted(("services",)) == "services"
    assert dotted((0, "a", 2, 3)) == "[0].a[2][3]"
    assert dotted(()) == "<model>"
    assert str(Problem("f.yaml", 3, ("services", "db"), "bad")) == "f.yaml:3 services.db: bad"
    assert str(Problem("f.yaml", None, (), "empty")) == "f.yaml <model>: empty"
    assert str(Problem("f.yaml", 0, ("a",), "x")) == "f.yaml:0 a: x"
    assert str(Problem("f.yaml", 3, ("services", "a\nb", 0), "bad\x00 t\u202eé")) == (
        "f.yaml:3 services.a\\nb[0]: bad\\x00 t\\u202eé")
    assert str(Problem("f.yaml", 1, ("é",), "tab\there")) == "f.yaml:1 é: tab\\there"


def test_the_first_cycle_in_search_order():
    from relsim.model.cycles import find_cycle

    assert find_cycle({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}) == []
    assert find_cycle({"a": ["a"]}) == ["a"]
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c"]
    assert find_cycle({"x": ["y"], "y": [], "a": ["y", "b"], "b": ["a"]}) == ["a", "b"]
    # a node reached again after its search ended is not a cycle
    assert find_cycle({"a": ["b", "c"], "b": ["c"], "c": []}) == []
    assert find_cycle({"a": ["b"], "b": []}) == []
    assert find_cycle({"a": ["b"], "c": ["b"], "b": ["c"]}) == ["b", "c"]
    # successors not in the mapping have none
    assert find_cycle({"a": ["z"], "b": ["a"]}) == []
    assert find_cycle({}) == []
    # a node searched once is not searched again: 60 layers of two nodes, each joined to both of the next
    # (2^60 paths from the top), take a moment
    layers = {f"{k}{i}": [f"a{i + 1}", f"b{i + 1}"] for i in range(60) for k in "ab"}
    assert find_cycle(layers) == []
    # a long chain: no recursion limit
    chain = {f"n{i}": [f"n{i + 1}"] for i in range(5000)}
    assert find_cycle(chain) == []
    chain["n5000"] = ["n4998"]
    assert find_cycle(chain) == ["n4998", "n4999", "n5000"]


# --- estimate.py --------------------------------------------------------------
# Events = 2 per element transition (EVENTS_PER_TRANSITION) + beats + requests.
# A failure spec's transitions: events per cycle * horizon / mean cycle length.

TRANSIENT = {"kind": "transient", "every": "fixed(90h)", "lasts": "fixed(10h)"}


def _estimate(fail, count=None, horizon=None, **extra):
    from relsim.model.estimate import events_per_replication

    comp = {"failures": [fail]} if count is None else {"failures": [fail], "count": count}
    raw = {"horizon": "1100h", "components": {"a": comp}, "services": {"s": {"replicas": ["a"]}}, **extra}
    return events_per_replication(relsim.load(raw), horizon)


@pytest.mark.parametrize(("fail", "count", "horizon", "events"), [
    # 2 events (failure, repair) per 110 h cycle, 10 cycles: 20 transitions
    ({"kind": "permanent", "every": "fixed(100h)", "repair": "fixed(10h)"}, None, None, 2 * 20.0),
    # a detection adds an event and its time: 3 events per 120 h, 1100/120 cycles
    ({"kind": "permanent", "every": "fixed(100h)", "repair": "fixed(10h)", "detect": "fixed(10h)"}, None, None,
     2 * 3 * 1100 / 120),
    (TRANSIENT, None, None, 2 * 2 * 11.0),
    (TRANSIENT, 3, None, 2 * 3 * 2 * 11.0),  # every member of a group
    (TRANSIENT, None, 550 * 3600.0, 2 * 2 * 5.5),  # another horizon
    # 10 h episodes of 5 h spells: 2 + 2 * 10/5 = 6 events per 100 h
    ({"kind": "intermittent", "every": "fixed(90h)", "lasts": "fixed(10h)", "down": "fixed(1h)", "up": "fixed(4h)"},
     None, None, 2 * 6 * 11.0),
    # a truncated normal's mean is taken as max(mu, 0.8 sigma): 90 h up, 16 h down
    ({"kind": "transient", "every": "normal(mean=90h, sd=10h)", "lasts": "normal(mean=1h, sd=20h)"}, None, None,
     2 * 2 * 1100 / 106),
    # cycles and spells shorter than a second: 0.75 s cycles; 0.5 s spells over a 1 s episode
    ({"kind": "transient", "every": "fixed(500ms)", "lasts": "fixed(250ms)"}, None, 3600.0, 2 * 2 * 3600 / 0.75),
    ({"kind": "intermittent", "every": "fixed(9s)", "lasts": "fixed(1s)", "down": "fixed(200ms)",
      "up": "fixed(300ms)"}, None, 3600.0, 2 * (2 + 2 * 1 / 0.5) * 360),
])
def test_events_per_replication_from_the_means(fail, count, horizon, events):
    assert _estimate(fail, count, horizon) == pytest.approx(events, rel=1e-12)


def test_events_of_nested_domains_beats_and_discrete_requests():
    from relsim.model.estimate import events_per_replication

    raw = {"horizon": "1100h", "domains": {"r": {"failures": [TRANSIENT],
                                                 "contains": {"z": {"failures": [TRANSIENT, TRANSIENT]}}}},
           "components": {"a": {"in": "z"}, "b": {"in": "z"}},
           "services": {"s": {"replicas": ["a", "b"], "mode": "active-passive",
                              "detection": {"method": "beats", "heartbeat": {"period": "1h"}}}}}
    # three specs of 22 transitions each, and a beat an hour on each of the two replicas
    assert events_per_replication(relsim.load(raw)) == 2 * 3 * 22 + 2 * 1100
    raw["services"]["s"]["detection"] = {"method": "beats", "health_check": {"interval": "2h"}}
    assert events_per_replication(relsim.load(raw)) == 2 * 3 * 22 + 2 * 550
    raw["services"]["s"]["detection"] = {"method": "sampled", "health_check": {"interval": "2h"}}
    assert events_per_replication(relsim.load(raw)) == 2 * 3 * 22
    simple = {"horizon": "1000s", "components": {"a": {}}, "services": {"s": {"replicas": ["a"]}}}
    # two events a request, each attempt a request
    simple["workload"] = {"rate": "2/s", "mode": "discrete", "clients": {"retry": {"attempts": 3}}}
    assert events_per_replication(relsim.load(simple)) == 2 * 2 * 1000 * 3
    simple["workload"] = {"rate": "2/s", "mode": "discrete"}
    assert events_per_replication(relsim.load(simple)) == 2 * 2 * 1000
    simple["workload"] = {"rate": "2/s"}
    assert events_per_replication(relsim.load(simple)) == 0.0


def test_events_of_beats_and_requests_add_up():
    from relsim.model.estimate import events_per_replication

    raw = {"horizon": "1000s", "components": {"a": {}, "b": {}, "c": {}},
           "services": {"s": {"replicas": ["a", "b"], "mode": "active-passive",
                              "detection": {"method": "beats", "heartbeat": {"period": "500ms"}}},
                        "t": {"replicas": ["c", "a"], "mode": "active-passive", "depends_on": ["s"],
                              "detection": {"method": "beats", "health_check": {"interval": "250ms"}}}},
           "workload": {"rate": "3/s", "mode": "discrete", "target": "t"}}
    # 2 replicas * 2000 beats, 2 replicas * 4000 probes, 2 events for each of 3000 requests
    assert events_per_replication(relsim.load(raw)) == 2 * 2000 + 2 * 4000 + 2 * 3000


def test_the_other_sections_events_are_added(monkeypatch):
    import relsim.model.estimate as estimate

    for i, name in enumerate(("scheduled_events", "deployment_events", "mesh_events", "upkeep_events",
                              "alerting_events")):
        monkeypatch.setattr(estimate, name, lambda model, horizon, i=i: 2.0 ** i * horizon / 1000)
    m = relsim.load({"horizon": "1000s", "components": {"a": {"failures": [TRANSIENT]}},
                     "services": {"s": {"replicas": ["a"]}}})
    # 90 h up and 10 h down: 1000 s is 1/360 of a cycle, 2/360 transitions
    assert estimate.events_per_replication(m) == pytest.approx(2 * 2 / 360 + 31, rel=1e-12)
    assert estimate.events_per_replication(m, 2000.0) == pytest.approx(2 * 4 / 360 + 62, rel=1e-12)


# --- loading.py ---------------------------------------------------------------

def _problems(load, *args, **kwargs):
    with pytest.raises(ModelError) as info:
        load(*args, **kwargs)
    return [str(p) for p in info.value.problems]


def test_what_load_and_loads_refuse_before_parsing(tmp_path, monkeypatch):
    import relsim.model.loading as loading

    assert _problems(relsim.load, 5) == [
        "<model> <model>: a model is a file path or a dict of sections, got int 5"]
    assert _problems(relsim.load, ["x" * 100]) == [
        "<model> <model>: a model is a file path or a dict of sections, got list ['" + "x" * 55 + "..."]
    assert _problems(relsim.load, ["x" * 53]) == [
        "<model> <model>: a model is a file path or a dict of sections, got list ['" + "x" * 53 + "']"]
    # a repr of 60 characters is shown whole, one of 61 cut to 57 and "..."
    assert _problems(relsim.load, ["x" * 56]) == [
        "<model> <model>: a model is a file path or a dict of sections, got list ['" + "x" * 56 + "']"]
    assert _problems(relsim.load, ["x" * 57]) == [
        "<model> <model>: a model is a file path or a dict of sections, got list ['" + "x" * 55 + "..."]
    assert _problems(relsim.loads, b"x") == ["<string> <model>: model text must be a string, got bytes"]
    assert _problems(relsim.loads, 3, source="s.yaml") == ["s.yaml <model>: model text must be a string, got int"]
    missing = tmp_path / "nope.yaml"
    assert _problems(relsim.load, missing) == [f"{missing} <model>: cannot read model file: No such file or directory"]
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"name: x\nservices:\n  s: \xff\n")
    assert _problems(relsim.load, str(bad)) == [
        f"{bad}:3 <model>: not UTF-8 text (byte 0xff at offset 23): a model file is YAML text"]
    valid = "components: {a: {}}\nservices: {s: {replicas: [a]}}\n"
    monkeypatch.setattr(loading, "MAX_FILE_BYTES", len(valid))
    big = tmp_path / "big.yaml"
    big.write_text(valid + "#")
    assert _problems(relsim.load, big) == [
        f"{big} <model>: file larger than {len(valid)} bytes (the limit on model files)"]
    assert _problems(relsim.loads, valid + "#", source="t") == [
        f"t <model>: text longer than {len(valid)} characters (the limit on model files)"]
    exactly = tmp_path / "exactly.yaml"
    exactly.write_text(valid)
    assert relsim.load(exactly).name == "exactly"
    assert relsim.loads(valid, source="t").name == "t"


def test_a_byte_order_mark_is_dropped_and_the_name_defaults_to_the_file_stem(tmp_path):
    path = tmp_path / "my-model.v2.yaml"
    path.write_bytes("\ufeffcomponents: {a: {}}\nservices: {s: {replicas: [a]}}\n".encode())
    m = relsim.load(path)
    assert m.name == "my-model.v2" and m.source == str(path)
    named = tmp_path / "other.yaml"
    named.write_text("name: given\ncomponents: {a: {}}\nservices: {s: {replicas: [a]}}\n")
    assert relsim.load(named).name == "given"
    assert relsim.load({"components": {"a": {}}, "services": {"s": {"replicas": ["a"]}}}).name == "model"
    assert _problems(relsim.loads, "", source="dir/empty.yaml") == [
        "dir/empty.yaml:1 services: a model needs at least one service (the entry)"]


def test_invalid_yaml_and_duplicates_name_their_lines():
    assert _problems(relsim.loads, "a: [\n  b\n c: d\n") == [
        "<string>:3 <model>: invalid YAML: did not find expected ',' or ']'"]
    text = "components:\n  a: {}\n  a: {}\nservices:\n  s: {replicas: [a, zz]}\n  s: {replicas: [a]}\n"
    # duplicates alone, or merged in line order with the other problems
    assert _problems(relsim.loads, text.replace(", zz", ""), source="f.yaml") == [
        "f.yaml:3 components.a: duplicate key 'a': also on line 2 (YAML would keep only the later one)",
        "f.yaml:6 services.s: duplicate key 's': also on line 5 (YAML would keep only the later one)"]
    text = "services:\n  s: {replicas: [a, zz]}\ncomponents:\n  a: {}\n  a: {}\nentry: q\n"
    assert _problems(relsim.loads, text, source="f.yaml") == [
        "f.yaml:2 services.s.replicas[1]: unknown replica 'zz'",
        "f.yaml:5 components.a: duplicate key 'a': also on line 4 (YAML would keep only the later one)",
        "f.yaml:6 entry: unknown service 'q'"]


def test_text_that_is_not_a_mapping_or_not_yaml_and_duplicates_among_problems_of_one_line():
    assert _problems(relsim.loads, "- a\n- b\n", source="f.yaml") == ["f.yaml:1 <model>: a model must be a mapping of sections"]
    # a reader error has no problem of its own: its whole text, on one line
    assert _problems(relsim.loads, "a: \x00\n", source="f.yaml") == [
        "f.yaml <model>: invalid YAML: unacceptable character #x0000: control characters are not allowed\\n"
        '  in "<unicode string>", position 3']
    # problems of one line in the order of their paths, the repeated key among them
    text = "domains: {x: {}}\ncomponents:\n  b: {in: zz, spread: [x], spread: [x], count: 2}\nservices:\n  s: {replicas: [b]}\n"
    assert _problems(relsim.loads, text, source="f.yaml") == [
        "f.yaml:3 components.b.in: unknown domain 'zz'",
        "f.yaml:3 components.b.spread: duplicate key 'spread': also on line 3 (YAML would keep only the later one)",
        "f.yaml:3 components.b.spread: give either 'in' or 'spread', not both"]


def test_from_dict_refuses_what_is_not_a_model():
    assert _problems(relsim.from_dict, [1], source="s") == ["s:1 <model>: a model must be a mapping of sections"]
    loop: dict = {}
    loop["x"] = loop
    assert _problems(relsim.from_dict, loop, source="s") == [
        "s <model>: data nested too deeply (or containing itself) to be a model"]
    # a dict is not changed by loading it
    raw = {"components": {"a": {"failures": [{"kind": "transient", "every": "weibull(shape=1.5",
                                              "mean=1y)": None, "lasts": "fixed(1m)"}]}},
           "services": {"s": {"replicas": ["a"]}}}
    m = relsim.from_dict(raw)
    assert "mean=1y)" in raw["components"]["a"]["failures"][0]
    assert repr(m.components["a"].failures[0].every) == "Weibull(shape=1.5, mean=1y)"


SCHEMA_ERRORS = """\
name: t
components:
  a:
    failures:
      - {kind: permanant, every: exp(mean=1y)}
      - {every: exp(mean=1y)}
      - {kind: transient, every: exp(mean=1y), lasts: 5m, colour: red, dur: 1}
      - {kind: Transient, every: exp(mean=1y), lasts: fixed(1m)}
      - {kind: qqqqqqq, every: exp(mean=1y), lasts: fixed(1m)}
  b: {count: 0}
services:
  s: {replicas: [a, b], mode: Quorum, needs: x}
  t: {replicas: [a], mode: zzzzzz, entry: 1, dependson: [s]}
  u: {replicas: []}
entry: s
horizon: [1]
compnents: {}
"""


def test_problems_are_listed_once_each_with_the_path_present_in_the_data():
    # both members of g are outside: one problem printed, not two
    assert _problems(relsim.load, {
        "domains": {"us": {}, "eu": {}}, "components": {"g": {"count": 2, "in": "us"}},
        "services": {"s": {"replicas": ["g"], "data": {"allowed": ["eu"], "writes": "1/s"}}}}) == [
        "<dict> services.s.replicas[0]: data sovereignty: replica 'g' lives in 'us', outside the allowed domains (eu)"]
    # a path through a list item and two keys
    assert _problems(relsim.load, {
        "components": {"a": {}}, "services": {"shop": {"replicas": ["a"]}},
        "phases": [{"name": "normal", "lasts": "305d"}, {"name": "peak", "lasts": "60d", "needs": {"shpo": 1}}]}) == [
        "<dict> phases[1].needs.shpo: unknown service 'shpo' (did you mean 'shop'?)"]
    # a value in the wrong case: the choice it names; an optional section's keys
    assert _problems(relsim.load, {
        "components": {"a": {}}, "services": {"s": {"replicas": ["a"], "mode": "ACTIVE-PASSIVE",
                                                    "failover": {"tme": "fixed(1m)", "colour": 1}}}}) == [
        "<dict> services.s.failover.colour: unknown key 'colour' (allowed: time, success, fallback, manual, hold, "
        "min_interval, readmit_after, failback, failback_after, flap_window, success_decay)",
        "<dict> services.s.failover.tme: unknown key 'tme' (did you mean 'time'?)",
        "<dict> services.s.mode: must be one of 'active-active', 'active-passive' or 'quorum', got 'ACTIVE-PASSIVE' "
        "(did you mean 'active-passive'?)"]
    # keys of a section that may be left out (detection: Detection | None)
    assert _problems(relsim.load, {
        "components": {"a": {}, "b": {}}, "services": {"s": {"replicas": ["a", "b"], "mode": "active-passive",
                                                             "detection": {"heartbeat": {"period": "1s"},
                                                                           "colour": 1}}}}) == [
        "<dict> services.s.detection.colour: unknown key 'colour' (allowed: heartbeat, health_check, method, "
        "controller)"]
    # a value that is not text gets no guess
    assert _problems(relsim.load, {"components": {"a": {}}, "services": {"s": {"replicas": ["a"], "mode": 5}}}) == [
        "<dict> services.s.mode: must be one of 'active-active', 'active-passive' or 'quorum', got 5"]


def test_every_kind_of_schema_error_with_its_line_and_hint():
    allowed_transient = "kind, every, lasts, silent, destroys, growth"
    assert _problems(relsim.loads, SCHEMA_ERRORS, source="m.yaml") == [
        "m.yaml:5 components.a.failures[0].kind: failure kind must be one of 'permanent', 'transient', "
        "'intermittent', got 'permanant' (did you mean 'permanent'?)",
        "m.yaml:6 components.a.failures[1].kind: missing 'kind': one of 'permanent', 'transient', 'intermittent'",
        f"m.yaml:7 components.a.failures[2].colour: unknown key 'colour' (allowed: {allowed_transient})",
        f"m.yaml:7 components.a.failures[2].dur: unknown key 'dur' (allowed: {allowed_transient})",
        "m.yaml:7 components.a.failures[2].lasts: cannot parse distribution \"5m\": write e.g. exp(mean=10h), "
        "weibull(shape=1.5, mean=1000h), uniform(1m, 5m) or fixed(30s); for a constant duration write fixed(5m)",
        "m.yaml:8 components.a.failures[3].kind: failure kind must be one of 'permanent', 'transient', "
        "'intermittent', got 'Transient' (did you mean 'transient'?)",
        "m.yaml:9 components.a.failures[4].kind: failure kind must be one of 'permanent', 'transient', "
        "'intermittent', got 'qqqqqqq'",
        "m.yaml:10 components.b.count: input should be greater than or equal to 1, got 0",
        "m.yaml:12 services.s.mode: must be one of 'active-active', 'active-passive' or 'quorum', got 'Quorum' "
        "(did you mean 'quorum'?)",
        "m.yaml:12 services.s.needs: input should be a valid integer, unable to parse string as an integer, got 'x'",
        "m.yaml:13 services.t.dependson: unknown key 'dependson' (did you mean 'depends_on'?)",
        "m.yaml:13 services.t.entry: unknown key 'entry' (allowed: replicas, mode, needs, depends_on, standby, "
        "startup, failover, detection, fencing, state, election, overload, data, description, objectives, tier)",
        "m.yaml:13 services.t.mode: must be one of 'active-active', 'active-passive' or 'quorum', got 'zzzzzz'",
        "m.yaml:14 services.u.replicas: must list at least 1 item",
        "m.yaml:16 horizon: cannot interpret [1] as a duration: write a string like 10h, 30m, 5s "
        "(units: ms s m h d w y)",
        "m.yaml:17 compnents: unknown key 'compnents' (did you mean 'components'?)",
    ]


VIEWS = {"domains": {"r": {"contains": {"z": {}}}, "q": {}},
         "components": {"a": {"in": "z"}, "g": {"count": 3, "spread": ["r", "z"]}, "c": {}, "t": {}},
         "links": {"l": {"between": ["r", "q"]}},
         "services": {"s": {"replicas": ["g", "a"], "depends_on": ["t"]}, "t": {"replicas": ["a", "t"]},
                      "g": {"replicas": ["g"]}, "u": {"replicas": ["c"], "depends_on": ["s"]}},
         "entry": "u"}


def test_the_views_a_model_derives():
    from relsim.model.loading import ExpandedComponent

    m = relsim.load(VIEWS)
    assert repr(m) == "<Model 'model' from <dict>: 3 domains, 6 components, 4 services, entry 'u'>"
    assert list(m.domains) == ["r", "z", "q"]
    assert m.domain_parents == {"r": None, "z": "r", "q": None}
    assert m.components == {
        "a": ExpandedComponent("a", "z", (), None),
        "g-1": ExpandedComponent("g-1", "r", (), "g"),
        "g-2": ExpandedComponent("g-2", "z", (), "g"),
        "g-3": ExpandedComponent("g-3", "r", (), "g"),
        "c": ExpandedComponent("c", None, (), None),
        "t": ExpandedComponent("t", None, (), None),
    }
    assert m.groups == {"g": ("g-1", "g-2", "g-3")}
    assert m.replicas_of("s") == [("service", "g"), ("component", "a")]  # the service g, not the group
    assert m.dependencies_of("s") == [("service", "t")]
    assert m.replicas_of("t") == [("component", "a"), ("component", "t")]  # itself: the component of that name
    assert m.replicas_of("g") == [("component", "g-1"), ("component", "g-2"), ("component", "g-3")]
    assert m.resolve("u", "g") == [("service", "g")]
    assert m.element_names() == {"r": "domain", "z": "domain", "q": "domain", "a": "component",
                                 "g-1": "component", "g-2": "component", "g-3": "component", "c": "component",
                                 "t": "component", "l": "link"}
    assert m.raw_domains() == VIEWS["domains"]
    assert m.entry == "u" and m.horizon == 365 * 86400.0
    chain = {"t": {"replicas": ["a"]}, "s": {"replicas": ["a"], "depends_on": ["t"]}}
    without_entry = relsim.load({**{k: v for k, v in VIEWS.items() if k != "entry"}, "services": chain})
    assert without_entry.entry == "s"


def test_element_names_of_balancers_and_the_dns_provider():
    m = relsim.load({"components": {"a": {}}, "services": {"s": {"replicas": ["a"]}},
                     "load_balancers": {"lb": {"service": "s"}}, "dns": {"names": {"api": {"records": ["lb"]}}},
                     "workload": {"rate": "1/s", "target": "api"}})
    assert m.element_names() == {"a": "component", "lb": "load_balancer", "dns": "dns"}


def test_a_model_built_from_its_spec_reads_its_domains_from_the_spec():
    from relsim.model.loading import Model

    m = relsim.load(VIEWS)
    bare = Model(spec=m.spec)
    assert bare.source == "<dict>" and bare.raw == {} and bare.forcing is None
    assert bare.domain_parents == {"r": None, "z": "r", "q": None}
    assert set(bare.raw_domains()) == {"r", "q"}


def test_overrides_and_their_errors():
    m = relsim.load(VIEWS)
    m2 = m.with_overrides({"services..s.needs": 2, "services.t.replicas.0": "c", "components.b": {}})
    assert m2.source == "<dict> (with overrides)"
    assert m2.raw["services"]["s"] == {"replicas": ["g", "a"], "depends_on": ["t"], "needs": 2}
    assert m2.raw["services"]["t"]["replicas"] == ["c", "t"]
    assert list(m2.spec.components) == ["a", "g", "c", "t", "b"]
    assert m.raw["services"]["t"]["replicas"] == ["a", "t"]  # the original is unchanged
    m3 = m.with_overrides({"services.t.replicas[1]": "c", "services.s.depends_on": []})
    assert m3.replicas_of("t") == [("component", "a"), ("component", "c")]
    assert m3.dependencies_of("s") == []
    assert _problems(m.with_overrides, {"": 1}) == ["<overrides> <model>: empty override path ''"]
    assert _problems(m.with_overrides, {"[].": 1}) == ["<overrides> <model>: empty override path '[].'"]
    assert _problems(m.with_overrides, {"services.s.replicas[2]": "a"}) == [
        "<overrides> services.s.replicas[2]: index 2 out of range in override 'services.s.replicas[2]'"]
    assert _problems(m.with_overrides, {"services.s.replicas[2].x": "a"}) == [
        "<overrides> services.s.replicas[2]: index 2 out of range in override 'services.s.replicas[2].x'"]
    assert _problems(m.with_overrides, {"services.s.replicas.x": "a"}) == [
        "<overrides> services.s.replicas.x: cannot set 'services.s.replicas.x': list has no field 'x'"]
    assert _problems(m.with_overrides, {"entry.x.y": 1}) == [
        "<overrides> entry.x: cannot set 'entry.x.y': str has no field 'x'"]
    assert _problems(m.with_overrides, {"services.s.needs.x": 1}) == [
        "<dict> (with overrides) services.s.needs: Input should be a valid integer"]
    assert _problems(m.with_overrides, {"services.s.needs": 9}) == [
        "<dict> (with overrides) services.s.needs: needs (=9) must be <= number of replicas (2)"]


def test_conditioning_on_elements():
    from relsim.model.loading import Forcing

    m = relsim.load(VIEWS)
    with pytest.raises(ValueError, match=r"^<dict>: unknown element\(s\) 'x', 'y'; the elements are r, z, q, a, "
                                         r"g-1, g-2, g-3, c, t, l$"):
        m.conditioned(never_fails=["y", "a"], always_down=["x"])
    with pytest.raises(ValueError, match=r"^element\(s\) 'a', 'r' cannot both never fail and always be down$"):
        m.conditioned(never_fails=["r", "a"], always_down=["a", "r", "z"])
    c = m.conditioned(never_fails=["a"], always_down=["z"], element_downtime=True)
    assert c.forcing == Forcing(frozenset({"a"}), frozenset({"z"}), True)
    assert m.conditioned().forcing == Forcing(frozenset(), frozenset(), False)
    assert m.forcing is None
    # overrides keep the conditions; a model without them gets none
    assert c.with_overrides({"services.s.needs": 1}).forcing == c.forcing
    assert m.with_overrides({"services.s.needs": 1}).forcing is None
    empty = relsim.load({"services": {"s": {"replicas": ["s"]}}, "components": {"s": {}}})
    with pytest.raises(ValueError, match=r"the elements are s$"):
        empty.conditioned(always_down=["x"])


def test_a_model_pickles_without_its_derived_views():
    import pickle

    m = relsim.load(VIEWS).conditioned(never_fails=["a"])
    assert m.components  # derived, cached
    state = m.__getstate__()
    assert state == {"spec": m.spec, "source": "<dict>", "raw": m.raw, "forcing": m.forcing}
    back = pickle.loads(pickle.dumps(m))
    assert back == m and back.forcing == m.forcing and back.raw == m.raw and back.source == m.source
    assert back.components == m.components


# --- yamlmarks.py -------------------------------------------------------------

MARKED = """\
base: &b
  x: 1
  y: [a, b]
m:
  <<: *b
  y: 2
  3: three
list:
  - {every: weibull(shape=1.5, mean=1y), lasts: fixed(1m)}
  - [uniform(1m, 5m), fixed(2m)]
  - *b
"""


def test_every_key_and_item_is_mapped_to_its_line():
    from relsim.model.yamlmarks import load_with_lines, load_with_marks

    data, lines, duplicates = load_with_marks(MARKED)
    assert data == {"base": {"x": 1, "y": ["a", "b"]}, "m": {"x": 1, "y": 2, 3: "three"},
                    "list": [{"every": "weibull(shape=1.5, mean=1y)", "lasts": "fixed(1m)"},
                             ["uniform(1m, 5m)", "fixed(2m)"], {"x": 1, "y": ["a", "b"]}]}
    assert duplicates == []
    assert lines == {
        (): 1, ("base",): 1, ("base", "x"): 2, ("base", "y"): 3, ("base", "y", 0): 3, ("base", "y", 1): 3,
        # a merged key has the line of its anchor, unless the mapping writes it again
        ("m",): 4, ("m", "x"): 2, ("m", "y"): 6, ("m", 3): 7,
        ("list",): 8, ("list", 0): 9, ("list", 0, "every"): 9, ("list", 0, "lasts"): 9,
        ("list", 1): 10, ("list", 1, 0): 10, ("list", 1, 1): 10,
        ("list", 2): 1, ("list", 2, "x"): 2, ("list", 2, "y"): 3, ("list", 2, "y", 0): 3, ("list", 2, "y", 1): 3,
    }
    assert load_with_lines(MARKED) == (data, lines)
    assert load_with_lines("") == (None, {(): 1})
    # a key written twice: the line of the value YAML keeps (loads reports the repetition)
    assert load_with_lines("a: 1\na: 2\n") == ({"a": 2}, {(): 1, ("a",): 2})
    assert load_with_marks("a: 1\nb: {c: 1, c: 2}\na: 3\n")[2] == [(("b", "c"), 2, 2), (("a",), 1, 3)]


def test_a_value_overriding_a_merged_key_is_reported_on_its_own_line():
    text = ("components:\n  a: &base\n    failures: []\n    in: zone\n  b:\n    <<: *base\n    in: nowhere\n"
            "  c:\n    <<: [*base]\n    in: elsewhere\n  d:\n    <<: [*base]\n"
            "services:\n  s: {replicas: [a, b, c, d]}\ndomains: {zone: {}}\n")
    assert _problems(relsim.loads, text, source="f.yaml") == [
        "f.yaml:7 components.b.in: unknown domain 'nowhere'",
        "f.yaml:10 components.c.in: unknown domain 'elsewhere'",
    ]
    from relsim.model.yamlmarks import load_with_lines

    lines = load_with_lines(text)[1]
    assert lines[("components", "d", "in")] == 4 and lines[("components", "d", "failures")] == 3
    assert ("components", "d", 0) not in lines


def test_integer_keys_are_mapped_as_the_loader_reads_them():
    # 0x10 is 16, 010 is 8 and 1:30 is 90 to YAML 1.1: the line map keys them so,
    # or an error on such a key would be reported on its parent's line
    from relsim.model.yamlmarks import load_with_lines, load_with_marks

    data, lines = load_with_lines("m:\n  0x10: a\n  010: b\n  1:30: c\n  1_000: d\n")
    assert data == {"m": {16: "a", 8: "b", 90: "c", 1000: "d"}}
    assert [lines[("m", k)] for k in (16, 8, 90, 1000)] == [2, 3, 4, 5]
    text = "components:\n  a: {}\n  0x10: {}\nservices: {s: {replicas: [a]}}\n"
    assert _problems(relsim.loads, text, source="f.yaml") == [
        "f.yaml:3 components[16].[key]: input should be a valid string, got 16"]
    # 16 and 0x10 are one key: YAML keeps the later, and says so
    _, lines, duplicates = load_with_marks("m:\n  16: a\n  0x10: b\n")
    assert duplicates == [(("m", 16), 2, 3)] and lines[("m", 16)] == 3


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "python"])
@pytest.mark.parametrize(("value", "tag"), [("x", "int"), ("x", "float"), ("maybe", "bool"), ("x", "timestamp")])
def test_a_scalar_its_explicit_tag_cannot_read_is_reported_at_its_line(fast, value, tag, monkeypatch):
    # PyYAML raises a bare ValueError, KeyError or AttributeError there (a traceback from
    # relsim check); it is invalid YAML, on the scalar's line, like any other
    from relsim.model import yamlmarks

    monkeypatch.setattr(yamlmarks, "_FAST", fast)
    text = f"name: t\ncomponents:\n  a: {{}}\n  !!{tag} {value}: {{}}\nhorizon: 1y\n"
    assert _problems(relsim.loads, text, source="f.yaml") == [
        f"f.yaml:4 <model>: invalid YAML: cannot read '{value}' as !!{tag}"]
    assert _problems(relsim.loads, f"name: t\nhorizon: !!{tag} {value}\n", source="f.yaml") == [
        f"f.yaml:2 <model>: invalid YAML: cannot read '{value}' as !!{tag}"]


def test_the_first_unreadable_scalar_in_the_file_is_the_one_reported():
    text = "name: t\ncomponents:\n  a: {x: [1, !!float one]}\n  b: !!int two\n"
    assert _problems(relsim.loads, text, source="f.yaml") == [
        "f.yaml:3 <model>: invalid YAML: cannot read 'one' as !!float"]


# --- timing.py ----------------------------------------------------------------

DAY_S, HOUR_S = 86400.0, 3600.0
NOT_A_DAY = "expected a day of the week (monday ... sunday, or mon ... sun), got {!r}"
NOT_A_TIME = "expected a time of day HH:MM (00:00 to 24:00), got {!r}"


def test_days_and_times_of_day():
    from relsim.model.timing import _clock, _start_day, _start_time, weekday_index

    for text, day in (("Mon", 0), (" monday ", 0), ("SUNDAY", 6), ("thu", 3), ("Sat", 5)):
        assert weekday_index(text) == day
    for bad in ("mond", "mo", 3, "", "thursdayy"):
        with pytest.raises(ValueError, match=f"^{NOT_A_DAY.format(bad).replace('(', '.').replace(')', '.')}$"):
            weekday_index(bad)
    assert [_clock(t) for t in ("24:00", "7:05", " 07:05 ", "00:00", "23:59")] == [
        DAY_S, 7 * HOUR_S + 300, 7 * HOUR_S + 300, 0.0, DAY_S - 60]
    for bad in ("24:01", "23:60", "123:00", 5, "7:5", "25:00"):
        with pytest.raises(ValueError) as info:
            _clock(bad)
        assert str(info.value) == NOT_A_TIME.format(bad)
    assert [_start_day(v) for v in (0, 6, "sun", "Tuesday")] == [0, 6, 6, 1]
    for bad in (7, -1, True):
        with pytest.raises(ValueError) as info:
            _start_day(bad)
        assert str(info.value) == NOT_A_DAY.format(bad)
    assert [_start_time(v) for v in (0.0, 86399.5, "08:00")] == [0.0, 86399.5, 8 * HOUR_S]
    for bad in (86400.0, -1.0):
        with pytest.raises(ValueError) as info:
            _start_time(bad)
        assert str(info.value) == NOT_A_TIME.format(bad)


def test_the_calendar_of_model_time():
    from datetime import datetime

    from relsim.model.timing import MONDAY, Calendar

    c = Calendar(6, 8 * HOUR_S)  # Sunday 08:00
    assert c.offset == 6 * DAY_S + 8 * HOUR_S
    assert c.week_seconds(20 * HOUR_S) == 4 * HOUR_S  # Monday 04:00
    assert c.week_seconds(7 * DAY_S) == c.offset
    assert c.weekday(15 * HOUR_S) == 6 and c.weekday(16 * HOUR_S) == 0 and c.weekday(2 * DAY_S) == 1
    assert c.time_of_day(20 * HOUR_S) == 4 * HOUR_S and c.time_of_day(0) == 8 * HOUR_S
    assert c.wall(HOUR_S) == datetime(2025, 1, 12, 9, 0)
    assert c.model_time(datetime(2025, 1, 13, 9, 30)) == 25.5 * HOUR_S
    assert c.label(16 * HOUR_S + 5 * 60 + 59) == "Mon 00:05"
    assert c.label(0) == "Sun 08:00" and c.label(3 * DAY_S + 15.25 * HOUR_S) == "Wed 23:15"
    assert MONDAY == Calendar(0, 0.0) and MONDAY.wall(0) == datetime(2025, 1, 6)
    # a model's calendar
    m = relsim.load({"components": {"a": {}}, "services": {"s": {"replicas": ["a"]}},
                     "start_day": "fri", "start_time": "17:30"})
    assert m.calendar == Calendar(4, 17.5 * HOUR_S)


def test_cron_times_from_a_start_and_up_to_the_horizon():
    from relsim.model.timing import Calendar, cron_times

    c = Calendar(0, 0.0)
    # 02:00 daily: from 1 h in, the first at 2 h; an occurrence exactly at the start counts
    assert cron_times("0 2 * * *", c, 3 * DAY_S, HOUR_S) == (2 * HOUR_S, DAY_S + 2 * HOUR_S, 2 * DAY_S + 2 * HOUR_S)
    assert cron_times("0 2 * * *", c, 3 * DAY_S, 2 * HOUR_S)[0] == 2 * HOUR_S
    assert cron_times("0 2 * * *", c, 2 * DAY_S + 2 * HOUR_S) == (2 * HOUR_S, DAY_S + 2 * HOUR_S)
    assert cron_times("0 2 * * *", c, 2 * HOUR_S) == ()
    assert cron_times("30 * * * *", Calendar(0, 15 * 60.0), 2 * HOUR_S) == (15 * 60.0, 75 * 60.0)


def test_when_refuses_with_its_messages():
    from pydantic import ValidationError

    from relsim.model.timing import When

    cases = [
        ({}, "say when with exactly one of at, every or cron"),
        ({"at": "1d", "every": "2d"}, "say when with exactly one of at, every or cron (got at, every)"),
        ({"at": "1d", "every": "2d", "cron": "0 2 * * *"},
         "say when with exactly one of at, every or cron (got at, every, cron)"),
        ({"at": "1d", "start": "2d"}, "start applies to every and cron, not to at (write the times in at)"),
        ({"every": "fixed(0s)"}, "every must be a positive duration, got 0.0 s"),
        ({"cron": "0 2 * *"}, "not a cron expression: '0 2 * *' (five fields: minute hour day month weekday, "
                              "e.g. '0 2 * * SUN' for Sundays at 02:00)"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValidationError) as info:
            When(**kwargs)
        assert [e["ctx"]["error"].args[0] for e in info.value.errors()] == [message], kwargs
    assert When(at="1d").at == (DAY_S,) and When(at=["1d", "2h"]).at == (DAY_S, 2 * HOUR_S)
    assert When(every="2d").random is False and When(every="exp(mean=2d)").random is True
    assert When(at="1d").random is False and When(cron="0 2 * * *").random is False
    assert When(every="fixed(1s)").fixed_times(3.0) == (1.0, 2.0)


def test_fixed_times_and_expected_counts_at_their_edges():
    from relsim.model.timing import Calendar, When

    at = When(at=["3d", "1d", "2d"], until="3d")
    assert at.fixed_times(10 * DAY_S) == (DAY_S, 2 * DAY_S) and at.expected_count(10 * DAY_S) == 2
    assert When(at=["1d", "2d"], count=1).fixed_times(WEEK_S) == (DAY_S,)
    assert When(at=["1d", "2d"], count=1).expected_count(WEEK_S) == 1
    late = When(every="1d", start="5d")
    assert late.fixed_times(5 * DAY_S) == () and late.expected_count(5 * DAY_S) == 0
    assert late.fixed_times(5 * DAY_S + 1) == (5 * DAY_S,) and late.expected_count(5 * DAY_S + 1) == 1
    assert late.fixed_times(7 * DAY_S) == (5 * DAY_S, 6 * DAY_S) and late.expected_count(7 * DAY_S) == 2
    assert When(every="1d", start="4d", until="6d").fixed_times(WEEK_S) == (4 * DAY_S, 5 * DAY_S)
    assert When(every="2d").expected_count(7 * DAY_S) == 3 and When(every="2d").fixed_times(7 * DAY_S) == (
        2 * DAY_S, 4 * DAY_S, 6 * DAY_S)
    cron = When(cron="0 2 * * *", start="1d", until="3d")
    assert cron.fixed_times(WEEK_S, Calendar()) == (DAY_S + 2 * HOUR_S, 2 * DAY_S + 2 * HOUR_S)
    assert cron.expected_count(WEEK_S) == 2
    assert When(cron="0 2 * * *", count=1).fixed_times(WEEK_S) == (2 * HOUR_S,)
    # a cron that first fires after a day, a month and a year: counted on the first stretch that has one
    # (none on the first day; 4 Sundays in the first 31 days, scaled to 70)
    assert When(cron="0 2 * * SUN").expected_count(70 * DAY_S) == pytest.approx(4 * 70 / 31, rel=1e-12)
    assert When(cron="0 2 * * SUN").expected_count(28 * DAY_S) == 4
    assert When(cron="0 2 * * *").expected_count(HOUR_S) == 0.0
    assert When(cron="0 0 1 1 *").expected_count(10 * 366 * DAY_S) == pytest.approx(10.0, rel=1e-12)
    assert When(cron="0 2 * * *", count=3).expected_count(WEEK_S) == 3
    assert When(every="exp(mean=2d)", until="4d").expected_count(WEEK_S) == 2
    # a cron firing at the start (model time 0 is Monday 00:00)
    assert When(cron="0 0 * * *").fixed_times(2 * DAY_S) == (0.0, DAY_S)
    # a yearly cron, first found within a year (2026-01-01, 360 days in), is scaled, not listed
    assert When(cron="0 0 1 1 *").expected_count(400 * DAY_S) == pytest.approx(400 / 366, rel=1e-12)
    # counted over a stretch shorter than a second, or none at all
    assert When(cron="0 0 * * *", until="500ms").expected_count(DAY_S) == 1.0
    assert When(cron="0 0 * * *", until="0s").expected_count(DAY_S) == 0.0
    assert When(every="exp(mean=500ms)").expected_count(10.0) == 20.0


WEEK_S = 7 * DAY_S


def test_weekly_windows():
    from relsim.model.timing import Calendar, Window, Windows, _days, parse_windows

    assert _days("daily") == _days("every day") == _days("all") == [0, 1, 2, 3, 4, 5, 6]
    assert _days(" Weekdays ") == [0, 1, 2, 3, 4] and _days("weekends") == [5, 6]
    assert _days("Fri-Mon") == [4, 5, 6, 0] and _days("Sat,Sun") == [5, 6] and _days("mon-mon") == [0]
    assert _days("Sun-Sat") == [6, 0, 1, 2, 3, 4, 5] and _days("tue, thu-fri") == [1, 3, 4]
    merged = parse_windows(["Sun 23:00-01:00", "Mon 00:30-02:00", "Tue 10:00-11:00", "Tue 11:00-12:00"])
    assert merged == (Window(0.0, 2 * HOUR_S), Window(DAY_S + 10 * HOUR_S, DAY_S + 12 * HOUR_S),
                      Window(6 * DAY_S + 23 * HOUR_S, WEEK_S))
    assert parse_windows(merged) is merged
    assert parse_windows(("Mon 10:00-11:00",)) == (Window(10 * HOUR_S, 11 * HOUR_S),)
    assert parse_windows("Mon 10:00-11:00, Wed 10:00-11:00".split(", ")) == (
        Window(10 * HOUR_S, 11 * HOUR_S), Window(2 * DAY_S + 10 * HOUR_S, 2 * DAY_S + 11 * HOUR_S))
    for bad, message in (
            ([], "expected a window like 'Mon-Fri 10:00-16:00' or a list of them"),
            (5, "expected a window like 'Mon-Fri 10:00-16:00' or a list of them"),
            ("x", "expected a window like 'Mon-Fri 10:00-16:00' (days, then HH:MM-HH:MM), got 'x'"),
            ("Mon 10:00", "expected a window like 'Mon-Fri 10:00-16:00' (days, then HH:MM-HH:MM), got 'Mon 10:00'"),
            (["Mon 10:00-10:00"], "window 'Mon 10:00-10:00' is empty (it starts when it ends)")):
        with pytest.raises(ValueError) as info:
            parse_windows(bad)
        assert str(info.value) == message
    for spec, bad in (("Mon-Tue-Wed 10:00-11:00", "tue-wed"), ("Mon-Tue-Wed-Thu 10:00-11:00", "tue-wed-thu")):
        with pytest.raises(ValueError) as info:
            parse_windows(spec)
        assert str(info.value) == NOT_A_DAY.format(bad)
    # a window ending at Sunday 24:00 does not continue into the week's start
    assert parse_windows("Sun 22:00-24:00") == (Window(6 * DAY_S + 22 * HOUR_S, WEEK_S),)
    assert Windows().open_share() == 1.0
    game_day = relsim.load("models/game-day.yaml").spec.schedule["game-day"].window
    assert game_day == Windows("Tue-Thu 10:00-16:00") and len(game_day) == 3
    whole = Windows("daily 00:00-24:00")
    assert whole.always and whole.closes(5.0) == math.inf and whole.open_share() == 1.0
    assert whole.is_open(3.0) and whole.next_open(3.0) == 3.0
    nearly = Windows("Mon-Sat 00:00-24:00")
    assert not nearly.always and nearly.open_share() == 6 / 7
    assert nearly.is_open(0.0) and not nearly.is_open(6 * DAY_S) and nearly.next_open(6 * DAY_S + 5) == WEEK_S
    w = Windows("Tue 10:00-12:00")
    sunday = Calendar(6, 0.0)  # model time 0 is a Sunday: Tuesday 10:00 is 58 h in
    assert w.is_open(58 * HOUR_S, sunday) and not w.is_open(58 * HOUR_S)
    assert not w.is_open(60 * HOUR_S, sunday) and w.is_open(60 * HOUR_S - 1, sunday)
    assert w.next_open(0.0, sunday) == 58 * HOUR_S and w.closes(59 * HOUR_S, sunday) == 60 * HOUR_S
    assert w.closes(61 * HOUR_S, sunday) == 61 * HOUR_S
    assert w.next_open(59 * HOUR_S, sunday) == 59 * HOUR_S  # open by this calendar (Wednesday 11:00 by Monday's)
    assert w.closes(DAY_S + 10 * HOUR_S) == DAY_S + 12 * HOUR_S  # from the instant it opens
    assert w.next_open(DAY_S + 13 * HOUR_S) == WEEK_S + DAY_S + 10 * HOUR_S  # past this week's: next week's
    assert w.next_open(DAY_S + 10 * HOUR_S) == DAY_S + 10 * HOUR_S
    assert not w.is_open(10 * HOUR_S) and w.next_open(10 * HOUR_S) == DAY_S + 10 * HOUR_S
    assert Windows() == () and Windows([]) == () and Windows("").always


DEEP = "nesting deeper than 64 levels (the limit on nested mappings and lists)"


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "python"])
def test_nesting_is_counted_level_by_level_with_either_parser(fast, monkeypatch):
    from relsim.model import yamlmarks

    monkeypatch.setattr(yamlmarks, "_FAST", fast)
    assert yamlmarks.MAX_DEPTH == 64
    at_limit = "a:\n  " + "[" * 63 + "]" * 63 + "\n"  # the mapping and 63 lists
    nested: list = []
    for _ in range(62):
        nested = [nested]
    assert yamlmarks.load_with_lines(at_limit)[0] == {"a": nested}
    assert _problems(relsim.loads, "a:\n  " + "[" * 64 + "]" * 64 + "\n") == [
        f"<string>:2 <model>: invalid YAML: {DEEP}"]
    # levels left behind are counted off: [1] at level 4, then a chain from level 4 to 65, or to 64
    assert _problems(relsim.loads, "x: 1\nb:\n  - [[1],\n" + "[" * 62 + "]" * 62 + "]\n") == [
        f"<string>:4 <model>: invalid YAML: {DEEP}"]
    ok = "x: 1\nb:\n  - [[1],\n" + "[" * 61 + "]" * 61 + "]\n"
    assert yamlmarks.load_with_lines(ok)[1][("b", 0, 0, 0)] == 3
    # and the data and lines are those of the other parser
    monkeypatch.setattr(yamlmarks, "_FAST", not fast)
    other = yamlmarks.load_with_marks(MARKED)
    monkeypatch.setattr(yamlmarks, "_FAST", fast)
    assert yamlmarks.load_with_marks(MARKED) == other


def test_a_parsed_dict_is_rejoined_only_where_a_parenthesis_is_open():
    from relsim.model.yamlmarks import rejoin_split_values

    assert rejoin_split_values({"a": "x", "b": None, "c": "f(x)", "d": None, "e": "f(y", 3: None, 2.5: None,
                                True: None, "g": "h(", "i": None}) == {
        "a": "x", "b": None, "c": "f(x)", "d": None, "e": "f(y, 3, 2.5", True: None, "g": "h(, i"}
    assert rejoin_split_values({"every": "weibull(shape=1.5"}) == {"every": "weibull(shape=1.5"}
    assert rejoin_split_values({"e": "f(y", "k": 1}) == {"e": "f(y", "k": 1}
    assert rejoin_split_values(["f(a", 2, True, "b)", "c", None, "g(", "h)"]) == [
        "f(a, 2", True, "b)", "c", None, "g(, h)"]
    assert rejoin_split_values([{"x": ["u(1", "2)"]}]) == [{"x": ["u(1, 2)"]}]
    assert rejoin_split_values(["f(x)", "y"]) == ["f(x)", "y"]
    assert rejoin_split_values("text") == "text" and rejoin_split_values(None) is None


def test_a_file_is_rejoined_only_after_an_open_plain_scalar():
    from relsim.model.yamlmarks import load_with_lines

    assert load_with_lines("a: x\nb:\n")[0] == {"a": "x", "b": None}  # balanced: b stays a key
    assert load_with_lines("a: f(x\n")[0] == {"a": "f(x"}  # open, but nothing follows
    assert load_with_lines("a: f(x\nb: ''\n")[0] == {"a": "f(x", "b": ""}  # a key with a value stays
    # a key with a value ends the joining, and the rest of the mapping is still re-joined
    assert load_with_lines("a: f(x\nb: 1\nc: [u(1, 2)]\n")[0] == {"a": "f(x", "b": 1, "c": ["u(1, 2)"]}
    assert _problems(relsim.loads, "a: f(x\n? [k]\n") == ["<string>:2 <model>: invalid YAML: found unhashable key"]
    # a quoted value is not re-joined from a file, whatever parentheses it holds
    m = relsim.loads('name: "run (x"\nentry:\ncomponents: {a: {}}\nservices: {s: {replicas: [a]}}\n')
    assert m.name == "run (x" and m.raw["entry"] is None


def test_deployment_names_get_suggestions():
    assert _problems(relsim.loads, "components: {a: {}}\nservices: {api: {replicas: [a]}}\n"
                                   "deployments:\n  r: {services: apj, every: 1d}\n", source="f.yaml") == [
        "f.yaml:4 deployments.r.services: unknown service 'apj' (did you mean 'api'?)"]


def test_repeated_keys_are_found_once_each_around_aliases_and_merges():
    from relsim.model.yamlmarks import load_with_marks

    def repeated(text):
        return [tuple(d) for d in load_with_marks(text)[2]]

    assert repeated("base: &b {x: 1, x: 2}\nother: *b\n") == [(("base", "x"), 1, 1)]  # once, where anchored
    assert repeated("a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: *a\n  <<: *b\n") == []  # two merges are no repeat
    assert repeated("c:\n  <<: {x: 1, x: 2}\n  y: 3\n") == [(("c", "x"), 2, 2)]  # inside a merged mapping
    assert repeated("a: &a {x: 1}\nc:\n  <<: *a\n  y: 1\n  y: 2\n") == [(("c", "y"), 4, 5)]  # after a merge
    assert _problems(relsim.loads, "a: &x [*x]\n") == [
        "<string>:1 <model>: invalid YAML: an alias refers to a node that contains it (a recursive anchor)"]


def test_alias_expansion_counts_every_node_once_expanded(monkeypatch):
    from relsim.model import yamlmarks

    text = "a: &x [1, 2]\nb: [*x, *x]\n"  # 1 + (1 + 3) + (1 + 1 + 3 + 3) = 13 nodes
    monkeypatch.setattr(yamlmarks, "MAX_ALIAS_EXPANSION", 13)
    assert yamlmarks.load_with_lines(text)[0] == {"a": [1, 2], "b": [[1, 2], [1, 2]]}
    monkeypatch.setattr(yamlmarks, "MAX_ALIAS_EXPANSION", 12)
    assert _problems(relsim.loads, text) == [
        "<string>:1 <model>: invalid YAML: aliases expand to more than 12 nodes (the limit on alias expansion)"]
    monkeypatch.setattr(yamlmarks, "MAX_ALIAS_EXPANSION", 6)  # b's list alone has 7
    assert _problems(relsim.loads, text) == [
        "<string>:2 <model>: invalid YAML: aliases expand to more than 6 nodes (the limit on alias expansion)"]
    # an open parenthesis at the end of a flow list stays as it is
    assert yamlmarks.load_with_lines("a: [u(1, 2), f(x]\n")[0] == {"a": ["u(1, 2)", "f(x"]}


def test_a_service_may_depend_on_the_component_of_its_own_name():
    m = relsim.load({"components": {"x": {}, "web": {}},
                     "services": {"web": {"replicas": ["x"], "depends_on": ["web"]}}})
    assert m.dependencies_of("web") == [("component", "web")]
