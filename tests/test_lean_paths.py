"""What the lean engine refuses, and the paths of a replication the random models rarely take.

tests/test_lean_engine.py compares the lean engine with the SimPy engine on
random and bundled models; here each reason of ``lean_refusal`` is checked
to refuse exactly the models it names (and the model without it is
accepted), and hand-built models reach the event limit at every event,
outages of zero length, outages censored at the horizon and user samplers,
each compared with the SimPy engine field by field and with values worked
out by hand.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

import relsim
from relsim.engine.lean import LeanPlan, lean_plan, lean_refusal
from relsim.engine.simulation import simulate
from relsim.errors import TooManyEvents

ROOT = Path(__file__).resolve().parents[1]
HOUR = 3600.0


def _plain(result: object) -> dict:
    out = dataclasses.asdict(result)
    out["outages"] = [tuple("NaN" if isinstance(v, float) and math.isnan(v) else v for v in o)
                      for o in result.outages]
    return out


def same(model: relsim.Model, seed: int = 0, replication: int = 0, **kw: object):
    """The lean engine's result, after checking it is the SimPy engine's."""
    slow = simulate(model, seed, replication, engine="simpy", **kw)
    fast = simulate(model, seed, replication, engine="lean", **kw)
    assert _plain(fast) == _plain(slow)
    return fast


def base() -> dict:
    return {"name": "m", "horizon": "100h",
            "components": {"a": {"failures": [{"kind": "permanent", "every": "exp(mean=10h)",
                                               "repair": "fixed(1h)"}]}, "b": {}},
            "services": {"s": {"replicas": ["a", "b"]}}}


def with_(**changes: object) -> relsim.Model:
    raw = base()
    raw.update(changes)
    return relsim.load(raw)


# -- refusals ------------------------------------------------------------------------------------

def test_the_base_model_and_its_neighbours_are_accepted():
    assert lean_refusal(relsim.load(base())) is None
    accepted = [
        with_(domains={"z": {"failures": [{"kind": "transient", "every": "exp(mean=10h)", "lasts": "fixed(1h)"}]}},
              components={"a": {"in": "z"}, "b": {}}),
        with_(services={"s": {"replicas": ["a", "b"], "mode": "quorum", "needs": 1}}),
        with_(services={"s": {"replicas": ["a", "b"], "mode": "active-active", "needs": 2}}),
    ]
    for model in accepted:
        assert lean_refusal(model) is None
        assert isinstance(lean_plan(model), LeanPlan)


def test_conditioned_models_are_refused():
    model = relsim.load(base())
    assert lean_refusal(model.conditioned(never_fails=["a"])) == "conditioned elements (importance measures)"
    assert lean_refusal(model.conditioned()) == "conditioned elements (importance measures)"


SECTIONS = ("links", "probe", "workload", "load_balancers", "dns", "behaviours", "alerts", "noise", "teams",
            "observability", "severity", "incidents", "sessions", "operations", "latency", "sagas", "mesh",
            "deployments", "spares", "costs", "phases", "schedule")


def _section_values() -> dict[str, object]:
    """Each section's value in a bundled model that has it (incidents: a policy of its own)."""
    values: dict[str, object] = {"incidents": with_(incidents={"merge_within": "15m"}).spec.incidents}
    for path in sorted((ROOT / "models").rglob("*.yaml")):
        spec = relsim.load(path).spec
        for section in SECTIONS:
            if section not in values and getattr(spec, section):
                values[section] = getattr(spec, section)
    return values


def test_each_other_section_is_refused_by_its_name():
    from relsim.engine.lean import _OTHER_SECTIONS

    assert _OTHER_SECTIONS == SECTIONS
    values = _section_values()
    assert set(values) == set(SECTIONS)
    model = relsim.load(base())
    for section in SECTIONS:
        spec = model.spec.model_copy(update={section: values[section]})
        assert lean_refusal(dataclasses.replace(model, spec=spec)) == f"the '{section}' section", section
        empty = type(getattr(model.spec, section))() if getattr(model.spec, section) is not None else None
        spec = model.spec.model_copy(update={section: empty})
        assert lean_refusal(dataclasses.replace(model, spec=spec)) is None, section  # empty: no refusal


