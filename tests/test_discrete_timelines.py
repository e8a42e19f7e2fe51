"""Discrete requests worked out by hand (relsim.engine.discrete).

``DiscreteRequests`` is driven here by a stated sequence of uniform draws
instead of a seeded stream, so every arrival time, population, DNS answer,
backend, backoff and tally is worked out exactly: the Poisson gaps and the
thinning under a profile (a draw exactly at the rate is thinned), the
population and the cached answer picked by their shares (a draw exactly at
a share goes to the next one; a client without an answer fails at once),
the backend picked by the weights of the rotation, its ``1/needs`` share
and its dependencies, each jitter's backoff and the time each retry is
sent, requests still retrying at the horizon left out, and the tallies
written into the result. A draw too many or too few fails the test.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pytest
import simpy

from relsim.engine.discrete import DiscreteRequests
from relsim.engine.workload import RateProfile

U_MAX = 1.0 - 2.0 ** -53  # the largest uniform draw below 1


def gap_draw(rate: float, gap: float) -> float:
    """The uniform draw giving an exponential gap ``gap`` at ``rate``."""
    return 1.0 - math.exp(-rate * gap)


class Draws:
    """A stated sequence of uniform draws; drawing past its end fails."""

    def __init__(self, values: list[float]):
        self.values = list(values)
        self.i = 0

    def __call__(self) -> float:
        assert self.i < len(self.values), "a draw too many"
        self.i += 1
        return self.values[self.i - 1]

    def done(self) -> bool:
        return self.i == len(self.values)


class Service:
    """A service target serving a share ``s``; records when it is asked."""

    def __init__(self, env: simpy.Environment, s: float):
        self.env = env
        self._s = s
        self.asked: list[float] = []

    @property
    def s(self) -> float:
        self.asked.append(self.env.now)
        return self._s


class Balancer:
    """A load balancer leaf: backends' shares, weights, rotation, 1/needs, dependencies."""

    def __init__(self, weights: list[float], rotation: list[int], shares: list[float],
                 cap: float = 1.0, dep: float = 1.0, up: float = 1.0):
        self.weights = weights
        self.rotation = rotation
        self.backends = [SimpleNamespace(s=s) for s in shares]
        self.cap = cap
        self.service = SimpleNamespace(dep_factor=dep)
        self.element = SimpleNamespace(s=up)

    def _rotation(self) -> list[int]:
        return list(self.rotation)


class Dns:
    """A DNS name: per population, (share of clients, slope, answer) of each cached answer."""

    def __init__(self, mixes: dict[str, list[tuple[float, float, Any]]]):
        self.mixes = mixes
        self.asked: list[str] = []

    def mix(self, pop: str) -> list[tuple[float, float, Any]]:
        self.asked.append(pop)
        return self.mixes[pop]


def requests(draws: list[float], target: Any = None, *, env: simpy.Environment | None = None,
             retry: Any = None, timeout: float = 1.0, populations: list[tuple[str, float]] | None = None,
             profile: Any = None, horizon: float = 100.0, latency: float = 0.05,
             writes: float = 0.0) -> tuple[DiscreteRequests, Draws, list[tuple[Any, ...]]]:
    env = env or simpy.Environment()
    u = Draws(draws)
    keys: list[tuple[Any, ...]] = []

    def uniform(key: str, block: int) -> Draws:
        keys.append(("uniform", key))
        return u

    def sampler(dist: Any, key: str) -> Any:
        keys.append(("sampler", dist, key))
        return lambda: latency

    sim = SimpleNamespace(env=env, horizon=horizon, streams=SimpleNamespace(uniform=uniform, sampler=sampler))
    spec = SimpleNamespace(latency="the latency law", writes=writes,
                           clients=SimpleNamespace(timeout=timeout, retry=retry))
    traffic = SimpleNamespace(sim=sim, spec=spec, target=target, m=retry.attempts if retry is not None else 1,
                              populations=populations or [("clients", 1.0)],
                              profile=profile or RateProfile(1.0))
    return DiscreteRequests(traffic), u, keys


