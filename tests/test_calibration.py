"""Calibration of the reported 95 % intervals: do they cover the truth 95 % of the time?

A confidence interval is only as good as its coverage. An interval that is
three times too wide (every standard error multiplied by 3) or too narrow
passes every test that checks a single run against an exact value within a
few standard errors; it fails here. Each test forms several hundred
independent experiments, computes the reported interval in each, and counts
how often it contains the exact value.

* **Established intervals** (Student t over replications, the delta method
  for ratios of totals, paired differences) are large-sample intervals: their
  coverage should be close to 95 %. With ``B`` experiments the observed
  coverage has a binomial standard deviation of sqrt(0.95 · 0.05 / B) (1.1 %
  for B = 400), so the accepted band 91–98.5 % is about 3.5 SD below and 3
  SD above 95 %, wide enough for the small-sample bias of a t interval on
  skewed data and narrow enough that an interval 1.5 times too wide (coverage
  99.7 %) or too narrow (coverage 80 %) fails.
* **Few-event intervals** (exact Poisson, Clopper–Pearson, the one-sided
  bound on unavailability) are conservative by construction: their coverage
  must be at least 95 %. Where the distribution is known exactly the
  coverage is computed exactly from the probability mass function, with no
  sampling at all.

Two tiers: tests on data drawn from known distributions exercise the
interval code of :mod:`relsim.intervals`, :mod:`relsim.evidence` and
:mod:`relsim.metrics` directly (those that take a few seconds are marked
slow; the exact-formula checks stay fast); slow tests run the engine on reference case
C1 (one component, exponential failures and repairs) and form independent
sub-experiments from disjoint blocks of replications (replications are
independent, so the blocks are too), which costs one ``relsim.run`` instead
of hundreds. Every random draw uses a fixed seed, so each test is
deterministic; the false-failure rates quoted in docs/architecture.md
("Tests") are the chances that a correct implementation would have drawn a
failing seed.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import relsim
from relsim import metrics
from relsim.evidence import binomial_interval, poisson_interval
from relsim.intervals import mean_ci, paired_differences, ratio_ci
from relsim.metrics import summarise
from relsim.units import HOUR, YEAR


@pytest.fixture(autouse=True)
def _no_percentile_bootstrap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the BCa bootstrap of pooled percentiles (``outage_p95``), which no test here reads.

    It costs ~40 ms per summary, most of the time of a few hundred
    summaries; maxima (``q=None``) still go through the real code.
    """
    real = metrics._pooled_row

    def pooled_row(durations_by_run: list[np.ndarray], q: float | None, seed: int) -> dict[str, float]:
        if q is None:
            return real(durations_by_run, q, seed)
        return dict.fromkeys(metrics._STATS, math.nan) | {"n": sum(len(d) for d in durations_by_run)}

    monkeypatch.setattr(metrics, "_pooled_row", pooled_row)


#: The accepted coverage band of an established 95 % interval (see the module docstring).
LOW, HIGH = 0.91, 0.985


def covered(lo: float, hi: float, truth: float) -> bool:
    return bool(lo <= truth <= hi)


def assert_calibrated(hits: list[bool]) -> None:
    coverage = float(np.mean(hits))
    assert LOW <= coverage <= HIGH, f"coverage {coverage:.3f} of {len(hits)} intervals outside [{LOW}, {HIGH}]"


# --------------------------------------------------------------------------
# Fast tier: the interval code on data from known distributions


def test_mean_interval_is_calibrated() -> None:
    rng = np.random.default_rng(1901)
    # A skewed per-replication metric: gamma(shape 4), mean 4.
    hits = []
    for _ in range(400):
        r = mean_ci(rng.gamma(4.0, 1.0, 25))
        hits.append(covered(r["ci_low"], r["ci_high"], 4.0))
    assert_calibrated(hits)


def test_mean_interval_matches_scipy() -> None:
    x = np.random.default_rng(3).normal(2.0, 0.5, 17)
    row = mean_ci(x)
    assert row["se"] == pytest.approx(stats.sem(x), rel=1e-12)
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), rel=1e-12)


