"""User sessions of one replication: how many are active where, and how many a failure loses.

Sessions start at rate ``λ(u)`` (``sessions.rate`` shaped by the
workload's daily profile, if any) and each lasts a ``length`` draw with
survival function ``S``. A session is pinned at its start to a *holder*:
the replica of ``service`` that served it (``store: local`` or
``replicated``) or the ``shared_store`` service (``store: shared``). New
sessions go to holder ``b`` with share ``w_b(u)``: equal shares of the
serving replicas of an active-active or quorum service (``s_b / Σ s``),
everything to the serving primary of an active-passive one, and nothing
while ``service`` does not serve.

Nothing is simulated per session. ``w_b`` changes only at events, so the
expected number of sessions on ``b`` at time ``t`` that started after
``t₀`` is the M_t/G/∞ integral, in closed form piece by piece:

    N_b(t) = Σ_pieces w_i ∫_{a_i}^{b_i} λ(u) S(t − u) du
           = Σ_pieces w_i λ_i (G(t − a_i) − G(t − b_i)),   G(x) = ∫₀ˣ S(y) dy

(split also at the hours of a daily profile). Pieces older than the
``1 − 1e−12`` quantile of the length hold no session any more and are
dropped. When holder ``b`` stops holding (see
:mod:`relsim.model.sessions`) its sessions are lost: all of ``N_b(t)``
(``local``, ``shared``), or those started in the last lag ``L``
(``replicated``: ``L`` drawn per failure on the stream ``sessions/lag``);
then ``b``'s history restarts empty. Counts are expected values, as the
request counts of fluid mode are (docs/traffic.md §1); in steady state with
a constant rate a holder carries ``λ · E[length] · w_b`` sessions
(Little's law).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from relsim.dists import Distribution, Exponential, Fixed
from relsim.engine.workload import HOUR, RateProfile

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["SessionCounter", "build_sessions", "integrated_survival"]


def integrated_survival(dist: Distribution) -> Callable[[float], float]:
    """``G(x) = ∫₀ˣ S(y) dy``, the expected length of a session truncated at ``x``.

    Closed forms for the exponential and fixed lengths, numerical quadrature
    (scipy) otherwise; ``G(∞)`` is the mean length.
    """
    if isinstance(dist, Exponential):
        m = dist.mean
        return lambda x: m * -math.expm1(-max(x, 0.0) / m)
    if isinstance(dist, Fixed):
        c = float(dist.value)
        return lambda x: min(max(x, 0.0), c)
    from scipy import integrate

    def g(x: float) -> float:
        if x <= 0.0:
            return 0.0
        value, _err = integrate.quad(lambda y: float(dist.sf(y)), 0.0, x, limit=200)
        return float(value)

    return g


class SessionCounter:
    """Active and lost sessions of the model's ``sessions`` section (see the module docstring).

    The share of new sessions holder ``b`` gets is ``w_b = h_b · g``: its
    own weight ``h_b`` (its ``s`` while it holds sessions, else 0) times a
    global factor ``g = 1 / Σ h`` (0 while the service does not serve).
    Both are kept as piecewise-constant histories — ``h_b`` per holder,
    changed only by that holder's events, and ``g`` once for all — so an
    event costs O(1) whatever the number of replicas (an active-passive
    service's few replicas are all re-read at each of its events: its
    primary may have moved); the integral of a holder's sessions walks the
    two histories together at a loss only.
    """

    def __init__(self, sim: Simulation, spec: Any):
        self.sim = sim
        self.spec = spec
        self.svc = sim.service_nodes[spec.service]
        work = sim.model.spec.workload
        self.profile = RateProfile(spec.rate, work.profile if work is not None else None)
        self.G = integrated_survival(spec.length)
        reach = float(spec.length.ppf(1.0 - 1e-12))
        self.reach = reach if math.isfinite(reach) else math.inf
        self.shared = spec.store == "shared"
        self.store = sim.service_nodes[spec.shared_store] if self.shared else None
        self.holders: list[Any] = [self.store] if self.shared else list(self.svc.replicas)
        self.single = not self.shared and self.svc.single_primary
        n = len(self.holders)
        self.h = [0.0] * n  # each holder's weight now
        self.total = 0.0  # Σ h
        self.pieces: list[list[tuple[float, float]]] = [[(0.0, 0.0)] for _ in range(n)]  # (start, h)
        self.g = 0.0
        self.global_pieces: list[tuple[float, float]] = [(0.0, 0.0)]  # (start, g)
        self.last = 0.0
        self.started = 0.0
        self.lost = 0.0
        self.losses = 0
        self.lag: Callable[[], float] | None = None
        if spec.store == "replicated":
            lag = spec.lag if spec.lag is not None else self.svc.spec.data.lag
            self.lag = sim.streams.sampler(lag, "sessions/lag")
        self.ready = False
        for i, node in enumerate(self.holders):
            node.subscribe(lambda _node, _old, _new, i=i: self._holder_changed(i))
        self.svc.subscribe(self._service_changed)
        if self.single:
            self.svc.primary_watchers.append(self._service_changed)  # a move that leaves s as it was
        sim.after(0.0, self._start)  # once every service has started (Simulation.run)
        sim.at_end.append(self.finish)

    # -- who holds sessions and who gets the new ones -----------------------
    def _weight(self, i: int) -> float:
        node = self.holders[i]
        if node.s <= 0.0:
            return 0.0
        if self.single and node is not getattr(self.svc, "primary", None):
            return 0.0
        return min(1.0, float(node.s))

    def _global(self) -> float:
        if self.svc.s <= 0.0 or self.total <= 0.0:
            return 0.0
        return 1.0 / self.total

    # -- events -------------------------------------------------------------
    def _start(self, _ev: Any) -> None:
        self.ready = True
        for i in range(len(self.holders)):
            self._update(i, 0.0)
        self._update_global(0.0)

    def _holder_changed(self, i: int) -> None:
        if not self.ready:
            return
        now = self.sim.env.now
        self._update(i, now)
        self._update_global(now)

    def _service_changed(self, *_args: Any) -> None:
        """The service changed: an active-passive primary may have moved; new sessions may stop."""
        if not self.ready:
            return
        now = self.sim.env.now
        if self.single:
            self._reread(now)
        self._update_global(now)

    def _reread(self, now: float) -> None:
        """Every replica's weight of an active-passive service, re-read.

        Its primary can move while ``s`` stays as it was: a switchover of no
        duration leaves it at 1, a failover or failback while the service
        serves nothing leaves it at 0. Such a move reaches the counter through
        the service's ``primary_watchers``, not its listeners. So at each
        event of the service, the old primary and the new one are found by
        reading all the replicas (an active-passive service has a few); a
        replica's own event changes only its weight.
        """
        for i in range(len(self.holders)):
            self._update(i, now)

    def _update(self, i: int, now: float) -> None:
        """Holder ``i``'s weight is re-read: it loses its sessions if it stopped holding them."""
        new = self._weight(i)
        old = self.h[i]
        if new == old:
            return
        self._count_started(now)
        if old > 0.0 and new == 0.0:
            self._lose(i, now)
            self.pieces[i] = [(now, 0.0)]
        else:
            self._append(self.pieces[i], now, new)
        self.h[i] = new
        self.total += new - old
        if abs(self.total) < 1e-12:
            self.total = 0.0

    def _update_global(self, now: float) -> None:
        g = self._global()
        if g != self.g:
            self._count_started(now)
            self.g = g
            self._append(self.global_pieces, now, g)

    def _count_started(self, now: float) -> None:
        # while g > 0 the shares add up to 1: every session starting is started somewhere
        prof = self.profile
        if self.g > 0.0:
            self.started += prof.cumulative(now) - prof.cumulative(self.last)
        self.last = now

    def _append(self, pieces: list[tuple[float, float]], now: float, value: float) -> None:
        if pieces[-1][0] == now:
            pieces[-1] = (now, value)
        else:
            pieces.append((now, value))
        # a piece that ended more than `reach` ago holds no session any more
        drop = 0
        while drop + 1 < len(pieces) and pieces[drop + 1][0] <= now - self.reach:
            drop += 1
        if drop:
            del pieces[:drop]

    def active(self, i: int, now: float, since: float = -math.inf) -> float:
        """Expected sessions on holder ``i`` at ``now`` that started after ``since``.

        Walks the holder's weights and the global factor together: over each
        stretch where both are constant, ``h · g · ∫ λ(u) S(now − u) du``.
        """
        lo = max(since, now - self.reach)
        mine, common = self.pieces[i], self.global_pieces
        total = 0.0
        j = 0
        for k, (a, h) in enumerate(mine):
            b = mine[k + 1][0] if k + 1 < len(mine) else now
            a = max(a, lo)
            if h <= 0.0 or b <= a:
                continue
            while j + 1 < len(common) and common[j + 1][0] <= a:
                j += 1
            m = j
            while m < len(common) and common[m][0] < b:
                c0, g = common[m]
                c1 = common[m + 1][0] if m + 1 < len(common) else now
                x, y = max(a, c0), min(b, c1)
                if g > 0.0 and y > x:
                    total += h * g * self._integral(x, y, now)
                m += 1
        return total

    def _integral(self, a: float, b: float, now: float) -> float:
        """∫ₐᵇ λ(u) S(now − u) du, λ piecewise constant by the hour."""
        prof, G = self.profile, self.G
        if prof.flat:
            return prof.rate * (G(now - a) - G(now - b))
        total = 0.0
        u = a
        while u < b:
            v = min(b, (math.floor(u / HOUR) + 1.0) * HOUR)
            total += prof.at(u) * (G(now - u) - G(now - v))
            u = v
        return total

    def _lose(self, i: int, now: float) -> None:
        since = now - self.lag() if self.lag is not None else -math.inf
        n = self.active(i, now, since)
        self.lost += n
        if n > 0.0:
            self.losses += 1
        self.sim.log("sessions_lost", holder=self.holders[i].name, sessions=n, store=self.spec.store)

    def finish(self) -> None:
        """Close the count of started sessions at the horizon and store the tallies."""
        self._count_started(self.sim.horizon)
        app = self.sim.result.app
        if app is None:
            app = self.sim.result.app = {}
        app["sessions_started"] = self.started
        app["sessions_lost"] = self.lost
        app["session_loss_events"] = float(self.losses)


def build_sessions(sim: Simulation) -> None:
    """The model's ``sessions`` section, counted by a :class:`SessionCounter` (nothing without one)."""
    spec = getattr(sim.model.spec, "sessions", None)
    if spec is not None:
        sim.sessions = SessionCounter(sim, spec)
