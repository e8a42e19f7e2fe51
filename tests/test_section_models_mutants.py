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
