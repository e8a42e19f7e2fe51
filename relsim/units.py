"""Time units, and parsers/formatters for durations, rates and fractions.

The simulator's internal unit of time is the **second** (a Python ``float``).
Model files spell durations with an explicit unit so that nobody has to guess
whether ``10`` means ten seconds or ten hours:

====  ===================
unit  meaning
====  ===================
ms    millisecond
s     second
m     minute (not month)
h     hour
d     day (86 400 s)
w     week (7 d)
y     year (365 d)
====  ===================

Examples
--------
>>> parse_duration("10h")
36000.0
>>> parse_rate("2/h") * HOUR
2.0
>>> parse_fraction("99.95%")
0.9995
>>> format_duration(36000.0)
'10 h'
>>> format_duration_spec(36000.0)
'10h'
"""

from __future__ import annotations

import math
import re
import sys
from decimal import Decimal, InvalidOperation
from numbers import Real

__all__ = [
    "SECOND",
    "MINUTE",
    "HOUR",
    "DAY",
    "WEEK",
    "YEAR",
    "UNITS",
    "parse_duration",
    "parse_rate",
    "parse_fraction",
    "format_duration",
    "format_duration_spec",
    "parse_size",
    "parse_bandwidth",
]

SECOND: float = 1.0
MINUTE: float = 60.0
HOUR: float = 3600.0
DAY: float = 86400.0
WEEK: float = 7 * DAY
YEAR: float = 365 * DAY

# (numerator, denominator) seconds per unit, so that "250ms" is computed as
# 250 / 1000 (correctly rounded) rather than 250 * 0.001.
_UNIT_RATIO: dict[str, tuple[int, int]] = {
    "ms": (1, 1000),
    "s": (1, 1),
    "m": (60, 1),
    "h": (3600, 1),
    "d": (86400, 1),
    "w": (7 * 86400, 1),
    "y": (365 * 86400, 1),
}

#: Seconds per unit for every unit accepted by :func:`parse_duration`.
UNITS: dict[str, float] = {u: n / d for u, (n, d) in _UNIT_RATIO.items()}

_UNIT_LIST = "ms s m h d w y"

# Spellings people commonly try, mapped to the accepted unit (for hints only).
_UNIT_HINTS: dict[str, str] = {
    "msec": "ms", "msecs": "ms", "millis": "ms", "millisecond": "ms", "milliseconds": "ms",
    "sec": "s", "secs": "s", "second": "s", "seconds": "s", "S": "s",
    "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "H": "h",
    "day": "d", "days": "d", "D": "d",
    "wk": "w", "wks": "w", "week": "w", "weeks": "w", "W": "w",
    "yr": "y", "yrs": "y", "year": "y", "years": "y", "Y": "y",
}  # fmt: skip

_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_DURATION_RE = re.compile(rf"^\s*({_NUM})\s*([^\W\d_]*)\s*$")
_RATE_RE = re.compile(rf"^\s*({_NUM})\s*/\s*([^\W\d_]*)\s*$")
_NUMBER_RE = re.compile(rf"^\s*({_NUM})\s*$")
_PERCENT_RE = re.compile(rf"^\s*({_NUM})\s*%\s*$")


def _show(value: object) -> str:
    """Render a user-supplied value for an error message (long ones shortened)."""
    text = f'"{value}"' if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else f"{text[:60]}...({len(text)} characters)"


def _is_bool(value: object) -> bool:
    if isinstance(value, bool):
        return True
    # A numpy bool exists only once numpy is imported: not importing it here
    # keeps loading a model free of numpy.
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.bool_)


def _unit_error(unit: str, value: str, number: str, kind: str) -> ValueError:
    msg = f"unknown unit '{unit}' in {_show(value)} (units: {_UNIT_LIST})"
    hint = _UNIT_HINTS.get(unit) or _UNIT_HINTS.get(unit.lower())
    if hint is not None:
        sep = "/" if kind == "rate" else ""
        msg += f"; did you mean {number.strip()}{sep}{hint}?"
    return ValueError(msg)


