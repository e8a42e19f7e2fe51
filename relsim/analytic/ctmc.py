"""The continuous-time Markov chain of a model with exponential elements.

State
-----
Each element (domain or component) that has failure specs is in one
*status*: ``up``, or held down (or in an episode) by one failure spec ``i``
in one phase:

========================  =================================================
status                    leaves at rate (to)
========================  =================================================
``up``                    ``1/every_i`` for each spec ``i`` (a failure)
``transient i``           ``1/lasts_i`` (up)
``detecting i``           ``1/detect_i`` (repair requested)
``queued i``              never by itself: a crew takes it (FIFO)
``repair i``              ``1/repair_i`` (up, as good as new; the crew
                          takes the head of the queue)
``spell-down i``          ``1/down_i`` (spell-up i), ``1/lasts_i`` (up)
``spell-up i``            ``1/up_i`` (spell-down i, a failure),
                          ``1/lasts_i`` (up)
========================  =================================================

While an element is not ``up`` its other clocks are paused (docs/model-format.md §14.1); with
exponential clocks pausing needs no memory. A repair request takes a crew at
once if one is free (or crews are unlimited), else joins the FIFO queue. With
a finite number of crews the *order* of the queue is part of the state, since
it decides which element comes back first. A domain's failure makes its
contents unreachable but not broken: their clocks keep running.

Symmetry
--------
Components that are interchangeable -- the same failure specs, the same
domain and the same appearances in every service -- are permuted by an
automorphism of the chain, and the orbits of a group of automorphisms form a
(strongly) lumpable partition [1]_. Each state is therefore stored in a
canonical form in which such components are sorted by (status, queue
position). This is exact, for the stationary and the transient distribution
alike, and turns the ``n!`` orderings of a group into one state.

References
----------
.. [1] P. Buchholz, "Exact and ordinary lumpability in finite Markov chains",
   *J. Applied Probability* 31(1):59-75, 1994.
.. [2] K. S. Trivedi, *Probability and Statistics with Reliability, Queuing,
   and Computer Science Applications*, 2nd ed., Wiley, 2002, ch. 8-9.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from relsim.analytic.support import Unsupported, check
from relsim.dists import Fixed
from relsim.model import Model
from relsim.model.schema import IntermittentFailure, PermanentFailure, TransientFailure

__all__ = ["MAX_STATES", "Chain", "build", "build_chains"]

#: Default limit on the number of states of a chain.
MAX_STATES = 200_000

UP = 0
# Phases of a status (see the module docstring).
TRANSIENT, DETECTING, QUEUED, REPAIR, SPELL_DOWN, SPELL_UP = range(6)
_PHASE_NAMES = ("transient", "detecting", "queued", "repair", "spell-down", "spell-up")


@dataclass
class _Element:
    """How one element moves between statuses."""

    name: str
    kind: str  # "domain" or "component"
    parent: int | None  # index of the enclosing domain in the chain, if it fails
    statuses: list[tuple[int, int]] = field(default_factory=list)  # (spec, phase); 0 is up
    # per status: list of (target status or request marker, rate, is_failure, frees_crew)
    moves: list[list[tuple[Any, float, bool, bool]]] = field(default_factory=list)
    served: list[bool] = field(default_factory=list)  # per status: is the element up?
    signature: Any = None


@dataclass(frozen=True)
class _Request:
    """A transition into a repair request for spec ``spec`` (crew or queue)."""

    spec: int


@dataclass
class Chain:
    """A built chain: generator pieces and per-state rewards, in seconds.

    Attributes
    ----------
    elements : list of str
        The elements whose state is tracked, in state-vector order.
    statuses : ndarray of int, shape (n_states, n_elements)
        Status code of each element in each (canonical) state.
    status_names : list of list of str
        Readable name of each status code, per element.
    queues : list of tuple
        The FIFO repair queue of each state (element indices, head first).
    failure, other : scipy.sparse.csr_matrix
        Off-diagonal rates (per second) of the failure transitions and of
        all other transitions; the generator is
        ``failure + other - diag(row sums)``.
    up : ndarray of bool
        Whether the entry service is up (served fraction 1) in each state.
    served : ndarray of float
        The entry service's served fraction in each state.
    initial : int
        The all-up state (index 0).
    """

    elements: list[str]
    statuses: np.ndarray
    status_names: list[list[str]]
    queues: list[tuple[int, ...]]
    failure: sp.csr_matrix
    other: sp.csr_matrix
    up: np.ndarray
    served: np.ndarray
    initial: int = 0
    multiplicity: int = 1  # identical independent copies this chain stands for
    #: Interchangeable components lumped together (indices into ``elements``):
    #: a state's status at one of them stands for any one of the class.
    classes: list[list[int]] = field(default_factory=list)
    #: Per element, per status code: whether the element itself serves.
    serves: list[list[bool]] = field(default_factory=list)

    def own_unavailability(self, pi: np.ndarray) -> dict[str, float]:
        """Each tracked element's own probability of being down under ``pi``.

        Lumped components are interchangeable, so each has the class average.
        """
        out = {}
        for j, el in enumerate(self.elements):
            down = ~np.asarray(self.serves[j], dtype=bool)[self.statuses[:, j]]
            out[el] = float(pi @ down)
        for members in self.classes:
            mean = sum(out[self.elements[j]] for j in members) / len(members)
            for j in members:
                out[self.elements[j]] = mean
        return out

    @property
    def n_states(self) -> int:
        return len(self.statuses)

    @property
    def generator(self) -> sp.csr_matrix:
        """The infinitesimal generator Q (rates per second)."""
        off = (self.failure + self.other).tocsr()
        return (off - sp.diags(np.asarray(off.sum(axis=1)).ravel())).tocsr()

    @property
    def failure_rate(self) -> np.ndarray:
        """Element failures per second in each state."""
        return np.asarray(self.failure.sum(axis=1)).ravel()

    def describe(self, state: int) -> dict[str, str]:
        """Each element's status in ``state`` by name, plus the repair queue."""
        out = {el: self.status_names[j][code] for j, (el, code) in
               enumerate(zip(self.elements, self.statuses[state]))}
        if self.queues[state]:
            out["queue"] = " ".join(self.elements[j] for j in self.queues[state])
        return out


