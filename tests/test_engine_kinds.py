"""The engine's one place per concept: the Node base, the kinds table, Outage records, on_piece.

What these protect: every live thing publishes its state through
:class:`relsim.engine.node.Node` (one push, one order), the table in
:mod:`relsim.engine.kinds` covers every model section and every service
mode the schema accepts, outages are named records that become the
outages DataFrame as they stand, and the request path's pieces reach an
observer through a public hook without changing the replication.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
import typing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import relsim
from relsim.engine import OUTAGE_FIELDS, Outage, Simulation, simulate
from relsim.engine.elements import Element
from relsim.engine.kinds import SECTIONS, SERVICE_MODES
from relsim.engine.node import Node
from relsim.engine.services import ServiceNode
from relsim.engine.traffic import Piece
from relsim.model.schema import ModelSpec, Service

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
ENGINE = ROOT / "relsim" / "engine"
YEAR = 365 * 86400.0


def _schema_modes() -> set[str]:
    """The service modes the model schema accepts (the Literal of ``Service.mode``)."""
    return set(typing.get_args(Service.model_fields["mode"].annotation))


def _subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


def _live_nodes(sim: Simulation) -> list[Node]:
    nodes: list[Node] = [*sim.elements, *sim.services, *sim.targets.values()]
    if sim.traffic is not None:
        nodes.append(sim.traffic)
    return nodes


# -- the kinds table -----------------------------------------------------------
def test_every_service_mode_of_the_schema_has_a_class():
    assert _schema_modes()  # the schema still spells the modes as a Literal
    assert set(SERVICE_MODES) == _schema_modes()
    assert all(issubclass(cls, ServiceNode) for cls in SERVICE_MODES.values())
    assert len(set(SERVICE_MODES.values())) == len(SERVICE_MODES)


def test_every_named_section_of_the_schema_has_a_builder():
    names = [name for name, _ in SECTIONS]
    assert len(names) == len(set(names))
    fields = ModelSpec.model_fields
    assert set(names) <= set(fields), "a section that is not a model-file key"
    # every section that maps names to specs holds live things: it needs a builder
    named = {name for name, f in fields.items() if typing.get_origin(f.annotation) is dict}
    assert named <= set(names)
    assert all(callable(build) for _, build in SECTIONS)


def test_sections_are_built_after_what_they_refer_to():
    order = [name for name, _ in SECTIONS]
    before = [("domains", "components"), ("domains", "links"), ("components", "services"),
              ("services", "load_balancers"), ("load_balancers", "dns"), ("dns", "workload"),
              ("services", "workload")]
    for first, then in before:
        assert order.index(first) < order.index(then), (first, then)


def test_no_engine_module_compares_service_mode_names():
    # a mode's behaviour lives in its class; only the table names the modes
    offenders = []
    for path in ENGINE.glob("*.py"):
        if path.name == "kinds.py":
            continue
        text = path.read_text()
        offenders += [(path.name, m) for m in _schema_modes() if re.search(rf"[\"']{m}[\"']", text)]
    assert offenders == []


def test_the_table_builds_every_element_target_and_service():
    model = relsim.load(MODELS / "multi-region-dns.yaml")
    spec = model.spec
    sim = Simulation(model, 0, 0)
    elements = {*model.domains, *model.components, *spec.links, *spec.load_balancers, "dns"}
    assert set(sim.nodes) == elements
    assert {el.name for el in sim.elements} == elements
    assert set(sim.service_nodes) == set(model.services)
    assert set(sim.targets) == {*spec.load_balancers, *spec.dns.names}
    assert sim.traffic is not None and sim.path is sim.traffic
    for name, node in sim.service_nodes.items():
        assert type(node) is SERVICE_MODES[model.services[name].mode]


# -- one Node base ---------------------------------------------------------------
def test_publish_tells_listeners_in_order_and_only_on_a_change():
    node = Node("n")
    heard: list[tuple[str, float, float]] = []
    node.subscribe(lambda n, old, new: heard.append(("first", old, new)))
    node.subscribe(lambda n, old, new: heard.append(("second", old, new)))
    node._publish(1.0)
    assert heard == []
    node._publish(0.5)
    assert node.s == 0.5
    assert heard == [("first", 1.0, 0.5), ("second", 1.0, 0.5)]


def test_elements_keep_slots():
    el = Element("a", "component", None)  # type: ignore[arg-type]
    assert not hasattr(el, "__dict__")
    with pytest.raises(AttributeError):
        el.anything = 1  # type: ignore[attr-defined]


def test_a_domain_tells_what_it_contains_before_other_listeners():
    domain = Element("z", "domain", None)  # type: ignore[arg-type]
    seen: list[list[float]] = []
    domain.subscribe(lambda _d, _old, _new: seen.append([c.s for c in domain.children]))
    a, b = (Element(n, "component", None) for n in "ab")  # type: ignore[arg-type]
    domain.contain(a)  # placed after the listener subscribed, still heard first
    domain.contain(b)
    heard: list[str] = []
    a.subscribe(lambda *_: heard.append("a"))
    b.subscribe(lambda *_: heard.append("b"))
    domain._set_up(False)
    assert heard == ["a", "b"] and seen == [[0.0, 0.0]]
    assert (a.s, b.s, a.up, a.parent_up) == (0.0, 0.0, True, False)
    domain._set_up(True)
    assert seen[-1] == [1.0, 1.0] and heard == ["a", "b", "a", "b"]


@pytest.mark.skipif("MUTANT_UNDER_TEST" in os.environ,
                    reason="checks call sites, which mutation testing's trampolines change")
@pytest.mark.parametrize("name", ["multi-region-dns.yaml", "quorum-partition.yaml", "aa-three-zones.yaml"])
def test_every_listener_call_comes_from_the_node_base(name):
    model = relsim.load(MODELS / name)
    sim = Simulation(model, 3, 0, 2 * YEAR)
    # under mutation testing (mutmut) the methods run as copies named
    # xǁNodeǁ_publish__mutmut_orig (or __mutmut_N) in the same file
    # (its trampoline, Node._publish, lives in mutmut's own file: take the module's)
    base_file = sys.modules[Node.__module__].__file__
    named = re.compile(r"(?:xǁNodeǁ)?(_publish|_notify)(?:__mutmut_\w+)?")
    callers: set[Any] = set()
    published: set[type] = set()

    def probe(node: Node, _old: float, _new: float) -> None:
        callers.add(sys._getframe(1).f_code)
        published.add(type(node))

    for node in _live_nodes(sim):
        node.subscribe(probe)
    sim.run()
    assert callers
    assert {(c.co_filename, bool(named.fullmatch(c.co_name))) for c in callers} == {(base_file, True)}
    assert published == {type(n) for n in _live_nodes(sim)}


def test_all_kinds_of_node_publish_through_the_base():
    # together the three models above hold every leaf kind of Node in the engine
    leaves = {cls for cls in _subclasses(Node) if not cls.__subclasses__() and cls.__module__.startswith("relsim.")}
    kinds: set[type] = set()
    for name in ["multi-region-dns.yaml", "quorum-partition.yaml", "aa-three-zones.yaml"]:
        kinds |= {type(n) for n in _live_nodes(Simulation(relsim.load(MODELS / name), 0, 0))}
    # elements that keep their own downtime exist only when importance measures ask for it
    timed = relsim.load(MODELS / "pair-shared-crew.yaml").conditioned(element_downtime=True)
    kinds |= {type(n) for n in _live_nodes(Simulation(timed, 0, 0))}
    assert leaves <= kinds
    assert all("_publish" not in vars(cls) and "_notify" not in vars(cls) for cls in _subclasses(Node))


def test_only_the_node_base_calls_listeners():
    calls = re.compile(r"for \w+ in [\w.]*listeners")
    # lean.py reads a built replication's listener lists to copy its wiring (it calls none of them)
    offenders = [p.name for p in ENGINE.glob("*.py")
                 if p.name not in ("node.py", "lean.py") and calls.search(p.read_text())]
    assert offenders == []


# -- named outage records ---------------------------------------------------------
def _outages(name: str = "single-host.yaml", seed: int = 1) -> list[Outage]:
    res = simulate(relsim.load(MODELS / name), seed, 0, 10 * YEAR)
    assert res.outages, "the test needs a replication with outages"
    return res.outages


def test_outages_are_named_records():
    assert Outage._fields == OUTAGE_FIELDS
    outages = _outages("ap-hot-two-zones.yaml")
    for out in outages:
        assert isinstance(out, Outage)
        assert out.duration_s == pytest.approx(out.end_s - out.start_s)
        phases = out.detection_s + out.decision_s + out.failover_s + out.restore_s
        assert phases == pytest.approx(out.duration_s)
        assert isinstance(out.cause_element, str) and isinstance(out.censored, bool)


def test_outages_round_trip_into_the_outages_frame(tmp_path):
    outages = _outages()
    frame = pd.DataFrame(outages)
    assert list(frame.columns) == list(OUTAGE_FIELDS)
    rebuilt = [Outage(*row) for row in frame.itertuples(index=False)]
    pd.testing.assert_frame_equal(pd.DataFrame(rebuilt), frame)  # NaN-aware comparison
    assert rebuilt[0].cause_element == outages[0].cause_element
    frame.to_parquet(tmp_path / "o.parquet", index=False)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "o.parquet"), frame)
    back = pickle.loads(pickle.dumps(outages))  # process backends pickle them
    assert all(isinstance(o, Outage) for o in back)
    pd.testing.assert_frame_equal(pd.DataFrame(back), frame)


def test_run_results_carry_the_outages_by_name():
    model = relsim.load(MODELS / "single-host.yaml")
    results = relsim.run(model, runs=2, seed=1, horizon="10y")
    direct = [o for i in range(2) for o in simulate(model, 1, i, 10 * YEAR).outages]
    assert list(results.outages.columns[-len(OUTAGE_FIELDS):]) == list(OUTAGE_FIELDS)
    got = results.outages[list(OUTAGE_FIELDS)].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, pd.DataFrame(direct), check_dtype=False)


# -- the on_piece hook ---------------------------------------------------------------
def test_pieces_tile_the_replication_and_leave_it_unchanged():
    model = relsim.load(MODELS / "web-tier-retries.yaml")
    pieces: list[Piece] = []
    res = simulate(model, 2, 0, YEAR, on_piece=pieces.append)
    assert pieces[0].start == 0.0 and pieces[-1].end == res.horizon
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:]))
    assert all(isinstance(p, Piece) and len(p.c0) == len(p.c1) for p in pieces)
    plain = simulate(model, 2, 0, YEAR)
    assert plain.requests == res.requests
    pd.testing.assert_frame_equal(pd.DataFrame(plain.outages), pd.DataFrame(res.outages))


def test_on_piece_needs_a_workload():
    with pytest.raises(ValueError, match="workload"):
        simulate(relsim.load(MODELS / "single-host.yaml"), 0, 0, on_piece=lambda _p: None)
