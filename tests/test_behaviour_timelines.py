"""The behaviours API as exact timelines (relsim/engine/behaviours.py, docs/extending.md).

Each test runs a small generator function through the ``timeline-probe``
behaviour at fixed times (every distribution ``fixed(...)``) and states what
the handle returned and what the replication recorded, worked out by hand:
the cause an action gives an outage, a return from a stop, restores that
resume or renew the clocks, crew repairs refused, load-balancer weights and
capacities, ``changed`` with several waiters on one element, values sent
into and errors thrown into the behaviour, the behaviour's own stream, and
the error messages of wrong calls and of behaviours that cannot run. Then
relsim's own behaviours (relsim/contrib): cron schedules and skipped
restarts, the autoscaler at its thresholds and with nothing up, and the
consumer queue's fluid steps.
"""

from __future__ import annotations

import copy
import importlib
import math
import sys
import textwrap
from collections.abc import Callable, Generator
from typing import Any

import behaviour_plugins  # noqa: F401  (registers the script behaviour)
import pytest
from shared_models import quorum_across_a_cut

import relsim
from relsim.behaviours import Params
from relsim.dists import parse_dist
from relsim.model import behaviour_registry
from relsim.units import HOUR

MIN = 60.0

#: The generator function each test runs, by name (the ``probe`` parameter of ``timeline-probe``).
PROBES: dict[str, Callable[[Any], Generator[Any, Any, None]]] = {}


class ProbeParams(Params):
    probe: str


@relsim.behaviour("timeline-probe", params=ProbeParams)
def timeline_probe(h: Any, p: ProbeParams) -> Generator[Any, Any, None]:
    """Runs the test's generator function ``PROBES[probe]``."""
    return PROBES[p.probe](h)


@relsim.behaviour("raises-at-once")
def raises_at_once(h: Any, p: Any) -> None:
    """A plain function (no yield, no parameters) that raises when called."""
    raise LookupError("no such thing")


@relsim.behaviour("returns-a-number")
def returns_a_number(h: Any, p: Any) -> int:
    """A plain function that returns something other than a generator."""
    return 5


def run(text: str, **probes: Callable[[Any], Generator[Any, Any, None]]) -> relsim.RunResult:
    PROBES.update(probes)
    return relsim.simulate(relsim.loads(textwrap.dedent(text)), seed=1, replication=0, trace=True)


def outages(res: relsim.RunResult) -> list[tuple[float, float, str, int, str]]:
    return [(o.start_s, o.end_s, o.cause_element, o.cause_spec, o.cause_kind) for o in res.outages]


def trace(res: relsim.RunResult, *kinds: str) -> list[dict[str, Any]]:
    return [e for e in res.trace or [] if e["event"] in kinds]


def error(call: Callable[[], Any]) -> str:
    """The message of the ValueError or TypeError ``call()`` raises."""
    try:
        call()
    except (ValueError, TypeError) as exc:
        return f"{type(exc).__name__}: {exc}"
    raise AssertionError("no error raised")


# -- actions: causes, the trace, restores and repairs ---------------------------------------------

def test_stop_and_fail_name_the_behaviour_as_the_cause_and_in_the_trace():
    # a stopped 1 h - 2 h (not a failure), b failed 3 h - 4 h (one failure of kind behaviour):
    # both outages name (ops, -1, behaviour), and the trace names ops as who stopped and restored.
    res = run("""\
        horizon: 5h
        components: {a: {}, b: {}}
        services: {s: {replicas: [a, b], mode: active-active, needs: 2}}
        behaviours:
          ops:
            kind: script
            steps:
              - {at: 1h, do: stop, name: a}
              - {at: 2h, do: restore, name: a}
              - {at: 3h, do: fail, name: b}
              - {at: 4h, do: restore, name: b}
    """)
    assert outages(res) == [(HOUR, 2 * HOUR, "ops", -1, "behaviour"), (3 * HOUR, 4 * HOUR, "ops", -1, "behaviour")]
    assert [o.planned for o in res.outages] == [False, False]
    assert trace(res, "stopped", "restored", "failed") == [
        {"t": HOUR, "event": "stopped", "element": "a", "by": "ops"},
        {"t": 2 * HOUR, "event": "restored", "element": "a", "by": "ops"},
        {"t": 3 * HOUR, "event": "failed", "element": "b", "spec": -1, "kind": "behaviour"},
        {"t": 4 * HOUR, "event": "restored", "element": "b", "by": "ops"}]
    assert res.failures_by_kind == {"behaviour": 1}
    assert res.tallies == {"done": 4.0}


