"""Releases and configuration changes in a replication: rollout, bad versions, gates, rollback, flags.

Each entry of the model's ``deployments`` section (:mod:`relsim.model.deployments`)
is one :class:`DeploymentStream`: a SimPy process that starts a change at
each occurrence of its cadence (:func:`relsim.engine.schedule.occurrences`),
waits for a change window if the model gives ``window``, and rolls the
change out with its strategy. A change due while the previous one is still
under way (rolling out, or bad and not yet rolled back) is merged into the
next: it is skipped.

**What a bad version does, event-driven.** With ``effect.fails: f`` the
new version fails share ``f`` of the requests that reach updated
instances. ``x(t)``, the share of a service's traffic on updated instances,
changes only at rollout events (a batch, a canary step, a switch, a
rollback), so the service is simply *degraded*: a version node (a plain
:class:`~relsim.engine.node.Node`) with ``s = 1 − f·x(t)`` is added to the service's dependencies, and the service,
its load balancers and the request path multiply it in like any
dependency. In fluid workload mode the request path integrates the failed
requests exactly between events, as every other loss (docs/traffic.md);
no request is simulated. With ``effect.crashes`` each updated instance
(a replica that is an element) instead crashes after a drawn delay and
stays down until the rollback; health checks, failover and capacity react
as to any failure. With ``effect.corrupts: c`` it also corrupts share c of
the writes reaching updated instances (``c · data.writes · x(t)`` per second,
integrated exactly): a silent effect the trigger does not see.

**Detection.** A rollback starts (i) ``rollback.trigger``'s ``delay`` after
the error rate it watches, averaged over the last ``window``, reaches
``threshold`` (:class:`ErrorWindow`: the average is piecewise linear, the
crossing time is computed, no polling); (ii) ``rollback.manual`` after the
bad version first served; (iii) a ``gate`` catching it before a
promotion; (iv) for configuration changes, the next ``drift`` check, at a
uniform phase. The error rate a trigger watches is the share of the
service's requests the new version fails, ``f·x(t)`` (``crashed instances /
instances`` with ``effect.crashes``): failures unrelated to the change do
not roll it back.

The formulas and the trace events are in docs/changes.md ("Deployments").
Outages a bad change starts name the deployment as their cause, with cause
kind ``deployment`` (``config`` for configuration changes); they are not
planned work.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from relsim.engine.node import Node
from relsim.engine.schedule import occurrences, wait_for_window

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation
    from relsim.model.deployments import Deployment

__all__ = ["ChangeLedger", "DeploymentStream", "ErrorWindow", "build_deployments"]

#: A threshold of 0 fires as soon as any request fails (the average is then > 0).
_TINY = 1e-12


class ErrorWindow:
    """The error rate averaged over the last ``window`` seconds, and when it reaches a threshold.

    ``e(t)`` is piecewise constant (it changes at rollout events), 0 before
    the first change. ``A(t) = (1/W) ∫_{t−W}^{t} e(u) du`` is then
    piecewise linear, with breakpoints at each change and one window after
    it; :meth:`crossing` walks those breakpoints to the first time
    ``A ≥ threshold``.
    """

    def __init__(self, window: float, threshold: float):
        self.window = float(window)
        self.threshold = max(float(threshold), _TINY)
        self.steps: list[tuple[float, float]] = []  # (time, e from then on)

    def set(self, t: float, e: float) -> None:
        if self.steps and self.steps[-1][0] == t:
            self.steps[-1] = (t, e)
        elif not self.steps or self.steps[-1][1] != e:
            self.steps.append((t, e))

    def average(self, t: float) -> float:
        """A(t)."""
        lo, total = t - self.window, 0.0
        for i, (a, e) in enumerate(self.steps):
            b = self.steps[i + 1][0] if i + 1 < len(self.steps) else math.inf
            overlap = min(b, t) - max(a, lo)
            if overlap > 0.0:
                total += e * overlap
        return total / self.window

    def crossing(self, now: float) -> float | None:
        """The first time at or after ``now`` with A ≥ threshold if ``e`` stays as it is; None if never."""
        theta = self.threshold
        prev, a_prev = now, self.average(now)
        if a_prev >= theta:
            return now
        points = sorted({a + self.window for a, _ in self.steps if a + self.window > now})
        for p in points:
            a = self.average(p)
            if a >= theta:
                return prev + (theta - a_prev) * (p - prev) / (a - a_prev)
            prev, a_prev = p, a
        return None


class ChangeLedger:
    """Time with a bad change live, and the requests that failed while a change was hurting (all streams).

    Two kinds of account are open: a bad change live (``bad=True``), and an
    instance out of service for a release's restart. Requests are counted
    while either is open; ``time`` only while a bad change is live.
    """

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.live = 0  # open accounts of either kind
        self.bad = 0  # bad changes live
        self.since = 0.0
        self.bad_since = 0.0
        self.time = 0.0
        self.failed = 0.0
        self._snap = (0.0, 0.0)

    def _requests(self) -> tuple[float, float]:
        traffic = self.sim.traffic
        if traffic is None:
            return (0.0, 0.0)
        if traffic.discrete is not None:  # requests counted one by one (workload.mode: discrete)
            return (float(traffic.discrete.offered), float(traffic.discrete.served))
        traffic._integrate(self.sim.env.now)  # close the piece here: the totals up to now
        return (traffic.offered, traffic.tally[0])

    def begin(self, bad: bool = True) -> None:
        now = self.sim.env.now
        if self.live == 0:
            self.since = now
            self._snap = self._requests()
        self.live += 1
        if bad:
            if self.bad == 0:
                self.bad_since = now
            self.bad += 1

    def end(self, bad: bool = True) -> None:
        now = self.sim.env.now
        if bad:
            self.bad -= 1
            if self.bad == 0:
                self.time += now - self.bad_since
        self.live -= 1
        if self.live == 0:
            self._close()

    def _close(self) -> None:
        offered, served = self._requests()
        self.failed += max(0.0, (offered - self._snap[0]) - (served - self._snap[1]))

    def finish(self) -> None:
        if self.bad > 0:
            self.time += self.sim.env.now - self.bad_since
        if self.live > 0:
            self._close()


class _Release:
    """One change under way."""

    __slots__ = ("n", "bad", "flagged", "abort", "exposed_at", "x", "updated", "restarted", "crashed", "pending",
                 "watch",
                 "token", "alerted", "switched_at", "bake_end", "live")

    def __init__(self, n: int, bad: bool, flagged: bool, abort: Any):
        self.n = n
        self.bad = bad
        self.flagged = flagged
        self.abort = abort
        self.exposed_at: float | None = None
        self.x: dict[str, float] = {}
        self.updated: dict[str, int] = {}
        self.restarted: dict[str, int] = {}
        self.token: Any = None
        self.crashed: list[Any] = []
        self.pending: set[Any] = set()
        self.watch: ErrorWindow | None = None
        self.alerted = False
        self.switched_at: float | None = None
        self.bake_end: float | None = None
        self.live = False


class DeploymentStream:
    """The changes of one ``deployments`` entry in one replication (see the module docstring)."""

    def __init__(self, sim: Simulation, name: str, spec: Deployment, ledger: ChangeLedger):
        self.sim = sim
        self.name = name
        self.spec = spec
        self.ledger = ledger
        self.kind = spec.cause_kind
        self.cause = (name, -1, self.kind)
        self.services = [sim.service_nodes[s] for s in spec.services]
        self.versions: dict[str, Node] = {}
        if spec.effect.crashes is None:
            for svc in self.services:
                self.versions[svc.name] = self._attach(svc)
        key = f"deploy/{name}"
        streams = sim.streams
        self._bad = streams.uniform(f"{key}/bad")
        self._gate = streams.uniform(f"{key}/gate")
        self._flag = streams.uniform(f"{key}/flag")
        self._drift = streams.uniform(f"{key}/drift")
        rb = spec.rollback
        self._takes = streams.sampler(rb.takes, f"{key}/rollback")
        self._manual = streams.sampler(rb.manual, f"{key}/manual")
        self._delay = streams.sampler(rb.trigger.delay, f"{key}/trigger") if rb.trigger is not None else None
        self._kill = streams.sampler(spec.flag.kill, f"{key}/kill") if spec.flag is not None else None
        self._crash = (streams.sampler(spec.effect.crashes, f"{key}/crashes")
                       if spec.effect.crashes is not None else None)
        self._restart = streams.sampler(spec.restart, f"{key}/restart") if spec.restart is not None else None
        self.p_bad = spec.bad_probability
        # writes per second a bad version corrupts at x = 1, per service (effect.corrupts x data.writes)
        c = spec.effect.corrupts
        self._corrupts = ({svc.name: c * svc.spec.data.writes for svc in self.services if svc.spec.data is not None}
                          if c else {})
        self._corrupt_rate = 0.0
        self._corrupt_since = 0.0
        self.count = 0
        self.tally = {"releases": 0.0, "bad": 0.0, "rollbacks": 0.0, "gate_catches": 0.0, "flag_kills": 0.0,
                      "merged": 0.0, "corrupted": 0.0}

    def close(self) -> None:
        """At the horizon: close the integral of corrupted writes."""
        if self._corrupts:
            self.tally["corrupted"] += self._corrupt_rate * (self.sim.env.now - self._corrupt_since)
            self._corrupt_rate = 0.0

    def _attach(self, svc: Any) -> Node:
        """Insert the version's node as a dependency of ``svc`` (and of its load balancers)."""
        from relsim.engine.loadbalancer import LoadBalancerNode

        node = Node(f"{svc.name}@{self.name}")
        svc.deps.append(node)
        node.subscribe(svc.dependency_changed)
        for target in self.sim.targets.values():
            if isinstance(target, LoadBalancerNode) and target.service is svc:
                node.subscribe(target._changed)  # after the service: it reads service.dep_factor
        return node

    def start(self) -> None:
        self.sim.env.process(self._run())

    # -- the cadence --------------------------------------------------------
    def _run(self) -> Generator[Any, Any, None]:
        sim, spec = self.sim, self.spec
        env = sim.env
        for t in occurrences(sim, spec, f"deploy/{self.name}/every"):
            if t < env.now:
                self.tally["merged"] += 1  # due while the previous change was under way
                sim.log("release_merged", deployment=self.name, due=t)
                continue
            if t > env.now:
                yield env.timeout(t - env.now)
            if not spec.window.always and not spec.window.is_open(env.now, sim.model.calendar):
                sim.log("release_waits", deployment=self.name, until=spec.window.next_open(env.now,
                                                                                            sim.model.calendar))
                yield wait_for_window(sim, spec.window)
            yield from self._change()

    # -- one change ----------------------------------------------------------
    def _change(self) -> Generator[Any, Any, None]:
        sim, spec = self.sim, self.spec
        self.count += 1
        bad = self._bad() < self.p_bad
        flagged = spec.flag is not None and self._flag() < spec.flag.share
        rel = _Release(self.count, bad, flagged, sim.env.event())
        self.tally["releases"] += 1
        if bad:
            self.tally["bad"] += 1
        fields: dict[str, Any] = {"deployment": self.name, "n": self.count, "bad": bad}
        if spec.change == "config":
            sim.log("config_change", **fields)
        else:
            sim.log("release", strategy=spec.strategy, flagged=flagged, **fields)
        strategy = spec.strategy
        aborted = False
        if strategy in ("all-at-once", "blue-green"):
            if (yield from self._gate_caught(rel, "deploy")):
                return  # nothing served the new version: nothing to roll back
            if strategy == "blue-green":
                if spec.switch > 0.0:
                    yield sim.env.timeout(spec.switch)
                rel.switched_at = sim.env.now
                sim.log("switch", deployment=self.name, n=rel.n)
            self._expose(rel, lambda _n: 1.0, "all")
        elif strategy == "rolling":
            batches = max(math.ceil(len(svc.replicas) / spec.batch) for svc in self.services)
            for k in range(1, batches + 1):
                if k > 1:
                    if (yield from self._gate_caught(rel, f"batch {k}")):
                        aborted = True
                        break
                self._expose(rel, lambda n, k=k: min(1.0, k * spec.batch / n), f"batch {k}/{batches}")
                if k < batches and (aborted := (yield from self._wait(rel, spec.pause))):
                    break
        else:  # canary
            for i, share in enumerate(spec.steps):
                self._expose(rel, lambda _n, s=share: s, f"canary {share:.4g}")
                rel.bake_end = sim.env.now + spec.bake
                if (aborted := (yield from self._wait(rel, spec.bake))):
                    break
                # a canary not promoted leaves rotation: at once from here (see _rollback)
                if (yield from self._gate_caught(rel, f"step {i + 2}" if i + 1 < len(spec.steps) else "full")):
                    aborted = True
                    break
                rel.bake_end = None
            if not aborted:
                self._expose(rel, lambda _n: 1.0, "promoted")
        if not aborted and not rel.abort.triggered:
            sim.log("rolled_out", deployment=self.name, n=rel.n)
            if not bad:
                return
            if flagged:
                yield from self._flag_on(rel)
                return
            yield rel.abort
        yield from self._rollback(rel)

    def _wait(self, rel: _Release, delay: float) -> Generator[Any, Any, bool]:
        """Wait ``delay`` unless the change is aborted first; whether it was."""
        if not rel.abort.triggered and delay > 0.0:
            yield self.sim.env.any_of([self.sim.env.timeout(delay), rel.abort])
        return bool(rel.abort.triggered)

    def _gate_caught(self, rel: _Release, before: str) -> Generator[Any, Any, bool]:
        """Run the deployment gate before a promotion (if any); whether it caught a bad change."""
        gate = self.spec.gate
        if gate is None or rel.abort.triggered:
            return bool(rel.abort.triggered)
        if (yield from self._wait(rel, gate.takes)):
            return True
        caught = rel.bad and self._gate() < gate.catches
        self.sim.log("gate", deployment=self.name, n=rel.n, before=before, passed=not caught)
        if caught:
            self.tally["gate_catches"] += 1
            self._abort(rel, "gate")
        return caught

    # -- exposure --------------------------------------------------------------
    def _expose(self, rel: _Release, share: Any, stage: str) -> None:
        """Updated instances now take ``share(instances)`` of each service's traffic."""
        sim = self.sim
        sim.log("rollout", deployment=self.name, n=rel.n, stage=stage)
        for svc in self.services:
            rel.x[svc.name] = share(len(svc.replicas))
        if self._restart is not None:
            self._restart_instances(rel)
        if not rel.bad or rel.flagged:
            return  # a good version (or one behind a flag that is off) changes nothing
        if not rel.live:
            self._go_live(rel)
        if self._crash is not None:
            self._update_instances(rel)
        else:
            self._apply(rel, dict(rel.x))

    def _go_live(self, rel: _Release) -> None:
        sim = self.sim
        rel.live = True
        rel.exposed_at = sim.env.now
        self.ledger.begin()
        rb = self.spec.rollback
        if rb.trigger is not None:
            rel.watch = ErrorWindow(rb.trigger.window, rb.trigger.threshold)
        manual = self._manual()
        sim.after(manual, lambda _ev: self._abort(rel, "manual"))
        if self.spec.drift is not None:
            sim.after(self._drift() * self.spec.drift, lambda _ev: self._abort(rel, "drift"))

    def _apply(self, rel: _Release, shares: dict[str, float]) -> None:
        """The bad version now takes ``shares[service]`` of each service's traffic: it fails ``f`` of it
        (and corrupts ``corrupts`` of the writes)."""
        sim = self.sim
        f = self.spec.effect.fail_share
        errors = {name: f * x for name, x in shares.items()}
        if self._corrupts:
            now = sim.env.now
            self.tally["corrupted"] += self._corrupt_rate * (now - self._corrupt_since)
            self._corrupt_rate = sum(self._corrupts[name] * x for name, x in shares.items())
            self._corrupt_since = now
        sim.cause = self.cause
        try:
            for name, e in errors.items():
                self.versions[name]._publish(min(1.0, max(0.0, 1.0 - e)))
        finally:
            sim.cause = None
        self._watch(rel, max(errors.values(), default=0.0))

    def _watch(self, rel: _Release, e: float) -> None:
        watch = rel.watch
        if watch is None or rel.alerted or rel.abort.triggered:
            return
        now = self.sim.env.now
        watch.set(now, e)
        due = watch.crossing(now)
        token = rel.token = object()  # a new crossing replaces the one computed before
        if due is not None:
            self.sim.env.timeout(due - now).callbacks.append(lambda _ev: self._alert(rel, token))

    def _alert(self, rel: _Release, token: Any) -> None:
        if token is not rel.token or rel.alerted or rel.abort.triggered or not rel.live:
            return
        rel.alerted = True
        sim = self.sim
        assert self._delay is not None and rel.watch is not None
        sim.log("rollback_alert", deployment=self.name, n=rel.n, error_rate=rel.watch.average(sim.env.now))
        sim.after(self._delay(), lambda _ev: self._abort(rel, "trigger"))

    def _abort(self, rel: _Release, reason: str) -> None:
        if rel.abort.triggered or (reason != "gate" and not rel.live):
            return
        self.sim.log("change_caught", deployment=self.name, n=rel.n, by=reason)
        rel.abort.succeed(reason)

    # -- instances restarted by the rollout ------------------------------------------
    def _restart_instances(self, rel: _Release) -> None:
        """The instances updated now restart: each is out of service for a draw of ``restart``."""
        from relsim.engine.planned import Hold, out_of_service

        sim = self.sim
        for inst in self._newly_reached(rel, rel.restarted):
            assert self._restart is not None
            hold = Hold(self.kind, owner=self)
            if out_of_service(sim, inst, self._restart(), hold, self.cause,
                              then=lambda _back: self.ledger.end(bad=False), deployment=self.name):
                self.ledger.begin(bad=False)

    def _newly_reached(self, rel: _Release, counts: dict[str, int]) -> list[Any]:
        """The instances the rollout share ``rel.x`` reaches beyond those ``counts`` has seen (then counted).

        Instances are taken in replica order; a service as a replica is not an instance.
        """
        out = []
        for svc in self.services:
            n = len(svc.replicas)
            want = n if rel.x[svc.name] >= 1.0 else math.ceil(rel.x[svc.name] * n - 1e-9)
            done = counts.get(svc.name, 0)
            out.extend(inst for inst in svc.replicas[done:want] if hasattr(inst, "clocks"))
            counts[svc.name] = max(done, want)
        return out

    # -- instances that crash -----------------------------------------------------
    def _update_instances(self, rel: _Release) -> None:
        sim = self.sim
        for inst in self._newly_reached(rel, rel.updated):
            ev = sim.env.timeout(self._crash())  # type: ignore[misc]
            rel.pending.add(ev)
            ev.callbacks.append(lambda e, inst=inst: self._crash_one(rel, inst, e))
        self._watch(rel, self._crash_share(rel))

    def _crash_share(self, rel: _Release) -> float:
        total = sum(len(svc.replicas) for svc in self.services)
        return len(rel.crashed) / total if total else 0.0

    def _crash_one(self, rel: _Release, inst: Any, ev: Any) -> None:
        if ev not in rel.pending:
            return
        rel.pending.discard(ev)
        from relsim.engine.planned import Hold, take_down

        hold = Hold(self.kind, owner=self)
        if take_down(self.sim, inst, hold, self.cause, count=True):
            rel.crashed.append((inst, hold))
            self._watch(rel, self._crash_share(rel))

    # -- flags and rollback --------------------------------------------------------
    def _flag_on(self, rel: _Release) -> Generator[Any, Any, None]:
        sim, spec = self.sim, self.spec
        assert spec.flag is not None and self._kill is not None
        sim.log("flag_on", deployment=self.name, n=rel.n, exposure=spec.flag.exposure)
        self._go_live(rel)
        self._apply(rel, {svc.name: spec.flag.exposure for svc in self.services})
        yield rel.abort
        kill = self._kill()
        sim.log("flag_kill", deployment=self.name, n=rel.n, takes=kill)
        if kill > 0.0:
            yield sim.env.timeout(kill)
        self.tally["flag_kills"] += 1
        self._clear(rel)
        sim.log("flag_off", deployment=self.name, n=rel.n)

    def _rollback(self, rel: _Release) -> Generator[Any, Any, None]:
        sim, spec = self.sim, self.spec
        env = sim.env
        self.tally["rollbacks"] += 1
        back = spec.switch if (rel.switched_at is not None and
                               (spec.keep is None or env.now < rel.switched_at + spec.keep)) else None
        takes = back if back is not None else self._takes()
        sim.log("rollback", deployment=self.name, n=rel.n, by=rel.abort.value if rel.abort.triggered else "gate",
                takes=takes, switch_back=back is not None)
        end = env.now + takes
        if rel.bake_end is not None and rel.bake_end < end and rel.live and self._crash is None:
            # a canary whose bake ends with its rollback under way is not promoted: it leaves rotation
            if rel.bake_end > env.now:
                yield env.timeout(rel.bake_end - env.now)
            sim.log("canary_pulled", deployment=self.name, n=rel.n)
            self._apply(rel, dict.fromkeys(self.versions, 0.0))
        if end > env.now:
            yield env.timeout(end - env.now)
        self._clear(rel)
        sim.log("rolled_back", deployment=self.name, n=rel.n)

    def _clear(self, rel: _Release) -> None:
        """The change no longer serves: the old version is back everywhere."""
        rel.pending.clear()
        if not rel.live:
            return
        if self.versions:
            self._apply(rel, dict.fromkeys(self.versions, 0.0))
        if rel.crashed:
            from relsim.engine.planned import bring_back

            for inst, hold in rel.crashed:
                bring_back(self.sim, inst, hold, deployment=self.name)
            rel.crashed = []
        rel.live = False
        self.ledger.end()


def build_deployments(sim: Simulation) -> None:
    """The model's ``deployments``: one stream of changes per entry, started at time 0."""
    specs = sim.model.spec.deployments
    if not specs:
        return
    ledger = ChangeLedger(sim)
    streams = [DeploymentStream(sim, name, spec, ledger) for name, spec in specs.items()]
    for stream in streams:
        stream.start()

    def finish() -> None:
        ledger.finish()
        for stream in streams:
            stream.close()
        totals: dict[str, float] = {"bad_time": ledger.time, "failed_requests": ledger.failed}
        for stream in streams:
            prefix = "config_" if stream.spec.change == "config" else ""
            for key, value in stream.tally.items():
                totals[prefix + key] = totals.get(prefix + key, 0.0) + value
        sim.result.changes = totals

    sim.at_end.append(finish)
