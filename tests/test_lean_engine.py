"""The lean engine returns what the SimPy engine returns, bit for bit (relsim/engine/lean.py).

Checked over every bundled model the lean engine accepts and over a few
hundred randomly generated models spanning what it accepts: nested domains
with their own failures, several failure modes per element (permanent and
transient, every distribution family, fixed times that tie), active-active
services with partial service, quorums,
services of services, ``depends_on``, one, two or unlimited crews, event
limits and horizons. A difference in any float, outage, cause or event
count fails.
"""

from __future__ import annotations

import dataclasses
import math
import random
from pathlib import Path

import pytest

import relsim
from relsim.engine.lean import lean_plan, lean_refusal
from relsim.engine.simulation import simulate
from relsim.errors import TooManyEvents

ROOT = Path(__file__).resolve().parents[1]


def _plain(result: object) -> dict:
    """A RunResult as a dict in which NaN equals NaN (missing detection and RPO are NaN)."""
    out = dataclasses.asdict(result)
    out["outages"] = [tuple("NaN" if isinstance(v, float) and math.isnan(v) else v for v in o)
                      for o in result.outages]
    return out


def assert_same(model: relsim.Model, seed: int, reps: range, **kw: object) -> None:
    for i in reps:
        slow = _plain(simulate(model, seed, i, engine="simpy", **kw))
        fast = _plain(simulate(model, seed, i, engine="lean", **kw))
        assert fast == slow, f"replication {i}: {[k for k in slow if slow[k] != fast[k]]}"


DISTS = ["exp(mean={m}h)", "weibull(shape=1.7, mean={m}h)", "lognormal(mean={m}h, sd={h}h)",
         "gamma(shape=2, mean={m}h)", "uniform({h}h, {m}h)", "fixed({m}h)", "normal(mean={m}h, sd={h}h)",
         "empirical([{h}h, {m}h])"]


def _dist(rng: random.Random, mean: float) -> str:
    m = round(mean * rng.uniform(0.5, 1.5), 1) or 0.5
    return rng.choice(DISTS).format(m=m, h=round(m / 2, 2))


def _failures(rng: random.Random, up: float, down: float) -> list[dict]:
    out = []
    for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
        x = rng.random()
        if x < 0.45:
            spec = {"kind": "permanent", "every": _dist(rng, up), "repair": _dist(rng, down)}
            if rng.random() < 0.25:
                spec["detect"] = _dist(rng, down / 2)  # a latent fault, found after a while
            if rng.random() < 0.15:
                spec["destroys"] = "data"  # nothing to destroy without data: no effect
        elif x < 0.8:
            spec = {"kind": "transient", "every": _dist(rng, up), "lasts": _dist(rng, down / 3)}
        else:
            spec = {"kind": "intermittent", "every": _dist(rng, up), "lasts": _dist(rng, down),
                    "down": _dist(rng, down / 10), "up": _dist(rng, down / 5)}
        if spec["kind"] != "intermittent" and rng.random() < 0.15:
            spec["growth"] = round(rng.uniform(0.3, 0.9), 2)  # each failure makes the next rarer
        out.append(spec)
    return out


def random_model(seed: int) -> dict:
    """A random model within what the lean engine accepts."""
    rng = random.Random(seed)
    domains: dict = {}
    names = []
    if rng.random() < 0.5:
        for r in range(rng.randint(1, 2)):
            zones = {f"z{r}{z}": {"failures": _failures(rng, 400, 5)} for z in range(rng.randint(1, 3))}
            domains[f"r{r}"] = {"failures": _failures(rng, 2000, 8), "contains": zones}
            names += [f"r{r}", *zones]
    components: dict = {}
    for c in range(rng.randint(1, 5)):
        spec: dict = {"failures": _failures(rng, 200, 10)}
        if rng.random() < 0.4:
            spec["count"] = rng.randint(2, 4)
        if names and rng.random() < 0.7:
            if "count" in spec and rng.random() < 0.5:
                spec["spread"] = rng.sample(names, min(len(names), 2))
            else:
                spec["in"] = rng.choice(names)
        components[f"c{c}"] = spec
    members = []
    for name, spec in components.items():
        members += [f"{name}-{i + 1}" for i in range(spec["count"])] if "count" in spec else [name]
    services: dict = {}
    pool = list(members)
    for k in range(rng.randint(1, 3)):
        reps = rng.sample(pool, rng.randint(1, min(4, len(pool))))
        svc: dict = {"replicas": reps}
        if rng.random() < 0.3 and len(reps) >= 1:
            svc["mode"] = "quorum"
            svc["needs"] = rng.randint(1, len(reps))
        elif rng.random() < 0.7:
            svc["needs"] = rng.randint(1, len(reps))
        if services and rng.random() < 0.3:
            svc["depends_on"] = [rng.choice(list(services))]
        services[f"s{k}"] = svc
        pool.append(f"s{k}")
    top = {"replicas": list(services), "needs": rng.randint(1, len(services))}
    services["top"] = top
    model = {"name": f"random-{seed}", "horizon": f"{rng.choice([500, 2000, 8760])}h",
             "components": components, "services": services, "entry": "top"}
    if domains:
        model["domains"] = domains
    crews = rng.choice([None, 1, 1, 2])
    if crews is not None:
        model["repair_crews"] = crews
    return model