def _duration_parts(value: object) -> tuple[float, str]:
    """Split a duration into ``(number, unit)``; unit is ``""`` for a bare zero.

    Raises ``ValueError`` for anything that is not a valid, non-negative,
    finite duration.
    """
    no_unit = (
        f"{_show(value)} has no unit: write a duration like 10h, 30m, 5s (units: {_UNIT_LIST})"
    )
    if _is_bool(value):
        raise ValueError(f"a duration cannot be a boolean, got {value!r}: write e.g. 10h")
    if isinstance(value, Real):
        return _bare_zero(value, "duration must be a number with a unit", "duration", no_unit)
    if not isinstance(value, str):
        raise ValueError(
            f"cannot interpret {value!r} as a duration: write a string like 10h, 30m, 5s "
            f"(units: {_UNIT_LIST})"
        )
    m = _DURATION_RE.match(value)
    if m is None:
        raise ValueError(
            f"cannot parse duration {_show(value)}: write a number followed by a unit, "
            f"like 10h, 30m, 5s, 1.5d (units: {_UNIT_LIST})"
        )
    num_text, unit = m.groups()
    number = float(num_text)
    if number < 0:
        raise ValueError(f"duration must be >= 0, got {_show(value)}")
    if not math.isfinite(number):
        raise ValueError(f"duration must be finite, got {_show(value)}")
    if unit == "":
        if number == 0:
            return 0.0, ""
        raise ValueError(no_unit)
    if unit not in _UNIT_RATIO:
        raise _unit_error(unit, value, num_text, "duration")
    return number, unit


def parse_duration(value: str | float) -> float:
    """Parse a duration with an explicit unit into seconds.

    Parameters
    ----------
    value : str or float
        A string made of a number and a unit, optionally separated by
        whitespace: ``"10h"``, ``"1.5d"``, ``"30s"``, ``"250ms"``,
        ``"2.5 h"``, ``"1e3h"``. Units are ``ms s m h d w y`` (``m`` is
        minutes, ``y`` is 365 days). A bare number is only accepted when it
        is zero (``0``, ``0.0`` or ``"0"``), since zero needs no unit.

    Returns
    -------
    float
        The duration in seconds (``>= 0`` and finite).

    Raises
    ------
    ValueError
        If the value has no unit (and is not zero), has an unknown unit, is
        negative, non-finite, a boolean, or otherwise unparseable. The
        message names the offending value and the rule.

    Examples
    --------
    >>> parse_duration("1.5d")
    129600.0
    >>> parse_duration("250ms")
    0.25
    >>> parse_duration(0)
    0.0
    """
    number, unit = _duration_parts(value)
    if unit == "":
        return 0.0
    num, den = _UNIT_RATIO[unit]
    seconds = number * num / den
    if not math.isfinite(seconds):
        raise ValueError(f"duration must be finite, got {_show(value)}")
    return seconds + 0.0  # normalise -0.0


