"""Failure detection: heartbeats and health checks watching a primary.

A detector watches the current primary of an active-passive service and
tells the service when it *suspects* the primary (``service.suspect()``) and
when the suspicion ends (``service.unsuspect()``). A suspicion is true when
the primary really is down (or unreachable from the controller) and false
when lost beats or spurious check failures fooled the detector.

Both kinds are *periodic detectors*: every ``period`` a beat is sent (or a
check made); ``k_down`` missing beats (failed checks) in a row raise a
suspicion and ``k_up`` received beats (passed checks) in a row end it; each
beat is lost (each check of a healthy target fails) with probability ``p``.

Two methods (docs/model-format.md):

``beats``
    every beat or check is an event: exact by construction, for short horizons.
``sampled``
    no per-beat events. After a failure at a uniformly distributed phase the
    suspicion comes after ``(k_down - 1 + U) * period - J * period + extra``
    (U ~ U(0, 1); J, the beats lost just before the failure, is geometric
    truncated below ``k_down``; ``extra`` is the beat latency or the check
    timeout). While the primary is up, false suspicions start after the
    exact number of beats until a run of ``k_down`` losses, and last until
    a run of ``k_up`` successes (:func:`beats_until_run`). This is exact
    when a beat is missed only when it is lost: for a fixed latency, or for
    a varying one without loss that varies by at most ``(k_down - 1)``
    periods (then ``extra`` is the latest arrival of the beats in flight).
    The schema refuses every other heartbeat latency with this method: late
    beats then count as misses depending on their neighbours' latencies,
    which only ``beats`` simulates.

References
----------
.. [1] W. Chen, S. Toueg, M. K. Aguilera, "On the quality of service of
   failure detectors", IEEE Trans. Computers 51(5):561-580, 2002.
.. [2] W. Feller, *An Introduction to Probability Theory and Its
   Applications*, vol. I, 3rd ed., ch. XIII §7 (success runs).
"""

from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING, Any

import numpy as np
from simpy.events import URGENT, Event

from relsim.dists import Fixed

#: Scheduling priority below SimPy's NORMAL: runs after all else at an instant.
LAST = 2

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["BeatDetector", "SampledDetector", "beats_until_run", "make_detector"]


def beats_until_run(rng: np.random.Generator, k: int, q: float) -> float:
    """Trials until the first run of ``k`` consecutive events of probability ``q``.

    Counted from a fresh start (just after a non-event). Exact: the trials
    form attempts that end at the first non-event; an attempt succeeds (its
    first ``k`` trials are all events) with probability ``q**k``. With N
    failed attempts (geometric) of lengths ``L_i + 1``, L_i truncated
    geometric on ``0..k-1``, the answer is ``k + sum(L_i + 1)``; the counts of
    each length are one multinomial draw, so the cost does not grow with N.
    Returns ``inf`` if ``q == 0``.
    """
    if q <= 0.0:
        return math.inf
    if q >= 1.0:
        return float(k)
    qk = q**k
    lengths = np.arange(1, k + 1)
    probs = q ** np.arange(k) * (1.0 - q) / (1.0 - qk)
    if qk > 1e-12:
        n = int(rng.geometric(qk)) - 1
        if n == 0:
            return float(k)
        counts = rng.multinomial(n, probs / probs.sum())
        return float(k + counts @ lengths)
    # Beyond ~1e12 attempts the sum is normal to far better than any horizon
    # can resolve (central limit theorem); the count itself stays exact.
    n = rng.exponential(1.0 / qk)
    mean = float(probs @ lengths)
    var = float(probs @ lengths**2) - mean**2
    return float(k + n * mean + math.sqrt(n * var) * rng.standard_normal())


