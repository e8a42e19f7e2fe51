"""Repair-crew queue order: exact timelines with several elements waiting at once.

docs/model-format.md: with ``repair_crews`` set, an element (or a domain)
that fails permanently while every crew is busy waits for a crew, first
come first served, and a crew that finishes a repair moves on at once to
the head of the queue. FIFO is the only queue policy relsim offers, so
these timelines pin it: a queue served last-in-first-out (or in any order
other than the order of arrival) gives different repair start times, a
different outage and a different downtime. Every duration is fixed, so the
times are worked out by hand; times are in hours.
"""

from __future__ import annotations

from typing import Any

import pytest

import relsim
from relsim.units import HOUR


def perm(every: str, repair: str) -> dict[str, Any]:
    return {"kind": "permanent", "every": f"fixed({every})", "repair": f"fixed({repair})"}


def run(spec: dict[str, Any]) -> relsim.RunResult:
    return relsim.simulate(relsim.load({"name": "queue", **spec}), seed=0, replication=0, trace=True)


def repairs(res: relsim.RunResult) -> list[tuple[float, str, str]]:
    """``(t in hours, event, element)`` for the repair events of the trace."""
    assert res.trace is not None
    kinds = ("repair_requested", "repair_started", "repaired")
    return [(round(e["t"] / HOUR, 9), e["event"], e["element"]) for e in res.trace if e["event"] in kinds]


def outage_spans(res: relsim.RunResult) -> list[tuple[float, float]]:
    return [(round(o.start_s / HOUR, 9), round(o.end_s / HOUR, 9)) for o in res.outages]


def test_two_waiting_are_repaired_in_arrival_order() -> None:
    # a fails at 10 and takes the only crew until 15; b (11) and c (12)
    # wait together. FIFO: b 15-18, then c 18-20. The service needs one of
    # b, c, so it is down from 12 until b is back at 18 (LIFO: c back at 17).
    res = run({"horizon": "21h", "repair_crews": 1,
               "components": {"a": {"failures": [perm("10h", "5h")]},
                              "b": {"failures": [perm("11h", "3h")]},
                              "c": {"failures": [perm("12h", "2h")]}},
               "services": {"s": {"replicas": ["b", "c"], "needs": 1}}})
    assert repairs(res) == [
        (10.0, "repair_requested", "a"), (10.0, "repair_started", "a"),
        (11.0, "repair_requested", "b"),
        (12.0, "repair_requested", "c"),
        (15.0, "repaired", "a"), (15.0, "repair_started", "b"),
        (18.0, "repaired", "b"), (18.0, "repair_started", "c"),
        (20.0, "repaired", "c"),
    ]
    assert outage_spans(res) == [(12.0, 18.0)]
    assert res.downtime / HOUR == pytest.approx(6.0, abs=1e-9)


def test_three_waiting_are_repaired_in_arrival_order() -> None:
    # b, c, d wait behind a; the service needs c or d. FIFO: b 15-18,
    # c 18-20, d 20-21, so the service (down from 13) is back at 20.
    # Served in reverse (d, c, b) it would be back at 16.
    res = run({"horizon": "22h", "repair_crews": 1,
               "components": {"a": {"failures": [perm("10h", "5h")]},
                              "b": {"failures": [perm("11h", "3h")]},
                              "c": {"failures": [perm("12h", "2h")]},
                              "d": {"failures": [perm("13h", "1h")]}},
               "services": {"s": {"replicas": ["c", "d"], "needs": 1}}})
    started = [(t, el) for t, ev, el in repairs(res) if ev == "repair_started"]
    assert started == [(10.0, "a"), (15.0, "b"), (18.0, "c"), (20.0, "d")]
    done = [(t, el) for t, ev, el in repairs(res) if ev == "repaired"]
    assert done == [(15.0, "a"), (18.0, "b"), (20.0, "c"), (21.0, "d")]
    assert outage_spans(res) == [(13.0, 20.0)]


def test_two_crews_take_the_head_of_the_queue_as_each_frees() -> None:
    # Crews busy with a (10-16.25) and b (11-14); c (12), d (13) and e
    # (13.5) wait. The crew freed at 14 takes c (14-16), then d (16-17); the
    # one freed at 16.25 takes e (16.25-16.75). The service needs e, so it
    # is down 13.5-16.75 (served last-in-first-out, e would be back at 14.5).
    res = run({"horizon": "18h", "repair_crews": 2,
               "components": {"a": {"failures": [perm("10h", "6.25h")]},
                              "b": {"failures": [perm("11h", "3h")]},
                              "c": {"failures": [perm("12h", "2h")]},
                              "d": {"failures": [perm("13h", "1h")]},
                              "e": {"failures": [perm("13.5h", "0.5h")]}},
               "services": {"s": {"replicas": ["e"]}}})
    started = [(t, el) for t, ev, el in repairs(res) if ev == "repair_started"]
    assert started == [(10.0, "a"), (11.0, "b"), (14.0, "c"), (16.0, "d"), (16.25, "e")]
    done = [(t, el) for t, ev, el in repairs(res) if ev == "repaired"]
    assert done == [(14.0, "b"), (16.0, "c"), (16.25, "a"), (16.75, "e"), (17.0, "d")]
    assert outage_spans(res) == [(13.5, 16.75)]


