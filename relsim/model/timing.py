"""When things happen: the calendar of model time, timed-event specs and change windows.

One home for every "when" a model file can say, shared by the ``schedule:``
section (maintenance, chaos experiments, drills), deployments, preventive
maintenance, inspections and on-call rotas:

- :class:`Calendar` maps model time (seconds from the start of the horizon)
  to a wall-clock week. The horizon starts on a Monday at 00:00 unless the
  model's ``start_day`` (and ``start_time``) say otherwise; there are no time
  zones and no daylight-saving shifts (model time is uniform).
- :class:`When` is a timed-event spec: ``at`` (one time or a list),
  ``every`` (a fixed period or a distribution of the time between
  occurrences, from ``start``) or ``cron`` (a five-field cron expression in
  the calendar's wall-clock time); ``until`` ends it early and ``count``
  caps the number of occurrences.
- :class:`Windows` is a set of weekly windows (``"Mon-Fri 10:00-16:00"``),
  e.g. the change windows when releases and maintenance may start.

This module is pure data (no SimPy, no randomness); the engine turns a
:class:`When` into a replication's occurrence times in
``relsim/engine/schedule.py``.
"""

from __future__ import annotations

import bisect
import math
import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Annotated, Any, NamedTuple

from pydantic import BeforeValidator, Field, field_validator, model_validator

from relsim.dists import Fixed
from relsim.model.common import Count, Delay, Duration, _duration, _Frozen

__all__ = [
    "DAY",
    "EPOCH",
    "MONDAY",
    "WEEK",
    "WEEKDAYS",
    "Calendar",
    "StartDay",
    "TimeOfDay",
    "When",
    "Window",
    "Windows",
    "cron_times",
    "parse_windows",
]

DAY = 86400.0
WEEK = 7 * DAY
#: Wall-clock time of model time 0 for ``start_day: monday`` (a Monday, 00:00).
EPOCH = datetime(2025, 1, 6)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SHORT = {name[:3]: i for i, name in enumerate(WEEKDAYS)}


def weekday_index(value: Any) -> int:
    """0 for Monday ... 6 for Sunday, from ``"monday"``, ``"Mon"`` or ``"mon"``."""
    if not isinstance(value, str) or value.strip().lower()[:3] not in _SHORT or (
            len(value.strip()) > 3 and value.strip().lower() not in WEEKDAYS):
        raise ValueError(f"expected a day of the week (monday ... sunday, or mon ... sun), got {value!r}")
    return _SHORT[value.strip().lower()[:3]]


def _clock(value: Any) -> float:
    """Seconds after midnight of ``"HH:MM"`` (``"24:00"`` is the end of the day)."""
    text = str(value).strip()
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if m is None or int(m[2]) > 59 or int(m[1]) > 24 or (int(m[1]) == 24 and int(m[2]) != 0):
        raise ValueError(f"expected a time of day HH:MM (00:00 to 24:00), got {value!r}")
    return int(m[1]) * 3600.0 + int(m[2]) * 60.0


