"""Sagas and two-phase commits of one replication, integrated exactly between events.

A saga (:mod:`relsim.model.sagas`) starts at rate ``λ(t)`` (its ``rate``
shaped by the workload's daily profile, if any). Its steps take far less
time than the time between failures, so a saga started at ``t`` sees the
services as they are at ``t``: step ``i`` succeeds with
``p_i = success_i · s_i(t)`` and the compensation of step ``k`` with
``c_k = compensation.success_k · s_{comp k}(t)``. Then, per saga started,

    P(completed)            = Π_i p_i
    P(fails at step j)      = (Π_{i<j} p_i) (1 − p_j)
    P(compensated | j)      = Π_{k<j} c_k          (every earlier step undone)
    P(stuck | j)            = 1 − Π_{k<j} c_k      (a compensation failed)

These are constant between events, so the expected sagas completed,
compensated and stuck are integrated in closed form from one event to the
next, like the requests of fluid mode (docs/traffic.md §1).

With ``protocol: 2pc`` the steps are the participants of a two-phase
commit: a transaction commits with ``Π_i p_i`` and is otherwise aborted
cleanly (counted as compensated; never stuck). Transactions that are in
the prepared state — started within the last ``prepared`` seconds and on
their way to commit — when a participant stops serving are *blocked*: they
hold their locks until it serves again. Their expected number at a failure
at ``t`` is ``λ(t) · prepared · Π_i p_i(t⁻)`` (Little's law), and each
waits for the participant's downtime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relsim.engine.workload import RateProfile

if TYPE_CHECKING:
    from relsim.engine.simulation import Simulation

__all__ = ["SagaFlow", "build_sagas", "saga_outcomes"]


def saga_outcomes(p: list[float], c: list[float], two_phase: bool = False) -> tuple[float, float, float]:
    """(completed, compensated, stuck) per saga started, from step and compensation success.

    ``p[i]`` is step i's success probability, ``c[i]`` that of its
    compensation; with ``two_phase`` a failure aborts cleanly.
    """
    reach = 1.0  # all steps before j succeeded
    undo = 1.0  # all their compensations succeed
    compensated = stuck = 0.0
    for pj, cj in zip(p, c, strict=True):
        fail = reach * (1.0 - pj)
        if two_phase:
            compensated += fail
        else:
            compensated += fail * undo
            stuck += fail * (1.0 - undo)
        reach *= pj
        undo *= cj
    return reach, compensated, stuck


class SagaFlow:
    """Started, completed, compensated, stuck (and blocked) sagas of one ``sagas`` entry."""

    def __init__(self, sim: Simulation, name: str, spec: Any):
        self.sim = sim
        self.name = name
        self.spec = spec
        self.two_phase = spec.protocol == "2pc"
        work = sim.model.spec.workload
        self.profile = RateProfile(spec.rate, work.profile if work is not None else None)
        nodes = sim.service_nodes
        self.steps = [(nodes[st.service], st.success,
                       nodes[st.compensation.service or st.service], st.compensation.success)
                      for st in spec.steps]
        self.watched = list({id(n): n for st in self.steps for n in (st[0], st[2])}.values())
        self.participants = list({id(st[0]): st[0] for st in self.steps}.values())
        self.coef = (1.0, 0.0, 0.0)
        self.last = 0.0
        self.started = self.completed = self.compensated = self.stuck = 0.0
        self.blocked = 0.0
        self.blocked_time = 0.0
        self.in_doubt: dict[int, tuple[float, float]] = {}  # participant -> (blocked transactions, since)
        self.up: dict[int, bool] = {}  # participant -> serving, from the start on (set by _start)
        self.ready = False
        for node in self.watched:
            node.subscribe(self.changed)
        sim.after(0.0, self._start)

    def evaluate(self) -> tuple[float, float, float]:
        p = [min(1.0, max(0.0, svc.s)) * ok for svc, ok, _, _ in self.steps]
        c = [min(1.0, max(0.0, comp.s)) * ok for _, _, comp, ok in self.steps]
        return saga_outcomes(p, c, self.two_phase)

    def _start(self, _ev: Any) -> None:
        # A participant that does not serve at the start blocks nothing: no transaction was prepared before it.
        self.up = {id(n): n.s > 0.0 for n in self.participants}
        self.ready = True
        self.changed()

    def _integrate(self, now: float) -> None:
        prof = self.profile
        base = prof.cumulative(now) - prof.cumulative(self.last)
        self.last = now
        if base > 0.0:
            done, undone, stuck = self.coef
            self.started += base
            self.completed += base * done
            self.compensated += base * undone
            self.stuck += base * stuck

    def changed(self, *_args: Any) -> None:
        """A service of a step or compensation changed: close the stretch and re-evaluate."""
        if not self.ready:
            return
        now = self.sim.env.now
        self._integrate(now)
        if self.two_phase and self.spec.prepared > 0.0:
            self._watch_participants(now)
        self.coef = self.evaluate()

    def _watch_participants(self, now: float) -> None:
        for node in self.participants:
            key = id(node)
            up = node.s > 0.0
            if self.up[key] and not up:
                n = self.profile.at(now) * self.spec.prepared * self.coef[0]
                if n > 0.0:
                    self.blocked += n
                    self.in_doubt[key] = (n, now)
                    self.sim.log("transactions_blocked", saga=self.name, participant=node.name, transactions=n)
            elif up and not self.up[key] and key in self.in_doubt:
                n, since = self.in_doubt.pop(key)
                self.blocked_time += n * (now - since)
                self.sim.log("transactions_unblocked", saga=self.name, participant=node.name, transactions=n)
            self.up[key] = up

    def finish(self, app: dict[str, float]) -> None:
        """Close the stretch and the blocks still open at the horizon; add the tallies to ``app``."""
        h = self.sim.horizon
        self._integrate(h)
        for n, since in self.in_doubt.values():
            self.blocked_time += n * (h - since)
        self.in_doubt.clear()
        prefix = f"saga:{self.name}:"
        for key, value in (("started", self.started), ("completed", self.completed),
                           ("compensated", self.compensated), ("stuck", self.stuck)):
            app[prefix + key] = value
            app["sagas_" + key] = app.get("sagas_" + key, 0.0) + value
        if self.two_phase:
            app["transactions_blocked"] = app.get("transactions_blocked", 0.0) + self.blocked
            app["transaction_blocked_time"] = app.get("transaction_blocked_time", 0.0) + self.blocked_time


def build_sagas(sim: Simulation) -> None:
    """The model's ``sagas`` (nothing without them)."""
    specs = getattr(sim.model.spec, "sagas", None)
    if not specs:
        return
    flows = [SagaFlow(sim, name, spec) for name, spec in specs.items()]

    def finish() -> None:
        res = sim.result
        app = res.app if res.app is not None else {}
        res.app = app
        for flow in flows:
            flow.finish(app)

    sim.at_end.append(finish)
