"""Results of many replications: per-replication rows and outages with provenance.

A run keeps its tables as columns (:mod:`relsim.columns`) and summarises
them without pandas; ``Results.runs`` and ``Results.outages`` are pandas
DataFrames made from them on first use.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

from relsim import columns as cols
from relsim.engine.response import PAGE_FIELDS
from relsim.evidence import MIN_EVENTS
from relsim.incident_metrics import RECORD_KEYS, incident_frames
from relsim.metrics import summary_frame, summary_rows
from relsim.service_verdicts import service_verdicts
from relsim.store import OUTAGE_COLUMNS

__all__ = ["Results"]



class Results:
    """What :func:`relsim.run` returns.

    Attributes
    ----------
    runs : DataFrame
        One row per replication: provenance (``model``, ``seed``,
        ``replication``, ``horizon_s``) and every per-replication metric.
    outages : DataFrame
        One row per outage of the entry service: ``replication``, ``start_s``,
        ``end_s``, ``duration_s``, root cause (``cause_element``,
        ``cause_spec``, ``cause_kind``), phase durations (``detection_s``,
        ``failover_s``, ``restore_s``) and ``censored`` (cut by the horizon).
    n_runs : int
        The number of replications (``len(runs)``, without making the DataFrame).
    stopping : dict or None
        With a stopping rule (``run(..., until=...)``): the rule, whether it
        was met, the replications used and the half-width reached.
    assumptions : dict
        What the summary assumes where the data are few:
        ``outage_duration_s``, the stated bound on the mean outage duration
        (:func:`relsim.evidence.outage_duration_assumption`).
    metrics : tuple of str or None
        The metrics that apply to the model
        (:func:`relsim.metric_registry.applicable`); the summary holds only
        these. ``None``: every metric with data.

    ``runs`` and ``outages`` may be given (and set) as DataFrames or as
    columns (:mod:`relsim.columns`).
    """

    def __init__(self, model: str, seed: int, horizon: float, runs: Any, outages: Any,
                 objectives: dict[str, Any] | None = None, version: str = "",
                 stopping: dict[str, Any] | None = None, metrics: tuple[str, ...] | None = None,
                 assumptions: dict[str, Any] | None = None, incident_table: Any = None,
                 page_table: Any = None):
        self.model = model
        self.seed = seed
        self.horizon = horizon
        self.objectives: dict[str, Any] = dict(objectives or {})
        self.version = version
        self.stopping = stopping
        self.metrics = metrics
        self.assumptions: dict[str, Any] = dict(assumptions or {})
        #: Incident response and pages with alerts or teams (relsim/incident_metrics.py).
        self.incident_table = incident_table
        self.page_table = page_table
        self._summary: dict[str, dict[str, Any]] | None = None
        self.runs = runs
        self.outages = outages

    @property
    def runs(self) -> Any:
        if self._runs_frame is None:
            self._runs_frame = cols.to_frame(self._runs)
        return self._runs_frame

    @runs.setter
    def runs(self, table: Any) -> None:
        self._runs_frame = table if hasattr(table, "columns") else None
        self._runs = cols.as_columns(table)
        self._summary = None

    @property
    def outages(self) -> Any:
        if self._outages_frame is None:
            self._outages_frame = cols.to_frame(self._outages, OUTAGE_COLUMNS)
        return self._outages_frame

    @outages.setter
    def outages(self, table: Any) -> None:
        self._outages_frame = table if hasattr(table, "columns") else None
        self._outages = cols.as_columns(table)
        self._summary = None

    @property
    def n_runs(self) -> int:
        return cols.length(self._runs)

    def tables(self) -> tuple[cols.Columns, cols.Columns]:
        """``runs`` and ``outages`` as columns (:mod:`relsim.columns`), as the summary reads them."""
        return self._runs, self._outages

    @classmethod
    def from_records(cls, model: str, seed: int, horizon: float,
                     records: Sequence[tuple[int, dict[str, Any], list[tuple[Any, ...]]]],
                     objectives: dict[str, Any] | None = None, version: str = "",
                     metrics: Sequence[str] | None = None,
                     assumptions: dict[str, Any] | None = None) -> Results:
        """Build Results from ``(replication, metrics, outages)`` records, in the given order."""
        rows = [{"model": model, "seed": seed, "replication": i, "horizon_s": horizon,
                 **{k: v for k, v in m.items() if k not in RECORD_KEYS}} for i, m, _ in records]
        incident_table, page_table = incident_frames(model, seed, records)
        runs = cols.from_rows(rows)
        outage_rows = [(model, seed, i, *o) for i, _, outs in records for o in outs]
        outages = cols.from_tuples(outage_rows, OUTAGE_COLUMNS)
        return cls(model, seed, horizon, runs, outages, dict(objectives or {}), version,
                   metrics=None if metrics is None else tuple(metrics), assumptions=dict(assumptions or {}),
                   incident_table=incident_table, page_table=page_table)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Results:
        """Read the results a run wrote with ``out=path`` (``relsim run --out``).

        Every replication on disk is loaded, sorted by replication, also from
        a run that was interrupted (``Results.stopping`` and the manifest's
        ``complete`` flag tell whether it finished).
        """
        from relsim.store import ResultStore

        store = ResultStore.open(path)
        m = store.manifest
        runs, outages = store.frames()
        incident_table, page_table = store.incident_frames()
        return cls(m["model"], m["seed"], m["horizon_s"], runs, outages, dict(m.get("objectives") or {}),
                   m.get("version", ""), stopping=m.get("stopping"),
                   metrics=tuple(m["metrics"]) if m.get("metrics") is not None else None,
                   assumptions=dict(m.get("assumptions") or {}),
                   incident_table=incident_table, page_table=page_table)

    def summary_rows(self) -> dict[str, dict[str, Any]]:
        """:meth:`summary` as ``{metric: {column: value}}``, made without pandas."""
        if self._summary is None:
            self._summary = summary_rows(self._runs, self._outages, self.seed, self.metrics,
                                         self.assumptions.get("outage_duration_s"))
        return self._summary

    def summary(self) -> Any:
        """One row per metric that applies (a DataFrame indexed by metric).

        Columns: mean, se, ci_low, ci_high, p05, p50, p95, n, ``events`` (what
        the interval rests on), ``established`` (enough of them for it),
        ``note`` (why not, and which interval stands in) and unit.
        """
        return summary_frame(self.summary_rows())

    @property
    def plot(self) -> Any:
        """Figures of these results (``results.plot.availability()``, ...): :class:`relsim.report.plots.ResultsPlots`."""
        # the presentation layer, imported on first use so that matplotlib loads only for figures
        from relsim.report.plots import ResultsPlots

        return ResultsPlots(self)

    def __getitem__(self, metric: str) -> float:
        """The mean of ``metric``: ``results["availability"]``."""
        return float(self.summary_rows()[metric]["mean"])

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``relsim run --json`` (docs/model-format.md §16)."""
        metrics = {}
        for name, row in self.summary_rows().items():
            metrics[str(name)] = {
                "mean": _num(row["mean"]),
                "se": _num(row["se"]),
                "ci95": [_num(row["ci_low"]), _num(row["ci_high"])],
                "p05": _num(row["p05"]),
                "p50": _num(row["p50"]),
                "p95": _num(row["p95"]),
                "n": int(row["n"]),
                "events": int(row["events"]),
                "established": bool(row["established"]),
                "note": row["note"] or None,
                "unit": row["unit"],
            }
        doc: dict[str, Any] = {
            "model": self.model,
            "runs": self.n_runs,
            "seed": self.seed,
            "horizon_s": self.horizon,
            "version": self.version,
            "metrics": metrics,
        }
        if self.objectives:
            doc["objectives"] = self.objectives_met()
        if self.stopping is not None:
            doc["stopping"] = self.stopping
        return doc

    def objectives_met(self) -> dict[str, Any]:
        """Each objective with its verdict and the figures behind it.

        ``verdict`` is ``"met"``, ``"not met"`` or ``"not established"``,
        and ``reason`` says why. Availability is met when the whole 95 %
        interval lies at or above the target, not met when it lies below,
        and not established when the interval straddles the target or rests
        on too few outages (relsim.evidence). RTO and RPO are judged per
        incident: not met as soon as one incident exceeded the objective,
        met when every incident met it and there were at least
        :data:`relsim.evidence.MIN_EVENTS` of them, else not established.
        """
        out: dict[str, Any] = {}
        s = self.summary_rows()
        target = self.objectives.get("availability")
        if target is not None:
            # With a workload users see requests: the objective is judged on
            # the share of requests served, whatever objectives.outage_below
            # calls an outage (docs/model-format.md §12).
            measure = "request_success" if "request_success" in s else "availability"
            if self.objectives.get("planned_counts") is False and measure == "availability" \
                    and "unplanned_availability" in s:
                measure = "unplanned_availability"  # planned work does not count (docs/changes.md)
            row = s[measure]
            verdict, reason = _availability_verdict(row, target, self.n_runs, self.horizon)
            out["availability"] = {
                "target": target,
                "measure": measure,
                "mean": _num(row["mean"]),
                "ci95": [_num(row["ci_low"]), _num(row["ci_high"])],
                "outages": int(row["events"]),
                "verdict": verdict,
                "reason": reason,
                "met": verdict == "met",
            }
        inc = None
        for name, column, flag in (("rto", "duration_s", "rto_met"), ("rpo", "rpo_s", "rpo_met")):
            target = self.objectives.get(name)
            if target is None:
                continue
            inc = self.incidents() if inc is None else inc
            if flag not in inc:
                continue
            judged = inc[inc[flag].notna()]
            n = len(judged)
            worst = float(judged[column].max()) if n else math.nan
            missed = int((~judged[flag].astype(bool)).sum()) if n else 0
            if missed:
                verdict, reason = "not met", f"{missed} of {n} incidents exceeded it"
            elif n >= MIN_EVENTS:
                verdict, reason = "met", f"all {n} incidents met it"
            else:
                verdict = "not established"
                reason = (f"only {n} incident{'s' * (n != 1)} to judge (fewer than {MIN_EVENTS}); "
                          "run more or longer replications")
            out[name] = {
                "target": target,
                "incidents": n,
                "met_fraction": _num(judged[flag].astype(float).mean()) if n else None,
                "worst": _num(worst),
                "verdict": verdict,
                "reason": reason,
                "met": verdict == "met",
            }
        services = self.objectives.get("services")
        if services:  # services with their own objectives (relsim/service_verdicts.py)
            out["services"] = service_verdicts(self._runs, services, self.horizon, _availability_verdict)
        return out

    def incidents(self) -> Any:
        """The outages with, where objectives apply, ``rto_met`` and ``rpo_met`` per incident.

        RTO is judged on outages that needed a failover or restore, RPO on
        outages ended by a failover or restore (``rpo_s`` known); other rows
        hold NA.
        """
        out = self.outages.copy()
        rto, rpo = self.objectives.get("rto"), self.objectives.get("rpo")
        if rto is not None and "needed_failover" in out:
            out["rto_met"] = (out["duration_s"] <= rto).where(out["needed_failover"].astype(bool))
        if rpo is not None and "rpo_s" in out:
            out["rpo_met"] = (out["rpo_s"] <= rpo).where(out["rpo_s"].notna())
        table = self.incident_table
        if table is not None and len(out):  # alerts and teams: severity, pages, response phases (docs/incidents.md)
            extra = table.drop(columns=[c for c in table.columns if c in out.columns
                                        and c not in ("replication", "start_s")])
            out = out.merge(extra, on=["replication", "start_s"], how="left")
        return out

    def pages(self) -> Any:
        """One row per page of the alert rules (models with ``alerts:``; empty otherwise)."""
        if self.page_table is None:
            import pandas as pd

            return pd.DataFrame(columns=["model", "seed", "replication", *PAGE_FIELDS])
        return self.page_table.copy()

    def __repr__(self) -> str:
        return (f"<Results {self.model!r}: {self.n_runs} runs, seed={self.seed}, "
                f"{cols.length(self._outages)} outages>")


def _availability_verdict(row: Any, target: float, runs: int, horizon: float) -> tuple[str, str]:
    lo, hi = float(row["ci_low"]), float(row["ci_high"])
    if not row["established"]:
        note = str(row["note"]).removeprefix("not established: ")
        advice = (f"{note}. Run longer (--horizon), more replications (--until 'availability "
                  "ci<...'), or estimate a rare unavailability with relsim rare")
        if not math.isnan(lo) and lo >= target:
            return "met", f"the bound {lo:.6f} is at or above the target, {note.split('; ', 1)[-1]}"
        if not math.isnan(hi) and hi < target:
            return "not met", f"the whole interval lies below the target ({note})"
        return "not established", advice
    if lo >= target:
        return "met", f"the whole 95% interval [{lo:.6f}, {hi:.6f}] is at or above the target"
    if hi < target:
        return "not met", f"the whole 95% interval [{lo:.6f}, {hi:.6f}] lies below the target"
    return "not established", (f"the 95% interval [{lo:.6f}, {hi:.6f}] contains the target; run more "
                               "replications (--until 'availability ci<...')")


def _num(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x
