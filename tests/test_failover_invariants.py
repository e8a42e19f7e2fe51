"""Property tests of failover invariants over random active-passive set-ups."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import relsim
from relsim.engine import OUTAGE_FIELDS

F = {name: i for i, name in enumerate(OUTAGE_FIELDS)}
HORIZON = 6 * 3600.0


@st.composite
def ap_models(draw):
    kinds = draw(st.lists(st.sampled_from(["perm", "trans", "silent", "flap"]), min_size=1, max_size=3))
    failures = []
    for k in kinds:
        if k == "perm":
            failures.append({"kind": "permanent", "every": "exp(mean=2h)", "repair": "exp(mean=20m)"})
        elif k in ("trans", "silent"):
            failures.append({"kind": "transient", "every": "exp(mean=1h)", "lasts": "exp(mean=2m)",
                             "silent": k == "silent"})
        else:
            failures.append({"kind": "intermittent", "every": "exp(mean=3h)", "lasts": "fixed(10m)",
                             "down": "exp(mean=20s)", "up": "exp(mean=1m)"})
    service: dict = {"replicas": ["p", "b", "c"][: draw(st.integers(2, 3))], "mode": "active-passive",
                     "standby": draw(st.sampled_from(["hot", "warm", "cold"])), "startup": "exp(mean=30s)",
                     "failover": {"time": "exp(mean=20s)", "success": draw(st.sampled_from(["100%", "80%"])),
                                  "hold": draw(st.sampled_from(["0s", "5s"])),
                                  "min_interval": draw(st.sampled_from(["0s", "2m"])),
                                  "readmit_after": draw(st.sampled_from(["0s", "1m"])),
                                  "fallback": draw(st.sampled_from(["repair", "manual"])),
                                  "manual": "exp(mean=5m)",
                                  "failback": draw(st.sampled_from(["none", "auto"]))}}
    if draw(st.booleans()):
        hb = draw(st.booleans())
        det = ({"heartbeat": {"period": "1s", "misses": 3, "loss": draw(st.sampled_from(["0%", "20%"]))}}
               if hb else {"health_check": {"interval": "5s", "unhealthy": 2, "loss": "5%",
                                            "deep": draw(st.booleans())}})
        det["method"] = draw(st.sampled_from(["sampled", "beats"]))
        det["controller"] = "zb"
        service["detection"] = det
    fenced = draw(st.booleans())
    if fenced:
        service["fencing"] = {"lease": "5s"}
    raw = {
        "name": "ap", "horizon": "6h",
        "domains": {"za": {"kind": "zone"}, "zb": {"kind": "zone"}},
        "links": {"ab": {"between": ["za", "zb"], "failures": [
            {"kind": "transient", "every": "exp(mean=2h)", "lasts": "exp(mean=3m)"}]}},
        "components": {"p": {"in": "za", "failures": failures}, "b": {"in": "zb", "failures": failures},
                       "c": {"in": "zb", "failures": failures}},
        "services": {"s": service},
        "probe": {"interval": "30s"},
    }
    return relsim.load(raw), fenced


def check_tallies_against_trace(res: relsim.RunResult) -> None:
    """Failover counts and split-brain time recounted exactly from the trace's events.

    A failover is a promotion by failover (manual recovery included; a
    restore or a failback is not); a failed failover is a promotion that
    failed or a decision that found no candidate; split-brain time is the
    summed spans from each ``split_brain`` to its ``split_brain_end`` (the
    horizon for one still open).
    """
    trace = res.trace or []
    promoted = [e for e in trace if e["event"] == "promoted"]
    assert res.failovers == sum(1 for e in promoted if e["via"] == "failover")
    no_candidate = sum(1 for e in trace if e["event"] == "failover_decision" and e.get("outcome") == "no candidate")
    assert res.failed_failovers == no_candidate + sum(1 for e in trace if e["event"] == "failover_failed")
    starts = [e["t"] for e in trace if e["event"] == "split_brain"]
    ends = [e["t"] for e in trace if e["event"] == "split_brain_end"]
    assert res.split_brains == len(starts) and len(starts) - 1 <= len(ends) <= len(starts)
    spans = sum(b - a for a, b in zip(starts, [*ends, HORIZON]))
    assert res.split_brain_time == pytest.approx(spans, abs=1e-6)
    # a promotion names a replica that is not already the primary (after
    # waiting for a restore there is none, and the old one may come back)
    primary: str | None = "p"
    for e in trace:
        if e["event"] == "promoted":
            assert e["primary"] != primary
            primary = e["primary"]
        elif e["event"] == "waiting_for_restore" or (
                e["event"] == "failover_decision" and e.get("outcome", "").endswith("wait for a restore")):
            primary = None


@settings(max_examples=40, deadline=None)
@given(ap_models(), st.integers(0, 2**16))
def test_failover_invariants(case, seed):
    model, fenced = case
    res = relsim.simulate(model, seed=seed, replication=0, trace=True)
    check_tallies_against_trace(res)
    assert 0.0 <= res.downtime <= HORIZON + 1e-6
    assert 0.0 <= res.split_brain_time <= HORIZON + 1e-6
    if fenced:
        assert res.split_brains == 0
    assert res.false_failovers <= res.failovers
    assert res.split_brains <= res.false_failovers
    last_end = 0.0
    for o in res.outages:
        phases = o[F["detection_s"]] + o[F["decision_s"]] + o[F["failover_s"]] + o[F["restore_s"]]
        assert math.isclose(phases, o[F["duration_s"]], rel_tol=1e-9, abs_tol=1e-6)
        assert o[F["start_s"]] >= last_end - 1e-9
        last_end = o[F["end_s"]]
        d = o[F["detected_s"]]
        assert math.isnan(d) or 0.0 <= d <= o[F["duration_s"]] + 1e-9
    for delay in res.detection_delays:
        assert delay >= 0.0