def retry(attempts: int, base: float, cap: float, jitter: str) -> SimpleNamespace:
    return SimpleNamespace(attempts=attempts, base=base, cap=cap, jitter=jitter)


def one_request(d: DiscreteRequests, until: float | None = None) -> None:
    d.sim.env.process(d._request())
    d.sim.env.run(until=until)


def finished(d: DiscreteRequests, before: dict[str, Any] | None = None) -> dict[str, Any]:
    result = SimpleNamespace(requests=dict(before or {}))
    d.finish(result)
    return result.requests


# arrivals ----------------------------------------------------------------------------------

def test_poisson_arrivals_at_the_drawn_gaps_up_to_the_horizon():
    env = simpy.Environment()
    web = Service(env, 1.0)
    # rate 2/s: gaps 0.5 s and 0.25 s, then one reaching past the 2 s horizon; each
    # request draws once (its attempt), after the arrival process has drawn the next gap
    draws = [gap_draw(2.0, 0.5), gap_draw(2.0, 0.25), 0.999, gap_draw(2.0, 1.5), 0.0]
    d, u, keys = requests(draws, web, env=env, profile=RateProfile(2.0), horizon=2.0)
    assert keys == [("uniform", "workload/discrete"),
                    ("sampler", "the latency law", "workload/discrete/latency")]
    d.start()
    env.run(until=2.0)
    assert u.done()
    assert web.asked == [pytest.approx(0.5), pytest.approx(0.75)]
    assert (d.offered, d.inflight, d.served, d.attempts, d.by_attempt) == (2, 0, 2, 2, [2])
    assert d.latencies == [0.05, 0.05]


def test_no_arrival_when_the_first_gap_reaches_the_horizon():
    env = simpy.Environment()
    web = Service(env, 1.0)
    d, u, _ = requests([gap_draw(2.0, 3.0)], web, env=env, profile=RateProfile(2.0), horizon=2.0)
    d.start()
    env.run(until=2.0)
    assert u.done() and d.offered == 0 and web.asked == []


def test_thinning_under_a_profile_keeps_a_draw_below_the_rate_now():
    env = simpy.Environment()
    web = Service(env, 1.0)
    # peak 2/s; λ(t) = 1/s before 0.6 s and 2/s after: an arrival at 0.5 s is kept iff
    # u·2 < 1 (u = 0.5 exactly is thinned), one at 0.75 s iff u·2 < 2
    profile = SimpleNamespace(flat=False, peak=lambda: 2.0, at=lambda t: 1.0 if t < 0.6 else 2.0)
    draws = [gap_draw(2.0, 0.5), 0.5, gap_draw(2.0, 0.25), 0.75, gap_draw(2.0, 5.0), 0.3]
    d, u, _ = requests(draws, web, env=env, profile=profile, horizon=2.0)
    d.start()
    env.run(until=2.0)
    assert u.done()
    assert web.asked == [pytest.approx(0.75)]
    assert (d.offered, d.served) == (1, 1)


def test_thinning_keeps_a_draw_just_below_the_rate():
    env = simpy.Environment()
    web = Service(env, 1.0)
    profile = SimpleNamespace(flat=False, peak=lambda: 2.0, at=lambda t: 1.0)
    # kept at 0.5 s (u·2 = 0.9998 < 1), its attempt drawn after the next gap; thinned at 0.75 s
    draws = [gap_draw(2.0, 0.5), 0.4999, gap_draw(2.0, 0.25), 0.3, 0.9, gap_draw(2.0, 5.0)]
    d, u, _ = requests(draws, web, env=env, profile=profile, horizon=2.0)
    d.start()
    env.run(until=2.0)
    assert u.done()
    assert web.asked == [pytest.approx(0.5)]  # the second (u·2 = 1.8 ≥ 1) thinned


# populations and DNS answers ---------------------------------------------------------------

