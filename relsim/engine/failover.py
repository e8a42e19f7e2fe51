"""Active-passive services: detection, decision, promotion, fencing (docs/model-format.md).

One primary serves. When the controller's view of it drops to zero (it
failed, or a partition hides it) a *failover process* runs through phases:

``detection``  until the detector suspects the primary (instant without a
               ``detection`` section);
``decision``   hysteresis ``hold``, flap damping ``min_interval`` and, with
               fencing, the wait for the old primary's lease to expire;
``failover``   promotion of the first healthy, reachable, re-admitted
               standby (``failover.time`` + start-up + state transfer);
``restore``    after a failed promotion: an operator (``fallback: manual``)
               or the first replica restored (``fallback: repair``).

A primary that comes back before promotion completes cancels the process
and serves at once. A *false* suspicion (lost beats, spurious check
failures) starts the same process while the primary still serves; if it
outlasts the hold, a standby is promoted anyway (a false failover). Without
fencing the old primary keeps serving until it hears it was demoted: two
primaries, a split brain. With fencing it stops when its lease expires and no
promotion starts before then. Every decision is written to the trace
(``failover_decision``), the audit log of the simulated control plane.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from relsim.engine.detection import beats_until_run, make_detector
from relsim.engine.replication import DataProtection
from relsim.engine.services import ServiceNode
from relsim.model.schema import Service
from relsim.units import YEAR

if TYPE_CHECKING:
    from relsim.engine.simulation import RunResult, Simulation

__all__ = ["ActivePassive"]

#: A month of process decay (success_decay), seconds.
MONTH = YEAR / 12

PHASE_OF = {"detection": "detection", "decision": "decision", "failover": "failover",
            "manual": "restore", "restore": "restore"}


class ActivePassive(ServiceNode):
    """The live state machine of one active-passive service."""

    single_primary = True

    def __init__(self, name: str, spec: Service, sim: Simulation):
        super().__init__(name, spec, sim)
        self.fo = spec.failover
        self.primary: Any = None
        self.last_primary: Any = None
        self.primary_down = False
        self.process: str | None = None
        self.pending: Any = None
        self.fence_ev: Any = None
        self.fenced = False
        self.switching = False
        self.failed_at = 0.0
        self.trigger = ""
        self.rogue: Any = None
        self.rogue_since = 0.0
        self.rogue_ev: Any = None
        self.healthy_since: dict[int, float] = {}
        self.views: dict[int, float] = {}
        self.last_failover = -math.inf
        self.exercised = 0.0  # last drill or successful failover (process decay)
        self.failback_ev: Any = None
        self.moved = False  # the primary moved since the last _update (which announces it)
        #: Called with no argument after each _update that follows a move of the primary.
        self.primary_watchers: list[Callable[[], None]] = []
        streams = sim.streams
        self._time = streams.sampler(self.fo.time, f"{name}/failover/time")
        self._startup = (streams.sampler(spec.startup, f"{name}/failover/startup")
                         if spec.startup is not None and spec.standby != "hot" else None)
        self._manual = (streams.sampler(self.fo.manual, f"{name}/failover/manual")
                        if self.fo.manual is not None else None)
        self._coin = streams.uniform(f"{name}/failover/success")
        self.transfer = (spec.state.size / spec.state.bandwidth) if spec.state is not None else 0.0
        det = spec.detection
        self.place = sim.network.chain(det.controller) if det is not None else frozenset()
        self.detector = make_detector(self, det, sim) if det is not None else None
        self.data = DataProtection(self, spec.data, sim) if spec.data is not None else None
        # tallies
        self.failovers = self.failed_failovers = self.false_failovers = 0
        self.flaps = self.suppressed = self.split_brains = self.false_suspicions = 0
        self.split_brain_time = 0.0
        self.detection_delays: list[float] = []

    # -- process decay -----------------------------------------------------------
    def success(self) -> float:
        """The probability that a promotion succeeds now.

        ``failover.success``, times ``success_decay`` per month since the
        last drill or successful failover (docs/changes.md): runbooks and
        automation rot when nobody exercises them.
        """
        decay = self.fo.success_decay
        if decay is None:
            return self.fo.success
        months = (self.sim.env.now - self.exercised) / MONTH
        return self.fo.success * decay ** months

    def exercise(self) -> None:
        """A drill or a successful failover: the failover is known to work again (restores ``success``)."""
        self.exercised = self.sim.env.now

    # -- planned handover (drained maintenance) ---------------------------------
    def handover_candidate(self, leaving: Any) -> Any:
        """A standby that could take over on purpose now (healthy, reachable, re-admitted, with data).

        None if the primary is not serving, a failover is under way or no
        standby outside ``leaving`` (a set of ids of replicas going out) qualifies.
        """
        if self.primary is None or self.primary_down or self.process is not None:
            return None
        checks = self._checks()
        return next((r for r in self.replicas if checks.get(r.name) == "ok" and id(r) not in leaving), None)

    def switch_over(self, candidate: Any, duration: float) -> Any:
        """Hand over to ``candidate`` on purpose: no detection, no decision, no failover coin.

        The service serves nothing for ``duration`` (a planned outage named by
        the cause being applied, e.g. a maintenance), then ``candidate`` is
        primary. Returns an event that fires when the handover is over.
        """
        sim = self.sim
        done = sim.env.event()
        sim.log("switchover", service=self.name, primary=self.primary.name, candidate=candidate.name,
                duration=duration)
        if duration <= 0.0:
            self._promote(candidate, "switchover")
            self._update()
            done.succeed()
            return done
        self.switching = True
        self.process = "switchover"  # no failover starts meanwhile (not an outage phase)
        self._update()

        def end(_ev: Any) -> None:
            if self.process == "switchover":
                if self.views.get(id(candidate), 0.0) == 1.0:
                    self._promote(candidate, "switchover")
                else:
                    self.switching = False
                    self._stop_process()
                    sim.log("switchover_abandoned", service=self.name, candidate=candidate.name)
                    self._failover_held_off()
                self._update()
            done.succeed()

        sim.after(duration, end)
        return done

    # -- views from the controller -------------------------------------------
    def view(self, node: Any) -> float:
        """``node``'s served fraction as the controller sees it (0 if unreachable)."""
        if node.s > 0.0 and not self.sim.network.reachable(self.place, node.place):
            return 0.0
        return node.s

    def silently_failed(self, node: Any) -> bool:
        """Down from a ``silent`` failure of its own, but still answering heartbeats."""
        clock = getattr(node, "failing", None)
        return (clock is not None and clock.spec.silent and not node.up and node.parent_up
                and self.sim.network.reachable(self.place, node.place))

    def answers(self, deep: bool) -> bool:
        """Whether the primary answers a beat (deep: a check that does real work)."""
        p = self.primary
        return p is not None and (self.view(p) > 0.0 or (not deep and self.silently_failed(p)))

    # -- set-up ----------------------------------------------------------------
    def start(self) -> None:
        self.primary = self.replicas[0]
        now = self.sim.env.now
        for r in self.replicas:
            self.views[id(r)] = self.view(r)
            if self.views[id(r)] == 1.0:
                self.healthy_since[id(r)] = now - self.fo.readmit_after  # admitted from the start
        if self.spec.standby == "cold":
            for r in self.replicas[1:]:
                _hold(r)
        if self.detector is not None:
            self.detector.watch()
        self.sim.network.watchers.append(lambda: self.replica_changed(None, 0.0, 0.0))
        super().start()

    def evaluate(self) -> float:
        if self.primary is None or self.fenced or self.switching:
            return 0.0
        return self.view(self.primary)

    # -- reacting to replicas and the network ----------------------------------
    def replica_changed(self, replica: Any, old: float, new: float) -> None:
        now = self.sim.env.now
        for r in self.replicas if replica is None else (replica,):
            v = self.view(r)
            before = self.views.get(id(r), 0.0)
            self.views[id(r)] = v
            if v == 1.0 and before < 1.0:
                self.healthy_since[id(r)] = now
                if self.primary is None and self.process == "restore":
                    if self.data is not None:
                        # the crashed primary resumes on its own disk; anything else is a stale copy
                        if r is self.last_primary:
                            self.data.resumed()
                        else:
                            self.data.promoted(self.last_primary, False, r)
                    self._promote(r, "restored")
            elif v < 1.0 and before == 1.0:
                self.healthy_since.pop(id(r), None)
        if self.rogue is not None and self.sim.network.reachable(self.place, self.rogue.place) \
                and self.rogue_ev is None:
            self._end_split_brain("demoted once reachable")
        p = self.primary
        if p is not None:
            pv = self.views[id(p)]
            if pv == 0.0 and not self.primary_down:
                self._primary_failed()
            elif pv > 0.0 and self.primary_down:
                self._primary_recovered()
        self._maybe_failback()
        if self.data is not None:
            self.data.replicas_changed()
            self.data_factor = self.data.write_factor()
        self._update()

    def _update(self) -> None:
        self.base = self.evaluate()
        s = self.base * self.dep_factor * self.data_factor  # _serve, inlined (hot path)
        self._publish(s)
        if self.moved:
            self.moved = False
            # The primary moved, whether the share did or not (a switchover of no duration,
            # a false failover, a failover or failback while the service serves nothing):
            # whoever reads the primary (sessions) is told; the listeners of ``s`` are not.
            for watch in self.primary_watchers:
                watch()

    def _primary_failed(self) -> None:
        sim = self.sim
        self.primary_down = True
        self.failed_at = sim.env.now
        silent = self.silently_failed(self.primary)
        sim.log("primary_failed", service=self.name, primary=self.primary.name, silent=silent)
        if self.data is not None and not getattr(self.primary, "up", True):
            self.data.primary_crashed()  # its own failure: unflushed and unreplicated writes at risk
        if self.process is None:
            self._phase("detection")
        if self.detector is None:
            self.suspect("instant")
        else:
            self.detector.primary_down(silent)

    def _primary_recovered(self) -> None:
        self.primary_down = False
        if self.process is not None:
            self.sim.log("failover_cancelled", service=self.name, primary=self.primary.name,
                         phase=self.process, reason="primary recovered")
            self._stop_process()
        if self.data is not None:
            self.data.resumed()
        self.fenced = False
        if self.detector is not None:
            self.detector.primary_up()

    def _stop_process(self) -> None:
        self.pending = None
        self.fence_ev = None
        self._phase(None)

    def _phase(self, process: str | None) -> None:
        self.process = process
        self.sim.set_phase(self, PHASE_OF.get(process) if process else None)

    def _state_of(self, node: Any) -> str:
        if self.views.get(id(node), 0.0) > 0.0:
            return "alive"
        return "unreachable" if node.s > 0.0 else "down"

    # -- detector callbacks ------------------------------------------------------
    def suspect(self, trigger: str) -> None:
        """The detector suspects the primary (truly or falsely)."""
        if self.primary is None or self.process not in (None, "detection"):
            return
        sim = self.sim
        now = sim.env.now
        self.trigger = trigger
        if not self.primary_down:
            self.false_suspicions += 1
        if self.primary_down:
            self.detection_delays.append(now - self.failed_at)
            sim.detected()
        sim.log("suspected", service=self.name, primary=self.primary.name, by=trigger,
                primary_state=self._state_of(self.primary))
        self._phase("decision")
        at = max(now + self.fo.hold, self.last_failover + self.fo.min_interval)
        fencing = self.spec.fencing
        if fencing is not None:
            heard = self.failed_at if self.primary_down else now - self.detector.window()
            expiry = heard + fencing.lease
            at = max(at, expiry)
            if not self.primary_down:
                self.fence_ev = sim.after(max(expiry - now, 0.0), self._lease_expired)
        self.pending = sim.after(at - now, self._decide)
        self._update()

    def unsuspect(self, trigger: str) -> None:
        """The suspicion has ended: the primary was heard again."""
        if self.primary_down or self.primary is None:
            return
        if self.process == "decision":
            self.suppressed += 1
            self.sim.log("failover_suppressed", service=self.name, primary=self.primary.name,
                         reason="suspicion ended during hold")
            self._stop_process()
            self.fenced = False
            self._update()

    def _lease_expired(self, ev: Any) -> None:
        if ev is not self.fence_ev or self.process is None or self.primary_down:
            return
        self.fenced = True
        self.sim.log("fenced", service=self.name, primary=self.primary.name, reason="lease expired")
        self.sim.begin_named_cause(self.name, "fencing")
        self._update()
        self.sim.end_cause()

    # -- decision and promotion ------------------------------------------------
    def _checks(self) -> dict[str, str]:
        now = self.sim.env.now
        out = {}
        for r in self.replicas:
            if r is self.primary:
                continue
            if self.data is not None and not self.data.has_data(r):
                out[r.name] = "no data"
            elif self.views[id(r)] == 1.0 and self.data is not None and self.data.too_stale():
                out[r.name] = f"too stale ({self.data.staleness():.3g} s > max_lag {self.spec.data.max_lag:g} s)"
            elif self.views[id(r)] == 1.0:
                since = self.healthy_since.get(id(r), now)
                ok = now - since >= max(self.fo.readmit_after, self.transfer if self.spec.standby != "cold" else 0.0)
                out[r.name] = "ok" if ok else "not readmitted"
            elif r.s == 1.0:
                out[r.name] = "unreachable"
            else:
                out[r.name] = "down"
        return out

    def _decide(self, ev: Any) -> None:
        if ev is not self.pending:
            return
        sim = self.sim
        checks = self._checks()
        chosen = next((r for r in self.replicas if checks.get(r.name) == "ok"), None)
        # A service with a single replica has nothing to fail over to: its
        # outages wait for a repair or a restore, and that is no failed failover.
        alone = len(self.replicas) < 2
        outcome = (f"promote {chosen.name}" if chosen is not None
                   else "no standby" if alone else "no candidate")
        sim.log("failover_decision", service=self.name, trigger=self.trigger, failed=self.primary.name,
                primary_state=self._state_of(self.primary), candidates=checks, outcome=outcome)
        if chosen is None:
            if not alone:
                self.failed_failovers += 1
            self._fallback("no standby" if alone else "no healthy standby")
            return
        delay = self._time()
        if self._startup is not None:
            delay += self._startup()
        if self.spec.standby == "cold":
            delay += self.transfer
        self._phase("failover")
        sim.log("failover_started", service=self.name, candidate=chosen.name, duration=delay)
        self.pending = sim.after(delay, lambda e: self._complete(e, chosen))

    def _complete(self, ev: Any, candidate: Any) -> None:
        if ev is not self.pending:
            return
        ok = self._coin() < self.success()
        if ok and self.views[id(candidate)] == 1.0:
            self._take_over(candidate)
        else:
            self.failed_failovers += 1
            reason = "promotion failed" if not ok else f"{candidate.name} failed during promotion"
            self.sim.log("failover_failed", service=self.name, candidate=candidate.name, reason=reason)
            self._fallback(reason)
        self._update()

    def _take_over(self, candidate: Any) -> None:
        sim = self.sim
        now = sim.env.now
        old = self.primary
        alive = old is not None and old.s > 0.0
        self.failovers += 1
        self._rogue_promoted(candidate)
        if alive:
            self.false_failovers += 1
            if self.spec.fencing is None:
                # With fencing the old primary stopped when its lease expired,
                # before this promotion could start.
                self._begin_split_brain(old)
        if now - self.last_failover < self.fo.flap_window:
            self.flaps += 1
        self.last_failover = now
        self.exercised = now
        if self.data is not None:
            self.data.promoted(old, alive, candidate)
        self._promote(candidate, "failover")

    def _fallback(self, reason: str) -> None:
        sim = self.sim
        old = self.primary
        if old is not None and not self.primary_down:
            # A false suspicion whose failover failed: the old primary carries on.
            sim.log("failover_abandoned", service=self.name, primary=old.name, reason=reason)
            self._stop_process()
            self.fenced = False
            self._update()
            return
        if self.fo.fallback == "manual" and self._manual is not None:
            self._phase("manual")
            delay = self._manual()
            sim.log("manual_recovery_started", service=self.name, duration=delay)
            self.pending = sim.after(delay, self._manual_done)
        else:
            self._phase("restore")
            self.moved = self.moved or self.primary is not None
            self.last_primary = self.primary
            self.primary = None
            sim.log("waiting_for_restore", service=self.name)
        self._update()

    def _manual_done(self, ev: Any) -> None:
        if ev is not self.pending:
            return
        chosen = next((r for r in self.replicas if r is not self.primary and self.views[id(r)] == 1.0), None)
        self.sim.log("failover_decision", service=self.name, trigger="manual",
                     failed=self.primary.name if self.primary else None, candidates=self._checks(),
                     outcome=f"promote {chosen.name}" if chosen else "no candidate: wait for a restore")
        if chosen is not None:
            self._take_over(chosen)
        else:
            self._phase("restore")
            self.moved = self.moved or self.primary is not None
            self.last_primary = self.primary
            self.primary = None
        self._update()

    def _promote(self, replica: Any, how: str) -> None:
        self._rogue_promoted(replica)
        self.moved = self.moved or replica is not self.primary
        self.primary = replica
        self.primary_down = self.views.get(id(replica), 0.0) == 0.0
        self.fenced = False
        self.switching = False
        self._stop_process()
        if self.spec.standby == "cold":
            # Only the primary (and a demoted primary still serving) runs.
            for r in self.replicas:
                if r is replica or r is self.rogue:
                    _release(r)
                else:
                    _hold(r)
        self.sim.log("promoted", service=self.name, primary=replica.name, via=how)
        if self.detector is not None:
            self.detector.watch()
        if self.data is not None:
            self.data.replicas_changed()  # a new primary: who can acknowledge its writes?
            self.data_factor = self.data.write_factor()

    # -- split brain -----------------------------------------------------------
    def _begin_split_brain(self, old: Any) -> None:
        sim = self.sim
        if self.rogue is not None:
            # One demoted primary is tracked at a time: close the earlier
            # split brain here, or its time so far would be lost and it
            # would never end.
            self._end_split_brain("superseded by a newer split brain")
        self.rogue = old
        self.rogue_since = sim.env.now
        self.split_brains += 1
        sim.log("split_brain", service=self.name, primaries=[old.name], reason="old primary still serving")
        if sim.network.reachable(self.place, old.place):
            # Lost beats, not a partition: the old primary hears of its demotion at
            # the end of the loss episode (a run of received beats).
            det = self.detector
            beats = beats_until_run(det.rng, det.k_up, 1.0 - det.p) if det is not None else 0.0
            period = det.period if det is not None else 0.0
            if math.isfinite(beats):
                self.rogue_ev = sim.after(beats * period, lambda e: self._rogue_timer(e))
            else:
                self.rogue_ev = True  # never hears of it: split brain to the horizon

    def _rogue_timer(self, ev: Any) -> None:
        if ev is self.rogue_ev:
            self.rogue_ev = None
            self._end_split_brain("demoted")

    def _rogue_promoted(self, replica: Any) -> None:
        """The demoted primary that still serves is promoted again: the split
        brain ends, and the writes it took meanwhile, on its own disk, are kept."""
        if self.rogue is not None and replica is self.rogue:
            self._end_split_brain("promoted again", kept=True)

    def _end_split_brain(self, reason: str, kept: bool = False) -> None:
        if self.rogue is None:
            return
        self.split_brain_time += self.sim.env.now - self.rogue_since
        if self.data is not None and not kept:
            self.data.split_brain_ended(self.sim.env.now - self.rogue_since, self.rogue)
        self.sim.log("split_brain_end", service=self.name, demoted=self.rogue.name, reason=reason)
        if self.spec.standby == "cold" and self.rogue is not self.primary and not kept:
            _hold(self.rogue)
        self.rogue = None
        self.rogue_ev = None

    def finish(self, result: RunResult) -> None:
        """Close open tallies at the horizon and add them to ``result``."""
        if self.rogue is not None:
            self.split_brain_time += self.sim.env.now - self.rogue_since
        result.failovers += self.failovers
        result.failed_failovers += self.failed_failovers
        result.false_failovers += self.false_failovers
        result.flaps += self.flaps
        result.suppressed += self.suppressed
        result.false_suspicions += self.false_suspicions
        result.split_brains += self.split_brains
        result.split_brain_time += self.split_brain_time
        result.detection_delays.extend(self.detection_delays)
        super().finish(result)

    # -- failback --------------------------------------------------------------
    def _maybe_failback(self) -> None:
        if self.fo.failback != "auto" or self.process is not None:
            return
        preferred = self.replicas[0]
        if self.primary is preferred or self.primary is None or self.failback_ev is not None:
            return
        since = self.healthy_since.get(id(preferred))
        if since is None:
            return
        wait = max(since + self.fo.failback_after - self.sim.env.now, 0.0)
        self.failback_ev = self.sim.after(wait, self._failback)

    def _failback(self, ev: Any) -> None:
        if ev is not self.failback_ev:
            return
        self.failback_ev = None
        preferred = self.replicas[0]
        since = self.healthy_since.get(id(preferred))
        now = self.sim.env.now
        if (self.process is not None or self.primary is preferred or since is None
                or now - since < self.fo.failback_after):
            self._maybe_failback()
            return
        sim = self.sim
        sim.log("failover_decision", service=self.name, trigger="failback", failed=None,
                candidates={preferred.name: "ok"}, outcome=f"switch back to {preferred.name}")
        self.switching = True
        self._phase("failover")
        sim.begin_named_cause(self.name, "failback")
        self._update()
        sim.end_cause()
        self.pending = sim.after(self._time(), lambda e: self._failback_done(e, preferred))

    def _failback_done(self, ev: Any, preferred: Any) -> None:
        if ev is not self.pending:
            return
        if self.views[id(preferred)] == 1.0:
            self._promote(preferred, "failback")
        else:
            self.switching = False
            self._stop_process()
            self._failover_held_off()
        self._update()

    def _failover_held_off(self) -> None:
        """After a switchover or failback that did not complete: a primary that
        failed meanwhile (no failover starts during either) fails over now."""
        if self.primary_down:
            self._phase("detection")
            det = self.detector
            if det is None or det.suspected:
                self.suspect("instant" if det is None else det.kind)


def _hold(node: Any) -> None:
    if hasattr(node, "hold"):
        node.hold()


def _release(node: Any) -> None:
    if hasattr(node, "release"):
        node.release()
