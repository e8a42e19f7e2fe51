"""User-defined behaviours (docs/extending.md): the model section, the handle, exact timelines of
the three example behaviours, the queue against its fluid formula, a behaviour that does nothing
changing nothing, clean failures, metrics and distributions from plugins, determinism across backends."""

from __future__ import annotations

import math
import pathlib
import pickle
import subprocess
import sys
import textwrap
from dataclasses import dataclass

import behaviour_plugins  # noqa: F401  (registers noop, watcher, crasher, script)
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import relsim
from relsim.cli import main
from relsim.metrics import replication_metrics

ROOT = pathlib.Path(__file__).parent.parent
HOUR, DAY = 3600.0, 86400.0


def model(text: str, source: str = "<string>") -> relsim.Model:
    return relsim.loads(textwrap.dedent(text), source=source)


def windows(res: relsim.RunResult) -> list[tuple[float, float]]:
    return [(o.start_s, o.end_s) for o in res.outages]


# -- the model section ------------------------------------------------------------------------

BASE = """\
    components:
      app: {}
      db: {}
    services:
      web: {replicas: [app], depends_on: [db]}
    horizon: 3d
"""


def test_unknown_kind_is_a_model_error_with_its_line_and_a_suggestion():
    with pytest.raises(relsim.ModelError) as err:
        model(BASE + """\
    behaviours:
      nightly:
        kind: cron-restrat
        target: app
    """, source="m.yaml")
    assert str(err.value) == ("m.yaml:9 behaviours.nightly.kind: unknown behaviour kind 'cron-restrat' "
                              "(did you mean 'cron-restart'?)")


def test_parameters_are_validated_by_the_behaviours_own_model_with_lines():
    with pytest.raises(relsim.ModelError) as err:
        model(BASE + """\
    behaviours:
      nightly:
        kind: cron-restart
        target: ap
        at: "0 3 * *"
        lats: 2m
      queue:
        kind: consumer-queue
        consumer: web
        rate: 50/s
        drain: 10/s
        capacity: 100
      plain: {}
    """, source="m.yaml")
    lines = str(err.value).splitlines()
    assert "m.yaml:11 behaviours.nightly.at: not a cron expression: '0 3 * *' (five fields, e.g. '0 3 * * *' " \
           "for 03:00 daily)" in lines
    assert "m.yaml:12 behaviours.nightly.lats: unknown key 'lats' (did you mean 'lasts'?)" in lines
    assert "m.yaml:8 behaviours.nightly.lasts: missing required key 'lasts'" in lines
    assert any(line.startswith("m.yaml:13 behaviours.queue: drain (=10/s) must exceed rate (=50/s)")
               for line in lines), lines
    assert "m.yaml:19 behaviours.plain.kind: missing required key 'kind'" in lines


def test_references_must_name_something_in_the_model():
    with pytest.raises(relsim.ModelError, match=r"m.yaml:9 behaviours.nightly.target: unknown element, "
                       r"service or load balancer 'ap' \(did you mean 'app'\?\)"):
        model(BASE + """\
    behaviours:
      nightly:
        {kind: cron-restart, target: ap, at: "0 3 * * *", lasts: fixed(2m)}
    """, source="m.yaml")


def test_a_behaviour_without_parameters_takes_none():
    with pytest.raises(relsim.ModelError, match="behaviours.n.every: unknown key 'every': behaviour 'noop' "
                       "takes no parameters"):
        model(BASE + "    behaviours: {n: {kind: noop, every: 1h}}\n")


def test_the_first_example_of_docs_extending_runs_as_written():
    text = (ROOT / "docs" / "extending.md").read_text()
    block = text[text.index("```python\n# chaos.py") + len("```python\n"):]
    namespace: dict = {}
    exec(compile(block[:block.index("```")], "docs/extending.md", "exec", dont_inherit=True), namespace)
    m = model(BASE + """\
    behaviours:
      monkey: {kind: chaos-monkey, target: app, every: fixed(10h), lasts: fixed(1h)}
    """)
    res = relsim.simulate(m, 1, 0)
    assert windows(res) == [(10 * HOUR, 11 * HOUR), (21 * HOUR, 22 * HOUR), (32 * HOUR, 33 * HOUR),
                            (43 * HOUR, 44 * HOUR), (54 * HOUR, 55 * HOUR), (65 * HOUR, 66 * HOUR)]


