"""Metrics: computed per replication, then summarised over replications.

Which metrics exist, their units, how each is summarised and when it applies
is declared once, in :mod:`relsim.metric_registry`; this module computes
them. Per-replication metrics are plain averages over the horizon. Summaries
give the mean, its standard error, a 95 % confidence interval (Student t
over replications) and the 5th/50th/95th percentiles across replications.
Ratio metrics (``mean_outage``) are ratios of totals with a delta-method
standard error; pooled outage-duration percentiles get a bootstrap-over-
replications standard error. The metric tables of docs/model-format.md §16
list them all.

References
----------
.. [1] A. M. Law, *Simulation Modeling and Analysis*, 5th ed., McGraw-Hill,
   2015, ch. 9 (independent replications, confidence intervals) and §9.5
   (ratio estimators).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from relsim.application_metrics import application_metrics
from relsim.change_metrics import change_metrics, change_share_columns
from relsim.columns import Columns, as_columns, length
from relsim.engine.simulation import RunResult
from relsim.evidence import (
    BOOTSTRAP_REPLICATIONS,
    MIN_EVENTS,
    binomial_interval,
    poisson_interval,
    quantile_events_needed,
)
from relsim.incident_metrics import RATIOS, incident_metrics
from relsim.intervals import (
    bootstrap_units,
    replication_bootstrap,
    resampled_quantiles,
    sorted_with_owners,
    t_quantile,
)
from relsim.metric_registry import METRICS, custom, names
from relsim.request_metrics import request_metrics
from relsim.units import YEAR, format_duration
from relsim.upkeep_metrics import RATIOS as UPKEEP_RATIOS
from relsim.upkeep_metrics import upkeep_metrics

__all__ = ["PER_RUN", "SUMMARY_COLUMNS", "replication_metrics", "slo_windows_met", "summarise", "summary_frame",
           "summary_rows"]

#: Metrics computed per replication, in reporting order (from the registry).
PER_RUN = names("replication")

SUMMARY_COLUMNS = ["mean", "se", "ci_low", "ci_high", "p05", "p50", "p95", "n", "events", "established", "note",
                   "unit"]
_STATS = SUMMARY_COLUMNS[:8]


def replication_metrics(res: RunResult, objectives: Any = None) -> dict[str, Any]:
    """Metrics of one replication as a flat dict (one row of ``Results.runs``)."""
    h = res.horizon
    per_year = YEAR / h
    row: dict[str, Any] = {
        "availability": 1.0 - res.downtime / h,
        "served_fraction": res.served_integral / h,
        "downtime_per_year": res.downtime * per_year,
        "outages_per_year": len(res.outages) * per_year,
        "failures_per_year": res.failures * per_year,
        "failovers_per_year": res.failovers * per_year,
        "false_failovers_per_year": res.false_failovers * per_year,
        "failed_failovers_per_year": res.failed_failovers * per_year,
        "flaps_per_year": res.flaps * per_year,
        "suppressed_per_year": res.suppressed * per_year,
        "false_suspicions_per_year": res.false_suspicions * per_year,
        "false_suspicions": res.false_suspicions,
        "split_brains_per_year": res.split_brains * per_year,
        "split_brain_per_year": res.split_brain_time * per_year,
        "degraded_per_year": res.degraded_time * per_year,
        "elections_per_year": res.elections * per_year,
        "writes_lost_per_year": res.writes_lost * per_year,
        "data_loss_events_per_year": res.data_loss_events * per_year,
        "p_data_loss": 1.0 if res.writes_lost > 0 else 0.0,
        "conflicts_per_year": res.conflicts * per_year,
        "unrecoverable_per_year": res.unrecoverable * per_year,
        "restores_per_year": res.restores * per_year,
        "write_latency_added": res.write_latency,
        "writes_lost": res.writes_lost,
        "restore_time_s": float(sum(res.restore_times)),
        "restores": res.restores,
        "downtime_s": res.downtime,
        "outages": len(res.outages),
        "failures": res.failures,
        "failovers": res.failovers,
        "failed_failovers": res.failed_failovers,
        "events": res.events,
    }
    if res.requests is not None:
        row.update(request_metrics(res, objectives))
    if res.app is not None:  # sessions, consistency levels, sagas (docs/application.md)
        row.update(application_metrics(res))
    if res.changes is not None:  # releases and configuration changes (docs/changes.md)
        row.update(change_metrics(res))
    if res.planned is not None:  # planned work: maintenance, chaos, drills (relsim/engine/planned.py)
        planned = sum(o.duration_s for o in res.outages if o.planned)
        row["planned_downtime_per_year"] = planned * per_year
        row["unplanned_availability"] = 1.0 - (res.downtime - planned) / h
        row["chaos_skipped_per_year"] = res.planned.get("chaos_skipped", 0.0) * per_year
        row["failed_drills_per_year"] = res.planned.get("drills_failed", 0.0) * per_year
    if res.incidents is not None:  # alerts and teams (relsim/incident_metrics.py)
        row.update(incident_metrics(res))
    if res.upkeep is not None:  # spares, maintenance, inspections, costs (docs/maintenance-and-cost.md)
        row.update(upkeep_metrics(res))
    if res.tallies is not None:  # a model with behaviours: the metrics registered for their kinds
        kinds = {f"behaviour:{k}" for k in res.behaviour_kinds}
        row.update((m.name, m.compute(res.tallies, h)) for m in custom()
                   if m.compute is not None and m.applies in kinds)
    if objectives is not None and objectives.availability is not None:
        met = slo_windows_met(res, objectives.availability, objectives.slo_window,
                              planned=getattr(objectives, "planned_counts", None) is not False)
        if met is not None:
            row["slo_met"] = met
    return row


def slo_windows_met(res: RunResult, target: float, window: float, planned: bool = True) -> float | None:
    """Fraction of whole windows of length ``window`` whose availability met ``target``.

    ``planned=False`` leaves planned outages out (``objectives.planned_counts: false``).
    """
    n = int(math.floor(res.horizon / window + 1e-9))
    if n < 1:
        return None
    down = np.zeros(n)
    for out in res.outages:
        if not planned and out.planned:
            continue
        start, end = out.start_s, out.end_s
        first, last = int(start // window), int(min(end, n * window - 1e-9) // window)
        for w in range(first, min(last, n - 1) + 1):
            lo, hi = max(start, w * window), min(end, (w + 1) * window)
            if hi > lo:
                down[w] += hi - lo
    return float(np.mean(1.0 - down / window >= target))


def _clip(row: dict[str, float], name: str) -> dict[str, float]:
    lo, hi = METRICS[name].bounds
    for key in ("ci_low", "ci_high"):
        if not math.isnan(row[key]):
            row[key] = min(max(row[key], lo), hi)
    return row


def _row(values: np.ndarray) -> dict[str, float]:
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return dict.fromkeys(_STATS, math.nan) | {"n": 0}
    mean = float(values.mean())
    se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    half = float(t_quantile(n, 0.95) * se) if n > 1 else math.nan
    p05, p50, p95 = np.percentile(values, [5, 50, 95])
    return {"mean": mean, "se": se, "ci_low": mean - half, "ci_high": mean + half,
            "p05": p05, "p50": p50, "p95": p95, "n": n}


def _ratio_row(num: np.ndarray, den: np.ndarray) -> dict[str, float]:
    """Ratio of totals with the delta-method SE over replications."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    n = len(num)
    if n == 0 or den.sum() == 0:
        return dict.fromkeys(_STATS, math.nan) | {"n": int(den.sum())}
    ratio = num.sum() / den.sum()
    if n > 1:
        resid = num - ratio * den
        se = float(math.sqrt(resid.var(ddof=1) / n) / den.mean())
        half = float(t_quantile(n, 0.95) * se)
    else:
        se = half = math.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        per_run = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    per_run = per_run[~np.isnan(per_run)]
    p05, p50, p95 = np.percentile(per_run, [5, 50, 95]) if len(per_run) else (math.nan,) * 3
    return {"mean": float(ratio), "se": se, "ci_low": ratio - half, "ci_high": ratio + half,
            "p05": p05, "p50": p50, "p95": p95, "n": int(den.sum())}