def test_crew_travel_is_refused():
    model = with_(domains={"remote": {"travel": "fixed(3h)"}, "near": {}},
                  components={"a": {"in": "remote"}, "b": {"in": "near"}})
    assert lean_refusal(model) == "domain 'remote' has crew travel"


@pytest.mark.parametrize("extra", [{"maintenance": {"every": "180d", "lasts": "1d"}},
                                   {"inspection": {"every": "90d", "lasts": "1h", "finds": "95%"}}])
def test_maintenance_or_inspection_is_refused(extra):
    raw = base()
    raw["components"]["b"] = {"failures": [{"kind": "permanent", "every": "exp(mean=10h)", "repair": "fixed(1h)",
                                            "silent": True}], **extra}
    assert lean_refusal(relsim.load(raw)) == "component 'b' has maintenance or inspection"


def test_active_passive_is_refused():
    model = with_(services={"s": {"replicas": ["a", "b"], "mode": "active-passive"}})
    assert lean_refusal(model) == "service 's' is active-passive"


@pytest.mark.parametrize("service", [
    {"replicas": ["a", "b"], "overload": {"capacity": 1.2, "after": "30s", "probability": "100%",
                                          "lasts": "fixed(3m)"}},
    {"replicas": ["a", "b"], "data": {"writes": "10/s"}},
    {"replicas": ["a", "b"], "mode": "quorum", "election": "fixed(1s)"},
])
def test_overload_data_or_an_election_is_refused(service):
    model = with_(services={"t": {"replicas": ["a"]}, "s": service}, entry="s")
    assert lean_refusal(model) == "service 's' has overload, data or an election"


def test_a_refused_model_runs_on_simpy_and_its_reason_is_kept():
    model = with_(services={"s": {"replicas": ["a", "b"], "mode": "active-passive"}})
    assert lean_plan(model) == "service 's' is active-passive"
    assert lean_plan(model) is lean_plan(model)
    with pytest.raises(ValueError, match="lean engine does not run model 'm': service 's' is active-passive"):
        simulate(model, 0, 0, engine="lean")
    accepted = relsim.load(base())
    assert lean_plan(accepted) is lean_plan(accepted)


# -- paths of a replication ----------------------------------------------------------------------

def _model(components: dict, services: dict, horizon: str = "12h", **extra: object) -> relsim.Model:
    return relsim.load({"name": "paths", "horizon": horizon, "components": components, "services": services,
                        **extra})


def perm(every: str, repair: str, **kw: object) -> dict:
    return {"kind": "permanent", "every": every, "repair": repair, **kw}


def test_an_outage_of_zero_length_is_not_an_outage():
    """b fails at 10 h (scheduled first) and takes the last replica away; a's repair at 10 h brings it back."""
    model = _model({"a": {"failures": [perm("fixed(5h)", "fixed(5h)")]},
                    "b": {"failures": [perm("fixed(10h)", "fixed(1h)")]}},
                   {"s": {"replicas": ["a", "b"], "needs": 1}})
    res = same(model)
    assert res.outages == [] and res.downtime == 0.0
    assert res.failures == 2 and res.failures_by_kind == {"permanent": 2}
    assert res.served_integral == 12 * HOUR and res.degraded_time == 0.0


def test_an_outage_under_way_at_the_horizon_is_censored():
    model = _model({"a": {"failures": [perm("fixed(5h)", "fixed(100h)")]}, "b": {}},
                   {"s": {"replicas": ["a", "b"], "needs": 2}})
    res = same(model)
    assert res.downtime == 7 * HOUR and res.served_integral == 5 * HOUR + 7 * HOUR * 0.5
    assert res.degraded_time == 7 * HOUR
    (o,) = res.outages
    assert (o.start_s, o.end_s, o.duration_s, o.cause_element, o.cause_spec, o.cause_kind) == \
        (5 * HOUR, 12 * HOUR, 7 * HOUR, "a", 0, "permanent")
    assert o.censored and o.restore_s == 7 * HOUR and o.detection_s == 0.0 and math.isnan(o.detected_s)
    # the same outage ended before the horizon is not censored (the next one, from 110 h, is)
    first, second = same(model, horizon=200 * HOUR).outages
    assert not first.censored and first.duration_s == 100 * HOUR and first.end_s == 105 * HOUR
    assert second.censored and (second.start_s, second.duration_s) == (110 * HOUR, 90 * HOUR)
    # an outage that would end exactly at the horizon is cut by it
    (o,) = same(model, horizon=105 * HOUR).outages
    assert o.censored and o.duration_s == 100 * HOUR


