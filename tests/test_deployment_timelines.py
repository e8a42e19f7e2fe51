"""Deployment timelines worked out by hand (relsim.engine.deployments).

The rollback trigger's error window: the steps of e(t) it keeps (a step at
the same time replaces the last, an unchanged rate adds none), the average
A(t) over the last window cut at each step, and the crossing time of the
threshold, walked across the window's breakpoints (a peak below the
threshold never crosses; a threshold of 0 is the smallest positive one).
"""

from __future__ import annotations

import pytest

from relsim.engine.deployments import ErrorWindow


def test_the_window_keeps_one_step_per_change_of_the_error_rate():
    w = ErrorWindow(100.0, 0.2)
    assert w.steps == []
    w.set(10.0, 0.5)
    w.set(10.0, 0.4)  # the same time: replaces the step
    assert w.steps == [(10.0, 0.4)]
    w.set(20.0, 0.4)  # the same rate: no new step
    assert w.steps == [(10.0, 0.4)]
    w.set(30.0, 0.1)
    assert w.steps == [(10.0, 0.4), (30.0, 0.1)]


@pytest.mark.parametrize("t, average", [
    (5.0, 0.0),  # before the first step: 0
    (30.0, 0.08),  # 0.4 · 20 / 100
    (50.0, 0.1),  # (0.4 · 20 + 0.1 · 20) / 100
    (70.0, 0.12),
    (110.0, 0.16),  # the whole first step in the window: (0.4 · 20 + 0.1 · 80) / 100
    (120.0, 0.13),  # from 20: (0.4 · 10 + 0.1 · 90) / 100
    (200.0, 0.1),  # the first step out of the window
])
def test_the_average_over_the_window_cuts_each_step(t, average):
    w = ErrorWindow(100.0, 0.2)
    w.set(10.0, 0.4)
    w.set(30.0, 0.1)
    assert w.average(t) == pytest.approx(average, abs=1e-15)


@pytest.mark.parametrize("threshold, crossing", [
    (0.2, None),  # A peaks at 0.16 (t = 110) and falls back: never
    (0.16, 110.0),  # reached exactly at the peak
    (0.12, 70.0),  # 30 + (0.12 − 0.08) · 80 / (0.16 − 0.08)
    (0.08, 30.0),  # already there
])
def test_the_crossing_walks_to_the_first_time_the_average_reaches_the_threshold(threshold, crossing):
    w = ErrorWindow(100.0, threshold)
    w.set(10.0, 0.4)
    w.set(30.0, 0.1)
    got = w.crossing(30.0)
    assert got == (None if crossing is None else pytest.approx(crossing))


def test_the_crossing_in_a_later_segment_of_the_average():
    # e = 0.1 from 0, 0.3 from 50, W = 100, θ = 0.25: A(100) = 0.2, A(150) = 0.3:
    # the crossing is 100 + (0.25 − 0.2) · 50 / 0.1 = 125
    w = ErrorWindow(100.0, 0.25)
    w.set(0.0, 0.1)
    w.set(50.0, 0.3)
    assert w.crossing(50.0) == pytest.approx(125.0)
    assert w.average(125.0) == pytest.approx(0.25)
    assert w.crossing(125.0) == 125.0


def test_a_threshold_of_zero_fires_at_the_first_failed_request():
    w = ErrorWindow(300.0, 0.0)
    assert w.threshold == 1e-12
    assert w.crossing(0.0) is None  # nothing failed yet
    w.set(60.0, 0.5)
    # A(t) = 0.5 (t − 60) / 300 reaches 1e-12 after 6e-10 s
    assert w.crossing(60.0) == pytest.approx(60.0 + 6e-10, abs=1e-15)
    assert w.crossing(60.0) > 60.0