def _pooled_row(durations_by_run: list[np.ndarray], q: float | None, seed: int) -> dict[str, float]:
    """A percentile (``q``) or the maximum (``q=None``) of all events pooled over replications.

    The percentile's interval is a BCa bootstrap over replications
    (:func:`relsim.intervals.replication_bootstrap`): replications are resampled whole, which
    keeps the events of one replication together (beyond 1,000 of them, in
    groups of consecutive replications: :func:`relsim.intervals.bootstrap_units`). A resample is a weighting
    of the pooled events by how often their replication was drawn, so each
    costs one pass over the sorted events. With events from fewer than
    :data:`relsim.evidence.BOOTSTRAP_REPLICATIONS` replications there is no
    interval (too few to resample). A maximum gets no interval (relsim.evidence).
    """
    pooled = np.concatenate(durations_by_run) if durations_by_run else np.array([])
    if len(pooled) == 0:
        return dict.fromkeys(_STATS, math.nan) | {"n": 0}
    row = dict.fromkeys(_STATS, math.nan) | {"n": len(pooled)}
    if q is None:
        row["mean"] = float(pooled.max())
        return row
    row["mean"] = float(np.percentile(pooled, 100 * q))
    r = len(durations_by_run)
    if sum(1 for x in durations_by_run if len(x)) < BOOTSTRAP_REPLICATIONS:
        return row
    sorted_x, sorted_owner = sorted_with_owners(durations_by_run, pooled)
    sorted_owner, units = bootstrap_units(sorted_owner, r)  # groups of replications beyond 1,000

    def statistic(idx: np.ndarray, axis: int = -1) -> np.ndarray:
        return resampled_quantiles(sorted_x, sorted_owner, units, q, idx)

    boot = replication_bootstrap(statistic, units, np.random.default_rng([seed, 0xB0075]))  # reproducible
    lo, hi = boot.confidence_interval
    row.update(se=float(boot.standard_error), ci_low=float(lo), ci_high=float(hi))
    return row


