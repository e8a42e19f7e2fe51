"""Minimal cut sets from the structure function, on models whose cut sets are known by hand."""

from __future__ import annotations

import json
import pathlib

import pytest

import relsim
from relsim.cli import main
from relsim.cutsets import OTHER, Structure, cutsets, minimal_cut_sets

UNIT = [{"kind": "permanent", "every": "exp(mean=100h)", "repair": "exp(mean=10h)"}]


def _model(services: dict, components: dict | None = None, domains: dict | None = None,
           links: dict | None = None, entry: str = "s") -> relsim.Model:
    raw = {"name": "t", "horizon": "2y", "services": services, "entry": entry,
           "components": components or {n: {"failures": UNIT} for n in ("a", "b", "c")}}
    if domains:
        raw["domains"] = domains
    if links:
        raw["links"] = links
    return relsim.load(raw)


def _sets(cuts):
    return {frozenset(c) for c in cuts}


def test_series():
    m = _model({"s": {"replicas": ["a", "b", "c"], "needs": 3}})
    assert _sets(minimal_cut_sets(m)) == {frozenset("a"), frozenset("b"), frozenset("c")}


def test_parallel():
    m = _model({"s": {"replicas": ["a", "b", "c"]}})
    assert _sets(minimal_cut_sets(m)) == {frozenset("abc")}
    assert minimal_cut_sets(m, max_order=2) == []


def test_two_of_three():
    m = _model({"s": {"replicas": ["a", "b", "c"], "needs": 2}})
    assert _sets(minimal_cut_sets(m)) == {frozenset("ab"), frozenset("ac"), frozenset("bc")}


def test_quorum_majority_and_active_passive():
    m = _model({"s": {"replicas": ["a", "b", "c"], "mode": "quorum"}})
    assert _sets(minimal_cut_sets(m)) == {frozenset("ab"), frozenset("ac"), frozenset("bc")}
    m = _model({"s": {"replicas": ["a", "b"], "mode": "active-passive"}})
    assert _sets(minimal_cut_sets(m)) == {frozenset("ab")}


def test_depends_on_in_series_with_nested_service():
    m = _model({"s": {"replicas": ["a", "b"], "depends_on": ["db"]}, "db": {"replicas": ["c"]}})
    assert _sets(minimal_cut_sets(m)) == {frozenset("c"), frozenset("ab")}


def test_domain_failure_takes_down_what_it_contains():
    comps = {"a": {"in": "z1", "failures": UNIT}, "b": {"in": "z2", "failures": UNIT},
             "c": {"in": "z2", "failures": UNIT}}
    doms = {"region": {"failures": UNIT, "contains": {"z1": {"failures": UNIT}, "z2": {"failures": UNIT}}}}
    m = _model({"s": {"replicas": ["a", "b", "c"]}}, comps, doms)
    assert _sets(minimal_cut_sets(m)) == {
        frozenset({"region"}), frozenset({"z1", "z2"}), frozenset({"a", "z2"}), frozenset({"z1", "b", "c"}),
        frozenset("abc")}


def test_quorum_partition_by_links():
    comps = {n: {"in": z, "failures": UNIT} for n, z in (("a", "za"), ("b", "zb"), ("c", "zc"))}
    doms = {z: {} for z in ("za", "zb", "zc")}
    links = {"ab": {"between": ["za", "zb"], "failures": UNIT},
             "ac": {"between": ["za", "zc"], "failures": UNIT},
             "bc": {"between": ["zb", "zc"], "failures": UNIT}}
    m = _model({"s": {"replicas": ["a", "b", "c"], "mode": "quorum"}}, comps, doms, links)
    cuts = _sets(minimal_cut_sets(m))
    assert frozenset({"a", "bc"}) in cuts  # b and c cannot reach each other and a is down
    assert frozenset({"ab", "ac", "bc"}) in cuts  # nobody reaches anybody
    assert frozenset({"ab", "ac"}) not in cuts  # b and c still form a majority
    assert Structure(m).served(frozenset({"ab", "ac"})) == 1.0


def test_shares_add_up_to_one():
    m = _model({"s": {"replicas": ["a", "b"], "depends_on": ["c"]}})
    table = cutsets(m, runs=15, seed=2)
    assert list(table["cut_set"][:2]) == ["c", "a + b"]
    assert table["share"].sum() == pytest.approx(1.0)
    assert (table["order"] == 0).sum() == (OTHER in set(table["cut_set"]))
    assert table["share"].iloc[0] > 0.5  # c alone is down far more often than a and b together