def _rate(dist: Any) -> float:
    return 1.0 / dist.mean


def _element(name: str, kind: str, parent: int | None, failures: tuple[Any, ...],
             crews: int | None) -> _Element:
    el = _Element(name, kind, parent)
    el.statuses.append((-1, -1))
    el.served.append(True)
    index: dict[tuple[int, int], int] = {}

    def status(spec: int, phase: int) -> int:
        if (spec, phase) not in index:
            index[(spec, phase)] = len(el.statuses)
            el.statuses.append((spec, phase))
            el.served.append(phase == SPELL_UP)
        return index[(spec, phase)]

    moves: dict[int, list[tuple[Any, float, bool, bool]]] = {UP: []}
    for i, f in enumerate(failures):
        lam = _rate(f.every)
        if isinstance(f, PermanentFailure):
            request = _Request(i)
            if f.detect is not None and not (isinstance(f.detect, Fixed) and f.detect.value == 0.0):
                d = status(i, DETECTING)
                moves[UP].append((d, lam, True, False))
                moves[d] = [(request, _rate(f.detect), False, False)]
            else:
                moves[UP].append((request, lam, True, False))
            if crews is not None:
                moves[status(i, QUEUED)] = []
            r = status(i, REPAIR)
            moves[r] = [(UP, _rate(f.repair), False, True)]
        elif isinstance(f, TransientFailure):
            t = status(i, TRANSIENT)
            moves[UP].append((t, lam, True, False))
            moves[t] = [(UP, _rate(f.lasts), False, False)]
        elif isinstance(f, IntermittentFailure):
            down, up = status(i, SPELL_DOWN), status(i, SPELL_UP)
            end = _rate(f.lasts)
            moves[UP].append((down, lam, True, False))
            moves[down] = [(up, _rate(f.down), False, False), (UP, end, False, False)]
            moves[up] = [(down, _rate(f.up), True, False), (UP, end, False, False)]
        else:  # pragma: no cover - support.check refuses it first
            raise Unsupported([f"{name}: failure kind {f.kind!r}"])
    el.moves = [moves[s] for s in range(len(el.statuses))]
    el.signature = (kind, failures)
    return el


