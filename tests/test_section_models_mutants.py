"""The per-section model files, exactly: defaults, validators and checks of each section.

Each test loads a small YAML model (``relsim.model.loads``) and compares the
whole list of problems, ``<string>:LINE path: message``, or reads the values
the loaded model holds; or calls a section's check or helper directly. They
pin the behaviour mutation testing of ``relsim/model/incidents.py``,
``deployments.py``, ``behaviour_registry.py``, ``behaviours.py``,
``application.py``, ``consistency.py``, ``logistics.py`` and
``maintenance.py`` found unchecked.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import behaviour_plugins  # noqa: F401  (registers noop and watcher, which are no entry points)
import pytest
from pydantic import Field, model_validator

import relsim
from relsim.behaviours import Duration, Params
from relsim.model import ModelError, loads
from relsim.model import behaviour_registry as registry

BASE = """\
name: t
components:
  a: {failures: [{kind: permanent, every: exp(mean=1000h), repair: exp(mean=10h)}]}
services:
  s: {replicas: [a]}
"""


def load(extra: str, base: str = BASE) -> relsim.Model:
    return loads(base + textwrap.dedent(extra))


def problems(extra: str, base: str = BASE) -> list[str]:
    with pytest.raises(ModelError) as info:
        load(extra, base)
    return [str(p) for p in info.value.problems]


# --- behaviour_registry.py -----------------------------------------------------------------

@pytest.fixture
def scratch() -> Iterator[list[str]]:
    """Kinds a test registers; removed from the registry afterwards."""
    kinds: list[str] = []
    yield kinds
    for kind in kinds:
        registry._REGISTRY.pop(kind, None)


def _gen(h: Any, p: Any) -> Any:
    """First line of the docstring.

    More text.
    """
    return
    yield


class _Callable:
    """A callable object: it has a module but no __qualname__ of its own."""

    def __call__(self, h: Any, p: Any) -> Any:
        return iter(())


def test_registering_keeps_module_qualname_and_the_docstrings_first_line(scratch):
    scratch.append("section-probe-a")
    assert registry.behaviour("section-probe-a")(_gen) is _gen
    entry = registry.registered()["section-probe-a"]
    assert entry == registry.Behaviour("section-probe-a", _gen, None, (), __name__, "First line of the docstring.")
    scratch.append("section-probe-b")
    registry.behaviour("section-probe-b", description="Given.")(_gen)
    assert registry.get("section-probe-b").description == "Given."
    # registering the same function again under the same kind is allowed (a re-imported module)
    registry.behaviour("section-probe-a")(_gen)
    nodoc = lambda h, p: None  # noqa: E731
    scratch.append("section-probe-c")
    registry.behaviour("section-probe-c")(nodoc)
    assert registry.get("section-probe-c").description == ""


def test_a_callable_object_registers_and_re_registers(scratch):
    scratch.append("section-probe-obj")
    obj = _Callable()
    registry.behaviour("section-probe-obj")(obj)
    registry.behaviour("section-probe-obj")(obj)  # same module, same (missing) qualname: no clash
    assert registry.get("section-probe-obj").module == __name__
    with pytest.raises(ValueError) as info:
        registry.behaviour("section-probe-obj")(_gen)
    assert str(info.value) == f"behaviour 'section-probe-obj' is already registered by {__name__}.?"
    with pytest.raises(ValueError) as info:
        registry.behaviour("noop")(_gen)
    assert str(info.value) == "behaviour 'noop' is already registered by behaviour_plugins.noop"


def test_registration_errors_in_full(scratch):
    with pytest.raises(ValueError) as info:
        registry.behaviour("section-probe-p", params=int)  # type: ignore[arg-type]
    assert str(info.value) == ("behaviour 'section-probe-p': params must be a pydantic BaseModel class, "
                               "got <class 'int'>")
    with pytest.raises(ValueError) as info:
        registry.behaviour("section-probe-p", params=5)  # type: ignore[arg-type]
    assert str(info.value) == "behaviour 'section-probe-p': params must be a pydantic BaseModel class, got 5"
    with pytest.raises(ValueError) as info:
        registry.behaviour("section-probe-p")(5)  # type: ignore[arg-type]
    assert str(info.value) == "behaviour 'section-probe-p': expected a generator function, got 5"
    assert "section-probe-p" not in registry.registered()


def test_known_lists_registered_kinds_and_entry_points(monkeypatch):
    assert {"noop", "watcher", "cron-restart", "autoscaler", "consumer-queue"} <= set(registry.known())
    monkeypatch.setattr(registry, "_entry_points", lambda: {})
    assert "cron-restart" not in registry._entry_points()
    assert registry.known() == sorted(registry._REGISTRY)


class _EntryPoint:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.loaded = 0

    def load(self) -> None:
        self.loaded += 1
        registry.behaviour(self.kind)(_gen)


def test_load_all_loads_the_entry_points_not_registered_yet(monkeypatch, scratch):
    fresh, old = _EntryPoint("section-probe-ep"), _EntryPoint("noop")
    scratch.append("section-probe-ep")
    monkeypatch.setattr(registry, "_entry_points", lambda: {"section-probe-ep": fresh, "noop": old})
    loaded = registry.load_all()
    assert (fresh.loaded, old.loaded) == (1, 0)
    assert loaded["section-probe-ep"].run is _gen
    assert loaded == registry.registered() and loaded is not registry._REGISTRY


def test_did_you_mean_without_a_close_name(monkeypatch):
    how = "import the module that defines it, e.g. relsim --plugin MODULE (docs/extending.md)"
    assert registry.did_you_mean("noopp") == " (did you mean 'noop'?)"
    monkeypatch.setattr(registry, "known", lambda: ["alpha", "beta"])
    assert registry.did_you_mean("zzzzzzzz") == f" (registered: alpha, beta; for another, {how})"
    monkeypatch.setattr(registry, "known", lambda: [])
    assert registry.did_you_mean("zzzzzzzz") == f" (no behaviour is registered: {how})"


# --- behaviours.py -------------------------------------------------------------------------

class ProbeParams(Params):
    target: str
    wait: Duration = 0.0
    count: int = 1

    @model_validator(mode="after")
    def _at_most_five(self) -> ProbeParams:
        if self.count > 5:
            raise ValueError("count must be at most 5")
        return self


@relsim.behaviour("section-probe", params=ProbeParams, refs=("target",))
def section_probe(h: Any, p: ProbeParams) -> Any:
    """Does nothing; its parameters are checked."""
    return
    yield


def test_behaviour_parameter_problems_in_full():
    text = """\
    behaviours:
      p1: {kind: section-probe, target: a, zzzzzz: 1}
      p2: {kind: section-probe, target: a, cuont: 2}
      p3: {kind: section-probe, wait: 1m}
      p4: {kind: section-probe, target: a, count: x}
      p5: {kind: section-probe, target: a, count: {n: 1}}
      p6: {kind: section-probe, target: a, count: 9}
      p7: {kind: section-probe, target: a, count: [1]}
    """
    assert problems(text) == [
        "<string>:7 behaviours.p1.zzzzzz: unknown key 'zzzzzz' (allowed: target, wait, count)",
        "<string>:8 behaviours.p2.cuont: unknown key 'cuont' (did you mean 'count'?)",
        "<string>:9 behaviours.p3.target: missing required key 'target'",
        "<string>:10 behaviours.p4.count: input should be a valid integer, unable to parse string as an "
        "integer, got 'x'",
        "<string>:11 behaviours.p5.count: Input should be a valid integer",
        "<string>:12 behaviours.p6: count must be at most 5",
        "<string>:13 behaviours.p7.count: Input should be a valid integer",
    ]


# --- application.py, logistics.py: the did-you-mean hints -----------------------------------

def test_suggestions_with_and_without_a_close_name():
    from relsim.model.application import suggest
    from relsim.model.logistics import check_logistics

    assert suggest("stor", ["store", "web"]) == " (did you mean 'store'?)"
    assert suggest("zzzz", ["store", "web"]) == ""
    assert suggest(None, ["Nonf"]) == " (did you mean 'Nonf'?)"  # a name is compared as text
    raw = {"components": {"disk": {}}, "spares": {"p": {"for": ["dsk", "zzzz"], "stock": 1}}}
    assert check_logistics(raw) == [
        (("spares", "p", "for", 0), "unknown component or group 'dsk' (did you mean 'disk'?)"),
        (("spares", "p", "for", 1), "unknown component or group 'zzzz'"),
    ]


def test_an_operation_on_an_unknown_service_without_a_close_name():
    text = """\
    workload: {rate: 1/s}
    operations:
      o: {service: zzzz, share: 10%}
      q: {service: ss, share: 10%}
    """
    assert problems(text) == [
        "<string>:8 operations.o.service: unknown service 'zzzz'",
        "<string>:9 operations.q.service: unknown service 'ss' (did you mean 's'?)",
    ]


# --- incidents.py --------------------------------------------------------------------------

def test_burn_window_short_may_equal_long_but_not_exceed_it():
    m = load("""\
    alerts:
      r: {burn_rate: [{rate: 2, long: 1h, short: 1h}], slo: 99%}
    """)
    (window,) = m.spec.alerts["r"].burn_rate
    assert (window.rate, window.long, window.short) == (2.0, 3600.0, 3600.0)
    assert problems("""\
    alerts:
      r: {burn_rate: [{rate: 2, long: 1h, short: 61m}], slo: 99%}
    """) == ["<string>:7 alerts.r.burn_rate[0]: short must not be longer than long (e.g. long: 1h, short: 5m)"]


def test_baseline_floor_reads_a_share_a_rate_or_a_number():
    m = load("""\
    alerts:
      r1: {above_baseline: 2, baseline_floor: 2%}
      r2: {above_baseline: 2, baseline_floor: 0.5/s}
      r3: {above_baseline: 2, baseline_floor: 30/m}
      r4: {above_baseline: 2, baseline_floor: 3}
      r5: {above_baseline: 2}
    """)
    floors = {name: rule.baseline_floor for name, rule in m.spec.alerts.items()}
    assert floors == {"r1": 0.02, "r2": 0.5, "r3": 0.5, "r4": 3.0, "r5": 0.0}


# --- maintenance.py ------------------------------------------------------------------------

def test_age_basis_is_read_from_basis_or_a_fixed_every():
    bodies = {"m1": "{every: 30d, basis: age}", "m2": "{every: 30d}", "m3": "{every: 30d, basis: calendar}",
              "m4": "{every: exp(mean=30d)}", "m5": "{cron: '0 2 * * *'}", "m6": "{at: [1d]}"}
    got = {}
    for name, body in bodies.items():
        m = loads("name: t\ncomponents:\n  a: {failures: [{kind: permanent, every: exp(mean=1000h), "
                  f"repair: exp(mean=10h)}}], maintenance: {body}}}\nservices:\n  s: {{replicas: [a]}}\n")
        got[name] = m.spec.components["a"].maintenance.age_based
    assert got == {"m1": True, "m2": True, "m3": False, "m4": False, "m5": False, "m6": False}


def test_alert_rule_kind_and_slo_problems_in_full():
    one_of = ("give exactly one of 'above' (a threshold on the error rate), 'errors_above' (on errors per "
              "second), 'above_baseline' (a multiple of the daily baseline) and 'burn_rate' (SLO burn-rate "
              "windows)")
    assert problems("""\
    workload: {rate: 1/s}
    objectives: {availability: 99.9%}
    alerts:
      r1: {}
      r2: {above: 1%, errors_above: 1/s}
      r3: {burn_rate: []}
      r4: {above: 1%, slo: 100%}
      r5: {above: 1%, slo: 0%}
    """) == [
        f"<string>:9 alerts.r1: {one_of}",
        f"<string>:10 alerts.r2: {one_of}",
        "<string>:11 alerts.r3: burn_rate needs at least one window pair {rate, long, short}",
        "<string>:12 alerts.r4: slo must be between 0 and 1 (exclusive), got 1.0",
        "<string>:13 alerts.r5: slo must be between 0 and 1 (exclusive), got 0.0",
    ]


def test_an_alert_rules_lookback_adds_hold_delay_interval_and_the_longest_window():
    m = load("""\
    alerts:
      burn: {burn_rate: [{rate: 14, long: 1h, short: 5m}, {rate: 6, long: 6h, short: 30m}], slo: 99%,
             for: 2m, delay: 1m, interval: 30s}
      static: {above: 1%, for: 2m, delay: 1m, interval: 30s}
      bare: {above: 1%}
    """)
    assert {name: rule.lookback for name, rule in m.spec.alerts.items()} == {
        "burn": 120.0 + 60.0 + 30.0 + 6 * 3600.0, "static": 210.0, "bare": 0.0}


def test_a_teams_business_hours_default_to_monday_to_friday_nine_to_five():
    m = load("""\
    teams:
      ops: {ack: {business_hours: 5m, after_hours: 15m}}
      night: {ack: {business_hours: 5m, after_hours: 15m}, hours: "Mon-Sun 00:00-06:00"}
    """)
    day = 86400.0
    assert [(w.start, w.end) for w in m.spec.teams["ops"].hours] == [
        (d * day + 9 * 3600.0, d * day + 17 * 3600.0) for d in range(5)]
    assert [(w.start, w.end) for w in m.spec.teams["night"].hours] == [
        (d * day, d * day + 6 * 3600.0) for d in range(7)]


def test_observability_factor_defaults_to_a_fresh_fault_with_nothing_else_down():
    from relsim.model.incidents import Observability

    obs = Observability(log_retention="500ms", correlated=3.0, elements={"x": {"metrics": False}})
    assert obs.factor("a") == 1.0
    assert obs.factor("a", age=0.5) == 1.0  # not older than the retention
    assert obs.factor("a", age=0.6) == 2.0  # its logs are gone
    assert obs.factor("a", others_down=1) == 3.0
    assert obs.factor("x") == 2.0
    assert obs.factor("x", age=1.0, others_down=2) == 2.0 * 2.0 * 3.0


# --- consistency.py ------------------------------------------------------------------------

def test_required_replicas_at_each_level():
    from relsim.model.consistency import LEVELS, required_replicas

    assert {level: [required_replicas(level, n) for n in (1, 2, 3, 4, 5, 6)] for level in LEVELS} == {
        "one": [1] * 6, "quorum": [1, 2, 2, 3, 3, 4], "all": [1, 2, 3, 4, 5, 6],
        "leader": [1] * 6, "bounded-staleness": [1] * 6}


def test_operations_on_a_model_whose_services_are_not_a_mapping():
    from relsim.model.application import suggest
    from relsim.model.consistency import check_operations

    for services in (None, ["s"], "s"):
        raw = {"workload": {}, "services": services, "operations": {"o": {"service": "s", "share": 0.5}}}
        assert check_operations(raw, suggest) == [(("operations", "o", "service"), "unknown service 's'")]


# --- deployments.py ------------------------------------------------------------------------

def test_deployment_validators_in_full():
    assert problems("""\
    deployments:
      d1: {services: [s], every: 7d, effect: {fails: 10%, crashes: fixed(1m)}}
      d2: {services: [s], every: 7d, effect: {corrupts: 50%, crashes: fixed(1m)}}
      d3: {services: [s], every: 7d, strategy: canary, steps: []}
      d4: {services: [s], every: 7d, strategy: canary, steps: [0%, 50%]}
      d5: {services: [s], every: 7d, strategy: canary, steps: [50%, 100%]}
      d6: {services: [s], every: 7d, strategy: canary, steps: [20%, 20%]}
      d7: {services: [s], every: 7d, strategy: canary, steps: [20%, 10%]}
      d8: {services: [s], every: 7d, strategy: canary, steps: [20%], share: 10%}
      d9: {services: [s], every: 7d, strategy: canary, share: 0%}
      d10: {services: [s], every: 7d, strategy: canary, share: 100%}
      d11: {services: [s], every: 7d, flag: {share: 50%}, effect: {crashes: fixed(1m)}}
    """) == [
        "<string>:7 deployments.d1.effect: say what a bad version does with one of fails or crashes, not both",
        "<string>:8 deployments.d2.effect: corrupts applies to a version that serves (fails), not to one that "
        "crashes",
        "<string>:8 deployments.d2.effect.corrupts: corrupts counts corrupted writes: service 's' needs data "
        "(with writes)",
        "<string>:9 deployments.d3.steps: a canary needs at least one step (a share of traffic, e.g. [5%, 25%])",
        "<string>:10 deployments.d4.steps: canary steps are shares of traffic strictly between 0 and 100%, "
        "got [0.0, 0.5]",
        "<string>:11 deployments.d5.steps: canary steps are shares of traffic strictly between 0 and 100%, "
        "got [0.5, 1.0]",
        "<string>:12 deployments.d6.steps: canary steps must grow from one to the next, got [0.2, 0.2]",
        "<string>:13 deployments.d7.steps: canary steps must grow from one to the next, got [0.2, 0.1]",
        "<string>:14 deployments.d8: give the canary's traffic with share (one step) or steps, not both",
        "<string>:15 deployments.d9: a canary's share is strictly between 0 and 100%, got 0",
        "<string>:16 deployments.d10: a canary's share is strictly between 0 and 100%, got 1",
        "<string>:17 deployments.d11: a feature flag guards a code path that fails requests (effect.fails); "
        "a version that crashes instances cannot be switched off by a flag",
    ]


def test_deployment_canary_share_and_steps_as_loaded():
    m = load("""\
    deployments:
      one: {services: [s], every: 7d, strategy: canary, share: 10%}
      many: {services: [s], every: 7d, strategy: canary, steps: [1%, 10%, 50%]}
      plain: {services: [s], every: 7d}
      fails: {services: [s], every: 7d, effect: {fails: 5%}}
      crashes: {services: [s], every: 7d, effect: {crashes: fixed(1m)}}
    """)
    deps = m.spec.deployments
    assert {name: d.steps for name, d in deps.items()} == {
        "one": (0.1,), "many": (0.01, 0.1, 0.5), "plain": (0.05,), "fails": (0.05,), "crashes": (0.05,)}
    assert {name: d.effect.fail_share for name, d in deps.items()} == {
        "one": 1.0, "many": 1.0, "plain": 1.0, "fails": 0.05, "crashes": 0.0}
    from relsim.model.deployments import Effect

    assert Effect(corrupts=0.01).fail_share == 0.0
    assert Effect(fails=0.05, corrupts=0.01).fail_share == 0.05
    assert Effect(fails=0.0).fail_share == 0.0


# --- maintenance.py ------------------------------------------------------------------------

def test_maintenance_basis_problems_in_full():
    fails = "failures: [{kind: permanent, every: exp(mean=1000h), repair: exp(mean=10h)}]"
    assert problems(f"""\
    name: t
    components:
      b: {{{fails}, maintenance: {{every: exp(mean=30d), basis: age}}}}
      c: {{{fails}, maintenance: {{every: 30d, basis: calendar, opportunistic: 1d}}}}
      e: {{{fails}, maintenance: {{cron: '0 2 * * *', opportunistic: 1d}}}}
    services:
      s: {{replicas: [b, c, e]}}
    """, base="") == [
        "<string>:3 components.b.maintenance: basis: age needs a fixed 'every' (the age at which the component "
        "is renewed)",
        "<string>:4 components.c.maintenance: opportunistic maintenance needs the age basis (a fixed 'every')",
        "<string>:5 components.e.maintenance: opportunistic maintenance needs the age basis (a fixed 'every')",
    ]


# --- the sections' cross-reference checks, on raw dicts --------------------------------------

BURN_NEEDS_SLO = "a burn-rate alert needs an slo (or objectives.availability) to know the error budget"


def test_check_incidents_in_full():
    from relsim.model.incidents import check_incidents

    raw = {
        "components": {"web": {"count": 2}, "db": {}},
        "domains": {"z1": {}}, "links": {"l1": {}}, "load_balancers": {"lb": {}}, "dns": {},
        "services": {"api": {}},
        "teams": {"ops": {"owns": ["web-1", "db", 5, "zzzz", "dbb"]}, "bad": "x", "dev": {"owns": "db"},
                  "sre": {"owns": ["web", "z1", "l1", "lb", "dns", "web-2"]}, "none": {},
                  "num": {"owns": 3}},
        "alerts": {"r0": "x", "r1": {"service": "apj", "team": "opz", "errors_above": 1, "burn_rate": []},
                   "r2": {"service": "api", "team": "ops", "above": 0.1}, "r3": {"burn_rate": [], "slo": 0.99},
                   "r4": {"service": 5, "team": 6}},
        "observability": {"elements": {"web-1": {}, "zz": {}, "dnss": {}}},
    }
    assert check_incidents(raw) == [
        (("alerts", "r1", "service"), "unknown service 'apj' (did you mean 'api'?)"),
        (("alerts", "r1", "team"), "unknown team 'opz' (did you mean 'ops'?)"),
        (("alerts", "r1", "errors_above"),
         "errors_above counts errors per second of the requests: the model needs a workload"),
        (("alerts", "r1", "slo"), BURN_NEEDS_SLO),
        (("teams", "ops", "owns", 3), "unknown element 'zzzz'"),
        (("teams", "ops", "owns", 4), "unknown element 'dbb' (did you mean 'db'?)"),
        (("teams", "dev", "owns", 0), "'db' is already owned by team 'ops'"),
        (("observability", "elements", "zz"), "unknown element 'zz'"),
        (("observability", "elements", "dnss"), "unknown element 'dnss' (did you mean 'dns'?)"),
    ]
    # without the sections that name elements, every owned name is unknown; dns only with a dns section
    assert check_incidents({"components": ["db"], "services": ["api"], "teams": {"t": {"owns": ["db", "dns"]}},
                            "alerts": {"r": {"service": "api", "team": "t", "above": 0.1}},
                            "observability": {"elements": []}}) == [
        (("alerts", "r", "service"), "unknown service 'api'"),
        (("teams", "t", "owns", 0), "unknown element 'db'"),
        (("teams", "t", "owns", 1), "unknown element 'dns'"),
    ]
    assert check_incidents({"teams": ["t"], "alerts": {"r": {"team": "t", "errors_above": 1}},
                            "workload": {}}) == [(("alerts", "r", "team"), "unknown team 't'")]


@pytest.mark.parametrize(("objectives", "found"), [
    (None, True), ({"availability": 0.999}, False), ({"availability": None}, True), ({"latency": 1}, True),
    ([1], True)])
def test_a_burn_rate_alert_takes_its_slo_from_the_objectives(objectives, found):
    from relsim.model.incidents import check_incidents

    raw: dict[str, Any] = {"alerts": {"b": {"burn_rate": [{}]}}, "workload": {}}
    if objectives is not None:
        raw["objectives"] = objectives
    assert check_incidents(raw) == ([(("alerts", "b", "slo"), BURN_NEEDS_SLO)] if found else [])
    raw["alerts"]["b"]["slo"] = 0.99
    assert check_incidents(raw) == []


def test_check_deployments_in_full():
    from relsim.model.application import suggest
    from relsim.model.deployments import check_deployments

    restart = "restart applies to strategy: all-at-once or rolling (updated in place), not"
    raw = {"services": {"api": {}, "db": {"data": {}}, "web": {}}, "deployments": {
        "x": "notdict", "d0": {}, "d1": {"services": "apj"},
        "d2": {"services": ["api", "zzz"], "strategy": "canary", "batch": 2, "pause": 1, "switch": 1, "keep": 1,
               "restart": 1},
        "d3": {"services": ["api"], "strategy": "rolling", "share": 0.1, "steps": [0.1], "bake": 1},
        "d3b": {"services": ["api"], "batch": 2},
        "d4": {"services": ["api"], "change": "config", "strategy": "rolling", "flag": {}, "gate": {}, "drift": 1},
        "d5": {"services": ["api"], "drift": 1},
        "d6": {"services": ["api", "db"], "effect": {"corrupts": 0.1}},
        "d7": {"services": "web", "effect": {"corrupts": "0%"}},
        "d7b": {"services": "web", "effect": {"corrupts": 0}},
        "d7c": {"services": "web", "effect": {"fails": 0.1}},
        "d8": {"services": "web", "effect": {"corrupts": 0.5}},
        "d9": {"services": ["api"], "restart": 1, "strategy": "rolling"},
        "d9b": {"services": ["api"], "restart": 1},
        "d9c": {"services": ["api"], "restart": 1, "strategy": "blue-green"},
        "d10": {"services": 5, "effect": {"corrupts": 0.5}},
        "d11": {"services": ["api"], "change": "config", "drift": 1},
        "d12": {"services": ["api"], "effect": "x"},
    }}
    assert check_deployments(raw, suggest) == [
        (("deployments", "d0"), "a deployment needs 'services' (the service or services it releases to)"),
        (("deployments", "d1", "services"), "unknown service 'apj' (did you mean 'api'?)"),
        (("deployments", "d2", "services", 1), "unknown service 'zzz'"),
        (("deployments", "d2", "batch"), "batch applies to strategy: rolling, not canary"),
        (("deployments", "d2", "pause"), "pause applies to strategy: rolling, not canary"),
        (("deployments", "d2", "switch"), "switch applies to strategy: blue-green, not canary"),
        (("deployments", "d2", "keep"), "keep applies to strategy: blue-green, not canary"),
        (("deployments", "d2", "restart"), f"{restart} canary"),
        (("deployments", "d3", "share"), "share applies to strategy: canary, not rolling"),
        (("deployments", "d3", "steps"), "steps applies to strategy: canary, not rolling"),
        (("deployments", "d3", "bake"), "bake applies to strategy: canary, not rolling"),
        (("deployments", "d3b", "batch"), "batch applies to strategy: rolling, not all-at-once"),
        (("deployments", "d4", "strategy"),
         "a configuration change is pushed everywhere at once: strategy must be all-at-once"),
        (("deployments", "d4", "flag"), "flag applies to change: release, not config"),
        (("deployments", "d4", "gate"), "gate applies to change: release, not config"),
        (("deployments", "d5", "drift"), "drift applies to change: config, not release"),
        (("deployments", "d6", "effect", "corrupts"),
         "corrupts counts corrupted writes: service 'api' needs data (with writes)"),
        (("deployments", "d8", "effect", "corrupts"),
         "corrupts counts corrupted writes: service 'web' needs data (with writes)"),
        (("deployments", "d9c", "restart"), f"{restart} blue-green"),
    ]
    assert check_deployments({"deployments": {"d": {"services": ["api"]}}, "services": ["api"]}, suggest) == [
        (("deployments", "d", "services", 0), "unknown service 'api'")]
    assert check_deployments({"deployments": ["d"]}, suggest) == []


def test_check_logistics_in_full():
    from relsim.model.application import suggest
    from relsim.model.logistics import check_logistics

    raw = {"components": {"disk": {"failures": [{"kind": "permanent"}]},
                          "fan": {"failures": [{"kind": "transient"}, "x"]}, "g": {}, "h": {"failures": "x"}},
           "spares": {"p1": {"for": "disk"}, "p2": {"for": ["disk", "fan", "g", "zzzz", "h", 7]}, "p3": "x",
                      "p4": {"for": 5}},
           "costs": {"components": {"disk": 1, "dsk": 2}, "service_downtime_minute": {"api": 1, "apj": 2},
                     "tier_downtime_minute": {1: 1, 2: 2, "3": 3}, "crew": 5},
           "services": {"api": {"tier": 1}, "b": "x"}}
    assert check_logistics(raw, suggest) == [
        (("spares", "p2", "for", 0), "'disk' already takes its spares from pool 'p1'"),
        (("spares", "p2", "for", 1), "'fan' has no permanent failure: it never needs a spare"),
        (("spares", "p2", "for", 3), "unknown component or group 'zzzz'"),
        (("spares", "p2", "for", 5), "unknown component or group '7'"),
        (("costs", "components", "dsk"), "unknown component or group 'dsk' (did you mean 'disk'?)"),
        (("costs", "service_downtime_minute", "apj"), "unknown service 'apj' (did you mean 'api'?)"),
        (("costs", "tier_downtime_minute", 2), "no service has tier 2"),
        (("costs", "crew"), "a cost per crew needs 'repair_crews' (with unlimited crews there is nothing to count)"),
    ]
    assert check_logistics({"spares": {"p": {"for": "dsk"}}, "components": {"disk": {}}}, suggest) == [
        (("spares", "p", "for"), "unknown component or group 'dsk' (did you mean 'disk'?)")]
    assert check_logistics({"costs": {"crew": 5}, "repair_crews": 1}) == []
    assert check_logistics({"costs": {"crew": 5}, "repair_crews": 0}) == []
    assert check_logistics({"costs": {"crew": 0}}) == []


def test_check_maintenance_in_full():
    from relsim.model.maintenance import check_maintenance

    found_by_inspection = ("a silent permanent failure of an inspected component is found by the inspection; "
                           "remove detect (or silent)")
    needs_silent = "an inspection finds latent faults: give the component a permanent failure with silent: true"
    nothing = "maintenance renews the component, but it has no failures to renew"
    raw = {"components": {
        "a": {"inspection": {}, "failures": [{"kind": "permanent", "silent": True, "detect": {}},
                                             {"kind": "permanent", "silent": True},
                                             {"kind": "transient", "silent": True},
                                             {"kind": "permanent", "silent": True, "detect": None}]},
        "b": {"inspection": {}, "failures": [{"kind": "permanent", "silent": "yes"}]},
        "c": {"inspection": None},
        "d": {"maintenance": {}},
        "e": {"maintenance": {"renews": False}},
        "f": {"maintenance": {}, "failures": [{"kind": "transient"}]},
        "g": {"maintenance": {}, "failures": "x"},
        "h": "x",
        "i": {"maintenance": "x"},
        "j": {"maintenance": {"renews": "yes"}},
        "k": {"inspection": {}, "failures": ["x", {"kind": "permanent", "silent": True, "detect": 0}]},
        "m": {"inspection": {}, "failures": [{"kind": "transient", "silent": True}]},
    }}
    assert check_maintenance(raw) == [
        (("components", "a", "failures", 0, "detect"), found_by_inspection),
        (("components", "b", "inspection"), needs_silent),
        (("components", "c", "inspection"), needs_silent),
        (("components", "d", "maintenance"), nothing),
        (("components", "g", "maintenance"), nothing),
        (("components", "i", "maintenance"), nothing),
        (("components", "k", "failures", 1, "detect"), found_by_inspection),
        (("components", "m", "inspection"), needs_silent),
    ]
    assert check_maintenance({"components": ["a"]}) == []


def test_check_operations_in_full():
    from relsim.model.application import suggest
    from relsim.model.consistency import check_operations

    assert check_operations({"operations": {}}, suggest) == []
    assert check_operations({"operations": [1]}, suggest) == []
    raw = {"services": {"store": {}}, "operations": {
        "x": "y", "o1": {"service": "stor", "share": 0.5}, "o2": {"share": "30%"}, "o3": {"share": True},
        "o4": {"share": "abc%"}, "o5": {"share": " 25% ", "consistency": "bounded-staleness"},
        "o6": {"share": 0.05, "consistency": "bounded-staleness", "type": "write", "staleness": 5},
        "o7": {"share": "0.5", "consistency": "leader", "type": "write"}}}
    assert check_operations(raw, suggest) == [
        (("operations",), "operations are shares of the workload's requests: the model needs a 'workload'"),
        (("operations", "o1", "service"), "unknown service 'stor' (did you mean 'store'?)"),
        (("operations", "o5", "staleness"),
         "consistency: bounded-staleness needs 'staleness' (the largest lag a read may see, e.g. 5s)"),
        (("operations", "o6", "consistency"), "bounded-staleness is a level for reads, not writes"),
        (("operations",), "the operations' shares add up to 1.1, more than 100% of the workload's requests"),
    ]
    two = {"workload": {}, "operations": {"a": {"share": 0.5}, "b": {"share": "50%"}}}
    assert check_operations(two, suggest) == []
    two["operations"]["b"]["share"] = 0.500000001  # 1 + 1e-9 exactly: within the rounding allowance
    assert check_operations(two, suggest) == []
    two["operations"]["b"]["share"] = 0.73456
    assert check_operations(two, suggest) == [
        (("operations",), "the operations' shares add up to 1.235, more than 100% of the workload's requests")]
    staleness = {"workload": {}, "operations": {"r": {"share": 0.5, "consistency": "bounded-staleness",
                                                      "staleness": 5, "type": "read"},
                                                "w": {"share": 0.1, "consistency": "one", "type": "write"}}}
    assert check_operations(staleness, suggest) == []


def test_check_application_runs_every_sections_check():
    from relsim.model.application import check_application

    raw = {"services": {"api": {}}, "workload": {},
           "sessions": {"rate": "2/s", "length": "exp(mean=20m)", "service": "apx", "store": "replicated"},
           "operations": {"o": {"service": "apz", "share": 0.1}},
           "sagas": {"s": {"rate": "1/s", "steps": [{"service": "apy", "success": 0.99}]}},
           "mesh": {"routes": {"diag": {"share": 0.01, "load_balancer": "lbb"}}},
           "latency": {"pairs": [{"between": ["z11", "z4"]}]},
           "domains": {"z1": {}, "z2": {"contains": {"z4": {}}}}}
    assert check_application(raw) == [
        (("sessions", "service"), "unknown service 'apx' (did you mean 'api'?)"),
        (("operations", "o", "service"), "unknown service 'apz' (did you mean 'api'?)"),
        (("sagas", "s", "steps", 0, "service"), "unknown service 'apy' (did you mean 'api'?)"),
        (("mesh", "routes", "diag", "load_balancer"), "unknown load balancer 'lbb'"),
        (("latency", "pairs", 0, "between", 0), "unknown domain 'z11' (did you mean 'z1'?)"),
    ]
    assert check_application({"latency": [1], "domains": {}}) == []
    assert check_application({}) == []


# --- behaviours.py: the section's checks -----------------------------------------------------

class ManyParams(Params):
    targets: list[str] = Field(default_factory=list)


@relsim.behaviour("section-probe-many", params=ManyParams, refs=("targets",))
def section_probe_many(h: Any, p: ManyParams) -> Any:
    """Does nothing to several targets."""
    return
    yield


def test_names_a_behaviour_may_refer_to():
    from relsim.model.behaviours import _names

    raw = {"domains": {"r": {"contains": {"z": {"contains": {"k": None}}, "y": 3}}, "s": "x"},
           "components": {"g": {"count": 2}, "c": {}}, "services": {"api": {}}, "links": {"l": {}},
           "load_balancers": {"lb": {}}, "dns": {}}
    assert _names(raw) == ["r", "z", "k", "y", "s", "g", "g-1", "g-2", "c", "c", "api", "l", "lb", "dns"]
    assert _names({"domains": [1], "components": ["x"], "services": "s", "dns": []}) == []


def test_check_behaviours_in_full(monkeypatch):
    from relsim.model.behaviours import check_behaviours

    raw = {"components": {"app": {}, "g": {"count": 2}}, "services": {"web": {}}, "behaviours": {
        "n0": "x", "n1": {"kind": 5}, "n2": {"description": "no kind"},
        "a": {"kind": "noopp"},
        "b": {"kind": "noop", "every": 1, "description": "ok"},
        "c": {"kind": "section-probe", "target": "ap"},
        "d": {"kind": "section-probe-many", "targets": ["app", "g-2", "wbe", "web"]},
        "e": {"kind": "section-probe-many"},
        "f": {"kind": "section-probe", "target": "g-1", "description": "fine"},
        "h": {"kind": "broken-probe"},
        "i": {"kind": "noop", "x": 1},
    }}
    real_get = registry.get

    def get(kind: str, module: str = "") -> Any:
        if kind == "broken-probe":
            raise ImportError("no module named 'broken'")
        return real_get(kind, module)

    monkeypatch.setattr(registry, "get", get)
    assert check_behaviours(raw) == [
        (("behaviours", "a", "kind"), "unknown behaviour kind 'noopp' (did you mean 'noop'?)"),
        (("behaviours", "b", "every"), "unknown key 'every': behaviour 'noop' takes no parameters"),
        (("behaviours", "c", "target"), "unknown element, service or load balancer 'ap' (did you mean 'app'?)"),
        (("behaviours", "d", "targets", 2), "unknown element, service or load balancer 'wbe' (did you mean "
                                            "'web'?)"),
        (("behaviours", "h", "kind"), "behaviour kind 'broken-probe' could not be loaded: ImportError: no module "
                                      "named 'broken'"),
        (("behaviours", "i", "x"), "unknown key 'x': behaviour 'noop' takes no parameters"),
    ]
    assert check_behaviours({"behaviours": {"c": {"kind": "section-probe", "target": "zzzz"}}}) == [
        (("behaviours", "c", "target"), "unknown element, service or load balancer 'zzzz'")]
    assert check_behaviours({"behaviours": ["c"]}) == []


def test_a_behaviour_spec_keeps_its_module_and_parameters(monkeypatch):
    from relsim.model.behaviours import BehaviourSpec

    m = load("""\
    behaviours:
      p: {kind: section-probe, target: a, wait: 1m, description: probe}
      n: {kind: noop}
    """)
    p, n = m.spec.behaviours["p"], m.spec.behaviours["n"]
    assert (p.kind, p.module, p.params, p.description) == ("section-probe", __name__,
                                                           {"target": "a", "wait": "1m"}, "probe")
    assert (n.module, n.params) == ("behaviour_plugins", {})
    assert BehaviourSpec(kind="no-such-kind-here").module == ""

    def broken(kind: str, module: str = "") -> Any:
        raise ImportError("broken")

    monkeypatch.setattr(registry, "get", broken)
    assert BehaviourSpec(kind="noop").module == ""


def test_get_loads_an_entry_point_or_the_module_that_registered_a_kind(monkeypatch, tmp_path, scratch):
    (tmp_path / "section_probe_mod.py").write_text(
        "import relsim\n\n\n@relsim.behaviour('section-probe-mod')\ndef probe(h, p):\n"
        "    '''From a module.'''\n    return\n    yield\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "section_probe_mod", raising=False)  # imported by an earlier run
    scratch.extend(["section-probe-mod", "section-probe-ep2"])
    assert registry.get("section-probe-mod") is None
    assert registry.get("section-probe-mod", "__main__") is None
    found = registry.get("section-probe-mod", "section_probe_mod")
    assert (found.kind, found.module, found.description) == ("section-probe-mod", "section_probe_mod",
                                                             "From a module.")
    fresh = _EntryPoint("section-probe-ep2")
    monkeypatch.setattr(registry, "_entry_points", lambda: {"section-probe-ep2": fresh})
    assert registry.get("section-probe-ep2", "no_such_module_anywhere").run is _gen
    assert fresh.loaded == 1
    assert registry.get("section-probe-ep2").run is _gen and fresh.loaded == 1


# --- the event estimates of the sections (relsim.model.estimate) ----------------------------------

DAY = 86400.0
FLEET = """\
name: t
components:
  web: {count: 4}
  a: {}
