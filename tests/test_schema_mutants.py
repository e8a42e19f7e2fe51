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


def _problems_or_ok(text: str) -> list[str] | str:
    """The problems ``text`` has as a model, or ``"ok"`` if it loads."""
    try:
        relsim.loads(text)
    except ModelError as err:
        return [str(p) for p in err.problems]
    return "ok"


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
    return _problems_or_ok(FAILURE % spec)


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
    return _problems_or_ok(DETECTION % spec)


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


def test_distribution_parameters_within_the_limits():
    every = "{kind: transient, every: %s, lasts: fixed(1h)}"
    beyond = "is beyond 1000000y (the limit on durations)"
    cases = [
        ("'lognormal(mean=1h, sd=1e300y)'", f"lognormal(mean=1h, sd=1e300y): sd {beyond}"),
        # written as a mapping, the message shows the distribution itself
        ("{dist: lognormal, mean: 1h, sd: 1e300y}", f"Lognormal(mean=1h, sd=3.1536e+307s): sd {beyond}"),
        ("'fixed(2000000y)'", f"fixed(2000000y): value {beyond}"),
        ("'fixed(1000000y)'", None),
        ("'empirical([1h, 2000000y])'", f"empirical([1h, 2000000y]): values {beyond}"),
        # a shape is a plain number: limited to 1e21, not to a duration
        ("'weibull(shape=1e22, mean=1h)'", "weibull(shape=1e22, mean=1h): shape is beyond 1e+21"),
        ("'weibull(shape=1e21, mean=1h)'", None),
        # what the sampler derives: a lognormal's sigma, another family's mean
        ("'lognormal(mean=1e-200s, sd=1h)'",
         "lognormal(mean=1e-200s, sd=1h): what it samples from is not a finite number of seconds; "
         "use parameters within a few orders of magnitude of each other"),
        ("'weibull(shape=0.002, scale=1h)'",
         "weibull(shape=0.002, scale=1h): what it samples from is not a finite number of seconds; "
         "use parameters within a few orders of magnitude of each other"),
    ]
    for spec, message in cases:
        expected = "ok" if message is None else [f"<string>:5 components.a.failures[0].every: {message}"]
        assert _failure(every % spec) == expected, spec


def test_a_distribution_built_in_code_is_shown_by_its_repr():
    assert bounded_dist(Fixed(1e13)) == Fixed(1e13)
    for dist, message in ((Fixed(1e300), "Fixed(1e+300s): value"), (Uniform(0.0, 1e300), "Uniform(0, 1e+300s): high")):
        with pytest.raises(ValueError) as info:
            bounded_dist(dist)
        assert str(info.value) == f"{message} is beyond 1000000y (the limit on durations)"


# --- jsonschema.py: the export's helpers -------------------------------------

def test_nocase_spells_each_letter_in_both_cases():
    assert _nocase("exp") == "[eE][xX][pP]"
    assert _nocase("Log_2") == "[lL][oO][gG]_2"
    assert _nocase("") == ""


def test_validator_names_and_value_kinds_of_core_schemas():
    from relsim.model.common import _duration

    before = {"type": "function-before", "function": {"function": _duration}}
    assert _validator_name(before) == "_duration"
    assert _validator_name({"type": "function-before"}) is None
    assert _validator_name({"type": "function-before", "function": {"function": object()}}) is None
    wrapped = {"type": "nullable", "schema": {"type": "default", "schema": {"type": "function-after",
                                                                              "schema": before}}}
    assert _value_kind(wrapped) == "_duration"
    assert _value_kind({"type": "default", "schema": before}) == "_duration"
    assert _value_kind({"type": "nullable", "schema": before}) == "_duration"
    assert _value_kind({"type": "list", "schema": before}) is None
    assert _value_kind({"type": "nullable"}) is None


def test_defaults_are_written_as_a_model_file_writes_them():
    assert _as_written(2.0, "_rate") == "2/s"
    assert _as_written(1.0, "_rate") == "1/s"
    assert _as_written(0.0, "_rate") == 0
    assert _as_written(3600.0, "_duration") == "1h"
    assert _as_written(0.0, "_duration") == 0
    assert _as_written(2.5, None) == 2.5
    assert _as_written(math.inf, "_duration") is jsonschema._SKIP
    assert _as_written(object(), None) is jsonschema._SKIP
    assert _as_written((1, 2), None) == [1, 2]
    assert _as_written(Fixed(30.0), None) == "fixed(30s)"


