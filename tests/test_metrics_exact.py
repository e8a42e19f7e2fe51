"""The summary's arithmetic (relsim/metrics.py) on tables of known content, worked out by hand.

Each statistic of a summary row is checked against its definition written
out here (a mean and its Student-t interval, a ratio of totals with its
delta-method SE, numpy's linear percentiles, the BCa bootstrap of
scipy.stats.bootstrap), and each step that picks data (a family's outages
and which replication they belong to, the windows an SLO is judged on, what
an interval rests on) against a small table whose answer is known.
"""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from relsim import metrics
from relsim.evidence import MIN_EVENTS, binomial_interval, poisson_interval
from relsim.intervals import resampled_quantiles, sorted_with_owners
from relsim.metrics import (
    _known,
    _pooled_row,
    _ratio_row,
    _row,
    family_events,
    slo_windows_met,
    summary_rows,
)
from relsim.units import YEAR

STATS = ["mean", "se", "ci_low", "ci_high", "p05", "p50", "p95", "n"]


def same(row: dict, want: dict) -> None:
    assert set(row) == set(want), (sorted(row), sorted(want))
    for key, value in want.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(row[key]), key
        else:
            assert row[key] == pytest.approx(value, rel=1e-13, abs=1e-15), key
            assert type(row[key]) is not bool


# --------------------------------------------------------------------------
# _row: mean, SE, Student-t interval and percentiles over replications


def test_row_is_mean_se_t_interval_and_linear_percentiles() -> None:
    row = _row(np.array([7.0, 1.0, math.nan, 11.0, 2.0, 4.0]))
    # 1 2 4 7 11: mean 5, squared deviations 16 9 1 4 36 -> variance 66/4, SE sqrt(16.5/5)
    se = math.sqrt(16.5 / 5)
    half = stats.t.ppf(0.975, 4) * se
    # linear percentiles: position 0.05*4 = 0.2 -> 1.2; 0.5*4 = 2 -> 4; 0.95*4 = 3.8 -> 7 + 0.8*4
    same(row, {"mean": 5.0, "se": se, "ci_low": 5.0 - half, "ci_high": 5.0 + half,
               "p05": 1.2, "p50": 4.0, "p95": 10.2, "n": 5})
    assert row["n"] == 5 and isinstance(row["n"], int)


def test_row_of_one_value_and_of_none() -> None:
    same(_row(np.array([3.0, math.nan])), {"mean": 3.0, "se": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                                           "p05": 3.0, "p50": 3.0, "p95": 3.0, "n": 1})
    same(_row(np.array([math.nan])), dict.fromkeys(STATS, math.nan) | {"n": 0})
    same(_row(np.array([], dtype=float)), dict.fromkeys(STATS, math.nan) | {"n": 0})
    # two values: t on one degree of freedom (12.706...)
    row = _row(np.array([1, 3]))  # integers are read as floats
    se = math.sqrt(2.0 / 2)
    same(row, {"mean": 2.0, "se": se, "ci_low": 2.0 - stats.t.ppf(0.975, 1) * se,
               "ci_high": 2.0 + stats.t.ppf(0.975, 1) * se, "p05": 1.1, "p50": 2.0, "p95": 2.9, "n": 2})


# --------------------------------------------------------------------------
# _ratio_row: ratio of totals, delta-method SE


def test_ratio_row_is_the_ratio_of_totals_with_the_delta_method_se() -> None:
    row = _ratio_row(np.array([3.0, 0.0, 5.0]), np.array([1.0, 1.0, 2.0]))
    # ratio 8/4 = 2; residuals 3-2, 0-2, 5-4 = 1 -2 1: variance 6/2 = 3; SE sqrt(3/3) / mean(den) 4/3 = 0.75
    half = stats.t.ppf(0.975, 2) * 0.75
    # per replication: 3, 0, 2.5 -> sorted 0 2.5 3: p05 at 0.1 -> 0.25, p50 2.5, p95 at 1.9 -> 2.95
    same(row, {"mean": 2.0, "se": 0.75, "ci_low": 2.0 - half, "ci_high": 2.0 + half,
               "p05": 0.25, "p50": 2.5, "p95": 2.95, "n": 4})
    assert isinstance(row["n"], int)


def test_ratio_row_leaves_replications_without_events_out_of_the_percentiles_only() -> None:
    row = _ratio_row(np.array([3.0, 2.0, 5.0]), np.array([1.0, 0.0, 2.0]))
    # ratio 10/3; residuals 3-10/3, 2, 5-20/3 -> -1/3, 2, -5/3 (mean 0): variance (1/9+4+25/9)/2 = 31/9
    se = math.sqrt(31 / 9 / 3) / 1.0
    half = stats.t.ppf(0.975, 2) * se
    # per replication (den > 0 only): 3 and 2.5 -> p05 2.975, p50 2.75, p95 2.525
    same(row, {"mean": 10 / 3, "se": se, "ci_low": 10 / 3 - half, "ci_high": 10 / 3 + half,
               "p05": 2.525, "p50": 2.75, "p95": 2.975, "n": 3})


def test_ratio_row_edges() -> None:
    same(_ratio_row(np.array([]), np.array([])), dict.fromkeys(STATS, math.nan) | {"n": 0})
    same(_ratio_row(np.array([0.0, 0.0]), np.array([0.0, 0.0])), dict.fromkeys(STATS, math.nan) | {"n": 0})
    same(_ratio_row(np.array([6.0]), np.array([4.0])),
         {"mean": 1.5, "se": math.nan, "ci_low": math.nan, "ci_high": math.nan,
          "p05": 1.5, "p50": 1.5, "p95": 1.5, "n": 4})


