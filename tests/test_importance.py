"""Importance measures: exact formulas checked by hand, simulation against the exact solver."""

from __future__ import annotations

import math

import pytest

import relsim
from relsim.analytic.importance import exact_importance, measures
from relsim.importance import MEASURES, importance

YEAR_H = 8760.0


def _unit(mttf_h: float, mttr_h: float) -> list[dict]:
    return [{"kind": "permanent", "every": f"exp(mean={mttf_h}h)", "repair": f"exp(mean={mttr_h}h)"}]


def _model(mode: str, needs: int, horizon: str = "1000y", mttf=(100.0, 200.0), mttr=(10.0, 5.0)):
    return relsim.load({
        "name": f"two-{mode}-{needs}", "horizon": horizon,
        "components": {"a": {"failures": _unit(mttf[0], mttr[0])},
                       "b": {"failures": _unit(mttf[1], mttr[1])}},
        "services": {"s": {"replicas": ["a", "b"], "mode": mode, "needs": needs}},
    })


def _q(mttf: float, mttr: float) -> float:
    return mttr / (mttf + mttr)


def test_exact_series_by_hand():
    # a and b in series (needs 2 of 2), independent (unlimited crews):
    # U = 1 - (1-qa)(1-qb); U_a^- = qb; U_a^+ = 1.
    qa, qb = _q(100, 10), _q(200, 5)
    u = 1 - (1 - qa) * (1 - qb)
    got = exact_importance(_model("active-active", 2), ["a", "b"])["a"]
    want = {"birnbaum": 1 - qb, "criticality": (1 - qb) * qa / u, "fussell_vesely": (u - qb) / u,
            "raw": 1 / u, "rrw": u / qb}
    for name, value in want.items():
        assert got[name] == pytest.approx(value, rel=1e-4), name
    assert got["element_unavailability"] == pytest.approx(qa, rel=1e-4)


def test_exact_parallel_by_hand():
    # 1-of-2: U = qa qb; U_a^- = 0 (RRW not established); U_a^+ = qb.
    qa, qb = _q(100, 10), _q(200, 5)
    got = exact_importance(_model("active-active", 1), ["a", "b"])["a"]
    assert got["birnbaum"] == pytest.approx(qb, rel=1e-4)
    assert got["criticality"] == pytest.approx(1.0, rel=1e-4)
    assert got["fussell_vesely"] == pytest.approx(1.0, rel=1e-9)
    assert got["raw"] == pytest.approx(1 / qa, rel=1e-4)
    assert math.isnan(got["rrw"])


def test_measures_refuse_zero_denominators():
    row = measures(0.0, 0.0, 0.0, 0.1)
    assert row["birnbaum"] == 0.0
    assert all(math.isnan(row[k]) for k in ("criticality", "fussell_vesely", "raw", "rrw"))


def test_domain_held_down_takes_its_contents_down():
    m = relsim.load({
        "name": "zone", "horizon": "100y",
        "domains": {"z": {"failures": _unit(1000, 10)}},
        "components": {"a": {"in": "z", "failures": _unit(100, 10)}},
        "services": {"s": {"replicas": ["a"]}},
    })
    got = exact_importance(m, ["z", "a"])
    assert got["z"]["unavailability_if_down"] == pytest.approx(1.0)
    assert got["a"]["unavailability_if_down"] == pytest.approx(1.0)
    # with the zone perfect, only a's own failures remain
    assert got["z"]["unavailability_if_up"] == pytest.approx(_q(100, 10), rel=1e-3)


@pytest.mark.parametrize("mode,needs", [("active-active", 1), ("active-active", 2)])
def test_simulated_importance_matches_exact(mode, needs):
    table = importance(_model(mode, needs, horizon="2y"), runs=40, seed=3)
    assert list(table["rank"]) == [1, 2]
    for _, row in table.iterrows():
        for name in (*MEASURES, "unavailability_if_up", "unavailability_if_down", "element_unavailability"):
            exact, mean, se = row[f"{name}_exact"], row[name], row[f"{name}_se"]
            if math.isnan(exact):
                assert math.isnan(mean), (row["element"], name)
                continue
            assert abs(mean - exact) <= 4 * se + 1e-12, (row["element"], name, mean, exact, se)


def test_table_shape_and_provenance():
    table = importance(_model("active-active", 1, horizon="1y"), runs=5, seed=1, exact=False)
    assert {"element", "kind", "birnbaum_ci_low", "rrw_ci_high", "model", "seed", "runs"} <= set(table)
    assert not any(c.endswith("_exact") for c in table)
    assert set(table["kind"]) == {"component"}
    assert (table["seed"] == 1).all() and (table["runs"] == 5).all()


def test_unknown_element_is_named():
    with pytest.raises(ValueError, match="unknown element.*'c'"):
        importance(_model("active-active", 1, horizon="1y"), runs=2, elements=["a", "c"])


def test_always_down_element_never_comes_back():
    m = _model("active-active", 2, horizon="1y").conditioned(always_down={"a"})
    res = relsim.simulate(m, seed=0, replication=0)
    assert res.downtime == pytest.approx(res.horizon)
    assert res.outages[0].cause_element == "a" and res.outages[0].cause_kind == "forced"


@pytest.mark.slow
def test_pair_shared_crew_matches_exact():
    table = importance("models/pair-shared-crew.yaml", runs=150, seed=5)
    for _, row in table.iterrows():
        for name in ("birnbaum", "criticality", "raw", "element_unavailability"):
            exact, mean, se = row[f"{name}_exact"], row[name], row[f"{name}_se"]
            assert abs(mean - exact) <= 4 * se, (row["element"], name, mean, exact, se)


def test_no_outage_ranks_by_the_exact_criticality():
    # 1-of-2 over one hour: no replication sees both units down, so U = 0
    table = importance(_model("active-active", 1, horizon="1h", mttf=(100.0, 1e4)), runs=3, seed=0)
    assert (table["unavailability"] == 0).all() and table["criticality"].isna().all()
    assert (table["ranked_by"] == "criticality_exact").all()
    assert "not established" in table["note"].iloc[0]
