"""Alert rules on the simulated signals, evaluated exactly between events (docs/incidents.md).

A *signal* is the error rate an alert rule sees on one node: ``1 − s`` of a
service (or, with a workload, of the request path: 1 − request success),
plus the model's ``noise`` — a constant background error rate and Poisson
*blips* (bursts of errors of a given size and length that are not outages).
Between two events a signal is constant, so nothing is polled:

* a **static threshold** (``above: 1%`` held ``for: 5m``) becomes true when
  the signal crosses the threshold, an event of the signal itself;
* a **burn-rate** window pair (``rate × (1 − slo)`` over a long and a short
  window, as in the SRE workbook) needs the sliding mean of the signal over
  each window. That mean is piecewise linear: its slope changes only when
  the signal changes (``u``) and when that change leaves the window
  (``u + L``), so the time it crosses the threshold is solved for at those
  breakpoints and scheduled as one event.

Evaluation (:class:`Rule`): the rule sees the signal ``delay`` late, and is
evaluated at ticks ``φ + k·interval`` (``φ`` uniform per replication on the
stream ``alerts/NAME``; continuously if ``interval`` is 0). An episode of
the condition that starts at ``t0`` fires at the first tick ``T ≥ t0 +
delay + for`` if the condition still held at ``T − delay`` (it held
continuously for ``for`` in what the rule sees). A firing alert resolves
at the first tick that sees the condition false (at ``T − delay``): a gap
that no tick sees does not resolve it, and the alert goes on firing through
the next episode, which pages nobody.

References
----------
.. [1] B. Beyer, N. R. Murphy et al. (eds.), *The Site Reliability
   Workbook*, O'Reilly, 2018, ch. 5 (alerting on SLOs: multiwindow,
   multi-burn-rate alerts).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relsim.engine.node import Node
    from relsim.engine.simulation import Simulation

__all__ = ["ErrorCount", "Rule", "Signal", "SlidingMean"]


def _at(sim: Simulation, delay: float, callback: Callable[[Any], None]) -> None:
    # A plain timeout: alert machinery is never the consequence of a failure
    # (Simulation.after would name the failure being applied as its cause).
    sim.env.timeout(max(delay, 0.0)).callbacks.append(callback)


class Signal:
    """The error rate of one node as alert rules see it: ``1 − s`` plus noise.

    Watchers (alert rules, sliding means) are called as ``watch(value)`` after every change of the value.
    ``last_real`` is the last time the node's own (noise-free) error rate
    was above zero, which tells a false page from a page on a real failure.
    """

    def __init__(self, sim: Simulation, name: str, node: Node, noise: Any):
        self.sim = sim
        self.name = name
        self.node = node
        self.background = float(noise.background) if noise is not None else 0.0
        self.blip = 0.0
        self.value = 1.0 - node.s + self.background
        self.watchers: list[Callable[[float], None]] = []
        self.last_real = -math.inf
        node.subscribe(self._node_changed)
        blips = noise.blips if noise is not None else None
        if blips is not None:
            key = f"noise/{name}"
            rng = sim.streams.generator(key)
            self._every = sim.streams.sampler(blips.every, key, rng)
            self._lasts = sim.streams.sampler(blips.lasts, key, rng)
            self._size = float(blips.size)
            _at(sim, self._every(), self._blip_start)

    def real_recent(self, t: float, lookback: float) -> bool:
        """Whether the node itself had errors at some time in ``[t − lookback, t]``."""
        return self.node.s < 1.0 or self.last_real >= t - lookback

    def _node_changed(self, _node: Any, old: float, _new: float) -> None:
        if old < 1.0:
            self.last_real = self.sim.env.now
        self._update()

    def _blip_start(self, _ev: Any) -> None:
        self.blip += self._size
        self.sim.log("noise_blip", signal=self.name, size=self._size)
        self._update()
        _at(self.sim, self._lasts(), self._blip_end)
        _at(self.sim, self._every(), self._blip_start)

    def _blip_end(self, _ev: Any) -> None:
        self.blip -= self._size
        if self.blip < 1e-12:
            self.blip = 0.0
        self._update()

    def _update(self) -> None:
        value = 1.0 - self.node.s + self.background + self.blip
        if value != self.value:
            self.value = value
            for watch in self.watchers:
                watch(value)


class SlidingMean:
    """Whether the mean of a signal over the last ``length`` seconds is above ``threshold``.

    The signal is taken to have held its initial value before time 0 (a
    steady state). ``on_change(above)`` is called when the state flips.
    The history keeps, for each change still inside the window, its time,
    the new value and the signal's integral up to then, so each breakpoint
    costs O(1) however many changes the window holds.
    """

    def __init__(self, sim: Simulation, signal: Signal, length: float, threshold: float,
                 on_change: Callable[[], None]):
        self.sim = sim
        self.length = length
        self.threshold = threshold
        self.on_change = on_change
        self.hist: deque[tuple[float, float, float]] = deque([(-length, signal.value, 0.0)])
        self.above = signal.value > threshold
        self.version = 0
        self.tol = 1e-9 * max(1.0, length)
        signal.watchers.append(self._signal)

    def _signal(self, value: float) -> None:
        now = self.sim.env.now
        t, v, c = self.hist[-1]
        integral = c + v * (now - t)
        if t == now:
            self.hist.pop()
        self.hist.append((now, value, integral))
        _at(self.sim, self.length, self._breakpoint)
        self._breakpoint(None)

    def _state(self, now: float) -> tuple[float, float, float]:
        """The mean over ``[now − L, now]``, its slope and the next breakpoint known now."""
        lo = now - self.length
        hist = self.hist
        while len(hist) > 1 and hist[1][0] <= lo + self.tol:
            hist.popleft()
        t0, v0, c0 = hist[0]
        t1, v1, c1 = hist[-1]
        total = (c1 + v1 * (now - t1)) - (c0 + v0 * (lo - t0))
        slope = (v1 - v0) / self.length
        nxt = hist[1][0] + self.length if len(hist) > 1 else math.inf
        return total / self.length, slope, nxt

    def _breakpoint(self, _ev: Any) -> None:
        now = self.sim.env.now
        mean, slope, nxt = self._state(now)
        self.version += 1
        self._set(mean > self.threshold)
        if not self.above and slope > 0:
            when = now + (self.threshold - mean) / slope
            target = True
        elif self.above and slope < 0:
            when = now + (mean - self.threshold) / -slope
            target = False
        else:
            return
        if when < nxt - self.tol:
            version = self.version
            _at(self.sim, when - now, lambda _ev: self._cross(version, target))

    def _cross(self, version: int, target: bool) -> None:
        if version == self.version:
            self._set(target)

    def _set(self, above: bool) -> None:
        if above != self.above:
            self.above = above
            self.on_change()


class ErrorCount:
    """Errors per second of the request path as a rule sees them: the workload's rate λ(t) × the error rate.

    λ(t) is the workload's hourly profile, so the value changes at a
    signal's changes and, with a profile, at every hour; a static threshold
    on it pages at peak hours on background errors that the same threshold
    on the error rate would ignore.
    """

    def __init__(self, sim: Simulation, signal: Signal):
        traffic = sim.traffic
        assert traffic is not None, "errors_above needs a workload (checked when the model loads)"
        self.sim = sim
        self.signal = signal
        self.profile = traffic.profile
        self.watchers: list[Callable[[float], None]] = []
        # the hour of the day is counted by the hourly events themselves, so that a
        # boundary reached as a float sum a hair early still starts the new hour
        self.hour = int(sim.env.now // 3600.0)
        self.value = self._now()
        signal.watchers.append(lambda _v: self._update())
        if not self.profile.flat:
            _at(sim, (self.hour + 1) * 3600.0 - sim.env.now, self._hour)

    def _now(self) -> float:
        rate = self.profile.rate if self.profile.flat else self.profile.hourly[self.hour % 24]
        return rate * self.signal.value

    def _hour(self, _ev: Any) -> None:
        self.hour += 1
        self._update()
        _at(self.sim, (self.hour + 1) * 3600.0 - self.sim.env.now, self._hour)

    def _update(self) -> None:
        value = self._now()
        if value != self.value:
            self.value = value
            for watch in self.watchers:
                watch(value)


class Baseline:
    """A dynamic baseline: the signal's mean at each hour of the day over the last days.

    At every hour boundary the mean of the signal over the hour just ended
    joins that hour's history (the last ``baseline_days`` days); the
    threshold for the coming hour is ``above_baseline`` × the mean of its
    history (never below ``baseline_floor``), none while no day has been
    seen. The history learns whatever happened, outages included: a past
    outage at the same hour raises the baseline. ``set(cond)`` gets the
    condition at each change of the signal and at each hour.
    """

    def __init__(self, sim: Simulation, base: Any, spec: Any, set_condition: Callable[[bool], None]):
        self.sim = sim
        self.base = base
        self.multiple = float(spec.above_baseline)
        self.floor = float(spec.baseline_floor)
        self.days = int(spec.baseline_days)
        self.set_condition = set_condition
        self.history: list[deque[float]] = [deque(maxlen=self.days) for _ in range(24)]
        self.hour = int(sim.env.now // 3600.0)
        self.threshold = math.inf
        self.integral = 0.0  # of the signal since the start of the hour
        self.mark = sim.env.now
        self.value = base.value
        base.watchers.append(self._changed)
        _at(sim, (self.hour + 1) * 3600.0 - sim.env.now, self._hour)

    def condition(self) -> bool:
        return self.value > self.threshold

    def _accumulate(self) -> None:
        now = self.sim.env.now
        self.integral += self.value * (now - self.mark)
        self.mark = now

    def _changed(self, value: float) -> None:
        self._accumulate()
        self.value = value
        self.set_condition(self.condition())

    def _hour(self, _ev: Any) -> None:
        self._accumulate()
        self.history[self.hour % 24].append(self.integral / 3600.0)
        self.integral = 0.0
        self.hour += 1
        seen = self.history[self.hour % 24]
        self.threshold = max(self.multiple * sum(seen) / len(seen), self.floor) if seen else math.inf
        self.set_condition(self.condition())
        _at(self.sim, (self.hour + 1) * 3600.0 - self.sim.env.now, self._hour)


class Rule:
    """One alert rule: episodes of its condition, evaluation ticks, firing and resolving.

    ``on_fire(rule, t)`` is called when the rule pages.
    """

    def __init__(self, sim: Simulation, name: str, spec: Any, signal: Signal, slo: float | None,
                 on_fire: Callable[[Rule, float], None]):
        self.sim = sim
        self.name = name
        self.spec = spec
        self.signal = signal
        self.on_fire = on_fire
        self.hold = float(spec.hold)
        self.delay = float(spec.delay)
        self.interval = float(spec.interval)
        self.lookback = spec.lookback
        self.phase = 0.0
        if self.interval > 0:
            self.phase = float(sim.streams.generator(f"alerts/{name}").random()) * self.interval
        self.cond = False
        self.episode: list[float] | None = None  # [start, end]; end is inf while it lasts
        self.recent: list[list[float]] = []  # the episodes a resolving tick may still see
        self.fired: list[float] | None = None  # the episode that last fired
        self.resolves = -math.inf  # when the firing alert resolves (inf while its episode lasts)
        self.pages = 0
        self.windows: list[tuple[SlidingMean, SlidingMean]] = []
        if spec.above is not None:
            threshold = float(spec.above)
            signal.watchers.append(lambda v: self.set(v > threshold))
            initial = signal.value > threshold
        elif spec.errors_above is not None:
            count = ErrorCount(sim, signal)
            per_second = float(spec.errors_above)
            count.watchers.append(lambda v: self.set(v > per_second))
            initial = count.value > per_second
        elif spec.above_baseline is not None:
            base: Signal | ErrorCount = ErrorCount(sim, signal) if sim.traffic is not None else signal
            learnt = Baseline(sim, base, spec, self.set)
            initial = learnt.condition()
        else:
            assert slo is not None
            budget = 1.0 - slo
            self.windows = [(SlidingMean(sim, signal, w.long, w.rate * budget, self._windows_changed),
                             SlidingMean(sim, signal, w.short, w.rate * budget, self._windows_changed))
                            for w in spec.burn_rate]
            initial = self._windows_true()
        if initial:
            self.set(True)

    def _windows_true(self) -> bool:
        return any(long.above and short.above for long, short in self.windows)

    def _windows_changed(self) -> None:
        self.set(self._windows_true())

    def tick(self, t: float) -> float:
        """The first evaluation tick at or after ``t``."""
        if self.interval <= 0:
            return t
        k = math.ceil((t - self.phase) / self.interval - 1e-12)
        return max(t, self.phase + k * self.interval)

    def set(self, cond: bool) -> None:
        """The condition is now ``cond`` (as it happens, before the ingestion delay)."""
        if cond == self.cond:
            return
        self.cond = cond
        now = self.sim.env.now
        if cond:
            episode = [now, math.inf]
            self.episode = episode
            self.recent = [e for e in self.recent if e[1] > now - self.delay]
            self.recent.append(episode)
            due = self.tick(now + self.delay + self.hold)
            _at(self.sim, due - now, lambda _ev: self._check(episode, due))
        else:
            assert self.episode is not None
            self.episode[1] = now
            if self.fired is self.episode:
                self.resolves = self.tick(now + self.delay)
                _at(self.sim, self.resolves - now, self._resolved)

    def _check(self, episode: list[float], due: float) -> None:
        if not due - self.delay < episode[1]:
            return  # it ended before it had held for 'for' in what the rule sees
        if self.fired is episode:
            return  # a resolving tick saw it: the alert went on firing through it (_resolved)
        still_firing = due <= self.resolves  # due at the tick that was to resolve the alert
        self.fired = episode
        self._firing_until(episode, due)
        if still_firing:
            return  # an episode that fires while the alert is still firing pages nobody
        self.pages += 1
        self.on_fire(self, due)

    def _firing_until(self, episode: list[float], now: float) -> None:
        """The alert fires through ``episode``: it resolves at the first tick that sees its end."""
        if episode[1] == math.inf:
            self.resolves = math.inf
        else:  # it has ended already (it held as the rule saw it, or a resolving tick saw it)
            self.resolves = self.tick(episode[1] + self.delay)
            _at(self.sim, self.resolves - now, self._resolved)

    def _resolved(self, _ev: Any) -> None:
        now = self.sim.env.now
        if now < self.resolves:
            return  # a later episode moved the resolution
        seen = now - self.delay
        for episode in self.recent:
            if episode[0] <= seen < episode[1] and episode is not self.fired:
                # the tick sees the condition true again: the evaluator never saw it false,
                # and the alert goes on firing through this episode, which pages nobody
                self.fired = episode
                self._firing_until(episode, now)
                return
        self.sim.log("alert_resolved", alert=self.name)
