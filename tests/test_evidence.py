"""Intervals that never claim more than the data hold (relsim/evidence.py)."""

from __future__ import annotations

import json
import math
import pathlib

import numpy as np
import pytest
from scipy import stats

import relsim
from relsim.cli import main
from relsim.evidence import (
    MIN_EVENTS,
    binomial_interval,
    outage_duration_assumption,
    poisson_interval,
    quantile_events_needed,
)

ROOT = pathlib.Path(__file__).parent.parent
WEB = str(ROOT / "models" / "web-three-zones.yaml")

#: One unit, MTTF 1000 h, MTTR 10 h (reference case C1): unavailability 10/1010.
UNIT = {"name": "unit", "horizon": "100h",
        "components": {"u": {"failures": [{"kind": "permanent", "every": "exp(mean=1000h)",
                                           "repair": "exp(mean=10h)"}]}},
        "services": {"s": {"replicas": ["u"]}}, "objectives": {"availability": "99%"}}
EXACT_U = 10 / 1010


@pytest.mark.parametrize("k", [0, 1, 3, 9, 40])
def test_poisson_interval_is_the_exact_garwood_interval(k):
    lo, hi = poisson_interval(k, 2.0)
    # the upper limit mu makes P(X <= k) = 2.5 %, the lower one P(X >= k) = 2.5 %
    assert stats.poisson.cdf(k, hi * 2.0) == pytest.approx(0.025, rel=1e-6)
    if k:
        assert stats.poisson.sf(k - 1, lo * 2.0) == pytest.approx(0.025, rel=1e-6)
    else:
        assert lo == 0.0


@pytest.mark.parametrize(("k", "n"), [(0, 50), (1, 50), (7, 20), (20, 20)])
def test_binomial_interval_is_clopper_pearson(k, n):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    assert binomial_interval(k, n) == pytest.approx((ci.low, ci.high))


def test_percentiles_need_events_beyond_them():
    assert quantile_events_needed(0.5) == 10
    assert quantile_events_needed(0.95) == 100
    assert quantile_events_needed(0.99) == 500


def test_duration_assumption_is_the_longest_mean_restore():
    assert outage_duration_assumption(relsim.load(UNIT)) == pytest.approx(36000.0)
    quiet = relsim.load({"name": "q", "components": {"a": {}}, "services": {"s": {"replicas": ["a"]}}})
    assert outage_duration_assumption(quiet) == 0.0


def test_no_outage_is_not_certainty(capsys):
    """The issue's reproduction: 50 days without an outage once printed [1, 1] and 'met'."""
    res = relsim.run(relsim.load(WEB), runs=50, seed=0, horizon=86400)
    row = res.summary().loc["availability"]
    assert row["mean"] == 1.0 and row["events"] == 0 and not row["established"]
    assert row["ci_low"] < 0.9995 < row["ci_high"] == 1.0
    assert "0 outages in 50 replications" in row["note"]
    verdict = res.objectives_met()["availability"]
    assert verdict["verdict"] == "not established" and verdict["met"] is False
    assert "relsim rare" in verdict["reason"]
    assert main(["run", WEB, "--horizon", "1d", "--runs", "50"]) == 0
    out = capsys.readouterr().out
    assert "objective availability >= 0.9995: not established" in out
    assert "[1.000000, 1.000000]" not in out and "0 outages" in out and " *" in out


def test_a_model_without_failures_is_exactly_available():
    quiet = relsim.load({"name": "q", "components": {"a": {}}, "services": {"s": {"replicas": ["a"]}},
                         "objectives": {"availability": "99.99%"}})
    res = relsim.run(quiet, runs=3, seed=0)
    row = res.summary().loc["availability"]
    assert (row["ci_low"], row["ci_high"]) == (1.0, 1.0)
    assert res.objectives_met()["availability"]["verdict"] == "met"


