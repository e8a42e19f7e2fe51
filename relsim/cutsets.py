"""Minimal cut sets of what a model measures, and their share of the downtime.

A *cut set* is a set of elements whose failure, all at once, takes the
entry service (with a ``workload``, the request path) down; it is
*minimal* if no proper subset does [1]_ (ch. 4). relsim finds them from the
structure function of the model (:class:`relsim.structure.Structure`: the
served fraction with a given set of elements down, by the rules of each
service mode, domains, links, load balancers and DNS, once failover has
happened). Combinations of the candidate elements — those with failure
specs that can matter (:meth:`~relsim.structure.Structure.relevant`) — are
enumerated by increasing order up to ``max_order``, skipping supersets of
cut sets already found, so every set kept is minimal.

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
from relsim.model.request_path import measured
from relsim.structure import Structure
from relsim.units import YEAR, parse_duration

__all__ = ["COLUMNS", "OTHER", "candidates", "cutsets", "minimal_cut_sets"]

#: The label of outage time that no listed cut set explains.
OTHER = "(other)"
COLUMNS = [
    "rank", "order", "cut_set", "elements", "kinds",
    "downtime_per_year", "downtime_per_year_ci_low", "downtime_per_year_ci_high",
    "share", "share_ci_low", "share_ci_high", "model", "measured", "seed", "runs", "max_order",
]
#: Element events of a trace: which put an element down (a failure, a behaviour
#: stopping it), which bring it back, and which leave its state as it is
#: (tests/test_cutsets.py checks that every element event is in one of them).
_DOWN = {"failed", "stopped"}
_UP = {"repaired", "recovered", "spell_up", "restored"}
NEUTRAL = {
    "repair_requested", "repair_started", "episode_end",
    # planned work and inspections: the element's state changes are its "stopped"/"restored"/"failed"
    "chaos_start", "chaos_end", "chaos_skipped", "maintenance_skipped", "opportunistic_maintenance",
    "fault_latent", "fault_found", "fault_missed",
    # the response chain, crews and spares: who works on an element that is already down
    "engaged", "response_waiting", "diagnosis_started", "diagnosed", "access_requested", "access_granted",
    "mitigation_started", "crew_travel", "spare_taken", "spare_stockout", "spare_arrived",
}


def candidates(model: Model) -> list[str]:
    """Elements with failure specs that can matter to what ``model`` measures, in model order."""
    relevant = Structure(model).relevant()
    return [name for name in failing_elements(model) if name in relevant]


def minimal_cut_sets(model: Model, max_order: int = 3,
                     elements: Iterable[str] | None = None) -> list[tuple[str, ...]]:
    """Minimal cut sets of what ``model`` measures, of up to ``max_order`` elements.

    Parameters
    ----------
    model : Model
    max_order : int
        Largest cut set looked for (the number of combinations grows as
        ``len(elements) ** max_order``).
    elements : iterable of str, optional
        Candidate elements; by default :func:`candidates`.

    Returns
    -------
    list of tuple of str
        By order, then in the order of the candidates.
    """
    if isinstance(max_order, bool) or not isinstance(max_order, int) or max_order < 1:
        raise ValueError(f"max_order must be a whole number >= 1, got {max_order!r}")
    structure = Structure(model)
    names = candidates(model) if elements is None else list(dict.fromkeys(elements))
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
    """Minimal cut sets of what ``model`` measures with their share of the downtime.

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
    table["model"], table["measured"] = model.name, measured(model)
    table["seed"], table["runs"], table["max_order"] = seed, runs, max_order
    last = table["order"] == 0
    table = pd.concat([
        table[~last].sort_values(["order", "share", "cut_set"], ascending=[True, False, True],
                                 na_position="last"),
        table[last],
    ], ignore_index=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table[COLUMNS]
