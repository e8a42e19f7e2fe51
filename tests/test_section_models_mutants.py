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