# --------------------------------------------------------------------------
# _pooled_row: pooled percentile with a BCa bootstrap over replications, or the maximum


def scipy_bca(by_run: list[np.ndarray], q: float, seed: int):
    pooled = np.concatenate(by_run)
    x, owner = sorted_with_owners(by_run, pooled)
    n = len(by_run)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return stats.bootstrap((np.arange(n),), lambda idx, axis=-1: resampled_quantiles(x, owner, n, q, idx),
                               n_resamples=999, vectorized=True, method="BCa", confidence_level=0.95,
                               rng=np.random.default_rng([seed, 0xB0075]), batch=64)


def test_pooled_percentile_and_its_bootstrap_over_replications() -> None:
    rng = np.random.default_rng(3)
    by_run = [rng.exponential(10.0, k) for k in (3, 1, 4, 2, 5, 2, 3, 1, 2, 4) * 2]  # 20 replications
    row = _pooled_row(by_run, 0.5, seed=9)
    pooled = np.concatenate(by_run)
    boot = scipy_bca(by_run, 0.5, 9)
    lo, hi = boot.confidence_interval
    assert row["mean"] == np.percentile(pooled, 50)
    assert row["n"] == 54 and set(row) == set(STATS)
    assert row["se"] == pytest.approx(boot.standard_error, rel=1e-12)
    assert row["ci_low"] == pytest.approx(lo, rel=1e-12) and row["ci_high"] == pytest.approx(hi, rel=1e-12)
    assert math.isnan(row["p05"]) and math.isnan(row["p50"]) and math.isnan(row["p95"])
    assert _pooled_row(by_run, 0.5, seed=10)["se"] != row["se"]  # the seed is used


def test_pooled_maximum_one_replication_and_no_events() -> None:
    by_run = [np.array([4.0, 9.0]), np.array([1.0])]
    same(_pooled_row(by_run, None, 0), dict.fromkeys(STATS, math.nan) | {"mean": 9.0, "n": 3})
    # one replication: the percentile, no interval (2, 4, 8, 10: 0.9 at 2.7 -> 8 + 0.7*2)
    same(_pooled_row([np.array([10.0, 2.0, 8.0, 4.0])], 0.9, 0), dict.fromkeys(STATS, math.nan) | {"mean": 9.4, "n": 4})
    same(_pooled_row([], 0.5, 0), dict.fromkeys(STATS, math.nan) | {"n": 0})
    same(_pooled_row([np.array([])], None, 0), dict.fromkeys(STATS, math.nan) | {"n": 0})


# --------------------------------------------------------------------------
# family_events and _known: which outages a family counts, per replication of runs


def outages_table() -> dict[str, np.ndarray]:
    rpo = np.empty(7, dtype=object)
    rpo[:] = [1.5, None, 4.0, math.nan, 2.0, None, 8.0]
    return {
        "replication": np.array([3, 1, 3, 7, 2, 3, 1]),  # 7 is not in runs
        "duration_s": np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0]),
        "detected_s": np.array([1.0, math.nan, 3.0, 4.0, math.nan, 6.0, 7.0]),
        "needed_failover": np.array([True, False, True, True, False, False, True]),
        "rpo_s": rpo,
    }


RUNS = {"replication": np.array([3, 1, 2, 5])}  # not sorted; 5 had no outage


@pytest.mark.parametrize(("prefix", "sums", "counts", "values"), [
    ("outage", [100.0, 90.0, 50.0, 0.0], [3, 2, 1, 0], [[10.0, 30.0, 60.0], [20.0, 70.0], [50.0], []]),
    ("mttd", [10.0, 7.0, 0.0, 0.0], [3, 1, 0, 0], [[1.0, 3.0, 6.0], [7.0], [], []]),
    ("rto", [40.0, 70.0, 0.0, 0.0], [2, 1, 0, 0], [[10.0, 30.0], [70.0], [], []]),
    ("rpo", [5.5, 8.0, 2.0, 0.0], [2, 1, 1, 0], [[1.5, 4.0], [8.0], [2.0], []]),
])
def test_family_events_per_replication_of_runs(prefix, sums, counts, values) -> None:
    got_sums, got_counts, got_values = family_events(RUNS, outages_table(), prefix)
    assert got_sums.tolist() == sums
    assert got_counts.tolist() == counts and got_counts.dtype == float
    assert [v.tolist() for v in got_values] == values


def test_family_events_from_dataframes_and_missing_columns() -> None:
    import pandas as pd

    got = family_events(pd.DataFrame(RUNS), pd.DataFrame(outages_table()), "rpo")
    assert got[0].tolist() == [5.5, 8.0, 2.0, 0.0]
    table = outages_table()
    del table["rpo_s"]
    assert family_events(RUNS, table, "rpo") is None
    assert family_events(RUNS, {"replication": table["replication"]}, "outage") is None
    # runs without any replication: nothing is kept
    sums, counts, values = family_events({"replication": np.array([], dtype=np.int64)}, outages_table(), "outage")
    assert sums.tolist() == [] and counts.tolist() == [] and values == []
    # one replication in runs: the outages of the others are left out
    sums, counts, values = family_events({"replication": np.array([2])}, outages_table(), "outage")
    assert sums.tolist() == [50.0] and counts.tolist() == [1.0] and [v.tolist() for v in values] == [[50.0]]
    # the largest replication of runs keeps its outages; one beyond it is left out
    sums, counts, values = family_events({"replication": np.array([1, 3])}, outages_table(), "rto")
    assert sums.tolist() == [70.0, 40.0] and counts.tolist() == [1.0, 2.0]


