"""Consistency levels (docs/application.md §2): exact timelines and closed forms.

A failover timeline with ``fixed(...)`` failures states every failed and
stale read by hand; with random failures, quorum availability is the
binomial tail of the replicas' availabilities (time-averaged exactly from
the two-state Markov chain that starts up), checked within 4 standard
errors; the stale-read probability with an exponential lag is
``miss · ωℓ / (1 + ωℓ)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import integrate
from shared_models import active_passive_store

import relsim
from relsim.dists import parse_dist
from relsim.engine.consistency import p_written_within_lag, staleness_sample

HOUR = 3600.0


def ap_model(**ops: Any) -> relsim.Model:
    return active_passive_store(ops)


def test_levels_on_a_failover_timeline():
    # db-1 (the primary) fails at 1 h and is repaired at 2 h; db-2 is promoted 30 s later
    res = relsim.simulate(ap_model(
        leader={"service": "db", "share": 0.25, "consistency": "leader"},
        one={"service": "db", "share": 0.25},
        all={"service": "db", "share": 0.25, "consistency": "all"},
        bounded={"service": "db", "share": 0.25, "consistency": "bounded-staleness", "staleness": "1s"},
    ), 0, 0)
    app = res.app
    assert app["operation:leader:failed"] == pytest.approx(2.5 * 30)  # the failover
    assert app["operation:one:failed"] == 0.0  # the standbys answer
    assert app["operation:all:failed"] == pytest.approx(2.5 * HOUR)  # db-1 is down for an hour
    # every follower trails by 2 s > 1 s: without the leader nothing may answer
    assert app["operation:bounded:failed"] == pytest.approx(2.5 * 30)
    assert app["operation:bounded:stale"] == 0.0
    # one: a read asks 1 of k replicas, stale if not the writer (W = 1) and the key
    # (written at 10/100 per s) changed within the 2 s lag: k = 3 for 2 h, k = 2 for 1 h
    p_w = -math.expm1(-0.1 * 2.0)
    assert app["operation:one:stale"] == pytest.approx(2.5 * p_w * (2 / 3 * 2 * HOUR + 1 / 2 * HOUR))
    assert app["operations_offered"] == pytest.approx(10 * 3 * HOUR)


def test_quorum_reads_after_quorum_writes_are_never_stale():
    res = relsim.simulate(ap_model(
        r={"service": "db", "share": 0.5, "consistency": "quorum"},
        w={"service": "db", "share": 0.5, "type": "write", "consistency": "quorum"},
    ), 0, 0)
    assert res.app["stale_reads"] == 0.0  # R + W = 4 > 3 while all serve; R + W = 4 > 2 while one is down
    # quorum writes need 2 of 3: db-1's hour leaves exactly 2
    assert res.app["operation:w:failed"] == 0.0


def test_stale_read_probability_with_an_exponential_lag():
    # no failures: k = 3, writes at level one (W = 1), reads at one (R = 1) and quorum (R = 2)
    spec = {
        "name": "stale", "horizon": "1d",
        "components": {"db": {"count": 3}},
        "services": {"store": {"replicas": ["db"], "data": {"writes": "100/s", "keys": 1000,
                                                            "lag": "exp(mean=1s)"}}},
        "workload": {"rate": "100/s", "target": "store"},
        "operations": {
            "get": {"service": "store", "share": "60%", "consistency": "one"},
            "getq": {"service": "store", "share": "10%", "consistency": "quorum"},
            "put": {"service": "store", "share": "30%", "type": "write", "consistency": "one"},
        },
    }
    row = relsim.run(relsim.load(spec), runs=1).runs.iloc[0]
    omega, ell = 0.1, 1.0
    p_w = omega * ell / (1 + omega * ell)
    reads = 100 * 0.7 * 86400
    stale = 100 * 86400 * (0.6 * 2 / 3 + 0.1 * 1 / 3) * p_w  # miss = C(2,1)/C(3,1) and C(2,2)/C(3,2)
    assert row["stale_reads_per_year"] == pytest.approx(stale * 365)
    assert row["stale_read_share"] == pytest.approx(stale / reads)
    assert row["operation_success"] == 1.0


def test_p_written_within_lag_matches_its_integral():
    omega = 0.3
    for text in ("exp(mean=2s)", "fixed(2s)", "lognormal(mean=2s, sd=1s)", "weibull(shape=2, mean=2s)"):
        lag = parse_dist(text)
        for bound in (None, 1.5):
            top = np.inf if bound is None else bound
            direct = integrate.quad(
                lambda x, lag=lag: (1 - math.exp(-omega * x)) * float(_pdf(lag, x)), 0, top, limit=200)[0] \
                if text != "fixed(2s)" else ((1 - math.exp(-0.6)) if bound is None else 0.0)
            assert p_written_within_lag(lag, omega, bound) == pytest.approx(direct, rel=1e-6, abs=1e-12)


def _pdf(dist: Any, x: float, h: float = 1e-6) -> float:
    return (float(dist.cdf(x + h)) - float(dist.cdf(max(0.0, x - h)))) / (2 * h)


def test_staleness_percentiles_match_the_exact_distribution():
    # P(staleness <= s | stale) = E[e^{-w (L-s)+} - e^{-w L}] / p_w, for L ~ exp(1 s), w = 0.1
    omega, lag = 0.1, parse_dist("exp(mean=1s)")
    p_w = p_written_within_lag(lag, omega)

    def cdf(s: float) -> float:
        f = lambda x: math.exp(-x) * (math.exp(-omega * max(x - s, 0.0)) - math.exp(-omega * x))  # noqa: E731
        return integrate.quad(f, 0, 60, points=[s], limit=200)[0] / p_w

    rng = np.random.default_rng(7)
    medians = [np.median(staleness_sample(rng, lag, omega, None, 4000)) for _ in range(40)]
    p95s = [np.percentile(staleness_sample(rng, lag, omega, None, 4000), 95) for _ in range(40)]
    for values, q in ((medians, 0.5), (p95s, 0.95)):
        exact = _quantile(cdf, q)
        se = np.std(values, ddof=1) / math.sqrt(len(values))
        assert abs(np.mean(values) - exact) < 4 * se + 1e-3 * exact


def _quantile(cdf: Any, q: float) -> float:
    lo, hi = 0.0, 60.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) < q else (lo, mid)
    return (lo + hi) / 2


def _time_average_up(m: float, r: float, h: float, f: Any) -> float:
    """(1/h) ∫ f(p(t)) dt with p(t) = A + (1 − A) e^{−κt}, the up probability of a replica starting up."""
    a, k = m / (m + r), 1 / m + 1 / r
    return integrate.quad(lambda t: f(a + (1 - a) * math.exp(-k * t)), 0, h, limit=400)[0] / h


def test_quorum_read_availability_from_replica_availabilities():
    m, r, h = 5 * 86400.0, 12 * HOUR, 60 * 86400.0
    spec = {
        "name": "quorum", "horizon": "60d",
        "components": {"db": {"count": 3, "failures": [
            {"kind": "transient", "every": "exp(mean=5d)", "lasts": "exp(mean=12h)"}]}},
        "services": {"store": {"replicas": ["db"]}},
        "workload": {"rate": "1/s", "target": "store"},
        "operations": {"q": {"service": "store", "share": 1.0, "consistency": "quorum"}},
    }
    runs = relsim.run(relsim.load(spec), runs=120, seed=11).runs
    exact = _time_average_up(m, r, h, lambda p: p ** 3 + 3 * p * p * (1 - p))
    got = runs["operation_success"]
    se = got.std(ddof=1) / math.sqrt(len(got))
    assert abs(got.mean() - exact) < 4 * se
    assert se < 0.2 * (1 - exact)  # tight enough to tell quorum from one (1 - (1-p)^3) or all (p^3)
    for other in (lambda p: 1 - (1 - p) ** 3, lambda p: p ** 3):
        assert abs(got.mean() - _time_average_up(m, r, h, other)) > 4 * se


@pytest.mark.parametrize(("ops", "message"), [
    ({"x": {"service": "stroe", "share": 0.5}}, r"operations\.x\.service: unknown service 'stroe' \(did you mean"),
    ({"x": {"service": "store", "share": 0.5, "consistency": "bounded-staleness"}},
     r"operations\.x\.staleness: consistency: bounded-staleness needs 'staleness'"),
    ({"x": {"service": "store", "share": 0.5, "staleness": "soon"}}, r"operations\.x\.staleness"),
    ({"x": {"service": "store", "share": 0.5, "type": "write", "consistency": "bounded-staleness",
            "staleness": "5s"}}, r"operations\.x\.consistency: bounded-staleness is a level for reads"),
    ({"x": {"service": "store", "share": 0.7}, "y": {"service": "store", "share": "40%"}},
     r"operations: the operations' shares add up to 1\.1"),
    ({"x": {"service": "store", "share": 0.5, "consistency": "strong"}}, r"operations\.x\.consistency"),
])
def test_bad_operations_are_reported_with_file_line_and_field(tmp_path, ops, message):
    import yaml

    text = ("name: bad\ncomponents: {db: {count: 3}}\nservices:\n  store: {replicas: [db]}\n"
            "workload: {rate: 1/s}\n" + yaml.safe_dump({"operations": ops}, default_flow_style=False))
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(relsim.ModelError, match=message) as info:
        relsim.load(path)
    assert f"{path}:" in str(info.value)
    assert all(p.line is not None and p.line >= 6 for p in info.value.problems)


def test_operations_need_a_workload():
    with pytest.raises(relsim.ModelError, match="operations: operations are shares of the workload's requests"):
        relsim.load({"name": "x", "components": {"db": {}}, "services": {"s": {"replicas": ["db"]}},
                     "operations": {"o": {"service": "s", "share": 1.0}}})