#: Outage-metric families: prefix -> (the outages' column, which outages, percentiles).
#: ``mean_outage``/``outage_*`` are over all outages, ``mttd`` over the detected
#: ones, ``rto_*`` over those that needed a failover, ``rpo_*`` over those
#: ended by a failover, resume or restore (``rpo_s`` known).
FAMILIES: dict[str, tuple[str, str | None, tuple[int, ...]]] = {
    "outage": ("duration_s", None, (95,)),
    "mttd": ("detected_s", "detected_s", ()),
    "rto": ("duration_s", "needed_failover", (50, 95, 99)),
    "rpo": ("rpo_s", "rpo_s", (95,)),
}


def family_events(runs: Any, outages: Any, prefix: str) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]] | None:
    """Per replication (in ``runs`` order): the sum and count of a family's values, and the values.

    ``runs`` and ``outages`` are tables (:mod:`relsim.columns`, or DataFrames).
    ``None`` when the outages table lacks what the family needs.
    """
    runs, outages = as_columns(runs), as_columns(outages)
    column, select, _ = FAMILIES[prefix]
    if column not in outages or (select is not None and select not in outages):
        return None
    owner = np.asarray(outages["replication"]) if "replication" in outages else np.empty(0, dtype=np.int64)
    values = np.asarray(outages[column], dtype=float)
    if select is not None:
        flags = outages[select]
        chosen = flags.astype(bool) if select == "needed_failover" else _known(flags)
        owner, values = owner[chosen], values[chosen]
    reps = np.asarray(runs["replication"]) if "replication" in runs else np.empty(0, dtype=np.int64)
    # each outage's row of runs (outages of replications not in runs are left out)
    order = np.argsort(reps, kind="stable")
    at = np.minimum(np.searchsorted(reps[order], owner), max(len(reps) - 1, 0))
    known = reps[order][at] == owner if len(reps) else np.zeros(len(owner), dtype=bool)
    row, values = order[at[known]], values[known]
    counts = np.bincount(row, minlength=len(reps)).astype(float)
    sums = np.bincount(row, weights=values, minlength=len(reps))
    # each replication's values in table order: one stable sort, not a Python step per group
    by_row = np.argsort(row, kind="stable")
    bounds = np.searchsorted(row[by_row], np.arange(len(reps) + 1))
    ordered = values[by_row]
    return sums, counts, [ordered[bounds[k]:bounds[k + 1]] for k in range(len(reps))]