def test_a_latent_fault_is_detection_then_restore():
    model = _model({"a": {"failures": [perm("fixed(5h)", "fixed(1h)", detect="fixed(2h)")]}},
                   {"s": {"replicas": ["a"]}})
    res = same(model)
    (o,) = res.outages
    assert (o.start_s, o.end_s, o.detection_s, o.restore_s, o.detected_s, o.censored) == \
        (5 * HOUR, 8 * HOUR, 2 * HOUR, 1 * HOUR, 2 * HOUR, False)
    assert res.downtime == 3 * HOUR and res.failures == 1
    # found after the horizon: all of it is detection, nobody detected it
    (o,) = same(model, horizon=6 * HOUR).outages
    assert (o.detection_s, o.restore_s, o.censored) == (1 * HOUR, 0.0, True) and math.isnan(o.detected_s)


def test_a_latent_fault_behind_another_outage_and_a_crew():
    """b's latent fault falls inside a's outage (a is the cause): only a's outage, restored, is charged."""
    model = _model({"a": {"failures": [perm("fixed(2h)", "fixed(6h)")]},
                    "b": {"failures": [perm("fixed(3h)", "fixed(1h)", detect="fixed(1h)")]}},
                   {"s": {"replicas": ["a", "b"], "needs": 2}}, repair_crews=1)
    res = same(model)
    # a: down 2 h .. 8 h; b: down at 3 h, found at 4 h, waits for the crew until 8 h, repaired at 9 h;
    # a down again at 10 h, under repair past the horizon
    first, second = res.outages
    assert (first.start_s, first.end_s, first.cause_element, first.detection_s, first.restore_s) == \
        (2 * HOUR, 9 * HOUR, "a", 0.0, 7 * HOUR)
    assert math.isnan(first.detected_s) and not first.censored
    assert (second.start_s, second.end_s, second.censored) == (10 * HOUR, 12 * HOUR, True)


def test_reliability_growth_stretches_later_up_times():
    model = _model({"a": {"failures": [perm("fixed(10h)", "fixed(1h)", growth=0.5)]}},
                   {"s": {"replicas": ["a"]}}, horizon="100h")
    res = same(model)
    assert [(o.start_s / HOUR, o.end_s / HOUR) for o in res.outages] == [(10, 11), (31, 32), (72, 73)]


def test_intermittent_episodes_of_down_and_up_spells():
    model = _model({"a": {"failures": [{"kind": "intermittent", "every": "fixed(10h)", "lasts": "fixed(1h)",
                                        "down": "fixed(10m)", "up": "fixed(20m)"}]}},
                   {"s": {"replicas": ["a"]}}, horizon="100h")
    res = same(model)
    starts = [o.start_s / 60 for o in res.outages]
    assert starts[:4] == [600, 630, 600 + 11 * 60, 630 + 11 * 60]
    assert all(o.duration_s == 600 for o in res.outages) and len(res.outages) == 18
    assert res.failures == 18 and res.failures_by_kind == {"intermittent": 18}
    # an episode longer than its spells ends on its own length (the last spell is cut)
    model = _model({"a": {"failures": [{"kind": "intermittent", "every": "fixed(10h)", "lasts": "fixed(25m)",
                                        "down": "fixed(10m)", "up": "fixed(10m)"}]}},
                   {"s": {"replicas": ["a"]}}, horizon="11h")
    assert [(o.start_s / 60, o.end_s / 60) for o in same(model).outages] == [(600, 610), (620, 625)]


def test_a_transient_failure_pauses_the_element_s_other_clocks():
    model = _model({"a": {"failures": [{"kind": "transient", "every": "fixed(2h)", "lasts": "fixed(3h)"},
                                       perm("fixed(4h)", "fixed(1h)")]}},
                   {"s": {"replicas": ["a"]}}, horizon="20h")
    res = same(model)
    # down 2..5 (transient; the permanent clock pauses with 2 h left and resumes at 5 h, due at 7 h
    # with the transient's next, which was scheduled first and fires first, pausing it with 0 s left);
    # back at 10 h, when the permanent one fires at once (repaired at 11 h, both clocks restart)
    assert [(o.start_s / HOUR, o.end_s / HOUR, o.cause_kind) for o in res.outages] == \
        [(2, 5, "transient"), (7, 10, "transient"), (10, 11, "permanent"), (13, 16, "transient"),
         (18, 20, "transient")]
    assert res.outages[-1].censored and res.failures_by_kind == {"transient": 4, "permanent": 1}


