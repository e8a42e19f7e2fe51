"""Confidence intervals over independent replications.

Means with Student-t intervals, ratios of totals with the delta method, and
paired differences of two variants run with common random numbers (the same
seed and replication indices, so each replication of one variant sees the
same failures of shared elements as the same replication of the other). A
paired difference is the mean of the per-replication differences; its
variance is var(A) + var(B) − 2 cov(A, B), so the positive correlation that
common random numbers induce narrows the interval [1]_.

References
----------
.. [1] A. M. Law, *Simulation Modeling and Analysis*, 5th ed., McGraw-Hill,
   2015, §10.2 (comparing two systems: paired-t intervals) and §11.2
   (common random numbers).
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from relsim.evidence import (
    BOOTSTRAP_REPLICATIONS,
    LEVEL,
    MIN_EVENTS,
    _solve,
    quantile_events_needed,
)

__all__ = ["mean_ci", "paired_differences", "paired_quantile_difference", "paired_ratio_difference", "ratio_ci",
           "resampled_quantiles", "weighted_quantile", "bootstrap_units", "BOOTSTRAP_UNITS"]



#: From this many degrees of freedom on, :func:`t_quantile` is the Cornish–Fisher
#: expansion alone: its first omitted term is below 1e-15 of the quantile there
#: at the level 0.95, and 1e-12 at 0.9999.
EXPANSION_DF = 1000

_NORMAL = statistics.NormalDist()


@functools.lru_cache(maxsize=512)
def t_quantile(n: int, level: float = LEVEL) -> float:
    """The two-sided Student t quantile for a mean of ``n`` values (NaN for n < 2).

    What ``scipy.stats.t.ppf(0.5 + level / 2, n - 1)`` (``scipy.special.stdtrit``)
    gives, to 4e-14 relative at the level 0.95 and 2e-12 at 0.9999
    (``tests/test_t_quantile.py`` holds it to ``stdtrit`` over every n to
    1,200 and up to 10^8), without importing ``scipy.special``, which cost a
    ``relsim run`` 0.2 s and 20 MiB. The degrees of freedom n − 1 are whole,
    so the distribution function has a finite series [3]_ (26.7.3, 26.7.4),
    solved by Newton's method from the Cornish–Fisher expansion (26.7.5);
    from :data:`EXPANSION_DF` degrees of freedom on, the expansion alone is
    as exact. One and two degrees of freedom have closed forms.

    References
    ----------
    .. [3] M. Abramowitz and I. A. Stegun, *Handbook of Mathematical
       Functions*, Dover, 1972, §26.7.
    """
    if n < 2 or not 0.0 < level < 1.0:
        return math.nan if n < 2 or not 0.0 <= level <= 1.0 else math.inf if level == 1.0 else 0.0
    df = n - 1
    if df == 1:  # Cauchy: tan(pi/2 level), from the tail 1 - level, which is exact
        return 1.0 / math.tan(math.pi / 2 * (1.0 - level))
    if df == 2:
        return level * math.sqrt(2.0 / ((1.0 - level) * (1.0 + level)))
    t = _cornish_fisher(_NORMAL.inv_cdf(0.5 + level / 2), df)
    if df >= EXPANSION_DF:
        return t
    log_density = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def f(x: float) -> tuple[float, float]:  # decreasing in x; its slope is -2 × the t density
        return level - _t_central(x, df), -2.0 * math.exp(log_density - (df + 1) / 2 * math.log1p(x * x / df))

    return _solve(f, 0.0, math.inf, t)


def _t_central(t: float, df: int) -> float:
    """P(|T| < t) for Student's t with whole ``df`` ≥ 2 and t ≥ 0 (A&S 26.7.3, 26.7.4)."""
    y = df / (df + t * t)  # cos² θ, θ = atan(t / √df)
    if df % 2 == 0:
        k = np.arange(1, df // 2)
        return t / math.sqrt(df + t * t) * (1.0 + float(np.cumprod((2 * k - 1) / (2 * k) * y).sum()))
    k = np.arange(1, (df - 1) // 2)
    series = 1.0 + float(np.cumprod(2 * k / (2 * k + 1) * y).sum())
    return 2 / math.pi * (math.atan(t / math.sqrt(df)) + t * math.sqrt(df) / (df + t * t) * series)


def _cornish_fisher(z: float, df: int) -> float:
    """The t quantile of the standard normal quantile ``z``, to the order df⁻⁴ (A&S 26.7.5)."""
    z2 = z * z
    g1 = z * (z2 + 1) / 4
    g2 = z * ((5 * z2 + 16) * z2 + 3) / 96
    g3 = z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384
    g4 = z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / 92160
    return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df


def _normal_quantile(p: float) -> float:
    """``scipy.special.ndtri``: the standard normal quantile, ±inf at 0 and 1, NaN outside."""
    if 0.0 < p < 1.0:
        return _NORMAL.inv_cdf(p)
    return -math.inf if p == 0.0 else math.inf if p == 1.0 else math.nan


def _normal_cdf(x: float) -> float:
    """``scipy.special.ndtr``: the standard normal distribution function, exact in both tails."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


_t = t_quantile


def mean_ci(values: Iterable[float]) -> dict[str, float]:
    """Mean, standard error and 95 % Student-t interval of i.i.d. values (NaNs dropped)."""
    x = np.asarray(values if hasattr(values, "__array__") else list(values), dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return {"mean": math.nan, "se": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 0}
    mean = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    half = _t(n) * se
    return {"mean": mean, "se": se, "ci_low": mean - half, "ci_high": mean + half, "n": n}


def ratio_ci(num: np.ndarray, den: np.ndarray) -> dict[str, float]:
    """Σnum / Σden over replications with its delta-method standard error."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    n = len(num)
    if n == 0 or den.sum() == 0:
        return {"mean": math.nan, "se": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": n}
    ratio = float(num.sum() / den.sum())
    se = float(math.sqrt((num - ratio * den).var(ddof=1) / n) / den.mean()) if n > 1 else math.nan
    half = _t(n) * se
    return {"mean": ratio, "se": se, "ci_low": ratio - half, "ci_high": ratio + half, "n": n}


def paired_differences(base: Any, other: Any, metrics: Iterable[str]) -> Any:
    """``other − base`` per metric from per-replication rows matched on ``replication``.

    Returns one row per metric: mean, se, ci_low, ci_high, n (replications
    present in both), ``events`` (replications where the two differ),
    ``established`` (at least :data:`relsim.evidence.MIN_EVENTS` of them;
    otherwise the interval is left out, NaN) and ``significant`` (an
    established interval excludes 0).
    """
    import pandas as pd

    joined = base.merge(other, on="replication", how="inner", suffixes=("_a", "_b"))
    rows = {}
    for m in metrics:
        if f"{m}_a" not in joined or f"{m}_b" not in joined:
            continue
        diff = joined[f"{m}_b"].to_numpy(float) - joined[f"{m}_a"].to_numpy(float)
        row = mean_ci(diff)
        # With common random numbers most replications may not differ at
        # all; the interval rests on those that do (relsim.evidence).
        events = int(np.sum(~np.isnan(diff) & (diff != 0)))
        row["events"], row["established"] = events, events >= MIN_EVENTS
        if not row["established"]:
            row["ci_low"] = row["ci_high"] = math.nan
        lo, hi = row["ci_low"], row["ci_high"]
        row["significant"] = bool(lo > 0 or hi < 0) if not math.isnan(lo) else False
        rows[m] = row
    table = pd.DataFrame.from_dict(rows, orient="index",
                                   columns=["mean", "se", "ci_low", "ci_high", "n", "events", "established",
                                            "significant"])
    table.index.name = "metric"
    return table


def weighted_quantile(sorted_x: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile (inverse of the weighted empirical CDF) of ``sorted_x``."""
    cum = np.cumsum(weights)
    if len(cum) == 0 or cum[-1] <= 0:
        return math.nan
    return float(sorted_x[min(int(np.searchsorted(cum, q * cum[-1], side="left")), len(sorted_x) - 1)])


def sorted_with_owners(by_run: list[np.ndarray], pooled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pooled`` (the concatenation of ``by_run``) sorted, and the replication each value came from."""
    owner = np.concatenate([np.full(len(x), i) for i, x in enumerate(by_run)])
    order = np.argsort(pooled, kind="stable")
    return pooled[order], owner[order]


#: Largest resamples × events matrix :func:`resampled_quantiles` builds at once (1 MB of int32).
_CELLS = 250_000
#: Below this bound on a resample's total weight, :func:`resampled_quantiles` sums weights in int32.
_INT32_TOTALS = 2**31


def resampled_quantiles(sorted_x: np.ndarray, owner: np.ndarray, n: int, q: float, idx: np.ndarray) -> np.ndarray:
    """The ``q`` quantile of the events for each resample of replications, vectorised.

    ``sorted_x`` holds the pooled events sorted, ``owner`` the replication
    (``0 .. n-1``) each came from, and each row of ``idx`` (any leading
    shape) the replication indices one resample drew. A resample weights
    every event by how often its replication was drawn; the result is
    :func:`weighted_quantile` of each row (the same numbers, without a
    Python call per resample), with the leading shape of ``idx``.

    The cumulative weights are summed only over a window of events around
    the ``q`` quantile of the unweighted events (:func:`_quantile_window`),
    starting from each resample's weight before the window: a resample's
    quantile lies there unless its weights are far from even, and a row
    whose quantile falls outside is summed over every event instead, so
    the result is the same either way (``tests/test_intervals_exact.py``).
    """
    idx = np.asarray(idx).astype(int)
    rows = idx.reshape(-1, idx.shape[-1])
    out = np.empty(len(rows))
    m = len(sorted_x)
    # whole weights: int32 is exact while a resample's total (at most n draws × the events) fits, and faster
    whole = np.int32 if n * m < _INT32_TOTALS else np.int64
    lo, hi = _quantile_window(m, n, q)
    window = owner[lo:hi]
    before = np.bincount(owner[:lo], minlength=n).astype(whole)  # each replication's events before the window
    per_run = np.bincount(owner, minlength=n).astype(whole)
    step = max(1, _CELLS // max(hi - lo, n, 1))
    for start in range(0, len(rows), step):
        part = rows[start:start + step]
        b = len(part)
        counts = np.bincount((part + n * np.arange(b)[:, None]).ravel(), minlength=b * n).reshape(b, n).astype(whole)
        total = counts @ per_run
        # searchsorted(cum, q * total, side="left") row by row: how many cumulative weights fall
        # below q * total, that is (whole weights) below its ceiling
        below = np.ceil(q * total.astype(float)).astype(whole)
        first = counts @ before  # the cumulative weight just before the window
        cum = first[:, None] + np.cumsum(counts[:, window], axis=1, dtype=whole)
        pos = lo + (cum < below[:, None]).sum(axis=1)
        outside = (first >= below) | (cum[:, -1] < below) if hi > lo else np.ones(b, dtype=bool)
        if outside.any():  # the quantile lies before or after the window: every event
            full = np.cumsum(counts[outside][:, owner], axis=1, dtype=whole)
            pos[outside] = (full < below[outside, None]).sum(axis=1)
        pos = np.minimum(pos, m - 1)
        out[start:start + b] = np.where(total > 0, sorted_x[pos], math.nan)
    return out.reshape(idx.shape[:-1])


def _quantile_window(m: int, n: int, q: float) -> tuple[int, int]:
    """The events ``[lo, hi)`` (of ``m``, from ``n`` replications) around the unweighted ``q`` quantile.

    Wide enough that a resample's quantile falls inside unless it is over
    eight standard deviations of the quantile's rank away, replications
    resampled whole (each holding m / n events on average).
    """
    centre = math.ceil(q * m)
    half = int(8 * math.sqrt(m * q * (1 - q) * (1 + m / max(n, 1)))) + 256
    return max(0, centre - half), min(m, centre + half)


#: Above this many replications, the bootstrap of a pooled percentile resamples groups of
#: consecutive replications instead (:func:`bootstrap_units`).
BOOTSTRAP_UNITS = 1000


def bootstrap_units(owner: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """The units a cluster bootstrap resamples: ``(unit of each event, number of units)``.

    Up to :data:`BOOTSTRAP_UNITS` replications, each is a unit. Beyond, the
    replications are cut into that many groups of consecutive ones
    (replication ``i`` in group ``i * units // n``), which are independent
    clusters too: the BCa jackknife then costs ``units`` evaluations over
    the pooled events rather than ``n`` (with 20,000 replications and
    34,000 outages, about 1 s instead of 35 s), and the interval still
    rests on resampling whole replications.
    """
    if n <= BOOTSTRAP_UNITS:
        return owner, n
    return owner * BOOTSTRAP_UNITS // n, BOOTSTRAP_UNITS


class Bootstrap(NamedTuple):
    """A bootstrap interval: its limits (NaN when it cannot be formed) and the resamples' SE."""

    low: float
    high: float
    standard_error: float

    @property
    def confidence_interval(self) -> tuple[float, float]:
        return self.low, self.high


#: Resamples of :func:`replication_bootstrap`, and how many it evaluates at once.
N_RESAMPLES = 999
BATCH = 64


def replication_bootstrap(statistic: Any, n: int, rng: np.random.Generator) -> Bootstrap:
    """BCa bootstrap of ``statistic(indices)`` resampling ``n`` replications whole.

    The statistic receives the drawn replication indices, so events of one
    replication stay together (a cluster bootstrap); it is vectorised:
    ``statistic(indices, axis=-1)`` gets one resample per row (the last
    axis) and returns one value per row (see :func:`resampled_quantiles`).

    This is ``scipy.stats.bootstrap((np.arange(n),), statistic,
    n_resamples=999, vectorized=True, method="BCa", batch=64, rng=rng)``
    step for step [2]_: the same resamples drawn from ``rng`` in the same
    batches, the bias correction from the share of resamples below the
    estimate, the acceleration from the jackknife (leave one replication
    out, ``batch`` at a time), and the interval's limits as the resamples'
    linear quantiles at the corrected levels. It is written here because
    importing ``scipy.stats`` costs a run about 0.7 s and 45 MiB, more than
    a summary's arithmetic; tests/test_bootstrap_bca.py checks it against
    ``scipy.stats.bootstrap`` itself. The limits are NaN when the bootstrap
    distribution is degenerate (every resample equal, or a resample with no
    value), as scipy's are.

    References
    ----------
    .. [2] B. Efron and R. J. Tibshirani, *An Introduction to the
       Bootstrap*, Chapman & Hall, 1993, §14.3 (the BCa interval) and
       eq. 14.15 (the acceleration from the jackknife).
    """
    with np.errstate(all="ignore"):
        theta_b = np.concatenate([
            np.asarray(statistic(rng.integers(0, n, (min(BATCH, N_RESAMPLES - k), n), dtype=np.int64), axis=-1),
                       dtype=float)
            for k in range(0, N_RESAMPLES, BATCH)])
        se = float(np.std(theta_b, ddof=1))
        theta_hat = float(statistic(np.arange(n), axis=-1))
        # bias correction: the share of resamples below the estimate, ties counted half
        share = (np.count_nonzero(theta_b < theta_hat) + np.count_nonzero(theta_b <= theta_hat)) / (2 * len(theta_b))
        z0 = _normal_quantile(share)
        # acceleration: the skewness of the leave-one-out (jackknife) estimates
        everyone = np.arange(n)
        theta_i = np.concatenate([
            np.asarray(statistic(np.stack([np.delete(everyone, i) for i in range(k, min(k + BATCH, n))]), axis=-1),
                       dtype=float)
            for k in range(0, n, BATCH)])
        u = (n - 1) * (theta_i.mean() - theta_i)
        a = 1 / 6 * (np.sum(u ** 3) / n ** 3) / (np.sum(u ** 2) / n ** 2) ** 1.5
        z_alpha = _normal_quantile((1 - LEVEL) / 2)
        levels = [_normal_cdf(float(z0 + (z0 + z) / (1 - a * (z0 + z)))) for z in (z_alpha, -z_alpha)]
        if np.isnan(theta_b).any() or any(math.isnan(p) for p in levels):
            return Bootstrap(math.nan, math.nan, se)
        low, high = np.quantile(theta_b, levels)
    return Bootstrap(float(low), float(high), se)


def paired_ratio_difference(num_a: np.ndarray, den_a: np.ndarray, num_b: np.ndarray,
                            den_b: np.ndarray) -> dict[str, float]:
    """Σnum_b/Σden_b − Σnum_a/Σden_a over paired replications, delta-method interval.

    Replication *i* of both variants is one observation: the linearised
    difference ``(num_b − R_b·den_b)/mean(den_b) − (num_a − R_a·den_a)/mean(den_a)``
    has the ratio difference's variance to first order [1]_ (§9.5), and
    common random numbers make its two terms positively correlated.
    ``events`` is the smaller of the two event totals; the interval is left
    out (NaN) below :data:`relsim.evidence.MIN_EVENTS`.
    """
    arrays = [np.asarray(x, float) for x in (num_a, den_a, num_b, den_b)]
    num_a, den_a, num_b, den_b = arrays
    n = len(num_a)
    events = int(min(den_a.sum(), den_b.sum()))
    row = {"mean": math.nan, "se": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": n,
           "events": events, "established": False}
    if n == 0 or den_a.sum() == 0 or den_b.sum() == 0:
        return row
    r_a, r_b = num_a.sum() / den_a.sum(), num_b.sum() / den_b.sum()
    row["mean"] = float(r_b - r_a)
    if n < 2 or events < MIN_EVENTS:
        return row
    e = (num_b - r_b * den_b) / den_b.mean() - (num_a - r_a * den_a) / den_a.mean()
    se = float(e.std(ddof=1) / math.sqrt(n))
    half = _t(n) * se
    row.update(se=se, ci_low=row["mean"] - half, ci_high=row["mean"] + half, established=True)
    return row


def paired_quantile_difference(by_run_a: list[np.ndarray], by_run_b: list[np.ndarray], q: float | None,
                               seed: int = 0) -> dict[str, float]:
    """Difference of a pooled percentile (``q``) or maximum (``None``) of paired replications.

    ``by_run_a[i]`` and ``by_run_b[i]`` are replication *i*'s events in each
    variant. The percentile difference gets a BCa bootstrap interval that
    resamples replication indices, the same for both variants (so the
    pairing is kept), once each variant has the events a percentile needs
    (:func:`relsim.evidence.quantile_events_needed`) and they come from at
    least :data:`relsim.evidence.BOOTSTRAP_REPLICATIONS` replications. A
    maximum's difference gets no interval.
    """
    n = len(by_run_a)
    events = int(min(sum(len(x) for x in by_run_a), sum(len(x) for x in by_run_b)))
    row = {"mean": math.nan, "se": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": n,
           "events": events, "established": False}
    pooled = [np.concatenate(x) if any(len(y) for y in x) else np.array([]) for x in (by_run_a, by_run_b)]
    if not len(pooled[0]) or not len(pooled[1]):
        return row
    if q is None:
        row["mean"] = float(pooled[1].max() - pooled[0].max())
        return row
    row["mean"] = float(np.percentile(pooled[1], 100 * q) - np.percentile(pooled[0], 100 * q))
    units_with_events = sum(1 for x, y in zip(by_run_a, by_run_b, strict=True) if len(x) or len(y))
    if units_with_events < BOOTSTRAP_REPLICATIONS or events < quantile_events_needed(q):
        return row
    prepared = [sorted_with_owners(by_run, values) for by_run, values in zip((by_run_a, by_run_b), pooled)]
    units = min(n, BOOTSTRAP_UNITS)  # replication i is in the same unit in both variants: pairs stay paired
    prepared = [(x, bootstrap_units(o, n)[0]) for x, o in prepared]

    def statistic(idx: np.ndarray, axis: int = -1) -> np.ndarray:
        (xa, oa), (xb, ob) = prepared
        return resampled_quantiles(xb, ob, units, q, idx) - resampled_quantiles(xa, oa, units, q, idx)

    boot = replication_bootstrap(statistic, units, np.random.default_rng([seed, 0xD1FF]))  # reproducible
    lo, hi = boot.confidence_interval
    if math.isfinite(lo) and math.isfinite(hi):
        row.update(se=float(boot.standard_error), ci_low=float(lo), ci_high=float(hi), established=True)
    return row