def test_ratio_interval_is_calibrated() -> None:
    # Totals per replication: outages ~ Poisson(6), each Exp(mean 2) long.
    # The ratio of totals estimates E[duration] = 2 exactly.
    rng = np.random.default_rng(1902)
    hits = []
    for _ in range(400):
        counts = rng.poisson(6.0, 30)
        sums = np.array([rng.exponential(2.0, c).sum() for c in counts])
        r = ratio_ci(sums, counts)
        hits.append(covered(r["ci_low"], r["ci_high"], 2.0))
    assert_calibrated(hits)


@pytest.mark.slow
def test_paired_difference_interval_is_calibrated() -> None:
    # Two variants sharing most of their randomness (common random numbers):
    # b = a + noise with mean 0.3, the paired difference estimates 0.3.
    rng = np.random.default_rng(1903)
    hits = []
    for _ in range(400):
        a = rng.gamma(4.0, 1.0, 30)
        b = a + rng.normal(0.3, 0.2, 30)
        frame_a = pd.DataFrame({"replication": range(30), "x": a})
        frame_b = pd.DataFrame({"replication": range(30), "x": b})
        row = paired_differences(frame_a, frame_b, ["x"]).loc["x"]
        assert row["established"] and row["events"] == 30
        hits.append(covered(row["ci_low"], row["ci_high"], 0.3))
    assert_calibrated(hits)


@pytest.mark.parametrize("mu", [0.05, 0.5, 1.0, 2.5, 5.0, 9.0, 20.0])
def test_exact_poisson_interval_covers_at_least_95_percent(mu: float) -> None:
    # Exact coverage: the sum of P(K = k) over the k whose interval holds mu.
    ks = np.arange(0, int(mu + 20 * math.sqrt(mu) + 30))
    inside = np.array([covered(*poisson_interval(int(k), 1.0), mu) for k in ks])
    coverage = float(stats.poisson.pmf(ks, mu)[inside].sum())
    assert 0.95 <= coverage <= 1.0
    # ... and it is not the trivial interval: it excludes something likely.
    assert not inside[ks <= 3 * mu + 10].all() or mu < 0.1


@pytest.mark.parametrize(("n", "p"), [(10, 0.02), (20, 0.1), (50, 0.3), (200, 0.01), (200, 0.5)])
def test_clopper_pearson_covers_at_least_95_percent(n: int, p: float) -> None:
    ks = np.arange(n + 1)
    inside = np.array([covered(*binomial_interval(int(k), n), p) for k in ks])
    coverage = float(stats.binom.pmf(ks, n, p)[inside].sum())
    assert 0.95 <= coverage <= 1.0


def test_exact_intervals_match_their_textbook_form() -> None:
    # Garwood: chi2(α/2, 2k)/2 and chi2(1−α/2, 2k+2)/2; 3.689 for k = 0.
    assert poisson_interval(0, 2.0) == pytest.approx((0.0, -math.log(0.025) / 2.0), rel=1e-9)
    assert poisson_interval(4, 1.0) == pytest.approx((1.0898, 10.2416), abs=1e-4)
    # Clopper–Pearson for 3 of 20 (tabulated: 0.0321, 0.3789).
    assert binomial_interval(3, 20) == pytest.approx((0.0321, 0.3789), abs=1e-4)