def test_installed_kinds_are_known_before_they_are_imported():
    from relsim import behaviours

    assert {"cron-restart", "autoscaler", "consumer-queue"} <= set(behaviours.known())
    assert {"noop", "watcher"} <= set(behaviours.registered())


def test_registration_rules():
    with pytest.raises(ValueError, match="lower-case name"):
        relsim.behaviour("Bad Name")
    with pytest.raises(ValueError, match="refs .* are not fields"):
        relsim.behaviour("x-y", params=behaviour_plugins.WatchParams, refs=("target",))
    with pytest.raises(ValueError, match="already registered by behaviour_plugins.noop"):
        relsim.behaviour("noop")(lambda h, p: None)


# -- example 1: cron-restart -------------------------------------------------------------------

def test_cron_restart_timeline_exactly():
    m = model("""\
        components: {app: {}}
        services: {web: {replicas: [app]}}
        horizon: 3d
        behaviours:
          nightly: {kind: cron-restart, target: app, at: "0 3 * * *", lasts: fixed(2m)}
    """)
    res = relsim.simulate(m, 1, 0, trace=True)
    assert windows(res) == [(d * DAY + 3 * HOUR, d * DAY + 3 * HOUR + 120) for d in range(3)]
    assert {(o.cause_element, o.cause_kind) for o in res.outages} == {("nightly", "behaviour")}
    events = [(e["t"], e["event"]) for e in res.trace if e["event"] in ("stopped", "restored")]
    assert events == [(t, ev) for d in range(3) for t, ev in
                      ((d * DAY + 3 * HOUR, "stopped"), (d * DAY + 3 * HOUR + 120, "restored"))]
    assert res.failures == 0  # a planned restart is not a failure
    assert res.tallies == {"restarts": 3.0}
    assert replication_metrics(res)["restarts_per_year"] == pytest.approx(3 * 365 / 3)


def test_cron_restart_renews_the_target_and_skips_it_when_it_is_down():
    # app crashes after 30 h of up-time; restarted (and renewed) every day at 03:00 it never gets there.
    m = model("""\
        components: {app: {failures: [{kind: permanent, every: fixed(30h), repair: fixed(1h)}]}}
        services: {web: {replicas: [app]}}
        horizon: 4d
        behaviours:
          nightly: {kind: cron-restart, target: app, at: "0 3 * * *", lasts: fixed(2m)}
    """)
    res = relsim.simulate(m, 1, 0)
    assert res.failures == 0 and res.tallies == {"restarts": 4.0}
    # Without renewal its clock only pauses during a restart: 3 h, then 23 h 58 min, then
    # 3 h 02 min of up-time take it to a crash at 30 h 04 min.
    kept = relsim.simulate(m.with_overrides({"behaviours.nightly.renew": False}), 1, 0)
    assert windows(kept)[:3] == [(3 * HOUR, 3 * HOUR + 120), (27 * HOUR, 27 * HOUR + 120),
                                 (30 * HOUR + 240, 31 * HOUR + 240)]
    assert kept.failures >= 1
    # A restart due while the app is down is skipped (and counted): down from 1 h to 4 h.
    down = model("""\
        components: {app: {failures: [{kind: permanent, every: fixed(1h), repair: fixed(3h)}]}}
        services: {web: {replicas: [app]}}
        horizon: 1d
        behaviours:
          nightly: {kind: cron-restart, target: app, at: "0 3 * * *", lasts: fixed(2m)}
    """)
    assert relsim.simulate(down, 1, 0).tallies == {"restarts_skipped": 1.0}


# -- example 2: autoscaler -------------------------------------------------------------------------

SCALER = """\
    components:
      a1: {failures: [{kind: permanent, every: fixed(10h), repair: fixed(5h)}]}
      a2: {failures: [{kind: permanent, every: fixed(10h), repair: fixed(5h)}]}
      a3: {}
      a4: {}
    services:
      api: {replicas: [a1, a2, a3, a4], mode: active-active, needs: 2}
    horizon: 20h
    behaviours:
      scaler: {kind: autoscaler, service: api, running: 3, startup: fixed(3m), high: 0.9, low: 0.7,
               launch_failure: LF, retry: 5m}
"""


