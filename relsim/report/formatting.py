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
from relsim.units import format_duration

__all__ = ["format_ci", "format_signed", "format_value", "text_table"]

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
