"""``method: sampled`` against ``method: beats`` for heartbeats with latency (docs/model-format.md).

The sampled method draws detection delays and false suspicions without
simulating beats; the beat method simulates every beat, its latency and the
deadline it resets, so late and reordered beats count as misses. Where the
schema accepts ``sampled`` (a fixed latency, or no loss and a latency that
varies by at most ``(misses - 1)`` periods) both must describe the same
process: each comparison is a two-sample test whose bound is four standard
errors of the difference. Elsewhere ``sampled`` is refused with a message
that points to ``beats``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import relsim


def model(method: str, latency: str, loss: str, horizon: str, failing: bool = False) -> relsim.Model:
    a: dict[str, Any] = {}
    if failing:
        # The primary fails often and comes back by itself: many detections.
        a = {"failures": [{"kind": "transient", "every": "exp(mean=10m)", "lasts": "fixed(30s)"}]}
    return relsim.load({
        "name": "beats", "horizon": horizon, "components": {"a": a, "b": {}},
        "services": {"s": {"mode": "active-passive", "replicas": ["a", "b"], "standby": "hot",
                           "failover": {"hold": "1h"},  # suspicions never lead to a promotion
                           "detection": {"method": method, "heartbeat": {
                               "period": "1s", "misses": 3, "loss": loss, "latency": latency}}}}})


def two_sample_z(x: list[float], y: list[float]) -> float:
    """Welch's statistic for equal means: difference over its standard error."""
    a, b = np.asarray(x, float), np.asarray(y, float)
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    return abs(a.mean() - b.mean()) / se if se > 0 else abs(a.mean() - b.mean()) * math.inf


def runs(m: relsim.Model, n: int) -> list[relsim.RunResult]:
    return [relsim.simulate(m, seed=7, replication=i) for i in range(n)]


@pytest.mark.parametrize("latency", ["fixed(1ms)", "fixed(500ms)", "fixed(2s)", "fixed(7s)"])
def test_false_suspicions_agree_for_fixed_latency(latency: str) -> None:
    """Loss 20 %, misses 3: about 0.0064 false suspicions per beat, ~23 per replication."""
    counts = {meth: [r.false_suspicions for r in runs(model(meth, latency, "20%", "1h"), 12)]
              for meth in ("sampled", "beats")}
    assert np.mean(counts["beats"]) > 5
    assert two_sample_z(counts["sampled"], counts["beats"]) < 4


@pytest.mark.parametrize("latency", ["fixed(2ms)", "fixed(3s)", "uniform(0s, 500ms)", "uniform(1s, 3s)",
                                     "empirical([0s, 1.9s, 100ms])"])
def test_detection_delays_agree(latency: str) -> None:
    """Mean detection delay of a failing primary, latency from far below to above the period."""
    loss = "5%" if latency.startswith("fixed") else "0"
    delays = {}
    for meth in ("sampled", "beats"):
        res = runs(model(meth, latency, loss, "4h", failing=True), 6)
        delays[meth] = [d for r in res for d in r.detection_delays]
        if loss == "0":
            assert sum(r.false_suspicions for r in res) == 0
    assert len(delays["beats"]) > 50
    assert two_sample_z(delays["sampled"], delays["beats"]) < 4


@pytest.mark.parametrize(("latency", "loss", "why"), [
    ("exp(mean=2s)", "1%", r"loss 0\.01 > 0"),
    ("uniform(0s, 10ms)", "0.1%", r"loss 0\.001 > 0"),
    ("exp(mean=10ms)", "0", r"varies by inf s > \(misses - 1\) \* period = 2 s"),
    ("uniform(0s, 2.5s)", "0", r"varies by 2\.5 s"),
])
def test_sampled_refuses_latencies_it_cannot_draw_exactly(latency: str, loss: str, why: str) -> None:
    with pytest.raises(relsim.ModelError, match=r"services\.s\.detection: heartbeat latency .*" + why
                       + r".*use method: beats"):
        model("sampled", latency, loss, "1h")
    model("beats", latency, loss, "1h")  # the beat method takes any latency


def test_beats_shows_what_late_beats_do() -> None:
    """The figure of the issue: exp(mean=2s) latency makes most beats late, so false
    suspicions are frequent under ``beats`` and (before the refusal) ``sampled``
    counted only lost ones."""
    counts = [r.false_suspicions for r in runs(model("beats", "exp(mean=2s)", "1%", "10m"), 3)]
    assert min(counts) > 3