def test_known_is_pandas_notna() -> None:
    import pandas as pd

    mixed = np.empty(5, dtype=object)
    mixed[:] = [None, math.nan, 0.0, "x", 2]
    for values in (np.array([1.0, math.nan, 0.0]), mixed, np.array([0, 3]), np.array([False, True])):
        assert _known(values).tolist() == pd.notna(values).tolist()
        assert _known(values).dtype == bool


# --------------------------------------------------------------------------
# slo_windows_met


def outage(start: float, end: float, planned: bool = False) -> SimpleNamespace:
    return SimpleNamespace(start_s=start, end_s=end, planned=planned)


def test_slo_windows_are_whole_windows_judged_on_their_own_downtime() -> None:
    # windows of 10 s over 35 s: three whole windows, the last 5 s are not judged
    outs = [outage(8.0, 12.0),  # 2 s in window 0 (availability 0.8: meets 0.8 exactly), 2 s in window 1
            outage(15.0, 17.0, planned=True),  # window 1: 4 s down with it (0.6), 2 s without (0.8)
            outage(20.0, 20.0),  # no length
            outage(29.0, 40.0)]  # 1 s in window 2, the rest beyond the windows
    res = SimpleNamespace(horizon=35.0, outages=outs)
    assert slo_windows_met(res, 0.8, 10.0) == pytest.approx(2 / 3, rel=1e-15)
    assert slo_windows_met(res, 0.8, 10.0, planned=False) == 1.0
    assert slo_windows_met(res, 0.81, 10.0, planned=False) == pytest.approx(1 / 3, rel=1e-15)
    assert slo_windows_met(res, 0.9, 10.0) == pytest.approx(1 / 3, rel=1e-15)
    assert isinstance(slo_windows_met(res, 0.8, 10.0), float)


def test_slo_windows_edges() -> None:
    assert slo_windows_met(SimpleNamespace(horizon=9.0, outages=[]), 0.9, 10.0) is None
    assert slo_windows_met(SimpleNamespace(horizon=10.0, outages=[]), 0.9, 10.0) == 1.0
    # an outage spanning three windows counts in each of them
    res = SimpleNamespace(horizon=40.0, outages=[outage(5.0, 31.0)])
    # windows: 5 s, 10 s, 10 s, 1 s down
    assert slo_windows_met(res, 0.5, 10.0) == 0.5
    assert slo_windows_met(res, 0.9, 10.0) == 0.25
    # an outage starting in the last whole window and lasting past the horizon
    res = SimpleNamespace(horizon=30.0, outages=[outage(25.0, 1e9)])
    assert slo_windows_met(res, 0.5, 10.0) == 1.0  # 5 s of window 2
    assert slo_windows_met(res, 0.6, 10.0) == pytest.approx(2 / 3, rel=1e-15)


# --------------------------------------------------------------------------
# summary_rows and _Evidence: what each interval rests on, on a table of known content


def few_tables() -> tuple[dict, dict]:
    """Three half-year replications with two outages (100 s in replication 0, 50 s in 2)."""
    runs = {
        "replication": np.array([0, 1, 2]),
        "horizon_s": np.full(3, YEAR / 2),
        "outages": np.array([1, 0, 1]),
        "availability": np.array([0.99, 0.991, 0.992]),  # its own interval stays below 1
        "downtime_per_year": np.array([100.0, 110.0, 105.0]),  # and this one above 0
        "slo_met": np.array([1.0, 1.0, 0.5]),
        "cost_downtime_per_year": np.array([3.0, 0.0, 4.0]),
        "request_success": np.array([1.0, 0.99, 0.98]),  # not 1 in 2 replications
        "outages_per_year": np.array([2.0, 0.0, 2.0]),
        "failures_per_year": np.array([4.0, 2.0, 0.0]),  # 2 + 1 + 0 failures
        "degraded_per_year": np.array([5.0, 7.0, math.nan]),  # not zero in 2 replications
        "write_latency_added": np.array([0.1, 0.2, 0.3]),
        "p_data_loss": np.array([1.0, 0.0, 0.0]),
    }
    rpo = np.empty(2, dtype=object)
    rpo[:] = [None, 12.0]
    outages = {"replication": np.array([0, 2]), "duration_s": np.array([100.0, 50.0]),
               "detected_s": np.array([math.nan, 20.0]), "needed_failover": np.array([False, True]), "rpo_s": rpo}
    return runs, outages


def few(k: int, what: str) -> str:
    return f"not established: {k} {what} in 3 replications (fewer than {MIN_EVENTS})"