@pytest.mark.parametrize("case", range(120))
def test_random_models_agree(case: int) -> None:
    model = relsim.load(random_model(case))
    assert lean_refusal(model) is None
    assert not isinstance(lean_plan(model), str), lean_plan(model)
    assert_same(model, case, range(3))


@pytest.mark.parametrize("case", range(120, 150))
def test_random_models_agree_under_an_event_limit_and_another_horizon(case: int) -> None:
    model = relsim.load(random_model(case))
    assert_same(model, 7, range(2), max_events=10**6, horizon=123_456.0)


def test_the_event_limit_stops_both_engines_at_the_same_event() -> None:
    model = relsim.load(random_model(3))
    errors = []
    for engine in ("simpy", "lean"):
        with pytest.raises(TooManyEvents) as info:
            simulate(model, 1, 0, max_events=5, engine=engine)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


BUNDLED = sorted(p for p in (ROOT / "models").rglob("*.yaml"))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(ROOT)))
def test_bundled_models_agree_or_run_on_simpy(path: Path) -> None:
    model = relsim.load(path)
    plan = lean_plan(model)
    if isinstance(plan, str):
        with pytest.raises(ValueError, match="lean engine does not run"):
            simulate(model, 0, 0, engine="lean")
        return
    assert_same(model, 11, range(3))


def test_the_benchmark_models_agree() -> None:
    for path in (ROOT / "models" / "pair-shared-crew.yaml", ROOT / "benchmarks" / "models" / "bm100.yaml"):
        assert_same(relsim.load(path), 2, range(5))


def test_auto_uses_the_lean_engine_and_a_trace_uses_simpy() -> None:
    model = relsim.load(ROOT / "models" / "pair-shared-crew.yaml")
    assert not isinstance(lean_plan(model), str)
    traced = simulate(model, 0, 0, trace=True)
    assert traced.trace  # only the SimPy engine records a trace
    assert _plain(dataclasses.replace(traced, trace=None)) == _plain(simulate(model, 0, 0))


@pytest.mark.parametrize("change, reason", [
    ({"probe": {"interval": "1m"}}, "'probe'"),
    ({"services": {"s": {"replicas": ["a", "b"], "mode": "active-passive"}}}, "active-passive"),
    ({"services": {"s": {"replicas": ["a", "b"], "overload": {"capacity": 1.5, "after": "1m",
                                                                "lasts": "fixed(5m)"}}}}, "overload"),
])
def test_what_the_lean_engine_leaves_to_simpy(change: dict, reason: str) -> None:
    base = {"name": "m", "components": {"a": {"failures": [{"kind": "permanent", "every": "exp(mean=10h)",
                                                             "repair": "fixed(1h)"}]}, "b": {}},
            "services": {"s": {"replicas": ["a", "b"]}}}
    for key, value in change.items():
        base[key] = {**base.get(key, {}), **value} if isinstance(value, dict) and key != "probe" else value
    model = relsim.load(base)
    assert reason in (lean_refusal(model) or "")
    with pytest.raises(ValueError, match="lean engine does not run"):
        simulate(model, 0, 0, engine="lean")
    simulate(model, 0, 0)  # auto: runs on SimPy


def test_a_dip_just_below_full_service_is_an_outage_in_both() -> None:
    """A 119-of-120 group: one unit down leaves s = 119/119 = 1, two leave 118/119 = 0.9916 (still an outage)."""
    model = relsim.load({"name": "wide", "horizon": "2000h", "repair_crews": 2,
                         "components": {"u": {"count": 120, "failures": [
                             {"kind": "permanent", "every": "exp(mean=3000h)", "repair": "exp(mean=20h)"}]}},
                         "services": {"all": {"replicas": [f"u-{i}" for i in range(1, 121)], "needs": 119}}})
    assert_same(model, 5, range(4))
    assert simulate(model, 5, 0).outages  # such dips happen (they are the outages here)


