"""Session timelines worked out by hand (relsim.engine.sessions).

Every failure is ``fixed(...)``, so the sessions each loss takes are stated
in closed form: sessions start at rate λ, a share w of them on a holder,
and with lengths exp(mean μ) a holder carries ``λ w (G(t − a) − G(t − b))``
sessions at ``t`` from a stretch ``[a, b)``, ``G(x) = μ (1 − e^{−x/μ})``
(``G(x) = min(x, c)`` for ``fixed(c)``). Covered: shares kept across
events (a short length whose history is pruned, a share changed at 0.5 s),
a lone replica failing twice, a service down through its dependency with
its replicas still holding, a partial holder, a failback, an active-passive
primary moving while the service's share stays put (a switchover of no
duration, a failover and failback while it serves nothing), the service's
own lag under ``store: replicated`` and a random lag on its own stream, and
the loss-event count.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

import relsim

HOUR = 3600.0


def G(x: float, mu: float) -> float:
    return mu * -math.expm1(-x / mu)


def trans(every: str, lasts: str) -> dict[str, Any]:
    return {"kind": "transient", "every": f"fixed({every})", "lasts": f"fixed({lasts})"}


def run(spec: dict[str, Any]) -> Any:
    return relsim.simulate(relsim.load(spec), 0, 0, trace=True)


def lost(res: Any) -> list[tuple[float, str, float]]:
    return [(e["t"], e["holder"], e["sessions"]) for e in res.trace if e["event"] == "sessions_lost"]


def assert_lost(res: Any, expected: list[tuple[float, str, float]], rel: float = 1e-12) -> None:
    got = lost(res)
    assert [(t, h) for t, h, _ in got] == [(t, h) for t, h, _ in expected]
    assert [n for _, _, n in got] == pytest.approx([n for _, _, n in expected], rel=rel)


def pair(fails1: list[Any], fails2: list[Any], horizon: str, sessions: dict[str, Any],
         **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "sessions", "horizon": horizon,
        "components": {"web-1": {"failures": fails1}, "web-2": {"failures": fails2}},
        "services": {"web": {"replicas": ["web-1", "web-2"]}},
        "sessions": {"rate": "2/s", "service": "web", **sessions},
    }
    spec.update(extra)
    return spec


def test_short_sessions_keep_the_shares_of_the_last_minutes():
    # exp(mean = 1 m): history older than ~28 min is dropped. web-1 down 60-70 min, web-2
    # down from 75 min: it holds its half since 0, all of 60-70 min and half since 70 min.
    mu = 60.0
    res = run(pair([trans("1h", "10m")], [trans("75m", "10m")], "80m", {"length": "exp(mean=1m)"}))
    t = 4500.0
    on_web2 = 2 * (0.5 * (G(t, mu) - G(t - 3600, mu)) + (G(t - 3600, mu) - G(t - 4200, mu)) + 0.5 * G(t - 4200, mu))
    assert_lost(res, [(HOUR, "web-1", 2 * 0.5 * G(HOUR, mu)), (t, "web-2", on_web2)], rel=1e-9)
    assert res.app["sessions_started"] == pytest.approx(2 * 4800.0)
    assert res.app["session_loss_events"] == 2.0


def test_a_share_changed_at_half_a_second_is_kept():
    # fixed(1h) lengths: a holder carries every session it got. web-1 is down from 0.5 s,
    # web-2 from 10 s: it holds half of [0, 0.5 s) and all of [0.5 s, 10 s)
    res = run(pair([trans("500ms", "1h")], [trans("10s", "1h")], "20s", {"length": "fixed(1h)"}))
    assert_lost(res, [(0.5, "web-1", 2 * 0.5 * 0.5), (10.0, "web-2", 0.5 + 19.0)])
    assert res.app["sessions_started"] == pytest.approx(20.0)
    assert res.app["sessions_lost"] == pytest.approx(20.0)
    assert res.app["session_loss_events"] == 2.0  # half a session lost is a loss event


def test_a_lone_replica_failing_twice_holds_every_session_after_its_return():
    mu = 1200.0
    spec = pair([trans("1h", "10m")], [], "3h", {"length": "exp(mean=20m)"})
    spec["components"] = {"web-1": spec["components"]["web-1"]}
    spec["services"] = {"web": {"replicas": ["web-1"]}}
    res = run(spec)
    assert_lost(res, [(HOUR, "web-1", 2 * G(HOUR, mu)), (2 * HOUR + 600, "web-1", 2 * G(HOUR, mu))])
    assert res.app["sessions_started"] == pytest.approx(2 * (3 * HOUR - 1200))


def test_a_service_down_through_its_dependency_starts_no_session_and_loses_none():
    # cache down 60-70 min and 130-140 min: web serves nothing, its replicas keep their
    # sessions; web-1 fails at 2 h holding half of [0, 1 h) and of [70 min, 2 h)
    mu = 1200.0
    spec = pair([trans("2h", "10m")], [], "3h", {"length": "exp(mean=20m)"},
                entry="web")
    spec["components"]["redis"] = {"failures": [trans("1h", "10m")]}
    spec["services"]["web"]["depends_on"] = ["cache"]
    spec["services"]["cache"] = {"replicas": ["redis"]}
    res = run(spec)
    t = 2 * HOUR
    assert_lost(res, [(t, "web-1", 2 * 0.5 * (G(t, mu) - G(t - 3600, mu) + G(t - 4200, mu)))])
    assert res.app["sessions_started"] == pytest.approx(2 * (3 * HOUR - 1200))


def test_partial_holders_get_shares_by_their_served_fraction():
    # front's replicas: eu (e1, e2, needs 2: s = 1/2 while one is down) and us (u1). e1 is down
    # 60-70 and 130-140 min, e2 80-140 min: eu serves 1, 1/2, 1, 1/2, then nothing from 130 min
    # (it loses its sessions), then 1 again; u1 fails at 150 min. New sessions split by s:
    # eu's share h/(h + 1), us's 1/(h + 1).
    mu = 1200.0
    spec = {
        "name": "partial", "horizon": "155m",
        "components": {"e1": {"failures": [trans("1h", "10m")]}, "e2": {"failures": [trans("80m", "1h")]},
                       "u1": {"failures": [trans("150m", "1h")]}},
        "services": {"eu": {"replicas": ["e1", "e2"], "needs": 2}, "us": {"replicas": ["u1"]},
                     "front": {"replicas": ["eu", "us"], "needs": 2}},
        "entry": "front",
        "sessions": {"rate": "2/s", "length": "exp(mean=20m)", "service": "front"},
    }
    res = run(spec)

    def held(t: float, shares: list[tuple[float, float]]) -> float:
        # shares: (start of a stretch, share) in order; each stretch runs to the next or to t
        ends = [a for a, _ in shares[1:]] + [t]
        return 2 * sum(w * (G(t - a, mu) - G(t - b, mu)) for (a, w), b in zip(shares, ends, strict=True))

    m = 60.0
    on_eu = held(130 * m, [(0, 1 / 2), (60 * m, 1 / 3), (70 * m, 1 / 2), (80 * m, 1 / 3)])
    on_us = held(150 * m, [(0, 1 / 2), (60 * m, 2 / 3), (70 * m, 1 / 2), (80 * m, 2 / 3), (130 * m, 1.0),
                           (140 * m, 1 / 2)])
    assert_lost(res, [(130 * m, "eu", on_eu), (150 * m, "us", on_us)])
    assert res.app["session_loss_events"] == 2.0
    assert res.app["sessions_started"] == pytest.approx(2 * 155 * m)


def test_a_failback_loses_the_sessions_of_the_replica_it_leaves():
    # db-1 fails at 1 h, back at 2 h; db-2 is promoted at 1 h 0 m 30 s; failback decided at
    # 2 h 10 m (db serves nothing during the 30 s switch) and done at 2 h 10 m 30 s: db-2
    # loses the sessions it got from its promotion to the decision
    mu = 1200.0
    spec = {
        "name": "ap", "horizon": "3h",
        "components": {"db-1": {"failures": [{"kind": "permanent", "every": "fixed(1h)", "repair": "fixed(1h)"}]},
                       "db-2": {}},
        "services": {"db": {"replicas": ["db-1", "db-2"], "mode": "active-passive",
                            "failover": {"time": "fixed(30s)", "failback": "auto", "failback_after": "10m"}}},
        "sessions": {"rate": "1/s", "length": "exp(mean=20m)", "service": "db"},
    }
    res = run(spec)
    t = 2 * HOUR + 630
    assert_lost(res, [(HOUR, "db-1", G(HOUR, mu)), (t, "db-2", G(t - 3630, mu) - G(30.0, mu))])
    assert res.app["sessions_started"] == pytest.approx(3 * HOUR - 30 - 30)


def test_replicated_sessions_default_to_the_service_s_own_lag():
    mu = 1200.0
    spec = pair([trans("1h", "10m")], [], "3h", {"length": "exp(mean=20m)", "store": "replicated"})
    spec["services"]["web"]["data"] = {"writes": "100/s", "lag": "fixed(30s)"}
    res = run(spec)
    assert_lost(res, [(HOUR, "web-1", 2 * 0.5 * G(30.0, mu)), (2 * HOUR + 600, "web-1", 2 * 0.5 * G(30.0, mu))])
    assert res.app["session_loss_events"] == 2.0


def test_the_trace_of_a_loss_and_a_loss_of_nothing():
    spec = pair([trans("1h", "10m")], [], "80m", {"length": "exp(mean=20m)", "store": "replicated",
                                                  "lag": "fixed(30s)"})
    (event,) = [e for e in run(spec).trace if e["event"] == "sessions_lost"]
    assert event == {"t": HOUR, "event": "sessions_lost", "holder": "web-1", "sessions": pytest.approx(G(30.0, 1200.0)),
                     "store": "replicated"}
    # with no lag the failed replica loses nothing: logged, but no loss event
    spec["sessions"]["lag"] = "fixed(0s)"
    res = run(spec)
    assert lost(res) == [(HOUR, "web-1", 0.0)]
    assert res.app["sessions_lost"] == 0.0
    assert res.app["session_loss_events"] == 0.0


def test_integrated_survival_of_a_length_without_a_closed_form_below_one_second():
    from relsim.dists import parse_dist
    from relsim.engine.sessions import integrated_survival

    dist = parse_dist("weibull(shape=1.5, mean=20m)")
    g = integrated_survival(dist)
    assert g(0.0) == 0.0
    # S falls from 1 to S(0.5) over [0, 0.5 s]: G(0.5) lies between 0.5 S(0.5) and 0.5
    assert 0.5 * float(dist.sf(0.5)) <= g(0.5) <= 0.5


def test_a_service_down_from_the_start_holds_no_session():
    # the cache is held down throughout: web never serves, so no session starts; its replicas
    # hold nothing when web-1 fails at 1 h
    spec = pair([trans("1h", "10m")], [], "2h", {"length": "exp(mean=20m)"}, entry="web")
    spec["components"]["redis"] = {}
    spec["services"]["web"]["depends_on"] = ["cache"]
    spec["services"]["cache"] = {"replicas": ["redis"]}
    res = relsim.simulate(relsim.load(spec).conditioned(always_down={"redis"}), 0, 0, trace=True)
    assert lost(res) == [(HOUR, "web-1", 0.0)]
    assert res.app == {"sessions_started": 0.0, "sessions_lost": 0.0, "session_loss_events": 0.0}


def test_history_older_than_the_longest_session_is_dropped_and_no_more():
    # exp(mean = 1 m): pieces that ended ~1,658 s (the 1 - 1e-12 quantile) ago are dropped.
    # w1 is down 3,600-5,000 s, w3 from 5,300 s, w2 from 5,330 s: at 5,300 s the piece
    # [3,600, 5,000) (share 1/2) starts beyond that reach but still holds sessions
    mu = 60.0
    spec = {
        "name": "reach", "horizon": "90m",
        "components": {"w1": {"failures": [trans("1h", "1400s")]}, "w2": {"failures": [trans("5330s", "1h")]},
                       "w3": {"failures": [trans("5300s", "1h")]}},
        "services": {"web": {"replicas": ["w1", "w2", "w3"]}},
        "sessions": {"rate": "3/s", "length": "exp(mean=1m)", "service": "web"},
    }
    res = run(spec)

    def held(t: float, shares: list[tuple[float, float]]) -> float:
        ends = [a for a, _ in shares[1:]] + [t]
        return 3 * sum(w * (G(t - a, mu) - G(t - b, mu)) for (a, w), b in zip(shares, ends, strict=True))

    on_w3 = held(5300, [(0, 1 / 3), (3600, 1 / 2), (5000, 1 / 3)])
    on_w2 = held(5330, [(0, 1 / 3), (3600, 1 / 2), (5000, 1 / 3), (5300, 1 / 2)])
    assert_lost(res, [(HOUR, "w1", 3 * G(HOUR, mu) / 3), (5300, "w3", on_w3), (5330, "w2", on_w2)], rel=1e-9)
    assert res.app["sessions_started"] == pytest.approx(3 * 5400)


def test_a_switchover_of_no_duration_moves_the_sessions_to_the_new_primary():
    # a drained maintenance of db-1 at 1 h hands over to db-2 at once (the default switchover:
    # the service serves throughout and announces nothing) and stops db-1, which loses what it
    # holds; db-2 gets every session from 1 h until it fails at 150 min (then db-1 is promoted
    # in 30 s). Before the fix db-2's weight was never re-read: no session counted 1 h - 150 min.
    mu = 1200.0
    spec = {
        "name": "ap", "horizon": "3h",
        "components": {"db-1": {}, "db-2": {"failures": [{"kind": "permanent", "every": "fixed(150m)",
                                                          "repair": "fixed(1h)"}]}},
        "services": {"db": {"replicas": ["db-1", "db-2"], "mode": "active-passive",
                            "failover": {"time": "fixed(30s)"}}},
        "schedule": {"patch": {"kind": "maintenance", "at": "1h", "targets": ["db-1"], "lasts": "30m",
                               "drain": True}},
        "sessions": {"rate": "1/s", "length": "exp(mean=20m)", "service": "db"},
    }
    res = run(spec)
    assert [(e["t"], e["event"]) for e in res.trace if e["event"] in ("promoted", "service")][:1] == [
        (HOUR, "promoted")]  # no announcement of the service at the switchover
    assert_lost(res, [(HOUR, "db-1", G(HOUR, mu)), (9000.0, "db-2", G(5400.0, mu))])
    assert res.app["sessions_started"] == pytest.approx(9000.0 + (3 * HOUR - 9030.0))
    assert res.app["session_loss_events"] == 2.0


def test_a_primary_back_while_the_service_served_nothing_holds_the_sessions_when_it_serves():
    # the cache's first replica is down throughout, its failover takes 150 min: db serves nothing
    # until 9000 s. Meanwhile db-1 fails at 1 h (db-2 promoted at 3630 s), is back at 2 h and
    # fails back at 7830 s, each move told to the session counter while db stays at 0. From 9000 s
    # db-1 holds every session until it fails again at 3 h; db-2, demoted at 7830 s, loses none.
    # Before the first fix db-1's weight, read at 2 h while it was a standby, was kept: no session
    # from 9000 s; before the second, db-2's demotion was seen only at 9000 s.
    mu = 1200.0
    spec = {
        "name": "ap", "horizon": "4h",
        "components": {"db-1": {"failures": [{"kind": "permanent", "every": "fixed(1h)", "repair": "fixed(1h)"}]},
                       "db-2": {}, "r1": {}, "r2": {}},
        "services": {"db": {"replicas": ["db-1", "db-2"], "mode": "active-passive", "depends_on": ["cache"],
                            "failover": {"time": "fixed(30s)", "failback": "auto", "failback_after": "10m"}},
                     "cache": {"replicas": ["r1", "r2"], "mode": "active-passive",
                               "failover": {"time": "fixed(150m)"}}},
        "entry": "db",
        "sessions": {"rate": "1/s", "length": "exp(mean=20m)", "service": "db"},
    }
    res = relsim.simulate(relsim.load(spec).conditioned(always_down={"r1"}), 0, 0, trace=True)
    assert [(e["t"], e["primary"]) for e in res.trace if e["event"] == "promoted"] == [
        (3630.0, "db-2"), (7830.0, "db-1"), (9000.0, "r2"), (10830.0, "db-2")]
    assert_lost(res, [(HOUR, "db-1", 0.0), (7830.0, "db-2", 0.0), (3 * HOUR, "db-1", G(1800.0, mu))])
    assert res.app["sessions_started"] == pytest.approx(1800.0 + (4 * HOUR - 10830.0))
    assert res.app["session_loss_events"] == 1.0


def test_replicated_sessions_lose_those_younger_than_a_lag_drawn_on_its_own_stream():
    # the lag is drawn at each loss on the stream "sessions/lag": web-1 fails at 1 h and at
    # 2 h 10 min, each time losing the half of the sessions started in the last lag L_k
    from relsim.dists import parse_dist
    from relsim.engine.streams import Streams

    draw = Streams(0, 0).sampler(parse_dist("exp(mean=30s)"), "sessions/lag")
    lag1, lag2 = draw(), draw()
    mu = 1200.0
    res = run(pair([trans("1h", "10m")], [], "3h", {"length": "exp(mean=20m)", "store": "replicated",
                                                    "lag": "exp(mean=30s)"}))
    assert_lost(res, [(HOUR, "web-1", 2 * 0.5 * G(lag1, mu)), (2 * HOUR + 600, "web-1", 2 * 0.5 * G(lag2, mu))])


def test_a_primary_demoted_while_the_service_serves_nothing_loses_its_sessions_at_once():
    # db-1 fails at 1 h (db-2 promoted at 3630 s), is back at 2 h; the failback is decided at
    # 7800 s (db serves nothing during the 30 s switch) and done at 7830 s, while the cache is
    # down (7810-8400 s): db stays at 0. db-2, which got every session from 3630 s to 7800 s,
    # loses them at 7830 s: 1,134.1 sessions; db-1 holds every session from 8400 s. Before the
    # fix the move was announced to no listener and db-2 lost them at 8400 s, when the cache
    # came back: 705.3 sessions.
    mu = 1200.0
    spec = {
        "name": "ap", "horizon": "150m",
        "components": {"db-1": {"failures": [{"kind": "permanent", "every": "fixed(1h)", "repair": "fixed(1h)"}]},
                       "db-2": {}, "redis": {"failures": [trans("7810s", "590s")]}},
        "services": {"db": {"replicas": ["db-1", "db-2"], "mode": "active-passive", "depends_on": ["cache"],
                            "failover": {"time": "fixed(30s)", "failback": "auto", "failback_after": "10m"}},
                     "cache": {"replicas": ["redis"]}},
        "entry": "db",
        "sessions": {"rate": "1/s", "length": "exp(mean=20m)", "service": "db"},
    }
    res = run(spec)
    assert [(e["t"], e["primary"]) for e in res.trace if e["event"] == "promoted"] == [
        (3630.0, "db-2"), (7830.0, "db-1")]
    on_db2 = G(7830.0 - 3630.0, mu) - G(30.0, mu)
    assert on_db2 == pytest.approx(1134.1, abs=0.05)
    assert_lost(res, [(HOUR, "db-1", G(HOUR, mu)), (7830.0, "db-2", on_db2)])
    assert res.app["sessions_started"] == pytest.approx(3600.0 + (7800.0 - 3630.0) + (9000.0 - 8400.0))
    assert res.app["session_loss_events"] == 2.0