def test_autoscaler_timeline_exactly():
    res = relsim.simulate(model(SCALER.replace("LF", "0")), 1, 0, trace=True)
    # Three of four run (utilisation 2/3). a1 and a2 fail at 10 h: one of two needed left
    # (s = 0.5, utilisation 2) until the idle a4 has started, 3 min later.
    assert windows(res) == [(10 * HOUR, 10 * HOUR + 180)]
    assert res.tallies == {"launches": 1.0, "scale_ins": 1.0, "extra_instance_time": 5 * HOUR - 180}
    moves = [(e["t"], e["event"], e["element"]) for e in res.trace if e["event"] in ("stopped", "restored")]
    # a4 idle from t=0, started at 10h03, stopped again when a1 and a2 are back at 15 h
    # (four up: utilisation 1/2 < low, more than the three that run normally).
    assert moves == [(0.0, "stopped", "a4"), (10 * HOUR + 180, "restored", "a4"), (15 * HOUR, "stopped", "a4")]
    assert res.failures == 2  # the autoscaler's stops are not failures


def test_autoscaler_failing_launches_retry():
    res = relsim.simulate(model(SCALER.replace("LF", "1")), 1, 0, trace=True)
    # Every launch fails: tries start at 10h00, 10h08, ... (3 min start-up + 5 min retry), each
    # failing 3 min after it starts, until a1 and a2 are repaired at 15 h.
    assert windows(res) == [(10 * HOUR, 15 * HOUR)]
    failed = [e["t"] for e in res.trace if e["event"] == "launch_failed"]
    starts = [10 * HOUR + k * 480 for k in range(100) if 10 * HOUR + k * 480 < 15 * HOUR]
    assert failed == [t + 180 for t in starts]
    assert res.tallies == {"launch_failures": float(len(starts))}


# -- example 3: consumer-queue and its fluid formula -------------------------------------------------

def queue_model(repair: str, every: str = "fixed(10h)", horizon: str = "50h", capacity: float = 1000) -> relsim.Model:
    return model(f"""\
        components: {{c: {{failures: [{{kind: permanent, every: {every}, repair: {repair}}}]}}}}
        services: {{consumer: {{replicas: [c]}}}}
        horizon: {horizon}
        behaviours:
          q: {{kind: consumer-queue, consumer: consumer, rate: 10/s, drain: 100/s, capacity: {capacity}}}
    """)


@pytest.mark.parametrize("d", [50.0, 100.0, 300.0, 1234.5])
def test_queue_matches_the_fluid_formula_outage_by_outage(d):
    lam, mu, cap = 10.0, 100.0, 1000.0
    res = relsim.simulate(queue_model(f"fixed({d}s)"), 1, 0)
    k = len(res.outages)
    assert k == 4 and all(o.duration_s == d for o in res.outages)
    t = res.tallies
    assert t["messages_lost"] if lam * d > cap else "messages_lost" not in t
    assert t.get("messages_lost", 0.0) == pytest.approx(k * max(0.0, lam * d - cap), rel=1e-12)
    assert t["queue_full_time"] == pytest.approx(k * max(0.0, d - cap / lam), rel=1e-12, abs=1e-9)
    peak = min(lam * d, cap)
    fill = peak * peak / (2 * lam) + cap * max(0.0, d - cap / lam)  # area while filling and full
    drain = peak * peak / (2 * (mu - lam))  # area while draining at mu - lam
    assert t["backlog_integral"] == pytest.approx(k * (fill + drain), rel=1e-12)
    assert t["messages"] == pytest.approx(lam * res.horizon, rel=1e-12)