def test_a_summary_of_few_events_says_what_each_interval_rests_on() -> None:
    runs, outages = few_tables()
    got = summary_rows(runs, outages, seed=0, duration_assumption=3600.0)
    assert set(got) == {"availability", "downtime_per_year", "outages_per_year", "failures_per_year",
                        "degraded_per_year", "p_data_loss", "write_latency_added", "mean_outage", "outage_p95",
                        "outage_max", "mttd", "rto_mean", "rto_p50", "rto_p95", "rto_p99", "rto_max", "slo_met",
                        "cost_downtime_per_year", "request_success", "rpo_mean", "rpo_p95", "rpo_max"}
    assert list(got) == [name for name in metrics.METRICS if name in got]  # the registry's order
    lam_lo, lam_hi = poisson_interval(2, 1.5 * YEAR)
    bound = lam_hi * 3600.0  # the stated mean duration (longer than the longest outage seen)
    one_sided = "; one-sided bound if outages last at most 1 h on average"

    def check(name, events, established, note, ci, mean=None, unit=None):
        row = got[name]
        assert row["events"] == events and type(row["events"]) is int, name
        assert row["established"] is established, name
        assert row["note"] == note, name
        for key, want in zip(("ci_low", "ci_high"), ci):
            if math.isnan(want):
                assert math.isnan(row[key]), (name, key)
            else:
                assert row[key] == pytest.approx(want, rel=1e-12, abs=1e-300), (name, key)
        if mean is not None:
            assert row["mean"] == pytest.approx(mean, rel=1e-12), name
        assert row["unit"] == (unit or metrics.METRICS[name].unit)

    nan = (math.nan, math.nan)
    for row in got.values():
        assert isinstance(row["ci_low"], float) and isinstance(row["ci_high"], float)
    check("availability", 2, False, few(2, "outages") + one_sided, (1.0 - bound, 1.0), mean=0.991,
          unit="fraction")
    check("downtime_per_year", 2, False, few(2, "outages") + one_sided, (0.0, bound * YEAR), mean=105.0)
    # other metrics judged on outages: no interval even with the stated duration (slo_met is a fraction too)
    check("slo_met", 2, False, few(2, "outages") + "; no interval", nan, mean=2.5 / 3)
    check("cost_downtime_per_year", 2, False, few(2, "outages") + "; no interval", nan, mean=7 / 3)
    check("request_success", 2, False,
          f"not established: not zero in 2 of 3 replications (fewer than {MIN_EVENTS}); no interval", nan)
    check("rpo_mean", 1, False, few(1, "outages") + "; no interval", nan, mean=12.0)
    check("outages_per_year", 2, False, few(2, "outages") + "; exact Poisson interval",
          (lam_lo * YEAR, lam_hi * YEAR), mean=4 / 3)
    lo, hi = poisson_interval(3, 1.5 * YEAR)
    check("failures_per_year", 3, False, few(3, "events") + "; exact Poisson interval", (lo * YEAR, hi * YEAR),
          mean=2.0)
    check("degraded_per_year", 2, False,
          f"not established: not zero in 2 of 3 replications (fewer than {MIN_EVENTS}); no interval", nan)
    check("p_data_loss", 1, True, "exact Clopper-Pearson interval", binomial_interval(1, 3), mean=1 / 3)
    check("write_latency_added", 3, False, f"not established: 3 replications (fewer than {MIN_EVENTS}); no interval",
          nan, mean=0.2)
    check("mean_outage", 2, False, few(2, "outages") + "; no interval", nan, mean=75.0)
    check("outage_p95", 2, False, "not established: 2 events, a 95th percentile needs 100 (5 beyond it); no interval",
          nan, mean=97.5)
    check("outage_max", 2, False, "the largest observed value: a maximum has no confidence interval", nan,
          mean=100.0)
    check("mttd", 1, False, few(1, "events") + "; no interval", nan, mean=20.0)
    check("rto_mean", 1, False, few(1, "outages") + "; no interval", nan, mean=50.0)
    check("rto_p50", 1, False, "not established: 1 events, a 50th percentile needs 10 (5 beyond it); no interval",
          nan, mean=50.0)
    check("rto_p99", 1, False, "not established: 1 events, a 99th percentile needs 500 (5 beyond it); no interval",
          nan, mean=50.0)
    assert got["rto_max"]["mean"] == 50.0 and got["outage_max"]["n"] == 2


def test_few_outages_without_a_stated_duration_get_no_interval() -> None:
    runs, outages = few_tables()
    got = summary_rows(runs, outages, seed=0)
    for name in ("availability", "downtime_per_year"):
        assert math.isnan(got[name]["ci_low"]) and math.isnan(got[name]["ci_high"])
        assert got[name]["note"] == few(2, "outages") + "; no interval"
        assert got[name]["established"] is False
    assert got["outages_per_year"]["note"] == few(2, "outages") + "; exact Poisson interval"
    # the longest outage seen, when longer than the duration stated, bounds the mean instead
    got = summary_rows(runs, outages, seed=0, duration_assumption=60.0)
    bound = poisson_interval(2, 1.5 * YEAR)[1] * 100.0
    assert got["downtime_per_year"]["ci_high"] == pytest.approx(bound * YEAR, rel=1e-12)
    assert got["downtime_per_year"]["note"].endswith("; one-sided bound if outages last at most 1.67 min on average")
    # metrics: only those named
    assert list(summary_rows(runs, outages, metrics=["availability", "mttd"])) == ["availability", "mttd"]


def test_a_summary_of_enough_events_keeps_the_large_sample_intervals_clipped_to_the_range() -> None:
    n = 12
    runs = {"replication": np.arange(n), "horizon_s": np.full(n, YEAR), "outages": np.full(n, 1),
            "availability": np.array([1.0] * 11 + [0.5]), "downtime_per_year": np.array([0.0] * 11 + [600.0]),
            "failures_per_year": np.full(n, 1.0), "write_latency_added": np.arange(n, dtype=float)}
    outages = {"replication": np.arange(n), "duration_s": np.arange(1.0, n + 1.0)}
    got = summary_rows(runs, outages, seed=0)
    for name in ("availability", "downtime_per_year", "failures_per_year", "write_latency_added", "mean_outage"):
        assert got[name]["established"] is True and got[name]["note"] == "", name
    assert got["failures_per_year"]["events"] == 12 and got["mean_outage"]["events"] == 12
    want = _row(runs["availability"])
    assert want["ci_high"] > 1.0
    assert got["availability"]["ci_high"] == 1.0 and got["availability"]["ci_low"] == want["ci_low"]
    want = _row(runs["downtime_per_year"])
    assert want["ci_low"] < 0.0
    assert got["downtime_per_year"]["ci_low"] == 0.0 and got["downtime_per_year"]["ci_high"] == want["ci_high"]
    assert got["write_latency_added"]["ci_low"] == _row(runs["write_latency_added"])["ci_low"]
    assert got["mean_outage"]["mean"] == 6.5 and got["mean_outage"]["se"] == _ratio_row(
        np.arange(1.0, n + 1.0), np.ones(n))["se"]


