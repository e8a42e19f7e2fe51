"""relsim's BCa bootstrap is scipy.stats.bootstrap's, without importing scipy.stats.

:func:`relsim.intervals.replication_bootstrap` computes the interval
relsim's pooled percentiles (``outage_p95``, ``rto_p99``...) and paired
percentile differences report. It is written with numpy and
``scipy.special`` so that a run does not import ``scipy.stats`` (about
0.7 s and 45 MiB); here it is checked against ``scipy.stats.bootstrap``
called as relsim called it before: the same resamples from the same
generator, so the two must agree to rounding (the interval's limits are
linear quantiles of the resamples, which scipy and numpy evaluate with
formulas that differ in the last bits).

The cases span what summaries meet: 2 to 1,000 bootstrap units (a
jackknife of one batch, of several, and of a partial last batch),
percentiles from the median to the 99th, continuous and tied values,
replications without events (resamples with no value: NaN limits),
degenerate resamples (every value equal: NaN limits) and a statistic
that is the difference of two variants.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from relsim import intervals
from relsim.intervals import resampled_quantiles, sorted_with_owners

RTOL = 1e-12  # rounding: every step is the same arithmetic on the same resamples


def scipy_bootstrap(statistic, n: int, seed: int):
    """The call relsim made before its own implementation (relsim 0.1, intervals.py)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return stats.bootstrap((np.arange(n),), statistic, n_resamples=999, vectorized=True, method="BCa",
                               confidence_level=0.95, rng=np.random.default_rng(seed), batch=64)


def pooled_statistic(by_run: list[np.ndarray], q: float):
    pooled = np.concatenate(by_run)
    x, owner = sorted_with_owners(by_run, pooled)
    n = len(by_run)
    return (lambda idx, axis=-1: resampled_quantiles(x, owner, n, q, idx)), n


def same(a: float, b: float, scale: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= RTOL * max(abs(scale), 1e-300)


def check(statistic, n: int, seed: int) -> intervals.Bootstrap:
    ours = intervals.replication_bootstrap(statistic, n, np.random.default_rng(seed))
    theirs = scipy_bootstrap(statistic, n, seed)
    lo, hi = theirs.confidence_interval
    scale = max(abs(float(lo)), abs(float(hi)), float(theirs.standard_error)) if not math.isnan(lo) else 1.0
    assert same(ours.low, float(lo), scale), (ours, theirs.confidence_interval)
    assert same(ours.high, float(hi), scale), (ours, theirs.confidence_interval)
    assert same(ours.standard_error, float(theirs.standard_error), float(theirs.standard_error))
    return ours


CASES = [  # (replications, events per replication up to, q, tied values)
    (2, 6, 0.5, False),
    (3, 5, 0.95, False),
    (10, 3, 0.5, True),
    (64, 2, 0.95, False),  # a jackknife of exactly one batch
    (65, 2, 0.95, True),  # one batch and one unit more
    (200, 4, 0.99, False),
    (333, 1, 0.95, True),  # a partial last batch; many replications without events
    (1000, 3, 0.95, False),
]


@pytest.mark.parametrize(("n", "most", "q", "tied"), CASES)
def test_bca_interval_is_scipys(n: int, most: int, q: float, tied: bool) -> None:
    rng = np.random.default_rng([n, most, int(1000 * q)])
    by_run = []
    for _ in range(n):
        values = rng.lognormal(1.0, 0.8, rng.integers(0, most + 1))
        by_run.append(np.round(values) if tied else values)
    if sum(len(x) for x in by_run) == 0:
        by_run[0] = np.array([1.0])
    statistic, units = pooled_statistic(by_run, q)
    got = check(statistic, units, seed=n)
    if not any(len(x) == 0 for x in by_run) and not tied:
        assert got.low <= statistic(np.arange(units)) <= got.high  # a real interval around the estimate


def test_every_resample_equal_gives_no_limits_as_scipy() -> None:
    by_run = [np.full(3, 7.0) for _ in range(20)]  # every percentile of every resample is 7
    statistic, n = pooled_statistic(by_run, 0.95)
    got = check(statistic, n, seed=3)
    assert math.isnan(got.low) and math.isnan(got.high) and got.standard_error == 0.0


def test_resamples_without_events_give_no_limits_as_scipy() -> None:
    by_run = [np.array([5.0, 9.0])] + [np.array([])] * 4  # most resamples miss the one replication with events
    statistic, n = pooled_statistic(by_run, 0.5)
    got = check(statistic, n, seed=4)
    assert math.isnan(got.low) and math.isnan(got.high) and math.isnan(got.standard_error)


def test_paired_difference_statistic_is_scipys() -> None:
    rng = np.random.default_rng(11)
    a = [rng.exponential(3.0, rng.integers(1, 4)) for _ in range(150)]
    b = [x * 1.2 + rng.normal(0, 0.1, len(x)) for x in a]  # variant B: longer, correlated
    sa, n = pooled_statistic(a, 0.95)
    sb, _ = pooled_statistic(b, 0.95)
    got = check(lambda idx, axis=-1: sb(idx) - sa(idx), n, seed=5)
    assert got.low < got.high


def test_the_resamples_are_drawn_from_the_generator_given() -> None:
    rng = np.random.default_rng(1)
    by_run = [rng.exponential(1.0, 3) for _ in range(50)]
    statistic, n = pooled_statistic(by_run, 0.5)
    one = intervals.replication_bootstrap(statistic, n, np.random.default_rng(7))
    again = intervals.replication_bootstrap(statistic, n, np.random.default_rng(7))
    other = intervals.replication_bootstrap(statistic, n, np.random.default_rng(8))
    assert one == again
    assert one != other


def test_a_summary_does_not_import_scipy_stats() -> None:
    import subprocess
    import sys

    code = ("import sys, relsim\n"
            "r = relsim.run('models/pair-shared-crew.yaml', runs=40, seed=1)\n"
            "r.summary()\n"
            "print('scipy.stats' in sys.modules)\n")
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize("values", [np.array([1.0, 3.0]), np.random.default_rng(12).exponential(2.0, 30)])
def test_a_statistic_that_reads_its_axis_is_given_the_last_one(values: np.ndarray) -> None:
    """The documented call: ``statistic(indices, axis=-1)``, one resample per row (two replications: a = 0)."""

    def statistic(idx: np.ndarray, *, axis: int) -> np.ndarray:
        assert axis == -1 and np.ndim(idx) in (1, 2)
        return values[idx].mean(axis=axis)

    got = check(statistic, len(values), seed=21)
    assert not math.isnan(got.low) and got.low < values.mean() < got.high


def test_weights_summing_to_exactly_2_to_the_31_are_counted_in_int64() -> None:
    """1,024 draws of a unit holding 2^21 events: the resample's total weight is 2^31, past int32."""
    events = 2**21
    x = np.arange(events, dtype=float)
    got = resampled_quantiles(x, np.zeros(events, dtype=np.int64), 1024, 0.5, np.zeros((1, 1024), dtype=np.int64))
    # every event weighs 1024: the median is the 2^20-th event (position 2^20 - 1)
    assert got.tolist() == [float(2**20 - 1)]
