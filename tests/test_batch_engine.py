"""The batch engine (relsim/engine/batch.py): equal in distribution, deterministic per replication.

It has its own random streams, so its results are compared with exact
values and with the SimPy engine within 4 standard errors (two-sided; a
difference of two independent estimates uses the SE of the difference),
never with numbers a seed produced. With ~20 comparisons at |z| < 4 the
chance of a false failure is about 0.1 %.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import relsim
from relsim.engine.batch import BLOCK, batch_refusal
from relsim.engine.simulation import simulate
from relsim.errors import TooManyEvents

ROOT = Path(__file__).resolve().parents[1]
Z = 4.0
HOUR = 3600.0


def unit(every: str = "exp(mean=1000h)", repair: str = "exp(mean=10h)") -> dict:
    return {"failures": [{"kind": "permanent", "every": every, "repair": repair}]}


def close_to(values: np.ndarray, exact: float) -> None:
    mean, se = float(np.mean(values)), float(np.std(values, ddof=1) / math.sqrt(len(values)))
    assert se > 0 and abs(mean - exact) < Z * se, (mean, exact, se)


def unavailability(res: relsim.Results) -> np.ndarray:
    return 1.0 - res.runs["availability"].to_numpy()


def test_a_pair_with_one_crew_matches_its_markov_chain() -> None:
    """C4b: 1-of-2, one FIFO crew: A = 1 - 2 lambda^2 / (mu^2 + 2 lambda mu + 2 lambda^2); mean outage 1/mu."""
    lam, mu = 1 / 1000, 1 / 10
    model = relsim.load({"name": "pair", "horizon": "20y", "repair_crews": 1,
                         "components": {"a": unit(), "b": unit()}, "services": {"s": {"replicas": ["a", "b"]}}})
    res = relsim.run(model, runs=2 * BLOCK, seed=3, engine="batch")
    close_to(unavailability(res), 2 * lam**2 / (mu**2 + 2 * lam * mu + 2 * lam**2))
    durations = res.outages["duration_s"].to_numpy() / HOUR
    assert len(durations) > 1000
    close_to(durations, 10.0)  # memoryless: the remaining repair of the unit in the crew's hands


def test_unlimited_crews_and_a_quorum_match_theory() -> None:
    """C5: 2-of-3 quorum, independent repairs: A = 3p^2 - 2p^3 with p = MTTF/(MTTF+MTTR)."""
    model = relsim.load({"name": "q", "horizon": "20y",
                         "components": {"n": {"count": 3, **unit(repair="exp(mean=50h)")}},
                         "services": {"db": {"replicas": ["n-1", "n-2", "n-3"], "mode": "quorum"}}})
    p = 1000 / 1050
    res = relsim.run(model, runs=BLOCK, seed=4, engine="batch")
    close_to(unavailability(res), 1 - (3 * p**2 - 2 * p**3))


def test_renewal_with_any_distributions_and_transient_failures() -> None:
    """One unit: A = E[up] / (E[up] + E[down]) for Weibull up-times, lognormal repairs and a transient unit."""
    model = relsim.load({"name": "renewal", "horizon": "5y", "components": {
        "a": unit("weibull(shape=2, mean=300h)", "lognormal(mean=20h, sd=30h)"),
        "b": {"failures": [{"kind": "transient", "every": "gamma(shape=3, mean=100h)", "lasts": "uniform(1h, 9h)"}]}},
        "services": {"s": {"replicas": ["a", "b"], "needs": 2}}})  # both needed: s = (a + b) / 2
    res = relsim.run(model, runs=BLOCK, seed=5, engine="batch")
    a, b = 300 / 320, 100 / 105
    # served fraction = (A_a + A_b) / 2; availability (both up) = A_a * A_b (independent units)
    close_to(1 - res.runs["served_fraction"].to_numpy(), 1 - (a + b) / 2)
    close_to(unavailability(res), 1 - a * b)
    one = simulate(model, 5, 0, engine="batch")
    assert set(one.failures_by_kind) == {"permanent", "transient"}
    assert sum(one.failures_by_kind.values()) == one.failures


def test_bm100_agrees_with_the_simpy_engine() -> None:
    """Ten 9-of-10 subsystems in series, four crews: both engines estimate the same quantities."""
    model = relsim.load(ROOT / "benchmarks" / "models" / "bm100.yaml")
    batch = relsim.run(model, runs=2 * BLOCK, seed=6, engine="batch").runs
    lean = relsim.run(model, runs=2 * BLOCK, seed=7).runs  # bit-identical to SimPy (test_lean_engine.py)
    for metric in ("availability", "served_fraction", "outages_per_year", "failures_per_year", "degraded_per_year"):
        x, y = batch[metric].to_numpy(), lean[metric].to_numpy()
        se = math.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
        assert se > 0 and abs(x.mean() - y.mean()) < Z * se, (metric, x.mean(), y.mean(), se)


def test_a_non_tree_model_and_dependencies_agree_with_the_simpy_engine() -> None:
    """An element serving two services, and depends_on: the level-by-level evaluation."""
    model = relsim.load({"name": "shared", "horizon": "2y", "repair_crews": 2, "components": {
        "a": unit("exp(mean=200h)"), "b": unit("exp(mean=300h)"), "c": unit("exp(mean=250h)", "exp(mean=20h)"),
        "d": unit("exp(mean=500h)", "exp(mean=5h)")},
        "services": {"front": {"replicas": ["a", "b"], "needs": 2}, "back": {"replicas": ["b", "c"]},
                     "db": {"replicas": ["d"]},
                     "top": {"replicas": ["front", "back"], "needs": 2, "depends_on": ["db"]}},
        "entry": "top"})
    assert batch_refusal(model) is None
    batch = relsim.run(model, runs=BLOCK, seed=8, engine="batch").runs
    lean = relsim.run(model, runs=BLOCK, seed=9).runs
    for metric in ("availability", "served_fraction", "outages_per_year"):
        x, y = batch[metric].to_numpy(), lean[metric].to_numpy()
        se = math.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
        assert abs(x.mean() - y.mean()) < Z * se, (metric, x.mean(), y.mean(), se)


ZONES = {
    "name": "zones", "horizon": "1y", "repair_crews": 2,
    "domains": {"region": {"failures": [{"kind": "transient", "every": "exp(mean=4000h)", "lasts": "exp(mean=3h)"}],
                           "contains": {f"z{i}": {"failures": [
                               {"kind": "permanent", "every": "exp(mean=1500h)", "repair": "exp(mean=6h)"}]}
                               for i in (1, 2, 3)}}},
    "components": {"web": {"count": 6, "spread": ["z1", "z2", "z3"], "failures": [
        {"kind": "permanent", "every": "weibull(shape=1.5, mean=900h)", "repair": "lognormal(mean=8h, sd=6h)"},
        {"kind": "transient", "every": "exp(mean=300h)", "lasts": "uniform(5m, 1h)"}]},
        "db": {"count": 3, "spread": ["z1", "z2", "z3"], "failures": [
            {"kind": "permanent", "every": "gamma(shape=2, mean=2000h)", "repair": "exp(mean=12h)"},
            {"kind": "transient", "every": "exp(mean=500h)", "lasts": "exp(mean=20m)"}]}},
    "services": {"front": {"replicas": [f"web-{i}" for i in range(1, 7)], "needs": 4},
                 "store": {"replicas": ["db-1", "db-2", "db-3"], "mode": "quorum"},
                 "app": {"replicas": ["front"], "depends_on": ["store"]}},
    "entry": "app",
}


def test_domains_and_several_failure_modes_agree_with_the_simpy_engine() -> None:
    """Nested domains that hide what they hold, two failure modes per element that pause each other."""
    model = relsim.load(ZONES)
    assert batch_refusal(model) is None
    batch = relsim.run(model, runs=BLOCK, seed=10, engine="batch").runs
    lean = relsim.run(model, runs=BLOCK, seed=11).runs  # bit-identical to SimPy (test_lean_engine.py)
    for metric in ("availability", "served_fraction", "outages_per_year", "failures_per_year",
                   "degraded_per_year"):
        x, y = batch[metric].to_numpy(), lean[metric].to_numpy()
        se = math.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
        assert se > 0 and abs(x.mean() - y.mean()) < Z * se, (metric, x.mean(), y.mean(), se)


def test_a_replication_depends_only_on_the_model_the_seed_and_its_index() -> None:
    model = relsim.load(ROOT / "models" / "pair-shared-crew.yaml")
    serial = relsim.run(model, runs=BLOCK + 10, seed=2, engine="batch").runs
    pooled = relsim.run(model, runs=BLOCK + 10, seed=2, engine="batch", jobs=2).runs
    assert serial.equals(pooled)
    alone = simulate(model, 2, BLOCK + 3, engine="batch")
    assert alone.downtime == serial.loc[serial["replication"] == BLOCK + 3, "downtime_s"].item()
    other = relsim.run(model, runs=20, seed=3, engine="batch").runs
    assert not other["downtime_s"].equals(serial["downtime_s"].iloc[:20])


@pytest.mark.parametrize("model, reason", [
    ({"components": {"a": unit("fixed(10h)")}}, "not continuous"),
    ({"components": {"a": {"failures": [{"kind": "intermittent", "every": "exp(mean=10h)", "lasts": "exp(mean=1h)",
                                          "down": "exp(mean=1m)", "up": "exp(mean=5m)"}]}}}, "intermittent"),
    ({"components": {"a": {"failures": [{**unit()["failures"][0], "detect": "exp(mean=1h)"}]}}}, "latent"),
    ({"components": {"a": unit()}, "probe": {"interval": "1m"}}, "'probe'"),
])
def test_what_the_batch_engine_refuses(model: dict, reason: str) -> None:
    full = relsim.load({"name": "m", "services": {"s": {"replicas": ["a"]}}, **model})
    assert reason in batch_refusal(full)
    with pytest.raises(ValueError, match="batch engine does not run"):
        relsim.run(full, runs=2, engine="batch")
    with pytest.raises(ValueError, match="batch engine does not run"):
        simulate(full, 0, 0, engine="batch")


def test_the_command_line_runs_it_and_refuses_clearly(tmp_path, capsys) -> None:
    from relsim.cli import main

    assert main(["run", str(ROOT / "models" / "pair-shared-crew.yaml"), "--runs", "50", "--engine", "batch"]) == 0
    assert "availability" in capsys.readouterr().out
    assert main(["run", str(ROOT / "models" / "quorum-partition.yaml"), "--runs", "5", "--engine", "batch"]) == 2
    assert "--engine batch: the batch engine does not run" in capsys.readouterr().err


def test_the_event_limit_applies() -> None:
    model = relsim.load(ROOT / "models" / "pair-shared-crew.yaml")
    with pytest.raises(TooManyEvents):
        simulate(model, 0, 0, engine="batch", max_events=20)
