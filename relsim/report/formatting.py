"""One number as text, by the unit its metric declares.

The unit of every metric is declared in :mod:`relsim.metric_registry`:
fractions show six decimals (availability 0.999825), durations and
durations per year a human unit (``1.53 h``, ``41.7 s``), rates and ratios
four significant digits. A missing value (NaN, ``None``) shows as ``-``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from relsim.metric_registry import METRICS
from relsim.units import format_duration, format_duration_spec

__all__ = ["format_ci", "format_clock", "format_horizon", "format_signed", "format_value", "plural", "signals_table",
           "text_table"]

_DURATION_UNITS = ("seconds", "seconds/year")


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def format_value(metric: str, x: Any) -> str:
    """``x``, a value of ``metric``, as text in the metric's unit.

    Names outside the registry (raw counts) are shown as plain numbers.
    """
    if _missing(x):
        return "-"
    x = float(x)
    unit = METRICS[metric].unit if metric in METRICS else "ratio"
    if unit == "fraction":
        return f"{x:.6f}"
    if unit in _DURATION_UNITS:
        return format_duration(x)
    if unit == "cost/year" and abs(x) >= 1000:
        return f"{x:,.0f}"  # money: 18,000 rather than 1.8e+04
    return f"{x:.4g}"


def format_ci(metric: str, low: Any, high: Any) -> str:
    """A 95 % interval ``[low, high]``, or ``-`` when it is not known."""
    if _missing(low) or _missing(high):
        return "-"
    return f"[{format_value(metric, low)}, {format_value(metric, high)}]"


def format_signed(metric: str, x: Any) -> str:
    """A difference with its sign (``+12.5 s``, ``-0.000100``)."""
    if _missing(x):
        return "-"
    return ("-" if x < 0 else "+") + format_value(metric, abs(float(x)))


def text_table(header: Sequence[str], body: Sequence[Sequence[str]], left: int = 1) -> str:
    """Aligned columns: the first ``left`` columns to the left, the others to the right."""
    rows = [tuple(header), *(tuple(r) for r in body)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) if i < left else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))).rstrip()
                     for r in rows)


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 service"``, ``"3 services"``."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def format_horizon(seconds: float) -> str:
    """A horizon as it would be written in a model file, spaced: ``"1 y"``, ``"30 d"``, ``"36 h"``.

    Horizons are usually whole units; where none fits, the readable
    :func:`relsim.units.format_duration` form.
    """
    spec = format_duration_spec(seconds)
    for unit in ("ms", "y", "w", "d", "h", "m", "s"):
        number = spec[: -len(unit)]
        if spec.endswith(unit) and number.isdigit() and int(number) < 10_000:
            return f"{number} {'min' if unit == 'm' else unit}"
    return format_duration(seconds)


def format_clock(seconds: float) -> str:
    """A time since the start of a replication as day and clock: ``"31d 00:14:51.275"``."""
    if not math.isfinite(seconds):
        return "-"
    days, rest = divmod(float(seconds), 86400.0)
    hours, rest = divmod(rest, 3600.0)
    minutes, secs = divmod(rest, 60.0)
    return f"{int(days)}d {int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"


#: The golden-signal columns as a reader sees them: header with its unit, and how to format a cell.
_SIGNALS = {
    "traffic": ("traffic (req/s)", lambda x: f"{x:.4g}"),
    "errors": ("errors (req/s)", lambda x: f"{x:.4g}"),
    "success": ("success", lambda x: f"{x:.6f}"),
    "attempts": ("attempts (/s)", lambda x: f"{x:.4g}"),
    "saturation": ("saturation", lambda x: f"{x:.1%}"),
    "latency": ("mean latency", lambda x: "-" if math.isnan(x) else format_duration(x)),
}


def signals_table(frame: Any) -> str:
    """Golden-signal bins with units: the bin's start as day and clock, then each signal.

    Columns the model cannot produce (saturation without balancer
    capacities: all zero) are left out.
    """
    columns = [c for c in _SIGNALS if c in frame and not (c == "saturation" and (frame[c] == 0).all())]
    header = ["bin start", "t (s)", *(_SIGNALS[c][0] for c in columns)]
    body = [[format_clock(row["t"]), f"{row['t']:.0f}", *(_SIGNALS[c][1](float(row[c])) for c in columns)]
            for _, row in frame.iterrows()]
    return text_table(header, body, left=1)
