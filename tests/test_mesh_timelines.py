"""Mesh timelines worked out by hand (relsim.engine.mesh).

Fault injections: the trace of each injection, its time counted across
injections and up to the horizon, several faults summed, the clients'
timeout compared with a delay, a model without a workload. Routes: the
backends serving counted as they fail and return, a route behind a fault
injection, a daily profile. Every time is ``fixed(...)``, so each count is
stated exactly.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.engine.mesh import failed_share

HOUR = 3600.0


def model(faults: dict[str, dict[str, Any]], horizon: str = "3h", workload: dict[str, Any] | None = None,
          **extra: Any) -> relsim.Model:
    spec: dict[str, Any] = {
        "name": "mesh", "horizon": horizon,
        "components": {"web": {"count": 2}},
        "services": {"web": {"replicas": ["web"]}},
        "load_balancers": {"lb": {"service": "web"}},
        "mesh": {"faults": {name: {"service": "web", **f} for name, f in faults.items()}},
    }
    if workload is not None:
        spec["workload"] = {"rate": "10/s", "target": "lb", **workload}
    spec.update(extra)
    return relsim.load(spec)


def faults(res: Any) -> list[dict[str, Any]]:
    return [e for e in res.trace if e["event"].startswith("fault_")]


def test_the_trace_of_an_injection_and_one_running_to_the_horizon():
    res = relsim.simulate(model({"chaos": {"abort": 0.5, "at": "1h", "lasts": "10m"}}, workload={}), 0, 0,
                          trace=True)
    assert faults(res) == [
        {"t": HOUR, "event": "fault_injected", "fault": "chaos", "service": "web", "failed": 0.5, "lasts": 600.0},
        {"t": HOUR + 600, "event": "fault_removed", "fault": "chaos", "service": "web"},
    ]
    # without `lasts` it runs to the horizon (2 h left), counted up to it
    res = relsim.simulate(model({"chaos": {"abort": 0.5, "at": "1h"}}, workload={}), 0, 0, trace=True)
    assert faults(res) == [
        {"t": HOUR, "event": "fault_injected", "fault": "chaos", "service": "web", "failed": 0.5, "lasts": 2 * HOUR},
    ]
    assert res.app == {"mesh_injections": 1.0, "mesh_fault_time": 2 * HOUR}
    assert res.requests["failed"] == pytest.approx(10 * 2 * HOUR * 0.5)
    (out,) = res.outages
    assert (out.start_s, out.end_s, out.censored) == (HOUR, 3 * HOUR, True)


def test_fault_time_adds_up_over_injections_and_the_one_open_at_the_horizon():
    chaos = {"chaos": {"abort": 0.5, "every": "fixed(1h)", "lasts": "40m"}}
    # 1:00-1:40 and 2:00-2:40, both over before 3 h
    assert relsim.simulate(model(chaos, workload={}), 0, 0).app == {"mesh_injections": 2.0,
                                                                    "mesh_fault_time": 2 * 2400.0}
    # 1:00-1:40 over, 2:00- still running at the 2 h 30 m horizon: 40 + 30 minutes
    assert relsim.simulate(model(chaos, "150m", workload={}), 0, 0).app == {"mesh_injections": 2.0,
                                                                           "mesh_fault_time": 2400.0 + 1800.0}
    # an injection due after the horizon never runs
    assert relsim.simulate(model({"chaos": {"abort": 0.5, "at": "5h", "lasts": "10m"}}, workload={}),
                           0, 0).app == {"mesh_injections": 0.0, "mesh_fault_time": 0.0}


def test_two_faults_add_their_injections_and_time():
    res = relsim.simulate(model({"a": {"abort": 0.5, "at": "1h", "lasts": "10m"},
                                 "b": {"abort": 0.2, "at": "2h", "lasts": "5m"}}, workload={}), 0, 0)
    assert res.app == {"mesh_injections": 2.0, "mesh_fault_time": 900.0}
    assert res.requests["failed"] == pytest.approx(10 * (600 * 0.5 + 300 * 0.2))


def test_a_delay_exactly_at_the_clients_timeout_fails():
    assert failed_share(0.2, 0.5, 1.0, 1.0) == pytest.approx(0.6)
    assert failed_share(0.2, 0.5, 0.999, 1.0) == pytest.approx(0.2)
    res = relsim.simulate(model({"chaos": {"abort": 0.2, "delay": {"share": 0.5, "by": "1s"}, "at": "1h",
                                           "lasts": "10m"}}, workload={"clients": {"timeout": "1s"}}), 0, 0)
    assert res.requests["failed"] == pytest.approx(10 * 600 * 0.6)


def test_without_a_delay_a_zero_timeout_fails_the_aborted_share_only():
    res = relsim.simulate(model({"chaos": {"abort": 0.5, "at": "1h", "lasts": "10m"}},
                                workload={"clients": {"timeout": "0s"}}), 0, 0, trace=True)
    assert faults(res)[0]["failed"] == 0.5
    assert res.requests["failed"] == pytest.approx(10 * 600 * 0.5)


def test_a_fault_in_a_model_without_a_workload_takes_the_service_down():
    res = relsim.simulate(model({"chaos": {"abort": 1.0, "at": "1h", "lasts": "10m"}}, load_balancers={}), 0, 0,
                          trace=True)
    assert res.app == {"mesh_injections": 1.0, "mesh_fault_time": 600.0}
    assert faults(res)[0]["failed"] == 1.0
    (out,) = res.outages
    assert (out.start_s, out.end_s, out.cause_element, out.cause_kind) == (HOUR, HOUR + 600, "chaos",
                                                                          "fault-injection")


def test_a_fault_beside_a_dns_name_reaches_the_load_balancer_only():
    spec = model({"chaos": {"abort": 0.5, "at": "1h", "lasts": "10m"}}, workload={"target": "www"},
                  dns={"names": {"www": {"records": ["lb"]}}})
    res = relsim.simulate(spec, 0, 0)
    assert res.requests["failed"] == pytest.approx(10 * 600 * 0.5)


def routes(route: dict[str, Any], horizon: str = "3h", **extra: Any) -> dict[str, Any]:
    # w1 down 1:00-1:10 and 2:00-2:10, w2 down 1:02-1:12 and 2:04-2:14: none serves
    # 1:02-1:10 and 2:04-2:10 (480 s + 360 s)
    spec: dict[str, Any] = {
        "name": "routes", "horizon": horizon,
        "components": {"w1": {"failures": [{"kind": "transient", "every": "fixed(1h)", "lasts": "fixed(10m)"}]},
                       "w2": {"failures": [{"kind": "transient", "every": "fixed(62m)", "lasts": "fixed(10m)"}]}},
        "services": {"web": {"replicas": ["w1", "w2"]}},
        "load_balancers": {"lb": {"service": "web"}},
        "workload": {"rate": "10/s", "target": "lb"},
        "mesh": {"routes": {"r": {"share": 0.1, "load_balancer": "lb", **route}}},
    }
    spec.update(extra)
    return spec


def test_a_healthy_route_fails_only_while_no_backend_serves():
    app = relsim.simulate(relsim.load(routes({})), 0, 0).app
    assert app["route:r:offered"] == pytest.approx(0.1 * 10 * 3 * HOUR)
    assert app["route:r:failed"] == pytest.approx(0.1 * 10 * (480 + 360))
    assert app["routed_offered"] == pytest.approx(0.1 * 10 * 3 * HOUR)
    assert app["routed_served"] == pytest.approx(0.1 * 10 * (3 * HOUR - 480 - 360))
    # a subset [w1]: fails whenever w1 is down
    app = relsim.simulate(relsim.load(routes({"to": ["w1"]})), 0, 0).app
    assert app["route:r:failed"] == pytest.approx(0.1 * 10 * 2 * 600)


def test_a_route_fails_the_share_a_fault_injection_aborts():
    # no backend fails (w1 and w2 without failures); a 50 % abort 1:00-1:10 on web
    spec = routes({}, components={"w1": {}, "w2": {}},
                  mesh={"routes": {"r": {"share": 0.1, "load_balancer": "lb"}},
                        "faults": {"chaos": {"service": "web", "abort": 0.5, "at": "1h", "lasts": "10m"}}})
    app = relsim.simulate(relsim.load(spec), 0, 0).app
    assert app["route:r:failed"] == pytest.approx(0.1 * 10 * 600 * 0.5)
    spec["mesh"]["routes"]["r"]["attempts"] = 2
    app = relsim.simulate(relsim.load(spec), 0, 0).app
    assert app["route:r:failed"] == pytest.approx(0.1 * 10 * 600 * 0.25)


def test_a_route_follows_the_daily_profile():
    # 1/s before noon, 3/s after (rate 2/s, profile mean 2); the balancer is down 13:00-13:10
    spec = routes({}, horizon="14h", components={"w1": {}, "w2": {}},
                  load_balancers={"lb": {"service": "web", "failures": [
                      {"kind": "transient", "every": "fixed(13h)", "lasts": "fixed(10m)"}]}},
                  workload={"rate": "2/s", "target": "lb", "profile": [1.0] * 12 + [3.0] * 12})
    app = relsim.simulate(relsim.load(spec), 0, 0).app
    assert app["route:r:offered"] == pytest.approx(0.1 * (12 * HOUR * 1 + 2 * HOUR * 3))
    assert app["route:r:failed"] == pytest.approx(0.1 * 3 * 600)


def test_a_route_to_no_backend_is_refused():
    # it used to serve every routed request up to the first backend event and fail them all after
    spec = routes({"to": []})
    with pytest.raises(relsim.ModelError, match=r"mesh\.routes\.r\.to: lists no backend"):
        relsim.load(spec)
