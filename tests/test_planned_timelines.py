"""Exact timelines of the planned-work primitive (relsim/engine/planned.py; docs/changes.md, "Planned work").

``take_down`` refuses an element that is down or failing (an intermittent
episode between its down spells included); ``bring_back`` resumes the
paused clocks unless asked to renew them, refuses a hold that a crew is
working on, takes a queued hold out of the crew's queue, and names the hold
as the cause of what the return sets off; the trace names who did it.
Times in minutes or hours, every distribution fixed.
"""

from __future__ import annotations

import textwrap
from typing import Any

import behaviour_plugins  # noqa: F401  (registers the script behaviour)
import pytest
from shared_models import quorum_across_a_cut

import relsim
from relsim.engine.planned import PLANNED_KINDS, Hold, is_planned
from relsim.units import DAY, HOUR

MIN = 60.0


def run(text: str) -> relsim.RunResult:
    return relsim.simulate(relsim.loads(textwrap.dedent(text)), seed=1, replication=0, trace=True)


def events(res: relsim.RunResult, *kinds: str, unit: float = HOUR) -> list[tuple[float, str, Any]]:
    return [(round(e["t"] / unit, 9), e["event"], e.get("element")) for e in res.trace or [] if e["event"] in kinds]


def test_planned_kinds_and_the_hold_s_draws():
    assert all(is_planned(k) for k in PLANNED_KINDS)
    assert not any(is_planned(k) for k in ("permanent", "transient", "behaviour", "stopped", "overload"))
    assert Hold("maintenance", repair=lambda: 5.0).draw("repair") == 5.0
    with pytest.raises(ValueError, match="no repair time was given"):
        Hold("maintenance").draw("repair")
    with pytest.raises(ValueError, match="no lasts time was given"):
        Hold("maintenance", repair=lambda: 5.0).draw("lasts")


def test_the_trace_names_who_stopped_and_restored():
    # chaos (out_of_service) at 1 h for 10 min, a maintenance window (take_down, bring_back) at 2 h for 20 min
    res = run("""\
        name: who
        horizon: 3h
        components: {a: {}}
        services: {s: {replicas: [a]}}
        schedule:
          monkey: {kind: fail, at: 1h, fail: a, for: fixed(10m)}
          patch: {kind: maintenance, at: 2h, targets: a, lasts: fixed(20m)}
    """)
    assert [e for e in res.trace if e["event"] in ("stopped", "restored")] == [
        {"t": HOUR, "event": "stopped", "element": "a", "by": "monkey"},
        {"t": HOUR + 10 * MIN, "event": "restored", "element": "a", "by": "monkey"},
        {"t": 2 * HOUR, "event": "stopped", "element": "a", "by": "patch"},
        {"t": 2 * HOUR + 20 * MIN, "event": "restored", "element": "a", "by": "patch"}]


def test_maintenance_skips_an_element_between_the_down_spells_of_an_episode():
    # a's episode starts at 1 h and lasts 1 h: down 60-70 min, up 70-90, down 90-100, up 100-120.
    # The window due at 75 min finds it up but failing (an episode under way): skipped; the spells go on.
    res = run("""\
        name: spells
        horizon: 190m
        components:
          a: {failures: [{kind: intermittent, every: fixed(1h), lasts: fixed(1h), down: fixed(10m), up: fixed(20m)}]}
        services: {s: {replicas: [a]}}
        schedule:
          patch: {kind: maintenance, at: 75m, targets: a, lasts: fixed(20m)}
    """)
    assert events(res, "failed", "spell_up", "episode_end", "stopped", "restored", "maintenance_skipped",
                  unit=MIN) == [(60, "failed", "a"), (70, "spell_up", "a"), (75, "maintenance_skipped", "a"),
                                (90, "failed", "a"), (100, "spell_up", "a"), (120, "episode_end", "a"),
                                (180, "failed", "a")]


def test_a_drill_resumes_the_primary_s_clock_where_it_paused():
    # p fails for good every 10 d of up-time; the drill holds it down 2 d to 2 d 1 h (q takes over):
    # its clock pauses with 8 d left and resumes, so p fails at 10 d 1 h, not 12 d 1 h (no renewal).
    res = run("""\
        name: drill
        horizon: 15d
        components:
          p: {failures: [{kind: permanent, every: fixed(10d), repair: fixed(1h)}]}
          q: {}
        services:
          db: {mode: active-passive, replicas: [p, q], failover: {time: fixed(1m), success: 1.0}}
        schedule:
          game-day: {kind: drill, service: db, at: 2d, lasts: fixed(1h)}
    """)
    assert [(t / 24, ev, el) for t, ev, el in events(res, "failed", "stopped", "restored", "repaired")] == [
        (2, "stopped", "p"), (2 + 1 / 24, "restored", "p"), (10 + 1 / 24, "failed", "p"),
        (10 + 2 / 24, "repaired", "p")]


