"""Minimal cut sets of the entry service, and their share of the downtime.

A *cut set* is a set of elements whose failure, all at once, takes the
entry service down; it is *minimal* if no proper subset does [1]_ (ch. 4).
relsim finds them from the structure function of the model: with a set *F*
of elements failed (each down itself), every element's effective state
follows (an element is up when it is not in *F* and no enclosing domain
is), then every service's served fraction by its mode, as the engine
computes it in steady state (docs/model-format.md):

* ``active-active``: ``min(1, u / needs)``, *u* the sum of the replicas'
  served fractions;
* ``quorum``: 1 if at least ``needs`` (default a majority) fully-up replicas
  reach each other (no failed link between their domains), else 0;
* ``active-passive``: the best replica the controller can reach (failover
  is taken as done: the structure is what remains once it has happened);
* ``depends_on``: the product with each dependency's fraction (series).

The entry service is down when its fraction is below 1, as an outage is.
Combinations of the candidate elements (domains, components and links with
failure specs that can matter to the entry service) are enumerated by
increasing order up to ``max_order``, skipping supersets of cut sets
already found, so every set kept is minimal. Load balancers and the DNS
provider sit on the request path, not in the entry service's structure, and
are left out.

Share of downtime (optional, by simulation): replications are run with an
event trace, which gives the set of elements down at every instant; each
stretch of outage time is credited to the minimal cut sets entirely down at
that moment (split equally when several are), and to "other" when none is
— failover, detection or election time, a start-up, or a cut set of higher
order. Per replication this gives the downtime of each cut set; the share
is a ratio of totals over replications with a delta-method interval
(:func:`relsim.intervals.ratio_ci`).

References
----------
.. [1] M. Rausand and A. Høyland, *System Reliability Theory: Models,
   Statistical Methods, and Applications*, 2nd ed., Wiley, 2004, ch. 4
   (structure functions, minimal cut sets).
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterable
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from relsim.engine import simulate
from relsim.importance import failing_elements
from relsim.intervals import mean_ci, ratio_ci
from relsim.model import Model, load
from relsim.units import YEAR, parse_duration

__all__ = ["COLUMNS", "OTHER", "Structure", "cutsets", "minimal_cut_sets"]

#: The label of outage time that no listed cut set explains.
OTHER = "(other)"
COLUMNS = [
    "rank", "order", "cut_set", "elements", "kinds",
    "downtime_per_year", "downtime_per_year_ci_low", "downtime_per_year_ci_high",
    "share", "share_ci_low", "share_ci_high", "model", "seed", "runs", "max_order",
]
#: Element events of a trace: which put an element down, which bring it back.
_DOWN = {"failed"}
_UP = {"repaired", "recovered", "spell_up"}


class Structure:
    """The structure function of a model's entry service.

    Parameters
    ----------
    model : Model

    Notes
    -----
    ``served(failed)`` is the entry service's served fraction with the
    elements in ``failed`` down; ``down(failed)`` is whether that is below 1.
    """

    def __init__(self, model: Model):
        self.model = model
        self._links = {name: tuple(link.between) for name, link in model.spec.links.items()}
        self._chains: dict[str | None, frozenset[str]] = {None: frozenset()}
        for d in model.domains:
            chain, p = [], d
            while p is not None:
                chain.append(p)
                p = model.domain_parents.get(p)
            self._chains[d] = frozenset(chain)

    def relevant(self) -> tuple[set[str], set[str]]:
        """Services and components the entry service is built from (recursively)."""
        services: set[str] = set()
        comps: set[str] = set()
        stack = [self.model.entry]
        while stack:
            svc = stack.pop()
            if svc in services:
                continue
            services.add(svc)
            for kind, name in (*self.model.replicas_of(svc), *self.model.dependencies_of(svc)):
                (stack.append(name) if kind == "service" else comps.add(name))
        return services, comps

    def candidates(self) -> list[str]:
        """Elements with failure specs whose failure can matter to the entry service."""
        _, comps = self.relevant()
        doms = set().union(*(self._chains[self.model.components[c].domain] for c in comps))
        return [n for n, kind in failing_elements(self.model).items()
                if (kind == "component" and n in comps) or (kind == "domain" and n in doms)
                or kind == "link"]

    def down(self, failed: frozenset[str]) -> bool:
        """Whether the entry service is down (served fraction below 1) with ``failed`` down."""
        return self.served(failed) < 1.0

    def served(self, failed: frozenset[str]) -> float:
        """The entry service's served fraction with the elements in ``failed`` down."""
        model = self.model
        cut = [self._links[n] for n in failed if n in self._links]
        cache: dict[str, float] = {}

        def reach(a: frozenset[str], b: frozenset[str]) -> bool:
            return not any((x in a and y in b) or (y in a and x in b) for x, y in cut)

        def node(kind: str, name: str) -> tuple[float, frozenset[str]]:
            if kind == "service":
                return service(name), frozenset()  # a service is reachable from anywhere
            place = self._chains[model.components[name].domain]
            up = name not in failed and not (place & failed)
            return (1.0 if up else 0.0), place

        def service(name: str) -> float:
            if name in cache:
                return cache[name]
            spec = model.services[name]
            reps = [node(k, n) for k, n in model.replicas_of(name)]
            if spec.mode == "quorum":
                needs = spec.needs if spec.needs is not None else len(reps) // 2 + 1
                up = [p for s, p in reps if s == 1.0]
                base = 1.0 if _largest_group(up, reach) >= needs else 0.0
            elif spec.mode == "active-passive":
                det = spec.detection
                ctrl = self._chains[det.controller] if det is not None and det.controller else frozenset()
                base = max((s for s, p in reps if reach(ctrl, p)), default=0.0)
            else:
                base = min(1.0, sum(s for s, _ in reps) / (spec.needs or 1))
            for kind, dep in model.dependencies_of(name):
                base *= node(kind, dep)[0]
            cache[name] = base
            return base

        return service(model.entry)


