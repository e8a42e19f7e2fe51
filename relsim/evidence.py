"""How much data a figure rests on, and intervals that stay valid when it is little.

A Student-t interval over replications is a large-sample interval: with few
events (most replications see no outage at all) the per-replication values
are a pile of zeros and a few large numbers, and the interval is far too
narrow — with no outage at all it collapses to ``[1, 1]`` for availability,
which claims certainty from ignorance. relsim therefore counts, for every
summary figure, the *events* it rests on (outages, failovers, pooled
incidents, replications) and calls the usual interval *established* only
from :data:`MIN_EVENTS` events on. Below that, the figure keeps its point
estimate and gets either an interval that is valid for any number of events
or none at all, and a note that says why:

* counts per year (outages, failovers, ...): the exact Poisson (Garwood)
  interval on the total count over the total simulated time [1]_;
* availability, served fraction, downtime and request success: a one-sided
  bound, unavailability ≤ λ_u · D, where λ_u is the upper 95 % Poisson limit
  of the outage rate (``3.69 / T`` with no outage in total time T) and D is a *stated
  assumption* on the mean outage duration — the longest mean time to
  restore among the model's failure specs (:func:`outage_duration_assumption`),
  or the longest outage observed if that is longer. Since unavailability is
  the outage frequency times the mean outage duration, the bound holds at
  95 % whenever outages last D or less on average;
* a probability per replication (``p_data_loss``): the exact
  Clopper–Pearson interval [2]_, valid for any number of replications, so
  always established;
* pooled percentiles (``outage_p95``, ``rto_p99``...): established when at
  least :data:`TAIL_EVENTS` events are expected beyond the percentile
  (n · (1 − q) ≥ 5: 100 outages for a 95th percentile) and the events come
  from at least :data:`BOOTSTRAP_REPLICATIONS` replications; their interval is a
  BCa bootstrap over replications (:func:`relsim.intervals.replication_bootstrap`) [3]_;
* maxima (``outage_max``...): never a confidence interval — no finite
  sample bounds a maximum from above; the observed value is reported alone.

References
----------
.. [1] F. Garwood, "Fiducial limits for the Poisson distribution",
   *Biometrika* 28 (1936) 437–442.
.. [2] C. J. Clopper, E. S. Pearson, "The use of confidence or fiducial
   limits illustrated in the case of the binomial", *Biometrika* 26 (1934)
   404–413.
.. [3] B. Efron, R. J. Tibshirani, *An Introduction to the Bootstrap*,
   Chapman & Hall, 1993, ch. 14 (BCa intervals).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["BOOTSTRAP_REPLICATIONS", "LEVEL", "MIN_EVENTS", "TAIL_EVENTS", "binomial_interval",
           "outage_duration_assumption", "poisson_interval", "quantile_events_needed"]

#: Confidence level of every interval relsim reports.
LEVEL = 0.95

#: Events a large-sample interval needs before it counts as established.
MIN_EVENTS = 10

#: Events expected beyond a pooled percentile before its interval counts.
TAIL_EVENTS = 5

#: Replications with events a bootstrap over replications needs before its interval
#: counts. It resamples whole replications, so with few of them it draws from a few
#: clusters and is too narrow: a pooled median's 95 % BCa interval covered the true
#: median 49 % of the time from 2 replications, 84 % from 5, 88-91 % from 10 and
#: 92-93.5 % from 20 (exponential durations, 1,000 experiments each; docs/model-format.md).
BOOTSTRAP_REPLICATIONS = 20


def poisson_interval(k: int, exposure: float, level: float = LEVEL) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson rate from ``k`` events in ``exposure`` time.

    Returns rates per unit of ``exposure``; the lower limit is 0 for k = 0
    (the upper is then −ln(α/2) / T ≈ 3.69 / T for a two-sided 95 % level).
    The limits are the means at which P(X ≥ k) and P(X ≤ k) are α/2
    (scipy.special's ``gammaincinv(k, α/2)`` and ``gammaincinv(k + 1, 1 − α/2)``).
    """
    if exposure <= 0:
        return (math.nan, math.nan)
    alpha = 1.0 - level
    if k <= SUM_COUNTS:  # a finite sum, solved here (tests/test_evidence.py holds it to scipy's)
        lo = _poisson_mean(k - 1, 1 - alpha / 2) if k > 0 else 0.0
        hi = _poisson_mean(k, alpha / 2)
    else:  # chi2.ppf(p, 2k) / 2 is the gamma(k) quantile: scipy.special's, without scipy.stats
        from scipy import special

        lo = float(special.gammaincinv(k, alpha / 2))
        hi = float(special.gammaincinv(k + 1, 1 - alpha / 2))
    return (lo / exposure, hi / exposure)


