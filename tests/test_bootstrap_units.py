"""Beyond 1,000 replications the pooled-percentile bootstrap resamples groups of replications.

The groups are consecutive replications, so they are independent clusters
like the replications themselves; the interval must estimate the same
spread as resampling every replication (compared within a tolerance of
many times the bootstraps' own Monte Carlo error, ~3 % each with 999
resamples) and the jackknife then costs 1,000 evaluations, not n.
"""

from __future__ import annotations

import numpy as np

from relsim import intervals
from relsim.metrics import _pooled_row


def test_units_are_the_replications_up_to_the_limit_then_consecutive_groups() -> None:
    owner = np.arange(1000)
    same, n = intervals.bootstrap_units(owner, 1000)
    assert n == 1000 and same is owner
    owner = np.repeat(np.arange(2500), 2)  # two events per replication
    units, n = intervals.bootstrap_units(owner, 2500)
    assert n == intervals.BOOTSTRAP_UNITS == 1000
    assert units.min() == 0 and units.max() == 999
    assert (np.diff(units) >= 0).all()  # consecutive replications share a unit
    sizes = np.bincount(units) // 2  # events per unit, two per replication
    assert set(sizes.tolist()) <= {2, 3}  # 2,500 replications in 1,000 groups of 2 or 3
    assert (units[::2] == units[1::2]).all()  # a replication's events stay in one unit


def test_grouped_and_single_replication_bootstraps_agree(monkeypatch) -> None:
    rng = np.random.default_rng(20261130)
    by_run = [rng.exponential(3600.0, rng.integers(1, 4)) for _ in range(3000)]
    grouped = _pooled_row(by_run, 0.95, seed=1)
    monkeypatch.setattr(intervals, "BOOTSTRAP_UNITS", 10**9)
    single = _pooled_row(by_run, 0.95, seed=1)
    assert grouped["mean"] == single["mean"]  # the estimate itself does not depend on the bootstrap
    assert 0.8 < grouped["se"] / single["se"] < 1.25
    width = lambda row: row["ci_high"] - row["ci_low"]  # noqa: E731
    assert 0.8 < width(grouped) / width(single) < 1.25