def _largest_group(places: list[frozenset[str]], reach: Any) -> int:
    """Size of the largest set of ``places`` that all reach each other."""
    for size in range(len(places), 0, -1):
        for combo in combinations(places, size):
            if all(reach(a, b) for a, b in combinations(combo, 2)):
                return size
    return 0


def minimal_cut_sets(model: Model, max_order: int = 3,
                     elements: Iterable[str] | None = None) -> list[tuple[str, ...]]:
    """Minimal cut sets of the entry service of up to ``max_order`` elements.

    Parameters
    ----------
    model : Model
    max_order : int
        Largest cut set looked for (the number of combinations grows as
        ``len(elements) ** max_order``).
    elements : iterable of str, optional
        Candidate elements; by default :meth:`Structure.candidates`.

    Returns
    -------
    list of tuple of str
        By order, then in the order of the candidates.
    """
    if isinstance(max_order, bool) or not isinstance(max_order, int) or max_order < 1:
        raise ValueError(f"max_order must be a whole number >= 1, got {max_order!r}")
    structure = Structure(model)
    names = structure.candidates() if elements is None else list(dict.fromkeys(elements))
    if structure.down(frozenset()):
        return [()]  # down with nothing failed: the empty set is the only minimal cut
    found: list[frozenset[str]] = []
    out: list[tuple[str, ...]] = []
    for order in range(1, min(max_order, len(names)) + 1):
        for combo in combinations(names, order):
            failed = frozenset(combo)
            if any(c <= failed for c in found):
                continue  # a superset of a cut set is not minimal
            if structure.down(failed):
                found.append(failed)
                out.append(combo)
    return out