def test_an_element_that_fails_again_joins_the_back_of_the_queue() -> None:
    # a fails every 1 h of up-time and is repaired in 4 h; b fails at 2 and
    # c at 3 while a holds the crew (1-5). FIFO: b 5-7, then a (failed again
    # at 6, after 1 h up) waits behind c: c 7-8, a 8-12; b, failed again at
    # 9, waits behind a and starts at 12.
    res = run({"horizon": "12.5h", "repair_crews": 1,
               "components": {"a": {"failures": [perm("1h", "4h")]},
                              "b": {"failures": [perm("2h", "2h")]},
                              "c": {"failures": [{"kind": "permanent", "every": "fixed(3h)",
                                                  "repair": "fixed(1h)"}]}},
               "services": {"s": {"replicas": ["a", "b", "c"], "needs": 1}}})
    started = [(t, el) for t, ev, el in repairs(res) if ev == "repair_started"]
    assert started == [(1.0, "a"), (5.0, "b"), (7.0, "c"), (8.0, "a"), (12.0, "b")]
    # a is down 1-5 and 6-12, b 2-7 and from 9, c 3-8 and from 11: all
    # three are down 3-5, 6-7 and 11-12.
    assert outage_spans(res) == [(3.0, 5.0), (6.0, 7.0), (11.0, 12.0)]


def test_a_domain_waits_in_the_same_queue_as_components() -> None:
    # The rack fails at 11 while a holds the crew (10-15), then b at 12:
    # FIFO repairs the rack 15-17 and b 17-18. b sits in the rack, so the
    # service (needs b) is down from 11 (the rack) to 18 (b repaired).
    res = run({"horizon": "19h", "repair_crews": 1,
               "domains": {"rack": {"failures": [perm("11h", "2h")]}},
               "components": {"a": {"failures": [perm("10h", "5h")]},
                              "b": {"in": "rack", "failures": [perm("12h", "1h")]}},
               "services": {"s": {"replicas": ["b"]}}})
    started = [(t, el) for t, ev, el in repairs(res) if ev == "repair_started"]
    assert started == [(10.0, "a"), (15.0, "rack"), (17.0, "b")]
    assert outage_spans(res) == [(11.0, 18.0)]



def test_every_crew_returns_to_the_pool() -> None:
    # Two crews: a (10-12 h) and b (10-11 h) are repaired at once and both
    # crews go back to the pool; c and d then fail together at 15 h and are
    # both repaired at once (15-16 h), and e, failed at 15.5 h, waits for the
    # first crew free (16-17 h). A crew lost or counted twice on its way back
    # to the pool changes this.
    res = run({"horizon": "20h", "repair_crews": 2,
               "components": {"a": {"failures": [perm("10h", "2h")]},
                              "b": {"failures": [perm("10h", "1h")]},
                              "c": {"failures": [perm("15h", "1h")]},
                              "d": {"failures": [perm("15h", "1h")]},
                              "e": {"failures": [perm("15.5h", "1h")]}},
               "services": {"s": {"replicas": ["c", "d", "e"], "needs": 3}}})
    started = [(t, el) for t, ev, el in repairs(res) if ev == "repair_started"]
    assert started == [(10.0, "a"), (10.0, "b"), (15.0, "c"), (15.0, "d"), (16.0, "e")]
    durations = [e["duration"] / HOUR for e in res.trace or [] if e["event"] == "repair_started"]
    assert durations == pytest.approx([2.0, 1.0, 1.0, 1.0, 1.0])
    assert outage_spans(res) == [(15.0, 17.0)]


def test_one_crew_serves_one_repair_at_a_time_again_and_again() -> None:
    # One crew: a is repaired 10-11 h and the crew is free again; b and c
    # then fail together at 14 h and are repaired one after the other.
    res = run({"horizon": "17h", "repair_crews": 1,
               "components": {"a": {"failures": [perm("10h", "1h")]},
                              "b": {"failures": [perm("14h", "1h")]},
                              "c": {"failures": [perm("14h", "1h")]}},
               "services": {"s": {"replicas": ["b", "c"], "needs": 2}}})
    started = [(t, el) for t, ev, el in repairs(res) if ev == "repair_started"]
    assert started == [(10.0, "a"), (14.0, "b"), (15.0, "c")]
    assert outage_spans(res) == [(14.0, 16.0)]
