"""Property tests of data protection: sync loses nothing without a double failure,
and nothing loses more than was written."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

import relsim
from relsim.engine import OUTAGE_FIELDS

F = {name: i for i, name in enumerate(OUTAGE_FIELDS)}
FAILURES = [{"kind": "permanent", "every": "exp(mean=3h)", "repair": "exp(mean=20m)"},
            {"kind": "transient", "every": "exp(mean=2h)", "lasts": "exp(mean=3m)"}]


def model(data: dict, standbys: int, extra_service: dict | None = None) -> relsim.Model:
    names = ["p", "b", "c"][: 1 + standbys]
    return relsim.load({
        "name": "data", "horizon": "12h",
        "components": {n: {"failures": FAILURES} for n in names},
        "services": {"db": {"replicas": names, "mode": "active-passive",
                            "failover": {"time": "exp(mean=30s)"}, "data": data, **(extra_service or {})}},
    })


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["fixed(1s)", "exp(mean=2s)"]), st.sampled_from(["shared", "per-write"]),
       st.integers(0, 2**16))
def test_sync_that_blocks_never_loses_a_write(lag, lag_model, seed):
    # One standby, and writes stop whenever it cannot acknowledge them: every
    # acknowledged write is on both nodes. (With two standbys, "sync" means
    # one of them has it; losing the primary and that standby and promoting
    # the other is the double failure that can lose data.)
    standbys = 1
    m = model({"writes": "50/s", "replication": "sync", "on_sync_unavailable": "block",
               "lag": lag, "lag_model": lag_model}, standbys)
    res = relsim.simulate(m, seed=seed, replication=0)
    assert res.writes_lost == 0
    for o in res.outages:
        assert o[F["writes_lost"]] == 0
        assert math.isnan(o[F["rpo_s"]]) or o[F["rpo_s"]] == 0


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["sync", "semi-sync", "async"]), st.sampled_from(["block", "degrade"]),
       st.sampled_from(["every-write", "interval", "none"]), st.integers(1, 2),
       st.booleans(), st.integers(0, 2**16))
def test_losses_are_bounded_by_what_was_written(replication, policy, fsync, standbys, backups, seed):
    data: dict = {"writes": "20/s", "replication": replication, "on_sync_unavailable": policy,
                  "lag": "exp(mean=1s)", "wal": {"fsync": fsync, "interval": "5s"}}
    if backups:
        data["backups"] = [{"every": "1h"}]
        data["restore"] = {"time": "exp(mean=20m)"}
        data["corruption"] = {"every": "exp(mean=4h)", "checksums": False, "scrub": "30m"}
    res = relsim.simulate(model(data, standbys), seed=seed, replication=0, trace=True)
    # Every loss is a data_loss event in the trace with its exposure window
    # (the seconds of writes at risk): the total is their sum, and since the
    # writes of a window are Poisson(20/s x window), the total lies within 4
    # SD of 20/s x the summed windows (two-sided: a correct engine fails one
    # example in ~16 000). Losing twice the writes, or half, fails this.
    losses = [e for e in res.trace or [] if e["event"] == "data_loss"]
    assert res.writes_lost == sum(e["writes"] for e in losses)
    assert res.data_loss_events == sum(1 for e in losses if e["writes"] > 0)
    exposure = 20 * sum(e["seconds"] for e in losses)
    assert all(0 <= e["seconds"] <= 12 * 3600 for e in losses)
    assert abs(res.writes_lost - exposure) <= 4 * math.sqrt(exposure)
    phases = ("detection_s", "decision_s", "failover_s", "restore_s")
    for o in res.outages:
        assert o[F["writes_lost"]] >= 0
        assert math.isclose(sum(o[F[p]] for p in phases), o[F["duration_s"]], rel_tol=1e-9, abs_tol=1e-6)
        rpo = o[F["rpo_s"]]
        assert math.isnan(rpo) or rpo >= 0
    assert 0.0 <= res.write_latency
