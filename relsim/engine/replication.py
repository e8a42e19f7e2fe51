"""Data protection of one service: writes, replication, durability, corruption, backups.

Attached to a service with a ``data`` section. It turns the events of the
simulation into data-loss events (writes lost, seconds of data lost):

* **failover** - promoting a standby after the primary crashed loses the
  writes it had acknowledged but not yet replicated: none under ``sync``
  (or ``semi-sync`` with ``acks`` standbys up), otherwise those younger than
  the replication lag. Two lag models (reference case C8): ``shared`` - the
  replica is a consistent prefix trailing by one lag L, so the writes of the
  last L seconds are lost, N ~ Poisson(rate * L); ``per-write`` - each write
  has its own lag and is lost if its lag exceeds its age (the M/G/inf count:
  N ~ Poisson(rate * E[lag]), drawn write by write over a window that holds
  all but 1e-12 of the lag distribution).
* **resume** - a primary that crashed and comes back on its own disk loses
  what its write-ahead log had not flushed.
* **split brain** - writes taken by a demoted primary that kept serving are
  discarded when it learns of its demotion.
* **multi-primary conflicts** - while replicas of an active-active service
  cannot reach each other, both sides take writes; keys written on both
  sides conflict (last-writer-wins loses one update per conflict; version
  vectors keep both for repair).
* **corruption** - silent corruption of a replica, found by scrubs or read
  repair and re-copied from a good replica; unrecoverable when no good copy
  is left, which forces a restore from the newest good backup (an outage
  with ``cause_kind: data-loss``).
* **disasters** - failures with ``destroys`` wipe the data inside a domain
  (``online``: except offline backups); with no copy left the service is
  down until a restore completes.
* **data lost for good** - with no usable backup, everything written since
  the data set was last started is lost and the service is down for
  ``rebuild`` while it starts again empty.

References
----------
.. [1] S. M. Ross, *Introduction to Probability Models*, 11th ed., Academic
   Press, 2014 (Poisson process; the M/G/inf queue).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from relsim.dists import Fixed
from relsim.model.schema import Data

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["DataProtection"]


class DataProtection:
    """The data of one service in one replication."""

    def __init__(self, service: Any, spec: Data, sim: Simulation):
        self.svc = service
        self.spec = spec
        self.sim = sim
        key = f"{service.name}/data"
        self.rng = sim.streams.generator(key)
        self._lag = sim.streams.sampler(spec.lag, f"{key}/lag")
        self.pending: tuple[int, float, float] | None = None  # loss if the crashed primary is abandoned
        self.crashed_at: float | None = None
        self.crash_blocked = False
        self.behind_since: dict[int, float] = {}  # standbys that stopped receiving the log
        self.wal_pending: tuple[int, float] | None = None  # loss if it resumes from its own disk
        self.blocked = False
        self.degraded_since: float | None = None
        self.latency_integral = 0.0
        self._latency_mark = 0.0
        # the rtt a synchronous write waits for: data.rtt, or from the placement
        # (relsim.engine.placement sets rtt_source), re-read at every sync update
        self.rtt_source: Any = None
        self.rtt_now = spec.rtt
        self.destroyed: set[int] = set()  # replicas whose data is gone
        self.lost_all_at: float | None = None
        self.data_since = 0.0  # when the current data set started (0, or the last rebuild)
        self.counted = False  # this loss is already in ``unrecoverable``
        self.restoring: Any = None
        self.destroy_log: list[tuple[str, str, float]] = []
        self.corrupted: dict[int, float] = {}
        self.corrupt_since: float | None = None
        # each corruption of a replica gets a token: a detection or a repair
        # acts only on the corruption it was scheduled for
        self.corrupt_token: dict[int, int] = {}
        self.repairing: set[int] = set()  # replicas whose current corruption is being re-copied
        self._tokens = 0
        self.partition_since: float | None = None
        self.partition_groups: list[list[Any]] = []
        # tallies
        self.writes_lost = 0
        self.loss_events = 0
        self.conflicts = 0
        self.unrecoverable = 0
        self.restores = 0
        self.restore_times: list[float] = []

    # -- set-up ----------------------------------------------------------------
    def start(self) -> None:
        corruption = self.spec.corruption
        if corruption is not None:
            for r in self.svc.replicas:
                self._schedule_corruption(r)
        if self.svc.multi_primary:
            self.sim.network.watchers.append(self._network_changed)
        self._update_sync()

    # -- writes ------------------------------------------------------------------
    def rate(self, t: float) -> float:
        """Writes per second at time ``t`` (with the daily profile, if any)."""
        r = self.spec.writes
        if self.spec.profile:
            r *= self.spec.profile[int((t % 86400.0) // 3600.0)]
        return r

    def _count(self, mean: float) -> int:
        """A Poisson count of writes with this mean (no draw when it is not positive)."""
        return int(self.rng.poisson(mean)) if mean > 0 else 0

    def writes_in(self, start: float, duration: float) -> float:
        """Expected writes in ``[start, start + duration]``: the integral of :meth:`rate`."""
        r = self.spec.writes
        if not self.spec.profile or duration <= 0:
            return r * duration
        return r * (self._profile_seconds(start + duration) - self._profile_seconds(start))

    def _profile_seconds(self, t: float) -> float:
        """The integral of the profile factor over ``[0, t]`` (seconds at factor 1)."""
        profile = self.spec.profile
        days, rest = divmod(t, 86400.0)
        hour = int(rest // 3600.0)
        return days * 3600.0 * sum(profile) + 3600.0 * sum(profile[:hour]) + profile[hour] * (rest - 3600.0 * hour)

    def _async_loss(self, now: float) -> tuple[int, float, float]:
        """Writes not yet replicated at ``now``: (count, seconds of data, lag)."""
        lam = self.rate(now)
        lag = self.spec.lag
        if self.spec.lag_model == "shared" or isinstance(lag, Fixed):
            L = self._lag()
            n = self._count(lam * L)
            return n, L, L
        window = float(lag.ppf(1.0 - 1e-12))
        k = self._count(lam * window)
        ages = self.rng.random(k) * window
        lags = lag.sample(self.rng, k)
        lost = lags > ages
        n = int(lost.sum())
        oldest = float(ages[lost].max()) if n else 0.0
        return n, oldest, oldest

    def _acking_standbys(self) -> int:
        return sum(1 for r in self.svc.replicas if r is not self.svc.primary and self.svc.view(r) == 1.0)

    def synchronous_now(self) -> bool:
        """Whether an acknowledged write is already on a standby right now."""
        mode = self.spec.replication
        if mode == "sync":
            return self._acking_standbys() >= 1
        if mode == "semi-sync":
            return self._acking_standbys() >= self.spec.acks
        return False

    def write_factor(self) -> float:
        """0 while writes are blocked (sync replica unavailable, or data lost and not restored)."""
        return 0.0 if (self.blocked or self.lost_all_at is not None) else 1.0

    def _update_sync(self) -> None:
        """Re-evaluate the synchronous replicas after a replica or network change."""
        if self.spec.replication == "async" or not self.svc.single_primary:
            return
        now = self.sim.env.now
        self.latency_integral += self._latency() * (now - self._latency_mark)
        self._latency_mark = now
        if self.rtt_source is not None:
            self.rtt_now = self.rtt_source()
        ok = self.synchronous_now() or self.svc.primary is None or self.svc.primary_down
        if self.spec.on_sync_unavailable == "block":
            if self.blocked != (not ok):
                self.blocked = not ok
                self.sim.log("writes_blocked" if self.blocked else "writes_unblocked", service=self.svc.name)
        elif not ok and self.degraded_since is None:
            self.degraded_since = now
            self.sim.log("replication_degraded", service=self.svc.name, to="async")
        elif ok and self.degraded_since is not None:
            self.degraded_since = None
            self.sim.log("replication_restored", service=self.svc.name)

    def _latency(self) -> float:
        if self.spec.replication == "async" or self.degraded_since is not None:
            return 0.0
        return self.rtt_now

    # -- the failover life cycle ---------------------------------------------------
    def primary_crashed(self, destroyed: bool = False) -> None:
        """The primary failed: draw what a failover, or a resume, would lose."""
        now = self.sim.env.now
        self.crashed_at = now
        self.crash_blocked = self.blocked
        if self.synchronous_now() or self.blocked:
            # every acknowledged write is on a standby (or none was taken): neither
            # a failover nor a resume (which re-syncs from that standby) loses any
            self.pending = (0, 0.0, 0.0)
            self.wal_pending = None
            return
        self.pending = self._async_loss(now)
        wal = self.spec.wal
        if destroyed or wal is None or wal.fsync == "every-write":
            self.wal_pending = None if not destroyed else (self.pending[0], self.pending[1])
            return
        interval = wal.interval if wal.fsync == "interval" else wal.flush
        age = float(self.rng.random()) * interval
        lam = self.rate(now)
        self.wal_pending = (self._count(lam * age), age)

    def staleness(self) -> float:
        """Seconds of data the best standby is missing after the crash (0 if in sync)."""
        return self.pending[2] if self.pending is not None else 0.0

    def too_stale(self) -> bool:
        return self.spec.max_lag is not None and self.staleness() > self.spec.max_lag

    def promoted(self, old: Any, alive: bool, new: Any = None) -> None:
        """``new`` took over from ``old`` (``alive``: a false failover)."""
        del old, alive  # the loss depends only on what was replicated
        now = self.sim.env.now
        if self.pending is not None:  # the old primary crashed: drawn then
            n, window, _ = self.pending
            until, blocked = self.crashed_at, self.crash_blocked
        else:
            if self.synchronous_now():
                n, window = 0, 0.0
            else:
                # unreachable or falsely suspected: its unreplicated writes are
                # stranded on the demoted primary and discarded
                n, window, _ = self._async_loss(now)
            until, blocked = now, self.blocked
        behind = self.behind_since.get(id(new)) if new is not None else None
        if behind is not None and until is not None and behind < until:
            # the new primary was down or cut off (or is a demoted primary that
            # kept serving on its own) when the old one crashed or was
            # demoted: it also misses every write taken (asynchronously)
            # since it fell behind
            gap = until - behind - window
            if gap > 0 and not blocked:
                mean = self.writes_in(behind, gap)
                n += self._count(mean)
                window += gap
        self.record("failover", n, window, rpo=True)
        self.pending = self.wal_pending = None
        self._update_sync()

    def resumed(self) -> None:
        """The crashed primary came back and serves from its own disk."""
        if self.wal_pending is not None and self.wal_pending[0] > 0:
            self.record("crash", self.wal_pending[0], self.wal_pending[1], rpo=True)
        self.pending = self.wal_pending = None

    def split_brain_ended(self, duration: float, demoted: Any = None) -> None:
        """Writes the demoted primary took while it still served are discarded.

        It then catches up from the primary, if that one serves and it can
        reach it; otherwise it stays behind since its demotion.
        """
        mean = self.writes_in(self.sim.env.now - duration, duration)
        n = self._count(mean)
        self.record("split-brain", n, duration, rpo=False)
        svc = self.svc
        if demoted is not None and svc.view(demoted) == 1.0 and svc.primary is not None and not svc.primary_down:
            self.behind_since.pop(id(demoted), None)

    def record(self, kind: str, writes: int, window: float, rpo: bool) -> None:
        self.writes_lost += writes
        if writes > 0:
            self.loss_events += 1
        self.sim.log("data_loss", service=self.svc.name, cause=kind, writes=writes, seconds=window)
        self.sim.data_event(writes, window if rpo else None)

    # -- multi-primary conflicts ---------------------------------------------------
    def _network_changed(self) -> None:
        net = self.sim.network
        up = [r for r in self.svc.replicas if r.s == 1.0]
        groups: list[list[Any]] = []
        for r in up:
            for g in groups:
                if net.reachable(g[0].place, r.place):
                    g.append(r)
                    break
            else:
                groups.append([r])
        now = self.sim.env.now
        if len(groups) > 1 and self.partition_since is None:
            self.partition_since = now
            self.partition_groups = groups
            self.sim.log("multi_primary_split", service=self.svc.name, sides=[len(g) for g in groups])
        elif len(groups) <= 1 and self.partition_since is not None:
            self._reconcile(now - self.partition_since)
            self.partition_since = None

    def _reconcile(self, duration: float) -> None:
        """Both sides took writes for ``duration``: count keys written on more than one side."""
        sizes = np.array([len(g) for g in self.partition_groups], dtype=float)
        writes = self.writes_in(self.sim.env.now - duration, duration) * sizes / sizes.sum()
        K = self.spec.keys
        touched = 1.0 - np.exp(-writes / K)  # chance a key was written on that side
        # keys written on at least two sides (occupancy, Poisson approximation)
        none = np.prod(1.0 - touched)
        one = sum(touched[i] * np.prod(np.delete(1.0 - touched, i)) for i in range(len(touched)))
        expected = K * max(0.0, 1.0 - none - one)
        n = self._count(expected)
        self.conflicts += n
        lost = n if self.spec.conflicts == "lww" else 0
        self.sim.log("conflicts", service=self.svc.name, keys=n, resolution=self.spec.conflicts,
                     lost_updates=lost)
        if lost:
            self.record("conflict", lost, duration, rpo=False)

    # -- disasters and restores ------------------------------------------------------
    def destroy(self, domain: str, mode: str) -> None:
        """A failure that destroys data hit ``domain``."""
        now = self.sim.env.now
        self.destroy_log.append((domain, mode, now))
        hit = [r for r in self.svc.replicas if r.name == domain or domain in r.place]
        if not hit:
            return
        primary = getattr(self.svc, "primary", None)
        for r in hit:
            self.destroyed.add(id(r))
        self.sim.log("data_destroyed", service=self.svc.name, domain=domain,
                     replicas=[r.name for r in hit], mode=mode)
        if primary is not None and id(primary) in self.destroyed:
            self.primary_crashed(destroyed=True)
        if all(id(r) in self.destroyed for r in self.svc.replicas):
            self._lose_everything(now)

    def has_data(self, replica: Any) -> bool:
        return id(replica) not in self.destroyed and self.lost_all_at is None

    def _lose_everything(self, now: float) -> None:
        # The restore starts once a replica is back up (replicas_changed).
        self.lost_all_at = now
        self.sim.log("all_copies_lost", service=self.svc.name)

    def replicas_changed(self) -> None:
        """A replica changed state: sync replicas, restores and resyncs may follow."""
        svc = self.svc
        primary = getattr(svc, "primary", None)
        if primary is not None:
            now = self.sim.env.now
            serving = not svc.primary_down
            rogue = getattr(svc, "rogue", None)
            for r in svc.replicas:
                if r is primary:
                    self.behind_since.pop(id(r), None)
                elif r is rogue:
                    # a demoted primary still serving takes writes of its own,
                    # none of the new primary's, since its demotion
                    self.behind_since.setdefault(id(r), svc.rogue_since)
                elif svc.view(r) < 1.0:
                    self.behind_since.setdefault(id(r), now)
                elif serving:
                    self.behind_since.pop(id(r), None)  # back, and catching up from a live primary
        self._update_sync()
        if self.lost_all_at is not None:
            self._maybe_restore()
        elif self.destroyed:
            # a wiped replica that is back copies the data from a live one
            for r in self.svc.replicas:
                if id(r) in self.destroyed and r.s == 1.0:
                    self.destroyed.discard(id(r))

    def _maybe_restore(self) -> None:
        # Decide once the current instant has settled: a disaster takes its
        # replicas down one by one, and none of them is a restore target.
        if self.restoring is None:
            self.restoring = self.sim.after(0.0, self._restore_if_possible)

    def _restore_if_possible(self, ev: Any) -> None:
        if ev is not self.restoring:
            return
        self.restoring = None
        if self.lost_all_at is None:
            return
        target = next((r for r in self.svc.replicas if r.s == 1.0), None)
        if target is None:
            return
        spec = self.spec.restore
        backup = self.best_backup(self.sim.env.now, before=self.lost_all_at)
        if spec is None or backup is None:
            self._rebuild("no backup" if spec is not None else "no restore configured")
            return
        duration = float(self.sim.streams.sampler(spec.time, f"{self.svc.name}/data/restore")()) + \
            float(self.sim.streams.sampler(spec.activation, f"{self.svc.name}/data/activation")())
        start = self.sim.env.now
        self.sim.log("restore_started", service=self.svc.name, backup_taken=backup, duration=duration)
        lost_window = (self.lost_all_at or start) - backup

        def done(_ev: Any) -> None:
            self.restore_times.append(self.sim.env.now - start)
            mean = self.writes_in(backup, lost_window)
            n = self._count(mean)
            self.record("restore", n, lost_window, rpo=True)
            self.restores += 1
            self._restored()

        self.restoring = self.sim.after(duration, done)

    def _rebuild(self, reason: str) -> None:
        """No usable copy or backup: the data is lost for good; start again empty.

        Everything written since the data set started (time 0 or the last
        rebuild) up to the loss is gone. The service stays down (writes and
        reads have no data to serve) for a ``rebuild`` draw, then serves an
        empty data set (docs/data.md).
        """
        sim = self.sim
        now = sim.env.now
        lost_at = self.lost_all_at if self.lost_all_at is not None else now
        window = max(lost_at - self.data_since, 0.0)
        if not self.counted:
            self.unrecoverable += 1
        sim.log("restore_impossible", service=self.svc.name, reason=reason)
        mean = self.writes_in(self.data_since, window)
        self.record("unrecoverable", self._count(mean), window, rpo=True)
        duration = float(sim.streams.sampler(self.spec.rebuild, f"{self.svc.name}/data/rebuild")())
        sim.log("rebuild_started", service=self.svc.name, duration=duration)

        def done(_ev: Any) -> None:
            self.data_since = sim.env.now
            sim.log("rebuilt", service=self.svc.name)
            self._restored()

        self.restoring = sim.after(duration, done)

    def _restored(self) -> None:
        self.lost_all_at = None
        self.counted = False
        self.restoring = None
        self.destroyed.clear()
        self.corrupted.clear()
        self.corrupt_token.clear()
        self.repairing.clear()
        self.corrupt_since = None
        self.sim.log("restored", service=self.svc.name)
        self.svc.data_changed()

    def best_backup(self, now: float, before: float | None = None) -> float | None:
        """Start time of the newest backup usable at ``now`` and completed by ``before``.

        A backup is usable if it survived every disaster since it was taken,
        is within its retention and was taken before any corruption started.
        """
        best: float | None = None
        limit = now if before is None else min(before, now)
        for b in self.spec.backups:
            chain = self.sim.network.chain(b.in_)
            k = math.floor((limit - b.takes) / b.every)
            while k >= 1:
                start = k * b.every
                if now - (start + b.takes) > b.retention:
                    break
                if self._backup_survives(chain, b.offline, start + b.takes) and self._backup_good(start):
                    best = start if best is None else max(best, start)
                    break
                k -= 1
        return best

    def _backup_survives(self, chain: Any, offline: bool, completed: float) -> bool:
        """Backups stored in a domain die with it (``online`` disasters spare offline copies)."""
        for domain, mode, t in self.destroy_log:
            if t >= completed and domain in chain and (mode == "data" or not offline):
                return False
        return True

    def _backup_good(self, start: float) -> bool:
        return self.corrupt_since is None or start < self.corrupt_since

    # -- silent corruption -------------------------------------------------------------
    def _schedule_corruption(self, replica: Any) -> None:
        draw = self.sim.streams.sampler(self.spec.corruption.every, f"{self.svc.name}/data/corrupt/{replica.name}")
        self.sim.after(draw(), lambda _e: self._corrupt(replica, draw))

    def _corrupt(self, replica: Any, draw: Any) -> None:
        sim = self.sim
        now = sim.env.now
        sim.after(draw(), lambda _e: self._corrupt(replica, draw))
        spec = self.spec.corruption
        victims = [replica] if spec.checksums else list(self.svc.replicas)
        for r in victims:
            key = id(r)
            if key not in self.corrupted or key in self.repairing:
                # a new corruption (one that hits a replica while it is being
                # re-copied is new too: that repair does not clear it); a
                # replica corrupted again before it was found is found once
                self.corrupted.setdefault(key, now)
                self.repairing.discard(key)
                self._tokens += 1
                self.corrupt_token[key] = self._tokens
                self._schedule_detection(r, self._tokens)
        if self.corrupt_since is None:
            self.corrupt_since = now
        sim.log("corrupted", service=self.svc.name, replicas=[r.name for r in victims])

    def _schedule_detection(self, replica: Any, token: int) -> None:
        spec = self.spec.corruption
        now = self.sim.env.now
        delays = []
        if spec.scrub:
            delays.append((math.floor(now / spec.scrub) + 1) * spec.scrub - now)
        if spec.read_repair:
            delays.append(float(self.rng.exponential(1.0 / spec.read_repair)))
        if delays:
            self.sim.after(min(delays), lambda _e: self._detected(replica, token))

    def _detected(self, replica: Any, token: int) -> None:
        key = id(replica)
        if key not in self.corrupted or self.corrupt_token.get(key) != token:
            return  # repaired, restored, or corrupted anew (found by its own detection)
        sim = self.sim
        good = [r for r in self.svc.replicas if id(r) not in self.corrupted]
        if good:
            repair = self.sim.streams.sampler(self.spec.corruption.repair, f"{self.svc.name}/data/fix")()
            sim.log("corruption_found", service=self.svc.name, replica=replica.name, repair=repair)
            self.repairing.add(key)

            def fixed(_e: Any) -> None:
                # only the corruption this repair was started for: not one
                # that hit the replica during the copy, nor one after a restore
                if self.corrupt_token.get(key) != token:
                    return
                self.corrupted.pop(key, None)
                self.corrupt_token.pop(key, None)
                self.repairing.discard(key)
                if not self.corrupted:
                    self.corrupt_since = None

            sim.after(repair, fixed)
        elif self.lost_all_at is None:
            sim.log("corruption_unrecoverable", service=self.svc.name)
            self.unrecoverable += 1  # no good copy left (counted once, backup or not)
            self.counted = True
            self.lost_all_at = self.corrupt_since or sim.env.now
            # The service stops serving its corrupted data: an outage of its
            # own, until a restore (or a rebuild) brings the data back.
            sim.begin_named_cause(self.svc.name, "data-loss")
            self._maybe_restore()
            self.svc.data_changed()
            sim.end_cause()

    def finish(self) -> float:
        """Close time integrals at the horizon; returns the mean added write latency."""
        now = self.sim.env.now
        self.latency_integral += self._latency() * (now - self._latency_mark)
        if self.spec.replication == "async" or not self.svc.single_primary:
            return 0.0
        return self.latency_integral / now if now > 0 else 0.0
