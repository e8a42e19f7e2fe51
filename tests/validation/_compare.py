"""Comparison of Monte Carlo estimates with exact results, and the case index.

Every validation test asserts ``|mean - exact| < 4 * se`` with the standard
error taken from the replications of that very run (``sd / sqrt(R)`` for
per-replication metrics, the delta method for ratios of totals such as the
mean outage duration), never a number one seed happened to produce. Four
standard errors, not three, because many rows are tested together: with
~40 rows the chance of a false alarm at |z| < 4 is about 0.3 %.

A comparison is only worth something if the standard error is small next to
the quantity: :func:`assert_close` also requires ``0 < se < max_rel_se *
scale`` so that a run too short (or a metric that came out NaN) cannot make
a test pass vacuously. For availabilities close to 1 the scale is the
unavailability ``1 - A``, not ``A``.

Index of the analytic reference cases (relsim's public set of exact results)
----------------------------------------------------------------------------
=====================  ==================================  =================
case                   test module                         status
=====================  ==================================  =================
C1.1-C1.7              test_c1_single_component.py         encoded
C3.1-C3.4              test_c3_series.py                   encoded
C3.5 (paused variant)  --                                  not applicable:
                                                           relsim keeps
                                                           ageing components
                                                           while the system
                                                           is down (C3.1)
C4a.1-3, C4b.1-3       test_c4_parallel.py                 encoded, plus the
                                                           state probabilities
C5.1-C5.3              test_c5_quorum.py                   encoded, plus the
                                                           state probabilities
C8a-C8c, C8.5, C8.6    --                                  pending: relsim has
                                                           no write traffic or
                                                           replication lag yet
C10.1-2, .7-8, .10     test_c10_detection.py               encoded with the
                                                           heartbeat detector
=====================  ==================================  =================

Conventions shared by every case: time in hours (one year = 8760 h, the
same as relsim's ``y`` = 365 d, so relsim's "per year" metrics are "per
8760 h"); exponential up and repair times; every unit up and new at t = 0;
repair as good as new. Steady-state rows are estimated from replications
long enough to hold hundreds to thousands of system outages each, where the
start-up bias from "all up at t = 0" is negligible.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Z_MAX", "assert_close", "mean_se"]

#: Largest accepted |z| = |mean - exact| / se.
Z_MAX = 4.0


def mean_se(values: object) -> tuple[float, float]:
    """Mean over replications and its standard error ``sd / sqrt(R)``."""
    x = np.asarray(values, dtype=float)
    assert x.ndim == 1 and len(x) >= 20, "need at least 20 replications for an SE"
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))


def assert_close(
    mean: float,
    se: float,
    exact: float,
    *,
    scale: float | None = None,
    max_rel_se: float = 0.05,
    label: str = "",
) -> float:
    """Assert ``|mean - exact| < Z_MAX * se`` with a meaningful ``se``; return z.

    Parameters
    ----------
    mean, se : float
        The estimate and its standard error, both from the replications.
    exact : float
        The exact value.
    scale : float, optional
        What the SE must be small against (default ``|exact|``); use the
        unavailability ``1 - A`` when comparing an availability ``A``.
    max_rel_se : float
        Largest accepted ``se / scale``: a bigger SE would make the test
        accept almost anything.
    label : str
        Names the case row in failure messages.
    """
    scale = abs(exact) if scale is None else abs(scale)
    assert math.isfinite(mean), f"{label}: estimate is {mean!r}"
    assert math.isfinite(se) and se > 0.0, f"{label}: standard error must be > 0, got {se!r}"
    assert scale > 0.0, f"{label}: scale must be > 0"
    assert se < max_rel_se * scale, (
        f"{label}: se={se:.4g} is {se / scale:.1%} of {scale:.4g}, above {max_rel_se:.0%}: "
        "the run is too short for the comparison to mean anything"
    )
    z = (mean - exact) / se
    assert abs(z) < Z_MAX, (
        f"{label}: estimate {mean:.10g} +- {se:.3g} vs exact {exact:.10g}: |z| = {abs(z):.2f} >= {Z_MAX}"
    )
    return z