def _downtime_by_cut(res: Any, cuts: list[frozenset[str]]) -> np.ndarray:
    """Outage seconds credited to each cut set (and, last, to none) in one traced replication."""
    times, states = [0.0], [frozenset()]
    down: set[str] = set()
    for ev in res.trace or ():
        name = ev.get("element")
        if name is None or (ev["event"] not in _DOWN and ev["event"] not in _UP):
            continue
        (down.add if ev["event"] in _DOWN else down.discard)(name)
        if ev["t"] == times[-1]:
            states[-1] = frozenset(down)
        else:
            times.append(ev["t"])
            states.append(frozenset(down))
    times.append(res.horizon)
    credit = np.zeros(len(cuts) + 1)
    for out in res.outages:
        k = bisect.bisect_right(times, out.start_s) - 1
        while k < len(states) and times[k] < out.end_s:
            dt = min(out.end_s, times[k + 1]) - max(out.start_s, times[k])
            if dt > 0:
                hit = [j for j, c in enumerate(cuts) if c <= states[k]]
                if hit:
                    credit[hit] += dt / len(hit)
                else:
                    credit[-1] += dt
            k += 1
    return credit


def cutsets(
    model: Model | str | os.PathLike[str] | dict[str, Any],
    max_order: int = 3,
    runs: int = 100,
    seed: int = 0,
    horizon: float | str | None = None,
) -> pd.DataFrame:
    """Minimal cut sets of the entry service with their share of the downtime.

    Parameters
    ----------
    model : Model, path or dict
    max_order : int
        Largest cut set looked for.
    runs : int
        Traced replications for the downtime shares (0: the cut sets only,
        with NaN shares).
    seed : int
        Base seed of those replications.
    horizon : float or str, optional
        Simulated time per replication; the model's ``horizon`` by default.

    Returns
    -------
    DataFrame
        One row per minimal cut set, by order then by share of downtime
        (largest first): ``rank``, ``order``, ``cut_set`` (``"a + b"``),
        ``elements`` and ``kinds`` (tuples), ``downtime_per_year`` (seconds)
        and ``share`` of the total downtime with 95 % intervals, and
        provenance (``model``, ``seed``, ``runs``, ``max_order``). A last
        row ``(other)`` of order 0 holds outage time during which no listed
        cut set was down (failover, detection, elections, higher orders).
    """
    if not isinstance(model, Model):
        model = load(model)
    if isinstance(horizon, str):
        horizon = parse_duration(horizon)
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 0:
        raise ValueError(f"runs must be a whole number >= 0, got {runs!r}")
    h = float(model.horizon if horizon is None else horizon)
    cuts = minimal_cut_sets(model, max_order)
    kinds = model.element_names()
    per_rep = np.array([_downtime_by_cut(simulate(model, seed, i, h, trace=True), [frozenset(c) for c in cuts])
                        for i in range(runs)]).reshape(runs, len(cuts) + 1)
    total = per_rep.sum(axis=1)
    rows = []
    for j, combo in enumerate([*cuts, None]):
        d = mean_ci(per_rep[:, j] * YEAR / h) if runs else {"mean": np.nan, "ci_low": np.nan, "ci_high": np.nan}
        s = ratio_ci(per_rep[:, j], total) if runs else {"mean": np.nan, "ci_low": np.nan, "ci_high": np.nan}
        if combo is None and (not runs or d["mean"] == 0.0):
            continue  # no unexplained outage time: no "other" row
        rows.append({
            "order": 0 if combo is None else len(combo),
            "cut_set": OTHER if combo is None else " + ".join(combo),
            "elements": () if combo is None else combo,
            "kinds": () if combo is None else tuple(kinds[n] for n in combo),
            "downtime_per_year": d["mean"], "downtime_per_year_ci_low": max(d["ci_low"], 0.0),
            "downtime_per_year_ci_high": d["ci_high"],
            "share": s["mean"], "share_ci_low": float(np.clip(s["ci_low"], 0, 1)),
            "share_ci_high": float(np.clip(s["ci_high"], 0, 1)),
        })
    table = pd.DataFrame(rows, columns=COLUMNS[1:12])
    if table.empty:
        return pd.DataFrame(columns=COLUMNS)
    table["model"], table["seed"], table["runs"], table["max_order"] = model.name, seed, runs, max_order
    last = table["order"] == 0
    table = pd.concat([
        table[~last].sort_values(["order", "share", "cut_set"], ascending=[True, False, True],
                                 na_position="last"),
        table[last],
    ], ignore_index=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table[COLUMNS]