def _float(value: Real) -> float:
    """``float(value)``; an integer too large for a float becomes ``±inf``, not an OverflowError."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _bare_zero(value: Real, nan_message: str, what: str, no_unit: str) -> tuple[float, str]:
    """A bare number where a unit is required: only zero is allowed."""
    number = _float(value)
    if math.isnan(number):
        raise ValueError(f"{nan_message}, got {_show(value)}")
    if number < 0:
        raise ValueError(f"{what} must be >= 0, got {_show(value)}")
    if number == 0:
        return 0.0, ""
    raise ValueError(no_unit)


def _rate_parts(value: object) -> tuple[float, str]:
    """Split a rate into ``(count, unit)``; unit is ``""`` for a bare zero."""
    no_unit = f"{_show(value)} has no unit: write a rate like 2/h, 5/m, 100/s (units: {_UNIT_LIST})"
    if _is_bool(value):
        raise ValueError(f"a rate cannot be a boolean, got {value!r}: write e.g. 2/h")
    if isinstance(value, Real):
        return _bare_zero(value, "rate must be a number per unit", "rate", no_unit)
    if not isinstance(value, str):
        raise ValueError(
            f"cannot interpret {value!r} as a rate: write a string like 2/h, 5/m, 100/s "
            f"(units: {_UNIT_LIST})"
        )
    m = _RATE_RE.match(value)
    if m is None:
        bare = _NUMBER_RE.match(value)
        if bare is not None:
            number = float(bare.group(1))
            if number < 0:
                raise ValueError(f"rate must be >= 0, got {_show(value)}")
            if number == 0:
                return 0.0, ""
            raise ValueError(no_unit)
        raise ValueError(
            f"cannot parse rate {_show(value)}: write a number, '/', and a unit, "
            f"like 2/h, 5/m, 0.5/d (units: {_UNIT_LIST})"
        )
    num_text, unit = m.groups()
    number = float(num_text)
    if number < 0:
        raise ValueError(f"rate must be >= 0, got {_show(value)}")
    if not math.isfinite(number):
        raise ValueError(f"rate must be finite, got {_show(value)}")
    if unit not in _UNIT_RATIO:
        raise _unit_error(unit, value, num_text, "rate")
    return number, unit


def parse_rate(value: str | float) -> float:
    """Parse an event rate with an explicit time unit into events per second.

    Parameters
    ----------
    value : str or float
        A string ``"<number>/<unit>"`` such as ``"100/s"``, ``"5/m"``,
        ``"2/h"``, ``"0.5/h"``, ``"3/d"``, ``"1/y"`` (whitespace around the
        ``/`` is allowed). Units are as for :func:`parse_duration`. A bare
        number is only accepted when it is zero.

    Returns
    -------
    float
        The rate in events per second (``>= 0`` and finite).

    Raises
    ------
    ValueError
        If the value has no unit (and is not zero), has an unknown unit, is
        negative, non-finite, a boolean, or otherwise unparseable.

    Examples
    --------
    >>> parse_rate("100/s")
    100.0
    >>> parse_rate("2/h") * 3600
    2.0
    """
    number, unit = _rate_parts(value)
    if unit == "":
        return 0.0
    num, den = _UNIT_RATIO[unit]
    rate = number * den / num
    if not math.isfinite(rate):
        raise ValueError(f"rate must be finite, got {_show(value)}")
    return rate + 0.0


def parse_fraction(value: str | float) -> float:
    """Parse a fraction in ``[0, 1]``, given as a number or a percentage.

    Parameters
    ----------
    value : str or float
        A number such as ``0.95``, ``1``, ``0``, ``"0.9"``, or a percentage
        string such as ``"95%"`` or ``"99.95%"``.

    Returns
    -------
    float
        The fraction, between 0 and 1 inclusive.

    Raises
    ------
    ValueError
        If the value is out of range, not finite, a boolean, or unparseable.

    Examples
    --------
    >>> parse_fraction("99.95%")
    0.9995
    >>> parse_fraction(0.5)
    0.5
    """
    rule = "fraction must be between 0 and 1 (or 0% and 100%)"
    if _is_bool(value):
        raise ValueError(f"{rule}, got a boolean {value!r}")
    percent = False
    if isinstance(value, Real):
        fraction = _float(value)
    elif isinstance(value, str):
        m = _PERCENT_RE.match(value)
        if m is not None:
            percent = True
            try:
                fraction = float(Decimal(m.group(1)) / 100)
            except InvalidOperation:  # pragma: no cover - regex guarantees a number
                fraction = math.nan
        else:
            m = _NUMBER_RE.match(value)
            if m is None:
                raise ValueError(
                    f"cannot parse fraction {_show(value)}: write a number between 0 and 1 "
                    f"or a percentage like 99.9%"
                )
            fraction = float(m.group(1))
    else:
        raise ValueError(f"{rule}, got {value!r}")
    if not (0.0 <= fraction <= 1.0):  # also rejects NaN
        msg = f"{rule}, got {_show(value)}"
        if not percent and 10.0 <= fraction <= 100.0:
            shown = value.strip() if isinstance(value, str) else str(value)
            msg += f"; did you mean {shown}%?"
        else:
            # A small number above 1 (availability: 1.5) is rarely a percentage
            # that was meant: say how fractions are written instead.
            msg += "; write it as a number such as 0.9995 or a percentage such as 99.95%"
        raise ValueError(msg)
    return fraction + 0.0


def _sig3(value: float) -> str:
    """Format a positive number with 3 significant digits, without exponent
    notation for ordinary magnitudes."""
    if value >= 1e6:
        return f"{value:.3g}"
    if value >= 1000:
        return f"{value:.0f}"
    return f"{value:.3g}"


def format_duration(seconds: float) -> str:
    """Format a duration in seconds for humans, choosing a readable unit.

    Uses 3 significant digits and the units ``ms`` (below 1 s), ``s``
    (below 1 min), ``min`` (below 1 h), ``h`` (below 2 d), ``d`` (below 2 y)
    and ``y`` otherwise.

    Parameters
    ----------
    seconds : float
        The duration in seconds. Negative values are formatted with a sign.

    Returns
    -------
    str
        For example ``"250 ms"``, ``"12.3 s"``, ``"4.5 min"``, ``"3.2 h"``,
        ``"5.1 d"``, ``"2.3 y"``; ``"0 s"`` for zero, ``"nan"`` for NaN and
        ``"inf"`` for infinity.

    Examples
    --------
    >>> format_duration(0.25)
    '250 ms'
    >>> format_duration(270)
    '4.5 min'
    """
    x = float(seconds)
    if math.isnan(x):
        return "nan"
    if x < 0:
        return "-" + format_duration(-x)
    if math.isinf(x):
        return "inf"
    if x == 0:
        return "0 s"
    # Choose the unit from the value rounded to 3 significant digits, so that
    # e.g. 59.99 s is shown as "1 min" rather than "60 s".
    r = float(f"{x:.3g}")
    if r < 1:
        return f"{_sig3(x * 1000)} ms"
    if r < MINUTE:
        return f"{_sig3(x)} s"
    if r < HOUR:
        return f"{_sig3(x / MINUTE)} min"
    if r < 2 * DAY:
        return f"{_sig3(x / HOUR)} h"
    if r < 2 * YEAR:
        return f"{_sig3(x / DAY)} d"
    return f"{_sig3(x / YEAR)} y"


_SPEC_UNITS = ("y", "w", "d", "h", "m", "s", "ms")


def format_duration_spec(seconds: float) -> str:
    """Spell a duration the way a model file would, as briefly as possible.

    Picks the largest unit among ``y w d h m s ms`` in which the duration is a
    whole number (within a relative tolerance of 1e-9, and at most 1e-3 of
    that unit), e.g. ``"10h"``, ``"90s"``, ``"1y"``, ``"250ms"``. Otherwise
    returns the ``repr`` of the number of seconds followed by ``s``. The result is accepted by
    :func:`parse_duration` for every finite, non-negative input (and equals
    it up to the tolerance).

    Parameters
    ----------
    seconds : float
        The duration in seconds.

    Returns
    -------
    str
        ``"0"`` for zero; ``"nan"``/``"inf"`` for non-finite input; a leading
        ``-`` for negative input.

    Examples
    --------
    >>> format_duration_spec(36000.0)
    '10h'
    >>> format_duration_spec(90)
    '90s'
    >>> format_duration_spec(0.25)
    '250ms'
    """
    x = float(seconds)
    if not math.isfinite(x):
        return repr(x)
    if x < 0:
        return "-" + format_duration_spec(-x)
    if x == 0:
        return "0"
    for unit in _SPEC_UNITS:
        num, den = _UNIT_RATIO[unit]
        count = x * den / num
        rounded = round(count)
        # relative tolerance 1e-9 absorbs float noise; the absolute cap keeps
        # e.g. 3249883.0546 s from being spelled as a (rounded) count of ms.
        if rounded >= 1 and abs(count - rounded) <= min(1e-9 * count, 1e-3):
            if count >= 1e15:
                break  # a huge integer would be unreadable; use seconds
            return f"{rounded}{unit}"
    return f"{x!r}s"


# --------------------------------------------------------------------------
# data sizes and bandwidths (state transfer at failover)

#: Bytes per unit. Decimal (SI) prefixes as storage and network vendors use
#: them; binary ones spelled KiB/MiB/...; a lower-case ``b`` means bits.
SIZE_UNITS: dict[str, float] = {
    "B": 1.0, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
    "KiB": 2.0**10, "MiB": 2.0**20, "GiB": 2.0**30, "TiB": 2.0**40,
    "b": 1 / 8, "Kb": 1e3 / 8, "Mb": 1e6 / 8, "Gb": 1e9 / 8, "Tb": 1e12 / 8,
}
_SIZE_RE = re.compile(rf"^\s*({_NUM})\s*([A-Za-z]+)\s*$")
_BANDWIDTH_RE = re.compile(rf"^\s*({_NUM})\s*([A-Za-z]+)\s*/\s*s\s*$")


def parse_size(value: str) -> float:
    """Parse a data size such as ``"50GB"``, ``"512MiB"`` or ``"10Gb"`` into bytes.

    Raises
    ------
    ValueError
        If the unit is missing or unknown, or the size is negative.
    """
    m = _SIZE_RE.match(value) if isinstance(value, str) else None
    if m is None or m.group(2) not in SIZE_UNITS:
        raise ValueError(
            f"cannot read data size {_show(value)}: write e.g. 50GB, 512MiB or 10Gb "
            f"(units: {', '.join(SIZE_UNITS)})"
        )
    size = float(m.group(1)) * SIZE_UNITS[m.group(2)]
    if size < 0:
        raise ValueError(f"data size must be >= 0, got {_show(value)}")
    if not math.isfinite(size):
        raise ValueError(f"data size must be finite, got {_show(value)}")
    return size


def parse_bandwidth(value: str) -> float:
    """Parse a bandwidth such as ``"1Gb/s"`` or ``"200MB/s"`` into bytes per second."""
    m = _BANDWIDTH_RE.match(value) if isinstance(value, str) else None
    if m is None or m.group(2) not in SIZE_UNITS:
        raise ValueError(
            f"cannot read bandwidth {_show(value)}: write e.g. 1Gb/s or 200MB/s "
            f"(units: {', '.join(SIZE_UNITS)} per s)"
        )
    rate = float(m.group(1)) * SIZE_UNITS[m.group(2)]
    if rate <= 0:
        raise ValueError(f"bandwidth must be > 0, got {_show(value)}")
    if not math.isfinite(rate):
        raise ValueError(f"bandwidth must be finite, got {_show(value)}")
    return rate
