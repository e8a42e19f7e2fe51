"""The batch engine: many replications advanced in lockstep with numpy (``engine="batch"``).

For the simplest and commonest Monte Carlo workload — components in
failure domains that fail and are repaired, k-of-n (active-active) and
quorum services of them and of each other, FIFO repair crews — the time of a replication goes into Python
calls per event. This engine runs a *block* of replications at once: every
array holds one row per replication, and each step processes the next event
of every replication together (the earliest pending event of each row),
with the draws of the step made in one vectorised call per distribution.

It is a separate engine with its own random streams, not a fast path of
the SimPy engine: its results are **equal in distribution**, not equal for
a seed (tests/test_batch_engine.py checks it against exact values and
against the SimPy engine within 4 standard errors). Replication *i* still
depends only on (model, seed, *i*): block ``i // BLOCK`` of a run is always
simulated whole, from its own stream, so results do not depend on the
backend, the workers or the chunking. Common random numbers between two
variants hold only in distribution, so ``compare`` and ``sweep`` keep the
default engines. What it accepts is :func:`batch_refusal`'s business: the
lean engine's models (relsim/engine/lean.py) whose failures are permanent
or transient (no intermittent episodes, latent faults or reliability
growth), domains and several failure modes per element included, with
continuous up-time distributions (no two events of a replication at the same instant, so the
lockstep order does not matter).
"""

from __future__ import annotations

import copy
import math
import threading
import weakref
from typing import Any

import numpy as np

from relsim.engine.lean import ROLES, LeanPlan, lean_plan
from relsim.engine.node import ALMOST_ONE
from relsim.engine.planned import PLANNED_KINDS
from relsim.engine.streams import key_words
from relsim.errors import TooManyEvents
from relsim.model import Model

__all__ = ["BLOCK", "batch_refusal", "simulate_batch"]

#: Replications simulated together. Replication i belongs to block i // BLOCK.
BLOCK = 1024
_UP, _WAITING, _DOWN = 0, 1, 2


#: Per lean plan (so kept while its model lives): the batch engine's structure, or why it has none.
_STRUCTURES: weakref.WeakKeyDictionary[LeanPlan, Any] = weakref.WeakKeyDictionary()


def _structure(model: Model) -> _Structure | str:
    """The model's batch structure, built once, or the reason the batch engine does not run it."""
    plan = lean_plan(model)
    if isinstance(plan, str):
        return plan
    got = _STRUCTURES.get(plan)
    if got is None:
        reason = _refusal(plan)
        got = _STRUCTURES[plan] = reason if reason is not None else _Structure(model, plan)
    return got


def batch_refusal(model: Model) -> str | None:
    """Why the batch engine does not run ``model`` (None: it does)."""
    got = _structure(model)
    return got if isinstance(got, str) else None


def _refusal(plan: LeanPlan) -> str | None:
    from relsim.dists import Distribution, Fixed
    from relsim.dists.families import Empirical

    for spec in plan.clock_specs:
        if spec.kind == "intermittent" or getattr(spec, "detect", None) is not None \
                or getattr(spec, "growth", None) is not None:
            return "an intermittent failure, a latent fault (detect) or reliability growth"
        every = spec.every
        if isinstance(every, (Fixed, Empirical)) or every.var == 0 or not isinstance(every, Distribution):
            return f"an up-time that is not continuous ({every.spec()}): events could tie"
    return None


