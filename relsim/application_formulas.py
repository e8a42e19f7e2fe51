"""Closed forms of the application-semantics sections, for what-ifs and tests (docs/application.md).

These are the exact expectations the simulator must reproduce; the tests
(``tests/test_sessions.py``, ``test_consistency.py``, ``test_sagas.py``)
check it within the confidence interval.

Sessions
--------
A holder that has received share ``w`` of ``rate`` new sessions per second
for much longer than a session carries ``rate · w · E[length]`` of them
(Little's law): a ``local`` store loses them all at a failure. A
``replicated`` store loses those younger than the lag ``L``:
``rate · w · E[min(L, length)] = rate · w · ∫₀^∞ S_length(x) S_L(x) dx``.

Quorums
-------
``n`` replicas up independently with probability ``p`` serve a level that
needs ``r`` of them with ``Σ_{k ≥ r} C(n, k) p^k (1 − p)^{n − k}``.

Stale reads
-----------
With ``k`` replicas serving, writes acknowledged by ``W`` and reads asking
``R``, a read misses the acknowledged copies with ``C(k − W, R) / C(k, R)``
and the key was written within the lag with ``E[1 − e^{−ωL}]`` (ω the
per-key write rate).

Sagas
-----
Steps succeeding with ``p_i`` and compensations with ``c_i``: completed
``Π p_i``, stuck ``Σ_j Π_{i<j} p_i (1 − p_j)(1 − Π_{k<j} c_k)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["quorum_availability", "saga_probabilities", "sessions_lost_per_failure", "stale_read_probability"]

_LEVELS = ("one", "quorum", "all")


def _dist(value: Any) -> Any:
    from relsim.dists import Distribution, parse_dist

    return value if isinstance(value, Distribution) else parse_dist(value)


def _required(level: str | int, n: int) -> int:
    if isinstance(level, int) and not isinstance(level, bool):
        return level
    if level not in _LEVELS:
        raise ValueError(f"level must be one of {', '.join(_LEVELS)} or a number of replicas, got {level!r}")
    return {"one": 1, "quorum": n // 2 + 1, "all": n}[level]


def sessions_lost_per_failure(rate: float, length: Any, share: float = 1.0, lag: Any = None) -> float:
    """Expected sessions a holder loses at a failure, in steady state.

    Parameters
    ----------
    rate : float
        Sessions started per second.
    length : Distribution or str
        Session length (``"exp(mean=20m)"``).
    share : float
        The holder's share of new sessions.
    lag : Distribution or str, optional
        ``store: replicated``: the replication lag; omitted, a ``local``
        store (every active session is lost).
    """
    length = _dist(length)
    if lag is None:
        return rate * share * length.mean
    lag = _dist(lag)
    from scipy import integrate

    value, _err = integrate.quad(lambda x: float(length.sf(x)) * float(lag.sf(x)), 0.0, math.inf, limit=200)
    return rate * share * float(value)


def quorum_availability(n: int, p: float, level: str | int = "quorum") -> float:
    """Probability that at least the replicas ``level`` needs are up, ``n`` up independently with ``p``."""
    r = _required(level, n)
    return sum(math.comb(n, k) * p**k * (1.0 - p) ** (n - k) for k in range(r, n + 1))


def stale_read_probability(serving: int, writes_per_key: float, lag: Any, read: str | int = "one",
                           write: str | int = "one") -> float:
    """Probability that a read is stale with ``serving`` replicas up (docs/application.md §2).

    ``writes_per_key`` is ω (``data.writes / data.keys``), ``lag`` the
    replication lag, ``read``/``write`` the levels (or numbers of replicas).
    """
    from relsim.engine.consistency import p_written_within_lag

    k = serving
    w, r = min(_required(write, k), k), _required(read, k)
    if r > k:
        return 0.0
    miss = math.comb(k - w, r) / math.comb(k, r) if k - w >= r else 0.0
    return miss * p_written_within_lag(_dist(lag), writes_per_key)


def saga_probabilities(steps: Sequence[float], compensations: Sequence[float] | None = None,
                       two_phase: bool = False) -> dict[str, float]:
    """``{completed, compensated, stuck}`` per saga from step (and compensation) success probabilities."""
    from relsim.engine.sagas import saga_outcomes

    comp = list(compensations) if compensations is not None else [1.0] * len(steps)
    if len(comp) != len(steps):
        raise ValueError(f"one compensation per step: {len(steps)} steps, {len(comp)} compensations")
    done, undone, stuck = saga_outcomes(list(steps), comp, two_phase)
    return {"completed": done, "compensated": undone, "stuck": stuck}
