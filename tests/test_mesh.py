"""Mesh fault injection (docs/application.md §5): exact timelines and a Poisson schedule.

An injection fails share ``f`` of the attempts reaching its service while it
runs, so with ``m`` client attempts it fails ``λ · lasts · f^m`` requests;
the tests state those counts by hand, check the circuit breaker reacting,
and compare a random schedule with its expected count within 4 standard
errors.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

import relsim
from relsim.engine.mesh import failed_share

HOUR = 3600.0


def model(fault: dict[str, Any], horizon: str = "3h", **workload: Any) -> relsim.Model:
    return relsim.load({
        "name": "mesh", "horizon": horizon,
        "components": {"web": {"count": 2}},
        "services": {"web": {"replicas": ["web"]}},
        "load_balancers": {"lb": {"service": "web"}},
        "workload": {"rate": "10/s", "target": "lb", **workload},
        "mesh": {"faults": {"chaos": {"service": "web", **fault}}},
    })


def test_abort_fails_its_share_of_requests_while_it_runs():
    res = relsim.simulate(model({"abort": 0.5, "at": "1h", "lasts": "10m"}), 0, 0, trace=True)
    assert res.requests["failed"] == pytest.approx(10 * 600 * 0.5)
    assert res.app == {"mesh_injections": 1.0, "mesh_fault_time": 600.0}
    (out,) = res.outages
    assert (out.start_s, out.end_s, out.cause_element, out.cause_kind) == (HOUR, HOUR + 600, "chaos",
                                                                          "fault-injection")
    assert [e["event"] for e in res.trace if e["event"].startswith("fault_")] == ["fault_injected", "fault_removed"]


def test_client_retries_hide_injected_aborts():
    res = relsim.simulate(model({"abort": 0.5, "at": "1h", "lasts": "10m"}, clients={"retry": {"attempts": 3}}),
                          0, 0)
    assert res.requests["failed"] == pytest.approx(10 * 600 * 0.5 ** 3)
    assert res.requests["attempts"] == pytest.approx(10 * 3 * HOUR + 10 * 600 * (0.5 + 0.25))


@pytest.mark.parametrize(("by", "failed"), [("3s", 0.2 + 0.8 * 0.5), ("500ms", 0.2)])
def test_a_delay_fails_only_when_it_reaches_the_clients_timeout(by, failed):
    assert failed_share(0.2, 0.5, 3.0, 1.0) == pytest.approx(0.6)
    res = relsim.simulate(model({"abort": 0.2, "delay": {"share": 0.5, "by": by}, "at": "1h", "lasts": "10m"},
                                clients={"timeout": "1s"}), 0, 0)
    assert res.requests["failed"] == pytest.approx(10 * 600 * failed)


def test_the_circuit_breaker_opens_on_injected_errors():
    # 30 % aborted > 20 % threshold: the breaker opens at the first window end after 1 h and,
    # with the injection still running, its probe fails (p = 0.7 per probe, 3 probes: drawn)
    res = relsim.simulate(model({"abort": 0.3, "at": "1h", "lasts": "10m"},
                                clients={"circuit_breaker": {"threshold": 0.2, "window": "10s", "open": "30s",
                                                             "probes": 3}}), 0, 0)
    assert res.requests["breaker_opens"] >= 1
    assert res.requests["failed"] > 10 * 600 * 0.3  # open: every request fails at once


def test_injections_on_a_random_schedule():
    # starts every exp(mean = 1 d): a Poisson process, N ~ Poisson(60) in 60 d (an injection
    # still running when the next start is due delays that start by under 1 h, it does not
    # drop it); each of them fails 2/s x 1 h x 40 % of the requests
    spec = {
        "name": "poisson", "horizon": "60d",
        "components": {"web": {"count": 2}},
        "services": {"web": {"replicas": ["web"]}},
        "workload": {"rate": "2/s", "target": "web"},
        "mesh": {"faults": {"chaos": {"service": "web", "abort": 0.4, "every": "exp(mean=1d)",
                                      "lasts": "1h"}}},
    }
    runs = relsim.run(relsim.load(spec), runs=100, seed=4).runs
    count = runs["faults_injected_per_year"] * 60 / 365
    failed = runs["requests_failed_per_year"] * 60 / 365
    se = count.std(ddof=1) / math.sqrt(len(count))
    assert abs(count.mean() - 60.0) < 4 * se
    # only the last injection of a replication may be cut short by the horizon
    assert (failed / count).mean() == pytest.approx(2 * 3600 * 0.4, rel=5e-3)
    assert (failed <= count * 2 * 3600 * 0.4 + 1e-6).all()


def test_header_routes_to_healthy_backends_or_a_subset():
    # w1 is down 1:00-1:10 and 2:10-2:20; the balancer keeps it in rotation for its health-check
    # delay, so plain requests fail meanwhile; routed ones go to serving backends (none fail) or
    # to the subset [w1, web-1] (half fail while w1 is down)
    spec = {
        "name": "routes", "horizon": "3h",
        "components": {"web": {"count": 4},
                       "w1": {"failures": [{"kind": "transient", "every": "fixed(1h)", "lasts": "fixed(10m)"}]}},
        "services": {"web": {"replicas": ["w1", "web"]}},
        "load_balancers": {"lb": {"service": "web", "failures": [
            {"kind": "transient", "every": "fixed(170m)", "lasts": "fixed(1m)"}]}},
        "workload": {"rate": "10/s", "target": "lb"},
        "mesh": {"routes": {"diag": {"share": 0.1, "load_balancer": "lb"},
                            "canary": {"share": 0.1, "load_balancer": "lb", "to": ["w1", "web-1"]}}},
    }
    res = relsim.simulate(relsim.load(spec), 0, 0)
    app = res.app
    assert res.requests["failed"] > 10 * 60  # the balancer's own minute, plus the health-check delays
    assert app["route:diag:failed"] == pytest.approx(1.0 * 60)  # only while the balancer is down
    assert app["route:canary:failed"] == pytest.approx(1.0 * 60 + 2 * 600 * 0.5)
    row = relsim.run(relsim.load(spec), runs=1).runs.iloc[0]
    assert row["routed_success"] == pytest.approx(1 - (60 + 60 + 600) / (2 * 3 * HOUR))
    # three sidecar tries to the canary pair: a request fails only if all three reach w1
    spec["mesh"]["routes"]["canary"]["attempts"] = 3
    app = relsim.simulate(relsim.load(spec), 0, 0).app
    assert app["route:canary:failed"] == pytest.approx(1.0 * 60 + 2 * 600 * 0.5 ** 3)


@pytest.mark.parametrize(("fault", "message"), [
    ({"service": "wbe", "abort": 0.1, "at": "1h"}, r"mesh\.faults\.f\.service: unknown service 'wbe'"),
    ({"service": "web", "at": "1h"}, r"mesh\.faults\.f: a fault injects nothing"),
    ({"service": "web", "abort": 0.1}, r"mesh\.faults\.f: .*say when with exactly one of at, every or cron"),
    ({"service": "web", "abort": 2, "at": "1h"}, r"mesh\.faults\.f\.abort"),
    ({"service": "web", "delay": {"share": 0.1}, "at": "1h"}, r"mesh\.faults\.f\.delay\.by"),
])
def test_bad_faults_are_reported_with_file_line_and_field(tmp_path, fault, message):
    import yaml

    text = ("name: bad\ncomponents: {w: {}}\nservices:\n  web: {replicas: [w]}\n"
            + yaml.safe_dump({"mesh": {"faults": {"f": fault}}}, default_flow_style=False))
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(relsim.ModelError, match=message) as info:
        relsim.load(path)
    assert all(p.line is not None and p.line >= 5 for p in info.value.problems)


@pytest.mark.parametrize(("route", "message"), [
    ({"share": 0.1, "load_balancer": "bl"}, r"mesh\.routes\.r\.load_balancer: unknown load balancer 'bl'"),
    ({"share": 0.1, "load_balancer": "lb", "to": ["w-9"]}, r"mesh\.routes\.r\.to\[0\]: 'w-9' is not a backend"),
    ({"share": 2, "load_balancer": "lb"}, r"mesh\.routes\.r\.share"),
])
def test_bad_routes_are_reported_with_file_line_and_field(tmp_path, route, message):
    import yaml

    text = ("name: bad\ncomponents: {w: {count: 2}}\nservices:\n  web: {replicas: [w]}\n"
            "load_balancers: {lb: {service: web}}\nworkload: {rate: 1/s, target: lb}\n"
            + yaml.safe_dump({"mesh": {"routes": {"r": route}}}, default_flow_style=False))
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(relsim.ModelError, match=message) as info:
        relsim.load(path)
    assert all(p.line is not None and p.line >= 7 for p in info.value.problems)


def test_the_run_estimate_counts_injections():
    from relsim.model.estimate import events_per_replication

    base = model({"abort": 0.5, "at": "1h", "lasts": "10m"}, horizon="1y")
    fast = model({"abort": 0.5, "every": "fixed(1s)", "lasts": "100ms"}, horizon="1y")
    cron = model({"abort": 0.5, "cron": "* * * * *", "lasts": "10s"}, horizon="1y")
    assert events_per_replication(fast) - events_per_replication(base) > 1e8  # 3e7 injections
    assert events_per_replication(cron) - events_per_replication(base) == pytest.approx(6 * 525600, rel=0.01)
