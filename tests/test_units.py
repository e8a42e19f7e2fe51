"""Tests for relsim.units: duration/rate/fraction parsing and formatting."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relsim.units import (
    DAY,
    HOUR,
    MINUTE,
    SECOND,
    UNITS,
    WEEK,
    YEAR,
    format_duration,
    format_duration_spec,
    parse_duration,
    parse_fraction,
    parse_rate,
)

FACTORS = {
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
    "y": 31536000.0,
}


def test_constants() -> None:
    assert SECOND == 1.0
    assert MINUTE == 60
    assert HOUR == 3600
    assert DAY == 86400
    assert WEEK == 7 * 86400
    assert YEAR == 365 * 86400
    assert UNITS == pytest.approx(FACTORS)


# -- parse_duration -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10h", 36000.0),
        ("1.5d", 129600.0),
        ("30s", 30.0),
        ("250ms", 0.25),
        ("2.5 h", 9000.0),
        ("  2.5h  ", 9000.0),
        ("1e3h", 3.6e6),
        ("5m", 300.0),
        ("2w", 1209600.0),
        ("1y", 31536000.0),
        (".5h", 1800.0),
        ("+1s", 1.0),
        (0, 0.0),
        (0.0, 0.0),
        ("0", 0.0),
        ("0h", 0.0),
        (np.float64(0.0), 0.0),
    ],
)
def test_parse_duration_valid(text: object, seconds: float) -> None:
    result = parse_duration(text)  # type: ignore[arg-type]
    assert type(result) is float
    assert result == seconds


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("10", r'"10" has no unit: write a duration like 10h, 30m, 5s \(units: ms s m h d w y\)'),
        (10, r"10 has no unit"),
        (1.5, r"1\.5 has no unit"),
        ("10hrs", r"""unknown unit 'hrs' in "10hrs" \(units: ms s m h d w y\)"""),
        ("10 hours", r"unknown unit 'hours'.*did you mean 10h\?"),
        ("3M", r"unknown unit 'M'"),
        ("-5m", r'duration must be >= 0, got "-5m"'),
        (-1, r"duration must be >= 0, got -1"),
        (True, r"boolean"),
        (False, r"boolean"),
        ("inf", r'cannot parse duration "inf"'),
        ("infh", r'cannot parse duration "infh"'),
        ("nan", r"cannot parse duration"),
        (float("nan"), r"duration must be a number with a unit"),
        ("1e400h", r"duration must be finite"),
        ("", r"cannot parse duration"),
        ("h", r"cannot parse duration"),
        ("10 h 5m", r"cannot parse duration"),
        (None, r"cannot interpret None as a duration"),
        ([1], r"cannot interpret"),
    ],
)
def test_parse_duration_errors(value: object, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        parse_duration(value)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(
    x=st.floats(min_value=1e-9, max_value=1e12, allow_nan=False, allow_infinity=False),
    unit=st.sampled_from(sorted(FACTORS)),
    space=st.sampled_from(["", " ", "  "]),
)
def test_parse_duration_property(x: float, unit: str, space: str) -> None:
    assert parse_duration(f"{x}{space}{unit}") == pytest.approx(x * FACTORS[unit], rel=1e-12)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(min_value=1, max_value=10**6), unit=st.sampled_from(sorted(FACTORS)))
def test_parse_duration_integer_counts_exact(n: int, unit: str) -> None:
    expected = n / 1000 if unit == "ms" else n * FACTORS[unit]
    assert parse_duration(f"{n}{unit}") == expected


# -- parse_rate -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "per_second"),
    [
        ("100/s", 100.0),
        ("5/m", 5 / 60),
        ("2/h", 2 / 3600),
        ("0.5/h", 0.5 / 3600),
        ("3/d", 3 / 86400),
        ("1/y", 1 / 31536000),
        ("1/w", 1 / 604800),
        ("2 / h", 2 / 3600),
        ("1/ms", 1000.0),
        ("0", 0.0),
        (0, 0.0),
    ],
)
def test_parse_rate_valid(text: object, per_second: float) -> None:
    assert parse_rate(text) == pytest.approx(per_second, rel=1e-15)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("2", r'"2" has no unit: write a rate like 2/h, 5/m, 100/s \(units: ms s m h d w y\)'),
        (2, r"2 has no unit"),
        ("2/hr", r"""unknown unit 'hr' in "2/hr" \(units: ms s m h d w y\).*did you mean 2/h\?"""),
        ("-2/h", r'rate must be >= 0, got "-2/h"'),
        ("2h", r'cannot parse rate "2h"'),
        ("/h", r"cannot parse rate"),
        (True, r"boolean"),
        (None, r"cannot interpret None as a rate"),
    ],
)
def test_parse_rate_errors(value: object, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        parse_rate(value)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(
    x=st.floats(min_value=1e-6, max_value=1e9, allow_nan=False),
    unit=st.sampled_from(sorted(FACTORS)),
)
def test_parse_rate_property(x: float, unit: str) -> None:
    assert parse_rate(f"{x}/{unit}") == pytest.approx(x / FACTORS[unit], rel=1e-12)


# -- parse_fraction -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fraction"),
    [
        (0.95, 0.95),
        (1, 1.0),
        (0, 0.0),
        ("95%", 0.95),
        ("99.95%", 0.9995),
        ("100%", 1.0),
        ("0%", 0.0),
        ("0.9", 0.9),
        (" 50 % ", 0.5),
    ],
)
def test_parse_fraction_valid(value: object, fraction: float) -> None:
    assert parse_fraction(value) == fraction  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        (
            "95",
            r'fraction must be between 0 and 1 \(or 0% and 100%\), got "95"; did you mean 95%\?',
        ),
        (95, r"fraction must be between 0 and 1 \(or 0% and 100%\), got 95"),
        (1.5, r"got 1\.5"),
        (-0.1, r"got -0\.1"),
        ("101%", r'got "101%"'),
        ("-1%", r'got "-1%"'),
        (float("nan"), r"fraction must be between 0 and 1"),
        (True, r"boolean"),
        ("abc", r'cannot parse fraction "abc"'),
        (None, r"fraction must be between 0 and 1"),
    ],
)
def test_parse_fraction_errors(value: object, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        parse_fraction(value)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(p=st.floats(min_value=0, max_value=100, allow_nan=False))
def test_parse_fraction_percentages(p: float) -> None:
    result = parse_fraction(f"{p}%")
    assert 0.0 <= result <= 1.0
    assert result == pytest.approx(p / 100, rel=1e-15, abs=1e-300)


@settings(max_examples=100, deadline=None)
@given(f=st.floats(min_value=0, max_value=1, allow_nan=False))
def test_parse_fraction_numbers_identity(f: float) -> None:
    assert parse_fraction(f) == f
    assert parse_fraction(repr(f)) == f


# -- format_duration ------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.25, "250 ms"),
        (12.34, "12.3 s"),
        (270, "4.5 min"),
        (3.2 * HOUR, "3.2 h"),
        (10 * HOUR, "10 h"),
        (47 * HOUR, "47 h"),
        (5.1 * DAY, "5.1 d"),
        (400 * DAY, "400 d"),
        (2.3 * YEAR, "2.3 y"),
        (0, "0 s"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (59.999, "1 min"),  # rounds up into the next unit, not "60 s"
        (0.9999, "1 s"),
        (-90, "-1.5 min"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@settings(max_examples=100, deadline=None)
@given(x=st.floats(min_value=1e-6, max_value=1e12, allow_nan=False))
def test_format_duration_three_significant_digits(x: float) -> None:
    text = format_duration(x)
    m = re.fullmatch(r"([0-9.e+-]+) (ms|s|min|h|d|y)", text)
    assert m is not None, text
    number, unit = m.groups()
    factor = {"ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "y": YEAR}[unit]
    # shown value is within 3-significant-digit rounding of the true value
    assert float(number) * factor == pytest.approx(x, rel=6e-3)


# -- format_duration_spec -------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (36000.0, "10h"),
        (90, "90s"),
        (120, "2m"),
        (31536000, "1y"),
        (8760 * HOUR, "1y"),
        (604800, "1w"),
        (2 * DAY, "2d"),
        (0.25, "250ms"),
        (1.5, "1500ms"),
        (0, "0"),
        (1e-5, "1e-05s"),
        (3249883.054623361, "3249883.054623361s"),
        (YEAR * (1 + 1e-12), "1y"),
    ],
)
def test_format_duration_spec(seconds: float, text: str) -> None:
    assert format_duration_spec(seconds) == text


@settings(max_examples=150, deadline=None)
@given(x=st.floats(min_value=0, max_value=1e13, allow_nan=False))
def test_format_duration_spec_round_trip(x: float) -> None:
    assert parse_duration(format_duration_spec(x)) == pytest.approx(x, rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(min_value=1, max_value=10**6), unit=st.sampled_from(sorted(FACTORS)))
def test_format_duration_spec_integer_counts(n: int, unit: str) -> None:
    seconds = parse_duration(f"{n}{unit}")
    text = format_duration_spec(seconds)
    assert parse_duration(text) == seconds
    # never longer than the spelling we started from
    assert len(text) <= len(f"{n}{unit}")


def test_format_duration_spec_non_finite() -> None:
    assert format_duration_spec(math.inf) == "inf"
    assert format_duration_spec(math.nan) == "nan"
