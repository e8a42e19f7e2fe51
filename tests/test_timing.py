"""The calendar of model time, timed-event specs and weekly windows (relsim/model/timing.py, relsim/engine/schedule.py)."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

import relsim
from relsim.engine.schedule import occurrences
from relsim.engine.simulation import Simulation
from relsim.model.timing import DAY, WEEK, Calendar, When, Windows, cron_times

H = 3600.0

BASE = """
name: timing
{extra}
components: {{a: {{failures: [{{kind: transient, every: exp(mean=30d), lasts: fixed(1m)}}]}}}}
services: {{s: {{replicas: [a]}}}}
entry: s
"""


def test_calendar_starts_monday_midnight_unless_told():
    assert Calendar().label(0) == "Mon 00:00"
    cal = relsim.loads(BASE.format(extra='start_day: saturday\nstart_time: "22:30"')).calendar
    assert cal.label(0) == "Sat 22:30"
    assert cal.label(2 * H) == "Sun 00:30"
    assert cal.weekday(2 * H) == 6 and cal.time_of_day(2 * H) == 0.5 * H


def test_bad_start_day_names_the_field():
    with pytest.raises(relsim.ModelError, match=r":3 start_day: expected a day of the week"):
        relsim.loads(BASE.format(extra="start_day: sundy"))


def test_cron_is_read_in_the_calendar():
    # Sundays 02:00 from a Monday 00:00 start: 6 days 2 hours in, then weekly.
    assert cron_times("0 2 * * SUN", Calendar(), 3 * WEEK) == (6 * DAY + 2 * H, 13 * DAY + 2 * H, 20 * DAY + 2 * H)
    # The same expression from a Sunday 08:00 start: the first is 6 days 18 hours in.
    assert cron_times("0 2 * * SUN", Calendar(6, 8 * H), WEEK) == (6 * DAY + 18 * H,)
    # An occurrence at model time 0 itself counts.
    assert cron_times("0 0 * * MON", Calendar(), WEEK + 1) == (0.0, WEEK)


def test_when_needs_exactly_one_way_of_saying_when():
    for bad in ({}, {"at": "1d", "every": "2d"}, {"every": "2d", "cron": "0 2 * * *"}):
        with pytest.raises(ValidationError, match="exactly one of at, every or cron"):
            When(**bad)
    with pytest.raises(ValidationError, match="not a cron expression"):
        When(cron="0 25 * * *")
    with pytest.raises(ValidationError, match="start applies to every and cron"):
        When(at="1d", start="2d")


def test_fixed_times():
    assert When(at=["30d", "1d", "400d"]).fixed_times(365 * DAY) == (DAY, 30 * DAY)
    assert When(every="7d").fixed_times(22 * DAY) == (7 * DAY, 14 * DAY, 21 * DAY)
    assert When(every="7d", start="0s").fixed_times(14 * DAY) == (0.0, 7 * DAY)
    assert When(every="1d", start="0s", until="3d").fixed_times(WEEK) == (0.0, DAY, 2 * DAY)
    assert When(every="1d", count=2).fixed_times(WEEK) == (DAY, 2 * DAY)
    assert When(every="exp(mean=1d)").fixed_times(WEEK) is None


def test_random_every_is_a_renewal_process_on_its_own_stream():
    model = relsim.loads(BASE.format(extra="horizon: 1000d"))
    when = When(every="exp(mean=1d)")
    counts = []
    for i in range(40):
        sim = Simulation(model, seed=3, replication=i)
        times = list(occurrences(sim, when, "schedule/x/every"))
        assert times == sorted(times) and all(0 < t < 1000 * DAY for t in times)
        again = list(occurrences(Simulation(model, seed=3, replication=i), when, "schedule/x/every"))
        assert times == again  # a pure function of (seed, replication, key)
        counts.append(len(times))
    # Poisson(1000) per replication: the mean of 40 is within 4 SE of 1000.
    mean = sum(counts) / len(counts)
    assert abs(mean - 1000) <= 4 * math.sqrt(1000 / len(counts))


@pytest.mark.parametrize(("spec", "t", "open_", "next_open", "closes"), [
    ("Mon-Fri 10:00-16:00", 11 * H, True, 11 * H, 16 * H),
    ("Mon-Fri 10:00-16:00", 17 * H, False, DAY + 10 * H, 17 * H),
    ("Mon-Fri 10:00-16:00", 4 * DAY + 17 * H, False, WEEK + 10 * H, 4 * DAY + 17 * H),
    ("daily 22:00-02:00", 1 * H, True, 1 * H, 2 * H),  # Monday 01:00 is in Sunday night's window
    ("daily 22:00-02:00", 3 * H, False, 22 * H, 3 * H),
    ("Sat,Sun 00:00-24:00", 2 * H, False, 5 * DAY, 2 * H),
    ("Fri-Mon 12:00-13:00", 2 * DAY, False, 4 * DAY + 12 * H, 2 * DAY),
])
def test_windows(spec, t, open_, next_open, closes):
    w = Windows(spec)
    assert w.is_open(t) is open_
    assert w.next_open(t) == next_open
    assert w.closes(t) == closes


def test_windows_share_and_errors():
    assert Windows("Mon-Fri 10:00-16:00").open_share() == pytest.approx(5 * 6 / (7 * 24))
    assert Windows("daily 22:00-02:00").open_share() == pytest.approx(4 / 24)
    assert Windows().always and Windows().next_open(5.0) == 5.0 and Windows().closes(5.0) == math.inf
    for bad in ("Mon-Fri", "Mon-Fri 10:00-10:00", "Someday 10:00-11:00", "Mon 25:00-26:00"):
        with pytest.raises(ValueError):
            Windows(bad)


def test_expected_count_for_the_run_estimate():
    assert When(at=["1d", "2d", "400d"]).expected_count(365 * DAY) == 2
    assert When(every="7d").expected_count(22 * DAY) == len(When(every="7d").fixed_times(22 * DAY)) == 3
    assert When(every="1d", start="0s", until="3d").expected_count(WEEK) == 3
    assert When(every="exp(mean=2d)").expected_count(10 * DAY) == 5
    assert When(every="exp(mean=2d)", count=2).expected_count(10 * DAY) == 2
    # a cron is counted on a short stretch and scaled, never listed over the horizon
    daily = When(cron="0 3 * * *").expected_count(10 * 365 * DAY)
    assert daily == pytest.approx(3650, rel=1e-3)
    assert When(cron="* * * * *").expected_count(100 * 365 * DAY) == pytest.approx(100 * 365 * 1440, rel=1e-3)