def synthetic(rng: np.random.Generator, reps: int, rate: float, mean: float, horizon: float
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs and outages frames of ``reps`` replications: Poisson outages, exponential durations."""
    counts = rng.poisson(rate * horizon, reps)
    durations = [rng.exponential(mean, c) for c in counts]
    down = np.array([d.sum() for d in durations])
    runs = pd.DataFrame({"replication": np.arange(reps), "horizon_s": horizon, "outages": counts,
                         "availability": 1 - down / horizon, "downtime_per_year": down / horizon * YEAR,
                         "outages_per_year": counts / horizon * YEAR})
    outages = pd.DataFrame({"replication": np.repeat(np.arange(reps), counts),
                            "duration_s": np.concatenate(durations)})
    return runs, outages


def test_summary_intervals_match_independent_formulas() -> None:
    # The summary's standard errors and intervals, recomputed here from
    # their definitions with scipy: Student t for per-replication metrics,
    # the delta method for the ratio of totals (Law 2015, §9.5).
    rng = np.random.default_rng(5)
    runs, outages = synthetic(rng, 40, rate=1 / 50.0, mean=5.0, horizon=1000.0)
    table = summarise(runs, outages, metrics=["availability", "outages_per_year", "mean_outage"])
    a = runs["availability"].to_numpy()
    row = table.loc["availability"]
    assert row["se"] == pytest.approx(stats.sem(a), rel=1e-9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        stats.t.interval(0.95, len(a) - 1, loc=a.mean(), scale=stats.sem(a)), rel=1e-9)
    assert row["established"] and row["events"] == runs["outages"].sum()
    num = outages.groupby("replication")["duration_s"].sum().reindex(range(40), fill_value=0).to_numpy()
    den = runs["outages"].to_numpy(float)
    r = num.sum() / den.sum()
    # delta method: Var(R) ≈ Var(num − R·den) / (n · mean(den)²)
    se = math.sqrt(np.var(num - r * den, ddof=1) / 40) / den.mean()
    row = table.loc["mean_outage"]
    assert row["mean"] == pytest.approx(r, rel=1e-12)
    assert row["se"] == pytest.approx(se, rel=1e-9)
    assert row["ci_high"] - row["mean"] == pytest.approx(stats.t.ppf(0.975, 39) * se, rel=1e-9)


@pytest.mark.slow
def test_summary_intervals_are_calibrated_on_known_distributions() -> None:
    # 300 experiments of 20 replications with outages at rate 1/50 per unit
    # time lasting Exp(mean 5): E[availability] = 1 − 5/50 = 0.9, the ratio
    # estimates 5 and the count 0.02 · YEAR per year.
    rng = np.random.default_rng(1904)
    truth = {"availability": 0.9, "mean_outage": 5.0, "outages_per_year": YEAR / 50.0}
    hits: dict[str, list[bool]] = {m: [] for m in truth}
    for _ in range(300):
        runs, outages = synthetic(rng, 20, rate=1 / 50.0, mean=5.0, horizon=1000.0)
        table = summarise(runs, outages, metrics=list(truth))
        for m, value in truth.items():
            assert table.loc[m, "established"]
            hits[m].append(covered(table.loc[m, "ci_low"], table.loc[m, "ci_high"], value))
    for m in truth:
        assert_calibrated(hits[m])


@pytest.mark.slow
def test_few_event_summary_intervals_cover_at_least_95_percent() -> None:
    # About 2.5 outages per experiment: the summary replaces the t interval
    # by the exact Poisson interval (count) and the one-sided bound under
    # the stated duration assumption (availability, downtime).
    rng = np.random.default_rng(1905)
    truth = {"availability": 1 - 5.0 / 4000.0, "downtime_per_year": 5.0 / 4000.0 * YEAR,
             "outages_per_year": YEAR / 4000.0}
    hits: dict[str, list[bool]] = {m: [] for m in truth}
    for _ in range(400):
        runs, outages = synthetic(rng, 10, rate=1 / 4000.0, mean=5.0, horizon=1000.0)
        table = summarise(runs, outages, metrics=list(truth), duration_assumption=5.0)
        if table.loc["availability", "established"]:
            continue  # ten or more outages: not this test's case
        for m, value in truth.items():
            hits[m].append(covered(table.loc[m, "ci_low"], table.loc[m, "ci_high"], value))
    assert len(hits["availability"]) >= 390
    for m in truth:
        assert np.mean(hits[m]) >= 0.95, m


# --------------------------------------------------------------------------
# Slow tier: the engine and the summary together, on reference case C1


def c1(mttf_h: float, mttr_h: float, horizon_h: float) -> dict:
    return {"name": "c1", "horizon": f"{horizon_h}h",
            "components": {"a": {"failures": [{"kind": "permanent", "every": f"exp(mean={mttf_h}h)",
                                               "repair": f"exp(mean={mttr_h}h)"}]}},
            "services": {"s": {"replicas": ["a"]}}}


def c1_exact(mttf_h: float, mttr_h: float, horizon_h: float) -> dict[str, float]:
    """Exact expectations for C1 started as new, over a horizon T (two-state Markov chain).

    P(up at t) = A + (1 − A) e^{−(λ+μ)t} with A = μ/(λ+μ), so the expected
    availability over [0, T] is A + (1 − A)(1 − e^{−sT})/(sT), s = λ + μ.
    Failures occur at rate λ while up: E[N] = λ T E[avail]. Outages cut by
    the horizon are counted cut, so the ratio of totals (mean outage)
    estimates E[downtime] / E[N] = (1 − E[avail]) / (λ E[avail]).
    """
    lam, mu, t = 1 / mttf_h, 1 / mttr_h, horizon_h
    s = lam + mu
    a = mu / s
    ea = a + (1 - a) * (-math.expm1(-s * t)) / (s * t)
    return {"availability": ea, "outages_per_year": lam * ea * YEAR / HOUR,
            "mean_outage": (1 - ea) / (lam * ea) * HOUR}


def blocks(results: relsim.Results, size: int) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Disjoint blocks of ``size`` replications: independent sub-experiments."""
    runs, outages = results.runs, results.outages
    out = []
    for start in range(0, len(runs) - size + 1, size):
        keep = runs["replication"].between(start, start + size - 1)
        out.append((runs[keep], outages[outages["replication"].between(start, start + size - 1)]))
    return out


@pytest.mark.slow
def test_engine_intervals_are_calibrated() -> None:
    """Per-replication availability, the pooled mean outage and outages per year on C1."""
    mttf, mttr, horizon = 200.0, 20.0, 1000.0
    truth = c1_exact(mttf, mttr, horizon)
    results = relsim.run(c1(mttf, mttr, horizon), runs=250 * 16, seed=19)
    hits: dict[str, list[bool]] = {m: [] for m in truth}
    for runs, outages in blocks(results, 16):
        table = summarise(runs, outages, metrics=list(truth))
        for m, value in truth.items():
            assert table.loc[m, "established"]
            hits[m].append(covered(table.loc[m, "ci_low"], table.loc[m, "ci_high"], value))
    for m in truth:
        assert_calibrated(hits[m])


@pytest.mark.slow
def test_compare_paired_differences_are_calibrated() -> None:
    """Paired differences (common random numbers) between C1 with a 20 h and a 10 h repair."""
    horizon = 1000.0
    base, faster = c1(200.0, 20.0, horizon), c1(200.0, 10.0, horizon)
    # (Outage counts almost never differ between the two: the up-times are
    # the same draws, so only the last cycle before the horizon can change.)
    truth = {"availability": c1_exact(200.0, 10.0, horizon)["availability"]
             - c1_exact(200.0, 20.0, horizon)["availability"]}
    comparison = relsim.compare({"base": base, "faster": faster}, runs=300 * 20, seed=23)
    a, b = (comparison.results[k].runs for k in ("base", "faster"))
    hits: dict[str, list[bool]] = {m: [] for m in truth}
    for start in range(0, 300 * 20, 20):
        pick = slice(start, start + 20)
        table = paired_differences(a.iloc[pick], b.iloc[pick], list(truth))
        for m, value in truth.items():
            if table.loc[m, "established"]:  # fewer than 10 replications that differ: no interval
                hits[m].append(covered(table.loc[m, "ci_low"], table.loc[m, "ci_high"], value))
    for m in truth:
        assert len(hits[m]) >= 280, m
        assert_calibrated(hits[m])


@pytest.mark.slow
def test_engine_few_event_intervals_cover_at_least_95_percent() -> None:
    """C1 with rare failures (about 2.5 outages per block of 10 replications)."""
    mttf, mttr, horizon = 4000.0, 20.0, 1000.0
    exact = c1_exact(mttf, mttr, horizon)
    truth = {"availability": exact["availability"], "outages_per_year": exact["outages_per_year"]}
    results = relsim.run(c1(mttf, mttr, horizon), runs=300 * 10, seed=29)
    assumption = results.assumptions["outage_duration_s"]
    assert assumption == pytest.approx(mttr * HOUR)
    hits: dict[str, list[bool]] = {m: [] for m in truth}
    for runs, outages in blocks(results, 10):
        table = summarise(runs, outages, metrics=list(truth), duration_assumption=assumption)
        if table.loc["availability", "established"]:
            continue
        for m, value in truth.items():
            hits[m].append(covered(table.loc[m, "ci_low"], table.loc[m, "ci_high"], value))
    assert len(hits["availability"]) >= 290
    for m in truth:
        assert np.mean(hits[m]) >= 0.95, m