@pytest.mark.parametrize("crews", [None, 1, 2])
def test_the_event_limit_at_every_event(crews):
    """Both engines stop at the same event with the same message, or finish with the same result."""
    extra = {} if crews is None else {"repair_crews": crews}
    model = _model({"a": {"failures": [perm("fixed(2h)", "fixed(3h)")]},
                    "b": {"failures": [perm("fixed(3h)", "fixed(3h)"),
                                       {"kind": "transient", "every": "fixed(5h)", "lasts": "fixed(1h)"}]},
                    "c": {"failures": [perm("fixed(2h)", "fixed(1h)")]}},
                   {"s": {"replicas": ["a", "b", "c"], "needs": 2}}, horizon="30h", **extra)
    finished = None
    for limit in range(0, 60):
        outcome = []
        for engine in ("simpy", "lean"):
            try:
                outcome.append(_plain(simulate(model, 0, 0, max_events=limit, engine=engine)))
            except TooManyEvents as exc:
                outcome.append(str(exc))
        assert outcome[0] == outcome[1], limit
        if finished is None and isinstance(outcome[0], dict):
            finished = limit
    assert finished is not None and finished > 20
    with pytest.raises(TooManyEvents, match=r"replication 0 \(seed 0\) passed the limit of 0 events at t=0 s"):
        simulate(model, 0, 0, max_events=0.5, engine="lean")
    with pytest.raises(TooManyEvents, match=r"passed the limit of 3 events at t=10800 s"):
        simulate(model, 0, 0, max_events=3.9, engine="lean")


@pytest.mark.parametrize("point", ["normal(mean=10h, sd=0h)", "lognormal(mean=10h, sd=0h)"])
def test_a_point_mass_normal_or_lognormal_draws_its_value(point):
    """sd = 0: sample() gives the mean without drawing (np.full), so it is drawn in blocks, never one by one."""
    model = _model({"a": {"failures": [perm(point, point)]},
                    "b": {"failures": [{"kind": "transient", "every": point, "lasts": "exp(mean=1h)"}]}},
                   {"s": {"replicas": ["a", "b"], "needs": 2}}, horizon="100h")
    res = same(model)
    a = [(o.start_s / HOUR, o.end_s / HOUR) for o in res.outages if o.cause_element == "a"]
    assert a == [(10, 20), (30, 40), (50, 60), (70, 80), (90, 100)]


def test_a_replication_seeds_its_clocks_through_the_model_s_stream_plan():
    from relsim.engine.streams import plan_for

    model = _model({"a": {"failures": [perm("exp(mean=3h)", "exp(mean=1h)"),
                                       {"kind": "transient", "every": "exp(mean=5h)", "lasts": "fixed(1h)"}]},
                    "b": {"failures": [perm("exp(mean=4h)", "exp(mean=1h)")]}},
                   {"s": {"replicas": ["a", "b"]}})
    plan = plan_for(model)
    assert plan.keys == []
    simulate(model, 3, 0, engine="lean")
    assert plan.keys == ["a/0", "a/1", "b/0"]  # learnt by the first replication, seeded together after
    simulate(model, 3, 1, engine="lean")
    assert plan._block is not None and plan._block[:2] == (3, 1)
    assert same(model, 3, 2).failures > 0


# A user family whose own sampler keeps a buffer: one sampler per clock and role, made once,
# or the values left in its buffer would be lost.
@relsim.distribution("lean_paths_buffered", params={"step": "positive_duration"},
                     example="lean_paths_buffered(step=1h)")
