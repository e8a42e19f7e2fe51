"""The public closed forms of docs/application.md against direct computation and the simulator."""

from __future__ import annotations

import itertools
import math

import pytest

import relsim

HOUR = 3600.0


@pytest.mark.parametrize("lag", [None, "fixed(30s)"])
@pytest.mark.parametrize("length", ["weibull(shape=1.5, mean=20m)", "exp(mean=20m)", "fixed(20m)"])
def test_sessions_lost_per_failure_matches_a_single_failure_in_steady_state(length, lag):
    # web-1 fails once at 10 h: by then its sessions are in steady state (any length < 10 h)
    spec = {
        "name": "one", "horizon": "11h",
        "components": {"web-1": {"failures": [{"kind": "permanent", "every": "fixed(10h)", "repair": "fixed(1h)"}]},
                       "web-2": {}},
        "services": {"web": {"replicas": ["web-1", "web-2"]}},
        "sessions": {"rate": "3/s", "length": length, "service": "web",
                     **({"store": "replicated", "lag": lag} if lag else {})},
    }
    lost = relsim.simulate(relsim.load(spec), 0, 0).app["sessions_lost"]
    assert lost == pytest.approx(relsim.sessions_lost_per_failure(3.0, length, 0.5, lag), rel=1e-6)


def test_quorum_availability_counts_every_up_set():
    n, p = 5, 0.93
    for level, need in (("one", 1), ("quorum", 3), ("all", 5), (4, 4)):
        direct = sum(p ** sum(up) * (1 - p) ** (n - sum(up))
                     for up in itertools.product((0, 1), repeat=n) if sum(up) >= need)
        assert relsim.quorum_availability(n, p, level) == pytest.approx(direct)
    with pytest.raises(ValueError, match="level must be one of"):
        relsim.quorum_availability(3, 0.9, "most")


def test_stale_read_probability_closed_forms():
    # one of three, writes at one, exp lag: 2/3 x wl/(1+wl); quorum writes make quorum reads fresh
    assert relsim.stale_read_probability(3, 0.1, "exp(mean=1s)") == pytest.approx(2 / 3 * 0.1 / 1.1)
    assert relsim.stale_read_probability(3, 0.1, "exp(mean=1s)", "quorum", "quorum") == 0.0
    assert relsim.stale_read_probability(5, 0.1, "fixed(2s)", 2, 1) == pytest.approx(
        math.comb(4, 2) / math.comb(5, 2) * -math.expm1(-0.2))


def test_saga_probabilities_add_up_and_match_the_simulator():
    probs = relsim.saga_probabilities([0.99, 0.98, 0.97], [1.0, 0.9, 0.8])
    assert sum(probs.values()) == pytest.approx(1.0)
    spec = {
        "name": "saga", "horizon": "1h",
        "components": {"a": {}}, "services": {"s": {"replicas": ["a"]}},
        "sagas": {"x": {"rate": "1/s", "steps": [
            {"service": "s", "success": 0.99, "compensation": {"success": 1.0}},
            {"service": "s", "success": 0.98, "compensation": {"success": 0.9}},
            {"service": "s", "success": 0.97, "compensation": {"success": 0.8}}]}},
    }
    app = relsim.simulate(relsim.load(spec), 0, 0).app
    for key in ("completed", "compensated", "stuck"):
        assert app[f"sagas_{key}"] == pytest.approx(HOUR * probs[key])
    with pytest.raises(ValueError, match="one compensation per step"):
        relsim.saga_probabilities([0.9, 0.9], [1.0])