def binomial_interval(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Exact (Clopper–Pearson) interval of a probability from ``k`` successes in ``n`` trials.

    The limits are the probabilities at which P(X ≥ k) and P(X ≤ k) are α/2
    (scipy.special's ``betaincinv(k, n − k + 1, α/2)`` and
    ``betaincinv(k + 1, n − k, 1 − α/2)``).
    """
    if n <= 0:
        return (math.nan, math.nan)
    alpha = 1.0 - level
    if min(k, n - k) <= SUM_COUNTS:  # a finite sum, solved here (tests/test_evidence.py holds it to scipy's)
        lo = _binomial_p(k - 1, n, 1 - alpha / 2) if k > 0 else 0.0
        hi = _binomial_p(k, n, alpha / 2) if k < n else 1.0
    else:
        from scipy import special  # beta quantiles, without importing scipy.stats

        lo = float(special.betaincinv(k, n - k + 1, alpha / 2))
        hi = float(special.betaincinv(k + 1, n - k, 1 - alpha / 2))
    return (lo, hi)


#: Counts up to which :func:`poisson_interval` and :func:`binomial_interval` sum the
#: distribution function themselves (a run with few events then imports no scipy at
#: all: 0.2 s and 20 MiB); larger counts use ``scipy.special``.
SUM_COUNTS = 200


def _poisson_cdf(m: int, mu: float) -> tuple[float, float]:
    """(P(X ≤ m), P(X = m)) for X ~ Poisson(mu), 0 ≤ m ≤ SUM_COUNTS, summed term by term."""
    term = math.exp(-mu)
    total = term
    for j in range(1, m + 1):
        term *= mu / j
        total += term
    return total, term


def _binomial_cdf(m: int, n: int, p: float) -> tuple[float, float]:
    """(P(X ≤ m), P(X = m)) for X ~ Binomial(n, p), 0 ≤ m ≤ SUM_COUNTS, summed term by term."""
    if p >= 1.0:  # every trial succeeds: X = n
        return float(m >= n), float(m == n)
    term = math.exp(n * math.log1p(-p))
    total = term
    odds = p / (1.0 - p)
    for j in range(1, m + 1):
        term *= (n - j + 1) / j * odds
        total += term
    return total, term


def _solve(f: Any, lo: float, hi: float, x: float) -> float:
    """The root of the decreasing ``f`` (value, slope) in (lo, hi): Newton's method, bisecting when it leaves."""
    for _ in range(300):
        value, slope = f(x)
        if value == 0.0:  # the root itself
            return x
        if value > 0.0:
            lo = x
        else:
            hi = x
        step = value / slope if slope < 0.0 else math.nan
        nxt = x - step
        if not lo < nxt < hi:
            nxt = 0.5 * (lo + hi) if math.isfinite(hi) else 2.0 * lo + 1.0
        if abs(nxt - x) <= 2e-16 * abs(nxt) or nxt in (lo, hi):
            return nxt
        x = nxt
    return x


def _poisson_mean(m: int, c: float) -> float:
    """The mean at which P(X ≤ m) = c, X ~ Poisson (``gammaincinv(m + 1, 1 - c)``)."""

    def f(mu: float) -> tuple[float, float]:
        total, term = _poisson_cdf(m, mu)
        return total - c, -term  # d/dmu P(X <= m) = -P(X = m)

    return _solve(f, 0.0, math.inf, m + 1.0)


def _binomial_p(m: int, n: int, c: float) -> float:
    """The probability at which P(X ≤ m) = c, X ~ Binomial(n, p) (``betaincinv(m + 1, n - m, 1 - c)``)."""
    if n - m - 1 < m:  # the other tail is the shorter sum: P(X <= m) = 1 - P(Y <= n - m - 1), Y ~ B(n, 1 - p)
        return 1.0 - _binomial_p(n - m - 1, n, 1.0 - c)

    def f(p: float) -> tuple[float, float]:
        total, term = _binomial_cdf(m, n, p)
        return total - c, -(n - m) * term / (1.0 - p)  # d/dp P(X <= m) = -(n - m) P(X = m) / (1 - p)

    return _solve(f, 0.0, 1.0, min(0.5, (m + 1.0) / n))


def quantile_events_needed(q: float) -> int:
    """Pooled events a ``q`` percentile needs: :data:`TAIL_EVENTS` beyond it on each side."""
    return math.ceil(TAIL_EVENTS / min(q, 1.0 - q) - 1e-9)


def outage_duration_assumption(model: Any) -> float:
    """The stated bound on the mean outage duration used when few outages were seen.

    The longest mean time to restore among all failure specs of the model's
    elements: ``detect + repair`` for permanent failures, ``lasts`` for
    transient and intermittent ones (an intermittent episode can hold a
    service down for its whole length). 0 for a model without failures,
    whose availability is then exactly 1.
    """
    spec = model.spec
    elements: list[Any] = [*model.components.values(), *model.domains.values(), *spec.links.values(),
                           *spec.load_balancers.values()]
    dns = getattr(spec, "dns", None)
    if dns is not None:
        elements.append(dns.provider)
    longest = 0.0
    for element in elements:
        for failure in element.failures:
            if failure.kind == "permanent":
                restore = failure.repair.mean + (failure.detect.mean if failure.detect is not None else 0.0)
            else:
                restore = failure.lasts.mean
            longest = max(longest, float(restore))
    return longest
