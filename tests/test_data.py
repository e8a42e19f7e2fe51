"""Data protection timelines: blocking, degrading, staleness, disasters, backups,
corruption, split brain and multi-primary conflicts (``fixed(...)`` durations)."""

from __future__ import annotations

import math
from typing import Any

import pytest

import relsim
from relsim import ModelError
from relsim.engine import OUTAGE_FIELDS

H = 3600.0


def perm(every: str, repair: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "permanent", "every": f"fixed({every})", "repair": f"fixed({repair})", **kw}


def db(data: dict[str, Any], p: list | None = None, b: list | None = None, horizon: str = "20h",
       **extra: Any) -> relsim.Model:
    raw: dict[str, Any] = {
        "name": "db", "horizon": horizon,
        "components": {"p": {"failures": p or []}, "b": {"failures": b or []}},
        "services": {"db": {"replicas": ["p", "b"], "mode": "active-passive",
                            "failover": {"time": "fixed(1m)"}, "data": {"writes": "100/s", **data}}},
    }
    for key, value in extra.items():
        if key in ("components", "services"):
            for name, body in value.items():
                raw[key].setdefault(name, {}).update(body)
        else:
            raw[key] = value
    return relsim.load(raw)


def run(m: relsim.Model) -> relsim.RunResult:
    return relsim.simulate(m, seed=0, replication=0, trace=True)


def outages(res: relsim.RunResult) -> list[dict[str, Any]]:
    return [dict(zip(OUTAGE_FIELDS, row)) for row in res.outages]


def events(res: relsim.RunResult, *names: str) -> list[dict[str, Any]]:
    return [e for e in res.trace or [] if e["event"] in names]


def test_sync_with_blocking_turns_a_standby_failure_into_an_outage():
    res = run(db({"replication": "sync", "on_sync_unavailable": "block", "rtt": "2ms"},
                 b=[perm("10h", "2h")]))
    (out,) = outages(res)
    assert (out["start_s"], out["end_s"]) == pytest.approx((10 * H, 12 * H))
    assert out["cause_element"] == "b"
    assert [e["event"] for e in events(res, "writes_blocked", "writes_unblocked")] == \
        ["writes_blocked", "writes_unblocked"]
    assert res.write_latency == pytest.approx(0.002)


def test_sync_degrading_to_async_exposes_data_to_a_second_failure():
    res = run(db({"replication": "sync", "lag": "fixed(500ms)"}, p=[perm("11h", "1h")],
                 b=[perm("10h", "2h")]))
    assert events(res, "replication_degraded")[0]["t"] == pytest.approx(10 * H)
    # p crashes at 11 h while b is down: no failover possible; b returns at
    # 12 h and is promoted: it misses every write since it fell behind at
    # 10 h - an hour of data (~360 000 writes at 100/s)
    (out,) = outages(res)
    assert out["rpo_s"] == pytest.approx(3600)
    # writes lost are Poisson(100/s x 3600 s): within 4 SD (sqrt(360 000) = 600)
    assert abs(out["writes_lost"] - 360_000) < 4 * math.sqrt(360_000)
    # the added write latency is 0 while degraded: 2 of 20 h
    assert res.write_latency == pytest.approx(0.0)  # rtt defaults to 0


def test_max_lag_waits_for_the_primary_instead_of_losing_data():
    res = run(db({"lag": "fixed(2s)", "max_lag": "1s"}, p=[perm("10h", "1h")]))
    (decision,) = events(res, "failover_decision")
    assert decision["candidates"]["b"].startswith("too stale")
    (out,) = outages(res)
    assert out["end_s"] == pytest.approx(11 * H)  # p back from repair, nothing lost
    assert out["writes_lost"] == 0 and res.writes_lost == 0


def test_without_max_lag_the_stale_standby_is_promoted():
    res = run(db({"lag": "fixed(2s)"}, p=[perm("10h", "1h")]))
    (out,) = outages(res)
    assert out["duration_s"] == pytest.approx(60)
    assert out["rpo_s"] == pytest.approx(2.0)
    # the writes of the last lag: Poisson(100/s x 2 s), within 4 SD
    assert abs(out["writes_lost"] - 200) < 4 * math.sqrt(200)


def test_wal_loss_when_a_crashed_primary_resumes():
    res = run(db({"wal": {"fsync": "interval", "interval": "10s"}, "lag": "fixed(1s)"},
                 p=[{"kind": "transient", "every": "fixed(10h)", "lasts": "fixed(30s)"}]))
    (out,) = outages(res)
    assert out["duration_s"] == pytest.approx(30)  # back before the 1 min failover
    (loss,) = events(res, "data_loss")
    assert loss["cause"] == "crash" and 0 <= loss["seconds"] <= 10


REGIONS = {"eu": {"kind": "region", "failures": [
    {"kind": "permanent", "every": "fixed(10h)", "repair": "fixed(2h)", "destroys": "data"}]},
    "us": {"kind": "region"}}