def test_an_outage_opened_by_a_return_from_a_stop_names_the_stop():
    # As the maintenance case of tests/test_planned_timelines.py: b2 stopped 1 h - 5 h; when it
    # returns, {b0, b1, b2} is the largest group across the cut: a 10 s election set off by the
    # return, whose cause is (b2, -1, stopped).
    res = relsim.simulate(quorum_across_a_cut({"in": "b"}, behaviours={"ops": {"kind": "script", "steps": [
        {"at": "1h", "do": "stop", "name": "b2"}, {"at": "5h", "do": "restore", "name": "b2"}]}}),
        seed=0, replication=0)
    (out,) = res.outages
    assert (out.start_s, out.duration_s) == (5 * HOUR, pytest.approx(10.0))
    assert (out.cause_element, out.cause_spec, out.cause_kind, out.planned) == ("b2", -1, "stopped", False)


RESTORE = """\
    horizon: 20h
    components: {a: {failures: [{kind: permanent, every: fixed(10h), repair: fixed(1h)}]}}
    services: {s: {replicas: [a]}}
    behaviours: {ops: {kind: timeline-probe, probe: PROBE}}
"""


def test_restore_resumes_the_clocks_unless_asked_to_renew_them():
    def stop_and_restore(renew: bool | None) -> Callable[[Any], Generator[Any, Any, None]]:
        def probe(h: Any) -> Generator[Any, Any, None]:
            yield h.timeout(4 * HOUR)
            h.stop("a")
            yield h.timeout(2 * HOUR)
            h.restore("a") if renew is None else h.restore("a", renew=renew)
        return probe

    # stopped at 4 h with 6 h of its 10 h left, restored at 6 h: by default the clock resumes
    # and a fails at 12 h; renewed, it draws 10 h afresh and fails at 16 h.
    for key, renew, fails in (("default", None, 12), ("kept", False, 12), ("renewed", True, 16)):
        res = run(RESTORE.replace("PROBE", key), **{key: stop_and_restore(renew)})
        assert outages(res) == [(4 * HOUR, 6 * HOUR, "ops", -1, "behaviour"),
                                (fails * HOUR, (fails + 1) * HOUR, "a", 0, "permanent")], key


def test_repair_is_refused_unless_the_behaviour_holds_the_element_without_a_repair():
    seen: list[Any] = []

    def probe(h: Any) -> Generator[Any, Any, None]:
        yield h.timeout(HOUR)
        seen.append(h.repair("b", "fixed(5m)"))  # b is up: not held
        seen.append(h.fail("b", repair="fixed(30m)"))
        seen.append(h.repair("b", "fixed(10m)"))  # a repair is already under way
        seen.append(h.holds("b"))
        seen.append(h.stop("c"))
        seen.append(h.stop("c"))  # already down
        seen.append(h.repair("c", "fixed(20m)"))
        seen.append(h.repair("c", "fixed(20m)"))  # already asked
        yield h.timeout(HOUR)
        seen.append((h.holds("b"), h.holds("c")))

    res = run("""\
        horizon: 3h
        repair_crews: 2
        components: {b: {}, c: {}}
        services: {s: {replicas: [b, c], mode: active-active}}
        behaviours: {ops: {kind: timeline-probe, probe: repair}}
    """, repair=probe)
    assert seen == [False, True, False, True, True, False, True, False, (False, False)]
    assert [(e["t"] / MIN, e["event"], e["element"]) for e in trace(res, "repaired", "restored")] == [
        (80, "repaired", "c"), (90, "repaired", "b")]


# -- reading states --------------------------------------------------------------------------------

