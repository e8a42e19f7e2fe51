"""The model layer's checks, exactly: which model is refused, with which path and text.

Each test calls a check of ``relsim/model`` on a small raw dict (as a YAML
file parses) and compares the whole list of problems it reports, path and
message, or loads a small file and compares the printed problems (file, line
and field). They pin the behaviour mutation testing found unchecked.
"""

from __future__ import annotations

import pytest

import relsim
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
         "data sovereignty: replica 'n' lives in 'None', outside the allowed domains (eu)"),
        (("services", "s", "data", "backups", 0, "in"),
         "data sovereignty: backups in 'us' are outside the allowed domains (eu)"),
        (("services", "u", "replicas", 0),
         "data sovereignty: replica 'b' lives in 'us', outside the allowed domains (de)"),
    ]


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
