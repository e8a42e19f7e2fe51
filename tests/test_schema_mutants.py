"""The model layer's declarative schema, exactly: value types, validators and the JSON Schema export.

Each test loads a small model file and compares the whole list of problems
printed (file, line, field path and message), or checks a value the loader
keeps, or calls a helper of ``relsim/model/common.py``,
``relsim/model/jsonschema.py`` or ``relsim/model/descriptions.py`` on a
hand-made input. They pin the behaviour mutation testing found unchecked
(README "Development", the model layer's schema row).
"""

from __future__ import annotations

import math
from typing import Annotated

import pytest
from pydantic import BaseModel, BeforeValidator

import relsim
from relsim import ModelError
from relsim.dists import Fixed, Uniform
from relsim.model import descriptions, jsonschema
from relsim.model.common import _at_most, _bounded_numbers, bounded_dist
from relsim.model.incidents import DESCRIPTIONS as INCIDENT_DESCRIPTIONS
from relsim.model.jsonschema import _as_written, _nocase, _validator_name, _value_kind

ONE = "services: {s: {replicas: a}}\ncomponents: {a: {}}\n"


def _problems(text: str) -> list[str]:
    with pytest.raises(ModelError) as info:
        relsim.loads(text)
    return [str(p) for p in info.value.problems]


# --- common.py: the value types ---------------------------------------------

def test_durations_up_to_the_limit_and_not_beyond():
    assert relsim.loads("horizon: 1000000y\n" + ONE).spec.horizon == 1e6 * 365 * 86400.0
    assert _problems("horizon: 1000001y\n" + ONE) == [
        "<string>:1 horizon: duration '1000001y' is longer than 1000000y (the limit on durations)"]
    assert _problems("horizon: true\n" + ONE) == [
        "<string>:1 horizon: expected a duration like 10h, got True"]


def test_whole_numbers_only_where_a_count_is_expected():
    assert relsim.loads("repair_crews: 2.0\n" + ONE).spec.repair_crews == 2
    assert _problems("repair_crews: true\n" + ONE) == [
        "<string>:1 repair_crews: expected a whole number, got True"]
    assert _problems("repair_crews: 2.5\n" + ONE) == [
        "<string>:1 repair_crews: expected a whole number, got 2.5"]


def test_rates_up_to_the_limit_and_not_beyond():
    assert relsim.loads(ONE + "workload: {rate: 1e9/s}\n").spec.workload.rate == 1e9
    assert _problems(ONE + "workload: {rate: 1.5e9/s}\n") == [
        "<string>:3 workload.rate: '1.5e9/s' is beyond 1e+09 (the limit on rates (per second))"]
    assert _problems(ONE + "workload: {rate: true}\n") == [
        "<string>:3 workload.rate: expected a rate like 100/s, got True"]


STATE = ("services: {s: {replicas: [a, b], mode: active-passive, state: {size: %s, bandwidth: %s}}}\n"
         "components: {a: {}, b: {}}\n")


def test_sizes_and_bandwidths_up_to_the_limit_and_not_beyond():
    state = relsim.loads(STATE % ("1e21B", "1e21B/s")).spec.services["s"].state
    assert (state.size, state.bandwidth) == (1e21, 1e21)
    assert _problems(STATE % ("2e21B", "1GB/s")) == [
        "<string>:1 services.s.state.size: '2e21B' is beyond 1e+21 (the limit on data sizes)"]
    assert _problems(STATE % ("1GB", "2e21B/s")) == [
        "<string>:1 services.s.state.bandwidth: '2e21B/s' is beyond 1e+21 (the limit on bandwidths)"]


def test_at_most_refuses_what_is_not_finite_and_what_is_beyond():
    assert _at_most(5.0, 5.0, "5", "things") == 5.0
    for bad in (math.nan, math.inf, 5.5):
        with pytest.raises(ValueError) as info:
            _at_most(bad, 5.0, "v", "things")
        assert str(info.value) == "'v' is beyond 5 (the limit on things)"


def test_plain_numbers_beyond_the_limit_anywhere():
    assert _bounded_numbers(1e21) == 1e21
    assert _bounded_numbers({"a": -1e21, "b": 3}) == {"a": -1e21, "b": 3}
    for bad, shown in ((2e21, "2e+21"), ([1.0, -2e21], "-2e+21"), ((0.5, 2e21), "2e+21"),
                       ({"k": 2e21}, "2e+21"), (math.nan, "nan")):
        with pytest.raises(ValueError) as info:
            _bounded_numbers(bad)
        assert str(info.value) == f"{shown} is beyond 1e+21 in size (the limit on numbers)"


# --- common.py: cycles of zero length ----------------------------------------

FAILURE = "services: {s: {replicas: a}}\ncomponents:\n  a:\n    failures:\n      - %s\n"
STILL = "has zero length: time would stand still (the same event would repeat forever at one instant)"


def _failure(spec: str) -> list[str] | str:
    try:
        relsim.loads(FAILURE % spec)
    except ModelError as err:
        return [str(p) for p in err.problems]
    return "ok"


