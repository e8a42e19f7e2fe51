"""Property tests: invariants every replication of every model must satisfy.

Hypothesis draws small random models (1-4 components with random failure
kinds and exp / uniform / fixed durations scaled to give several failures
per horizon, a random service mode, optional zones in a region, an optional
dependency, optional repair crews) and checks, per replication:

* metrics in range: 0 <= availability <= served_fraction <= 1, downtime <= horizon;
* outage records: sorted, disjoint, inside [0, horizon], of positive length,
  durations summing to the downtime, phases (detection, decision, failover,
  restore) summing to each duration, only the last one censored (and then
  ending at the horizon);
* bookkeeping against the trace: the entry service's s(t) steps in the trace
  integrate to the served fraction, its "not up" intervals are the outages,
  and for active-active and quorum services s(t) equals the mode's formula
  re-evaluated from scratch from the elements' states in the trace;
* reproducibility: the same seed gives the same replication; the worker
  count does not change results; adding an unrelated component leaves the
  other elements' failure times unchanged (common random numbers).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import relsim
from relsim.engine import OUTAGE_FIELDS

HORIZON_H = 2000.0
#: Outage phase fields; their sum is the outage duration.
PHASES = tuple(f for f in ("detection_s", "decision_s", "failover_s", "restore_s") if f in OUTAGE_FIELDS)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------
# Random models


@st.composite
def dists(draw: st.DrawFn, lo: float, hi: float) -> str:
    """A distribution with a mean between lo and hi hours."""
    kind = draw(st.sampled_from(["exp", "uniform", "fixed"]))
    if kind == "fixed":  # whole hours: simultaneous events happen, on purpose
        return f"fixed({draw(st.integers(int(max(lo, 1)), int(hi)))}h)"
    mean = draw(st.floats(lo, hi))
    if kind == "exp":
        return f"exp(mean={mean:.4f}h)"
    return f"uniform({mean * 0.5:.4f}h, {mean * 1.5:.4f}h)"


@st.composite
def failure_specs(draw: st.DrawFn, allow_permanent: bool = True) -> dict[str, Any]:
    kinds = ["permanent", "transient", "intermittent"] if allow_permanent else ["transient", "intermittent"]
    kind = draw(st.sampled_from(kinds))
    spec: dict[str, Any] = {"kind": kind, "every": draw(dists(40, 400))}
    if kind == "permanent":
        spec["repair"] = draw(dists(1, 40))
        if draw(st.booleans()):
            spec["detect"] = draw(dists(0.1, 5))
    elif kind == "transient":
        spec["lasts"] = draw(dists(0.1, 20))
    else:
        spec["lasts"] = draw(dists(2, 30))
        spec["down"] = draw(dists(0.1, 3))
        spec["up"] = draw(dists(0.1, 3))
    return spec


@st.composite
def models(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 4))
    names = [f"c{i}" for i in range(1, n + 1)]
    spec: dict[str, Any] = {"name": "random", "horizon": f"{HORIZON_H:g}h"}

    zones: list[str] = []
    if draw(st.booleans()):
        zones = ["za", "zb"][: draw(st.integers(1, 2))]
        contains = {z: {"kind": "zone", "failures": draw(st.lists(failure_specs(), max_size=1))}
                    for z in zones}
        spec["domains"] = {"r": {"kind": "region", "failures": draw(st.lists(failure_specs(), max_size=1)),
                                 "contains": contains}}

    def component() -> dict[str, Any]:
        body: dict[str, Any] = {"failures": draw(st.lists(failure_specs(), min_size=1, max_size=2))}
        if zones and draw(st.booleans()):
            body["in"] = draw(st.sampled_from(zones))
        return body

    spec["components"] = {name: component() for name in names}
    mode = draw(st.sampled_from(["active-active", "quorum", "active-passive"]))
    service: dict[str, Any] = {"replicas": names, "mode": mode}
    if mode == "active-active":
        service["needs"] = draw(st.integers(1, n))
    elif mode == "quorum" and draw(st.booleans()):
        service["needs"] = draw(st.integers(1, n))
    elif mode == "active-passive":
        service["standby"] = draw(st.sampled_from(["hot", "warm", "cold"]))
        if service["standby"] != "hot":
            service["startup"] = draw(dists(0.01, 1))
        service["failover"] = {"time": draw(dists(0.01, 2)),
                               "success": draw(st.sampled_from(["100%", "90%", "50%", "0%"]))}
    if draw(st.booleans()):
        spec["components"]["dep"] = component()
        service["depends_on"] = ["dep"]
    spec["services"] = {"s": service}
    if draw(st.booleans()):
        spec["repair_crews"] = draw(st.integers(1, 2))
    return spec


# --------------------------------------------------------------------------
# Checks


def check_outages(res: relsim.RunResult) -> None:
    h = res.horizon
    eps = 1e-9 * h
    outs = [dict(zip(OUTAGE_FIELDS, o)) for o in res.outages]
    prev_end = 0.0
    for i, o in enumerate(outs):
        assert -eps <= o["start_s"] <= o["end_s"] <= h + eps
        assert o["start_s"] >= prev_end - eps, "outages overlap or are out of order"
        assert o["duration_s"] == pytest.approx(o["end_s"] - o["start_s"], abs=eps)
        assert o["duration_s"] > 0.0 or o["censored"], "an outage must last some time"
        assert sum(o[p] for p in PHASES) == pytest.approx(o["duration_s"], abs=eps)
        assert min(o[p] for p in PHASES) >= -eps
        assert o["cause_kind"] in ("permanent", "transient", "intermittent")
        if o["censored"]:
            assert i == len(outs) - 1, "only the last outage may be censored"
            assert o["end_s"] == h
        prev_end = o["end_s"]
    assert sum(o["duration_s"] for o in outs) == pytest.approx(res.downtime, abs=eps)


def check_metrics(res: relsim.RunResult) -> None:
    from relsim.metrics import replication_metrics

    row = replication_metrics(res)
    tol = 1e-12
    assert -tol <= row["availability"] <= 1 + tol
    assert -tol <= row["served_fraction"] <= 1 + tol
    assert row["served_fraction"] >= row["availability"] - tol
    assert 0.0 <= res.downtime <= res.horizon * (1 + tol)


def entry_steps(res: relsim.RunResult, entry: str) -> list[tuple[float, float]]:
    """s(t) of the entry service as ``(t, s)`` steps, the last value at each instant."""
    assert res.trace is not None
    steps: list[tuple[float, float]] = [(0.0, 1.0)]
    for e in res.trace:
        if e["event"] == "service" and e["service"] == entry:
            if steps[-1][0] == e["t"]:
                steps[-1] = (e["t"], e["s"])
            else:
                steps.append((e["t"], e["s"]))
    return steps


def check_against_trace(res: relsim.RunResult, entry: str) -> None:
    """The served integral, downtime and outage spans follow from the s(t) steps in the trace."""
    steps = entry_steps(res, entry)
    h = res.horizon
    integral = down = 0.0
    spans: list[list[float]] = []
    for (t0, s), (t1, _) in zip(steps, [*steps[1:], (h, None)]):
        integral += s * (t1 - t0)
        if s < 1.0:
            down += t1 - t0
            if t1 > t0:
                if spans and spans[-1][1] == t0:
                    spans[-1][1] = t1
                else:
                    spans.append([t0, t1])
    assert res.served_integral == pytest.approx(integral, rel=1e-9, abs=1e-6)
    assert res.downtime == pytest.approx(down, rel=1e-9, abs=1e-6)
    recorded = [[o[0], o[1]] for o in res.outages if o[1] > o[0]]
    merged: list[list[float]] = []
    for a, b in recorded:  # back-to-back records of one instant are one "not up" interval
        if merged and merged[-1][1] == a:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    assert len(merged) == len(spans)
    assert [t for span in merged for t in span] == pytest.approx([t for span in spans for t in span])


def check_service_formula(res: relsim.RunResult, spec: dict[str, Any]) -> None:
    """Re-evaluate s from scratch from the element states in the trace.

    Active-active and quorum: from the count of effectively-up replicas.
    Active-passive (docs/model-format.md §14.5): the service is up exactly
    when its current primary is effectively up; the primary is the first
    replica until a ``promoted`` event names another, and none while the
    service waits for a restore. A failover in progress therefore keeps it
    down until the promotion (its old primary is down: detection here is
    instantaneous), and a standby coming up does not bring it back by itself.
    """
    service = spec["services"]["s"]
    mode, replicas = service["mode"], service["replicas"]
    primary: str | None = replicas[0]
    parent: dict[str, str | None] = {}
    for region, body in spec.get("domains", {}).items():
        parent[region] = None
        for zone in body.get("contains", {}):
            parent[zone] = region
    for name, body in spec["components"].items():
        parent[name] = body.get("in")
    up = dict.fromkeys(parent, True)

    def effective(name: str | None) -> bool:
        while name is not None:
            if not up[name]:
                return False
            name = parent[name]
        return True

    def formula() -> float:
        u = sum(effective(r) for r in replicas)
        if mode == "active-passive":
            s = 1.0 if primary is not None and effective(primary) else 0.0
        elif mode == "active-active":
            s = min(1.0, u / service.get("needs", 1))
        else:
            s = 1.0 if u >= service.get("needs", len(replicas) // 2 + 1) else 0.0
        return s * all(effective(d) for d in service.get("depends_on", []))

    assert res.trace is not None
    logged = 1.0
    trace = res.trace
    for i, e in enumerate(trace):
        kind = e["event"]
        if kind == "failed":
            up[e["element"]] = False
        elif kind in ("recovered", "repaired", "spell_up"):
            up[e["element"]] = True
        elif kind == "service" and e["service"] == "s":
            logged = e["s"]
        elif kind == "promoted":
            primary = e["primary"]
        elif kind == "waiting_for_restore":
            primary = None
        last_at_instant = i + 1 == len(trace) or trace[i + 1]["t"] != e["t"]
        if last_at_instant:
            assert logged == pytest.approx(formula()), f"s differs from the formula at t={e['t']}"


# --------------------------------------------------------------------------
# Properties


@SETTINGS
@given(spec=models(), seed=st.integers(0, 2**32 - 1), replication=st.integers(0, 1000))
def test_replication_invariants(spec: dict[str, Any], seed: int, replication: int) -> None:
    m = relsim.load(spec)
    res = relsim.simulate(m, seed, replication, trace=True)
    check_metrics(res)
    check_outages(res)
    check_against_trace(res, "s")
    check_service_formula(res, spec)
    assert res.failures == sum(1 for e in res.trace or [] if e["event"] == "failed")


@settings(max_examples=80, deadline=None)
@given(spec=models(), seed=st.integers(0, 2**32 - 1))
def test_same_seed_same_replication(spec: dict[str, Any], seed: int) -> None:
    m = relsim.load(spec)
    a = relsim.simulate(m, seed, 3, trace=True)
    b = relsim.simulate(relsim.load(spec), seed, 3, trace=True)
    assert a.outages == b.outages
    assert (a.downtime, a.served_integral, a.failures) == (b.downtime, b.served_integral, b.failures)
    assert a.trace == b.trace
    c = relsim.simulate(m, seed, 3, trace=False)  # tracing does not change the run
    assert (c.outages, c.downtime, c.served_integral) == (a.outages, a.downtime, a.served_integral)


@settings(max_examples=150, deadline=None)
@given(spec=models(), extra=st.lists(failure_specs(allow_permanent=False), min_size=1, max_size=2),
       permanent_extra=failure_specs(), seed=st.integers(0, 2**32 - 1))
def test_unrelated_component_does_not_change_existing_histories(
    spec: dict[str, Any], extra: list[dict[str, Any]], permanent_extra: dict[str, Any], seed: int
) -> None:
    """Common random numbers: streams are keyed by element name, not position.

    The added component is in no service. It may have a permanent failure
    only with unlimited crews (with limited crews it would rightly compete
    for them).
    """
    if "repair_crews" not in spec:
        extra = [*extra, permanent_extra]
    bigger = {**spec, "components": {"aaa-extra": {"failures": extra}, **spec["components"]}}
    base = relsim.simulate(relsim.load(spec), seed, 0, trace=True)
    more = relsim.simulate(relsim.load(bigger), seed, 0, trace=True)

    def failed(res: relsim.RunResult) -> list[tuple[float, str, int]]:
        return [(e["t"], e["element"], e["spec"]) for e in res.trace or []
                if e["event"] == "failed" and e["element"] != "aaa-extra"]

    assert failed(more) == failed(base)
    assert more.outages == base.outages


def test_results_do_not_depend_on_the_number_of_workers() -> None:
    spec = {
        "name": "workers",
        "horizon": "2000h",
        "repair_crews": 1,
        "domains": {"z": {"failures": [{"kind": "transient", "every": "exp(mean=300h)", "lasts": "exp(mean=2h)"}]}},
        "components": {
            "a": {"in": "z", "failures": [{"kind": "permanent", "every": "exp(mean=100h)", "repair": "exp(mean=10h)"}]},
            "b": {"failures": [{"kind": "intermittent", "every": "weibull(shape=1.5, mean=200h)",
                                "lasts": "fixed(5h)", "down": "exp(mean=20m)", "up": "uniform(10m, 1h)"}]},
        },
        "services": {"s": {"replicas": ["a", "b"], "mode": "active-passive", "standby": "warm",
                           "startup": "fixed(5m)", "failover": {"time": "exp(mean=2m)", "success": "90%"}}},
    }
    one = relsim.run(spec, runs=24, seed=11, jobs=1)
    two = relsim.run(spec, runs=24, seed=11, jobs=2)
    pd.testing.assert_frame_equal(one.runs, two.runs)
    pd.testing.assert_frame_equal(one.outages, two.outages)
    pd.testing.assert_frame_equal(one.summary(), two.summary())
    assert len(one.outages) > 24  # the comparison covers many outages
    # Each replication is its own (seed, i) stream: re-running one alone gives the same row.
    alone = relsim.simulate(relsim.load(spec), 11, 17)
    assert alone.downtime == one.runs.loc[one.runs["replication"] == 17, "downtime_s"].item()
