"""An active-passive service with one replica has nothing to fail over to.

Its outages wait for a repair (or a restore) with no failover, failed or
not, and the failover metrics do not apply to it (docs/model-format.md
§14.4, decision; the metric table of §16).
"""

from __future__ import annotations

import relsim
from relsim.examples import path
from relsim.metric_registry import FEATURES, applicable

ONE = {
    "name": "one",
    "horizon": "10d",
    "components": {"db-1": {"failures": [{"kind": "permanent", "every": "fixed(2d)", "repair": "fixed(1h)"}]}},
    "services": {"db": {"mode": "active-passive", "replicas": ["db-1"]}},
}


def _two() -> dict:
    raw = {**ONE, "components": {**ONE["components"], "db-2": {"failures": []}}}
    raw["services"] = {"db": {"mode": "active-passive", "replicas": ["db-1", "db-2"]}}
    return raw


def test_a_single_replica_has_no_failed_failovers():
    res = relsim.simulate(relsim.load(ONE), seed=1, replication=0, trace=True)
    # db-1 fails at 2 d, 4 d + 1 h, 6 d + 2 h, 8 d + 3 h: four outages of 1 h
    assert res.failures == 4 and len(res.outages) == 4
    assert res.failovers == 0 and res.failed_failovers == 0
    decisions = [e for e in res.trace if e["event"] == "failover_decision"]
    assert [e["outcome"] for e in decisions] == ["no standby"] * 4


def test_a_standby_that_is_down_is_a_failed_failover():
    raw = _two()
    raw["components"]["db-2"] = {"failures": [{"kind": "permanent", "every": "fixed(1d)", "repair": "fixed(3d)"}]}
    res = relsim.simulate(relsim.load(raw), seed=1, replication=0, trace=True)
    # db-2 is down from 1 d to 4 d, so the decision after db-1's failure at 2 d finds no candidate
    first = next(e for e in res.trace if e["event"] == "failover_decision")
    assert first["t"] >= 2 * 86400 and first["outcome"] == "no candidate"
    assert res.failed_failovers >= 1


def test_failover_metrics_apply_from_two_replicas():
    test, wording = FEATURES["failover"]
    assert wording == "an active-passive service with at least two replicas"
    assert not test(relsim.load(ONE)) and test(relsim.load(_two()))
    names = set(applicable(relsim.load(ONE)))
    assert "failed_failovers_per_year" not in names and "failovers_per_year" not in names
    assert "mttd" in names  # the controller still detects the failure
    assert "failed_failovers_per_year" in applicable(relsim.load(_two()))


def test_backup_only_reports_no_failover_metrics():
    model = relsim.load(path("backup-only"))
    assert model.spec.services["app-db"].mode == "active-passive"
    summary = relsim.run(model, runs=3, seed=0).summary()
    assert "failed_failovers_per_year" not in summary.index and "failures_per_year" in summary.index
