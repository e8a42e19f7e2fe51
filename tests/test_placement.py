"""Latency from placement (docs/application.md §3): round trips, replication rtt, quorum latency.

Every number here is a constant of the placement or a time average over a
``fixed(...)`` timeline, so the checks are exact.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.model.placement import Latency, round_trip

PARENTS = {"eu": None, "eu-a": "eu", "eu-b": "eu", "us": None, "us-a": "us", "rack-1": "eu-a"}
LAT = Latency.model_validate({"within": "0.2ms", "default": "150ms", "pairs": [
    {"between": ["eu-a", "eu-b"], "rtt": "2ms"}, {"between": ["eu", "us"], "rtt": "80ms"}]})


@pytest.mark.parametrize(("a", "b", "rtt"), [
    ("eu-a", "eu-a", 0.0002),       # same domain
    ("eu-a", "eu-b", 0.002),        # the zone pair
    ("eu-b", "eu-a", 0.002),        # either order
    ("rack-1", "eu-b", 0.002),      # a rack inside eu-a: the zone pair still encloses it
    ("eu-a", "us-a", 0.080),        # the region pair encloses both
    ("rack-1", "us", 0.080),
    ("eu", "elsewhere", 0.150),     # nothing encloses both: default
    (None, None, 0.0002),           # both unplaced: within
])
def test_round_trip_takes_the_most_specific_pair(a, b, rtt):
    assert round_trip(LAT, PARENTS, a, b) == pytest.approx(rtt)


def model(text_overrides: dict[str, Any] | None = None, **extra: Any) -> relsim.Model:
    spec: dict[str, Any] = {
        "name": "placed", "horizon": "10h",
        "domains": {"eu": {"contains": {"eu-a": {}, "eu-b": {}}}, "us": {"contains": {"us-a": {}}}},
        "components": {
            "db-1": {"in": "eu-a"},
            "db-2": {"in": "eu-b", "failures": [{"kind": "transient", "every": "fixed(2h)", "lasts": "fixed(1h)"}]},
            "db-3": {"in": "us-a"},
        },
        "latency": {"within": "0.2ms", "pairs": [{"between": ["eu-a", "eu-b"], "rtt": "2ms"},
                                                  {"between": ["eu", "us"], "rtt": "80ms"}]},
    }
    spec.update(extra)
    spec.update(text_overrides or {})
    return relsim.load(spec)


def test_quorum_write_waits_for_the_second_fastest_replica():
    # db-2 is down 2-3 h, 5-6 h, 8-9 h: a quorum of 3 from db-1 (eu-a) is db-1 + db-2 (2 ms)
    # for 7 h and db-1 + db-3 (80 ms) for 3 h; reads at all always wait for us-a (80 ms) and
    # fail while db-2 is down; clients in eu-a add the 0.2 ms within a zone
    m = model(
        services={"store": {"replicas": ["db-1", "db-2", "db-3"],
                            "data": {"writes": "10/s", "keys": 100, "lag": "fixed(1s)"}}},
        workload={"rate": "10/s", "target": "store", "populations": {"eu": {"share": 1.0, "near": "eu-a"}}},
        operations={"put": {"service": "store", "share": 0.5, "type": "write", "consistency": "quorum"},
                    "get": {"service": "store", "share": 0.5, "consistency": "all"}},
    )
    app = relsim.simulate(m, 0, 0).app
    assert app["write_latency_mean"] == pytest.approx(0.0002 + (7 * 0.002 + 3 * 0.080) / 10)
    assert app["read_latency_mean"] == pytest.approx(0.0002 + 0.080)
    row = relsim.run(m, runs=1).runs.iloc[0]
    assert row["write_latency_mean"] == pytest.approx(app["write_latency_mean"])


def test_leader_requests_wait_for_no_replica():
    m = model(
        services={"store": {"replicas": ["db-1", "db-2", "db-3"]}},
        workload={"rate": "10/s", "target": "store", "populations": {"us": {"share": 1.0, "near": "us-a"}}},
        operations={"put": {"service": "store", "share": 1.0, "type": "write", "consistency": "leader"}},
    )
    # the leader is db-1 (eu-a), the clients are in us-a: one transatlantic round trip
    assert relsim.simulate(m, 0, 0).app["write_latency_mean"] == pytest.approx(0.080)


@pytest.mark.parametrize(("standby", "rtt"), [("db-2", 0.002), ("db-3", 0.080)])
def test_sync_replication_rtt_follows_where_the_standby_is(standby, rtt):
    # no hand-set data.rtt: the replication rtt is primary (eu-a) -> standby; db-2 is
    # down 3 h of 10 (replication degrades to async meanwhile: no added latency)
    m = model(services={"db": {"replicas": ["db-1", standby], "mode": "active-passive",
                               "data": {"writes": "10/s", "replication": "sync"}}})
    res = relsim.simulate(m, 0, 0)
    up = 0.7 if standby == "db-2" else 1.0
    assert res.write_latency == pytest.approx(rtt * up)


def test_a_hand_set_rtt_wins_over_the_placement():
    m = model(services={"db": {"replicas": ["db-1", "db-3"], "mode": "active-passive",
                               "data": {"writes": "10/s", "replication": "sync", "rtt": "5ms"}}})
    assert relsim.simulate(m, 0, 0).write_latency == pytest.approx(0.005)


def test_semi_sync_waits_for_the_acks_th_fastest_standby():
    m = model(services={"db": {"replicas": ["db-1", "db-2", "db-3"], "mode": "active-passive",
                               "data": {"writes": "10/s", "replication": "semi-sync", "acks": 2}}})
    # both standbys ack: 80 ms; while db-2 is down only one standby is left: degraded, 0
    assert relsim.simulate(m, 0, 0).write_latency == pytest.approx(0.080 * 0.7)


@pytest.mark.parametrize(("latency", "message"), [
    ({"pairs": [{"between": ["eu-a", "eu-c"], "rtt": "2ms"}]},
     r"latency\.pairs\[0\]\.between\[1\]: unknown domain 'eu-c' \(did you mean 'eu-b'"),
    ({"pairs": [{"between": ["eu-a", "eu-a"], "rtt": "2ms"}]}, r"latency\.pairs\[0\]\.between: a pair joins two"),
    ({"pairs": [{"between": ["eu-a", "eu-b"], "rtt": "2ms"}, {"between": ["eu-b", "eu-a"], "rtt": "3ms"}]},
     r"latency\.pairs\[1\]\.between: the pair eu-b~eu-a is already given at pairs\[0\]"),
    ({"pairs": [{"between": ["eu-a", "eu-b"], "rtt": "fast"}]}, r"latency\.pairs\[0\]\.rtt"),
    ({"within": "1ms", "wihtin": "2ms"}, r"latency\.wihtin"),
])
def test_bad_latency_is_reported_with_file_line_and_field(tmp_path, latency, message):
    import yaml

    text = ("name: bad\ndomains: {eu: {contains: {eu-a: {}, eu-b: {}}}}\ncomponents: {db: {in: eu-a}}\n"
            "services:\n  s: {replicas: [db]}\n" + yaml.safe_dump({"latency": latency}, default_flow_style=False))
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(relsim.ModelError, match=message) as info:
        relsim.load(path)
    assert all(p.line is not None and p.line >= 6 for p in info.value.problems)


@pytest.mark.parametrize(("target", "us_rtt"), [("lb", 0.080), ("web", 0.001)])
def test_clients_round_trip_is_added_to_the_request_latency(target, us_rtt):
    # 80 % of the clients are near eu-a, 20 % near us-a; the balancer is in eu-a, the service
    # has a replica in each region (the nearest answers): fixed 10 ms service latency
    spec = {
        "name": "clients", "horizon": "1d",
        "domains": {"eu": {"contains": {"eu-a": {}}}, "us": {"contains": {"us-a": {}}}},
        "components": {"web-eu": {"in": "eu-a"}, "web-us": {"in": "us-a"}},
        "services": {"web": {"replicas": ["web-eu", "web-us"]}},
        "load_balancers": {"lb": {"service": "web", "in": "eu-a"}},
        "latency": {"within": "1ms", "pairs": [{"between": ["eu", "us"], "rtt": "80ms"}]},
        "workload": {"rate": "10/s", "target": target, "latency": "fixed(10ms)",
                     "populations": {"eu": {"share": 0.8, "near": "eu-a"}, "us": {"share": 0.2, "near": "us-a"}}},
    }
    req = relsim.simulate(relsim.load(spec), 0, 0).requests
    assert req["latency_p50"] == pytest.approx(0.011)
    assert req["latency_p99"] == pytest.approx(0.010 + us_rtt)