def _status_name(el: _Element, code: int) -> str:
    if code == UP:
        return "up"
    spec, phase = el.statuses[code]
    return f"{_PHASE_NAMES[phase]} {spec}"


def _relevant(model: Model) -> tuple[set[str], set[str]]:
    """Components reachable from the entry service, and their enclosing domains."""
    comps: set[str] = set()
    seen: set[str] = set()
    stack = [model.entry]
    while stack:
        svc = stack.pop()
        if svc in seen:
            continue
        seen.add(svc)
        for kind, name in (*model.replicas_of(svc), *model.dependencies_of(svc)):
            (stack.append(name) if kind == "service" else comps.add(name))
    domains: set[str] = set()
    for c in comps:
        d = model.components[c].domain
        while d is not None:
            domains.add(d)
            d = model.domain_parents.get(d)
    return comps, domains


def _signature_in_services(model: Model, comp: str) -> tuple[Any, ...]:
    sig = []
    for svc in model.services:
        n_rep = sum(1 for k, n in model.replicas_of(svc) if k == "component" and n == comp)
        n_dep = sum(1 for k, n in model.dependencies_of(svc) if k == "component" and n == comp)
        if n_rep or n_dep:
            sig.append((svc, n_rep, n_dep))
    return tuple(sig)


def build_chains(model: Model, max_states: int = MAX_STATES, lump: bool = True) -> tuple[Chain, list[Chain]]:
    """The entry service's chain, plus chains of elements that cannot affect it.

    With unlimited repair crews, elements that neither serve the entry
    service nor enclose one that does evolve independently of it; they
    matter only to the failure count, so each distinct kind of them gets a
    small chain of its own (with a ``multiplicity``). With finite crews they
    compete for crews and stay in the main chain.

    Raises
    ------
    Unsupported
        If the model is outside the solver's class, or the chain would have
        more than ``max_states`` states.
    """
    reasons = check(model)
    if reasons:
        raise Unsupported(reasons)
    crews = model.spec.repair_crews
    comps, doms = _relevant(model)
    # Elements held up or down (Model.conditioned) have no failure transitions.
    fixed = _forced(model, "never_fails") | _forced(model, "always_down")
    failing_domains = [d for d, spec in model.domains.items() if spec.failures and d not in fixed]
    failing_comps = [c for c, spec in model.components.items() if spec.failures and c not in fixed]
    if crews is None:
        main_doms = [d for d in failing_domains if d in doms]
        main_comps = [c for c in failing_comps if c in comps]
    else:
        main_doms, main_comps = failing_domains, failing_comps
    main = build(model, main_doms, main_comps, max_states, lump, entry=True)
    extra: dict[Any, list[str]] = {}
    for d in failing_domains:
        if d not in main_doms:
            extra.setdefault(("domain", model.domains[d].failures), []).append(d)
    for c in failing_comps:
        if c not in main_comps:
            extra.setdefault(("component", model.components[c].failures), []).append(c)
    side = []
    for (kind, _), names in extra.items():
        ch = build(model, names[:1] if kind == "domain" else [],
                   names[:1] if kind == "component" else [], max_states, lump, entry=False)
        ch.multiplicity = len(names)
        side.append(ch)
    return main, side


