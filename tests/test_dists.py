"""Tests for relsim.dists: parsing, reprs, moments, cdf/ppf and sampling."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from relsim.dists import (
    DIST_NAMES,
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Normal,
    Uniform,
    Weibull,
    parse_dist,
)
from relsim.units import DAY, HOUR, MINUTE, YEAR

# -- parsing ------------------------------------------------------------------

PARSE_CASES: list[tuple[object, Distribution]] = [
    ("exp(mean=10h)", Exponential(10 * HOUR)),
    ("exp(rate=2/h)", Exponential(30 * MINUTE)),
    ("exponential(mean=10h)", Exponential(10 * HOUR)),
    ("  exp ( mean = 10h )  ", Exponential(10 * HOUR)),
    ("weibull(shape=1.5, mean=1000h)", Weibull(1.5, mean=1000 * HOUR)),
    ("weibull(shape=1.5, scale=1000h)", Weibull(1.5, 1000 * HOUR)),
    ("weibull(scale=1000h, shape=1.5)", Weibull(1.5, 1000 * HOUR)),
    ("lognormal(mean=10h, sd=5h)", Lognormal(10 * HOUR, 5 * HOUR)),
    ("gamma(shape=2, mean=1h)", Gamma(2, HOUR)),
    ("normal(mean=1h, sd=10m)", Normal(HOUR, 10 * MINUTE)),
    ("uniform(1m, 5m)", Uniform(MINUTE, 5 * MINUTE)),
    ("uniform(low=1m, high=5m)", Uniform(MINUTE, 5 * MINUTE)),
    ("fixed(30s)", Fixed(30.0)),
    ("fixed(0)", Fixed(0.0)),
    ("empirical([1h, 2h, 5h])", Empirical((HOUR, 2 * HOUR, 5 * HOUR))),
    ("empirical([5h,1h , 2h])", Empirical((HOUR, 2 * HOUR, 5 * HOUR))),
    ("Uniform(1m, 5m)", Uniform(MINUTE, 5 * MINUTE)),  # reprs parse too
    ({"dist": "weibull", "shape": 1.5, "mean": "1000h"}, Weibull(1.5, mean=1000 * HOUR)),
    ({"dist": "uniform", "low": "1m", "high": "5m"}, Uniform(MINUTE, 5 * MINUTE)),
    ({"dist": "fixed", "value": "30s"}, Fixed(30.0)),
    ({"dist": "empirical", "values": ["1h", "2h"]}, Empirical((HOUR, 2 * HOUR))),
    ({"dist": "exp", "rate": "2/h"}, Exponential(1800.0)),
    ({"dist": "gamma", "shape": "2", "mean": "1h"}, Gamma(2, HOUR)),
]


@pytest.mark.parametrize(("value", "expected"), PARSE_CASES)
def test_parse_dist(value: object, expected: Distribution) -> None:
    d = parse_dist(value)  # type: ignore[arg-type]
    assert d == expected
    assert type(d) is type(expected)


def test_parse_dist_returns_instance_unchanged() -> None:
    d = Exponential(HOUR)
    assert parse_dist(d) is d


def test_exp_rate_gives_exact_mean() -> None:
    assert parse_dist("exp(rate=2/h)").mean == 1800.0  # type: ignore[attr-defined]
    assert parse_dist("exp(rate=0.5/h)").mean == 7200.0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("weibul(shape=1, mean=1h)", r"unknown distribution 'weibul'.*did you mean 'weibull'\?"),
        ("gauss(mean=1h)", r"unknown distribution 'gauss'.*known: empirical, exp, exponential"),
        ({"dist": "expo", "mean": "1h"}, r"unknown distribution 'expo'.*did you mean"),
        ("weibull(mean=1h)", r"weibull needs shape= and one of mean= or scale="),
        ("weibull(shape=2)", r"weibull needs shape= and one of mean= or scale="),
        ("weibull(shape=1, mean=1h, scale=2h)", r"only one of mean= or scale="),
        ("exp(mean=1h, rate=1/h)", r"only one of mean= or rate="),
        ("exp()", r"exp needs one of mean= or rate="),
        ("lognormal(mean=1h)", r"lognormal needs mean= and sd="),
        (
            "weibull(shape=1.5, meen=1h)",
            r"unknown parameter 'meen' for weibull.*did you mean 'mean'",
        ),
        ("exp(mean=1h, foo=2)", r"unknown parameter 'foo' for exp"),
        ("exp(rate=2)", r'exp rate .*"2" has no unit: write a rate like 2/h'),
        ("exp(mean=10)", r'exp mean .*"10" has no unit: write a duration like 10h'),
        ("exp(mean=10hrs)", r"unknown unit 'hrs' in \"10hrs\""),
        ("exp(mean=0)", r"exp mean .*must be > 0"),
        ("exp(rate=0/h)", r"exp rate .*must be > 0"),
        ("weibull(shape=0, mean=1h)", r"weibull shape .*positive plain number"),
        ("weibull(shape=-1, mean=1h)", r"weibull shape .*positive plain number"),
        ("weibull(shape=1h, mean=1h)", r"weibull shape .*positive plain number"),
        ("gamma(shape=2, mean=0s)", r"gamma mean .*must be > 0"),
        ("lognormal(mean=10h, sd=-5h)", r'duration must be >= 0, got "-5h"'),
        ("normal(mean=1h, sd=-1m)", r"duration must be >= 0"),
        ("uniform(5m, 1m)", r"must be >= low"),
        ("uniform(1m)", r"uniform needs low and high"),
        ("uniform(1m, 2m, 3m)", r"too many arguments for uniform"),
        ("fixed(30)", r'"30" has no unit'),
        ("empirical([])", r"at least one value"),
        ("empirical([1h, x])", r'cannot parse duration "x"'),
        ("empirical(1h)", r"must be a list"),
        ("exp(10h)", r"exp takes named parameters"),
        ("exp(mean=1h, mean=2h)", r"parameter 'mean' given twice"),
        ("exp(mean=1h", r"cannot parse distribution"),
        ("uniform([1m, 2m)", r"unbalanced brackets"),
        ("30s", r"cannot parse distribution.*fixed\(30s\)"),
        ("exp", r"cannot parse distribution"),
        ({"shape": 1}, r"needs a 'dist' key"),
        (42, r"cannot interpret 42 as a distribution"),
        (None, r"cannot interpret None"),
    ],
)
def test_parse_dist_errors(value: object, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        parse_dist(value)  # type: ignore[arg-type]


def test_dist_names() -> None:
    assert set(DIST_NAMES) == {
        "exp",
        "exponential",
        "weibull",
        "lognormal",
        "gamma",
        "normal",
        "uniform",
        "fixed",
        "empirical",
    }


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: Exponential(0.0), r"Exponential mean must be > 0"),
        (lambda: Exponential(-1.0), r">= 0"),
        (lambda: Exponential(math.inf), r"finite"),
        (lambda: Weibull(1.5), r"exactly one of scale or mean"),
        (lambda: Weibull(1.5, HOUR, mean=HOUR), r"exactly one of scale or mean"),
        (lambda: Weibull(0.0, HOUR), r"Weibull shape must be a positive"),
        (lambda: Gamma(True, HOUR), r"Gamma shape must be a positive number"),
        (lambda: Uniform(2.0, 1.0), r"low <= high"),
        (lambda: Empirical(()), r"at least one value"),
        (lambda: Fixed(-1.0), r">= 0"),
    ],
)
def test_constructor_validation(make: object, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        make()  # type: ignore[operator]


# -- reprs and specs ------------------------------------------------------------


@pytest.mark.parametrize(
    ("dist", "text"),
    [
        (Exponential(10 * HOUR), "Exponential(mean=10h)"),
        (Weibull(1.5, mean=8760 * HOUR), "Weibull(shape=1.5, mean=1y)"),
        (Lognormal(10 * HOUR, 5 * HOUR), "Lognormal(mean=10h, sd=5h)"),
        (Gamma(2, HOUR), "Gamma(shape=2, mean=1h)"),
        (Normal(HOUR, 10 * MINUTE), "Normal(mean=1h, sd=10m)"),
        (Uniform(MINUTE, 5 * MINUTE), "Uniform(1m, 5m)"),
        (Fixed(30.0), "Fixed(30s)"),
        (Empirical((HOUR, 2 * HOUR, 5 * HOUR)), "Empirical([1h, 2h, 5h])"),
    ],
)
def test_repr(dist: Distribution, text: str) -> None:
    assert repr(dist) == text


@pytest.mark.parametrize(
    ("dist", "text"),
    [
        (Exponential(10 * HOUR), "exp(mean=10h)"),
        (Weibull(1.5, mean=YEAR), "weibull(shape=1.5, mean=1y)"),
        (Weibull(1.5, 1000 * HOUR), "weibull(shape=1.5, scale=1000h)"),
        (Gamma(2, HOUR), "gamma(shape=2, mean=1h)"),
        (Uniform(MINUTE, 5 * MINUTE), "uniform(1m, 5m)"),
        (Fixed(0.25), "fixed(250ms)"),
        (Empirical((2 * HOUR, HOUR)), "empirical([1h, 2h])"),
    ],
)
def test_spec(dist: Distribution, text: str) -> None:
    assert dist.spec() == text
    assert parse_dist(text) == dist


# -- generated distributions ----------------------------------------------------

durations = st.one_of(
    st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False),
    st.integers(min_value=1, max_value=10**5).map(lambda n: n * HOUR),
    st.integers(min_value=1, max_value=10**5).map(lambda n: n / 1000),
)
shapes = st.floats(min_value=0.2, max_value=20.0)

any_dist: st.SearchStrategy[Distribution] = st.one_of(
    durations.map(Exponential),
    st.builds(lambda k, s: Weibull(k, s), shapes, durations),
    st.builds(lambda k, m: Weibull(k, mean=m), shapes, durations),
    st.builds(Lognormal, durations, durations | st.just(0.0)),
    st.builds(Gamma, shapes, durations),
    st.builds(Normal, durations | st.just(0.0), durations),
    st.lists(durations, min_size=2, max_size=2).map(lambda v: Uniform(min(v), max(v))),
    durations.map(Fixed),
    st.lists(durations, min_size=1, max_size=8).map(Empirical),
)


@settings(max_examples=100, deadline=None)
@given(d=any_dist)
def test_spec_round_trip(d: Distribution) -> None:
    spec = d.spec()
    assert parse_dist(spec) == d
    assert parse_dist(spec).spec() == spec


@settings(max_examples=60, deadline=None)
@given(d=any_dist)
def test_frozen_hashable_picklable(d: Distribution) -> None:
    d.cdf(1.0)  # populate any private caches before pickling
    clone = pickle.loads(pickle.dumps(d))
    assert clone == d
    assert hash(clone) == hash(d)
    assert {d, clone} == {d}
    assert repr(clone) == repr(d)
    with pytest.raises(AttributeError):
        d.foo = 1  # type: ignore[attr-defined]


# Moderate parameters for numerical properties (no extreme ratios).
scales = st.floats(min_value=1.0, max_value=1e6)
rel_sd = st.floats(min_value=0.05, max_value=5.0)
moderate_shapes = st.floats(min_value=0.3, max_value=10.0)

continuous_dist: st.SearchStrategy[Distribution] = st.one_of(
    scales.map(Exponential),
    st.builds(lambda k, s: Weibull(k, s), moderate_shapes, scales),
    st.builds(lambda m, r: Lognormal(m, m * r), scales, rel_sd),
    st.builds(Gamma, moderate_shapes, scales),
    st.builds(lambda m, r: Normal(m, m * r), scales, rel_sd),
    st.builds(lambda lo, w: Uniform(lo, lo + w), scales, scales),
)
discrete_dist: st.SearchStrategy[Distribution] = st.one_of(
    scales.map(Fixed),
    st.lists(scales, min_size=1, max_size=10).map(Empirical),
)


@settings(max_examples=80, deadline=None)
@given(d=st.one_of(continuous_dist, discrete_dist), xs=st.lists(st.floats(-1e3, 1e7), max_size=20))
def test_cdf_monotone_in_unit_interval_and_sf_complement(d: Distribution, xs: list[float]) -> None:
    x = np.sort(np.array([*xs, 0.0, d.mean, 2 * d.mean]))
    f = d.cdf(x)
    assert np.all((f >= 0) & (f <= 1))
    assert np.all(np.diff(f) >= 0)
    assert np.allclose(d.sf(x), 1.0 - f, rtol=0, atol=1e-12)
    assert d.cdf(-1.0) == 0.0
    assert d.sf(-1.0) == 1.0


@settings(max_examples=80, deadline=None)
@given(d=continuous_dist, q=st.floats(min_value=0.01, max_value=0.99))
def test_ppf_inverts_cdf(d: Distribution, q: float) -> None:
    x = d.ppf(q)
    assert d.cdf(x) == pytest.approx(q, abs=1e-9)
    assert d.ppf(d.cdf(x)) == pytest.approx(x, rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(d=discrete_dist, q=st.floats(min_value=0.0, max_value=1.0))
def test_discrete_ppf_is_lower_quantile(d: Distribution, q: float) -> None:
    x = d.ppf(q)
    assert d.cdf(x) >= q - 1e-12
    below = np.nextafter(x, -np.inf)
    assert d.cdf(below) < q or q == 0.0


def test_scalar_and_array_io() -> None:
    for d in (Exponential(HOUR), Normal(HOUR, 600.0), Empirical((1.0, 2.0)), Fixed(3.0)):
        assert type(d.cdf(1.0)) is float
        assert type(d.sf(1)) is float
        assert type(d.ppf(0.5)) is float
        assert d.cdf([1.0, 2.0]).shape == (2,)
        assert d.ppf(np.full((2, 3), 0.5)).shape == (2, 3)
        assert math.isnan(d.cdf(math.nan))
        assert math.isnan(d.ppf(1.5))
        assert math.isnan(d.ppf(-0.1))
        assert np.isnan(d.ppf([0.5, 2.0])[1])


def test_empirical_step_cdf_and_quantiles() -> None:
    d = Empirical((HOUR, 2 * HOUR, 5 * HOUR))
    assert d.cdf(0.5 * HOUR) == 0.0
    assert d.cdf(HOUR) == pytest.approx(1 / 3)
    assert d.cdf(3 * HOUR) == pytest.approx(2 / 3)
    assert d.cdf(5 * HOUR) == 1.0
    assert d.ppf(0.0) == HOUR
    assert d.ppf(1 / 3) == HOUR
    assert d.ppf(0.34) == 2 * HOUR
    assert d.ppf(1.0) == 5 * HOUR
    assert d.mean == pytest.approx(8 * HOUR / 3)


def test_fixed_is_a_step() -> None:
    d = Fixed(30.0)
    assert d.cdf(29.999) == 0.0
    assert d.cdf(30.0) == 1.0
    assert d.ppf(0.3) == 30.0
    assert d.mean == 30.0 and d.var == 0.0


# -- closed forms ---------------------------------------------------------------


def test_weibull_scale_from_mean() -> None:
    d = Weibull(1.5, mean=1000 * HOUR)
    assert d.scale == pytest.approx(1000 * HOUR / math.gamma(1 + 1 / 1.5), rel=1e-15)
    assert d.mean == pytest.approx(1000 * HOUR, rel=1e-15)
    assert parse_dist("weibull(shape=1.5, mean=1000h)") == d
    # F(t) = 1 - exp(-(t/scale)^shape)
    t = 500 * HOUR
    assert d.cdf(t) == pytest.approx(1 - math.exp(-((t / d.scale) ** 1.5)), rel=1e-14)
    w = stats.weibull_min(1.5, scale=d.scale)
    assert d.var == pytest.approx(w.var(), rel=1e-12)


def test_lognormal_parameters() -> None:
    m, s = 10 * HOUR, 5 * HOUR
    d = Lognormal(m, s)
    sigma2 = math.log(1 + s**2 / m**2)
    assert d.sigma == pytest.approx(math.sqrt(sigma2), rel=1e-14)
    assert d.mu == pytest.approx(math.log(m) - sigma2 / 2, rel=1e-14)
    ref = stats.lognorm(d.sigma, scale=math.exp(d.mu))
    assert ref.mean() == pytest.approx(m, rel=1e-12)
    assert ref.std() == pytest.approx(s, rel=1e-12)
    assert d.cdf(8 * HOUR) == pytest.approx(ref.cdf(8 * HOUR), rel=1e-12)


def test_gamma_parameters() -> None:
    d = Gamma(2, HOUR)
    assert d.scale == HOUR / 2
    assert d.var == pytest.approx(2 * (HOUR / 2) ** 2)
    ref = stats.gamma(2, scale=HOUR / 2)
    assert d.cdf(HOUR) == pytest.approx(ref.cdf(HOUR), rel=1e-12)


@pytest.mark.parametrize(("mu", "sigma"), [(HOUR, 10 * MINUTE), (HOUR, HOUR), (0.0, HOUR)])
def test_normal_is_truncated_at_zero(mu: float, sigma: float) -> None:
    d = Normal(mu, sigma)
    ref = stats.truncnorm(-mu / sigma, np.inf, loc=mu, scale=sigma)
    assert d.mu == mu and d.sigma == sigma
    assert d.mean == pytest.approx(ref.mean(), rel=1e-12)
    assert d.var == pytest.approx(ref.var(), rel=1e-10)
    assert d.cdf(0.0) == 0.0
    if mu == 0:  # half-normal
        assert d.mean == pytest.approx(sigma * math.sqrt(2 / math.pi), rel=1e-12)


def test_exponential_closed_form() -> None:
    d = Exponential(10 * HOUR)
    assert d.rate == 1 / (10 * HOUR)
    assert d.var == (10 * HOUR) ** 2
    assert d.cdf(10 * HOUR) == pytest.approx(1 - math.exp(-1), rel=1e-15)


def test_degenerate_cases_are_point_masses() -> None:
    rng = np.random.default_rng(0)
    for d, v in (
        (Lognormal(HOUR, 0.0), HOUR),
        (Normal(HOUR, 0.0), HOUR),
        (Uniform(60.0, 60.0), 60.0),
    ):
        assert d.mean == v
        assert d.var == 0.0
        assert d.cdf(v) == 1.0 and d.cdf(np.nextafter(v, 0)) == 0.0
        assert d.ppf(0.5) == v
        assert np.allclose(d.sample(rng, 5), v)


# -- sampling -------------------------------------------------------------------

N = 200_000

MOMENT_CASES: list[tuple[Distribution, bool]] = [
    (Exponential(10 * HOUR), True),
    (Weibull(1.5, mean=1000 * HOUR), True),
    (Weibull(0.7, 100 * HOUR), True),
    (Lognormal(10 * HOUR, 5 * HOUR), True),
    (Gamma(2, HOUR), True),
    (Gamma(0.5, DAY), True),
    (Normal(HOUR, 10 * MINUTE), True),
    (Normal(HOUR, HOUR), True),
    (Uniform(MINUTE, 5 * MINUTE), True),
    (Fixed(30.0), False),
    (Empirical((HOUR, 2 * HOUR, 5 * HOUR)), False),
]


@pytest.mark.parametrize(("seed", "case"), list(enumerate(MOMENT_CASES)), ids=lambda c: repr(c))
def test_sample_moments_and_ks(seed: int, case: tuple[Distribution, bool]) -> None:
    d, continuous = case
    x = d.sample(np.random.default_rng(1000 + seed), N)
    assert x.dtype == np.float64 and x.shape == (N,)
    assert np.all(x >= 0)
    se = math.sqrt(d.var / N)
    # statistical bound: 4 standard errors (exact match when var == 0)
    assert abs(x.mean() - d.mean) <= 4 * se + 1e-12 * d.mean
    if continuous:
        assert stats.kstest(x, d.cdf).pvalue > 1e-3
        # the sample variance also agrees (loose: 10 % relative)
        assert x.var() == pytest.approx(d.var, rel=0.1)


@pytest.mark.parametrize("d", [c[0] for c in MOMENT_CASES], ids=repr)
def test_sampler_matches_sample_blocks(d: Distribution) -> None:
    block = 16
    draw = d.sampler(np.random.default_rng(7), block=block)
    got = [draw() for _ in range(3 * block + 5)]
    assert all(type(v) is float for v in got)
    rng = np.random.default_rng(7)
    expected = np.concatenate([d.sample(rng, block) for _ in range(4)])[: len(got)]
    assert got == expected.tolist()


def test_fixed_sampler_does_not_use_rng() -> None:
    rng = np.random.default_rng(3)
    state = rng.bit_generator.state
    draw = Fixed(30.0).sampler(rng)
    assert [draw() for _ in range(100)] == [30.0] * 100
    assert rng.bit_generator.state == state


def test_sampling_is_deterministic_per_seed() -> None:
    for d, _ in MOMENT_CASES:
        a = d.sample(np.random.default_rng(42), 100)
        b = d.sample(np.random.default_rng(42), 100)
        assert np.array_equal(a, b)


def test_sampler_rejects_bad_block() -> None:
    with pytest.raises(ValueError, match="block must be >= 1"):
        Exponential(HOUR).sampler(np.random.default_rng(0), block=0)


@pytest.mark.parametrize(("mu", "sigma"), [(HOUR, 10 * MINUTE), (HOUR, HOUR), (0.0, HOUR)])
def test_normal_sample_is_inverse_transform_of_ppf(mu: float, sigma: float) -> None:
    d = Normal(mu, sigma)
    u = np.random.default_rng(5).random(10_000)
    x = d.sample(np.random.default_rng(5), 10_000)
    assert np.allclose(x, d.ppf(u), rtol=1e-9, atol=1e-9 * sigma)
