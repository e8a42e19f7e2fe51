"""The interval code recomputed from its definitions (relsim/intervals.py, relsim/evidence.py).

Each function is checked against an independent computation (scipy, or the
formula written out here) and at the edges where the code branches: no
data, one replication, a zero denominator, NaNs, exactly
:data:`relsim.evidence.MIN_EVENTS` events. Together with the coverage tests
of tests/test_calibration.py these kill the mutants that change an interval
by a few per cent (a ``ddof``, a quantile, a threshold) which a coverage
count over a few hundred experiments cannot see.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from relsim import intervals
from relsim.evidence import (
    MIN_EVENTS,
    binomial_interval,
    poisson_interval,
    quantile_events_needed,
)
from relsim.intervals import (
    mean_ci,
    paired_differences,
    paired_quantile_difference,
    paired_ratio_difference,
    ratio_ci,
    resampled_quantiles,
    sorted_with_owners,
    weighted_quantile,
)


def t_interval(mean: float, se: float, n: int) -> tuple[float, float]:
    half = stats.t.ppf(0.975, n - 1) * se
    return mean - half, mean + half


def delta_se(num: np.ndarray, den: np.ndarray) -> float:
    """Delta-method SE of Σnum/Σden over i.i.d. pairs (Law 2015, §9.5), written out."""
    n, r = len(num), num.sum() / den.sum()
    resid = num - r * den
    var = ((resid - resid.mean()) ** 2).sum() / (n - 1)
    return math.sqrt(var / n) / (den.sum() / n)


# --------------------------------------------------------------------------
# mean_ci


def test_mean_ci_is_the_student_t_interval() -> None:
    x = [1.0, 2.0, 4.0, 7.0, float("nan"), 11.0]
    row = mean_ci(x)
    clean = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    assert row["n"] == 5 and row["mean"] == pytest.approx(5.0)
    assert row["se"] == pytest.approx(stats.sem(clean), rel=1e-12)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(t_interval(5.0, stats.sem(clean), 5), rel=1e-12)
    # the same from a Series and from an ndarray
    assert mean_ci(pd.Series(x))["se"] == pytest.approx(row["se"], rel=1e-12)
    assert mean_ci(np.array(x))["ci_high"] == pytest.approx(row["ci_high"], rel=1e-12)


def test_mean_ci_edges() -> None:
    empty = mean_ci([])
    assert set(empty) == {"mean", "se", "ci_low", "ci_high", "n"}
    assert empty["n"] == 0 and all(math.isnan(empty[k]) for k in ("mean", "se", "ci_low", "ci_high"))
    one = mean_ci([3.0])
    assert one["n"] == 1 and one["mean"] == 3.0
    assert math.isnan(one["se"]) and math.isnan(one["ci_low"]) and math.isnan(one["ci_high"])
    two = mean_ci([1.0, 3.0])  # se = 1, t(0.975, 1) = 12.706
    assert two["se"] == pytest.approx(1.0) and two["ci_high"] == pytest.approx(2.0 + 12.7062047, rel=1e-7)
    # any iterable: a generator is read once, as a list
    gen = mean_ci(v for v in [1.0, 3.0])
    assert gen["n"] == 2 and gen["se"] == pytest.approx(1.0, rel=1e-15)
    # missing values of an object column (None) are dropped like NaN
    na = mean_ci(np.array([1, None, 3], dtype=object))
    assert na["n"] == 2 and na["mean"] == 2.0 and na["se"] == pytest.approx(1.0, rel=1e-15)


# --------------------------------------------------------------------------
# ratio_ci and paired_ratio_difference


def test_ratio_ci_is_the_delta_method_interval() -> None:
    num = np.array([3.0, 0.0, 5.5, 2.0, 8.0, 1.0])
    den = np.array([2, 0, 3, 1, 4, 1])
    row = ratio_ci(num, den)
    assert row["mean"] == pytest.approx(19.5 / 11) and row["n"] == 6
    assert row["se"] == pytest.approx(delta_se(num, den.astype(float)), rel=1e-12)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(t_interval(row["mean"], row["se"], 6), rel=1e-12)


def test_ratio_ci_edges() -> None:
    assert math.isnan(ratio_ci(np.array([]), np.array([]))["mean"])
    zero = ratio_ci(np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    assert set(zero) == {"mean", "se", "ci_low", "ci_high", "n"}
    assert all(math.isnan(zero[k]) for k in ("mean", "se", "ci_low", "ci_high")) and zero["n"] == 2
    one = ratio_ci(np.array([3.0]), np.array([1.0]))  # a denominator of 1 is a ratio, not "no data"
    assert one["mean"] == 3.0 and math.isnan(one["se"]) and math.isnan(one["ci_low"])
    # two replications: ratio 8/3, residuals 3 - 8/3 = 1/3 and 5 - 16/3 = -1/3 (variance 2/9),
    # SE sqrt(2/9 / 2) / mean(den) 1.5 = 2/9, t on 1 degree of freedom
    two = ratio_ci(np.array([3.0, 5.0]), np.array([1.0, 2.0]))
    assert two["mean"] == pytest.approx(8 / 3, rel=1e-15) and two["se"] == pytest.approx(2 / 9, rel=1e-14)
    assert (two["ci_low"], two["ci_high"]) == pytest.approx(t_interval(8 / 3, 2 / 9, 2), rel=1e-12)
    # a missing value of an object column (None) is a NaN, not an error
    na = ratio_ci(np.array([3, None], dtype=object), np.array([1, 2]))
    assert math.isnan(na["mean"]) and na["n"] == 2
    na = ratio_ci(np.array([3.0, 5.0]), np.array([1, None], dtype=object))
    assert math.isnan(na["mean"]) and na["n"] == 2


def test_paired_ratio_difference_is_the_linearised_paired_interval() -> None:
    rng = np.random.default_rng(8)
    den_a = rng.poisson(3.0, 25).astype(float)
    den_b = den_a.copy()
    num_a = den_a * rng.exponential(2.0, 25)
    num_b = num_a * 0.8 + rng.exponential(0.1, 25) * den_b
    row = paired_ratio_difference(num_a, den_a, num_b, den_b)
    r_a, r_b = num_a.sum() / den_a.sum(), num_b.sum() / den_b.sum()
    assert row["mean"] == pytest.approx(r_b - r_a, rel=1e-12)
    e = (num_b - r_b * den_b) / den_b.mean() - (num_a - r_a * den_a) / den_a.mean()
    assert row["se"] == pytest.approx(stats.sem(e), rel=1e-12)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(t_interval(row["mean"], row["se"], 25), rel=1e-12)
    assert row["events"] == int(min(den_a.sum(), den_b.sum())) and row["established"] and row["n"] == 25


def test_two_paired_replications_with_enough_events_have_an_interval() -> None:
    """n = 2 is the smallest sample with a standard error: the interval uses t with 1 degree of freedom."""
    num_a, den_a = np.array([30.0, 50.0]), np.array([10.0, 12.0])
    num_b, den_b = np.array([42.0, 51.0]), np.array([10.0, 12.0])
    row = paired_ratio_difference(num_a, den_a, num_b, den_b)
    r_a, r_b = 80.0 / 22.0, 93.0 / 22.0
    e = (num_b - r_b * den_b) / 11.0 - (num_a - r_a * den_a) / 11.0
    se = abs(e[0] - e[1]) / 2.0  # sd (ddof 1) of two values / sqrt(2)
    assert row["established"] and row["n"] == 2 and row["events"] == 22
    assert row["mean"] == pytest.approx(r_b - r_a, rel=1e-12) and row["se"] == pytest.approx(se, rel=1e-12)
    half = stats.t.ppf(0.975, 1) * se
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((r_b - r_a - half, r_b - r_a + half), rel=1e-12)


def test_paired_ratio_difference_needs_events() -> None:
    den = np.array([1.0, 2.0, 0.0, 1.0, 0.0, 1.0, 2.0, 1.0, 1.0])  # 9 events
    num = den * 2.0
    row = paired_ratio_difference(num, den, num * 1.5, den)
    assert row["mean"] == pytest.approx(1.0) and row["events"] == 9 and not row["established"]
    assert math.isnan(row["ci_low"]) and math.isnan(row["se"])
    den10 = np.append(den, 1.0)
    row = paired_ratio_difference(den10 * 2.0, den10, den10 * 3.0 + np.arange(10) * 0.01, den10)
    assert row["events"] == MIN_EVENTS and row["established"] and not math.isnan(row["ci_low"])
    empty = paired_ratio_difference(np.zeros(3), np.zeros(3), np.ones(3), np.ones(3))
    assert math.isnan(empty["mean"]) and not empty["established"]
    assert set(empty) == {"mean", "se", "ci_low", "ci_high", "n", "events", "established"}
    assert math.isnan(empty["ci_high"]) and empty["n"] == 3 and empty["events"] == 0
    # no events on one side only: no ratio there, so no difference (not ±inf)
    for lone in ((np.ones(3), np.zeros(3), np.ones(3), np.ones(3)), (np.ones(3), np.ones(3), np.ones(3), np.zeros(3))):
        row = paired_ratio_difference(*lone)
        assert math.isnan(row["mean"]) and not row["established"]
    # exactly one event on a side is a ratio like any other
    one = paired_ratio_difference(np.array([4.0, 0.0]), np.array([1.0, 0.0]), np.array([3.0, 3.0]), np.array([1.0, 2.0]))
    assert one["mean"] == pytest.approx(6.0 / 3.0 - 4.0) and one["events"] == 1
    other = paired_ratio_difference(np.array([3.0, 3.0]), np.array([1.0, 2.0]), np.array([4.0, 0.0]), np.array([1.0, 0.0]))
    assert other["mean"] == pytest.approx(4.0 - 6.0 / 3.0) and other["events"] == 1
    single = paired_ratio_difference(np.array([20.0]), np.array([10.0]), np.array([30.0]), np.array([10.0]))
    assert single["mean"] == pytest.approx(1.0) and not single["established"]


def test_paired_ratio_difference_is_calibrated() -> None:
    # Variant b's durations are a's scaled by 0.8 (the same outages: common
    # random numbers): the ratio difference is 0.8 * 2 - 2 = -0.4 exactly.
    rng = np.random.default_rng(1906)
    hits = []
    for _ in range(400):
        den = rng.poisson(4.0, 30).astype(float)
        num_a = np.array([rng.exponential(2.0, int(k)).sum() for k in den])
        num_b = 0.8 * num_a + np.array([rng.normal(0.0, 0.3, int(k)).sum() for k in den])
        row = paired_ratio_difference(num_a, den, num_b, den)
        hits.append(row["ci_low"] <= -0.4 <= row["ci_high"])
    assert 0.91 <= np.mean(hits) <= 0.985


# --------------------------------------------------------------------------
# paired_differences


def test_paired_differences_table() -> None:
    a = pd.DataFrame({"replication": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
                      "x": np.arange(12.0), "y": np.ones(12)})
    b = pd.DataFrame({"replication": [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0],  # any order: matched on replication
                      "x": np.arange(12.0)[::-1] + 0.5 + np.arange(12.0)[::-1] % 3 * 0.1, "y": np.ones(12)})
    a["only_a"], b["only_b"] = 1.0, 2.0
    table = paired_differences(a, b, ["missing", "x", "only_a", "only_b", "y"])
    assert list(table.index) == ["x", "y"]  # a metric missing from either side is skipped, the rest kept
    assert table.index.name == "metric"
    assert list(table.columns) == ["mean", "se", "ci_low", "ci_high", "n", "events", "established",
                                   "significant"]
    diff = 0.5 + np.arange(12.0) % 3 * 0.1
    row = table.loc["x"]
    assert row["mean"] == pytest.approx(diff.mean()) and row["se"] == pytest.approx(stats.sem(diff))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(t_interval(diff.mean(), stats.sem(diff), 12))
    assert row["n"] == 12 and row["events"] == 12 and row["established"] and row["significant"]
    same = table.loc["y"]
    assert same["events"] == 0 and not same["established"] and not same["significant"]
    assert math.isnan(same["ci_low"]) and same["mean"] == 0.0


def test_a_metric_whose_column_one_side_lacks_is_skipped_whatever_the_names() -> None:
    # a's own column z_a looks like the joined column of a metric z: z has no z_b, so it is skipped
    a = pd.DataFrame({"replication": range(12), "z_a": np.ones(12), "x": np.zeros(12)})
    b = pd.DataFrame({"replication": range(12), "x": np.arange(12.0)})
    table = paired_differences(a, b, ["z", "x"])
    assert list(table.index) == ["x"] and table.loc["x", "mean"] == pytest.approx(5.5)


def test_paired_differences_rest_on_the_replications_that_differ() -> None:
    n = 20
    a = pd.DataFrame({"replication": range(n), "x": np.zeros(n)})
    for differ in (MIN_EVENTS - 1, MIN_EVENTS):
        x = np.zeros(n)
        x[:differ] = 1.0 + np.arange(differ) * 0.01
        x[3] = np.nan if differ == MIN_EVENTS else x[3]  # a NaN neither differs nor counts
        b = pd.DataFrame({"replication": range(n), "x": x})
        row = paired_differences(a, b, ["x"]).loc["x"]
        expected = differ - (1 if differ == MIN_EVENTS else 0)
        assert row["events"] == expected
        assert row["n"] == n - (1 if differ == MIN_EVENTS else 0)
    # with fewer than MIN_EVENTS differing the interval is left out
    x = np.zeros(n)
    x[: MIN_EVENTS - 1] = 5.0
    row = paired_differences(a, pd.DataFrame({"replication": range(n), "x": x}), ["x"]).loc["x"]
    assert not row["established"] and math.isnan(row["ci_low"]) and not row["significant"]
    x[: MIN_EVENTS] = 5.0
    row = paired_differences(a, pd.DataFrame({"replication": range(n), "x": x}), ["x"]).loc["x"]
    assert row["established"] and row["significant"] and row["ci_low"] > 0
    # an interval that straddles 0 (and ends below 1) is not significant
    wobble = np.where(np.arange(n) % 2 == 0, 0.5, -0.5) + np.arange(n) * 1e-3
    row = paired_differences(a, pd.DataFrame({"replication": range(n), "x": wobble}), ["x"]).loc["x"]
    assert row["established"] and row["ci_low"] < 0 < row["ci_high"] < 1 and not row["significant"]
    # a negative, significant difference
    row = paired_differences(a, pd.DataFrame({"replication": range(n), "x": -x}), ["x"]).loc["x"]
    assert row["established"] and row["significant"] and row["ci_high"] < 0


# --------------------------------------------------------------------------
# weighted_quantile and paired_quantile_difference


def test_weighted_quantile_inverts_the_weighted_cdf() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantile(x, np.ones(4), 0.5) == 2.0  # F(2) = 0.5 reaches q
    assert weighted_quantile(x, np.ones(4), 0.51) == 3.0
    assert weighted_quantile(x, np.array([0.0, 0.0, 1.0, 1.0]), 0.5) == 3.0
    assert weighted_quantile(x, np.array([3.0, 0.0, 0.0, 1.0]), 0.75) == 1.0
    assert weighted_quantile(x, np.ones(4), 1.0) == 4.0
    assert math.isnan(weighted_quantile(x, np.zeros(4), 0.5))
    # a total weight of exactly 1, and weight only on the last value: the inverse CDF all the same
    assert weighted_quantile(np.array([7.0]), np.array([1.0]), 0.5) == 7.0
    assert weighted_quantile(np.array([1.0, 2.0]), np.array([0.0, 1.0]), 0.5) == 2.0
    assert weighted_quantile(np.array([1.0, 2.0]), np.array([0.5, 0.5]), 0.5) == 1.0
    assert math.isnan(weighted_quantile(np.array([]), np.array([]), 0.5))
    # unit weights agree with numpy's inverted-CDF percentile
    y = np.sort(np.random.default_rng(2).exponential(1.0, 57))
    for q in (0.05, 0.5, 0.95):
        assert weighted_quantile(y, np.ones(57), q) == np.percentile(y, 100 * q, method="inverted_cdf")


@pytest.mark.parametrize("int32_totals", [2**31, 0])  # whole weights summed in int32, and in int64
def test_resampled_quantiles_are_weighted_quantiles_row_by_row(monkeypatch, int32_totals) -> None:
    """The bootstrap's vectorised statistic: one weighted_quantile per resample, the same numbers."""
    monkeypatch.setattr(intervals, "_INT32_TOTALS", int32_totals)
    rng = np.random.default_rng(4)
    n = 30
    by_run = [np.round(rng.exponential(50.0, int(rng.poisson(2))), 0) for _ in range(n)]  # ties and empty runs
    x, owner = sorted_with_owners(by_run, np.concatenate(by_run))
    idx = rng.integers(0, n, size=(3, 70, n))  # any leading shape, one resample per row
    idx[0, 0] = next(i for i, r in enumerate(by_run) if not len(r))  # a resample of one eventless run: NaN
    for q in (0.05, 0.5, 0.95, 1.0):
        got = resampled_quantiles(x, owner, n, q, idx)
        assert got.shape == (3, 70)
        want = [weighted_quantile(x, np.bincount(row, minlength=n)[owner].astype(float), q)
                for row in idx.reshape(-1, n)]
        np.testing.assert_array_equal(got.ravel(), want)
    assert math.isnan(resampled_quantiles(x, owner, n, 0.5, idx)[0, 0])