services:
  s: {replicas: [web]}
  t: {replicas: [a]}
entry: s
horizon: 7d
"""


def _deployment_events(body: str, horizon: float = 7 * DAY) -> float:
    from relsim.model.deployments import deployment_events

    return deployment_events(loads(FLEET + f"deployments:\n  d: {body}\n"), horizon)


def test_deployment_events_by_hand():
    # every 1d over 7 days: releases at 1d, ..., 6d (the first a period in): 6 of them
    n, rate = 6.0, 6.0 / (7 * DAY)
    # all at once on the four members of web: 4 events + 1 step
    assert _deployment_events("{services: [s], every: 1d}") == n * 5.0
    assert _deployment_events("{services: [s, t], every: 1d, restart: fixed(1m)}") == n * (5.0 + 2.0 * 5)
    # rolling 2 at a time: 2 steps, busy 10 m between them and a 5 m gate before each
    busy = 600.0 + 2 * 300.0
    got = _deployment_events("{services: [s], every: 1d, strategy: rolling, batch: 2, pause: 10m, "
                             "gate: {catches: 50%, takes: 5m}, restart: fixed(1m)}")
    assert got == pytest.approx(n / (1.0 + rate * busy) * (4.0 + 2.0 + 8.0), rel=1e-12)
    got = _deployment_events("{services: [s], every: 1d, strategy: rolling, batch: 3}")
    assert got == n * (4.0 + 2.0)  # ceil(4 / 3) steps, no pause
    # a canary of two steps: 3 steps, baked 30 m each
    got = _deployment_events("{services: [s], every: 1d, strategy: canary, steps: [10%, 50%], bake: 30m}")
    assert got == pytest.approx(n / (1.0 + rate * 3600.0) * 7.0, rel=1e-12)
    got = _deployment_events("{services: [s], every: 1d, strategy: blue-green, switch: 5m}")
    assert got == pytest.approx(n / (1.0 + rate * 300.0) * 5.0, rel=1e-12)
    # until 3d: releases at 1d and 2d, at the rate 2 per 3 days
    got = _deployment_events("{services: [s], every: 1d, until: 3d, strategy: blue-green, switch: 5m}")
    assert got == pytest.approx(2.0 / (1.0 + 2.0 / (3 * DAY) * 300.0) * 5.0, rel=1e-12)
    assert _deployment_events("{services: [s], every: 1d}", horizon=0.0) == 0.0


def test_deployment_events_in_a_change_window_by_hand():
    # open 8 h on 5 days of the week: 40 of 168 h; 5 openings a week
    share = 40.0 / 168.0
    n = 6.0 * share + min(6.0 * (1.0 - share), 5.0)
    rate = n / (7 * DAY * share)
    got = _deployment_events("{services: [s], every: 1d, window: 'Mon-Fri 09:00-17:00', strategy: blue-green, "
                             "switch: 1h}")
    assert got == pytest.approx(n / (1.0 + rate * 3600.0) * 5.0, rel=1e-12)
    # one opening a week: at most one release waits for it
    n = 6.0 * (8.0 / 168.0) + 1.0
    assert _deployment_events("{services: [s], every: 1d, window: 'Mon 09:00-17:00'}") == pytest.approx(
        n * 5.0, rel=1e-12)
    assert _deployment_events("{services: [s], every: 1d, window: 'Mon 09:00-17:00'}", horizon=0.0) == 0.0


def test_deployment_events_without_deployments_or_with_random_releases():
    from relsim.model.deployments import deployment_events

    assert deployment_events(loads(FLEET), 7 * DAY) == 0.0
    # exp(mean=1d): 7 releases expected over 7 days
    got = _deployment_events("{services: [s], every: exp(mean=1d), strategy: blue-green, switch: 1h}")
    assert got == pytest.approx(7.0 / (1.0 + 7.0 / (7 * DAY) * 3600.0) * 5.0, rel=1e-12)


def test_alerting_events_by_hand():
    from relsim.model.incidents import alerting_events

    alerts = """\
