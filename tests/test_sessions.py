"""Sessions at failover (docs/model-format.md §18.1): exact timelines and closed forms.

With ``fixed(...)`` failures a replication is deterministic and the
expected sessions a failure loses are stated by hand: sessions starting at
rate λ·w on a holder since ``a``, each lasting exp(mean μ), number
``λ w μ (1 − e^{−(t − a)/μ})`` at ``t``. With random failures the mean over
replications is compared with the closed form within 4 standard errors.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import relsim
from relsim.dists import parse_dist
from relsim.engine.sessions import integrated_survival
from relsim.units import HOUR, YEAR

MU = 1200.0  # exp(mean=20m)


def g(x: float, mu: float = MU) -> float:
    return mu * (1.0 - math.exp(-x / mu))


def model(sessions: dict[str, Any], horizon: str = "3h", **extra: Any) -> relsim.Model:
    spec: dict[str, Any] = {
        "name": "sessions", "horizon": horizon,
        "components": {
            "web-1": {"failures": [{"kind": "transient", "every": "fixed(1h)", "lasts": "fixed(10m)"}]},
            "web-2": {},
        },
        "services": {"web": {"replicas": ["web-1", "web-2"]}},
        "sessions": {"rate": "2/s", "length": "exp(mean=20m)", "service": "web", **sessions},
    }
    spec.update(extra)
    return relsim.load(spec)


def lost_events(res: Any) -> list[tuple[float, str, float]]:
    return [(e["t"], e["holder"], e["sessions"]) for e in res.trace if e["event"] == "sessions_lost"]


def test_local_sessions_lost_are_the_active_sessions_on_the_failed_replica():
    # web-1 fails at 1 h (holding half the sessions started since 0) and,
    # back at 1 h 10 m, again at 2 h 10 m (holding half of those since 1 h 10 m)
    res = relsim.simulate(model({}), 0, 0, trace=True)
    events = lost_events(res)
    assert [(t, h) for t, h, _ in events] == [(HOUR, "web-1"), (2 * HOUR + 600, "web-1")]
    assert events[0][2] == pytest.approx(2 * 0.5 * g(HOUR), rel=1e-12)
    assert events[1][2] == pytest.approx(2 * 0.5 * g(HOUR), rel=1e-12)
    # web-2 serves throughout, so sessions start all the time
    assert res.app["sessions_started"] == pytest.approx(2 * 3 * HOUR)
    assert res.app["sessions_lost"] == pytest.approx(2 * g(HOUR))


def test_sessions_move_to_the_survivor_while_a_replica_is_down():
    # web-1 down 1 h - 1 h 10 m, then web-2 down 1 h 30 m - 1 h 40 m: web-2 holds the
    # sessions of half the rate since 0 plus the other half during web-1's 10 minutes
    raw = relsim.load({
        "name": "two", "horizon": "105m",
        "components": {
            "web-1": {"failures": [{"kind": "transient", "every": "fixed(1h)", "lasts": "fixed(10m)"}]},
            "web-2": {"failures": [{"kind": "transient", "every": "fixed(90m)", "lasts": "fixed(10m)"}]},
        },
        "services": {"web": {"replicas": ["web-1", "web-2"]}},
        "sessions": {"rate": "2/s", "length": "exp(mean=20m)", "service": "web"},
    })
    res = relsim.simulate(raw, 0, 0, trace=True)
    t = 90 * 60.0
    # at t, sessions started at rate 1/s on [0, 1h) and [70m, t) plus 2/s on [1h, 70m)
    on_web2 = (g(t) - g(t - HOUR)) + 2 * (g(t - HOUR) - g(t - 70 * 60)) + g(t - 70 * 60)
    assert lost_events(res)[1] == pytest.approx((t, "web-2", on_web2))


def test_active_passive_failover_loses_the_primary_sessions_only():
    spec = {
        "name": "ap", "horizon": "3h",
        "components": {
            "db-1": {"failures": [{"kind": "permanent", "every": "fixed(1h)", "repair": "fixed(1h)"}]},
            "db-2": {},
        },
        "services": {"db": {"replicas": ["db-1", "db-2"], "mode": "active-passive",
                            "failover": {"time": "fixed(30s)"}}},
        "sessions": {"rate": "1/s", "length": "exp(mean=20m)", "service": "db"},
    }
    res = relsim.simulate(relsim.load(spec), 0, 0, trace=True)
    events = lost_events(res)
    # db-1 holds every session started since 0; db-2 is promoted and never fails; db-1
    # coming back at 2 h is a standby and holds nothing
    assert events == [pytest.approx((HOUR, "db-1", g(HOUR)))]
    # no session starts during the 30 s failover
    assert res.app["sessions_started"] == pytest.approx(3 * HOUR - 30.0)


def test_replicated_sessions_lose_only_those_started_within_the_lag():
    res = relsim.simulate(model({"store": "replicated", "lag": "fixed(30s)"}), 0, 0, trace=True)
    events = lost_events(res)
    assert events[0][2] == pytest.approx(2 * 0.5 * g(30.0), rel=1e-12)
    assert events[1][2] == pytest.approx(2 * 0.5 * g(30.0), rel=1e-12)


def test_shared_store_survives_replica_failures_and_loses_everything_with_the_store():
    spec = {
        "name": "shared", "horizon": "3h",
        "components": {
            "web-1": {"failures": [{"kind": "transient", "every": "fixed(1h)", "lasts": "fixed(10m)"}]},
            "web-2": {},
            "redis": {"failures": [{"kind": "transient", "every": "fixed(90m)", "lasts": "fixed(5m)"}]},
        },
        "services": {"web": {"replicas": ["web-1", "web-2"], "depends_on": ["cache"]},
                     "cache": {"replicas": ["redis"]}},
        "entry": "web",
        "sessions": {"rate": "2/s", "length": "exp(mean=20m)", "service": "web", "store": "shared",
                     "shared_store": "cache"},
    }
    res = relsim.simulate(relsim.load(spec), 0, 0, trace=True)
    # web-1's failures lose nothing; the store at 1 h 30 m loses every session since 0
    assert lost_events(res) == [pytest.approx((90 * 60.0, "cache", 2 * g(90 * 60.0)))]
    # nothing starts while the store (a dependency of web) is down: 5 minutes
    assert res.app["sessions_started"] == pytest.approx(2 * (3 * HOUR - 300.0))


def test_a_daily_profile_shapes_session_starts_hour_by_hour():
    profile = [1.0] * 12 + [3.0] * 12  # mean 2: 1/s before noon, 3/s after (rate 2/s)
    m = model({"length": "fixed(2h)"}, horizon="14h",
              components={"web-1": {"failures": [
                  {"kind": "transient", "every": "fixed(13h)", "lasts": "fixed(10m)"}]}, "web-2": {}},
              workload={"rate": "1/s", "profile": profile})
    res = relsim.simulate(m, 0, 0, trace=True)
    # at 13 h, web-1 holds half the sessions of the last 2 h: 11-12 h at 1/s, 12-13 h at 3/s
    assert lost_events(res) == [pytest.approx((13 * HOUR, "web-1", 0.5 * (1 + 3) * HOUR))]
    assert res.app["sessions_started"] == pytest.approx(12 * HOUR * 1 + 2 * HOUR * 3)


def test_integrated_survival_matches_quadrature_for_any_length():
    assert integrated_survival(parse_dist("fixed(20m)"))(600.0) == 600.0
    assert integrated_survival(parse_dist("fixed(20m)"))(5000.0) == 1200.0
    for spec in ("weibull(shape=1.5, mean=20m)", "lognormal(mean=20m, sd=30m)", "exp(mean=20m)",
                 "gamma(shape=2, mean=20m)"):
        dist = parse_dist(spec)
        grid = np.linspace(0.0, 5 * 3600.0, 200001)
        direct = np.trapezoid(dist.sf(grid), grid)
        assert integrated_survival(dist)(5 * 3600.0) == pytest.approx(direct, rel=1e-5)
        assert integrated_survival(dist)(1e7) == pytest.approx(dist.mean, rel=1e-4)


def _expected_failures(m: float, r: float, h: float) -> float:
    """E[failures in (0, h)] of an alternating exp(m)-up / exp(r)-down element starting up."""
    a, k = m / (m + r), 1.0 / m + 1.0 / r
    return (a * h + (1.0 - a) * -math.expm1(-k * h) / k) / m


def test_littles_law_sessions_lost_per_year():
    # web-1 fails every exp(10 d) for exp(1 h); web-2 never fails. At each failure web-1
    # holds half the sessions: lambda/2 * mu (Little's law), times E[1 - e^{-A/mu}] for
    # its age A since it came back (~ exp(10 d): m / (m + mu)).
    m_up, r, mu, lam = 10 * 86400.0, HOUR, 600.0, 2.0
    spec = {
        "name": "little", "horizon": "1y",
        "components": {"web-1": {"failures": [
            {"kind": "transient", "every": "exp(mean=10d)", "lasts": "exp(mean=1h)"}]}, "web-2": {}},
        "services": {"web": {"replicas": ["web-1", "web-2"]}},
        "sessions": {"rate": "2/s", "length": "exp(mean=10m)", "service": "web"},
    }
    runs = relsim.run(relsim.load(spec), runs=150, seed=3).runs
    exact = _expected_failures(m_up, r, YEAR) * lam / 2 * mu * m_up / (m_up + mu)
    lost = runs["sessions_lost_per_year"]
    se = lost.std(ddof=1) / math.sqrt(len(lost))
    assert abs(lost.mean() - exact) < 4 * se
    assert se < 0.05 * exact  # the test can fail: the bound is tight
    # every session starts (web-2 always serves)
    assert runs["sessions_started_per_year"].mean() == pytest.approx(lam * YEAR)


def test_replicated_sessions_with_exponential_lag():
    # a failure loses the sessions started within the lag L ~ exp(l): E = lambda w mu l / (mu + l)
    m_up, r, mu, ell, lam = 5 * 86400.0, 600.0, 600.0, 60.0, 2.0
    spec = {
        "name": "lag", "horizon": "1y",
        "components": {"web-1": {"failures": [
            {"kind": "transient", "every": "exp(mean=5d)", "lasts": "exp(mean=10m)"}]}, "web-2": {}},
        "services": {"web": {"replicas": ["web-1", "web-2"]}},
        "sessions": {"rate": "2/s", "length": "exp(mean=10m)", "service": "web", "store": "replicated",
                     "lag": "exp(mean=1m)"},
    }
    runs = relsim.run(relsim.load(spec), runs=150, seed=5).runs
    # the age bias of the previous test is e^{-age/l}: below 1e-5 here
    exact = _expected_failures(m_up, r, YEAR) * lam / 2 * mu * ell / (mu + ell)
    lost = runs["sessions_lost_per_year"]
    se = lost.std(ddof=1) / math.sqrt(len(lost))
    assert abs(lost.mean() - exact) < 4 * se
    assert se < 0.05 * exact


def test_sessions_metrics_in_the_summary():
    res = relsim.run(model({}), runs=2, seed=1)
    summary = res.summary()
    for name in ("sessions_lost_per_year", "sessions_started_per_year", "sessions_disrupted"):
        assert name in summary.index
    assert summary.loc["sessions_disrupted", "mean"] == pytest.approx(2 * g(HOUR) / (2 * 3 * HOUR))


@pytest.mark.parametrize(("sessions", "message"), [
    ({"service": "wbe"}, r"sessions\.service: unknown service 'wbe' \(did you mean 'web'\?\)"),
    ({"store": "shared"}, r"sessions\.store: store: shared needs 'shared_store'"),
    ({"store": "shared", "shared_store": "web"}, r"sessions\.shared_store: the shared store must be another"),
    ({"store": "replicated"}, r"sessions\.lag: store: replicated needs 'lag'"),
    ({"shared_store": "cahce"}, r"sessions\.shared_store: unknown service 'cahce'"),
    ({"store": "sticky"}, r"sessions\.store"),
    ({"length": "fixed(0s)"}, r"sessions\.length"),
])
def test_bad_sessions_are_reported_with_file_line_and_field(tmp_path, sessions, message):
    body = {"rate": "2/s", "length": "exp(mean=20m)", "service": "web", **sessions}
    text = ("name: bad\ncomponents: {web-1: {}}\nservices:\n  web: {replicas: [web-1]}\n"
            f"sessions: {body!r}\n".replace("'", '"'))
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(relsim.ModelError, match=message) as info:
        relsim.load(path)
    assert f"{path}:5 " in str(info.value)