def _known(values: np.ndarray) -> np.ndarray:
    """Which values are present (not NaN, not None): pandas' ``notna`` of a column."""
    if values.dtype.kind == "f":
        return ~np.isnan(values)
    if values.dtype.kind == "O":
        return np.array([v is not None and not (isinstance(v, float) and math.isnan(v)) for v in values],
                        dtype=bool)
    return np.ones(len(values), dtype=bool)


def _family_rows(runs: Columns, outages: Columns, seed: int) -> dict[str, dict[str, float]]:
    """Mean (ratio of totals), pooled percentiles and maximum of each outage family."""
    rows: dict[str, dict[str, float]] = {}
    for prefix, (_, _, quantiles) in FAMILIES.items():
        got = family_events(runs, outages, prefix)
        if got is None or (prefix != "outage" and got[1].sum() == 0):
            continue
        sums, counts, arrays = got
        by_run = [a for a in arrays if len(a)]
        mean_name = {"outage": "mean_outage", "mttd": "mttd"}.get(prefix, f"{prefix}_mean")
        rows[mean_name] = _ratio_row(sums, counts)
        for q in quantiles:
            rows[f"{prefix}_p{q}"] = _pooled_row(by_run, q / 100, seed)
        if prefix != "mttd":
            rows[f"{prefix}_max"] = _pooled_row(by_run, None, seed)
    return rows


def summarise(runs: Any, outages: Any, seed: int = 0,
              metrics: Iterable[str] | None = None, duration_assumption: float | None = None) -> Any:
    """:func:`summary_rows` as a DataFrame (:func:`summary_frame`)."""
    return summary_frame(summary_rows(runs, outages, seed, metrics, duration_assumption))


def summary_frame(rows: dict[str, dict[str, Any]]) -> Any:
    """Summary rows as a DataFrame, indexed by metric, with the columns :data:`SUMMARY_COLUMNS`."""
    import pandas as pd

    table = pd.DataFrame.from_dict(rows, orient="index", columns=SUMMARY_COLUMNS)
    table.index.name = "metric"
    return table


