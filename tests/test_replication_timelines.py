"""Exact timelines of data protection (relsim/engine/replication.py, docs/data.md).

Complements tests/test_data.py. Durations are ``fixed(...)``, so the seconds of
data lost (``rpo_s``, the ``seconds`` of a ``data_loss`` event), the events and
the outages are exact; the writes lost are Poisson counts, checked within four
standard deviations of their mean (``sqrt(mean)``), or exactly 0 where nothing
can be lost. Times in hours unless a name says s.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import relsim
from relsim.engine.replication import DataProtection

H = 3600.0


def perm(every: str, repair: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "permanent", "every": f"fixed({every})", "repair": f"fixed({repair})", **kw}


def trans(every: str, lasts: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})", **kw}


def db(data: dict[str, Any], fails: dict[str, list[dict[str, Any]]] | None = None, horizon: str = "20h",
       replicas: tuple[str, ...] = ("p", "b"), places: dict[str, str] | None = None,
       domains: dict[str, Any] | None = None, **service: Any) -> relsim.Model:
    """An active-passive service db on ``replicas`` (the first is the primary), failover 1 min."""
    fails = fails or {}
    comps: dict[str, Any] = {r: {"failures": fails.get(r, [])} for r in replicas}
    for r, d in (places or {}).items():
        comps[r]["in"] = d
    raw: dict[str, Any] = {"name": "db", "horizon": horizon, "components": comps,
                           "services": {"db": {"replicas": list(replicas), "mode": "active-passive",
                                               "failover": {"time": "fixed(1m)"},
                                               "data": {"writes": "100/s", **data}, **service}}}
    if domains:
        raw["domains"] = domains
    return relsim.load(raw)


def run(m: relsim.Model, seed: int = 0) -> relsim.RunResult:
    return relsim.simulate(m, seed=seed, replication=0, trace=True)


def events(res: relsim.RunResult, *names: str) -> list[tuple[float, dict[str, Any]]]:
    return [(round(e["t"] / H, 9), {k: v for k, v in e.items() if k not in ("t", "service")})
            for e in res.trace or [] if e["event"] in names]


def losses(res: relsim.RunResult) -> list[tuple[float, str, float]]:
    """(t, cause, seconds) of every data_loss event."""
    return [(t, e["cause"], e["seconds"]) for t, e in events(res, "data_loss")]


def at(hours: float, minutes: float = 0.0) -> float:
    return round(hours + minutes / 60, 9)


PROMOTED = at(10, 1)  # p crashes at 10 h; b serves after the 1 min failover


def poisson_close(n: int, mean: float) -> bool:
    return abs(n - mean) < 4 * math.sqrt(mean)


# -- what a failover loses -----------------------------------------------------------------------
def test_async_shared_lag_loses_the_writes_of_the_last_lag():
    res = run(db({"lag": "fixed(3s)"}, {"p": [perm("10h", "1h")]}))
    assert losses(res) == [(PROMOTED, "failover", 3.0)]
    (out,) = res.outages
    assert out.rpo_s == 3.0 and poisson_close(out.writes_lost, 300)
    assert res.writes_lost == out.writes_lost and res.data_loss_events == 1


def test_per_write_lag_loses_each_write_younger_than_its_own_lag():
    # lag uniform(0, 2 s): a write of age a is lost with P(lag > a) = 1 - a/2;
    # the count is Poisson(rate x E[lag]) = 10 000/s x 1 s; the oldest lost
    # write is nearly 2 s old.
    res = run(db({"writes": "10000/s", "lag": "uniform(0s, 2s)", "lag_model": "per-write"},
                 {"p": [perm("10h", "1h")]}))
    (out,) = res.outages
    assert poisson_close(out.writes_lost, 10_000)
    ((t, cause, seconds),) = losses(res)
    assert cause == "failover" and seconds == out.rpo_s
    assert 1.9 < seconds <= 2.0


def test_per_write_with_a_fixed_lag_is_the_shared_model():
    res = run(db({"lag": "fixed(3s)", "lag_model": "per-write"}, {"p": [perm("10h", "1h")]}))
    assert losses(res) == [(PROMOTED, "failover", 3.0)]


def test_no_writes_no_loss():
    res = run(db({"writes": "0/s", "lag": "fixed(3s)", "lag_model": "per-write"}, {"p": [perm("10h", "1h")]}))
    assert res.writes_lost == 0 and res.data_loss_events == 0
    assert losses(res) == [(PROMOTED, "failover", 3.0)]  # the window is still reported


def test_per_write_with_no_writes_loses_nothing_and_reports_no_window():
    res = run(db({"writes": "0/s", "lag": "uniform(0s, 2s)", "lag_model": "per-write"}, {"p": [perm("10h", "1h")]}))
    assert losses(res) == [(PROMOTED, "failover", 0.0)] and res.writes_lost == 0


@pytest.mark.parametrize(("mode", "extra", "lost"), [
    ("sync", {}, 0.0),
    ("semi-sync", {"acks": 2}, 0.0),  # both standbys up at 10 h
    ("async", {}, 3.0)])
def test_what_a_failover_loses_with_every_standby_up(mode, extra, lost):
    res = run(db({"replication": mode, "lag": "fixed(3s)", **extra}, {"p": [perm("10h", "1h")]},
                 replicas=("p", "b", "c")))
    assert losses(res) == [(PROMOTED, "failover", lost)]
    (out,) = res.outages
    assert out.rpo_s == lost and (out.writes_lost == 0) == (lost == 0)


def test_semi_sync_short_of_acks_degrades_to_async_and_loses_the_lag():
    # acks 2: c down 9-11 h leaves one standby; p crashes at 10 h
    res = run(db({"replication": "semi-sync", "acks": 2, "lag": "fixed(3s)"},
                 {"p": [perm("10h", "1h")], "c": [perm("9h", "2h")]}, replicas=("p", "b", "c"), horizon="10.5h"))
    assert [(t, e["event"]) for t, e in events(res, "replication_degraded", "replication_restored")][0] == (
        9.0, "replication_degraded")
    assert losses(res) == [(PROMOTED, "failover", 3.0)]


def test_a_crash_while_writes_are_blocked_loses_nothing():
    # sync, block: b down 10-12 h blocks writes; p crashes at 11 h, b is
    # promoted when back at 12 h: it missed nothing, no write was taken.
    res = run(db({"replication": "sync", "on_sync_unavailable": "block", "lag": "fixed(2s)"},
                 {"p": [perm("11h", "3h")], "b": [perm("10h", "2h")]}))
    assert [(t, e["event"]) for t, e in events(res, "writes_blocked", "writes_unblocked")] == [
        (10.0, "writes_blocked"), (11.0, "writes_unblocked"), (12.0, "writes_blocked"), (14.0, "writes_unblocked")]
    assert losses(res) == [(12.0, "failover", 0.0)] and res.writes_lost == 0
    (out,) = res.outages
    assert (out.start_s, out.end_s, out.cause_element, out.rpo_s) == (10 * H, 14 * H, "b", 0.0)


def test_a_standby_behind_since_before_the_crash_also_misses_what_came_since():
    # degrade: b down 10-12 h; p crashes at 11 h; b promoted at 12 h misses
    # the hour since it fell behind (the lag of 2 s included)
    res = run(db({"replication": "sync", "lag": "fixed(2s)"}, {"p": [perm("11h", "3h")], "b": [perm("10h", "2h")]}))
    assert losses(res) == [(12.0, "failover", 3600.0)]
    (out,) = res.outages
    assert poisson_close(out.writes_lost, 360_000)


def test_the_write_latency_is_the_rtt_while_replication_is_synchronous():
    # degraded 10-12 h of 20 h: the rtt is added 18 h of 20
    res = run(db({"replication": "sync", "rtt": "2ms"}, {"b": [perm("10h", "2h")]}))
    assert res.write_latency == pytest.approx(0.002 * 18 / 20)
    res = run(db({"replication": "async", "rtt": "2ms"}, {"b": [perm("10h", "2h")]}))
    assert res.write_latency == 0.0


def test_max_lag_equal_to_the_staleness_is_not_too_stale():
    res = run(db({"lag": "fixed(1s)", "max_lag": "1s"}, {"p": [perm("10h", "1h")]}))
    assert losses(res) == [(PROMOTED, "failover", 1.0)]


def test_the_daily_profile_scales_the_rate_by_the_hour():
    # no writes between 10:00 and 11:00: a crash at 10:30 loses none of its 3 s
    profile = [1.0] * 24
    profile[9], profile[10] = 2.0, 0.0
    res = run(db({"lag": "fixed(3s)", "profile": profile}, {"p": [perm("10.5h", "1h")]}))
    assert losses(res) == [(at(10.5, 1), "failover", 3.0)] and res.writes_lost == 0
    # at 9:30 the rate is twice 10 000/s; on day 2, at 33:30, too
    res = run(db({"writes": "10000/s", "lag": "fixed(3s)", "profile": profile}, {"p": [perm("9.5h", "1h")]}))
    assert poisson_close(res.writes_lost, 60_000)
    res = run(db({"writes": "10000/s", "lag": "fixed(3s)", "profile": profile}, {"p": [perm("33.5h", "1h")]},
                 horizon="34h"))
    assert poisson_close(res.writes_lost, 60_000)


# -- a crashed primary that resumes from its own disk ---------------------------------------------
@pytest.mark.parametrize(("wal", "bound"), [
    ({"fsync": "interval", "interval": "10s"}, 10.0),
    ({"fsync": "none", "flush": "5s"}, 5.0),
    ({"fsync": "none"}, 30.0)])
def test_a_resumed_primary_loses_its_unflushed_writes(wal, bound):
    # p down 30 s every hour, back before the 1 min failover: 19 crashes in 20 h
    res = run(db({"wal": wal, "lag": "fixed(1s)"}, {"p": [trans("1h", "30s")]}))
    lost = losses(res)
    assert len(lost) == 19 and {c for _, c, _ in lost} == {"crash"}
    seconds = [s for _, _, s in lost]
    assert all(0 <= s < bound for s in seconds) and max(seconds) > bound / 2
    assert res.outages[0].rpo_s == seconds[0]


@pytest.mark.parametrize("data", [
    {"wal": {"fsync": "every-write"}},
    {},  # default: every write flushed
    {"wal": {"fsync": "interval", "interval": "10s"}, "replication": "sync"},  # re-synced from the standby
])
def test_a_resumed_primary_with_nothing_unflushed_loses_nothing(data):
    res = run(db({"lag": "fixed(1s)", **data}, {"p": [trans("1h", "30s")]}))
    assert losses(res) == [] and res.writes_lost == 0
    assert all(math.isnan(o.rpo_s) for o in res.outages)


def test_a_primary_whose_disk_was_destroyed_resumes_without_what_it_had_not_replicated():
    # p's zone loses its data for 30 s: p is back before the failover and
    # resumes without the writes not yet on b (the lag)
    zones = {"za": {"kind": "zone", "failures": [trans("10h", "30s", destroys="data")]}, "zb": {"kind": "zone"}}
    res = run(db({"lag": "fixed(2s)"}, places={"p": "za", "b": "zb"}, domains=zones, horizon="11h"))
    assert [(t, e["replicas"]) for t, e in events(res, "data_destroyed")] == [(10.0, ["p"])]
    assert losses(res) == [(at(10, 0.5), "crash", 2.0)]


# -- multi-primary conflicts ------------------------------------------------------------------------
def test_conflicts_follow_the_occupancy_of_both_sides():
    # a (eu), b (eu), c (us); the link fails 10-11 h: eu takes 2/3 of the
    # 36 000 writes, us 1/3, over 100 000 keys
    m = relsim.load({
        "name": "mp", "horizon": "20h",
        "domains": {"eu": {"kind": "region"}, "us": {"kind": "region"}},
        "links": {"atl": {"between": ["eu", "us"], "failures": [trans("10h", "1h")]}},
        "components": {"a": {"in": "eu"}, "b": {"in": "eu"}, "c": {"in": "us"}},
        "services": {"kv": {"replicas": ["a", "b", "c"], "mode": "active-active",
                            "data": {"writes": "10/s", "keys": 100_000, "conflicts": "lww"}}}})
    res = run(m)
    (split,) = [e for _, e in events(res, "multi_primary_split")]
    assert split["sides"] == [2, 1]
    t = 1 - np.exp(-np.array([24_000, 12_000]) / 100_000)
    expected = 100_000 * t[0] * t[1]  # keys written on both sides
    assert poisson_close(res.conflicts, expected) and res.writes_lost == res.conflicts
    ((_, e),) = events(res, "conflicts")
    assert e["keys"] == res.conflicts
    ((_, cause, seconds),) = losses(res)
    assert (cause, seconds) == ("conflict", H)


def test_a_partition_open_at_the_horizon_is_reconciled_at_the_horizon():
    m = relsim.load({
        "name": "mp", "horizon": "11h",
        "domains": {"eu": {"kind": "region"}, "us": {"kind": "region"}},
        "links": {"atl": {"between": ["eu", "us"], "failures": [trans("10h", "5h")]}},
        "components": {"a": {"in": "eu"}, "c": {"in": "us"}},
        "services": {"kv": {"replicas": ["a", "c"], "mode": "active-active",
                            "data": {"writes": "10/s", "keys": 100_000, "conflicts": "version-vectors"}}}})
    res = run(m)
    expected = 100_000 * (1 - math.exp(-18_000 / 100_000)) ** 2
    assert poisson_close(res.conflicts, expected) and res.writes_lost == 0


# -- corruption, backups, restores, rebuilds ------------------------------------------------------
def _corrupt(horizon: str = "13.5h", **data: Any) -> relsim.Model:
    return db({"corruption": {"every": "fixed(10h)", "scrub": "12h", "repair": "fixed(1h)"},
               "backups": [{"every": "4h"}], "restore": {"time": "fixed(1h)"}, **data}, horizon=horizon)


def test_corruption_of_every_copy_is_restored_from_the_last_backup_before_it():
    # both replicas corrupt at 10 h; the 12 h scrub finds no good copy; the
    # newest backup taken before the corruption started at 8 h
    res = run(_corrupt())
    assert [(t, e["event"]) for t, e in events(res, "corrupted", "corruption_unrecoverable", "restore_started",
                                                "restored")] == [
        (10.0, "corrupted"), (10.0, "corrupted"), (12.0, "corruption_unrecoverable"), (12.0, "restore_started"),
        (13.0, "restored")]
    ((_, start),) = events(res, "restore_started")
    assert start["backup_taken"] == 8 * H
    (out,) = res.outages
    assert (out.start_s, out.end_s, out.cause_kind, out.rpo_s) == (12 * H, 13 * H, "data-loss", 2 * H)
    assert poisson_close(out.writes_lost, 100 * 2 * H)
    assert res.unrecoverable == 1 and res.restores == 1 and res.restore_times == [H]


def test_with_checksums_corruption_is_found_at_the_scrub_and_repaired_from_a_good_copy():
    # corruption about monthly per replica, scrubs daily: each is found at the
    # next scrub (a whole number of days) and re-copied in 1 h from the other
    m = db({"corruption": {"every": "exp(mean=30d)", "checksums": True, "scrub": "1d", "repair": "fixed(1h)"}},
           horizon="1y")
    res = run(m)
    found = events(res, "corruption_found")
    assert len(found) > 10
    assert all(t % 24 == 0 and e["repair"] == H for t, e in found)
    assert {len(e["replicas"]) for _, e in events(res, "corrupted")} == {1}


@pytest.mark.parametrize(("retention", "restored"), [("4h", True), ("3h", False)])
def test_a_backup_past_its_retention_at_the_restore_is_not_used(retention, restored):
    # everything destroyed at 10 h, back at 12 h: the 8 h backup is 4 h old then
    zones = {"z": {"kind": "zone", "failures": [perm("10h", "2h", destroys="data")]}}
    res = run(db({"backups": [{"every": "4h", "retention": retention}], "restore": {"time": "fixed(1h)"},
                  "rebuild": "fixed(30m)"}, places={"p": "z", "b": "z"}, domains=zones, horizon="14h"))
    if restored:
        assert losses(res) == [(13.0, "restore", 2 * H)] and res.restores == 1 and res.unrecoverable == 0
    else:
        ((_, e),) = events(res, "restore_impossible")
        assert e["reason"] == "no backup"
        assert losses(res) == [(12.0, "unrecoverable", 10 * H)] and res.unrecoverable == 1
        assert [t for t, _ in events(res, "rebuilt")] == [12.5]


def test_a_backup_still_being_taken_at_the_loss_is_not_used():
    # every 4 h, takes 3 h: the 8 h backup completes at 11 h, after the 10 h
    # loss; the 4 h one (complete at 7 h) is restored: 6 h of data lost
    zones = {"z": {"kind": "zone", "failures": [perm("10h", "2h", destroys="data")]}}
    res = run(db({"backups": [{"every": "4h", "takes": "3h"}], "restore": {"time": "fixed(1h)"}},
                 places={"p": "z", "b": "z"}, domains=zones, horizon="14h"))
    ((_, e),) = events(res, "restore_started")
    assert e["backup_taken"] == 4 * H
    assert losses(res) == [(13.0, "restore", 6 * H)]


@pytest.mark.parametrize(("data", "reason"), [
    ({}, "no restore configured"),
    ({"restore": {"time": "fixed(1h)"}}, "no backup")])
def test_without_a_usable_backup_the_data_is_rebuilt_empty(data, reason):
    zones = {"z": {"kind": "zone", "failures": [perm("10h", "2h", destroys="data")]}}
    res = run(db({"rebuild": "fixed(30m)", **data}, places={"p": "z", "b": "z"}, domains=zones, horizon="14h"))
    ((_, e),) = events(res, "restore_impossible")
    assert e["reason"] == reason
    # everything since the data set started (0) up to the loss (10 h)
    assert losses(res) == [(12.0, "unrecoverable", 10 * H)] and res.unrecoverable == 1
    assert [(t, e["duration"]) for t, e in events(res, "rebuild_started")] == [(12.0, 1800.0)]
    (out,) = res.outages
    assert (out.start_s, out.end_s) == (10 * H, 12.5 * H)


def test_a_second_loss_counts_from_the_rebuild():
    # losses at 10 h and 22 h (the zone's clock runs again from its repair at
    # 12 h; back at 24 h), rebuilt at 12.5 h: the second loses what was
    # written since 12.5 h
    zones = {"z": {"kind": "zone", "failures": [perm("10h", "2h", destroys="data")]}}
    res = run(db({"rebuild": "fixed(30m)"}, places={"p": "z", "b": "z"}, domains=zones, horizon="35h"))
    assert losses(res) == [(12.0, "unrecoverable", 10 * H), (24.0, "unrecoverable", 9.5 * H)]
    assert res.unrecoverable == 2


def test_a_wiped_standby_that_is_back_copies_the_data_again():
    # zb (b) loses its data at 5 h, back at 6 h: b copies from p. p fails at
    # 10 h: b is a candidate with data.
    zones = {"za": {"kind": "zone"}, "zb": {"kind": "zone", "failures": [perm("5h", "1h", destroys="data")]}}
    res = run(db({"lag": "fixed(1s)"}, {"p": [perm("10h", "1h")]}, places={"p": "za", "b": "zb"}, domains=zones,
                 horizon="11h"))
    ((_, d),) = events(res, "failover_decision")
    assert d["candidates"] == {"b": "ok"} and d["outcome"] == "promote b"


@pytest.mark.parametrize(("mode", "seconds"), [("async", 2.0), ("sync", 0.0)])
def test_a_false_failover_strands_the_unreplicated_writes_on_the_live_primary(mode, seconds):
    # every beat lost: p is suspected at 3 s while serving and b promoted at
    # 13 s; p's writes not yet on b (async: the last 2 s) are discarded
    res = run(db({"replication": mode, "lag": "fixed(2s)"}, horizon="15s", failover={"time": "fixed(10s)"},
                 detection={"heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}}))
    assert [(e["t"], e["cause"], e["seconds"]) for e in res.trace or [] if e["event"] == "data_loss"] == [
        (13.0, "failover", seconds)]
    assert res.false_failovers == 1
    assert poisson_close(res.writes_lost, 200) if seconds else res.writes_lost == 0


def test_a_failure_of_the_primary_itself_that_destroys_its_data_fails_over_to_the_standby():
    res = run(db({"lag": "fixed(2s)"}, {"p": [perm("10h", "1h", destroys="data")]}, horizon="11h"))
    assert [(t, e["replicas"]) for t, e in events(res, "data_destroyed")] == [(10.0, ["p"])]
    assert losses(res) == [(PROMOTED, "failover", 2.0)] and res.unrecoverable == 0


# -- every field of the events of data protection ------------------------------------------------
def trace(res: relsim.RunResult, *names: str) -> list[tuple[float, dict[str, Any]]]:
    """(t in h, the whole event but its time) of the events ``names``."""
    return [(round(e["t"] / H, 9), {k: v for k, v in e.items() if k != "t"})
            for e in res.trace or [] if e["event"] in names]


def test_degrading_and_restoring_sync_replication_names_the_service():
    # sync, degrade: b down 10-12 h degrades; p's crash at 11 h leaves no
    # primary to replicate from (restored); b serves from 12 h with p down
    # (degraded) until p is back at 14 h
    res = run(db({"replication": "sync", "lag": "fixed(2s)"}, {"p": [perm("11h", "3h")], "b": [perm("10h", "2h")]}))
    deg = {"event": "replication_degraded", "service": "db", "to": "async"}
    back = {"event": "replication_restored", "service": "db"}
    assert trace(res, "replication_degraded", "replication_restored") == [
        (10.0, deg), (11.0, back), (12.0, deg), (14.0, back)]


def test_blocking_writes_names_the_service():
    res = run(db({"replication": "sync", "on_sync_unavailable": "block"}, {"b": [perm("10h", "2h")]}))
    assert trace(res, "writes_blocked", "writes_unblocked") == [
        (10.0, {"event": "writes_blocked", "service": "db"}), (12.0, {"event": "writes_unblocked", "service": "db"})]


def test_a_rebuild_logs_every_step_with_its_service():
    zones = {"z": {"kind": "zone", "failures": [perm("10h", "2h", destroys="data")]}}
    res = run(db({"rebuild": "fixed(30m)"}, places={"p": "z", "b": "z"}, domains=zones, horizon="14h"))
    assert trace(res, "data_destroyed", "all_copies_lost", "restore_impossible", "rebuild_started", "rebuilt",
                 "restored") == [
        (10.0, {"event": "data_destroyed", "service": "db", "domain": "z", "replicas": ["p", "b"], "mode": "data"}),
        (10.0, {"event": "all_copies_lost", "service": "db"}),
        (12.0, {"event": "restore_impossible", "service": "db", "reason": "no restore configured"}),
        (12.0, {"event": "rebuild_started", "service": "db", "duration": 1800.0}),
        (12.5, {"event": "rebuilt", "service": "db"}),
        (12.5, {"event": "restored", "service": "db"})]


def test_a_restore_logs_its_backup_and_duration_with_its_service():
    # restore 1 h plus activation 30 min from the 8 h backup
    zones = {"z": {"kind": "zone", "failures": [perm("10h", "2h", destroys="data")]}}
    res = run(db({"backups": [{"every": "4h"}], "restore": {"time": "fixed(1h)", "activation": "fixed(30m)"}},
                 places={"p": "z", "b": "z"}, domains=zones, horizon="14h"))
    assert trace(res, "restore_started", "restored") == [
        (12.0, {"event": "restore_started", "service": "db", "backup_taken": 8 * H, "duration": 1.5 * H}),
        (13.5, {"event": "restored", "service": "db"})]
    assert losses(res) == [(13.5, "restore", 2 * H)] and res.restore_times == [1.5 * H]


def test_unrecoverable_corruption_logs_its_service():
    res = run(_corrupt())
    assert trace(res, "corrupted", "corruption_unrecoverable") == [
        (10.0, {"event": "corrupted", "service": "db", "replicas": ["p"]}),
        (10.0, {"event": "corrupted", "service": "db", "replicas": ["b"]}),
        (12.0, {"event": "corruption_unrecoverable", "service": "db"})]


def test_corruption_found_names_the_service_and_the_replica():
    m = db({"corruption": {"every": "exp(mean=30d)", "checksums": True, "scrub": "1d", "repair": "fixed(1h)"}},
           horizon="1y")
    res = run(m)
    found = trace(res, "corruption_found")
    corrupted = {e["replicas"][0] for _, e in trace(res, "corrupted")}
    assert len(found) > 10 and corrupted == {"p", "b"}
    assert {(e["service"], e["replica"], e["repair"]) for _, e in found} == {("db", "p", H), ("db", "b", H)}


def _kv(links: dict[str, Any], writes: str = "10/s", keys: int = 100_000, horizon: str = "20h",
        conflicts: str = "lww") -> relsim.Model:
    """kv on a (eu) and c (us), active-active; regions eu, us and ap."""
    return relsim.load({
        "name": "mp", "horizon": horizon,
        "domains": {"eu": {"kind": "region"}, "us": {"kind": "region"}, "ap": {"kind": "region"}},
        "links": links,
        "components": {"a": {"in": "eu"}, "c": {"in": "us"}},
        "services": {"kv": {"replicas": ["a", "c"], "mode": "active-active",
                            "data": {"writes": writes, "keys": keys, "conflicts": conflicts}}}})


def test_a_network_change_that_splits_no_replica_neither_opens_nor_closes_a_partition():
    # eu-us fails 10-11 h; eu-ap (no replica in ap) fails 5-5.25 h and
    # 10.25-10.5 h: one split (10 h) and one reconciliation of the whole hour (11 h)
    res = run(_kv({"atl": {"between": ["eu", "us"], "failures": [trans("10h", "1h")]},
                   "eap": {"between": ["eu", "ap"], "failures": [trans("5h", "15m")]}}, horizon="12h"))
    assert [t for t, e in events(res, "failed") if e.get("element") == "eap"] == [5.0, 10.25]
    ((t, split),) = trace(res, "multi_primary_split")
    assert (t, split) == (10.0, {"event": "multi_primary_split", "service": "kv", "sides": [1, 1]})
    ((t, e),) = trace(res, "conflicts")
    assert t == 11.0 and e == {"event": "conflicts", "service": "kv", "keys": res.conflicts, "resolution": "lww",
                               "lost_updates": res.conflicts}
    ((_, cause, seconds),) = losses(res)
    assert (cause, seconds) == ("conflict", H)


def test_a_partition_without_writes_has_no_conflict():
    res = run(_kv({"atl": {"between": ["eu", "us"], "failures": [trans("10h", "1h")]}}, writes="0/s"))
    assert res.conflicts == 0 and res.writes_lost == 0 and losses(res) == []
    assert [e["keys"] for _, e in events(res, "conflicts")] == [0]


def test_conflicts_add_up_over_many_partitions_even_below_one_expected_each():
    # the link fails 1 h of every 2 h: 500 partitions of 1 h in 1000 h; each
    # side takes 720 writes over 10^6 keys: 0.52 expected conflicts each
    res = run(_kv({"atl": {"between": ["eu", "us"], "failures": [trans("1h", "1h")]}}, writes="0.4/s",
                  keys=1_000_000, horizon="1000h"))
    counts = [e["keys"] for _, e in events(res, "conflicts")]
    assert len(counts) == 500 and sum(counts) == res.conflicts
    each = 1_000_000 * (1 - math.exp(-720 / 1_000_000)) ** 2
    assert poisson_close(res.conflicts, 500 * each)


# -- the hour of the daily profile ----------------------------------------------------------------
def test_the_profile_hour_starts_on_the_hour_every_day():
    # crashes at 10:00 on day 1 and on day 2 (34 h) fall in the hour of factor 0
    profile = [1.0] * 24
    profile[9], profile[10] = 2.0, 0.0
    for crash, horizon in (("10h", "12h"), ("34h", "36h")):
        res = run(db({"writes": "10000/s", "lag": "fixed(3s)", "profile": profile}, {"p": [perm(crash, "1h")]},
                     horizon=horizon))
        assert len(losses(res)) == 1 and res.writes_lost == 0


# -- synchronous crashes, staleness --------------------------------------------------------------
def test_a_standby_failing_during_the_failover_does_not_undo_a_synchronous_crash():
    # semi-sync, acks 2: b and c up when p crashes at 10 h (nothing lost); c
    # fails 30 s later, during the 1 min failover, which promotes b
    c_fails = {"kind": "permanent", "every": "fixed(36030s)", "repair": "fixed(1h)"}
    res = run(db({"replication": "semi-sync", "acks": 2, "lag": "fixed(3s)"},
                 {"p": [perm("10h", "1h")], "c": [c_fails]}, replicas=("p", "b", "c"), horizon="10.5h"))
    assert losses(res) == [(PROMOTED, "failover", 0.0)] and res.writes_lost == 0


def test_a_synchronous_standby_is_not_too_stale_for_any_max_lag():
    res = run(db({"replication": "sync", "lag": "fixed(3s)", "max_lag": "0.5s"}, {"p": [perm("10h", "1h")]}))
    ((_, d),) = events(res, "failover_decision")
    assert d["candidates"] == {"b": "ok"}
    assert losses(res) == [(PROMOTED, "failover", 0.0)]


def test_a_falsely_suspected_sync_primary_has_a_standby_in_sync():
    # nothing crashed: the standby's staleness is 0 (max_lag 0.5 s does not stop it)
    res = run(db({"replication": "sync", "lag": "fixed(2s)", "max_lag": "0.5s"}, horizon="15s",
                 failover={"time": "fixed(10s)"},
                 detection={"heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}}))
    assert [(e["t"], e["cause"], e["seconds"]) for e in res.trace or [] if e["event"] == "data_loss"] == [
        (13.0, "failover", 0.0)]


def test_a_falsely_suspected_async_primary_strands_writes_at_the_profile_rate():
    # at 0:00-1:00 the profile doubles the rate: 2 s x 200/s stranded
    profile = [1.0] * 24
    profile[0] = 2.0
    res = run(db({"lag": "fixed(2s)", "max_lag": "5s", "profile": profile}, horizon="15s",
                 failover={"time": "fixed(10s)"},
                 detection={"heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}}))
    assert [(e["t"], e["cause"], e["seconds"]) for e in res.trace or [] if e["event"] == "data_loss"] == [
        (13.0, "failover", 2.0)]
    assert poisson_close(res.writes_lost, 400)


# -- the window of a standby that fell behind -------------------------------------------------------
def test_a_standby_behind_for_less_than_a_second_more_than_the_lag_misses_that_too():
    # b down from 10 h; p crashes 2.5 s later (lag 2 s): b, promoted at 12 h,
    # misses 2.5 s of writes (the lag and the 0.5 s before it)
    p_fails = {"kind": "permanent", "every": "fixed(36002.5s)", "repair": "fixed(3h)"}
    res = run(db({"replication": "sync", "lag": "fixed(2s)"}, {"p": [p_fails], "b": [perm("10h", "2h")]}))
    assert losses(res) == [(12.0, "failover", 2.5)]
    assert poisson_close(res.writes_lost, 250)


def test_a_standby_behind_without_writes_loses_nothing():
    res = run(db({"writes": "0/s", "replication": "sync", "lag": "fixed(2s)"},
                 {"p": [perm("11h", "3h")], "b": [perm("10h", "2h")]}))
    assert losses(res) == [(12.0, "failover", 3600.0)] and res.writes_lost == 0


def test_a_primary_that_was_promoted_no_longer_counts_as_behind():
    # b down 8-10 h; p crashes at 9 h and b takes over when back (10 h: 1 h
    # lost); p back at 10.5 h. b fails at 18 h (p promoted), p crashes at
    # 19.5 h, b back at 20 h takes over: b is behind since p took over at
    # 18:01 (not since 8 h): 1 h 29 min lost
    res = run(db({"lag": "fixed(2s)"}, {"p": [perm("9h", "1.5h")], "b": [perm("8h", "2h")]}, horizon="21h"))
    assert [(t, e["primary"]) for t, e in events(res, "promoted")] == [(10.0, "b"), (at(18, 1), "p"), (20.0, "b")]
    assert [(t, c, s) for t, c, s in losses(res)] == [(10.0, "failover", H), (at(18, 1), "failover", 2.0),
                                                     (20.0, "failover", 1.5 * H - 60)]


# -- low rates: every Poisson draw counts, even below one write expected ------------------------------
def total_lost(m: relsim.Model, runs: int) -> int:
    return sum(relsim.simulate(m, seed=0, replication=i).writes_lost for i in range(runs))


@pytest.mark.parametrize(("data", "each"), [
    ({"lag": "fixed(1s)"}, 0.5),  # 0.5/s x 1 s
    ({"lag": "uniform(0s, 1s)", "lag_model": "per-write"}, 0.25)])  # 0.5/s x E[lag]
def test_a_failover_at_a_low_rate_loses_its_poisson_count(data, each):
    m = db({"writes": "0.5/s", **data}, {"p": [perm("10h", "1h")]})
    assert poisson_close(total_lost(m, 400), 400 * each)


def test_a_standby_behind_at_a_low_rate_also_misses_its_poisson_count():
    # b down from 10 h, p crashes 3 s later, lag 1 s: 0.5/s x (1 s + 2 s behind)
    p_fails = {"kind": "permanent", "every": "fixed(36003s)", "repair": "fixed(3h)"}
    m = db({"writes": "0.5/s", "replication": "sync", "lag": "fixed(1s)"}, {"p": [p_fails], "b": [perm("10h", "2h")]})
    assert poisson_close(total_lost(m, 100), 100 * 1.5)


# -- a primary that resumes from its own disk ---------------------------------------------------------
def test_a_resumed_primary_without_writes_loses_nothing():
    res = run(db({"writes": "0/s", "wal": {"fsync": "interval", "interval": "10s"}}, {"p": [trans("1h", "30s")]}))
    assert losses(res) == [] and res.writes_lost == 0


def test_a_resumed_primary_at_a_low_rate_loses_its_poisson_count():
    # 0.2/s with a flush every 10 s (profile factor 1 all day): the writes of
    # U x 10 s, U uniform: mean 1, variance 1 + 2^2/12, per crash (one every
    # 1 h 30 s: 991 in 1000 h)
    wal = {"fsync": "interval", "interval": "10s"}
    res = run(db({"writes": "0.2/s", "wal": wal, "profile": [1.0] * 24}, {"p": [trans("1h", "30s")]},
                 horizon="1000h"))
    crashes = len(events(res, "primary_failed"))
    assert crashes == 991 and {c for _, c, _ in losses(res)} == {"crash"}
    assert abs(res.writes_lost - crashes) < 4 * math.sqrt(crashes * (1 + 4 / 12))
    # every crash that lost a write (one, or more) is a data-loss event
    written = [e["writes"] for _, e in events(res, "data_loss")]
    assert 1 in written and 0 not in written and res.data_loss_events == len(written)


def test_a_primary_whose_disk_was_destroyed_loses_the_writes_of_the_lag():
    zones = {"za": {"kind": "zone", "failures": [trans("10h", "30s", destroys="data")]}, "zb": {"kind": "zone"}}
    res = run(db({"lag": "fixed(2s)"}, places={"p": "za", "b": "zb"}, domains=zones, horizon="11h"))
    assert losses(res) == [(at(10, 0.5), "crash", 2.0)] and poisson_close(res.writes_lost, 200)


# -- split brain ---------------------------------------------------------------------------------------
def _split(writes: str, b_fails: list[dict[str, Any]] | None = None, lag: str = "fixed(0s)") -> relsim.Model:
    # p (za) and b (zb); the controller in zb loses p 10-11 h (link down): b
    # promoted, p serves on its side until the link heals at 11 h
    return relsim.load({
        "name": "sb", "horizon": "12h",
        "domains": {"za": {"kind": "zone"}, "zb": {"kind": "zone"}},
        "links": {"ab": {"between": ["za", "zb"], "failures": [trans("10h", "1h")]}},
        "components": {"p": {"in": "za"}, "b": {"in": "zb", "failures": b_fails or []}},
        "services": {"db": {"replicas": ["p", "b"], "mode": "active-passive",
                            "detection": {"heartbeat": {"period": "1s"}, "controller": "zb"},
                            "failover": {"time": "fixed(1m)"}, "data": {"writes": writes, "lag": lag}}}})


def test_a_split_brain_without_writes_discards_none():
    res = run(_split("0/s"))
    assert [c for _, c, _ in losses(res)] == ["failover", "split-brain"] and res.writes_lost == 0


def test_a_split_brain_at_a_low_rate_discards_its_poisson_count():
    # about 0.0002/s x 3540 s = 0.7 per run; the mean is the rate times the
    # split-brain times (exact, from the runs)
    m = _split("0.0002/s")
    results = [relsim.simulate(m, seed=0, replication=i) for i in range(200)]
    mean = sum(0.0002 * r.split_brain_time for r in results)
    assert poisson_close(sum(r.writes_lost for r in results), mean)


def test_an_old_primary_promoted_again_keeps_its_split_brain_writes():
    # b promoted at about 10:01 while p serves on its side; b crashes at
    # 10.5 h and p, reachable again at 11 h, is promoted: b's writes since its
    # promotion are lost (a failover of that window), p's own writes of the
    # split brain are on p's disk and kept (no split-brain loss)
    res = run(_split("100/s", b_fails=[perm("10.5h", "2h")], lag="fixed(2s)"))
    (tb, b), (tp, p) = [(e["t"], e) for e in res.trace or [] if e["event"] == "promoted"]
    assert (b["primary"], tp, p["primary"], p["via"]) == ("b", 11 * H, "p", "restored")
    ((t, e),) = events(res, "split_brain_end")
    assert (t, e["reason"]) == (11.0, "promoted again") and res.split_brain_time == pytest.approx(11 * H - tb)
    (first, second) = [e for _, e in events(res, "data_loss")]
    assert (first["cause"], first["seconds"], second["cause"]) == ("failover", 2.0, "failover")
    assert second["seconds"] == pytest.approx(10.5 * H - tb, abs=1e-9)
    assert poisson_close(second["writes"], 100 * (10.5 * H - tb))
    assert res.writes_lost == first["writes"] + second["writes"]


def test_an_old_primary_promoted_again_misses_what_the_other_side_wrote_since_its_demotion():
    # every beat lost, failover 10 s: p suspected at 3 s, b promoted at 13 s
    # (p's last 2 s stranded); b suspected at 16 s, p promoted again at 26 s:
    # p kept serving on its own since 13 s, so the 13 s b wrote are lost, and
    # p's own writes are kept (no split-brain loss)
    res = run(db({"lag": "fixed(2s)"}, horizon="27s", failover={"time": "fixed(10s)"},
                 detection={"heartbeat": {"period": "1s", "misses": 3, "loss": "100%"}}))
    assert [(e["t"], e["primary"]) for e in res.trace or [] if e["event"] == "promoted"] == [(13.0, "b"), (26.0, "p")]
    assert [(e["t"], e["cause"], e["seconds"]) for e in res.trace or [] if e["event"] == "data_loss"] == [
        (13.0, "failover", 2.0), (26.0, "failover", 13.0)]
    (second,) = [e["writes"] for e in res.trace or [] if e["event"] == "data_loss" and e["t"] == 26.0]
    assert poisson_close(second, 1300)


# -- restores and rebuilds -----------------------------------------------------------------------------
def _lost_all(data: dict[str, Any], every: str = "10h", repair: str = "2h", horizon: str = "14h",
              **kw: Any) -> relsim.Model:
    zones = {"z": {"kind": "zone", "failures": [perm(every, repair, destroys="data")]}, **kw.pop("zones", {})}
    return db(data, places={"p": "z", "b": "z", **kw.pop("places", {})}, domains=zones, horizon=horizon, **kw)


@pytest.mark.parametrize("data", [{"backups": [{"every": "4h"}], "restore": {"time": "fixed(1h)"}}, {}])
def test_restoring_or_rebuilding_without_writes_loses_none(data):
    res = run(_lost_all({"writes": "0/s", "rebuild": "fixed(30m)", **data}))
    assert [(c, s) for _, c, s in losses(res)] == [("restore", 2 * H) if data else ("unrecoverable", 10 * H)]
    assert res.writes_lost == 0


@pytest.mark.parametrize("data", [{"backups": [{"every": "4h"}], "restore": {"time": "fixed(1h)"}}, {}])
def test_restores_and_rebuilds_at_a_low_rate_lose_their_poisson_count(data):
    # everything lost every 12 h (or 12.5 h) in 3000 h; 0.00002/s: 0.14 (restore,
    # 2 h) or 0.72 (rebuild, 10 h) expected each time
    res = run(_lost_all({"writes": "0.00002/s", "rebuild": "fixed(30m)", **data}, horizon="3000h"))
    seconds = [s for _, _, s in losses(res)]
    assert len(seconds) > 200
    assert poisson_close(res.writes_lost, 0.00002 * sum(seconds))


@pytest.mark.parametrize("quiet", [False, True])
def test_a_loss_within_the_first_second_rebuilds_what_was_written_until_then(quiet):
    # lost at 0.5 s, back (and rebuilt from nothing) when z is repaired 1 h
    # later: 0.5 s of writes, none if the first hour has profile factor 0
    zones = {"z": {"kind": "zone", "failures": [{"kind": "permanent", "every": "fixed(0.5s)",
                                                 "repair": "fixed(1h)", "destroys": "data"}]}}
    profile = {"profile": _quiet(0)} if quiet else {}
    res = run(db({"rebuild": "fixed(30m)", **profile}, places={"p": "z", "b": "z"}, domains=zones, horizon="2h"))
    assert losses(res) == [(round(3600.5 / H, 9), "unrecoverable", 0.5)]
    assert res.writes_lost == 0 if quiet else poisson_close(res.writes_lost, 50)


@pytest.mark.parametrize(("backups", "taken"), [
    ([{"every": "3h"}, {"every": "4h"}], 9 * H),  # the newest of the policies' newest
    ([{"every": "4h"}, {"every": "3h"}], 9 * H),
    ([{"every": "4h", "retention": "3h"}, {"every": "3h"}], 9 * H),  # the first expired: the second
])
def test_the_restore_uses_the_newest_usable_backup_of_every_policy(backups, taken):
    res = run(_lost_all({"backups": backups, "restore": {"time": "fixed(1h)"}}))
    ((_, e),) = events(res, "restore_started")
    assert e["backup_taken"] == taken
    assert losses(res) == [(13.0, "restore", 10 * H - taken)]


def test_the_retention_counts_from_the_end_of_the_backup():
    # every 4 h, takes 3 h, kept 5 h: the 4 h backup completes at 7 h and is 5 h old at the 12 h restore
    res = run(_lost_all({"backups": [{"every": "4h", "takes": "3h", "retention": "5h"}],
                         "restore": {"time": "fixed(1h)"}}))
    ((_, e),) = events(res, "restore_started")
    assert e["backup_taken"] == 4 * H


def test_corruption_starting_with_a_backup_makes_that_backup_unusable():
    # corrupted at 8 h, as the 8 h backup starts: found at the 12 h scrub,
    # restored from the 4 h backup
    res = run(db({"corruption": {"every": "fixed(8h)", "scrub": "12h", "repair": "fixed(1h)"},
                  "backups": [{"every": "4h"}], "restore": {"time": "fixed(1h)"}}, horizon="13.5h"))
    ((_, e),) = events(res, "restore_started")
    assert e["backup_taken"] == 4 * H
    (out,) = res.outages
    assert (out.start_s, out.end_s, out.rpo_s) == (12 * H, 13 * H, 4 * H)


def test_a_backup_stored_in_a_domain_destroyed_as_it_completes_is_lost():
    # backups every 5 h kept in z, which is destroyed at 10 h, as the 10 h backup completes
    res = run(_lost_all({"backups": [{"every": "5h", "in": "z"}], "restore": {"time": "fixed(1h)"},
                         "rebuild": "fixed(30m)"}))
    ((_, e),) = events(res, "restore_impossible")
    assert e["reason"] == "no backup"


def test_a_backup_survives_the_destruction_of_its_domain_before_it_completed():
    # every 4 h, takes 3 h, kept in zb, which loses its data at 6 h: the 8 h
    # backup (complete at 11 h) survives and is restored after the 12 h loss
    zones = {"zb": {"kind": "zone", "failures": [perm("6h", "8h", destroys="data")]}}
    res = run(_lost_all({"backups": [{"every": "4h", "takes": "3h", "in": "zb"}], "restore": {"time": "fixed(1h)"}},
                        every="12h", horizon="16h", zones=zones))
    assert [t for t, e in events(res, "disaster") if e["domain"] == "zb"] == [6.0]
    ((_, e),) = events(res, "restore_started")
    assert e["backup_taken"] == 8 * H


# -- the added write latency ---------------------------------------------------------------------------
def test_a_horizon_of_one_second_still_averages_the_rtt():
    res = run(db({"replication": "sync", "rtt": "2ms"}, horizon="1s"))
    assert res.write_latency == pytest.approx(0.002)


# -- primaries that fail without crashing (cut off from the controller) --------------------------------
def _three_zones(links: dict[str, Any], p_fails: list[dict[str, Any]] | None = None,
                 b_fails: list[dict[str, Any]] | None = None, zones: dict[str, Any] | None = None,
                 horizon: str = "15.5h", **data: Any) -> relsim.Model:
    """p (za) and b (zb), the controller in zc; async, lag 2 s."""
    return relsim.load({
        "name": "tri", "horizon": horizon,
        "domains": {"za": {"kind": "zone"}, "zb": {"kind": "zone"}, "zc": {"kind": "zone"}, **(zones or {})},
        "links": links,
        "components": {"p": {"in": "za", "failures": p_fails or []}, "b": {"in": "zb", "failures": b_fails or []}},
        "services": {"db": {"replicas": ["p", "b"], "mode": "active-passive",
                            "detection": {"heartbeat": {"period": "1s"}, "controller": "zc"},
                            "failover": {"time": "fixed(1m)"},
                            "data": {"writes": "100/s", "lag": "fixed(2s)", **data}}}})


def test_primaries_cut_off_after_a_resume_and_after_a_failover_strand_the_lag_each_time():
    # p crashes at 4 h and 8:00:30 for 30 s (resumes, nothing unflushed); cut
    # off 10-11 h: b promoted, p's split brain discarded at 11 h; b cut off
    # 15-16 h: p promoted, each promotion loses the last 2 s
    res = run(_three_zones({"ac": {"between": ["za", "zc"], "failures": [trans("10h", "1h")]},
                            "bc": {"between": ["zb", "zc"], "failures": [trans("15h", "1h")]}},
                           p_fails=[trans("4h", "30s")]))
    assert [(t, e["primary"]) for t, e in events(res, "primary_failed")][:3] == [(4.0, "p"), (at(8, 0.5), "p"),
                                                                                 (10.0, "p")]
    assert [(c, s) for _, c, s in losses(res)][0::2] == [("failover", 2.0), ("failover", 2.0)]
    assert [c for _, c, _ in losses(res)] == ["failover", "split-brain", "failover"]
    assert [e["primary"] for _, e in events(res, "promoted")] == ["b", "p"]


def test_wiping_a_standby_puts_nothing_of_the_primary_at_risk():
    # zb (b) loses its data at 5 h; p is cut off for 1 s at 7 h and serves
    # again: no crash, nothing lost
    res = run(_three_zones({"ac": {"between": ["za", "zc"], "failures": [trans("7h", "1s")]}},
                           zones={"zb": {"kind": "zone", "failures": [trans("5h", "1m", destroys="data")]}},
                           horizon="8h"))
    assert [t for t, _ in events(res, "failover_cancelled")] == [round(7 + 1 / H, 9)]
    assert losses(res) == [] and res.writes_lost == 0


def test_a_split_brain_ending_during_an_outage_adds_writes_but_no_rpo():
    # p cut off 10-11 h: b promoted; b crashes at 10.5 h, p (the demoted
    # primary) at 10.75 h; the link heals at 11 h: p's split-brain writes
    # are charged to the outage open since 10.5 h, which b ends at 11.5 h by
    # resuming from its own disk (nothing unflushed): no RPO
    res = run(_three_zones({"ac": {"between": ["za", "zc"], "failures": [trans("10h", "1h")]}},
                           p_fails=[perm("10.75h", "2h")], b_fails=[perm("10.5h", "1h")], horizon="12h"))
    (_, out) = res.outages
    ((t, e),) = [(t, e) for t, e in events(res, "data_loss") if e["cause"] == "split-brain"]
    assert (out.start_s, out.end_s, t) == (10.5 * H, 11.5 * H, 11.0)
    assert math.isnan(out.rpo_s) and out.writes_lost == e["writes"] > 0


def test_conflicts_reconciled_during_an_outage_add_writes_but_no_rpo():
    # a and c both down 10.5-12 h; the link heals at 11 h, inside that outage
    m = relsim.load({
        "name": "mp", "horizon": "13h",
        "domains": {"eu": {"kind": "region"}, "us": {"kind": "region"}},
        "links": {"atl": {"between": ["eu", "us"], "failures": [trans("10h", "1h")]}},
        "components": {"a": {"in": "eu", "failures": [perm("10.5h", "1.5h")]},
                       "c": {"in": "us", "failures": [perm("10.5h", "1.5h")]}},
        "services": {"kv": {"replicas": ["a", "c"], "mode": "active-active",
                            "data": {"writes": "10/s", "keys": 100_000, "conflicts": "lww"}}}})
    res = run(m)
    (out,) = res.outages
    assert (out.start_s, out.end_s) == (10.5 * H, 12 * H) and [t for t, _ in events(res, "conflicts")] == [11.0]
    assert math.isnan(out.rpo_s) and out.writes_lost == res.conflicts > 0


# -- finding corruption ----------------------------------------------------------------------------------
def _found_after(res: relsim.RunResult) -> list[tuple[str, float, int]]:
    """(replica, seconds since its last corruption, corruptions since its last find) of every find."""
    last: dict[str, float] = {}
    count: dict[str, int] = {}
    out = []
    for e in res.trace or []:
        if e["event"] == "corrupted":
            (r,) = e["replicas"]
            last[r] = e["t"]
            count[r] = count.get(r, 0) + 1
        elif e["event"] == "corruption_found":
            out.append((e["replica"], e["t"] - last[e["replica"]], count[e["replica"]]))
            count[e["replica"]] = 0
    return out


def test_read_repair_finds_corruption_after_an_exponential_delay_of_mean_one_over_its_rate():
    # corruption about every 30 days per replica, reads find it at 1/h: the
    # delays are exponential with mean 1 h (and SD 1 h)
    m = db({"corruption": {"every": "exp(mean=30d)", "checksums": True, "read_repair": "1/h",
                           "repair": "fixed(10m)"}}, horizon="20y")
    delays = [d for _, d, n in _found_after(run(m)) if n == 1]
    assert len(delays) > 300
    assert abs(np.mean(delays) - H) < 4 * H / math.sqrt(len(delays))


def test_a_replica_corrupted_twice_before_a_scrub_is_found_once():
    # monthly scrubs, corruption every 60 days on average per replica: some
    # replicas are corrupted twice between scrubs; each find is one event
    m = db({"corruption": {"every": "exp(mean=60d)", "checksums": True, "scrub": "30d", "repair": "fixed(1h)"}},
           horizon="20y")
    res = run(m)
    found = _found_after(res)
    assert any(n >= 2 for _, _, n in found)
    finds = [(e["t"], e["replica"]) for e in res.trace or [] if e["event"] == "corruption_found"]
    assert len(finds) == len(set(finds)) and all(n >= 1 for _, _, n in found)


# -- the daily profile over a window of writes ------------------------------------------------------------
def _quiet(*hours: int) -> list[float]:
    """A profile of factor 1 but 0 in ``hours``."""
    return [0.0 if h in hours else 1.0 for h in range(24)]


def test_a_rebuild_loses_the_writes_of_the_profile_since_the_data_set_started():
    # no writes from 0:00 to 10:00: the data lost at 10 h held none
    res = run(_lost_all({"rebuild": "fixed(30m)", "profile": _quiet(*range(10))}))
    assert losses(res) == [(12.0, "unrecoverable", 10 * H)] and res.writes_lost == 0


def test_a_rebuild_integrates_the_profile_over_days_and_part_of_an_hour():
    # factor 2 from 0:00 to 12:00, 0 after; lost at 34.5 h (day 2, 10:30):
    # 12 h + 10.5 h at factor 2 = 45 h of writes at 100 000/s (1.62e10: 4 SE
    # is 3e-5 of it, so 10 s more or less per day or per hour shows)
    zones = {"z": {"kind": "zone", "failures": [perm("34.5h", "1h", destroys="data")]}}
    res = run(db({"writes": "100000/s", "rebuild": "fixed(30m)", "profile": [2.0] * 12 + [0.0] * 12},
                 places={"p": "z", "b": "z"}, domains=zones, horizon="36h"))
    assert losses(res) == [(35.5, "unrecoverable", 34.5 * H)]
    assert poisson_close(res.writes_lost, 100_000 * 45 * H)


def test_a_loss_at_midnight_counts_the_whole_day_of_the_profile():
    # lost at 24 h: the first day, 12 h at factor 2, at 1/s
    zones = {"z": {"kind": "zone", "failures": [perm("24h", "1h", destroys="data")]}}
    res = run(db({"writes": "1/s", "rebuild": "fixed(30m)", "profile": [2.0] * 12 + [0.0] * 12},
                 places={"p": "z", "b": "z"}, domains=zones, horizon="26h"))
    assert losses(res) == [(25.0, "unrecoverable", 24 * H)] and poisson_close(res.writes_lost, 24 * H)


def test_a_standby_behind_within_a_quiet_hour_misses_nothing():
    # factor 1 until 23:00, 0 after: b down at 23:00, p crashes 12 s later
    # (lag 2 s): the 10 s behind and the lag fall in the quiet hour
    p_fails = {"kind": "permanent", "every": "fixed(82812s)", "repair": "fixed(3h)"}
    res = run(db({"writes": "10000/s", "replication": "sync", "lag": "fixed(2s)", "profile": _quiet(23)},
                 {"p": [p_fails], "b": [perm("23h", "10m")]}, horizon="24h"))
    assert losses(res) == [(at(23, 10), "failover", 12.0)] and res.writes_lost == 0


def test_a_restore_loses_the_writes_of_the_profile_since_the_backup():
    # restored from the 8 h backup; no writes from 8:00 to 10:00
    res = run(_lost_all({"backups": [{"every": "4h"}], "restore": {"time": "fixed(1h)"}, "profile": _quiet(8, 9)}))
    assert losses(res) == [(13.0, "restore", 2 * H)] and res.writes_lost == 0


def test_a_standby_behind_misses_the_writes_of_the_profile_since_it_fell_behind():
    # b behind from 10 h; p crashes at 11 h: no writes from 10:00 to 11:00,
    # the lag's 2 s at 11 h at factor 1 (100/s)
    res = run(db({"replication": "sync", "lag": "fixed(2s)", "profile": _quiet(10)},
                 {"p": [perm("11h", "3h")], "b": [perm("10h", "2h")]}))
    assert losses(res) == [(12.0, "failover", 3600.0)] and poisson_close(res.writes_lost, 200)


def test_a_split_brain_discards_the_writes_of_the_profile_while_it_lasted():
    # p cut off 10-11 h: b promoted at about 10:01, the split brain until
    # 11:00; no writes from 10:00 to 11:00 (the 2 s lag included)
    res = run(_three_zones({"ac": {"between": ["za", "zc"], "failures": [trans("10h", "1h")]}}, horizon="12h",
                           profile=_quiet(10)))
    assert [(e["cause"], e["writes"]) for _, e in events(res, "data_loss")] == [("failover", 0), ("split-brain", 0)]
    res = run(_three_zones({"ac": {"between": ["za", "zc"], "failures": [trans("10h", "1h")]}}, horizon="12h"))
    assert all(e["writes"] > 0 for _, e in events(res, "data_loss"))


@pytest.mark.parametrize(("factor", "horizon"), [(0.0, "20h"), (2.0, "11h")])
def test_conflicts_follow_the_writes_of_the_profile_during_the_partition(factor, horizon):
    # partition 10-11 h (reconciled at 11 h, or at the 11 h horizon): factor 0
    # leaves no conflict; factor 2 gives each side 36 000 writes over 100 000 keys
    profile = [1.0] * 24
    profile[10] = factor
    m = relsim.load({
        "name": "mp", "horizon": horizon,
        "domains": {"eu": {"kind": "region"}, "us": {"kind": "region"}},
        "links": {"atl": {"between": ["eu", "us"], "failures": [trans("10h", "5h" if horizon == "11h" else "1h")]}},
        "components": {"a": {"in": "eu"}, "c": {"in": "us"}},
        "services": {"kv": {"replicas": ["a", "c"], "mode": "active-active",
                            "data": {"writes": "10/s", "keys": 100_000, "conflicts": "lww", "profile": profile}}}})
    res = run(m)
    if factor == 0.0:
        assert res.conflicts == 0
    else:
        assert poisson_close(res.conflicts, 100_000 * (1 - math.exp(-36_000 / 100_000)) ** 2)


def test_unrecoverable_corruption_is_restored_from_the_last_backup_before_the_copies_went_bad():
    # checksums: each replica is corrupted about every 30 days, found at the
    # next daily scrub and re-copied in 1 h. When a scrub finds no good copy,
    # the data is lost since the corrupted set was last empty (the episode's
    # first corruption) and restored from the last daily backup started
    # before it. Replayed from the trace, repairs ending 1 h after each find
    # (and leaving a replica corrupted again during its repair corrupted).
    m = db({"corruption": {"every": "exp(mean=30d)", "checksums": True, "scrub": "1d", "repair": "fixed(1h)"},
            "backups": [{"every": "1d", "retention": "1y"}], "restore": {"time": "fixed(2h)"}}, horizon="30y")
    res = run(m)
    bad: dict[str, float] = {}  # replica -> when it went bad
    fixes: list[tuple[float, str]] = []
    since: float | None = None  # the episode's first corruption
    expected, taken = [], []
    for e in res.trace or []:
        t = e["t"]
        for when, r in sorted(f for f in fixes if f[0] <= t):
            fixes.remove((when, r))
            bad.pop(r, None)
            if not bad:
                since = None
        if e["event"] == "corrupted":
            fixes[:] = [f for f in fixes if f[1] != e["replicas"][0]]
            bad.setdefault(e["replicas"][0], t)
            since = t if since is None else since
        elif e["event"] == "corruption_found":
            fixes.append((t + e["repair"], e["replica"]))
        elif e["event"] == "corruption_unrecoverable":
            assert since is not None and set(bad) == {"p", "b"}
            expected.append(math.floor(since / 86400) * 86400.0)
        elif e["event"] == "restore_started":
            taken.append(e["backup_taken"])
        elif e["event"] == "restored":
            bad.clear()
            fixes.clear()
            since = None
    assert len(taken) >= 5 and taken == expected


def test_a_repair_under_way_when_the_data_is_restored_ends_quietly():
    # corruption about every 20 days per replica, found at the daily scrub,
    # re-copied in 10 days; every replica's data destroyed every 50 days and
    # restored in 1 h: some restores clear a corruption whose repair is still
    # under way, and that repair then has nothing left to do
    zones = {"z": {"kind": "zone", "failures": [perm("50d", "1h", destroys="data")]}}
    res = run(db({"corruption": {"every": "exp(mean=20d)", "checksums": True, "scrub": "1d", "repair": "fixed(10d)"},
                  "backups": [{"every": "1d", "retention": "1y"}], "restore": {"time": "fixed(1h)"}},
                 places={"p": "z", "b": "z"}, domains=zones, horizon="10y"))
    restored = [e["t"] for e in res.trace or [] if e["event"] == "restored"]
    found = [e["t"] for e in res.trace or [] if e["event"] == "corruption_found"]
    assert any(f < r < f + 10 * 86400 for f in found for r in restored)
    assert res.restores == len(restored) > 10


def _corrupted_at(monkeypatch: pytest.MonkeyPatch, hours: dict[str, list[float]]) -> None:
    """Each replica is corrupted at the given hours, in place of its ``every`` clock."""
    def schedule(self: DataProtection, replica: Any) -> None:
        times = iter([h * H for h in hours.get(replica.name, [])] + [1e15])

        def draw() -> float:
            return next(times) - self.sim.env.now

        self.sim.after(draw(), lambda _e: self._corrupt(replica, draw))

    monkeypatch.setattr(DataProtection, "_schedule_corruption", schedule)


def _scrubbed(repair: str, **kw: Any) -> relsim.Model:
    return db({"corruption": {"every": "fixed(1000d)", "checksums": True, "scrub": "12h", "repair": f"fixed({repair})"},
               "backups": [{"every": "4h"}], "restore": {"time": "fixed(1h)"}}, **kw)


def test_a_corruption_during_its_repair_is_not_cleared_by_that_repair(monkeypatch):
    # p corrupted at 10 h, found at the 12 h scrub, re-copied 12-16 h; p is
    # corrupted again at 14 h, during that copy, and b at 20 h: the 16 h end
    # of the repair leaves p corrupted, and the 24 h scrub finds no good copy
    # (p since 10 h, b since 20 h): restored from the 8 h backup, 1 h
    _corrupted_at(monkeypatch, {"p": [10, 14], "b": [20]})
    res = run(_scrubbed("4h", horizon="26h"))
    assert [(t, e["event"], e.get("replica")) for t, e in events(res, "corruption_found", "corruption_unrecoverable",
                                                                  "restore_started", "restored")] == [
        (12.0, "corruption_found", "p"), (24.0, "corruption_unrecoverable", None), (24.0, "restore_started", None),
        (25.0, "restored", None)]
    ((_, e),) = events(res, "restore_started")
    assert e["backup_taken"] == 8 * H and res.unrecoverable == 1
    (out,) = res.outages
    assert (out.start_s, out.end_s, out.cause_kind, out.rpo_s) == (24 * H, 25 * H, "data-loss", 2 * H)


def test_a_repair_under_way_at_a_restore_leaves_a_later_corruption_to_be_found(monkeypatch):
    # p corrupted at 10 h, found at 12 h, re-copied 12-18 h; every copy wiped
    # at 12.5 h, restored 13-14 h (the corruption with it); p corrupted again
    # at 16 h: the repair ending at 18 h leaves it, and the 24 h scrub finds it
    _corrupted_at(monkeypatch, {"p": [10, 16]})
    zones = {"z": {"kind": "zone", "failures": [perm("12.5h", "0.5h", destroys="data")]}}
    res = run(_scrubbed("6h", places={"p": "z", "b": "z"}, domains=zones, horizon="25h"))
    assert [(t, e["event"]) for t, e in events(res, "restore_started", "restored")] == [
        (13.0, "restore_started"), (14.0, "restored")]
    assert [(t, e["replica"]) for t, e in events(res, "corruption_found")] == [(12.0, "p"), (24.0, "p")]
    assert res.unrecoverable == 0