@dataclasses.dataclass(frozen=True, repr=False)
class _Buffered(relsim.Distribution):
    step: float

    @property
    def mean(self) -> float:
        return 2.0 * self.step

    @property
    def var(self) -> float:
        return self.step ** 2 / 3.0

    def _cdf(self, x):
        import numpy as np

        return np.clip((np.asarray(x) / self.step - 1.0) / 2.0, 0.0, 1.0)

    def _ppf(self, q):
        return self.step * (1.0 + 2.0 * q)

    def sample(self, rng, size):
        return self.step * (1.0 + 2.0 * rng.random(size))

    def sampler(self, rng, block: int = 64):
        buf: list[float] = []

        def draw() -> float:
            if not buf:
                buf.extend((self.step * (1.0 + 2.0 * rng.random(5)))[::-1].tolist())
            return buf.pop()

        return draw

    def spec(self) -> str:
        return f"lean_paths_buffered(step={self.step}s)"


def test_a_user_sampler_with_a_buffer_is_made_once_per_clock_and_role():
    model = _model({"a": {"failures": [perm("lean_paths_buffered(step=5h)", "lean_paths_buffered(step=1h)")]},
                    "b": {"failures": [{"kind": "transient", "every": "lean_paths_buffered(step=7h)",
                                        "lasts": "lean_paths_buffered(step=2h)"}]}},
                   {"s": {"replicas": ["a", "b"], "needs": 2}}, horizon="300h")
    assert isinstance(lean_plan(model), LeanPlan)
    res = same(model, 6, 1)
    assert res.failures > 20  # each sampler is called well past its first buffer of 5


def test_an_outage_adds_up_each_of_its_detection_and_restore_phases():
    """a's latent faults (found after 1 h, repaired in 1 h) recur while b's repair holds the outage open."""
    model = _model({"a": {"failures": [perm("fixed(2h)", "fixed(1h)", detect="fixed(1h)")]},
                    "b": {"failures": [perm("fixed(3h)", "fixed(10h)")]}},
                   {"s": {"replicas": ["a", "b"], "needs": 2}}, horizon="17h")
    res = same(model)
    # a: latent 2-3, repaired 4; latent 6-7, repaired 8; latent 10-11, repaired 12; b: down 3-13;
    # a: latent 14-15, repaired 16, when b fails again (down to 26 h, past the horizon)
    first, second = res.outages
    assert (first.start_s, first.end_s, first.cause_element) == (2 * HOUR, 13 * HOUR, "a")
    assert (first.detection_s, first.restore_s, first.detected_s) == (3 * HOUR, 8 * HOUR, 1 * HOUR)
    assert (second.start_s, second.end_s, second.detection_s, second.restore_s, second.detected_s) == \
        (14 * HOUR, 17 * HOUR, 1 * HOUR, 2 * HOUR, 1 * HOUR)
    assert second.censored and not first.censored


def test_a_service_serves_the_product_of_its_dependencies():
    """top depends on d1 (a and x, needs 2) and d2 (b): a down halves d1 and top; b down stops top."""
    model = _model({"a": {"failures": [perm("fixed(2h)", "fixed(1h)")]},
                    "b": {"failures": [perm("fixed(5h)", "fixed(2h)")]}, "x": {}, "c": {}},
                   {"d1": {"replicas": ["a", "x"], "needs": 2}, "d2": {"replicas": ["b"]},
                    "top": {"replicas": ["c"], "depends_on": ["d1", "d2"]}},
                   horizon="8h", entry="top")
    res = same(model)
    # a: down 2-3 (top at 0.5), 5-6; b: down 5-7 (first at 5 h: scheduled first), top at 0
    assert [(o.start_s / HOUR, o.end_s / HOUR, o.cause_element) for o in res.outages] == [(2, 3, "a"), (5, 7, "b")]
    assert res.served_integral == (8 - 0.5 - 2) * HOUR and res.degraded_time == 1 * HOUR


def test_the_plan_refuses_what_the_built_replication_holds_beyond_the_lean_engine():
    """LeanPlan's own checks, behind lean_refusal: each says what it found in the built replication."""
    def refusal(model: relsim.Model) -> str | None:
        return LeanPlan(model).refusal

    assert refusal(relsim.load(base())) is None
    assert refusal(relsim.load(ROOT / "models" / "aa-three-zones.yaml")) == "a part the lean engine does not run"
    assert refusal(relsim.load(ROOT / "models" / "cold-standby.yaml")) == "service 'app' of kind ActivePassive"
    assert refusal(relsim.load(ROOT / "models" / "quorum-partition.yaml")) == \
        "a listener of 'a~b' the lean engine does not know"
    overload = {"capacity": 1.2, "after": "30s", "probability": "100%", "lasts": "fixed(3m)"}
    for extra in ({"overload": overload}, {"data": {"writes": "10/s"}}):
        model = with_(services={"s": {"replicas": ["a", "b"], **extra}})
        assert refusal(model) == "service 's' has overload or data"