def test_one_observation_is_not_an_interval():
    """A pooled mean from one event (mttd 7.98 min [7.98 min, 7.98 min] once) gets no interval."""
    res = relsim.run(relsim.load(UNIT), runs=3, seed=5)
    s = res.summary()
    assert s.loc["mean_outage", "events"] < MIN_EVENTS
    assert math.isnan(s.loc["mean_outage", "ci_low"]) and not s.loc["mean_outage", "established"]


def test_maxima_never_get_an_interval():
    res = relsim.run(relsim.load(ROOT / "models" / "ap-hot-two-zones.yaml"), runs=20, seed=0)
    s = res.summary()
    for name in ("outage_max", "rto_max"):
        assert math.isnan(s.loc[name, "ci_low"]) and math.isnan(s.loc[name, "ci_high"])
        assert "no confidence interval" in s.loc[name, "note"]
    # with hundreds of outages the 95th percentile is established and its BCa interval holds it
    p95 = s.loc["outage_p95"]
    assert p95["events"] >= 100 and p95["established"]
    assert p95["ci_low"] <= p95["mean"] <= p95["ci_high"]


def test_a_percentile_from_few_events_is_not_established():
    res = relsim.run(relsim.load(ROOT / "models" / "ap-hot-two-zones.yaml"), runs=3, seed=0, horizon=86400 * 60)
    p95 = res.summary().loc["outage_p95"]
    assert p95["events"] < 100 and not p95["established"] and math.isnan(p95["ci_low"])


def test_few_events_get_the_exact_poisson_interval():
    res = relsim.run(relsim.load(UNIT), runs=4, seed=2)
    row = res.summary().loc["outages_per_year"]
    k = int(row["events"])
    assert k < MIN_EVENTS and not row["established"]
    lo, hi = poisson_interval(k, 4 * 100 * 3600)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo * 365 * 86400, hi * 365 * 86400))


def test_p_data_loss_has_the_clopper_pearson_interval():
    res = relsim.run(relsim.load(ROOT / "models" / "db-two-zones-async.yaml"), runs=12, seed=0, horizon=86400 * 30)
    row = res.summary().loc["p_data_loss"]
    k = int(round(row["mean"] * 12))
    assert row["events"] == k and (row["ci_low"], row["ci_high"]) == pytest.approx(binomial_interval(k, 12))


@pytest.mark.slow
def test_the_few_outage_bound_covers_the_true_unavailability():
    """Coverage of the availability bound with about one outage per experiment.

    120 independent experiments of 5 replications of 100 h each (about 0.5
    outages per experiment): the 95 % bound must cover the exact
    unavailability in at least 95 % of them, within 3 binomial standard
    errors.
    """
    model = relsim.load(UNIT)
    covered = []
    for seed in range(120):
        row = relsim.run(model, runs=5, seed=1000 + seed).summary().loc["availability"]
        assert not row["established"]
        covered.append(row["ci_low"] <= 1 - EXACT_U)
    rate = float(np.mean(covered))
    assert rate >= 0.95 - 3 * math.sqrt(0.95 * 0.05 / len(covered)), rate


def test_rto_verdict_needs_enough_incidents():
    res = relsim.run(relsim.load(ROOT / "models" / "ap-hot-two-zones.yaml"), runs=2, seed=0, horizon=86400 * 10)
    v = res.objectives_met()["rto"]
    assert v["incidents"] < MIN_EVENTS
    assert v["verdict"] in ("not established", "not met")
    if v["verdict"] == "not established":
        assert "fewer than" in v["reason"]