def test_queue_loss_with_random_outages_is_the_formula_summed_over_them():
    res = relsim.simulate(queue_model("exp(mean=100s)", every="fixed(1h)", horizon="30d"), 5, 0)
    # the queue empties between outages (drains in at most 1000/90 s), so each outage starts empty
    expected = sum(max(0.0, 10.0 * o.duration_s - 1000.0) for o in res.outages)
    assert len(res.outages) > 600 and expected > 0
    assert res.tallies["messages_lost"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.slow
def test_queue_loss_per_year_against_its_expectation_within_the_ci():
    """E[max(0, λD − C)] for D ~ Exp(m) is λ m e^{−C/(λm)}; outages come once per (1 h + m)."""
    m_, lam, cap = 100.0, 10.0, 1000.0
    results = relsim.run(queue_model(f"exp(mean={m_}s)", every="fixed(1h)", horizon="30d"), runs=60, seed=3)
    per_outage = lam * m_ * math.exp(-cap / (lam * m_))
    cycles_per_year = 365 * DAY / (HOUR + m_)
    exact = per_outage * cycles_per_year
    row = results.summary().loc["messages_lost_per_year"]
    assert abs(row["mean"] - exact) < 4 * row["se"]


# -- the handle's actions ---------------------------------------------------------------------------

def test_handle_actions_timeline_exactly():
    m = model("""\
        repair_crews: 1
        components:
          a: {}
          b: {}
          c: {failures: [{kind: permanent, every: fixed(2h), repair: fixed(1h)}]}
        services:
          s: {replicas: [a, b], mode: active-active, needs: 2}
          t: {replicas: [c]}
          top: {replicas: [s], depends_on: [t]}
        entry: top
        horizon: 10h
        behaviours:
          ops:
            kind: script
            steps:
              - {at: 30m, do: fail, name: a, repair: fixed(20m)}
              - {at: 1h, do: needs, name: s, value: 1}
              - {at: 70m, do: stop, name: b}
              - {at: 80m, do: restore, name: b}
              - {at: 90m, do: stop, name: b}
              - {at: 100m, do: stop, name: b}
              - {at: 130m, do: fail, name: b}
              - {at: 150m, do: repair, name: b, repair: fixed(30m)}
              - {at: 160m, do: restore, name: a}
              - {at: 170m, do: emit, value: 7}
    """)
    res = relsim.simulate(m, 1, 0, trace=True)
    mins = 60.0
    # a failed by the behaviour: down 30-50 min (needs 2), repaired by the crew; afterwards
    # needs 1, so stopping b costs nothing; c's own failures (every 2 h of up-time, 1 h repair).
    assert [(o.start_s / mins, o.end_s / mins, o.cause_element, o.cause_kind) for o in res.outages] == [
        (30, 50, "ops", "behaviour"), (120, 180, "c", "permanent"), (300, 360, "c", "permanent"),
        (480, 540, "c", "permanent")]
    # fail a, stop b, restore b, stop b: done; stop b again, fail b (down already), restore a
    # (not held): refused; repair b: requested at 150 min, waits for the crew busy with c.
    assert res.tallies == {"done": 5.0}
    assert res.failures_by_kind == {"behaviour": 1, "permanent": 3}  # fail() counts, stop() does not
    moves = [(e["t"] / mins, e["event"], e["element"]) for e in res.trace
             if e["event"] in ("stopped", "restored", "repair_requested", "repair_started", "repaired")]
    assert moves == [(30, "repair_requested", "a"), (30, "repair_started", "a"), (50, "repaired", "a"),
                     (70, "stopped", "b"), (80, "restored", "b"), (90, "stopped", "b"),
                     (120, "repair_requested", "c"), (120, "repair_started", "c"),
                     (150, "repair_requested", "b"), (180, "repaired", "c"), (180, "repair_started", "b"),
                     (210, "repaired", "b"), (300, "repair_requested", "c"), (300, "repair_started", "c"),
                     (360, "repaired", "c"), (480, "repair_requested", "c"), (480, "repair_started", "c"),
                     (540, "repaired", "c")]
    assert [e for e in res.trace if e["event"] in ("needs", "note")] == [
        {"t": 60 * mins, "event": "needs", "service": "s", "needs": 1, "by": "ops"},
        {"t": 170 * mins, "event": "note", "behaviour": "ops", "value": 7.0}]


def test_fail_with_repair_queues_for_the_crew_and_renews():
    m = model("""\
        repair_crews: 1
        components:
          a: {failures: [{kind: permanent, every: fixed(1h), repair: fixed(2h)}]}
          b: {}
        services: {s: {replicas: [a, b], mode: active-active, needs: 2}}
        horizon: 6h
        behaviours:
          ops: {kind: script, steps: [{at: 90m, do: fail, name: b, repair: fixed(30m)}]}
    """)
    res = relsim.simulate(m, 1, 0, trace=True)
    # a down 1h-3h (crew busy until 3 h); b fails at 1h30 and waits: repaired 3h00-3h30;
    # a fails again at 4 h (one hour of up-time after its repair) and is back at 6 h.
    assert windows(res) == [(HOUR, 3.5 * HOUR), (4 * HOUR, 6 * HOUR)]
    started = [(e["t"], e["element"]) for e in res.trace if e["event"] == "repair_started"]
    assert started == [(HOUR, "a"), (3 * HOUR, "b"), (4 * HOUR, "a")]


def test_set_weight_moves_load_balancer_traffic():
    m = model("""\
        components: {x: {}, y: {}}
        services: {s: {replicas: [x, y], mode: active-active}}
        load_balancers: {lb: {service: s, algorithm: weighted, weights: {x: 1, y: 1}}}
        workload: {rate: 10/s, target: lb}
        horizon: 4h
        behaviours:
          ops:
            kind: script
            steps:
              - {at: 1h, do: weight, name: lb, backend: y, value: 0}
              - {at: 2h, do: stop, name: x}
              - {at: 3h, do: weight, name: lb, backend: y, value: 1}
    """)
    res = relsim.simulate(m, 1, 0)
    # with y weighted out, stopping x leaves the balancer nothing: down from 2 h until y is back in at 3 h
    assert windows(res) == [(2 * HOUR, 3 * HOUR)]
    assert res.outages[0].cause_element == "ops"


# -- a behaviour that does nothing changes nothing ------------------------------------------------

MODELS = sorted(p for p in (ROOT / "models").glob("*.yaml") if "behaviours:" not in p.read_text())
FIELDS = [f for f in relsim.RunResult.__dataclass_fields__ if f not in ("events", "tallies", "behaviour_kinds", "trace")]


def _with(m: relsim.Model, behaviours: dict) -> relsim.Model:
    raw = dict(m.raw)
    raw["behaviours"] = behaviours
    return relsim.from_dict(raw, source=m.source)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(MODELS), seed=st.integers(0, 2**31 - 1), which=st.sampled_from(["noop", "watcher"]))