def summary_rows(runs: Any, outages: Any, seed: int = 0, metrics: Iterable[str] | None = None,
                 duration_assumption: float | None = None) -> dict[str, dict[str, Any]]:
    """The summary: one row (a dict) per metric, keys mean, se, ci_low, ci_high, p05, p50, p95, n, unit.

    ``runs`` (one row per replication) and ``outages`` are tables: columns
    (:mod:`relsim.columns`) or DataFrames.

    Rows follow the registry's order (:data:`relsim.metric_registry.METRICS`).
    ``metrics`` names the metrics that apply to the model
    (:func:`relsim.metric_registry.applicable`); others are left out, as are
    metrics with no data at all (an outage percentile when no outage needed
    a failover). Confidence intervals are clipped to a metric's natural
    range (availability cannot exceed 1, downtime cannot be negative).

    ``events`` is what each interval rests on (outages, the metric's own
    events, replications...) and ``established`` whether that is enough
    for it; when it is not, the interval is replaced by one that is valid
    with few events, or by none, and ``note`` says which
    (:mod:`relsim.evidence`). ``duration_assumption`` is the stated bound
    on the mean outage duration used for availability and downtime when
    few outages were seen (:func:`relsim.evidence.outage_duration_assumption`).
    """
    runs, outages = as_columns(runs), as_columns(outages)
    wanted = set(METRICS if metrics is None else metrics)
    rows: dict[str, dict[str, float]] = {}
    for name in names("replication"):  # not PER_RUN: plugins may have added metrics since import
        if name in runs and name in wanted:
            rows[name] = _row(np.asarray(runs[name]))
    rows.update(_family_rows(runs, outages, seed))
    if "restores" in runs and np.sum(runs["restores"]) > 0:
        rows["restore_rto"] = _ratio_row(runs["restore_time_s"], runs["restores"])
    num, den, caused = change_share_columns()
    if num in runs and np.sum(runs[den]) > 0:  # share of downtime caused by changes; n = those outages
        rows["change_downtime_share"] = _ratio_row(runs[num], runs[den])
        rows["change_downtime_share"]["n"] = int(np.sum(runs[caused]))
    for name, (num, den) in UPKEEP_RATIOS.items():  # spares, inspections (relsim/upkeep_metrics.py)
        if den in runs:
            rows[name] = _ratio_row(runs[num], runs[den])
    for name, (num, den) in RATIOS.items():  # alerting and incidents (relsim/incident_metrics.py)
        if den in runs:  # a row even with no events (n = 0): the metric applies, it was not seen
            rows[name] = _ratio_row(runs[num], runs[den])
    unknown = set(rows) - set(METRICS)
    assert not unknown, f"metrics missing from relsim.metric_registry: {sorted(unknown)}"
    evidence = _Evidence(runs, outages, duration_assumption)
    return {name: evidence.judge(name, _clip(rows[name], name)) | {"unit": METRICS[name].unit}
            for name in METRICS if name in rows and name in wanted}