alerts:
  r1: {burn_rate: [{rate: 14, long: 1h, short: 5m}, {rate: 6, long: 6h, short: 30m}], slo: 99%}
  r2: {above: 1%}
  r3: {service: s, above_baseline: 2}
  r4: {service: s, burn_rate: [{rate: 14, long: 1h, short: 5m}], slo: 99%}
  r5: {service: t, above: 1%}
"""
    noise = "noise: {blips: {every: exp(mean=1h), lasts: fixed(1m), size: 10%}}\n"
    horizon = 36000.0
    # 2 changes per blip, 10 blips an hour: 20 per signal; the entry's signal has 2 burn-rate rules' 4
    # windows (x2), s's 1 (x2), t's none: 20 * (1 + 8) + 20 * (1 + 4) + 20; the baseline rule adds one an hour
    assert alerting_events(loads(FLEET + alerts + noise), horizon) == pytest.approx(
        180.0 + 100.0 + 20.0 + 10.0, rel=1e-12)
    assert alerting_events(loads(FLEET + alerts), horizon) == 10.0
    assert alerting_events(loads(FLEET + noise), horizon) == 0.0
    # blips every half second: 4 changes a second on the one signal watched
    fast = "noise: {blips: {every: exp(mean=500ms), lasts: fixed(10ms), size: 10%}}\nalerts:\n  r: {above: 1%}\n"
    assert alerting_events(loads(FLEET + fast), horizon) == pytest.approx(4.0 * horizon, rel=1e-12)
    with_rate = "workload: {rate: 1/s}\nalerts:\n  e: {errors_above: 1/s}\n  f: {above: 1%}\n"
    assert alerting_events(loads(FLEET + with_rate), horizon) == 10.0


def test_upkeep_events_by_hand():
    from relsim.model.maintenance import upkeep_events

    fails = "failures: [{kind: permanent, every: exp(mean=1000h), repair: exp(mean=10h), silent: true}]"
    m = loads(f"""\