def build(model: Model, domains: list[str], components: list[str],
          max_states: int = MAX_STATES, lump: bool = True, entry: bool = True) -> Chain:
    """Breadth-first construction of the chain over the given elements.

    ``entry=False`` builds a chain only for failure counts (``up`` and
    ``served`` are then all ones).
    """
    crews = model.spec.repair_crews
    els: list[_Element] = []
    pos: dict[str, int] = {}
    for d in _top_down(model, domains):
        parent = model.domain_parents.get(d)
        while parent is not None and parent not in pos:
            parent = model.domain_parents.get(parent)  # a parent that never fails
        pos[d] = len(els)
        els.append(_element(d, "domain", pos.get(parent) if parent else None,
                            model.domains[d].failures, crews))
    for c in components:
        comp = model.components[c]
        dom = comp.domain
        while dom is not None and dom not in pos:
            dom = model.domain_parents.get(dom)
        pos[c] = len(els)
        el = _element(c, "component", pos.get(dom) if dom else None, comp.failures, crews)
        el.signature = (el.signature, comp.domain, _signature_in_services(model, c))
        els.append(el)
    _guard_size(els, crews, max_states, lump)
    classes = _classes(els) if lump else []
    n = len(els)

    def canonical(status: list[int], queue: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        if classes:
            qpos = {e: k for k, e in enumerate(queue)}
            new_status = list(status)
            new_queue = list(queue)
            for members in classes:
                keyed = sorted(members, key=lambda e: (status[e], qpos.get(e, -1)))
                for target, source in zip(members, keyed):
                    new_status[target] = status[source]
                    if source in qpos:
                        new_queue[qpos[source]] = target
            return tuple(new_status), tuple(new_queue)
        return tuple(status), queue

    start = (tuple([UP] * n), ())
    index: dict[Any, int] = {start: 0}
    order: list[Any] = [start]
    rows_f: list[int] = []
    cols_f: list[int] = []
    vals_f: list[float] = []
    rows_o: list[int] = []
    cols_o: list[int] = []
    vals_o: list[float] = []
    todo = deque([start])
    repair_phase = [[code for code, (_, ph) in enumerate(el.statuses) if ph == REPAIR] for el in els]
    while todo:
        state = todo.popleft()
        src = index[state]
        status, queue = state
        busy = sum(1 for j in range(n) if status[j] in repair_phase[j]) if crews is not None else 0
        for j in range(n):
            el = els[j]
            for target, rate, is_failure, frees in el.moves[status[j]]:
                new = list(status)
                new_queue = queue
                if isinstance(target, _Request):
                    if crews is None or busy < crews:
                        new[j] = _code(el, target.spec, REPAIR)
                    else:
                        new[j] = _code(el, target.spec, QUEUED)
                        new_queue = (*queue, j)
                else:
                    new[j] = target
                if frees and new_queue:
                    head, new_queue = new_queue[0], new_queue[1:]
                    spec = els[head].statuses[new[head]][0]
                    new[head] = _code(els[head], spec, REPAIR)
                key = canonical(new, new_queue)
                dst = index.get(key)
                if dst is None:
                    dst = index[key] = len(order)
                    if dst >= max_states:
                        raise Unsupported([f"the chain has more than {max_states:,} states "
                                           "(raise max_states, use fewer elements or crews)"])
                    order.append(key)
                    todo.append(key)
                if is_failure:
                    rows_f.append(src)
                    cols_f.append(dst)
                    vals_f.append(rate)
                else:
                    rows_o.append(src)
                    cols_o.append(dst)
                    vals_o.append(rate)
    m = len(order)
    statuses = np.array([s for s, _ in order], dtype=np.int32).reshape(m, n)
    failure = sp.csr_matrix((vals_f, (rows_f, cols_f)), shape=(m, m))
    other = sp.csr_matrix((vals_o, (rows_o, cols_o)), shape=(m, m))
    failure.sum_duplicates()
    other.sum_duplicates()
    if entry:
        served = _entry_served(model, els, pos, statuses)
    else:
        served = np.ones(m)
    return Chain(
        elements=[el.name for el in els],
        statuses=statuses,
        status_names=[[_status_name(el, c) for c in range(len(el.statuses))] for el in els],
        queues=[q for _, q in order],
        failure=failure,
        other=other,
        up=served == 1.0,
        served=served,
        classes=classes,
        serves=[list(el.served) for el in els],
    )


def _code(el: _Element, spec: int, phase: int) -> int:
    return el.statuses.index((spec, phase))


def _top_down(model: Model, domains: list[str]) -> list[str]:
    depth = {}
    for d in domains:
        k, p = 0, model.domain_parents.get(d)
        while p is not None:
            k, p = k + 1, model.domain_parents.get(p)
        depth[d] = k
    return sorted(domains, key=lambda d: depth[d])


def _guard_size(els: list[_Element], crews: int | None, max_states: int, lump: bool) -> None:
    # With unlimited crews every combination of statuses is reachable, so
    # the product bounds the state count before any work is done (lumping
    # can only shrink it, so this is checked on the lumped count).
    if crews is None:
        by_sig: dict[Any, list[int]] = {}
        for j, el in enumerate(els):
            key = el.signature if (lump and el.kind == "component") else j
            by_sig.setdefault(key, []).append(len(el.statuses))
        bound = 1.0
        for sizes in by_sig.values():
            k, s = len(sizes), sizes[0]
            bound *= math.comb(k + s - 1, s - 1)  # multisets of k statuses out of s
        if bound > max_states:
            raise Unsupported([f"the chain would have about {bound:.3g} states, more than "
                               f"max_states={max_states:,}: too many elements for an exact solve"])


def _classes(els: list[_Element]) -> list[list[int]]:
    groups: dict[Any, list[int]] = {}
    for j, el in enumerate(els):
        if el.kind == "component":
            groups.setdefault(el.signature, []).append(j)
    return [g for g in groups.values() if len(g) > 1]


def _forced(model: Model, which: str) -> frozenset[str]:
    forcing = model.forcing
    return frozenset() if forcing is None else getattr(forcing, which)


def _held_down(model: Model, domain: str | None, down: frozenset[str]) -> bool:
    """Whether ``domain`` or a domain enclosing it is held down."""
    while domain is not None:
        if domain in down:
            return True
        domain = model.domain_parents.get(domain)
    return False


def _entry_served(model: Model, els: list[_Element], pos: dict[str, int],
                  statuses: np.ndarray) -> np.ndarray:
    """The entry service's served fraction in every state (vectorised).

    Elements held down (``Model.conditioned(always_down=...)``) are down in
    every state, and so is everything inside a domain held down.
    """
    m = len(statuses)
    down = _forced(model, "always_down")
    eff: list[np.ndarray] = []
    for j, el in enumerate(els):
        own = np.asarray(el.served, dtype=bool)[statuses[:, j]]
        if el.parent is not None:
            own = own & eff[el.parent]  # parents come first (top-down order)
        if down:
            where = el.name if el.kind == "domain" else model.components[el.name].domain
            if _held_down(model, where, down):
                own = np.zeros(m, dtype=bool)
        eff.append(own)
    cache: dict[str, np.ndarray] = {}

    def node(kind: str, name: str) -> np.ndarray:
        if kind == "service":
            return service(name)
        if name in pos:
            return eff[pos[name]].astype(float)
        # A component that never fails: up unless it or an enclosing domain is down.
        dom = model.components[name].domain
        if name in down or _held_down(model, dom, down):
            return np.zeros(m)
        while dom is not None and dom not in pos:
            dom = model.domain_parents.get(dom)
        return eff[pos[dom]].astype(float) if dom is not None else np.ones(m)

    def service(name: str) -> np.ndarray:
        if name in cache:
            return cache[name]
        spec = model.services[name]
        reps = [node(k, n) for k, n in model.replicas_of(name)]
        if spec.mode == "quorum":
            needs = spec.needs if spec.needs is not None else len(reps) // 2 + 1
            base = (np.sum([r == 1.0 for r in reps], axis=0) >= needs).astype(float)
        else:  # active-active, and active-passive where it is the same (see support)
            needs = (spec.needs or 1) if spec.mode == "active-active" else 1
            total = np.zeros(m)
            for r in reps:
                total = total + r
            base = np.minimum(1.0, total / needs)
        for d in model.dependencies_of(name):
            base = base * node(*d)
        cache[name] = base
        return base

    return service(model.entry)