POPS = [("a", 0.25), ("b", 0.25), ("c", 0.5)]
MIXES = {"a": [(0.5, 0.0, "a1"), (0.5, 0.0, "a2")],
         "b": [(0.6, 0.0, "b1")],  # 40 % of b's clients hold no answer
         "c": [(1.0, 0.0, "c1")]}


@pytest.mark.parametrize("u_pop, u_answer, pop, answer", [
    (0.1, 0.2, "a", "a1"),
    (0.1, 0.5, "a", "a2"),  # exactly at a share: the next one
    (0.25, 0.59, "b", "b1"),
    (0.4, 0.6, "b", None),  # past every answer: no answer
    (0.5, 0.99, "c", "c1"),
    (0.99, 0.3, "c", "c1"),
])
def test_a_client_is_drawn_by_population_share_then_cached_answer(u_pop, u_answer, pop, answer):
    dns = Dns(MIXES)
    d, u, _ = requests([u_pop, u_answer], dns, populations=POPS)
    assert d._leaf() == answer
    assert dns.asked == [pop]
    assert u.done()


def test_a_draw_past_the_rounded_shares_goes_to_the_last_population():
    # shares 0.1 : 0.2 : 0.3 normalised as the workload does: the largest draw, less each
    # share in turn, is left over
    total = 0.1 + 0.2 + 0.3
    pops = [(name, w / total) for name, w in (("a", 0.1), ("b", 0.2), ("c", 0.3))]
    dns = Dns(MIXES)
    d, u, _ = requests([U_MAX, 0.3], dns, populations=pops)
    assert d._leaf() == "c1"
    assert dns.asked == ["c"]


def test_a_client_without_an_answer_fails_at_once():
    env = simpy.Environment()
    d, u, _ = requests([0.3, 0.7], Dns(MIXES), env=env, populations=POPS,
                       retry=retry(3, 0.1, 1.0, "none"))
    one_request(d)
    assert u.done() and env.now == 0.0
    assert (d.offered, d.inflight, d.served, d.attempts, d.latencies) == (1, 0, 0, 0, [])
    req = finished(d)
    assert (req["offered"], req["failed"], req["attempts"]) == (1.0, 1.0, 0.0)


def test_a_service_target_is_its_own_leaf_without_a_draw():
    web = Service(simpy.Environment(), 1.0)
    d, u, _ = requests([], web)
    assert d._leaf() is web


# one attempt -------------------------------------------------------------------------------

@pytest.mark.parametrize("draw, ok", [(0.49, True), (0.5, False)])
def test_a_service_serves_an_attempt_with_its_share(draw, ok):
    d, u, _ = requests([draw], Service(simpy.Environment(), 0.5))
    assert d._attempt(d.traffic.target) is ok
    assert u.done()


@pytest.mark.parametrize("draws, ok", [
    ([0.2, U_MAX], True),  # x = 0.8 < 1: backend 1 (weight 1 of 4, up)
    ([0.25, 0.49], True),  # x = 1 exactly: backend 2 (weight 3 of 4, serving half)
    ([0.25, 0.5], False),
])
def test_an_attempt_goes_to_a_backend_drawn_by_the_weights_in_rotation(draws, ok):
    # backend 0 (weight 5, down) is out of rotation
    lb = Balancer(weights=[5.0, 1.0, 3.0], rotation=[1, 2], shares=[0.0, 1.0, 0.5])
    d, u, _ = requests(draws, lb)
    assert d._attempt(lb) is ok
    assert u.done()


@pytest.mark.parametrize("second, ok", [(0.39, True), (0.4, False)])
def test_an_attempt_within_the_backends_share_of_needs_and_its_dependencies(second, ok):
    # two equal backends, each may serve 0.4 of the load (1/needs): an attempt reaching one
    # is served with 0.4 / 0.5 = 0.8, times the dependencies' factor 0.5: 0.4
    lb = Balancer(weights=[1.0, 1.0], rotation=[0, 1], shares=[1.0, 1.0], cap=0.4, dep=0.5)
    d, u, _ = requests([0.6, second], lb)
    assert d._attempt(lb) is ok
    assert u.done()