def test_a_cold_standby_renewed_then_stopped_keeps_its_fresh_clock():
    # q, a cold standby, is held idle: its clock (10 d) waits. A renewing window at 1 d redraws it
    # (10 d again), a chaos experiment at 2 d pauses and resumes nothing (q is still idle). p fails
    # for good at 3 d: q takes over after the 1 min failover and 1 min start-up, and its 10 d
    # start then: q fails at 13 d 2 min.
    res = run("""\
        name: cold
        horizon: 15d
        repair_crews: 1
        components:
          p: {failures: [{kind: permanent, every: fixed(3d), repair: fixed(30d)}]}
          q: {failures: [{kind: permanent, every: fixed(10d), repair: fixed(1h)}]}
        services:
          db: {mode: active-passive, replicas: [p, q], standby: cold, startup: fixed(1m),
               failover: {time: fixed(1m), success: 1.0}}
        schedule:
          patch: {kind: maintenance, at: 1d, targets: q, lasts: fixed(1h), renew: true}
          monkey: {kind: fail, at: 2d, fail: q, for: fixed(1h)}
    """)
    failed = [(e["t"], e["element"]) for e in res.trace if e["event"] == "failed"]
    assert failed == [(3 * DAY, "p"), (13 * DAY + 2 * MIN, "q")]


def test_restoring_a_behaviour_s_hold_takes_it_from_the_crew_s_queue_not_from_the_crew():
    # One crew, busy with a from 60 to 180 min. b, failed by the behaviour at 90 min with a repair,
    # waits in the queue: restored at 100 min, it leaves the queue (True). c, failed at 200 min,
    # gets the free crew at once: restoring it at 210 min is refused (False); the crew brings it
    # back at 230 min.
    res = run("""\
        name: queue
        horizon: 235m
        repair_crews: 1
        components:
          a: {failures: [{kind: permanent, every: fixed(1h), repair: fixed(2h)}]}
          b: {}
          c: {}
        services: {s: {replicas: [a, b, c], mode: active-active, needs: 1}}
        behaviours:
          ops:
            kind: script
            steps:
              - {at: 90m, do: fail, name: b, repair: fixed(30m)}
              - {at: 100m, do: restore, name: b}
              - {at: 200m, do: fail, name: c, repair: fixed(30m)}
              - {at: 210m, do: restore, name: c}
    """)
    assert res.tallies == {"done": 3.0}  # fail, restore, fail: True; the last restore: False
    assert events(res, "failed", "repair_requested", "repair_started", "repaired", "restored", unit=MIN) == [
        (60, "failed", "a"), (60, "repair_requested", "a"), (60, "repair_started", "a"),
        (90, "failed", "b"), (90, "repair_requested", "b"), (100, "restored", "b"),
        (180, "repaired", "a"), (200, "failed", "c"), (200, "repair_requested", "c"),
        (200, "repair_started", "c"), (230, "repaired", "c")]


def test_an_outage_opened_by_a_return_from_maintenance_names_the_maintenance():
    # A quorum (needs 2, 10 s elections) of a0, a1 (zone a) and b0, b1, b2 (zone b); a~b is cut
    # from 2 h. b1 is down 1-4 h; b2 is in maintenance 1-5 h. a0 leads {a0, a1}; when b1 returns,
    # {b0, b1} ties and the leader's group stays; when b2 returns at 5 h, {b0, b1, b2} is the
    # largest: an election of 10 s, which b2's maintenance set off (a planned outage).
    res = relsim.simulate(quorum_across_a_cut({"in": "b"}, schedule={"patch": {
        "kind": "maintenance", "at": "1h", "targets": "b2", "lasts": "fixed(4h)"}}), seed=0, replication=0)
    (out,) = res.outages
    assert (out.start_s, out.duration_s) == (5 * HOUR, pytest.approx(10.0))
    assert (out.cause_element, out.cause_spec, out.cause_kind, out.planned) == ("b2", -1, "maintenance", True)


def test_a_restart_of_an_instance_already_down_opens_no_account():
    # Both instances fail for good at 50 min (repaired at 70 min) and again at 120 min (repaired
    # at 140 min); the release at 1 h restarts neither (both are down): no request is charged to
    # the change, though each outage loses 50/s for 20 min.
    res = relsim.simulate(relsim.load({
        "name": "restart", "horizon": "3h",
        "components": {"web": {"count": 2, "failures": [{"kind": "permanent", "every": "fixed(50m)",
                                                          "repair": "fixed(20m)"}]}},
        "services": {"api": {"replicas": "web"}},
        "deployments": {"rel": {"services": "api", "at": "1h", "restart": "30s"}},
        "workload": {"rate": "50/s"}}), seed=1, replication=0, trace=True)
    assert [e["event"] for e in res.trace if e["event"] == "stopped"] == []
    assert res.requests["failed"] == pytest.approx(2 * 50 * 20 * MIN)
    assert res.changes["failed_requests"] == 0.0