name: t
domains: {{z: {{}}, y: {{}}}}
components:
  g: {{count: 3, in: z, {fails}, maintenance: {{every: 2d}}, inspection: {{every: 3d}}}}
  a: {{in: z, {fails}, maintenance: {{every: 1d}}}}
  b: {{}}
links: {{l: {{between: [z, y]}}}}
services:
  s: {{replicas: [g, a, b]}}
""")
    # g: 3 members x (3 maintenances at 2, 4, 6 d + 2 inspections at 3, 6 d); a: 6 maintenances
    assert upkeep_events(m, 7 * DAY) == 4.0 * 3 * (3 + 2) + 4.0 * 1 * 6
    phased = loads(f"""\
name: t
domains: {{z: {{}}, y: {{}}}}
components:
  a: {{in: z, {fails}}}
  b: {{}}
  c: {{{fails}, maintenance: {{every: 2d}}}}
links: {{l: {{between: [z, y]}}}}
services:
  s: {{replicas: [a, b, c]}}
phases:
  - {{name: day, lasts: 16h}}
  - {{name: night, lasts: 8h}}
""")
    # a cycle of 1 day, two phase changes a day, each touching 3 components, 2 domains and 1 link;
    # c's maintenance at 2, 4 and 6 d
    assert upkeep_events(phased, 7 * DAY) == pytest.approx(7.0 * 2 * (2.0 + 6) + 4.0 * 3, rel=1e-12)
    # a weekly cron (Monday 02:00) counted over the first day and scaled when the week starts on Monday:
    # 7 over 7 days; from a Tuesday the first day has none and the week has one
    weekly = f"name: t\ncomponents:\n  a: {{{fails}, maintenance: {{cron: '0 2 * * 1'}}}}\n" \
             "services:\n  s: {replicas: [a]}\n"
    assert upkeep_events(loads(weekly), 7 * DAY) == 4.0 * 7
    assert upkeep_events(loads(weekly + "start_day: Tue\n"), 7 * DAY) == 4.0 * 1


def test_a_changes_bad_probability_with_peer_review_and_its_cause_kind():
    m = load("""\
    deployments:
      plain: {services: [s], every: 7d, bad: 20%}
      some: {services: [s], every: 7d, bad: 20%, review: {factor: 50%, share: 60%}}
      all: {services: [s], every: 7d, bad: 20%, review: {factor: 25%}}
      conf: {services: [s], every: 7d, bad: 20%, change: config}
    """)
    deps = m.spec.deployments
    assert {name: d.bad_probability for name, d in deps.items()} == pytest.approx(
        {"plain": 0.2, "some": 0.2 * (1.0 - 0.6 * 0.5), "all": 0.2 * 0.25, "conf": 0.2}, rel=1e-15)
    assert {name: d.cause_kind for name, d in deps.items()} == {
        "plain": "deployment", "some": "deployment", "all": "deployment", "conf": "config"}


def test_the_installed_entry_points_are_read_from_relsims_group():
    eps = registry._entry_points()
    assert {"cron-restart", "autoscaler", "consumer-queue"} <= set(eps)
    assert {ep.group for ep in eps.values()} == {registry.ENTRY_POINT_GROUP}
    assert all(name == ep.name for name, ep in eps.items())


def test_deployment_events_at_the_edges():
    from relsim.model.deployments import deployment_events

    # a rolling release to one instance is one step
    assert _deployment_events("{services: [t], every: 1d, strategy: rolling}") == 6.0 * 5.0
    # a weekly cron (Monday 02:00): 7 by the first day's count from a Monday, 1 from a Tuesday
    weekly = "deployments:\n  d: {services: [s], cron: '0 2 * * 1'}\n"
    assert deployment_events(loads(FLEET + weekly), 7 * DAY) == 7.0 * 5.0
    assert deployment_events(loads(FLEET + "start_day: Tue\n" + weekly), 7 * DAY) == 1.0 * 5.0
    # two streams add up
    both = "deployments:\n  d: {services: [s], every: 1d}\n  e: {services: [t], every: 2d}\n"
    assert deployment_events(loads(FLEET + both), 7 * DAY) == 6.0 * 5.0 + 3.0 * 5.0
    # half a second of random releases: the rate is read over that half second
    horizon = 0.5
    n = horizon / DAY
    got = _deployment_events("{services: [s], every: exp(mean=1d), strategy: blue-green, switch: 1h}", horizon)
    assert got == pytest.approx(n / (1.0 + n / horizon * 3600.0) * 5.0, rel=1e-12)
    share = 8.0 / 168.0
    windowed = n * share + min(n * (1.0 - share), horizon / (7 * DAY))
    got = _deployment_events("{services: [s], every: exp(mean=1d), window: 'Mon 00:00-08:00', "
                             "strategy: blue-green, switch: 1h}", horizon)
    assert got == pytest.approx(windowed / (1.0 + windowed / (horizon * share) * 3600.0) * 5.0, rel=1e-12)