def test_states_needs_and_replicas_and_their_errors():
    seen: list[Any] = []

    def probe(h: Any) -> Generator[Any, Any, None]:
        seen.append((h.needs("s"), h.needs("t"), h.needs("p"), h.needs("q"), h.replicas("s"), h.replicas("p")))
        seen.append((h.elements, h.services, h.horizon))
        seen.append(error(lambda: h.needs("nope")))
        seen.append(error(lambda: h.replicas("nope")))
        seen.append(error(lambda: h.state("nope")))
        seen.append(error(lambda: h.stop("s")))
        seen.append(error(lambda: h.changed()))
        seen.append(error(lambda: h.process(5)))
        yield h.timeout(HOUR)
        seen.append((h.state("s"), h.is_up("s"), h.state("a"), h.is_up("a"), h.state("b")))

    run("""\
        horizon: 2h
        components:
          a: {failures: [{kind: permanent, every: fixed(30m), repair: fixed(2h)}]}
          b: {}
          c: {}
          d: {}
        services:
          s: {replicas: [a, b, c], mode: active-active, needs: 2}
          t: {replicas: [c, d], mode: active-active}
          p: {replicas: [d, c], mode: active-passive}
          q: {replicas: [b, c, d], mode: quorum}
        entry: s
        behaviours: {ops: {kind: timeline-probe, probe: states}}
    """, states=probe)
    assert seen == [
        (2, 1, 1, 2, ("a", "b", "c"), ("d", "c")),  # an active-passive service needs 1, a quorum a majority
        (("a", "b", "c", "d"), ("s", "t", "p", "q"), 2 * HOUR),
        "ValueError: unknown service 'nope': s, t, p, q",
        "ValueError: unknown service 'nope': s, t, p, q",
        "ValueError: unknown element, service or load balancer 'nope' (the model has: a, b, c, d, s, t, p, q)",
        "ValueError: 's' is not an element (domain, component, link, load balancer) of the model: a, b, c, d",
        "ValueError: changed() needs at least one name",
        "TypeError: process() takes a generator, got int",
        (1.0, True, 0.0, False, 1.0)]


def test_the_workload_and_a_load_balancer_read_as_the_share_they_serve_and_set_weight():
    # x and y behind a weighted balancer. y weighted out at 1 h: x takes it all; x weighted out at
    # 2 h: no weight left, nothing served (an outage that set_weight starts, named ops) until x
    # is weighted in again at 3 h. The balancer's own element stays up throughout.
    seen: list[Any] = []

    def probe(h: Any) -> Generator[Any, Any, None]:
        yield h.timeout(HOUR)
        h.set_weight("lb", "y", 0)
        seen.append((h.now / HOUR, h.state("lb"), h.state("workload")))
        yield h.timeout(HOUR)
        h.set_weight("lb", "x", 0.0)
        seen.append((h.now / HOUR, h.state("lb"), h.state("workload"), h.is_up("lb")))
        seen.append(error(lambda: h.set_weight("s", "x", 1)))
        seen.append(error(lambda: h.set_weight("lb", "z", 1)))
        seen.append(error(lambda: h.set_weight("lb", "x", -1)))
        seen.append(error(lambda: h.set_weight("lb", "x", math.nan)))
        seen.append(error(lambda: h.state("nope")))
        yield h.timeout(HOUR)
        h.set_weight("lb", "x", 2)
        seen.append((h.now / HOUR, h.state("lb"), h.state("workload")))

    res = run("""\
        horizon: 4h
        components: {x: {}, y: {}}
        services: {s: {replicas: [x, y], mode: active-active}}
        load_balancers: {lb: {service: s, algorithm: weighted, weights: {x: 1, y: 1}}}
        workload: {rate: 10/s, target: lb}
        behaviours: {ops: {kind: timeline-probe, probe: weights}}
    """, weights=probe)
    assert seen == [
        (1.0, 1.0, 1.0),
        (2.0, 0.0, 0.0, False),
        "ValueError: unknown load balancer 's'",
        "ValueError: 'z' is not a backend of 'lb': x, y",
        "ValueError: weight must be >= 0, got -1.0",
        "ValueError: weight must be >= 0, got nan",
        "ValueError: unknown element, service or load balancer 'nope' (the model has: x, y, lb, s)",
        (3.0, 1.0, 1.0)]
    assert outages(res) == [(2 * HOUR, 3 * HOUR, "ops", -1, "behaviour")]
    assert trace(res, "weight") == [
        {"t": HOUR, "event": "weight", "lb": "lb", "backend": "y", "weight": 0.0, "by": "ops"},
        {"t": 2 * HOUR, "event": "weight", "lb": "lb", "backend": "x", "weight": 0.0, "by": "ops"},
        {"t": 3 * HOUR, "event": "weight", "lb": "lb", "backend": "x", "weight": 2.0, "by": "ops"}]