def test_each_weight_in_turn_is_taken_from_the_draw():
    # weights 1, 1, 3: x = 0.3 · 5 = 1.5 is past the first backend, 0.5 into the second
    lb = Balancer(weights=[1.0, 1.0, 3.0], rotation=[0, 1, 2], shares=[0.0, 1.0, 0.0])
    d, u, _ = requests([0.3, U_MAX], lb)
    assert d._attempt(lb) is True
    assert u.done()


def test_a_draw_past_the_rounded_weights_goes_to_the_last_backend_in_rotation():
    # 0.1 + 0.2 + 0.3 rounds above the sum taken back: the largest draw is left over
    lb = Balancer(weights=[0.1, 0.2, 0.3], rotation=[0, 1, 2], shares=[0.0, 0.0, 1.0])
    d, u, _ = requests([U_MAX, 0.9], lb)
    assert d._attempt(lb) is True
    assert u.done()


@pytest.mark.parametrize("lb", [
    Balancer(weights=[1.0, 1.0], rotation=[0, 1], shares=[1.0, 1.0], up=0.999),  # the balancer down
    Balancer(weights=[0.0, 0.0], rotation=[0, 1], shares=[1.0, 1.0]),  # no weight in rotation
    Balancer(weights=[1.0, 1.0], rotation=[], shares=[1.0, 1.0]),  # nothing in rotation
])
def test_an_attempt_fails_without_a_draw_when_nothing_can_take_it(lb):
    d, u, _ = requests([], lb)
    assert d._attempt(lb) is False


# retries -----------------------------------------------------------------------------------

FAIL, OK = 0.7, 0.1  # against a service serving half the attempts


@pytest.mark.parametrize("jitter, base, cap, draws, asked, latency", [
    # waits min(cap, base·2^k) = 0.1, 0.2, 0.3 (0.4 capped) after each 1 s timeout
    ("none", 0.1, 0.3, [FAIL, FAIL, FAIL, OK], [0.0, 1.1, 2.3, 3.6], 3.65),
    # u·b: 0.5·0.1, 0.25·0.2, 0.5·0.4
    ("full", 0.1, 10.0, [FAIL, 0.5, FAIL, 0.25, FAIL, 0.5, OK], [0.0, 1.05, 2.1, 3.3], 3.35),
    # b/2 + u·b/2: 0.1 + 0.25·0.1, 0.2 + 0.5·0.2, 0.2 + 0 (0.8 capped at 0.4)
    ("equal", 0.2, 0.4, [FAIL, 0.25, FAIL, 0.5, FAIL, 0.0, OK], [0.0, 1.125, 2.425, 3.625], 3.675),
    # min(cap, base + u·(max(base, 3·prev) − base)), prev starting at base:
    # 0.1 + 0.5·0.2 = 0.2, 0.1 + 0.5·0.5 = 0.35, 0.1 + 0.9·0.95 capped at 0.5
    ("decorrelated", 0.1, 0.5, [FAIL, 0.5, FAIL, 0.5, FAIL, 0.9, OK], [0.0, 1.2, 2.55, 4.05], 4.1),
])
def test_each_retry_is_sent_after_the_timeout_and_the_drawn_backoff(jitter, base, cap, draws, asked, latency):
    env = simpy.Environment()
    web = Service(env, 0.5)
    d, u, _ = requests(draws, web, env=env, retry=retry(4, base, cap, jitter))
    one_request(d)
    assert u.done()
    assert web.asked == [pytest.approx(t) for t in asked]
    assert env.now == pytest.approx(asked[-1])
    assert d.latencies == [pytest.approx(latency)]
    assert (d.offered, d.inflight, d.served, d.attempts, d.by_attempt) == (1, 0, 1, 4, [0, 0, 0, 1])


