"""What clients do with a request: attempts, retries with backoff, and the load they make.

Fluid model of one target with per-attempt success ``p``: a request makes
up to ``m`` attempts (``retry.attempts``, 1 without retries), each after a
failed one, so

    success  S(p) = 1 − (1 − p)^m,
    attempts A(p) = Σ_{k<m} (1 − p)^k = (1 − (1 − p)^m) / p.

Attempts are independent: a retry goes through the load balancer again
and reaches a backend by its share (a stale DNS cache, by contrast, sends
every attempt of a client to the same record, which is why the request
path mixes over cache shares *outside* S). The backoff (milliseconds to
seconds) is short against the time between events, so a retry sees the
state the first attempt saw; the backoff shows in the latency.

**Capacity.** When the backends serve at most ``C`` attempts per second,
the attempt load ``λ · A(p)`` feeds back on ``p``: with ``h`` the share
routed to healthy backends, ``p = share served(λ · A(p))``, a fixed point
found by bisection (retries amplify an overload: a *retry storm*).
An edge **rate limit** (token bucket of ``rate`` ρ) admits at most ρ
attempts per second; the rest are rejected at once (they fail, are
retried, and put no load on the backends).

**Duplicates.** An attempt that reaches a live backend beyond what the
backend can serve (over its ``capacity`` or its ``1/needs`` share) is
processed too late: it times out, and the client retries a write that may
have taken effect. With ``late`` that share, a request executes once per
processed attempt (``duplicates``); for a write that is not idempotent,
every execution after the first is a duplicate. Attempts to a failed
backend, rejected by the rate limit or failed fast by a circuit breaker
never executed.

**Latency** of a successful request: ``(k − 1)`` failed attempts of
``timeout`` each, the backoffs before the retries, and the service latency
of the attempt that succeeded; the share succeeding at attempt *k* is
``(1 − p)^{k−1} p``. Backoff before retry *j*: ``b_j = min(cap, base·2^{j−1})``
with jitter ``none`` (b_j), ``full`` (U(0, b_j)), ``equal``
(b_j/2 + U(0, b_j/2)) or ``decorrelated`` (min(cap, U(base, 3·previous))).

References
----------
.. [1] M. Brooker, "Exponential backoff and jitter", AWS Architecture Blog,
   2015.
.. [2] B. Beyer et al. (eds.), *Site Reliability Engineering*, O'Reilly,
   2016, ch. 22 (addressing cascading failures: retries, load shedding).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["attempts", "backoffs", "duplicates", "solve_attempt_success", "success"]


def success(p: float, m: int) -> float:
    """S(p): share of requests that succeed within ``m`` attempts."""
    return 1.0 - (1.0 - p) ** m


def attempts(p: float, m: int) -> float:
    """A(p): mean attempts per request."""
    if p <= 0.0:
        return float(m)
    return (1.0 - (1.0 - p) ** m) / p


def duplicates(p: float, late: float, m: int) -> float:
    """Expected duplicate executions per request (if it is a non-idempotent write).

    Each attempt succeeds with ``p``, is processed by a backend but times
    out with ``late`` (the client cannot tell it took effect, and retries),
    or is lost before any backend saw it with ``1 − p − late``. A request
    executes once per processed attempt; every execution after the first
    is a duplicate:

        E[executions] = A(p) · (p + late),   P(no execution) = (1 − p − late)^m,
        E[duplicates] = A(p) · (p + late) − (1 − (1 − p − late)^m).
    """
    lost = max(0.0, 1.0 - p - late)
    return max(0.0, attempts(p, m) * (p + late) - (1.0 - lost ** m))


def solve_attempt_success(served: Callable[[float], float], rate: float, m: int) -> float:
    """The per-attempt success p with p = served(rate · A(p)).

    ``served(load)`` is the share of attempts served when ``load`` attempts
    per second arrive; it does not increase with the load, so the fixed
    point is unique and bisection finds it.
    """
    if rate <= 0.0:
        return served(0.0)
    hi = served(rate)  # p cannot exceed the share served at the lowest load (one attempt each)
    if m == 1 or hi <= 0.0:
        return hi
    lo = 0.0
    if served(rate * attempts(hi, m)) >= hi:
        return hi
    for _ in range(45):
        mid = 0.5 * (lo + hi)
        if served(rate * attempts(mid, m)) > mid:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def backoffs(rng: np.random.Generator, n: int, retries: int, base: float, cap: float,
             jitter: str) -> np.ndarray:
    """Total backoff before each of ``n`` requests' ``retries`` retries (shape (n,))."""
    if retries <= 0:
        return np.zeros(n)
    total = np.zeros(n)
    prev = np.full(n, base)
    for j in range(1, retries + 1):
        b = min(cap, base * 2.0 ** (j - 1))
        if jitter == "none":
            wait = np.full(n, b)
        elif jitter == "full":
            wait = rng.uniform(0.0, b, n)
        elif jitter == "equal":
            wait = b / 2.0 + rng.uniform(0.0, b / 2.0, n)
        else:  # decorrelated
            wait = np.minimum(cap, rng.uniform(base, np.maximum(base, 3.0 * prev)))
            prev = wait
        total += wait
    return total
