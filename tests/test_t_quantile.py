"""relsim's Student t and normal quantiles against ``scipy.special``, which they replace on the run path.

``intervals.t_quantile`` (every mean's 95 % interval) and the normal
functions of the BCa bootstrap are computed without ``scipy.special``; here
they are held to ``stdtrit``, ``ndtri`` and ``ndtr`` over the whole range a
run can ask for: every replication count to 1,200 (the series solved by
Newton's method), counts up to 10^8 (the Cornish–Fisher expansion, on both
sides of ``EXPANSION_DF``), and levels from 0.5 to 0.9999.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from relsim import intervals
from relsim.intervals import EXPANSION_DF, t_quantile

LEVELS = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999)


@pytest.mark.parametrize("level", LEVELS)
def test_every_count_to_1200_matches_stdtrit(level):
    n = np.arange(2, 1202)
    ours = np.array([t_quantile(int(k), level) for k in n])
    want = special.stdtrit(n - 1, 0.5 + level / 2)
    np.testing.assert_allclose(ours, want, rtol=_rtol(level), atol=0)


@pytest.mark.parametrize("level", LEVELS)
def test_large_counts_match_stdtrit(level):
    n = np.unique(np.concatenate([np.arange(EXPANSION_DF - 3, EXPANSION_DF + 4),
                                  np.logspace(np.log10(EXPANSION_DF), 8, 60).astype(np.int64)]))
    ours = np.array([t_quantile(int(k), level) for k in n])
    np.testing.assert_allclose(ours, special.stdtrit(n - 1, 0.5 + level / 2), rtol=_rtol(level), atol=0)


def _rtol(level: float) -> float:
    """Measured worst: 4e-14 up to 0.95, 1e-13 at 0.99, 4e-13 at 0.999, 2e-12 at 0.9999.

    The series gives 1 - P(|T| < t) a few digits less at the highest levels.
    """
    return 2e-13 if level <= 0.99 else 1e-12 if level <= 0.999 else 5e-12


def test_edges():
    assert math.isnan(t_quantile(1)) and math.isnan(t_quantile(0)) and math.isnan(t_quantile(-3))
    assert math.isnan(t_quantile(10, math.nan)) and math.isnan(t_quantile(10, 1.5))
    assert t_quantile(10, 0.0) == 0.0 and t_quantile(10, 1.0) == math.inf
    # the closed forms of one and two degrees of freedom, and the default level
    assert t_quantile(2) == pytest.approx(12.706204736174698, rel=1e-15)
    assert t_quantile(3) == pytest.approx(4.302652729749464, rel=1e-15)
    assert t_quantile(30) == pytest.approx(float(special.stdtrit(29, 0.975)), rel=1e-15)
    # numpy integers, as a table's row count may be
    assert t_quantile(np.int64(40)) == t_quantile(40)


def test_normal_quantile_and_cdf_match_scipy():
    p = np.concatenate([[0.0, 1e-300, 1e-20, 1e-10, 0.025, 0.5, 0.975, 1 - 1e-10, 1.0],
                        np.linspace(0.001, 0.999, 999)])
    ours = np.array([intervals._normal_quantile(float(q)) for q in p])
    np.testing.assert_allclose(ours, special.ndtri(p), rtol=1e-14, atol=1e-15)
    assert math.isnan(intervals._normal_quantile(math.nan)) and math.isnan(intervals._normal_quantile(-0.1))
    x = np.concatenate([[-math.inf, -40.0, -8.0, 0.0, 8.0, 40.0, math.inf], np.linspace(-10, 10, 2001)])
    ours = np.array([intervals._normal_cdf(float(v)) for v in x])
    # erfc(-x / sqrt 2): the rounding of x / sqrt 2 costs ~x^2 ulps far out (measured 3e-14 at x = -10)
    np.testing.assert_allclose(ours, special.ndtr(x), rtol=1e-13, atol=0)
    assert math.isnan(intervals._normal_cdf(math.nan))


def test_levels_0_and_1_for_one_and_two_degrees_of_freedom():
    """The median of every t distribution is 0 and its level-1 quantile infinite, the closed forms' too."""
    for n in (2, 3, 4):
        assert t_quantile(n, 0.0) == 0.0 and t_quantile(n, 1.0) == math.inf
        assert math.isnan(t_quantile(n, -0.01)) and math.isnan(t_quantile(n, 1.01))
