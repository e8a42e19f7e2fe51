"""The batch engine (relsim/engine/batch.py) on the reference cases it can express: C1, C3, C4a/b, C5.

The same exact values as the other validation modules, the same rule
(``|mean - exact| < 4 se`` with the SE from the replications of the run,
and an SE small against the quantity). The batch engine runs many
replications in lockstep, so each case runs 2,048 replications of a
horizon long enough to hold thousands of system outages in all; the
start-up transient from "all new at t = 0" lasts a few repair times, under
0.1 % of each replication.
"""

from __future__ import annotations

import numpy as np
import pytest
import test_c1_single_component as c1
import test_c3_series as c3
import test_c4_parallel as c4
import test_c5_quorum as c5
from _compare import assert_close, mean_se

import relsim
from relsim.units import HOUR

RUNS = 2048


def batch(model: relsim.Model, seed: int, hours: float) -> relsim.Results:
    return relsim.run(model, runs=RUNS, seed=seed, horizon=hours * HOUR, engine="batch")


def ratio(results: relsim.Results) -> tuple[float, float]:
    """Mean outage duration (hours) as a ratio of totals over replications, with its delta-method SE."""
    out = results.outages
    reps = results.runs["replication"].to_numpy()
    d = out.groupby("replication")["duration_s"].sum().reindex(reps, fill_value=0.0).to_numpy() / HOUR
    n = out.groupby("replication")["duration_s"].count().reindex(reps, fill_value=0).to_numpy(float)
    r = d.sum() / n.sum()
    z = d - r * n
    se = float(np.sqrt((z**2).sum() / (len(z) * (len(z) - 1))) / n.mean())
    return float(r), se


def test_c1_single_component() -> None:
    model = relsim.load({"name": "c1", "components": {"u": {"failures": [
        {"kind": "permanent", "every": "exp(mean=1000h)", "repair": "exp(mean=10h)"}]}},
        "services": {"s": {"replicas": ["u"]}}})
    res = batch(model, 901, 20_000)
    mean, se = mean_se(res.runs["availability"])
    assert_close(mean, se, c1.C1_1, scale=1 - c1.C1_1, label="C1.1 batch")
    mean, se = ratio(res)
    assert_close(mean, se, c1.MTTR, label="C1 mean outage batch")


def test_c3_series() -> None:
    res = batch(relsim.load(c3.MODEL), 902, 20_000)
    mean, se = mean_se(res.runs["availability"])
    assert_close(mean, se, c3.C3_1, scale=1 - c3.C3_1, label="C3.1 batch")
    mean, se = mean_se(res.runs["outages_per_year"])
    assert_close(mean, se, c3.C3_2, label="C3.2 batch")
    mean, se = ratio(res)
    assert_close(mean, se, c3.C3_3, label="C3.3 batch")


@pytest.mark.parametrize("case", ["a", "b"])
def test_c4_parallel(case: str) -> None:
    a, rate, duration, probs = c4.EXACT[case]
    res = batch(c4.model(case), 903, 400_000)
    mean, se = mean_se(res.runs["availability"])
    assert_close(mean, se, a, scale=1 - a, label=f"C4{case}.1 batch")
    mean, se = mean_se(res.runs["outages_per_year"])
    assert_close(mean, se, rate, label=f"C4{case}.2 batch")
    mean, se = ratio(res)
    assert_close(mean, se, duration, label=f"C4{case}.3 batch")
    # state probabilities through needs: 2 (served fraction = pi_0 + pi_1 / 2)
    two = batch(c4.model(case, needs=2), 904, 40_000)
    mean, se = mean_se(two.runs["availability"])
    assert_close(mean, se, probs[0], scale=1 - probs[0], label=f"C4{case} pi_0 batch")
    mean, se = mean_se(two.runs["served_fraction"])
    exact = probs[0] + probs[1] / 2
    assert_close(mean, se, exact, scale=1 - exact, label=f"C4{case} served batch")


def test_c5_quorum() -> None:
    res = batch(c5.model("quorum"), 905, 200_000)
    mean, se = mean_se(res.runs["availability"])
    assert_close(mean, se, c5.C5_1, scale=1 - c5.C5_1, label="C5.1 batch")
    mean, se = mean_se(res.runs["outages_per_year"])
    assert_close(mean, se, c5.C5_2, label="C5.2 batch")
    mean, se = ratio(res)
    assert_close(mean, se, c5.C5_3, label="C5.3 batch")
    assert np.isfinite(mean)