def _mystery(value):
    return value


def test_a_value_type_the_export_does_not_know_is_an_error():
    class Unknown(BaseModel):
        x: Annotated[float, BeforeValidator(_mystery)]

    with pytest.raises(TypeError) as info:
        Unknown.model_json_schema(schema_generator=jsonschema._ModelFileSchema)
    assert str(info.value) == ("the JSON Schema of values checked by '_mystery' is unknown: add it to "
                               "VALUE_SCHEMAS in relsim/model/jsonschema.py")


def test_a_default_computed_from_the_other_fields_is_not_exported():
    from pydantic import Field

    class Derived(BaseModel):
        a: int = 1
        b: int = Field(default_factory=lambda data: data["a"] + 1)
        c: list[int] = Field(default_factory=list)

    props = Derived.model_json_schema(schema_generator=jsonschema._ModelFileSchema)["properties"]
    assert "default" not in props["b"]
    assert (props["a"]["default"], props["c"]["default"]) == (1, [])


def test_descriptions_go_on_the_keys_that_have_one():
    doc = {"properties": {"horizon": {"title": "Horizon", "description": "a duration"},
                          "name": {"title": "Name"}, "other": {"title": "Other"}}}
    jsonschema._describe(doc)
    assert doc == {"properties": {
        "horizon": {"description": "Simulated time of one replication (a duration such as 1y or 10y). "
                                   "Value: a duration."},
        "name": {"description": "The model's name, shown in results and provenance columns (default: the "
                                "file name without .yaml)."},
        "other": {"title": "Other"}}}
    # a section with no descriptions, and one with no properties, are left as they are
    doc = {"$defs": {"Nowhere": {"properties": {"x": {"title": "X"}}}, "Probe": {"type": "object"}}}
    jsonschema._describe(doc)
    assert doc == {"$defs": {"Nowhere": {"properties": {"x": {"title": "X"}}}, "Probe": {"type": "object"}}}


def test_bounds_become_json_schema_keywords_on_numbers_only():
    node = {"type": "number", "gt": 0, "le": 1,
            "properties": {"ge": {"type": "integer", "ge": 1}, "lt": True},
            "additionalProperties": False}
    jsonschema._tidy(node)
    assert node == {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                    "properties": {"ge": {"type": "integer", "minimum": 1}, "lt": True},
                    "additionalProperties": False,
                    "patternProperties": {jsonschema._SPLIT_KEY: {"type": "null"}}}
    untyped = {"anyOf": [{"type": "string"}], "gt": 0, "lt": 9}
    jsonschema._tidy(untyped)
    assert untyped == {"anyOf": [{"type": "string"}]}


# --- descriptions.py ----------------------------------------------------------

def test_descriptions_merge_into_existing_and_new_sections(monkeypatch):
    table = {"Probe": {"interval": "Time between probes."}}
    monkeypatch.setattr(descriptions, "DESCRIPTIONS", table)
    descriptions._merge({"Probe": {"timeout": "t"}, "New": {"k": "v"}})
    assert table == {"Probe": {"interval": "Time between probes.", "timeout": "t"}, "New": {"k": "v"}}


def test_the_incident_sections_descriptions_are_merged(monkeypatch):
    table: dict[str, dict[str, str]] = {"ModelSpec": {"name": "n"}}
    monkeypatch.setattr(descriptions, "DESCRIPTIONS", table)
    descriptions._incidents()
    assert table == {"ModelSpec": {"name": "n", **INCIDENT_DESCRIPTIONS.get("ModelSpec", {})},
                     **{k: v for k, v in INCIDENT_DESCRIPTIONS.items() if k != "ModelSpec"}}
    assert len(table) > 3


def test_a_positive_distribution_needs_a_mean_above_zero():
    text = ONE + "sessions: {rate: 1/s, length: %s, service: s}\n"
    assert relsim.loads(text % "fixed(500ms)").spec.sessions.length == Fixed(0.5)
    still = "has a zero mean: time would stand still (the same event would repeat forever at one instant)"
    assert _problems(text % "fixed(0)") == [f"<string>:3 sessions.length: Fixed(0) {still}"]
    assert _problems(text % "uniform(0, 0)") == [f"<string>:3 sessions.length: Uniform(0, 0) {still}"]