def test_a_behaviour_that_does_nothing_leaves_every_metric_bit_identical(path, seed, which):
    base = relsim.load(path)
    horizon = min(base.horizon, 20 * DAY)
    spec = {"kind": "noop"} if which == "noop" else {"kind": "watcher", "every": "exp(mean=3h)"}
    plain = relsim.simulate(base, seed, 1, horizon)
    extra = relsim.simulate(_with(base, {"idle": spec}), seed, 1, horizon)
    for f in FIELDS:
        assert getattr(extra, f) == getattr(plain, f) or _same_records(getattr(extra, f), getattr(plain, f)), f
    a, b = replication_metrics(plain), replication_metrics(extra)
    for key in a:
        if key != "events":
            assert _same(a[key], b[key]), key


def _same(x, y) -> bool:
    return x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y))


def _same_records(a, b) -> bool:
    """Lists of records (outages, incidents, pages) equal field by field, NaN equal to NaN."""
    return (isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(
        all(_same(u, v) for u, v in zip(x, y, strict=True)) for x, y in zip(a, b, strict=True)))


# -- safety: clean failures that keep finished replications ---------------------------------------

CRASH = BASE.replace("app: {}", "app: {failures: [{kind: permanent, every: exp(mean=1d), repair: fixed(1h)}]}") + """\
    behaviours:
      boom: {kind: crasher, at: 1h, p: 0.3}
"""


def test_a_behaviour_that_raises_names_itself_the_time_and_the_replication():
    m = model(CRASH)
    doomed = []
    for i in range(12):
        try:
            relsim.simulate(m, 1, i)
        except relsim.BehaviourError as exc:
            doomed.append(i)
            assert (exc.behaviour, exc.kind, exc.time, exc.replication, exc.seed) == ("boom", "crasher", HOUR, i, 1)
            assert str(exc).startswith(f"behaviour 'boom' (kind crasher) failed at t=3600 s (60 min) in replication {i} "
                                       "(seed 1): ZeroDivisionError: division by zero at ")
            assert "behaviour_plugins.py:" in str(exc)
            assert isinstance(exc, RuntimeError) and isinstance(exc, relsim.RelsimError)
            assert pickle.loads(pickle.dumps(exc)).args == exc.args
    assert doomed and doomed[0] > 0
    with pytest.raises(relsim.BehaviourError) as err:
        relsim.run(m, runs=12, seed=1)
    # every replication before the first doomed one finished and is kept
    assert sorted(err.value.partial.runs["replication"]) == list(range(doomed[0]))
    assert err.value.replication == doomed[0]