def test_a_percentile_of_tied_values_has_enough_events_but_no_interval() -> None:
    n = 20
    runs = {"replication": np.arange(n), "horizon_s": np.full(n, YEAR), "outages": np.full(n, 6)}
    outages = {"replication": np.repeat(np.arange(n), 6), "duration_s": np.full(6 * n, 30.0)}
    row = summary_rows(runs, outages, seed=0)["outage_p95"]
    assert row["events"] == 120 and row["established"] is False and math.isnan(row["ci_low"])
    assert row["note"] == ("not established: 120 events, but the resampled percentiles do not vary "
                           "(tied values around it); no interval")


def test_ratio_metrics_of_the_runs_table() -> None:
    runs = {"replication": np.arange(3), "restores": np.array([1, 0, 3]), "restore_time_s": np.array([10.0, 0, 50]),
            "change_downtime_s": np.array([5.0, 0.0, 1.0]), "downtime_s": np.array([10.0, 0.0, 2.0]),
            "change_outages": np.array([1, 0, 2]),
            "spare_stockouts": np.array([0.0, 0.0, 0.0]), "spare_demands": np.array([0.0, 0.0, 0.0]),
            "pages_real": np.array([1.0, 2.0, 0.0]), "pages": np.array([2.0, 2.0, 0.0])}
    got = summary_rows(runs, {"replication": np.array([], dtype=np.int64), "duration_s": np.array([])})
    assert got["restore_rto"]["mean"] == 15.0 and got["restore_rto"]["n"] == 4
    assert got["change_downtime_share"]["mean"] == 0.5 and got["change_downtime_share"]["n"] == 3
    assert got["change_downtime_share"]["events"] == 3
    assert math.isnan(got["spare_stockout_fraction"]["mean"]) and got["spare_stockout_fraction"]["n"] == 0
    assert got["alert_precision"]["mean"] == 0.75 and got["alert_precision"]["n"] == 4
    assert "mttr" not in got and "fault_exposure_mean" not in got
    quiet = dict(runs, restores=np.zeros(3, dtype=int), downtime_s=np.zeros(3))
    got = summary_rows(quiet, {"replication": np.array([], dtype=np.int64), "duration_s": np.array([])})
    assert "restore_rto" not in got and "change_downtime_share" not in got


# --------------------------------------------------------------------------
# replication_metrics: one replication's row from its tallies


def test_replication_metrics_of_known_tallies() -> None:
    from relsim.engine import Outage, RunResult

    h = YEAR / 4  # every count per year is 4 times the count
    outs = [Outage(10.0, 40.0, 30.0, "a", 0, "crash", 0, 0, 0, 30.0, math.nan, False, 0, math.nan, False, False),
            Outage(100.0, 300.0, 200.0, "a", -1, "maintenance", 0, 0, 0, 200.0, math.nan, False, 0, math.nan, False,
                   True)]
    res = RunResult(replication=3, seed=1, horizon=h, downtime=230.0, served_integral=h - 100.0, failures=5,
                    failovers=6, failed_failovers=7, false_failovers=8, flaps=9, suppressed=10, false_suspicions=11,
                    split_brains=12, split_brain_time=13.0, elections=14, degraded_time=15.0, writes_lost=16,
                    data_loss_events=17, conflicts=18, unrecoverable=19, restores=20, restore_times=[1.5, 2.5],
                    write_latency=0.25, events=21, outages=outs)
    row = metrics.replication_metrics(res)
    assert row == {
        "availability": 1.0 - 230.0 / h, "served_fraction": (h - 100.0) / h, "downtime_per_year": 920.0,
        "outages_per_year": 8.0, "failures_per_year": 20.0, "failovers_per_year": 24.0,
        "false_failovers_per_year": 32.0, "failed_failovers_per_year": 28.0, "flaps_per_year": 36.0,
        "suppressed_per_year": 40.0, "false_suspicions_per_year": 44.0, "false_suspicions": 11,
        "split_brains_per_year": 48.0, "split_brain_per_year": 52.0, "degraded_per_year": 60.0,
        "elections_per_year": 56.0, "writes_lost_per_year": 64.0, "data_loss_events_per_year": 68.0,
        "p_data_loss": 1.0, "conflicts_per_year": 72.0, "unrecoverable_per_year": 76.0, "restores_per_year": 80.0,
        "write_latency_added": 0.25, "writes_lost": 16, "restore_time_s": 4.0, "restores": 20, "downtime_s": 230.0,
        "outages": 2, "failures": 5, "failovers": 6, "failed_failovers": 7, "events": 21,
    }
    assert list(row) == list(metrics.replication_metrics(res))  # the order is the reporting order
    assert metrics.replication_metrics(RunResult(replication=0, seed=1, horizon=h))["p_data_loss"] == 0.0
    # planned work: planned downtime and the availability without it
    res.planned = {"chaos_skipped": 2.0, "drills_failed": 3.0}
    row = metrics.replication_metrics(res)
    assert row["planned_downtime_per_year"] == 800.0
    assert row["unplanned_availability"] == 1.0 - 30.0 / h
    assert row["chaos_skipped_per_year"] == 8.0 and row["failed_drills_per_year"] == 12.0
    res.planned = {}
    row = metrics.replication_metrics(res)
    assert row["chaos_skipped_per_year"] == 0.0 and row["failed_drills_per_year"] == 0.0
    # an availability objective: the share of whole windows that met it
    objectives = SimpleNamespace(availability=0.9999, slo_window=h / 2, planned_counts=True)
    assert metrics.replication_metrics(res, objectives)["slo_met"] == 1.0
    objectives = SimpleNamespace(availability=0.99999, slo_window=h / 2, planned_counts=True)
    assert metrics.replication_metrics(res, objectives)["slo_met"] == 0.5  # 230 s in the first window (39.4 s)
    objectives = SimpleNamespace(availability=0.99999, slo_window=h / 2, planned_counts=False)
    assert metrics.replication_metrics(res, objectives)["slo_met"] == 1.0  # 30 s unplanned
    objectives = SimpleNamespace(availability=0.99999, slo_window=h / 2)  # planned outages count by default
    assert metrics.replication_metrics(res, objectives)["slo_met"] == 0.5
    assert "slo_met" not in metrics.replication_metrics(res, SimpleNamespace(availability=0.9, slo_window=2 * h))
    assert "slo_met" not in metrics.replication_metrics(res, SimpleNamespace(availability=None, slo_window=h))