def test_set_needs_caps_the_balancers_in_front_of_that_service_only():
    # lb1 splits s's load 3:1 over a and b, lb2 t's load 3:1 over c and d. With needs 1 a backend
    # serves up to all of it; set_needs(s, 2) at 1 h caps each of s's backends at 1/2: lb1 serves
    # 1/2 + 1/4 = 0.75 (an outage of the request path that set_needs starts, named ops) while lb2
    # still serves all. Back to 1 at 2 h.
    seen: list[Any] = []

    def probe(h: Any) -> Generator[Any, Any, None]:
        seen.append((h.state("lb1"), h.state("lb2")))
        yield h.timeout(HOUR)
        h.set_needs("s", 2)
        seen.append((h.needs("s"), h.needs("t"), h.state("lb1"), h.state("lb2"), h.state("s")))
        seen.append(error(lambda: h.set_needs("lb1", 1)))
        seen.append(error(lambda: h.set_needs("s", 3)))
        seen.append(error(lambda: h.set_needs("s", 0)))
        yield h.timeout(HOUR)
        h.set_needs("s", 1)
        seen.append((h.needs("s"), h.state("lb1"), h.state("lb2")))

    res = run("""\
        horizon: 3h
        components: {a: {}, b: {}, c: {}, d: {}}
        services:
          s: {replicas: [a, b], mode: active-active}
          t: {replicas: [c, d], mode: active-active}
        load_balancers:
          lb1: {service: s, algorithm: weighted, weights: {a: 3, b: 1}}
          lb2: {service: t, algorithm: weighted, weights: {c: 3, d: 1}}
        entry: s
        workload: {rate: 10/s, target: lb1}
        behaviours: {ops: {kind: timeline-probe, probe: needs}}
    """, needs=probe)
    assert seen == [
        (1.0, 1.0),
        (2, 1, 0.75, 1.0, 1.0),
        "ValueError: set_needs applies to active-active and quorum services, not 'lb1'",
        "ValueError: needs must be between 1 and 2, got 3",
        "ValueError: needs must be between 1 and 2, got 0",
        (1, 1.0, 1.0)]
    assert outages(res) == [(HOUR, 2 * HOUR, "ops", -1, "behaviour")]
    assert trace(res, "needs") == [
        {"t": HOUR, "event": "needs", "service": "s", "needs": 2, "by": "ops"},
        {"t": 2 * HOUR, "event": "needs", "service": "s", "needs": 1, "by": "ops"}]


def test_set_needs_to_every_replica_and_the_outage_it_starts():
    # s has a (down from 30 min for good) and b, needing 1: it serves. set_needs(s, 2) at 1 h
    # needs both: s serves 1/2 from 1 h, an outage set_needs starts.
    seen: list[Any] = []

    def probe(h: Any) -> Generator[Any, Any, None]:
        yield h.timeout(HOUR)
        h.set_needs("s", 2)
        seen.append((h.state("s"), h.needs("s")))

    res = run("""\
        horizon: 2h
        components:
          a: {failures: [{kind: permanent, every: fixed(30m), repair: fixed(10h)}]}
          b: {}
        services: {s: {replicas: [a, b], mode: active-active}}
        behaviours: {ops: {kind: timeline-probe, probe: every}}
    """, every=probe)
    assert seen == [(0.5, 2)]
    assert outages(res) == [(HOUR, 2 * HOUR, "ops", -1, "behaviour")]


# -- waiting on changes, values sent and errors thrown into the behaviour ----------------------------

def test_changed_fires_every_waiter_of_an_element_with_the_name_that_changed():
    # b fails at 1 h (back at 1h30, when nobody waits on it), a at 2 h. The main generator first
    # waits on a or b (b fires), then on a alone, as another process of the behaviour does.
    seen: list[Any] = []

    def probe(h: Any) -> Generator[Any, Any, None]:
        name = yield h.changed("a", "b")
        seen.append((h.now / HOUR, name))

        def other() -> Generator[Any, Any, None]:
            name = yield h.changed("a")
            seen.append(("other", h.now / HOUR, name))

        h.process(other())
        name = yield h.changed("a")
        seen.append((h.now / HOUR, name))
        name = yield h.changed("s")
        seen.append((h.now / HOUR, name))

    run("""\
        horizon: 4h
        components:
          a: {failures: [{kind: permanent, every: fixed(2h), repair: fixed(1h)}]}
          b: {failures: [{kind: permanent, every: fixed(1h), repair: fixed(30m)}]}
        services: {s: {replicas: [a, b], mode: active-active, needs: 2}}
        behaviours: {ops: {kind: timeline-probe, probe: changed}}
    """, changed=probe)
    # s changes when a fails at 2 h (the main generator's wait is set after that), then when
    # b fails again at 2h30
    assert seen == [(1.0, "b"), (2.0, "a"), ("other", 2.0, "a"), (2.5, "s")]