# -- paths the random models rarely take, worked out by hand -------------------------------------

def test_a_clock_paused_before_its_first_firing_does_not_fire_at_its_old_time():
    """a's first clock (permanent, due at 3 h) is paused by its second (transient at 2 h) before it ever fires."""
    model = _model({"a": {"failures": [perm("fixed(3h)", "fixed(1h)"),
                                       {"kind": "transient", "every": "fixed(2h)", "lasts": "fixed(2h)"}]}},
                   {"s": {"replicas": ["a"]}})
    res = same(model)
    # down 2-4 (the permanent clock paused with 1 h left, due at 5 h), 5-6 (repaired: both restart, the
    # transient due at 8 h, the permanent at 9 h), 8-10 (the permanent paused again), 11 h to the horizon
    assert [(o.start_s / HOUR, o.end_s / HOUR, o.cause_kind) for o in res.outages] == \
        [(2, 4, "transient"), (5, 6, "permanent"), (8, 10, "transient"), (11, 12, "permanent")]
    assert res.failures_by_kind == {"transient": 2, "permanent": 2} and res.outages[-1].censored


def test_an_element_repaired_while_its_domain_is_down_stays_down():
    """a fails at 2 h (repaired at 3.5 h); its zone z is down 3-5 h: a serves again at 5 h, not at 3.5 h."""
    model = _model({"a": {"in": "z", "failures": [perm("fixed(2h)", "fixed(1.5h)")]}},
                   {"s": {"replicas": ["a"]}}, horizon="8h",
                   domains={"z": {"failures": [{"kind": "transient", "every": "fixed(3h)", "lasts": "fixed(2h)"}]}})
    res = same(model)
    # a fails again 2 h after its repair (5.5 h), repaired at 7 h; z next down at 8 h (the horizon)
    assert [(o.start_s / HOUR, o.end_s / HOUR, o.cause_element) for o in res.outages] == \
        [(2, 5, "a"), (5.5, 7, "a")]
    assert res.served_integral == (8 - 3 - 1.5) * HOUR


def test_a_quorum_entry_serves_fully_again_after_a_replica_returns():
    model = _model({"a": {"failures": [perm("fixed(2h)", "fixed(1h)")]}, "b": {}},
                   {"s": {"replicas": ["a", "b"], "mode": "quorum", "needs": 2}}, horizon="4h")
    res = same(model)
    assert [(o.start_s / HOUR, o.end_s / HOUR) for o in res.outages] == [(2, 3)]
    assert res.served_integral == 3 * HOUR and res.degraded_time == 0.0 and res.downtime == 1 * HOUR


def test_an_outage_from_the_first_second_charges_its_phases():
    """a's latent fault at 0.5 s opens the outage; b's failure at 1 h holds it open past a's repair."""
    model = _model({"a": {"failures": [perm("fixed(0.5s)", "fixed(1h)", detect="fixed(1h)")]},
                    "b": {"failures": [perm("fixed(1h)", "fixed(10h)")]}},
                   {"s": {"replicas": ["a", "b"], "needs": 2}}, horizon="4h")
    res = same(model)
    # a: latent 0.5 s, found 3600.5 s, repaired 7200.5 s, latent again 7201 s, found 10801 s (repaired after
    # the horizon): detection 3600 + 3600 s, restore (7201 - 3600.5) + (14400 - 10801) s, censored at 4 h
    (o,) = res.outages
    assert (o.start_s, o.end_s, o.cause_element, o.censored) == (0.5, 4 * HOUR, "a", True)
    assert (o.detection_s, o.restore_s, o.detected_s) == (7200.0, 3600.5 + 3599.0, 3600.0)
    assert res.downtime == 4 * HOUR - 0.5


def test_a_replication_with_work_at_its_end_only_is_refused_by_the_plan():
    model = relsim.load(ROOT / "models" / "observability-levels.yaml")  # at_end work; no traffic, target, probe
    assert LeanPlan(model).refusal == "a part the lean engine does not run"


