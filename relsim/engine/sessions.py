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
    """Active and lost sessions of the model's ``sessions`` section (see the module docstring)."""

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
        n = len(self.holders)
        self.cur = [0.0] * n  # share of new sessions each holder gets now
        self.held = [False] * n
        self.pieces: list[list[tuple[float, float]]] = [[(0.0, 0.0)] for _ in range(n)]
        self.last = 0.0
        self.started = 0.0
        self.lost = 0.0
        self.losses = 0
        self.lag: Callable[[], float] | None = None
        if spec.store == "replicated":
            lag = spec.lag if spec.lag is not None else self.svc.spec.data.lag
            self.lag = sim.streams.sampler(lag, "sessions/lag")
        self.ready = False
        for node in {id(x): x for x in (*self.holders, self.svc)}.values():
            node.subscribe(self.changed)
        sim.after(0.0, self._start)  # once every service has started (Simulation.run)
        sim.at_end.append(self.finish)

    # -- who holds sessions and who gets the new ones -----------------------
    def _holds(self, i: int) -> bool:
        node = self.holders[i]
        if node.s <= 0.0:
            return False
        if not self.shared and self.svc.single_primary:
            return node is getattr(self.svc, "primary", None)
        return True

    def _shares(self) -> list[float]:
        n = len(self.holders)
        if self.svc.s <= 0.0:
            return [0.0] * n
        if self.shared:
            return [1.0 if self.store is not None and self.store.s > 0.0 else 0.0]
        held = [self.holders[i].s if self._holds(i) else 0.0 for i in range(n)]
        total = sum(held)
        return [h / total for h in held] if total > 0.0 else [0.0] * n

    # -- events -------------------------------------------------------------
    def _start(self, _ev: Any) -> None:
        self.ready = True
        self.changed()

    def changed(self, *_args: Any) -> None:
        """A holder or the service changed: lose what stopped being held, re-split new sessions."""
        if not self.ready:
            return
        now = self.sim.env.now
        prof = self.profile
        self.started += (prof.cumulative(now) - prof.cumulative(self.last)) * sum(self.cur)
        self.last = now
        new = self._shares()
        for i in range(len(self.holders)):
            holds = self._holds(i)
            if self.held[i] and not holds:
                self._lose(i, now)
                self.pieces[i] = [(now, new[i])]
            elif new[i] != self.cur[i]:
                self._cut(i, now, new[i])
            self.held[i] = holds
        self.cur = new

    def _cut(self, i: int, now: float, share: float) -> None:
        pieces = self.pieces[i]
        pieces.append((now, share))
        # a piece that ended more than `reach` ago holds no session any more
        drop = 0
        while drop + 1 < len(pieces) and pieces[drop + 1][0] <= now - self.reach:
            drop += 1
        if drop:
            del pieces[:drop]

    def active(self, i: int, now: float, since: float = -math.inf) -> float:
        """Expected sessions on holder ``i`` at ``now`` that started after ``since``."""
        pieces = self.pieces[i]
        lo = max(since, now - self.reach)
        total = 0.0
        for k, (a, w) in enumerate(pieces):
            b = pieces[k + 1][0] if k + 1 < len(pieces) else now
            a = max(a, lo)
            if w > 0.0 and b > a:
                total += w * self._integral(a, b, now)
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
        h = self.sim.horizon
        prof = self.profile
        self.started += (prof.cumulative(h) - prof.cumulative(self.last)) * sum(self.cur)
        self.last = h
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