def test_a_request_failing_every_attempt_waits_no_more_after_the_last():
    env = simpy.Environment()
    web = Service(env, 0.5)
    d, u, _ = requests([FAIL, FAIL, FAIL], web, env=env, retry=retry(3, 0.1, 10.0, "none"))
    one_request(d)
    assert u.done()
    assert web.asked == [0.0, pytest.approx(1.1), pytest.approx(2.3)]
    assert env.now == pytest.approx(2.3)
    assert (d.offered, d.inflight, d.served, d.attempts, d.by_attempt, d.latencies) == (1, 0, 0, 3, [0, 0, 0], [])


def test_without_retries_a_failed_request_is_done_at_once():
    env = simpy.Environment()
    web = Service(env, 0.5)
    d, u, _ = requests([FAIL], web, env=env)
    one_request(d)
    assert u.done() and env.now == 0.0
    assert (d.offered, d.inflight, d.served, d.attempts, d.by_attempt) == (1, 0, 0, 1, [0])


def test_requests_still_retrying_at_the_horizon_are_left_out():
    env = simpy.Environment()
    web = Service(env, 0.5)
    # three requests at 0 s: one served at once, two failing at 0 and 1.1 s, both still
    # waiting at 1.5 s
    d, u, _ = requests([OK, FAIL, FAIL, FAIL, FAIL], web, env=env, retry=retry(3, 0.1, 10.0, "none"),
                       writes=0.5)
    for _ in range(3):
        env.process(d._request())
    env.run(until=1.5)
    assert u.done()
    assert (d.offered, d.inflight, d.served, d.attempts, d.by_attempt) == (3, 2, 1, 5, [1, 0, 0])
    req = finished(d)
    assert (req["offered"], req["served"], req["failed"], req["writes_failed"]) == (1.0, 1.0, 0.0, 0.0)
    assert req["attempts"] == 5.0  # their attempts so far stay counted


# the tallies -------------------------------------------------------------------------------

def test_finish_replaces_the_fluid_tallies_with_the_counted_ones():
    d, _, _ = requests([], Service(simpy.Environment(), 1.0), retry=retry(3, 0.1, 10.0, "none"), writes=0.25)
    d.offered, d.inflight, d.served, d.attempts = 6, 1, 3, 9
    d.by_attempt = [2, 1, 0]
    d.latencies = [0.1, 0.2, 0.3, 0.4, 1.0]
    fluid = {"offered": 99.0, "served": 98.0, "failed": 1.0, "writes_failed": 0.5, "attempts": 120.0,
             "by_attempt": [98.0, 0.0, 0.0], "duplicates": 3.0, "latency_p50": 7.0, "latency_p95": 7.0,
             "latency_p99": 7.0, "success_ratio_other": 0.5}
    req = finished(d, fluid)
    assert req == {"offered": 5.0, "served": 3.0, "failed": 2.0, "writes_failed": 0.5, "attempts": 9.0,
                   "by_attempt": [2.0, 1.0, 0.0], "duplicates": 0.0,
                   # numpy's linear percentiles of the five latencies: ranks 2, 3.8 and 3.96
                   "latency_p50": pytest.approx(0.3), "latency_p95": pytest.approx(0.88),
                   "latency_p99": pytest.approx(0.976), "success_ratio_other": 0.5}
    for key in ("offered", "served", "failed", "writes_failed", "attempts", "duplicates",
                "latency_p50", "latency_p95", "latency_p99"):
        assert type(req[key]) is float, key
    assert all(type(x) is float for x in req["by_attempt"])


@pytest.mark.parametrize("fluid", [
    {"latency_p50": 1.0, "latency_p95": 2.0, "latency_p99": 3.0},  # the fluid percentiles dropped
    {},  # none computed (no success in the fluid tallies either)
])
def test_finish_without_a_served_request_leaves_no_percentiles(fluid):
    d, _, _ = requests([], Service(simpy.Environment(), 1.0))
    d.offered = 4
    d.attempts = 4
    req = finished(d, fluid)
    assert req == {"offered": 4.0, "served": 0.0, "failed": 4.0, "writes_failed": 0.0, "attempts": 4.0,
                   "by_attempt": [0.0], "duplicates": 0.0}