def test_values_are_sent_into_the_behaviour_and_a_failed_event_is_thrown_into_it():
    seen: list[Any] = []

    def probe(h: Any) -> Generator[Any, Any, None]:
        value = yield h.env.timeout(10, value="ten")
        seen.append((h.now, value))
        ev = h.env.event()

        def failer() -> Generator[Any, Any, None]:
            yield h.timeout(5)
            ev.fail(KeyError("late"))

        h.process(failer())
        try:
            yield ev
        except KeyError as exc:
            seen.append((h.now, "caught", repr(exc)))
        value = yield h.env.timeout(1, value=7)
        seen.append((h.now, value))

    res = run("""\
        horizon: 1h
        components: {a: {}}
        services: {s: {replicas: [a]}}
        behaviours: {ops: {kind: timeline-probe, probe: sent}}
    """, sent=probe)
    assert seen == [(10.0, "ten"), (15.0, "caught", "KeyError('late')"), (16.0, 7)]
    assert res.outages == []


# -- the behaviour's own stream ---------------------------------------------------------------------

def test_sample_draws_from_the_behaviours_own_stream_through_one_sampler_per_distribution():
    seen: dict[str, Any] = {}

    def probe(h: Any) -> Generator[Any, Any, None]:
        h.rng.random()  # the stream moves on: sample continues it
        ref = copy.deepcopy(h.rng)
        d = parse_dist("exp(mean=1h)")
        seen["got"] = [h.sample("exp(mean=1h)"), h.sample(d), h.sample("exp(mean=1h)"), h.sample("fixed(90s)")]
        want = d.sampler(ref)
        seen["want"] = [want(), want(), want(), 90.0]
        yield h.timeout(1)

    run("""\
        horizon: 1h
        components: {a: {}}
        services: {s: {replicas: [a]}}
        behaviours: {ops: {kind: timeline-probe, probe: sample}}
    """, sample=probe)
    assert seen["got"] == seen["want"]
    assert len(set(seen["got"][:3])) == 3


# -- errors ---------------------------------------------------------------------------------------------

def failure(text: str, **probes: Callable[[Any], Generator[Any, Any, None]]) -> relsim.BehaviourError:
    with pytest.raises(relsim.BehaviourError) as err:
        run(text, **probes)
    return err.value


ONE = """\
    horizon: 1h
    components: {a: {}}
    services: {s: {replicas: [a]}}
    behaviours: {oops: BEHAVIOUR}
"""


def test_a_wrong_action_is_reported_at_the_behaviours_line_not_inside_relsim():
    def probe(h: Any) -> Generator[Any, Any, None]:
        yield h.timeout(30)
        h.stop("nope")

    exc = failure(ONE.replace("BEHAVIOUR", "{kind: timeline-probe, probe: wrong}"), wrong=probe)
    says = ("behaviour 'oops' (kind timeline-probe) failed at t=30 s in replication 0 (seed 1): ValueError: "
            "'nope' is not an element (domain, component, link, load balancer) of the model: a at ")
    assert str(exc).startswith(says)
    where = str(exc)[len(says):]
    assert "/relsim/engine/" not in where and where.rsplit(":", 1)[1].isdigit(), where