def test_summarise_is_summary_rows_as_a_frame() -> None:
    n = 20
    rng = np.random.default_rng(4)
    runs = {"replication": np.arange(n), "horizon_s": np.full(n, YEAR), "outages": np.full(n, 6),
            "availability": 1.0 - rng.uniform(0, 1e-4, n), "write_latency_added": rng.uniform(0, 1, n)}
    outages = {"replication": np.repeat(np.arange(n), 6), "duration_s": rng.exponential(60.0, 6 * n)}
    table = metrics.summarise(runs, outages)  # the default seed is 0
    rows = summary_rows(runs, outages, 0)
    assert list(table.columns) == metrics.SUMMARY_COLUMNS and table.index.name == "metric"
    assert list(table.index) == list(rows)
    assert table.loc["outage_p95", "ci_low"] == rows["outage_p95"]["ci_low"]
    assert summary_rows(runs, outages)["outage_p95"]["se"] == rows["outage_p95"]["se"]  # summary_rows' seed is 0
    assert rows["outage_p95"]["established"] is True and rows["outage_p95"]["note"] == ""
    assert table.loc["outage_p95", "se"] == rows["outage_p95"]["se"] != summary_rows(runs, outages, 1)[
        "outage_p95"]["se"]
    runs["outages"] = np.zeros(n, dtype=int)  # few outages: the stated duration bounds availability
    table = metrics.summarise(runs, outages, 3, metrics=["availability", "mean_outage"], duration_assumption=600.0)
    rows = summary_rows(runs, outages, 3, ["availability", "mean_outage"], 600.0)
    assert list(table.index) == ["availability", "mean_outage"]
    assert table.loc["availability", "ci_low"] == rows["availability"]["ci_low"]
    assert "at most 10 min" in table.loc["availability", "note"]
    # no metric at all: still the summary's columns
    empty = metrics.summarise({"replication": np.array([], dtype=np.int64)}, {})
    assert list(empty.columns) == metrics.SUMMARY_COLUMNS and len(empty) == 0 and empty.index.name == "metric"


def test_evidence_thresholds_at_exactly_min_events() -> None:
    runs = {"replication": np.arange(MIN_EVENTS), "horizon_s": np.full(MIN_EVENTS, YEAR),
            "write_latency_added": np.arange(MIN_EVENTS, dtype=float)}
    row = summary_rows(runs, {})["write_latency_added"]
    assert row["established"] is True and row["events"] == MIN_EVENTS and row["note"] == ""
    runs = {k: v[:-1] for k, v in runs.items()}
    assert summary_rows(runs, {})["write_latency_added"]["established"] is False


def test_p_data_loss_of_one_replication_and_of_none() -> None:
    one = summary_rows({"replication": np.array([0]), "p_data_loss": np.array([1.0])}, {})["p_data_loss"]
    assert one["established"] is True and one["events"] == 1
    assert (one["ci_low"], one["ci_high"]) == binomial_interval(1, 1)
    none = summary_rows({"replication": np.array([0, 1]), "p_data_loss": np.array([math.nan, math.nan])},
                        {})["p_data_loss"]
    assert none["established"] is False and none["events"] == 0 and math.isnan(none["ci_low"])


def tables_of(per_rep: list[list[float]], **columns) -> tuple[dict, dict]:
    """Runs of len(per_rep) one-year replications and their outages (durations; every one a failover)."""
    n = len(per_rep)
    runs = {"replication": np.arange(n), "horizon_s": np.full(n, YEAR),
            "outages": np.array([len(x) for x in per_rep])} | {k: np.asarray(v, dtype=float) for k, v in columns.items()}
    durations = np.array([d for x in per_rep for d in x], dtype=float)
    outages = {"replication": np.repeat(np.arange(n), [len(x) for x in per_rep]), "duration_s": durations,
               "needed_failover": np.ones(len(durations), dtype=bool)}
    return runs, outages