class _Structure:
    """The arrays of a lean plan the batch engine reads."""

    def __init__(self, model: Model, plan: LeanPlan):
        self.n_el = plan.n_elements
        self.n_nodes = len(plan.names)
        self.names = plan.names
        # Clocks (failure modes): columns 0 .. n_clk - 1 of the replications' event times; then
        # one column that is always infinite (padding); then each element's end of repair or of
        # transient failure (column end0 + e).
        self.n_clk = n_clk = len(plan.clock_specs)
        self.dummy = n_clk
        self.end0 = n_clk + 1
        self.clock_el = np.array(plan.clock_element, dtype=int)
        self.clock_transient = np.array([spec.kind == "transient" for spec in plan.clock_specs], dtype=bool)
        self.causes = list(plan.clock_causes)
        # the up-time, and the repair (permanent) or the outage's length (transient), as the lean plan has them
        self.every_groups = _groups(plan.role_dist[ROLES.index("every")])
        self.second_groups = _groups(plan.role_dist[ROLES.index("second")])
        modes = max([len(c) for c in plan.element_clocks] or [1]) or 1
        self.el_clocks = np.full((self.n_el, modes), self.dummy)
        for e, clocks in enumerate(plan.element_clocks):
            self.el_clocks[e, :len(clocks)] = clocks
        # Domains: an element serves while it and every domain around it are up. own has one
        # extra column, always 1, that pads the lists of enclosing domains.
        parents = {plan.names.index(n): plan.names.index(p) for n, p in model.domain_parents.items()
                   if p is not None}
        for name, comp in model.components.items():
            if comp.domain is not None:
                parents[plan.names.index(name)] = plan.names.index(comp.domain)
        chains = []
        for e in range(self.n_el):
            chain, d = [], parents.get(e)
            while d is not None:
                chain.append(d)
                d = parents.get(d)
            chains.append(chain)
        self.domains = any(chains)
        depth = max([len(c) for c in chains] or [1]) or 1
        self.ancestors = np.full((self.n_el, depth), self.n_el)
        for e, chain in enumerate(chains):
            self.ancestors[e, :len(chain)] = chain
        # Services by level (a service's level is one more than its replicas' and dependencies'),
        # each level evaluated for all its services at once: replica indices padded with the
        # index of an extra column that is always 0 (it adds nothing and is never "up").
        n_svc = len(plan.service_replicas)
        self.pad = self.n_nodes  # S has one extra column, always 0
        level = [0] * n_svc
        for k in range(n_svc):  # services come children first
            level[k] = 1 + max([level[r - self.n_el] for r in (*plan.service_replicas[k], *plan.service_deps[k])
                                if r >= self.n_el] or [0])
        self.levels = []
        for lv in sorted(set(level)):
            ks = [k for k in range(n_svc) if level[k] == lv]
            width = max(len(plan.service_replicas[k]) for k in ks)
            reps = np.full((len(ks), width), self.pad)
            for i, k in enumerate(ks):
                reps[i, :len(plan.service_replicas[k])] = plan.service_replicas[k]
            deps = [(i, np.array(plan.service_deps[k])) for i, k in enumerate(ks) if plan.service_deps[k]]
            self.levels.append((self.n_el + np.array(ks), reps, np.array([plan.service_needs[k] for k in ks], float),
                                np.array([plan.service_quorum[k] for k in ks]), deps))
        self.entry = plan.entry
        self.crews = plan.crews
        self.horizon = plan.horizon
        # When every node is watched by at most one service (a tree, the common case), a change
        # re-evaluates only the services above the changed element (_propagate).
        self.ones = self.n_nodes + 1  # and one more, always 1 (a missing dependency multiplies by 1)
        watchers: list[list[int]] = [[] for _ in range(self.n_nodes)]
        for k, (reps, deps) in enumerate(zip(plan.service_replicas, plan.service_deps)):
            for r in (*reps, *deps):
                watchers[r].append(k)
        self.tree = all(len(w) <= 1 for w in watchers)
        self.watcher = np.array([w[0] if w else -1 for w in watchers])
        width = max(len(r) for r in plan.service_replicas)
        self.reps = np.full((n_svc, width), self.pad)
        for k, reps in enumerate(plan.service_replicas):
            self.reps[k, :len(reps)] = reps
        dwidth = max([len(d) for d in plan.service_deps] or [0])
        self.deps = np.full((n_svc, max(1, dwidth)), self.ones)
        for k, deps in enumerate(plan.service_deps):
            self.deps[k, :len(deps)] = deps
        self.any_deps = dwidth > 0
        self.needs = np.array(plan.service_needs, dtype=float)
        self.quorum = np.array(plan.service_quorum)


def _groups(dists: list[Any]) -> list[tuple[Any, np.ndarray]]:
    """Each distinct distribution with a boolean mask of the clocks that use it."""
    out: list[tuple[Any, np.ndarray]] = []
    for d in dict.fromkeys(x for x in dists if x is not None):
        out.append((d, np.array([x is not None and x == d for x in dists])))
    return out


