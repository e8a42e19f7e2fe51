"""Golden signals per replication: bins of the exactly integrated request path.

The bins partition the replication, so requests offered, failed and the
attempts summed over the bins equal the replication's totals — also while
DNS caches drain (linear pieces) and under a daily profile — and a known
timeline gives known bins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import relsim
from relsim.cli import main
from relsim.engine import simulate
from relsim.engine.workload import RateProfile
from relsim.golden_signals import bin_pieces

MODELS = Path(__file__).resolve().parent.parent / "models"
CHECK = {"interval": "10s", "unhealthy": 3, "healthy": 2, "timeout": "2s"}


def tier(**workload: Any) -> relsim.Model:
    return relsim.load({
        "name": "tier", "horizon": "20h",
        "components": {"web-1": {"failures": [{"kind": "transient", "every": "fixed(10h)",
                                               "lasts": "fixed(1h)"}]}, "web-2": {}},
        "services": {"web": {"replicas": ["web-1", "web-2"]}},
        "load_balancers": {"lb": {"service": "web", "health_check": CHECK}},
        "workload": {"rate": "30/s", "target": "lb", **workload},
    })


def totals(frame: Any, horizon: float) -> dict[str, float]:
    width = np.diff(np.append(frame["t"].to_numpy(), horizon))
    return {k: float((frame[k] * width).sum()) for k in ("traffic", "errors", "attempts")}


@pytest.mark.parametrize("name,horizon", [
    ("multi-region-dns.yaml", "60d"),
    ("retry-storm.yaml", "10d"),
    ("retry-storm-circuit-breaker.yaml", "10d"),
    ("web-tier-retries.yaml", "30d"),
])
def test_binned_totals_equal_the_replication(name: str, horizon: str):
    model = relsim.load(MODELS / name)
    frame = relsim.golden_signals(model, seed=2, replication=1, step="7m", horizon=horizon)
    res = relsim.simulate(model, 2, 1, horizon=relsim.parse_duration(horizon))
    got = totals(frame, res.horizon)
    req = res.requests
    assert got["traffic"] == pytest.approx(req["offered"], rel=1e-9)
    assert got["errors"] == pytest.approx(req["failed"], rel=1e-9, abs=1e-6)
    assert got["attempts"] == pytest.approx(req["attempts"], rel=1e-9)
    assert frame.attrs["totals"]["failed"] == pytest.approx(req["failed"])
    assert len(frame) == int(np.ceil(res.horizon / 420))


def test_dns_failover_drain_is_binned_exactly():
    # multi-region DNS: some bins have linear pieces (caches draining);
    # the same totals at a step that does not divide the horizon
    model = relsim.load(MODELS / "multi-region-dns.yaml")
    pieces = []
    res = simulate(model, 0, 0, 365 * 86400.0, on_piece=pieces.append)
    assert any(any(piece.c1) for piece in pieces)  # some rates move linearly
    profile = RateProfile(model.spec.workload.rate, model.spec.workload.profile)
    frame = bin_pieces(pieces, profile, model.spec.workload, res.horizon, 7000.0)
    got = totals(frame, res.horizon)
    assert got["traffic"] == pytest.approx(res.requests["offered"], rel=1e-12)
    assert got["errors"] == pytest.approx(res.requests["failed"], rel=1e-9)
    assert frame["t"].iloc[-1] == 7000 * (365 * 86400 // 7000)


def test_incident_timeline_with_a_circuit_breaker():
    # web-1 fails at 10 h: in the minute [10 h, 10 h + 1 m] the breaker is
    # closed for 10 s (half the requests fail), open for 30 s (all fail)
    cb = {"threshold": "30%", "window": "10s", "open": "30s"}
    frame = relsim.golden_signals(tier(clients={"circuit_breaker": cb}), step="1m")
    row = frame[frame["t"] == 36000].iloc[0]
    assert row["traffic"] == pytest.approx(30.0)
    assert row["errors"] == pytest.approx((15 * 10 + 30 * 30) / 60)
    assert row["attempts"] == pytest.approx((30 * 10 + 30 * 20) / 60)  # no attempts while open
    assert (frame[frame["t"] != 36000]["errors"] == 0).all()


def test_latency_and_saturation_columns():
    # retries with no jitter: a request that succeeds at the second attempt
    # waits one timeout and one backoff
    work = {"latency": "fixed(50ms)",
            "clients": {"timeout": "1s", "retry": {"attempts": 2, "base": "100ms", "jitter": "none"}}}
    frame = relsim.golden_signals(tier(**work), step="1h")
    assert frame["latency"].iloc[0] == pytest.approx(0.05)
    assert (frame["saturation"] == 0).all()  # no capacities
    hit = frame[frame["t"] == 36000].iloc[0]
    assert hit["latency"] > 0.05
    storm = relsim.golden_signals(relsim.load(MODELS / "retry-storm.yaml"), seed=1, step="1h", horizon="1d")
    assert storm["saturation"].iloc[0] == pytest.approx(380 / 500)


def test_needs_a_fluid_workload():
    model = relsim.load(MODELS / "single-host.yaml")
    with pytest.raises(ValueError, match="workload"):
        relsim.golden_signals(model)
    with pytest.raises(ValueError, match="fluid"):
        relsim.golden_signals(tier(mode="discrete"))


def test_cli_signals(capsys: pytest.CaptureFixture[str]):
    path = str(MODELS / "retry-storm-circuit-breaker.yaml")
    assert main(["signals", path, "--seed", "1", "--step", "1h", "--horizon", "10d", "--csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "t,traffic,errors,success,attempts,saturation,latency"
    assert len(out) == 1 + 240
    assert main(["signals", path, "--seed", "1", "--step", "1h", "--horizon", "10d"]) == 0
    out = capsys.readouterr().out
    assert "240 bins of 1 h" in out or "240 bins of" in out
    assert main(["signals", str(MODELS / "single-host.yaml")]) == 2