class _Evidence:
    """Counts what each summary row rests on and replaces intervals that overclaim."""

    def __init__(self, runs: Columns, outages: Columns, duration_assumption: float | None):
        self.runs = runs
        self.outage_table = outages
        self.replications = length(runs)
        self.exposure = float(np.sum(runs["horizon_s"])) if "horizon_s" in runs else math.nan
        self.outages = int(np.sum(runs["outages"])) if "outages" in runs else 0
        longest = float(np.max(np.asarray(outages["duration_s"], dtype=float))) if length(outages) else 0.0
        self.duration = None if duration_assumption is None else max(float(duration_assumption), longest)

    def judge(self, name: str, row: dict[str, Any]) -> dict[str, Any]:
        kind = METRICS[name].evidence
        row = dict(row)
        handler = getattr(self, f"_{kind}")
        events, established, note = handler(name, row)
        row.update(events=int(events), established=bool(established), note=note)
        return row

    def _few(self, events: int, what: str) -> str:
        return f"not established: {events} {what} in {self.replications} replications (fewer than {MIN_EVENTS})"

    def _sparse(self, events: int) -> str:
        return f"not established: not zero in {events} of {self.replications} replications (fewer than {MIN_EVENTS})"

    def _outages(self, name: str, row: dict[str, Any]) -> tuple[int, bool, str]:
        k = self.outages
        if k >= MIN_EVENTS and self.replications > 1:
            return k, True, ""
        note = self._few(k, "outages" if k != 1 else "outage")
        lam_lo, lam_hi = poisson_interval(k, self.exposure)
        if name == "outages_per_year":
            row["ci_low"], row["ci_high"] = lam_lo * YEAR, lam_hi * YEAR
            return k, False, note + "; exact Poisson interval"
        bound = None if self.duration is None else lam_hi * self.duration
        if bound is None:
            row["ci_low"] = row["ci_high"] = math.nan
            return k, False, note + "; no interval"
        assumption = f"if outages last at most {format_duration(self.duration)} on average"
        if name == "downtime_per_year":
            row["ci_low"], row["ci_high"] = 0.0, bound * YEAR
        elif METRICS[name].unit == "fraction" and name != "slo_met":
            row["ci_low"], row["ci_high"] = max(0.0, 1.0 - bound), 1.0
        else:
            row["ci_low"] = row["ci_high"] = math.nan
            return k, False, note + "; no interval"
        return k, False, note + f"; one-sided bound {assumption}"

    def _count(self, name: str, row: dict[str, Any]) -> tuple[int, bool, str]:
        values = np.asarray(self.runs[name], dtype=float) * np.asarray(self.runs["horizon_s"], dtype=float) / YEAR
        k = int(round(float(np.nansum(values))))
        if k >= MIN_EVENTS and self.replications > 1:
            return k, True, ""
        lo, hi = poisson_interval(k, self.exposure)
        row["ci_low"], row["ci_high"] = lo * YEAR, hi * YEAR
        return k, False, self._few(k, "events") + "; exact Poisson interval"

    def _episodes(self, name: str, row: dict[str, Any]) -> tuple[int, bool, str]:
        values = np.asarray(self.runs[name], dtype=float)
        quiet = 1.0 if METRICS[name].unit == "fraction" else 0.0
        k = int(np.sum(~np.isnan(values) & (values != quiet)))
        if k >= MIN_EVENTS:
            return k, True, ""
        row["ci_low"] = row["ci_high"] = math.nan
        return k, False, self._sparse(k) + "; no interval"

    def _replications(self, name: str, row: dict[str, Any]) -> tuple[int, bool, str]:
        n = int(row["n"])
        if n >= MIN_EVENTS:
            return n, True, ""
        row["ci_low"] = row["ci_high"] = math.nan
        return n, False, f"not established: {n} replications (fewer than {MIN_EVENTS}); no interval"

    def _bernoulli(self, name: str, row: dict[str, Any]) -> tuple[int, bool, str]:
        values = np.asarray(self.runs[name], dtype=float)
        values = values[~np.isnan(values)]
        k = int(np.sum(values > 0))
        row["ci_low"], row["ci_high"] = binomial_interval(k, len(values))
        return k, len(values) > 0, "exact Clopper-Pearson interval"

    def _events(self, name: str, row: dict[str, Any]) -> tuple[int, bool, str]:
        k = int(row["n"])
        if k >= MIN_EVENTS:
            return k, True, ""
        row["ci_low"] = row["ci_high"] = math.nan
        what = "outages" if name in ("mean_outage", "rto_mean", "rpo_mean") else "events"
        return k, False, self._few(k, what) + "; no interval"

    def _quantile(self, name: str, row: dict[str, Any]) -> tuple[int, bool, str]:
        k = int(row["n"])
        q = int(name.rsplit("_p", 1)[1]) / 100
        need = quantile_events_needed(q)
        if k >= need and not math.isnan(row["ci_low"]):
            return k, True, ""
        row["ci_low"] = row["ci_high"] = math.nan
        units = self._replications_with_events(name.rsplit("_p", 1)[0])
        if k >= need and units < BOOTSTRAP_REPLICATIONS:
            return k, False, (f"not established: {k} events from {units} replications, a percentile's "
                              f"bootstrap needs events from {BOOTSTRAP_REPLICATIONS}; no interval")
        if k >= need:  # enough events, but every resample gives the same value (ties)
            return k, False, (f"not established: {k} events, but the resampled percentiles do not vary "
                              "(tied values around it); no interval")
        return k, False, (f"not established: {k} events, a {100 * q:g}th percentile needs {need} "
                          "(5 beyond it); no interval")

    def _replications_with_events(self, prefix: str) -> int:
        """In how many replications the outage family ``prefix`` has events."""
        got = family_events(self.runs, self.outage_table, prefix)
        return 0 if got is None else int(np.count_nonzero(got[1]))

    def _maximum(self, name: str, row: dict[str, Any]) -> tuple[int, bool, str]:
        row["ci_low"] = row["ci_high"] = math.nan
        return int(row["n"]), False, "the largest observed value: a maximum has no confidence interval"