def test_json_and_table_show_what_each_figure_rests_on(capsys):
    assert main(["run", WEB, "--horizon", "1d", "--runs", "20", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    av = doc["metrics"]["availability"]
    assert av["events"] == 0 and av["established"] is False and "0 outages" in av["note"]
    assert doc["objectives"]["availability"]["verdict"] == "not established"
    assert main(["run", WEB, "--horizon", "1d", "--runs", "20"]) == 0
    out = capsys.readouterr().out
    assert "based on" in out.splitlines()[2]


def test_header_says_what_is_measured(capsys):
    path = str(ROOT / "models" / "multi-region-dns.yaml")
    assert main(["check", path]) == 0
    captured = capsys.readouterr()
    assert "measures the request path of the workload to 'www'" in captured.out
    assert "entry 'app-eu' does not choose what is measured" in captured.err
    assert main(["run", path, "--runs", "2", "--horizon", "2d"]) == 0
    assert "request path of the workload to 'www'" in capsys.readouterr().out


def test_a_difference_no_replication_shows_is_not_established():
    """Two identical variants differ in no replication: that is no evidence of 'no difference'."""
    path = str(ROOT / "models" / "single-host.yaml")
    comp = relsim.compare([path, path], runs=12, seed=0, horizon=86400 * 30)
    d = comp.differences().set_index("metric").loc["availability"]
    assert d["events"] == 0 and not d["established"] and not d["significant"]
    assert math.isnan(d["ci_low"]) and math.isnan(d["ci_high"])


def test_attribution_of_a_rare_cause_is_not_established():
    from relsim.attribution import attribution

    res = relsim.run(relsim.load(WEB), runs=50, seed=0)
    table = attribution(res)
    rare = table[table["outages"] < MIN_EVENTS]
    assert len(rare) and not rare["established"].any()
    assert rare["downtime_per_year_ci_low"].isna().all()
    for row in rare.itertuples():
        lo, hi = poisson_interval(row.outages, 50 * 365 * 86400)
        assert (row.outages_per_year_ci_low, row.outages_per_year_ci_high) == pytest.approx(
            (lo * 365 * 86400, hi * 365 * 86400))


def test_compare_shows_every_metric_with_intervals_and_needs_two_models(capsys):
    hot, cold = (str(ROOT / "models" / f"ap-{k}-two-zones.yaml") for k in ("hot", "cold"))
    comp = relsim.compare([hot, cold], runs=20, seed=0)  # a percentile's interval needs 20 replications
    d = comp.differences().set_index("metric")
    for name in ("mean_outage", "mttd", "rto_mean", "rto_p50", "outage_max"):
        assert name in d.index
    assert math.isnan(d.loc["outage_max", "ci_low"])  # a maximum has no interval
    # the cold standby's boot time shows in the median RTO: significant with hundreds of incidents
    assert d.loc["rto_p50", "established"] and d.loc["rto_p50", "ci_low"] > 0
    assert main(["compare", hot, cold, "--runs", "6"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2].split()[:3] == ["metric", "ap-hot-two-zones", "95%"]
    assert main(["compare", hot, "--runs", "3"]) == 2
    assert "compare needs at least two models" in capsys.readouterr().err
    with pytest.raises(ValueError, match="at least two models"):
        relsim.compare([hot])


def test_paired_ratio_difference_matches_the_unpaired_estimate_for_independent_variants():
    """With independent variants the paired delta-method SE equals the two SEs combined."""
    from relsim.intervals import paired_ratio_difference, ratio_ci

    rng = np.random.default_rng(3)
    n = 4000
    den_a, den_b = rng.poisson(3, n), rng.poisson(5, n)
    num_a, num_b = rng.gamma(2, 10, n) * den_a, rng.gamma(2, 20, n) * den_b
    d = paired_ratio_difference(num_a, den_a, num_b, den_b)
    a, b = ratio_ci(num_a, den_a), ratio_ci(num_b, den_b)
    assert d["mean"] == pytest.approx(b["mean"] - a["mean"])
    assert d["se"] == pytest.approx(math.hypot(a["se"], b["se"]), rel=0.05)


def test_a_percentile_of_tied_values_says_why_it_has_no_interval():
    # Every outage lasts exactly 10 minutes: thousands of events, but every
    # bootstrap resample has the same 95th percentile, so there is no interval,
    # and the note must not claim that events are missing.
    model = relsim.load({"name": "tied", "horizon": "30d",
                         "components": {"a": {"failures": [
                             {"kind": "transient", "every": "exp(mean=6h)", "lasts": "fixed(10m)"}]}},
                         "services": {"s": {"replicas": ["a"]}}})
    row = relsim.run(model, runs=20, seed=1).summary().loc["outage_p95"]
    assert row["events"] > 1000 and row["mean"] == 600.0
    assert not row["established"]
    assert "do not vary" in row["note"] and "needs" not in row["note"]


def test_exact_intervals_are_scipy_stats_quantiles_to_rounding() -> None:
    """poisson_interval and binomial_interval use scipy.special's gamma and beta quantiles directly
    (a run then never imports scipy.stats); they are scipy.stats' chi2 and beta quantiles."""
    for k in [*range(0, 60), 100, 999, 10_000]:
        lo, hi = poisson_interval(k, 2.0)
        want_lo = stats.chi2.ppf(0.025, 2 * k) / 2 / 2.0 if k else 0.0
        want_hi = stats.chi2.ppf(0.975, 2 * k + 2) / 2 / 2.0
        assert lo == pytest.approx(want_lo, rel=1e-12, abs=0.0) and hi == pytest.approx(want_hi, rel=1e-12)
    for n in (1, 2, 3, 10, 57, 1000, 40_000):
        for k in sorted({0, 1, 2, n // 3, n // 2, n - 1, n} & set(range(n + 1))):
            lo, hi = binomial_interval(k, n)
            want_lo = stats.beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
            want_hi = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
            assert lo == pytest.approx(want_lo, rel=1e-12, abs=0.0), (k, n)
            assert hi == pytest.approx(want_hi, rel=1e-12), (k, n)


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_the_summed_intervals_of_small_counts_are_scipy_special_s(level) -> None:
    """Up to SUM_COUNTS, poisson_interval and binomial_interval solve a finite sum themselves (a run with
    few events then imports no scipy); they agree with scipy.special's gamma and beta quantiles over that
    whole range, on both sides of it, and, where scipy.special is itself off (1e-11 at n = 10^6), with
    the equation that defines the limit."""
    from scipy import special

    from relsim.evidence import SUM_COUNTS

    a = 1 - level
    for k in range(0, SUM_COUNTS + 3):
        lo, hi = poisson_interval(k, 1.0, level)
        assert lo == (pytest.approx(float(special.gammaincinv(k, a / 2)), rel=1e-13, abs=0) if k else 0.0), k
        assert hi == pytest.approx(float(special.gammaincinv(k + 1, 1 - a / 2)), rel=1e-13, abs=0), k
    for n in [*range(1, 41), 57, 1000, 40_000, 10**6]:
        for k in sorted({*range(0, min(n, 12) + 1), *range(max(0, n - 12), n + 1), min(n, SUM_COUNTS),
                         min(n, SUM_COUNTS + 1), max(0, n - SUM_COUNTS - 1)}):
            lo, hi = binomial_interval(k, n, level)
            want_lo = float(special.betaincinv(k, n - k + 1, a / 2)) if k > 0 else 0.0
            want_hi = float(special.betaincinv(k + 1, n - k, 1 - a / 2)) if k < n else 1.0
            rel = 1e-12 if n <= 40_000 else 3e-11
            assert lo == pytest.approx(want_lo, rel=rel, abs=0), (k, n)
            assert hi == pytest.approx(want_hi, rel=rel, abs=0), (k, n)
            # the limits solve P(X >= k) = a/2 and P(X <= k) = a/2 (scipy.stats: its own code path)
            if 0 < k < n and n <= 40_000:
                assert stats.binom.sf(k - 1, n, lo) == pytest.approx(a / 2, rel=1e-9)
                assert stats.binom.cdf(k, n, hi) == pytest.approx(a / 2, rel=1e-9)


def test_counts_up_to_sum_counts_are_summed_without_scipy(monkeypatch) -> None:
    """k = SUM_COUNTS (and n - k = SUM_COUNTS) is still the finite sum: scipy.special's quantiles are
    reached from SUM_COUNTS + 1 on, and both give scipy.special's numbers."""
    from scipy import special

    from relsim.evidence import SUM_COUNTS

    want = {("p", k): (float(special.gammaincinv(k, 0.025)), float(special.gammaincinv(k + 1, 0.975)))
            for k in (SUM_COUNTS, SUM_COUNTS + 1)}
    for k, n in ((SUM_COUNTS, 1000), (1000 - SUM_COUNTS, 1000), (SUM_COUNTS, 2 * SUM_COUNTS),
                 (SUM_COUNTS + 1, 1000), (1000 - SUM_COUNTS - 1, 1000)):
        want[("b", k, n)] = (float(special.betaincinv(k, n - k + 1, 0.025)),
                             float(special.betaincinv(k + 1, n - k, 0.975)))
    calls = []

    def counted(f):
        def g(*args):
            calls.append(f.__name__)
            return f(*args)
        g.__name__ = f.__name__
        return g

    monkeypatch.setattr(special, "gammaincinv", counted(special.gammaincinv))
    monkeypatch.setattr(special, "betaincinv", counted(special.betaincinv))
    for key, (lo, hi) in want.items():
        calls.clear()
        got = poisson_interval(key[1], 1.0) if key[0] == "p" else binomial_interval(key[1], key[2])
        assert got[0] == pytest.approx(lo, rel=1e-12, abs=0) and got[1] == pytest.approx(hi, rel=1e-12, abs=0), key
        summed = key[1] <= SUM_COUNTS if key[0] == "p" else min(key[1], key[2] - key[1]) <= SUM_COUNTS
        assert calls == ([] if summed else ["gammaincinv" if key[0] == "p" else "betaincinv"] * 2), key


def test_binomial_distribution_function_at_the_ends() -> None:
    """P(X <= 0) and P(X = 0) of Binomial(n, p) at p = 0 and p = 1: (1, 1), and (0, 0) unless n = 0."""
    from relsim.evidence import _binomial_cdf

    assert _binomial_cdf(0, 0, 1.0) == (1.0, 1.0)
    assert _binomial_cdf(0, 1, 1.0) == (0.0, 0.0)
    assert _binomial_cdf(0, 3, 1.0) == (0.0, 0.0)
    assert _binomial_cdf(0, 3, 0.0) == (1.0, 1.0)
    assert _binomial_cdf(2, 3, 0.0) == (1.0, 0.0)
    assert _binomial_cdf(3, 3, 0.0) == (1.0, 0.0)


def test_binomial_distribution_function_at_one_beyond_zero_events() -> None:
    """At p = 1 every trial succeeds (it multiplied a zero term by infinite odds: NaN; binomial_interval's
    solver never reaches the ends)."""
    from relsim.evidence import _binomial_cdf

    assert _binomial_cdf(1, 3, 1.0) == (0.0, 0.0)
    assert _binomial_cdf(3, 3, 1.0) == (1.0, 1.0)


def test_solve_finds_the_root_of_a_decreasing_function() -> None:
    """_solve: Newton's method inside the bracket, bisecting (or doubling, for an open upper end) when it
    leaves; the root to a few ulps, whatever the start and whether the slope helps."""
    from relsim.evidence import _solve

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= 4 * math.ulp(b)

    assert close(_solve(lambda x: (2.0 - x * x, -2.0 * x), 0.0, math.inf, 1.0), math.sqrt(2.0))
    assert close(_solve(lambda x: (2.0 - x * x, -2.0 * x), 0.0, math.inf, 50.0), math.sqrt(2.0))  # from above
    assert close(_solve(lambda x: (2.0 - x * x, 0.0), 0.0, math.inf, 1.0), math.sqrt(2.0))  # no slope: doubling
    assert close(_solve(lambda x: (0.3 - x ** 3, -3.0 * x * x), 0.0, 1.0, 0.5), 0.3 ** (1 / 3))
    assert close(_solve(lambda x: (3e-8 - x, -1.0), 0.0, 1.0, 0.5), 3e-8)  # far below the start
    assert close(_solve(lambda x: (1e6 - x, -1.0), 0.0, math.inf, 1.0), 1e6)  # far above it
    assert close(_solve(lambda x: (math.exp(-x) - 1e-12, -math.exp(-x)), 0.0, math.inf, 1.0), 12 * math.log(10))
    # Newton's method from inside the bracket: sqrt(2) from 1 in 1.5, 1.4167, 1.414216, ... (quadratic: 6 steps to
    # 16 digits), where bisection or doubling would need some 50
    calls = []

    def f(x: float) -> tuple[float, float]:
        calls.append(x)
        return 2.0 - x * x, -2.0 * x

    assert close(_solve(f, 0.0, math.inf, 1.0), math.sqrt(2.0)) and len(calls) <= 8, calls
    assert calls[:3] == [1.0, 1.5, 1.5 - 0.25 / 3.0]


def test_solve_stops_at_an_exact_root() -> None:
    """An exact zero is the root (it took f(x) = 0 as the upper end and bisected away, 1 ulp below)."""
    from relsim.evidence import _solve

    assert _solve(lambda x: (3.0 - x, -1.0), 0.0, math.inf, 1.0) == 3.0


def test_the_equations_the_exact_limits_solve(monkeypatch) -> None:
    """_poisson_mean and _binomial_p hand _solve P(X <= m) - c with its derivative in the mean (-P(X = m)) and
    in p (-n P(X' = m), X' ~ B(n - 1, p)), the bracket and Newton's start; _binomial_p sums the shorter tail."""
    from relsim import evidence

    seen = []
    monkeypatch.setattr(evidence, "_solve", lambda f, lo, hi, x: seen.append((f, lo, hi, x)) or 0.25)
    assert evidence._poisson_mean(3, 0.1) == 0.25
    f, lo, hi, x = seen.pop()
    assert (lo, hi, x) == (0.0, math.inf, 4.0)
    for mu in (0.5, 4.0, 9.0):
        value, slope = f(mu)
        assert value == pytest.approx(stats.poisson.cdf(3, mu) - 0.1, rel=1e-12)
        assert slope == pytest.approx(-stats.poisson.pmf(3, mu), rel=1e-12)
    for m, n, start in ((2, 10, 0.3), (0, 40, 1 / 40), (9, 20, 0.5), (4, 7, None)):
        assert evidence._binomial_p(m, n, 0.1) == (0.25 if n - m - 1 >= m else 0.75)
        f, lo, hi, x = seen.pop()
        assert (lo, hi) == (0.0, 1.0) and x == pytest.approx(start if n - m - 1 >= m else 3 / 7, rel=1e-15)
        mm, cc = (m, 0.1) if n - m - 1 >= m else (n - m - 1, 0.9)  # m = 4 of 7: the tail Y <= 2, Y ~ B(7, 1 - p)
        for p in (0.05, 0.3, 0.6):
            value, slope = f(p)
            assert value == pytest.approx(stats.binom.cdf(mm, n, p) - cc, rel=1e-12, abs=1e-15)
            assert slope == pytest.approx(-n * stats.binom.pmf(mm, n - 1, p), rel=1e-12)
    assert evidence._binomial_p(5, 10, 0.1) == 0.75  # n - m - 1 = 4 < 5: the tail of 4, solved for 1 - p
    assert seen.pop()[0](0.3)[0] == pytest.approx(stats.binom.cdf(4, 10, 0.3) - 0.9, rel=1e-12)