def _draw(groups: list[tuple[Any, np.ndarray]], cols: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw for each clock in ``cols`` from its own distribution, one call per distribution."""
    out = np.empty(len(cols))
    for dist, mask in groups:
        chosen = mask[cols]
        k = int(chosen.sum())
        if k:
            out[chosen] = dist.sample(rng, k)
    return out


def _evaluate(st: _Structure, S: np.ndarray, rows: np.ndarray) -> None:
    """Served shares of every service for ``rows``, level by level (docs/model-format.md §14).

    A service of ``needs`` n serves min(1, u/n) of u (1 from ``ALMOST_ONE`` on), the sum of its replicas'
    shares (active-active), or 1 while at least n replicas fully serve
    (quorum); times the product of its dependencies' shares.
    """
    for nodes, reps, needs, quorum, deps in st.levels:
        sub = S[rows[:, None, None], reps[None, :, :]]  # (rows, services, replicas)
        active = sub.sum(axis=2) / needs
        active = np.where(active >= ALMOST_ONE, 1.0, active)  # 1/3 + 1/2 + 1/6 serves fully
        if quorum.any():
            full = ((sub == 1.0).sum(axis=2) >= needs).astype(float)
            active = np.where(quorum, full, active)
        for i, d in deps:
            active[:, i] *= S[rows[:, None], d[None, :]].prod(axis=1)
        S[rows[:, None], nodes[None, :]] = active


def _propagate(st: _Structure, S: np.ndarray, rows: np.ndarray, nodes: np.ndarray) -> None:
    """After ``nodes[i]`` changed in row ``rows[i]``: re-evaluate the services above it (a tree)."""
    n_el = st.n_el
    while len(rows):
        k = st.watcher[nodes]
        keep = k >= 0
        if not keep.all():
            rows, k = rows[keep], k[keep]
        if not len(rows):
            return
        sub = S[rows[:, None], st.reps[k]]
        needs = st.needs[k]
        s = sub.sum(axis=1) / needs
        s = np.where(s >= ALMOST_ONE, 1.0, s)
        quorum = st.quorum[k]
        if quorum.any():
            s = np.where(quorum, ((sub == 1.0).sum(axis=1) >= needs).astype(float), s)
        if st.any_deps:
            s = s * S[rows[:, None], st.deps[k]].prod(axis=1)
        nodes = n_el + k
        S[rows, nodes] = s


def _run_block(model: Model, st: _Structure, seed: int, block: int, n: int, horizon: float,
               max_events: float | None) -> list[Any]:
    """Replications ``block * BLOCK`` .. ``+ n - 1``, simulated together; their RunResults.

    The semantics are the engines' (docs/model-format.md §14): a failure mode's
    clock runs while its element is up; when one mode fails the element, the
    element's other clocks pause and keep what remained; a repair makes the
    element as good as new (every clock restarts); a transient failure ends by
    itself (its clock restarts, the others resume); a domain's failure hides
    what it contains without stopping their clocks; FIFO crews.
    """
    from relsim.engine.simulation import Outage, RunResult

    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
        int(seed), spawn_key=(int(block), *key_words("relsim/batch")))))
    n_el, n_clk, end0 = st.n_el, st.n_clk, st.end0
    T = np.full((n, end0 + n_el), np.inf)  # next event of each clock (then padding, then ends)
    remaining = np.full((n, end0), np.nan)  # paused clocks' remaining up-time
    status = np.zeros((n, n_el), dtype=np.int8)
    failing = np.full((n, n_el), -1)
    waiting_since = np.full((n, n_el), np.inf)
    own = np.ones((n, n_el + 1))  # each element's own state (and a padding column, always 1)
    everyone = np.arange(n)
    if n_clk:
        all_clocks = np.arange(n_clk)
        T[:, :n_clk] = _draw(st.every_groups, np.tile(all_clocks, n), rng).reshape(n, n_clk)
    S = np.ones((n, st.n_nodes + 2))
    S[:, st.pad] = 0.0  # the padding columns: always 0, always 1
    _evaluate(st, S, everyone)
    entry = st.entry
    free = None if st.crews is None else np.full(n, st.crews)
    last_t = np.zeros(n)
    served = np.zeros(n)
    degraded = np.zeros(n)
    downtime = np.zeros(n)
    failures = np.zeros(n, dtype=np.int64)
    transients = np.zeros(n, dtype=np.int64)  # of which transient
    events = np.zeros(n, dtype=np.int64)
    outage_start = np.full(n, np.nan)
    outage_cause = np.full(n, -1)
    outages: list[list[Any]] = [[] for _ in range(n)]
    start_s = S[:, entry].copy()
    below = start_s < 1.0
    outage_start[below] = 0.0  # the entry cannot serve from the start (needs above what is up)
    limit = math.inf if max_events is None else int(max_events)
    entry_name = st.names[entry]
    causes = st.causes

    def close(rows: np.ndarray, at: np.ndarray, censored: bool) -> None:
        for r, end in zip(rows.tolist(), at.tolist()):
            start = float(outage_start[r])
            duration = end - start
            if duration == 0.0 and not censored:
                continue
            downtime[r] += duration
            c = int(outage_cause[r])
            name, spec, kind = causes[c] if c >= 0 else (entry_name, -1, "load")
            outages[r].append(Outage(start, end, duration, name, spec, kind, 0.0, 0.0, 0.0, duration, math.nan,
                                     False, 0, math.nan, censored, kind in PLANNED_KINDS))

    def siblings(rows: np.ndarray, elements: np.ndarray, times: np.ndarray,
                 but: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, clock, time) of every clock of each row's element (but ``but``), flattened."""
        clocks = st.el_clocks[elements]
        mask = clocks != st.dummy
        if but is not None:
            mask &= clocks != but[:, None]
        shape = clocks.shape
        return (np.broadcast_to(rows[:, None], shape)[mask], clocks[mask],
                np.broadcast_to(times[:, None], shape)[mask])

    def start_repairs(rows: np.ndarray, elements: np.ndarray, times: np.ndarray) -> None:
        status[rows, elements] = _DOWN
        waiting_since[rows, elements] = np.inf
        T[rows, end0 + elements] = times + _draw(st.second_groups, failing[rows, elements], rng)

    while True:
        idx = T.argmin(axis=1)
        t = T[everyone, idx]
        rows = np.flatnonzero(t < horizon)
        if not len(rows):
            break
        cols = idx[rows]
        tt = t[rows]
        events[rows] += 1
        if events[rows].max() > limit:
            r = int(rows[np.argmax(events[rows])])
            raise TooManyEvents(int(limit), replication=block * BLOCK + r, seed=int(seed), time=float(last_t[r]))
        old = S[rows, entry]
        dt = tt - last_t[rows]
        served[rows] += old * dt
        degraded[rows] += np.where((old > 0.0) & (old < 1.0), dt, 0.0)
        last_t[rows] = tt
        fire = cols < n_clk
        changed = np.where(fire, st.clock_el[np.minimum(cols, max(n_clk - 1, 0))], cols - end0)
        # -- a failure mode's clock runs out: the element fails, its other clocks pause --------
        fr, fc, ft = rows[fire], cols[fire], tt[fire]
        fe = st.clock_el[fc]
        r2, c2, t2 = siblings(fr, fe, ft, but=fc)
        remaining[r2, c2] = T[r2, c2] - t2
        T[r2, c2] = np.inf
        T[fr, fc] = np.inf
        failing[fr, fe] = fc
        own[fr, fe] = 0.0
        failures[fr] += 1
        lasting = st.clock_transient[fc]
        transients[fr[lasting]] += 1
        if free is None:
            start_repairs(fr, fe, ft)  # a transient failure's end, or a repair with unlimited crews
        else:
            crew = ~lasting & (free[fr] > 0)
            free[fr[crew]] -= 1  # a row has one event per step: no double counting
            now = lasting | crew
            start_repairs(fr[now], fe[now], ft[now])
            wait = ~now
            status[fr[wait], fe[wait]] = _WAITING
            waiting_since[fr[wait], fe[wait]] = ft[wait]
        # -- a repair or a transient failure ends ------------------------------------------
        d = ~fire
        dr, de, dtt = rows[d], cols[d] - end0, tt[d]
        dc = failing[dr, de]
        failing[dr, de] = -1
        own[dr, de] = 1.0
        status[dr, de] = _UP
        T[dr, end0 + de] = np.inf
        repaired = ~st.clock_transient[dc]
        # as good as new: every clock of a repaired element restarts
        r2, c2, t2 = siblings(dr[repaired], de[repaired], dtt[repaired])
        T[r2, c2] = t2 + _draw(st.every_groups, c2, rng)
        remaining[r2, c2] = np.nan
        # a transient failure's own clock restarts, the others resume
        back = ~repaired
        br, be, bt, bc = dr[back], de[back], dtt[back], dc[back]
        T[br, bc] = bt + _draw(st.every_groups, bc, rng)
        r2, c2, t2 = siblings(br, be, bt, but=bc)
        T[r2, c2] = t2 + remaining[r2, c2]
        remaining[r2, c2] = np.nan
        if free is not None:
            cr, ct = dr[repaired], dtt[repaired]
            if len(cr):
                w = waiting_since[cr]
                j = w.argmin(axis=1)  # first come, first served
                has = np.isfinite(w[np.arange(len(cr)), j])
                start_repairs(cr[has], j[has], ct[has])
                free[cr[~has]] += 1
        # -- served shares -------------------------------------------------------------------
        if st.domains:  # an element serves while it and every domain around it are up
            S[rows, :n_el] = own[rows, :n_el] * own[rows[:, None, None], st.ancestors[None, :, :]].prod(axis=2)
            _evaluate(st, S, rows)
        else:
            S[rows, changed] = own[rows, changed]
            if st.tree:
                _propagate(st, S, rows, changed)
            else:
                _evaluate(st, S, rows)
        new = S[rows, entry]
        opened = (old >= 1.0) & (new < 1.0)
        outage_start[rows[opened]] = tt[opened]
        outage_cause[rows[opened]] = np.where(fire[opened], cols[opened], -1)
        ended = (old < 1.0) & (new >= 1.0)
        if ended.any():
            close(rows[ended], tt[ended], censored=False)
            outage_start[rows[ended]] = np.nan
    tail = horizon - last_t
    s_end = S[:, entry]
    served += s_end * tail
    degraded += np.where((s_end > 0.0) & (s_end < 1.0), tail, 0.0)
    still = np.flatnonzero(~np.isnan(outage_start))
    close(still, np.full(len(still), horizon), censored=True)
    out = []
    for r in range(n):
        res = RunResult(block * BLOCK + r, int(seed), horizon)
        res.downtime = float(downtime[r])
        res.served_integral = float(served[r])
        res.degraded_time = float(degraded[r])
        res.failures = int(failures[r])
        split = {"permanent": int(failures[r] - transients[r]), "transient": int(transients[r])}
        res.failures_by_kind = {k: v for k, v in split.items() if v}
        res.events = int(events[r])
        res.outages = outages[r]
        out.append(res)
    return out


_CACHE = threading.local()


def simulate_batch(model: Model, seed: int, replication: int, horizon: float | None = None,
                   max_events: float | None = None) -> Any:
    """Replication ``replication`` on the batch engine (its whole block is simulated and kept).

    Raises ``ValueError`` for a model the batch engine does not run.
    """
    st = _structure(model)
    if isinstance(st, str):
        raise ValueError(f"the batch engine does not run model {model.name!r}: {st}")
    h = float(st.horizon if horizon is None else horizon)
    block = int(replication) // BLOCK
    key = (id(model), int(seed), block, h, max_events)
    got = getattr(_CACHE, "block", None)
    if got is None or got[0] != key or got[1]() is not model:
        results = _run_block(model, st, seed, block, BLOCK, h, max_events)
        got = (key, weakref.ref(model), results)
        _CACHE.block = got
    return copy.copy(got[2][int(replication) - block * BLOCK])  # the block's own stays as it was