def test_a_function_that_raises_when_called_or_returns_no_generator():
    exc = failure(ONE.replace("BEHAVIOUR", "{kind: raises-at-once}"))
    assert (exc.behaviour, exc.kind, exc.time, exc.replication, exc.seed) == ("oops", "raises-at-once", 0.0, 0, 1)
    says = ("behaviour 'oops' (kind raises-at-once) failed at t=0 s in replication 0 (seed 1): "
            "LookupError: no such thing at ")
    assert str(exc).startswith(says) and str(exc).endswith(
        f"test_behaviour_timelines.py:{raises_at_once.__code__.co_firstlineno + 3}")
    exc = failure(ONE.replace("BEHAVIOUR", "{kind: returns-a-number}"))
    assert str(exc) == ("behaviour 'oops' (kind returns-a-number) failed at t=0 s in replication 0 (seed 1): "
                        "TypeError: a behaviour is a generator function (with yield), its function returned int")


def test_a_behaviour_registered_elsewhere_is_imported_again_or_reported(tmp_path, monkeypatch):
    # A worker process imports the module that registered a kind; it may be gone or not register it.
    (tmp_path / "lazy_probe_plugin.py").write_text(textwrap.dedent('''\
        import relsim

        @relsim.behaviour("lazy-probe")
        def lazy_probe(h, p):
            """Tallies one look."""
            h.tally("looked")
            return
            yield
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("lazy_probe_plugin")
    m = relsim.loads(textwrap.dedent(ONE.replace("BEHAVIOUR", "{kind: lazy-probe}")))
    assert m.spec.behaviours["oops"].module == "lazy_probe_plugin"

    def forget(module: bool) -> None:
        monkeypatch.delitem(behaviour_registry._REGISTRY, "lazy-probe", raising=False)
        if module:
            monkeypatch.delitem(sys.modules, "lazy_probe_plugin")

    forget(module=True)  # imported again: registered again
    assert relsim.simulate(m, 1, 0).tallies == {"looked": 1.0}
    forget(module=False)  # imported already, and yet not registered
    with pytest.raises(relsim.BehaviourError) as err:
        relsim.simulate(m, 2, 3)
    assert str(err.value) == (
        "behaviour 'oops' (kind lazy-probe) failed at t=0 s in replication 3 (seed 2): behaviour kind "
        "'lazy-probe' is not registered in this process: define it in an importable module or declare an "
        "entry point (docs/extending.md)")
    assert (err.value.behaviour, err.value.kind, err.value.time, err.value.replication, err.value.seed) == (
        "oops", "lazy-probe", 0.0, 3, 2)
    forget(module=True)
    (tmp_path / "lazy_probe_plugin.py").unlink()
    importlib.invalidate_caches()
    with pytest.raises(relsim.BehaviourError) as err:
        relsim.simulate(m, 2, 3)
    assert str(err.value) == (
        "behaviour 'oops' (kind lazy-probe) failed at t=0 s in replication 3 (seed 2): its module "
        "'lazy_probe_plugin' could not be loaded: ModuleNotFoundError: No module named 'lazy_probe_plugin'")
    assert (err.value.behaviour, err.value.kind, err.value.time, err.value.replication, err.value.seed) == (
        "oops", "lazy-probe", 0.0, 3, 2)
    assert isinstance(err.value.__cause__, ModuleNotFoundError)


# -- relsim's own behaviours (relsim/contrib) -------------------------------------------------------

def test_cron_schedule_stops_before_the_horizon():
    from datetime import datetime

    from relsim.contrib.cron import schedule

    monday = datetime(2025, 1, 6)
    assert schedule("0 * * * *", monday, 3 * HOUR) == (HOUR, 2 * HOUR)
    assert schedule("0 * * * *", monday, 3 * HOUR + 1) == (HOUR, 2 * HOUR, 3 * HOUR)
    assert schedule("0 3 * * 1", monday, 8 * 86400.0) == (3 * HOUR, 7 * 86400.0 + 3 * HOUR)


def cron(at: str, lasts: str) -> relsim.RunResult:
    return run(f"""\
        horizon: 1h
        components: {{app: {{}}}}
        services: {{web: {{replicas: [app]}}}}
        behaviours:
          nightly: {{kind: cron-restart, target: app, at: "{at}", lasts: {lasts}}}
    """)


def test_cron_restart_skips_the_times_due_while_it_still_restarts():
    # every 10 min, 15 min each: restarts at 10, 30 and 50 min; those due at 20 and 40 min fall
    # within the previous restart and are skipped (the last one is cut by the horizon)
    res = cron("*/10 * * * *", "fixed(15m)")
    assert [(s / MIN, e / MIN) for s, e, *_ in outages(res)] == [(10, 25), (30, 45), (50, 60)]
    assert res.tallies == {"restarts": 3.0, "restarts_skipped": 2.0}
    # 10 min each: a restart ends exactly when the next is due, which starts at once
    res = cron("*/10 * * * *", "fixed(10m)")
    assert [(e["t"] / MIN, e["event"]) for e in trace(res, "stopped", "restored")] == [
        (t, ev) for k in range(1, 6) for t, ev in ((10 * k, "stopped"), (10 * k + 10, "restored")) if t < 60]
    assert res.tallies == {"restarts": 5.0}


def test_cron_restart_skips_a_time_when_the_target_is_held_down_and_goes_on():
    # hourly restarts of 10 min; another behaviour holds app down from 1h30 to 2h30: the restart
    # due at 2 h is skipped, the one at 3 h made
    res = run("""\
        horizon: 4h
        components: {app: {}}
        services: {web: {replicas: [app]}}
        behaviours:
          ops: {kind: script, steps: [{at: 90m, do: stop, name: app}, {at: 150m, do: restore, name: app}]}
          nightly: {kind: cron-restart, target: app, at: "0 * * * *", lasts: fixed(10m)}
    """)
    assert [(s / MIN, e / MIN, c) for s, e, c, *_ in outages(res)] == [
        (60, 70, "nightly"), (90, 150, "ops"), (180, 190, "nightly")]
    assert res.tallies == {"done": 2.0, "restarts": 2.0, "restarts_skipped": 1.0}


def scaler(running: int, high: float, low: float, horizon: str, fails: str = "[a1, a2]",
           launch_failure: float = 0.0) -> relsim.RunResult:
    failing = "{failures: [{kind: permanent, every: fixed(10h), repair: fixed(5h)}]}"
    components = {n: failing if n in fails else "{}" for n in ("a1", "a2", "a3", "a4")}
    return run(f"""\
        horizon: {horizon}
        components: {{{", ".join(f"{n}: {c}" for n, c in components.items())}}}
        services:
          api: {{replicas: [a1, a2, a3, a4], mode: active-active, needs: 2}}
        behaviours:
          scaler: {{kind: autoscaler, service: api, running: {running}, startup: fixed(3m), high: {high},
                   low: {low}, launch_failure: {launch_failure}, retry: 5m}}
    """)


def test_autoscaler_scales_in_and_out_again_and_counts_the_extra_time_up_to_the_horizon():
    # As in tests/test_behaviours.py, a4 idle, started at 10h03 when a1 and a2 fail, stopped at 15 h
    # when they are back (4 up: utilisation 1/2 < 0.7); they fail again at 25 h and a4 is started
    # again at 25h03, running at the horizon (26 h): its time counts up to there.
    res = scaler(3, 0.9, 0.7, "26h")
    assert [(s / HOUR, e / HOUR) for s, e, *_ in outages(res)] == [(10, 10.05), (25, 25.05)]
    assert res.tallies == {"launches": 2.0, "scale_ins": 1.0,
                           "extra_instance_time": (5 * HOUR - 180) + (HOUR - 180)}


def test_autoscaler_thresholds_are_strict():
    # low 0.5: with all four up at 15 h the utilisation is exactly 1/2, not below: a4 keeps running
    # from 10h03 to the horizon (16 h)
    res = scaler(3, 0.9, 0.5, "16h")
    assert res.tallies == {"launches": 1.0, "extra_instance_time": 6 * HOUR - 180}
    # high 1.0, two running of four and needing two: utilisation exactly 1, not above; a1 down at
    # 10 h (utilisation 2) starts a3 at 10h03, back to exactly 1: a4 stays idle
    res = scaler(2, 1.0, 0.5, "16h", fails="[a1]")
    assert [(s / HOUR, e / HOUR) for s, e, *_ in outages(res)] == [(10, 10.05)]
    assert res.tallies == {"launches": 1.0, "extra_instance_time": 6 * HOUR - 180}
    assert [(e["t"] / HOUR, e["event"], e["element"]) for e in trace(res, "stopped", "restored")] == [
        (0, "stopped", "a3"), (0, "stopped", "a4"), (10.05, "restored", "a3")]


def test_autoscaler_with_nothing_up_with_every_replica_running_or_too_many():
    # two of four running, needing two (utilisation 1, not above high = 1): a1 and a2 fail at 10 h,
    # nothing is up (utilisation infinite): a3 is started at 10h03, then (utilisation 2) a4 at 10h06
    res = scaler(2, 1.0, 0.5, "11h")
    assert [(s / HOUR, e / HOUR) for s, e, *_ in outages(res)] == [(10, 10.1)]
    assert res.tallies == {"launches": 2.0, "extra_instance_time": (HOUR - 180) + (HOUR - 360)}
    # every replica runs: nothing idle, nothing launched; two of four left at 10 h serve fully
    res = scaler(4, 0.9, 0.5, "11h")
    assert res.tallies == {} and res.outages == []
    assert trace(res, "stopped") == []
    with pytest.raises(relsim.BehaviourError) as err:
        scaler(5, 0.9, 0.5, "11h")
    assert str(err.value).startswith("behaviour 'scaler' (kind autoscaler) failed at t=0 s in replication 0 "
                                     "(seed 1): ValueError: running (=5) is more than the 4 replicas of 'api' at ")


def test_autoscaler_launch_failures_are_in_the_trace_with_the_instance():
    res = scaler(3, 0.9, 0.7, "610m", launch_failure=1.0)
    assert trace(res, "launch_failed") == [{"t": 10 * HOUR + 180, "event": "launch_failed", "behaviour": "scaler",
                                            "instance": "a4"}]


def test_fluid_step_of_each_case():
    from relsim.contrib.queue import fluid_step

    assert fluid_step(7.0, 2.0, 0.0, 100.0) == (7.0, 0.0, 0.0, 0.0)  # no time
    assert fluid_step(7.0, 2.0, 0.5, 100.0) == (8.0, 0.0, 3.75, 0.0)
    assert fluid_step(10.0, 2.0, 5.0, 100.0) == (20.0, 0.0, 75.0, 0.0)  # filling
    assert fluid_step(10.0, 0.5, 4.0, 100.0) == (12.0, 0.0, 44.0, 0.0)
    # full after 45 s: 5 s full, 10 lost; area 55 · 45 + 100 · 5
    assert fluid_step(10.0, 2.0, 50.0, 100.0) == (100.0, 10.0, 2975.0, 5.0)
    assert fluid_step(100.0, -4.0, 5.0, 100.0) == (80.0, 0.0, 450.0, 0.0)  # draining
    assert fluid_step(100.0, -0.5, 4.0, 100.0) == (98.0, 0.0, 396.0, 0.0)
    assert fluid_step(100.0, -4.0, 30.0, 100.0) == (0.0, 0.0, 1250.0, 0.0)  # empty after 25 s
    assert fluid_step(5.0, 0.0, 10.0, 100.0) == (5.0, 0.0, 50.0, 0.0)  # balanced
    assert fluid_step(100.0, 0.0, 10.0, 100.0) == (100.0, 0.0, 1000.0, 10.0)  # balanced and full
    assert fluid_step(0.0, 0.0, 10.0, 100.0) == (0.0, 0.0, 0.0, 0.0)


def test_queue_of_a_consumer_down_from_the_start_and_the_messages_lost_in_the_trace():
    # c is stopped at 0 s before the queue starts, restored at 150 s: 10/s fill the 1,000 places
    # in 100 s, 500 are lost over the next 50 s, then the queue drains at 90/s for 1000/90 s.
    def probe(h: Any) -> Generator[Any, Any, None]:
        h.stop("c")
        yield h.timeout(150)
        h.restore("c")

    res = run("""\
        horizon: 1h
        components: {c: {}}
        services: {consumer: {replicas: [c]}}
        behaviours:
          ops: {kind: timeline-probe, probe: start}
          q: {kind: consumer-queue, consumer: consumer, rate: 10/s, drain: 100/s, capacity: 1000}
    """, start=probe)
    assert outages(res) == [(0.0, 150.0, "ops", -1, "behaviour")]
    assert res.tallies == pytest.approx({
        "messages": 36000.0, "messages_lost": 500.0, "queue_full_time": 50.0,
        "backlog_integral": 1000 / 2 * 100 + 1000 * 50 + 1000 * 1000 / (2 * 90)}, rel=1e-12)
    assert trace(res, "messages_lost") == [{"t": 150.0, "event": "messages_lost", "behaviour": "q", "lost": 500.0}]