class _Detector:
    """Common parameters of heartbeat and health-check detectors."""

    def __init__(self, service: Any, spec: Any, sim: Simulation):
        self.service = service
        self.sim = sim
        hb, hc = spec.heartbeat, spec.health_check
        if hb is not None:
            self.kind = "heartbeat"
            self.period, self.k_down, self.k_up = hb.period, hb.misses, 1
            self.p = hb.loss
            self.extra = hb.latency
            self.sees_silent = False
        else:
            self.kind = "health_check"
            self.period, self.k_down, self.k_up = hc.interval, hc.unhealthy, hc.healthy
            self.p = hc.loss
            self.extra = Fixed(hc.timeout)
            self.sees_silent = hc.deep
        key = f"{service.name}/detection"
        self.rng = sim.streams.generator(key)
        self._extra = sim.streams.sampler(self.extra, f"{key}/extra")
        self.suspected = False

    def window(self) -> float:
        """How long before raising a suspicion the controller last heard from the primary."""
        return self.k_down * self.period

    def _suspect(self) -> None:
        if not self.suspected:
            self.suspected = True
            self.service.suspect(self.kind)

    def _clear(self) -> None:
        if self.suspected:
            self.suspected = False
            self.service.unsuspect(self.kind)


class SampledDetector(_Detector):
    """Detection delays and false suspicions drawn from their exact distributions."""

    def __init__(self, service: Any, spec: Any, sim: Simulation):
        super().__init__(service, spec, sim)
        self.pending: Any = None  # the next suspect/clear event
        # With a varying latency (allowed only without loss, varying by at most
        # (k_down - 1) periods: docs/model-format.md), beats sent up to
        # ``reach`` periods before the last one may still arrive after it.
        self.reach = 0
        if not isinstance(self.extra, Fixed):
            spread = float(self.extra.ppf(1.0)) - float(self.extra.ppf(0.0))
            self.reach = int(spread // self.period) if math.isfinite(spread) else 0

    def _at(self, delay: float, fn: Any) -> None:
        if math.isinf(delay):
            self.pending = None
            return
        ev = self.sim.after(delay, lambda e: self._fire(e, fn))
        self.pending = ev

    def _fire(self, ev: Any, fn: Any) -> None:
        if ev is self.pending:
            self.pending = None
            fn()

    def watch(self) -> None:
        """A (new) primary is serving: the controller hears it; false suspicions may follow."""
        self.suspected = False
        self._schedule_false_suspicion()

    def _schedule_false_suspicion(self) -> None:
        if self.p <= 0.0:
            self.pending = None
            return
        beats = beats_until_run(self.rng, self.k_down, self.p)
        self._at(beats * self.period, self._false_start)

    def _false_start(self) -> None:
        self._suspect()
        beats = beats_until_run(self.rng, self.k_up, 1.0 - self.p)
        self._at(beats * self.period, self._false_end)

    def _false_end(self) -> None:
        self._clear()
        self._schedule_false_suspicion()

    def primary_down(self, silent: bool) -> None:
        """The primary stopped serving: draw when the controller will notice."""
        if self.suspected:
            self.pending = None  # already suspected: no clear will come from a dead node
            return
        if self.p >= 1.0:
            # Every beat is lost: the suspicion already scheduled, ``k_down``
            # beats after the controller last heard the primary, comes anyway.
            return
        if silent and not self.sees_silent:
            self.pending = None  # never noticed: gray failure
            return
        rng = self.rng
        k, p = self.k_down, self.p
        lost_before = 0
        if p > 0.0:
            # Beats lost just before the failure (fewer than k, else a false
            # suspicion would already be under way): truncated geometric.
            w = p ** np.arange(k) * (1.0 - p)
            lost_before = int(rng.choice(k, p=w / w.sum()))
        delay = (k - 1 - lost_before + rng.random()) * self.period + self._latest_arrival()
        self._at(max(delay, 0.0), self._suspect)

    def _latest_arrival(self) -> float:
        """When, after the last beat was sent, the latest beat sent so far arrives.

        The deadline runs from the last arrival, which is the last beat's own
        latency unless an earlier beat, sent ``m`` periods before it, arrives
        later still (reordering): the maximum of ``L_m - m * period`` over the
        beats that can still be in flight.
        """
        latest = self._extra()
        for m in range(1, self.reach + 1):
            latest = max(latest, self._extra() - m * self.period)
        return latest

    def primary_up(self) -> None:
        """The primary serves again: beats reach the controller at once."""
        self.pending = None
        self._clear()
        self._schedule_false_suspicion()


class BeatDetector(_Detector):
    """Every beat (or check) is a simulated event."""

    def __init__(self, service: Any, spec: Any, sim: Simulation):
        super().__init__(service, spec, sim)
        self._coin = sim.streams.uniform(f"{service.name}/detection/loss")
        self.misses = 0
        self.passes = 0
        self.deadline: Any = None
        self.arrivals: list[float] = []  # when the beats in flight arrive (a heap)
        # Which primary the checks are of: bumped at each watch, so that a check
        # of an earlier primary failing after a promotion is not counted
        # against the new one.
        self.watched = 0
        phase = self.rng.random() * self.period
        self.next_beat = phase
        sim.after(phase, self._beat)
        # How far back a beat may have been sent and still be in flight.
        hi = float(self.extra.ppf(1.0))
        if not math.isfinite(hi):
            hi = float(self.extra.ppf(1.0 - 1e-12))
        self.in_flight = int(hi // self.period) + 1 if self.kind == "heartbeat" and hi > 0.0 else 0

    def watch(self) -> None:
        """A (new) primary serves: the controller hears it now, in steady state.

        The beats it sent before now that are still in flight arrive as they
        would have, so that a latency longer than the gap to the next beat
        does not look like a silence at the start (the sampled method starts
        the same way: heard now, no beat missing).
        """
        self.suspected = False
        self.misses = self.passes = 0
        self.watched += 1
        now = self.sim.env.now
        self._heard()
        for m in range(1, self.in_flight + 1):
            sent = self.next_beat - m * self.period
            if sent >= now:
                continue
            if self._coin() >= self.p:
                arrival = sent + self._extra()
                if arrival > now:
                    self._arrive(arrival - now)

    def primary_down(self, silent: bool) -> None:
        return None  # the beats tell

    def primary_up(self) -> None:
        return None

    def _beat(self, _ev: Any) -> None:
        sim = self.sim
        sim.after(self.period, self._beat)
        self.next_beat = sim.env.now + self.period
        if self.service.primary is None:
            return
        answers = self.service.answers(self.sees_silent)
        ok = answers and self._coin() >= self.p
        if self.kind == "heartbeat":
            if ok:
                self._arrive(self._extra())
        else:
            if ok:
                self._check_passed()
            else:
                watched = self.watched
                sim.after(self.extra.mean, lambda _e: self._check_failed(watched))

    # heartbeat
    def _arrive(self, delay: float) -> None:
        ev = Event(self.sim.env)
        ev._ok = True
        ev._value = None
        ev.callbacks.append(lambda _e: self._received())
        # URGENT: a beat arriving at the very instant of the deadline counts.
        self.sim.env.schedule(ev, URGENT, delay)
        heapq.heappush(self.arrivals, self.sim.env.now + delay)

    def _received(self) -> None:
        heapq.heappop(self.arrivals)  # arrivals come in time order: this one is the earliest
        self._heard()
        self._clear()

    def _heard(self) -> None:
        if self.kind == "heartbeat":
            ev = Event(self.sim.env)
            ev._ok = True
            ev._value = None
            ev.callbacks.append(self._deadline)
            # After everything else due at the same instant: the deadline falls
            # exactly on the k-th expected beat, which must count if it arrives.
            self.sim.env.schedule(ev, LAST, self.k_down * self.period)
            self.deadline = ev

    def _deadline(self, ev: Any) -> None:
        if ev is not self.deadline:
            return
        # A beat due at the deadline counts. The beat grid and the deadline are
        # sums of periods and latencies rounded differently: a beat due within
        # rounding error after the deadline is due at it (else a suspicion of
        # no length would be counted). That error grows with the clock: up to
        # about k_down + 2 units in the last place of ``now`` (one rounding per
        # beat period added to the grid, two more for the latency and the
        # deadline), which passes 1e-9 periods after ~2^23 s at 1 s periods.
        now = self.sim.env.now
        slack = max(1e-9 * self.period, (self.k_down + 4) * math.ulp(now))
        if self.arrivals and self.arrivals[0] <= now + slack:
            return
        self._suspect()

    # health check
    def _check_passed(self) -> None:
        self.misses = 0
        self.passes += 1
        if self.passes >= self.k_up:
            self._clear()

    def _check_failed(self, watched: int) -> None:
        if watched != self.watched:
            return  # a check of the previous primary, timed out after a promotion
        self.passes = 0
        self.misses += 1
        if self.misses >= self.k_down:
            self._suspect()


def make_detector(service: Any, spec: Any, sim: Simulation) -> SampledDetector | BeatDetector:
    cls = BeatDetector if spec.method == "beats" else SampledDetector
    return cls(service, spec, sim)