def test_cli_cutsets_json_and_bad_order(capsys):
    assert main(["cutsets", "models/pair-shared-crew.yaml", "--runs", "2", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["cut_set"] == "a + b" and rows[0]["order"] == 2
    with pytest.raises(SystemExit) as exc:
        main(["cutsets", "models/pair-shared-crew.yaml", "--max-order", "0"])
    assert exc.value.code == 2


def test_cli_importance_table_csv_and_unknown_element(capsys):
    assert main(["importance", "models/pair-shared-crew.yaml", "--runs", "3", "--horizon", "1y"]) == 0
    out = capsys.readouterr().out
    assert "harden this first" in out and "criticality exact" in out
    assert main(["importance", "models/pair-shared-crew.yaml", "--runs", "3", "--horizon", "1y", "--csv",
                 "--no-exact"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.startswith("rank,element,kind,birnbaum") and "_exact" not in header
    assert main(["importance", "models/pair-shared-crew.yaml", "--runs", "2", "--element", "zz"]) == 2
    assert "unknown element(s) 'zz'" in capsys.readouterr().err
    assert main(["importance", "models/ap-cold-two-zones.yaml", "--runs", "2", "--exact"]) == 2
    assert "exact solver" in capsys.readouterr().err


def _traffic(dns: dict | None = None, lbs: int = 1, target: str = "lb-1") -> relsim.Model:
    raw = {
        "name": "t", "horizon": "2y",
        "components": {n: {"failures": UNIT} for n in ("a", "b")},
        "services": {"s": {"replicas": ["a", "b"]}},
        "load_balancers": {f"lb-{i}": {"service": "s", "failures": UNIT} for i in range(1, lbs + 1)},
        "workload": {"rate": "10/s", "target": target},
    }
    if dns is not None:
        raw["dns"] = dns
    return relsim.load(raw)


def test_request_path_through_a_load_balancer():
    assert _sets(minimal_cut_sets(_traffic())) == {frozenset({"lb-1"}), frozenset("ab")}


def test_request_path_through_dns():
    checked = {"provider": {"failures": UNIT, "serve_stale": True},
               "names": {"www": {"records": ["lb-1", "lb-2"], "health_check": {}}}}
    cuts = _sets(minimal_cut_sets(_traffic(checked, lbs=2, target="www")))
    assert frozenset({"lb-1", "lb-2"}) in cuts and frozenset("ab") in cuts
    assert frozenset({"dns", "lb-1"}) in cuts  # answers frozen on lb-1 while the provider is down
    assert frozenset({"dns", "lb-2"}) not in cuts
    # without health checks the answer never moves off lb-1
    fixed = {"names": {"www": {"records": ["lb-1", "lb-2"]}}}
    assert frozenset({"lb-1"}) in _sets(minimal_cut_sets(_traffic(fixed, lbs=2, target="www")))
    # a provider that does not serve stale answers is a single point of failure
    strict = {"provider": {"failures": UNIT, "serve_stale": False},
              "names": {"www": {"records": ["lb-1", "lb-2"], "health_check": {}}}}
    assert frozenset({"dns"}) in _sets(minimal_cut_sets(_traffic(strict, lbs=2, target="www")))


def test_every_element_event_of_a_trace_is_understood():
    # the shares of downtime read element states from traces: a new kind of
    # element event must be classified in relsim/cutsets.py
    from relsim.cutsets import _DOWN, _UP, NEUTRAL

    seen = set()
    for path in sorted((pathlib.Path(__file__).parent.parent / "models").glob("*.yaml")):
        res = relsim.simulate(relsim.load(path), 0, 0, horizon=7 * 86400.0, trace=True)
        seen |= {ev["event"] for ev in res.trace if "element" in ev}
    assert seen - (_DOWN | _UP | NEUTRAL) == set()


def test_a_behaviour_stopping_an_element_counts_as_down():
    table = cutsets("models/nightly-restart.yaml", runs=4, seed=0)
    pair = table[table["cut_set"] == "app-1 + app-2"]
    assert len(pair) == 1 and pair["share"].iloc[0] > 0.5
