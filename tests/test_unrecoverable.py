"""Data lost for good: the service is down for ``rebuild`` (docs/data.md).

When corruption leaves no good copy, or a disaster every copy, and no usable
backup is left, everything written since the data set started is lost and
the service is down while it starts again empty: an outage with
``cause_kind: data-loss`` (corruption) or the disaster's cause, lasting the
``rebuild`` draw, charged with the lost writes. Exact timelines with
``fixed(...)`` distributions.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.engine import OUTAGE_FIELDS
from relsim.metrics import replication_metrics

H = 3600.0


def corrupting(horizon: str = "250h", **data: Any) -> relsim.Model:
    """One database corrupted every 100 h, scrubbed every 10 h, no good copy left."""
    return relsim.load({
        "name": "lost", "horizon": horizon, "components": {"db": {}},
        "services": {"app-db": {"replicas": ["db"], "mode": "active-passive", "data": {
            "writes": "10/s", "corruption": {"every": "fixed(100h)", "scrub": "10h"}, **data}}}})


def outages(res: relsim.RunResult) -> list[dict[str, Any]]:
    return [dict(zip(OUTAGE_FIELDS, row)) for row in res.outages]


def test_corruption_without_backup_is_an_outage_of_the_rebuild_time() -> None:
    """Corrupted at 100 h, found by the 110 h scrub, rebuilt empty by 111 h (default 1 h);
    again at 200 h, found at 210 h, losing the writes of 111 h .. 200 h."""
    res = relsim.simulate(corrupting(), seed=0, replication=0, trace=True)
    outs = outages(res)
    assert [(o["start_s"] / H, o["end_s"] / H) for o in outs] == [(110, 111), (210, 211)]
    assert {(o["cause_element"], o["cause_spec"], o["cause_kind"]) for o in outs} == {("app-db", -1, "data-loss")}
    assert [o["rpo_s"] / H for o in outs] == pytest.approx([100, 89])
    # the lost writes are Poisson(10/s x window): within 5 sd of the mean
    for o, window in zip(outs, (100 * H, 89 * H)):
        assert abs(o["writes_lost"] - 10 * window) < 5 * (10 * window) ** 0.5
    assert res.unrecoverable == 2 and res.writes_lost == sum(o["writes_lost"] for o in outs)
    row = replication_metrics(res)
    assert row["availability"] == pytest.approx(1 - 2 / 250)
    assert res.trace is not None
    assert [e["event"] for e in res.trace if e["event"] in ("rebuild_started", "rebuilt")] == [
        "rebuild_started", "rebuilt"] * 2


def test_rebuild_time_is_a_model_key() -> None:
    res = relsim.simulate(corrupting(rebuild="fixed(5h)"), seed=0, replication=0)
    assert [(o["start_s"] / H, o["end_s"] / H) for o in outages(res)] == [(110, 115), (210, 215)]


def test_a_backup_taken_before_the_corruption_restores_instead() -> None:
    """Daily backups from 0 h: the 96 h one predates the 100 h corruption; restore 2 h."""
    m = corrupting(horizon="150h", backups=[{"every": "24h"}], restore={"time": "fixed(2h)"})
    res = relsim.simulate(m, seed=0, replication=0)
    (out,) = outages(res)
    assert (out["start_s"] / H, out["end_s"] / H, out["cause_kind"]) == (110, 112, "data-loss")
    assert out["rpo_s"] == pytest.approx(4 * H)  # the corruption started 4 h after the backup
    assert res.restores == 1 and res.unrecoverable == 1


def test_disaster_with_no_usable_backup_rebuilds_after_the_repair() -> None:
    """Region eu, holding the only copy and its backups, is lost at 10 h and repaired at 12 h;
    the database is then rebuilt empty in 3 h: one outage 10 h .. 15 h caused by eu."""
    m = relsim.load({
        "name": "gone", "horizon": "20h",
        "domains": {"eu": {"kind": "region", "failures": [
            {"kind": "permanent", "every": "fixed(10h)", "repair": "fixed(2h)", "destroys": "data"}]}},
        "components": {"db": {"in": "eu"}},
        "services": {"app-db": {"replicas": ["db"], "mode": "active-passive", "data": {
            "writes": "1/s", "backups": [{"every": "4h", "in": "eu"}], "restore": {"time": "fixed(1h)"},
            "rebuild": "fixed(3h)"}}}})
    res = relsim.simulate(m, seed=0, replication=0)
    (out,) = outages(res)
    assert (out["start_s"] / H, out["end_s"] / H) == (10, 15)
    assert (out["cause_element"], out["cause_kind"]) == ("eu", "permanent")
    assert out["rpo_s"] == pytest.approx(10 * H)
    assert res.unrecoverable == 1 and res.restores == 0


def test_rebuild_is_validated() -> None:
    with pytest.raises(relsim.ModelError, match=r"services\.app-db\.data\.rebuild"):
        corrupting(rebuild="banana(3)")