def _disaster(backup_in: str, offline: bool = False, destroys: str = "data") -> relsim.RunResult:
    regions = {**REGIONS, "eu": {**REGIONS["eu"], "failures": [{**REGIONS["eu"]["failures"][0],
                                                                 "destroys": destroys}]}}
    return run(db({"backups": [{"every": "4h", "takes": "30m", "in": backup_in, "offline": offline}],
                   "restore": {"time": "fixed(1h)", "activation": "fixed(10m)"}},
                  domains=regions, components={"p": {"in": "eu"}, "b": {"in": "eu"}}))


def test_region_loss_is_restored_from_the_backup_in_another_region():
    res = _disaster("us")
    (out,) = outages(res)
    # eu is lost at 10 h and back at 12 h; the restore then takes 1 h 10 min.
    assert (out["start_s"], out["end_s"]) == pytest.approx((10 * H, 13 * H + 600))
    assert out["rpo_s"] == pytest.approx(2 * H)  # newest backup started at 8 h
    assert res.restores == 1 and res.restore_times == [pytest.approx(H + 600)]


def test_backups_in_the_lost_region_are_lost_with_it():
    res = _disaster("eu")
    assert res.unrecoverable == 1 and res.restores == 0


def test_ransomware_spares_only_offline_backups():
    assert _disaster("eu", offline=True, destroys="online").restores == 1
    assert _disaster("eu", offline=False, destroys="online").unrecoverable == 1


def _corruption(checksums: bool, runs: int = 20) -> relsim.Results:
    m = db({"corruption": {"every": "exp(mean=30d)", "checksums": checksums, "scrub": "1d",
                           "repair": "fixed(1h)"},
            "backups": [{"every": "1d"}], "restore": {"time": "fixed(1h)"}}, horizon="1y")
    return relsim.run(m, runs=runs, seed=4)


def test_checksums_keep_corruption_local_and_repairable():
    safe, spread = _corruption(True), _corruption(False)
    # without checksums replication copies every corruption to both replicas:
    # each one is unrecoverable and forces a restore from the last good backup
    assert spread.runs["unrecoverable_per_year"].mean() > 15
    restores, lost = spread.runs["restores"].sum(), spread.runs["unrecoverable_per_year"].sum()
    assert lost - len(spread.runs) <= restores <= lost  # a restore may still run at the horizon
    # with checksums both copies must go bad within the same day: rare
    assert safe.runs["unrecoverable_per_year"].mean() < 0.2 * spread.runs["unrecoverable_per_year"].mean()
    assert safe.runs["availability"].mean() > spread.runs["availability"].mean()


def test_split_brain_writes_are_discarded():
    m = relsim.load({
        "name": "sb", "horizon": "20h",
        "domains": {"za": {"kind": "zone"}, "zb": {"kind": "zone"}},
        "links": {"ab": {"between": ["za", "zb"], "failures": [
            {"kind": "transient", "every": "fixed(10h)", "lasts": "fixed(1h)"}]}},
        "components": {"p": {"in": "za"}, "b": {"in": "zb"}},
        "services": {"db": {"replicas": ["p", "b"], "mode": "active-passive",
                            "detection": {"heartbeat": {"period": "1s"}, "controller": "zb"},
                            "failover": {"time": "fixed(1m)"}, "data": {"writes": "10/s"}}},
    })
    res = run(m)
    (sb,) = [e for e in events(res, "data_loss") if e["cause"] == "split-brain"]
    assert sb["seconds"] == pytest.approx(res.split_brain_time)
    # the demoted primary's writes: Poisson(10/s x the split-brain time), within 4 SD
    expected = 10 * res.split_brain_time
    assert expected > 0 and abs(sb["writes"] - expected) < 4 * math.sqrt(expected)


@pytest.mark.parametrize(("resolution", "lost"), [("lww", True), ("version-vectors", False)])
def test_multi_primary_partition_conflicts(resolution, lost):
    m = relsim.load({
        "name": "mp", "horizon": "20h",
        "domains": {"eu": {"kind": "region"}, "us": {"kind": "region"}},
        "links": {"atlantic": {"between": ["eu", "us"], "failures": [
            {"kind": "transient", "every": "fixed(10h)", "lasts": "fixed(1h)"}]}},
        "components": {"a": {"in": "eu"}, "b": {"in": "us"}},
        "services": {"kv": {"replicas": ["a", "b"], "mode": "active-active",
                            "data": {"writes": "10/s", "keys": 1000, "conflicts": resolution}}},
    })
    res = run(m)
    # 18 000 writes per side over 1000 keys: nearly every key conflicts
    assert 900 < res.conflicts <= 1000
    assert (res.writes_lost == res.conflicts) if lost else (res.writes_lost == 0)
    assert res.outages == []


def test_data_sovereignty_is_a_validation_error():
    with pytest.raises(ModelError, match="data sovereignty: replica 'b' lives in 'us'"):
        relsim.load({
            "name": "gdpr", "domains": {"eu": {}, "us": {}},
            "components": {"a": {"in": "eu"}, "b": {"in": "us"}},
            "services": {"db": {"replicas": ["a", "b"], "mode": "active-passive",
                                "data": {"writes": "1/s", "allowed": ["eu"]}}},
        })