@pytest.mark.parametrize("spec, expected", [
    ("{kind: permanent, every: fixed(0), repair: fixed(0)}",
     "permanent: the cycle every Fixed(0) + repair Fixed(0) " + STILL),
    ("{kind: permanent, every: fixed(0), detect: fixed(0), repair: fixed(0)}",
     "permanent: the cycle every Fixed(0) + detect Fixed(0) + repair Fixed(0) " + STILL),
    ("{kind: permanent, every: fixed(1h), repair: fixed(0)}", None),
    ("{kind: permanent, every: fixed(0), detect: fixed(1s), repair: fixed(0)}", None),
    ("{kind: permanent, every: fixed(0), repair: fixed(1s)}", None),
    ("{kind: transient, every: fixed(0), lasts: fixed(0)}",
     "transient: the cycle every Fixed(0) + lasts Fixed(0) " + STILL),
    ("{kind: transient, every: fixed(1h), lasts: fixed(0)}", None),
    ("{kind: transient, every: fixed(0), lasts: fixed(1s)}", None),
    ("{kind: intermittent, every: fixed(0), lasts: fixed(0), down: fixed(1s), up: fixed(1s)}",
     "intermittent: the cycle every Fixed(0) + lasts Fixed(0) " + STILL),
    ("{kind: intermittent, every: fixed(1h), lasts: fixed(0), down: fixed(1s), up: fixed(1s)}", None),
    ("{kind: intermittent, every: fixed(0), lasts: fixed(1s), down: fixed(1s), up: fixed(1s)}", None),
    # an episode of no length has no spells: zero ones are fine
    ("{kind: intermittent, every: fixed(1h), lasts: fixed(0), down: fixed(0), up: fixed(0)}", None),
    # an episode of any length needs spells that move time, even half a second
    ("{kind: intermittent, every: fixed(1h), lasts: fixed(500ms), down: fixed(0), up: fixed(0)}",
     "intermittent: the cycle down Fixed(0) + up Fixed(0) " + STILL),
    ("{kind: intermittent, every: fixed(1h), lasts: fixed(1h), down: fixed(1s), up: fixed(0)}", None),
    ("{kind: intermittent, every: fixed(1h), lasts: fixed(1h), down: fixed(0), up: fixed(1s)}", None),
])
def test_a_failure_cycle_must_move_time(spec, expected):
    assert _failure(spec) == ("ok" if expected is None else [f"<string>:5 components.a.failures[0].{expected}"])


# --- schema.py: a heartbeat the sampled method draws exactly -----------------

DETECTION = ("services: {s: {replicas: [a, b], mode: active-passive, detection: %s}}\n"
             "components: {a: {}, b: {}}\n")
CANNOT = (": late beats count as misses, which method: sampled cannot draw exactly (it needs a fixed "
          "latency, or loss 0 and a latency that varies by at most (misses - 1) * period); use method: "
          "beats, or a fixed latency")


def _detection(spec: str) -> list[str] | str:
    try:
        relsim.loads(DETECTION % spec)
    except ModelError as err:
        return [str(p) for p in err.problems]
    return "ok"


@pytest.mark.parametrize("spec, why", [
    # (misses - 1) * period = 4 s: a latency varying by 4 s is exact, by 4.5 s it is not
    ("{heartbeat: {period: 2s, misses: 3, latency: uniform(0s, 4s)}}", None),
    ("{heartbeat: {period: 2s, misses: 3, latency: uniform(0s, 4.5s)}}",
     "Uniform(0, 4500ms) varies and it varies by 4.5 s > (misses - 1) * period = 4 s"),
    # the spread is the difference of the extremes, not their sum
    ("{heartbeat: {latency: uniform(1s, 3s)}}", None),
    ("{heartbeat: {latency: uniform(1s, 3500ms)}}",
     "Uniform(1s, 3500ms) varies and it varies by 2.5 s > (misses - 1) * period = 2 s"),
    ("{heartbeat: {latency: exp(mean=1s)}}",
     "Exponential(mean=1s) varies and it varies by inf s > (misses - 1) * period = 2 s"),
    # any loss with a varying latency, however narrow; none with a fixed one, or loss 0
    ("{heartbeat: {loss: 0.5, latency: uniform(1s, 2s)}}", "Uniform(1s, 2s) varies and loss 0.5 > 0"),
    ("{heartbeat: {loss: 0.001, latency: uniform(1s, 1500ms)}}",
     "Uniform(1s, 1500ms) varies and loss 0.001 > 0"),
    ("{heartbeat: {loss: 0, latency: uniform(1s, 2s)}}", None),
    ("{heartbeat: {loss: 0.5, latency: fixed(1s)}}", None),
    # method: beats simulates every beat; a health check has no latency
    ("{method: beats, heartbeat: {loss: 0.5, latency: exp(mean=1s)}}", None),
    ("{health_check: {interval: 10s, loss: 0.5}}", None),
])
def test_sampled_detection_needs_a_latency_it_can_draw_exactly(spec, why):
    expected = "ok" if why is None else [f"<string>:1 services.s.detection: heartbeat latency {why}{CANNOT}"]
    assert _detection(spec) == expected


def test_the_exactness_check_is_the_one_of_the_detection_section():
    ok = relsim.loads(DETECTION % "{method: beats, heartbeat: {loss: 0.5, latency: uniform(1s, 9s)}}")
    detection = ok.spec.services["s"].detection
    assert (detection.method, detection.heartbeat.latency) == ("beats", Uniform(1.0, 9.0))
    assert relsim.loads(DETECTION % "{heartbeat: {latency: fixed(2s)}}").spec.services["s"].detection \
        .heartbeat.latency == Fixed(2.0)
