"""The comparison helper itself: it must not let a vacuous test pass."""

from __future__ import annotations

import math

import pytest
from _compare import assert_close, mean_se


def test_accepts_an_estimate_within_four_standard_errors() -> None:
    z = assert_close(1.03, 0.01, 1.0)
    assert z == pytest.approx(3.0)


def test_rejects_an_estimate_beyond_four_standard_errors() -> None:
    with pytest.raises(AssertionError, match=r"\|z\| = 5.00"):
        assert_close(1.05, 0.01, 1.0, label="row")


@pytest.mark.parametrize("se", [0.0, -1.0, math.nan, math.inf])
def test_rejects_a_degenerate_standard_error(se: float) -> None:
    with pytest.raises(AssertionError, match="standard error"):
        assert_close(1.0, se, 1.0)


def test_rejects_a_standard_error_too_large_to_mean_anything() -> None:
    with pytest.raises(AssertionError, match="too short"):
        assert_close(1.0, 0.2, 1.0)


def test_scale_is_the_unavailability_for_availabilities() -> None:
    # se = 1e-3 is tiny against A = 0.99 but 10 % of 1 - A = 0.01.
    assert_close(0.99, 1e-3, 0.99)
    with pytest.raises(AssertionError, match="too short"):
        assert_close(0.99, 1e-3, 0.99, scale=0.01)


def test_rejects_nan_estimate() -> None:
    with pytest.raises(AssertionError, match="estimate"):
        assert_close(math.nan, 0.1, 1.0)


def test_mean_se_is_sd_over_root_r() -> None:
    values = [0.0, 1.0] * 10
    mean, se = mean_se(values)
    assert mean == 0.5
    assert se == pytest.approx(math.sqrt(20 / 19 * 0.25) / math.sqrt(20))