# A user-registered family with a sampler of its own (the lean engine calls it as it is)
# and one with only ``sample`` (the lean engine draws its blocks as Distribution.sampler does).
@relsim.distribution("lean_test_steps", params={"step": "positive_duration"}, example="lean_test_steps(step=1h)")
@dataclasses.dataclass(frozen=True, repr=False)
class _Steps(relsim.Distribution):
    step: float

    @property
    def mean(self) -> float:
        return 2.0 * self.step

    @property
    def var(self) -> float:
        return 0.0

    def _cdf(self, x):
        import numpy as np

        return np.where(x < 2.0 * self.step, 0.0, 1.0)

    def _ppf(self, q):
        import numpy as np

        return np.full_like(q, 2.0 * self.step)

    def sample(self, rng, size):
        return self.step * (1.0 + rng.random(size) * 2.0)

    def sampler(self, rng, block: int = 64):
        return lambda: self.step * (1.0 + 2.0 * rng.random())  # one draw at a time

    def spec(self) -> str:
        return f"lean_test_steps(step={self.step}s)"


@relsim.distribution("lean_test_blocks", params={"step": "positive_duration"}, example="lean_test_blocks(step=1h)")
@dataclasses.dataclass(frozen=True, repr=False)
class _Blocks(_Steps):
    sampler = relsim.Distribution.sampler

    def spec(self) -> str:
        return f"lean_test_blocks(step={self.step}s)"


def test_user_distribution_families_draw_the_same_on_both_engines() -> None:
    model = relsim.load({"name": "families", "horizon": "3000h", "repair_crews": 1, "components": {
        "a": {"failures": [{"kind": "permanent", "every": "lean_test_steps(step=50h)",
                            "repair": "lean_test_blocks(step=3h)"},
                           {"kind": "transient", "every": "lean_test_blocks(step=70h)",
                            "lasts": "lean_test_steps(step=1h)"}]},
        "b": {"failures": [{"kind": "permanent", "every": "lean_test_blocks(step=40h)",
                            "repair": "lean_test_steps(step=5h)"}]}},
        "services": {"s": {"replicas": ["a", "b"], "needs": 2}}})
    assert not isinstance(lean_plan(model), str)
    assert_same(model, 4, range(4))


def test_the_sequential_families_draw_a_block_in_two_pieces_as_in_one() -> None:
    """What lets the lean engine defer the rest of a block: one scalar draw then 63 equal a block of 64."""
    import numpy as np

    from relsim.dists import families
    from relsim.engine.lean import BLOCK, SEQUENTIAL

    dists = {"Exponential": families.Exponential(7.2e6), "Weibull": families.Weibull(1.5, scale=3600.0),
             "Lognormal": families.Lognormal(3600.0, 1800.0), "Gamma": families.Gamma(0.7, 3600.0),
             "Normal": families.Normal(3600.0, 1800.0), "Uniform": families.Uniform(10.0, 3600.0)}
    assert set(dists) == SEQUENTIAL
    for name, dist in dists.items():
        for seed in range(40):
            whole = dist.sample(np.random.Generator(np.random.PCG64(seed)), BLOCK).tolist()
            rng = np.random.Generator(np.random.PCG64(seed))
            first = float(dist.sample(rng, None))
            assert [first, *dist.sample(rng, BLOCK - 1).tolist()] == whole, (name, seed)


def test_run_and_the_cli_choose_the_engine_with_the_same_results(capsys) -> None:
    from relsim.cli import main

    path = str(ROOT / "models" / "pair-shared-crew.yaml")
    tables = {}
    for engine in ("auto", "simpy", "lean"):
        runs = relsim.run(relsim.load(path), runs=30, seed=4, engine=engine).runs
        tables[engine] = runs.to_dict("list")
        assert main(["run", path, "--runs", "30", "--seed", "4", "--csv", "--engine", engine]) == 0
        tables[f"cli-{engine}"] = capsys.readouterr().out
    assert tables["auto"] == tables["simpy"] == tables["lean"]
    assert tables["cli-auto"] == tables["cli-simpy"] == tables["cli-lean"]
    with pytest.raises(ValueError, match="engine must be one of"):
        relsim.run(relsim.load(path), runs=2, engine="fast")
    other = str(ROOT / "models" / "quorum-partition.yaml")
    with pytest.raises(ValueError, match="lean engine does not run model 'quorum-partition': the 'links' section"):
        relsim.run(relsim.load(other), runs=2, engine="lean")
    assert main(["run", other, "--runs", "2", "--engine", "lean"]) == 2
    assert "--engine lean: the lean engine does not run" in capsys.readouterr().err


def test_the_process_pool_gives_the_lean_engine_s_results() -> None:
    model = relsim.load(random_model(7))
    serial = relsim.run(model, runs=12, seed=2, engine="simpy").runs
    pooled = relsim.run(model, runs=12, seed=2, jobs=2).runs
    assert serial.equals(pooled)