@pytest.mark.parametrize(("mistake", "time", "says"), [
    ("yield-a-number", 10, "TypeError: a behaviour yields SimPy events (h.timeout(...), h.changed(...), "
                           "h.env.any_of(...)), not 5 at "),
    ("unknown-name", 10, "ValueError: 'nope' is not an element (domain, component, link, load balancer) of "
                         "the model: app, db at "),
    ("failing-subprocess", 15, "KeyError: 'lost' at "),
])
def test_common_mistakes_are_reported_at_the_behaviours_own_line(mistake, time, says):
    m = model(BASE + f"    behaviours: {{oops: {{kind: mistake, mistake: {mistake}}}}}\n")
    with pytest.raises(relsim.BehaviourError) as err:
        relsim.simulate(m, 1, 0)
    assert str(err.value).startswith(f"behaviour 'oops' (kind mistake) failed at t={time} s in replication 0 "
                                     f"(seed 1): {says}")
    assert "behaviour_plugins.py:" in str(err.value)


def test_the_command_line_reports_a_failing_behaviour_without_a_traceback(tmp_path, capsys):
    path = tmp_path / "crash.yaml"
    path.write_text(textwrap.dedent(CRASH))
    assert main(["--plugin", "behaviour_plugins", "run", str(path), "--runs", "12", "--seed", "1"]) == 2
    err = capsys.readouterr()
    assert "relsim: behaviour 'boom' (kind crasher) failed at t=3600 s" in err.err
    assert "Traceback" not in err.err
    assert "availability" in err.out  # the summary of the replications that finished
    assert main(["--plugin", "no_such_plugin_module", "check", str(path)]) == 2
    assert "cannot import plugin module 'no_such_plugin_module'" in capsys.readouterr().err


# -- metrics from tallies flow everywhere -----------------------------------------------------------

def test_custom_metrics_reach_the_summary_json_compare_and_until(tmp_path, capsys):
    path = ROOT / "models" / "consumer-queue.yaml"
    results = relsim.run(path, runs=12, seed=2, horizon="60d")
    summary = results.summary()
    for name in ("messages_lost_per_year", "queue_full_per_year", "queue_delay_mean"):
        assert name in summary.index
    assert summary.loc["messages_lost_per_year", "unit"] == "1/year"
    assert "restarts_per_year" not in summary.index  # another kind's metric does not apply
    assert main(["run", str(path), "--runs", "6", "--horizon", "30d", "--json"]) == 0
    assert "messages_lost_per_year" in capsys.readouterr().out
    assert main(["run", str(path), "--runs", "6", "--horizon", "30d", "--until", "queue_delay_mean rel<50%",
                 "--max-runs", "40"]) == 0
    capsys.readouterr()
    bigger = relsim.load(path).with_overrides({"behaviours.orders.capacity": 1e6})
    diff = relsim.compare([relsim.load(path), bigger], runs=12, seed=2, horizon="60d").differences()
    assert "messages_lost_per_year" in set(diff.index.get_level_values(-1)) | set(diff.get("metric", []))
    assert main(["metrics", str(path)]) == 0
    assert "messages_lost_per_year" in capsys.readouterr().out


def test_custom_metrics_have_their_table_in_the_review_report(tmp_path):
    out = tmp_path / "review.md"
    assert main(["report", str(ROOT / "models" / "consumer-queue.yaml"), "--format", "md", "-o", str(out),
                 "--runs", "6", "--horizon", "30d"]) == 0
    text = out.read_text()
    section = text[text.index("#### Behaviours"):]
    for words in ("messages lost per year", "queue full per year", "queue delay mean"):
        assert f"| {words} |" in section


def test_metric_registration_rules():
    with pytest.raises(ValueError, match="exactly one of tally= and compute="):
        relsim.metric("x_per_year", "1/year", "d", "noop")
    with pytest.raises(ValueError, match="already registered by relsim"):
        relsim.metric("availability", "fraction", "d", "noop", tally="x")
    with pytest.raises(ValueError, match="unit 'minutes' is not one of"):
        relsim.metric("y_per_year", "minutes", "d", "noop", tally="x")


# -- custom distribution families -------------------------------------------------------------------

@relsim.distribution("delayed_exp", params={"delay": "duration", "mean": "positive_duration"},
                     example="delayed_exp(delay=5m, mean=1h)")