def test_a_plan_is_dropped_with_its_model():
    import gc

    from relsim.engine.lean import _PLANS

    model = relsim.load(base())
    key = id(model)
    assert isinstance(lean_plan(model), LeanPlan) and key in _PLANS
    del model
    gc.collect()
    assert key not in _PLANS


def test_another_element_s_latent_fault_does_not_split_the_outage_s_restore_phase():
    """a's outage (0.1 s to 0.8 s) is restore only, one subtraction: b's latent fault at 0.2 s does not cut it.

    Cut there, it would be (0.2 - 0.1) + (0.1 + 0.7 - 0.2) = 0.6999999999999998 s, not 0.7 s.
    """
    model = _model({"a": {"failures": [perm("fixed(0.1s)", "fixed(0.7s)")]},
                    "b": {"failures": [perm("fixed(0.2s)", "fixed(0.1s)", detect="fixed(0.1s)", growth=0.1)]}},
                   {"s": {"replicas": ["a", "b"], "needs": 2}}, horizon="0.85s")  # b: down 0.2-0.4 s only
    first = same(model).outages[0]
    assert (first.start_s, first.end_s, first.cause_element) == (0.1, 0.1 + 0.7, "a")
    assert (first.detection_s, first.restore_s) == (0.0, 0.7) and (0.2 - 0.1) + (0.1 + 0.7 - 0.2) != 0.7


def test_an_outage_from_time_zero_charges_its_phases():
    """a (up-time 0 s) fails latent at 0 s and again at its repair (2 h); b, down from 1 h, holds the outage open."""
    model = _model({"a": {"failures": [perm("fixed(0s)", "fixed(1h)", detect="fixed(1h)")]},
                    "b": {"failures": [perm("fixed(1h)", "fixed(10h)")]}},
                   {"s": {"replicas": ["a", "b"], "needs": 2}}, horizon="3.5h")
    (o,) = same(model).outages
    # detection 0-1 h and 2-3 h, restore 1-2 h and 3-3.5 h; found first 1 h after the start; censored
    assert (o.start_s, o.end_s, o.cause_element, o.censored) == (0.0, 3.5 * HOUR, "a", True)
    assert (o.detection_s, o.restore_s, o.detected_s) == (2 * HOUR, 1.5 * HOUR, 1 * HOUR)


def test_partial_shares_adding_up_to_one_end_the_outage_whatever_their_order():
    """top (needs 1) over p, q, r: at 5 h its partial replicas are q (1/3, from 3.5 h), r (1/2, from 4 h) and p
    (1/6 again, from 5 h, partial from 1 h to 2 h and then down).

    p's share is added last: (1/3 + 1/2) + 1/6 = 0.9999999999999999 in floating point, which is 1
    (relsim.engine.node.ALMOST_ONE): the outage opened at 4 h (5/6 served) ends at 5 h on both engines.
    """
    ps = [f"p{i}" for i in range(1, 7)]
    fail = {"p1": ("1h", "4h"), "q1": ("3h", "100h"), "q2": ("3.5h", "100h"), "r1": ("4h", "100h")}
    comps: dict = {n: {"failures": [perm(f"fixed({fail[n][0]})", f"fixed({fail[n][1]})")]} if n in fail else {}
                   for n in [*ps, "q1", "q2", "q3", "r1", "r2"]}
    for n in ps[1:]:
        comps[n]["in"] = "z"  # p2..p6 go down together at 2 h
    model = _model(comps, {"p": {"replicas": ps, "needs": 6}, "q": {"replicas": ["q1", "q2", "q3"], "needs": 3},
                           "r": {"replicas": ["r1", "r2"], "needs": 2},
                           "top": {"replicas": ["p", "q", "r"], "needs": 1}},
                   horizon="6h", entry="top",
                   domains={"z": {"failures": [{"kind": "transient", "every": "fixed(2h)", "lasts": "fixed(100h)"}]}})
    res = same(model)
    assert (1 / 3 + 1 / 2) + 1 / 6 < 1.0 and (1 / 6 + 1 / 3) + 1 / 2 == 1.0
    (o,) = res.outages
    assert (o.start_s, o.end_s, o.cause_element, o.censored) == (4 * HOUR, 5 * HOUR, "r1", False)