@pytest.mark.parametrize("window", ["real", "empty", "one", "start", "end", "all", "off"])
def test_resampled_quantiles_agree_whatever_the_window(monkeypatch, window) -> None:
    """Summing weights over a window of events only is a fast path: any window gives the full sum's numbers.

    Rows whose quantile lies outside the window (every row, for a window of
    no events or one far off) are summed over every event instead.
    """
    rng = np.random.default_rng(11)
    n = 400
    by_run = [np.round(rng.lognormal(3.0, 1.0, int(rng.poisson(6))), 1) for _ in range(n)]
    x, owner = sorted_with_owners(by_run, np.concatenate(by_run))
    m = len(x)
    real = intervals._quantile_window
    spans = {"empty": lambda c: (c, c), "one": lambda c: (c, min(m, c + 1)), "start": lambda c: (0, 7),
             "end": lambda c: (m - 7, m), "all": lambda c: (0, m), "off": lambda c: (m // 10, m // 10 + 50)}
    if window != "real":
        monkeypatch.setattr(intervals, "_quantile_window",
                            lambda m_, n_, q_: spans[window](min(m_, math.ceil(q_ * m_))))
    idx = np.concatenate([rng.integers(0, n, size=(150, n)),  # ordinary resamples
                          rng.integers(0, 3, size=(20, n))])  # three replications over and over: far from even
    jackknife = np.stack([np.delete(np.arange(n), i) for i in range(0, n, 9)])  # leave one out: n - 1 each
    for q in (0.0, 0.05, 0.5, 0.95, 0.99, 1.0):
        for rows in (idx, jackknife):
            got = resampled_quantiles(x, owner, n, q, rows)
            want = [weighted_quantile(x, np.bincount(row, minlength=n)[owner].astype(float), q) for row in rows]
            np.testing.assert_array_equal(got, want)
    lo, hi = real(m, n, 0.95)  # the real window: well inside the events, around the unweighted 95th percentile
    assert 0 < lo < math.ceil(0.95 * m) < hi <= m


def test_paired_quantile_difference() -> None:
    rng = np.random.default_rng(4)
    a = [rng.exponential(10.0, rng.poisson(5)) for _ in range(40)]
    b = [x * 2.0 for x in a]
    row = paired_quantile_difference(a, b, 0.5)
    pa, pb = np.concatenate(a), np.concatenate(b)
    assert row["mean"] == pytest.approx(np.percentile(pb, 50) - np.percentile(pa, 50))
    assert row["events"] == len(pa) and row["n"] == 40
    assert row["established"] and row["ci_low"] < row["mean"] < row["ci_high"]
    assert row["ci_low"] > 0  # b is a doubled: the difference is clearly positive
    top = paired_quantile_difference(a, b, None)
    assert top["mean"] == pytest.approx(pb.max() - pa.max()) and not top["established"]
    assert math.isnan(top["ci_low"])
    # too few events for a 95th percentile (needs 100): a point estimate only
    few = [x[:1] for x in a[:30]]
    row = paired_quantile_difference(few, [x * 2 for x in few], 0.95)
    assert row["events"] < quantile_events_needed(0.95) and not row["established"]
    assert not math.isnan(row["mean"]) and math.isnan(row["ci_low"])
    none = paired_quantile_difference([np.array([])] * 3, [np.array([1.0])] * 3, 0.5)
    assert math.isnan(none["mean"]) and none["events"] == 0


# --------------------------------------------------------------------------
# evidence


def test_exact_interval_edges() -> None:
    assert all(math.isnan(v) for v in binomial_interval(0, 0))
    assert binomial_interval(1, 1) == pytest.approx((0.025, 1.0), rel=1e-9)
    assert binomial_interval(0, 1) == pytest.approx((0.0, 0.975), rel=1e-9)
    assert binomial_interval(0, 10) == pytest.approx((0.0, 1 - 0.025 ** (1 / 10)), rel=1e-9)
    assert binomial_interval(10, 10) == pytest.approx((0.025 ** (1 / 10), 1.0), rel=1e-9)
    lo, hi = binomial_interval(5, 10)  # beta quantiles, written out
    assert (lo, hi) == pytest.approx((stats.beta.ppf(0.025, 5, 6), stats.beta.ppf(0.975, 6, 5)), rel=1e-12)
    assert all(math.isnan(v) for v in poisson_interval(3, 0.0))
    assert poisson_interval(3, 2.0) == pytest.approx(
        (stats.chi2.ppf(0.025, 6) / 4, stats.chi2.ppf(0.975, 8) / 4), rel=1e-12)
    assert poisson_interval(0, 1.0, level=0.9) == pytest.approx((0.0, -math.log(0.05)), rel=1e-9)


def test_events_needed_beyond_a_percentile() -> None:
    assert quantile_events_needed(0.95) == 100
    assert quantile_events_needed(0.99) == 500
    assert quantile_events_needed(0.5) == 10
    assert quantile_events_needed(0.05) == 100


def test_outage_duration_assumption_is_the_longest_mean_time_to_restore() -> None:
    import relsim
    from relsim.evidence import outage_duration_assumption
    from relsim.units import HOUR

    def model(failures: list, **extra: object) -> relsim.Model:
        return relsim.load({"name": "m", "components": {"a": {"failures": failures}},
                            "services": {"s": {"replicas": ["a"]}}, **extra})

    latent = {"kind": "permanent", "every": "exp(mean=100h)", "repair": "fixed(3h)", "detect": "fixed(2h)"}
    brief = {"kind": "transient", "every": "exp(mean=50h)", "lasts": "exp(mean=4h)"}
    assert outage_duration_assumption(model([latent])) == pytest.approx(5 * HOUR)  # detect + repair
    assert outage_duration_assumption(model([latent, brief])) == pytest.approx(5 * HOUR)
    assert outage_duration_assumption(model([brief])) == pytest.approx(4 * HOUR)
    assert outage_duration_assumption(model([])) == 0.0
    # a DNS provider's failures count too: make its outages the longest
    import yaml

    with open("models/multi-region-dns.yaml", encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    raw["dns"]["provider"]["failures"][0]["lasts"] = "exp(mean=1000h)"
    assert outage_duration_assumption(relsim.load(raw)) == pytest.approx(1000 * HOUR)


def test_paired_quantile_difference_rows_and_their_seed() -> None:
    """Every row has the same keys; an interval is reproducible, its seed 0 by default, and has a finite SE."""
    keys = {"mean", "se", "ci_low", "ci_high", "n", "events", "established"}
    none = paired_quantile_difference([np.array([])] * 3, [np.array([1.0])] * 3, 0.5)
    assert set(none) == keys and math.isnan(none["se"])
    rng = np.random.default_rng(8)
    a = [rng.exponential(10.0, rng.poisson(4)) for _ in range(30)]
    b = [x * 1.5 + 1.0 for x in a]
    row = paired_quantile_difference(a, b, 0.5)
    assert set(row) == keys and row["established"]
    assert isinstance(row["se"], float) and 0.0 < row["se"] < row["ci_high"] - row["ci_low"]
    assert paired_quantile_difference(a, b, 0.5) == row == paired_quantile_difference(a, b, 0.5, seed=0)
    assert paired_quantile_difference(a, b, 0.5, seed=1)["ci_low"] != row["ci_low"]


def test_a_percentile_difference_is_established_from_exactly_the_events_it_needs() -> None:
    need = quantile_events_needed(0.95)  # 100
    a = [np.arange(5.0) + 10 * i for i in range(need // 5)]  # 20 replications of 5 events
    b = [x * 2.0 for x in a]
    assert paired_quantile_difference(a, b, 0.95)["established"]
    a[0], b[0] = a[0][:4], b[0][:4]
    assert not paired_quantile_difference(a, b, 0.95)["established"]


def test_a_percentile_difference_needs_events_from_twenty_replications() -> None:
    # replications where either variant has events count; 19 are too few to resample
    a = [np.arange(3.0) + i for i in range(19)] + [np.array([])] * 5
    b = [x * 2.0 for x in a]
    row = paired_quantile_difference(a, b, 0.5)
    assert row["events"] == 57 and row["n"] == 24 and not row["established"] and math.isnan(row["ci_low"])
    assert row["mean"] == np.percentile(np.concatenate(b), 50) - np.percentile(np.concatenate(a), 50)
    b[19] = np.array([7.0])  # the 20th replication has an event in one variant only
    row = paired_quantile_difference(a, b, 0.5)
    assert row["established"] and row["ci_low"] < row["mean"] < row["ci_high"]
    with pytest.raises(ValueError):  # pairs need the same replications on both sides
        paired_quantile_difference(a, b[:-1], 0.5)


def test_a_resample_of_one_event_has_that_event_as_every_quantile() -> None:
    x, owner = np.array([5.0]), np.array([0])
    for q in (0.05, 0.5, 1.0):
        assert resampled_quantiles(x, owner, 2, q, np.array([[0, 1], [1, 1]])).tolist()[0] == 5.0
    assert math.isnan(resampled_quantiles(x, owner, 2, 0.5, np.array([[1, 1]]))[0])


@pytest.mark.parametrize("cells", [1, 700, 10**9])  # one resample per block, a few per block, all in one block
def test_resampled_quantiles_of_many_rows_in_blocks(monkeypatch, cells) -> None:
    """Resamples are processed in blocks of at most _CELLS cells; every block's rows get their own quantile,
    the last (partial) block's too, and the blocks' size changes no number."""
    monkeypatch.setattr(intervals, "_CELLS", cells)
    rng = np.random.default_rng(8)
    n = 12
    by_run = [np.round(rng.exponential(20.0, int(rng.poisson(3))), 0) for _ in range(n)]
    x, owner = sorted_with_owners(by_run, np.concatenate(by_run))
    rows = rng.integers(0, n, size=(101, n))  # 101 rows: not a multiple of any block size above 1
    for q in (0.1, 0.5, 0.9):
        got = resampled_quantiles(x, owner, n, q, rows)
        want = [weighted_quantile(x, np.bincount(row, minlength=n)[owner].astype(float), q) for row in rows]
        np.testing.assert_array_equal(got, want)


def test_quantile_window_spans_eight_standard_deviations_and_256_events() -> None:
    """[ceil(q m) - h, ceil(q m) + h) within the events, h = floor(8 sqrt(m q (1 - q) (1 + m / n))) + 256: the
    rank's standard deviation when replications of m / n events each are resampled whole (n = 0 as 1).
    Worked out by hand: m = n = 10^4, q = 0.9: sqrt(900 * 2) = 42.43, h = 339 + 256 = 595 around 9000;
    m = 10^6 from one replication, q = 10^-4: sqrt(99.99 * 1000001) = 9999.505, h = 79996 + 256 = 80252."""
    window = intervals._quantile_window
    assert window(10_000, 10_000, 0.9) == (8405, 9595)
    assert window(100, 10, 0.5) == (0, 100)  # 8 sqrt(25 * 11) + 256 = 388 either side: every event
    assert window(10**6, 1, 1e-4) == (0, 80352)
    assert window(10**6, 0, 1e-4) == (0, 80352)
    assert window(0, 0, 0.5) == (0, 0)