@dataclass(frozen=True, repr=False)
class DelayedExp(relsim.Distribution):
    """delay + Exp(mean): the family of docs/extending.md §6."""

    delay: float
    mean_after: float

    def __init__(self, delay: float, mean: float):
        object.__setattr__(self, "delay", float(delay))
        object.__setattr__(self, "mean_after", float(mean))

    @property
    def mean(self) -> float:
        return self.delay + self.mean_after

    @property
    def var(self) -> float:
        return self.mean_after ** 2

    def _cdf(self, x):
        return np.where(x < self.delay, 0.0, -np.expm1(-(x - self.delay) / self.mean_after))

    def _ppf(self, q):
        return self.delay - self.mean_after * np.log1p(-q)

    def sample(self, rng, size):
        return self.delay + rng.exponential(self.mean_after, size)

    def spec(self) -> str:
        return f"delayed_exp(delay={self.delay}s, mean={self.mean_after}s)"


def test_a_registered_distribution_family_works_in_model_strings():
    d = relsim.parse_dist("delayed_exp(delay=5m, mean=1h)")
    assert (d.mean, d.var) == (3900.0, 3600.0 ** 2)
    assert d.cdf(299.0) == 0.0 and d.cdf(300.0 + 3600.0) == pytest.approx(1 - math.exp(-1))
    assert relsim.parse_dist(d.spec()) == d
    assert relsim.parse_dist({"dist": "delayed_exp", "delay": "5m", "mean": "1h"}) == d
    with pytest.raises(ValueError, match=r"delayed_exp needs delay= and mean=, e.g. delayed_exp\(delay=5m, mean=1h\)"):
        relsim.parse_dist("delayed_exp(delay=5m)")
    with pytest.raises(ValueError, match="did you mean 'delayed_exp'"):
        relsim.parse_dist("delayedexp(delay=5m, mean=1h)")
    m = model("""\
        components: {a: {failures: [{kind: permanent, every: fixed(10h), repair: delayed_exp(delay=15m, mean=1h)}]}}
        services: {s: {replicas: [a]}}
        horizon: 100d
    """)
    res = relsim.simulate(m, 1, 0)
    assert min(o.duration_s for o in res.outages) >= 900.0
    with pytest.raises(relsim.ModelError, match=r"repair: delayed_exp mean in .*: must be > 0"):
        model("""\
        components: {a: {failures: [{kind: permanent, every: fixed(10h), repair: "delayed_exp(delay=1m, mean=0s)"}]}}
        services: {s: {replicas: [a]}}
        """)


# -- determinism across backends and in fresh worker processes --------------------------------------

def assert_same(a: relsim.Results, b: relsim.Results) -> None:
    pd.testing.assert_frame_equal(a.runs, b.runs, check_exact=True)
    pd.testing.assert_frame_equal(a.outages, b.outages, check_exact=True)


WATCHED_QUEUE = (ROOT / "models" / "consumer-queue.yaml").read_text() + """\
  watch: {kind: watcher, every: exp(mean=6h)}
"""


def test_process_pool_equals_serial_with_behaviours():
    m = relsim.loads(WATCHED_QUEUE)
    serial = relsim.run(m, runs=16, seed=4, horizon="60d")
    assert serial.runs["looks_per_year"].min() > 0
    assert_same(serial, relsim.run(m, runs=16, seed=4, horizon="60d", jobs=2))


@pytest.mark.slow  # a LocalCluster takes seconds to start
def test_dask_equals_serial_with_behaviours():
    pytest.importorskip("dask.distributed")
    from relsim.backends import open_backend

    m = relsim.loads(WATCHED_QUEUE)
    serial = relsim.run(m, runs=16, seed=4, horizon="60d")
    with open_backend("dask", jobs=2) as cluster:  # spawned workers: they import the plugins
        assert_same(serial, relsim.run(m, runs=16, seed=4, horizon="60d", backend=cluster))


def test_a_fresh_process_imports_the_module_that_registered_a_behaviour(tmp_path):
    m = relsim.loads(WATCHED_QUEUE)
    assert m.spec.behaviours["watch"].module == "behaviour_plugins"
    (tmp_path / "model.pickle").write_bytes(pickle.dumps(m))
    here = relsim.simulate(m, 9, 3, horizon=10 * DAY)
    code = ("import pickle, sys, relsim; m = pickle.load(open(sys.argv[1], 'rb')); "
            "r = relsim.simulate(m, 9, 3, horizon=864000.0); print(repr(sorted(r.tallies.items())))")
    env = {"PYTHONPATH": str(ROOT / "tests"), "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "model.pickle")], capture_output=True,
                         text=True, env=env, check=True).stdout
    assert out.strip() == repr(sorted(here.tallies.items()))
