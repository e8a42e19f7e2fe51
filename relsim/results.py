"""Results of many replications as pandas DataFrames with provenance."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from relsim.engine import OUTAGE_FIELDS
from relsim.metrics import summarise

__all__ = ["Results"]


@dataclass
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
    stopping : dict or None
        With a stopping rule (``run(..., until=...)``): the rule, whether it
        was met, the replications used and the half-width reached.
    metrics : tuple of str or None
        The metrics that apply to the model
        (:func:`relsim.metric_registry.applicable`); the summary holds only
        these. ``None``: every metric with data.
    """

    model: str
    seed: int
    horizon: float
    runs: pd.DataFrame
    outages: pd.DataFrame
    objectives: dict[str, Any] = field(default_factory=dict)
    version: str = ""
    stopping: dict[str, Any] | None = None
    metrics: tuple[str, ...] | None = None
    _summary: pd.DataFrame | None = field(default=None, repr=False)

    @classmethod
    def from_records(cls, model: str, seed: int, horizon: float,
                     records: Sequence[tuple[int, dict[str, Any], list[tuple[Any, ...]]]],
                     objectives: dict[str, Any] | None = None, version: str = "",
                     metrics: Sequence[str] | None = None) -> Results:
        """Build Results from ``(replication, metrics, outages)`` records, in the given order."""
        rows = [{"model": model, "seed": seed, "replication": i, "horizon_s": horizon, **m}
                for i, m, _ in records]
        runs = pd.DataFrame(rows)
        outage_rows = [(model, seed, i, *o) for i, _, outs in records for o in outs]
        outages = pd.DataFrame(outage_rows, columns=["model", "seed", "replication", *OUTAGE_FIELDS])
        return cls(model, seed, horizon, runs, outages, dict(objectives or {}), version,
                   metrics=None if metrics is None else tuple(metrics))

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
        return cls(m["model"], m["seed"], m["horizon_s"], runs, outages, dict(m.get("objectives") or {}),
                   m.get("version", ""), stopping=m.get("stopping"),
                   metrics=tuple(m["metrics"]) if m.get("metrics") is not None else None)

    def summary(self) -> pd.DataFrame:
        """One row per metric that applies: mean, se, ci_low, ci_high, p05, p50, p95, n, unit."""
        if self._summary is None:
            self._summary = summarise(self.runs, self.outages, self.seed, self.metrics)
        return self._summary

    def __getitem__(self, metric: str) -> float:
        """The mean of ``metric``: ``results["availability"]``."""
        return float(self.summary().loc[metric, "mean"])

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``relsim run --json`` (docs/model-format.md §16)."""
        metrics = {}
        for name, row in self.summary().iterrows():
            metrics[str(name)] = {
                "mean": _num(row["mean"]),
                "se": _num(row["se"]),
                "ci95": [_num(row["ci_low"]), _num(row["ci_high"])],
                "p05": _num(row["p05"]),
                "p50": _num(row["p50"]),
                "p95": _num(row["p95"]),
                "n": int(row["n"]),
                "unit": row["unit"],
            }
        doc: dict[str, Any] = {
            "model": self.model,
            "runs": len(self.runs),
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
        """Each objective with the estimate it is judged on and the verdict."""
        out: dict[str, Any] = {}
        s = self.summary()
        target = self.objectives.get("availability")
        if target is not None:
            row = s.loc["availability"]
            out["availability"] = {
                "target": target,
                "mean": _num(row["mean"]),
                "met": bool(row["mean"] >= target),
                "confident": bool(row["ci_low"] >= target) if not math.isnan(row["ci_low"]) else None,
            }
        inc = self.incidents()
        for name, column, flag in (("rto", "duration_s", "rto_met"), ("rpo", "rpo_s", "rpo_met")):
            target = self.objectives.get(name)
            if target is None or flag not in inc:
                continue
            judged = inc[inc[flag].notna()]
            worst = float(judged[column].max()) if len(judged) else math.nan
            out[name] = {
                "target": target,
                "incidents": len(judged),
                "met_fraction": _num(judged[flag].astype(float).mean()) if len(judged) else None,
                "worst": _num(worst),
                "met": bool(judged[flag].all()) if len(judged) else True,
            }
        return out

    def incidents(self) -> pd.DataFrame:
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
        return out

    def __repr__(self) -> str:
        return f"<Results {self.model!r}: {len(self.runs)} runs, seed={self.seed}, {len(self.outages)} outages>"


def _num(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x