@pytest.mark.parametrize("reps", [1, 2])
def test_outages_are_enough_from_exactly_min_events_in_two_replications(reps: int) -> None:
    per_rep = [[float(10 + i) for i in range(5)], [float(20 + i) for i in range(5)]] if reps == 2 else \
        [[float(10 + i) for i in range(MIN_EVENTS)]]
    runs, outages = tables_of(per_rep, availability=[0.99, 0.98][:reps], failures_per_year=[5.0, 5.0][:reps],
                              degraded_per_year=[1.0] * reps)
    got = summary_rows(runs, outages)
    assert got["availability"]["events"] == MIN_EVENTS
    assert got["availability"]["established"] is (reps == 2)
    assert got["failures_per_year"]["events"] == 5 * reps
    assert got["failures_per_year"]["established"] is (reps == 2)
    assert got["mean_outage"]["events"] == MIN_EVENTS and got["mean_outage"]["established"] is True
    assert got["mean_outage"]["note"] == ""


def test_counts_and_episodes_are_enough_from_exactly_min_events() -> None:
    n = MIN_EVENTS
    runs, outages = tables_of([[60.0]] * n, failures_per_year=[1.0] * n, degraded_per_year=[3.0] * n,
                              request_success=[0.5] * n)
    got = summary_rows(runs, outages)
    for name in ("failures_per_year", "degraded_per_year", "request_success", "availability"
                 if "availability" in got else "failures_per_year"):
        assert got[name]["events"] == MIN_EVENTS and got[name]["established"] is True and got[name]["note"] == "", name
    runs, outages = tables_of([[60.0]] * (n - 1), failures_per_year=[1.0] * (n - 1))
    assert summary_rows(runs, outages)["failures_per_year"]["established"] is False
    # ten failures in one replication are not enough: one replication has no spread
    runs, outages = tables_of([[60.0]], failures_per_year=[10.0])
    row = summary_rows(runs, outages)["failures_per_year"]
    assert row["events"] == 10 and row["established"] is False and row["note"].endswith("; exact Poisson interval")


def test_one_outage_is_an_outage_and_no_outages_column_is_none() -> None:
    runs, outages = tables_of([[60.0], []], availability=[0.99, 1.0])
    assert summary_rows(runs, outages)["availability"]["note"] == (
        f"not established: 1 outage in 2 replications (fewer than {MIN_EVENTS}); no interval")
    del runs["outages"]
    assert summary_rows(runs, outages)["availability"]["note"].startswith("not established: 0 outages in 2 ")
    # no outages at all and a stated mean duration under a second: the bound rests on it alone
    runs, outages = tables_of([[], []], downtime_per_year=[0.0, 0.0])
    row = summary_rows(runs, outages, duration_assumption=0.5)["downtime_per_year"]
    assert row["ci_high"] == pytest.approx(poisson_interval(0, 2 * YEAR)[1] * 0.5 * YEAR, rel=1e-12)


def test_percentiles_are_enough_from_exactly_the_events_they_need() -> None:
    # a 95th percentile needs 100 events (5 beyond it), from 20 replications with events
    per_rep = [[float(100 * i + j) for j in range(5)] for i in range(20)]  # 100 distinct failover durations
    row = summary_rows(*tables_of(per_rep))["rto_p95"]
    assert row["events"] == 100 and row["established"] is True and row["note"] == ""
    assert not math.isnan(row["ci_low"])
    row = summary_rows(*tables_of([per_rep[0][:4]] + per_rep[1:]))["rto_p95"]
    assert row["events"] == 99 and row["established"] is False and math.isnan(row["ci_low"])
    assert row["note"] == "not established: 99 events, a 95th percentile needs 100 (5 beyond it); no interval"
    tied = summary_rows(*tables_of([[30.0, 30.0]] * 20))["rto_p50"]
    assert tied["events"] == 40 and tied["established"] is False
    assert tied["note"] == ("not established: 40 events, but the resampled percentiles do not vary "
                            "(tied values around it); no interval")


def test_a_percentile_needs_events_from_twenty_replications() -> None:
    # 19 replications with events (and one without) are too few clusters to resample,
    # however many events they hold: the point estimate, no interval
    per_rep = [[float(100 * i + j) for j in range(6)] for i in range(19)] + [[]]
    row = summary_rows(*tables_of(per_rep))["rto_p95"]
    assert row["events"] == 114 and row["established"] is False and math.isnan(row["ci_low"])
    assert row["mean"] == np.percentile([d for x in per_rep for d in x], 95)
    assert row["note"] == ("not established: 114 events from 19 replications, a percentile's bootstrap "
                           "needs events from 20; no interval")
    row = summary_rows(*tables_of(per_rep[:19] + [[2000.0]]))["rto_p95"]
    assert row["events"] == 115 and row["established"] is True and not math.isnan(row["ci_low"])


def test_families_without_detections_still_give_the_others_and_no_outages_a_mean_outage_row() -> None:
    runs, outages = tables_of([[60.0], [30.0]])
    outages["detected_s"] = np.full(2, math.nan)
    got = summary_rows(runs, outages)
    assert "mttd" not in got and got["rto_mean"]["mean"] == 45.0 and got["rto_max"]["mean"] == 60.0
    got = summary_rows(*tables_of([[], []]))
    assert got["mean_outage"]["n"] == 0 and math.isnan(got["mean_outage"]["mean"])
    assert "rto_mean" not in got and got["outage_max"]["n"] == 0 and got["outage_p95"]["n"] == 0


def test_pooled_percentile_from_twenty_replications_has_a_bootstrap_interval() -> None:
    by_run = [np.array([1.0, 4.0, 9.0]), np.array([2.0, 3.0])] * 10
    row = _pooled_row(by_run, 0.5, seed=2)
    boot = scipy_bca(by_run, 0.5, 2)
    assert row["se"] == pytest.approx(boot.standard_error, rel=1e-12)
    # 19 replications with events, however many without: no interval (relsim.evidence.BOOTSTRAP_REPLICATIONS)
    few = _pooled_row(by_run[:19] + [np.array([])] * 5, 0.5, seed=2)
    assert few["mean"] == np.percentile(np.concatenate(by_run[:19]), 50)
    assert math.isnan(few["se"]) and math.isnan(few["ci_low"]) and math.isnan(few["ci_high"])


