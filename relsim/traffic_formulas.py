"""Closed-form request losses of the traffic mechanisms, for what-ifs and tests.

These are the exact expectations the fluid simulator must reproduce
(tests/test_traffic_*.py check it within the confidence interval).

Load balancer
-------------
A backend that fails stays in rotation for the health-check delay
``D = a + U·I`` with ``a = (unhealthy − 1)·I + timeout``, ``I`` the check
interval and ``U ~ Uniform(0, 1)`` (the check phase is unrelated to the
failure). If the failure lasts ``L``, the backend receives its share ``w``
of the requests for ``min(D, L)``, all of which fail, so one failure costs
``λ · w · E[min(D, L)]`` requests, with

    E[min(D, L)] = L                                  if L ≤ a
                 = a + I/2                            if L ≥ a + I
                 = L − (L − a)² / (2 I)               otherwise.

DNS failover
------------
Clients cache an answer for the TTL ``T`` and their cache phases are
spread uniformly, so the share of clients still holding an answer
published at time ``t₀`` decays linearly, ``1 − (t − t₀)/T``, for ``T``
after the answer changes. When the primary fails at 0, health checks
notice after ``D`` and the answer switches to the secondary at ``D``; the
requests failing are all those of the first ``D`` plus the stale share for
``T`` after it: per failover, ``λ · (D + T/2)`` requests (for an outage
longer than ``D + T``). With the DNS health check's delay
``D = a + U·I`` as above, the expectation is ``λ · (a + I/2 + T/2)``.

References
----------
.. [1] P. Mockapetris, RFC 1035, *Domain names — implementation and
   specification*, 1987, §3.2.1 (TTL) and RFC 2308 (negative caching).
"""

from __future__ import annotations

__all__ = ["dns_failover_loss", "expected_min_delay", "lb_failure_loss"]


def expected_min_delay(interval: float, unhealthy: int, timeout: float, lasts: float) -> float:
    """E[min(D, L)] for a health-check delay D = (unhealthy − 1 + U)·interval + timeout."""
    a = (unhealthy - 1) * interval + timeout
    if lasts <= a:
        return lasts
    if lasts >= a + interval:
        return a + interval / 2.0
    return lasts - (lasts - a) ** 2 / (2.0 * interval)


def lb_failure_loss(rate: float, share: float, interval: float, unhealthy: int,
                    timeout: float, lasts: float) -> float:
    """Expected requests failed by one backend failure of length ``lasts``.

    ``share`` is the backend's share of the balancer's requests (1/N with
    round robin over N backends), ``rate`` the requests per second reaching
    the balancer. Assumes the other backends can carry the load.
    """
    return rate * share * expected_min_delay(interval, unhealthy, timeout, lasts)


def dns_failover_loss(rate: float, ttl: float, interval: float, unhealthy: int,
                      timeout: float) -> float:
    """Expected requests failed by one DNS failover (an outage longer than D + TTL).

    ``λ · (E[D] + T/2)`` with ``E[D] = (unhealthy − 1/2)·interval + timeout``.
    """
    detection = (unhealthy - 0.5) * interval + timeout
    return rate * (detection + ttl / 2.0)