def _start_day(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    return weekday_index(value)


def _start_time(value: Any) -> float:
    if isinstance(value, float) and 0.0 <= value < DAY:
        return value
    return _clock(value)


#: ``start_day: sunday`` (or ``sun``): the day of the week model time 0 falls on.
StartDay = Annotated[int, BeforeValidator(_start_day)]
#: ``start_time: "08:00"``: the time of day of model time 0.
TimeOfDay = Annotated[float, BeforeValidator(_start_time)]


class Calendar(NamedTuple):
    """Model time 0 is ``start_day`` at ``start_time`` (seconds after midnight)."""

    start_day: int = 0
    start_time: float = 0.0

    @property
    def offset(self) -> float:
        """Seconds from the Monday 00:00 of the first week to model time 0."""
        return self.start_day * DAY + self.start_time

    def week_seconds(self, t: float) -> float:
        """Seconds since the last Monday 00:00 at model time ``t``."""
        return (t + self.offset) % WEEK

    def weekday(self, t: float) -> int:
        """Day of the week at model time ``t`` (0 Monday ... 6 Sunday)."""
        return int(self.week_seconds(t) // DAY)

    def time_of_day(self, t: float) -> float:
        """Seconds after midnight at model time ``t``."""
        return self.week_seconds(t) % DAY

    def wall(self, t: float) -> datetime:
        """The wall-clock time of model time ``t`` (the first week is that of 2025-01-06)."""
        return EPOCH + timedelta(seconds=self.offset + t)

    def model_time(self, when: datetime) -> float:
        """Model time of the wall-clock time ``when``."""
        return (when - EPOCH).total_seconds() - self.offset

    def label(self, t: float) -> str:
        """``"Tue 14:05"``: the day and time of model time ``t``, for traces and reports."""
        s = self.time_of_day(t)
        return f"{WEEKDAYS[self.weekday(t)][:3].title()} {int(s // 3600):02d}:{int(s % 3600 // 60):02d}"


#: The default calendar: model time 0 is a Monday at 00:00.
MONDAY = Calendar()


@lru_cache(maxsize=256)
def cron_times(expr: str, calendar: Calendar, horizon: float, start: float = 0.0) -> tuple[float, ...]:
    """Model times in [start, horizon) at which the cron expression ``expr`` fires.

    Computed once per (expression, calendar, horizon), not in every
    replication: croniter takes about 0.1 ms a step.
    """
    from croniter import croniter  # noqa: PLC0415 - only models with cron specs pay for it

    base = calendar.wall(start) - timedelta(microseconds=1)
    times, out = croniter(expr, base), []
    while True:
        due = calendar.model_time(times.get_next(datetime))
        if due >= horizon:
            return tuple(out)
        out.append(max(due, start))


def _times(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_duration(v) for v in value)
    return (_duration(value),)


class When(_Frozen):
    """A timed-event spec: exactly one of ``at``, ``every`` or ``cron``.

    - ``at: 30d`` or ``at: [30d, 90d]``: at those model times;
    - ``every: 7d`` (a fixed period) or ``every: exp(mean=7d)`` (random time
      between occurrences), the first at ``start`` (default: one period in,
      i.e. ``start`` defaults to the first draw of ``every``);
    - ``cron: "0 2 * * SUN"``: by the calendar (see :class:`Calendar`), from
      ``start``;
    - ``until``: no occurrence at or after this model time; ``count``: at
      most this many occurrences.
    """

    at: Annotated[tuple[float, ...], BeforeValidator(_times)] | None = None
    every: Delay | None = None
    cron: str | None = None
    start: Duration | None = None
    until: Duration | None = None
    count: Count | None = None

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from croniter import croniter  # noqa: PLC0415

        if not croniter.is_valid(value):
            raise ValueError(f"not a cron expression: {value!r} (five fields: minute hour day month "
                             "weekday, e.g. '0 2 * * SUN' for Sundays at 02:00)")
        return value

    @field_validator("every")
    @classmethod
    def _positive_period(cls, value: Any) -> Any:
        if value is not None and isinstance(value, Fixed) and not value.value > 0:
            raise ValueError(f"every must be a positive duration, got {value.value!r} s")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> When:
        given = [k for k in ("at", "every", "cron") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("say when with exactly one of at, every or cron"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.at is not None and self.start is not None:
            raise ValueError("start applies to every and cron, not to at (write the times in at)")
        return self

    @property
    def random(self) -> bool:
        """Whether the occurrence times are drawn (``every`` a distribution)."""
        return self.every is not None and not isinstance(self.every, Fixed)

    def fixed_times(self, horizon: float, calendar: Calendar = MONDAY) -> tuple[float, ...] | None:
        """The occurrence times in [0, horizon) when they are not random, else ``None``."""
        end = min(horizon, self.until if self.until is not None else math.inf)
        if self.at is not None:
            times: tuple[float, ...] = tuple(t for t in sorted(self.at) if t < end)
        elif self.cron is not None:
            times = cron_times(self.cron, calendar, end, self.start or 0.0)
        elif isinstance(self.every, Fixed):
            period = float(self.every.value)
            first = period if self.start is None else self.start
            n = max(0, math.ceil((end - first) / period)) if end > first else 0
            if self.count is not None:
                n = min(n, self.count)
            times = tuple(first + k * period for k in range(n))
        else:
            return None
        return times if self.count is None else times[: self.count]


    def expected_count(self, horizon: float, calendar: Calendar = MONDAY) -> float:
        """About how many times this happens before ``horizon`` (the run's event estimate).

        Exact for ``at`` and a fixed ``every``; a random ``every`` counts
        span / mean; a cron is counted on a short stretch first (a day, a
        month, a year) and scaled, since one firing every minute over years
        would be millions of times to list. Nothing is listed for ``every``.
        """
        end = min(horizon, self.until if self.until is not None else math.inf)
        if self.at is not None:
            n = float(sum(1 for t in self.at if t < end))
        elif self.cron is not None:
            n = 0.0
            for span in (DAY, 31 * DAY, 366 * DAY, end):
                span = min(span, end)
                found = len(cron_times(self.cron, calendar, span, self.start or 0.0))
                if found or span >= end:
                    n = found * end / span if span > 0 else 0.0
                    break
        elif isinstance(self.every, Fixed):
            period = float(self.every.value)
            first = period if self.start is None else self.start
            n = float(max(0, math.ceil((end - first) / period))) if end > first else 0.0
        else:
            mean = float(self.every.mean) if self.every is not None else 0.0
            n = end / mean if mean > 0 else math.inf
        return min(n, float(self.count)) if self.count is not None else n


class Window(NamedTuple):
    """One weekly window: from ``start`` to ``end``, seconds after Monday 00:00 (``end`` may pass Sunday 24:00)."""

    start: float
    end: float


_WINDOW = re.compile(r"^\s*(?P<days>[A-Za-z,\- ]+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$")


def _days(text: str) -> list[int]:
    text = text.strip().lower()
    if text in ("daily", "every day", "all"):
        return list(range(7))
    if text == "weekdays":
        return list(range(5))
    if text == "weekends":
        return [5, 6]
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = (weekday_index(x) for x in part.split("-", 1))
            out.extend((a + k) % 7 for k in range((b - a) % 7 + 1))
        else:
            out.append(weekday_index(part))
    return out


def parse_windows(value: Any) -> tuple[Window, ...]:
    """Weekly windows from ``"Mon-Fri 10:00-16:00"`` or a list of such strings.

    Days: ``mon``...``sun`` (or full names), ranges ``Mon-Fri`` (wrapping
    ``Fri-Mon``), lists ``Sat,Sun``, or ``daily``/``weekdays``/``weekends``.
    A window whose end is before its start runs past midnight
    (``daily 22:00-02:00``). Overlapping windows are merged.
    """
    if isinstance(value, tuple) and all(isinstance(w, Window) for w in value):
        return value
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError("expected a window like 'Mon-Fri 10:00-16:00' or a list of them")
    spans: list[tuple[float, float]] = []
    for item in items:
        m = _WINDOW.match(str(item))
        if m is None:
            raise ValueError(f"expected a window like 'Mon-Fri 10:00-16:00' (days, then HH:MM-HH:MM), got {item!r}")
        start, end = _clock(m["start"]), _clock(m["end"])
        if end == start:
            raise ValueError(f"window {item!r} is empty (it starts when it ends)")
        length = end - start if end > start else end + DAY - start
        for day in _days(m["days"]):
            a = day * DAY + start
            spans.append((a, a + length))
    # A window running past Sunday 24:00 continues at the start of the week.
    wrapped = [(a, min(b, WEEK)) for a, b in spans] + [(0.0, b - WEEK) for a, b in spans if b > WEEK]
    merged: list[list[float]] = []
    for a, b in sorted(wrapped):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return tuple(Window(a, b) for a, b in merged)


class Windows(tuple):
    """Weekly windows (see :func:`parse_windows`) with the questions the engine asks."""

    __slots__ = ()

    def __new__(cls, value: Any = ()) -> Windows:
        return super().__new__(cls, parse_windows(value) if value else ())

    @property
    def always(self) -> bool:
        """Whether no window was given (every time is allowed)."""
        return len(self) == 0 or (len(self) == 1 and self[0].start == 0.0 and self[0].end >= WEEK)

    def is_open(self, t: float, calendar: Calendar = MONDAY) -> bool:
        """Whether model time ``t`` falls inside a window."""
        if self.always:
            return True
        w = calendar.week_seconds(t)
        i = bisect.bisect_right([x.start for x in self], w) - 1
        return i >= 0 and w < self[i].end

    def next_open(self, t: float, calendar: Calendar = MONDAY) -> float:
        """The earliest model time at or after ``t`` inside a window."""
        if self.always or self.is_open(t, calendar):
            return t
        w = calendar.week_seconds(t)
        for x in self:
            if x.start > w:
                return t + (x.start - w)
        return t + (WEEK - w) + self[0].start

    def closes(self, t: float, calendar: Calendar = MONDAY) -> float:
        """When the window open at ``t`` closes (``inf`` if no windows were given)."""
        if self.always:
            return math.inf
        w = calendar.week_seconds(t)
        for x in self:
            if x.start <= w < x.end:
                return t + (x.end - w)
        return t

    def open_share(self) -> float:
        """The share of a week inside the windows."""
        return 1.0 if self.always else sum(x.end - x.start for x in self) / WEEK


def _windows(value: Any) -> Windows:
    return value if isinstance(value, Windows) else Windows(value)


#: A model-file field holding weekly windows: ``"Mon-Fri 10:00-16:00"`` or a list.
WindowsField = Annotated[Windows, BeforeValidator(_windows), Field(default_factory=Windows)]
