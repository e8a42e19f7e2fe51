"""Downtime attribution: which element and failure spec cause how much downtime.

Every outage of the entry service carries its root cause, the element and
failure spec whose failure started it (docs/model-format.md). Summing outage counts
and durations per cause within each replication gives per-replication
random variables (zero in replications where the cause never struck); their
means over replications estimate outages and downtime per year due to that
cause, with Student-t intervals, and the share of downtime is a ratio of
totals with a delta-method interval (:mod:`relsim.intervals`). The
downtime of all causes adds up to the run's total downtime.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from relsim.evidence import MIN_EVENTS, poisson_interval
from relsim.intervals import mean_ci, ratio_ci
from relsim.results import Results
from relsim.units import YEAR

__all__ = ["CAUSE", "attribution", "downtime_by"]

CAUSE = ["cause_element", "cause_spec", "cause_kind"]
COLUMNS = [
    "model", "seed", *CAUSE, "outages",
    "outages_per_year", "outages_per_year_ci_low", "outages_per_year_ci_high",
    "downtime_per_year", "downtime_per_year_se", "downtime_per_year_ci_low", "downtime_per_year_ci_high",
    "share", "share_ci_low", "share_ci_high", "established", "runs",
]


def attribution(results: Results) -> pd.DataFrame:
    """Outages and downtime per year by root cause, with 95 % confidence intervals.

    Parameters
    ----------
    results : Results
        What :func:`relsim.run` returned.

    Returns
    -------
    DataFrame
        One row per (``cause_element``, ``cause_spec``, ``cause_kind``),
        most downtime first: ``outages`` (count over all replications),
        ``outages_per_year`` and ``downtime_per_year`` (seconds) with their
        intervals, and ``share`` of the total downtime with its interval;
        ``cause_spec`` is the index of the failure in the element's
        ``failures`` list. ``established`` is False for a cause with
        fewer than 10 outages: its outage rate then has the exact Poisson
        interval and its downtime and share none (NaN). Provenance columns ``model`` and ``seed`` and the
        number of replications ``runs`` come along.
    """
    n = len(results.runs)
    rows = []
    for cause, down, count, per_year, total in _per_cause(results, CAUSE):
        d, c, s = mean_ci(down * per_year), mean_ci(count * per_year), ratio_ci(down, total)
        established = _few_outages(int(count.sum()), float(np.sum(YEAR / per_year)), c, d, s)
        rows.append({
            "model": results.model, "seed": results.seed,
            **dict(zip(CAUSE, cause)), "outages": int(count.sum()),
            "outages_per_year": c["mean"], "outages_per_year_ci_low": max(c["ci_low"], 0.0),
            "outages_per_year_ci_high": c["ci_high"],
            "downtime_per_year": d["mean"], "downtime_per_year_se": d["se"],
            "downtime_per_year_ci_low": max(d["ci_low"], 0.0), "downtime_per_year_ci_high": d["ci_high"],
            "share": s["mean"], "share_ci_low": float(np.clip(s["ci_low"], 0, 1)),
            "share_ci_high": float(np.clip(s["ci_high"], 0, 1)), "established": established, "runs": n,
        })
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.sort_values(["downtime_per_year", "cause_element", "cause_spec"],
                             ascending=[False, True, True], ignore_index=True)


def downtime_by(results: Results, by: str = "element") -> pd.DataFrame:
    """Downtime per year grouped by root-cause ``element`` or failure ``kind``, with 95 % intervals.

    The per-replication downtime of each group is summed over the outages
    whose root cause falls in the group (zero where it never struck), so the
    mean and its Student-t interval are over independent replications, as in
    :func:`attribution`; ``share`` is the group's share of all downtime with
    a delta-method interval.

    Parameters
    ----------
    results : Results
        What :func:`relsim.run` returned.
    by : {"element", "kind", "planned"}
        Group by ``cause_element``, by ``cause_kind`` (permanent,
        transient, ..., and the planned kinds maintenance, chaos, drill,
        preventive, inspection: docs/changes.md), or into ``planned`` and
        ``unplanned`` outages (``Outage.planned``).

    Returns
    -------
    DataFrame
        One row per group, most downtime first: ``cause``, ``outages``,
        ``established`` (at least 10 outages; otherwise the intervals are
        NaN), ``downtime_per_year`` (seconds) with ``ci_low``, ``ci_high``, and
        ``share`` with ``share_ci_low``, ``share_ci_high``.
    """
    column = {"element": "cause_element", "kind": "cause_kind", "planned": "planned"}.get(by)
    if column is None:
        raise ValueError(f"downtime_by: by must be 'element', 'kind' or 'planned', not {by!r}")
    cols = ["cause", "outages", "established", "downtime_per_year", "ci_low", "ci_high", "share", "share_ci_low",
            "share_ci_high"]
    rows = []
    for cause, down, count, per_year, total in _per_cause(results, column):
        d, s = mean_ci(down * per_year), ratio_ci(down, total)
        established = _few_outages(int(count.sum()), float(np.sum(YEAR / per_year)), None, d, s)
        name = ("planned" if cause else "unplanned") if column == "planned" else str(cause)
        rows.append({"cause": name, "outages": int(count.sum()), "established": established,
                     "downtime_per_year": d["mean"], "ci_low": max(d["ci_low"], 0.0), "ci_high": d["ci_high"],
                     "share": s["mean"], "share_ci_low": float(np.clip(s["ci_low"], 0, 1)),
                     "share_ci_high": float(np.clip(s["ci_high"], 0, 1))})
    table = pd.DataFrame(rows, columns=cols)
    return table.sort_values(["downtime_per_year", "cause"], ascending=[False, True], ignore_index=True)


def _per_cause(results: Results, by: Any) -> Iterator[tuple[Any, np.ndarray, np.ndarray, np.ndarray,
                                                             np.ndarray]]:
    """Per cause (grouped by the outage column(s) ``by``), aligned with the replications.

    Yields ``(cause, downtime, outages, per_year, total)``: the cause's
    downtime and number of outages in each replication (0 where it never
    struck), each replication's scale to per year, and all downtime in it.
    Nothing when there are no replications or no outages.
    """
    runs, outages = results.runs, results.outages
    reps = runs["replication"].to_numpy()
    if len(reps) == 0 or len(outages) == 0:
        return
    per_year = (YEAR / runs.set_index("replication")["horizon_s"]).reindex(reps).to_numpy(float)
    total = outages.groupby("replication")["duration_s"].sum().reindex(reps, fill_value=0.0).to_numpy(float)
    for cause, sub in outages.groupby(by, sort=False):
        by_rep = sub.groupby("replication")["duration_s"].agg(["sum", "size"]).reindex(reps, fill_value=0)
        yield cause, by_rep["sum"].to_numpy(float), by_rep["size"].to_numpy(float), per_year, total


def _few_outages(k: int, exposure: float, count: dict[str, float] | None, *others: dict[str, float]) -> bool:
    """Whether ``k`` outages of one cause establish its intervals; if not, replace them.

    With fewer than :data:`relsim.evidence.MIN_EVENTS` the outage rate gets
    the exact Poisson interval and downtime and share get none (NaN), as in
    the summary (docs/model-format.md §16).
    """
    if k >= MIN_EVENTS:
        return True
    if count is not None:
        lo, hi = poisson_interval(k, exposure)
        count["ci_low"], count["ci_high"] = lo * YEAR, hi * YEAR
    for row in others:
        row["ci_low"] = row["ci_high"] = float("nan")
    return False