def test_ratio_row_of_two_replications_fractional_denominators_and_none() -> None:
    row = _ratio_row(np.array([3.0, 5.0]), np.array([1.0, 2.0]))
    assert row["se"] == pytest.approx(2 / 9, rel=1e-14) and row["n"] == 3
    row = _ratio_row(np.array([1.0, 3.0]), np.array([0.5, 2.0]))  # per replication 2 and 1.5
    assert (row["p05"], row["p95"]) == pytest.approx((1.525, 1.975), rel=1e-14)
    row = _ratio_row(np.array([1.0, 2.0]), np.array([0.0, 0.0]))  # no denominator: no ratio, not infinity
    assert math.isnan(row["mean"]) and row["n"] == 0
    assert math.isnan(_ratio_row(np.array([3, None], dtype=object), np.array([1, 2]))["mean"])
    assert _row(np.array([1.0, None, 3.0], dtype=object))["n"] == 2


def test_family_events_without_replication_columns_and_in_table_order() -> None:
    got = family_events({"replication": np.array([0, 1])}, {"duration_s": np.array([])}, "outage")
    assert got[0].tolist() == [0.0, 0.0] and [v.tolist() for v in got[2]] == [[], []]
    got = family_events({}, outages_table(), "outage")
    assert got[0].tolist() == [] and got[2] == []
    # many outages, replications interleaved: each replication's values in table order
    rng = np.random.default_rng(8)
    owner = rng.integers(0, 3, 200)
    values = np.arange(200, dtype=float)
    got = family_events({"replication": np.array([2, 0, 1])}, {"replication": owner, "duration_s": values}, "outage")
    for k, rep in enumerate([2, 0, 1]):
        assert got[2][k].tolist() == values[owner == rep].tolist()


def test_restores_and_change_share_from_a_single_event() -> None:
    runs = {"replication": np.arange(2), "restores": np.array([1, 0]), "restore_time_s": np.array([40.0, 0.0]),
            "change_downtime_s": np.array([0.5, 0.0]), "downtime_s": np.array([1.0, 0.0]),
            "change_outages": np.array([1, 0])}
    got = summary_rows(runs, {"replication": np.array([], dtype=np.int64), "duration_s": np.array([])})
    assert got["restore_rto"]["mean"] == 40.0 and got["change_downtime_share"]["mean"] == 0.5
    # a runs column named like a metric that is not per replication is not summarised as one
    got = summary_rows(dict(runs, mttr=np.array([5.0, 6.0]), mttd=np.array([1.0, 2.0])), {})
    assert "mttr" not in got and "mttd" not in got


def test_slo_windows_edges_of_long_horizons_short_windows_and_skipped_outages() -> None:
    # twelve 30-day windows: 360 days less 1e-9 s rounds to 360 days, the last window is still the last
    month = 30 * 86400.0
    res = SimpleNamespace(horizon=12 * month, outages=[outage(12 * month - 3600.0, 13 * month)])
    assert slo_windows_met(res, 0.999, month) == pytest.approx(11 / 12, rel=1e-15)
    # windows of one second: an outage running past the horizon counts in the last one
    res = SimpleNamespace(horizon=3.0, outages=[outage(2.5, 5.0)])
    assert slo_windows_met(res, 0.9, 1.0) == pytest.approx(2 / 3, rel=1e-15)
    # a planned outage left out does not end the count of the outages after it
    res = SimpleNamespace(horizon=30.0, outages=[outage(1.0, 2.0, planned=True), outage(25.0, 27.0)])
    assert slo_windows_met(res, 0.95, 10.0, planned=False) == pytest.approx(2 / 3, rel=1e-15)


def test_replication_metrics_adds_each_sections_metrics(monkeypatch) -> None:
    from relsim.engine import RunResult

    seen = {}

    def recorder(name):
        def record(*args):
            seen[name] = args
            return {f"{name}_metric": 1.0}
        return record

    for name in ("request_metrics", "application_metrics", "change_metrics", "incident_metrics", "upkeep_metrics"):
        monkeypatch.setattr(metrics, name, recorder(name))
    tally = SimpleNamespace(name="tally_rate", compute=lambda tallies, h: tallies["x"] / h, applies="behaviour:kind")
    other = SimpleNamespace(name="other_rate", compute=lambda tallies, h: 1.0, applies="behaviour:else")
    declared = SimpleNamespace(name="declared", compute=None, applies="behaviour:kind")
    monkeypatch.setattr(metrics, "custom", lambda: [tally, other, declared])
    res = RunResult(replication=0, seed=1, horizon=100.0, requests={}, app={}, changes={}, incidents=[], upkeep={},
                    tallies={"x": 50.0}, behaviour_kinds=("kind",))
    objectives = SimpleNamespace(availability=None)
    row = metrics.replication_metrics(res, objectives)
    for name in ("request_metrics", "application_metrics", "change_metrics", "incident_metrics", "upkeep_metrics"):
        assert row[f"{name}_metric"] == 1.0 and seen[name][0] is res, name
    assert seen["request_metrics"] == (res, objectives)
    assert row["tally_rate"] == 0.5 and "other_rate" not in row and "declared" not in row
    plain = metrics.replication_metrics(RunResult(replication=0, seed=1, horizon=100.0, writes_lost=1))
    assert plain["p_data_loss"] == 1.0
    assert not any(k.endswith("_metric") or k == "tally_rate" for k in plain)
